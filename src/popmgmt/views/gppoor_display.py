"""The GP-poor rule shown: Dutch texts and tables, map colours and legend, and the trend
chart. The figures are `popmgmt.metrics.gppoor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import polars as pl

from popmgmt.app.annotations import Annotation
from popmgmt.metrics.gppoor import METHODS, STATUSES
from popmgmt.views import labels, maps, monitor, monitor_charts

METHOD_TEXT: Final[dict[str, str]] = {
    "gemeten": (
        "het aantal huisartsen jonger dan 65 zoals de build het levert (indicator "
        "gp_under65_per_100k; zie de definitie van die indicator)"
    ),
    "schatting_zone": (
        "actieve huisartsen × (1 − aandeel 65-plussers onder de huisartsen van de zone, uit de "
        "bevraging)"
    ),
    "schatting_vlaanderen": (
        "actieve huisartsen × (1 − aandeel 65-plussers onder de huisartsen in Vlaanderen, uit "
        "de bevraging), waar het aandeel van de zone onderdrukt is"
    ),
    "alle_leeftijden": (
        "alle actieve huisartsen, ook de 65-plussers (geen leeftijd gekend in dit jaar); dat "
        "overschat het aantal huisartsen onder 65 en onderschat dus de huisartsarme gebieden"
    ),
}
METHOD_SHORT: Final[dict[str, str]] = {
    "gemeten": "indicator huisartsen < 65",
    "schatting_zone": "schatting (aandeel 65+ van de zone)",
    "schatting_vlaanderen": "schatting (aandeel 65+ van Vlaanderen)",
    "alle_leeftijden": "benadering (alle leeftijden)",
}
STATUS_TEXT: Final[dict[str, str]] = {
    "huisartsarm": "huisartsarm",
    "huisartsarm_onderdrukt": "huisartsarm (aantal onderdrukt, < 5 huisartsen)",
    "niet_huisartsarm": "niet huisartsarm",
    "niet_te_bepalen": "niet te bepalen (aantal onderdrukt)",
}
RULE_TEXT: Final = (
    "Een gebied is **huisartsarm** (Vlaamse Impulseo-regel voor prioritaire zones) als het "
    "minder dan 90 huisartsen jonger dan 65 per 100.000 inwoners telt, of minder dan 120 per "
    "100.000 inwoners waar de bevolkingsdichtheid lager is dan 125 inwoners per km²."
)


def method_note(methods: list[str]) -> str:
    """One Dutch sentence per method used, for the caption under a GP-poor figure."""
    used = [m for m in METHODS if m in set(methods)]
    return " ".join(f"**{METHOD_SHORT[m]}**: {METHOD_TEXT[m]}." for m in used)


# --------------------------------------------------------------------------- display

RGB = tuple[int, int, int]
MARGIN_CLASSES: Final[dict[str, tuple[str, RGB]]] = {
    "arm_40": ("< −40: huisartsarm", (178, 24, 43)),
    "arm_20": ("−40 tot −20: huisartsarm", (239, 138, 98)),
    "arm_0": ("−20 tot 0: huisartsarm", (253, 219, 199)),
    "arm_onderdrukt": ("huisartsarm, < 5 huisartsen (aantal onderdrukt)", (118, 42, 131)),
    "boven_0": ("0 tot +20: niet huisartsarm", (209, 229, 240)),
    "boven_20": ("≥ +20: niet huisartsarm", (67, 147, 195)),
    "onbepaald": ("niet te bepalen (aantal onderdrukt)", (190, 190, 190)),
}
"""Map classes of the margin to the threshold: fixed edges (-40, -20, 0, +20 per
100,000), so a colour means the same in every year."""
MAP_TOOLTIP_HTML: Final = (
    "<b>{tt_name}</b><br/>{tt_status}<br/>{tt_rate}<br/>{tt_margin}<br/>{tt_density}"
    "<br/>{tt_method}<br/>{tt_year}"
)
MAP_ALPHA: Final = 230


def margin_class(status: str, margin_per_100k: float | None) -> str:
    """The map class of an assessed area (`MARGIN_CLASSES`). The sign comes from the
    rule's own decision (`status`), the size from the margin."""
    if status == "huisartsarm_onderdrukt":
        return "arm_onderdrukt"
    if status == "niet_te_bepalen" or margin_per_100k is None:
        return "onbepaald"
    if status == "huisartsarm":
        if margin_per_100k < -40:
            return "arm_40"
        return "arm_20" if margin_per_100k < -20 else "arm_0"
    return "boven_20" if margin_per_100k >= 20 else "boven_0"


def _num(value: Any, decimals: int = 1) -> str:
    return labels.fmt_number(None if value is None else float(value), decimals)


def _signed(value: Any, decimals: int = 1) -> str:
    if value is None:
        return ""
    text = _num(abs(value), decimals)
    if round(value, decimals) == 0:
        return _num(0.0, decimals)
    return ("+" if value > 0 else "−") + text


def row_texts(row: dict[str, Any]) -> dict[str, str]:
    """Dutch texts of one assessed area: status, GPs, rate, margin, density, method."""
    suppressed = bool(row.get("suppressed"))
    reason = row.get("suppression_reason")
    reason_text = labels.suppressed_text(str(reason) if reason else None)
    gps = row.get("gps_under65")
    rate = row.get("rate_per_100k")
    margin = row.get("margin_per_100k")
    margin_gps = row.get("margin_gps")
    threshold = row.get("threshold")
    density = row.get("density")
    status = str(row.get("status"))
    method = str(row.get("method"))
    decimals_gps = 0 if gps is not None and float(gps).is_integer() else 1
    if suppressed or gps is None:
        gps_text = reason_text if suppressed else "geen gegevens"
        rate_text = gps_text
        margin_text = gps_text
        margin_gps_text = gps_text
    else:
        gps_text = _num(float(gps), decimals_gps)
        rate_text = _num(float(rate), 1) if rate is not None else "geen gegevens"
        margin_text = _signed(float(margin), 1) if margin is not None else ""
        if margin_gps is None:
            margin_gps_text = ""
        elif status == "huisartsarm":
            short = row.get("gps_short")
            margin_gps_text = f"tekort: {_num(short, 0)} huisarts(en)"
        else:
            margin_gps_text = f"{_num(float(margin_gps), 1)} huisarts(en) boven de drempel"
    return {
        "status_text": STATUS_TEXT.get(status, status),
        "gps_text": gps_text,
        "rate_text": rate_text,
        "margin_text": margin_text,
        "margin_gps_text": margin_gps_text,
        "threshold_text": _num(float(threshold), 0) if threshold is not None else "",
        "density_text": _num(float(density), 0) if density is not None else "",
        "method_text": METHOD_SHORT.get(method, method),
    }


TABLE_COLUMNS: Final = (
    "Gebied",
    "Zone",
    "Status",
    "Huisartsen < 65",
    "Inwoners",
    "Dichtheid (inw./km²)",
    "Drempel (per 100.000)",
    "Huisartsen < 65 per 100.000",
    "Marge t.o.v. drempel (per 100.000)",
    "Marge in huisartsen",
    "Telling",
    "Jaar",
)


def display_table(assessed: pl.DataFrame, *, zone_names: dict[str, str]) -> pl.DataFrame:
    """The assessed areas of one year as Dutch text columns (`TABLE_COLUMNS`): GP-poor
    first, then by name. The margin is shown, not only the flag."""
    order = {s: i for i, s in enumerate(STATUSES)}
    rows = []
    ordered = assessed.with_columns(
        pl.col("status").replace_strict(order, default=len(order)).alias("_o")
    ).sort("_o", "area_name", "area_code")
    for row in ordered.iter_rows(named=True):
        t = row_texts(row)
        zone = row.get("zone_code")
        rows.append(
            {
                "Gebied": f"{row['area_name']} ({row['area_code']})",
                "Zone": f"{zone_names.get(zone, zone)} ({zone})" if zone else "",
                "Status": t["status_text"],
                "Huisartsen < 65": t["gps_text"],
                "Inwoners": _num(row["population"], 0) if row["population"] is not None else "",
                "Dichtheid (inw./km²)": t["density_text"],
                "Drempel (per 100.000)": t["threshold_text"],
                "Huisartsen < 65 per 100.000": t["rate_text"],
                "Marge t.o.v. drempel (per 100.000)": t["margin_text"],
                "Marge in huisartsen": t["margin_gps_text"],
                "Telling": t["method_text"],
                "Jaar": str(row["year"]),
            }
        )
    return pl.DataFrame(rows, schema=dict.fromkeys(TABLE_COLUMNS, pl.String), orient="row")


def trend_table(trends: dict[str, pl.DataFrame], *, unit_label: str) -> pl.DataFrame:
    """The yearly counts per basis (Dutch text), one row per basis and year."""
    rows = []
    for basis_label, frame in trends.items():
        for row in frame.iter_rows(named=True):
            methods = str(row["method"]).split("+")
            rows.append(
                {
                    "Telling": basis_label,
                    "Jaar": str(row["year"]),
                    f"Huisartsarme {unit_label}": str(row["n_poor"]),
                    f"Niet huisartsarme {unit_label}": str(row["n_not_poor"]),
                    "Niet te bepalen": str(row["n_undetermined"]),
                    f"Aantal {unit_label}": str(row["n_areas"]),
                    "Inwoners in huisartsarme gebieden": _num(row["population_poor"], 0),
                    "Aandeel van de inwoners": f"{_num(row['share_population_poor'], 1)} %",
                    "Methode": "; ".join(METHOD_SHORT.get(m, m) for m in methods),
                }
            )
    columns = [
        "Telling",
        "Jaar",
        f"Huisartsarme {unit_label}",
        f"Niet huisartsarme {unit_label}",
        "Niet te bepalen",
        f"Aantal {unit_label}",
        "Inwoners in huisartsarme gebieden",
        "Aandeel van de inwoners",
        "Methode",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def map_properties(assessed: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Per area: fill colour of its margin class and the Dutch tooltip fields."""
    out: dict[str, dict[str, Any]] = {}
    for row in assessed.iter_rows(named=True):
        t = row_texts(row)
        klass = margin_class(str(row["status"]), row["margin_per_100k"])
        rgb = MARGIN_CLASSES[klass][1]
        thr = t["threshold_text"]
        out[str(row["area_code"])] = maps.tooltip_fields(
            {
                "fill_color": [*rgb, MAP_ALPHA],
                "margin_class": klass,
                "tt_name": f"{row['area_name']} ({row['area_code']})",
                "tt_status": t["status_text"],
                "tt_rate": f"huisartsen < 65 per 100.000: {t['rate_text']} (drempel {thr})",
                "tt_margin": f"marge: {t['margin_text']} per 100.000; {t['margin_gps_text']}"
                if t["margin_text"] and not row.get("suppressed")
                else f"marge: {t['margin_text'] or 'onbekend'}",
                "tt_density": f"dichtheid: {t['density_text']} inwoners/km²",
                "tt_method": f"telling: {t['method_text']}",
                "tt_year": f"jaar {row['year']}",
            }
        )
    return out


def legend_items(present: set[str] | None = None) -> list[maps.LegendItem]:
    """One legend row per map class (those in `present`, default all), in legend order."""
    return [
        maps.LegendItem(colour=maps.rgb_hex(rgb), text=text, rgb=rgb)
        for code, (text, rgb) in MARGIN_CLASSES.items()
        if present is None or code in present
    ]


def legend_rows(present: set[str] | None = None) -> list[tuple[str, str]]:
    """(hex colour, text) per map class, in legend order."""
    return [(item.colour, item.text) for item in legend_items(present)]


BASIS_LABELS: Final[dict[str, str]] = {
    "best": "Beste beschikbare telling",
    "all_ages": "Alle leeftijden (doorlopende reeks)",
}


def trend_chart(
    trends: dict[str, pl.DataFrame],
    annotations: Sequence[Annotation],
    *,
    unit_label: str,
) -> dict[str, Any]:
    """The number of GP-poor areas per year, one line per basis (`BASIS_LABELS` keys),
    the point shape saying which method each year used; policy annotations as rules."""
    records = []
    for basis, frame in trends.items():
        for row in frame.iter_rows(named=True):
            methods = str(row["method"]).split("+")
            main = "schatting" if any(m.startswith("schatting") for m in methods) else methods[0]
            records.append(
                {
                    "date": monitor.year_date(row["year"]),
                    "n_poor": row["n_poor"],
                    "basis": BASIS_LABELS.get(basis, basis),
                    "method": {
                        "gemeten": "indicator huisartsen < 65",
                        "schatting": "schatting (65+ uit bevraging)",
                        "alle_leeftijden": "benadering (alle leeftijden)",
                    }.get(main, main),
                    "year_text": f"jaar {row['year']}",
                    "poor_text": f"{row['n_poor']} van {row['n_areas']} {unit_label}",
                    "undetermined_text": str(row["n_undetermined"]),
                    "population_text": f"{_num(row['population_poor'], 0)} "
                    f"({_num(row['share_population_poor'], 1)} %)",
                }
            )
    years = [int(y) for frame in trends.values() for y in frame["year"].to_list()]
    x = monitor_charts.time_axis(years, annotations)
    tip = [
        {"field": "basis", "type": "nominal", "title": "Telling"},
        {"field": "poor_text", "type": "nominal", "title": "Huisartsarm"},
        {"field": "undetermined_text", "type": "nominal", "title": "Niet te bepalen"},
        {"field": "population_text", "type": "nominal", "title": "Inwoners daar"},
        {"field": "method", "type": "nominal", "title": "Methode"},
        {"field": "year_text", "type": "nominal", "title": "Jaar"},
    ]
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": records},
            "mark": {"type": "line", "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": {
                    "field": "n_poor",
                    "type": "quantitative",
                    "title": f"Aantal huisartsarme {unit_label}",
                    "scale": {"zero": True},
                },
                "color": {
                    "field": "basis",
                    "type": "nominal",
                    "title": "Telling",
                    "scale": {
                        "domain": list(BASIS_LABELS.values()),
                        "range": ["#b2182b", "#7f8c8d"],
                    },
                    "legend": {"orient": "bottom"},
                },
                "tooltip": tip,
            },
        },
        {
            "data": {"values": records},
            "mark": {"type": "point", "filled": True, "size": 70},
            "encoding": {
                "x": x,
                "y": {"field": "n_poor", "type": "quantitative"},
                "color": {"field": "basis", "type": "nominal", "legend": None},
                "shape": {
                    "field": "method",
                    "type": "nominal",
                    "title": "Methode",
                    "legend": {"orient": "bottom", "columns": 1},
                },
                "tooltip": tip,
            },
        },
        *monitor_charts.annotation_layers(annotations, x),
    ]
    return {
        **monitor_charts.spec_header(
            f"Aantal huisartsarme {unit_label} per jaar",
            [
                "Rood: beste beschikbare telling per jaar (de methode verschilt tussen jaren: "
                "zie de vorm van het punt). Grijs: alle actieve huisartsen, elk jaar op "
                "dezelfde manier geteld.",
                *(["Donkere stippellijnen: beleidsmarkeringen."] if annotations else []),
            ],
        ),
        "height": 380,
        "layer": layers,
    }
