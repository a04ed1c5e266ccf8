"""The Flemish monitor in Dutch: choice labels, class names, texts and display tables.

The figures are `popmgmt.views.monitor`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import polars as pl

from popmgmt.views import compare_flanders, labels
from popmgmt.views.monitor import NOT_ASSESSED, BreakChoice, Funnel, change_unit

SPLITS: Final[dict[str, str]] = {
    "geen": "Geen (enkel Vlaanderen en spreiding)",
    "provincie": "Per provincie",
    "zone": "Per zone",
}
BREAK_CHOICES: Final[dict[str, str]] = {
    "vast": "Vaste klassen: kwantielen over alle jaren samen",
    "gelijk": "Vaste klassen: gelijke intervallen over alle jaren samen",
    "jaar": "Kwantielen van het gekozen jaar (betekenis verschuift per jaar)",
}

# Funnel classes, from high to low (PuOr: colour-blind safe, no good/bad connotation).
FUNNEL_CLASSES: Final[dict[str, tuple[str, str]]] = {
    "hoog_998": ("Hoger (buiten 99,8%)", "#b35806"),
    "hoog_95": ("Hoger (buiten 95%)", "#f1a340"),
    "binnen": ("Binnen 95%-grenzen", "#9e9e9e"),
    "laag_95": ("Lager (buiten 95%)", "#998ec3"),
    "laag_998": ("Lager (buiten 99,8%)", "#542788"),
}


CHANGE_CLASSES: Final[dict[str, tuple[str, str]]] = {
    "gestegen": ("Gestegen (interval boven 0)", "#b35806"),
    "geen_verschil": ("Geen aantoonbare verandering", "#9e9e9e"),
    "gedaald": ("Gedaald (interval onder 0)", "#542788"),
}


def _fmt(value: float | None, unit: str | None, decimals: int | None) -> str:
    return labels.fmt_value(value, unit, decimals)


def _texts(row: Mapping[str, Any], unit: str | None, decimals: int | None) -> dict[str, str]:
    texts = labels.value_texts(
        value=row.get("value"),
        ci_low=row.get("ci_low"),
        ci_high=row.get("ci_high"),
        denominator=row.get("denominator"),
        suppressed=bool(row.get("suppressed") or False),
        reason=row.get("suppression_reason"),
        unit=unit,
        denominator_label=None,
        year=row.get("year"),
        decimals=decimals,
    )
    return texts


def comparison_text(funnel_class: str, direction: str | None) -> str:
    """How an area compares with Flanders, in words, using the indicator's direction."""
    if funnel_class == NOT_ASSESSED:
        return labels.label("comparison", "niet_te_beoordelen")
    if funnel_class == "binnen":
        return labels.label("comparison", "niet_verschillend")
    high = funnel_class.startswith("hoog")
    if direction == "hoger_beter":
        word = "beter" if high else "slechter"
    elif direction == "lager_beter":
        word = "slechter" if high else "beter"
    else:
        word = "hoger" if high else "lager"
    limit = "99,8%" if funnel_class.endswith("998") else "95%"
    return f"{labels.label('comparison', word)} (buiten {limit}-grens)"


def phi_text(result: Funnel) -> str:
    """A Dutch sentence on the comparison's method and φ, and what the switch means."""
    method = compare_flanders.method_text(result.method, result.phi, adjusted=result.adjusted)
    if result.phi is None:
        return (
            f"Methode: {method} (minder dan 10 gebieden met een waarde). Zonder overdispersie "
            "is φ ≈ 1."
        )
    p = result.chi2_p
    p_text = "p < 0,001" if p is not None and p < 0.001 else f"p = {labels.fmt_number(p, 3)}"
    text = (
        f"Methode: {method}, over {result.n_assessed} gebieden (zonder overdispersie is "
        f"φ ≈ 1; toets {p_text})."
    )
    if result.method == "additief" and result.adjusted:
        text += (
            " De grenzen bevatten de gewone spreiding tussen de gebieden (additief "
            "random-effectsmodel): een gebied buiten de grenzen wijkt meer af dan gebieden "
            "gewoonlijk van elkaar verschillen."
        )
    elif result.method == "additief":
        text += " " + compare_flanders.UNADJUSTED_NOTE
    return text


def change_class_text(change_class: str) -> str:
    if change_class == NOT_ASSESSED:
        return "niet te beoordelen"
    return CHANGE_CLASSES[change_class][0]


def breaks_text(choice: BreakChoice, breaks: Sequence[float], years: Sequence[int]) -> str:
    """The stated rule of the map's classes."""
    n = max(len(breaks) - 1, 0)
    span = labels.year_range_text(min(years), max(years)) if years else "alle jaren"
    if choice == "vast":
        how = f"vaste klassen: kwantielen over alle jaren samen ({span})"
    elif choice == "gelijk":
        how = f"vaste klassen: gelijke intervallen over alle jaren samen ({span})"
    else:
        how = "kwantielen van het gekozen jaar: de klassen verschuiven van jaar tot jaar"
    return f"Klassengrenzen: {how}, {n} klassen."


def signed_text(value: float | None, unit: str | None, decimals: int | None = None) -> str:
    """A change with its sign: "+1,2 procentpunt", "−0,4", "0,0"."""
    if value is None or not math.isfinite(value):
        return labels.NO_DATA
    dec = labels.default_decimals(unit) if decimals is None else decimals
    text = labels.fmt_value(abs(value), unit, dec)
    if round(value, dec) == 0:
        return labels.fmt_value(0.0, unit, dec)
    return ("+" if value > 0 else "−") + text


# --------------------------------------------------------------------------- tables


def trend_table(
    flanders: pl.DataFrame, spread: pl.DataFrame, *, unit: str | None, decimals: int | None
) -> pl.DataFrame:
    """The Flemish series and the spread between zones per year, as Dutch text columns."""
    spread_by = {row["year"]: row for row in spread.iter_rows(named=True)}
    years = sorted({*flanders["year"].to_list(), *spread_by})
    flemish_by = {row["year"]: row for row in flanders.iter_rows(named=True)}
    rows = []
    for year in years:
        f = flemish_by.get(year, {"year": year})
        texts = _texts(f, unit, decimals)
        s = spread_by.get(year)
        rows.append(
            {
                "Jaar": str(year),
                "Vlaanderen": texts["value_text"],
                "95%-betrouwbaarheidsinterval": texts["interval_text"],
                "Teller": "" if f.get("numerator") is None else labels.fmt_number(f["numerator"]),
                "Noemer": ""
                if f.get("denominator") is None
                else labels.fmt_number(f["denominator"]),
                "Minimum zones": _fmt(s["min"], unit, decimals) if s else "",
                "Eerste kwartiel": _fmt(s["p25"], unit, decimals) if s else "",
                "Mediaan zones": _fmt(s["median"], unit, decimals) if s else "",
                "Derde kwartiel": _fmt(s["p75"], unit, decimals) if s else "",
                "Maximum zones": _fmt(s["max"], unit, decimals) if s else "",
                "Zones met waarde": f"{s['n_shown']} van {s['n_areas']}" if s else "",
            }
        )
    columns = [
        "Jaar",
        "Vlaanderen",
        "95%-betrouwbaarheidsinterval",
        "Teller",
        "Noemer",
        "Minimum zones",
        "Eerste kwartiel",
        "Mediaan zones",
        "Derde kwartiel",
        "Maximum zones",
        "Zones met waarde",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def series_table(rows: pl.DataFrame, *, unit: str | None, decimals: int | None) -> pl.DataFrame:
    """One row per area and year (Dutch text): the split trend or the heatmap's data."""
    out = []
    for row in rows.iter_rows(named=True):
        texts = _texts(row, unit, decimals)
        out.append(
            {
                "Gebied": f"{row['area_name']} ({row['area_code']})",
                "Jaar": str(row["year"]),
                "Waarde": texts["value_text"],
                "95%-betrouwbaarheidsinterval": texts["interval_text"],
                "Teller": "" if row["numerator"] is None else labels.fmt_number(row["numerator"]),
                "Noemer": ""
                if row["denominator"] is None
                else labels.fmt_number(row["denominator"]),
            }
        )
    columns = ["Gebied", "Jaar", "Waarde", "95%-betrouwbaarheidsinterval", "Teller", "Noemer"]
    return pl.DataFrame(out, schema=dict.fromkeys(columns, pl.String), orient="row")


def funnel_table(
    result: Funnel,
    *,
    unit: str | None,
    decimals: int | None,
    direction: str | None,
    year: int,
    points: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every area (or the given `points`, e.g. `monitor.worse_and_worsening`) with value,
    interval, denominator, its 95%/99.8% limits, how it compares with Flanders and its
    recent trend when the points carry one (`monitor.with_trends`), sorted by name."""
    rows = []
    shown = result.points if points is None else points
    for row in shown.sort("area_name", "area_code").iter_rows(named=True):
        texts = _texts({**row, "year": year}, unit, decimals)
        rows.append(
            {
                "Gebied": f"{row['area_name']} ({row['area_code']})",
                "Waarde": texts["value_text"],
                "95%-betrouwbaarheidsinterval": texts["interval_text"],
                "Teller": "" if row["numerator"] is None else labels.fmt_number(row["numerator"]),
                "Noemer": ""
                if row["denominator"] is None
                else labels.fmt_number(row["denominator"]),
                "95%-grenzen": _limits_text(row.get("lo_95"), row.get("hi_95"), unit, decimals),
                "99,8%-grenzen": _limits_text(row.get("lo_998"), row.get("hi_998"), unit, decimals),
                "Ten opzichte van Vlaanderen": comparison_text(row["funnel_class"], direction),
                "Trend (laatste 5 jaren)": compare_flanders.trend_text(
                    row.get("trend_direction"), direction, last_year=row.get("trend_last_year")
                ),
                "Jaar": str(year),
            }
        )
    columns = [
        "Gebied",
        "Waarde",
        "95%-betrouwbaarheidsinterval",
        "Teller",
        "Noemer",
        "95%-grenzen",
        "99,8%-grenzen",
        "Ten opzichte van Vlaanderen",
        "Trend (laatste 5 jaren)",
        "Jaar",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def flanders_trend_text(trends: pl.DataFrame, direction: str | None) -> str:
    """ "**Trend Vlaanderen:** ↑ significant stijgend (verbetering), ..." (trends mart)."""
    if trends.height == 0:
        return "**Trend Vlaanderen:** geen trendtoets beschikbaar."
    row = trends.row(0, named=True)
    text = compare_flanders.trend_text(row["direction"], direction, last_year=row["last_year"])
    return f"**Trend Vlaanderen:** {text}. {compare_flanders.TREND_METHOD}"


def worse_and_worsening_text(n: int, level_words: str) -> str:
    """How many areas are worse than Flanders and getting worse."""
    if n == 0:
        return f"Geen {level_words} die slechter zijn dan Vlaanderen én verslechteren."
    return f"**{n} {level_words}** slechter dan Vlaanderen én verslechterend."


def _limits_text(lo: Any, hi: Any, unit: str | None, decimals: int | None) -> str:
    if lo is None or hi is None:
        return ""
    dec = labels.default_decimals(unit) if decimals is None else decimals
    return f"{labels.fmt_number(lo, dec)} – {labels.fmt_value(hi, unit, dec)}"


def compare_table(
    comparison: pl.DataFrame,
    *,
    unit: str | None,
    decimals: int | None,
    year_from: int,
    year_to: int,
) -> pl.DataFrame:
    """The two-year comparison as Dutch text columns, sorted by name."""
    cunit = change_unit(unit)
    rows = []
    for row in comparison.iter_rows(named=True):
        a = _texts(
            {
                "value": row["value_from"],
                "ci_low": row["ci_low_from"],
                "ci_high": row["ci_high_from"],
                "suppressed": row["suppressed_from"],
                "suppression_reason": row["reason_from"],
            },
            unit,
            decimals,
        )
        b = _texts(
            {
                "value": row["value_to"],
                "ci_low": row["ci_low_to"],
                "ci_high": row["ci_high_to"],
                "suppressed": row["suppressed_to"],
                "suppression_reason": row["reason_to"],
            },
            unit,
            decimals,
        )
        assessed = row["change_class"] != NOT_ASSESSED
        rows.append(
            {
                "Gebied": f"{row['area_name']} ({row['area_code']})",
                f"Waarde {year_from}": a["value_text"],
                f"Interval {year_from}": a["interval_text"],
                f"Waarde {year_to}": b["value_text"],
                f"Interval {year_to}": b["interval_text"],
                "Verandering": signed_text(row["change"], cunit, decimals) if assessed else "",
                "95%-interval verandering": (
                    f"{signed_text(row['change_low'], None, decimals)} tot "
                    f"{signed_text(row['change_high'], cunit, decimals)}"
                )
                if assessed
                else "",
                "Beoordeling": change_class_text(row["change_class"]),
            }
        )
    columns = [
        "Gebied",
        f"Waarde {year_from}",
        f"Interval {year_from}",
        f"Waarde {year_to}",
        f"Interval {year_to}",
        "Verandering",
        "95%-interval verandering",
        "Beoordeling",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")
