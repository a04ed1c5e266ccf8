"""Class breaks, legend and the pydeck choropleth (no Streamlit, no browser)."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import altair as alt
import polars as pl
import pytest
import shapely
from shapely.geometry import shape

from popmgmt.app import store
from popmgmt.config import ConfigError, refdata_dir
from popmgmt.views import charts, maps


def _plain(obj: Any) -> bool:
    """True when obj is made of JSON-native Python values only (no frames, no numpy)."""
    if isinstance(obj, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in obj.items())
    if isinstance(obj, list):
        return all(_plain(v) for v in obj)
    return obj is None or isinstance(obj, str | int | float | bool)


# --- class breaks -------------------------------------------------------------------------


def test_quantile_breaks() -> None:
    assert maps.class_breaks(range(1, 12), n=5) == [1, 3, 5, 7, 9, 11]


def test_quantile_breaks_interpolate() -> None:
    assert maps.class_breaks([0, 10], n=4) == [0, 2.5, 5, 7.5, 10]


def test_equal_breaks() -> None:
    assert maps.class_breaks([0, 3, 10], n=5, method="equal") == [0, 2, 4, 6, 8, 10]


def test_breaks_ignore_missing() -> None:
    values = pl.Series([None, 1.0, float("nan"), 11.0, float("inf")])
    assert maps.class_breaks(values, n=2, method="equal") == [1, 6, 11]


def test_breaks_edge_cases() -> None:
    assert maps.class_breaks([]) == []
    assert maps.class_breaks([None]) == []
    assert maps.class_breaks([4.2, 4.2]) == [4.2, 4.2]
    # Equal quantiles collapse: fewer classes.
    assert maps.class_breaks([1, 1, 1, 1, 2], n=4) == [1, 2]
    with pytest.raises(ValueError, match="minstens 1"):
        maps.class_breaks([1, 2], n=0)
    with pytest.raises(ValueError, match="onbekende methode"):
        maps.class_breaks([1, 2], method="jenks")  # type: ignore[arg-type]


def test_breaks_rounded_to_decimals() -> None:
    assert maps.class_breaks([1.234, 5.678], n=2, method="equal", decimals=1) == [1.2, 3.5, 5.7]


def test_class_index() -> None:
    breaks = [0, 2, 4, 6, 8, 10]
    assert [maps.class_index(v, breaks) for v in (0, 1.99, 2, 5, 9.5, 10)] == [0, 0, 1, 2, 4, 4]
    assert maps.class_index(-1, breaks) == 0
    assert maps.class_index(11, breaks) == 4
    assert maps.class_index(None, breaks) is None
    assert maps.class_index(math.nan, breaks) is None
    assert maps.class_index(3, []) is None


def test_class_colours() -> None:
    palette = maps.SEQUENTIAL_COLOURS
    assert maps.class_colours(5) == list(palette)
    assert maps.class_colours(2) == [palette[0], palette[4]]
    assert maps.class_colours(3) == [palette[0], palette[2], palette[4]]
    assert maps.class_colours(0) == []


# --- legend -------------------------------------------------------------------------------


def test_legend_items() -> None:
    items = maps.legend_items([0, 2, 4], unit="%")
    assert [i.text for i in items] == [
        "0,0 tot 2,0",
        "2,0 t/m 4,0 %",
        "onderdrukt of geen gegevens",
    ]
    assert [i.colour for i in items] == ["#ffffcc", "#253494", "#bebebe"]


def test_legend_items_counts_without_missing() -> None:
    items = maps.legend_items([1000, 25000.4], unit="inwoners", include_missing=False)
    assert [i.text for i in items] == ["1.000 t/m 25.000"]


def test_legend_html() -> None:
    html = maps.legend_html(maps.legend_items([0, 1], unit="%"), title="GMD")
    assert "GMD" in html
    assert "#bebebe" in html
    assert "onderdrukt of geen gegevens" in html


# --- the deck -----------------------------------------------------------------------------

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[4.0, 51.0], [4.2, 51.0], [4.2, 51.2], [4.0, 51.2], [4.0, 51.0]]],
}
GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"area_code": code}, "geometry": SQUARE}
        for code in ("elz1", "elz2", "elz3", "elz9")
    ],
}
VALUES = pl.DataFrame(
    {
        "area_code": ["elz1", "elz2", "elz3"],
        "area_name": ["Een", "Twee", "Drie"],
        "year": [2023, 2023, 2023],
        "numerator": [100, 200, None],
        "denominator": [1000, 1000, 1000],
        "value": [10.0, 20.0, None],
        "ci_low": [8.0, 18.0, None],
        "ci_high": [12.0, 22.0, None],
        "suppressed": [False, False, True],
        "suppression_reason": [None, None, "primair"],
    }
)


def _props(deck: Any) -> dict[str, dict[str, Any]]:
    data = maps.deck_layer_data(deck)
    return {f["properties"]["area_code"]: f["properties"] for f in data["features"]}


def test_zone_choropleth_layer_data_is_plain() -> None:
    """Given polars values, then the layer holds a non-empty plain-dict FeatureCollection."""
    deck = maps.zone_choropleth(GEOJSON, VALUES, unit="%", denominator_label="inwoners", year=2023)
    data = maps.deck_layer_data(deck)
    assert isinstance(data, dict)
    assert len(data["features"]) == 4
    assert _plain(data)
    spec = json.loads(deck.to_json())
    layer = spec["layers"][0]
    assert layer["@@type"] == "GeoJsonLayer"
    assert len(layer["data"]["features"]) == 4
    assert layer["pickable"] is True
    assert spec["initialViewState"] == {"latitude": 51.05, "longitude": 4.25, "zoom": 7.4}
    # No base map, no tile server: Streamlit draws none only for pydeck's sentinel style
    # (a missing mapStyle makes it fetch Carto's positron style).
    assert deck.map_provider is None
    assert spec["mapStyle"] == "__MAP_STYLE__"
    assert "http" not in json.dumps({k: v for k, v in spec.items() if k != "layers"})


def test_zone_choropleth_colours_and_tooltips() -> None:
    deck = maps.zone_choropleth(GEOJSON, VALUES, unit="%", denominator_label="inwoners", year=2023)
    props = _props(deck)
    low, high = maps.SEQUENTIAL_COLOURS[0], maps.SEQUENTIAL_COLOURS[-1]
    assert props["elz1"]["fill_color"] == [*low, maps.FILL_ALPHA]
    assert props["elz2"]["fill_color"] == [*high, maps.FILL_ALPHA]
    assert props["elz1"]["tt_name"] == "Een (elz1)"
    assert props["elz1"]["tt_value"] == "10,0 %"
    assert props["elz1"]["tt_interval"] == "95%-BI 8,0 – 12,0 %"
    assert props["elz1"]["tt_denominator"] == "noemer: 1.000 inwoners"
    assert props["elz1"]["tt_year"] == "jaar 2023"
    # Suppressed: grey, says why, no number.
    grey = [*maps.MISSING_COLOUR, maps.FILL_ALPHA]
    assert props["elz3"]["fill_color"] == grey
    assert props["elz3"]["tt_value"] == "onderdrukt (&lt; 5)"  # tooltips are HTML: escaped
    assert props["elz3"]["tt_interval"] == ""
    # Not in the values at all: grey, "geen gegevens".
    assert props["elz9"]["fill_color"] == grey
    assert props["elz9"]["tt_value"] == "geen gegevens"
    assert deck._tooltip["html"] == maps.TOOLTIP_HTML


def test_zone_choropleth_does_not_modify_input() -> None:
    before = copy.deepcopy(GEOJSON)
    maps.zone_choropleth(GEOJSON, VALUES, unit="%")
    assert before == GEOJSON


def test_zone_choropleth_given_breaks() -> None:
    deck = maps.zone_choropleth(GEOJSON, VALUES, unit="%", breaks=[0, 15, 30])
    props = _props(deck)
    assert props["elz1"]["class_index"] == 0
    assert props["elz2"]["class_index"] == 1
    assert props["elz3"]["class_index"] == -1


def test_built_map(marts: store.Marts) -> None:
    """Given the built data, then every zone polygon is drawn and most are coloured."""
    geojson = store.load_geojson(marts, "zone")
    codes = {f["properties"]["area_code"] for f in geojson["features"]}
    zones = set(marts.areas.filter(pl.col("level") == "zone")["area_code"].to_list())
    assert codes <= zones | {"elz7"}
    code = "ima_gmd"
    year = store.latest_year(marts, code, level="zone")
    assert year is not None
    values = store.indicator_map_values(marts, code, year)
    deck = maps.zone_choropleth(geojson, values, unit="%", year=year)
    data = maps.deck_layer_data(deck)
    assert len(data["features"]) == len(geojson["features"]) > 0
    assert _plain(data)
    coloured = [f for f in data["features"] if f["properties"]["class_index"] >= 0]
    assert len(coloured) >= len(data["features"]) // 2


def test_real_boundaries_fit_flanders_view() -> None:
    """The real zone boundaries lie around the initial view (centre within 0.3 degrees)."""
    try:
        folder = refdata_dir()
    except ConfigError as exc:
        pytest.skip(f"reference geography not available: {exc}")
    data = json.loads((folder / "geo" / "elz_2025.geojson").read_text(encoding="utf-8"))
    lons: list[float] = []
    lats: list[float] = []

    def walk(coords: Any) -> None:
        if isinstance(coords[0], int | float):
            lons.append(coords[0])
            lats.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for feature in data["features"]:
        walk(feature["geometry"]["coordinates"])
    assert 2.4 < min(lons) < max(lons) < 6.0
    assert 50.6 < min(lats) < max(lats) < 51.6
    view = maps.FLANDERS_VIEW
    assert abs((min(lons) + max(lons)) / 2 - view["longitude"]) < 0.3
    assert abs((min(lats) + max(lats)) / 2 - view["latitude"]) < 0.3


# --- charts -------------------------------------------------------------------------------


def test_zone_interval_chart() -> None:
    chart = charts.zone_interval_chart(
        VALUES, flanders_value=15.0, unit="%", indicator_name="GMD", denominator_label="inwoners"
    )
    assert isinstance(chart, alt.LayerChart)
    spec = chart.to_dict()
    assert len(spec["layer"]) == 3
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "geen rangschikking" in subtitle
    assert "Vlaanderen (15,0 %)" in subtitle
    assert "1 zone(s) zonder getoonde waarde" in subtitle
    records = charts.zone_interval_records(VALUES, unit="%")
    assert [r["area"] for r in records] == ["Een (elz1)", "Twee (elz2)"]
    assert _plain(records)


def _wiggly_pair() -> dict[str, Any]:
    """Two areas sharing a border with 250 small zigzags (0.0005 degrees, about 35 m)."""
    border = [(1.0, 50.0 + i * 0.002) for i in range(251)]
    border = [(lon + (0.0005 if i % 2 else 0.0), lat) for i, (lon, lat) in enumerate(border)]
    west = [(0.5, 50.5), (0.5, 50.0), *border, (0.5, 50.5)]
    east = [(1.5, 50.0), (1.5, 50.5), *reversed(border), (1.5, 50.0)]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"area_code": code},
                "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
            }
            for code, ring in (("west", west), ("east", east))
        ],
    }


def test_display_geometry_simplifies_as_one_coverage() -> None:
    """Given two areas with a shared zigzag border, then the map geometry drops the zigzags
    (fewer points, 4 decimals) and both areas keep the same border: no gap, no overlap."""
    geojson = _wiggly_pair()
    full = maps.geometry_index(geojson)
    shown = maps.display_geometry(geojson)
    assert set(shown) == {"west", "east"}
    for code in shown:
        before = json.loads(full[code])["coordinates"][0]
        after = json.loads(shown[code])["coordinates"][0]
        assert len(after) < len(before) / 5
        assert all(c == round(c, maps.DISPLAY_DECIMALS) for point in after for c in point)
    shapes = [shape(json.loads(shown[code])) for code in ("west", "east")]
    assert bool(shapely.coverage_is_valid(shapes))
    union = shapely.union_all(shapes)
    assert union.area == pytest.approx(0.5, rel=1e-3)  # the 1 x 0.5 degree rectangle
    assert shapes[0].intersection(shapes[1]).area == pytest.approx(0.0, abs=1e-12)


def test_display_geometry_keeps_an_invalid_coverage() -> None:
    """Given overlapping areas (not a coverage), then the geometry is only rounded."""
    geojson = _wiggly_pair()
    east = geojson["features"][1]["geometry"]["coordinates"][0]
    geojson["features"][1]["geometry"]["coordinates"][0] = [[lon - 0.2, lat] for lon, lat in east]
    assert maps.display_geometry(geojson) == maps.geometry_index(
        geojson, decimals=maps.DISPLAY_DECIMALS
    )
