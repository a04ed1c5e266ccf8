"""Funnel-plot data and chart (`popmgmt.metrics.funnel`): limits against a reference computation,
small units, suppression, overdispersion, and the method named on the chart."""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist

import numpy as np
import pytest
from frames import funnel_data, funnel_spread_units, funnel_units
from scipy import special

from popmgmt.metrics import comparison, funnel, stats


# --------------------------------------------------------------------------- reference
def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if f(mid) > 0 else (mid, hi)
    return (lo + hi) / 2


def _rate_reference(p: float, target: float, n: float) -> float:
    """The rate whose exact Poisson interval just touches the target (PHEindicatormethods
    `poisson_funnel`), by bisection on the forward regularised gamma function: the upper
    limit e/n has P(Gamma(e) <= target n) = 1 - p (the exact lower limit of e events is
    target n), the lower limit e/n has P(Gamma(e + 1) <= target n) = 1 - p, else 0."""
    lam = target * n
    top = lam + 50 * math.sqrt(lam) + 50
    if p > 0.5:
        return _bisect(lambda e: (1 - p) - float(special.gammainc(e, lam)), 1e-12, top) / n
    f = lambda s: (1 - p) - float(special.gammainc(s, lam))  # noqa: E731
    return 0.0 if f(1.0) > 0 else (_bisect(f, 1.0, top) - 1.0) / n


def _proportion_reference(p: float, target: float, n: int) -> float:
    """The proportion whose Wilson interval just touches the target: the score limit."""
    z = NormalDist().inv_cdf(p)
    return min(max(target + z * math.sqrt(target * (1 - target) / n), 0.0), 1.0)


# Known values: rate 0.1 per patient, 100 patients (Poisson mean 10), per 100 patients:
# the counts whose exact 95%/99.8% interval just touches 10 (`_rate_reference`).
KNOWN_RATE_100 = {"lo_95": 3.8336, "hi_95": 17.1272, "lo_998": 1.3715, "hi_998": 21.5706}
# Proportion 0.2, 50 patients, per 100: 20 -/+ z * sqrt(0.2 * 0.8 / 50) * 100.
KNOWN_PROPORTION_50 = {"lo_95": 8.9128, "hi_95": 31.0872, "lo_998": 2.5190, "hi_998": 37.4810}


def test_rate_limits_match_known_values() -> None:
    """Given a rate of 10 per 100 and a practice of 100 patients, then the four limits
    are the hand-computed exact Poisson values (per 100)."""
    result = funnel_data(funnel_units([10.0], [100.0]), target=0.1, multiplier=100.0)
    row = result.points.row(0, named=True)
    for key, expected in KNOWN_RATE_100.items():
        assert row[key] == pytest.approx(expected, abs=5e-4), key


def test_proportion_limits_match_known_values() -> None:
    result = funnel_data(
        funnel_units([10.0], [50.0]), target=0.2, kind="proportion", multiplier=100.0
    )
    row = result.points.row(0, named=True)
    for key, expected in KNOWN_PROPORTION_50.items():
        assert row[key] == pytest.approx(expected, abs=5e-4), key


@pytest.mark.parametrize("size", [7.0, 20.0, 100.0, 250.0, 1000.0])
def test_rate_limits_match_reference_computation(size: float) -> None:
    """Limits at every size equal the independent reference computation."""
    target = 0.1
    result = funnel_data(
        funnel_units([1.0 * round(size * target)], [size]), target=target, min_count=0
    )
    row = result.points.row(0, named=True)
    for level, name in ((0.95, "95"), (0.998, "998")):
        lo_p, hi_p = (1 - level) / 2, (1 + level) / 2
        assert row[f"lo_{name}"] == pytest.approx(_rate_reference(lo_p, target, size), abs=1e-9)
        assert row[f"hi_{name}"] == pytest.approx(_rate_reference(hi_p, target, size), abs=1e-9)


@pytest.mark.parametrize("size", [10, 40, 300])
def test_proportion_limits_match_reference_computation(size: int) -> None:
    target = 0.3
    result = funnel_data(
        funnel_units([float(round(size * target))], [float(size)]),
        target=target,
        kind="proportion",
        min_count=0,
    )
    row = result.points.row(0, named=True)
    for level, name in ((0.95, "95"), (0.998, "998")):
        lo_p, hi_p = (1 - level) / 2, (1 + level) / 2
        lo = _proportion_reference(lo_p, target, size)
        hi = _proportion_reference(hi_p, target, size)
        assert row[f"lo_{name}"] == pytest.approx(lo, abs=1e-9)
        assert row[f"hi_{name}"] == pytest.approx(hi, abs=1e-9)


def test_large_units_approach_normal_limits() -> None:
    """For a large practice the exact limits are close to target ± z·sqrt(target/n)."""
    size, target = 200_000.0, 0.05
    result = funnel_data(funnel_units([size * target], [size]), target=target)
    row = result.points.row(0, named=True)
    sd = math.sqrt(target / size)
    assert row["hi_95"] == pytest.approx(target + 1.959964 * sd, rel=2e-3)
    assert row["lo_998"] == pytest.approx(target - 3.090232 * sd, rel=2e-3)


def test_limits_are_stats_funnel_limits() -> None:
    """The grid limits are exactly `stats.funnel_limits` (no reimplementation)."""
    result = funnel_data(funnel_units([30.0, 50.0], [300.0, 900.0]), target=0.08, multiplier=100.0)
    expected = stats.funnel_limits(0.08, result.limits["size"], kind="rate", multiplier=100.0)
    assert result.limits.equals(expected)


# --------------------------------------------------------------------------- small units
def test_small_practice_with_no_events_is_inside() -> None:
    """Given a small practice (20 patients, 1 event expected) with 0 events, then it lies
    within the limits: wide limits, no false alarm."""
    result = funnel_data(funnel_units([0.0], [20.0]), target=0.05)
    row = result.points.row(0, named=True)
    assert row["band"] == "binnen"
    assert row["lo_95"] == 0.0
    assert row["value"] == 0.0


def test_wide_limits_for_small_units() -> None:
    result = funnel_data(funnel_units([10.0, 1000.0], [100.0, 10_000.0]), target=0.1)
    small, large = result.points.iter_rows(named=True)
    assert small["hi_95"] - small["lo_95"] > 5 * (large["hi_95"] - large["lo_95"])


def test_no_false_alarms_under_the_null() -> None:
    """Given 4,000 units of 10-200 patients drawn from the target rate itself, then about
    5% fall outside the 95% limits and hardly any outside the 99.8% limits."""
    rng = np.random.default_rng(7)
    sizes = rng.integers(10, 200, size=4000).astype(float)
    observed = rng.poisson(0.08 * sizes).astype(float)
    keep = (observed == 0) | (observed >= funnel.MIN_COUNT)  # 1-4 would be suppressed
    result = funnel_data(
        funnel_units(observed[keep].tolist(), sizes[keep].tolist()),
        target=0.08,
        overdispersion_mode="nooit",
    )
    counts = funnel.band_counts(result)
    n = result.points.height
    outside_95 = n - counts["binnen"]
    outside_998 = counts["hoger_998"] + counts["lager_998"]
    assert outside_95 / n < 0.06
    assert outside_998 / n < 0.005


def test_person_sizes_of_one_to_four_are_left_out() -> None:
    units = funnel_units([0.0, 0.0], [3.0, 30.0])
    assert funnel_data(units, target=0.1).points["label"].to_list() == ["U1"]
    # An exposure (FTE) of 3 is not a count of persons: kept.
    assert funnel_data(units, target=0.1, size_is_count=False).points.height == 2


def test_min_count_zero_keeps_small_counts() -> None:
    """Counts of practices are not person counts: the caller may switch the guard off."""
    units = funnel_units([2.0], [30.0])
    assert funnel_data(units, target=0.1, min_count=0, size_is_count=False).points.height == 1


# --------------------------------------------------------------------------- bands
def test_bands() -> None:
    units = funnel_units([10.0, 30.0, 0.0, 16.0, 200.0], [100.0] * 4 + [1000.0])
    result = funnel_data(units, target=0.1, overdispersion_mode="nooit")
    bands = dict(zip(result.points["label"], result.points["band"], strict=True))
    assert bands["U0"] == "binnen"  # 10 of 100: the target itself
    assert bands["U1"] == "hoger_998"  # 30 > 20.66
    assert bands["U2"] == "lager_998"  # 0 < 1.22
    assert bands["U3"] == "binnen"  # 16 < 16.16
    assert bands["U4"] == "hoger_998"  # 200 of 1000
    assert funnel.band_counts(result) == {
        "binnen": 2,
        "hoger_95": 0,
        "lager_95": 0,
        "hoger_998": 2,
        "lager_998": 1,
    }


def test_overdispersion_is_the_additive_model_of_the_comparisons() -> None:
    """Issue 15: the practice funnel adjusts as the comparisons mart does (additive
    random effects, consistent winsorised phi) instead of widening by sqrt(phi), so its
    bands equal `compare_units`' labels on the same units."""
    units = funnel_spread_units()
    result = funnel_data(units, target=0.09, overdispersion_mode="auto")
    expected = comparison.compare_units(
        units,
        unit_col="unit",
        observed_col="observed",
        size_col="size",
        kind="rate",
        direction="neutraal",
        target=0.09,
        consistent_phi=True,
    )
    assert result.phi == pytest.approx(expected["phi"][0])
    assert result.tau2 == pytest.approx(expected["tau2"][0])
    assert result.phi_significant is funnel.phi_is_significant(result.phi or 0.0, units.height)
    assert result.phi_significant
    assert result.phi_used == pytest.approx(expected["phi"][0])
    limits = comparison.additive_limits(
        0.09, units["size"].to_numpy(), kind="rate", tau2=result.tau2 or 0.0
    )
    assert result.points["hi_95"].to_list() == pytest.approx(list(limits["hi_95"]))
    bands = dict(zip(result.points["label"], result.points["band"], strict=True))
    by_unit = dict(zip(units["unit"].to_list(), expected["label"].to_list(), strict=True))
    for unit, code in by_unit.items():
        band = bands[unit]
        assert (band == "binnen") == (code == "gelijk")
        if band != "binnen":
            assert code == band


def test_overdispersion_modes() -> None:
    units = funnel_spread_units()
    never = funnel_data(units, target=0.09, overdispersion_mode="nooit")
    always = funnel_data(units, target=0.09, overdispersion_mode="altijd")
    assert never.phi_used == 1.0
    assert always.phi_used == pytest.approx(never.phi)
    assert (always.points["hi_95"] > never.points["hi_95"]).all()
    with pytest.raises(ValueError, match="overdispersiemodus"):
        funnel_data(units, target=0.09, overdispersion_mode="soms")


def test_phi_is_significant_against_chi_square() -> None:
    # chi-square(20) 95% quantile: 31.41.
    assert funnel.phi_is_significant(1.6, 20)
    assert not funnel.phi_is_significant(1.5, 20)


def test_only_95_and_998_levels() -> None:
    with pytest.raises(ValueError, match="95% en 99,8%"):
        funnel_data(funnel_units([10.0], [100.0]), target=0.1, levels=(0.9, 0.99))
