"""Download files of the tables shown on a page: one set of formats for every page.

Three formats, offered in this order (`FORMATS`):

* **XLSX** (the default: opens in every Excel, whatever its regional settings): the
  table on its own sheet and, when given, the notes (source, vintage, demo label,
  suppression) on a sheet "Toelichting". Numbers are numbers: a text cell that holds a
  Dutch-formatted number as the pages show it ("1.234", "67,3", "67,3 %") is written as
  that number with a number format of the same decimals (`dutch_number`), so Excel
  shows it in the reader's own convention (in Belgian Excel "1.234" and "67,3") and can
  compute with it. Other text (names, "onderdrukt (< 5)", intervals, codes such as
  REFNIS numbers, which are digits only) stays text.
* **CSV voor Excel** (`excel_csv_bytes`): what Belgian (and Dutch) Excel opens in
  columns when double-clicked: `;` between fields, `,` as decimal mark, UTF-8 with a
  byte-order mark so the accents survive.
* **CSV voor analisten** (`csv_bytes`): comma-separated with `.` decimals (R, Python,
  databases), UTF-8 with a byte-order mark.

Every string cell of every export (CSV and XLSX, the table and the notes, and the
column names) that starts with a character a spreadsheet reads as the start of a
formula (`=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`
(`neutralise`), so a name or label like `=HYPERLINK("http://...")` stays text for
whoever opens the file. Numbers stay numbers (a negative number is a number, not text).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

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
    """The table as CSV for analysts (comma, `.` decimals, UTF-8 with BOM),
    formula-leading text neutralised."""
    buffer = io.BytesIO()
    neutralise_frame(frame).write_csv(buffer, include_bom=True)
    return buffer.getvalue()


def excel_csv_bytes(frame: pl.DataFrame) -> bytes:
    """The table as CSV for Belgian Excel: `;` between fields, `,` as decimal mark,
    UTF-8 with BOM, formula-leading text neutralised. Reads back with
    `pl.read_csv(..., separator=";", decimal_comma=True)`."""
    buffer = io.BytesIO()
    neutralise_frame(frame).write_csv(
        buffer, include_bom=True, separator=EXCEL_SEPARATOR, decimal_comma=True
    )
    return buffer.getvalue()


EXCEL_SEPARATOR: Final = ";"
DATE_FORMAT: Final = "dd/mm/yyyy"
DATETIME_FORMAT: Final = "dd/mm/yyyy hh:mm"


@dataclass(frozen=True)
class Format:
    """One download format: button label, file extension, MIME type, help text."""

    key: str
    label: str
    extension: str
    mime: str
    help: str


XLSX_MIME: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS: Final = (
    Format(
        "xlsx",
        "Excel (XLSX)",
        "xlsx",
        XLSX_MIME,
        "Opent in elke Excel; getallen zijn getallen, met een toelichting op een tweede blad.",
    ),
    Format(
        "csv_excel",
        "CSV voor Excel",
        "csv",
        "text/csv",
        "Puntkomma's en decimale komma's: opent in kolommen in Belgische en Nederlandse Excel.",
    ),
    Format(
        "csv",
        "CSV voor analisten",
        "csv",
        "text/csv",
        "Komma's en decimale punten, UTF-8: voor R, Python of een database.",
    ),
)
"""The download formats every page offers, in order (XLSX first: the default)."""


def format_bytes(
    key: str, frame: pl.DataFrame, *, sheet: str = "Tabel", notes: Sequence[str] = ()
) -> bytes:
    """The file of format `key` (`FORMATS`) for `frame`."""
    if key == "xlsx":
        return xlsx_bytes(frame, sheet=sheet, notes=notes)
    if key == "csv_excel":
        return excel_csv_bytes(frame)
    if key == "csv":
        return csv_bytes(frame)
    raise ValueError(f"unknown download format {key!r}")


def file_name(stem: str, key: str) -> str:
    """`stem` with the format's extension; the Excel CSV gets `_excel` so both CSVs can
    sit in one folder."""
    fmt = next(f for f in FORMATS if f.key == key)
    suffix = "_excel" if key == "csv_excel" else ""
    return f"{stem}{suffix}.{fmt.extension}"


# --- Dutch numbers shown as text -> numbers in the XLSX -----------------------------------

_DUTCH_NUMBER: Final = re.compile(
    r"^(?P<sign>[-\u2212]?)(?P<int>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<dec>\d+))?(?P<pct> ?%)?$"
)


@dataclass(frozen=True)
class DutchNumber:
    """A number read from its Dutch display text, and the Excel number format that
    shows it the same way (decimals, thousands grouping, a `%` suffix)."""

    value: float
    num_format: str


def dutch_number(text: str) -> DutchNumber | None:
    """The number a Dutch display text shows, or None when it is not only a number.

    "1.234" -> 1234 (`#,##0`), "67,3" -> 67.3 (`#,##0.0`), "67,3 %" -> 67.3 shown
    with a literal " %" (the value stays 67.3, as on the page). Digits alone ("11001",
    "2024") are codes or years: they stay text, as do "1.2.3", "onderdrukt (< 5)",
    intervals and names.
    """
    match = _DUTCH_NUMBER.match(text.strip())
    if match is None:
        return None
    grouped = "." in match["int"]
    decimals = match["dec"] or ""
    percent = match["pct"]
    if not grouped and not decimals and not percent:
        return None
    number = float(match["int"].replace(".", "") + (f".{decimals}" if decimals else ""))
    if match["sign"]:
        number = -number
    pattern = "#,##0" + (f".{'0' * len(decimals)}" if decimals else "")
    if percent:
        pattern += '" %"' if percent.startswith(" ") else '"%"'
    return DutchNumber(number, pattern)


def sheet_name(text: str) -> str:
    """A valid Excel sheet name: no []:*?/\\ and at most 31 characters."""
    return "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "Tabel"


def xlsx_bytes(frame: pl.DataFrame, *, sheet: str = "Tabel", notes: Sequence[str] = ()) -> bytes:
    """The table as an XLSX workbook; `notes` on a second sheet "Toelichting".

    Text is written as text (never as a formula or a URL) and formula-leading text
    carries a leading `'` as in the CSV. Numeric columns are numbers; text cells that
    show a Dutch-formatted number (`dutch_number`) become that number with a matching
    number format. Column widths follow the longest text (up to 60 characters)."""
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    safe = neutralise_frame(frame)
    with xlsxwriter.Workbook(buffer, options) as workbook:
        worksheet = workbook.add_worksheet(sheet_name(sheet))
        bold = workbook.add_format({"bold": True})
        formats: dict[str, Any] = {}

        def number_format(pattern: str) -> Any:
            if pattern not in formats:
                formats[pattern] = workbook.add_format({"num_format": pattern})
            return formats[pattern]

        widths = [len(name) for name in safe.columns]
        for col, name in enumerate(safe.columns):
            worksheet.write_string(0, col, name, bold)
        for col, (name, dtype) in enumerate(safe.schema.items()):
            numeric = dtype.is_numeric()
            originals = frame.to_series(col).to_list()
            for row, (value, original) in enumerate(
                zip(safe[name].to_list(), originals, strict=True), start=1
            ):
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    continue
                if isinstance(value, bool):
                    worksheet.write_boolean(row, col, value)
                    continue
                if isinstance(value, dt.date):  # also datetime: a date cell, Dutch order
                    pattern = DATE_FORMAT
                    when = value
                    if isinstance(value, dt.datetime):
                        pattern = DATETIME_FORMAT
                        when = value.replace(tzinfo=None)  # Excel has no time zones
                    worksheet.write_datetime(row, col, when, number_format(pattern))
                    widths[col] = max(widths[col], len(pattern))
                    continue
                if numeric:
                    worksheet.write_number(row, col, value)
                    widths[col] = max(widths[col], len(str(value)))
                    continue
                text = str(value)
                widths[col] = max(widths[col], len(text))
                # Read the number from the text as shown (before neutralisation: "-1,5"
                # is a number, and a number cannot be a formula).
                parsed = dutch_number(original) if isinstance(original, str) else None
                if parsed is not None:
                    worksheet.write_number(row, col, parsed.value, number_format(parsed.num_format))
                else:
                    worksheet.write_string(row, col, text)
        for col, width in enumerate(widths):
            worksheet.set_column(col, col, min(width, 60) + 2)
        if safe.columns:
            worksheet.freeze_panes(1, 0)
        if notes:
            notes_sheet = workbook.add_worksheet(NOTES_SHEET)
            for i, line in enumerate(notes):
                notes_sheet.write_string(i, 0, neutralise(line))
            notes_sheet.set_column(0, 0, 120)
    return buffer.getvalue()
