"""Boundary simplification: lighter maps that keep their shape."""

from __future__ import annotations

import math

import pytest

from popmgmt.pipeline.geo import simplify_geometry, simplify_ring


def _circle(n: int, radius: float = 0.1) -> list[list[float]]:
    pts = [
        [
            4.0 + radius * math.cos(2 * math.pi * i / n),
            51.0 + radius * math.sin(2 * math.pi * i / n),
        ]
        for i in range(n)
    ]
    return [*pts, pts[0]]


def test_collinear_points_are_dropped_and_corners_kept() -> None:
    square = [[0, 0], [0.5, 0], [1, 0], [1, 0.5], [1, 1], [0, 1], [0, 0.5], [0, 0]]
    assert simplify_ring(square, 0.001, 5) == [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]


def test_a_dense_circle_loses_points_but_stays_within_tolerance() -> None:
    ring = _circle(2000)
    out = simplify_ring(ring, 0.0002, 6)
    assert 20 < len(out) < 400
    assert out[0] == out[-1]
    # Every kept point lies on the original circle (radius 0.1 around 4, 51).
    for x, y in out:
        assert math.hypot(x - 4.0, y - 51.0) == pytest.approx(0.1, abs=1e-5)


def test_tiny_rings_stay_valid() -> None:
    triangle = [[0.0, 0.0], [1e-6, 0.0], [0.0, 1e-6], [0.0, 0.0]]
    out = simplify_ring(triangle, 0.01, 5)
    assert len(out) == 4
    assert out[0] == out[-1]


def test_multipolygons_keep_every_part_and_holes() -> None:
    outer, hole = _circle(400, 0.1), _circle(400, 0.02)
    geometry = {"type": "MultiPolygon", "coordinates": [[outer, hole], [_circle(50, 0.01)]]}
    out = simplify_geometry(geometry)
    assert out["type"] == "MultiPolygon"
    assert [len(p) for p in out["coordinates"]] == [2, 1]
    assert geometry["coordinates"][0][0] is outer  # input untouched


def test_other_geometries_are_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="Point"):
        simplify_geometry({"type": "Point", "coordinates": [4.0, 51.0]})
