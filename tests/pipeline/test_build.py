"""End-to-end build: manifest, privacy invariants, independent figures, atomicity, CLI."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from popmgmt.cli import EXIT_ERROR, EXIT_INVALID, EXIT_OK, main
from popmgmt.pipeline import build as build_module
from popmgmt.pipeline.build import build
from popmgmt.pipeline.geography import hierarchy_constraints, membership
from popmgmt.pipeline.marts import MART_COLUMNS
from popmgmt.pipeline.privacy import check_constraints
from popmgmt.pipeline.problems import ValidationError
from popmgmt.pipeline.refdata import RefData


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _read(data: Path, mart: str) -> pl.DataFrame:
    return pl.read_parquet(data / f"{mart}.parquet")


def test_manifest_lists_every_mart_with_its_column_kinds(built_data: Path, demo_raw: Path) -> None:
    manifest = json.loads((built_data / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["demo"] is True
    assert manifest["boundary_version"] == "2025"
    assert set(manifest["marts"]) == set(MART_COLUMNS)
    for name, info in manifest["marts"].items():
        frame = _read(built_data, name)
        assert info["columns"] == MART_COLUMNS[name]
        assert frame.columns == list(MART_COLUMNS[name])
        assert info["rows"] == frame.height
    for file, digest in manifest["inputs"].items():
        assert hashlib.sha256((demo_raw / file).read_bytes()).hexdigest() == digest
    assert manifest["vintage"]["ima_patienteel"]["years"] == [2015, 2024]
    for geo in manifest["geo"].values():
        features = json.loads((built_data / geo).read_text(encoding="utf-8"))["features"]
        assert features
        assert all("area_code" in f["properties"] for f in features)


def test_no_gp_identifier_or_gp_level_row_reaches_a_mart(built_data: Path, demo_raw: Path) -> None:
    ima = pl.read_csv(demo_raw / "ima_patienteel_huisartsen.csv", infer_schema=False)
    secrets = set(ima["RIZIV_ID"]) | set(ima["RIZIV_HCI"])
    for name in MART_COLUMNS:
        frame = _read(built_data, name)
        assert not any("riziv" in c.lower() for c in frame.columns)
        for col, dtype in frame.schema.items():
            if dtype == pl.String:
                assert not secrets & set(frame[col].drop_nulls().unique()), (name, col)
    practices = _read(built_data, "practices")
    # One row per practice and year: never one per GP.
    assert practices.select("practice_id", "year").is_unique().all()
    assert practices.height < ima.height


def test_no_published_person_count_is_between_one_and_four(built_data: Path) -> None:
    values = _read(built_data, "indicator_values").join(
        _read(built_data, "indicators").select("indicator_code", "count_unit", "denominator_unit"),
        on="indicator_code",
    )
    persons = ["personen", "contacten"]
    for col, unit in (("numerator", "count_unit"), ("denominator", "denominator_unit")):
        small = values.filter(pl.col(unit).is_in(persons) & pl.col(col).is_between(0, 5, "none"))
        assert small.height == 0, small.head()
    population = _read(built_data, "population")
    assert population.filter(pl.col("population").is_between(1, 4)).height == 0
    practices = _read(built_data, "practices")
    for col, kind in MART_COLUMNS["practices"].items():
        if kind == "count":
            assert practices.filter(pl.col(col).is_between(1, 4)).height == 0, col
    # Suppression happens in the demo (small municipalities), shown as null + reason.
    hidden = values.filter(pl.col("suppressed"))
    assert hidden.height > 0
    assert hidden["value"].null_count() == hidden.height
    assert set(hidden["suppression_reason"].unique()) <= {"primair", "secundair"}


def test_no_suppressed_cell_can_be_recovered_from_a_total(
    built_data: Path, refdata: RefData, demo_raw: Path
) -> None:
    values = _read(built_data, "indicator_values").with_row_index("cell_id")
    circles = pl.read_csv(demo_raw / "huisartsenkringen.csv", infer_schema=False)
    present = values.filter(pl.col("level") == "gemeente")["area_code"].unique().to_list()
    members = membership(refdata, circles, present)
    constraints = hierarchy_constraints(values, members, ["indicator_code", "year"])
    assert check_constraints(values, constraints, "cell_id") == []


def test_figures_equal_an_independent_computation_from_the_raw_files(
    built_data: Path, demo_raw: Path, refdata: RefData
) -> None:
    """The mart's Flemish GMD coverage and share of 75+ equal sums over the raw files."""
    values = _read(built_data, "indicator_values")
    flemish = set(refdata.flemish_codes)
    atlas = pl.read_csv(demo_raw / "atlas_waarden.csv", schema_overrides={"REFNIS": pl.String})
    gmd = atlas.filter(
        (pl.col("INDICATOR_CODE") == "ima_gmd")
        & (pl.col("YEAR") == 2024)
        & pl.col("REFNIS").is_in(list(flemish))
    )
    expected = 100 * gmd["NUMERATOR"].sum() / gmd["DENOMINATOR"].sum()
    row = values.filter(
        (pl.col("indicator_code") == "ima_gmd")
        & (pl.col("level") == "vlaanderen")
        & (pl.col("year") == 2024)
    ).row(0, named=True)
    assert row["value"] == pytest.approx(expected, rel=1e-12)
    assert row["ci_low"] < row["value"] < row["ci_high"]

    pop = pl.read_csv(demo_raw / "bevolking.csv", schema_overrides={"REFNIS": pl.String})
    zone = values.filter(pl.col("level") == "zone")["area_code"].sort()[0]
    zone_munis = refdata.municipalities.filter(pl.col("elz_code_pinc") == zone)["nis_code_2025"]
    zp = pop.filter((pl.col("YEAR") == 2020) & pl.col("REFNIS").is_in(zone_munis.to_list()))
    expected_75 = 100 * zp.filter(pl.col("AGE") >= 75)["POPULATION"].sum() / zp["POPULATION"].sum()
    row = values.filter(
        (pl.col("indicator_code") == "pop_75plus")
        & (pl.col("area_code") == zone)
        & (pl.col("year") == 2020)
    ).row(0, named=True)
    assert row["value"] == pytest.approx(expected_75, rel=1e-12)


def _fresh_copy(built_data: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(built_data, data)
    return data


def test_invalid_input_leaves_previous_data_byte_identical(
    built_data: Path, demo_raw: Path, tmp_path: Path, refdata: RefData
) -> None:
    data = _fresh_copy(built_data, tmp_path)
    before = _tree_digest(data)
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    pop = raw / "bevolking.csv"
    lines = pop.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",-7"
    pop.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        build(raw, data, refdata=refdata)
    assert any(p.file == "bevolking.csv" and p.column == "POPULATION" for p in info.value.problems)
    assert _tree_digest(data) == before
    assert not list(tmp_path.glob(".data.*"))


@pytest.mark.parametrize("failure", [RuntimeError("schijf vol"), KeyboardInterrupt()])
def test_a_build_that_dies_while_writing_leaves_previous_data_untouched(
    built_data: Path,
    demo_raw: Path,
    tmp_path: Path,
    refdata: RefData,
    monkeypatch: pytest.MonkeyPatch,
    failure: BaseException,
) -> None:
    data = _fresh_copy(built_data, tmp_path)
    before = _tree_digest(data)

    def die(*_: object, **__: object) -> None:
        raise failure

    monkeypatch.setattr(build_module, "_write_geo", die)
    with pytest.raises(type(failure)):
        build(demo_raw, data, refdata=refdata)
    assert _tree_digest(data) == before
    assert not list(tmp_path.glob(".data.*"))


def test_an_interrupted_swap_is_recovered_at_the_next_build(
    built_data: Path, tmp_path: Path
) -> None:
    """Given a build that died between its two renames (DATA moved aside),
    when the next build starts, then the previous DATA is put back first."""
    data = _fresh_copy(built_data, tmp_path)
    before = _tree_digest(data)
    data.rename(tmp_path / ".data.old-12345")
    assert build_module.recover_interrupted_swap(data)
    assert _tree_digest(data) == before


def test_cli_validate_reports_problems_with_file_and_exit_code(
    demo_raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--input", str(demo_raw)]) == EXIT_OK
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    (raw / "huisartsenkringen.csv").unlink()
    assert main(["validate", "--input", str(raw)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "huisartsenkringen.csv" in err
    assert main(["build", "--input", str(tmp_path / "nope"), "--out", str(tmp_path / "d")]) == (
        EXIT_ERROR
    )
    assert not (tmp_path / "d").exists()
