"""Who is not reached: inhabitants without a GMD and without any GP contact in the year.

Pure polars, no Streamlit, no display text. The counts are the complements of two Atlas
indicators already published in `indicator_values` (`NOT_REACHED`): inhabitants without a
GMD = denominator - numerator of `ima_gmd`; inhabitants without a GP contact = denominator
- numerator of `ima_gpcontact`. They are computed from the published numerator and
denominator only, so they reveal nothing the indicator mart does not; still, as the product
shows no count of persons 1-4, a complement of 1-4 is not shown (`status` "klein"), and a
cell the mart hides stays hidden (`status` "onderdrukt"), whatever its complement would be.

The share not reached is a proportion: Wilson score interval (`metrics.stats`). For the
oldest inhabitants the published Atlas breakdowns (zone and Flanders level, 10-year age
bands) give "80+" (`not_reached_oldest`); 75+ does not follow from 10-year bands, and
municipalities have no published breakdown (docs/gp-capacity.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import polars as pl

from popmgmt.metrics.indicators import GMD_COVERAGE
from popmgmt.metrics.stats import wilson_interval
from popmgmt.pipeline.privacy import MIN_COUNT

GP_CONTACT: Final = "ima_gpcontact"
# what -> the Atlas indicator whose complement it is.
NOT_REACHED: Final[Mapping[str, str]] = {"zonder_gmd": GMD_COVERAGE, "zonder_contact": GP_CONTACT}
STATUSES: Final = ("getoond", "onderdrukt", "klein", "geen_gegevens")

SCHEMA: Final = pl.Schema(
    {
        "what": pl.String,
        "indicator_code": pl.String,
        "level": pl.String,
        "area_code": pl.String,
        "year": pl.Int64,
        "not_reached": pl.Float64,
        "denominator": pl.Float64,
        "share": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "status": pl.String,
        "suppression_reason": pl.String,
    }
)


def not_reached(
    values: pl.DataFrame,
    *,
    areas: Sequence[tuple[str, str]],
    year: int | None = None,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """The number and share (%) not reached per (level, area_code) in `areas`.

    `values`: rows of the indicator values mart. `year`: the year to show (default: the
    latest year in which the indicator has values for any of the areas, per indicator).
    One row per what (`NOT_REACHED`) x area, in the order of `areas`; columns `SCHEMA`.
    `status`: "getoond" (count, share and interval set), "onderdrukt" (hidden in the mart;
    nothing shown), "klein" (the complement is 1-4: nothing shown), "geen_gegevens".
    """
    wanted = pl.DataFrame(
        {"level": [a[0] for a in areas], "area_code": [a[1] for a in areas]},
        schema={"level": pl.String, "area_code": pl.String},
    ).with_row_index("_order")
    frames = []
    for what, code in NOT_REACHED.items():
        rows = values.filter(pl.col("indicator_code") == code).join(
            wanted, on=["level", "area_code"], how="semi"
        )
        chosen = year
        if chosen is None and rows.height:
            chosen = int(rows["year"].max())  # type: ignore[arg-type]
        part = rows.filter(pl.col("year") == chosen) if chosen is not None else rows.clear()
        frame = (
            wanted.join(
                part.select(
                    "level",
                    "area_code",
                    "numerator",
                    "denominator",
                    "suppressed",
                    "suppression_reason",
                ),
                on=["level", "area_code"],
                how="left",
            )
            .with_columns(
                pl.lit(what).alias("what"),
                pl.lit(code).alias("indicator_code"),
                pl.lit(chosen, dtype=pl.Int64).alias("year"),
            )
            .sort("_order")
        )
        frames.append(frame)
    frame = pl.concat(frames, how="vertical_relaxed")
    num = pl.col("numerator").cast(pl.Float64)
    den = pl.col("denominator").cast(pl.Float64)
    hidden = pl.col("suppressed").fill_null(False)
    missing = num.is_null() | den.is_null() | (den <= 0)
    complement = den - num
    status = (
        pl.when(hidden)
        .then(pl.lit("onderdrukt"))
        .when(missing)
        .then(pl.lit("geen_gegevens"))
        .when((complement > 0) & (complement < MIN_COUNT))
        .then(pl.lit("klein"))
        .otherwise(pl.lit("getoond"))
    )
    frame = frame.with_columns(status.alias("status"), complement.alias("_c"), den.alias("_d"))
    count = frame["_c"].fill_null(0.0).to_numpy()
    trials = frame["_d"].fill_null(0.0).to_numpy()
    low, high = wilson_interval(count, trials, confidence)
    show = pl.col("status") == "getoond"
    frame = frame.with_columns(
        pl.Series("_lo", low).fill_nan(None), pl.Series("_hi", high).fill_nan(None)
    ).with_columns(
        pl.when(show).then(pl.col("_c")).alias("not_reached"),
        pl.col("_d").alias("denominator"),
        pl.when(show).then(pl.col("_c") / pl.col("_d") * 100).alias("share"),
        pl.when(show).then(pl.col("_lo") * 100).alias("ci_low"),
        pl.when(show).then(pl.col("_hi") * 100).alias("ci_high"),
        pl.when(hidden).then(pl.col("suppression_reason")).alias("suppression_reason"),
    )
    return frame.select([pl.col(c).cast(t) for c, t in SCHEMA.items()])


OLDEST_BANDS: Final = ("80-89", "90+")
"""The Atlas' 10-year bands that make up "80+": the closest to 75+ the bands allow."""
OLDEST_SUFFIX: Final = "_80plus"


def oldest_cells(breakdowns: pl.DataFrame, bands: Sequence[str] = OLDEST_BANDS) -> pl.DataFrame:
    """The published Atlas breakdown cells (both sexes) of `bands` summed per indicator,
    area and year, shaped like `indicator_values` rows for `not_reached`.

    A sum is only a figure when every band in it is published: where one is hidden the
    sum is marked hidden too (summing a hidden cell into a published total would give
    it back by subtraction). Only the `NOT_REACHED` indicators.
    """
    cells = breakdowns.filter(
        pl.col("indicator_code").is_in(list(NOT_REACHED.values()))
        & (pl.col("sex") == "T")
        & pl.col("age_band").is_in(list(bands))
    )
    keys = ["indicator_code", "level", "area_code", "year"]
    hidden = pl.col("suppressed").fill_null(False)
    return (
        cells.group_by(keys, maintain_order=True)
        .agg(
            pl.col("numerator").cast(pl.Float64).sum().alias("numerator"),
            pl.col("denominator").cast(pl.Float64).sum().alias("denominator"),
            (hidden.any() | (pl.len() < len(bands))).alias("suppressed"),
            pl.col("suppression_reason").drop_nulls().first().alias("suppression_reason"),
        )
        .with_columns(
            pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("numerator", "denominator")
        )
        .with_columns(
            pl.when(pl.col("suppressed"))
            .then(pl.col("suppression_reason").fill_null("secundair"))
            .alias("suppression_reason")
        )
        .sort(keys)
    )


def not_reached_oldest(
    breakdowns: pl.DataFrame, *, areas: Sequence[tuple[str, str]], confidence: float = 0.95
) -> pl.DataFrame:
    """`not_reached` for inhabitants aged 80+ (`oldest_cells`), `what` with `OLDEST_SUFFIX`."""
    out = not_reached(oldest_cells(breakdowns), areas=areas, confidence=confidence)
    return out.with_columns(pl.col("what") + OLDEST_SUFFIX)
