"""Dutch UI text: labels for codes and number formatting in Belgian Dutch style.

Codes come from `codes.py` (and the marts); this module turns them into the words
a user reads. No Streamlit here: the pages and the pure map/chart helpers both use it.
"""

from __future__ import annotations

import html
import math
import re
from typing import Final

DEMO_BADGE: Final = "DEMODATA"
DEMO_BANNER: Final = (
    "**Demodata.** Alle cijfers op deze pagina zijn synthetisch: ze hebben de vorm van de "
    "echte bronnen (IMA, Statbel, enquête Departement Zorg), maar beschrijven geen echte "
    "zones, praktijken of personen. Gebruik ze niet voor beleid."
)
NO_DATA: Final = "geen gegevens"
NOT_A_RANKING: Final = (
    "Gesorteerd op waarde; dit is geen rangschikking. Overlappende intervallen betekenen "
    "geen aantoonbaar verschil."
)
ANTWERP_NOTE: Final = (
    "Zone elz2 'Antwerpen en rand' omvat de vier Antwerpse stadszones (Centrum, Oost, Zuid, "
    "Noord): op gemeenteniveau zijn die niet te scheiden."
)
POPULATION_SOURCE: Final = "Statbel, bevolking op 1 januari"

_LABELS: Final[dict[str, dict[str, str]]] = {
    "level": {
        "vlaanderen": "Vlaanderen",
        "provincie": "Provincie",
        "zone": "Eerstelijnszone",
        "kring": "Huisartsenkring",
        "gemeente": "Gemeente",
    },
    "sex": {"M": "Mannen", "V": "Vrouwen", "T": "Totaal"},
    "aim_domain": {
        "ervaring": "Ervaring van zorg",
        "gezondheid": "Gezondheid van de bevolking",
        "waarde": "Waarde en kosten",
        "zorgverleners": "Welzijn van zorgverleners",
        "gelijkheid": "Gelijkheid (equity)",
    },
    "theme": {
        "nood": "Zorgnood",
        "gebruik": "Zorggebruik",
        "toegang": "Toegang",
        "aanbod": "Zorgaanbod",
        "demografie": "Demografie",
    },
    "need_family": {
        "gezondheid": "Gezondheid",
        "demografie": "Demografie",
        "sociaaleconomisch": "Sociaaleconomisch",
        "cultureel": "Cultureel",
    },
    "direction": {
        "hoger_beter": "Hoger is beter",
        "lager_beter": "Lager is beter",
        "neutraal": "Beschrijvend (geen richting)",
    },
    "payment_system": {
        "prestatie": "Betaling per prestatie",
        "forfait": "Forfaitaire betaling",
    },
    "practice_form": {
        "solo": "Solopraktijk",
        "duo": "Duopraktijk",
        "groep": "Groepspraktijk",
        "multidisciplinair": "Multidisciplinaire praktijk",
        "wgc": "Wijkgezondheidscentrum",
    },
    "patient_stop": {
        "ja": "Patiëntenstop",
        "gedeeltelijk": "Gedeeltelijke patiëntenstop",
        "nee": "Geen patiëntenstop",
    },
    # Short reasons, shown as "onderdrukt (<reason>)": the build's codes
    # (privacy.PRIMARY, privacy.SECONDARY) and the rule of >= 10 events for a
    # directly standardised rate.
    "suppression_reason": {
        "primair": "< 5",
        "secundair": "afleidbaar",
        "weinig_gebeurtenissen": "< 10 gebeurtenissen",
    },
    "comparison": {
        "beter": "Beter dan Vlaanderen",
        "slechter": "Slechter dan Vlaanderen",
        "hoger": "Hoger dan Vlaanderen",
        "lager": "Lager dan Vlaanderen",
        "vergelijkbaar": "Niet verschillend van Vlaanderen",
        "niet_verschillend": "Niet verschillend van Vlaanderen",
        "niet_te_beoordelen": "Niet te beoordelen",
    },
    "interval_method": {
        "wilson": "Wilson-score-interval (95%)",
        "poisson": "Exact Poisson-interval (95%, Garwood)",
        "dobson": "Dobson-interval voor gestandaardiseerde cijfers (95%)",
        "volledig": "Geen interval: volledige telling (register, geen steekproef)",
        "none": "Geen interval",
    },
    "origin": {
        "atlas": "IMA Atlas",
        "ima": "IMA, patiënteel huisartsen (afgeleid)",
        "statbel": "Statbel (afgeleid)",
        "enquete": "Enquête Departement Zorg (afgeleid)",
        "afgeleid": "Afgeleid door popmgmt",
    },
}

KINDS: Final = tuple(_LABELS)


# --- escaping: every string from data, wherever HTML or Markdown renders ---------------------

_MD_ALWAYS: Final = re.compile(r"([\\`*\[\]<>#$~|@])")
"""Characters escaped wherever they stand: links and images, emphasis, code, raw HTML,
headings, maths, strikethrough, tables, e-mail autolinks, Streamlit's `:red[...]`."""
_MD_UNDERSCORE: Final = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
"""An underscore at a word's edge (`_nadruk_`); inside a word (`gp_per_10k`) Markdown
never reads it as emphasis, so a code stays as it is."""
_MD_COLON: Final = re.compile(r":(?=\S)")
"""A colon before a non-space: `http://`, `mailto:`, `:material/...:`, `:smile:`."""
_MD_WWW: Final = re.compile(r"(?i)\b(www)\.")
WORD_JOINER: Final = "\u2060"
"""An invisible character that breaks a bare link: Streamlit's Markdown (GFM autolink
literals) links `http://...`, `www.` and `a@b.be` even with their punctuation
backslash-escaped, so a word joiner goes before `://`, after `www` and before `@`."""
_MD_LEADING: Final = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")
"""A list item or setext underline at the start of the text."""
_LINE_BREAKS: Final = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def html_text(value: object, *, quote: bool = True) -> str:
    """`value` as inert HTML text: `<`, `>`, `&` (and, with `quote`, both quotes) escaped.

    For every string from the data (area, indicator and circle names, descriptions,
    sources, annotation labels) put into `st.html`, an HTML report or a map tooltip
    (`quote=False` is enough for element content such as a tooltip line). None becomes
    the empty text.
    """
    return html.escape("" if value is None else str(value), quote=quote)


def md_text(value: object) -> str:
    """`value` as inert Markdown text for `st.markdown`, captions, labels and messages.

    Every character that Markdown (or Streamlit's extensions: `:red[...]` colours,
    `:material/...:` icons, `$...$` maths) could read as syntax is escaped with a
    backslash, so `[klik](http://evil)`, `**`, `<style>`, `:red[x]`, `# kop` and a
    leading `- ` or `1.` render as the characters typed; a bare `http://...`, `www.` or
    e-mail link is broken with an invisible `WORD_JOINER` (checked in Chromium by
    tests/e2e/test_access_browser.py); ordinary punctuation (`.`, `,`, `(`, `: `) stays as
    it is. Line breaks become spaces (a data text cannot start a new block). None
    becomes the empty text.
    """
    text = "" if value is None else str(value)
    text = _LINE_BREAKS.sub(" ", text)
    text = text.replace("://", f"{WORD_JOINER}://").replace("@", f"{WORD_JOINER}@")
    text = _MD_ALWAYS.sub(r"\\\1", text)
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    text = _MD_COLON.sub(r"\\:", text)
    text = _MD_WWW.sub(rf"\1{WORD_JOINER}\\.", text)
    return _MD_LEADING.sub(_escape_leading, text, count=1)


def _escape_leading(match: re.Match[str]) -> str:
    """`- x` -> `\\- x`; `1. x` -> `1\\. x` (a digit cannot be escaped, its dot can)."""
    space, mark, digits, dot = match.groups()
    if mark is not None:
        return f"{space}\\{mark}"
    return f"{space}{digits}\\{dot}"


def label(kind: str, code: str | None) -> str:
    """The Dutch label of `code` in the code list `kind`.

    An unknown kind is a programming error (KeyError); an unknown code is shown as
    itself, and a missing code as "onbekend".
    """
    table = _LABELS[kind]
    if code is None or code == "":
        return "onbekend"
    return table.get(code, code)


def suppressed_text(reason: str | None) -> str:
    """How a suppressed value reads: "onderdrukt (< 5)", "onderdrukt (afleidbaar)"."""
    if not reason:
        return "onderdrukt"
    return f"onderdrukt ({label('suppression_reason', reason)})"


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value: float | None, decimals: int = 0) -> str:
    """Belgian Dutch number: `.` groups thousands, `,` marks decimals.

    >>> fmt_number(1234567.8)
    '1.234.568'
    >>> fmt_number(1234.5, decimals=1)
    '1.234,5'
    """
    if value is None or _is_missing(value):
        return NO_DATA
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def default_decimals(unit: str | None) -> int:
    """Rates and shares get one decimal; counts none."""
    if unit and (unit == "%" or unit.startswith("per ")):
        return 1
    return 0


def fmt_value(value: float | None, unit: str | None, decimals: int | None = None) -> str:
    """A value with its unit: "67,3 %", "8,1 per 10.000", "6.653.062"."""
    if value is None or _is_missing(value):
        return NO_DATA
    dec = default_decimals(unit) if decimals is None else decimals
    number = fmt_number(value, dec)
    if not unit or unit in {"aantal", "inwoners"}:
        return number
    return f"{number} {unit}"


COMPLETE_COUNT: Final = "volledige telling (geen steekproefinterval)"


def fmt_interval(
    lo: float | None, hi: float | None, unit: str | None, decimals: int | None = None
) -> str:
    """A 95% confidence interval: "95%-BI 65,1 – 67,2 %"."""
    if lo is None or hi is None or _is_missing(lo) or _is_missing(hi):
        return "geen interval"
    dec = default_decimals(unit) if decimals is None else decimals
    return f"95%-BI {fmt_number(lo, dec)} – {fmt_value(hi, unit, dec)}"


def value_texts(
    *,
    value: float | None,
    ci_low: float | None,
    ci_high: float | None,
    denominator: float | None,
    suppressed: bool,
    reason: str | None,
    unit: str | None,
    denominator_label: str | None,
    year: int | None,
    decimals: int | None = None,
    interval_method: str | None = None,
) -> dict[str, str]:
    """The texts that accompany one figure: value, interval, denominator, year.

    A suppressed value reads "onderdrukt (...)", never 0; a missing one "geen gegevens".
    A complete count (`interval_method` "volledig") reads "volledige telling" instead of
    an interval.
    """
    if suppressed:
        value_text = suppressed_text(reason)
        interval_text = ""
    elif value is None or _is_missing(value):
        value_text = NO_DATA
        interval_text = ""
    else:
        value_text = fmt_value(value, unit, decimals)
        interval_text = (
            COMPLETE_COUNT
            if interval_method == "volledig"
            else fmt_interval(ci_low, ci_high, unit, decimals)
        )
    if denominator is None or _is_missing(denominator):
        denominator_text = ""
    else:
        what = f" {denominator_label}" if denominator_label else ""
        denominator_text = f"noemer: {fmt_number(denominator)}{what}"
    year_text = f"jaar {year}" if year is not None else ""
    return {
        "value_text": value_text,
        "interval_text": interval_text,
        "denominator_text": denominator_text,
        "year_text": year_text,
    }


def year_range_text(first: int, last: int) -> str:
    """ "2015–2023", or "2024" for a single year."""
    return str(first) if first == last else f"{first}–{last}"
