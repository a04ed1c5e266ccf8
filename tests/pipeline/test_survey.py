"""Tests of the survey mart (`popmgmt.pipeline.survey`) and of its place in the build's
audit (`popmgmt.pipeline.audit`): figures recomputed from the raw survey rows, the levels
it may publish, the small-respondent rule with complementary suppression over crossing
zones and circles, and planted leaks that the audit must catch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from popmgmt.app.store import Marts
from popmgmt.pipeline import codes, survey
from popmgmt.pipeline.audit import _survey_system, audit_marts, recovered_leaks, solve
from popmgmt.pipeline.geography import membership
from popmgmt.pipeline.marts import MART_COLUMNS, SURVEY
from popmgmt.pipeline.practices import gp_years
from popmgmt.pipeline.provenance import check_demo
from popmgmt.pipeline.refdata import RefData
from popmgmt.pipeline.validate import validate_raw

GP_SPECS = ("003", "004")


def _read(raw: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(raw / name, infer_schema=False)


def _num(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.Float64)


def _row(mart: pl.DataFrame, code: str, category: str, zone: str) -> dict[str, object]:
    rows = mart.filter(
        (pl.col("indicator_code") == code)
        & (pl.col("category") == category)
        & (pl.col("level") == "zone")
        & (pl.col("area_code") == zone)
    )
    assert rows.height == 1, (code, category, zone)
    return rows.row(0, named=True)


def _close(a: object, b: float, tol: float = 1e-6) -> None:
    assert isinstance(a, float | int)
    assert a == pytest.approx(b, rel=tol, abs=tol)


def _check_share(row: dict[str, object], count: int, n: int, population: int) -> None:
    lo, hi = proportion_confint(count, n, method="wilson")
    assert row["respondents"] == n
    assert row["population"] == population
    _close(row["numerator"], count)
    _close(row["value"], 100 * count / n)
    _close(row["ci_low"], 100 * max(lo, 0.0) if count else 0.0)
    _close(row["ci_high"], 100 * min(hi, 1.0) if count < n else 100.0)
    _close(row["response_rate"], 100 * n / population)


def _check_mean(row: dict[str, object], answers: np.ndarray, population: int) -> None:
    n = answers.size
    low, high = sps.t.interval(0.95, n - 1, loc=answers.mean(), scale=sps.sem(answers))
    assert row["respondents"] == n
    _close(row["value"], float(answers.mean()))
    _close(row["ci_low"], float(low))
    _close(row["ci_high"], float(high))
    _close(row["numerator"], float(answers.sum()))
    _close(row["response_rate"], 100 * n / population)


def test_every_survey_figure_recomputed_from_raw_rows_for_two_zones(
    demo_raw: Path, marts: Marts
) -> None:
    """Given the demo's raw survey rows, when each figure of two zones is recomputed by
    hand (numpy, scipy, statsmodels), then the mart holds the same numbers."""
    mart = marts.survey
    year = 2024
    zone_of = marts.areas.filter(pl.col("level") == "gemeente").select(
        pl.col("area_code").alias("REFNIS"), "zone_code"
    )
    register = _read(demo_raw, "praktijkregister.csv").join(zone_of, on="REFNIS")
    ima = (
        _read(demo_raw, "ima_patienteel_huisartsen.csv")
        .filter(pl.col("YEAR") == str(year))
        .join(register.select("RIZIV_HCI", "zone_code"), on="RIZIV_HCI")
    )
    gp_answers = _read(demo_raw, "enquete_huisartsen.csv").join(
        register.select("RIZIV_HCI", "zone_code"), on="RIZIV_HCI"
    )
    practice_answers = _read(demo_raw, "enquete_praktijken.csv").join(
        register.select("RIZIV_HCI", "zone_code"), on="RIZIV_HCI"
    )
    shown = mart.filter(
        (pl.col("indicator_code") == "hours_mean") & (pl.col("level") == "zone")
        & ~pl.col("suppressed")
    )  # fmt: skip
    zones = sorted(shown["area_code"].to_list())[:2]
    assert len(zones) == 2
    checked = 0
    for zone in zones:
        gps_here = ima.filter(pl.col("zone_code") == zone)
        population = gps_here.height
        answers = gp_answers.filter(pl.col("zone_code") == zone)
        n = answers.height
        hours = answers["HOURS_PER_WEEK"].cast(pl.Float64).to_numpy()
        wellbeing = answers["WELLBEING"].cast(pl.Float64).to_numpy()
        _check_mean(_row(mart, "hours_mean", "totaal", zone), hours, population)
        _check_mean(_row(mart, "wellbeing_mean", "totaal", zone), wellbeing, population)
        high = int((answers["WORKLOAD"].cast(pl.Int64) >= 4).sum())
        _check_share(_row(mart, "workload_high", "totaal", zone), high, n, population)
        edges = [lower for lower, _ in codes.HOURS_BANDS] + [np.inf]
        for (lower, label), upper in zip(codes.HOURS_BANDS, edges[1:], strict=True):
            row = _row(mart, "hours_band", label, zone)
            count = int(((hours >= lower) & (hours < upper)).sum())
            if row["suppressed"]:
                assert row["value"] is None
                assert row["numerator"] is None
            else:
                _check_share(row, count, n, population)
            checked += 1
        # The patient-contact estimate: fee-for-service GPs' contacts x minutes against
        # their mean reported hours x 46 weeks x the number of fee-for-service GPs.
        ffs = gps_here.filter(pl.col("FF_MH") == "0")
        minutes = sum(
            float(ffs[col].cast(pl.Float64).sum()) * m for col, m in survey.CONTACT_MINUTES.items()
        )
        ffs_hours = (
            answers.join(ffs.select("RIZIV_ID"), on="RIZIV_ID")["HOURS_PER_WEEK"]
            .cast(pl.Float64)
            .to_numpy()
        )
        row = _row(mart, "contact_share", "totaal", zone)
        expected = minutes / 60 / (ffs_hours.mean() * survey.WORK_WEEKS * ffs.height) * 100
        _close(row["value"], expected)
        assert row["respondents"] == ffs_hours.size
        assert row["population"] == ffs.height
        # Practices.
        practices = practice_answers.filter(pl.col("zone_code") == zone)
        n_p = practices.height
        in_ima = (
            ima.filter(pl.col("zone_code") == zone)
            .group_by("RIZIV_HCI")
            .agg(
                pl.col("RIZIV_SPEC").is_in(GP_SPECS).sum().alias("gp_count"),
                (pl.col("FF_MH") == "1").any().alias("flat"),
            )
        )
        n_practices = in_ima.height
        for code, column, categories in (
            ("appointments", "APPOINTMENTS", codes.APPOINTMENTS),
            ("expansion_plans", "EXPANSION_PLANS", codes.EXPANSION_PLANS),
        ):
            for category in categories:
                count = int((practices[column] == category).sum())
                _check_share(_row(mart, code, category, zone), count, n_p, n_practices)
                checked += 1
        answered = practices.filter(pl.col("CONTINUITY").is_not_null())
        for category in codes.CONTINUITY:
            count = int((answered["CONTINUITY"] == category).sum())
            row = _row(mart, "continuity", category, zone)
            _check_share(row, count, answered.height, n_practices)
        for discipline in codes.DISCIPLINES:
            count = int(
                practices["DISCIPLINES"]
                .fill_null("")
                .str.split(";")
                .list.contains(discipline)
                .sum()
            )
            _check_share(
                _row(mart, "discipline_present", discipline, zone), count, n_p, n_practices
            )
        joined = practices.join(in_ima, on="RIZIV_HCI", how="left")
        x = joined["gp_count"].fill_null(0).cast(pl.Float64).to_numpy()
        for name, column in survey.STAFF_COLUMNS.items():
            y = joined[column].cast(pl.Float64).to_numpy()
            ratio = y.sum() / x.sum()
            residual = y - ratio * x
            se = np.sqrt(residual.var(ddof=1) / (n_p * x.mean() ** 2))
            t = sps.t.ppf(0.975, n_p - 1)
            row = _row(mart, "staff_fte_per_gp", name, zone)
            _close(row["value"], ratio)
            _close(row["ci_low"], max(ratio - t * se, 0.0))
            _close(row["ci_high"], ratio + t * se)
            _close(row["denominator"], float(x.sum()))
        for pay in codes.PAYMENT_SYSTEMS:
            in_pay = joined.filter(pl.col("flat") == (pay == "forfait"))
            for stop in codes.PATIENT_STOP:
                row = _row(mart, "patient_stop_by_payment", f"{pay}:{stop}", zone)
                if in_pay.height < codes.MIN_SURVEY_RESPONDENTS:
                    assert row["suppressed"]
                    assert row["value"] is None
                    continue
                count = int((in_pay["PATIENT_STOP"] == stop).sum())
                population = int(in_ima.filter(pl.col("flat") == (pay == "forfait")).height)
                _check_share(row, count, in_pay.height, population)
        checked += 1
    assert checked > 10


def test_no_survey_figure_below_zone_or_circle_level(built_data: Path, marts: Marts) -> None:
    """The survey mart holds zones, circles, provinces and Flanders only; no other mart
    carries a survey answer; the manifest lists the mart."""
    assert set(marts.survey["level"].unique()) <= set(codes.SURVEY_LEVELS)
    assert set(marts.survey["level"].unique()) >= {"zone", "kring", "vlaanderen"}
    assert marts.survey.columns == list(MART_COLUMNS[SURVEY])
    gp_fields = {"hours", "workload", "wellbeing", "continuity", "appointments", "expansion"}
    for name in ("indicator_values", "practices", "population", "areas", "comparisons"):
        frame = pl.read_parquet(built_data / f"{name}.parquet")
        assert not {c.lower() for c in frame.columns} & gp_fields, name
    codes_published = set(marts.values["indicator_code"].unique())
    assert not codes_published & set(survey.GP_INDICATORS + survey.PRACTICE_INDICATORS)
    assert "survey" in marts.manifest["marts"]


def test_no_shown_survey_cell_rests_on_fewer_than_ten_respondents(marts: Marts) -> None:
    shown = marts.survey.filter(~pl.col("suppressed"))
    assert shown.height
    assert (shown["respondents"] >= codes.MIN_SURVEY_RESPONDENTS).all()
    hidden = marts.survey.filter(pl.col("suppressed"))
    assert hidden["value"].null_count() == hidden.height
    assert hidden["numerator"].null_count() == hidden.height


# --------------------------------------------------------------------------- crossing areas

# Six municipalities: zones Z1 = {m1, m2, m3}, Z2 = {m4, m5, m6}; circles C1 = {m1, m2},
# C2 = {m3, m4, m5, m6}; one province. The piece (Z1, C2) = {m3} is Z1 minus C1.
MEMBERS = pl.DataFrame(
    {
        "refnis": ["m1", "m2", "m3", "m4", "m5", "m6"],
        "zone_code": ["Z1", "Z1", "Z1", "Z2", "Z2", "Z2"],
        "circle_code": ["C1", "C1", "C2", "C2", "C2", "C2"],
        "province_code": ["P"] * 6,
        "flanders_code": [codes.FLANDERS_CODE] * 6,
    }
)
RESPONDENTS = {"m1": 20, "m2": 16, "m3": 4, "m4": 20, "m5": 15, "m6": 15}


def _unit_counts(per_muni: dict[str, int]) -> pl.DataFrame:
    units = survey.pieces(MEMBERS)
    counts = pl.DataFrame({"refnis": list(per_muni), "count": list(per_muni.values())})
    return (
        units.join(counts, on="refnis")
        .group_by("level", "area_code")
        .agg(pl.col("count").sum())
        .with_columns(pl.lit(2024, pl.Int64).alias("year"), pl.lit("n").alias("item"))
    )


def _recoverable_pieces(hidden: set[str]) -> dict[str, bool]:
    """Which piece (as a 0/1 row over the pieces) lies in the row space of the published
    areas: exactly what a reader could compute."""
    units = survey.pieces(MEMBERS)
    links = survey.piece_links(units)
    pieces = sorted(links["piece"].unique().to_list())
    published = (
        links.filter(~pl.col("area_code").is_in(list(hidden)))
        .group_by("level", "area_code")
        .agg(pl.col("piece"))
    )
    matrix = np.array(
        [[1.0 if p in row else 0.0 for p in pieces] for row in published["piece"].to_list()]
    )
    rank = np.linalg.matrix_rank(matrix)
    return {
        p: np.linalg.matrix_rank(np.vstack([matrix, np.eye(len(pieces))[i]])) == rank
        for i, p in enumerate(pieces)
    }


def test_piece_between_zone_and_circle_is_protected() -> None:
    """Given a zone and a circle that differ by one municipality with 4 respondents, when
    the survey is controlled, then cells are hidden so that neither that piece nor any
    hidden area can be computed from the published ones."""
    counts = _unit_counts(RESPONDENTS)
    hidden = survey.control_units(
        counts, survey.pieces(MEMBERS), (pl.col("count") > 0) & (pl.col("count") < 10)
    )
    hidden_areas = set(hidden.filter(pl.col("suppressed"))["area_code"].to_list())
    assert hidden_areas  # without control Z1 - C1 = 4 respondents of m3
    assert not _recoverable_pieces(hidden_areas)["Z1|C2|P"]
    assert _recoverable_pieces(set())["Z1|C2|P"]  # the leak that the control prevents
    assert "02000" not in hidden_areas  # Flanders stays shown: the complements are areas
    reasons = set(hidden.filter(pl.col("suppressed"))["suppression_reason"].to_list())
    assert reasons == {"secundair"}  # no published area is small itself


def test_small_zone_is_hidden_with_a_complement() -> None:
    """A zone with 9 respondents is hidden (primary), and so is a second zone, or
    Flanders minus the other zone would give it back."""
    small = {**RESPONDENTS, "m1": 2, "m2": 3, "m3": 4}  # Z1 has 9
    hidden = survey.control_units(
        _unit_counts(small), survey.pieces(MEMBERS), (pl.col("count") > 0) & (pl.col("count") < 10)
    )
    flags = dict(hidden.select("area_code", "suppression_reason").iter_rows())
    assert flags["Z1"] == "primair"
    assert flags["Z2"] == "secundair"
    assert not _recoverable_pieces({a for a, r in flags.items() if r})["Z1|C2|P"]


def _synthetic_areas() -> pl.DataFrame:
    rows = [
        {"level": "gemeente", "area_code": m, "zone_code": z, "circle_code": c,
         "province_code": "P"}
        for m, z, c in MEMBERS.select("refnis", "zone_code", "circle_code").iter_rows()
    ]  # fmt: skip
    return pl.DataFrame(rows).with_columns(
        pl.lit(None, pl.String).alias("area_name"),
        pl.lit(None, pl.Float64).alias("area_km2"),
        pl.lit(None, pl.Float64).alias("centroid_lat"),
        pl.lit(None, pl.Float64).alias("centroid_lon"),
    )


def _synthetic_survey(hidden: dict[str, str]) -> pl.DataFrame:
    """hours_mean rows of every area (48 hours, sd about 6), hidden where listed."""
    units = survey.pieces(MEMBERS).filter(pl.col("level") != survey.PIECE)
    n = (
        units.join(pl.DataFrame({"refnis": list(RESPONDENTS), "n": list(RESPONDENTS.values())}),
                   on="refnis")
        .group_by("level", "area_code")
        .agg(pl.col("n").sum())
    )  # fmt: skip
    t = sps.t.ppf(0.975, n["n"].to_numpy() - 1)
    half = t * 6.0 / np.sqrt(n["n"].to_numpy())
    rows = n.with_columns(
        pl.lit("hours_mean").alias("indicator_code"),
        pl.lit("totaal").alias("category"),
        pl.lit(2024, pl.Int64).alias("year"),
        pl.col("n").alias("respondents"),
        (pl.col("n") * 2).alias("population"),
        pl.lit(2024, pl.Int64).alias("population_year"),
        pl.lit(50.0).alias("response_rate"),
        (pl.col("n") * 48.0).alias("numerator"),
        pl.col("n").cast(pl.Float64).alias("denominator"),
        pl.lit(48.0).alias("value"),
        (48.0 - pl.Series(half)).alias("ci_low"),
        (48.0 + pl.Series(half)).alias("ci_high"),
        pl.col("area_code").is_in(list(hidden)).alias("suppressed"),
        pl.col("area_code").replace_strict(hidden, default=None).alias("suppression_reason"),
    )
    blank = ["respondents", "response_rate", "numerator", "denominator", "value", "ci_low",
             "ci_high"]  # fmt: skip
    rows = rows.with_columns(
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in blank
    )
    return rows.select(list(MART_COLUMNS[SURVEY]))


def _survey_leaks(hidden: dict[str, str]) -> list[str]:
    variables, terms = _survey_system(_synthetic_survey(hidden), _synthetic_areas())
    _, leaks = recovered_leaks(variables, solve(variables, terms))
    return leaks["var"].to_list()


def test_audit_finds_the_piece_that_zone_minus_circle_gives() -> None:
    """Everything published: the audit recovers the 4 respondents of m3 (Z1 - C1) and
    calls it a leak; with the control's pattern, it finds nothing."""
    leaks = _survey_leaks({})
    assert any("Z1|C2|P" in var for var in leaks), leaks
    counts = _unit_counts(RESPONDENTS)
    hidden = survey.control_units(
        counts, survey.pieces(MEMBERS), (pl.col("count") > 0) & (pl.col("count") < 10)
    )
    pattern = dict(
        hidden.filter(pl.col("suppressed")).select("area_code", "suppression_reason").iter_rows()
    )
    assert _survey_leaks(pattern) == []


def test_audit_finds_a_hidden_zone_that_flanders_minus_the_other_gives() -> None:
    """A zone hidden as primary without a complement: Flanders x n minus the other zone
    gives its respondents and its sum of hours (mean = sum / n)."""
    leaks = _survey_leaks({"Z1": "primair"})
    assert "sv|gp|zone|Z1|2024" in leaks
    assert "sx|hours_mean|totaal|zone|Z1|2024" in leaks
    assert "sq|hours_mean|zone|Z1|2024" in leaks


def test_audit_catches_a_planted_leak_in_the_built_survey_mart(marts: Marts) -> None:
    """Given the built marts (no leak), when one zone's GP-survey rows are hidden as
    primary without any complement, then the audit recovers them."""
    base = {
        "areas": marts.areas,
        "indicator_values": marts.values,
        "population": marts.population,
        "practices": marts.practices,
        SURVEY: marts.survey,
    }
    assert audit_marts(base).leaks == []
    zone = str(
        marts.survey.filter((pl.col("level") == "zone") & ~pl.col("suppressed"))["area_code"]
        .sort()
        .first()
    )
    target = (
        (pl.col("level") == "zone")
        & (pl.col("area_code") == zone)
        & pl.col("indicator_code").is_in(
            ["hours_mean", "wellbeing_mean", "workload_high", "hours_band"]
        )
    )
    blank = ["respondents", "response_rate", "numerator", "denominator", "value", "ci_low",
             "ci_high"]  # fmt: skip
    planted = marts.survey.with_columns(
        *[pl.when(target).then(None).otherwise(pl.col(c)).alias(c) for c in blank],
        (pl.col("suppressed") | target).alias("suppressed"),
        pl.when(target).then(pl.lit("primair")).otherwise(pl.col("suppression_reason"))
        .alias("suppression_reason"),
    )  # fmt: skip
    leaks = audit_marts({**base, SURVEY: planted}).leaks
    assert any(f"sv|gp|zone|{zone}|" in line for line in leaks), leaks
    assert any(f"sx|hours_mean|totaal|zone|{zone}|" in line for line in leaks), leaks


def test_survey_mart_is_deterministic(demo_raw: Path, refdata: RefData) -> None:
    """Same input, same bytes: the mart computed twice is identical."""
    check = check_demo(demo_raw, refdata)
    raw = validate_raw(demo_raw, refdata, covered_municipalities=check.municipalities)
    present = raw.population["REFNIS"].unique().sort().to_list()
    members = membership(refdata, raw.circles, present)
    gps = gp_years(raw)
    first = survey.survey_mart(raw, gps, members)
    second = survey.survey_mart(raw, gps, members)
    assert first.equals(second)
