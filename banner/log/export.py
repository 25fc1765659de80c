"""Exporting the consent log as CSV or JSON Lines, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import IO

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
    return [spreadsheet_safe(str(record[c])) for c in COLUMNS]


def csv_lines(rows: Iterable[Decision]) -> Iterator[str]:
    """The header, then one CSV line per row (``\\r\\n`` ends, as :mod:`csv` writes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield _taken(buffer, writer.writerow(COLUMNS))
    for decision in rows:
        yield _taken(buffer, writer.writerow(_csv_cells(decision)))


def _taken(buffer: io.StringIO, _written: object) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def jsonl_lines(rows: Iterable[Decision]) -> Iterator[str]:
    """One JSON object per line."""
    for decision in rows:
        yield json.dumps(decision.as_record(), ensure_ascii=False) + "\n"


#: format -> its lines; the CLI writes them to a file, the dashboard streams them.
LINES: dict[str, Callable[[Iterable[Decision]], Iterator[str]]] = {
    "csv": csv_lines,
    "jsonl": jsonl_lines,
}


def write_csv(rows: Iterable[Decision], out: IO[str], progress: Callable[[], None]) -> int:
    """Write a header and one line per row; return the row count."""
    lines = csv_lines(rows)
    out.write(next(lines))
    return _each(lines, out, progress)


def write_jsonl(rows: Iterable[Decision], out: IO[str], progress: Callable[[], None]) -> int:
    """Write one JSON object per line; return the row count."""
    return _each(jsonl_lines(rows), out, progress)


def _each(lines: Iterator[str], out: IO[str], tick: Callable[[], None]) -> int:
    count = 0
    for count, line in enumerate(lines, start=1):  # noqa: B007 - count is the result
        out.write(line)
        tick()
    return count


WRITERS = {"csv": write_csv, "jsonl": write_jsonl}
