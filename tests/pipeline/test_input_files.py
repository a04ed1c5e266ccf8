"""Raw files as they really arrive (issue 11): wrong kinds of file and Statbel's own format.

Wrong kinds of file (a zip or an Excel workbook renamed .csv, a folder where a
CSV belongs, a symbolic link out of the input folder, an unreadable file, an
Excel-saved CSV with semicolons and decimal commas) end in one Dutch problem
naming the file and what to do. Statbel's `TF_SOC_POP_STRUCT_<year>` files are
accepted instead of `bevolking.csv` and give the same data and marts.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest
from conftest import DEMO_SCALE
from conftest import validate_small as _validate

from popmgmt.pipeline import read_raw
from popmgmt.pipeline.demo import demo_municipalities
from popmgmt.pipeline.marts import MART_COLUMNS
from popmgmt.pipeline.problems import Problem, ValidationError
from popmgmt.pipeline.refdata import RefData
from popmgmt.pipeline.transform import compute_marts
from popmgmt.pipeline.validate import validate_raw

POPULATION = "bevolking.csv"
REGISTER = "praktijkregister.csv"


def _only(folder: Path, refdata: RefData) -> Problem:
    with pytest.raises(ValidationError) as caught:
        _validate(folder, refdata)
    problems = caught.value.problems
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    return problems[0]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# ----------------------------------------------------------------------------
# Wrong kinds of file
# ----------------------------------------------------------------------------


def test_a_zip_renamed_csv_is_called_a_zip(raw_dir: Path, refdata: RefData) -> None:
    path = raw_dir / POPULATION
    path.write_bytes(_zip({"bevolking.csv": path.read_bytes()}))

    problem = _only(raw_dir, refdata)

    assert (problem.file, problem.row, problem.column) == (POPULATION, None, None)
    assert "zip-archief (met bevolking.csv)" in problem.message
    assert "pak het archief uit" in problem.message
    assert "UTF-8" not in problem.message


def test_an_excel_workbook_renamed_csv_says_how_to_save_it(raw_dir: Path, refdata: RefData) -> None:
    path = raw_dir / REGISTER
    path.write_bytes(_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>"}))

    problem = _only(raw_dir, refdata)

    assert problem.file == REGISTER
    assert "Excel-werkmap (.xlsx)" in problem.message
    assert "CSV UTF-8 (door komma's gescheiden)" in problem.message


def test_an_old_excel_file_renamed_csv(raw_dir: Path, refdata: RefData) -> None:
    (raw_dir / REGISTER).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)

    problem = _only(raw_dir, refdata)

    assert "oude Excel-werkmap (.xls)" in problem.message


def test_a_folder_where_a_csv_belongs_is_called_a_folder(raw_dir: Path, refdata: RefData) -> None:
    (raw_dir / POPULATION).unlink()
    (raw_dir / POPULATION).mkdir()

    problem = _only(raw_dir, refdata)

    assert (problem.file, problem.row) == (POPULATION, None)
    assert problem.message.startswith("is een map, geen bestand")
    assert "ontbreekt" not in problem.message


def test_a_symlink_out_of_the_input_folder_is_refused_unread(
    raw_dir: Path, tmp_path: Path, refdata: RefData, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "elders" / "geheim.csv"
    secret.parent.mkdir()
    secret.write_text("YEAR,REFNIS,SEX,AGE,POPULATION\nGEHEIM-7731,x,x,x,x\n", encoding="utf-8")
    (raw_dir / POPULATION).unlink()
    (raw_dir / POPULATION).symlink_to(secret)
    read: list[Path] = []
    original = read_raw._read_bytes

    def spy(path: Path) -> bytes:
        read.append(path)
        return original(path)

    monkeypatch.setattr(read_raw, "_read_bytes", spy)

    problem = _only(raw_dir, refdata)

    assert problem.file == POPULATION
    assert "symbolische koppeling naar een bestand buiten de invoermap" in problem.message
    assert "GEHEIM" not in problem.message
    assert "elders" not in problem.message  # the target is not named either
    assert all(p.name != POPULATION and p.resolve() != secret for p in read)


def test_a_symlink_inside_the_input_folder_is_read(raw_dir: Path, refdata: RefData) -> None:
    (raw_dir / "bron").mkdir()
    shutil.move(raw_dir / POPULATION, raw_dir / "bron" / POPULATION)
    (raw_dir / POPULATION).symlink_to(raw_dir / "bron" / POPULATION)

    raw = _validate(raw_dir, refdata)

    assert raw.population.height > 0


def test_an_unreadable_file_gets_a_message(
    raw_dir: Path, refdata: RefData, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = read_raw._read_bytes

    def denied(path: Path) -> bytes:
        if path.name == REGISTER:
            raise PermissionError(13, "Permission denied", str(path))
        return original(path)

    monkeypatch.setattr(read_raw, "_read_bytes", denied)

    problem = _only(raw_dir, refdata)

    assert problem.file == REGISTER
    assert "geen leesrechten" in problem.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file regardless of its mode")
def test_a_file_without_read_permission_gets_a_message(raw_dir: Path, refdata: RefData) -> None:
    path = raw_dir / REGISTER
    path.chmod(0)
    try:
        problem = _only(raw_dir, refdata)
    finally:
        path.chmod(0o644)
    assert "geen leesrechten" in problem.message


def test_an_excel_saved_csv_says_exactly_how_to_resave(raw_dir: Path, refdata: RefData) -> None:
    """Excel with Belgian settings: semicolons and decimal commas."""
    path = raw_dir / REGISTER
    lines = path.read_text(encoding="utf-8").splitlines()
    excel = [line.replace(",", ";") for line in lines[:1]]
    for line in lines[1:]:
        cells = line.split(",")
        cells[2] = cells[2].replace(".", ",")
        cells[3] = cells[3].replace(".", ",")
        excel.append(";".join(cells))
    path.write_bytes(("\r\n".join(excel) + "\r\n").encode("utf-8"))

    problem = _only(raw_dir, refdata)

    assert (problem.file, problem.row) == (REGISTER, 1)
    assert "';' als scheidingsteken en komma's als decimaalteken" in problem.message
    assert "CSV UTF-8 (door komma's gescheiden) (*.csv)" in problem.message
    assert "lijstscheidingsteken op ','" in problem.message
    assert "veldscheidingsteken ','" in problem.message


# ----------------------------------------------------------------------------
# Statbel's population files as published
# ----------------------------------------------------------------------------

STATBEL_HEADER = (
    "CD_REFNIS|TX_DESCR_NL|TX_DESCR_FR|CD_DSTR_REFNIS|TX_ADM_DSTR_DESCR_NL|TX_ADM_DSTR_DESCR_FR|"
    "CD_PROV_REFNIS|TX_PROV_DESCR_NL|TX_PROV_DESCR_FR|CD_RGN_REFNIS|TX_RGN_DESCR_NL|"
    "TX_RGN_DESCR_FR|CD_SEX|CD_NATLTY|TX_NATLTY_NL|TX_NATLTY_FR|CD_CIV_STS|TX_CIV_STS_NL|"
    "TX_CIV_STS_FR|CD_AGE|MS_POPULATION"
)


def _statbel_lines(population: pl.DataFrame) -> list[str]:
    """Statbel rows for contract rows: each count split over nationality and civil status."""
    lines = [STATBEL_HEADER]
    for _year, refnis, sex, age, count in population.iter_rows():
        sex_code = "F" if sex == "V" else "M"
        parts = [count // 2, count // 3, count - count // 2 - count // 3]
        for (natl, civ), part in zip(
            [("BEL", "1"), ("ETR", "1"), ("BEL", "2")], parts, strict=True
        ):
            if part == 0:
                continue  # Statbel leaves out empty cells
            lines.append(
                f"{refnis}|Gemeente {refnis}|Commune {refnis}|{refnis[:2]}000|Arr|Arr|10000|"
                f"Prov|Prov|02000|Vlaams Gewest|Région flamande|{sex_code}|{natl}|Belg|Belge|"
                f"{civ}|Ongehuwd|Célibataire|{age}|{part}"
            )
    # A Walloon municipality: left out (the product covers Flanders and Brussels).
    lines.append(
        "62063|Luik|Liège|62000|Arr|Arr|60000|Prov|Prov|03000|Waals|Région wallonne|M|BEL|"
        "Belg|Belge|1|Ongehuwd|Célibataire|30|900"
    )
    return lines


def _write_statbel(raw: Path, population: pl.DataFrame, *, zipped: set[int]) -> None:
    for (year,), rows in population.group_by(["YEAR"]):
        text = ("\r\n".join(_statbel_lines(rows)) + "\r\n").encode("utf-8")
        name = f"TF_SOC_POP_STRUCT_{year}"
        if int(str(year)) in zipped:
            (raw / f"{name}.zip").write_bytes(_zip({f"{name}.txt": text}))
        else:
            (raw / f"{name}.txt").write_bytes(b"\xef\xbb\xbf" + text)


def test_statbel_files_give_the_same_population_as_bevolking_csv(
    raw_dir: Path, refdata: RefData
) -> None:
    expected = _validate(raw_dir, refdata).population
    population = pl.read_csv(raw_dir / POPULATION, infer_schema=False).with_columns(
        pl.col("POPULATION").cast(pl.Int64)
    )
    (raw_dir / POPULATION).unlink()
    _write_statbel(raw_dir, population, zipped={2024})

    raw = _validate(raw_dir, refdata)

    key = ["YEAR", "REFNIS", "SEX", "AGE"]
    assert raw.population.sort(key).equals(expected.sort(key))
    assert "TF_SOC_POP_STRUCT_2023.txt" in raw.checksums
    assert "TF_SOC_POP_STRUCT_2024.zip" in raw.checksums


def test_statbel_files_and_bevolking_csv_together_are_refused(
    raw_dir: Path, refdata: RefData
) -> None:
    population = pl.read_csv(raw_dir / POPULATION, infer_schema=False).with_columns(
        pl.col("POPULATION").cast(pl.Int64)
    )
    _write_statbel(raw_dir, population, zipped=set())

    problem = _only(raw_dir, refdata)

    assert problem.file == POPULATION
    assert "twee keer geleverd" in problem.message


def test_a_statbel_file_with_a_bad_value_names_its_own_line(
    raw_dir: Path, refdata: RefData
) -> None:
    population = pl.read_csv(raw_dir / POPULATION, infer_schema=False).with_columns(
        pl.col("POPULATION").cast(pl.Int64)
    )
    (raw_dir / POPULATION).unlink()
    _write_statbel(raw_dir, population, zipped=set())
    path = raw_dir / "TF_SOC_POP_STRUCT_2023.txt"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[3] = lines[3].rsplit("|", 1)[0] + "|veel"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    problem = _only(raw_dir, refdata)

    assert (problem.file, problem.row, problem.column) == (
        "TF_SOC_POP_STRUCT_2023.txt",
        4,
        "POPULATION",
    )
    assert "'veel'" in problem.message


def test_a_statbel_file_resaved_by_excel_is_explained(raw_dir: Path, refdata: RefData) -> None:
    population = pl.read_csv(raw_dir / POPULATION, infer_schema=False).with_columns(
        pl.col("POPULATION").cast(pl.Int64)
    )
    (raw_dir / POPULATION).unlink()
    _write_statbel(raw_dir, population, zipped=set())
    path = raw_dir / "TF_SOC_POP_STRUCT_2024.txt"
    path.write_text(path.read_text(encoding="utf-8-sig").replace("|", ";"), encoding="utf-8")

    problem = _only(raw_dir, refdata)

    assert (problem.file, problem.row) == ("TF_SOC_POP_STRUCT_2024.txt", 1)
    assert "'|' als scheidingsteken" in problem.message


def _same_marts(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame]) -> None:
    """Equal marts, up to the choice of secondary suppression.

    `compute_marts` does not choose the same secondary cells on every run for
    the same input (reported to the disclosure owner), so cells hidden in only
    one of the two runs are not compared; every other value must be equal.
    """
    assert set(a) == set(b)
    for name, frame in a.items():
        key = [c for c, kind in MART_COLUMNS[name].items() if kind == "key"]
        assert key, name
        left, right = frame.sort(key), b[name].sort(key)
        assert left.select(key).equals(right.select(key)), name
        described = ("suppressed", "suppressed_columns", "suppression_reason")
        for column in [c for c in frame.columns if c not in described]:
            both = left[column].is_not_null() & right[column].is_not_null()
            assert left[column].filter(both).equals(right[column].filter(both)), (name, column)
        if "suppression_reason" in frame.columns:
            primary = [(f["suppression_reason"] == "primair").to_list() for f in (left, right)]
            assert primary[0] == primary[1], name


def test_statbel_files_give_the_same_marts_as_bevolking_csv(
    demo_raw: Path, tmp_path: Path, refdata: RefData
) -> None:
    """On the scaled demo: the marts from Statbel files equal those from bevolking.csv.

    Statbel leaves out empty cells, so the raw population differs only by the
    demo's rows with 0 inhabitants.
    """
    covered = demo_municipalities(refdata, DEMO_SCALE)
    statbel_dir = tmp_path / "statbel"
    shutil.copytree(demo_raw, statbel_dir)
    (statbel_dir / "herkomst.json").unlink()
    population = pl.read_csv(statbel_dir / POPULATION, infer_schema=False).with_columns(
        pl.col("POPULATION").cast(pl.Int64)
    )
    (statbel_dir / POPULATION).unlink()
    _write_statbel(statbel_dir, population, zipped={2015, 2020})

    from_csv = validate_raw(demo_raw, refdata, covered_municipalities=covered)
    from_statbel = validate_raw(statbel_dir, refdata, covered_municipalities=covered)

    key = ["YEAR", "REFNIS", "SEX", "AGE"]
    assert from_statbel.population.sort(key).equals(
        from_csv.population.filter(pl.col("POPULATION") > 0).sort(key)
    )
    pseudonym_key = b"0123456789abcdef-test"
    _same_marts(
        compute_marts(from_csv, refdata, pseudonym_key),
        compute_marts(from_statbel, refdata, pseudonym_key),
    )


def test_a_statbel_excel_download_is_named_and_refused(raw_dir: Path, refdata: RefData) -> None:
    (raw_dir / POPULATION).unlink()
    (raw_dir / "TF_SOC_POP_STRUCT_2024.xlsx").write_bytes(_zip({"xl/workbook.xml": b"<w/>"}))

    problem = _only(raw_dir, refdata)

    assert problem.file == POPULATION
    assert "TF_SOC_POP_STRUCT_2024.xlsx" in problem.message
    assert "download de .txt- of .zip-versie" in problem.message


def test_a_statbel_txt_that_is_an_excel_workbook(raw_dir: Path, refdata: RefData) -> None:
    (raw_dir / POPULATION).unlink()
    (raw_dir / "TF_SOC_POP_STRUCT_2024.txt").write_bytes(_zip({"xl/workbook.xml": b"<w/>"}))

    problem = _only(raw_dir, refdata)

    assert problem.file == "TF_SOC_POP_STRUCT_2024.txt"
    assert "Excel-werkmap (.xlsx)" in problem.message
