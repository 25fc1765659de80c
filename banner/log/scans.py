"""Stored cookie-scan reports (``banner scan --save``), read by the dashboard."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from banner.log.schema import scan_reports
from banner.log.store import ConsentLog, StoreUnavailable, as_utc, translate_error


@dataclass(frozen=True, slots=True)
class StoredScan:
    """One saved report (the ``report.json`` document) and when it was made."""

    scan_id: int
    site: str
    scanned_at: datetime
    url: str
    violations: int
    report: dict[str, Any]


def save_scan(log: ConsentLog, site: str, scanned_at: datetime, report: dict[str, Any]) -> int:
    """Store ``report`` for ``site``; return its id.

    :raises StoreUnavailable: when it could not be committed.
    """
    values = {
        "site": site,
        "scanned_at": scanned_at,
        "url": str(report.get("url", ""))[:2048],
        "violations": len(report.get("violations", [])),
        "report": json.dumps(report, ensure_ascii=False, sort_keys=True),
    }
    try:
        with log.engine.begin() as conn:
            result = conn.execute(scan_reports.insert().values(**values))
            key = result.inserted_primary_key
            return int(key[0]) if key else 0
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc


def latest_scan(log: ConsentLog, site: str) -> StoredScan | None:
    """The newest saved report of ``site``, or ``None``.

    :raises StoreUnavailable: when the database cannot be read.
    """
    query = (
        sa.select(scan_reports)
        .where(scan_reports.c.site == site)
        .order_by(scan_reports.c.scan_id.desc())
        .limit(1)
    )
    try:
        with log.engine.connect() as conn:
            row = conn.execute(query).first()
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc
    if row is None:
        return None
    return StoredScan(
        scan_id=row.scan_id,
        site=row.site,
        scanned_at=as_utc(row.scanned_at),
        url=row.url,
        violations=row.violations,
        report=json.loads(row.report),
    )


__all__ = ["StoreUnavailable", "StoredScan", "latest_scan", "save_scan"]
