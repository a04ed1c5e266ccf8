"""The chart house style (`popmgmt.views.charts`): Dutch locale, title, tooltip, palette."""

from __future__ import annotations

import json
import re
from typing import Any

import altair as alt
import pytest

from popmgmt.views import charts


def _chart() -> alt.Chart:
    records = [{"x": 20000.0, "y": 80.0, "x_text": "20.000", "y_text": "80,0 %"}]
    return (
        alt.Chart(alt.InlineData(values=records))
        .mark_point()
        .encode(
            x="x:Q",
            y="y:Q",
            tooltip=charts.tooltip(("x_text", "Inwoners"), ("y_text", "Aandeel")),
        )
        .properties(title=charts.title("Titel", ["Noot één.", "Noot twee."]))
    )


def test_finish_gives_a_dict_with_the_dutch_locale_and_fit_width() -> None:
    """Given an altair chart, when finished, then it is a plain dict whose numbers Vega
    formats as 20.000 and 80,0, with Dutch month names, sized to the container's width."""
    spec = charts.finish(_chart(), usermeta={"title": "Titel"})
    assert isinstance(spec, dict)
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["config"]["locale"]["number"]["thousands"] == "."
    assert spec["config"]["locale"]["time"]["months"][2] == "maart"
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["usermeta"] == {"title": "Titel"}
    assert spec["title"] == {
        "text": "Titel",
        "subtitle": ["Noot één.", "Noot twee."],
        "anchor": "start",
    }
    assert "datasets" not in spec
    assert "view" not in spec["config"]
    (layer,) = spec["layer"]
    assert layer["data"]["values"][0]["x_text"] == "20.000"
    tooltips = layer["encoding"]["tooltip"]
    assert [t["field"] for t in tooltips] == ["x_text", "y_text"]
    assert all(t["type"] == "nominal" for t in tooltips)


def test_dutch_adds_the_locale_to_a_hand_written_spec_and_keeps_its_own_config() -> None:
    spec: dict[str, Any] = {"mark": "bar", "config": {"legend": {"orient": "bottom"}}}
    out = charts.dutch(spec)
    assert out["config"]["locale"] == charts.DUTCH_LOCALE
    assert out["config"]["legend"]["orient"] == "bottom"
    assert out["config"]["legend"]["labelLimit"] == charts.LEGEND["labelLimit"]
    assert "locale" not in spec["config"]


def test_house_style_decorator_and_configure() -> None:
    @charts.house_style
    def build() -> dict[str, Any]:
        return {"mark": "bar"}

    assert build()["config"]["locale"] == charts.DUTCH_LOCALE
    configured = charts.configure(_chart()).to_dict(validate=False)
    assert configured["config"]["locale"] == charts.DUTCH_LOCALE


def test_palette_is_eight_distinct_okabe_ito_colours() -> None:
    assert len(set(charts.PALETTE)) == len(charts.PALETTE) == 8
    assert charts.PALETTE[0] == "#0072b2"


def _layered(records: list[dict[str, Any]], other: list[dict[str, Any]]) -> dict[str, Any]:
    same = {"values": records}
    return charts.dutch(
        {
            "title": {"text": "Trend"},
            "width": 400,
            "height": 200,
            "layer": [
                {
                    "data": same,
                    "mark": "area",
                    "encoding": {
                        "x": {"field": "x", "type": "quantitative"},
                        "y": {"field": "lo", "type": "quantitative"},
                        "y2": {"field": "hi"},
                    },
                },
                {
                    "data": same,
                    "mark": "line",
                    "encoding": {
                        "x": {"field": "x", "type": "quantitative"},
                        "y": {"field": "y", "type": "quantitative"},
                    },
                },
                {
                    "data": same,
                    "mark": "point",
                    "encoding": {
                        "x": {"field": "x", "type": "quantitative"},
                        "y": {"field": "y", "type": "quantitative"},
                    },
                },
                {
                    "data": {"values": other},
                    "mark": {"type": "rule", "strokeDash": [6, 3]},
                    "encoding": {"x": {"field": "x", "type": "quantitative"}},
                },
                {
                    "data": {"values": other},
                    "mark": "text",
                    "encoding": {
                        "x": {"field": "x", "type": "quantitative"},
                        "text": {"field": "label"},
                    },
                },
                {
                    "data": same,
                    "mark": "tick",
                    "encoding": {
                        "x": {"field": "x", "type": "quantitative"},
                        "y": {"field": "y", "type": "quantitative"},
                    },
                },
            ],
        }
    )


def test_shared_data_sends_each_run_of_layers_data_once_in_the_same_order() -> None:
    """Given layers that repeat their records, the spec carries each run's records once,
    in a nested layer, with the layers in the same drawing order and nothing else
    changed; a single layer keeps its own data."""
    records = [{"x": x, "y": x * 2.0, "lo": x * 1.5, "hi": x * 2.5} for x in range(50)]
    other = [{"x": 20, "label": "Start actie"}]
    spec = _layered(records, other)
    out = charts.shared_data(spec)
    assert list(spec["layer"][0]) == ["data", "mark", "encoding"]  # input kept
    assert len(out["layer"]) == 3
    first, actions, last = out["layer"]
    assert first["data"] == {"values": records}
    assert [inner["mark"] for inner in first["layer"]] == ["area", "line", "point"]
    assert all("data" not in inner for inner in first["layer"])
    assert actions["data"] == {"values": other}
    assert [inner["mark"] for inner in actions["layer"]] == [
        {"type": "rule", "strokeDash": [6, 3]},
        "text",
    ]
    assert last == spec["layer"][5]  # a run of one: unchanged
    assert {k: v for k, v in out.items() if k != "layer"} == {
        k: v for k, v in spec.items() if k != "layer"
    }
    assert json.dumps(spec).count(json.dumps(records)) == 4
    assert json.dumps(out).count(json.dumps(records)) == 2  # the run of three, the tick


def test_shared_data_draws_the_same_chart() -> None:
    """Vega's own renderer (vl-convert) draws the same picture from both specs (the
    layer names in the SVG's class attributes aside)."""
    vlc = pytest.importorskip("vl_convert")
    records = [{"x": x, "y": x * 2.0, "lo": x * 1.5, "hi": x * 2.5} for x in range(20)]
    spec = _layered(records, [{"x": 10, "label": "Start actie"}])

    def drawn(s: dict[str, Any]) -> str:
        return re.sub(r"layer_[0-9_]*(layer_[0-9_]*)*", "L", str(vlc.vegalite_to_svg(s)))

    assert drawn(charts.shared_data(spec)) == drawn(spec)


def test_shared_data_leaves_other_specs_alone() -> None:
    single = {"data": {"values": [{"x": 1}]}, "mark": "point"}
    assert charts.shared_data(single) == single
    top = {"data": {"values": [{"x": 1}]}, "layer": [{"mark": "point"}, {"mark": "line"}]}
    assert charts.shared_data(top) == top
