"""Download files of the tables shown on a page: one format for every page.

CSV: comma-separated with `.` decimals (machine-readable), UTF-8 with a
byte-order mark so spreadsheet programs read the accents. XLSX: the table on
its own sheet, and, when given, the notes (source, vintage, demo label,
suppression) on a sheet "Toelichting".
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl
import xlsxwriter

NOTES_SHEET = "Toelichting"


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The table as CSV (comma, UTF-8 with BOM)."""
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_bom=True)
    return buffer.getvalue()


def sheet_name(text: str) -> str:
    """A valid Excel sheet name: no []:*?/\\ and at most 31 characters."""
    return "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "Tabel"


def xlsx_bytes(frame: pl.DataFrame, *, sheet: str = "Tabel", notes: Sequence[str] = ()) -> bytes:
    """The table as an XLSX workbook; `notes` on a second sheet "Toelichting"."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as workbook:
        frame.write_excel(workbook=workbook, worksheet=sheet_name(sheet), autofit=True)
        if notes:
            notes_sheet = workbook.add_worksheet(NOTES_SHEET)
            for i, line in enumerate(notes):
                notes_sheet.write_string(i, 0, line)
            notes_sheet.set_column(0, 0, 120)
    return buffer.getvalue()
