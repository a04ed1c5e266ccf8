"""Download files of the tables shown on a page: one format for every page.

CSV: comma-separated with `.` decimals (machine-readable), UTF-8 with a
byte-order mark so spreadsheet programs read the accents. XLSX: the table on
its own sheet, and, when given, the notes (source, vintage, demo label,
suppression) on a sheet "Toelichting".

Every string cell of every export (CSV and XLSX, the table and the notes, and the
column names) that starts with a character a spreadsheet reads as the start of a
formula (`=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`
(`neutralise`), so a name or label like `=HYPERLINK("http://...")` stays text for
whoever opens the file. Numbers stay numbers (a negative number is a number, not text).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Final

import polars as pl
import xlsxwriter

NOTES_SHEET = "Toelichting"
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make a spreadsheet cell a formula (or a DDE call) when they lead."""
_FORMULA_PATTERN: Final = r"^[=+\-@\t\r]"


def neutralise(text: str) -> str:
    """`text` with a leading `'` when it starts with a formula character, else unchanged."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text cell (String, Categorical, Enum) and every column name
    `neutralise`d; other columns unchanged."""
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.String | pl.Categorical | pl.Enum):
            text = column.cast(pl.String)
            column = (
                pl.when(text.str.contains(_FORMULA_PATTERN))
                .then(pl.lit("'") + text)
                .otherwise(text)
            )
        columns.append(column.alias(neutralise(name)))
    return frame.select(columns)


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The table as CSV (comma, UTF-8 with BOM), formula-leading text neutralised."""
    buffer = io.BytesIO()
    neutralise_frame(frame).write_csv(buffer, include_bom=True)
    return buffer.getvalue()


def sheet_name(text: str) -> str:
    """A valid Excel sheet name: no []:*?/\\ and at most 31 characters."""
    return "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "Tabel"


def xlsx_bytes(frame: pl.DataFrame, *, sheet: str = "Tabel", notes: Sequence[str] = ()) -> bytes:
    """The table as an XLSX workbook; `notes` on a second sheet "Toelichting".

    Text is written as text (never as a formula or a URL) and formula-leading text
    carries a leading `'` as in the CSV."""
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(buffer, options) as workbook:
        neutralise_frame(frame).write_excel(
            workbook=workbook, worksheet=sheet_name(sheet), autofit=True
        )
        if notes:
            notes_sheet = workbook.add_worksheet(NOTES_SHEET)
            for i, line in enumerate(notes):
                notes_sheet.write_string(i, 0, neutralise(line))
            notes_sheet.set_column(0, 0, 120)
    return buffer.getvalue()
