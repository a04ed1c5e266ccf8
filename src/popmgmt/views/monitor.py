"""The Flemish monitor (Departement Zorg): the figures behind its trends, spread between zones,
funnel plots, two-year comparisons and fixed map classes.

Pure functions, no Streamlit. Data functions take mart frames (`indicator_values`,
`areas`) and return small polars frames. Their Dutch tables and texts are
`popmgmt.views.monitor_tables`, their charts and maps `popmgmt.views.monitor_charts`.

Scales: `value`, `ci_low`, `ci_high` are on the display scale (67.3 for 67.3%), as in the
marts. Funnel targets are computed on the raw scale (`popmgmt.metrics.stats`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import polars as pl
from scipy import stats as sps

from popmgmt.metrics import comparison, stats
from popmgmt.pipeline.codes import BRUSSELS_ZONE, FLANDERS_CODE
from popmgmt.pipeline.published import CONSISTENT_PHI, unadjusted_labels
from popmgmt.views import downloads, maps

Split = Literal["geen", "provincie", "zone"]
BreakChoice = Literal["vast", "gelijk", "jaar"]

VALUE_COLUMNS: Final = (
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
    "suppression_reason",
)
NOT_ASSESSED: Final = "niet_te_beoordelen"


# --------------------------------------------------------------------------- helpers


def _hide_suppressed(frame: pl.DataFrame) -> pl.DataFrame:
    """A suppressed cell carries no number (never a 0)."""
    hidden = pl.col("suppressed").fill_null(False)
    cols = [c for c in ("numerator", "value", "ci_low", "ci_high") if c in frame.columns]
    return frame.with_columns(
        hidden.alias("suppressed"),
        *[pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in cols],
    )


def indicator_rows(values: pl.DataFrame, indicator_code: str, level: str) -> pl.DataFrame:
    """The rows of one indicator at one level, suppressed numbers hidden."""
    rows = values.filter((pl.col("indicator_code") == indicator_code) & (pl.col("level") == level))
    return _hide_suppressed(rows.select("area_code", "year", *VALUE_COLUMNS))


def indicator_kind(meta: Mapping[str, Any]) -> stats.Kind | None:
    """`proportion` (Wilson interval), `rate` (Poisson), or None (no funnel possible)."""
    method = meta.get("interval_method")
    if method == "wilson":
        return "proportion"
    if method in ("poisson", "byar"):
        return "rate"
    # A complete count has no interval but is compared with Flanders all the same.
    unit = meta.get("unit")
    if unit:
        return "proportion" if unit == "%" else "rate"
    return None


def year_date(year: int) -> str:
    """Where a yearly figure sits on a time axis: the middle of its year."""
    return f"{int(year):04d}-07-01"


def change_unit(unit: str | None) -> str | None:
    """The unit of a difference: percentage points for a percentage."""
    return "procentpunt" if unit == "%" else unit


def _float(value: Any) -> float | None:
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


# --------------------------------------------------------------------------- trends


TREND_COLUMNS: Final = ("year", *VALUE_COLUMNS)


def flanders_trend(values: pl.DataFrame, indicator_code: str) -> pl.DataFrame:
    """The Flemish series of one indicator: year, numerator, denominator, value, interval."""
    rows = indicator_rows(values, indicator_code, "vlaanderen").filter(
        pl.col("area_code") == FLANDERS_CODE
    )
    return rows.select(TREND_COLUMNS).sort("year")


SPREAD_SCHEMA: Final = pl.Schema(
    {
        "year": pl.Int64,
        "n_areas": pl.Int64,
        "n_shown": pl.Int64,
        "min": pl.Float64,
        "p25": pl.Float64,
        "median": pl.Float64,
        "p75": pl.Float64,
        "max": pl.Float64,
    }
)


def spread_by_year(values: pl.DataFrame, indicator_code: str, level: str = "zone") -> pl.DataFrame:
    """The spread between the Flemish areas of `level` per year.

    Minimum, quartiles (linear interpolation, as numpy's default) and maximum of the
    shown values; suppressed and missing values are left out (`n_areas - n_shown` of
    them). Brussels (zone elz7) is not a Flemish zone and is left out of the spread.
    """
    rows = indicator_rows(values, indicator_code, level).filter(
        pl.col("area_code") != BRUSSELS_ZONE
    )
    if rows.height == 0:
        return pl.DataFrame(schema=SPREAD_SCHEMA)
    v = pl.col("value").drop_nulls()
    out = (
        rows.group_by("year")
        .agg(
            pl.len().alias("n_areas"),
            v.len().alias("n_shown"),
            v.min().alias("min"),
            v.quantile(0.25, interpolation="linear").alias("p25"),
            v.median().alias("median"),
            v.quantile(0.75, interpolation="linear").alias("p75"),
            v.max().alias("max"),
        )
        .sort("year")
    )
    return out.select([pl.col(n).cast(t) for n, t in SPREAD_SCHEMA.items()])


def zone_provinces(areas: pl.DataFrame) -> pl.DataFrame:
    """zone_code -> province_code and province name, from the zones' municipalities.

    A zone lies within one province (2025 borders); should one ever cross, the province
    of most of its municipalities is taken.
    """
    provinces = areas.filter(pl.col("level") == "provincie").select(
        pl.col("area_code").alias("province_code"), pl.col("area_name").alias("province_name")
    )
    municipalities = areas.filter(
        (pl.col("level") == "gemeente") & pl.col("zone_code").is_not_null()
    )
    mode = (
        municipalities.group_by("zone_code", "province_code")
        .len()
        .sort(["zone_code", "len", "province_code"], descending=[False, True, False])
        .unique("zone_code", keep="first", maintain_order=True)
        .select("zone_code", "province_code")
    )
    return mode.join(provinces, on="province_code", how="left")


SPLIT_COLUMNS: Final = ("area_code", "area_name", "group", "year", *VALUE_COLUMNS)
SPLIT_SCHEMA: Final = pl.Schema(
    {
        "area_code": pl.String,
        "area_name": pl.String,
        "group": pl.String,
        "year": pl.Int64,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "value": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "suppressed": pl.Boolean,
        "suppression_reason": pl.String,
    }
)


def split_trend(
    values: pl.DataFrame, areas: pl.DataFrame, indicator_code: str, split: Split
) -> pl.DataFrame:
    """The series per province (`provincie`) or per zone (`zone`), from the marts' own
    aggregates at that level. `group` is the province name (for a zone: its province).
    Columns: `SPLIT_COLUMNS`; empty for `geen`.
    """
    if split == "geen":
        return pl.DataFrame(schema=SPLIT_SCHEMA)
    level = "provincie" if split == "provincie" else "zone"
    names = areas.filter(pl.col("level") == level).select("area_code", "area_name")
    rows = indicator_rows(values, indicator_code, level).join(names, on="area_code", how="left")
    if split == "provincie":
        rows = rows.with_columns(pl.col("area_name").alias("group"))
    else:
        rows = rows.join(
            zone_provinces(areas).select(
                pl.col("zone_code").alias("area_code"), pl.col("province_name").alias("group")
            ),
            on="area_code",
            how="left",
        ).with_columns(pl.col("group").fill_null("Brussel / onbekend"))
    return rows.select([pl.col(n).cast(t) for n, t in SPLIT_SCHEMA.items()]).sort(
        "area_name", "area_code", "year"
    )


# --------------------------------------------------------------------------- funnel


@dataclass(frozen=True)
class Funnel:
    """A funnel plot of one indicator, year and level against Flanders: the points and
    classes of the comparisons mart (`pipeline.published`), and limits drawn with the
    same method, so the plot and the label never disagree."""

    points: pl.DataFrame
    """Every area: area_code, area_name, numerator, denominator, value, ci_low, ci_high,
    suppressed, suppression_reason, z, lo_95, hi_95, lo_998, hi_998, funnel_class."""
    curve: pl.DataFrame
    """Control limits over a grid of sizes: size, lo_95, hi_95, lo_998, hi_998."""
    target: float
    """The Flemish value (display scale)."""
    kind: stats.Kind
    phi: float | None
    """Estimated overdispersion (winsorised z-scores, corrected for the winsorisation:
    `pipeline.published.CONSISTENT_PHI`); None with fewer than 10 areas."""
    phi_used: float
    """1.0: the limits are never widened multiplicatively (kept for older callers)."""
    chi2_p: float | None
    """P-value of I x phi against chi-square(I): small means overdispersed."""
    n_assessed: int
    method: str = comparison.METHOD_EXACT
    """The comparison's method code (`exact`, `additief`)."""
    tau2: float | None = None
    """Between-area variance of the additive model (variance-stabilised scale)."""
    adjusted: bool = True
    """True: the labels and limits include tau2 (when the method is `additief`)."""

    @property
    def outliers(self) -> pl.DataFrame:
        """The areas outside the 99.8% limits, then those outside 95%."""
        order = {"hoog_998": 0, "laag_998": 1, "hoog_95": 2, "laag_95": 3}
        return (
            self.points.filter(pl.col("funnel_class").is_in(list(order)))
            .with_columns(pl.col("funnel_class").replace_strict(order).alias("_o"))
            .sort("_o", "area_name")
            .drop("_o")
        )


def _size_grid(sizes: np.ndarray, kind: stats.Kind, n: int = 120) -> np.ndarray:
    lo = max(float(np.min(sizes)) * 0.8, 1.0)
    hi = float(np.max(sizes)) * 1.15
    grid = np.geomspace(lo, hi, n) if hi > lo else np.array([lo])
    if kind == "proportion":
        grid = np.unique(np.round(grid))
    return np.asarray(grid, dtype=np.float64)


def funnel_class(label: pl.Expr, z: pl.Expr) -> pl.Expr:
    """The funnel class of a comparison label: `hoog_998` / `hoog_95` / `laag_95` /
    `laag_998` by the side of z and the label's level, `binnen` for `gelijk`,
    `niet_te_beoordelen` when not determined."""
    level = label.str.extract(r"_(95|998)$", 1)
    return (
        pl.when(label.is_null() | (label == comparison.NOT_DETERMINED))
        .then(pl.lit(NOT_ASSESSED))
        .when(label == comparison.SAME)
        .then(pl.lit("binnen"))
        .when(z > 0)
        .then(pl.lit("hoog_") + level)
        .otherwise(pl.lit("laag_") + level)
    )


def funnel_limits_for(
    target_raw: float,
    sizes: np.ndarray,
    *,
    kind: stats.Kind,
    multiplier: float,
    method: str,
    tau2: float | None,
    adjusted: bool,
) -> pl.DataFrame:
    """Limits at each size with the comparison's own method: additive random effects
    (`comparison.additive_limits`, tau2 when `adjusted`, else 0) for `additief`, the
    exact limits (`stats.funnel_limits`) for `exact`. Columns size, lo/hi_95/998."""
    if method == comparison.METHOD_ADDITIVE:
        limits = comparison.additive_limits(
            target_raw, sizes, kind=kind, tau2=(tau2 or 0.0) if adjusted else 0.0
        )
        return pl.DataFrame(
            {
                "size": sizes,
                **{k: limits[k] * multiplier for k in ("lo_95", "hi_95", "lo_998", "hi_998")},
            }
        )
    return stats.funnel_limits(target_raw, sizes, kind=kind, multiplier=multiplier)


def funnel(
    rows: pl.DataFrame,
    *,
    target_numerator: float,
    target_denominator: float,
    kind: stats.Kind,
    multiplier: float,
    adjust_overdispersion: bool = True,
    comparisons: pl.DataFrame | None = None,
    direction: str = "neutraal",
) -> Funnel:
    """Funnel-plot data: each area's value against the Flemish value, with control limits.

    `rows`: one row per area (area_code, area_name and `VALUE_COLUMNS`, as
    `store.indicator_map_values` returns). The target is the Flemish
    numerator/denominator (raw scale). The classes are the comparisons mart's labels
    (`comparisons`: its rows of this indicator, level and year against Flanders;
    computed here with `comparison.compare_units` as the build does when None); with
    `adjust_overdispersion=False` the unadjusted label. The limits, at each area's size
    and over a grid, use the same method (`funnel_limits_for`). Areas with a suppressed
    or missing numerator or denominator are `niet_te_beoordelen`.
    """
    if target_denominator <= 0:
        raise ValueError("de noemer van Vlaanderen moet groter dan 0 zijn")
    target_raw = float(target_numerator) / float(target_denominator)
    ok = (
        pl.col("numerator").is_not_null()
        & pl.col("denominator").is_not_null()
        & (pl.col("denominator") > 0)
        & ~pl.col("suppressed").fill_null(False)
    )
    base = rows.with_columns(ok.alias("_ok"))
    if comparisons is None:
        computed = comparison.compare_units(
            base.with_columns((~pl.col("_ok")).alias("_hidden")),
            unit_col="area_code",
            observed_col="numerator",
            size_col="denominator",
            kind=kind,
            direction=direction,
            target=target_raw,
            multiplier=multiplier,
            consistent_phi=CONSISTENT_PHI,
            suppressed_col="_hidden",
        )
        comparisons = computed.with_columns(
            unadjusted_labels(computed["z"], direction)
            if computed["method"][0] == comparison.METHOD_ADDITIVE
            else pl.col("label").alias("label_unadjusted")
        )
    cmp = comparisons.select(
        "area_code", "z", "z_adjusted", "phi", "tau2", "method", "label", "label_unadjusted"
    )
    method = str(cmp["method"].drop_nulls().first() or comparison.METHOD_EXACT)
    phi = _float(cmp["phi"].drop_nulls().first())
    tau2 = _float(cmp["tau2"].drop_nulls().first())
    assessed = base.filter(pl.col("_ok"))
    den = assessed["denominator"].cast(pl.Float64).to_numpy()
    chi2_p = (
        float(sps.chi2.sf(assessed.height * phi, assessed.height))
        if phi is not None and assessed.height
        else None
    )
    sizes = np.round(den) if kind == "proportion" else den
    own = funnel_limits_for(
        target_raw,
        sizes,
        kind=kind,
        multiplier=multiplier,
        method=method,
        tau2=tau2,
        adjusted=adjust_overdispersion,
    )
    label = pl.col("label" if adjust_overdispersion else "label_unadjusted")
    z = pl.col("z_adjusted" if adjust_overdispersion else "z")
    scored = (
        assessed.select("area_code")
        .with_columns(own["lo_95"], own["hi_95"], own["lo_998"], own["hi_998"])
        .join(cmp, on="area_code", how="left")
        .select(
            "area_code",
            z.alias("z"),
            "lo_95",
            "hi_95",
            "lo_998",
            "hi_998",
            funnel_class(label, z).alias("funnel_class"),
        )
    )
    points = (
        base.join(scored, on="area_code", how="left")
        .with_columns(pl.col("funnel_class").fill_null(NOT_ASSESSED))
        .drop("_ok")
    )
    if assessed.height:
        curve = funnel_limits_for(
            target_raw,
            _size_grid(den, kind),
            kind=kind,
            multiplier=multiplier,
            method=method,
            tau2=tau2,
            adjusted=adjust_overdispersion,
        )
    else:
        curve = pl.DataFrame(
            schema=dict.fromkeys(["size", "lo_95", "hi_95", "lo_998", "hi_998"], pl.Float64)
        )
    return Funnel(
        points=points,
        curve=curve,
        target=target_raw * multiplier,
        kind=kind,
        phi=phi,
        phi_used=1.0,
        chi2_p=chi2_p,
        n_assessed=assessed.height,
        method=method,
        tau2=tau2,
        adjusted=adjust_overdispersion,
    )


def with_trends(points: pl.DataFrame, trends: pl.DataFrame | None) -> pl.DataFrame:
    """Funnel points with the trends mart's `trend_direction` and `trend_last_year`
    (`trends`: the mart's rows of this indicator and level; nulls when None)."""
    if trends is None or trends.height == 0:
        return points.with_columns(
            pl.lit(None, pl.String).alias("trend_direction"),
            pl.lit(None, pl.Int64).alias("trend_last_year"),
        )
    rows = trends.select(
        "area_code",
        pl.col("direction").alias("trend_direction"),
        pl.col("last_year").cast(pl.Int64).alias("trend_last_year"),
    )
    return points.join(rows, on="area_code", how="left", maintain_order="left")


def worse_and_worsening(points: pl.DataFrame, direction: str | None) -> pl.DataFrame:
    """The points worse than Flanders (outside the limits on the bad side) whose recent
    trend goes the wrong way too; none for a neutral indicator. Needs `with_trends`."""
    if direction == "hoger_beter":
        worse = pl.col("funnel_class").str.starts_with("laag") & (
            pl.col("trend_direction") == "dalend"
        )
    elif direction == "lager_beter":
        worse = pl.col("funnel_class").str.starts_with("hoog") & (
            pl.col("trend_direction") == "stijgend"
        )
    else:
        return points.clear()
    return points.filter(worse.fill_null(False))


# --------------------------------------------------------------------------- two years


COMPARE_SCHEMA: Final = pl.Schema(
    {
        "area_code": pl.String,
        "area_name": pl.String,
        "value_from": pl.Float64,
        "ci_low_from": pl.Float64,
        "ci_high_from": pl.Float64,
        "suppressed_from": pl.Boolean,
        "reason_from": pl.String,
        "value_to": pl.Float64,
        "ci_low_to": pl.Float64,
        "ci_high_to": pl.Float64,
        "suppressed_to": pl.Boolean,
        "reason_to": pl.String,
        "change": pl.Float64,
        "change_low": pl.Float64,
        "change_high": pl.Float64,
        "change_class": pl.String,
    }
)


def mover_difference(
    value_from: pl.Expr,
    low_from: pl.Expr,
    high_from: pl.Expr,
    value_to: pl.Expr,
    low_to: pl.Expr,
    high_to: pl.Expr,
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Change (to - from) with its interval by MOVER (Zou & Donner 2008).

    Combines the two estimates' own (asymmetric) intervals: low = d - sqrt((to - low_to)²
    + (high_from - from)²), high = d + sqrt((high_to - to)² + (from - low_from)²). With
    Wilson intervals this is Newcombe's (1998) method 10 for a difference of proportions.
    It treats the two years as independent samples.
    """
    change = value_to - value_from
    low = change - ((value_to - low_to) ** 2 + (high_from - value_from) ** 2).sqrt()
    high = change + ((high_to - value_to) ** 2 + (value_from - low_from) ** 2).sqrt()
    return change, low, high


def compare_years(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    indicator_code: str,
    *,
    level: str,
    year_from: int,
    year_to: int,
) -> pl.DataFrame:
    """Every area of `level`: its value in two years and the change, with a 95% interval.

    The change interval is `mover_difference`; `change_class` is `gestegen` (interval
    above 0), `gedaald` (below 0), `geen_verschil`, or `niet_te_beoordelen` (a value or
    an interval missing or suppressed). Columns: `COMPARE_SCHEMA`.
    """
    names = areas.filter(pl.col("level") == level).select("area_code", "area_name")
    rows = indicator_rows(values, indicator_code, level)

    def year_part(year: int, suffix: str) -> pl.DataFrame:
        return rows.filter(pl.col("year") == year).select(
            "area_code",
            pl.col("value").alias(f"value_{suffix}"),
            pl.col("ci_low").alias(f"ci_low_{suffix}"),
            pl.col("ci_high").alias(f"ci_high_{suffix}"),
            pl.col("suppressed").alias(f"suppressed_{suffix}"),
            pl.col("suppression_reason").alias(f"reason_{suffix}"),
        )

    frame = names.join(year_part(year_from, "from"), on="area_code", how="left").join(
        year_part(year_to, "to"), on="area_code", how="left"
    )
    change, low, high = mover_difference(
        pl.col("value_from"),
        pl.col("ci_low_from"),
        pl.col("ci_high_from"),
        pl.col("value_to"),
        pl.col("ci_low_to"),
        pl.col("ci_high_to"),
    )
    frame = frame.with_columns(
        change.alias("change"), low.alias("change_low"), high.alias("change_high")
    ).with_columns(
        pl.when(pl.col("change_low").is_null() | pl.col("change_high").is_null())
        .then(pl.lit(NOT_ASSESSED))
        .when(pl.col("change_low") > 0)
        .then(pl.lit("gestegen"))
        .when(pl.col("change_high") < 0)
        .then(pl.lit("gedaald"))
        .otherwise(pl.lit("geen_verschil"))
        .alias("change_class"),
        pl.col("suppressed_from").fill_null(False),
        pl.col("suppressed_to").fill_null(False),
    )
    return frame.select([pl.col(n).cast(t) for n, t in COMPARE_SCHEMA.items()]).sort(
        "area_name", "area_code"
    )


# --------------------------------------------------------------------------- map classes


def map_breaks(
    values: pl.DataFrame,
    indicator_code: str,
    *,
    level: str,
    year: int,
    choice: BreakChoice,
    n_classes: int = 5,
    decimals: int | None = None,
) -> list[float]:
    """Class edges for the map. `vast`/`gelijk`: quantiles / equal intervals over the
    shown values of ALL years together, so a colour means the same in every year;
    `jaar`: quantiles of the chosen year only (the classes then shift between years)."""
    rows = indicator_rows(values, indicator_code, level)
    if choice == "jaar":
        rows = rows.filter(pl.col("year") == year)
    method: maps.BreakMethod = "equal" if choice == "gelijk" else "quantile"
    return maps.class_breaks(rows["value"], n=n_classes, method=method, decimals=decimals)


# --------------------------------------------------------------------------- downloads


csv_bytes = downloads.csv_bytes


xlsx_bytes = downloads.xlsx_bytes


def file_stem(*parts: object) -> str:
    """A safe file name stem: "monitor_gp_per_10k_zone_2024"."""
    text = "_".join(str(p) for p in parts if p not in (None, ""))
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)
