"""Need-weighted population, need vs supply and the allocation simulator
(`popmgmt.metrics.fairshare`): known cases by hand and the demo build."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from popmgmt.app.store import Marts
from popmgmt.metrics import fairshare, stats
from popmgmt.pipeline.codes import POP_AGE_BANDS, SEXES

# --------------------------------------------------------------------------- allocation


def _two_zones() -> pl.DataFrame:
    return pl.DataFrame(
        {"area_code": ["a", "b"], "pop_share": [0.5, 0.5], "need_share": [0.25, 0.75]}
    )


def test_two_zone_allocation_is_obvious() -> None:
    """Equal populations, zone b three times the need of zone a, 100 to split half/half:
    a gets 50 x 0.5 + 50 x 0.25 = 37.5, b gets 62.5; their fair shares are 25 and 75."""
    out = fairshare.allocate(_two_zones(), total=100.0, universal_share=0.5, decimals=1)
    assert out["allocation"].to_list() == [37.5, 62.5]
    assert out["universal_part"].to_list() == [25.0, 25.0]
    assert out["need_part"].to_list() == [12.5, 37.5]
    assert out["fair_share"].to_list() == [25.0, 75.0]
    assert out["distance"].to_list() == [12.5, -12.5]
    assert out["distance_pct"].to_list() == pytest.approx([50.0, -100 / 6])


def test_allocation_extremes() -> None:
    """All universal: split by population; all by need: exactly the fair share."""
    universal = fairshare.allocate(_two_zones(), total=100.0, universal_share=1.0)
    assert universal["allocation"].to_list() == [50.0, 50.0]
    by_need = fairshare.allocate(_two_zones(), total=100.0, universal_share=0.0)
    assert by_need["allocation"].to_list() == [25.0, 75.0]
    assert by_need["distance"].to_list() == [0.0, 0.0]


def test_allocation_keeps_the_total_and_ignores_row_order() -> None:
    shares = pl.DataFrame(
        {
            "area_code": ["c", "a", "b"],
            "pop_share": [1 / 3, 1 / 3, 1 / 3],
            "need_share": [0.2, 0.5, 0.3],
        }
    )
    out = fairshare.allocate(shares, total=1000.0, universal_share=0.3, decimals=0)
    assert out["area_code"].to_list() == ["a", "b", "c"]
    assert out["allocation"].sum() == 1000.0
    again = fairshare.allocate(shares.reverse(), total=1000.0, universal_share=0.3, decimals=0)
    assert again["allocation"].to_list() == out["allocation"].to_list()


def test_allocation_refuses_impossible_input() -> None:
    with pytest.raises(ValueError, match="universele deel"):
        fairshare.allocate(_two_zones(), total=1.0, universal_share=1.5)
    with pytest.raises(ValueError, match="bedrag"):
        fairshare.allocate(_two_zones(), total=-1.0, universal_share=0.5)


def test_round_preserving_total() -> None:
    assert fairshare.round_preserving_total([1 / 3, 1 / 3, 1 / 3], 0) == [1.0, 0.0, 0.0]
    assert sum(fairshare.round_preserving_total([0.335, 0.335, 0.33], 2)) == pytest.approx(1.0)
    assert fairshare.round_preserving_total([2.6, 3.4], 0) == [3.0, 3.0]
    assert fairshare.round_preserving_total([], 0) == []


def test_capacity_after_new_fte() -> None:
    """60 + 40 FTE now, need 25/75 of 100 -> targets 25 and 75. Adding 20 FTE all to b:
    after 60 / 60, targets 30 / 90."""
    allocation = fairshare.allocate(_two_zones(), total=20.0, universal_share=0.0, decimals=1)
    allocation = allocation.with_columns(pl.Series("allocation", [0.0, 20.0]))
    out = fairshare.capacity_after(
        allocation, pl.DataFrame({"area_code": ["a", "b"], "gp_fte": [60.0, 40.0]})
    )
    assert out["target_before"].to_list() == [25.0, 75.0]
    assert out["target_after"].to_list() == [30.0, 90.0]
    assert out["fte_after"].to_list() == [60.0, 60.0]
    assert out["distance_before"].to_list() == pytest.approx([140.0, -100 * 35 / 75])
    assert out["distance_after"].to_list() == pytest.approx([100.0, -100 / 3])


# --------------------------------------------------------------------------- need


def _bands(zone_bands: dict[str, dict[tuple[str, str], float]]) -> pl.DataFrame:
    rows = [
        (area, sex, band, cells.get((sex, band), 0.0))
        for area, cells in zone_bands.items()
        for sex in SEXES
        for band in POP_AGE_BANDS
    ]
    return pl.DataFrame(rows, schema=["area_code", "sex", "age_band", "population"], orient="row")


def test_age_sex_weights_cover_every_band() -> None:
    table = fairshare.age_sex_weight_frame()
    assert table.height == len(SEXES) * len(POP_AGE_BANDS)
    assert float(table["weight"].min()) > 0  # type: ignore[arg-type]
    assert fairshare.AGE_SEX_WEIGHTS[("M", "45-49")] == 1.0


def test_age_factor_by_hand() -> None:
    """Zone a: 100 men of 85-89 (weight 3); zone b: 100 men of 45-49 (weight 1).
    Mean weight 2; age factors 1.5 and 0.5; with no uplifts need = 150 and 50."""
    bands = _bands({"a": {("M", "85-89"): 100.0}, "b": {("M", "45-49"): 100.0}})
    totals = pl.DataFrame({"area_code": ["a", "b"], "population": [100.0, 100.0]})
    age_sex = fairshare.age_sex_population(bands, totals)
    assert age_sex["age_sex_population"].to_list() == [300.0, 100.0]
    rates = pl.DataFrame(
        {"area_code": ["a", "b"], "deprivation": [0.2, 0.2], "morbidity": [0.3, 0.1]}
    )
    params = fairshare.NeedWeightParams(deprivation=0.0, morbidity=0.0)
    out = fairshare.need_weighted_population(age_sex, rates, params=params)
    assert out["age_factor"].to_list() == pytest.approx([1.5, 0.5])
    assert out["need_population"].to_list() == pytest.approx([150.0, 50.0])
    assert out["need_share"].to_list() == pytest.approx([0.75, 0.25])
    assert out["pop_share"].to_list() == pytest.approx([0.5, 0.5])
    # Morbidity relative to what age explains: a has 1.5x Flanders' chronic share and
    # 1.5x its age factor -> ratio 1; b: 0.5 / 0.5 -> 1.
    assert out["morbidity_ratio"].to_list() == pytest.approx([1.0, 1.0])


def test_deprivation_uplift_by_hand() -> None:
    """Same ages; a has twice the Flemish VT share, b none. Elasticity 0.5: factors 1.5
    and 0.5; need shares 0.75 / 0.25. Without uplift and age, need = population."""
    bands = _bands({"a": {("V", "30-34"): 100.0}, "b": {("V", "30-34"): 100.0}})
    totals = pl.DataFrame({"area_code": ["a", "b"], "population": [100.0, 100.0]})
    age_sex = fairshare.age_sex_population(bands, totals)
    rates = pl.DataFrame(
        {"area_code": ["a", "b"], "deprivation": [0.4, 0.0], "morbidity": [0.1, 0.1]}
    )
    out = fairshare.need_weighted_population(
        age_sex,
        rates,
        params=fairshare.NeedWeightParams(deprivation=0.5, morbidity=0.0),
        reference={"deprivation": 0.2, "morbidity": 0.1},
    )
    assert out["deprivation_factor"].to_list() == pytest.approx([1.5, 0.5])
    assert out["need_share"].to_list() == pytest.approx([0.75, 0.25])
    assert out["need_population"].sum() == pytest.approx(200.0)
    flat = fairshare.need_weighted_population(
        age_sex,
        rates,
        params=fairshare.NeedWeightParams(age_sex=False, deprivation=0.0, morbidity=0.0),
    )
    assert flat["need_share"].to_list() == pytest.approx(flat["pop_share"].to_list())


def test_suppressed_age_band_is_not_read_as_zero() -> None:
    """The known bands' mean weight applies to the whole total."""
    bands = _bands({"a": {("M", "85-89"): 50.0}}).with_columns(
        pl.when(pl.col("age_band") == "0-4")
        .then(None)
        .otherwise(pl.col("population"))
        .alias("population")
    )
    bands = bands.filter((pl.col("age_band") == "85-89") | (pl.col("age_band") == "0-4"))
    totals = pl.DataFrame({"area_code": ["a"], "population": [60.0]})
    out = fairshare.age_sex_population(bands, totals)
    assert out["age_sex_population"].to_list() == [180.0]  # 60 x weight 3


# --------------------------------------------------------------------------- need vs supply


def _need(need_shares: list[float]) -> pl.DataFrame:
    n = len(need_shares)
    return pl.DataFrame(
        {
            "area_code": [f"z{i}" for i in range(n)],
            "population": [10_000.0] * n,
            "need_population": [s * 10_000.0 * n for s in need_shares],
            "pop_share": [1 / n] * n,
            "need_share": need_shares,
        }
    )


def test_need_vs_supply_gaps_and_flags() -> None:
    """z0: more need, same GPs as average -> flagged (flat). z1: less need, more GPs.
    z2: average need, average GPs. Gaps are supply share - need share in points."""
    need = _need([0.4, 0.3, 0.3])
    supply = pl.DataFrame(
        {
            "area_code": ["z0", "z1", "z2"],
            "gp_fte": [100.0, 100.0, 100.0],
            # the FTE interval comes from the GP headcount (issue 15)
            "gp_headcount": [100.0, 100.0, 100.0],
            "gmd_patients": [5000.0, 3000.0, 2000.0],
        }
    )
    out = fairshare.need_vs_supply(need, supply).sort("area_code")
    assert out["fte_share"].to_list() == pytest.approx([1 / 3] * 3)
    gaps = [(1 / 3 - 0.4) * 100, (1 / 3 - 0.3) * 100, (1 / 3 - 0.3) * 100]
    assert out["fte_gap"].to_list() == pytest.approx(gaps)
    assert out["gmd_share"].to_list() == pytest.approx([0.5, 0.3, 0.2])
    assert out["need_ratio"].to_list() == pytest.approx([1.2, 0.9, 0.9])
    assert out["flag_not_rising"].to_list() == [True, False, False]
    assert out["flag_reason"][0] == fairshare.FLAG_REASONS["vlak"]
    # FTE per 10,000 need-weighted inhabitants, Flanders = 300 / 30,000 x 10,000 = 100.
    assert out["fte_per_need_flanders"][0] == pytest.approx(100.0)
    expected = [100 / 12_000 * 1e4, 100 / 9_000 * 1e4, 100 / 9_000 * 1e4]
    assert out["fte_per_need"].to_list() == pytest.approx(expected)
    assert set(out["fte_comparison"].to_list()) <= {"hoger", "lager", "vergelijkbaar"}


def test_significant_shortfall_is_flagged_even_with_average_supply() -> None:
    need = _need([0.6, 0.2, 0.2])
    supply = pl.DataFrame(
        {
            "area_code": ["z0", "z1", "z2"],
            "gp_fte": [3500.0, 3000.0, 3000.0],
            "gp_headcount": [3500.0, 3000.0, 3000.0],
            "gmd_patients": [1.0, 1.0, 1.0],
        }
    )
    out = fairshare.need_vs_supply(need, supply).sort("area_code")
    assert out["fte_comparison"][0] == "lager"
    assert out["fte_ratio"][0] > 1.0
    assert out["flag_reason"][0] == fairshare.FLAG_REASONS["tekort"]


def test_suppressed_supply_stays_null() -> None:
    need = _need([0.5, 0.5])
    supply = pl.DataFrame(
        {"area_code": ["z0", "z1"], "gp_fte": [None, 10.0], "gmd_patients": [1.0, 1.0]}
    )
    out = fairshare.need_vs_supply(need, supply).sort("area_code")
    assert out["fte_share"].to_list() == [None, 1.0]
    assert out["flag_not_rising"].to_list() == [False, False]


def test_supply_need_slope_on_an_exact_line() -> None:
    frame = pl.DataFrame(
        {
            "need_ratio": [0.8, 1.0, 1.2, 1.4],
            "fte_ratio": [0.9, 1.0, 1.1, 1.2],
            "population": [1.0, 2.0, 3.0, 4.0],
        }
    )
    out = fairshare.supply_need_slope(frame)
    assert out["slope"] == pytest.approx(0.5)
    assert out["n"] == 4
    few = fairshare.supply_need_slope(frame.head(2))
    assert math.isnan(few["slope"])
    flat = fairshare.supply_need_slope(frame.with_columns(pl.lit(1.0).alias("need_ratio")))
    assert math.isnan(flat["slope"])


def test_demo_build_need_and_supply(marts: Marts) -> None:
    """On the demo build: shares sum to 1, every zone has supply, allocation keeps its total."""
    year = max(marts.values.filter(pl.col("indicator_code") == fairshare.GP_FTE_CODE)["year"])
    bands = marts.population.filter(
        (pl.col("level") == "zone") & (pl.col("year") == year) & (pl.col("age_band") != "totaal")
    )
    totals = marts.population.filter(
        (pl.col("level") == "zone")
        & (pl.col("year") == year)
        & (pl.col("age_band") == "totaal")
        & (pl.col("sex") == "T")
    ).select("area_code", "population")
    rates = (
        marts.values.filter(
            (pl.col("level") == "zone")
            & (pl.col("year") == year)
            & pl.col("indicator_code").is_in([fairshare.DEPRIVATION_CODE, fairshare.MORBIDITY_CODE])
        )
        .with_columns((pl.col("numerator") / pl.col("denominator")).alias("rate"))
        .pivot(on="indicator_code", index="area_code", values="rate")
        .rename({fairshare.DEPRIVATION_CODE: "deprivation", fairshare.MORBIDITY_CODE: "morbidity"})
    )
    weighted = fairshare.need_weighted_population(
        fairshare.age_sex_population(bands, totals), rates
    )
    assert weighted["need_share"].sum() == pytest.approx(1.0)
    assert weighted["need_population"].sum() == pytest.approx(weighted["population"].sum())
    supply = fairshare.zone_supply(marts.values, year=year)
    assert supply["gp_fte"].null_count() == 0
    shares = fairshare.need_vs_supply(weighted, supply)
    assert shares["fte_share"].sum() == pytest.approx(1.0)
    alloc = fairshare.allocate(shares, total=123_457.0, universal_share=0.4)
    assert alloc["allocation"].sum() == 123_457.0


def test_fte_interval_does_not_depend_on_the_fte_unit() -> None:
    """Issue 15: the FTE interval is the relative Poisson interval of the GP headcount,
    so counting in half-FTE doubles the interval's ends and keeps its relative width."""
    fte = np.array([52.5, 8.0])
    heads = np.array([70.0, 11.0])
    low, high = fairshare.fte_interval(fte, heads)
    low2, high2 = fairshare.fte_interval(2 * fte, heads)
    assert list(low2) == pytest.approx(list(2 * low))
    assert list(high2) == pytest.approx(list(2 * high))
    exact_low, exact_high = stats.poisson_interval(heads)
    assert list(low / fte) == pytest.approx(list(exact_low / heads))
    assert list(high / fte) == pytest.approx(list(exact_high / heads))
    none_low, _ = fairshare.fte_interval(fte, None)
    assert np.isnan(none_low).all()
