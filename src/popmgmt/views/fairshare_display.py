"""Need vs supply and the allocation simulator shown: link parameters, Dutch display
tables and plain Vega-Lite chart specs. The figures are `popmgmt.metrics.fairshare`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import polars as pl

from popmgmt.metrics.fairshare import ELASTICITY_MAX, MODE_DECIMALS, NeedWeightParams
from popmgmt.views import charts, labels
from popmgmt.views.need_display import LABEL_LIMIT, ROW_STEP, VEGA_LITE_SCHEMA, layer_data, vl_title
from popmgmt.views.query import format_mapping, parse_mapping

MODE_LABELS: Final[Mapping[str, str]] = {
    "budget": "Budget (euro)",
    "vte": "Nieuwe huisartsen-VTE",
}


# --------------------------------------------------------------------------- URL


def params_to_query(params: NeedWeightParams) -> str:
    """ "leeftijd:1,dep:0.5,morb:0.5" for the URL."""
    return format_mapping(
        {
            "leeftijd": 1.0 if params.age_sex else 0.0,
            "dep": params.deprivation,
            "morb": params.morbidity,
        }
    )


def params_from_query(text: str | None) -> tuple[NeedWeightParams, list[str]]:
    """The need-weighting parameters of a URL value, and Dutch problems."""
    if not text:
        return NeedWeightParams(), []
    values, problems = parse_mapping(
        text, ("leeftijd", "dep", "morb"), minimum=0.0, maximum=ELASTICITY_MAX, what="parameter"
    )
    default = NeedWeightParams()
    age = values.get("leeftijd")
    if age is not None and age not in (0.0, 1.0):
        problems.append("leeftijd moet 0 of 1 zijn")
        age = None
    return (
        NeedWeightParams(
            age_sex=default.age_sex if age is None else age == 1.0,
            deprivation=values.get("dep", default.deprivation),
            morbidity=values.get("morb", default.morbidity),
        ),
        problems,
    )


# --------------------------------------------------------------------------- display


def _pct(value: float | None, decimals: int = 1) -> str:
    return labels.NO_DATA if value is None else labels.fmt_value(value * 100, "%", decimals)


def _pp(value: float | None) -> str:
    if value is None:
        return labels.NO_DATA
    sign = "+" if value > 0 else ""
    return f"{sign}{labels.fmt_number(value, 2)} pp"


COMPARISON_TEXT: Final[Mapping[str, str]] = {
    code: labels.label("comparison", code) for code in ("lager", "vergelijkbaar", "hoger")
}


def shares_display_table(frame: pl.DataFrame, *, year: int) -> pl.DataFrame:
    """Dutch text table of `need_vs_supply` (sorted by FTE gap, lowest first)."""
    rows = []
    for row in frame.sort(["fte_gap", "area_code"], nulls_last=True).iter_rows(named=True):
        fte = row["fte_per_need"]
        rows.append(
            {
                "Zone": f"{row['area_name']} ({row['area_code']})",
                "Inwoners": labels.fmt_number(row["population"]),
                "Aandeel bevolking": _pct(row["pop_share"], 2),
                "Aandeel nood": _pct(row["need_share"], 2),
                "Aandeel huisartsen-VTE": _pct(row["fte_share"], 2),
                "Aandeel GMD-houders": _pct(row["gmd_share"], 2),
                "Verschil VTE − nood": _pp(row["fte_gap"]),
                "Verschil GMD − nood": _pp(row["gmd_gap"]),
                "VTE per 10.000 noodgewogen inwoners": labels.fmt_number(fte, 2)
                if fte is not None
                else labels.NO_DATA,
                "95%-BI": labels.fmt_interval(row["fte_low"], row["fte_high"], None, 2),
                "Tegenover Vlaanderen": COMPARISON_TEXT.get(
                    row["fte_comparison"] or "", labels.label("comparison", "niet_te_beoordelen")
                ),
                "Aanbod volgt nood niet": row["flag_reason"] or "nee",
                "Jaar": str(year),
            }
        )
    return pl.DataFrame(rows)


def allocation_display_table(
    frame: pl.DataFrame, *, mode: str, universal_share: float, year: int
) -> pl.DataFrame:
    """Dutch table of the allocation: what is shown is what is downloaded (numbers)."""
    unit = "euro" if mode == "budget" else "VTE"
    dec = MODE_DECIMALS[mode]
    rows = []
    for row in frame.iter_rows(named=True):
        rec: dict[str, Any] = {
            "Zone": f"{row['area_name']} ({row['area_code']})",
            "Aandeel bevolking (%)": round(row["pop_share"] * 100, 3),
            "Aandeel nood (%)": round(row["need_share"] * 100, 3),
            f"Universeel deel ({unit})": round(row["universal_part"], dec),
            f"Noodgebonden deel ({unit})": round(row["need_part"], dec),
            f"Toewijzing ({unit})": row["allocation"],
            f"Eerlijk aandeel ({unit})": round(row["fair_share"], dec),
            f"Afstand tot eerlijk aandeel ({unit})": round(row["distance"], dec),
            "Afstand tot eerlijk aandeel (%)": None
            if row["distance_pct"] is None
            else round(row["distance_pct"], 1),
        }
        if mode == "vte" and "fte_after" in row:
            rec["Huisartsen-VTE nu"] = None if row["gp_fte"] is None else round(row["gp_fte"], 1)
            rec["Huisartsen-VTE na toewijzing"] = (
                None if row["fte_after"] is None else round(row["fte_after"], 1)
            )
            rec["Afstand tot eerlijk aandeel van alle VTE, nu (%)"] = (
                None if row["distance_before"] is None else round(row["distance_before"], 1)
            )
            rec["Afstand tot eerlijk aandeel van alle VTE, na (%)"] = (
                None if row["distance_after"] is None else round(row["distance_after"], 1)
            )
        rec["Universeel deel van het totaal (%)"] = round(universal_share * 100, 1)
        rec["Jaar nood en aanbod"] = year
        rows.append(rec)
    return pl.DataFrame(rows)


def gap_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Plain records for `gap_chart` and `ratio_chart`."""
    out = []
    for row in frame.iter_rows(named=True):
        if row["fte_gap"] is None:
            continue
        out.append(
            {
                "area": f"{row['area_name']} ({row['area_code']})",
                "fte_gap": float(row["fte_gap"]),
                "need_ratio": float(row["need_ratio"]),
                "fte_ratio": float(row["fte_ratio"]),
                "population": float(row["population"]),
                "flag": "Aanbod volgt nood niet" if row["flag_not_rising"] else "Geen signaal",
                "need_text": _pct(row["need_share"], 2),
                "fte_text": _pct(row["fte_share"], 2),
                "gap_text": _pp(row["fte_gap"]),
            }
        )
    return out


FLAG_DOMAIN: Final = ["Aanbod volgt nood niet", "Geen signaal"]
FLAG_RANGE: Final = ["#b2182b", "#7f8c8d"]


@charts.house_style
def gap_chart(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Vega-Lite spec: share of GP FTE minus share of need per zone; flagged zones red."""
    return layer_data(
        {
            "$schema": VEGA_LITE_SCHEMA,
            "data": {"values": records},
            "mark": {"type": "bar"},
            "height": {"step": ROW_STEP},
            "title": vl_title(
                "Verschil tussen aanbod en nood per zone",
                [
                    "Links van 0: minder huisartsen-VTE dan het aandeel nood. "
                    "Gesorteerd op verschil; dit is geen rangschikking."
                ],
            ),
            "encoding": {
                "y": {
                    "field": "area",
                    "type": "nominal",
                    "sort": {"field": "fte_gap", "order": "ascending"},
                    "title": None,
                    "axis": {"labelLimit": LABEL_LIMIT},
                },
                "x": {
                    "field": "fte_gap",
                    "type": "quantitative",
                    "title": "Aandeel huisartsen-VTE − aandeel nood (procentpunt)",
                },
                "color": {
                    "field": "flag",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": FLAG_DOMAIN, "range": FLAG_RANGE},
                    "legend": {"orient": "top"},
                },
                "tooltip": [
                    {"field": "area", "type": "nominal", "title": "Zone"},
                    {"field": "need_text", "type": "nominal", "title": "Aandeel nood"},
                    {"field": "fte_text", "type": "nominal", "title": "Aandeel huisartsen-VTE"},
                    {"field": "gap_text", "type": "nominal", "title": "Verschil"},
                    {"field": "flag", "type": "nominal", "title": "Signaal"},
                ],
            },
        }
    )


@charts.house_style
def ratio_chart(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Vega-Lite spec: need per inhabitant (x) vs GP FTE per inhabitant (y), both
    relative to Flanders; the diagonal is 'supply rises in proportion to need'."""
    values = [r["need_ratio"] for r in records] + [r["fte_ratio"] for r in records]
    lo = min(values, default=0.8)
    hi = max(values, default=1.2)
    return layer_data(
        {
            "$schema": VEGA_LITE_SCHEMA,
            "height": 380,
            "title": vl_title(
                "Stijgt het aanbod mee met de nood?",
                [
                    "Stippellijn: aanbod evenredig met nood. Rood: aanbod volgt nood niet "
                    "(zie de tabel voor de reden)."
                ],
            ),
            "layer": [
                {
                    "data": {"values": [{"x": lo, "y": lo}, {"x": hi, "y": hi}]},
                    "mark": {"type": "line", "color": "#555555", "strokeDash": [4, 3]},
                    "encoding": {
                        "x": {"field": "x", "type": "quantitative"},
                        "y": {"field": "y", "type": "quantitative"},
                    },
                },
                {
                    "data": {"values": records},
                    "mark": {"type": "circle", "opacity": 0.85},
                    "encoding": {
                        "x": {
                            "field": "need_ratio",
                            "type": "quantitative",
                            "title": "Nood per inwoner (Vlaanderen = 1)",
                            "scale": {"zero": False},
                        },
                        "y": {
                            "field": "fte_ratio",
                            "type": "quantitative",
                            "title": "Huisartsen-VTE per inwoner (Vlaanderen = 1)",
                            "scale": {"zero": False},
                        },
                        "size": {"field": "population", "type": "quantitative", "legend": None},
                        "color": {
                            "field": "flag",
                            "type": "nominal",
                            "title": None,
                            "scale": {"domain": FLAG_DOMAIN, "range": FLAG_RANGE},
                        },
                        "tooltip": [
                            {"field": "area", "type": "nominal", "title": "Zone"},
                            {
                                "field": "need_ratio",
                                "type": "quantitative",
                                "title": "Nood per inwoner",
                                "format": ".2f",
                            },
                            {
                                "field": "fte_ratio",
                                "type": "quantitative",
                                "title": "VTE per inwoner",
                                "format": ".2f",
                            },
                            {"field": "flag", "type": "nominal", "title": "Signaal"},
                        ],
                    },
                },
            ],
        }
    )


def allocation_records(frame: pl.DataFrame, *, mode: str) -> list[dict[str, Any]]:
    unit = "€" if mode == "budget" else "VTE"
    dec = MODE_DECIMALS[mode]
    return [
        {
            "area": f"{row['area_name']} ({row['area_code']})",
            "allocation": float(row["allocation"]),
            "fair_share": float(row["fair_share"]),
            "allocation_text": f"{labels.fmt_number(row['allocation'], dec)} {unit}",
            "fair_text": f"{labels.fmt_number(row['fair_share'], dec)} {unit}",
            "distance_text": f"{labels.fmt_number(row['distance'], dec)} {unit}",
        }
        for row in frame.iter_rows(named=True)
    ]


@charts.house_style
def allocation_chart(records: list[dict[str, Any]], *, mode: str) -> dict[str, Any]:
    """Vega-Lite spec: each zone's allocation (bar) and its fair share (black tick)."""
    unit = "euro" if mode == "budget" else "VTE"
    tooltip = [
        {"field": "area", "type": "nominal", "title": "Zone"},
        {"field": "allocation_text", "type": "nominal", "title": "Toewijzing"},
        {"field": "fair_text", "type": "nominal", "title": "Eerlijk aandeel"},
        {"field": "distance_text", "type": "nominal", "title": "Afstand"},
    ]
    y = {
        "field": "area",
        "type": "nominal",
        "sort": {"field": "fair_share", "order": "descending"},
        "title": None,
        "axis": {"labelLimit": LABEL_LIMIT},
    }
    return layer_data(
        {
            "$schema": VEGA_LITE_SCHEMA,
            "data": {"values": records},
            "height": {"step": ROW_STEP},
            "title": vl_title(
                "Toewijzing per zone",
                ["Balk: toewijzing. Zwart streepje: eerlijk aandeel (volledig volgens nood)."],
            ),
            "layer": [
                {
                    "mark": {"type": "bar", "color": "#2c7fb8"},
                    "encoding": {
                        "y": y,
                        "x": {
                            "field": "allocation",
                            "type": "quantitative",
                            "title": f"Toewijzing ({unit})",
                        },
                        "tooltip": tooltip,
                    },
                },
                {
                    "mark": {"type": "tick", "color": "#222222", "thickness": 2, "size": 14},
                    "encoding": {
                        "y": y,
                        "x": {"field": "fair_share", "type": "quantitative"},
                        "tooltip": tooltip,
                    },
                },
            ],
        }
    )


COMPARISON_DOMAIN: Final = list(COMPARISON_TEXT.values())
COMPARISON_RANGE: Final = ["#b2182b", "#7f8c8d", "#2166ac"]


def fte_need_records(frame: pl.DataFrame, *, year: int) -> list[dict[str, Any]]:
    """Plain records for `fte_need_chart` (zones without a value are left out)."""
    out = []
    for row in frame.iter_rows(named=True):
        if row["fte_per_need"] is None:
            continue
        out.append(
            {
                "area": f"{row['area_name']} ({row['area_code']})",
                "value": float(row["fte_per_need"]),
                "ci_low": row["fte_low"],
                "ci_high": row["fte_high"],
                "comparison": COMPARISON_TEXT.get(
                    row["fte_comparison"] or "", labels.label("comparison", "niet_te_beoordelen")
                ),
                "value_text": labels.fmt_number(row["fte_per_need"], 2),
                "interval_text": labels.fmt_interval(row["fte_low"], row["fte_high"], None, 2),
                "denominator_text": f"noemer: {labels.fmt_number(row['need_population'])} "
                "noodgewogen inwoners",
                "year_text": f"jaar {year}",
            }
        )
    return out


@charts.house_style
def fte_need_chart(records: list[dict[str, Any]], *, flanders: float | None) -> dict[str, Any]:
    """Vega-Lite spec: GP FTE per 10,000 need-weighted inhabitants with 95% intervals,
    coloured by comparison with Flanders (dashed rule). Sorted, not ranked."""
    y = {
        "field": "area",
        "type": "nominal",
        "sort": {"field": "value", "order": "descending"},
        "title": None,
        "axis": {"labelLimit": LABEL_LIMIT},
    }
    tooltip = [
        {"field": "area", "type": "nominal", "title": "Zone"},
        {"field": "value_text", "type": "nominal", "title": "VTE per 10.000 noodgewogen"},
        {"field": "interval_text", "type": "nominal", "title": "Interval"},
        {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
        {"field": "comparison", "type": "nominal", "title": "Tegenover Vlaanderen"},
        {"field": "year_text", "type": "nominal", "title": "Jaar"},
    ]
    x_title = "Huisartsen-VTE per 10.000 noodgewogen inwoners"
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "rule", "color": "#7f8c8d", "strokeWidth": 2},
            "encoding": {
                "y": y,
                "x": {
                    "field": "ci_low",
                    "type": "quantitative",
                    "title": x_title,
                    "scale": {"zero": False},
                },
                "x2": {"field": "ci_high"},
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 45, "opacity": 1},
            "encoding": {
                "y": y,
                "x": {"field": "value", "type": "quantitative", "title": x_title},
                "color": {
                    "field": "comparison",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": COMPARISON_DOMAIN, "range": COMPARISON_RANGE},
                    "legend": {"orient": "top"},
                },
                "tooltip": tooltip,
            },
        },
    ]
    subtitle = [
        "Lijnstuk: 95%-interval (benadering uit het aantal huisartsen). Gesorteerd op "
        "waarde; geen rangschikking."
    ]
    if flanders is not None:
        layers.append(
            {
                "data": {"values": [{"v": float(flanders)}]},
                "mark": {
                    "type": "rule",
                    "color": "#c0392b",
                    "strokeDash": [4, 3],
                    "strokeWidth": 2,
                },
                "encoding": {"x": {"field": "v", "type": "quantitative"}},
            }
        )
        subtitle.append(f"Rode stippellijn: Vlaanderen ({labels.fmt_number(flanders, 2)}).")
    return layer_data(
        {
            "$schema": VEGA_LITE_SCHEMA,
            "data": {"values": records},
            "height": {"step": ROW_STEP},
            "title": vl_title("Huisartsen-VTE tegenover de nood", subtitle),
            "layer": layers,
        }
    )
