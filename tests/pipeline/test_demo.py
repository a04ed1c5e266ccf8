"""The demo generator: determinism, the contract's shape, orders of magnitude, coherence.

The full demo (scale 1.0) is written once per module; determinism and the
scaled subset use scale 0.1.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

import polars as pl
import pytest

from popmgmt.pipeline import codes
from popmgmt.pipeline.demo import demo_municipalities, generate_demo, write_demo
from popmgmt.pipeline.refdata import RefData, load_refdata

# Columns exactly as in docs/data-contract.md, in order.
CONTRACT_COLUMNS = {
    "ima_patienteel_huisartsen.csv": [
        "YEAR", "RIZIV_ID", "RIZIV_SPEC", "RIZIV_HCI", "HCI_TYPE", "FLAGHMM", "FF_MH",
        "PAT_GMD", "PAT_ATTRIB", "RAADPL", "BEZAVOND", "BEZOEKIND", "INSTEL", "DIGICONT",
        "ADVIES",
    ],
    "praktijkregister.csv": ["RIZIV_HCI", "REFNIS", "LAT", "LON", "FIRST_YEAR", "LAST_YEAR"],
    "enquete_praktijken.csv": [
        "SURVEY_YEAR", "RIZIV_HCI", "PRACTICE_FORM", "PAYMENT_SYSTEM", "PATIENT_STOP",
        "APPOINTMENTS", "FTE_NURSE", "FTE_ADMIN", "FTE_OTHER", "DISCIPLINES", "EXPANSION_PLANS",
        "CONTINUITY",
    ],
    "enquete_huisartsen.csv": [
        "SURVEY_YEAR", "RIZIV_ID", "RIZIV_HCI", "BIRTH_YEAR", "STATUS", "HOURS_PER_WEEK",
        "WORKLOAD", "WELLBEING",
    ],
    "atlas_waarden.csv": [
        "INDICATOR_CODE", "YEAR", "REFNIS", "AGE_BAND", "SEX", "BIM", "NUMERATOR", "DENOMINATOR",
    ],
    "atlas_metadata.csv": [
        "INDICATOR_CODE", "NAME_NL", "DESCRIPTION_NL", "UNIT", "FORMULA_NL", "FIRST_YEAR",
        "SMALLEST_LEVEL", "BREAKDOWNS", "SOURCE", "KEYWORDS", "UPDATE_RHYTHM", "AIM_DOMAIN",
        "THEME", "NEED_FAMILY", "DIRECTION",
    ],
    "bevolking.csv": ["YEAR", "REFNIS", "SEX", "AGE", "POPULATION"],
    "huisartsenkringen.csv": ["REFNIS", "CIRCLE_CODE", "CIRCLE_NAME"],
    "bevolkingsprojectie.csv": ["REFNIS", "YEAR", "SEX", "AGE", "POPULATION"],
}  # fmt: skip
CONTACTS = ["RAADPL", "BEZAVOND", "BEZOEKIND", "INSTEL", "DIGICONT", "ADVIES"]
INTS = {"YEAR", "FLAGHMM", "FF_MH", "PAT_GMD", "PAT_ATTRIB", "FIRST_YEAR", "LAST_YEAR",
        "SURVEY_YEAR", "BIRTH_YEAR", "WORKLOAD", "WELLBEING", "NUMERATOR", "DENOMINATOR",
        "AGE", "POPULATION", *CONTACTS}  # fmt: skip


@functools.cache
def read(folder: Path, name: str) -> pl.DataFrame:
    """A raw file with codes as text and counts as integers (read once per folder)."""
    ints = {c: pl.Int64 for c in CONTRACT_COLUMNS[name] if c in INTS}
    return pl.read_csv(folder / name, infer_schema=False, schema_overrides=ints)


@pytest.fixture(scope="module")
def refdata() -> RefData:
    return load_refdata()


@pytest.fixture(scope="module")
def zones(refdata: RefData) -> pl.DataFrame:
    return refdata.municipalities.filter(pl.col("region_nis") == "02000").select(
        pl.col("nis_code_2025").alias("REFNIS"), pl.col("elz_code_pinc").alias("ZONE")
    )


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory, refdata: RefData) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("demo_full")
    return out, write_demo(out, refdata=refdata)


@pytest.fixture(scope="module")
def demo(full: tuple[Path, dict[str, int]]) -> Path:
    return full[0]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, refdata: RefData) -> Path:
    out = tmp_path_factory.mktemp("demo_small")
    write_demo(out, refdata=refdata, scale=0.1)
    return out


@pytest.fixture(scope="module")
def population(demo: Path, zones: pl.DataFrame) -> pl.DataFrame:
    """Inhabitants per zone and year."""
    return (
        read(demo, "bevolking.csv")
        .join(zones, on="REFNIS")
        .group_by("ZONE", "YEAR")
        .agg(pl.col("POPULATION").sum())
    )


# ----------------------------------------------------------------------------
# Determinism and shape
# ----------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(
    small: Path, tmp_path: Path, refdata: RefData
) -> None:
    """Given the demo at scale 0.1, when written again with the same seed and with
    another seed, then every file is byte-identical resp. the data files differ."""
    again = tmp_path / "again"
    other = tmp_path / "other"
    write_demo(again, refdata=refdata, scale=0.1)
    write_demo(other, refdata=refdata, scale=0.1, seed=7)
    files = sorted(p.name for p in small.iterdir())
    assert files == sorted(p.name for p in again.iterdir())
    for name in files:
        assert (small / name).read_bytes() == (again / name).read_bytes(), name
    for name in ("ima_patienteel_huisartsen.csv", "atlas_waarden.csv", "bevolking.csv"):
        assert (small / name).read_bytes() != (other / name).read_bytes(), name
    assert json.loads((other / "herkomst.json").read_text(encoding="utf-8"))["seed"] == 7


def test_every_file_has_exactly_the_contract_columns_and_the_returned_row_counts(
    full: tuple[Path, dict[str, int]],
) -> None:
    folder, rows = full
    assert set(rows) == set(CONTRACT_COLUMNS)
    for name, columns in CONTRACT_COLUMNS.items():
        raw = (folder / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), f"{name}: no BOM"
        raw.decode("utf-8")
        frame = pl.read_csv(folder / name, infer_schema=False)
        assert frame.columns == columns, name
        assert frame.height == rows[name] > 0, name


def test_codes_are_text_with_leading_zeros_and_ids_have_eight_digits(
    demo: Path, refdata: RefData
) -> None:
    ima = read(demo, "ima_patienteel_huisartsen.csv")
    register = read(demo, "praktijkregister.csv")
    eight = re.compile(r"^\d{8}$")
    for values in (ima["RIZIV_ID"], ima["RIZIV_HCI"], register["RIZIV_HCI"]):
        assert all(eight.match(v) for v in values.unique().to_list())
    assert set(ima["RIZIV_SPEC"].unique()) == set(codes.RIZIV_SPEC)  # "003" kept, not 3
    assert set(ima["HCI_TYPE"].unique()) == set(codes.HCI_TYPES)
    flemish = set(refdata.flemish_codes)
    for name in ("praktijkregister.csv", "bevolking.csv", "atlas_waarden.csv",
                 "huisartsenkringen.csv"):  # fmt: skip
        assert set(read(demo, name)["REFNIS"].unique()) <= flemish, name
    assert set(read(demo, "bevolking.csv")["REFNIS"].unique()) == flemish
    # Keys are unique.
    assert ima.select("YEAR", "RIZIV_ID").is_unique().all()
    assert register["RIZIV_HCI"].is_unique().all()
    # One RIZIV_HCI per practice over the years: its type never changes.
    assert ima.group_by("RIZIV_HCI").agg(pl.col("HCI_TYPE").n_unique())["HCI_TYPE"].max() == 1


def test_herkomst_says_demo_and_describes_every_source(demo: Path) -> None:
    provenance = json.loads((demo / "herkomst.json").read_text(encoding="utf-8"))
    assert provenance["demo"] is True
    assert provenance["generator"] == "popmgmt demo"
    assert provenance["seed"] == 20261123
    assert set(provenance["sources"]) == {name.removesuffix(".csv") for name in CONTRACT_COLUMNS}
    assert all("demo" in text.lower() for text in provenance["sources"].values())


def test_scale_must_be_a_fraction(tmp_path: Path, refdata: RefData) -> None:
    with pytest.raises(ValueError, match="scale"):
        write_demo(tmp_path, refdata=refdata, scale=0.0)
    with pytest.raises(ValueError, match="scale"):
        write_demo(tmp_path, refdata=refdata, scale=1.5)


def test_a_scaled_demo_keeps_whole_zones_and_the_full_circle_partition(
    small: Path, demo: Path, zones: pl.DataFrame
) -> None:
    """Given scale 0.1, the data files cover the same whole zones, while the circle
    file (a contract rule: every Flemish municipality in one circle) stays complete
    and identical to the full demo's."""
    bevolking = set(read(small, "bevolking.csv")["REFNIS"])
    assert bevolking == set(read(small, "atlas_waarden.csv")["REFNIS"])
    assert set(read(small, "praktijkregister.csv")["REFNIS"]) <= bevolking
    kept = zones.filter(pl.col("REFNIS").is_in(list(bevolking)))
    whole = zones.filter(pl.col("ZONE").is_in(kept["ZONE"].unique().to_list()))
    assert kept.height == whole.height  # whole zones, never part of one
    assert 4 <= kept["ZONE"].n_unique() <= 8  # about 0.1 x 56 zones
    hci = set(read(small, "praktijkregister.csv")["RIZIV_HCI"])
    assert set(read(small, "ima_patienteel_huisartsen.csv")["RIZIV_HCI"]) <= hci
    assert set(read(small, "enquete_praktijken.csv")["RIZIV_HCI"]) <= hci
    circles = "huisartsenkringen.csv"
    assert (small / circles).read_bytes() == (demo / circles).read_bytes()


# ----------------------------------------------------------------------------
# Population
# ----------------------------------------------------------------------------


def test_population_keeps_the_real_2020_totals_and_grows_and_ages(
    demo: Path, refdata: RefData
) -> None:
    pop = read(demo, "bevolking.csv")
    assert pop.height == 285 * 2 * 111 * len(codes.YEARS)  # full grid, ages 0-110
    assert pop["POPULATION"].min() == 0
    real = refdata.population_2020.group_by("nis_code_2025", "sex").agg(
        pl.col("population_2020").sum()
    )
    ours = (
        pop.filter(pl.col("YEAR") == 2020).group_by("REFNIS", "SEX").agg(pl.col("POPULATION").sum())
    )
    joined = ours.join(real, left_on=["REFNIS", "SEX"], right_on=["nis_code_2025", "sex"])
    assert joined.height == 570
    assert (joined["POPULATION"] == joined["population_2020"]).all()
    by_year = pop.group_by("YEAR").agg(
        pl.col("POPULATION").sum().alias("total"),
        (pl.col("POPULATION").filter(pl.col("AGE") >= 65).sum() / pl.col("POPULATION").sum())
        .alias("share65"),
    ).sort("YEAR")  # fmt: skip
    total = by_year["total"].to_list()
    assert total[5] == 6_653_062
    yearly = (total[-1] / total[0]) ** (1 / 9) - 1
    assert 0.003 < yearly < 0.008
    assert by_year["share65"].is_sorted()  # ageing
    assert by_year["share65"][-1] - by_year["share65"][0] > 0.01
    # No single age above 110, nobody above 105.
    assert pop.filter(pl.col("AGE") > 105)["POPULATION"].sum() == 0


# ----------------------------------------------------------------------------
# GPs and practices (IMA file)
# ----------------------------------------------------------------------------


def test_about_7000_active_gps_in_2024_with_800_to_1000_trainees_and_fewer_in_2015(
    demo: Path,
) -> None:
    ima = read(demo, "ima_patienteel_huisartsen.csv")
    per_year = ima.group_by("YEAR").agg(
        pl.len().alias("gps"),
        pl.col("RIZIV_SPEC").is_in(codes.RIZIV_SPEC_TRAINEE).sum().alias("trainees"),
    ).sort("YEAR")  # fmt: skip
    gps = dict(zip(per_year["YEAR"], per_year["gps"], strict=True))
    trainees = dict(zip(per_year["YEAR"], per_year["trainees"], strict=True))
    assert 6_500 <= gps[2024] <= 7_500
    assert 800 <= trainees[2024] <= 1_000
    assert 5_900 <= gps[2015] <= 6_600
    assert trainees[2015] < trainees[2024]
    # GPs stay, leave and arrive: both entries and exits happen.
    ids = {y: set(ima.filter(pl.col("YEAR") == y)["RIZIV_ID"]) for y in (2015, 2024)}
    assert len(ids[2015] - ids[2024]) > 1_000
    assert len(ids[2024] - ids[2015]) > 1_000
    # Some GP-years are below IMA's activity threshold (starting, part-time, retiring).
    contacts = ima.filter(pl.col("FF_MH") == 0).select(pl.sum_horizontal(CONTACTS))
    low = (contacts.to_series() < codes.ACTIVE_CONTACTS_THRESHOLD).mean()
    assert 0.03 < low < 0.2


def test_about_3000_practices_with_solo_the_largest_form(demo: Path) -> None:
    ima = read(demo, "ima_patienteel_huisartsen.csv")
    now = ima.filter(pl.col("YEAR") == 2024).group_by("RIZIV_HCI").agg(pl.col("HCI_TYPE").first())
    assert 2_500 <= now.height <= 3_300
    solo = (now["HCI_TYPE"] == "IND").mean()
    assert 0.38 <= solo <= 0.52
    practices = ima.group_by("YEAR").agg(pl.col("RIZIV_HCI").n_unique()).sort("YEAR")
    assert practices["RIZIV_HCI"][0] > practices["RIZIV_HCI"][-1]  # solo practices close
    # A solo (IND) practice has exactly one recognised GP each year.
    solo_gps = (
        ima.filter((pl.col("HCI_TYPE") == "IND") & pl.col("RIZIV_SPEC").is_in(codes.RIZIV_SPEC_GP))
        .group_by("RIZIV_HCI", "YEAR")
        .len()
    )
    assert (solo_gps["len"] == 1).all()


def test_contact_columns_are_empty_exactly_when_flat_rate(demo: Path) -> None:
    ima = read(demo, "ima_patienteel_huisartsen.csv")
    empty = pl.all_horizontal(pl.col(CONTACTS).is_null())
    any_empty = pl.any_horizontal(pl.col(CONTACTS).is_null())
    assert ima.filter((pl.col("FF_MH") == 1) != empty).height == 0
    assert ima.filter(any_empty & ~empty).height == 0
    assert ima.filter(pl.col("FF_MH") == 1).height > 0
    # Flat rate only in medical houses, and every medical house is flagged.
    assert ima.filter((pl.col("FF_MH") == 1) & (pl.col("HCI_TYPE") != "MH")).height == 0
    assert ima.filter((pl.col("HCI_TYPE") == "MH") != (pl.col("FLAGHMM") == 1)).height == 0


def test_pat_attrib_at_least_pat_gmd_and_lists_add_up_to_the_population(
    demo: Path, population: pl.DataFrame, zones: pl.DataFrame
) -> None:
    ima = read(demo, "ima_patienteel_huisartsen.csv")
    assert ima.filter(pl.col("PAT_ATTRIB") < pl.col("PAT_GMD")).height == 0
    assert ima["PAT_GMD"].min() >= 0
    register = read(demo, "praktijkregister.csv").join(zones, on="REFNIS")
    per_zone = (
        ima.join(register.select("RIZIV_HCI", "ZONE"), on="RIZIV_HCI")
        .group_by("ZONE", "YEAR")
        .agg(pl.col("PAT_ATTRIB", "PAT_GMD").sum())
        .join(population, on=["ZONE", "YEAR"])
    )
    ratio = per_zone["PAT_ATTRIB"] / per_zone["POPULATION"]
    assert ratio.min() >= 0.85
    assert ratio.max() <= 1.15
    flanders = per_zone.group_by("YEAR").agg(pl.col("PAT_GMD", "POPULATION").sum())
    gmd = flanders["PAT_GMD"] / flanders["POPULATION"]
    assert gmd.min() >= 0.70
    assert gmd.max() <= 0.85
    # GPs per 10,000 inhabitants vary by zone within about 7-13.
    gps = (
        ima.filter(pl.col("YEAR") == 2024)
        .join(register.select("RIZIV_HCI", "ZONE"), on="RIZIV_HCI")
        .group_by("ZONE")
        .len()
        .join(population.filter(pl.col("YEAR") == 2024), on="ZONE")
    )
    density = gps["len"] / gps["POPULATION"] * 10_000
    assert 6.5 <= density.min() < 9.0  # GP-poor zones
    assert 11.0 < density.max() <= 13.5


def test_flat_rate_population_share_rises_every_year(demo: Path) -> None:
    ima = read(demo, "ima_patienteel_huisartsen.csv")
    pop = read(demo, "bevolking.csv").group_by("YEAR").agg(pl.col("POPULATION").sum())
    share = (
        ima.filter(pl.col("FF_MH") == 1)
        .group_by("YEAR")
        .agg(pl.col("PAT_GMD").sum())
        .join(pop, on="YEAR")
        .sort("YEAR")
        .select(pl.col("PAT_GMD") / pl.col("POPULATION"))
        .to_series()
    )
    assert share.len() == len(codes.YEARS)
    assert (share.diff().drop_nulls() > 0).all()
    assert 0.02 <= share[0] <= 0.04
    assert 0.045 <= share[-1] <= 0.07


def test_register_places_practices_near_their_municipality(demo: Path, refdata: RefData) -> None:
    register = read(demo, "praktijkregister.csv").with_columns(
        pl.col("LAT", "LON").cast(pl.Float64)
    )
    centroids = refdata.municipalities.select(
        pl.col("nis_code_2025").alias("REFNIS"), "centroid_lat", "centroid_lon"
    )
    joined = register.join(centroids, on="REFNIS")
    assert joined.height == register.height
    km = (
        ((joined["LAT"] - joined["centroid_lat"]) * 111.2) ** 2
        + ((joined["LON"] - joined["centroid_lon"]) * 70.0) ** 2
    ).sqrt()
    assert km.max() <= 2.5
    closed = register.filter(pl.col("LAST_YEAR").is_not_null())
    assert closed.height > 0
    assert (closed["LAST_YEAR"] >= closed["FIRST_YEAR"]).all()
    ima = read(demo, "ima_patienteel_huisartsen.csv").join(register, on="RIZIV_HCI")
    outside = (pl.col("YEAR") < pl.col("FIRST_YEAR")) | (
        pl.col("YEAR") > pl.col("LAST_YEAR").fill_null(codes.LAST_YEAR)
    )
    assert ima.filter(outside).height == 0


# ----------------------------------------------------------------------------
# Surveys
# ----------------------------------------------------------------------------


def test_practice_survey_answers_follow_the_ima_file(demo: Path) -> None:
    ima = read(demo, "ima_patienteel_huisartsen.csv").filter(pl.col("YEAR") == 2024)
    survey = read(demo, "enquete_praktijken.csv")
    practices = ima.group_by("RIZIV_HCI").agg(
        pl.col("FF_MH").max().alias("flat"),
        pl.col("HCI_TYPE").first(),
        pl.col("RIZIV_SPEC").is_in(codes.RIZIV_SPEC_GP).sum().alias("gps"),
    )
    joined = survey.join(practices, on="RIZIV_HCI", how="left")
    assert joined["flat"].null_count() == 0  # every answering practice is active in 2024
    assert 0.82 <= survey.height / practices.height <= 0.88
    assert (survey["SURVEY_YEAR"] == 2024).all()
    assert ((joined["PAYMENT_SYSTEM"] == "forfait") == (joined["flat"] == 1)).all()
    expected_type = {"solo": "IND", "duo": "GRP", "groep": "GRP", "multidisciplinair": "GRP",
                     "wgc": "MH"}  # fmt: skip
    assert (joined["PRACTICE_FORM"].replace_strict(expected_type) == joined["HCI_TYPE"]).all()
    assert (joined.filter(pl.col("PRACTICE_FORM") == "solo")["gps"] == 1).all()
    assert (joined.filter(pl.col("PRACTICE_FORM") == "duo")["gps"] == 2).all()
    assert (joined.filter(pl.col("PRACTICE_FORM") == "groep")["gps"] >= 3).all()
    stop = (survey["PATIENT_STOP"] != "nee").mean()
    assert 0.2 <= stop <= 0.4
    for column, allowed in (("PATIENT_STOP", codes.PATIENT_STOP),
                            ("APPOINTMENTS", codes.APPOINTMENTS),
                            ("EXPANSION_PLANS", codes.EXPANSION_PLANS)):  # fmt: skip
        assert set(survey[column].unique()) == set(allowed), column
    # The optional continuity question: every code answered, some left empty.
    assert set(survey["CONTINUITY"].drop_nulls().unique()) == set(codes.CONTINUITY)
    assert 0.03 <= survey["CONTINUITY"].null_count() / survey.height <= 0.15
    disciplines = survey["DISCIPLINES"].drop_nulls().str.split(";").explode()
    assert set(disciplines.unique()) <= set(codes.DISCIPLINES)
    fte = survey.with_columns(pl.col("FTE_NURSE", "FTE_ADMIN", "FTE_OTHER").cast(pl.Float64))
    nurse = fte["FTE_NURSE"] > 0
    listed = fte["DISCIPLINES"].fill_null("").str.contains("verpleegkundige")
    assert (nurse == listed).all()
    means = fte.group_by("PRACTICE_FORM").agg(pl.col("FTE_NURSE").mean())
    mean = dict(zip(means["PRACTICE_FORM"], means["FTE_NURSE"], strict=True))
    assert mean["solo"] < mean["groep"] < mean["multidisciplinair"] < mean["wgc"]
    assert fte["DISCIPLINES"].filter(fte["PRACTICE_FORM"] == "solo").null_count() > 0


def test_gp_survey_has_a_plausible_age_pattern_and_status(demo: Path) -> None:
    ima = read(demo, "ima_patienteel_huisartsen.csv").filter(pl.col("YEAR") == 2024)
    survey = read(demo, "enquete_huisartsen.csv")
    joined = survey.join(
        ima.select("RIZIV_ID", pl.col("RIZIV_HCI").alias("hci_2024"), "RIZIV_SPEC"),
        on="RIZIV_ID",
        how="left",
    )
    assert joined["hci_2024"].null_count() == 0
    assert (joined["RIZIV_HCI"] == joined["hci_2024"]).all()
    trainee = joined["RIZIV_SPEC"].is_in(codes.RIZIV_SPEC_TRAINEE)
    assert ((joined["STATUS"] == "haio") == trainee).all()
    assert 0.72 <= survey.height / ima.height <= 0.78
    age = 2024 - survey["BIRTH_YEAR"]
    assert 0.18 <= (age >= 60).mean() <= 0.27
    assert 0.07 <= (age >= 65).mean() <= 0.13
    trainee_age = age.filter(survey["STATUS"] == "haio")
    assert 24 <= trainee_age.median() <= 29
    assert survey["BIRTH_YEAR"].min() >= 1935
    assert survey["BIRTH_YEAR"].max() <= 2005
    hours = survey["HOURS_PER_WEEK"].cast(pl.Float64)
    assert 38 <= hours.mean() <= 55
    assert set(survey["WORKLOAD"].unique()) == {1, 2, 3, 4, 5}
    assert survey["WELLBEING"].min() >= 0
    assert survey["WELLBEING"].max() <= 10


# ----------------------------------------------------------------------------
# Atlas
# ----------------------------------------------------------------------------


def test_atlas_metadata_has_at_least_12_indicators_with_valid_codes(demo: Path) -> None:
    meta = read(demo, "atlas_metadata.csv")
    assert meta.height >= 12
    assert "cube_013_021_At" in meta["INDICATOR_CODE"].to_list()
    assert meta["INDICATOR_CODE"].is_unique().all()
    assert set(meta["UNIT"]) <= set(codes.ATLAS_UNITS)
    assert set(meta["AIM_DOMAIN"]) <= set(codes.AIM_DOMAINS)
    assert set(meta["THEME"]) <= set(codes.THEMES)
    assert set(meta["NEED_FAMILY"].drop_nulls()) <= set(codes.NEED_FAMILIES)
    assert set(meta["DIRECTION"]) <= set(codes.DIRECTIONS)
    assert (meta["SMALLEST_LEVEL"] == "gemeente").all()
    assert (meta["FIRST_YEAR"] >= codes.FIRST_YEAR).all()
    for text in ("NAME_NL", "DESCRIPTION_NL", "FORMULA_NL", "SOURCE", "KEYWORDS"):
        assert meta[text].null_count() == 0, text
    demo_sources = meta.filter(pl.col("INDICATOR_CODE").str.starts_with("ima_"))["SOURCE"]
    assert demo_sources.str.contains("demo").all()


def test_atlas_values_respect_units_years_and_definitions(demo: Path) -> None:
    values = read(demo, "atlas_waarden.csv")
    meta = read(demo, "atlas_metadata.csv")
    joined = values.join(meta.select("INDICATOR_CODE", "UNIT", "FIRST_YEAR"), on="INDICATOR_CODE")
    assert joined.height == values.height
    percent = joined.filter(pl.col("UNIT") == "%")
    assert percent.filter(pl.col("NUMERATOR") > pl.col("DENOMINATOR")).height == 0
    assert joined.filter(pl.col("YEAR") < pl.col("FIRST_YEAR")).height == 0
    cell = ["INDICATOR_CODE", "YEAR", "REFNIS", "AGE_BAND", "SEX"]
    assert values.select(*cell, "BIM").is_unique().all()
    # VT/BIM: three indicators split into J and N in every cell, the others never
    bim = values.group_by("INDICATOR_CODE").agg(pl.col("BIM").unique().sort())
    split = {c for c, b in bim.iter_rows() if b == ["J", "N"]}
    assert split == {"ima_gmd", "ima_gpcontact", "ima_flu65"}
    assert all(b == ["T"] for c, b in bim.iter_rows() if c not in split)
    parts = values.filter(pl.col("BIM") != "T").group_by(cell).len()
    assert parts["len"].unique().to_list() == [2]
    rates = (
        values.filter(pl.col("INDICATOR_CODE") == "ima_flu65")
        .group_by("BIM")
        .agg(pl.col("NUMERATOR").sum() / pl.col("DENOMINATOR").sum())
    )
    rate = dict(rates.iter_rows())
    assert rate["J"] < rate["N"]  # fewer flu vaccinations with VT in the demo
    assert set(values["AGE_BAND"].unique()) == set(codes.ATLAS_AGE_BANDS)
    assert values["NUMERATOR"].min() >= 0
    mammo = values.filter(pl.col("INDICATOR_CODE") == "ima_mammo")
    assert set(mammo["SEX"].unique()) == {"V"}
    assert set(mammo["AGE_BAND"].unique()) == {"50-59", "60-69"}
    flu = values.filter(pl.col("INDICATOR_CODE") == "ima_flu65")
    assert set(flu["AGE_BAND"].unique()) == {"60-69", "70-79", "80-89", "90+"}
    # Small municipalities give small counts: the product must be able to suppress them.
    small = values.filter(pl.col("NUMERATOR").is_between(1, 4)).height
    assert small > 10_000


def test_gmd_coverage_is_70_to_90_percent_in_every_zone_and_rises(
    demo: Path, zones: pl.DataFrame
) -> None:
    gmd = read(demo, "atlas_waarden.csv").filter(pl.col("INDICATOR_CODE") == "ima_gmd")
    per_zone = (
        gmd.join(zones, on="REFNIS")
        .group_by("ZONE", "YEAR")
        .agg((pl.col("NUMERATOR").sum() / pl.col("DENOMINATOR").sum()).alias("rate"))
    )
    assert per_zone.height == 56 * len(codes.YEARS)
    assert per_zone["rate"].min() >= 0.70
    assert per_zone["rate"].max() <= 0.90
    flanders = gmd.group_by("YEAR").agg(pl.col("NUMERATOR", "DENOMINATOR").sum()).sort("YEAR")
    rate = flanders["NUMERATOR"] / flanders["DENOMINATOR"]
    steps = rate.diff().drop_nulls()
    assert steps.min() > 0.005
    assert steps.max() < 0.02
    by_age = gmd.group_by("AGE_BAND").agg(
        (pl.col("NUMERATOR").sum() / pl.col("DENOMINATOR").sum()).alias("rate")
    )
    age = dict(zip(by_age["AGE_BAND"], by_age["rate"], strict=True))
    assert age["20-29"] < 0.75  # young adults least often
    assert age["80-89"] > 0.93  # nearly every old person


def test_atlas_denominators_follow_the_population(demo: Path) -> None:
    values = read(demo, "atlas_waarden.csv").filter(
        (pl.col("INDICATOR_CODE") == "ima_vt") & (pl.col("YEAR") == 2020)
    )
    pop = read(demo, "bevolking.csv").filter(pl.col("YEAR") == 2020)
    assert values["DENOMINATOR"].sum() == pytest.approx(pop["POPULATION"].sum(), rel=0.02)


def test_needs_follow_deprivation_and_flat_rate_enrolment_follows_the_ima_file(
    demo: Path,
) -> None:
    values = read(demo, "atlas_waarden.csv").filter(pl.col("YEAR") == 2024)
    rate = values.group_by("INDICATOR_CODE", "REFNIS").agg(
        (pl.col("NUMERATOR").sum() / pl.col("DENOMINATOR").sum()).alias("rate")
    )

    def of(code: str, refnis: str) -> float:
        row = rate.filter((pl.col("INDICATOR_CODE") == code) & (pl.col("REFNIS") == refnis))
        return float(row["rate"].item())

    antwerpen, gent, tervuren, latem = "11002", "44021", "24104", "44064"
    for deprived in (antwerpen, gent):
        for affluent in (tervuren, latem):
            assert of("ima_vt", deprived) > of("ima_vt", affluent) + 0.08
            assert of("ima_migr", deprived) > of("ima_migr", affluent)
            assert of("ima_mh", deprived) > of("ima_mh", affluent)
    flanders = values.filter(pl.col("INDICATOR_CODE") == "ima_vt")
    vt = flanders["NUMERATOR"].sum() / flanders["DENOMINATOR"].sum()
    assert 0.13 <= vt <= 0.20
    # Enrolled by residence (Atlas) ~ enrolled by practice (IMA file), within 10%.
    mh = values.filter(pl.col("INDICATOR_CODE") == "ima_mh")["NUMERATOR"].sum()
    ima = read(demo, "ima_patienteel_huisartsen.csv").filter(
        (pl.col("YEAR") == 2024) & (pl.col("FF_MH") == 1)
    )
    assert mh == pytest.approx(ima["PAT_GMD"].sum(), rel=0.1)


# ----------------------------------------------------------------------------
# GP circles
# ----------------------------------------------------------------------------


def test_every_municipality_is_in_exactly_one_circle_and_circles_cross_zones(
    demo: Path, zones: pl.DataFrame, refdata: RefData
) -> None:
    circles = read(demo, "huisartsenkringen.csv")
    assert sorted(circles["REFNIS"].to_list()) == sorted(refdata.flemish_codes)
    assert circles["REFNIS"].is_unique().all()
    assert circles["CIRCLE_CODE"].str.contains(r"^hak\d+$").all()
    names = circles.group_by("CIRCLE_CODE").agg(pl.col("CIRCLE_NAME").n_unique())
    assert (names["CIRCLE_NAME"] == 1).all()
    assert circles["CIRCLE_NAME"].str.starts_with("Huisartsenkring ").all()
    assert 45 <= circles["CIRCLE_CODE"].n_unique() <= 60
    joined = circles.join(zones, on="REFNIS")
    zones_per_circle = joined.group_by("CIRCLE_CODE").agg(pl.col("ZONE").n_unique())
    circles_per_zone = joined.group_by("ZONE").agg(pl.col("CIRCLE_CODE").n_unique())
    assert (zones_per_circle["ZONE"] >= 2).sum() >= 1
    assert (circles_per_zone["CIRCLE_CODE"] >= 2).sum() >= 1
    assert (zones_per_circle["ZONE"] == 1).mean() > 0.8  # most coincide with one zone
    assert zones_per_circle["ZONE"].max() <= 2


# ----------------------------------------------------------------------------
# The project's validator accepts the demo
# ----------------------------------------------------------------------------


def test_the_raw_validator_accepts_the_full_demo(demo: Path, refdata: RefData) -> None:
    validate = pytest.importorskip("popmgmt.pipeline.validate")
    raw = validate.validate_raw(demo, refdata)
    assert raw.provenance["demo"] is True


# ----------------------------------------------------------------------------
# Provenance: the fingerprint the build checks (issue 11)
# ----------------------------------------------------------------------------


def test_herkomst_records_the_fingerprint_of_every_generated_file(
    small: Path, refdata: RefData
) -> None:
    provenance = json.loads((small / "herkomst.json").read_text(encoding="utf-8"))
    fingerprint = provenance["fingerprint"]
    assert fingerprint["generator"] == "popmgmt demo"
    assert (fingerprint["seed"], fingerprint["scale"]) == (20261123, 0.1)
    assert set(fingerprint["files"]) == set(CONTRACT_COLUMNS)
    for name, digest in fingerprint["files"].items():
        assert hashlib.sha256((small / name).read_bytes()).hexdigest() == digest, name
    # generate_demo gives exactly the written bytes, herkomst.json included.
    generated = generate_demo(refdata=refdata, scale=0.1)
    assert sorted(generated) == sorted(p.name for p in small.iterdir())
    for name, data in generated.items():
        assert (small / name).read_bytes() == data, name
    covered = demo_municipalities(refdata, 0.1)
    assert covered == sorted(read(small, "bevolking.csv")["REFNIS"].unique().to_list())
