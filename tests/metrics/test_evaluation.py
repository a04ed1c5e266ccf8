"""The evaluation of a PDCA action: before/after years, the difference and its MOVER
interval, significance, and whether the target was met (exact values)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from popmgmt.metrics import evaluation as ev
from popmgmt.metrics import stats

ACTION = date(2022, 3, 1)


def _series(rows: list[tuple[int, float | None, float | None, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(y, v, lo, hi, None, None) for y, v, lo, hi in rows],
        schema={
            "year": pl.Int64,
            "value": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
        },
        orient="row",
    )


SERIES = _series(
    [
        (2020, 58.0, 56.0, 60.0),
        (2021, 60.0, 58.0, 62.0),
        (2022, 61.0, 59.0, 63.0),
        (2023, 63.0, 61.0, 65.0),
        (2024, 65.0, 63.0, 67.0),
    ]
)


def _evaluate(series: pl.DataFrame = SERIES, **kw: object) -> ev.Evaluation:
    args: dict[str, object] = {
        "action_day": ACTION,
        "target_value": 64.0,
        "target_year": 2024,
        "direction": "hoger_beter",
        "interval_method": "wilson",
    }
    args.update(kw)
    return ev.evaluate(series, **args)  # type: ignore[arg-type]


def test_before_after_difference_and_target_met() -> None:
    """Given an action in March 2022 aiming at 64 in 2024, then before is 2021 (60), after
    is 2024 (65), the difference 5 has the MOVER interval 5 -/+ sqrt(2^2 + 2^2), which
    excludes 0, and the target is met."""
    result = _evaluate()
    assert result.before is not None
    assert result.after is not None
    assert (result.before.year, result.before.value) == (2021, 60.0)
    assert (result.after.year, result.after.value) == (2024, 65.0)
    assert result.difference == 5.0
    assert result.difference_low == pytest.approx(5 - math.sqrt(8))
    assert result.difference_high == pytest.approx(5 + math.sqrt(8))
    assert (result.significance, result.method) == (ev.SIG_YES, ev.METHOD_MOVER)
    assert (result.target_status, result.aim_up, result.latest_year) == (ev.TARGET_MET, True, 2024)


def test_target_not_met_and_direction() -> None:
    assert _evaluate(target_value=66.0).target_status == ev.TARGET_NOT_MET
    assert _evaluate(target_value=65.0).target_status == ev.TARGET_MET  # exactly reached
    lower = _evaluate(direction="lager_beter", target_value=65.0)
    assert (lower.target_status, lower.aim_up) == (ev.TARGET_MET, False)
    assert _evaluate(direction="lager_beter", target_value=64.9).target_status == ev.TARGET_NOT_MET


def test_neutral_indicator_aims_from_the_before_value() -> None:
    up = _evaluate(direction="neutraal", target_value=64.0)
    assert (up.aim_up, up.target_status) == (True, ev.TARGET_MET)
    down = _evaluate(direction="neutraal", target_value=55.0)
    assert (down.aim_up, down.target_status) == (False, ev.TARGET_NOT_MET)
    early = _evaluate(direction="neutraal", action_day=date(2019, 5, 1))
    assert (early.before, early.aim_up, early.target_status) == (None, None, ev.TARGET_UNKNOWN)


def test_target_year_without_data_yet_uses_the_latest_year() -> None:
    """The target year 2026 lies after the data: the after-value is the latest (2024) and
    the target cannot be judged yet."""
    result = _evaluate(target_year=2026, target_value=99.0)
    assert result.after is not None
    assert result.after.year == 2024
    assert result.target_status == ev.TARGET_PENDING
    assert result.significance == ev.SIG_YES


def test_suppressed_target_year_is_unknown_not_pending() -> None:
    series = SERIES.with_columns(
        pl.when(pl.col("year") == 2024).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("value", "ci_low", "ci_high")
    )
    result = _evaluate(series)
    assert result.after is not None
    assert result.after.year == 2023  # the latest published year
    assert result.target_status == ev.TARGET_UNKNOWN
    assert result.latest_year == 2023


def test_not_significant_when_the_interval_holds_zero() -> None:
    wide = _series([(2021, 60.0, 55.0, 65.0), (2024, 62.0, 57.0, 67.0)])
    result = _evaluate(wide)
    assert result.difference == 2.0
    assert result.difference_low == pytest.approx(2 - math.sqrt(50))
    assert result.significance == ev.SIG_NO


def test_complete_counts_and_indicators_without_interval() -> None:
    counts = _series([(2021, 60.0, None, None), (2024, 65.0, None, None)])
    complete = _evaluate(counts, interval_method="volledig")
    assert (complete.significance, complete.method, complete.difference) == (
        ev.SIG_COMPLETE,
        ev.METHOD_COMPLETE,
        5.0,
    )
    assert complete.difference_low is None
    untested = _evaluate(counts, interval_method="none")
    assert (untested.significance, untested.method) == (ev.SIG_UNTESTED, ev.METHOD_NONE)
    # A Wilson indicator whose interval is missing is not tested either.
    assert _evaluate(counts).significance == ev.SIG_UNTESTED


def test_no_before_or_no_data() -> None:
    early = _evaluate(action_day=date(2020, 1, 1))
    assert early.before is None
    assert (early.difference, early.significance) == (None, ev.SIG_UNTESTED)
    empty = _evaluate(_series([]))
    assert (empty.before, empty.after, empty.latest_year) == (None, None, None)
    assert empty.target_status == ev.TARGET_PENDING
    after_data = _evaluate(action_day=date(2025, 6, 1), target_year=2027)
    assert (after_data.before.year if after_data.before else None) == 2024
    assert after_data.after is None
    assert after_data.target_status == ev.TARGET_PENDING


def test_mover_of_wilson_intervals_is_newcombes_interval() -> None:
    """For proportions the MOVER interval of two Wilson intervals is Newcombe's hybrid
    score interval (statsmodels' `newcomb`)."""
    n1, x1, n2, x2 = 4000, 2400, 4200, 2730
    lo, hi = stats.wilson_interval(np.array([x1, x2]), np.array([n1, n2]), 0.95)
    series = _series(
        [(2021, 100 * x1 / n1, 100 * lo[0], 100 * hi[0]), (2023, 100 * x2 / n2, 100 * lo[1],
         100 * hi[1])]
    )  # fmt: skip
    result = _evaluate(series, target_year=2023)
    ref_low, ref_high = confint_proportions_2indep(x2, n2, x1, n1, method="newcomb")
    assert result.difference_low == pytest.approx(100 * ref_low, abs=1e-9)
    assert result.difference_high == pytest.approx(100 * ref_high, abs=1e-9)


def test_missing_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="mist kolommen"):
        ev.evaluate(
            pl.DataFrame({"year": [2020]}),
            action_day=ACTION,
            target_value=1.0,
            target_year=2024,
            direction=None,
            interval_method=None,
        )
