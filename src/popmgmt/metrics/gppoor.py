"""GP-poor areas: the Flemish Impulseo priority-zone rule, and its application to the marts.

The rule (DOMAIN 6; Vlaamse Impulseo-premie, "huisartsarme gemeente"): an area is GP-poor
when it counts fewer than 90 GPs under 65 per 100,000 inhabitants, or fewer than 120 per
100,000 where the population density is under 125 inhabitants per km². Both comparisons
are strict ("fewer than", "under"): exactly 90 per 100,000 is not GP-poor, and a density
of exactly 125 inhabitants per km² takes the 90 threshold.

`priority_rule` is the rule itself, a pure function over (GPs under 65, inhabitants,
area in km²). The comparisons are done without dividing (`gps * 100_000 < threshold *
inhabitants`, `inhabitants < 125 * km²`), so a hand-built case exactly at a threshold is
decided exactly.

The marts do not (yet) hold GPs under 65. `gp_poor_inputs` takes the best available
count, per area and year, and says which (`method`):

* `gemeten`: the numerator of the indicator `gp_under65_per_100k` when the build
  provides it (used automatically; its own definition says how the build counts GPs
  under 65: see docs/monitor.md);
* `schatting_zone`: all active GPs (numerator of `gp_per_10k`) x (1 - the share of GPs
  aged 65+ of the zone, `gp_65plus`), in survey years (the survey is the only source of
  GPs' ages; the zone is the smallest level where that share is reliable);
* `schatting_vlaanderen`: the same with the Flemish share, where the zone's is suppressed;
* `alle_leeftijden`: all active GPs, 65+ included, in years without an age source: an
  approximation that overstates GPs under 65 and so understates GP-poor areas.

A GP count suppressed as 1-4 still decides the rule when even 4 GPs would be under the
threshold (status `huisartsarm_onderdrukt`); otherwise, and for a secondarily suppressed
count, the status is `niet_te_bepalen`. Pure polars, no Streamlit; the Dutch texts, map and
chart are `popmgmt.views.gppoor_display`.
"""

from __future__ import annotations

from typing import Final, Literal

import polars as pl

from popmgmt.pipeline.codes import BRUSSELS_ZONE, FLANDERS_CODE

PER_INHABITANTS: Final = 100_000
THRESHOLD: Final = 90.0
"""GPs under 65 per 100,000 inhabitants: fewer than this is GP-poor."""
THRESHOLD_SPARSE: Final = 120.0
"""The threshold where the population density is under `DENSITY_LIMIT`."""
DENSITY_LIMIT: Final = 125.0
"""Inhabitants per km²: under this, `THRESHOLD_SPARSE` applies."""
MAX_SUPPRESSED_COUNT: Final = 4
"""A count suppressed as small is 1 to this (DOMAIN 4: counts 1-4 are suppressed)."""

GP_INDICATOR: Final = "gp_per_10k"
GP_65PLUS_INDICATOR: Final = "gp_65plus"
UNDER65_INDICATOR: Final = "gp_under65_per_100k"
"""The indicator the build should add (docs/monitor.md); used as soon as it exists."""

METHODS: Final = ("gemeten", "schatting_zone", "schatting_vlaanderen", "alle_leeftijden")
STATUSES: Final = ("huisartsarm", "huisartsarm_onderdrukt", "niet_huisartsarm", "niet_te_bepalen")
POOR_STATUSES: Final = ("huisartsarm", "huisartsarm_onderdrukt")
Basis = Literal["best", "all_ages"]

# Suppression reasons that mean "a count of 1-4" (labels.py lists the accepted spellings).
SMALL_COUNT_REASONS: Final = frozenset({"klein_aantal", "lt5", "small_count", "primair", "primary"})

INPUT_SCHEMA: Final = pl.Schema(
    {
        "area_code": pl.String,
        "area_name": pl.String,
        "zone_code": pl.String,
        "year": pl.Int64,
        "population": pl.Float64,
        "area_km2": pl.Float64,
        "gps_all": pl.Float64,
        "share_65plus": pl.Float64,
        "gps_under65": pl.Float64,
        "gps_under65_max": pl.Float64,
        "suppressed": pl.Boolean,
        "suppression_reason": pl.String,
        "method": pl.String,
    }
)
RULE_COLUMNS: Final = (
    "density",
    "sparse",
    "threshold",
    "rate_per_100k",
    "margin_per_100k",
    "margin_gps",
    "gps_short",
    "gp_poor",
    "status",
)
TREND_SCHEMA: Final = pl.Schema(
    {
        "year": pl.Int64,
        "method": pl.String,
        "n_areas": pl.Int64,
        "n_poor": pl.Int64,
        "n_not_poor": pl.Int64,
        "n_undetermined": pl.Int64,
        "population_poor": pl.Float64,
        "population_total": pl.Float64,
        "share_population_poor": pl.Float64,
    }
)


# --------------------------------------------------------------------------- the rule


def threshold_for(population: float, area_km2: float) -> float:
    """The threshold (GPs under 65 per 100,000) that applies at this density.

    >>> threshold_for(12_000, 100.0)   # 120 inhabitants/km² < 125
    120.0
    >>> threshold_for(12_500, 100.0)   # exactly 125: not under 125
    90.0
    """
    if population <= 0 or area_km2 <= 0:
        raise ValueError("inwoners en oppervlakte moeten groter dan 0 zijn")
    return THRESHOLD_SPARSE if population < DENSITY_LIMIT * area_km2 else THRESHOLD


def is_gp_poor(gps_under65: float, population: float, area_km2: float) -> bool:
    """The rule for one area: fewer GPs under 65 per 100,000 than its threshold.

    >>> is_gp_poor(89, 100_000, 100.0)   # 89 per 100,000, dense
    True
    >>> is_gp_poor(90, 100_000, 100.0)   # exactly 90: not fewer than 90
    False
    >>> is_gp_poor(119, 100_000, 1_000.0)   # 100 inhabitants/km²: threshold 120
    True
    """
    if gps_under65 < 0:
        raise ValueError("het aantal huisartsen kan niet negatief zijn")
    threshold = threshold_for(population, area_km2)
    return gps_under65 * PER_INHABITANTS < threshold * population


def priority_rule(
    frame: pl.DataFrame,
    *,
    gps: str = "gps_under65",
    population: str = "population",
    area_km2: str = "area_km2",
    gps_max: str | None = None,
) -> pl.DataFrame:
    """Apply the rule to every row; adds `RULE_COLUMNS`.

    `density` (inhabitants per km²), `sparse` (density < 125), `threshold` (90 or 120),
    `rate_per_100k` (GPs under 65 per 100,000), `margin_per_100k` (rate - threshold:
    negative is under the threshold), `margin_gps` (GPs above (+) or short of (-) the
    threshold: gps - threshold x inhabitants / 100,000), `gps_short` (whole GPs needed to
    reach the threshold, 0 when not GP-poor), `gp_poor` (Boolean) and `status` (one of
    `STATUSES`).

    A null `gps` with a `gps_max` (an upper bound, e.g. 4 for a count suppressed as 1-4)
    is still GP-poor when the bound is under the threshold (status
    `huisartsarm_onderdrukt`, no margin); otherwise, or without inhabitants or area, the
    status is `niet_te_bepalen` and `gp_poor` is null. Negative GP counts raise ValueError.
    """
    if frame.filter(pl.col(gps) < 0).height:
        raise ValueError("het aantal huisartsen kan niet negatief zijn")
    pop = pl.col(population).cast(pl.Float64)
    km2 = pl.col(area_km2).cast(pl.Float64)
    n = pl.col(gps).cast(pl.Float64)
    bound = pl.col(gps_max).cast(pl.Float64) if gps_max else pl.lit(None, dtype=pl.Float64)
    known_area = pop.is_not_null() & km2.is_not_null() & (pop > 0) & (km2 > 0)
    sparse = pl.when(known_area).then(pop < DENSITY_LIMIT * km2)
    threshold = (
        pl.when(~known_area)
        .then(None)
        .when(pop < DENSITY_LIMIT * km2)
        .then(pl.lit(THRESHOLD_SPARSE))
        .otherwise(pl.lit(THRESHOLD))
    )
    out = frame.with_columns(
        pl.when(known_area).then(pop / km2).alias("density"),
        sparse.alias("sparse"),
        threshold.alias("threshold"),
    )
    thr = pl.col("threshold")
    poor_exact = n * PER_INHABITANTS < thr * pop
    poor_bound = bound * PER_INHABITANTS < thr * pop
    margin_gps = n - thr * pop / PER_INHABITANTS
    out = out.with_columns(
        (n * PER_INHABITANTS / pop).alias("rate_per_100k"),
        (n * PER_INHABITANTS / pop - thr).alias("margin_per_100k"),
        margin_gps.alias("margin_gps"),
        pl.when(n.is_null() | thr.is_null())
        .then(None)
        .when(poor_exact)
        # Rounded before ceil: polars may divide by multiplying with the reciprocal, which
        # turns an exact 6 into 6.000000000000001.
        .then(((thr * pop - n * PER_INHABITANTS) / PER_INHABITANTS).round(9).ceil())
        .otherwise(0.0)
        .alias("gps_short"),
        pl.when(thr.is_null())
        .then(None)
        .when(n.is_not_null())
        .then(poor_exact)
        .when(poor_bound.fill_null(False))
        .then(True)
        .otherwise(None)
        .alias("gp_poor"),
    )
    status = (
        pl.when(pl.col("gp_poor").is_null())
        .then(pl.lit("niet_te_bepalen"))
        .when(pl.col("gp_poor") & n.is_null())
        .then(pl.lit("huisartsarm_onderdrukt"))
        .when(pl.col("gp_poor"))
        .then(pl.lit("huisartsarm"))
        .otherwise(pl.lit("niet_huisartsarm"))
    )
    return out.with_columns(status.alias("status"))


# --------------------------------------------------------------------------- the marts


def _indicator_rows(values: pl.DataFrame, code: str, level: str) -> pl.DataFrame:
    return values.filter((pl.col("indicator_code") == code) & (pl.col("level") == level))


def _share_65plus(values: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per zone and year, the share of GPs aged 65+ (raw scale), with the Flemish share."""
    rows = values.filter(
        (pl.col("indicator_code") == GP_65PLUS_INDICATOR)
        & pl.col("level").is_in(["zone", "vlaanderen"])
        & ~pl.col("suppressed").fill_null(False)
        & (pl.col("denominator") > 0)
    ).select(
        "level",
        "area_code",
        "year",
        (pl.col("numerator") / pl.col("denominator")).alias("share"),
    )
    flemish = rows.filter(
        (pl.col("level") == "vlaanderen") & (pl.col("area_code") == FLANDERS_CODE)
    ).select("year", pl.col("share").alias("share_flanders"))
    zones = rows.filter(pl.col("level") == "zone").select(
        pl.col("area_code").alias("zone_code"), "year", pl.col("share").alias("share_zone")
    )
    return zones, flemish


def _area_frame(areas: pl.DataFrame, level: str) -> pl.DataFrame:
    """The Flemish areas of `level` (the rule is Flemish: Brussels, zone elz7, is left out)."""
    frame = areas.filter(pl.col("level") == level)
    zone = pl.col("area_code") if level == "zone" else pl.col("zone_code")
    return frame.select("area_code", "area_name", zone.alias("zone_code"), "area_km2").filter(
        pl.col("zone_code").is_null() | (pl.col("zone_code") != BRUSSELS_ZONE)
    )


def _population_totals(population: pl.DataFrame, level: str) -> pl.DataFrame:
    return population.filter(
        (pl.col("level") == level)
        & (pl.col("sex") == "T")
        & (pl.col("age_band") == "totaal")
        & ~pl.col("suppressed").fill_null(False)
    ).select("area_code", "year", pl.col("population").cast(pl.Float64))


def gp_poor_inputs(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    population: pl.DataFrame,
    *,
    level: str = "gemeente",
    basis: Basis = "best",
    years: list[int] | None = None,
) -> pl.DataFrame:
    """GPs under 65, inhabitants and area per area and year, with the method used.

    `level` is `gemeente` or `zone`. `basis="best"` takes, per year, the best available
    count (module docstring: `gemeten`, then `schatting_zone`/`schatting_vlaanderen` in
    survey years, else `alle_leeftijden`); `basis="all_ages"` takes all active GPs in every
    year (one method over the whole series). Inhabitants come from the population mart
    (1 January, total). A suppressed count gives null `gps_under65` and, when suppressed
    as 1-4, `gps_under65_max` = 4 (x (1 - share) for an estimate). Rows: every area of
    `level` x every year with a GP count (or `years`). Columns: `INPUT_SCHEMA`.
    """
    if level not in ("gemeente", "zone"):
        raise ValueError(f"niveau moet 'gemeente' of 'zone' zijn, niet {level!r}")
    gp_rows = _indicator_rows(values, GP_INDICATOR, level)
    measured = (
        _indicator_rows(values, UNDER65_INDICATOR, level) if basis == "best" else gp_rows.clear()
    )
    measured_years = set(measured["year"].unique().to_list())
    wanted = sorted(set(gp_rows["year"].unique().to_list()) | measured_years)
    if years is not None:
        wanted = [y for y in wanted if y in set(years)]
    grid = _area_frame(areas, level).join(
        pl.DataFrame({"year": wanted}, schema={"year": pl.Int64}), how="cross"
    )
    cols = ["area_code", "year", "numerator", "suppressed", "suppression_reason"]
    counts = pl.concat(
        [
            gp_rows.filter(~pl.col("year").is_in(list(measured_years)))
            .select(cols)
            .with_columns(pl.lit("all").alias("_source")),
            measured.select(cols).with_columns(pl.lit("under65").alias("_source")),
        ],
        how="vertical_relaxed",
    )
    frame = grid.join(counts, on=["area_code", "year"], how="left").join(
        _population_totals(population, level), on=["area_code", "year"], how="left"
    )
    if basis == "best":
        zone_share, flemish_share = _share_65plus(values)
        frame = frame.join(zone_share, on=["zone_code", "year"], how="left").join(
            flemish_share, on="year", how="left"
        )
    else:
        frame = frame.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("share_zone"),
            pl.lit(None, dtype=pl.Float64).alias("share_flanders"),
        )
    is_measured = pl.col("_source") == "under65"
    method = (
        pl.when(is_measured)
        .then(pl.lit("gemeten"))
        .when(pl.col("share_zone").is_not_null())
        .then(pl.lit("schatting_zone"))
        .when(pl.col("share_flanders").is_not_null())
        .then(pl.lit("schatting_vlaanderen"))
        .otherwise(pl.lit("alle_leeftijden"))
    )
    share = (
        pl.when(is_measured)
        .then(None)
        .otherwise(pl.coalesce(pl.col("share_zone"), pl.col("share_flanders")))
    )
    frame = frame.with_columns(method.alias("method"), share.alias("share_65plus"))
    suppressed = pl.col("suppressed").fill_null(False)
    count = pl.when(suppressed).then(None).otherwise(pl.col("numerator").cast(pl.Float64))
    factor = 1.0 - pl.col("share_65plus").fill_null(0.0)
    small = suppressed & pl.col("suppression_reason").is_in(list(SMALL_COUNT_REASONS))
    frame = frame.with_columns(
        count.alias("gps_all_raw"),
        (count * factor).alias("gps_under65"),
        pl.when(small)
        .then(MAX_SUPPRESSED_COUNT * factor)
        .otherwise(count * factor)
        .alias("gps_under65_max"),
    ).with_columns(
        pl.when(is_measured).then(None).otherwise(pl.col("gps_all_raw")).alias("gps_all"),
        suppressed.alias("suppressed"),
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in INPUT_SCHEMA.items()]).sort(
        "year", "area_name", "area_code"
    )


def assess(inputs: pl.DataFrame) -> pl.DataFrame:
    """`gp_poor_inputs` with the rule applied (`priority_rule`, suppression bound used)."""
    return priority_rule(inputs, gps_max="gps_under65_max")


def gp_poor_trend(assessed: pl.DataFrame) -> pl.DataFrame:
    """Per year: how many areas are GP-poor, not, or undetermined; the people living there.

    `method` is the year's method when all areas share it, else the methods joined by
    "+". Columns: `TREND_SCHEMA`.
    """
    if assessed.height == 0:
        return pl.DataFrame(schema=TREND_SCHEMA)
    poor = pl.col("status").is_in(list(POOR_STATUSES))
    out = (
        assessed.group_by("year")
        .agg(
            pl.col("method").unique().sort().str.join("+").alias("method"),
            pl.len().cast(pl.Int64).alias("n_areas"),
            poor.sum().cast(pl.Int64).alias("n_poor"),
            (pl.col("status") == "niet_huisartsarm").sum().cast(pl.Int64).alias("n_not_poor"),
            (pl.col("status") == "niet_te_bepalen").sum().cast(pl.Int64).alias("n_undetermined"),
            pl.col("population").filter(poor).sum().cast(pl.Float64).alias("population_poor"),
            pl.col("population").sum().cast(pl.Float64).alias("population_total"),
        )
        .with_columns(
            (pl.col("population_poor") / pl.col("population_total") * 100).alias(
                "share_population_poor"
            )
        )
        .sort("year")
    )
    return out.select([pl.col(n).cast(t) for n, t in TREND_SCHEMA.items()])
