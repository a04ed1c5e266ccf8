"""The evaluation of one PDCA action: the zone's indicator before and after, and the target.

Pure; codes only (the Dutch texts are in `views.pdca_display`).

* **Before**: the last year with a published value strictly before the action's year
  (the year of the action is partly before and partly after it, so it is never the
  "before" year).
* **After**: the target year when it has a published value; else the latest year with
  a value from the action's year on. No after-year when no such year exists yet.
* **Difference** `after - before` with the 95% interval of the difference of the two
  values from their own 95% intervals in the indicator mart (Wilson for proportions,
  exact Poisson for rates): the MOVER combination of Newcombe (1998) / Zou & Donner
  (2008), `metrics.gain.difference_interval`. The change is significant when that
  interval excludes 0. It treats the two years as independent samples; for the same
  zone in two years they overlap (positively correlated), so the test is conservative.
  A complete count (`interval_method` "volledig", e.g. the population register) has no
  sampling error: every difference is real, no test (`SIG_COMPLETE`). An indicator
  without intervals (`none`) or a value without interval is not tested.
* **Target**: judged only in the target year. When it has a value: met when the value
  is at least the target for `hoger_beter` (at most for `lager_beter`); for a `neutraal`
  indicator the aim follows the target against the before value (a target above it aims
  up). The target year without data yet (after the latest year): `TARGET_PENDING`; the
  target year within the data but its value suppressed or missing, or a neutral
  indicator without before value: `TARGET_UNKNOWN`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Final

import polars as pl

from popmgmt.metrics import gain

TARGET_MET: Final = "bereikt"
TARGET_NOT_MET: Final = "niet_bereikt"
TARGET_PENDING: Final = "nog_niet"
TARGET_UNKNOWN: Final = "onbepaald"
TARGET_STATUSES: Final = (TARGET_MET, TARGET_NOT_MET, TARGET_PENDING, TARGET_UNKNOWN)

SIG_YES: Final = "significant"
SIG_NO: Final = "niet_significant"
SIG_COMPLETE: Final = "volledige_telling"
SIG_UNTESTED: Final = "niet_getoetst"
SIGNIFICANCE: Final = (SIG_YES, SIG_NO, SIG_COMPLETE, SIG_UNTESTED)

METHOD_MOVER: Final = "mover"
METHOD_COMPLETE: Final = "volledig"
METHOD_NONE: Final = "geen"

SERIES_COLUMNS: Final = ("year", "value", "ci_low", "ci_high", "numerator", "denominator")


@dataclass(frozen=True)
class Point:
    """One published year of the zone's indicator."""

    year: int
    value: float
    ci_low: float | None
    ci_high: float | None
    numerator: float | None
    denominator: float | None


@dataclass(frozen=True)
class Evaluation:
    before: Point | None
    after: Point | None
    difference: float | None
    difference_low: float | None
    difference_high: float | None
    significance: str
    method: str
    target_status: str
    aim_up: bool | None
    """True: the target aims at a higher value; None: unknown (neutral, no before)."""
    latest_year: int | None
    """The newest year with a published value (None: no data at all)."""


def _float(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _points(series: pl.DataFrame) -> list[Point]:
    missing = set(SERIES_COLUMNS) - set(series.columns)
    if missing:
        raise ValueError(f"series mist kolommen {sorted(missing)}")
    points = []
    for r in series.sort("year").iter_rows(named=True):
        value = _float(r["value"])
        if value is None:
            continue  # suppressed or missing
        points.append(
            Point(
                year=int(r["year"]),
                value=value,
                ci_low=_float(r["ci_low"]),
                ci_high=_float(r["ci_high"]),
                numerator=_float(r["numerator"]),
                denominator=_float(r["denominator"]),
            )
        )
    return points


def _aim_up(direction: str | None, target: float, before: Point | None) -> bool | None:
    if direction == "hoger_beter":
        return True
    if direction == "lager_beter":
        return False
    if before is None:
        return None
    return target >= before.value


def evaluate(
    series: pl.DataFrame,
    *,
    action_day: date,
    target_value: float,
    target_year: int,
    direction: str | None,
    interval_method: str | None,
) -> Evaluation:
    """Evaluate one action on the zone's yearly series of its target indicator.

    `series`: one row per year (`SERIES_COLUMNS`; suppressed years with a null value are
    skipped). `interval_method`: the indicator's (`wilson`, `poisson`, `volledig`, `none`).
    """
    points = _points(series)
    years = {p.year: p for p in points}
    before = next((p for p in reversed(points) if p.year < action_day.year), None)
    after = years.get(target_year)
    if after is None:
        later = [p for p in points if p.year >= action_day.year]
        after = later[-1] if later else None
    latest_year = points[-1].year if points else None
    row_years = [int(y) for y in series["year"].to_list()]
    last_row_year = max(row_years) if row_years else None

    difference = low = high = None
    significance = SIG_UNTESTED
    method = METHOD_NONE
    if before is not None and after is not None:
        difference = after.value - before.value
        if interval_method == "volledig":
            significance, method = SIG_COMPLETE, METHOD_COMPLETE
        elif interval_method in ("wilson", "poisson") and None not in (
            before.ci_low,
            before.ci_high,
            after.ci_low,
            after.ci_high,
        ):
            _, low, high = gain.difference_interval(
                after.value,
                after.ci_low,  # type: ignore[arg-type]
                after.ci_high,  # type: ignore[arg-type]
                before.value,
                before.ci_low,  # type: ignore[arg-type]
                before.ci_high,  # type: ignore[arg-type]
            )
            significance = SIG_YES if (low > 0 or high < 0) else SIG_NO
            method = METHOD_MOVER

    aim = _aim_up(direction, target_value, before)
    reached = years.get(target_year)
    if reached is not None:
        if aim is None:
            status = TARGET_UNKNOWN
        elif aim:
            status = TARGET_MET if reached.value >= target_value else TARGET_NOT_MET
        else:
            status = TARGET_MET if reached.value <= target_value else TARGET_NOT_MET
    elif last_row_year is None or target_year > last_row_year:
        status = TARGET_PENDING
    else:
        status = TARGET_UNKNOWN
    return Evaluation(
        before=before,
        after=after,
        difference=difference,
        difference_low=low,
        difference_high=high,
        significance=significance,
        method=method,
        target_status=status,
        aim_up=aim,
        latest_year=latest_year,
    )
