"""Similar zones and neighbouring zones (`popmgmt.metrics.peers`): exact on hand-built frames,
then on the real zone boundaries and the built demo data."""

from __future__ import annotations

import json
import math
from typing import Any

import polars as pl
import pytest
from frames import PEERS_FEATURES

from popmgmt.app import store
from popmgmt.metrics import peers
from popmgmt.pipeline.refdata import RefData


def _square(x: float, y: float, size: float = 1.0) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def _feature(code: str, *rings: list[list[float]], multi: bool = False) -> dict[str, Any]:
    geometry: dict[str, Any] = (
        {"type": "MultiPolygon", "coordinates": [[r] for r in rings]}
        if multi
        else {"type": "Polygon", "coordinates": list(rings)}
    )
    return {"type": "Feature", "properties": {"area_code": code}, "geometry": geometry}


def _collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


# --- adjacency ------------------------------------------------------------------------------

GRID = _collection(
    _feature("a", _square(0, 0)),  # a b
    _feature("b", _square(1, 0)),  # c d   (rows from the bottom: a, b at y=0)
    _feature("c", _square(0, 1)),
    _feature("d", _square(1, 1)),
    _feature("far", _square(10, 10)),
)


def test_adjacency_queen_contiguity() -> None:
    """Given a 2 x 2 grid of squares and a far square, when adjacency is computed,
    then edges share 2 vertices, corners 1, and the far square touches nothing."""
    adj = peers.zone_adjacency(GRID)
    assert adj.schema == peers.ADJACENCY_SCHEMA
    assert adj.rows() == [
        ("a", "b", 2),
        ("a", "c", 2),
        ("a", "d", 1),
        ("b", "c", 1),
        ("b", "d", 2),
        ("c", "d", 2),
    ]
    assert peers.neighbours(adj, "a") == ["b", "c", "d"]
    assert peers.neighbours(adj, "far") == []
    assert peers.neighbours(adj, "unknown") == []


def test_adjacency_shared_edge_only() -> None:
    """With min_shared=2 a shared corner is not enough ("rook" contiguity)."""
    adj = peers.zone_adjacency(GRID, min_shared=2)
    assert ("a", "d") not in {(a, b) for a, b, _ in adj.rows()}
    assert peers.neighbours(adj, "a") == ["b", "c"]


def test_adjacency_tolerance() -> None:
    """Vertices a hair apart (boundaries digitised separately) still touch; further
    apart than the tolerance they do not."""
    near = _collection(_feature("a", _square(0, 0)), _feature("b", _square(1 + 4e-7, 0)))
    gap = _collection(_feature("a", _square(0, 0)), _feature("b", _square(1.001, 0)))
    assert peers.neighbours(peers.zone_adjacency(near), "a") == ["b"]
    assert peers.neighbours(peers.zone_adjacency(gap), "a") == []
    assert peers.neighbours(peers.zone_adjacency(gap, tolerance=0.01), "a") == ["b"]
    with pytest.raises(ValueError, match="tolerance"):
        peers.zone_adjacency(gap, tolerance=0)


def test_adjacency_multipolygon_and_split_features() -> None:
    """A MultiPolygon's parts and several features of one code count as one area."""
    geo = _collection(
        _feature("a", _square(0, 0), _square(5, 0), multi=True),
        _feature("b", _square(6, 0)),  # touches a's second part
        _feature("c", _square(20, 0)),
        _feature("c", _square(21, 0)),  # a second feature of c
        _feature("d", _square(22, 0)),  # touches c's second feature
        {"type": "Feature", "properties": {}, "geometry": None},  # no code: ignored
    )
    adj = peers.zone_adjacency(geo)
    assert [(a, b) for a, b, _ in adj.rows()] == [("a", "b"), ("c", "d")]


def test_adjacency_of_real_zone_boundaries(refdata: RefData) -> None:
    """On the real 2025 zone boundaries: symmetric, every Flemish zone has a neighbour,
    Gent borders its ring zones, and Antwerp and the Westhoek do not touch."""
    geo = json.loads(refdata.zones_geojson.read_text(encoding="utf-8"))
    adj = peers.zone_adjacency(geo, code_property="elz")
    codes = {str(f["properties"]["elz"]) for f in geo["features"]}
    flemish = sorted(c for c in codes if c.startswith("elz") and c != "elz7")
    for code in flemish:
        assert peers.neighbours(adj, code), f"{code} has no neighbour"
    for code in flemish:
        for other in peers.neighbours(adj, code):
            assert code in peers.neighbours(adj, other)
    assert {"elz32", "elz44", "elz45", "elz52"} <= set(peers.neighbours(adj, "elz13"))
    assert "elz38" not in peers.neighbours(adj, "elz2")


# --- similar zones ---------------------------------------------------------------------------


def _areas(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"level": "zone", "area_code": c, "area_name": n, "area_km2": km2} for c, n, km2 in rows]
        + [
            {
                "level": "vlaanderen",
                "area_code": "02000",
                "area_name": "Vlaanderen",
                "area_km2": 1.0,
            }
        ]
    )


def _population(rows: list[tuple[str, int, int | None, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "level": "zone",
                "area_code": c,
                "year": y,
                "sex": "T",
                "age_band": "totaal",
                "population": p,
                "suppressed": s,
                "suppression_reason": "primair" if s else None,
            }
            for c, y, p, s in rows
        ]
    )


def _vt(rows: list[tuple[str, int, float | None, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "indicator_code": "ima_vt",
                "level": "zone",
                "area_code": c,
                "year": y,
                "value": v,
                "suppressed": s,
            }
            for c, y, v, s in rows
        ]
    )


def test_zone_features() -> None:
    """Population and deprivation of their latest year, density from the area; a
    suppressed value is null, never 0."""
    areas = _areas([("z1", "Een", 100.0), ("z2", "Twee", 50.0), ("z3", "Drie", 0.0)])
    pop = _population(
        [
            ("z1", 2023, 1, False),
            ("z1", 2024, 10_000, False),
            ("z2", 2024, 20_000, False),
            ("z3", 2024, None, True),
        ]
    )
    vt = _vt([("z1", 2024, 12.5, False), ("z2", 2024, None, True), ("z2", 2023, 99.0, False)])
    out = peers.zone_features(areas, pop, vt)
    assert out.schema == peers.FEATURES_SCHEMA
    rows = {r["zone_code"]: r for r in out.iter_rows(named=True)}
    assert rows["z1"]["population"] == 10_000
    assert rows["z1"]["density"] == 100.0
    assert rows["z1"]["deprivation"] == 12.5
    assert rows["z1"]["population_year"] == 2024
    assert rows["z1"]["deprivation_year"] == 2024
    assert rows["z2"]["density"] == 400.0
    assert rows["z2"]["deprivation"] is None
    assert rows["z3"]["population"] is None
    assert rows["z3"]["density"] is None


def test_standardise_exact() -> None:
    """z-scores over the complete rows, logs first for size and density."""
    out = peers.standardise(PEERS_FEATURES, ["deprivation"], log_columns=())
    # one column, known everywhere: all five rows count
    z = out["z_deprivation"].to_list()
    values = [10.0, 30.0, 10.0, 10.0, 10.0]
    mean = sum(values) / 5
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 5)
    assert z == pytest.approx([(v - mean) / sd for v in values])
    logged = peers.standardise(PEERS_FEATURES)
    assert logged["z_population"][4] is None  # incomplete row
    logs = [math.log(v) for v in (100.0, 100.0, 1000.0, 110.0)]
    m = sum(logs) / 4
    s = math.sqrt(sum((v - m) ** 2 for v in logs) / 4)
    assert logged["z_population"].to_list()[:4] == pytest.approx([(v - m) / s for v in logs])


def test_standardise_without_spread() -> None:
    flat = PEERS_FEATURES.with_columns(pl.lit(7.0).alias("deprivation"))
    assert set(peers.standardise(flat)["z_deprivation"].drop_nulls().to_list()) == {0.0}


def test_similar_zones_nearest_first() -> None:
    """Given five zones, then A's nearest is D (almost identical), then B, then C; E
    (a missing feature) is never a peer; k limits the list."""
    out = peers.similar_zones(PEERS_FEATURES, "a", k=5)
    assert out.schema == peers.PEERS_SCHEMA
    assert out["zone_code"].to_list() == ["d", "b", "c"]
    assert out["rank"].to_list() == [1, 2, 3]
    assert out["distance"].is_sorted()
    assert peers.similar_zones(PEERS_FEATURES, "a", k=1)["zone_code"].to_list() == ["d"]
    assert peers.similar_zones(PEERS_FEATURES, "e").height == 0
    assert peers.similar_zones(PEERS_FEATURES, "zz").height == 0
    with pytest.raises(ValueError, match="k moet"):
        peers.similar_zones(PEERS_FEATURES, "a", k=0)


def test_similar_zones_distance_is_euclidean() -> None:
    z = peers.standardise(PEERS_FEATURES).filter(pl.col("zone_code").is_in(["a", "b"]))
    a, b = z.row(0, named=True), z.row(1, named=True)
    expected = math.sqrt(sum((a[f"z_{c}"] - b[f"z_{c}"]) ** 2 for c in peers.FEATURES))
    out = peers.similar_zones(PEERS_FEATURES, "a").filter(pl.col("zone_code") == "b")
    assert out["distance"][0] == pytest.approx(expected)


def test_similar_zones_on_built_data(marts: store.Marts) -> None:
    """On the built demo: every zone gets peers other than itself, with known features."""
    features = peers.zone_features(marts.areas, marts.population, marts.values)
    zones = features["zone_code"].to_list()
    assert len(zones) >= 2
    for code in zones:
        out = peers.similar_zones(features, code, k=3)
        assert 1 <= out.height <= min(3, len(zones) - 1)
        assert code not in out["zone_code"].to_list()
        assert out["population"].null_count() == 0
