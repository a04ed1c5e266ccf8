"""The Flemish monitor's charts and maps.

Chart functions return Vega-Lite specs as plain dicts (rendered with
`st.vega_lite_chart`): building the same charts with altair costs 0.2-0.6 s each at full
scale (altair validates every inline record), which the page's 0.5 s budget cannot carry.
The specs are valid Vega-Lite v6 (the tests check them against altair's schema). Maps are
pydeck decks whose JSON is assembled from cached per-area geometry (`geometry_index`,
`prebuilt_deck`): pydeck's own serialiser takes 0.2 s for the zones and 0.5 s for the
municipalities on every run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import polars as pl

from popmgmt.app.annotations import Annotation, date_text
from popmgmt.views import charts, labels, maps
from popmgmt.views.monitor import NOT_ASSESSED, Funnel, Split, _float, change_unit, year_date
from popmgmt.views.monitor_tables import (
    CHANGE_CLASSES,
    FUNNEL_CLASSES,
    _fmt,
    _texts,
    comparison_text,
    signed_text,
)

VL_SCHEMA: Final = "https://vega.github.io/schema/vega-lite/v6.json"
Spec = dict[str, Any]

FLANDERS_COLOUR: Final = "#c0392b"
SPREAD_COLOUR: Final = "#7f8c8d"
ANNOTATION_COLOUR: Final = "#2c3e50"
ROW_HEIGHT: Final = 20
TREND_HEIGHT: Final = 360

# The house config: Dutch number and date formats on the axes ("8,5", "12.000"), legends.
CHART_CONFIG: Final[dict[str, Any]] = charts.dutch({})["config"]
MAX_FUNNEL_LABELS: Final = 8
"""At most this many outliers are named on the funnel plot (the most extreme by |z|);
the list under the plot and the table name them all."""


def _single_datum() -> dict[str, Any]:
    """The data of a reference line (`datum` encoding): a layer without data draws nothing."""
    return {"values": [{}]}


# --------------------------------------------------------------------------- maps


# The fast map (cached geometry texts, assembled JSON) lives in `maps`.
geometry_index = maps.geometry_index
choropleth_deck = maps.fast_choropleth


# --------------------------------------------------------------------------- charts


def spec_header(title: str, notes: Sequence[str]) -> Spec:
    """The common top of every chart spec. The chart draws no title of its own (Vega-Lite's
    "fit" sizing would squeeze the plot): the page shows `usermeta.title` above the chart
    and `usermeta.notes` (how to read it) below."""
    return {
        "$schema": VL_SCHEMA,
        "description": title,
        "usermeta": {"title": title, "notes": list(notes)},
        "config": CHART_CONFIG,
    }


def time_axis(years: Iterable[int], annotations: Sequence[Annotation] = ()) -> dict[str, Any]:
    ys = [int(y) for y in years]
    first = min([*ys, 2015])
    last = max([*ys, first])
    for a in annotations:
        first = min(first, a.day.year)
        last = max(last, a.day.year)
    return {
        "field": "date",
        "type": "temporal",
        "title": "Jaar",
        "scale": {"domain": [{"year": first, "month": 1, "date": 1}, {"year": last + 1}]},
        "axis": {"format": "%Y", "tickCount": {"interval": "year", "step": 1}, "grid": False},
    }


def annotation_layers(
    annotations: Sequence[Annotation], x: dict[str, Any], *, label_rows: int = 3
) -> list[Spec]:
    """A dark vertical rule per annotation, its label at the top (staggered over
    `label_rows` lines so nearby labels do not overlap), date and label in the tooltip."""
    if not annotations:
        return []
    records = [
        {
            "date": a.day.isoformat(),
            "label": a.label,
            "date_text": date_text(a.day),
            "row_y": 4 + 13 * (i % label_rows),
        }
        for i, a in enumerate(sorted(annotations, key=lambda a: (a.day, a.id)))
    ]
    tooltip = [
        {"field": "date_text", "type": "nominal", "title": "Datum"},
        {"field": "label", "type": "nominal", "title": "Markering"},
    ]
    return [
        {
            "data": {"values": records},
            "mark": {"type": "rule", "color": ANNOTATION_COLOUR, "strokeDash": [6, 3]},
            "encoding": {"x": x, "tooltip": tooltip},
        },
        {
            "data": {"values": records},
            "mark": {
                "type": "text",
                "align": "left",
                "baseline": "top",
                "dx": 4,
                "fontSize": 11,
                "color": ANNOTATION_COLOUR,
            },
            "encoding": {
                "x": x,
                "y": {"field": "row_y", "type": "quantitative", "scale": None},
                "text": {"field": "label", "type": "nominal"},
                "tooltip": tooltip,
            },
        },
    ]


def _value_records(
    frame: pl.DataFrame, unit: str | None, decimals: int | None, extra: Sequence[str] = ()
) -> list[dict[str, Any]]:
    records = []
    for row in frame.iter_rows(named=True):
        texts = _texts(row, unit, decimals)
        rec: dict[str, Any] = {
            "date": year_date(row["year"]),
            "value": _float(row.get("value")),
            "ci_low": _float(row.get("ci_low")),
            "ci_high": _float(row.get("ci_high")),
            **texts,
        }
        for col in extra:
            rec[col] = row.get(col)
        records.append(rec)
    return records


def trend_chart(
    flanders: pl.DataFrame,
    spread: pl.DataFrame,
    split_rows: pl.DataFrame,
    annotations: Sequence[Annotation],
    *,
    indicator_name: str,
    unit: str | None,
    split: Split,
    decimals: int | None = None,
    spread_label: str = "zones",
) -> Spec:
    """The Flemish trend (line, 95% interval as a band) over the spread between the
    areas (min-max light band, interquartile range darker band, median dashed), with an
    optional line per province or zone, and the policy annotations as vertical rules."""
    years = [*flanders["year"].to_list(), *spread["year"].to_list()]
    x = time_axis(years, annotations)
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    y_scale = {"zero": False, "nice": True}
    layers: list[Spec] = []
    if spread.height:
        spread_records = [
            {
                "date": year_date(row["year"]),
                **{k: _float(row[k]) for k in ("min", "p25", "median", "p75", "max")},
                "year_text": f"jaar {row['year']}",
                "range_text": f"{_fmt(row['min'], unit, decimals)} – "
                f"{_fmt(row['max'], unit, decimals)}",
                "iqr_text": f"{_fmt(row['p25'], unit, decimals)} – "
                f"{_fmt(row['p75'], unit, decimals)}",
                "median_text": _fmt(row["median"], unit, decimals),
                "n_text": f"{row['n_shown']} van {row['n_areas']} {spread_label}",
            }
            for row in spread.iter_rows(named=True)
        ]
        spread_tip = [
            {"field": "year_text", "type": "nominal", "title": "Jaar"},
            {"field": "median_text", "type": "nominal", "title": f"Mediaan {spread_label}"},
            {"field": "iqr_text", "type": "nominal", "title": "Interkwartielafstand"},
            {"field": "range_text", "type": "nominal", "title": "Minimum – maximum"},
            {"field": "n_text", "type": "nominal", "title": "Met getoonde waarde"},
        ]
        data = {"values": spread_records}
        layers += [
            {
                "data": data,
                "mark": {"type": "area", "color": SPREAD_COLOUR, "opacity": 0.15},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "min",
                        "type": "quantitative",
                        "title": axis_title,
                        "scale": y_scale,
                    },
                    "y2": {"field": "max"},
                    "tooltip": spread_tip,
                },
            },
            {
                "data": data,
                "mark": {"type": "area", "color": SPREAD_COLOUR, "opacity": 0.35},
                "encoding": {
                    "x": x,
                    "y": {"field": "p25", "type": "quantitative"},
                    "y2": {"field": "p75"},
                    "tooltip": spread_tip,
                },
            },
            {
                "data": data,
                "mark": {"type": "line", "color": "#555555", "strokeDash": [4, 3]},
                "encoding": {
                    "x": x,
                    "y": {"field": "median", "type": "quantitative"},
                    "tooltip": spread_tip,
                },
            },
        ]
    if split != "geen" and split_rows.height:
        records = _value_records(
            split_rows.filter(pl.col("value").is_not_null()),
            unit,
            decimals,
            extra=("area_code", "area_name", "group"),
        )
        for rec in records:
            rec["area"] = f"{rec['area_name']} ({rec['area_code']})"
        tip = [
            {"field": "area", "type": "nominal", "title": "Gebied"},
            {"field": "value_text", "type": "nominal", "title": "Waarde"},
            {"field": "interval_text", "type": "nominal", "title": "Interval"},
            {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
            {"field": "year_text", "type": "nominal", "title": "Jaar"},
        ]
        colour = {
            "field": "group",
            "type": "nominal",
            "title": "Provincie",
            "scale": {"scheme": "tableau10"},
            "legend": {"orient": "bottom", "columns": 3},
        }
        mark: dict[str, Any] = (
            {"type": "line", "strokeWidth": 2, "point": True}
            if split == "provincie"
            else {"type": "line", "strokeWidth": 1, "opacity": 0.55}
        )
        layers.append(
            {
                "data": {"values": records},
                "mark": mark,
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": axis_title,
                        "scale": y_scale,
                    },
                    "color": colour,
                    "detail": {"field": "area_code", "type": "nominal"},
                    "tooltip": tip,
                },
            }
        )
    if flanders.height:
        records = _value_records(flanders, unit, decimals)
        tip = [
            {"field": "value_text", "type": "nominal", "title": "Vlaanderen"},
            {"field": "interval_text", "type": "nominal", "title": "Interval"},
            {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
            {"field": "year_text", "type": "nominal", "title": "Jaar"},
        ]
        data = {"values": records}
        layers += [
            {
                "data": data,
                "mark": {"type": "area", "color": FLANDERS_COLOUR, "opacity": 0.25},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "ci_low",
                        "type": "quantitative",
                        "title": axis_title,
                        "scale": y_scale,
                    },
                    "y2": {"field": "ci_high"},
                    "tooltip": tip,
                },
            },
            {
                "data": data,
                "mark": {
                    "type": "line",
                    "color": FLANDERS_COLOUR,
                    "strokeWidth": 3,
                    "point": {"color": FLANDERS_COLOUR, "size": 40},
                },
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative"},
                    "tooltip": tip,
                },
            },
        ]
    layers += annotation_layers(annotations, x)
    subtitle = [
        "Rode lijn: Vlaanderen, met het 95%-betrouwbaarheidsinterval als rode band.",
        f"Grijze banden: spreiding tussen de {spread_label}: minimum–maximum (licht), "
        "interkwartielafstand (donker), mediaan (stippellijn).",
    ]
    if annotations:
        subtitle.append("Donkere stippellijnen: beleidsmarkeringen.")
    height = TREND_HEIGHT + (70 if split != "geen" and split_rows.height else 0)
    return {
        **spec_header(indicator_name, subtitle),
        "height": height,
        "layer": layers or [{"mark": "point"}],
    }


def _class_scale(classes: Mapping[str, tuple[str, str]], present: set[str]) -> dict[str, Any]:
    domain = [text for code, (text, _c) in classes.items() if code in present]
    colours = [colour for code, (_t, colour) in classes.items() if code in present]
    return {"domain": domain, "range": colours}


def funnel_chart(
    result: Funnel,
    *,
    indicator_name: str,
    unit: str | None,
    year: int,
    size_label: str,
    decimals: int | None = None,
    label_outliers: bool = True,
) -> Spec:
    """Funnel plot: each area's value against its denominator, the Flemish value as a
    line, 95% (dashed) and 99.8% (solid) control limits; colour by class, names of the
    areas outside the 99.8% limits written beside them."""
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    shown = result.points.filter(pl.col("funnel_class") != NOT_ASSESSED)
    sizes = shown["denominator"].drop_nulls()
    lo_size = _float(sizes.min()) if sizes.len() else None
    hi_size = _float(sizes.max()) if sizes.len() else None
    log_x = bool(lo_size and hi_size and lo_size > 0 and hi_size / lo_size > 20)
    x = {
        "field": "size",
        "type": "quantitative",
        "title": f"Noemer: {size_label}",
        "scale": {"type": "log"} if log_x else {"zero": False, "nice": True},
        "axis": {"format": ",.0f", "labelOverlap": True},
    }
    y_scale = {"zero": False, "nice": True}
    curve_records = []
    for row in result.curve.iter_rows(named=True):
        for col, limit in (
            ("lo_95", "95%-grens"),
            ("hi_95", "95%-grens"),
            ("lo_998", "99,8%-grens"),
            ("hi_998", "99,8%-grens"),
        ):
            v = _float(row[col])
            if v is not None:
                curve_records.append({"size": row["size"], "limit": v, "line": col, "level": limit})
    extreme = shown.filter(pl.col("funnel_class").is_in(["hoog_998", "laag_998"]))
    labelled = (
        set(
            extreme.sort(pl.col("z").abs(), descending=True)
            .head(MAX_FUNNEL_LABELS)["area_code"]
            .to_list()
        )
        if label_outliers
        else set()
    )
    point_records = []
    for row in shown.iter_rows(named=True):
        texts = _texts({**row, "year": year}, unit, decimals)
        point_records.append(
            {
                "size": float(row["denominator"]),
                "value": _float(row["value"]),
                "area": f"{row['area_name']} ({row['area_code']})",
                "name": row["area_name"],
                "class": FUNNEL_CLASSES[row["funnel_class"]][0],
                "label": row["area_name"] if row["area_code"] in labelled else "",
                **texts,
            }
        )
    present = set(shown["funnel_class"].to_list())
    tip = [
        {"field": "area", "type": "nominal", "title": "Gebied"},
        {"field": "value_text", "type": "nominal", "title": "Waarde"},
        {"field": "interval_text", "type": "nominal", "title": "Interval"},
        {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
        {"field": "class", "type": "nominal", "title": "Ten opzichte van Vlaanderen"},
        {"field": "year_text", "type": "nominal", "title": "Jaar"},
    ]
    layers: list[Spec] = [
        {
            "data": {"values": curve_records},
            "mark": {"type": "line", "color": "#34495e", "strokeWidth": 1.2},
            "encoding": {
                "x": x,
                "y": {
                    "field": "limit",
                    "type": "quantitative",
                    "title": axis_title,
                    "scale": y_scale,
                },
                "detail": {"field": "line", "type": "nominal"},
                "strokeDash": {
                    "field": "level",
                    "type": "nominal",
                    "title": "Controlegrenzen",
                    "scale": {"domain": ["95%-grens", "99,8%-grens"], "range": [[5, 4], [1, 0]]},
                    "legend": {"orient": "bottom"},
                },
            },
        },
        {
            "data": _single_datum(),
            "mark": {"type": "rule", "color": FLANDERS_COLOUR, "strokeWidth": 2},
            "encoding": {"y": {"datum": result.target, "type": "quantitative"}},
        },
        {
            "data": {"values": point_records},
            "mark": {
                "type": "point",
                "filled": True,
                "size": 60,
                "opacity": 0.9,
                "stroke": "#333333",
                "strokeWidth": 0.5,
            },
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative"},
                "color": {
                    "field": "class",
                    "type": "nominal",
                    "title": "Ten opzichte van Vlaanderen",
                    "scale": _class_scale(FUNNEL_CLASSES, present),
                    "legend": {"orient": "bottom", "columns": 2},
                },
                "tooltip": tip,
            },
        },
        {
            "data": {"values": point_records},
            "mark": {"type": "text", "align": "left", "dx": 7, "fontSize": 11},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative"},
                "text": {"field": "label", "type": "nominal"},
            },
        },
    ]
    flemish = _fmt(result.target, unit, decimals)
    adjusted = (
        " Grenzen met de gewone spreiding tussen de gebieden (additief model, φ = "
        f"{labels.fmt_number(result.phi, 0)})."
        if result.method == "additief" and result.adjusted and result.phi is not None
        else " Grenzen zonder correctie voor overdispersie."
        if result.method == "additief"
        else ""
    )
    return {
        **spec_header(
            f"{indicator_name}, {year}: trechterdiagram",
            [
                f"Rode lijn: Vlaanderen ({flemish}). Stippellijnen: 95%-grenzen; volle lijnen: "
                f"99,8%-grenzen.{adjusted}",
                "Hoe groter de noemer, hoe smaller de grenzen: een gebied buiten de grenzen "
                "wijkt meer af dan toeval verklaart.",
            ],
        ),
        "height": 420,
        "layer": layers,
    }


def interval_chart(
    result: Funnel,
    *,
    indicator_name: str,
    unit: str | None,
    year: int,
    decimals: int | None = None,
) -> Spec:
    """The secondary view: each area's value with its 95% interval, sorted by value (not
    ranked), coloured by its funnel class, Flanders as a dashed line."""
    shown = result.points.filter(pl.col("funnel_class") != NOT_ASSESSED)
    records = [
        {
            "area": f"{row['area_name']} ({row['area_code']})",
            "value": _float(row["value"]),
            "ci_low": _float(row["ci_low"]),
            "ci_high": _float(row["ci_high"]),
            "class": FUNNEL_CLASSES[row["funnel_class"]][0],
            **_texts({**row, "year": year}, unit, decimals),
        }
        for row in shown.iter_rows(named=True)
    ]
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    y = {
        "field": "area",
        "type": "nominal",
        "title": None,
        "sort": {"field": "value", "op": "max", "order": "descending"},
        "axis": {"labelLimit": 260},
    }
    tip = [
        {"field": "area", "type": "nominal", "title": "Gebied"},
        {"field": "value_text", "type": "nominal", "title": "Waarde"},
        {"field": "interval_text", "type": "nominal", "title": "Interval"},
        {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
        {"field": "class", "type": "nominal", "title": "Ten opzichte van Vlaanderen"},
    ]
    x_scale = {"zero": False, "nice": True}
    data = {"values": records}
    left_out = result.points.height - shown.height
    subtitle = [labels.NOT_A_RANKING, "Lijnstuk: 95%-interval. Rode stippellijn: Vlaanderen."]
    if left_out:
        subtitle.append(
            f"{left_out} gebied(en) zonder getoonde waarde (onderdrukt of geen gegevens)."
        )
    return {
        **spec_header(f"{indicator_name}, {year}", subtitle),
        "height": {"step": ROW_HEIGHT},
        "layer": [
            {
                "data": data,
                "mark": {"type": "rule", "color": "#7f8c8d", "strokeWidth": 2},
                "encoding": {
                    "x": {
                        "field": "ci_low",
                        "type": "quantitative",
                        "title": axis_title,
                        "scale": x_scale,
                    },
                    "x2": {"field": "ci_high"},
                    "y": y,
                    "tooltip": tip,
                },
            },
            {
                "data": data,
                "mark": {"type": "point", "filled": True, "size": 50, "opacity": 1},
                "encoding": {
                    "x": {"field": "value", "type": "quantitative"},
                    "y": y,
                    "color": {
                        "field": "class",
                        "type": "nominal",
                        "title": "Ten opzichte van Vlaanderen",
                        "scale": _class_scale(FUNNEL_CLASSES, set(shown["funnel_class"].to_list())),
                        "legend": {"orient": "bottom", "columns": 2},
                    },
                    "tooltip": tip,
                },
            },
            {
                "data": _single_datum(),
                "mark": {
                    "type": "rule",
                    "color": FLANDERS_COLOUR,
                    "strokeDash": [4, 3],
                    "strokeWidth": 2,
                },
                "encoding": {"x": {"datum": result.target, "type": "quantitative"}},
            },
        ],
    }


def change_chart(
    comparison: pl.DataFrame,
    *,
    flemish_change: float | None,
    indicator_name: str,
    unit: str | None,
    year_from: int,
    year_to: int,
    decimals: int | None = None,
) -> Spec:
    """Change per area between two years with its 95% interval, sorted by change (not
    ranked), coloured by whether the interval excludes 0; 0 and the Flemish change as
    lines."""
    cunit = change_unit(unit)
    shown = comparison.filter(pl.col("change_class") != NOT_ASSESSED)
    records = [
        {
            "area": f"{row['area_name']} ({row['area_code']})",
            "change": row["change"],
            "change_low": row["change_low"],
            "change_high": row["change_high"],
            "class": CHANGE_CLASSES[row["change_class"]][0],
            "change_text": signed_text(row["change"], cunit, decimals),
            "interval_text": f"95%-BI {signed_text(row['change_low'], None, decimals)} tot "
            f"{signed_text(row['change_high'], cunit, decimals)}",
            "from_text": f"{year_from}: {_fmt(row['value_from'], unit, decimals)}",
            "to_text": f"{year_to}: {_fmt(row['value_to'], unit, decimals)}",
        }
        for row in shown.iter_rows(named=True)
    ]
    y = {
        "field": "area",
        "type": "nominal",
        "title": None,
        "sort": {"field": "change", "op": "max", "order": "descending"},
        "axis": {"labelLimit": 260},
    }
    tip = [
        {"field": "area", "type": "nominal", "title": "Gebied"},
        {"field": "change_text", "type": "nominal", "title": "Verandering"},
        {"field": "interval_text", "type": "nominal", "title": "Interval"},
        {"field": "from_text", "type": "nominal", "title": "Van"},
        {"field": "to_text", "type": "nominal", "title": "Naar"},
    ]
    data = {"values": records}
    axis_title = f"Verandering {year_from}–{year_to}" + (f" ({cunit})" if cunit else "")
    layers: list[Spec] = [
        {
            "data": data,
            "mark": {"type": "rule", "color": "#7f8c8d", "strokeWidth": 2},
            "encoding": {
                "x": {"field": "change_low", "type": "quantitative", "title": axis_title},
                "x2": {"field": "change_high"},
                "y": y,
                "tooltip": tip,
            },
        },
        {
            "data": data,
            "mark": {"type": "point", "filled": True, "size": 50, "opacity": 1},
            "encoding": {
                "x": {"field": "change", "type": "quantitative"},
                "y": y,
                "color": {
                    "field": "class",
                    "type": "nominal",
                    "title": "Verandering",
                    "scale": _class_scale(CHANGE_CLASSES, set(shown["change_class"].to_list())),
                    "legend": {"orient": "bottom"},
                },
                "tooltip": tip,
            },
        },
        {
            "data": _single_datum(),
            "mark": {"type": "rule", "color": "#333333"},
            "encoding": {"x": {"datum": 0, "type": "quantitative"}},
        },
    ]
    subtitle = [
        labels.NOT_A_RANKING,
        "Lijnstuk: 95%-interval van de verandering (MOVER, de jaren als onafhankelijke "
        "steekproeven).",
    ]
    if flemish_change is not None:
        layers.append(
            {
                "data": _single_datum(),
                "mark": {
                    "type": "rule",
                    "color": FLANDERS_COLOUR,
                    "strokeDash": [4, 3],
                    "strokeWidth": 2,
                },
                "encoding": {"x": {"datum": flemish_change, "type": "quantitative"}},
            }
        )
        subtitle.append(
            f"Rode stippellijn: verandering in Vlaanderen "
            f"({signed_text(flemish_change, cunit, decimals)})."
        )
    return {
        **spec_header(f"{indicator_name}: verandering {year_from}–{year_to}", subtitle),
        "height": {"step": ROW_HEIGHT},
        "layer": layers,
    }


def heatmap_chart(
    rows: pl.DataFrame, *, indicator_name: str, unit: str | None, decimals: int | None = None
) -> Spec:
    """Zone x year, coloured by value (sequential); suppressed or missing cells grey.
    Rows sorted by zone name (not ranked)."""
    records = []
    for row in rows.iter_rows(named=True):
        texts = _texts(row, unit, decimals)
        records.append(
            {
                "area": f"{row['area_name']} ({row['area_code']})",
                "year": str(row["year"]),
                "value": _float(row["value"]),
                **texts,
            }
        )
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    return {
        **spec_header(
            f"{indicator_name} per zone en jaar",
            ["Zones op naam gesorteerd (geen rangschikking). Grijs: onderdrukt of geen gegevens."],
        ),
        "height": {"step": 14},
        # One layer holding its own data: the records stay in the spec (Streamlit would
        # convert top-level data to Arrow on every run).
        "layer": [_heat_layer(records, axis_title)],
    }


def _heat_layer(records: list[dict[str, Any]], axis_title: str) -> Spec:
    return {
        "data": {"values": records},
        "mark": {"type": "rect"},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": "Jaar"},
            "y": {
                "field": "area",
                "type": "nominal",
                "title": None,
                "sort": "ascending",
                "axis": {"labelLimit": 260},
            },
            "color": {
                "condition": {
                    "test": "datum.value === null",
                    "value": maps.rgb_hex(maps.MISSING_COLOUR),
                },
                "field": "value",
                "type": "quantitative",
                "title": axis_title,
                "scale": {"scheme": "yellowgreenblue"},
                "legend": {"orient": "bottom"},
            },
            "tooltip": [
                {"field": "area", "type": "nominal", "title": "Zone"},
                {"field": "value_text", "type": "nominal", "title": "Waarde"},
                {"field": "interval_text", "type": "nominal", "title": "Interval"},
                {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
                {"field": "year_text", "type": "nominal", "title": "Jaar"},
            ],
        },
    }


# --------------------------------------------------------------------------- comparison map

NOT_ASSESSED_COLOUR: Final = "#e0e0e0"


def _rgb(colour: str) -> maps.RGB:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def comparison_map(
    geometry: Mapping[str, str],
    points: pl.DataFrame,
    *,
    direction: str | None,
    unit: str | None,
    year: int,
    decimals: int | None,
    layer_id: str,
) -> tuple[maps.PrebuiltDeck, list[maps.LegendItem]]:
    """The funnel's classes (the comparisons mart's labels) as a map: each area coloured
    by how it compares with Flanders, in the funnel plot's colours; grey when not
    assessed. Returns the deck and its legend."""
    properties: dict[str, dict[str, Any]] = {}
    for row in points.iter_rows(named=True):
        klass = str(row.get("funnel_class") or NOT_ASSESSED)
        colour = FUNNEL_CLASSES[klass][1] if klass in FUNNEL_CLASSES else NOT_ASSESSED_COLOUR
        texts = _texts({**row, "year": year}, unit, decimals)
        properties[str(row["area_code"])] = maps.tooltip_fields(
            {
                "fill_color": [*_rgb(colour), maps.FILL_ALPHA],
                "tt_name": f"{row.get('area_name') or row['area_code']} ({row['area_code']})",
                "tt_value": texts["value_text"],
                "tt_interval": comparison_text(klass, direction),
                "tt_denominator": texts["denominator_text"],
                "tt_year": texts["year_text"],
            }
        )
    for code in geometry:
        properties.setdefault(
            code,
            maps.tooltip_fields(
                {
                    "fill_color": [*_rgb(NOT_ASSESSED_COLOUR), maps.FILL_ALPHA],
                    "tt_name": code,
                    "tt_value": labels.NO_DATA,
                    "tt_interval": "",
                    "tt_denominator": "",
                    "tt_year": "",
                }
            ),
        )
    legend = [
        maps.LegendItem(colour, comparison_text(klass, direction), _rgb(colour))
        for klass, (_, colour) in FUNNEL_CLASSES.items()
    ]
    legend.append(
        maps.LegendItem(
            NOT_ASSESSED_COLOUR, comparison_text(NOT_ASSESSED, direction), _rgb(NOT_ASSESSED_COLOUR)
        )
    )
    return maps.prebuilt_deck(geometry, properties, layer_id=layer_id), legend
