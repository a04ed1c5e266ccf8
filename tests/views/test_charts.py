"""The chart house style (`popmgmt.views.charts`): Dutch locale, title, tooltip, palette."""

from __future__ import annotations

from typing import Any

import altair as alt

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
