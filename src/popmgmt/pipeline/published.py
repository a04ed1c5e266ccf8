"""Marts derived from published figures only: comparisons with Flanders and trends.

Computed in the build after disclosure control, from the controlled indicator
values (a suppressed cell has a null numerator and gives `niet_te_bepalen` / no
test, never a z-score), so they reveal nothing the indicator mart does not: the
privacy audit does not need to see them.

- `comparisons_mart`: `metrics.comparison.compare_units` per indicator x level x year,
  each zone, circle, province and municipality against the Flemish value, and zones
  and circles also against the rest of Flanders (`reference` = "rest"). Overdispersion
  estimated among the units of one level (`CONSISTENT_PHI`: docs/methods.md).
- `trends_mart`: `metrics.trend.trend_frame` per indicator x level x area.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import polars as pl
from scipy import stats as sps

from popmgmt.metrics.comparison import METHOD_EXACT, METHOD_REST, compare_units
from popmgmt.metrics.comparison import label as comparison_label
from popmgmt.metrics.standardisation import esp2013_weights, indirect_standardised_ratio
from popmgmt.metrics.stats import DSR_MIN_EVENTS, Kind, direct_standardised_rate
from popmgmt.metrics.trend import trend_frame
from popmgmt.pipeline import codes
from popmgmt.pipeline.marts import (
    BREAKDOWNS,
    COMPARISONS,
    MART_COLUMNS,
    STANDARDISED,
    TRENDS,
    empty_derived,
)

# The winsorised phi is divided by its expectation under normal z-scores (0.679 at
# 10%), so that about 1 unit in 20 falls outside the 95% limits by chance alone;
# the paper's plain estimate lets about 1 in 9 out (docs/methods.md).
CONSISTENT_PHI: Final = True
COMPARED_LEVELS: Final = ("provincie", "zone", "kring", "gemeente")
REST_LEVELS: Final = ("zone", "kring")
TREND_LEVELS: Final = ("vlaanderen", "provincie", "zone", "kring")
REFERENCE_FLANDERS: Final = "vlaanderen"
REFERENCE_REST: Final = "rest"
Z_DECIMALS: Final = 3
VALUE_DECIMALS: Final = 4
BASIS_CRUDE: Final = "ruw"
BASIS_STANDARDISED: Final = "leeftijdsgestandaardiseerd"
STANDARD_NAME: Final = "ESP2013"
# Lower bounds of the Atlas' 10-year bands (codes.ATLAS_AGE_BANDS).
ATLAS_EDGES: Final = tuple(int(b.rstrip("+").split("-")[0]) for b in codes.ATLAS_AGE_BANDS)
Z_95: Final = float(sps.norm.ppf(0.975))
Z_998: Final = float(sps.norm.ppf(0.999))


def indicator_kind(unit: str | None, interval_method: str | None = None) -> Kind:
    """A percentage is a "proportion", anything else a "rate" (per 1.000, per VTE...);
    without a unit, the interval method decides (Wilson: a proportion)."""
    if unit is None:
        return "proportion" if interval_method == "wilson" else "rate"
    return "proportion" if unit == "%" else "rate"


def _multiplier(info: dict[str, Any], part: pl.DataFrame) -> float:
    """The catalogue's multiplier, or (a catalogue without one) the power of ten that
    turns numerator / denominator into the published value."""
    if info.get("multiplier") is not None:
        return float(info["multiplier"])
    if "value" in part.columns:
        rows = part.filter(
            pl.col("value").is_not_null()
            & pl.col("numerator").is_not_null()
            & (pl.col("numerator") > 0)
            & (pl.col("denominator") > 0)
        )
        if rows.height:
            r = rows.row(0, named=True)
            ratio = float(r["value"]) / (float(r["numerator"]) / float(r["denominator"]))
            return float(10 ** round(np.log10(ratio)))
    return 1.0


def comparisons_mart(
    values: pl.DataFrame, catalogue: pl.DataFrame, standardised: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One row per indicator x level x area x year x reference (see the module text).

    Against Flanders, a unit with an indirectly standardised ratio (`standardised`,
    from the published breakdowns) is compared on it: observed O against expected E
    (the Flemish age-specific rates applied to the unit's age bands), as a Poisson
    rate with target the Flemish crude value and size E / target, so that value
    (the indirectly standardised rate), target and limits stay on the indicator's
    scale; overdispersion is estimated among the standardised units of the level.
    `basis` says which: `BASIS_STANDARDISED` or `BASIS_CRUDE`."""
    meta = {r["indicator_code"]: r for r in catalogue.iter_rows(named=True)}
    flanders = values.filter(pl.col("level") == "vlaanderen")
    ref = {
        (r["indicator_code"], r["year"]): (r["numerator"], r["denominator"])
        for r in flanders.iter_rows(named=True)
    }
    out: list[pl.DataFrame] = []
    keys: dict[str, list[object]] = {
        "indicator_code": [],
        "level": [],
        "year": [],
        "reference": [],
        "label_unadjusted": [],
        "basis": [],
    }
    isr = _isr_units(standardised)
    cells = (
        values.filter(pl.col("level").is_in(COMPARED_LEVELS))
        .select(
            "indicator_code",
            "level",
            "year",
            "area_code",
            pl.col("numerator").cast(pl.Float64),
            pl.col("denominator").cast(pl.Float64),
            pl.col("suppressed").fill_null(False).alias("_hidden"),
            *([pl.col("value")] if "value" in values.columns else []),
        )
        .sort("indicator_code", "level", "year", "area_code")
    )
    for part in cells.partition_by(["indicator_code", "level", "year"], maintain_order=True):
        code, level, year = part["indicator_code"][0], part["level"][0], part["year"][0]
        info = meta.get(code)
        if info is None:
            continue
        kind = indicator_kind(info.get("unit"), info.get("interval_method"))
        direction = str(info.get("direction") or "neutraal")
        ref_o, ref_n = ref.get((code, year), (None, None))
        usable = (
            ref_o is not None
            and ref_n is not None
            and ref_n > 0
            and not (kind == "proportion" and ref_o > ref_n)
        )
        units = part.select("area_code", "numerator", "denominator", "_hidden")
        if not usable:
            units = units.with_columns(pl.lit(True).alias("_hidden"))
        target = float(ref_o) / float(ref_n) if usable else 0.0
        if kind == "proportion":
            target = min(max(target, 0.0), 1.0)
        common: dict[str, Any] = {
            "unit_col": "area_code",
            "observed_col": "numerator",
            "size_col": "denominator",
            "kind": kind,
            "direction": direction,
            "multiplier": _multiplier(info, part),
            "consistent_phi": CONSISTENT_PHI,
            "suppressed_col": "_hidden",
        }
        runs: list[tuple[str, pl.DataFrame, dict[str, Any]]] = [
            (REFERENCE_FLANDERS, units, {"target": target})
        ]
        if level in REST_LEVELS and usable:
            # A unit outside Flanders (the Brussels zone) has no "rest of Flanders".
            outside = units.with_columns(
                (pl.col("_hidden") | (pl.col("area_code") == codes.BRUSSELS_ZONE)).alias("_hidden")
            )
            runs.append(
                (
                    REFERENCE_REST,
                    outside,
                    {
                        "target": target,
                        "exclude_self": True,
                        "reference_observed": float(ref_o),
                        "reference_size": float(ref_n),
                    },
                )
            )
        for reference, frame, extra in runs:
            result = compare_units(frame, **common, **extra)
            basis = [BASIS_CRUDE] * result.height
            std = isr.get((code, level, year)) if reference == REFERENCE_FLANDERS else None
            if std is not None and usable and target > 0:
                result, basis = _standardised_comparison(result, units, std, common, target)
            n = result.height
            keys["indicator_code"] += [code] * n
            keys["level"] += [level] * n
            keys["year"] += [year] * n
            keys["reference"] += [reference] * n
            keys["basis"] += basis
            if result["method"][0] in (METHOD_EXACT, METHOD_REST):
                keys["label_unadjusted"] += result["label"].to_list()
            else:
                keys["label_unadjusted"] += unadjusted_labels(result["z"], direction).to_list()
            out.append(result)
    if not out:
        return empty_derived(COMPARISONS)
    frame = pl.concat(out).with_columns(
        pl.Series(name, vals, dtype=pl.Int64 if name == "year" else pl.String)
        for name, vals in keys.items()
    )
    # Rounded far below any shown digit (values are shown with 1-2 decimals, z with 2):
    # the mart compresses to half its size. Labels were set before rounding.
    return (
        frame.with_columns(
            pl.col("z", "z_adjusted", "phi").round(Z_DECIMALS),
            pl.col("target", "value", "lo_95", "hi_95", "lo_998", "hi_998").round(VALUE_DECIMALS),
        )
        .select(list(MART_COLUMNS[COMPARISONS]))
        .sort("indicator_code", "level", "area_code", "year", "reference")
    )


def _isr_units(standardised: pl.DataFrame | None) -> dict[tuple[str, str, int], pl.DataFrame]:
    """(indicator, level, year) -> `area_code`, `observed`, `expected` of the units
    with an indirectly standardised ratio."""
    if standardised is None or standardised.height == 0:
        return {}
    rows = standardised.filter(
        (pl.col("level") != "vlaanderen")
        & pl.col("expected").is_not_null()
        & pl.col("events").is_not_null()
        & (pl.col("expected") > 0)
    ).select(
        "indicator_code",
        "level",
        "year",
        "area_code",
        pl.col("events").cast(pl.Float64).alias("observed"),
        pl.col("expected").cast(pl.Float64),
    )
    return {
        (str(part["indicator_code"][0]), str(part["level"][0]), int(part["year"][0])): part
        for part in rows.partition_by(["indicator_code", "level", "year"], maintain_order=True)
    }


def _standardised_comparison(
    crude: pl.DataFrame,
    units: pl.DataFrame,
    std: pl.DataFrame,
    common: dict[str, Any],
    target: float,
) -> tuple[pl.DataFrame, list[str]]:
    """The units with an expected count compared on O / E (see `comparisons_mart`);
    the others keep their crude row. Returns the rows in `crude`'s order and the basis
    of each."""
    frame = (
        units.select("area_code", "_hidden")
        .join(std.select("area_code", "observed", "expected"), on="area_code", how="inner")
        .with_columns((pl.col("expected") / target).alias("_size"))
    )
    if frame.filter(~pl.col("_hidden")).height == 0:
        return crude, [BASIS_CRUDE] * crude.height
    options = {**common, "observed_col": "observed", "size_col": "_size", "kind": "rate"}
    standardised = compare_units(frame, **options, target=target)
    shown = standardised.join(
        frame.filter(~pl.col("_hidden")).select("area_code"), on="area_code", how="semi"
    )
    rest = crude.join(shown.select("area_code"), on="area_code", how="anti")
    merged = pl.concat([rest, shown.select(crude.columns).cast(crude.schema)])
    order = crude.select("area_code").with_row_index("_order")
    merged = merged.join(order, on="area_code").sort("_order").drop("_order")
    chosen = set(shown["area_code"].to_list())
    basis = [BASIS_STANDARDISED if a in chosen else BASIS_CRUDE for a in merged["area_code"]]
    return merged, basis


def standardised_mart(
    breakdowns: pl.DataFrame, values: pl.DataFrame, catalogue: pl.DataFrame
) -> pl.DataFrame:
    """Age-standardised figures per Atlas indicator x level x area x year, from the
    published breakdown cells over both sexes (sex T) only.

    - `dsr`: directly standardised rate, ESP2013 weights summed into the Atlas' 10-year
      bands and restricted to the bands the indicator has, on the indicator's scale
      (x multiplier), Dobson interval; null below DSR_MIN_EVENTS events or when any band
      cell is hidden;
    - `expected`: the Flemish age-specific rates of the year applied to the area's band
      denominators; `isr` = events / expected (exact Poisson interval), null when any
      band denominator is hidden; `indirect_rate` = isr x the Flemish crude value;
    - `crude`, `events`: the indicator's published value and numerator.
    A figure is null wherever one of the cells it needs is hidden, so nothing here is
    computed from a figure the breakdowns do not publish (`build` checks this).
    """
    if breakdowns.height == 0:
        return empty_derived(STANDARDISED)
    full = esp2013_weights(ATLAS_EDGES)
    multipliers = dict(catalogue.select("indicator_code", "multiplier").iter_rows())
    bands = breakdowns.filter((pl.col("sex") == "T") & (pl.col("age_band") != "totaal")).select(
        "indicator_code",
        "level",
        "area_code",
        "year",
        "age_band",
        pl.col("numerator").cast(pl.Float64).alias("events"),
        pl.col("denominator").cast(pl.Float64).alias("population"),
    )
    crude = values.select(
        "indicator_code",
        "level",
        "area_code",
        "year",
        pl.col("value").alias("crude"),
        pl.col("numerator").cast(pl.Float64).alias("events"),
    )
    flemish = crude.filter(pl.col("level") == "vlaanderen").select(
        "indicator_code", "year", pl.col("crude").alias("_flemish")
    )
    out: list[pl.DataFrame] = []
    for part in bands.partition_by("indicator_code", maintain_order=True):
        code = str(part["indicator_code"][0])
        multiplier = float(multipliers.get(code) or 1.0)
        present = set(part["age_band"].unique().to_list())
        standard = {band: w for band, w in full.items() if band in present}
        dsr = direct_standardised_rate(
            part,
            by=["level", "area_code", "year"],
            multiplier=multiplier,
            standard=standard,
            min_events=DSR_MIN_EVENTS,
        ).select(
            "level",
            "area_code",
            "year",
            pl.col("value").alias("dsr"),
            pl.col("ci_low").alias("dsr_ci_low"),
            pl.col("ci_high").alias("dsr_ci_high"),
        )
        isr_parts = []
        for year_part in part.partition_by("year", maintain_order=True):
            reference = year_part.filter(pl.col("level") == "vlaanderen").select(
                "age_band",
                pl.col("events").alias("ref_events"),
                pl.col("population").alias("ref_population"),
            )
            usable = (
                reference.height == len(present)
                and reference.null_count().sum_horizontal().item() == 0
                and bool((reference["ref_population"] > 0).all())
            )
            if not usable:
                continue
            isr_parts.append(
                indirect_standardised_ratio(
                    year_part, reference, by=["level", "area_code", "year"]
                ).select(
                    "level",
                    "area_code",
                    "year",
                    "expected",
                    pl.col("value").alias("isr"),
                    pl.col("ci_low").alias("isr_ci_low"),
                    pl.col("ci_high").alias("isr_ci_high"),
                )
            )
        frame = dsr.with_columns(pl.lit(code).alias("indicator_code"))
        if isr_parts:
            frame = frame.join(pl.concat(isr_parts), on=["level", "area_code", "year"], how="left")
        out.append(frame)
    keys = ["indicator_code", "level", "area_code", "year"]
    frame = (
        pl.concat(out, how="diagonal")
        .join(crude, on=keys, how="left")
        .join(flemish, on=["indicator_code", "year"], how="left")
        .with_columns(
            (pl.col("isr") * pl.col("_flemish")).alias("indirect_rate"),
            pl.lit(STANDARD_NAME).alias("standard"),
        )
    )
    for col in MART_COLUMNS[STANDARDISED]:
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.Float64).alias(col))
    return frame.select(list(MART_COLUMNS[STANDARDISED])).sort(keys)


def unadjusted_labels(z: pl.Series, direction: str) -> pl.Series:
    """The label without the overdispersion correction where the comparison was
    adjusted: the plain z-score on the variance-stabilising scale against the normal
    95% and 99.8% points (the additive limits with tau2 = 0; for zone-sized counts the
    same as the exact limits). Null z (suppressed, no reference): `niet_te_bepalen`.
    Where no correction was needed the unadjusted label is the label itself."""
    values = np.asarray(z.to_numpy(), dtype=np.float64)
    bands = np.select(
        [~np.isfinite(values), values > Z_998, values < -Z_998, values > Z_95, values < -Z_95],
        ["", "hoger_998", "lager_998", "hoger_95", "lager_95"],
        default="binnen",
    )
    return pl.Series(
        "label_unadjusted", [comparison_label(b or None, direction) for b in bands], pl.String
    )


def trends_mart(values: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """Recent trend per indicator x level x area (the last 5 published years).
    Proportions: chi-square test for trend, rates: Poisson regression, both with the
    overdispersion scale from the departure from a straight line (`metrics.trend`)."""
    kinds = {
        r["indicator_code"]: indicator_kind(r.get("unit"), r.get("interval_method"))
        for r in catalogue.iter_rows(named=True)
    }
    cells = values.filter(pl.col("level").is_in(TREND_LEVELS)).with_columns(
        pl.when(pl.col("suppressed").fill_null(False))
        .then(None)
        .otherwise(pl.col("numerator"))
        .cast(pl.Float64)
        .alias("numerator"),
        pl.col("denominator").cast(pl.Float64),
    )
    out: list[pl.DataFrame] = []
    for kind in ("proportion", "rate"):
        codes_of_kind = [c for c, k in kinds.items() if k == kind]
        part = cells.filter(pl.col("indicator_code").is_in(codes_of_kind))
        if part.height == 0:
            continue
        out.append(
            trend_frame(
                part,
                by=["indicator_code", "level", "area_code"],
                year_col="year",
                numerator_col="numerator",
                denominator_col="denominator",
                kind=kind,
                quasi=True,
            ).with_columns(pl.col("last_year").cast(pl.Int64))
        )
    if not out:
        return empty_derived(TRENDS)
    frame = pl.concat(out).select(list(MART_COLUMNS[TRENDS]))
    return frame.with_columns(
        pl.col("p_value").fill_nan(None), pl.col("slope").fill_nan(None)
    ).sort("indicator_code", "level", "area_code")


def derived_marts(
    marts: dict[str, pl.DataFrame], standardised: pl.DataFrame | None = None
) -> dict[str, pl.DataFrame]:
    """The comparisons and trends marts from the published indicator values.
    `standardised`: the standardised mart when already computed from the same values
    and breakdowns (computed here otherwise)."""
    values = marts["indicator_values"]
    catalogue = marts["indicators"]
    breakdowns = marts.get(BREAKDOWNS)
    if standardised is None:
        standardised = (
            standardised_mart(breakdowns, values, catalogue)
            if breakdowns is not None
            else empty_derived(STANDARDISED)
        )
    return {
        COMPARISONS: comparisons_mart(values, catalogue, standardised),
        TRENDS: trends_mart(values, catalogue),
        STANDARDISED: standardised,
    }


# The row keys of each derived mart (unique; the order the marts are written in).
DERIVED_KEYS: Final = {
    COMPARISONS: ("indicator_code", "level", "area_code", "year", "reference"),
    TRENDS: ("indicator_code", "level", "area_code"),
    STANDARDISED: ("indicator_code", "level", "area_code", "year"),
}
_INPUTS: Final = ("indicator_values", "indicators", BREAKDOWNS)


def changed_indicators(before: pl.DataFrame, after: pl.DataFrame) -> list[str]:
    """The indicator codes whose rows differ between two versions of the indicator
    values mart (a code present in only one of them counts as changed)."""
    keys = ["indicator_code", "level", "area_code", "year"]
    codes = sorted(
        set(before["indicator_code"].unique().to_list())
        | set(after["indicator_code"].unique().to_list())
    )
    changed = []
    for code in codes:
        old = before.filter(pl.col("indicator_code") == code).sort(keys)
        new = after.filter(pl.col("indicator_code") == code).sort(keys)
        if not old.equals(new):
            changed.append(code)
    return changed


def refresh_derived(
    derived: dict[str, pl.DataFrame], marts: dict[str, pl.DataFrame], codes: list[str]
) -> dict[str, pl.DataFrame]:
    """`derived` (from `derived_marts` on earlier indicator values) brought up to date
    with `marts`, where only the indicators `codes` changed: their rows are computed
    again and every other row is kept. Every derived figure depends on the cells of its
    own indicator only (a comparison on its indicator x level x year, a trend on its
    series, a standardised figure on its indicator's breakdown), so the result equals
    `derived_marts(marts)` row for row (tests/pipeline/test_published.py). The build
    computes the derived marts while the privacy audit runs and refreshes the few
    indicators whose hidden cells the audit found fixed and published."""
    if not codes:
        return derived
    chosen = pl.col("indicator_code").is_in(list(codes))
    subset: dict[str, pl.DataFrame] = {
        name: marts[name].filter(chosen) for name in _INPUTS if name in marts
    }
    fresh = derived_marts(subset)
    out = {}
    for name, frame in derived.items():
        kept = frame.filter(~chosen)
        new = fresh[name].select(frame.columns).cast(frame.schema)
        out[name] = pl.concat([kept, new]).sort(list(DERIVED_KEYS[name]), maintain_order=True)
    return out


__all__ = [
    "CONSISTENT_PHI",
    "DERIVED_KEYS",
    "changed_indicators",
    "comparisons_mart",
    "derived_marts",
    "indicator_kind",
    "refresh_derived",
    "standardised_mart",
    "trends_mart",
]
