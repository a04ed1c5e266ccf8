"""The risk pyramid (`popmgmt.metrics.pyramid`): rules by hand, tiers add up to the population,
assumption ranges, URL parameters, and the demo build."""

from __future__ import annotations

import polars as pl
import pytest
from frames import pyramid_inputs

from popmgmt.app.store import Marts
from popmgmt.metrics import pyramid


def _tiers(frame: pl.DataFrame) -> dict[str, float]:
    return dict(zip(frame["tier"], frame["persons"], strict=True))


def test_pyramid_by_hand_with_the_default_assumptions() -> None:
    """complex = 2 + 10 + 0.15 x (50 - 10) = 18; at risk = 150 + 0.3 x 60 + 0.3 x 100
    + 0.1 x 200 + 0.2 x 60 - 18 = 212; healthy = 1000 - 18 - 212 = 770."""
    out = pyramid.risk_pyramid(pyramid_inputs())
    assert out["tier"].to_list() == list(pyramid.TIERS)
    assert _tiers(out) == pytest.approx({"complex": 18.0, "risico": 212.0, "gezond": 770.0})
    assert out["share"].to_list() == pytest.approx([0.018, 0.212, 0.770])
    assert out["persons"].sum() == pytest.approx(1000.0)


def test_tiers_always_add_up_to_the_population() -> None:
    """Even when the rules would count more people than live there."""
    crowded = pyramid_inputs(chronisch=990.0, polyfarmacie75=100.0)
    for params in (pyramid.PyramidParams(), pyramid.low_params(), pyramid.high_params()):
        out = pyramid.risk_pyramid(crowded, params)
        tiers = _tiers(out)
        assert sum(tiers.values()) == pytest.approx(1000.0)
        assert min(tiers.values()) >= 0.0
    assert _tiers(pyramid.risk_pyramid(crowded))["gezond"] == pytest.approx(0.0)


def test_nursing_home_residents_are_not_counted_twice_in_polypharmacy() -> None:
    """More nursing-home residents than 75+ with polypharmacy: that term is 0, not negative."""
    out = pyramid.risk_pyramid(pyramid_inputs(woonzorgcentrum=80.0, polyfarmacie75=50.0))
    assert _tiers(out)["complex"] == pytest.approx(2.0 + 80.0)


def test_missing_input_gives_no_pyramid_rather_than_zero() -> None:
    out = pyramid.risk_pyramid(pyramid_inputs(palliatief=None))
    assert out["persons"].to_list() == [None, None, None]


def test_assumption_range_contains_the_estimate() -> None:
    out = pyramid.pyramid_with_range(pyramid_inputs())
    for row in out.iter_rows(named=True):
        assert row["persons_low"] <= row["persons"] + 1e-9
        assert row["persons"] <= row["persons_high"] + 1e-9
    complex_row = out.filter(pl.col("tier") == "complex").row(0, named=True)
    # low: 0.8 x 2 + 0.6 x 10 + 0.05 x 40 = 9.6; high: 2 + 10 + 0.3 x 40 = 24
    assert complex_row["persons_low"] == pytest.approx(9.6)
    assert complex_row["persons_high"] == pytest.approx(24.0)


def test_kaiser_reference_is_the_documented_range() -> None:
    assert pyramid.KAISER_REFERENCE == {
        "gezond": (0.65, 0.80),
        "risico": (0.20, 0.30),
        "complex": (0.01, 0.05),
    }


def test_base_populations_sum_the_age_bands() -> None:
    rows = [
        ("zone", "z1", 2024, "T", "totaal", 100, False),
        ("zone", "z1", 2024, "T", "60-64", 20, False),
        ("zone", "z1", 2024, "T", "65-69", 15, False),
        ("zone", "z1", 2024, "T", "75-79", 10, False),
        ("zone", "z1", 2024, "T", "95+", 5, False),
        ("zone", "z2", 2024, "T", "totaal", 50, False),
        ("zone", "z2", 2024, "T", "75-79", None, True),
    ]
    population = pl.DataFrame(
        rows,
        schema=["level", "area_code", "year", "sex", "age_band", "population", "suppressed"],
        orient="row",
    )
    out = pyramid.base_populations(population, level="zone", year=2024).sort("area_code")
    assert out.row(0) == ("z1", 100.0, 30.0, 15.0)
    assert out.row(1)[:2] == ("z2", 50.0)
    assert out.row(1)[3] is None  # a suppressed band: unknown, not 0


def test_demo_zones_have_complete_pyramids(marts: Marts) -> None:
    """Given the demo build, then every zone's tiers add up to its inhabitants and
    Flanders lands in the documented ranges."""
    year = max(marts.values.filter(pl.col("indicator_code") == "ima_polyph75")["year"])
    inputs = pyramid.pyramid_inputs(
        marts.values, marts.areas, marts.population, level="zone", year=year
    )
    assert inputs.height == marts.areas.filter(pl.col("level") == "zone").height
    assert inputs["missing"].null_count() == inputs.height
    out = pyramid.risk_pyramid(inputs)
    sums = out.group_by("area_code").agg(pl.col("persons").sum(), pl.col("population").first())
    for row in sums.iter_rows(named=True):
        assert row["persons"] == pytest.approx(row["population"])
    flanders = pyramid.risk_pyramid(
        pyramid.pyramid_inputs(
            marts.values, marts.areas, marts.population, level="vlaanderen", year=year
        )
    )
    shares = dict(zip(flanders["tier"], flanders["share"], strict=True))
    for tier, (low, high) in pyramid.KAISER_REFERENCE.items():
        assert low - 0.05 <= shares[tier] <= high + 0.05, tier
