"""Exporting the consent log as CSV or JSON Lines, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from typing import IO, Any

from banner.log.store import Decision

COLUMNS: tuple[str, ...] = (
    "consent_id",
    "site",
    "recorded_at",
    "action",
    "granted",
    "denied",
    "policy_version",
    "language",
    "text_hash",
    "source",
    "page_origin",
    "page_path",
    "gpc",
    "ip_masked",
    "user_agent",
    "age_confirmed",
)
#: Cells starting with these are formulas to spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "jsonl")


def spreadsheet_safe(value: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with ``'``."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_cells(decision: Decision) -> list[str]:
    record = decision.as_record()
    record["granted"] = " ".join(decision.granted)
    record["denied"] = " ".join(decision.denied)
    record["gpc"] = "true" if decision.gpc else "false"
    record["age_confirmed"] = "true" if decision.age_confirmed else "false"
    return [spreadsheet_safe(str(record[c])) for c in COLUMNS]


def write_csv(rows: Iterable[Decision], out: IO[str], progress: Callable[[], None]) -> int:
    """Write a header and one line per row; return the row count."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    return _each(rows, lambda d: writer.writerow(_csv_cells(d)), progress)


def write_jsonl(rows: Iterable[Decision], out: IO[str], progress: Callable[[], None]) -> int:
    """Write one JSON object per line; return the row count."""

    def emit(decision: Decision) -> None:
        out.write(json.dumps(decision.as_record(), ensure_ascii=False) + "\n")

    return _each(rows, emit, progress)


def _each(
    rows: Iterable[Decision], emit: Callable[[Decision], Any], tick: Callable[[], None]
) -> int:
    count = 0
    for count, decision in enumerate(rows, start=1):  # noqa: B007 - count is the result
        emit(decision)
        tick()
    return count


WRITERS = {"csv": write_csv, "jsonl": write_jsonl}
