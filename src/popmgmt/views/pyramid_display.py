"""The risk pyramid shown: link parameters, Dutch display tables and the Vega-Lite chart.
The figures are `popmgmt.metrics.pyramid`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace
from typing import Any, Final

import polars as pl

from popmgmt.metrics.pyramid import INPUTS, KAISER_REFERENCE, PARAM_NAMES, TIERS, PyramidParams
from popmgmt.views import charts, labels
from popmgmt.views.need_display import VEGA_LITE_SCHEMA, vl_title
from popmgmt.views.query import format_mapping, parse_mapping

TIER_LABELS: Final[Mapping[str, str]] = {
    "complex": "Complex: casemanagement",
    "risico": "Risico of chronisch: ondersteuning",
    "gezond": "Gezond: zelfzorg en preventie",
}
TIER_COLOURS: Final[Mapping[str, str]] = {
    "complex": "#b2182b",
    "risico": "#ef8a62",
    "gezond": "#67a9cf",
}
INPUT_LABELS: Final[Mapping[str, str]] = {
    "palliatief": "Palliatief statuut",
    "woonzorgcentrum": "Verblijf in een woonzorgcentrum (65+)",
    "polyfarmacie75": "Polyfarmacie bij 75-plussers",
    "chronisch": "Statuut chronische aandoening",
    "diabetes": "Geneesmiddelen voor diabetes",
    "leeftijd75": "Inwoners van 75 jaar en ouder",
    "vt": "Verhoogde tegemoetkoming",
    "alleenwonend65": "Alleenwonende 65-plussers",
}
BASE_LABELS: Final[Mapping[str, str]] = {
    "totaal": "alle inwoners",
    "65plus": "inwoners van 65+",
    "75plus": "inwoners van 75+",
}


# --------------------------------------------------------------------------- URL


def params_to_query(params: PyramidParams) -> str:
    """ "f_pall:1,f_rvt:1,f_poly:0.15,..." for the URL."""
    return format_mapping(asdict(params))


def params_from_query(text: str | None) -> tuple[PyramidParams, list[str]]:
    """The parameters of a URL value (defaults for what is absent) and Dutch problems."""
    if not text:
        return PyramidParams(), []
    values, problems = parse_mapping(text, PARAM_NAMES, minimum=0.0, maximum=1.0, what="aanname")
    return replace(PyramidParams(), **values), problems


# --------------------------------------------------------------------------- display


def inputs_display_table(inputs: pl.DataFrame, *, year: int) -> pl.DataFrame:
    """The inputs of one area's pyramid in Dutch: indicator, code, the inhabitants it
    refers to, and the persons it stands for (rate x those inhabitants, rounded to tens)."""
    row = inputs.row(0, named=True)
    base_col = {"totaal": "population", "65plus": "pop65", "75plus": "pop75"}
    rows = []
    for role, (code, base) in INPUTS.items():
        base_value = row[base_col[base]]
        persons = row[role]
        rows.append(
            {
                "Invoer": INPUT_LABELS[role],
                "Indicator": code,
                "Toegepast op": f"{labels.fmt_number(base_value)} {BASE_LABELS[base]}"
                if base_value is not None
                else labels.NO_DATA,
                "Aandeel": labels.NO_DATA
                if persons is None or not base_value
                else labels.fmt_value(persons / base_value * 100, "%"),
                "Personen (schatting)": _persons_text(persons),
                "Jaar": str(year),
            }
        )
    return pl.DataFrame(rows)


def pyramid_display_table(
    pyramid: pl.DataFrame, flanders: pl.DataFrame, *, year: int
) -> pl.DataFrame:
    """Dutch text table: tier, persons (with range), share, Flanders share, Kaiser range.

    `pyramid` and `flanders` are one area each, from `pyramid_with_range`.
    """
    fl = {r["tier"]: r for r in flanders.iter_rows(named=True)}
    rows = []
    for row in pyramid.iter_rows(named=True):
        tier = row["tier"]
        lo, hi = KAISER_REFERENCE[tier]
        fl_row = fl.get(tier, {})
        rows.append(
            {
                "Niveau": TIER_LABELS[tier],
                "Inwoners (schatting)": _persons_text(row["persons"]),
                "Aannamebereik": f"{_persons_text(row['persons_low'])} – "
                f"{_persons_text(row['persons_high'])}",
                "Aandeel": labels.fmt_value(_pct(row["share"]), "%"),
                "Vlaanderen": labels.fmt_value(_pct(fl_row.get("share")), "%"),
                "Kaiser-piramide": f"{labels.fmt_number(lo * 100)} – "
                f"{labels.fmt_number(hi * 100)} %",
                "Noemer": f"{labels.fmt_number(row['population'])} inwoners",
                "Jaar": str(year),
            }
        )
    return pl.DataFrame(rows)


def _pct(share: float | None) -> float | None:
    return None if share is None else share * 100.0


def _persons_text(value: float | None) -> str:
    if value is None:
        return labels.NO_DATA
    # An area estimate, rounded to tens: it is not a count of identified persons.
    return labels.fmt_number(round(value, -1))


def pyramid_records(pyramid: pl.DataFrame, flanders: pl.DataFrame) -> list[dict[str, Any]]:
    """Plain records for `pyramid_chart`: the zone and Flanders, per tier."""
    out = []
    for name, frame in (("Zone", pyramid), ("Vlaanderen", flanders)):
        for row in frame.iter_rows(named=True):
            if row["share"] is None:
                continue
            tier = row["tier"]
            lo, hi = KAISER_REFERENCE[tier]
            out.append(
                {
                    "area": name,
                    "tier": TIER_LABELS[tier],
                    "order": TIERS.index(tier),
                    "share": row["share"] * 100.0,
                    "share_text": labels.fmt_value(row["share"] * 100.0, "%"),
                    "persons_text": _persons_text(row["persons"]),
                    "range_text": f"{_persons_text(row['persons_low'])} – "
                    f"{_persons_text(row['persons_high'])}",
                    "low": (row["persons_low"] or 0.0) / row["population"] * 100.0,
                    "high": (row["persons_high"] or 0.0) / row["population"] * 100.0,
                    "kaiser_low": lo * 100.0,
                    "kaiser_high": hi * 100.0,
                    "kaiser_text": f"{labels.fmt_number(lo * 100)} – "
                    f"{labels.fmt_number(hi * 100)} %",
                }
            )
    return out


@charts.house_style
def pyramid_chart(records: list[dict[str, Any]], *, title: str) -> dict[str, Any]:
    """Vega-Lite spec: the pyramid as horizontal bars (complex on top), the zone above
    Flanders on the same scale. Grey band: the Kaiser range; black whisker: the
    assumption range."""
    tiers = [TIER_LABELS[t] for t in TIERS]
    y = {"field": "tier", "type": "nominal", "sort": tiers, "title": None}
    tooltip = [
        {"field": "area", "type": "nominal", "title": "Gebied"},
        {"field": "tier", "type": "nominal", "title": "Niveau"},
        {"field": "share_text", "type": "nominal", "title": "Aandeel"},
        {"field": "persons_text", "type": "nominal", "title": "Inwoners (schatting)"},
        {"field": "range_text", "type": "nominal", "title": "Aannamebereik"},
        {"field": "kaiser_text", "type": "nominal", "title": "Kaiser-piramide"},
    ]
    x_title = "Aandeel van de inwoners (%)"
    top = max([r["kaiser_high"] for r in records] + [r["high"] for r in records] + [1.0])
    x_scale = {"domain": [0, top]}

    def panel(area: str) -> dict[str, Any]:
        data = {"values": [r for r in records if r["area"] == area]}
        y_axis = {**y, "axis": {"labelLimit": 220}}
        return {
            "title": area,
            "width": 320,
            "height": 130,
            "layer": [
                {
                    "data": data,
                    "mark": {"type": "bar", "color": "#dddddd", "height": 26},
                    "encoding": {
                        "y": y_axis,
                        "x": {
                            "field": "kaiser_low",
                            "type": "quantitative",
                            "title": x_title,
                            "scale": x_scale,
                        },
                        "x2": {"field": "kaiser_high"},
                        "tooltip": tooltip,
                    },
                },
                {
                    "data": data,
                    "mark": {"type": "bar", "height": 14},
                    "encoding": {
                        "y": y_axis,
                        "x": {"field": "share", "type": "quantitative", "title": x_title},
                        "color": {
                            "field": "tier",
                            "type": "nominal",
                            "scale": {"domain": tiers, "range": [TIER_COLOURS[t] for t in TIERS]},
                            "legend": None,
                        },
                        "tooltip": tooltip,
                    },
                },
                {
                    "data": data,
                    "mark": {"type": "rule", "color": "#222222", "strokeWidth": 2},
                    "encoding": {
                        "y": y_axis,
                        "x": {"field": "low", "type": "quantitative", "title": x_title},
                        "x2": {"field": "high"},
                        "tooltip": tooltip,
                    },
                },
            ],
        }

    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": vl_title(
            title,
            [
                "Grijze band: Kaiser-piramide. Zwart lijnstuk: bereik volgens de aannames "
                "(laag–hoog)."
            ],
        ),
        "vconcat": [panel("Zone"), panel("Vlaanderen")],
        "resolve": {"scale": {"x": "shared"}},
    }
