"""The council's own comparison set on the zone profile: the link parameter, the Dutch
gain table and its method text. Figures from `popmgmt.metrics.gain`.

The set travels in the link as `?vergelijk=elz3,elz17` (codes, comma-separated), next
to `zone` and `indicator`; a link restores it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import polars as pl

from popmgmt.views import labels

QUERY_PARAM: Final = "vergelijk"
MAX_ZONES: Final = 12
"""At most this many zones in an own set (a longer list in a link is cut, with a note)."""

OWN_SET: Final = "uw vergelijkingsset"
SIMILAR_SET: Final = "vergelijkbare zones"


def parse_param(
    text: str | None, known: Mapping[str, str] | Sequence[str], *, own: str | None
) -> tuple[list[str], list[str]]:
    """The zones of `?vergelijk=` (known codes, each once, without the zone itself, at
    most `MAX_ZONES`), and Dutch problems for what was left out."""
    if not text:
        return [], []
    codes: list[str] = []
    problems: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part or part in codes:
            continue
        if part not in known:
            problems.append(f"zone '{part}' uit de link bestaat niet in deze gegevens")
        elif part != own:
            codes.append(part)
    if len(codes) > MAX_ZONES:
        problems.append(f"hoogstens {MAX_ZONES} zones in een eigen vergelijkingsset")
        codes = codes[:MAX_ZONES]
    return codes, problems


def format_param(codes: Sequence[str]) -> str:
    """ "elz3,elz17" (the order as chosen)."""
    return ",".join(codes)


GAIN_COLUMNS: Final = (
    "Indicator",
    "Jaar",
    "Vergelijkingsset",
    "Deze zone",
    "Beste zone van de set",
    "Waarde beste zone",
    "Verbetering (95%-BI)",
    "Winst in de zone (95%-BI)",
    "Aantoonbaar beter?",
)


def _range(low: float | None, high: float | None, decimals: int) -> str:
    if low is None or high is None:
        return "geen interval"
    return f"{labels.fmt_number(low, decimals)} tot {labels.fmt_number(high, decimals)}"


def difference_unit(unit: str | None) -> str:
    """The unit of a difference: percentage points for a percentage ("procentpunt")."""
    if unit == "%":
        return "procentpunt"
    return "" if not unit or unit in {"aantal", "inwoners"} else unit


def _improvement_text(r: Mapping[str, Any], unit: str | None, decimals: int) -> str:
    """ "1,8 procentpunt hoger (1,5 tot 2,0)": the value the zone would reach by matching
    the best zone; the interval is that of the improvement (below 0: possibly worse)."""
    if r["improvement"] is None:
        return labels.NO_DATA
    if r["improvement"] <= 0:
        return "geen: de zone doet het al even goed of beter"
    way = "hoger" if r["direction"] == "hoger_beter" else "lager"
    words = " ".join(
        w for w in (labels.fmt_number(r["improvement"], decimals), difference_unit(unit), way) if w
    )
    return f"{words} ({_range(r['improvement_low'], r['improvement_high'], decimals)})"


def _count_text(r: Mapping[str, Any], count_unit: str) -> str:
    """ "4.789 personen meer (4.031 tot 5.542)" in the zone, on its own denominator."""
    if r["improvement_count"] is None or r["improvement"] is None or r["improvement"] <= 0:
        return "geen"
    way = "meer" if r["direction"] == "hoger_beter" else "minder"
    words = " ".join(w for w in (labels.fmt_number(r["improvement_count"]), count_unit, way) if w)
    return f"{words} ({_range(r['improvement_count_low'], r['improvement_count_high'], 0)})"


def gain_display(
    gains: Mapping[str, pl.DataFrame],
    indicators: pl.DataFrame,
    zone_names: Mapping[str, str],
) -> pl.DataFrame:
    """The gain tables of one or more sets (`{set label: metrics.gain.potential_gain}`)
    as one Dutch table, indicator by indicator (plain text: a table, not Markdown)."""
    meta = {r["indicator_code"]: r for r in indicators.iter_rows(named=True)}
    order = {code: i for i, code in enumerate(meta)}
    rows: list[tuple[int, int, list[str]]] = []
    for set_index, (set_label, frame) in enumerate(gains.items()):
        for r in frame.iter_rows(named=True):
            m: dict[str, Any] = meta.get(r["indicator_code"], {})
            unit = m.get("unit")
            decimals = labels.default_decimals(unit)
            best = r["best_code"]
            if r["improvement"] is not None and r["improvement"] <= 0:
                verdict = "nee: de zone doet het al even goed of beter"
            elif r["significant"]:
                verdict = "ja"
            else:
                verdict = "nee: het interval omvat 0"
            rows.append(
                (
                    order.get(r["indicator_code"], len(order)),
                    set_index,
                    [
                        str(m.get("name_nl") or r["indicator_code"]),
                        str(r["year"]),
                        f"{set_label} ({r['compared']} zones)",
                        labels.fmt_value(r["own_value"], unit, decimals),
                        f"{zone_names.get(best, best)} ({best})",
                        labels.fmt_value(r["best_value"], unit, decimals),
                        _improvement_text(r, unit, decimals),
                        _count_text(r, str(m.get("count_unit") or "")),
                        verdict,
                    ],
                )
            )
    rows.sort(key=lambda t: (t[0], t[1]))
    return pl.DataFrame(
        [r for _, _, r in rows], schema=dict.fromkeys(GAIN_COLUMNS, pl.String), orient="row"
    )


def method_text() -> str:
    """How the gain is computed, in plain Dutch (Markdown; no data in it)."""
    return (
        "**Wat als de zone de beste van de set haalde?** Per indicator met een richting "
        "(hoger of lager is beter) nemen we de beste zone van de set in het laatste jaar "
        "met een cijfer voor deze zone. De **verbetering** is hoeveel beter die zone scoort "
        "(in procentpunt voor percentages); de **winst** is die verbetering omgerekend "
        "naar personen of contacten in deze zone "
        "(op de eigen noemer), bijvoorbeeld hoeveel inwoners meer een GMD zouden hebben. "
        "Het 95%-betrouwbaarheidsinterval combineert de intervallen van beide zones "
        "(Wilson voor aandelen, exact Poisson voor cijfers per inwoner; methode van "
        "Newcombe). **Aantoonbaar beter** betekent dat het hele interval boven 0 ligt. "
        "Let op: de beste van meerdere zones is deels de beste door toeval, dus de winst "
        "is eerder een bovengrens. Dit is een leerinstrument, geen rangschikking."
    )
