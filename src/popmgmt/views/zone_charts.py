"""The zone profile's charts and municipality map.

Charts are built with altair in the house style of `popmgmt.views.charts` and handed to
`st.vega_lite_chart` as dicts (`charts.finish`: no schema validation, which took seconds
per page run; data inline in each layer, as Streamlit ships it fastest). The map is a
pydeck deck of plain dicts (`popmgmt.views.maps`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

import altair as alt
import polars as pl
import pydeck as pdk

from popmgmt.pipeline.codes import (
    POP_AGE_BANDS,
)
from popmgmt.views import charts, labels, maps
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
    chart = alt.layer(_line_layer(records, domain, first)).properties(
        title=charts.title(
            "Evolutie van het aantal inwoners",
            [f"Index: {first} = 100. Bron: {labels.POPULATION_SOURCE}; {BOUNDARY_NOTE}."],
        )
    )
    return charts.finish(chart, fit=False)


def _line_layer(records: list[dict[str, Any]], domain: list[str], first: str) -> alt.Chart:
    line = (
        alt.Chart(alt.InlineData(values=records))
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title="Jaar (1 januari)"),
            y=alt.Y("index:Q", title=f"Index ({first} = 100)", scale=alt.Scale(zero=False)),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=domain, range=[ZONE_COLOUR, FLANDERS_COLOUR]),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=domain, range=[[1, 0], [4, 3]]), legend=None
            ),
            tooltip=[
                *charts.tooltip(("series", "Gebied")),
                alt.Tooltip("year:O", title="Jaar"),
                *charts.tooltip(("population_text", "Inwoners"), ("index_text", "Index")),
            ],
        )
    )
    return cast("alt.Chart", line)


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
    y = alt.Y("age_band:N", sort=order, title="Leeftijd", axis=alt.Axis(labelFontSize=10))
    x_axis = alt.Axis(
        labelExpr="replace(format(abs(datum.value), '.1f'), '.', ',') + ' %'",
        title="Aandeel van de inwoners (mannen links, vrouwen rechts)",
    )
    layers: list[alt.Chart] = [
        alt.Chart(alt.InlineData(values=bars))
        .mark_bar(opacity=0.85)
        .encode(
            x=alt.X("share:Q", axis=x_axis),
            y=y,
            color=alt.Color(
                "sex:N",
                title=None,
                scale=alt.Scale(domain=list(SEX_COLOURS), range=list(SEX_COLOURS.values())),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=charts.tooltip(
                ("sex", "Geslacht"),
                ("age_band", "Leeftijd"),
                ("population_text", "Inwoners"),
                ("share_text", "Aandeel zone"),
            ),
        ),
        alt.Chart(alt.InlineData(values=flemish))
        .mark_tick(color="#222222", thickness=2, size=12)
        .encode(
            x="flanders:Q",
            y=y,
            tooltip=charts.tooltip(
                ("sex", "Geslacht"),
                ("age_band", "Leeftijd"),
                ("flanders_text", "Aandeel Vlaanderen"),
            ),
        ),
    ]
    if hidden:
        layers.append(
            alt.Chart(alt.InlineData(values=hidden))
            .mark_text(fontSize=9, color="#555555")
            .encode(x="x:Q", y=y, text="text:N")
        )
    chart = alt.layer(*layers).properties(
        title=charts.title(
            f"Bevolkingspiramide {zone_name}, {year}",
            [
                "Balken: de zone; zwarte streepjes: Vlaanderen. Beide als aandeel van het eigen "
                "totaal, zodat de vorm vergelijkbaar is.",
                f"Bron: {labels.POPULATION_SOURCE}.",
            ],
        ),
        height=alt.Step(14),
    )
    return charts.finish(chart, fit=False)


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
                "comparison_text": comparison_label(comparison),
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


def spine_spec(spine: pl.DataFrame, title: str) -> Spec:
    """Fingertips-style spine chart of `spine_frame` rows.

    Per indicator: the spread across zones (light grey bar, darker middle half),
    Flanders (red tick in the middle) and the zone (dot coloured by its comparison with
    Flanders). A suppressed or missing zone value reads "onderdrukt (...)" / "geen
    gegevens" at the middle instead of a dot.
    """
    records = spine_records(spine)
    y = alt.Y(
        "label:N", sort=[r["label"] for r in records], title=None, axis=alt.Axis(labelLimit=320)
    )
    scale = alt.Scale(domain=[0, 1])
    tooltip = charts.tooltip(
        ("label", "Indicator"),
        ("value_text", "Zone"),
        ("interval_text", "Interval"),
        ("denominator_text", "Noemer"),
        ("flanders_text", "Vlaanderen"),
        ("range_text", "Laagste – hoogste zone"),
        ("comparison_text", "Vergelijking"),
        ("year_text", "Jaar"),
    )
    axis = alt.Axis(
        values=[0, 0.5, 1],
        labelExpr=(
            "datum.value == 0 ? 'laagste zone' : datum.value == 1 ? 'hoogste zone' : 'Vlaanderen'"
        ),
        title=None,
        grid=False,
    )
    colours = alt.Color(
        "comparison_text:N",
        title="Vergelijking met Vlaanderen",
        scale=alt.Scale(
            domain=[comparison_label(c) for c in COMPARISON_ORDER],
            range=[COMPARISON_COLOURS[c] for c in COMPARISON_ORDER],
        ),
        legend=alt.Legend(orient="bottom", columns=2, labelLimit=240),
    )
    base = alt.Chart(alt.InlineData(values=records))
    middle = alt.datum(0.5, type="quantitative", scale=scale)
    chart = alt.layer(
        base.mark_bar(color=RANGE_COLOUR, height=14).encode(
            x=alt.X("pos_min:Q", scale=scale, axis=axis), x2="pos_max", y=y, tooltip=tooltip
        ),
        base.mark_bar(color=MIDDLE_COLOUR, height=14).encode(
            x=alt.X("pos_p25:Q", scale=scale), x2="pos_p75", y=y, tooltip=tooltip
        ),
        base.mark_tick(color=FLANDERS_COLOUR, thickness=2, size=20, opacity=1).encode(
            x=middle, y=y
        ),
        base.transform_filter("datum.shown")
        .mark_point(filled=True, size=110, opacity=1, stroke="#333333", strokeWidth=0.8)
        .encode(x=alt.X("pos_value:Q", scale=scale), y=y, color=colours, tooltip=tooltip),
        base.transform_filter("!datum.shown")
        .mark_text(fontSize=11, color="#444444")
        .encode(x=middle, y=y, text="value_text:N", tooltip=tooltip),
    ).properties(
        title=charts.title(
            title,
            [
                "Grijze balk: spreiding over alle zones (donker: middelste helft); rode streep: "
                "Vlaanderen; stip: deze zone, gekleurd volgens het 95%-interval.",
            ],
        ),
        height=alt.Step(ROW_STEP),
    )
    return charts.finish(chart, fit=False)


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
    tooltip = charts.tooltip(
        ("series", "Gebied"),
        ("year_text", "Jaar"),
        ("value_text", "Waarde"),
        ("interval_text", "Interval"),
        ("denominator_text", "Noemer"),
    )
    x = alt.X("year:O", title="Jaar")
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    y = alt.Y("value:Q", scale=alt.Scale(zero=False), title=axis_title)
    base = alt.Chart(alt.InlineData(values=records))

    def only(role: str, field: str = "value") -> alt.Chart:
        return base.transform_filter(f"datum.role == '{role}' && isValid(datum.{field})")

    chart = alt.layer(
        only("vergelijkbaar")
        .mark_line(color=PEER_COLOUR, strokeWidth=1, opacity=0.8)
        .encode(x=x, y=y, detail="series:N"),
        only("vergelijkbaar")
        .mark_point(color=PEER_COLOUR, size=18, filled=True)
        .encode(x=x, y=y, tooltip=tooltip),
        only("zone", "ci_low")
        .mark_area(color=ZONE_COLOUR, opacity=0.18)
        .encode(x=x, y="ci_low:Q", y2="ci_high"),
        only("vlaanderen")
        .mark_line(color=FLANDERS_COLOUR, strokeDash=[5, 3], point=True)
        .encode(x=x, y=y, tooltip=tooltip),
        only("zone")
        .mark_line(
            color=ZONE_COLOUR,
            strokeWidth=3,
            point=alt.OverlayMarkDef(size=50, color=ZONE_COLOUR),
        )
        .encode(x=x, y=y, tooltip=tooltip),
    ).properties(
        title=charts.title(
            f"{indicator_name}: trend",
            [
                "Blauw: deze zone met 95%-interval; rode stippellijn: Vlaanderen; grijs: de "
                "vergelijkbare zones. Ontbrekende punten: onderdrukt of geen gegevens.",
                f"Let op: {BOUNDARY_NOTE}.",
            ],
        )
    )
    return charts.finish(chart, fit=False)


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
    y = alt.Y(
        "area:N",
        sort=alt.EncodingSortField(field="value", op="max", order="descending"),
        title=None,
        axis=alt.Axis(labelLimit=260),
    )
    tooltip = charts.tooltip(
        ("area", "Zone"),
        ("role", "Rol"),
        ("value_text", "Waarde"),
        ("interval_text", "Interval"),
        ("denominator_text", "Noemer"),
        ("year_text", "Jaar"),
    )
    x_title = f"{indicator_name} ({unit})" if unit else indicator_name
    x_scale = alt.Scale(zero=False, nice=True)
    base = alt.Chart(alt.InlineData(values=records))
    layers: list[alt.Chart] = [
        base.mark_rule(color="#7f8c8d", strokeWidth=2).encode(
            x=alt.X("ci_low:Q", scale=x_scale, title=x_title), x2="ci_high", y=y, tooltip=tooltip
        ),
        base.mark_point(filled=True, size=70, opacity=1).encode(
            x=alt.X("value:Q", scale=x_scale),
            y=y,
            color=alt.Color(
                "own:N",
                scale=alt.Scale(domain=[True, False], range=[ZONE_COLOUR, PEER_COLOUR]),
                legend=None,
            ),
            tooltip=tooltip,
        ),
    ]
    subtitle = [labels.NOT_A_RANKING, "Blauw: deze zone; grijs: vergelijkbare en buurzones."]
    if flanders_value is not None:
        layers.append(
            base.mark_rule(color=FLANDERS_COLOUR, strokeDash=[4, 3], strokeWidth=2).encode(
                x=alt.datum(float(flanders_value), type="quantitative")
            )
        )
        subtitle.append(
            f"Rode stippellijn: Vlaanderen ({labels.fmt_value(flanders_value, unit)}). "
            "Lijnstuk: 95%-interval."
        )
    if left_out:
        subtitle.append("Niet getekend: " + "; ".join(left_out) + ".")
    chart = alt.layer(*layers).properties(
        title=charts.title(indicator_name, subtitle), height=alt.Step(26)
    )
    return charts.finish(chart, fit=False)
