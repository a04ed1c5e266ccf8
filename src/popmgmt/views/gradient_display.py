"""The social gradient shown: Dutch display tables, texts and plain Vega-Lite chart specs.
The figures are `popmgmt.metrics.gradient`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import polars as pl

from popmgmt.metrics.gradient import N_GROUPS
from popmgmt.pipeline.privacy import PRIMARY
from popmgmt.views import charts, labels
from popmgmt.views.need_display import VEGA_LITE_SCHEMA, layer_data, vl_title

QUINTILE_LABELS: Final[Mapping[int, str]] = {
    1: "Q1 minst achtergesteld",
    2: "Q2",
    3: "Q3",
    4: "Q4",
    5: "Q5 meest achtergesteld",
}


# --------------------------------------------------------------------------- display


def quintile_display_table(
    frame: pl.DataFrame, *, unit: str | None, denominator_label: str | None
) -> pl.DataFrame:
    """Dutch text table of `quintile_values` (one or more years)."""
    rows = []
    for row in frame.iter_rows(named=True):
        texts = labels.value_texts(
            value=row["value"],
            ci_low=row["ci_low"],
            ci_high=row["ci_high"],
            denominator=row["denominator"],
            suppressed=bool(row["suppressed"]),
            reason=PRIMARY,
            unit=unit,
            denominator_label=denominator_label,
            year=row["year"],
        )
        rows.append(
            {
                "Jaar": str(row["year"]),
                "Kwintiel": QUINTILE_LABELS[int(row["quintile"])],
                "Waarde": texts["value_text"],
                "95%-betrouwbaarheidsinterval": texts["interval_text"],
                "Teller": labels.fmt_number(row["numerator"])
                if row["numerator"] is not None
                else texts["value_text"],
                "Noemer": labels.fmt_number(row["denominator"]),
                "Inwoners": labels.fmt_number(row["population"]),
                "Gemeenten": str(row["n_areas"]),
                "waarvan geschat (onderdrukt)": str(row["n_imputed"]),
            }
        )
    return pl.DataFrame(rows)


def sii_unit(row: Mapping[str, Any] | None, unit: str | None) -> str | None:
    """The SII's unit: "procentpunt" for a percentage (`slope_index` unit "pp")."""
    if row is not None and row.get("unit") == "pp":
        return "procentpunt"
    return unit


SII_METHOD: Final = (
    "Hellingsindex (SII, Low & Low 2004; zoals PHEindicatormethods phe_sii): de rechte lijn "
    "door de vijf kwintielen, gewogen naar de noemer van de indicator; bij percentages in "
    "procentpunten. Het 95%-interval komt uit 100.000 trekkingen binnen het interval van elk "
    "kwintiel: het toont de steekproefonzekerheid van de helling."
)
WORSE_END_TEXT: Final = {
    "eerste_groep": "De minst achtergestelde kant van de bevolking scoort slechter.",
    "laatste_groep": "De meest achtergestelde kant van de bevolking scoort slechter.",
    "hoger_aan_begin": "Het cijfer is hoger aan de minst achtergestelde kant (de indicator "
    "heeft geen richting: hoger is niet beter of slechter).",
    "hoger_aan_einde": "Het cijfer is hoger aan de meest achtergestelde kant (de indicator "
    "heeft geen richting: hoger is niet beter of slechter).",
    "geen": "Geen aantoonbare helling: het interval van de SII bevat 0.",
}


def worse_end_text(row: Mapping[str, Any] | None) -> str:
    """Which end is worse, in a sentence (from `slope_index`'s `worse_end`)."""
    if row is None or row.get("worse_end") is None:
        return ""
    return WORSE_END_TEXT.get(str(row["worse_end"]), "")


def sii_text(row: Mapping[str, Any] | None, *, unit: str | None) -> str:
    """ "+3,2 procentpunt (95%-BI 1,1 – 5,3 procentpunt)" or a Dutch reason why there is none."""
    if row is None or row.get("sii") is None:
        return "niet te berekenen (een kwintiel ontbreekt of is onderdrukt)"
    unit = sii_unit(row, unit)
    dec = labels.default_decimals(unit)
    sign = "+" if row["sii"] > 0 else ""
    interval = labels.fmt_interval(row.get("sii_low"), row.get("sii_high"), unit, dec)
    return f"{sign}{labels.fmt_value(row['sii'], unit, dec)} ({interval})"


def quintile_records(frame: pl.DataFrame, *, unit: str | None) -> list[dict[str, Any]]:
    out = []
    for row in frame.iter_rows(named=True):
        if row["value"] is None:
            continue
        out.append(
            {
                "quintile": QUINTILE_LABELS[int(row["quintile"])],
                "q": f"Q{int(row['quintile'])}",
                "year": int(row["year"]),
                "value": float(row["value"]),
                "ci_low": row["ci_low"],
                "ci_high": row["ci_high"],
                "value_text": labels.fmt_value(row["value"], unit),
                "interval_text": labels.fmt_interval(row["ci_low"], row["ci_high"], unit),
                "denominator_text": f"noemer: {labels.fmt_number(row['denominator'])}",
            }
        )
    return out


@charts.house_style
def quintile_chart(
    records: list[dict[str, Any]],
    *,
    unit: str | None,
    name: str,
    year: int,
    flanders_value: float | None,
) -> dict[str, Any]:
    """Vega-Lite spec: the five quintiles of one year, value with its 95% interval,
    Flanders as a dashed rule."""
    x = {
        "field": "q",
        "type": "nominal",
        "sort": [f"Q{q}" for q in range(1, N_GROUPS + 1)],
        "title": "Kwintiel van kansarmoede (Q1 = minst, Q5 = meest achtergesteld)",
        "axis": {"labelAngle": 0},
    }
    axis_title = f"{name} ({unit})" if unit else name
    tooltip = [
        {"field": "quintile", "type": "nominal", "title": "Kwintiel"},
        {"field": "value_text", "type": "nominal", "title": "Waarde"},
        {"field": "interval_text", "type": "nominal", "title": "Interval"},
        {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
    ]
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "rule", "color": "#7f8c8d", "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": {
                    "field": "ci_low",
                    "type": "quantitative",
                    "title": axis_title,
                    "scale": {"zero": False},
                },
                "y2": {"field": "ci_high"},
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 90, "color": "#1f6f8b", "opacity": 1},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "title": axis_title},
                "tooltip": tooltip,
            },
        },
    ]
    subtitle = [f"Jaar {year}. Lijnstuk: 95%-interval."]
    if flanders_value is not None:
        layers.append(
            {
                "mark": {"type": "rule", "color": "#c0392b", "strokeDash": [4, 3]},
                "encoding": {"y": {"datum": float(flanders_value)}},
            }
        )
        subtitle.append(f"Rode stippellijn: Vlaanderen ({labels.fmt_value(flanders_value, unit)}).")
    return layer_data(
        {
            "$schema": VEGA_LITE_SCHEMA,
            "data": {"values": records},
            "height": 320,
            "title": vl_title(f"{name} per kwintiel", subtitle),
            "layer": layers,
        }
    )


def sii_records(frame: pl.DataFrame, *, unit: str | None) -> list[dict[str, Any]]:
    return [
        {
            "year": int(row["year"]),
            "sii": float(row["sii"]),
            "sii_low": row["sii_low"],
            "sii_high": row["sii_high"],
            "sii_text": sii_text(row, unit=unit),
        }
        for row in frame.iter_rows(named=True)
        if row["sii"] is not None
    ]


@charts.house_style
def sii_trend_chart(records: list[dict[str, Any]], *, unit: str | None) -> dict[str, Any]:
    """Vega-Lite spec: SII per year with its 95% interval as a band; 0 = no gradient."""
    title_unit = f" ({unit})" if unit else ""
    x = {"field": "year", "type": "ordinal", "title": "Jaar", "axis": {"labelAngle": 0}}
    return layer_data(
        {
            "$schema": VEGA_LITE_SCHEMA,
            "data": {"values": records},
            "height": 260,
            "title": vl_title(
                "Evolutie van de kloof (hellingsindex)",
                ["Band: 95%-interval. 0 = geen verschil tussen minst en meest achtergesteld."],
            ),
            "layer": [
                {
                    "mark": {"type": "area", "opacity": 0.25, "color": "#1f6f8b"},
                    "encoding": {
                        "x": x,
                        "y": {
                            "field": "sii_low",
                            "type": "quantitative",
                            "title": f"Hellingsindex van ongelijkheid{title_unit}",
                        },
                        "y2": {"field": "sii_high"},
                    },
                },
                {
                    "mark": {"type": "line", "point": True, "color": "#1f6f8b"},
                    "encoding": {
                        "x": x,
                        "y": {"field": "sii", "type": "quantitative"},
                        "tooltip": [
                            {"field": "year", "type": "ordinal", "title": "Jaar"},
                            {"field": "sii_text", "type": "nominal", "title": "SII"},
                        ],
                    },
                },
                {
                    "mark": {"type": "rule", "color": "#555555", "strokeDash": [2, 2]},
                    "encoding": {"y": {"datum": 0}},
                },
            ],
        }
    )


@charts.house_style
def quintile_trend_chart(
    records: list[dict[str, Any]], *, unit: str | None, name: str
) -> dict[str, Any]:
    """Vega-Lite spec: all five quintiles over the years (lines)."""
    order = [QUINTILE_LABELS[q] for q in range(1, N_GROUPS + 1)]
    return layer_data(
        {
            "$schema": VEGA_LITE_SCHEMA,
            "data": {"values": records},
            "mark": {"type": "line", "point": True},
            "height": 260,
            "title": vl_title("Alle vijf kwintielen door de jaren"),
            "encoding": {
                "x": {
                    "field": "year",
                    "type": "ordinal",
                    "title": "Jaar",
                    "axis": {"labelAngle": 0},
                },
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": f"{name} ({unit})" if unit else name,
                    "scale": {"zero": False},
                },
                "color": {
                    "field": "quintile",
                    "type": "nominal",
                    "title": "Kwintiel",
                    "sort": order,
                    "scale": {"domain": order, "scheme": "orangered"},
                },
                "tooltip": [
                    {"field": "year", "type": "ordinal", "title": "Jaar"},
                    {"field": "quintile", "type": "nominal", "title": "Kwintiel"},
                    {"field": "value_text", "type": "nominal", "title": "Waarde"},
                    {"field": "interval_text", "type": "nominal", "title": "Interval"},
                ],
            },
        }
    )
