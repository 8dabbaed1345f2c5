"""Shared plumbing: CSV cells that a spreadsheet will not run as formulas (OWASP CSV injection).

Input: a text cell about to be written to a CSV file (or one read back from a file sibc wrote).
Output: the cell with a single quote `'` in front when it begins with `=`, `+`, `-`, `@`, a tab
or a carriage return, so Excel, LibreOffice and Google Sheets show it as text instead of
evaluating it. Only text columns are escaped: number columns (money, counts) and dates are
written by sibc from exact values and are never touched.

The escape round-trips: `unescape_cell(escape_cell(s)) == s` for every string. A cell that
already looks escaped (one or more quotes, then one of the characters above, such as `'=x`)
gets one more quote when written, and a reader drops exactly one quote from such a cell, so a
claim id `'=x` survives a write and a read. Any other cell, including one that merely starts
with a quote (`'t Hooft`), is written and read unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable

TRIGGERS = frozenset("=+-@\t\r")
RISKY_FIRST = TRIGGERS | {"'"}  # a cell not starting with one of these is written as it is
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def escape_cell(value: object) -> str:
    """The text of a CSV cell, with a `'` in front if a spreadsheet would read it as a formula.
    None is the empty cell."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    if text and (text[0] in TRIGGERS or (text[0] == "'" and _ESCAPED.match(text))):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """The inverse of `escape_cell`: drop the one quote that `escape_cell` put in front."""
    if text[:1] == "'" and _ESCAPED.match(text):
        return text[1:]
    return text


def escape_row(cells: Iterable[object], numeric: Container[int] = ()) -> list[object]:
    """A row ready for `csv.writer`: every cell escaped except those at the `numeric` positions
    (money and counts, which are numbers and stay numbers)."""
    return [cell if i in numeric else escape_cell(cell) for i, cell in enumerate(cells)]
