"""The GP-poor (Impulseo priority-zone) rule on hand-built cases at and around both
thresholds, and its application to hand-built marts (no Streamlit)."""

from __future__ import annotations

import polars as pl
import pytest
from frames import gppoor_marts
from hypothesis import given
from hypothesis import strategies as st

from popmgmt.metrics import gppoor

# --- the rule: hand-built cases ------------------------------------------------------------
# 10,000 inhabitants: 9 GPs is exactly 90 per 100,000, 12 GPs exactly 120 per 100,000.
# 80 km² gives exactly 125 inhabitants/km² (threshold 90); 80.01 km² just under 125 (120).

DENSE = 80.0  # exactly 125 inhabitants/km²: not "under 125", so threshold 90
SPARSE = 80.01  # 124.98 inhabitants/km²: threshold 120


@pytest.mark.parametrize(
    ("gps", "area", "poor"),
    [
        (8, DENSE, True),  # 80 < 90
        (8.99, DENSE, True),  # 89.9 < 90
        (9, DENSE, False),  # exactly 90: not fewer than 90
        (9.01, DENSE, False),
        (11, DENSE, False),  # 110: dense, so 90 applies
        (0, DENSE, True),
        (9, SPARSE, True),  # 90 < 120 where density < 125
        (11.99, SPARSE, True),  # 119.9 < 120
        (12, SPARSE, False),  # exactly 120: not fewer than 120
        (12.01, SPARSE, False),
    ],
)
def test_rule_at_and_around_thresholds(gps: float, area: float, poor: bool) -> None:
    assert gppoor.is_gp_poor(gps, 10_000, area) is poor
    frame = pl.DataFrame({"gps_under65": [gps], "population": [10_000.0], "area_km2": [area]})
    out = gppoor.priority_rule(frame).row(0, named=True)
    assert out["gp_poor"] is poor
    assert out["status"] == ("huisartsarm" if poor else "niet_huisartsarm")


def test_density_condition_at_125() -> None:
    assert gppoor.threshold_for(12_500, 100.0) == 90.0  # exactly 125 per km²
    assert gppoor.threshold_for(12_499, 100.0) == 120.0  # 124.99 per km²
    assert gppoor.threshold_for(12_501, 100.0) == 90.0
    with pytest.raises(ValueError, match="groter dan 0"):
        gppoor.threshold_for(0, 100.0)
    with pytest.raises(ValueError, match="negatief"):
        gppoor.is_gp_poor(-1, 10_000, 10.0)


def test_margins_are_shown_not_only_the_flag() -> None:
    """8 GPs for 10,000 dense inhabitants: 80 per 100,000, 10 under the threshold, 1 GP
    short; 9.5 GPs: 5 above, 0.5 GP above; sparse 6 GPs: 60 under 120, 6 GPs short."""
    frame = pl.DataFrame(
        {
            "gps_under65": [8.0, 9.5, 6.0, 0.0],
            "population": [10_000.0, 10_000.0, 10_000.0, 12_345.0],
            "area_km2": [DENSE, DENSE, 100.0, 10.0],
        }
    )
    out = gppoor.priority_rule(frame)
    assert out["threshold"].to_list() == [90.0, 90.0, 120.0, 90.0]
    assert out["density"].to_list() == pytest.approx([125.0, 125.0, 100.0, 1234.5])
    assert out["sparse"].to_list() == [False, False, True, False]
    assert out["rate_per_100k"].to_list() == pytest.approx([80.0, 95.0, 60.0, 0.0])
    assert out["margin_per_100k"].to_list() == pytest.approx([-10.0, 5.0, -60.0, -90.0])
    assert out["margin_gps"].to_list() == pytest.approx([-1.0, 0.5, -6.0, -11.1105])
    assert out["gps_short"].to_list() == [1.0, 0.0, 6.0, 12.0]
    assert out["gp_poor"].to_list() == [True, False, True, True]


def test_suppressed_count_decides_only_when_certain() -> None:
    """A count suppressed as 1-4 (bound 4): with 10,000 dense inhabitants even 4 GPs are
    under 90 per 100,000; with 4,444 inhabitants 4 GPs would be 90.01: undecided. 4,445
    inhabitants: 89.99, certain."""
    frame = pl.DataFrame(
        {
            "gps_under65": [None, None, None, None],
            "gps_max": [4.0, 4.0, 4.0, None],
            "population": [10_000.0, 4_444.0, 4_445.0, 10_000.0],
            "area_km2": [1.0, 1.0, 1.0, 1.0],
        },
        schema_overrides={"gps_under65": pl.Float64},
    )
    out = gppoor.priority_rule(frame, gps_max="gps_max")
    assert out["status"].to_list() == [
        "huisartsarm_onderdrukt",
        "niet_te_bepalen",
        "huisartsarm_onderdrukt",
        "niet_te_bepalen",
    ]
    assert out["gp_poor"].to_list() == [True, None, True, None]
    assert out["margin_per_100k"].to_list() == [None] * 4


def test_rule_without_population_or_area_is_undetermined() -> None:
    frame = pl.DataFrame(
        {"gps_under65": [5.0, 5.0], "population": [0.0, None], "area_km2": [10.0, 10.0]},
        schema_overrides={"population": pl.Float64},
    )
    out = gppoor.priority_rule(frame)
    assert out["status"].to_list() == ["niet_te_bepalen", "niet_te_bepalen"]
    with pytest.raises(ValueError, match="negatief"):
        gppoor.priority_rule(pl.DataFrame({"gps_under65": [-1.0], "population": [1.0],
                                           "area_km2": [1.0]}))  # fmt: skip


@given(
    gps=st.integers(min_value=0, max_value=600),
    population=st.integers(min_value=1, max_value=600_000),
    area=st.integers(min_value=1, max_value=50_000),
)
def test_frame_rule_agrees_with_scalar_rule(gps: int, population: int, area: int) -> None:
    area_km2 = area / 10
    frame = pl.DataFrame(
        {"gps_under65": [float(gps)], "population": [float(population)], "area_km2": [area_km2]}
    )
    row = gppoor.priority_rule(frame).row(0, named=True)
    assert row["gp_poor"] is gppoor.is_gp_poor(gps, population, area_km2)
    assert row["threshold"] == gppoor.threshold_for(population, area_km2)
    if row["gp_poor"]:
        assert row["gps_short"] >= 1
        assert not gppoor.is_gp_poor(gps + row["gps_short"], population, area_km2)
        assert gppoor.is_gp_poor(gps + row["gps_short"] - 1, population, area_km2)
    else:
        assert row["gps_short"] == 0


def test_inputs_use_best_available_count_per_year() -> None:
    values, areas, population = gppoor_marts()
    inputs = gppoor.gp_poor_inputs(values, areas, population, level="gemeente")
    assert "21001" not in inputs["area_code"].to_list()  # Brussels: not a Flemish area
    got = {(r["area_code"], r["year"]): r for r in inputs.iter_rows(named=True)}
    a23 = got[("11001", 2023)]
    assert (a23["method"], a23["gps_under65"], a23["share_65plus"]) == (
        "alle_leeftijden",
        10.0,
        None,
    )
    a24 = got[("11001", 2024)]
    assert a24["method"] == "schatting_zone"
    assert a24["share_65plus"] == pytest.approx(0.2)
    assert a24["gps_under65"] == pytest.approx(8.0)  # 10 x (1 - 0.2)
    b24 = got[("11002", 2024)]
    assert b24["gps_under65"] is None
    assert b24["gps_under65_max"] == pytest.approx(3.2)  # 4 x (1 - 0.2)
    assert b24["suppressed"] is True
    c24 = got[("11003", 2024)]
    assert c24["method"] == "schatting_vlaanderen"
    assert c24["gps_under65"] == pytest.approx(18.0)  # 20 x (1 - 0.1)

    assessed = gppoor.assess(inputs)
    status = {(r["area_code"], r["year"]): r["status"] for r in assessed.iter_rows(named=True)}
    assert status[("11001", 2023)] == "niet_huisartsarm"  # 100 per 100,000
    assert status[("11001", 2024)] == "huisartsarm"  # 80 per 100,000
    assert status[("11002", 2023)] == "huisartsarm"  # 50
    assert status[("11002", 2024)] == "huisartsarm_onderdrukt"  # at most 32
    # C: 18 GPs under 65 for 10,000 inhabitants on 100 km² (100 per km²: threshold 120).
    assert status[("11003", 2024)] == "niet_huisartsarm"
    c = assessed.filter((pl.col("area_code") == "11003") & (pl.col("year") == 2024))
    assert c["threshold"].to_list() == [120.0]
    assert c["rate_per_100k"].to_list() == pytest.approx([180.0])


def test_all_ages_basis_is_one_method_over_the_series() -> None:
    values, areas, population = gppoor_marts()
    inputs = gppoor.gp_poor_inputs(values, areas, population, level="gemeente", basis="all_ages")
    assert set(inputs["method"]) == {"alle_leeftijden"}
    a24 = inputs.filter((pl.col("area_code") == "11001") & (pl.col("year") == 2024))
    assert a24["gps_under65"].to_list() == [10.0]
    assert a24["gps_under65_max"].to_list() == [10.0]


def test_zone_level_and_trend() -> None:
    values, areas, population = gppoor_marts()
    zones = gppoor.assess(gppoor.gp_poor_inputs(values, areas, population, level="zone"))
    assert zones["area_code"].to_list() == ["elz1", "elz2"]  # Bruzel left out
    elz1 = zones.row(0, named=True)
    assert elz1["gps_under65"] == pytest.approx(11.2)  # 14 x 0.8 for 20,000: 56 per 100,000
    assert elz1["status"] == "huisartsarm"

    municipalities = gppoor.assess(gppoor.gp_poor_inputs(values, areas, population))
    trend = gppoor.gp_poor_trend(municipalities)
    assert trend["year"].to_list() == [2023, 2024]
    t23, t24 = trend.row(0, named=True), trend.row(1, named=True)
    assert (t23["n_areas"], t23["n_poor"], t23["n_not_poor"]) == (3, 1, 2)
    assert t23["method"] == "alle_leeftijden"
    assert (t24["n_poor"], t24["n_not_poor"], t24["n_undetermined"]) == (2, 1, 0)
    assert t24["method"] == "schatting_vlaanderen+schatting_zone"
    assert t23["population_poor"] == 10_000.0
    assert t23["share_population_poor"] == pytest.approx(100 / 3)
    assert gppoor.gp_poor_trend(municipalities.clear()).height == 0
