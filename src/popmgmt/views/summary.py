"""What stands out for one zone (or GP circle): the summary at the top of its profile.

Pure, no Streamlit. `summarise` turns the profile's frames (the spine: the area's
indicators with the build's comparison with Flanders and trend test; the similar areas'
values; the GP-poor rule) into a list of `Sentence` records in plain Dutch, each with the
indicator it is about and the anchor of the chart on the page that shows it. The texts
are plain text with data strings (indicator and municipality names) unescaped: a renderer
escapes the whole text for its medium (`markdown` here, `pdf_report.typst_text`).

Rules (docs/zone-profile.md, "Summary"):

- **Worse than Flanders**: the comparisons mart's label `slechter_*` in the method the
  profile uses (with the overdispersion correction by default), only for indicators with
  a direction (`hoger_beter`, `lager_beter`); never for a neutral one. Capacity
  indicators are listed under GP capacity, GMD coverage under reach.
- **Worse than similar zones**: the area's value is worse than the value of every
  similar area with a published value (at least `MIN_PEERS`), and the 95% interval of
  the difference with the *closest* of them (MOVER from the published intervals,
  `metrics.gain.difference_interval`) lies wholly on the worse side: demonstrably worse
  than each of them. Indicators without intervals are not assessed.
- **Getting worse**: the trends mart's significant trend the wrong way
  (`compare_flanders.worsening`).
- **GP capacity**: the GP-poor rule (Impulseo) for the area and the municipalities with
  the largest shortfall in GPs, and capacity indicators worse than Flanders.
- **Not reached**: the share and number of entitled inhabitants without a GMD, where
  GMD coverage is published (not suppressed).

When nothing is worse, a sentence says so, naming what was checked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

import polars as pl

from popmgmt.metrics import gppoor
from popmgmt.metrics.gain import difference_interval
from popmgmt.metrics.indicators import GMD_COVERAGE
from popmgmt.views import compare_flanders, labels
from popmgmt.views.gppoor_display import METHOD_SHORT
from popmgmt.views.zone_model import CAPACITY_INDICATORS

# Kinds of sentence, in reading order, with their headings.
KINDS: Final[dict[str, str]] = {
    "methode": "Hoe gelezen",
    "vlaanderen": "Slechter dan Vlaanderen",
    "vergelijkbaar": "Slechter dan vergelijkbare zones",
    "trend": "Verslechterend",
    "capaciteit": "Huisartsencapaciteit",
    "bereik": "Wie niet bereikt wordt",
    "niets": "Niets valt op",
}
# Page anchors (stable: the page's section headers carry them).
ANCHOR_INDICATORS: Final = "indicatoren"
ANCHOR_PEERS: Final = "vergelijkbare-zones"
ANCHOR_CAPACITY: Final = "huisartsencapaciteit"
ANCHOR_GP_POOR: Final = "huisartsarm"
ANCHOR_TRENDS: Final = "trends"
# Sections whose chart shows the indicator chosen on the page: their link also chooses it.
INDICATOR_ANCHORS: Final = frozenset({ANCHOR_PEERS, ANCHOR_TRENDS})

DIRECTIONS: Final = ("hoger_beter", "lager_beter")
MIN_PEERS: Final = 3
LIMIT: Final = 5
MUNICIPALITY_LIMIT: Final = 3
INDICATOR_WORDS: Final = ("indicator", "indicatoren")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the summary (plain text: escape it where it is rendered)."""

    kind: str
    text: str
    anchor: str
    indicator_code: str | None = None


@dataclass(frozen=True)
class Words:
    """How the area is called in the sentences: "de zone" / "de kring"."""

    area: str = "de zone"
    peers: str = "vergelijkbare zones"


ZONE_WORDS: Final = Words()
CIRCLE_WORDS: Final = Words(area="de kring", peers="vergelijkbare kringen")


def _finite(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _name(row: Mapping[str, Any]) -> str:
    return str(row.get("name_nl") or row["indicator_code"])


def _value(row: Mapping[str, Any], col: str = "value") -> str:
    return labels.fmt_value(row.get(col), row.get("unit"))


def _gap(row: Mapping[str, Any]) -> float:
    """Relative distance from Flanders (for ordering; 0 when unknown)."""
    v, f = row.get("value"), row.get("flanders_value")
    if v is None or f is None or not _finite(v) or not _finite(f) or f == 0:
        return 0.0
    return abs(float(v) / float(f) - 1.0)


def _directional(spine: pl.DataFrame) -> pl.DataFrame:
    return spine.filter(
        pl.col("direction").is_in(list(DIRECTIONS))
        & ~pl.col("suppressed").fill_null(False)
        & pl.col("value").is_not_null()
    )


def _worse_than_flanders(rows: pl.DataFrame) -> list[dict[str, Any]]:
    worse = [r for r in rows.iter_rows(named=True) if r.get("comparison") == "slechter"]
    return sorted(
        worse,
        key=lambda r: (r.get("comparison_level") != "998", -_gap(r), str(r["indicator_code"])),
    )


def _flanders_sentence(r: Mapping[str, Any], words: Words) -> str:
    outside = ", ook buiten de 99,8%-grens" if r.get("comparison_level") == "998" else ""
    interval = labels.fmt_interval(r.get("ci_low"), r.get("ci_high"), r.get("unit"))
    return (
        f"{_name(r)}: {_value(r)} in {words.area} tegenover {_value(r, 'flanders_value')} in "
        f"Vlaanderen ({r['year']}; {interval}{outside})."
    )


def _more(n: int, anchor: str, kind: str, what: tuple[str, str]) -> list[Sentence]:
    """ "En nog 2 indicatoren: zie de tabel." (`what`: singular, plural)."""
    if n <= 0:
        return []
    return [Sentence(kind, f"En nog {n} {what[0] if n == 1 else what[1]}: zie de tabel.", anchor)]


def method_sentence(spine: pl.DataFrame) -> Sentence | None:
    """Which comparison the sentences use (the adjusted one unless the page switched)."""
    if "comparison_method" not in spine.columns:
        return None
    rows = spine.filter(pl.col("comparison_method").is_not_null())
    if rows.height == 0:
        return None
    adjusted = rows["comparison_adjusted"][0] is not False
    method = (
        "Spiegelhalter-z tegenover Vlaanderen met correctie voor overdispersie: een verschil "
        "telt pas als het groter is dan de gewone verschillen tussen gebieden"
        if adjusted
        else "Spiegelhalter-z tegenover Vlaanderen zonder correctie voor overdispersie: bijna "
        "elk verschil is dan 'significant'"
    )
    return Sentence(
        "methode",
        f"Slechter dan Vlaanderen betekent significant slechter op 95%, getoetst met {method}. "
        "Slechter dan de vergelijkbare gebieden: slechter dan elk ervan, en het "
        "95%-interval van het verschil met het dichtstbijzijnde ligt helemaal aan de slechte "
        "kant. Trends: de laatste 5 jaren samen getoetst (p < 0,05). Enkel indicatoren waar "
        "hoger of lager beter is; beschrijvende indicatoren zijn nooit 'slechter'.",
        ANCHOR_INDICATORS,
    )


def _peer_rows(
    rows: pl.DataFrame, peers: pl.DataFrame | None, words: Words
) -> tuple[list[Sentence], int]:
    """Indicators demonstrably worse than every similar area; (sentences, assessed)."""
    if peers is None or peers.height == 0:
        return [], 0
    found: list[tuple[float, str, Sentence]] = []
    assessed = 0
    for r in rows.iter_rows(named=True):
        if not (_finite(r.get("ci_low")) and _finite(r.get("ci_high"))):
            continue
        others = peers.filter(
            (pl.col("indicator_code") == r["indicator_code"])
            & (pl.col("year") == r["year"])
            & ~pl.col("suppressed").fill_null(False)
            & pl.col("value").is_not_null()
            & pl.col("ci_low").is_not_null()
            & pl.col("ci_high").is_not_null()
        )
        if others.height < MIN_PEERS:
            continue
        assessed += 1
        higher_better = r["direction"] == "hoger_beter"
        own = float(r["value"])
        # The closest similar area on the better side: worse than it means worse than all.
        ordered = others.sort("value", "area_code")
        closest = ordered.row(0 if higher_better else -1, named=True)
        c_val = float(closest["value"])
        if (higher_better and c_val <= own) or (not higher_better and c_val >= own):
            continue
        if higher_better:
            _, low, _ = difference_interval(
                c_val, closest["ci_low"], closest["ci_high"], own, r["ci_low"], r["ci_high"]
            )
        else:
            _, low, _ = difference_interval(
                own, r["ci_low"], r["ci_high"], c_val, closest["ci_low"], closest["ci_high"]
            )
        if not (_finite(low) and low > 0):
            continue
        lo_v, hi_v = others["value"].min(), others["value"].max()
        unit = r.get("unit")
        text = (
            f"{_name(r)}: {_value(r)} in {words.area}, slechter dan elk van de "
            f"{others.height} {words.peers} ({labels.fmt_value(lo_v, unit)} tot "  # type: ignore[arg-type]
            f"{labels.fmt_value(hi_v, unit)}; {r['year']}), ook aantoonbaar slechter dan "  # type: ignore[arg-type]
            "de dichtstbijzijnde."
        )
        rel = abs(c_val / own - 1.0) if own else 0.0
        found.append(
            (
                -rel,
                str(r["indicator_code"]),
                Sentence("vergelijkbaar", text, ANCHOR_PEERS, r["indicator_code"]),
            )
        )
    found.sort(key=lambda t: (t[0], t[1]))
    out = [s for _, _, s in found[:LIMIT]]
    out += _more(len(found) - LIMIT, ANCHOR_PEERS, "vergelijkbaar", INDICATOR_WORDS)
    return out, assessed


def _trend_rows(rows: pl.DataFrame, words: Words) -> tuple[list[Sentence], int]:
    if "trend_direction" not in rows.columns:
        return [], 0
    tested = rows.filter(
        pl.col("trend_direction").is_in(["stijgend", "dalend", "geen_significante_verandering"])
    )
    worse = [
        r
        for r in tested.iter_rows(named=True)
        if compare_flanders.worsening(r["trend_direction"], r["direction"])
    ]
    worse.sort(key=lambda r: (r.get("trend_p_value") or 0.0, str(r["indicator_code"])))
    out = []
    for r in worse[:LIMIT]:
        way = "stijgt" if r["trend_direction"] == "stijgend" else "daalt"
        last = r.get("trend_last_year")
        span = f"de laatste 5 jaren tot {last}" if last is not None else "de laatste 5 jaren"
        out.append(
            Sentence(
                "trend",
                f"{_name(r)} {way} significant in {words.area} over {span} (een "
                f"verslechtering; nu {_value(r)}).",
                ANCHOR_TRENDS,
                r["indicator_code"],
            )
        )
    out += _more(
        len(worse) - LIMIT,
        ANCHOR_INDICATORS,
        "trend",
        ("verslechterende indicator", "verslechterende indicatoren"),
    )
    return out, tested.height


def _gp_poor_sentences(gp_poor: pl.DataFrame | None, words: Words) -> list[Sentence]:
    """The rule for the area (first row) and the municipalities with the largest shortfall."""
    if gp_poor is None or gp_poor.height == 0:
        return []
    out: list[Sentence] = []
    area = gp_poor.row(0, named=True)
    method = METHOD_SHORT.get(str(area.get("method")), str(area.get("method")))
    if area.get("status") == "huisartsarm" and _finite(area.get("rate_per_100k")):
        out.append(
            Sentence(
                "capaciteit",
                f"{words.area.capitalize()} is huisartsarm volgens de Impulseo-regel: "
                f"{labels.fmt_number(area['rate_per_100k'], 1)} huisartsen onder 65 per "
                f"100.000 inwoners, onder de drempel van {labels.fmt_number(area['threshold'])}; "
                f"er ontbreken {labels.fmt_number(area['gps_short'])} huisartsen om de drempel "
                f"te halen ({area['year']}; {method}).",
                ANCHOR_GP_POOR,
                gppoor.GP_INDICATOR,
            )
        )
    munis = gp_poor.slice(1).filter(pl.col("status").is_in(list(gppoor.POOR_STATUSES)))
    total = gp_poor.height - 1
    if munis.height and total > 1:
        short = munis.filter(pl.col("gps_short").is_not_null() & (pl.col("gps_short") > 0)).sort(
            ["gps_short", "margin_per_100k", "area_name"], descending=[True, False, False]
        )
        parts = [
            f"{m['area_name']} ({labels.fmt_number(m['gps_short'])} huisarts"
            f"{'' if m['gps_short'] == 1 else 'en'} te weinig, "
            f"{labels.fmt_number(m['rate_per_100k'], 1)} per 100.000)"
            for m in short.head(MUNICIPALITY_LIMIT).iter_rows(named=True)
        ]
        lead = (
            f"{munis.height} van de {total} gemeenten zijn huisartsarm"
            if munis.height != 1
            else f"1 van de {total} gemeenten is huisartsarm"
        )
        text = lead + (f"; de grootste tekorten: {', '.join(parts)}." if parts else ".")
        out.append(Sentence("capaciteit", text, ANCHOR_GP_POOR, gppoor.GP_INDICATOR))
    return out


def _reach_sentence(spine: pl.DataFrame, words: Words) -> Sentence | None:
    rows = spine.filter(
        (pl.col("indicator_code") == GMD_COVERAGE)
        & ~pl.col("suppressed").fill_null(False)
        & pl.col("value").is_not_null()
    )
    if rows.height == 0:
        return None
    r = rows.row(0, named=True)
    if r.get("unit") != "%":
        return None
    without = 100.0 - float(r["value"])
    parts = [
        f"{labels.fmt_value(without, '%')} van de rechthebbende inwoners van {words.area} "
        f"heeft geen GMD (globaal medisch dossier)"
    ]
    if _finite(r.get("numerator")) and _finite(r.get("denominator")):
        parts.append(
            f": {labels.fmt_number(float(r['denominator']) - float(r['numerator']))} van "
            f"{labels.fmt_number(r['denominator'])}"
        )
    interval = ""
    if _finite(r.get("ci_low")) and _finite(r.get("ci_high")):
        interval = "; " + labels.fmt_interval(100.0 - r["ci_high"], 100.0 - r["ci_low"], "%")
    text = "".join(parts) + f" ({r['year']}{interval})."
    if _finite(r.get("flanders_value")):
        text += f" In Vlaanderen: {labels.fmt_value(100.0 - r['flanders_value'], '%')}."
    if r.get("comparison") == "slechter":
        text += " Dat is significant meer dan in Vlaanderen."
    return Sentence("bereik", text, ANCHOR_CAPACITY, GMD_COVERAGE)


def summarise(
    spine: pl.DataFrame,
    *,
    peers: pl.DataFrame | None = None,
    gp_poor: pl.DataFrame | None = None,
    words: Words = ZONE_WORDS,
    capacity_codes: Sequence[str] = CAPACITY_INDICATORS,
) -> list[Sentence]:
    """The summary of one area, in `KINDS` order.

    `spine`: the area's indicators (`zone_model.spine_frame` with
    `compare_flanders.attach_trends`): indicator_code, name_nl, unit, direction, year,
    value, ci_low, ci_high, numerator, denominator, suppressed, flanders_value,
    comparison, comparison_level, comparison_method, comparison_adjusted,
    trend_direction, trend_p_value, trend_last_year. `peers`: the similar areas' rows of
    `indicator_snapshot` (same columns; None: not assessed). `gp_poor`:
    `zone_model.gp_poor_zone` (the area first, then its municipalities; None: none).
    """
    rows = _directional(spine)
    out: list[Sentence] = []
    method = method_sentence(spine)
    if method is not None:
        out.append(method)

    capacity = set(capacity_codes) - {GMD_COVERAGE}
    worse = _worse_than_flanders(rows)
    general = [r for r in worse if r["indicator_code"] not in capacity | {GMD_COVERAGE}]
    out += [
        Sentence("vlaanderen", _flanders_sentence(r, words), ANCHOR_INDICATORS, r["indicator_code"])
        for r in general[:LIMIT]
    ]
    out += _more(len(general) - LIMIT, ANCHOR_INDICATORS, "vlaanderen", INDICATOR_WORDS)

    peer_sentences, _ = _peer_rows(rows, peers, words)
    out += peer_sentences
    trend_sentences, _ = _trend_rows(rows, words)
    out += trend_sentences

    capacity_sentences = _gp_poor_sentences(gp_poor, words)
    capacity_sentences += [
        Sentence("capaciteit", _flanders_sentence(r, words), ANCHOR_CAPACITY, r["indicator_code"])
        for r in worse
        if r["indicator_code"] in capacity
    ]
    out += capacity_sentences

    reach = _reach_sentence(spine, words)
    worse_found = any(s.kind in ("vlaanderen", "vergelijkbaar", "trend", "capaciteit") for s in out)
    if not worse_found:
        out.append(
            Sentence("niets", _nothing_text(spine, rows, peers, gp_poor, words), ANCHOR_INDICATORS)
        )
    if reach is not None:
        out.append(reach)
    return out


def _nothing_text(
    spine: pl.DataFrame,
    rows: pl.DataFrame,
    peers: pl.DataFrame | None,
    gp_poor: pl.DataFrame | None,
    words: Words,
) -> str:
    compared = (
        rows.filter(pl.col("comparison").is_not_null()).height
        if "comparison" in rows.columns
        else 0
    )
    if compared == 0:
        return (
            f"Voor {words.area} is geen enkele indicator met een richting te vergelijken met "
            "Vlaanderen (geen gegevens of onderdrukt): er valt dus niets te melden, wat niet "
            "betekent dat alles goed gaat."
        )
    checks = [f"{compared} indicatoren met een richting vergeleken met Vlaanderen"]
    if peers is not None and peers.height:
        checks.append(f"met de {words.peers}")
    if "trend_direction" in rows.columns:
        checks.append("op trend getoetst")
    if gp_poor is not None and gp_poor.height:
        checks.append("aan de Impulseo-regel getoetst")
    return (
        f"Niets valt op: geen enkele indicator is significant slechter of verslechtert "
        f"significant ({', '.join(checks)}). Bekijk de indicatoren hieronder voor de "
        "kleinere verschillen."
    )


def href(
    sentence: Sentence, params: Mapping[str, str], *, indicator_param: str = "indicator"
) -> str:
    """The link of a sentence: the anchor on this page, or, for a section that shows the
    chosen indicator (trend, similar zones), the page's link with that indicator chosen."""
    if sentence.anchor in INDICATOR_ANCHORS and sentence.indicator_code:
        query = {**params, indicator_param: sentence.indicator_code}
        return f"?{urlencode(query)}#{sentence.anchor}"
    return f"#{sentence.anchor}"


def markdown(
    sentences: Sequence[Sentence],
    params: Mapping[str, str],
    *,
    indicator_param: str = "indicator",
    link: Callable[[Sentence], str] | None = None,
) -> str:
    """The summary as Markdown: a bold heading per kind, a bullet per sentence with a link
    to its chart (`href`, or `link` for a page with other anchors, such as the circle
    page). Every text is escaped with `labels.md_text`."""
    parts: list[str] = []
    for kind, heading in KINDS.items():
        these = [s for s in sentences if s.kind == kind]
        if not these:
            continue
        if kind == "methode":
            parts.append(f"*{labels.md_text(these[0].text)}*")
            continue
        lines = [f"**{labels.md_text(heading)}**", ""]
        for s in these:
            target = link(s) if link else href(s, params, indicator_param=indicator_param)
            lines.append(f"- {labels.md_text(s.text)} [→ grafiek]({target})")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
