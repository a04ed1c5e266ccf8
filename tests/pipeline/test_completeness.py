"""Completeness and plausibility (issue 11): incomplete or absurd inputs never validate.

Each test copies the scaled demo (`demo_raw`, about 30 municipalities around
Gent, 2015-2024), breaks it as a careless export would, and checks that
validation fails naming the file, the year and the municipality (or zone),
in Dutch, with what to do. The unbroken copy validates, so each failure is
caused by the break.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import DEMO_SCALE

from popmgmt.pipeline import completeness
from popmgmt.pipeline.completeness import Reference
from popmgmt.pipeline.demo import demo_municipalities
from popmgmt.pipeline.problems import Problem, ValidationError
from popmgmt.pipeline.refdata import RefData
from popmgmt.pipeline.validate import RawData, validate_raw

POPULATION = "bevolking.csv"
ATLAS = "atlas_waarden.csv"
IMA = "ima_patienteel_huisartsen.csv"


@pytest.fixture(scope="module")
def covered(refdata: RefData) -> list[str]:
    return demo_municipalities(refdata, DEMO_SCALE)


@pytest.fixture
def raw(demo_raw: Path, tmp_path: Path) -> Path:
    target = tmp_path / "raw"
    shutil.copytree(demo_raw, target)
    return target


def _validate(folder: Path, refdata: RefData, covered: list[str]) -> RawData:
    return validate_raw(folder, refdata, covered_municipalities=covered)


def _problems(folder: Path, refdata: RefData, covered: list[str] | None) -> list[Problem]:
    with pytest.raises(ValidationError) as caught:
        validate_raw(folder, refdata, covered_municipalities=covered)
    return caught.value.problems


def _rewrite(path: Path, edit: pl.Expr | None = None, frame: pl.DataFrame | None = None) -> None:
    data = frame if frame is not None else pl.read_csv(path, infer_schema=False)
    if edit is not None:
        data = data.filter(edit)
    data.write_csv(path)


def _text(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


def test_the_unbroken_scaled_demo_is_complete(
    demo_raw: Path, refdata: RefData, covered: list[str]
) -> None:
    raw = _validate(demo_raw, refdata, covered)
    assert set(raw.population["REFNIS"]) == set(covered)


def test_a_population_file_cut_at_half_its_rows(
    raw: Path, refdata: RefData, covered: list[str]
) -> None:
    """The demo's rows are sorted by year: half the lines is 2015-2019 exactly."""
    path = raw / POPULATION
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: len(lines) // 2]))

    problems = _problems(raw, refdata, covered)

    assert [(p.file, p.column) for p in problems] == [(POPULATION, "YEAR")] * 5
    for year, problem in zip(range(2020, 2025), problems, strict=True):
        assert problem.message.startswith(
            f"jaar {year} ontbreekt, terwijl ima_patienteel_huisartsen.csv dat jaar wel bevat"
        )


def test_a_population_file_cut_in_the_middle_of_a_year(
    raw: Path, refdata: RefData, covered: list[str]
) -> None:
    path = raw / POPULATION
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: len(lines) * 55 // 100]))

    problems = _problems(raw, refdata, covered)

    partial = [p for p in problems if p.column == "REFNIS"]
    assert len(partial) == 1
    assert partial[0].message.startswith("jaar 2020: ")
    assert "gemeenten ontbreken (geheel of voor één geslacht)" in partial[0].message
    assert "lever voor elk jaar elke gemeente" in partial[0].message
    assert f"van de {len(covered)} verwachte" in partial[0].message
    assert " en nog " in partial[0].message  # at most 8 are named, the rest counted
    assert len([p for p in problems if p.column == "YEAR"]) == 4  # 2021-2024


def test_a_whole_year_missing_is_a_hole(raw: Path, refdata: RefData, covered: list[str]) -> None:
    _rewrite(raw / POPULATION, pl.col("YEAR") != "2019")

    (problem,) = _problems(raw, refdata, covered)

    assert (problem.file, problem.column) == (POPULATION, "YEAR")
    assert "jaar 2019 ontbreekt" in problem.message
    assert "2015-2018, 2020-2024" in problem.message


def test_a_missing_municipality_is_named_per_year(
    raw: Path, refdata: RefData, covered: list[str]
) -> None:
    gone = covered[0]
    name = refdata.municipalities.filter(pl.col("nis_code_2025") == gone)["name_nl"][0]
    _rewrite(raw / POPULATION, pl.col("REFNIS") != gone)

    problems = _problems(raw, refdata, covered)

    assert len(problems) == 10  # one per year 2015-2024
    for year, problem in zip(range(2015, 2025), problems, strict=True):
        assert (problem.file, problem.row, problem.column) == (POPULATION, None, "REFNIS")
        assert f"jaar {year}: 1 gemeente ontbreekt" in problem.message
        assert f"{gone} ({name})" in problem.message


def test_municipality_11001_missing_from_a_delivery_for_all_of_flanders(
    demo_raw: Path, refdata: RefData
) -> None:
    """Without a pilot list every Flemish municipality is expected: Aartselaar is named."""
    problems = _problems(demo_raw, refdata, None)

    population = [p for p in problems if p.file == POPULATION and p.column == "REFNIS"]
    assert len(population) == 10
    assert "11001 (Aartselaar" in population[0].message
    assert "van de 285 verwachte" in population[0].message


def test_one_sex_missing_in_one_year(raw: Path, refdata: RefData, covered: list[str]) -> None:
    code = covered[3]
    _rewrite(
        raw / POPULATION,
        ~((pl.col("YEAR") == "2021") & (pl.col("REFNIS") == code) & (pl.col("SEX") == "V")),
    )

    (problem,) = _problems(raw, refdata, covered)

    assert "jaar 2021: 1 gemeente ontbreekt (geheel of voor één geslacht)" in problem.message
    assert "geslacht V" in problem.message


def test_a_population_of_ten_to_the_twelfth_is_refused_at_its_line(
    raw: Path, refdata: RefData, covered: list[str]
) -> None:
    path = raw / POPULATION
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].rsplit(",", 1)[0] + ",1000000000000"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    (problem,) = _problems(raw, refdata, covered)

    assert (problem.file, problem.row, problem.column) == (POPULATION, 5, "POPULATION")
    assert "1000000000000" in problem.message
    assert "onwaarschijnlijk groot" in problem.message


def test_a_municipality_far_above_its_size_is_refused(
    raw: Path, refdata: RefData, covered: list[str]
) -> None:
    """Every cell plausible on its own, the municipality's total is not."""
    code = covered[5]
    data = pl.read_csv(raw / POPULATION, infer_schema=False)
    data = data.with_columns(
        pl.when((pl.col("REFNIS") == code) & (pl.col("YEAR") == "2022"))
        .then(pl.lit("20000"))
        .otherwise(pl.col("POPULATION"))
        .alias("POPULATION")
    )
    _rewrite(raw / POPULATION, frame=data)

    problems = _problems(raw, refdata, covered)

    text = _text(problems)
    assert f"jaar 2022: gemeente {code}" in text
    assert "4.440.000 inwoners" in text  # 20,000 x 111 ages x 2 sexes
    assert "tussen 10 en 1.000.000 inwoners" in text
    # The zone holding it is out of tolerance too.
    zone = refdata.municipalities.filter(pl.col("nis_code_2025") == code)["elz_code_pinc"][0]
    assert f"jaar 2022: zone {zone}" in text


def test_a_municipality_without_its_older_ages_is_out_of_tolerance(
    raw: Path, refdata: RefData, covered: list[str]
) -> None:
    """A partial export (ages 0-39 only) keeps every municipality x sex, but not the size."""
    pops = refdata.population_2020.group_by("nis_code_2025").agg(pl.col("population_2020").sum())
    biggest = pops.filter(pl.col("nis_code_2025").is_in(covered)).sort("population_2020")[
        "nis_code_2025"
    ][-1]
    _rewrite(
        raw / POPULATION,
        ~(
            (pl.col("REFNIS") == biggest)
            & (pl.col("YEAR") == "2020")
            & (pl.col("AGE").cast(pl.Int64) >= 40)
        ),
    )

    problems = _problems(raw, refdata, covered)

    text = _text(problems)
    assert f"jaar 2020: gemeente {biggest}" in text
    assert "Statbel-referentie op 1 januari 2020" in text
    assert "meer dan de toegelaten 25,0 % voor 2020" in text
    assert all(p.file == POPULATION and p.row is None for p in problems)


def test_an_atlas_indicator_missing_a_municipality_in_one_year(
    raw: Path, refdata: RefData, covered: list[str]
) -> None:
    code = covered[2]
    _rewrite(
        raw / ATLAS,
        ~(
            (pl.col("INDICATOR_CODE") == "ima_gmd")
            & (pl.col("YEAR") == "2020")
            & (pl.col("REFNIS") == code)
        ),
    )

    (problem,) = _problems(raw, refdata, covered)

    assert (problem.file, problem.column) == (ATLAS, "REFNIS")
    assert "indicator ima_gmd, jaar 2020: 1 gemeente ontbreekt" in problem.message
    assert code in problem.message


def test_an_atlas_denominator_far_above_the_inhabitants(
    raw: Path, refdata: RefData, covered: list[str]
) -> None:
    """One cell within the row bound (10 million), the municipality's total is not."""
    code = covered[4]
    path = raw / ATLAS
    data = pl.read_csv(path, infer_schema=False)
    first = data.with_row_index().filter(
        (pl.col("INDICATOR_CODE") == "ima_gmd")
        & (pl.col("YEAR") == "2021")
        & (pl.col("REFNIS") == code)
    )["index"][0]
    data = data.with_columns(
        pl.when(pl.int_range(pl.len()) == first)
        .then(pl.lit("5000000"))
        .otherwise(pl.col("DENOMINATOR"))
        .alias("DENOMINATOR")
    )
    _rewrite(path, frame=data)

    (problem,) = _problems(raw, refdata, covered)

    assert (problem.file, problem.column) == (ATLAS, "DENOMINATOR")
    assert problem.message.startswith(f"indicator ima_gmd, jaar 2021: gemeente {code}")
    assert "rechthebbenden" in problem.message


def test_an_atlas_file_cut_at_an_indicators_year_boundary(
    raw: Path, refdata: RefData, covered: list[str]
) -> None:
    """Sorted by indicator and year, a cut can end exactly after a year of one indicator:
    that indicator stops early and the later ones are missing altogether."""
    path = raw / ATLAS
    data = pl.read_csv(path, infer_schema=False).with_row_index()
    cut = data.filter((pl.col("INDICATOR_CODE") == "ima_gmd") & (pl.col("YEAR") == "2019"))[
        "index"
    ].max()
    assert isinstance(cut, int)
    _rewrite(path, frame=data.filter(pl.col("index") <= cut).drop("index"))

    problems = _problems(raw, refdata, covered)

    messages = [p.message for p in problems]
    assert any(
        m.startswith("indicator ima_gmd stopt in 2019, terwijl het bestand") for m in messages
    )
    gone = [m for m in messages if "heeft geen enkele waarde" in m]
    assert gone  # the indicators after the cut
    assert all("atlas_metadata.csv" in m for m in gone)


def test_an_atlas_indicator_with_a_year_hole(
    raw: Path, refdata: RefData, covered: list[str]
) -> None:
    _rewrite(raw / ATLAS, ~((pl.col("INDICATOR_CODE") == "ima_gmd") & (pl.col("YEAR") == "2018")))

    (problem,) = _problems(raw, refdata, covered)

    assert (problem.file, problem.column) == (ATLAS, "YEAR")
    assert problem.message.startswith("indicator ima_gmd: jaar 2018 ontbreekt")


def test_an_ima_year_hole(raw: Path, refdata: RefData, covered: list[str]) -> None:
    _rewrite(raw / IMA, pl.col("YEAR") != "2017")

    (problem,) = _problems(raw, refdata, covered)

    assert (problem.file, problem.column) == (IMA, "YEAR")
    assert "jaar 2017 ontbreekt" in problem.message


def test_an_ima_file_missing_half_the_gps_of_its_last_year(
    raw: Path, refdata: RefData, covered: list[str]
) -> None:
    data = pl.read_csv(raw / IMA, infer_schema=False).with_row_index()
    last = data.filter(pl.col("YEAR") == "2024")
    dropped = last["index"].head(last.height // 2)
    _rewrite(raw / IMA, frame=data.filter(~pl.col("index").is_in(dropped.implode())).drop("index"))

    (problem,) = _problems(raw, refdata, covered)

    assert (problem.file, problem.column) == (IMA, "PAT_ATTRIB")
    assert problem.message.startswith("jaar 2024: de huisartsen hebben samen")
    assert "minder dan in 2023" in problem.message


def test_a_gp_with_absurd_patient_numbers(raw: Path, refdata: RefData, covered: list[str]) -> None:
    path = raw / IMA
    data = pl.read_csv(path, infer_schema=False)
    data = data.with_columns(
        pl.when(pl.int_range(pl.len()) == 9)
        .then(pl.lit("999999"))
        .otherwise(pl.col("PAT_ATTRIB"))
        .alias("PAT_ATTRIB")
    )
    _rewrite(path, frame=data)

    (problem,) = _problems(raw, refdata, covered)

    assert (problem.file, problem.row, problem.column) == (IMA, 11, "PAT_ATTRIB")
    assert "999999" in problem.message
    assert "onwaarschijnlijk groot" in problem.message


def test_gp_patients_far_above_the_population(
    raw: Path, refdata: RefData, covered: list[str]
) -> None:
    """Each GP within bounds, all together more than 1.5 patients per inhabitant."""
    path = raw / IMA
    data = pl.read_csv(path, infer_schema=False).with_columns(
        pl.when(pl.col("YEAR") == "2024")
        .then(pl.lit("19000"))
        .otherwise(pl.col("PAT_ATTRIB"))
        .alias("PAT_ATTRIB")
    )
    _rewrite(path, frame=data)

    (problem,) = _problems(raw, refdata, covered)

    assert (problem.file, problem.column) == (IMA, "PAT_ATTRIB")
    assert problem.message.startswith("jaar 2024: de huisartsen hebben samen")


# ----------------------------------------------------------------------------
# The reference tolerance for Flanders as a whole (unit level: the scaled demo
# does not cover Flanders)
# ----------------------------------------------------------------------------


def _reference_totals(refdata: RefData, factor: float, year: int) -> pl.DataFrame:
    pop = refdata.population_2020.group_by("nis_code_2025").agg(pl.col("population_2020").sum())
    return pop.select(
        pl.lit(year, pl.Int64).alias("YEAR"),
        pl.col("nis_code_2025").alias("REFNIS"),
        (pl.col("population_2020") * factor).round().cast(pl.Int64).alias("POPULATION"),
    )


def test_flanders_total_within_tolerance_passes_and_outside_fails(refdata: RefData) -> None:
    ref = Reference.of(refdata)
    flemish = refdata.flemish_codes
    ok = _reference_totals(refdata, 1.005, 2020)
    assert completeness.reference_findings(ok, flemish, ref) == []
    # 2024 allows 1 % + 4 x 1 % for Flanders: +4 % passes, +6 % fails.
    assert (
        completeness.reference_findings(_reference_totals(refdata, 1.04, 2024), flemish, ref) == []
    )
    findings = completeness.reference_findings(_reference_totals(refdata, 1.06, 2024), flemish, ref)
    messages = [f.message for f in findings]
    assert any(m.startswith("jaar 2024: Vlaanderen telt") for m in messages)
    assert any("toegelaten 5,0 % voor 2024" in m for m in messages)
