"""Boundary geometry for the app: lighter polygons for fast maps (pure functions)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

# ~20 m at Flemish latitudes: invisible on a zone or municipality map, and it
# halves what the browser has to receive on every page run.
DEFAULT_TOLERANCE = 0.0002
DEFAULT_DECIMALS = 5

Ring = list[list[float]]


def _keep_mask(points: npt.NDArray[np.float64], tolerance: float) -> npt.NDArray[np.bool_]:
    """Ramer-Douglas-Peucker on one open polyline: which points to keep."""
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        start, end = points[first], points[last]
        inner = points[first + 1 : last]
        seg = end - start
        length = float(np.hypot(*seg))
        if length == 0.0:
            dist = np.hypot(*(inner - start).T)
        else:
            dist = np.abs(seg[0] * (inner[:, 1] - start[1]) - seg[1] * (inner[:, 0] - start[0]))
            dist = dist / length
        i = int(np.argmax(dist))
        if dist[i] > tolerance:
            split = first + 1 + i
            keep[split] = True
            stack += [(first, split), (split, last)]
    return keep


def simplify_ring(ring: Ring, tolerance: float, decimals: int) -> Ring:
    """A closed ring with fewer points; never fewer than 4 (a valid closed ring)."""
    points = np.asarray(ring, dtype=np.float64)[:, :2]
    if len(points) <= 4:
        return [[round(x, decimals), round(y, decimals)] for x, y in points]
    # Split the closed ring at its point farthest from the start, so RDP sees
    # two open polylines and the ring keeps its shape.
    far = int(np.argmax(np.hypot(*(points - points[0]).T)))
    keep = np.zeros(len(points), dtype=bool)
    keep[: far + 1] |= _keep_mask(points[: far + 1], tolerance)
    keep[far:] |= _keep_mask(points[far:], tolerance)
    kept = points[keep] if keep.sum() >= 4 else points
    out: Ring = []
    for x, y in np.round(kept, decimals):
        if not out or out[-1] != [x, y]:
            out.append([float(x), float(y)])
    if out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else [[round(x, decimals), round(y, decimals)] for x, y in points]


def simplify_geometry(
    geometry: dict[str, Any],
    tolerance: float = DEFAULT_TOLERANCE,
    decimals: int = DEFAULT_DECIMALS,
) -> dict[str, Any]:
    """A Polygon or MultiPolygon with simplified rings (a new dict)."""
    kind = geometry["type"]
    if kind == "Polygon":
        rings = [simplify_ring(r, tolerance, decimals) for r in geometry["coordinates"]]
        return {"type": kind, "coordinates": rings}
    if kind == "MultiPolygon":
        polys = [
            [simplify_ring(r, tolerance, decimals) for r in poly]
            for poly in geometry["coordinates"]
        ]
        return {"type": kind, "coordinates": polys}
    raise ValueError(f"onverwacht geometrietype {kind!r}: enkel Polygon en MultiPolygon")
