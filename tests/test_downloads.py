"""Download files: the same format on every page."""

from __future__ import annotations

import io
import zipfile

import polars as pl

from popmgmt import downloads

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
