"""The gain if a zone matched the best zone of a comparison set (pure; no display text).

For every indicator with a direction (`hoger_beter`, `lager_beter`) and the newest year
in which the zone has a published value: the best published value among the comparison
zones (highest or lowest), the improvement the zone would make by matching it, and that
improvement as a count in the zone (numerator units: inhabitants with a GMD, GPs,
contacts) on the zone's own denominator:

    improvement       = best - own            (hoger_beter)   own - best (lager_beter)
    improvement_count = improvement / multiplier * own denominator

Intervals: each value's 95% interval is recomputed from its numerator and denominator
with the interval functions of `metrics.stats` (Wilson for proportions, exact Poisson
for rates, `interval_method` of the indicator), and the interval of the difference of
the two independent values is the MOVER (method of variance estimates recovery) of
Newcombe (1998) / Zou & Donner (2008), the square-root combination of the two
intervals' distances; it reduces to Newcombe's hybrid score interval for two Wilson
proportions. `significant` is True when the whole interval lies above 0: the best zone
is demonstrably better.

A caution that a page must say: the best of several zones is partly best by chance
(the "winner's curse"), so the gain is an upper estimate; the interval shows only the
uncertainty of the two values compared, not that of picking the best.
Neutral indicators (`neutraal`: more is neither better nor worse) have no gain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import polars as pl

from popmgmt.metrics import stats

GAIN_DIRECTIONS: Final = ("hoger_beter", "lager_beter")

GAIN_SCHEMA: Final = pl.Schema(
    {
        "indicator_code": pl.String,
        "year": pl.Int64,
        "direction": pl.String,
        "own_value": pl.Float64,
        "own_low": pl.Float64,
        "own_high": pl.Float64,
        "own_denominator": pl.Float64,
        "best_code": pl.String,
        "best_value": pl.Float64,
        "best_low": pl.Float64,
        "best_high": pl.Float64,
        "compared": pl.Int64,
        "improvement": pl.Float64,
        "improvement_low": pl.Float64,
        "improvement_high": pl.Float64,
        "improvement_count": pl.Float64,
        "improvement_count_low": pl.Float64,
        "improvement_count_high": pl.Float64,
        "significant": pl.Boolean,
    }
)


def value_intervals(
    numerator: Sequence[float | None],
    denominator: Sequence[float | None],
    *,
    method: str | None,
    multiplier: float,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """The interval of each value `numerator / denominator * multiplier`, with the
    indicator's interval method (`wilson`, `poisson`; `none` or unknown: NaN)."""
    num = np.asarray([np.nan if v is None else float(v) for v in numerator], dtype=float)
    den = np.asarray([np.nan if v is None else float(v) for v in denominator], dtype=float)
    if method == "wilson":
        low, high = stats.wilson_interval(num, den, confidence)
        return low * multiplier, high * multiplier
    if method == "poisson":
        low, high = stats.poisson_interval(num, confidence)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(den > 0, multiplier / den, np.nan)
        return low * scale, high * scale
    nan = np.full(num.shape, np.nan)
    return nan, nan


def difference_interval(
    better: float,
    better_low: float,
    better_high: float,
    worse: float,
    worse_low: float,
    worse_high: float,
) -> tuple[float, float, float]:
    """`better - worse` and its MOVER interval from the two values' intervals."""
    diff = better - worse
    low = diff - float(np.hypot(better - better_low, worse_high - worse))
    high = diff + float(np.hypot(better_high - better, worse - worse_low))
    return diff, low, high


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=GAIN_SCHEMA)


def potential_gain(
    values: pl.DataFrame,
    indicators: pl.DataFrame,
    zone_code: str,
    comparators: Sequence[str],
    *,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """One row per directional indicator (`GAIN_SCHEMA`, in the order of `indicators`):
    the zone against the best of `comparators` in the newest year in which the zone has
    a published zone-level value. Indicators where no comparator has a published value
    that year are left out. When the zone already equals or beats the best comparator
    the improvement is <= 0 (and `significant` False).
    """
    comparators = [c for c in dict.fromkeys(comparators) if c != zone_code]
    if not comparators:
        return _empty()
    zone_rows = values.filter(
        (pl.col("level") == "zone")
        & pl.col("area_code").is_in([zone_code, *comparators])
        & ~pl.col("suppressed").fill_null(False)
        & pl.col("value").is_not_null()
    )
    out: list[dict[str, object]] = []
    for meta in indicators.iter_rows(named=True):
        direction = meta.get("direction")
        if direction not in GAIN_DIRECTIONS:
            continue
        code = meta["indicator_code"]
        rows = zone_rows.filter(pl.col("indicator_code") == code)
        own_years = rows.filter(pl.col("area_code") == zone_code)["year"]
        if own_years.len() == 0:
            continue
        year = int(own_years.max())  # type: ignore[arg-type]
        rows = rows.filter(pl.col("year") == year)
        others = rows.filter(pl.col("area_code") != zone_code)
        if others.height == 0:
            continue
        own = rows.filter(pl.col("area_code") == zone_code).row(0, named=True)
        best = others.sort(
            ["value", "area_code"], descending=[direction == "hoger_beter", False]
        ).row(0, named=True)
        multiplier = float(meta.get("multiplier") or 1.0)
        low, high = value_intervals(
            [own["numerator"], best["numerator"]],
            [own["denominator"], best["denominator"]],
            method=meta.get("interval_method"),
            multiplier=multiplier,
            confidence=confidence,
        )
        own_v, best_v = float(own["value"]), float(best["value"])
        if direction == "hoger_beter":
            diff, d_low, d_high = difference_interval(
                best_v, low[1], high[1], own_v, low[0], high[0]
            )
        else:
            diff, d_low, d_high = difference_interval(
                own_v, low[0], high[0], best_v, low[1], high[1]
            )
        den = own["denominator"]
        scale = float(den) / multiplier if den is not None else float("nan")
        out.append(
            {
                "indicator_code": code,
                "year": year,
                "direction": direction,
                "own_value": own_v,
                "own_low": float(low[0]),
                "own_high": float(high[0]),
                "own_denominator": None if den is None else float(den),
                "best_code": best["area_code"],
                "best_value": best_v,
                "best_low": float(low[1]),
                "best_high": float(high[1]),
                "compared": others.height,
                "improvement": diff,
                "improvement_low": d_low,
                "improvement_high": d_high,
                "improvement_count": diff * scale,
                "improvement_count_low": d_low * scale,
                "improvement_count_high": d_high * scale,
                "significant": bool(np.isfinite(d_low) and d_low > 0),
            }
        )
    if not out:
        return _empty()
    frame = pl.DataFrame(out, schema=GAIN_SCHEMA, orient="row")
    return frame.with_columns(pl.col(pl.Float64).fill_nan(None))
