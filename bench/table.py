"""Markdown tables: printed by every benchmark and pasted into RESULTS.md."""

from __future__ import annotations

from collections.abc import Sequence


def markdown(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table; numbers are right-aligned."""
    align = ["---:" if _numeric(rows, n) else "---" for n in range(len(headers))]
    lines = [_line(headers), _line(align)]
    lines.extend(_line([str(cell) for cell in row]) for row in rows)
    return "\n".join(lines)


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _numeric(rows: Sequence[Sequence[object]], column: int) -> bool:
    cells = [str(row[column]) for row in rows if column < len(row)]
    return bool(cells) and all(c.lstrip("-")[:1].isdigit() for c in cells if c not in ("—", ""))
