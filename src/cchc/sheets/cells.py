"""Cells of exported spreadsheets that are data, never formulas (CSV/formula injection, OWASP).

A name typed by an applicant — `=HYPERLINK("http://…","Bấm vào đây")` — or a phone number `+84…` must
open in Excel or LibreOffice as the text it is, not run. Every CSV and XLSX that cchc writes goes through
here:

- CSV: a text starting with = + - @, a tab or a carriage return (after any apostrophes) gets one more
  apostrophe in front, which spreadsheets read as "this is text". cchc's own reader (cchc.sheets.tabular)
  takes that apostrophe off again, so an export imports back unchanged.
- XLSX: every text is a string cell (data_type "s"); openpyxl would otherwise store a text starting with
  "=" as a live formula. Characters XML cannot carry (control characters) are dropped instead of making
  the whole export fail.
"""

from __future__ import annotations

import re

# openpyxl's own ILLEGAL_CHARACTERS_RE (control characters XML 1.0 forbids), written out so that importing this
# module (every command that reads a table, hence `cchc --help`) does not import openpyxl.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# One or more apostrophes already in front, then what a spreadsheet would take for a formula.
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


def is_formula_like(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_START)


def csv_value(value):
    """A value for csv.writer: formula-like text gets an apostrophe in front; other values unchanged."""
    if isinstance(value, str) and value and is_formula_like(value):
        return "'" + value
    return value


def csv_row(values) -> list:
    return [csv_value(v) for v in values]


def from_csv(text: str) -> str:
    """The text of a CSV cell as it was before csv_value (one protecting apostrophe removed)."""
    return text[1:] if _ESCAPED.match(text) else text


def xlsx_text(value):
    """A value for an XLSX cell: text without the characters XML cannot hold."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def as_text(cell):
    """Make a cell that holds text a string cell, whatever its text begins with."""
    if isinstance(cell.value, str):
        cell.value = xlsx_text(cell.value)
        cell.data_type = "s"
    return cell


def write_only_row(ws, values) -> list:
    """Cells for a write-only worksheet's append(): every text a string cell, never a formula."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if isinstance(value, str):
            row.append(as_text(WriteOnlyCell(ws, value=xlsx_text(value))))
        else:
            row.append(value)
    return row


def no_formulas_but(workbook, kept: set[tuple[str, str]] = frozenset()) -> None:
    """Turn every formula of the workbook into text, except the cells (sheet title, coordinate) in `kept`."""
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (cell.data_type == "f" or cell.value.startswith("=")):
                    if (ws.title, cell.coordinate) not in kept:
                        as_text(cell)
                elif isinstance(cell.value, str):
                    cell.value = xlsx_text(cell.value)
