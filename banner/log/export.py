"""Exporting the consent log as CSV or JSON Lines, safe to open in a spreadsheet.

With the archived notices (``banner log export --with-notices``), each notice
the exported decisions refer to is written once, after the decisions:

- JSON Lines: every line carries ``"record"``: ``"decision"`` lines are the
  rows as without notices, ``"notice"`` lines are
  ``{"record": "notice", "hash", "first_seen", "document"}``.
- CSV: the decisions file is unchanged; the notices go to a twin file
  (``consent.csv`` -> ``consent.notices.csv``) with the columns
  :data:`NOTICE_COLUMNS`, ``document`` holding the canonical JSON whose
  SHA-256 is the ``hash`` (and the decisions' ``text_hash``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from banner.log.notices import ArchivedNotice
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
#: A formula start at the start of a cell or after anything a spreadsheet may split
#: cells on (``,`` ``;`` tab, a line end), past blanks and quotes: a program that
#: splits on ``;`` (Indonesian settings) sees ``Mozilla;=WEBSERVICE(...)`` as two cells.
_FORMULA_CELL = re.compile(r"(^|[,;\t\r\n])([\s\"']*)(?=[=+\-@\t\r])")
FORMATS = ("csv", "jsonl")
NOTICE_COLUMNS: tuple[str, ...] = ("hash", "first_seen", "document")


def spreadsheet_safe(value: str) -> str:
    """``value`` with ``'`` before every formula start a spreadsheet could see.

    Not only at the start of the cell: after every ``,`` ``;`` tab or line
    end too (and the blanks or quotes after it), as a spreadsheet splitting
    on another separator than ours would start a cell there (issue 26).
    """
    return _FORMULA_CELL.sub(r"\1\2'", value)


def _csv_cells(decision: Decision) -> list[str | int]:
    record = decision.as_record()
    record["granted"] = " ".join(decision.granted)
    record["denied"] = " ".join(decision.denied)
    record["gpc"] = "true" if decision.gpc else "false"
    record["age_confirmed"] = "true" if decision.age_confirmed else "false"
    return [_cell(record[c]) for c in COLUMNS]


def _cell(value: object) -> str | int:
    """Whole numbers as numbers; anything else as text made spreadsheet-safe (quoted)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return spreadsheet_safe(str(value))


def csv_writer(out: IO[str]) -> Any:
    """A :mod:`csv` writer quoting every text cell (numbers stay bare)."""
    return csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)


def csv_lines(rows: Iterable[Decision]) -> Iterator[str]:
    """The header, then one CSV line per row (``\\r\\n`` ends, as :mod:`csv` writes)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    yield _taken(buffer, writer.writerow(COLUMNS))
    for decision in rows:
        yield _taken(buffer, writer.writerow(_csv_cells(decision)))


def _taken(buffer: io.StringIO, _written: object) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def jsonl_lines(rows: Iterable[Decision], tagged: bool = False) -> Iterator[str]:
    """One JSON object per line (``tagged``: with ``"record": "decision"``)."""
    tag = {"record": "decision"} if tagged else {}
    for decision in rows:
        yield json.dumps({**tag, **decision.as_record()}, ensure_ascii=False) + "\n"


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


def write_jsonl(
    rows: Iterable[Decision], out: IO[str], progress: Callable[[], None], *, tagged: bool = False
) -> int:
    """Write one JSON object per line; return the row count.

    :param tagged: add ``"record": "decision"`` (when notices follow).
    """
    return _each(jsonl_lines(rows, tagged), out, progress)


def remembering(rows: Iterable[Decision], hashes: dict[str, None]) -> Iterator[Decision]:
    """Pass ``rows`` through, noting each notice hash in ``hashes`` (first use first)."""
    for decision in rows:
        hashes.setdefault(decision.text_hash)
        yield decision


def write_notices_jsonl(notices: Iterable[ArchivedNotice], out: IO[str]) -> None:
    for notice in notices:
        record = {"record": "notice", **notice.as_record()}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_notices_csv(notices: Iterable[ArchivedNotice], out: IO[str]) -> None:
    """The archived notices, every cell quoted.

    ``document`` is left byte for byte (its SHA-256 is ``hash``): it is the
    operator's config and catalogs as canonical JSON, never a visitor's input,
    and it starts with ``{``. Open it as JSON, not in a spreadsheet.
    """
    writer = csv_writer(out)
    writer.writerow(NOTICE_COLUMNS)
    for notice in notices:
        record = notice.as_record()
        safe = [spreadsheet_safe(str(record["hash"])), spreadsheet_safe(str(record["first_seen"]))]
        writer.writerow([*safe, notice.text])


def _each(lines: Iterator[str], out: IO[str], tick: Callable[[], None]) -> int:
    count = 0
    for count, line in enumerate(lines, start=1):  # noqa: B007 - count is the result
        out.write(line)
        tick()
    return count


WRITERS = {"csv": write_csv, "jsonl": write_jsonl}
