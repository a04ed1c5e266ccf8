"""The need index shown (views.need_display, views.query): tables, charts, map, links."""

from __future__ import annotations

import io
import json
import math
import zipfile

import polars as pl
from frames import need_square

from popmgmt.pipeline.codes import NEED_FAMILIES
from popmgmt.views import need_display, query

# --------------------------------------------------------------------------- URL helpers


def test_mapping_round_trip_and_problems() -> None:
    text = query.format_mapping({"gezondheid": 35.0, "demografie": 25.5})
    assert text == "gezondheid:35,demografie:25.5"
    values, problems = query.parse_mapping(text, NEED_FAMILIES)
    assert values == {"gezondheid": 35.0, "demografie": 25.5}
    assert problems == []
    values, problems = query.parse_mapping(
        "gezondheid:x,onbekend:3,cultureel:-1,demografie:2,zonder", NEED_FAMILIES, maximum=10
    )
    assert values == {"demografie": 2.0}
    assert len(problems) == 4
    assert any("onbekende code 'onbekend'" in p for p in problems)
    assert any("geen getal" in p for p in problems)


def test_parse_choice_and_number() -> None:
    assert query.parse_choice("2023", [2024, 2023], what="Jaar") == (2023, None)
    assert query.parse_choice(None, [2024], what="Jaar") == (None, None)
    value, problem = query.parse_choice("elz999", ["elz1"], what="Zonecode")
    assert value is None
    assert problem == "Zonecode 'elz999' uit de link bestaat niet in deze gegevens"
    assert query.parse_number("12,5", minimum=0, maximum=100, what="Bedrag") == (12.5, None)
    assert query.parse_number("101", minimum=0, maximum=100, what="Bedrag")[1] is not None
    assert query.parse_number("abc", minimum=0, maximum=100, what="Bedrag")[1] is not None
    assert query.format_number(1_250_000.0) == "1250000"
    assert query.format_number(0.15) == "0.15"


# --------------------------------------------------------------------------- charts, maps, files


def test_layer_data_moves_inline_data_into_layers() -> None:
    spec = {"data": {"values": [{"a": 1}]}, "mark": "bar", "encoding": {"x": {"field": "a"}}}
    out = need_display.layer_data(spec)
    assert "data" not in out
    assert out["layer"] == [
        {"data": {"values": [{"a": 1}]}, "mark": "bar", "encoding": {"x": {"field": "a"}}}
    ]
    assert out["autosize"] == {"type": "fit-x", "contains": "padding"}
    layered = need_display.layer_data(
        {"data": {"values": []}, "layer": [{"mark": "bar"}, {"mark": "rule"}]}
    )
    assert all(layer["data"] == {"values": []} for layer in layered["layer"])


def test_choropleth_deck_json_carries_features_and_tooltips() -> None:
    geo = need_display.geometry_json(
        {
            "type": "FeatureCollection",
            "features": [need_square("a", 4.123456789), need_square("b", 4.5)],
        }
    )
    assert "4.12346" in geo["a"]
    table = pl.DataFrame(
        {
            "area_code": ["a", "b"],
            "area_name": ["A", "B"],
            "need_index": [0.5, -0.25],
            "quintile": [5, None],
            "population": [1000.0, 2000.0],
            "n_imputed": [1, 0],
        }
    )
    deck = need_display.choropleth_deck(
        geo, need_display.index_map_features(table, year=2024), layer_id="t"
    )
    spec = json.loads(deck.to_json())
    features = spec["layers"][0]["data"]["features"]
    assert [f["properties"]["area_code"] for f in features] == ["a", "b"]
    a, b = (f["properties"] for f in features)
    assert a["tt_value"] == "Nood-index 0,50"
    assert "Q5 meeste nood" in a["tt_interval"]
    assert "onderdrukte" in a["tt_interval"]
    assert a["tt_year"] == "jaar 2024"
    assert b["class_index"] == -1  # no quintile: grey
    assert spec["layers"][0]["@@type"] == "GeoJsonLayer"
    assert "mapProvider" not in spec  # no base map, nothing fetched


def test_downloads_are_csv_and_xlsx_of_the_table() -> None:
    frame = pl.DataFrame({"Zone": ["Gent (elz13)"], "Nood-index": [0.25]})
    csv = need_display.to_csv_bytes(frame).decode("utf-8-sig")
    assert csv.splitlines() == ["Zone,Nood-index", "Gent (elz13),0.25"]
    xlsx = need_display.to_xlsx_bytes(frame, sheet="nood-index")
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        names = archive.namelist()
        assert "xl/worksheets/sheet1.xml" in names
        strings = archive.read("xl/sharedStrings.xml").decode("utf-8")
    assert "Gent (elz13)" in strings


def test_quintile_legend_and_summary() -> None:
    table = pl.DataFrame(
        {
            "area_code": [f"a{i}" for i in range(5)],
            "need_index": [-1.0, -0.5, 0.0, 0.5, 1.0],
            "quintile": [1, 2, 3, 4, 5],
            "population": [10.0] * 5,
        }
    )
    legend = need_display.quintile_legend(table)
    assert [item.text.split(" (")[0] for item in legend] == list(
        need_display.QUINTILE_NAMES.values()
    )
    summary = need_display.quintile_summary(table)
    assert summary["Kwintiel"].to_list() == list(need_display.QUINTILE_NAMES.values())
    assert summary["Inwoners"].sum() == 50
    assert not any(math.isnan(x) for x in summary["Laagste index"])


def test_dutch_table_formats_numbers_for_display_only() -> None:
    frame = pl.DataFrame(
        {
            "Zone": ["a", "b"],
            "Bedrag": [1234.5, 0.25],
            "Inwoners": [1_234_567, None],
            "Jaar": [2024, 2024],
        }
    )
    out = need_display.dutch_table(frame)
    assert out["Bedrag"].to_list() == ["1.234,50", "0,25"]
    assert out["Inwoners"].to_list() == ["1.234.567", None]
    assert out["Jaar"].to_list() == [2024, 2024]
    assert out.columns == frame.columns
