"""Funnel limits and Poisson intervals against PHEindicatormethods' published test data.

The fixtures are converted from the package's own test suite (source file and commit
named in each CSV). The reference limits come from a bisection to 1e-7 in
`poisson_funnel`, so rates agree to a relative 1e-5 (observed: 6e-6 at 1 event, 2e-7
from a few hundred events); proportions to 1e-7 on the raw scale (the reference is
rounded to 6 decimals of a percentage).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from popmgmt.metrics import stats

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LEVELS = (0.95, 0.998)


def _read(name: str) -> pl.DataFrame:
    return pl.read_csv(FIXTURES / name, comment_prefix="#")


def test_funnel_limits_match_phe_calculate_funnel_limits() -> None:
    """Given PHE's expected funnel limits (proportions, crude/DSR rates, ratios), then
    ours agree, upper and lower, at 95% and 99.8%."""
    reference = _read("phe_funnel_limits.csv")
    assert reference.height > 200
    assert set(reference["kind"]) == {"proportion", "rate"}
    for row in reference.iter_rows(named=True):
        limits = stats.funnel_limits(
            row["target"], [row["size"]], kind=row["kind"], levels=(row["level"],)
        ).row(0, named=True)
        got = limits[f"{row['side']}_{stats._level_name(row['level'])}"]
        if row["kind"] == "proportion":
            assert got == pytest.approx(row["limit"], abs=1e-7), row
        else:
            assert got == pytest.approx(row["limit"], rel=1e-5, abs=1e-12), row


def _band(value: float, limits: dict[str, float]) -> str:
    if value > limits["hi_998"]:
        return "High (0.001)"
    if value < limits["lo_998"]:
        return "Low (0.001)"
    if value > limits["hi_95"]:
        return "High (0.025)"
    if value < limits["lo_95"]:
        return "Low (0.025)"
    return "Not significant"


@pytest.mark.parametrize("kind", ["proportion", "ratio"])
def test_funnel_classes_match_phe_assign_funnel_significance(kind: str) -> None:
    """Given PHE's 303 proportion and 300 ratio units with their significance, then a
    point's place against our limits at its own size is the same for every unit (the old
    interpolated Poisson upper limit, one event low, flagged 5 of the 300 ratios)."""
    units = _read("phe_funnel_significance.csv").filter(pl.col("kind") == kind)
    if kind == "proportion":
        target = units["observed"].sum() / units["size"].sum()
        limits = stats.funnel_limits(target, units["size"], kind="proportion")
    else:
        limits = stats.funnel_limits(1.0, units["size"], kind="rate")
    values = (units["observed"] / units["size"]).to_list()
    got = [_band(v, lim) for v, lim in zip(values, limits.iter_rows(named=True), strict=True)]
    assert units.height >= 300
    assert got == units["significance"].to_list()


def test_poisson_interval_is_monotone_through_ten() -> None:
    """Given counts on a fine grid around the old exact/Byar switch at 10, then both
    limits increase with the count (the Byar switch made the lower limit step down)."""
    x = np.linspace(1.0, 30.0, 29_001)
    for confidence in LEVELS:
        low, high = stats.poisson_interval(x, confidence)
        assert np.all(np.diff(low) > 0)
        assert np.all(np.diff(high) > 0)


def test_poisson_interval_is_garwood_exact_above_ten() -> None:
    """For 10 and 100 events the 95% limits solve P(X >= x | low) = P(X <= x | high) =
    0.025 (checked with the Poisson distribution, not the chi-square form used)."""
    x = np.array([10.0, 100.0])
    low, high = stats.poisson_interval(x)
    assert sps.poisson.sf(x - 1, low) == pytest.approx([0.025, 0.025], abs=1e-12)
    assert sps.poisson.cdf(x, high) == pytest.approx([0.025, 0.025], abs=1e-12)


def _outside(low: float, high: float, target: float, tol: float) -> str | None:
    """Where the interval lies against the target; None when within `tol` of a bound."""
    if min(abs(low - target), abs(high - target)) <= tol:
        return None
    return "hoger" if low > target else "lager" if high < target else "binnen"


def _funnel_side(value: float, lo: float, hi: float) -> str:
    return "hoger" if value > hi else "lager" if value < lo else "binnen"


@settings(max_examples=300, deadline=None)
@given(
    size=st.floats(min_value=0.5, max_value=1e6),
    target=st.floats(min_value=1e-4, max_value=5.0),
    share=st.floats(min_value=0.0, max_value=4.0),
    level=st.sampled_from(LEVELS),
)
def test_rate_funnel_and_exact_interval_never_disagree(
    size: float, target: float, share: float, level: float
) -> None:
    """A rate lies above (below) the funnel exactly when its exact Poisson interval lies
    above (below) the target."""
    count = share * target * size
    name = stats._level_name(level)
    lim = stats.funnel_limits(target, [size], kind="rate", levels=(level,)).row(0, named=True)
    low, high = stats.poisson_interval([count], level)
    by_interval = _outside(low[0] / size, high[0] / size, target, tol=1e-9 * target)
    if by_interval is not None:
        assert _funnel_side(count / size, lim[f"lo_{name}"], lim[f"hi_{name}"]) == by_interval


@settings(max_examples=300, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=10**6),
    target=st.floats(min_value=1e-3, max_value=0.999),
    share=st.floats(min_value=0.0, max_value=1.0),
    level=st.sampled_from(LEVELS),
)
def test_proportion_funnel_and_wilson_interval_never_disagree(
    size: int, target: float, share: float, level: float
) -> None:
    """A proportion lies outside the funnel exactly when its Wilson interval (the
    interval published for proportions) excludes the target."""
    successes = round(share * size)
    name = stats._level_name(level)
    lim = stats.funnel_limits(target, [size], kind="proportion", levels=(level,)).row(0, named=True)
    low, high = stats.wilson_interval([successes], [size], level)
    by_interval = _outside(low[0], high[0], target, tol=1e-9)
    if by_interval is not None:
        assert _funnel_side(successes / size, lim[f"lo_{name}"], lim[f"hi_{name}"]) == by_interval
