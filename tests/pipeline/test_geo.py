"""Boundary simplification: lighter maps that keep their shape, neighbours sharing edges,
computed once per reference-data version."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import shapely
from shapely.geometry import shape

from popmgmt.config import CACHE_ENV
from popmgmt.pipeline import build as build_module
from popmgmt.pipeline import geo
from popmgmt.pipeline.geo import (
    DEFAULT_TOLERANCE,
    compute_layer,
    simplified_layer,
    simplify_coverage,
    simplify_geometry,
)
from popmgmt.pipeline.refdata import RefData


def _circle(n: int, radius: float = 0.1) -> list[list[float]]:
    pts = [
        [
            4.0 + radius * math.cos(2 * math.pi * i / n),
            51.0 + radius * math.sin(2 * math.pi * i / n),
        ]
        for i in range(n)
    ]
    return [*pts, pts[0]]


def _polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring]}


def test_collinear_points_are_dropped_and_corners_kept() -> None:
    square = [[0, 0], [0.5, 0], [1, 0], [1, 0.5], [1, 1], [0, 1], [0, 0.5], [0, 0]]
    out = simplify_geometry(_polygon(square), 0.001, 5)["coordinates"][0]
    assert len(out) == 5
    assert out[0] == out[-1]
    assert {tuple(p) for p in out} == {(0, 0), (1, 0), (1, 1), (0, 1)}


def test_a_dense_circle_loses_points_but_stays_within_tolerance() -> None:
    out = simplify_geometry(_polygon(_circle(2000)), 0.0002, 6)["coordinates"][0]
    assert 20 < len(out) < 400
    assert out[0] == out[-1]
    # Every kept point lies on the original circle (radius 0.1 around 4, 51).
    for x, y in out:
        assert math.hypot(x - 4.0, y - 51.0) == pytest.approx(0.1, abs=1e-5)


def test_tiny_rings_stay_valid() -> None:
    triangle = [[0.0, 0.0], [1e-6, 0.0], [0.0, 1e-6], [0.0, 0.0]]
    out = simplify_geometry(_polygon(triangle), 0.01, 5)["coordinates"][0]
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


# --- neighbours share their edges ------------------------------------------------------------


def _wiggly_squares() -> tuple[dict[str, Any], dict[str, Any]]:
    """Two 0.1° squares side by side; their common border x = 4.1 wiggles by ~1 m."""
    edge = [[4.1 + 0.00001 * math.sin(i * 1.7), 51.0 + 0.1 * i / 200] for i in range(201)]
    west = [[4.0, 51.0], *edge, [4.0, 51.1], [4.0, 51.0]]
    east = [*edge, [4.2, 51.1], [4.2, 51.0], edge[0]]
    return _polygon(west), _polygon(east)


def test_neighbours_keep_one_shared_edge_without_gap_or_overlap() -> None:
    west, east = (shape(g) for g in simplify_coverage(list(_wiggly_squares())))
    assert west.is_valid
    assert east.is_valid
    assert shapely.coverage_is_valid([west, east])
    # The wiggle (< tolerance) is gone, from both sides alike.
    assert shapely.get_num_coordinates(west) < 50  # of 205
    shared = west.intersection(east)
    assert shared.length == pytest.approx(0.1, rel=1e-3)
    assert west.intersection(east).area == pytest.approx(0.0, abs=1e-12)
    assert west.union(east).area == pytest.approx(west.area + east.area, abs=1e-12)
    assert west.union(east).area == pytest.approx(0.02, rel=1e-3)
    border = {tuple(p) for p in west.exterior.coords} & {tuple(p) for p in east.exterior.coords}
    assert len(border) >= 2
    assert all(4.0999 < x < 4.1001 for x, _ in border)


def test_thin_gaps_are_filled_but_real_holes_and_islands_stay() -> None:
    """A 30 m gap between neighbours is a sliver and closes; a hole of a polygon itself stays
    open (an enclave), and a part of the polygon inside that hole (an island) stays too."""
    hole = [[x + 0.05, y + 0.05] for x, y in _circle(40, 0.02)]
    island = [[x + 0.05, y + 0.05] for x, y in _circle(20, 0.005)]
    west = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[4.0, 51.0], [4.1, 51.0], [4.1, 51.1], [4.0, 51.1], [4.0, 51.0]], hole],
            [island],
        ],
    }
    notch = [[4.1, 51.07], [4.1003, 51.07], [4.1003, 51.03], [4.1, 51.03]]
    east = _polygon([[4.1, 51.0], [4.2, 51.0], [4.2, 51.1], [4.1, 51.1], *notch, [4.1, 51.0]])
    out = [shape(g) for g in simplify_coverage([west, east])]
    assert shapely.coverage_is_valid(out)
    assert all(g.is_valid for g in out)
    union = shapely.union_all(out)
    parts = shapely.get_parts(union)
    assert len(parts) == 2  # the squares as one, the island
    assert sorted(len(p.interiors) for p in parts) == [0, 1]  # the notch is closed
    lake = math.pi * (0.02**2 - 0.005**2)
    assert union.area == pytest.approx(0.02 - lake, rel=1e-2)


# --- once per reference-data version ------------------------------------------------------


def _source(folder: Path, name: str = "areas.geojson") -> Path:
    features = [
        {"type": "Feature", "properties": {"code": code}, "geometry": g}
        for code, g in zip(("w", "e"), _wiggly_squares(), strict=True)
    ]
    path = folder / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def counted(*args: Any) -> geo.Layer:
        calls.append(1)
        return compute_layer(*args)

    monkeypatch.setattr(geo, "compute_layer", counted)
    return calls


def test_the_cache_is_used_and_a_changed_source_gives_a_new_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting(monkeypatch)
    source, cache = _source(tmp_path), tmp_path / "cache"
    first = simplified_layer(source, "code", cache)
    assert list(first) == ["w", "e"]
    assert simplified_layer(source, "code", cache) == first
    assert len(calls) == 1
    assert len(list(cache.glob("*.json"))) == 1
    assert not list(cache.glob(".*"))  # no temporary file left behind
    # Another tolerance, or another source file: computed again.
    simplified_layer(source, "code", cache, tolerance=DEFAULT_TOLERANCE * 2)
    assert len(calls) == 2
    data = json.loads(source.read_text())
    data["features"][1]["geometry"]["coordinates"][0][1] = [4.2, 51.11]
    source.write_text(json.dumps(data))
    changed = simplified_layer(source, "code", cache)
    assert len(calls) == 3
    assert changed != first
    assert len(list(cache.glob("*.json"))) == 3


def test_a_damaged_cache_file_is_computed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting(monkeypatch)
    source, cache = _source(tmp_path), tmp_path / "cache"
    first = simplified_layer(source, "code", cache)
    (entry,) = cache.glob("*.json")
    entry.write_text('{"w": ')
    assert simplified_layer(source, "code", cache) == first
    assert len(calls) == 2
    assert simplified_layer(source, "code", cache) == first
    assert len(calls) == 2


def test_an_unwritable_cache_only_means_computing_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting(monkeypatch)
    source = _source(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    first = simplified_layer(source, "code", blocker / "cache")  # cannot be made
    assert simplified_layer(source, "code", None) == first

    def read_only(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    assert simplified_layer(source, "code", tmp_path / "ro") == first
    assert len(calls) == 3


def _refdata_with(folder: Path) -> RefData:
    """A RefData whose boundary files are the two squares (zones and municipalities)."""
    (folder / "geo").mkdir(parents=True)
    for name, prop in (("elz_2025", "elz"), ("municipalities_2025", "geoitem")):
        features = [
            {"type": "Feature", "properties": {prop: code}, "geometry": g}
            for code, g in zip(("a", "b"), _wiggly_squares(), strict=True)
        ]
        path = folder / "geo" / f"{name}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    empty = pl.DataFrame()
    return RefData(folder, empty, empty, empty, empty)


def test_the_build_step_writes_the_same_files_with_a_read_only_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refdata = _refdata_with(tmp_path / "ref")
    areas = pl.DataFrame(
        {
            "level": ["zone", "zone", "gemeente"],
            "area_code": ["a", "b", "a"],
            "area_name": ["Zone A", "Zone B", "Gemeente A"],
        }
    )
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    (tmp_path / "warm").mkdir()
    (tmp_path / "cold").mkdir()
    written = build_module._write_geo(refdata, tmp_path / "warm", {"areas": areas})
    assert written == {"zones": "geo/zones.geojson", "municipalities": "geo/municipalities.geojson"}
    assert len(list((cache / "geo").glob("*.json"))) == 2

    def read_only(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)  # a read-only cache (also as root)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))  # a cache that cannot be made
    again = build_module._write_geo(refdata, tmp_path / "cold", {"areas": areas})
    assert again == written
    for file in written.values():
        assert (tmp_path / "cold" / file).read_bytes() == (tmp_path / "warm" / file).read_bytes()
    zones = json.loads((tmp_path / "warm" / "geo" / "zones.geojson").read_text())
    assert [f["properties"] for f in zones["features"]] == [
        {"area_code": "a", "area_name": "Zone A"},
        {"area_code": "b", "area_name": "Zone B"},
    ]
    munis = json.loads((tmp_path / "warm" / "geo" / "municipalities.geojson").read_text())
    assert [f["properties"]["area_code"] for f in munis["features"]] == ["a"]


# --- the real reference geography -----------------------------------------------------------


def _holes(geometries: list[Any]) -> list[Any]:
    return [shapely.Polygon(r) for p in shapely.get_parts(geometries) for r in p.interiors]


@pytest.mark.parametrize(
    ("attr", "prop"), [("municipalities_geojson", "geoitem"), ("zones_geojson", "elz")]
)
def test_real_boundaries_cover_flanders_without_gaps(
    refdata: RefData, attr: str, prop: str
) -> None:
    """Every area valid, the areas a valid coverage (shared edges), the union without
    gaps but the real holes (the Dutch enclaves in Baarle-Hertog) and the area unchanged."""
    source_bytes = getattr(refdata, attr).read_bytes()
    source = [shape(f["geometry"]) for f in json.loads(source_bytes)["features"]]
    layer = compute_layer(source_bytes, prop)
    out = [shape(g) for g in layer.values()]
    assert len(out) == len(source)
    assert all(g.is_valid and not g.is_empty for g in out)
    assert shapely.coverage_is_valid(out)
    union = shapely.union_all(out)
    own_holes = _holes(source)
    gaps = _holes([union])
    assert len(gaps) == len(own_holes) > 0
    for gap in gaps:  # each remaining hole is one the source polygons have themselves
        assert min(shapely.hausdorff_distance(gap, h) for h in own_holes) < 2 * DEFAULT_TOLERANCE
    assert union.area == pytest.approx(sum(g.area for g in out), rel=1e-9)
    assert union.area == pytest.approx(shapely.union_all(source).area, rel=1e-3)
    # Every part of Flanders is still there (Voeren, the Baarle-Hertog enclaves).
    assert len(shapely.get_parts(union)) == len(shapely.get_parts(shapely.union_all(source)))
    # Where two source polygons disagree about their border (each was simplified upstream on
    # its own), the cleaned edge follows one of them: every area stays what it was but for
    # such slivers (the largest relative change is a small Baarle-Hertog enclave).
    changed = shapely.area(shapely.symmetric_difference(out, source))
    assert np.all(changed < 0.05 * shapely.area(source))
    assert changed.sum() < 0.002 * union.area
