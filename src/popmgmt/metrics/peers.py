"""Peers of a first-line zone: similar zones and neighbouring zones (pure, no Streamlit).

Similar zones (like the Gemeente-Stadsmonitor's clusters, DOMAIN 6): every zone is a
point in a space of three standardised features,

* size: inhabitants on 1 January (natural log),
* urbanity: inhabitants per km² (natural log; the zone's area from `areas.area_km2`),
* deprivation: the share of entitled persons with increased reimbursement
  (`ima_vt`, verhoogde tegemoetkoming): a documented, rough poverty proxy,

each turned into a z-score across the zones (mean 0, standard deviation 1), so the
three count equally. The similar zones are the `k` nearest zones by Euclidean distance.
The logs keep the few large cities from dominating size and density.

Neighbouring zones share at least one boundary vertex (within a tolerance) in the zone
boundaries (`geo/zones.geojson`): "queen" contiguity. Polygons whose bounding boxes do
not touch are never compared.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import polars as pl

DEPRIVATION_INDICATOR: Final = "ima_vt"
PEER_COUNT: Final = 5
ADJACENCY_TOLERANCE: Final = 1e-6
"""Degrees (about 0.1 m): two vertices closer than this count as one."""

FEATURES: Final = ("population", "density", "deprivation")
LOG_FEATURES: Final = ("population", "density")

FEATURES_SCHEMA: Final = pl.Schema(
    {
        "zone_code": pl.String,
        "zone_name": pl.String,
        "population": pl.Float64,
        "population_year": pl.Int64,
        "area_km2": pl.Float64,
        "density": pl.Float64,
        "deprivation": pl.Float64,
        "deprivation_year": pl.Int64,
    }
)

PEERS_SCHEMA: Final = pl.Schema(
    {
        "rank": pl.Int64,
        "zone_code": pl.String,
        "zone_name": pl.String,
        "population": pl.Float64,
        "density": pl.Float64,
        "deprivation": pl.Float64,
        "distance": pl.Float64,
    }
)

ADJACENCY_SCHEMA: Final = pl.Schema(
    {"zone_a": pl.String, "zone_b": pl.String, "shared_vertices": pl.Int64}
)


# --------------------------------------------------------------------------- similar zones


def zone_features(
    areas: pl.DataFrame,
    population: pl.DataFrame,
    values: pl.DataFrame,
    *,
    deprivation_indicator: str = DEPRIVATION_INDICATOR,
) -> pl.DataFrame:
    """Size, urbanity and deprivation of every zone (`FEATURES_SCHEMA`).

    Population and deprivation are each for their own latest year at zone level.
    A suppressed or missing value is null (the zone then has no peers).
    """
    zones = areas.filter(pl.col("level") == "zone").select(
        pl.col("area_code").alias("zone_code"),
        pl.col("area_name").alias("zone_name"),
        pl.col("area_km2").cast(pl.Float64),
    )
    pop = population.filter(
        (pl.col("level") == "zone") & (pl.col("sex") == "T") & (pl.col("age_band") == "totaal")
    )
    pop = pop.filter(pl.col("year") == pl.col("year").max()).select(
        pl.col("area_code").alias("zone_code"),
        pl.when(pl.col("suppressed").fill_null(False))
        .then(None)
        .otherwise(pl.col("population"))
        .cast(pl.Float64)
        .alias("population"),
        pl.col("year").alias("population_year"),
    )
    dep = values.filter(
        (pl.col("indicator_code") == deprivation_indicator) & (pl.col("level") == "zone")
    )
    dep = dep.filter(pl.col("year") == pl.col("year").max()).select(
        pl.col("area_code").alias("zone_code"),
        pl.when(pl.col("suppressed").fill_null(False))
        .then(None)
        .otherwise(pl.col("value"))
        .cast(pl.Float64)
        .alias("deprivation"),
        pl.col("year").alias("deprivation_year"),
    )
    out = (
        zones.join(pop, on="zone_code", how="left")
        .join(dep, on="zone_code", how="left")
        .with_columns(
            pl.when(pl.col("area_km2") > 0)
            .then(pl.col("population") / pl.col("area_km2"))
            .alias("density")
        )
    )
    return out.select(list(FEATURES_SCHEMA)).cast(FEATURES_SCHEMA).sort("zone_code")


def standardise(
    features: pl.DataFrame,
    columns: Sequence[str] = FEATURES,
    log_columns: Sequence[str] = LOG_FEATURES,
) -> pl.DataFrame:
    """Add `z_<column>`: the z-score across the rows with every column known.

    Columns in `log_columns` are log-transformed first (values must be > 0). Rows
    with a missing feature get null z-scores and take no part in the mean and
    standard deviation. A column without spread gets z = 0.
    """
    complete = pl.all_horizontal(*[pl.col(c).is_not_null() for c in columns])
    exprs = []
    for col in columns:
        x = pl.col(col).cast(pl.Float64)
        if col in log_columns:
            x = pl.when(x > 0).then(x.log()).otherwise(None)
        known = x.filter(complete)
        sd = known.std(ddof=0)
        z = pl.when(sd > 0).then((x - known.mean()) / sd).otherwise(0.0)
        exprs.append(pl.when(complete).then(z).otherwise(None).alias(f"z_{col}"))
    return features.with_columns(exprs)


def similar_zones(
    features: pl.DataFrame,
    zone_code: str,
    *,
    k: int = PEER_COUNT,
    columns: Sequence[str] = FEATURES,
    log_columns: Sequence[str] = LOG_FEATURES,
) -> pl.DataFrame:
    """The `k` zones nearest to `zone_code` in the standardised feature space.

    Output `PEERS_SCHEMA`, nearest first (ties by zone code); `distance` is the
    Euclidean distance of the z-scores. Empty when the zone is unknown or has a
    missing feature.
    """
    if k < 1:
        raise ValueError("k moet minstens 1 zijn")
    z = standardise(features, columns, log_columns)
    zcols = [f"z_{c}" for c in columns]
    own = z.filter(pl.col("zone_code") == zone_code)
    if own.height == 0 or any(own[c][0] is None for c in zcols):
        return pl.DataFrame(schema=PEERS_SCHEMA)
    distance = sum(((pl.col(c) - own[c][0]) ** 2 for c in zcols), pl.lit(0.0)).sqrt()
    return (
        z.filter((pl.col("zone_code") != zone_code) & pl.col(zcols[0]).is_not_null())
        .with_columns(distance.alias("distance"))
        .sort("distance", "zone_code")
        .head(k)
        .with_row_index("rank", offset=1)
        .select(list(PEERS_SCHEMA))
        .cast(PEERS_SCHEMA)
    )


# --------------------------------------------------------------------------- neighbours


def polygon_rings(geometry: Mapping[str, Any] | None) -> list[list[Sequence[float]]]:
    """The rings of a (Multi)Polygon or GeometryCollection; [] for anything else."""
    if not geometry:
        return []
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for polygon in coords for ring in polygon]
    if kind == "GeometryCollection":
        return [ring for g in geometry.get("geometries") or [] for ring in polygon_rings(g)]
    return []


def _cells(
    rings: Iterable[Sequence[Sequence[float]]], tolerance: float
) -> tuple[set[tuple[int, int]], tuple[float, float, float, float] | None]:
    cells: set[tuple[int, int]] = set()
    xmin = ymin = math.inf
    xmax = ymax = -math.inf
    for ring in rings:
        for point in ring:
            x, y = float(point[0]), float(point[1])
            cells.add((math.floor(x / tolerance), math.floor(y / tolerance)))
            xmin, xmax = min(xmin, x), max(xmax, x)
            ymin, ymax = min(ymin, y), max(ymax, y)
    box = None if not cells else (xmin, ymin, xmax, ymax)
    return cells, box


def _boxes_touch(
    a: tuple[float, float, float, float], b: tuple[float, float, float, float], tol: float
) -> bool:
    return not (a[2] + tol < b[0] or b[2] + tol < a[0] or a[3] + tol < b[1] or b[3] + tol < a[1])


def _shared(a: set[tuple[int, int]], b: set[tuple[int, int]]) -> int:
    """Cells of `a` with a cell of `b` in their 3 x 3 neighbourhood."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return sum(
        1
        for cx, cy in small
        if any((cx + dx, cy + dy) in large for dx in (-1, 0, 1) for dy in (-1, 0, 1))
    )


def zone_adjacency(
    geojson: Mapping[str, Any],
    *,
    code_property: str = "area_code",
    tolerance: float = ADJACENCY_TOLERANCE,
    min_shared: int = 1,
) -> pl.DataFrame:
    """Pairs of areas whose boundaries touch: one row per pair (`zone_a` < `zone_b`).

    Vertices are snapped to a grid of `tolerance` degrees; two areas touch when at
    least `min_shared` vertices of one lie within a grid cell of a vertex of the
    other (1: a shared corner counts, "queen" contiguity; 2 or more: a shared edge).
    Bounding boxes (widened by the tolerance) filter the pairs first. Features of
    the same code (multi-part areas) are merged. `shared_vertices` counts the
    matching vertices. Output `ADJACENCY_SCHEMA`, sorted.
    """
    if tolerance <= 0:
        raise ValueError("tolerance moet groter dan 0 zijn")
    rings: dict[str, list[Sequence[Sequence[float]]]] = {}
    for feature in geojson.get("features") or []:
        code = (feature.get("properties") or {}).get(code_property)
        if code is None:
            continue
        rings.setdefault(str(code), []).extend(polygon_rings(feature.get("geometry")))
    shapes = {code: _cells(r, tolerance) for code, r in rings.items()}
    codes = sorted(code for code, (cells, _) in shapes.items() if cells)
    rows = []
    for i, a in enumerate(codes):
        cells_a, box_a = shapes[a]
        for b in codes[i + 1 :]:
            cells_b, box_b = shapes[b]
            assert box_a is not None
            assert box_b is not None
            if not _boxes_touch(box_a, box_b, tolerance):
                continue
            shared = _shared(cells_a, cells_b)
            if shared >= min_shared:
                rows.append((a, b, shared))
    return pl.DataFrame(rows, schema=ADJACENCY_SCHEMA, orient="row").sort("zone_a", "zone_b")


def neighbours(adjacency: pl.DataFrame, zone_code: str) -> list[str]:
    """The codes of the areas that touch `zone_code`, sorted."""
    left = adjacency.filter(pl.col("zone_a") == zone_code)["zone_b"].to_list()
    right = adjacency.filter(pl.col("zone_b") == zone_code)["zone_a"].to_list()
    return sorted({*left, *right})
