"""Indicatorencatalogus: every indicator with every field of the indicators mart, the
years and levels actually published in `indicator_values`, a search, and links to the
indicator on each page that can show it. Pure functions (no Streamlit).

* `catalogue_frame(indicators, values)`: one row per indicator, the metadata plus what
  is available (`years`, `levels`), in the pages' order (theme, then name).
* `search(frame, query)`: every word of the query must occur in the code, name,
  description or keywords; Dutch text compared without case and accents (`fold`), so
  "patient" finds "patiënten" and "GMD" finds "gmd".
* `page_links(code, levels)`: the pages that show the indicator, as relative links with
  each page's own query parameters (`zone?indicator=`, `monitor?indicator=`,
  `fair_gradient?indicator=`).
* `detail_markdown(row)`, `overview_table(frame)`: the Dutch card and table; every text
  from the data is escaped in the Markdown (`labels.md_text`); the table is data, not
  Markdown.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import polars as pl

from popmgmt.pipeline.codes import LEVELS, THEMES
from popmgmt.views import labels

SEARCH_COLUMNS: Final = ("indicator_code", "name_nl", "description_nl", "keywords")
"""The fields a search looks in."""

QUERY_PARAM: Final = "zoek"
"""The query parameter that keeps the search in the link (`catalogue?zoek=gmd`)."""

FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("indicator_code", "Code"),
    ("name_nl", "Naam"),
    ("description_nl", "Omschrijving"),
    ("formula_nl", "Formule"),
    ("unit", "Eenheid"),
    ("multiplier", "Vermenigvuldiger"),
    ("numerator_label", "Teller"),
    ("denominator_label", "Noemer"),
    ("count_unit", "Eenheid van de teller"),
    ("denominator_unit", "Eenheid van de noemer"),
    ("source", "Bron en bronvermelding"),
    ("origin", "Herkomst"),
    ("first_year", "Eerste jaar (bron)"),
    ("update_rhythm", "Actualisatie"),
    ("breakdowns", "Opsplitsingen (bron)"),
    ("smallest_level", "Kleinste niveau (bron)"),
    ("aim_domain", "Quintuple Aim-domein"),
    ("theme", "Thema"),
    ("need_family", "Familie in de nood-index"),
    ("direction", "Richting"),
    ("interval_method", "Betrouwbaarheidsinterval"),
    ("keywords", "Trefwoorden"),
)
"""Every column of the indicators mart with its Dutch label, in display order."""

_CODED: Final = frozenset(
    {"aim_domain", "theme", "need_family", "direction", "interval_method", "origin"}
)
"""Columns holding a code that `labels.label` turns into words."""


@dataclass(frozen=True)
class PageLink:
    """A page that can show an indicator: its title and a relative link."""

    title: str
    url: str


@dataclass(frozen=True)
class _Target:
    title: str
    path: str
    level: str
    param: str


TARGETS: Final = (
    _Target("Zoneprofiel", "zone", "zone", "indicator"),
    _Target("Vlaamse monitor", "monitor", "zone", "indicator"),
    _Target("Sociale gradiënt", "fair_gradient", "gemeente", "indicator"),
)
"""Pages that open on one indicator from a link: the page's URL path (as
`st.navigation` names it after the file), the level the page needs values at, and
its query parameter."""


# --- the frame --------------------------------------------------------------------------


def availability(values: pl.DataFrame) -> pl.DataFrame:
    """Per indicator, the years (ascending) and levels (Flanders first) that
    `indicator_values` holds, with the number of published (not suppressed) values."""
    order = {level: i for i, level in enumerate(LEVELS)}
    published = (
        ~pl.col("suppressed").fill_null(False) if "suppressed" in values.columns else pl.lit(True)
    )
    grouped = values.group_by("indicator_code").agg(
        pl.col("year").unique().sort().cast(pl.Int64).alias("years"),
        pl.col("level").unique().alias("levels"),
        published.sum().cast(pl.Int64).alias("published_values"),
    )
    return grouped.with_columns(
        pl.col("levels").list.eval(
            pl.element().sort_by(pl.element().replace_strict(order, default=len(order)))
        )
    )


def catalogue_frame(indicators: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """Every indicator of the mart (also one without values: empty `years`/`levels`),
    with its availability, ordered by theme then name."""
    theme_order = {theme: i for i, theme in enumerate(THEMES)}
    return (
        indicators.join(availability(values), on="indicator_code", how="left")
        .with_columns(
            pl.col("years").fill_null(pl.lit([], dtype=pl.List(pl.Int64))),
            pl.col("levels").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("published_values").fill_null(0),
            pl.col("theme")
            .replace_strict(theme_order, default=len(theme_order), return_dtype=pl.Int64)
            .alias("_order"),
        )
        .sort("_order", "name_nl", "indicator_code")
        .drop("_order")
    )


# --- search -------------------------------------------------------------------------------


def fold(text: object) -> str:
    """Text for comparison: lower case, without accents or diacritics ("Patiënt" ->
    "patient", "ÉÉN" -> "een"), whitespace collapsed."""
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def search(frame: pl.DataFrame, query: str | None) -> pl.DataFrame:
    """The rows in which every word of `query` occurs in one of `SEARCH_COLUMNS`
    (case- and accent-insensitive, `fold`); an empty query keeps every row."""
    words = fold(query).split()
    if not words:
        return frame
    present = [c for c in SEARCH_COLUMNS if c in frame.columns]
    rows = frame.select(present).iter_rows(named=True)
    haystack = [" ".join(fold(row[c]) for c in present) for row in rows]
    keep = [all(word in text for word in words) for text in haystack]
    return frame.filter(pl.Series(keep, dtype=pl.Boolean))


# --- texts --------------------------------------------------------------------------------


def years_text(years: Sequence[int]) -> str:
    """ "2015–2024", "2015, 2017–2024" (gaps shown), or "geen" when there are none."""
    if not years:
        return "geen"
    ordered = sorted(set(years))
    runs: list[tuple[int, int]] = []
    start = prev = ordered[0]
    for year in ordered[1:]:
        if year != prev + 1:
            runs.append((start, prev))
            start = year
        prev = year
    runs.append((start, prev))
    return ", ".join(labels.year_range_text(a, b) for a, b in runs)


def levels_text(levels: Iterable[str]) -> str:
    """ "Vlaanderen, Provincie, Eerstelijnszone, ..." or "geen"."""
    words = [labels.label("level", level) for level in levels]
    return ", ".join(words) if words else "geen"


def field_text(column: str, value: Any) -> str:
    """One field as plain Dutch text (codes in words, numbers in Dutch style)."""
    if value is None or value == "":
        return "niet opgegeven"
    if column in _CODED:
        return labels.label(column, str(value))
    if column == "smallest_level":
        return labels.label("level", str(value))
    if column == "first_year":
        return str(int(value))
    if column == "multiplier":
        return labels.fmt_number(float(value))
    return str(value)


def page_links(code: str, levels: Iterable[str]) -> list[PageLink]:
    """The pages that can show indicator `code`, given the levels it has values at,
    as relative links (they resolve against the app's address, also under a base path)."""
    present = set(levels)
    return [
        PageLink(t.title, f"{t.path}?{t.param}={quote(code, safe='')}")
        for t in TARGETS
        if t.level in present
    ]


def detail_markdown(row: Mapping[str, Any]) -> str:
    """The card of one indicator: availability, every field of the mart and the links,
    as Markdown with every text from the data escaped."""
    code = str(row["indicator_code"])
    years = list(row.get("years") or [])
    levels = list(row.get("levels") or [])
    lines = [
        f"- **Beschikbare jaren in deze gegevens:** {labels.md_text(years_text(years))}",
        f"- **Beschikbare niveaus in deze gegevens:** {labels.md_text(levels_text(levels))}",
    ]
    for column, label in FIELDS:
        if column not in row:
            continue
        lines.append(f"- **{label}:** {labels.md_text(field_text(column, row[column]))}")
    links = page_links(code, levels)
    if links:
        shown = " · ".join(f"[{labels.md_text(link.title)}]({link.url})" for link in links)
        lines.append(f"- **Bekijken in:** {shown}")
    else:
        lines.append("- **Bekijken in:** geen pagina toont deze indicator met deze gegevens")
    return "\n".join(lines)


OVERVIEW_COLUMNS: Final = (
    "Code",
    "Naam",
    "Thema",
    "Quintuple Aim-domein",
    "Eenheid",
    "Jaren",
    "Niveaus",
    "Bron",
)


def overview_table(frame: pl.DataFrame) -> pl.DataFrame:
    """One line per indicator for the table and its download (plain text, not Markdown:
    `st.dataframe` shows it as data)."""
    rows = [
        {
            "Code": row["indicator_code"],
            "Naam": row.get("name_nl") or "",
            "Thema": field_text("theme", row.get("theme")),
            "Quintuple Aim-domein": field_text("aim_domain", row.get("aim_domain")),
            "Eenheid": row.get("unit") or "",
            "Jaren": years_text(list(row.get("years") or [])),
            "Niveaus": levels_text(list(row.get("levels") or [])),
            "Bron": row.get("source") or "",
        }
        for row in frame.iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(OVERVIEW_COLUMNS, pl.String), orient="row")


def full_table(frame: pl.DataFrame) -> pl.DataFrame:
    """Every field with Dutch column names, for the download of the whole catalogue."""
    rows = []
    for row in frame.iter_rows(named=True):
        out = {label: field_text(column, row.get(column)) for column, label in FIELDS}
        out["Beschikbare jaren"] = years_text(list(row.get("years") or []))
        out["Beschikbare niveaus"] = levels_text(list(row.get("levels") or []))
        rows.append(out)
    columns = [label for _, label in FIELDS] + ["Beschikbare jaren", "Beschikbare niveaus"]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def expander_label(row: Mapping[str, Any]) -> str:
    """ "Zorgaanbod · Huisartsen per 10.000 inwoners (gp_per_10k)", escaped for Markdown."""
    theme = labels.label("theme", row.get("theme"))
    name = row.get("name_nl") or row["indicator_code"]
    return labels.md_text(f"{theme} · {name} ({row['indicator_code']})")
