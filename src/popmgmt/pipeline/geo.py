"""Boundary geometry for the app: lighter polygons for fast maps, neighbours sharing edges.

The zone and municipality boundaries are simplified as a *coverage* (shapely/GEOS): every
edge two areas share is simplified once, so after simplification neighbours still meet
exactly (no slivers, no overlaps on the map). The source files were simplified polygon by
polygon upstream and do not quite fit together, so they are first cleaned into a valid
coverage: nearby vertices snapped, overlaps given to one neighbour, thin gaps between
neighbours filled. Holes a source polygon has itself (the Dutch enclaves in Baarle-Hertog)
are real and kept.

The result depends only on the source file and the parameters, so `simplified_layer`
computes it once per reference-data version and keeps it in a cache folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape

# ~20 m at Flemish latitudes: invisible on a zone or municipality map. For the
# Visvalingam-Whyatt simplification of the coverage this is the square root of the
# largest triangle area a removed vertex may span.
DEFAULT_TOLERANCE = 0.0002
DEFAULT_DECIMALS = 5
# Gaps between neighbouring source polygons narrower than this (~70 m east-west, ~110 m
# north-south) are slivers of the upstream simplification and are filled.
DEFAULT_GAP_WIDTH = 0.001
# Bump when the method changes, so that cached results are recomputed.
METHOD_VERSION = 1

Geometry = dict[str, Any]


def _check_polygonal(geometries: Sequence[Geometry]) -> None:
    for geometry in geometries:
        kind = geometry.get("type")
        if kind not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"onverwacht geometrietype {kind!r}: enkel Polygon en MultiPolygon")


def _real_holes(source: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The holes of the source polygons that no source polygon fills (enclaves, lakes).

    They join the coverage as placeholders while it is cleaned and simplified, so that
    gap filling leaves them open and their edges are simplified once, like any other.
    """
    rings = [shapely.Polygon(ring) for part in shapely.get_parts(source) for ring in part.interiors]
    if not rings:
        return np.empty(0, dtype=object)
    open_ = shapely.difference(shapely.union_all(rings), shapely.union_all(source))
    parts = shapely.get_parts(open_)
    return np.asarray(parts[shapely.area(parts) > 0])


def _round(geometries: npt.NDArray[Any], decimals: int) -> npt.NDArray[Any]:
    """Coordinates rounded to `decimals`; a shared vertex rounds the same on both sides.

    A ring that rounding would collapse (smaller than the grid) keeps its geometry
    unrounded. Exterior rings counter-clockwise, holes clockwise (RFC 7946).
    """
    out = np.empty(len(geometries), dtype=object)
    for i, geometry in enumerate(geometries):
        rounded = shapely.transform(geometry, lambda xy: np.round(xy, decimals))
        try:
            out[i] = shapely.remove_repeated_points(rounded, 0.0)
        except shapely.errors.GEOSException:
            out[i] = geometry
    return np.asarray(shapely.orient_polygons(out))


def simplify_coverage(
    geometries: Sequence[Geometry],
    tolerance: float = DEFAULT_TOLERANCE,
    decimals: int = DEFAULT_DECIMALS,
    gap_width: float = DEFAULT_GAP_WIDTH,
) -> list[Geometry]:
    """GeoJSON Polygons/MultiPolygons that tile an area, simplified together (new dicts).

    Shared edges stay shared: two neighbours have the same vertices along the edge they
    share, so the result neither overlaps nor leaves gaps between them.
    """
    _check_polygonal(geometries)
    if not geometries:
        return []
    source = np.array([shape(g) for g in geometries], dtype=object)
    coverage = np.concatenate([source, _real_holes(source)])
    cleaned = shapely.coverage_clean(coverage, gap_width=gap_width)
    simplified = np.asarray(shapely.coverage_simplify(cleaned, tolerance))[: len(source)]
    out = _round(simplified, decimals)
    bad = ~shapely.is_valid(out)
    if bad.any():  # rounding folded a narrow spot: repair that polygon only
        out[bad] = shapely.make_valid(out[bad])
    return [_as_geojson(g) for g in out]


def _as_geojson(geometry: Any) -> Geometry:
    polygons = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon"]
    rings = [
        [[[float(x), float(y)] for x, y in ring.coords] for ring in (p.exterior, *p.interiors)]
        for p in polygons
    ]
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": rings[0]}
    return {"type": "MultiPolygon", "coordinates": rings}


def simplify_geometry(
    geometry: Geometry,
    tolerance: float = DEFAULT_TOLERANCE,
    decimals: int = DEFAULT_DECIMALS,
) -> Geometry:
    """One Polygon or MultiPolygon simplified on its own (a coverage of one; a new dict)."""
    return simplify_coverage([geometry], tolerance, decimals, gap_width=0.0)[0]


# -- once per reference-data version ------------------------------------------------------

Layer = dict[str, Geometry]
"""Simplified geometry per area code (the source's code property)."""


def cache_key(
    source: bytes,
    code_property: str,
    tolerance: float,
    decimals: int,
    gap_width: float,
) -> str:
    """What the simplified layer depends on: source bytes, parameters, method and library."""
    digest = hashlib.sha256(source)
    params = {
        "code_property": code_property,
        "tolerance": tolerance,
        "decimals": decimals,
        "gap_width": gap_width,
        "method": METHOD_VERSION,
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
    }
    digest.update(json.dumps(params, sort_keys=True).encode())
    return digest.hexdigest()


def compute_layer(
    source: bytes,
    code_property: str,
    tolerance: float = DEFAULT_TOLERANCE,
    decimals: int = DEFAULT_DECIMALS,
    gap_width: float = DEFAULT_GAP_WIDTH,
) -> Layer:
    """Every feature of a GeoJSON FeatureCollection, simplified as one coverage."""
    features = json.loads(source)["features"]
    codes = [str(f["properties"][code_property]) for f in features]
    geometries = simplify_coverage(
        [f["geometry"] for f in features], tolerance, decimals, gap_width
    )
    return dict(zip(codes, geometries, strict=True))


def _read_cached(path: Path) -> Layer | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_cached(path: Path, layer: Layer) -> None:
    """Write atomically (temp file + rename); a cache that cannot be written is skipped."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.fchmod(fd, 0o644)  # mkstemp makes it private; the cache is not secret
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(layer, handle, separators=(",", ":"))
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def simplified_layer(
    source: Path,
    code_property: str,
    cache: Path | None,
    tolerance: float = DEFAULT_TOLERANCE,
    decimals: int = DEFAULT_DECIMALS,
    gap_width: float = DEFAULT_GAP_WIDTH,
    compute: Callable[..., Layer] | None = None,
) -> Layer:
    """The simplified layer of a source GeoJSON, from `cache` when it was computed before.

    `cache` is a folder outside the built data (it survives rebuilds); None, a missing
    folder that cannot be made, or a read-only one only means computing in memory.
    """
    data = source.read_bytes()
    key = cache_key(data, code_property, tolerance, decimals, gap_width)
    path = cache / f"{source.stem}-{key[:32]}.json" if cache is not None else None
    if path is not None:
        cached = _read_cached(path)
        if cached is not None:
            return cached
    layer = (compute or compute_layer)(data, code_property, tolerance, decimals, gap_width)
    if path is not None:
        _write_cached(path, layer)
    return layer
