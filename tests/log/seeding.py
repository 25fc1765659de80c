"""Many decisions at once, through the same numbering as the group commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from banner.log import tree
from banner.log.schema import consent_log
from banner.log.store import ConsentLog, Decision, _row_values

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def decision(number: int, site: str = "tokodemo", **changes: object) -> Decision:
    """Decision ``number``: its own consent id, a second later than the one before."""
    fields: dict[str, object] = {
        "consent_id": f"seeded-consent-{number:012d}",
        "site": site,
        "recorded_at": T0 + timedelta(seconds=number),
        "action": "custom",
        "granted": ("analytics",) if number % 2 else (),
        "denied": ("functional", "preference") if number % 2 else ("analytics",),
        "policy_version": 3,
        "language": "id" if number % 3 else "en",
        "text_hash": f"{number % 7:064x}",
        "source": "banner",
        "page_origin": "https://www.tokodemo.co.id",
        "page_path": "/produk/kopi-ñ",
        "gpc": number % 5 == 0,
        "ip_masked": "203.0.113.0/24",
        "user_agent": "Mozilla/5.0 “quoted”",
        **changes,
    }
    return Decision(**fields)  # type: ignore[arg-type]


def seed(
    log: ConsentLog,
    count: int,
    start: int = 0,
    chunk: int = 5000,
    make: Callable[[int], Decision] = decision,
) -> None:
    """Append decisions ``start .. start + count - 1`` in transactions of ``chunk``."""
    for first in range(start, start + count, chunk):
        decisions = [make(n) for n in range(first, min(first + chunk, start + count))]
        rows = [_row_values(d) for d in decisions]
        with log.engine.begin() as conn:
            tree.append(conn, decisions, rows)
            conn.execute(consent_log.insert(), rows)
