"""The zone profile's figures for one zone: pure polars, no Streamlit, no display text.

The zone's population and pyramid, its municipalities, the indicator snapshot behind the
spine chart, GP capacity (with the GP-poor rule of `popmgmt.metrics.gppoor`), the
practice profile and trends, computed from the marts (polars in, polars out).
Suppressed cells stay null with their reason, never 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, cast

import polars as pl

from popmgmt.metrics import gppoor, peers
from popmgmt.metrics.indicators import GMD_COVERAGE, GP_PER_10K
from popmgmt.pipeline.codes import (
    AIM_DOMAINS,
    BRUSSELS_ZONE,
    FLANDERS_CODE,
    PATIENT_STOP,
    PAYMENT_SYSTEMS,
    POP_AGE_BANDS,
    PRACTICE_FORMS,
    THEMES,
)
from popmgmt.views import compare_flanders

# Indicators of the GP-capacity block, in reading order.
ATTRIB_PER_FTE: Final = "attrib_per_fte"
CAPACITY_INDICATORS: Final = (
    GP_PER_10K,
    gppoor.UNDER65_INDICATOR,
    "gp_fte_per_10k",
    "gp_60plus",
    "gp_65plus",
    "gp_trainees_per_10k",
    GMD_COVERAGE,
    ATTRIB_PER_FTE,
    "practices_patient_stop",
    "practices_flat_rate",
    "ima_mh",
)
CAPACITY_CARDS: Final = (
    GP_PER_10K,
    gppoor.UNDER65_INDICATOR,
    "gp_fte_per_10k",
    "gp_60plus",
    GMD_COVERAGE,
    ATTRIB_PER_FTE,
    "practices_patient_stop",
    "practices_flat_rate",
)

COMPARISON_ORDER: Final = ("beter", "slechter", "hoger", "lager", "vergelijkbaar", "onbekend")


# --------------------------------------------------------------------------- helpers


def hide_suppressed(frame: pl.DataFrame) -> pl.DataFrame:
    """Null the numbers of suppressed cells (value, interval, numerator): never a 0."""
    flag = pl.col("suppressed").fill_null(False)
    cols = [c for c in ("numerator", "value", "ci_low", "ci_high", "population") if c in frame]
    return frame.with_columns(
        flag.alias("suppressed"),
        *[pl.when(flag).then(None).otherwise(pl.col(c)).alias(c) for c in cols],
    )


def _order_frame(name: str, codes: Sequence[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {name: list(codes), f"{name}_order": list(range(len(codes)))},
        schema={name: pl.String, f"{name}_order": pl.Int64},
    )


# --------------------------------------------------------------------------- population


def zone_summary(areas: pl.DataFrame, population: pl.DataFrame, zone_code: str) -> dict[str, Any]:
    """Name, area, inhabitants (latest and first year), change and density of a zone."""
    area = areas.filter((pl.col("level") == "zone") & (pl.col("area_code") == zone_code))
    if area.height == 0:
        raise KeyError(zone_code)
    row = area.row(0, named=True)
    trend = population_trend(population, zone_code)
    shown = trend.filter(pl.col("zone_population").is_not_null())
    first = shown.row(0, named=True) if shown.height else None
    last = shown.row(-1, named=True) if shown.height else None
    km2 = row["area_km2"]
    pop = None if last is None else last["zone_population"]
    n_muni = areas.filter(
        (pl.col("level") == "gemeente") & (pl.col("zone_code") == zone_code)
    ).height
    change = None
    if first is not None and last is not None and first["zone_population"]:
        change = (last["zone_population"] / first["zone_population"] - 1.0) * 100.0
    return {
        "zone_code": zone_code,
        "zone_name": row["area_name"],
        "area_km2": km2,
        "population": pop,
        "year": None if last is None else last["year"],
        "first_population": None if first is None else first["zone_population"],
        "first_year": None if first is None else first["year"],
        "change_pct": change,
        "density": None if pop is None or not km2 else pop / km2,
        "municipalities": n_muni,
    }


def population_trend(population: pl.DataFrame, zone_code: str) -> pl.DataFrame:
    """Inhabitants per year, zone and Flanders, with an index (first year = 100).

    Columns: year, zone_population, flanders_population, zone_index, flanders_index,
    suppressed, suppression_reason (of the zone's cell).
    """
    totals = hide_suppressed(
        population.filter((pl.col("sex") == "T") & (pl.col("age_band") == "totaal"))
    )
    zone = totals.filter((pl.col("level") == "zone") & (pl.col("area_code") == zone_code)).select(
        "year",
        pl.col("population").cast(pl.Float64).alias("zone_population"),
        "suppressed",
        "suppression_reason",
    )
    flanders = totals.filter(
        (pl.col("level") == "vlaanderen") & (pl.col("area_code") == FLANDERS_CODE)
    ).select("year", pl.col("population").cast(pl.Float64).alias("flanders_population"))
    out = zone.join(flanders, on="year", how="left").sort("year")
    return out.with_columns(
        (pl.col("zone_population") / pl.col("zone_population").drop_nulls().first() * 100).alias(
            "zone_index"
        ),
        (
            pl.col("flanders_population") / pl.col("flanders_population").drop_nulls().first() * 100
        ).alias("flanders_index"),
    ).select(
        "year",
        "zone_population",
        "flanders_population",
        "zone_index",
        "flanders_index",
        "suppressed",
        "suppression_reason",
    )


def population_pyramid(population: pl.DataFrame, zone_code: str, year: int) -> pl.DataFrame:
    """Zone and Flanders by sex and 5-year band, as shares of their own total.

    One row per sex (M, V) and band (oldest last). Columns: sex, age_band, population,
    share (% of the zone's inhabitants), flanders_population, flanders_share,
    suppressed, suppression_reason. A suppressed zone cell has null population and
    share; its reason stays.
    """
    rows = hide_suppressed(population.filter(pl.col("year") == year))
    zone = rows.filter((pl.col("level") == "zone") & (pl.col("area_code") == zone_code))
    flanders = rows.filter(
        (pl.col("level") == "vlaanderen") & (pl.col("area_code") == FLANDERS_CODE)
    )

    def total(frame: pl.DataFrame) -> float | None:
        t = frame.filter((pl.col("sex") == "T") & (pl.col("age_band") == "totaal"))
        return None if t.height == 0 or t["population"][0] is None else float(t["population"][0])

    zone_total, flanders_total = total(zone), total(flanders)
    grid = pl.DataFrame(
        {
            "sex": [s for s in ("M", "V") for _ in POP_AGE_BANDS],
            "age_band": [b for _ in ("M", "V") for b in POP_AGE_BANDS],
            "band_order": [i for _ in ("M", "V") for i in range(len(POP_AGE_BANDS))],
        },
        schema={"sex": pl.String, "age_band": pl.String, "band_order": pl.Int64},
    )
    zcells = zone.select(
        "sex",
        "age_band",
        pl.col("population").cast(pl.Float64),
        "suppressed",
        "suppression_reason",
    )
    fcells = flanders.select(
        "sex", "age_band", pl.col("population").cast(pl.Float64).alias("flanders_population")
    )
    out = grid.join(zcells, on=["sex", "age_band"], how="left").join(
        fcells, on=["sex", "age_band"], how="left"
    )
    return (
        out.with_columns(
            pl.col("suppressed").fill_null(False),
            (pl.col("population") / zone_total * 100 if zone_total else pl.lit(None))
            .cast(pl.Float64)
            .alias("share"),
            (
                pl.col("flanders_population") / flanders_total * 100
                if flanders_total
                else pl.lit(None)
            )
            .cast(pl.Float64)
            .alias("flanders_share"),
        )
        .sort("sex", "band_order")
        .select(
            "sex",
            "age_band",
            "population",
            "share",
            "flanders_population",
            "flanders_share",
            "suppressed",
            "suppression_reason",
        )
    )


# --------------------------------------------------------------------------- municipalities


def zone_municipalities(
    areas: pl.DataFrame, population: pl.DataFrame, zone_code: str, year: int | None
) -> pl.DataFrame:
    """The municipalities of a zone with inhabitants, area and density.

    Columns: area_code, area_name, area_km2, population, density, suppressed,
    suppression_reason (of the population cell), year.
    """
    munis = areas.filter((pl.col("level") == "gemeente") & (pl.col("zone_code") == zone_code))
    pop = hide_suppressed(
        population.filter(
            (pl.col("level") == "gemeente")
            & (pl.col("year") == year)
            & (pl.col("sex") == "T")
            & (pl.col("age_band") == "totaal")
        )
    ).select("area_code", "population", "suppressed", "suppression_reason")
    return (
        munis.select("area_code", "area_name", pl.col("area_km2").cast(pl.Float64))
        .join(pop, on="area_code", how="left")
        .with_columns(
            pl.col("population").cast(pl.Float64),
            pl.col("suppressed").fill_null(False),
            pl.lit(year, dtype=pl.Int64).alias("year"),
        )
        .with_columns(
            pl.when(pl.col("area_km2") > 0)
            .then(pl.col("population") / pl.col("area_km2"))
            .alias("density")
        )
        .sort("area_name", "area_code")
        .select(
            "area_code",
            "area_name",
            "area_km2",
            "population",
            "density",
            "suppressed",
            "suppression_reason",
            "year",
        )
    )


def select_features(
    geojson: Mapping[str, Any], codes: Iterable[str], code_property: str = "area_code"
) -> dict[str, Any]:
    """A new FeatureCollection with the features whose code is in `codes` (input untouched)."""
    wanted = set(codes)
    features = [
        f
        for f in geojson.get("features") or []
        if str((f.get("properties") or {}).get(code_property)) in wanted
    ]
    return {"type": "FeatureCollection", "features": features}


def bounds(geojson: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of every vertex; None when empty."""
    xs: list[float] = []
    ys: list[float] = []
    for feature in geojson.get("features") or []:
        for ring in peers.polygon_rings(feature.get("geometry")):
            for point in ring:
                xs.append(float(point[0]))
                ys.append(float(point[1]))
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def view_for_bounds(
    box: tuple[float, float, float, float],
    *,
    width_px: int = 700,
    height_px: int = 460,
    padding: float = 0.35,
    max_zoom: float = 12.0,
) -> dict[str, float]:
    """A deck.gl view (latitude, longitude, zoom) that shows the box (web Mercator).

    deck.gl's world is 512 px wide at zoom 0; the zoom is the largest at which both the
    longitude and the (Mercator) latitude span fit, minus `padding`.
    """
    xmin, ymin, xmax, ymax = box

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_span = max(xmax - xmin, 1e-6)
    lat_span = max(merc(ymax) - merc(ymin), 1e-6)
    zoom_x = math.log2(width_px * 360.0 / (512.0 * lon_span))
    zoom_y = math.log2(height_px * 2 * math.pi / (512.0 * lat_span))
    zoom = min(zoom_x, zoom_y, max_zoom) - padding
    mid_y = (merc(ymin) + merc(ymax)) / 2
    latitude = math.degrees(2 * math.atan(math.exp(mid_y)) - math.pi / 2)
    return {"latitude": latitude, "longitude": (xmin + xmax) / 2, "zoom": round(zoom, 2)}


# --------------------------------------------------------------------------- snapshot


SNAPSHOT_COLUMNS: Final = (
    "indicator_code",
    "name_nl",
    "unit",
    "aim_domain",
    "theme",
    "direction",
    "interval_method",
    "denominator_label",
    "area_code",
    "year",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
    "suppression_reason",
    "flanders_value",
    "flanders_ci_low",
    "flanders_ci_high",
    "position",
    "comparison",
    "comparison_level",
    "comparison_method",
    "comparison_phi",
    "comparison_adjusted",
)


def latest_years(values: pl.DataFrame, level: str = "zone") -> pl.DataFrame:
    """Per indicator, the newest year with values at `level` (indicator_code, year)."""
    return (
        values.filter(pl.col("level") == level)
        .group_by("indicator_code")
        .agg(pl.col("year").max())
        .sort("indicator_code")
    )


def ordered_catalogue(indicators: pl.DataFrame) -> pl.DataFrame:
    """The catalogue ordered by Quintuple Aim domain, then theme, then name."""
    return (
        indicators.join(_order_frame("aim_domain", AIM_DOMAINS), on="aim_domain", how="left")
        .join(_order_frame("theme", THEMES), on="theme", how="left")
        .with_columns(pl.col("aim_domain_order", "theme_order").fill_null(99))
        .sort("aim_domain_order", "theme_order", "name_nl", "indicator_code")
        .drop("aim_domain_order", "theme_order")
    )


def indicator_snapshot(
    values: pl.DataFrame,
    indicators: pl.DataFrame,
    area_codes: Sequence[str],
    *,
    level: str = "zone",
    indicator_codes: Sequence[str] | None = None,
    comparisons: pl.DataFrame | None = None,
    adjusted: bool = True,
) -> pl.DataFrame:
    """Every indicator for each area, in the indicator's latest year at `level`.

    All areas share that year, so they compare. One row per indicator x area (areas
    in the given order within each indicator; indicators in `ordered_catalogue`
    order, or in `indicator_codes` order when given). An area without a row has null
    values. The comparison with Flanders is the build's (`comparisons`, the mart;
    computed from `values` when not given): `position` (hoger / lager / vergelijkbaar),
    `comparison` (beter / slechter where the indicator has a direction), the level
    ("95" / "998"), method and φ; null when not determined (suppressed, missing).
    `adjusted=False` reads the comparison without the overdispersion correction.
    Columns: `SNAPSHOT_COLUMNS`.
    """
    latest = latest_years(values, level)
    cat = ordered_catalogue(indicators).join(latest, on="indicator_code", how="inner")
    if indicator_codes is not None:
        order = _order_frame("indicator_code", list(indicator_codes))
        cat = cat.join(order, on="indicator_code", how="inner").sort("indicator_code_order")
    cat = cat.with_row_index("indicator_order")
    areas = pl.DataFrame(
        {"area_code": list(area_codes), "area_order": list(range(len(area_codes)))},
        schema={"area_code": pl.String, "area_order": pl.Int64},
    )
    keys = cat.select("indicator_code", "year").join(areas, how="cross")
    cells = hide_suppressed(
        values.filter(
            (pl.col("level") == level) & pl.col("area_code").is_in(list(area_codes))
        ).select(
            "indicator_code",
            "area_code",
            "year",
            "numerator",
            "denominator",
            "value",
            "ci_low",
            "ci_high",
            "suppressed",
            "suppression_reason",
        )
    )
    flanders = hide_suppressed(
        values.filter((pl.col("level") == "vlaanderen") & (pl.col("area_code") == FLANDERS_CODE))
    ).select(
        "indicator_code",
        "year",
        pl.col("value").alias("flanders_value"),
        pl.col("ci_low").alias("flanders_ci_low"),
        pl.col("ci_high").alias("flanders_ci_high"),
    )
    meta = cat.select(
        "indicator_code",
        "indicator_order",
        "name_nl",
        "unit",
        "aim_domain",
        "theme",
        pl.col("direction").fill_null("neutraal"),
        "interval_method",
        "denominator_label",
    )
    out = (
        keys.join(cells, on=["indicator_code", "area_code", "year"], how="left")
        .join(flanders, on=["indicator_code", "year"], how="left")
        .join(meta, on="indicator_code", how="left")
        .with_columns(pl.col("suppressed").fill_null(False))
    )
    if comparisons is None:
        comparisons = compare_flanders.comparisons_for(
            values, indicators, level=level, years=latest
        )
    out = compare_flanders.attach(out, comparisons, level=level, adjusted=adjusted)
    return out.sort("indicator_order", "area_order").select(list(SNAPSHOT_COLUMNS))


def zone_ranges(values: pl.DataFrame, level: str = "zone") -> pl.DataFrame:
    """Spread across the areas of `level` per indicator in its latest year.

    Columns: indicator_code, year, n_areas, range_min, range_p25, range_median,
    range_p75, range_max (suppressed cells left out).
    """
    latest = latest_years(values, level)
    shown = hide_suppressed(values.filter(pl.col("level") == level)).join(
        latest, on=["indicator_code", "year"], how="inner"
    )
    v = pl.col("value").drop_nulls()
    return (
        shown.group_by("indicator_code", "year")
        .agg(
            v.count().cast(pl.Int64).alias("n_areas"),
            v.min().alias("range_min"),
            v.quantile(0.25, interpolation="linear").alias("range_p25"),
            v.median().alias("range_median"),
            v.quantile(0.75, interpolation="linear").alias("range_p75"),
            v.max().alias("range_max"),
        )
        .sort("indicator_code")
    )


def spine_frame(snapshot: pl.DataFrame, ranges: pl.DataFrame) -> pl.DataFrame:
    """One zone's `indicator_snapshot` with the spread across zones (`zone_ranges`, same
    year) and spine-chart positions.

    Positions (`pos_*`) follow Fingertips' spine chart: Flanders in the middle (0.5);
    each side stretches to the zone furthest from Flanders, so 0 and 1 are the most
    extreme zone on either side. Higher values are to the right.
    """
    out = snapshot.join(ranges, on=["indicator_code", "year"], how="left", maintain_order="left")
    f = pl.col("flanders_value")
    half = pl.max_horizontal(
        (pl.col("range_min") - f).abs(),
        (pl.col("range_max") - f).abs(),
        (pl.col("value") - f).abs(),
    )

    def pos(col: str) -> pl.Expr:
        return (
            pl.when(half > 0)
            .then(0.5 + (pl.col(col) - f) / (2 * half))
            .otherwise(pl.when(pl.col(col).is_not_null()).then(0.5))
            .alias(f"pos_{col.removeprefix('range_')}")
        )

    return out.with_columns(
        pos("range_min"), pos("range_p25"), pos("range_p75"), pos("range_max"), pos("value")
    )


def domains_present(spine: pl.DataFrame) -> list[str]:
    """The Quintuple Aim domains in the spine, in their fixed order."""
    present = set(spine["aim_domain"].drop_nulls().to_list())
    return [d for d in AIM_DOMAINS if d in present] + sorted(present - set(AIM_DOMAINS))


# --------------------------------------------------------------------------- GP capacity


def capacity_frame(spine: pl.DataFrame) -> pl.DataFrame:
    """The GP-capacity rows of the spine, in `CAPACITY_INDICATORS` order."""
    order = _order_frame("indicator_code", CAPACITY_INDICATORS)
    return (
        spine.join(order, on="indicator_code", how="inner")
        .sort("indicator_code_order")
        .drop("indicator_code_order")
    )


def gp_poor_zone(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    population: pl.DataFrame,
    zone_code: str,
    *,
    year: int | None = None,
) -> pl.DataFrame:
    """The GP-poor rule (`popmgmt.metrics.gppoor`) for the zone (first row) and its municipalities.

    `year` defaults to the newest year of `gp_per_10k` at municipality level. Rows are
    `gppoor.assess` output: GPs under 65 (measured, or estimated from the zone's share of
    GPs aged 65+, see `gppoor`), inhabitants, density, threshold, margin and status.
    """
    gp = values.filter(
        (pl.col("indicator_code") == gppoor.GP_INDICATOR) & (pl.col("level") == "gemeente")
    )
    if year is None:
        if gp.height == 0:
            return gppoor.assess(pl.DataFrame(schema=gppoor.INPUT_SCHEMA))
        year = int(cast("int", gp["year"].max()))
    own = areas.filter(
        ((pl.col("level") == "zone") & (pl.col("area_code") == zone_code))
        | ((pl.col("level") == "gemeente") & (pl.col("zone_code") == zone_code))
    )
    zone_rows = gppoor.gp_poor_inputs(values, own, population, level="zone", years=[year])
    muni_rows = gppoor.gp_poor_inputs(values, own, population, level="gemeente", years=[year])
    return gppoor.assess(pl.concat([zone_rows, muni_rows]))


PRACTICE_DIMENSIONS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "practice_form": ("Praktijkvorm", PRACTICE_FORMS),
    "payment_system": ("Betalingssysteem", PAYMENT_SYSTEMS),
    "patient_stop": ("Patiëntenstop", PATIENT_STOP),
}
NO_ANSWER: Final = "geen_antwoord"


def practice_profile(practices: pl.DataFrame, zone_code: str) -> pl.DataFrame:
    """Counts of practices by form, payment system and patient stop, zone vs Flanders.

    Counted from the practices mart's public, practice-level columns: the payment
    system for the newest year; form and patient stop for the newest survey year
    (the newest year with any practice form), with non-respondents as
    `geen_antwoord`. Flanders excludes Brussels (`elz7`). Counts of practices are
    practice-level facts, not counts of persons. Columns: dimension, category, year,
    zone_practices, zone_share, flanders_practices, flanders_share.
    """
    schema = {
        "dimension": pl.String,
        "category": pl.String,
        "year": pl.Int64,
        "zone_practices": pl.Int64,
        "zone_share": pl.Float64,
        "flanders_practices": pl.Int64,
        "flanders_share": pl.Float64,
    }
    flemish = practices.filter(
        pl.col("zone_code").is_not_null() & (pl.col("zone_code") != BRUSSELS_ZONE)
    )
    parts = []
    for dim, (_title, categories) in PRACTICE_DIMENSIONS.items():
        answered = flemish.filter(pl.col(dim).is_not_null())
        if answered.height == 0:
            continue
        year = int(cast("int", answered["year"].max()))
        rows = flemish.filter(pl.col("year") == year).with_columns(
            pl.col(dim).fill_null(NO_ANSWER).alias("category")
        )
        cats = [*categories, NO_ANSWER]
        grid = _order_frame("category", cats)
        zone_counts = (
            rows.filter(pl.col("zone_code") == zone_code)
            .group_by("category")
            .agg(pl.len().cast(pl.Int64).alias("zone_practices"))
        )
        fl_counts = rows.group_by("category").agg(
            pl.len().cast(pl.Int64).alias("flanders_practices")
        )
        part = (
            grid.join(zone_counts, on="category", how="left")
            .join(fl_counts, on="category", how="left")
            .with_columns(pl.col("zone_practices", "flanders_practices").fill_null(0))
            .filter((pl.col("category") != NO_ANSWER) | (pl.col("flanders_practices") > 0))
            .with_columns(
                pl.lit(dim).alias("dimension"),
                pl.lit(year, dtype=pl.Int64).alias("year"),
                (pl.col("zone_practices") / pl.col("zone_practices").sum() * 100).alias(
                    "zone_share"
                ),
                (pl.col("flanders_practices") / pl.col("flanders_practices").sum() * 100).alias(
                    "flanders_share"
                ),
            )
            .sort("category_order")
        )
        parts.append(part.select(list(schema)))
    if not parts:
        return pl.DataFrame(schema=schema)
    out = pl.concat(parts).with_columns(pl.col("zone_share", "flanders_share").fill_nan(None))
    return out.cast(schema)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- trends


TREND_COLUMNS: Final = (
    "year",
    "role",
    "area_code",
    "area_name",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
    "suppression_reason",
)


def trend_series(
    values: pl.DataFrame,
    indicator_code: str,
    zone_code: str,
    peer_codes: Sequence[str],
    names: Mapping[str, str],
) -> pl.DataFrame:
    """Every year of one indicator for the zone (`role` "zone"), Flanders
    ("vlaanderen") and the similar zones ("vergelijkbaar"). Columns `TREND_COLUMNS`,
    sorted by role, area, year; suppressed cells keep their row with null values.
    """
    ind = values.filter(pl.col("indicator_code") == indicator_code)
    zone_rows = ind.filter(
        (pl.col("level") == "zone") & pl.col("area_code").is_in([zone_code, *peer_codes])
    )
    fl_rows = ind.filter((pl.col("level") == "vlaanderen") & (pl.col("area_code") == FLANDERS_CODE))
    role_order = {"zone": 0, "vlaanderen": 1, "vergelijkbaar": 2}
    out = hide_suppressed(pl.concat([zone_rows, fl_rows])).with_columns(
        pl.when(pl.col("level") == "vlaanderen")
        .then(pl.lit("vlaanderen"))
        .when(pl.col("area_code") == zone_code)
        .then(pl.lit("zone"))
        .otherwise(pl.lit("vergelijkbaar"))
        .alias("role"),
        pl.col("area_code")
        .replace_strict({**dict(names), FLANDERS_CODE: "Vlaanderen"}, default=pl.col("area_code"))
        .alias("area_name"),
    )
    return (
        out.with_columns(
            pl.col("role").replace_strict(role_order, return_dtype=pl.Int64).alias("_r")
        )
        .sort("_r", "area_code", "year")
        .select(list(TREND_COLUMNS))
    )
