"""Area need index: a composite of standardised need indicators in four families.

Pure functions, polars in / polars out, no Streamlit. The method, its default
weights and its limits are described in `docs/need-and-fair-shares.md`.

Steps, for one level (municipality or zone) and one year:

1. `need_catalogue`: the indicators whose `need_family` is one of the four
   families (health, demographic, socio-economic, cultural): taken from the
   catalogue, so a data team with other Atlas codes changes data, not code.
2. `area_rates`: every area's rate per indicator from its numerator and
   denominator. A suppressed or missing cell is never read as 0: it takes the
   rate of the area one level up (municipality -> zone -> Flanders), and
   `imputed_from` says so.
3. `standardise`: z = (rate - Flemish rate) / SD of the areas' rates, capped at
   +/- `Z_CAP`. 0 is the Flemish level; every indicator counts "higher = more need".
4. `index_weights` and `need_index`: the index is the weighted sum of the z-scores,
   with family weights x within-family indicator weights that sum to 1. Each
   indicator's contribution (weight x z) is kept for the decomposition chart.
5. `population_quintiles`: population-weighted quintiles (each holds about a fifth
   of the inhabitants), used for the municipalities' need index and, in
   `gradient`, for deprivation.

Display tables, charts, the map and downloads: `popmgmt.views.need_display`; the URL
helpers shared by the 'Nood en aanbod' pages: `popmgmt.views.query`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

import polars as pl

from popmgmt.pipeline.codes import FLANDERS_CODE, NEED_FAMILIES

# Default family weights (sum 1). A judgement, documented in
# docs/need-and-fair-shares.md: health and age drive first-line care use most
# directly; socio-economic position is the strongest non-medical determinant;
# the cultural family has one, indirect indicator (migration background).
DEFAULT_FAMILY_WEIGHTS: Final[Mapping[str, float]] = {
    "gezondheid": 0.35,
    "demografie": 0.25,
    "sociaaleconomisch": 0.25,
    "cultureel": 0.15,
}
DEFAULT_INDICATOR_WEIGHT: Final = 1.0
"""Within a family every indicator counts equally unless the user says otherwise."""

Z_CAP: Final = 3.0
"""z-scores are capped at +/- 3 SD so that one extreme (noisy) rate cannot dominate."""

N_QUINTILES: Final = 5

RATES_SCHEMA: Final = pl.Schema(
    {
        "area_code": pl.String,
        "area_name": pl.String,
        "zone_code": pl.String,
        "indicator_code": pl.String,
        "year": pl.Int64,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "rate": pl.Float64,
        "imputed_from": pl.String,
        "suppression_reason": pl.String,
    }
)


# --------------------------------------------------------------------------- catalogue


def need_catalogue(indicators: pl.DataFrame) -> pl.DataFrame:
    """The need indicators of the catalogue, in family order then by code.

    Columns: indicator_code, name_nl, need_family, unit, multiplier,
    denominator_label, source, interval_method.
    """
    order = pl.DataFrame(
        {"need_family": list(NEED_FAMILIES), "_order": list(range(len(NEED_FAMILIES)))},
        schema={"need_family": pl.String, "_order": pl.Int64},
    )
    cols = [
        "indicator_code",
        "name_nl",
        "need_family",
        "unit",
        "multiplier",
        "denominator_label",
        "source",
        "interval_method",
    ]
    return (
        indicators.filter(pl.col("need_family").is_in(list(NEED_FAMILIES)))
        .join(order, on="need_family", how="inner")
        .sort("_order", "indicator_code")
        .select(cols)
    )


# --------------------------------------------------------------------------- weights


def index_weights(
    catalogue: pl.DataFrame,
    family_weights: Mapping[str, float] | None = None,
    indicator_weights: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """The weight of every need indicator: family share x share within the family.

    `family_weights` (default `DEFAULT_FAMILY_WEIGHTS`) and `indicator_weights`
    (default 1 each) are relative: any non-negative numbers. A family's weight is
    spread over its indicators in proportion to their weights; families without an
    indicator with a positive weight drop out and the others are rescaled, so the
    weights always sum to 1. Raises ValueError for a negative weight or when
    nothing has a positive weight.
    Columns: indicator_code, need_family, family_weight, indicator_weight, weight.
    """
    fam = dict(DEFAULT_FAMILY_WEIGHTS if family_weights is None else family_weights)
    ind = dict(indicator_weights or {})
    for name, w in [*fam.items(), *ind.items()]:
        if not math.isfinite(w) or w < 0:
            raise ValueError(f"gewicht van {name} moet een getal >= 0 zijn, niet {w}")
    frame = catalogue.select("indicator_code", "need_family").with_columns(
        pl.col("need_family")
        .replace_strict(fam, default=0.0, return_dtype=pl.Float64)
        .alias("_fam_raw"),
        pl.col("indicator_code")
        .replace_strict(ind, default=DEFAULT_INDICATOR_WEIGHT, return_dtype=pl.Float64)
        .alias("_ind_raw"),
    )
    frame = frame.with_columns(
        pl.col("_ind_raw").sum().over("need_family").alias("_ind_sum"),
    ).with_columns(
        pl.when(pl.col("_ind_sum") > 0)
        .then(pl.col("_ind_raw") / pl.col("_ind_sum"))
        .otherwise(0.0)
        .alias("indicator_weight"),
        pl.when(pl.col("_ind_sum") > 0).then(pl.col("_fam_raw")).otherwise(0.0).alias("_fam"),
    )
    families = frame.group_by("need_family").agg(pl.col("_fam").first())
    total = float(families["_fam"].sum())
    if total <= 0:
        raise ValueError("minstens één familie en één indicator moeten een gewicht > 0 hebben")
    return frame.with_columns(
        (pl.col("_fam") / total).alias("family_weight"),
    ).select(
        "indicator_code",
        "need_family",
        "family_weight",
        "indicator_weight",
        (pl.col("family_weight") * pl.col("indicator_weight")).alias("weight"),
    )


# --------------------------------------------------------------------------- rates


def area_population(population: pl.DataFrame, *, level: str, years: Sequence[int]) -> pl.DataFrame:
    """Inhabitants (1 January) per area and year: area_code, year, population."""
    return population.filter(
        (pl.col("level") == level)
        & (pl.col("sex") == "T")
        & (pl.col("age_band") == "totaal")
        & pl.col("year").is_in(list(years))
    ).select("area_code", "year", pl.col("population").cast(pl.Float64))


def _cells(
    values: pl.DataFrame, level: str, codes: Sequence[str], years: Sequence[int]
) -> pl.DataFrame:
    rows = values.filter(
        (pl.col("level") == level)
        & pl.col("indicator_code").is_in(list(codes))
        & pl.col("year").is_in(list(years))
    )
    ok = (
        ~pl.col("suppressed").fill_null(False)
        & pl.col("numerator").is_not_null()
        & (pl.col("denominator").fill_null(0) > 0)
    )
    return rows.select(
        "area_code",
        "indicator_code",
        "year",
        pl.when(ok).then(pl.col("numerator").cast(pl.Float64)).alias("numerator"),
        pl.when(ok).then(pl.col("denominator").cast(pl.Float64)).alias("denominator"),
        pl.when(ok)
        .then(pl.col("numerator").cast(pl.Float64) / pl.col("denominator").cast(pl.Float64))
        .alias("rate"),
        pl.when(pl.col("suppressed").fill_null(False))
        .then(pl.col("suppression_reason").fill_null("onderdrukt"))
        .alias("suppression_reason"),
    )


def area_rates(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    *,
    level: str,
    codes: Sequence[str],
    years: Sequence[int],
) -> pl.DataFrame:
    """Every area of `level` x indicator x year with its raw rate (numerator/denominator).

    `level` is `gemeente`, `zone` or `vlaanderen`. A suppressed or missing cell gets
    the rate of its zone (municipalities) or of Flanders (zones, or a zone without a
    value); `imputed_from` is then `zone` or `vlaanderen` and numerator and
    denominator stay null (a hidden count is never guessed, never 0). A rate that is
    still unknown stays null. Columns: see `RATES_SCHEMA`.
    """
    codes = list(codes)
    years = list(years)
    if level == "vlaanderen":
        base = pl.DataFrame(
            {"area_code": [FLANDERS_CODE], "area_name": ["Vlaanderen"], "zone_code": [None]},
            schema={"area_code": pl.String, "area_name": pl.String, "zone_code": pl.String},
        )
    else:
        base = areas.filter(pl.col("level") == level).select("area_code", "area_name", "zone_code")
    grid = base.join(
        pl.DataFrame({"indicator_code": codes}, schema={"indicator_code": pl.String}),
        how="cross",
    ).join(pl.DataFrame({"year": years}, schema={"year": pl.Int64}), how="cross")
    own = _cells(values, level, codes, years)
    out = grid.join(own, on=["area_code", "indicator_code", "year"], how="left")
    flemish = _cells(values, "vlaanderen", codes, years).select(
        "indicator_code", "year", pl.col("rate").alias("_fl_rate")
    )
    if level == "gemeente":
        zone = _cells(values, "zone", codes, years).select(
            pl.col("area_code").alias("zone_code"),
            "indicator_code",
            "year",
            pl.col("rate").alias("_zone_rate"),
        )
        out = out.join(zone, on=["zone_code", "indicator_code", "year"], how="left")
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias("_zone_rate"))
    out = out.join(flemish, on=["indicator_code", "year"], how="left")
    if level == "vlaanderen":
        out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias("_fl_rate"))
    own_ok = pl.col("rate").is_not_null()
    imputed = (
        pl.when(own_ok)
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("_zone_rate").is_not_null())
        .then(pl.lit("zone"))
        .when(pl.col("_fl_rate").is_not_null())
        .then(pl.lit("vlaanderen"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return (
        out.with_columns(
            imputed.alias("imputed_from"),
            pl.coalesce("rate", "_zone_rate", "_fl_rate").alias("rate"),
        )
        .select(list(RATES_SCHEMA))
        .cast(RATES_SCHEMA)
        .sort("area_code", "indicator_code", "year")
    )


def reference_rates(values: pl.DataFrame, *, codes: Sequence[str], year: int) -> pl.DataFrame:
    """The Flemish rate of each indicator in `year`: indicator_code, ref_rate."""
    return _cells(values, "vlaanderen", codes, [year]).select(
        "indicator_code", pl.col("rate").alias("ref_rate")
    )


# --------------------------------------------------------------------------- index


def standardise(
    rates: pl.DataFrame, reference: pl.DataFrame, *, cap: float | None = Z_CAP
) -> pl.DataFrame:
    """Add `sd` and `z` = (rate - ref_rate) / sd, capped at +/- `cap`.

    `rates`: area_code, indicator_code, rate (one year). `reference`:
    indicator_code, ref_rate (the Flemish rate; when absent, the unweighted mean of
    the areas). `sd` is the standard deviation of the areas' rates (ddof 1). An
    indicator without spread (sd 0 or null) gives z = 0; a null rate gives null z.
    """
    out = rates.join(reference, on="indicator_code", how="left").with_columns(
        pl.col("rate").std().over("indicator_code").alias("sd"),
        pl.coalesce(pl.col("ref_rate"), pl.col("rate").mean().over("indicator_code")).alias(
            "ref_rate"
        ),
    )
    z = (
        pl.when(pl.col("rate").is_null())
        .then(None)
        .when(pl.col("sd").is_null() | (pl.col("sd") <= 0))
        .then(0.0)
        .otherwise((pl.col("rate") - pl.col("ref_rate")) / pl.col("sd"))
    )
    if cap is not None:
        z = z.clip(-cap, cap)
    return out.with_columns(z.alias("z"))


def need_index(
    rates: pl.DataFrame,
    reference: pl.DataFrame,
    weights: pl.DataFrame,
    *,
    cap: float | None = Z_CAP,
) -> pl.DataFrame:
    """Each area's contribution per indicator: weight x z (the decomposition).

    `rates` for one year (see `area_rates`); `weights` from `index_weights`.
    Indicators with weight 0 are kept (contribution 0). A null z contributes
    nothing and is counted in `index_scores`' `n_missing`. Columns: area_code,
    indicator_code, need_family, rate, ref_rate, sd, z, weight, contribution,
    imputed_from.
    """
    std = standardise(
        rates.select("area_code", "indicator_code", "rate", "imputed_from"),
        reference,
        cap=cap,
    )
    return (
        std.join(weights.select("indicator_code", "need_family", "weight"), on="indicator_code")
        .with_columns((pl.col("weight") * pl.col("z")).alias("contribution"))
        .select(
            "area_code",
            "indicator_code",
            "need_family",
            "rate",
            "ref_rate",
            "sd",
            "z",
            "weight",
            "contribution",
            "imputed_from",
        )
        .sort("area_code", "indicator_code")
    )


def index_scores(contributions: pl.DataFrame) -> pl.DataFrame:
    """One row per area: need_index (sum of contributions), one column per family.

    Columns: area_code, need_index, n_imputed, n_missing, and
    `fam_<family>` (that family's part of the index) for every family present.
    """
    base = contributions.group_by("area_code").agg(
        pl.col("contribution").fill_null(0.0).sum().alias("need_index"),
        (pl.col("imputed_from").is_not_null() & (pl.col("weight") > 0)).sum().alias("n_imputed"),
        (pl.col("z").is_null() & (pl.col("weight") > 0)).sum().alias("n_missing"),
    )
    fams = (
        contributions.group_by("area_code", "need_family")
        .agg(pl.col("contribution").fill_null(0.0).sum())
        .pivot(on="need_family", index="area_code", values="contribution")
    )
    present = [f for f in NEED_FAMILIES if f in fams.columns]
    fams = fams.select("area_code", *[pl.col(f).alias(f"fam_{f}") for f in present])
    return base.join(fams, on="area_code", how="left").sort("area_code")


def population_quintiles(
    frame: pl.DataFrame,
    *,
    value_col: str,
    population_col: str = "population",
    key_col: str = "area_code",
    by: Sequence[str] = (),
    n: int = N_QUINTILES,
    out_col: str = "quintile",
) -> pl.DataFrame:
    """Add `out_col` (1..n): population-weighted quantile groups of `value_col`.

    Within each `by` group, areas are sorted by value (ties by `key_col`, so the
    result does not depend on row order) and each gets the group that holds the
    midpoint of its cumulative population share: group 1 has the lowest values and
    each group about 1/n of the population. Rows with a null value or population
    get a null group.
    """
    by = list(by)
    valid = pl.col(value_col).is_not_null() & (pl.col(population_col).fill_null(0) > 0)
    pop = pl.col(population_col).cast(pl.Float64)
    cum = pop.cum_sum() - pop / 2.0
    tot = pop.sum()
    ranked = (
        frame.filter(valid)
        .sort([*by, value_col, key_col])
        .with_columns(
            (cum.over(by) if by else cum).alias("_mid"),
            (tot.over(by) if by else tot).alias("_tot"),
        )
        .with_columns(
            ((pl.col("_mid") / pl.col("_tot") * n).floor().cast(pl.Int64) + 1)
            .clip(1, n)
            .alias(out_col)
        )
        .select(*by, key_col, out_col)
    )
    return frame.join(ranked, on=[*by, key_col], how="left")


# --------------------------------------------------------------------------- display


def index_table(
    scores: pl.DataFrame, areas: pl.DataFrame, population: pl.DataFrame
) -> pl.DataFrame:
    """Scores with area names and inhabitants, sorted by index (highest need first)."""
    return (
        scores.join(areas.select("area_code", "area_name"), on="area_code", how="left")
        .join(population.select("area_code", "population"), on="area_code", how="left")
        .sort(["need_index", "area_code"], descending=[True, False])
    )
