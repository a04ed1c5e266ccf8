"""Tests of the raw-data validation (`popmgmt.pipeline.validate`) against the data contract.

The fixture `tests/fixtures/raw_small/` is a tiny, hand-written valid raw
dataset: four Flemish municipalities on 2025 borders (Antwerpen 11002, Gent
44021, Leuven 24062, Lochristi 44087), delivered partly with 2019-2024 codes
(Borsbeek 11007 -> Antwerpen; Lochristi 44034 and Wachtebeke 44073 -> the
merged Lochristi 44087) so the mapping onto 2025 is exercised, plus one
Brussels practice and Atlas row. Its circles file covers only those four
municipalities, so tests pass them as `expected_municipalities`. It is
complete in the sense of the completeness checks (every municipality x year x
sex, every Atlas indicator for every municipality in each of its years, no
year holes), and Gent and Leuven, zones of one municipality each, have their
real order of magnitude so the reference tolerance holds.

Each broken-input test copies the fixture, breaks one thing and checks the exact
problem (file, line, column) and that the message is Dutch and names the value.
Line numbers count the header as line 1.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from conftest import SMALL_RAW as FIXTURE
from conftest import validate_small as _validate

from popmgmt.pipeline.problems import MAX_PROBLEMS_PER_FILE, Problem, ValidationError
from popmgmt.pipeline.refdata import RefData, load_refdata
from popmgmt.pipeline.schemas import RAW_FILES
from popmgmt.pipeline.transform import catalogue
from popmgmt.pipeline.validate import validate_raw

IMA = "ima_patienteel_huisartsen.csv"
REGISTER = "praktijkregister.csv"
ATLAS = "atlas_waarden.csv"
METADATA = "atlas_metadata.csv"
POPULATION = "bevolking.csv"
CIRCLES = "huisartsenkringen.csv"

_DUTCH_WORDS = (" is ", " de ", " het ", " een ", "waarde", "kolom", " van ", " niet ")
_ENGLISH_WORDS = (" the ", " must ", " should ", " value ", " invalid ", " missing ")


@pytest.fixture(scope="module")
def refdata() -> RefData:
    return load_refdata()


def _problems(folder: Path, refdata: RefData) -> list[Problem]:
    with pytest.raises(ValidationError) as caught:
        _validate(folder, refdata)
    return caught.value.problems


def _only(folder: Path, refdata: RefData) -> Problem:
    """The single problem the broken input must produce."""
    problems = _problems(folder, refdata)
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    return problems[0]


def _where(problem: Problem) -> tuple[str, int | None, str | None]:
    return (problem.file, problem.row, problem.column)


def _assert_dutch(message: str, *names: str) -> None:
    padded = f" {message.lower()} "
    assert any(word in padded for word in _DUTCH_WORDS), message
    assert not any(word in padded for word in _ENGLISH_WORDS), message
    for name in names:
        assert name in message, f"{name!r} not named in: {message}"


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _set_cell(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell; `line` counts the header as line 1."""
    rows = _read(path)
    rows[line - 1][rows[0].index(column)] = value
    _write(path, rows)


def _edit_rows(path: Path, edit: Callable[[list[list[str]]], list[list[str]]]) -> None:
    _write(path, edit(_read(path)))


# ----------------------------------------------------------------------------
# The valid fixture
# ----------------------------------------------------------------------------


def test_fixture_is_valid_and_typed(refdata: RefData) -> None:
    """Given the hand-written fixture, when validated, then all frames come back typed."""
    raw = _validate(FIXTURE, refdata)

    assert raw.ima.schema["YEAR"] == pl.Int64
    assert raw.ima.schema["FF_MH"] == pl.Boolean
    assert raw.ima.schema["RIZIV_SPEC"] == pl.String
    assert raw.register.schema["LAT"] == pl.Float64
    assert raw.population.schema["POPULATION"] == pl.Int64
    # Codes keep their leading zeros.
    assert "01056789" in raw.ima["RIZIV_ID"].to_list()
    assert set(raw.ima["RIZIV_SPEC"]) == {"003", "004", "005", "006"}
    assert "08000552" in raw.register["RIZIV_HCI"].to_list()
    # Contacts of the flat-rate practice stay empty.
    forfait = raw.ima.filter(pl.col("FF_MH"))
    assert forfait["BEZAVOND"].null_count() == forfait.height == 2
    assert raw.provenance == {"demo": False}
    assert set(raw.checksums) == set(RAW_FILES)
    assert all(len(digest) == 64 for digest in raw.checksums.values())
    assert raw.circles.height == 4


def test_refnis_is_mapped_to_2025_with_raw_code_kept(refdata: RefData) -> None:
    """Given a practice with a 2019-2024 code, then REFNIS is the 2025 code, REFNIS_RAW the old."""
    raw = _validate(FIXTURE, refdata)

    practice = raw.register.filter(pl.col("RIZIV_HCI") == "10000338").row(0, named=True)
    assert (practice["REFNIS"], practice["REFNIS_RAW"]) == ("44087", "44034")
    assert raw.register.columns[:3] == ["RIZIV_HCI", "REFNIS", "REFNIS_RAW"]
    for frame in (raw.register, raw.atlas_values, raw.population, raw.circles):
        assert set(frame["REFNIS"]) <= set(refdata.code_map["nis_code_2025"])


def test_merged_municipalities_are_summed(refdata: RefData) -> None:
    """Given 2023 rows for Borsbeek/Antwerpen and Lochristi/Wachtebeke, then they are summed."""
    raw = _validate(FIXTURE, refdata)
    source = pl.read_csv(FIXTURE / POPULATION, infer_schema=False)

    pop = raw.population.filter(pl.col("YEAR") == 2023, pl.col("AGE") == 0)
    by_key = {(r["REFNIS"], r["SEX"]): r for r in pop.iter_rows(named=True)}
    assert by_key[("11002", "M")]["POPULATION"] == 2950 + 95
    assert by_key[("11002", "V")]["POPULATION"] == 2810 + 88
    assert by_key[("44087", "M")]["POPULATION"] == 110 + 52
    assert by_key[("44087", "M")]["REFNIS_RAW"] == "44034;44073"
    assert by_key[("11002", "M")]["REFNIS_RAW"] == "11002;11007"
    # Nothing is lost or counted twice, and keys are unique after mapping.
    assert raw.population["POPULATION"].sum() == source["POPULATION"].cast(pl.Int64).sum()
    assert raw.population.height == source.height - 3
    assert not raw.population.select("YEAR", "REFNIS", "SEX", "AGE").is_duplicated().any()
    # 2024 already uses 2025 codes: unchanged.
    row_2024 = raw.population.filter(
        pl.col("YEAR") == 2024, pl.col("REFNIS") == "44087", pl.col("AGE") == 0
    ).row(0, named=True)
    assert (row_2024["POPULATION"], row_2024["REFNIS_RAW"]) == (160, "44087")

    atlas = raw.atlas_values.filter(pl.col("YEAR") == 2023, pl.col("REFNIS") == "44087")
    cells = {r["INDICATOR_CODE"]: r for r in atlas.iter_rows(named=True)}
    assert (cells["cube_013_021_At"]["NUMERATOR"], cells["cube_013_021_At"]["DENOMINATOR"]) == (
        150 + 55,
        2100 + 800,
    )
    assert (cells["test_chronisch"]["NUMERATOR"], cells["test_chronisch"]["DENOMINATOR"]) == (
        160 + 70,
        420 + 190,
    )
    antwerp = raw.atlas_values.filter(
        pl.col("YEAR") == 2023, pl.col("REFNIS") == "11002", pl.col("SEX") == "M"
    ).row(0, named=True)
    assert (antwerp["NUMERATOR"], antwerp["DENOMINATOR"]) == (1520 + 60, 20110 + 820)


def test_default_circle_coverage_is_all_flemish_municipalities(refdata: RefData) -> None:
    """Given circles for 4 municipalities, without expected_municipalities the 281 others miss."""
    with pytest.raises(ValidationError) as caught:
        validate_raw(FIXTURE, refdata)

    (problem,) = caught.value.problems
    assert _where(problem) == (CIRCLES, None, "REFNIS")
    _assert_dutch(problem.message, "281 van de 285", "11001 (Aartselaar)")


# ----------------------------------------------------------------------------
# One broken thing at a time
# ----------------------------------------------------------------------------


def test_missing_file(raw_dir: Path, refdata: RefData) -> None:
    (raw_dir / METADATA).unlink()

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (METADATA, None, None)
    _assert_dutch(problem.message, "ontbreekt", "metadata", "INDICATOR_CODE")


def test_missing_column(raw_dir: Path, refdata: RefData) -> None:
    _edit_rows(raw_dir / ATLAS, lambda rows: [row[:-1] for row in rows])  # drop DENOMINATOR

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (ATLAS, 1, "DENOMINATOR")
    _assert_dutch(problem.message, "'DENOMINATOR' ontbreekt")


def test_extra_column(raw_dir: Path, refdata: RefData) -> None:
    _edit_rows(
        raw_dir / REGISTER,
        lambda rows: [[*rows[0], "OPMERKING"]] + [[*row, "x"] for row in rows[1:]],
    )

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (REGISTER, 1, "OPMERKING")
    _assert_dutch(problem.message, "onverwachte kolom 'OPMERKING'")


def test_column_name_case_is_explained(raw_dir: Path, refdata: RefData) -> None:
    _edit_rows(raw_dir / POPULATION, lambda rows: [["year", *rows[0][1:]], *rows[1:]])

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (POPULATION, 1, "YEAR")
    _assert_dutch(problem.message, "'year'", "hoofdlettergevoelig")


SURVEY_PRACTICES = "enquete_praktijken.csv"


def test_optional_continuity_column_may_be_absent(refdata: RefData) -> None:
    """Given a practice survey without the optional CONTINUITY column (the fixture), when
    validated, then it is read as not answered."""
    raw = _validate(FIXTURE, refdata)

    assert raw.survey_practices["CONTINUITY"].null_count() == raw.survey_practices.height


def test_optional_continuity_column_is_checked_when_present(
    raw_dir: Path, refdata: RefData
) -> None:
    """Given the column with valid codes, an empty answer and one unknown code, then only
    the unknown code is a problem, at its line."""
    path = raw_dir / SURVEY_PRACTICES
    answers = ["eigen_praktijk", "", "altijd"]
    _edit_rows(
        path,
        lambda rows: (
            [[*rows[0], "CONTINUITY"]]
            + [
                [*row, answers[i] if i < len(answers) else "geen_regeling"]
                for i, row in enumerate(rows[1:])
            ]
        ),
    )

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (SURVEY_PRACTICES, 4, "CONTINUITY")
    _assert_dutch(problem.message, "altijd")


def test_optional_column_with_wrong_capitals_is_explained(raw_dir: Path, refdata: RefData) -> None:
    path = raw_dir / SURVEY_PRACTICES
    _edit_rows(
        path,
        lambda rows: [[*rows[0], "continuity"]] + [[*row, "eigen_praktijk"] for row in rows[1:]],
    )

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (SURVEY_PRACTICES, 1, "CONTINUITY")
    _assert_dutch(problem.message, "'continuity'", "hoofdlettergevoelig")


def test_non_numeric_count(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / IMA, 3, "PAT_GMD", "veel")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (IMA, 3, "PAT_GMD")
    _assert_dutch(problem.message, "'veel'", "geen geheel getal")


def test_decimal_comma(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / "enquete_huisartsen.csv", 2, "HOURS_PER_WEEK", "52,5")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == ("enquete_huisartsen.csv", 2, "HOURS_PER_WEEK")
    _assert_dutch(problem.message, "'52,5'", "punt")


def test_negative_count(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / POPULATION, 3, "POPULATION", "-5")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (POPULATION, 3, "POPULATION")
    _assert_dutch(problem.message, "-5", "negatief")


def test_unknown_refnis(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / POPULATION, 2, "REFNIS", "12345")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (POPULATION, 2, "REFNIS")
    _assert_dutch(problem.message, "'12345'", "geen gekende REFNIS-code", "2025")


def test_refnis_with_lost_leading_zero(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / IMA, 2, "RIZIV_ID", "1234567")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (IMA, 2, "RIZIV_ID")
    _assert_dutch(problem.message, "'1234567'", "8 cijfers", "voorloopnullen")


def test_unknown_riziv_spec(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / IMA, 2, "RIZIV_SPEC", "007")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (IMA, 2, "RIZIV_SPEC")
    _assert_dutch(problem.message, "'007'", "003, 004, 005, 006")


def test_riziv_spec_without_leading_zeros_gets_a_hint(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / IMA, 2, "RIZIV_SPEC", "3")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (IMA, 2, "RIZIV_SPEC")
    _assert_dutch(problem.message, "'3'", "'003'")


def test_flag_not_zero_or_one(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / IMA, 2, "FLAGHMM", "ja")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (IMA, 2, "FLAGHMM")
    _assert_dutch(problem.message, "'ja'", "0 of 1")


def test_duplicate_key(raw_dir: Path, refdata: RefData) -> None:
    _edit_rows(raw_dir / IMA, lambda rows: [*rows, rows[1]])  # line 2 again, as line 10

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (IMA, 10, "YEAR, RIZIV_ID")
    _assert_dutch(problem.message, "YEAR=2023, RIZIV_ID=10012345", "regels 2, 10")


def test_numerator_above_denominator_for_percentage(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / ATLAS, 2, "NUMERATOR", "30000")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (ATLAS, 2, "NUMERATOR")
    _assert_dutch(problem.message, "30000", "20110", "cube_013_021_At", "%")


def test_numerator_implausible_for_a_rate_per_thousand(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / ATLAS, 16, "NUMERATOR", "3200000")  # test_contacten, denominator 14000

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (ATLAS, 16, "NUMERATOR")
    _assert_dutch(problem.message, "3200000", "14000", "test_contacten", "per 1.000")


def test_hci_not_in_register(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / IMA, 2, "RIZIV_HCI", "10009999")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (IMA, 2, "RIZIV_HCI")
    _assert_dutch(problem.message, "'10009999'", "praktijkregister.csv")


def test_survey_hci_not_in_register(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / "enquete_praktijken.csv", 4, "RIZIV_HCI", "10009999")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == ("enquete_praktijken.csv", 4, "RIZIV_HCI")
    _assert_dutch(problem.message, "'10009999'", "praktijkregister.csv")


def test_contacts_empty_for_fee_for_service(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / IMA, 2, "RAADPL", "")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (IMA, 2, "RAADPL")
    _assert_dutch(problem.message, "ontbreekt", "FF_MH = 0", "forfait")


def test_pat_attrib_below_pat_gmd(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / IMA, 4, "PAT_ATTRIB", "900")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (IMA, 4, "PAT_ATTRIB")
    _assert_dutch(problem.message, "PAT_ATTRIB (900)", "PAT_GMD (980)")


def test_last_year_before_first_year(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / REGISTER, 4, "LAST_YEAR", "2001")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (REGISTER, 4, "LAST_YEAR")
    _assert_dutch(problem.message, "LAST_YEAR (2001)", "FIRST_YEAR (2012)")


def test_practice_outside_belgium(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / REGISTER, 2, "LAT", "52.37")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (REGISTER, 2, "LAT")
    _assert_dutch(problem.message, "52.37", "49.4", "51.6")


def test_unknown_indicator_code(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / ATLAS, 2, "INDICATOR_CODE", "cube_999_999_At")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (ATLAS, 2, "INDICATOR_CODE")
    _assert_dutch(problem.message, "'cube_999_999_At'", METADATA)


def test_year_before_first_year(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / ATLAS, 15, "YEAR", "2019")  # test_contacten starts in 2020

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (ATLAS, 15, "YEAR")
    _assert_dutch(problem.message, "2019", "(2020)", "test_contacten")


def test_population_year_outside_range(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / POPULATION, 2, "YEAR", "2014")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (POPULATION, 2, "YEAR")
    _assert_dutch(problem.message, "2014", "2015", "2024")


def test_circle_coverage_gap(raw_dir: Path, refdata: RefData) -> None:
    _edit_rows(raw_dir / CIRCLES, lambda rows: [row for row in rows if row[0] != "44087"])

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (CIRCLES, None, "REFNIS")
    _assert_dutch(problem.message, "44087 (Lochristi)", "ontbreekt")


def test_circle_with_pre_2025_code(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / CIRCLES, 4, "REFNIS", "44034")  # was 44087

    problems = _problems(raw_dir, refdata)

    assert [_where(p) for p in problems] == [(CIRCLES, None, "REFNIS"), (CIRCLES, 4, "REFNIS")]
    _assert_dutch(problems[1].message, "'44034'", "vóór 2025", "44087")


def test_register_with_pseudo_code(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / REGISTER, 2, "REFNIS", "99991")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (REGISTER, 2, "REFNIS")
    _assert_dutch(problem.message, "'99991'", "pseudocode")


def test_old_and_new_code_of_merged_municipality_in_one_year(
    raw_dir: Path, refdata: RefData
) -> None:
    """Given 2024 with 44087 (merged Lochristi) and also 44034 (old Lochristi): double count."""
    _edit_rows(raw_dir / POPULATION, lambda rows: [*rows, ["2024", "44034", "V", "0", "50"]])
    added = len(_read(raw_dir / POPULATION))  # the appended line (fixture grew in issue 11)

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (POPULATION, added, "REFNIS")
    _assert_dutch(problem.message, "2024", "44087", "44034", "dubbel")


def test_unknown_discipline(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / "enquete_praktijken.csv", 2, "DISCIPLINES", "verpleegkundige;logopedist")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == ("enquete_praktijken.csv", 2, "DISCIPLINES")
    _assert_dutch(problem.message, "logopedist")


# ----------------------------------------------------------------------------
# Files that cannot be read as the contract's CSV
# ----------------------------------------------------------------------------


def test_semicolon_separated_file(raw_dir: Path, refdata: RefData) -> None:
    path = raw_dir / POPULATION
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (POPULATION, 1, None)
    _assert_dutch(problem.message, "';'", "komma")


def test_file_not_utf8(raw_dir: Path, refdata: RefData) -> None:
    path = raw_dir / METADATA
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (METADATA, 2, None)
    _assert_dutch(problem.message, "UTF-8")


def test_line_with_too_many_fields(raw_dir: Path, refdata: RefData) -> None:
    path = raw_dir / CIRCLES
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (CIRCLES, 3, None)
    _assert_dutch(problem.message, "meer velden")


def test_header_only_file(raw_dir: Path, refdata: RefData) -> None:
    path = raw_dir / CIRCLES
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (CIRCLES, None, None)
    _assert_dutch(problem.message, "alleen een kopregel")


def test_excel_bom_and_padding_are_accepted(raw_dir: Path, refdata: RefData) -> None:
    path = raw_dir / POPULATION
    text = path.read_text(encoding="utf-8").replace(",M,", ", M ,")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))

    raw = _validate(raw_dir, refdata)

    assert set(raw.population["SEX"]) == {"M", "V"}


def test_missing_folder(tmp_path: Path, refdata: RefData) -> None:
    problem = _only(tmp_path / "bestaat_niet", refdata)

    assert problem.row is None
    _assert_dutch(problem.message, "bestaat niet")


# ----------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------


def test_all_files_are_reported_at_once(raw_dir: Path, refdata: RefData) -> None:
    (raw_dir / METADATA).unlink()
    _set_cell(raw_dir / IMA, 2, "RIZIV_SPEC", "007")
    _set_cell(raw_dir / POPULATION, 3, "POPULATION", "-5")

    problems = _problems(raw_dir, refdata)

    assert [_where(p) for p in problems] == [
        (IMA, 2, "RIZIV_SPEC"),
        (METADATA, None, None),
        (POPULATION, 3, "POPULATION"),
    ]


def test_problems_are_capped_per_file_with_a_count(raw_dir: Path, refdata: RefData) -> None:
    """Given 200 bad counts and one bad sex, then 50 are listed, the sex among them."""
    header = "YEAR,REFNIS,SEX,AGE,POPULATION\n"
    body = "".join(f"2024,24062,M,{age % 100},-1\n" for age in range(100))
    body += "".join(f"2023,24062,M,{age % 100},-1\n" for age in range(100))
    body += "2022,24062,X,5,10\n"
    (raw_dir / POPULATION).write_text(header + body, encoding="utf-8")

    problems = _problems(raw_dir, refdata)

    assert len(problems) == MAX_PROBLEMS_PER_FILE + 1
    shown, summary = problems[:-1], problems[-1]
    assert (POPULATION, 202, "SEX") in [_where(p) for p in shown]
    assert [p.row for p in shown] == sorted(p.row or 0 for p in shown)
    assert _where(summary) == (POPULATION, None, None)
    _assert_dutch(summary.message, "nog 151", "kolom POPULATION: 151", "in totaal 201")


def test_problem_str_is_one_line() -> None:
    problem = Problem("atlas_waarden.csv", 12, "REFNIS", "waarde 'X' is geen gekende REFNIS-code")
    assert str(problem) == (
        "atlas_waarden.csv: regel 12, kolom REFNIS: waarde 'X' is geen gekende REFNIS-code"
    )
    assert str(Problem("bevolking.csv", None, None, "bestand ontbreekt")) == (
        "bevolking.csv: bestand ontbreekt"
    )
    error = ValidationError([problem])
    assert str(problem) in str(error)


# ----------------------------------------------------------------------------
# Provenance
# ----------------------------------------------------------------------------


def test_provenance_is_read(raw_dir: Path, refdata: RefData) -> None:
    (raw_dir / "herkomst.json").write_text(
        '{"demo": true, "generator": "test", "seed": 7, "sources": {"ima": "synthetisch"}}',
        encoding="utf-8",
    )

    raw = _validate(raw_dir, refdata)

    assert raw.provenance["demo"] is True
    assert raw.provenance["seed"] == 7
    assert "herkomst.json" in raw.checksums


def test_provenance_invalid(raw_dir: Path, refdata: RefData) -> None:
    (raw_dir / "herkomst.json").write_text('{"demo": "ja"}', encoding="utf-8")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == ("herkomst.json", None, "demo")
    _assert_dutch(problem.message, '"ja"', "true of false")


def test_provenance_not_json(raw_dir: Path, refdata: RefData) -> None:
    (raw_dir / "herkomst.json").write_text('{\n"demo": true,\n}', encoding="utf-8")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == ("herkomst.json", 3, None)
    _assert_dutch(problem.message, "JSON")


def test_line_numbers_count_values_spanning_lines(raw_dir: Path, refdata: RefData) -> None:
    """Given a description with a line break on line 2, then the next row starts on line 4."""
    _set_cell(raw_dir / METADATA, 2, "DESCRIPTION_NL", "Eerste alinea.\nTweede alinea.")
    _set_cell(raw_dir / METADATA, 3, "UNIT", "per 100")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (METADATA, 4, "UNIT")
    _assert_dutch(problem.message, "'per 100'", "%, per 1.000")


def test_blank_lines_are_ignored(raw_dir: Path, refdata: RefData) -> None:
    path = raw_dir / POPULATION
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "")
    lines[5] = lines[5].replace(",0,", ",x,")  # a bad AGE on line 6 after the blank line 4
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (POPULATION, 6, "AGE")


def test_nan_is_not_a_number(raw_dir: Path, refdata: RefData) -> None:
    _set_cell(raw_dir / REGISTER, 2, "LAT", "nan")

    problem = _only(raw_dir, refdata)

    assert _where(problem) == (REGISTER, 2, "LAT")
    _assert_dutch(problem.message, "'nan'", "geen getal")


def test_atlas_total_sex_is_accepted_alone(raw_dir: Path, refdata: RefData) -> None:
    """An Atlas cube without a breakdown by sex delivers T instead of M and V."""
    _edit_rows(
        raw_dir / ATLAS,
        lambda rows: [*rows, ["cube_013_021_At", "2023", "44021", "70-79", "T", "900", "15000"]],
    )
    raw = _validate(raw_dir, refdata)
    assert "T" in raw.atlas_values["SEX"].to_list()


def test_atlas_total_sex_mixed_with_m_and_v_is_refused(raw_dir: Path, refdata: RefData) -> None:
    _edit_rows(
        raw_dir / ATLAS,
        lambda rows: [*rows, ["cube_013_021_At", "2023", "11002", "60-69", "T", "3130", "41360"]],
    )
    added = len(_read(raw_dir / ATLAS))  # the appended line (fixture grew in issue 11)
    problem = _only(raw_dir, refdata)
    assert _where(problem) == (ATLAS, added, "SEX")
    _assert_dutch(problem.message, "'T'")


def test_atlas_update_rhythm_is_optional_and_kept_when_given(
    raw_dir: Path, refdata: RefData
) -> None:
    """Given the Atlas metadata without UPDATE_RHYTHM (the fixture), it validates with the
    rhythm empty; given the column, the catalogue of the build carries it per indicator,
    and every indicator the build derives itself has the rhythm of its source."""
    raw = _validate(FIXTURE, refdata)
    assert raw.atlas_metadata["UPDATE_RHYTHM"].null_count() == raw.atlas_metadata.height
    path = raw_dir / "atlas_metadata.csv"
    _edit_rows(
        path,
        lambda rows: (
            [[*rows[0], "UPDATE_RHYTHM"]]
            + [[*row, f"jaarlijks ({i})"] for i, row in enumerate(rows[1:])]
        ),
    )
    given = _validate(raw_dir, refdata).atlas_metadata
    cat = catalogue(given, 2024)
    atlas = cat.filter(pl.col("origin") == "atlas")
    expected = dict(zip(given["INDICATOR_CODE"], given["UPDATE_RHYTHM"], strict=True))
    assert dict(zip(atlas["indicator_code"], atlas["update_rhythm"], strict=True)) == expected
    derived = cat.filter(pl.col("origin") != "atlas")
    assert derived.height > 0
    assert derived["update_rhythm"].null_count() == 0
    assert derived.filter(pl.col("origin") == "ima")["update_rhythm"].str.contains("X \\+ 2").all()


# ----------------------------------------------------------------------------
# Atlas: the optional breakdown by increased reimbursement (VT/BIM)
# ----------------------------------------------------------------------------


def _with_bim(rows: list[list[str]], split: Callable[[list[str]], bool]) -> list[list[str]]:
    """The Atlas rows with a BIM column: every row where `split` holds becomes two rows,
    J with a third of its counts (rounded down) and N with the rest; others get T."""
    header = rows[0]
    at = header.index("SEX") + 1
    num, den = header.index("NUMERATOR"), header.index("DENOMINATOR")
    out = [[*header[:at], "BIM", *header[at:]]]
    for row in rows[1:]:
        if not split(row):
            out.append([*row[:at], "T", *row[at:]])
            continue
        j_num, j_den = int(row[num]) // 3, int(row[den]) // 3
        for code, n, d in (
            ("J", j_num, j_den),
            ("N", int(row[num]) - j_num, int(row[den]) - j_den),
        ):
            part = list(row)
            part[num], part[den] = str(n), str(d)
            out.append([*part[:at], code, *part[at:]])
    return out


def _chronic_2024(row: list[str]) -> bool:
    return row[0] == "test_chronisch" and row[1] == "2024"


def test_atlas_without_bim_column_reads_every_cell_as_not_split(refdata: RefData) -> None:
    """The fixture has no BIM column: it validates and every cell is T (as before)."""
    raw = _validate(FIXTURE, refdata)
    assert raw.atlas_values["BIM"].unique().to_list() == ["T"]


def test_atlas_bim_split_for_every_municipality_is_accepted(
    raw_dir: Path, refdata: RefData
) -> None:
    """One indicator x year split into J and N for every municipality, age band and
    sex: it validates, and J + N give back the delivered cell."""
    before = _validate(raw_dir, refdata).atlas_values
    _edit_rows(raw_dir / ATLAS, lambda rows: _with_bim(rows, _chronic_2024))
    raw = _validate(raw_dir, refdata)
    chronic = raw.atlas_values.filter(
        (pl.col("INDICATOR_CODE") == "test_chronisch") & (pl.col("YEAR") == 2024)
    )
    assert set(chronic["BIM"]) == {"J", "N"}
    assert (
        chronic.height
        == 2
        * before.filter(
            (pl.col("INDICATOR_CODE") == "test_chronisch") & (pl.col("YEAR") == 2024)
        ).height
    )
    keys = ["INDICATOR_CODE", "YEAR", "REFNIS", "AGE_BAND", "SEX"]
    summed = raw.atlas_values.group_by(keys).agg(pl.col("NUMERATOR", "DENOMINATOR").sum())
    assert summed.sort(keys).equals(
        before.group_by(keys).agg(pl.col("NUMERATOR", "DENOMINATOR").sum()).sort(keys)
    )
    assert set(raw.atlas_values.filter(pl.col("YEAR") == 2023)["BIM"]) == {"T"}


def test_atlas_bad_bim_code_is_refused_at_its_line(raw_dir: Path, refdata: RefData) -> None:
    _edit_rows(raw_dir / ATLAS, lambda rows: _with_bim(rows, _chronic_2024))
    rows = _read(raw_dir / ATLAS)
    line = next(i for i, r in enumerate(rows, start=1) if r[rows[0].index("BIM")] == "J")
    _set_cell(raw_dir / ATLAS, line, "BIM", "ja")
    problems = _problems(raw_dir, refdata)
    bad = [p for p in problems if _where(p) == (ATLAS, line, "BIM")]
    assert len(bad) == 1, "\n".join(str(p) for p in problems)
    _assert_dutch(bad[0].message, "'ja'", "J", "N", "T")


def test_atlas_bim_split_for_some_municipalities_only_is_refused(
    raw_dir: Path, refdata: RefData
) -> None:
    """Gent split by BIM, the other municipalities not, for the same indicator and
    year: an incomplete breakdown, refused at Gent's rows (not silently summed)."""
    gent = "44021"
    _edit_rows(
        raw_dir / ATLAS, lambda rows: _with_bim(rows, lambda r: _chronic_2024(r) and r[2] == gent)
    )
    problems = _problems(raw_dir, refdata)
    rows = _read(raw_dir / ATLAS)
    bim = rows[0].index("BIM")
    expected = {
        i
        for i, r in enumerate(rows, start=1)
        if i > 1 and r[0] == "test_chronisch" and r[1] == "2024"
    }
    assert {p.row for p in problems} == expected
    assert {(p.file, p.column) for p in problems} == {(ATLAS, "BIM")}
    split = next(p for p in problems if rows[p.row - 1][bim] == "J")  # type: ignore[index]
    _assert_dutch(split.message, "'J'", "test_chronisch", "2024", "J", "N", "T")


def test_atlas_bim_row_without_its_partner_is_refused(raw_dir: Path, refdata: RefData) -> None:
    """J without the N row of the same cell: the breakdown does not add up to the cell."""
    _edit_rows(raw_dir / ATLAS, lambda rows: _with_bim(rows, _chronic_2024))
    rows = _read(raw_dir / ATLAS)
    bim = rows[0].index("BIM")
    n_line = next(i for i, r in enumerate(rows, start=1) if r[bim] == "N")
    partner = n_line - 1  # the J row just above
    assert rows[partner - 1][bim] == "J"
    _write(raw_dir / ATLAS, [r for i, r in enumerate(rows, start=1) if i != n_line])
    problem = _only(raw_dir, refdata)
    assert _where(problem) == (ATLAS, partner, "BIM")
    _assert_dutch(problem.message, "'J'", "test_chronisch", "2024")
