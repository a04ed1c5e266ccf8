"""The social gradient of an indicator across deprivation quintiles of municipalities.

Pure functions, polars in / polars out, no Streamlit; method and limits in
`docs/need-and-fair-shares.md`.

* Deprivation proxy: the share of inhabitants with increased reimbursement
  (`ima_vt`, VT/BIM). Municipalities are put in population-weighted quintiles of
  that share, each year anew (`deprivation_quintiles`): quintile 1 is the least
  deprived fifth of the inhabitants, quintile 5 the most deprived.
* An indicator's value per quintile is the sum of the municipalities' numerators
  over the sum of their denominators (counts, not an average of rates), with its
  Wilson (proportion) or Poisson (rate) interval (`quintile_values`). A suppressed
  municipality is not left out and not read as 0: it takes its zone's rate, on a
  denominator estimated from its inhabitants (`municipal_counts`).
* The slope index of inequality (`gradient_sii`, via `popmgmt.metrics.stats`): the
  modelled difference between the most and the least deprived end of the
  population, with its interval, per year (the trend of the gap).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import polars as pl

from popmgmt.metrics import stats
from popmgmt.metrics.inequality import SiiKind, slope_index
from popmgmt.metrics.need import area_population, area_rates, population_quintiles
from popmgmt.pipeline.codes import FLANDERS_CODE

DEPRIVATION_CODE: Final = "ima_vt"
N_GROUPS: Final = 5
INTERVAL_FOR: Final[Mapping[str, str]] = {
    "wilson": "wilson",
    "poisson": "poisson",
    "byar": "poisson",
}
SMALL_COUNT: Final = 5
"""A quintile numerator from 1 to 4 is not shown (the disclosure rule of the marts)."""

QUINTILE_SCHEMA: Final = pl.Schema(
    {
        "year": pl.Int64,
        "quintile": pl.Int64,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "population": pl.Float64,
        "n_areas": pl.Int64,
        "n_imputed": pl.Int64,
        "value": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "suppressed": pl.Boolean,
    }
)


def deprivation_quintiles(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    population: pl.DataFrame,
    *,
    years: Sequence[int],
    code: str = DEPRIVATION_CODE,
) -> pl.DataFrame:
    """Each municipality's deprivation quintile per year.

    Columns: area_code, year, deprivation (raw proportion; a suppressed cell takes
    its zone's rate), deprivation_imputed, population, quintile (1 = least deprived).
    """
    rates = area_rates(values, areas, level="gemeente", codes=[code], years=years).select(
        "area_code",
        "year",
        pl.col("rate").alias("deprivation"),
        pl.col("imputed_from").is_not_null().alias("deprivation_imputed"),
    )
    pop = area_population(population, level="gemeente", years=years)
    frame = rates.join(pop, on=["area_code", "year"], how="left")
    return population_quintiles(
        frame, value_col="deprivation", population_col="population", by=["year"]
    ).sort("year", "area_code")


def municipal_counts(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    population: pl.DataFrame,
    *,
    code: str,
    years: Sequence[int],
) -> pl.DataFrame:
    """Numerator and denominator per municipality and year, suppressed cells estimated.

    A municipality with its own value keeps its counts. A suppressed (or missing)
    one gets denominator = its inhabitants x (Flemish denominator / Flemish
    inhabitants) and numerator = that denominator x its zone's rate; `imputed` is
    then true. Columns: area_code, year, numerator, denominator, imputed.
    """
    rates = area_rates(values, areas, level="gemeente", codes=[code], years=years)
    pop = area_population(population, level="gemeente", years=years)
    fl_pop = area_population(population, level="vlaanderen", years=years).select(
        "year", pl.col("population").alias("_fl_pop")
    )
    fl_den = values.filter(
        (pl.col("indicator_code") == code)
        & (pl.col("level") == "vlaanderen")
        & (pl.col("area_code") == FLANDERS_CODE)
        & pl.col("year").is_in(list(years))
    ).select("year", pl.col("denominator").cast(pl.Float64).alias("_fl_den"))
    frame = (
        rates.join(pop, on=["area_code", "year"], how="left")
        .join(fl_pop, on="year", how="left")
        .join(fl_den, on="year", how="left")
    )
    ratio = (
        pl.when((pl.col("_fl_pop") > 0) & pl.col("_fl_den").is_not_null())
        .then(pl.col("_fl_den") / pl.col("_fl_pop"))
        .otherwise(1.0)
    )
    imputed = pl.col("imputed_from").is_not_null()
    den_est = pl.col("population") * ratio
    return (
        frame.with_columns(
            pl.when(imputed).then(den_est).otherwise(pl.col("denominator")).alias("denominator"),
        )
        .with_columns(
            pl.when(imputed)
            .then(pl.col("denominator") * pl.col("rate"))
            .otherwise(pl.col("numerator"))
            .alias("numerator"),
            imputed.alias("imputed"),
        )
        .select("area_code", "year", "numerator", "denominator", "imputed")
        .sort("year", "area_code")
    )


def quintile_values(
    counts: pl.DataFrame,
    quintiles: pl.DataFrame,
    *,
    interval_method: str | None,
    multiplier: float,
) -> pl.DataFrame:
    """The indicator per year and quintile: summed counts, value and 95% interval.

    `counts` from `municipal_counts`; `quintiles` from `deprivation_quintiles`.
    Municipalities without a quintile or without counts are left out (`n_areas`
    counts those included). A quintile numerator from 1 to 4 is suppressed (null
    value and interval). Columns: see `QUINTILE_SCHEMA`.
    """
    method = INTERVAL_FOR.get(interval_method or "", "none")
    joined = counts.join(
        quintiles.select("area_code", "year", "quintile", "population"),
        on=["area_code", "year"],
        how="inner",
    ).filter(
        pl.col("quintile").is_not_null()
        & pl.col("numerator").is_not_null()
        & pl.col("denominator").is_not_null()
    )
    grouped = joined.group_by("year", "quintile").agg(
        pl.col("numerator").sum(),
        pl.col("denominator").sum(),
        pl.col("population").sum(),
        pl.len().cast(pl.Int64).alias("n_areas"),
        pl.col("imputed").sum().cast(pl.Int64).alias("n_imputed"),
    )
    with_ci = stats.add_intervals(
        grouped.with_columns(
            pl.lit(method).alias("interval_method"),
            pl.lit(float(multiplier)).alias("multiplier"),
        )
    )
    small = (pl.col("numerator") > 0) & (pl.col("numerator") < SMALL_COUNT)
    return (
        with_ci.with_columns(small.alias("suppressed"))
        .with_columns(
            *[
                pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c)
                for c in ("numerator", "value", "ci_low", "ci_high")
            ]
        )
        .select(list(QUINTILE_SCHEMA))
        .cast(QUINTILE_SCHEMA)
        .sort("year", "quintile")
    )


def gradient_slope_index(
    quintile_frame: pl.DataFrame,
    *,
    kind: SiiKind,
    direction: str,
    multiplier: float,
) -> pl.DataFrame:
    """Slope index of inequality per year (`metrics.inequality.slope_index`, as
    PHEindicatormethods `phe_sii`): quintiles ordered least -> most deprived, weights =
    the indicator's denominator per quintile, a Monte Carlo interval from each
    quintile's own 95% interval; proportions in percentage points (`unit` "pp"), rates
    times `multiplier`; `worse_end` says which end is worse for the indicator's
    direction. A quintile without an interval (a complete count) enters with its value
    as both bounds (no sampling error). Also the relative index (RII = SII / the
    denominator-weighted mean value, on the same scale). A year with a missing or
    suppressed quintile gets a null SII. Columns: year, sii, sii_low, sii_high, unit,
    worse_end, n_groups, mean_value, rii.
    """
    eps = 1e-9
    raw = quintile_frame.with_columns(
        (pl.col(c).fill_null(pl.col("value")) / multiplier).alias(f"_{c}")
        for c in ("ci_low", "ci_high")
    ).with_columns(
        (pl.col("value") / multiplier).alias("_value"),
    )
    if kind == "proportion":
        raw = raw.with_columns(pl.col("_value", "_ci_low", "_ci_high").clip(eps, 1 - eps))
    elif kind == "rate":
        raw = raw.with_columns(pl.col("_value", "_ci_low", "_ci_high").clip(eps, None))
    sii = slope_index(
        raw,
        order_col="quintile",
        value_col="_value",
        lower_col="_ci_low",
        upper_col="_ci_high",
        weight_col="denominator",
        kind=kind,
        direction=direction,
        by=["year"],
        multiplier=multiplier,
    ).drop("repetitions", "seed")
    means = quintile_frame.group_by("year").agg(
        ((pl.col("value") * pl.col("denominator")).sum() / pl.col("denominator").sum()).alias(
            "mean_value"
        )
    )
    return (
        sii.join(means, on="year", how="left")
        .with_columns(
            pl.when(pl.col("mean_value") != 0)
            .then(pl.col("sii") / pl.col("mean_value"))
            .alias("rii")
        )
        .sort("year")
    )


def gradient_sii(quintile_frame: pl.DataFrame) -> pl.DataFrame:
    """Slope index of inequality per year, across the quintiles (least -> most deprived).
    Superseded on the gradient page by `gradient_slope_index` (issue 15): this one's
    interval is the scatter around the line, its weights the inhabitants.

    Positive: higher values in the more deprived quintiles. A year with a missing
    or suppressed quintile gets a null SII. Also the relative index (RII = SII /
    population-weighted mean value). Columns: year, sii, sii_low, sii_high,
    n_groups, mean_value, rii.
    """
    sii = stats.slope_index_of_inequality(
        quintile_frame,
        order_col="quintile",
        value_col="value",
        population_col="population",
        by=["year"],
    )
    means = quintile_frame.group_by("year").agg(
        ((pl.col("value") * pl.col("population")).sum() / pl.col("population").sum()).alias(
            "mean_value"
        )
    )
    return (
        sii.join(means, on="year", how="left")
        .with_columns(
            pl.when(pl.col("mean_value") != 0)
            .then(pl.col("sii") / pl.col("mean_value"))
            .alias("rii")
        )
        .sort("year")
    )
