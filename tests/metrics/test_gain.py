"""The gain if a zone matched the best zone of its comparison set."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from popmgmt.metrics import gain, stats

INDICATORS = pl.DataFrame(
    {
        "indicator_code": ["gmd", "ab", "neutral", "gp"],
        "direction": ["hoger_beter", "lager_beter", "neutraal", "hoger_beter"],
        "interval_method": ["wilson", "wilson", "wilson", "poisson"],
        "multiplier": [100.0, 100.0, 100.0, 10_000.0],
    }
)


def _row(code: str, area: str, year: int, num: float, den: float, mult: float = 100.0) -> dict:
    return {
        "indicator_code": code,
        "level": "zone",
        "area_code": area,
        "year": year,
        "numerator": num,
        "denominator": den,
        "value": num / den * mult,
        "suppressed": False,
    }


VALUES = pl.DataFrame(
    [
        _row("gmd", "own", 2024, 7_000, 10_000),
        _row("gmd", "a", 2024, 8_000, 10_000),
        _row("gmd", "b", 2024, 7_500, 10_000),
        _row("gmd", "a", 2023, 9_900, 10_000),  # older year: not compared
        _row("gmd", "c", 2024, 9_990, 10_000) | {"suppressed": True},  # hidden: never best
        _row("ab", "own", 2024, 3_000, 10_000),
        _row("ab", "a", 2024, 2_990, 10_000),
        _row("ab", "b", 2024, 3_500, 10_000),
        _row("neutral", "own", 2024, 10, 100),
        _row("neutral", "a", 2024, 20, 100),
        _row("gp", "own", 2024, 80, 100_000, 10_000.0),
        _row("gp", "a", 2024, 120, 100_000, 10_000.0),
    ]
)


@pytest.fixture
def result() -> pl.DataFrame:
    return gain.potential_gain(VALUES, INDICATORS, "own", ["a", "b", "c", "own"])


def test_schema_and_neutral_indicators_left_out(result: pl.DataFrame) -> None:
    assert result.schema == gain.GAIN_SCHEMA
    assert result["indicator_code"].to_list() == ["gmd", "ab", "gp"]


def test_best_zone_and_gain_in_persons(result: pl.DataFrame) -> None:
    """Given 70% with a GMD in the zone and 80% in the best zone of the set, the gain is
    10 points, 1,000 inhabitants of the zone's 10,000, and demonstrable."""
    gmd = result.row(0, named=True)
    assert gmd["year"] == 2024
    assert gmd["best_code"] == "a"
    assert gmd["compared"] == 2  # the suppressed zone does not count
    assert gmd["improvement"] == pytest.approx(10.0)
    assert gmd["improvement_count"] == pytest.approx(1_000.0)
    assert gmd["significant"] is True
    assert gmd["improvement_low"] < 10.0 < gmd["improvement_high"]


def test_intervals_come_from_the_stats_module(result: pl.DataFrame) -> None:
    gmd = result.row(0, named=True)
    low, high = stats.wilson_interval([7_000, 8_000], [10_000, 10_000])
    assert gmd["own_low"] == pytest.approx(low[0] * 100)
    assert gmd["best_high"] == pytest.approx(high[1] * 100)
    expected_low = 10.0 - math.hypot(80.0 - low[1] * 100, high[0] * 100 - 70.0)
    assert gmd["improvement_low"] == pytest.approx(expected_low)
    gp = result.row(2, named=True)
    p_low, p_high = stats.poisson_interval(np.array([80.0, 120.0]))
    assert gp["own_low"] == pytest.approx(p_low[0] / 100_000 * 10_000)
    assert gp["best_high"] == pytest.approx(p_high[1] / 100_000 * 10_000)
    assert gp["improvement_count"] == pytest.approx(40.0)  # 40 GPs more


def test_lower_is_better_and_not_demonstrable(result: pl.DataFrame) -> None:
    """Antibiotics: the best zone is the lowest (29.9% against 30%): a tiny gain whose
    interval holds 0."""
    ab = result.row(1, named=True)
    assert ab["best_code"] == "a"
    assert ab["improvement"] == pytest.approx(0.1)
    assert ab["improvement_count"] == pytest.approx(10.0)
    assert ab["improvement_low"] < 0 < ab["improvement_high"]
    assert ab["significant"] is False


def test_a_zone_already_best_has_no_gain() -> None:
    out = gain.potential_gain(VALUES, INDICATORS, "a", ["own", "b"])
    gmd = out.filter(pl.col("indicator_code") == "gmd").row(0, named=True)
    assert gmd["improvement"] < 0
    assert gmd["significant"] is False


def test_empty_sets() -> None:
    assert gain.potential_gain(VALUES, INDICATORS, "own", []).height == 0
    assert gain.potential_gain(VALUES, INDICATORS, "own", ["own"]).height == 0
    assert gain.potential_gain(VALUES, INDICATORS, "own", ["zzz"]).schema == gain.GAIN_SCHEMA
