"""The zone profile's charts (Vega-Lite specifications as plain dicts) and municipality map.

Charts are rendered with `st.vega_lite_chart`: building and validating the equivalent
altair objects took seconds per page run, far over the page's time budget. Data go in as
inline records. The map is a pydeck deck of plain dicts (`popmgmt.views.maps`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import polars as pl
import pydeck as pdk

from popmgmt.pipeline.codes import (
    POP_AGE_BANDS,
)
from popmgmt.views import charts, compare_flanders, labels, maps
from popmgmt.views.zone_model import COMPARISON_ORDER, bounds, view_for_bounds
from popmgmt.views.zone_tables import BOUNDARY_NOTE, comparison_label, value_text

COMPARISON_COLOURS: Final[dict[str, str]] = {
    "beter": "#2166ac",
    "slechter": "#e66101",
    "hoger": "#542788",
    "lager": "#b2abd2",
    "vergelijkbaar": "#fdd835",
    "onbekend": "#9e9e9e",
}
RANGE_COLOUR: Final = "#d9d9d9"
MIDDLE_COLOUR: Final = "#a6a6a6"
FLANDERS_COLOUR: Final = "#c0392b"
ZONE_COLOUR: Final = "#1f6f8b"
PEER_COLOUR: Final = "#9e9e9e"
SEX_COLOURS: Final[dict[str, str]] = {"Mannen": "#5e8fb8", "Vrouwen": "#d08c60"}
ROW_STEP: Final = 24


def municipality_map(
    geojson: Mapping[str, Any],
    values: pl.DataFrame,
    *,
    breaks: Sequence[float],
    unit: str | None,
    denominator_label: str | None,
    year: int | None,
    decimals: int | None = None,
) -> pdk.Deck:
    """The zone's municipalities coloured by an indicator, zoomed to the zone.

    `geojson` holds the zone's municipalities only (`select_features`); `breaks` are
    usually computed over all Flemish municipalities, so a colour means the same in
    every zone. Built on `maps.zone_choropleth` (plain dicts, no tile server).
    """
    deck = maps.zone_choropleth(
        dict(geojson),
        values,
        unit=unit,
        denominator_label=denominator_label,
        year=year,
        breaks=breaks,
        decimals=decimals,
        layer_id="gemeenten",
    )
    box = bounds(geojson)
    if box is not None:
        deck.initial_view_state = pdk.ViewState(**view_for_bounds(box))
    return deck


# --------------------------------------------------------------------------- charts
#
# Charts are Vega-Lite specifications as plain dicts (rendered with
# `st.vega_lite_chart`): building and validating the equivalent altair objects took
# seconds per page run, far over the page's time budget. Data go in as inline records.

Spec = dict[str, Any]


def _title(text: str, subtitle: Sequence[str]) -> dict[str, Any]:
    return {"text": text, "subtitle": list(subtitle), "anchor": "start"}


def _with_data(records: list[dict[str, Any]], layers: list[Spec]) -> list[Spec]:
    """The layers, each with the inline records (not top-level `data`: Streamlit would
    convert top-level records through pandas to Arrow on every run)."""
    return [{"data": {"values": records}, **layer} for layer in layers]


def _tip(field: str, title: str) -> dict[str, str]:
    return {"field": field, "type": "nominal", "title": title}


@charts.house_style
def population_index_spec(trend: pl.DataFrame, zone_name: str) -> Spec:
    """Zone and Flanders inhabitants as an index (first year = 100), one line each."""
    records = []
    for r in trend.iter_rows(named=True):
        for series, idx, pop in (
            (zone_name, r["zone_index"], r["zone_population"]),
            ("Vlaanderen", r["flanders_index"], r["flanders_population"]),
        ):
            if idx is None:
                continue
            records.append(
                {
                    "year": int(r["year"]),
                    "series": series,
                    "index": float(idx),
                    "index_text": labels.fmt_number(idx, 1),
                    "population_text": labels.fmt_number(pop),
                }
            )
    first = str(trend["year"].min()) if trend.height else ""
    domain = [zone_name, "Vlaanderen"]
    return {
        "title": _title(
            "Evolutie van het aantal inwoners",
            [f"Index: {first} = 100. Bron: {labels.POPULATION_SOURCE}; {BOUNDARY_NOTE}."],
        ),
        "layer": [_line_layer(records, domain, first)],
    }


def _line_layer(records: list[dict[str, Any]], domain: list[str], first: str) -> Spec:
    return {
        "data": {"values": records},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": "Jaar (1 januari)"},
            "y": {
                "field": "index",
                "type": "quantitative",
                "title": f"Index ({first} = 100)",
                "scale": {"zero": False},
            },
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "scale": {"domain": domain, "range": [ZONE_COLOUR, FLANDERS_COLOUR]},
                "legend": {"orient": "bottom"},
            },
            "strokeDash": {
                "field": "series",
                "type": "nominal",
                "scale": {"domain": domain, "range": [[1, 0], [4, 3]]},
                "legend": None,
            },
            "tooltip": [
                _tip("series", "Gebied"),
                {"field": "year", "type": "ordinal", "title": "Jaar"},
                _tip("population_text", "Inwoners"),
                _tip("index_text", "Index"),
            ],
        },
    }


@charts.house_style
def pyramid_spec(pyramid: pl.DataFrame, zone_name: str, year: int) -> Spec:
    """Population pyramid of the zone (bars) against Flanders (black ticks), in %.

    Men to the left, women to the right; a suppressed cell gets no bar but the text
    "onderdrukt (...)" in its row.
    """
    order = list(reversed(POP_AGE_BANDS))
    bars, flemish, hidden = [], [], []
    for r in pyramid.iter_rows(named=True):
        sign = -1.0 if r["sex"] == "M" else 1.0
        sex = labels.label("sex", r["sex"])
        if r["flanders_share"] is not None:
            flemish.append(
                {
                    "age_band": r["age_band"],
                    "sex": sex,
                    "flanders": sign * float(r["flanders_share"]),
                    "flanders_text": labels.fmt_value(r["flanders_share"], "%", 2),
                }
            )
        if r["suppressed"] or r["share"] is None:
            hidden.append(
                {
                    "age_band": r["age_band"],
                    "sex": sex,
                    "x": sign * 1.0,
                    "text": value_text(None, r["suppressed"], r["suppression_reason"], None),
                }
            )
            continue
        bars.append(
            {
                "age_band": r["age_band"],
                "sex": sex,
                "share": sign * float(r["share"]),
                "share_text": labels.fmt_value(r["share"], "%", 2),
                "population_text": labels.fmt_number(r["population"]),
            }
        )
    y = {
        "field": "age_band",
        "type": "nominal",
        "sort": order,
        "title": "Leeftijd",
        "axis": {"labelFontSize": 10},
    }
    x_axis = {
        "labelExpr": "replace(format(abs(datum.value), '.1f'), '.', ',') + ' %'",
        "title": "Aandeel van de inwoners (mannen links, vrouwen rechts)",
    }
    layers: list[Spec] = [
        {
            "data": {"values": bars},
            "mark": {"type": "bar", "opacity": 0.85},
            "encoding": {
                "x": {"field": "share", "type": "quantitative", "axis": x_axis},
                "y": y,
                "color": {
                    "field": "sex",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": list(SEX_COLOURS), "range": list(SEX_COLOURS.values())},
                    "legend": {"orient": "bottom"},
                },
                "tooltip": [
                    _tip("sex", "Geslacht"),
                    _tip("age_band", "Leeftijd"),
                    _tip("population_text", "Inwoners"),
                    _tip("share_text", "Aandeel zone"),
                ],
            },
        },
        {
            "data": {"values": flemish},
            "mark": {"type": "tick", "color": "#222222", "thickness": 2, "size": 12},
            "encoding": {
                "x": {"field": "flanders", "type": "quantitative"},
                "y": y,
                "tooltip": [
                    _tip("sex", "Geslacht"),
                    _tip("age_band", "Leeftijd"),
                    _tip("flanders_text", "Aandeel Vlaanderen"),
                ],
            },
        },
    ]
    if hidden:
        layers.append(
            {
                "data": {"values": hidden},
                "mark": {"type": "text", "fontSize": 9, "color": "#555555"},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative"},
                    "y": y,
                    "text": {"field": "text", "type": "nominal"},
                },
            }
        )
    return {
        "title": _title(
            f"Bevolkingspiramide {zone_name}, {year}",
            [
                "Balken: de zone; zwarte streepjes: Vlaanderen. Beide als aandeel van het eigen "
                "totaal, zodat de vorm vergelijkbaar is.",
                f"Bron: {labels.POPULATION_SOURCE}.",
            ],
        ),
        "height": {"step": 14},
        "layer": layers,
    }


def _method_suffix(row: dict[str, Any]) -> str:
    """ " — Spiegelhalter-z met correctie voor overdispersie (φ = 207)" for a tooltip."""
    method = row.get("comparison_method")
    if not method or row.get("comparison") is None:
        return ""
    adjusted = row.get("comparison_adjusted") is not False
    return " — " + compare_flanders.method_text(
        method, row.get("comparison_phi"), adjusted=adjusted
    )


def spine_records(spine: pl.DataFrame) -> list[dict[str, Any]]:
    """Plain records for the spine chart (one per indicator)."""
    records = []
    for r in spine.iter_rows(named=True):
        unit = r["unit"]
        comparison = r["comparison"] or "onbekend"
        texts = labels.value_texts(
            value=r["value"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            denominator=r["denominator"],
            suppressed=r["suppressed"],
            reason=r["suppression_reason"],
            unit=unit,
            denominator_label=r["denominator_label"],
            year=r["year"],
            interval_method=r.get("interval_method"),
        )
        records.append(
            {
                "label": str(r["name_nl"] or r["indicator_code"]),
                "code": r["indicator_code"],
                "pos_min": r["pos_min"],
                "pos_p25": r["pos_p25"],
                "pos_p75": r["pos_p75"],
                "pos_max": r["pos_max"],
                "pos_value": r["pos_value"],
                "comparison": comparison,
                "comparison_text": comparison_label(comparison, r.get("comparison_level"))
                + _method_suffix(r),
                "value_text": texts["value_text"],
                "interval_text": texts["interval_text"],
                "denominator_text": texts["denominator_text"],
                "year_text": texts["year_text"],
                "flanders_text": labels.fmt_value(r["flanders_value"], unit),
                "range_text": (
                    labels.fmt_value(r["range_min"], unit)
                    + " – "
                    + labels.fmt_value(r["range_max"], unit)
                    if r.get("range_min") is not None
                    else labels.NO_DATA
                ),
                "shown": r["pos_value"] is not None,
            }
        )
    return records


@charts.house_style
def spine_spec(spine: pl.DataFrame, title: str) -> Spec:
    """Fingertips-style spine chart of `spine_frame` rows.

    Per indicator: the spread across zones (light grey bar, darker middle half),
    Flanders (red tick in the middle) and the zone (dot coloured by its comparison with
    Flanders). A suppressed or missing zone value reads "onderdrukt (...)" / "geen
    gegevens" at the middle instead of a dot.
    """
    records = spine_records(spine)
    y = {
        "field": "label",
        "type": "nominal",
        "sort": [r["label"] for r in records],
        "title": None,
        "axis": {"labelLimit": 320},
    }
    scale = {"domain": [0, 1]}
    tooltip = [
        _tip("label", "Indicator"),
        _tip("value_text", "Zone"),
        _tip("interval_text", "Interval"),
        _tip("denominator_text", "Noemer"),
        _tip("flanders_text", "Vlaanderen"),
        _tip("range_text", "Laagste – hoogste zone"),
        _tip("comparison_text", "Vergelijking"),
        _tip("year_text", "Jaar"),
    ]
    axis = {
        "values": [0, 0.5, 1],
        "labelExpr": (
            "datum.value == 0 ? 'laagste zone' : datum.value == 1 ? 'hoogste zone' : 'Vlaanderen'"
        ),
        "title": None,
        "grid": False,
    }
    colours = {
        "field": "comparison_text",
        "type": "nominal",
        "title": "Vergelijking met Vlaanderen",
        "scale": {
            "domain": [comparison_label(c) for c in COMPARISON_ORDER],
            "range": [COMPARISON_COLOURS[c] for c in COMPARISON_ORDER],
        },
        "legend": {"orient": "bottom", "columns": 2, "labelLimit": 240},
    }
    return {
        "title": _title(
            title,
            [
                "Grijze balk: spreiding over alle zones (donker: middelste helft); rode streep: "
                "Vlaanderen; stip: deze zone, gekleurd volgens het 95%-interval.",
            ],
        ),
        "height": {"step": ROW_STEP},
        "layer": _with_data(
            records,
            [
                {
                    "mark": {"type": "bar", "color": RANGE_COLOUR, "height": 14},
                    "encoding": {
                        "x": {
                            "field": "pos_min",
                            "type": "quantitative",
                            "scale": scale,
                            "axis": axis,
                        },
                        "x2": {"field": "pos_max"},
                        "y": y,
                        "tooltip": tooltip,
                    },
                },
                {
                    "mark": {"type": "bar", "color": MIDDLE_COLOUR, "height": 14},
                    "encoding": {
                        "x": {"field": "pos_p25", "type": "quantitative", "scale": scale},
                        "x2": {"field": "pos_p75"},
                        "y": y,
                        "tooltip": tooltip,
                    },
                },
                {
                    "mark": {
                        "type": "tick",
                        "color": FLANDERS_COLOUR,
                        "thickness": 2,
                        "size": 20,
                        "opacity": 1,
                    },
                    "encoding": {
                        "x": {"datum": 0.5, "type": "quantitative", "scale": scale},
                        "y": y,
                    },
                },
                {
                    "transform": [{"filter": "datum.shown"}],
                    "mark": {
                        "type": "point",
                        "filled": True,
                        "size": 110,
                        "opacity": 1,
                        "stroke": "#333333",
                        "strokeWidth": 0.8,
                    },
                    "encoding": {
                        "x": {"field": "pos_value", "type": "quantitative", "scale": scale},
                        "y": y,
                        "color": colours,
                        "tooltip": tooltip,
                    },
                },
                {
                    "transform": [{"filter": "!datum.shown"}],
                    "mark": {"type": "text", "fontSize": 11, "color": "#444444"},
                    "encoding": {
                        "x": {"datum": 0.5, "type": "quantitative", "scale": scale},
                        "y": y,
                        "text": {"field": "value_text", "type": "nominal"},
                        "tooltip": tooltip,
                    },
                },
            ],
        ),
    }


@charts.house_style
def trend_spec(series: pl.DataFrame, *, unit: str | None, indicator_name: str) -> Spec:
    """The zone (line, 95% band), Flanders (red dashes) and similar zones (grey) by year.

    The subtitle states that the 2025 borders apply to every year (no break in the
    series).
    """
    records = []
    for r in series.iter_rows(named=True):
        texts = labels.value_texts(
            value=r["value"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            denominator=r["denominator"],
            suppressed=r["suppressed"],
            reason=r["suppression_reason"],
            unit=unit,
            denominator_label=None,
            year=r["year"],
        )
        name = "Vlaanderen" if r["role"] == "vlaanderen" else f"{r['area_name']} ({r['area_code']})"
        records.append(
            {
                "year": int(r["year"]),
                "role": r["role"],
                "series": name,
                "value": r["value"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                **texts,
            }
        )
    tooltip = [
        _tip("series", "Gebied"),
        _tip("year_text", "Jaar"),
        _tip("value_text", "Waarde"),
        _tip("interval_text", "Interval"),
        _tip("denominator_text", "Noemer"),
    ]
    x = {"field": "year", "type": "ordinal", "title": "Jaar"}
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    y = {"field": "value", "type": "quantitative", "scale": {"zero": False}, "title": axis_title}

    def only(role: str, field: str = "value") -> list[dict[str, str]]:
        return [{"filter": f"datum.role == '{role}' && isValid(datum.{field})"}]

    return {
        "title": _title(
            f"{indicator_name}: trend",
            [
                "Blauw: deze zone met 95%-interval; rode stippellijn: Vlaanderen; grijs: de "
                "vergelijkbare zones. Ontbrekende punten: onderdrukt of geen gegevens.",
                f"Let op: {BOUNDARY_NOTE}.",
            ],
        ),
        "layer": _with_data(
            records,
            [
                {
                    "transform": only("vergelijkbaar"),
                    "mark": {
                        "type": "line",
                        "color": PEER_COLOUR,
                        "strokeWidth": 1,
                        "opacity": 0.8,
                    },
                    "encoding": {"x": x, "y": y, "detail": {"field": "series", "type": "nominal"}},
                },
                {
                    "transform": only("vergelijkbaar"),
                    "mark": {"type": "point", "color": PEER_COLOUR, "size": 18, "filled": True},
                    "encoding": {"x": x, "y": y, "tooltip": tooltip},
                },
                {
                    "transform": only("zone", "ci_low"),
                    "mark": {"type": "area", "color": ZONE_COLOUR, "opacity": 0.18},
                    "encoding": {
                        "x": x,
                        "y": {"field": "ci_low", "type": "quantitative"},
                        "y2": {"field": "ci_high"},
                    },
                },
                {
                    "transform": only("vlaanderen"),
                    "mark": {
                        "type": "line",
                        "color": FLANDERS_COLOUR,
                        "strokeDash": [5, 3],
                        "point": True,
                    },
                    "encoding": {"x": x, "y": y, "tooltip": tooltip},
                },
                {
                    "transform": only("zone"),
                    "mark": {
                        "type": "line",
                        "color": ZONE_COLOUR,
                        "strokeWidth": 3,
                        "point": {"size": 50, "color": ZONE_COLOUR},
                    },
                    "encoding": {"x": x, "y": y, "tooltip": tooltip},
                },
            ],
        ),
    }


@charts.house_style
def interval_spec(
    values: pl.DataFrame,
    *,
    flanders_value: float | None,
    unit: str | None,
    indicator_name: str,
    highlight: str,
    roles: Mapping[str, str],
) -> Spec:
    """Dot and 95% interval per zone (sorted by value, not ranked), Flanders as a rule.

    `values` is `store.indicator_map_values` for a few zones; `roles` labels each zone
    ("deze zone", "vergelijkbaar", "buur"); the `highlight` zone is drawn darker.
    Suppressed and missing zones are listed in the subtitle, never drawn as 0.
    """
    records = []
    left_out = []
    for r in values.iter_rows(named=True):
        label = f"{r['area_name']} ({r['area_code']})"
        if r["suppressed"] or r["value"] is None:
            left_out.append(
                f"{label}: {value_text(None, r['suppressed'], r['suppression_reason'], unit)}"
            )
            continue
        texts = labels.value_texts(
            value=r["value"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            denominator=r["denominator"],
            suppressed=False,
            reason=None,
            unit=unit,
            denominator_label=None,
            year=r["year"],
        )
        records.append(
            {
                "area": label,
                "role": roles.get(r["area_code"], ""),
                "own": r["area_code"] == highlight,
                "value": float(r["value"]),
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                **texts,
            }
        )
    y = {
        "field": "area",
        "type": "nominal",
        "sort": {"field": "value", "op": "max", "order": "descending"},
        "title": None,
        "axis": {"labelLimit": 260},
    }
    tooltip = [
        _tip("area", "Zone"),
        _tip("role", "Rol"),
        _tip("value_text", "Waarde"),
        _tip("interval_text", "Interval"),
        _tip("denominator_text", "Noemer"),
        _tip("year_text", "Jaar"),
    ]
    x_title = f"{indicator_name} ({unit})" if unit else indicator_name
    x_scale = {"zero": False, "nice": True}
    layers: list[Spec] = [
        {
            "mark": {"type": "rule", "color": "#7f8c8d", "strokeWidth": 2},
            "encoding": {
                "x": {
                    "field": "ci_low",
                    "type": "quantitative",
                    "scale": x_scale,
                    "title": x_title,
                },
                "x2": {"field": "ci_high"},
                "y": y,
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 70, "opacity": 1},
            "encoding": {
                "x": {"field": "value", "type": "quantitative", "scale": x_scale},
                "y": y,
                "color": {
                    "field": "own",
                    "type": "nominal",
                    "scale": {"domain": [True, False], "range": [ZONE_COLOUR, PEER_COLOUR]},
                    "legend": None,
                },
                "tooltip": tooltip,
            },
        },
    ]
    subtitle = [labels.NOT_A_RANKING, "Blauw: deze zone; grijs: vergelijkbare en buurzones."]
    if flanders_value is not None:
        layers.append(
            {
                "mark": {
                    "type": "rule",
                    "color": FLANDERS_COLOUR,
                    "strokeDash": [4, 3],
                    "strokeWidth": 2,
                },
                "encoding": {"x": {"datum": float(flanders_value), "type": "quantitative"}},
            }
        )
        subtitle.append(
            f"Rode stippellijn: Vlaanderen ({labels.fmt_value(flanders_value, unit)}). "
            "Lijnstuk: 95%-interval."
        )
    if left_out:
        subtitle.append("Niet getekend: " + "; ".join(left_out) + ".")
    return {
        "title": _title(indicator_name, subtitle),
        "height": {"step": 26},
        "layer": _with_data(records, layers),
    }
