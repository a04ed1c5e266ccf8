"""Small hand-built frames and geometries shared by the unit tests (imported by `conftest`).

A plain module, not a test file: `from frames import VALUE_SCHEMA, square`.
"""

from __future__ import annotations

from typing import Any

import polars as pl

VALUE_SCHEMA: dict[str, Any] = {
    "indicator_code": pl.String,
    "level": pl.String,
    "area_code": pl.String,
    "year": pl.Int64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "suppressed": pl.Boolean,
    "suppression_reason": pl.String,
}
"""The columns of `indicator_values` that the view and metric functions read."""


def square(lon: float, lat: float, size: float = 0.3) -> dict[str, Any]:
    """A closed square GeoJSON polygon with its south-west corner at (lon, lat)."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}
