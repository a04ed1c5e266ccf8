"""Funnel plots: the data (points, control limits, overdispersion).

A funnel plot compares units (practices, circles, zones) without ranking them: each
unit's value is plotted against its size (denominator or exposure), with control limits
around a reference value that narrow as the size grows (Spiegelhalter 2005). A unit
outside the 95% limits differs more than chance alone would usually give; outside the
99.8% limits, much more. Small units get wide limits, so they do not raise false alarms.

The statistics are `popmgmt.metrics.stats.funnel_limits` (Wilson score / exact Poisson
limits) and, with overdispersion, `popmgmt.metrics.comparison` (additive random
effects, the model of the comparisons mart); this module only prepares the units,
decides whether to adjust, classifies each unit against the limits at its own size.
The chart and its Dutch text are `popmgmt.views.funnel_charts` (the circle page).

Scales: `target` is on the raw scale (a proportion in [0, 1] or a rate per unit of
size), every value and limit in the output on the display scale (times `multiplier`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import polars as pl
from scipy import stats as sps

from popmgmt.metrics import comparison, stats

LEVELS: Final = (0.95, 0.998)
MIN_COUNT: Final = 5
"""Counts 1-4 are never shown (DOMAIN 4): a unit with such an observed count is left out."""
MIN_UNITS_FOR_PHI: Final = 10
"""Fewer units than this: overdispersion is not estimated (too unstable)."""
PHI_TEST_LEVEL: Final = 0.95
WINSOR: Final = 0.1
GRID_POINTS: Final = 80

OverdispersionMode = Literal["auto", "altijd", "nooit"]
OVERDISPERSION_MODES: Final[tuple[OverdispersionMode, ...]] = ("auto", "altijd", "nooit")

# Where a unit lies against the limits at its own size.
BANDS: Final = ("binnen", "hoger_95", "lager_95", "hoger_998", "lager_998")

POINT_SCHEMA: Final = pl.Schema(
    {
        "label": pl.String,
        "observed": pl.Float64,
        "size": pl.Float64,
        "value": pl.Float64,
        "lo_95": pl.Float64,
        "hi_95": pl.Float64,
        "lo_998": pl.Float64,
        "hi_998": pl.Float64,
        "z": pl.Float64,
        "band": pl.String,
        "highlight": pl.Boolean,
    }
)


@dataclass(frozen=True)
class Funnel:
    """Everything a funnel plot shows, on the display scale."""

    points: pl.DataFrame
    """One row per shown unit: `POINT_SCHEMA` plus the caller's extra columns."""
    limits: pl.DataFrame
    """Control limits over a grid of sizes: `size`, `lo_95`, `hi_95`, `lo_998`, `hi_998`."""
    target: float
    """The reference value on the raw scale."""
    kind: stats.Kind
    multiplier: float
    phi: float | None
    """Estimated overdispersion factor (None when there were too few units): the
    winsorised phi of the variance-stabilised z-scores, corrected for the winsorisation
    (`comparison.winsorised_phi(consistent=True)`, as the comparisons mart)."""
    phi_used: float
    """phi when the limits include the between-unit variance (additive model), else 1.0."""
    phi_significant: bool | None
    """Whether phi is significantly above 1 (chi-square test), None when not estimated."""
    n_units: int
    """Units offered, before any was left out."""
    n_suppressed: int
    """Units left out because their count is suppressed (null) or 1-4."""
    n_no_size: int
    """Units left out because their size is missing or zero."""
    tau2: float | None = None
    """Between-unit variance of the additive model (variance-stabilised scale)."""


def _prepare(
    units: pl.DataFrame,
    *,
    observed_col: str,
    size_col: str,
    size_is_count: bool,
    min_count: int,
) -> tuple[pl.DataFrame, int, int]:
    """The units that can be shown, and how many were left out for which reason."""
    obs = pl.col(observed_col).cast(pl.Float64)
    size = pl.col(size_col).cast(pl.Float64)
    small_obs = (obs > 0) & (obs < min_count)
    small_size = (size > 0) & (size < min_count) if size_is_count else pl.lit(False)
    no_size = size.is_null() | size.is_nan() | (size <= 0)
    suppressed = ~no_size & (obs.is_null() | obs.is_nan() | small_obs | small_size)
    flagged = units.with_columns(
        no_size.fill_null(True).alias("_no_size"), suppressed.fill_null(True).alias("_supp")
    )
    n_no_size = int(flagged["_no_size"].sum())
    n_suppressed = int(flagged["_supp"].sum())
    kept = flagged.filter(~pl.col("_no_size") & ~pl.col("_supp")).drop("_no_size", "_supp")
    return kept, n_suppressed, n_no_size


def _grid(sizes: Sequence[float], kind: stats.Kind, n_points: int) -> list[float]:
    """Sizes to draw the limits at: geometric from just below the smallest to the largest."""
    low = max(min(sizes) * 0.9, 1.0)
    high = max(max(sizes) * 1.05, low * 1.01)
    grid = np.geomspace(low, high, n_points)
    if kind == "proportion":
        grid = np.unique(np.round(grid))
    return [float(g) for g in grid]


def phi_is_significant(phi: float, n_units: int, level: float = PHI_TEST_LEVEL) -> bool:
    """True when n_units * phi exceeds the `level` quantile of chi-square(n_units).

    Under no overdispersion, I * phi (winsorised z-scores) is roughly chi-square with
    I degrees of freedom (Spiegelhalter 2005, section 3.3; see `stats.overdispersion`).
    """
    return bool(n_units * phi > float(sps.chi2.ppf(level, n_units)))


def funnel_data(
    units: pl.DataFrame,
    *,
    label_col: str,
    observed_col: str,
    size_col: str,
    target: float,
    kind: stats.Kind,
    multiplier: float = 1.0,
    overdispersion_mode: OverdispersionMode = "auto",
    size_is_count: bool = True,
    highlight_col: str | None = None,
    keep_cols: Sequence[str] = (),
    levels: Sequence[float] = LEVELS,
    min_count: int = MIN_COUNT,
    grid_points: int = GRID_POINTS,
) -> Funnel:
    """Funnel-plot data for `units` (one row per unit) around `target` (raw scale).

    `observed_col` holds counts (numerators), `size_col` denominators (persons) or
    exposures (`size_is_count=False`, e.g. FTE). Units with a null observed count
    (suppressed) or an observed count of 1-4 are left out, and so, when the size is a
    person count, are units with a size of 1-4; units with a missing or zero size too.
    Each shown unit is classified against the limits at its own size (`band`).

    Overdispersion: with at least `MIN_UNITS_FOR_PHI` units, phi and tau2 are estimated
    as in the comparisons mart (`metrics.comparison`: variance-stabilised z-scores, 10%
    winsorised, consistent phi, additive tau2). Mode "auto" adds tau2 to the limits
    only when phi is significantly above 1 (`phi_is_significant`), "altijd" whenever
    tau2 > 0, "nooit" never. Adjusted limits are `comparison.additive_limits` (the
    same model as the labels elsewhere), else `stats.funnel_limits` (exact).
    """
    if overdispersion_mode not in OVERDISPERSION_MODES:
        raise ValueError(f"onbekende overdispersiemodus {overdispersion_mode!r}")
    if tuple(levels) != LEVELS:
        # The band names and the chart encode 95% and 99.8%.
        raise ValueError("de trechter gebruikt de grenzen 95% en 99,8%")
    kept, n_suppressed, n_no_size = _prepare(
        units,
        observed_col=observed_col,
        size_col=size_col,
        size_is_count=size_is_count,
        min_count=min_count,
    )
    observed = kept[observed_col].cast(pl.Float64)
    sizes = kept[size_col].cast(pl.Float64)

    phi: float | None = None
    tau2: float | None = None
    significant: bool | None = None
    obs = observed.to_numpy().astype(np.float64)
    size = sizes.to_numpy().astype(np.float64)
    if kept.height >= MIN_UNITS_FOR_PHI:
        y_t, t_t, s_t = comparison.transform(obs, size, float(target), kind)
        phi = comparison.winsorised_phi((y_t - t_t) / s_t, WINSOR, consistent=True)
        tau2 = comparison.additive_tau2(phi, s_t)
        significant = phi_is_significant(phi, kept.height)
    adjusted = (
        phi is not None
        and tau2 is not None
        and tau2 > 0
        and (overdispersion_mode == "altijd" or (overdispersion_mode == "auto" and significant))
    )
    phi_used = phi if (adjusted and phi is not None) else 1.0

    def limits_at(at: Sequence[float] | np.ndarray) -> pl.DataFrame:
        """The additive limits (tau2) when adjusted, else the exact limits."""
        if not adjusted:
            return stats.funnel_limits(target, at, kind=kind, levels=levels, multiplier=multiplier)
        grid = np.asarray(at, dtype=np.float64)
        own = comparison.additive_limits(float(target), grid, kind=kind, tau2=float(tau2 or 0.0))
        return pl.DataFrame(
            {"size": grid, **{k: v * multiplier for k, v in own.items()}},
            schema=dict.fromkeys(["size", "lo_95", "hi_95", "lo_998", "hi_998"], pl.Float64),
        )

    own = limits_at(size)
    if adjusted:
        y_t, t_t, s_t = comparison.transform(obs, size, float(target), kind)
        z = (y_t - t_t) / np.sqrt(s_t**2 + float(tau2 or 0.0))
    else:
        z = stats.z_scores(observed, sizes, target, kind=kind)
    value = (observed / sizes * multiplier).alias("value")
    highlight = (
        kept[highlight_col].cast(pl.Boolean).fill_null(False)
        if highlight_col is not None
        else pl.Series("highlight", [False] * kept.height, dtype=pl.Boolean)
    )
    points = pl.DataFrame(
        {
            "label": kept[label_col].cast(pl.String),
            "observed": observed,
            "size": sizes,
            "value": value,
            "lo_95": own["lo_95"],
            "hi_95": own["hi_95"],
            "lo_998": own["lo_998"],
            "hi_998": own["hi_998"],
            "z": pl.Series("z", z, dtype=pl.Float64).fill_nan(None),
            "highlight": highlight.alias("highlight"),
        }
    )
    band = (
        pl.when(pl.col("value") > pl.col("hi_998"))
        .then(pl.lit("hoger_998"))
        .when(pl.col("value") < pl.col("lo_998"))
        .then(pl.lit("lager_998"))
        .when(pl.col("value") > pl.col("hi_95"))
        .then(pl.lit("hoger_95"))
        .when(pl.col("value") < pl.col("lo_95"))
        .then(pl.lit("lager_95"))
        .otherwise(pl.lit("binnen"))
    )
    points = points.with_columns(band.alias("band")).select(list(POINT_SCHEMA))
    extra = [c for c in keep_cols if c not in points.columns]
    if extra:
        points = pl.concat([points, kept.select(extra)], how="horizontal")

    if kept.height:
        limits = limits_at(_grid(sizes.to_list(), kind, grid_points))
    else:
        limits = stats.funnel_limits(target, [], kind=kind, levels=levels, multiplier=multiplier)
    return Funnel(
        points=points,
        limits=limits,
        target=float(target),
        kind=kind,
        multiplier=float(multiplier),
        phi=phi,
        phi_used=phi_used,
        phi_significant=significant,
        n_units=units.height,
        n_suppressed=n_suppressed,
        n_no_size=n_no_size,
        tau2=tau2 if adjusted else None,
    )


def band_counts(funnel: Funnel) -> dict[str, int]:
    """How many shown units lie in each band (every band present, 0 when empty)."""
    counts = dict.fromkeys(BANDS, 0)
    for band, n in funnel.points.group_by("band").len().iter_rows():
        counts[str(band)] = int(n)
    return counts
