"""What stands out for a GP circle, and its omgevingsanalyse as a PDF (no Streamlit).

The circle page (`pages/circle.py`) opens with "Wat valt op": the zone summary's rules
(`popmgmt.views.summary.summarise` with `CIRCLE_WORDS`) applied to the circle's row of
every indicator at level `kring`: the comparisons mart (the circle against Flanders),
the trends mart and the capacity indicators. Circles have no similar circles and no
GP-poor rule of their own (the Impulseo rule is defined for municipalities and zones),
so those two kinds are not assessed; the "nothing stands out" sentence names only what
was checked.

Each sentence links to an anchor the page always has: `#indicatoren` (the indicator
table of the circle, outside the tabs), or, for a worsening trend of an indicator that
the tab "Evolutie" can show, that tab with the indicator chosen (`#evolutie`).

The PDF (`circle_pdf`) uses the zone's machinery (`popmgmt.views.pdf_report`): the
summary, a map of the circle's municipalities by zone, the page's tables and charts,
definitions, sources and vintage. It is made from the practice rows the page shows
(already scoped to the role by `app.access.scope_marts`): a circle's own role gets its
practices in detail, any other role the public practice facts only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode

import polars as pl

from popmgmt.metrics import funnel
from popmgmt.pipeline.codes import FLANDERS_CODE
from popmgmt.pipeline.published import trends_mart
from popmgmt.views import (
    charts,
    circle,
    circle_charts,
    circle_map,
    circle_tables,
    compare_flanders,
    funnel_charts,
    pdf_report,
    report,
    summary,
)
from popmgmt.views.zone_model import indicator_snapshot, spine_frame, zone_ranges
from popmgmt.views.zone_tables import SIGNIFICANCE_METHOD, comparison_legend_markdown, spine_display

ANCHOR_SUMMARY: Final = "wat-valt-op"
ANCHOR_INDICATORS: Final = "indicatoren"
ANCHOR_TREND: Final = "evolutie"
TREND_TAB: Final = "Evolutie"
TAB_PARAM: Final = "weergave"
INDICATOR_PARAM: Final = "indicator"
_PEER_RULE: Final = re.compile(r"Slechter dan de vergelijkbare gebieden: [^.]*\. ")
CIRCLE_ANCHORS: Final = frozenset({ANCHOR_INDICATORS, ANCHOR_TREND})
"""Every anchor a circle sentence can link to (the page must carry each)."""


# --------------------------------------------------------------------------- the figures


def circle_spine(
    values: pl.DataFrame,
    indicators: pl.DataFrame,
    circle_code: str,
    *,
    comparisons: pl.DataFrame | None = None,
    trends: pl.DataFrame | None = None,
    adjusted: bool = True,
) -> pl.DataFrame:
    """The circle's row of every indicator in its newest year at circle level, with
    Flanders, the spread over all circles, the comparisons mart's label (computed from
    `values` as the build does when `comparisons` is None) and the trends mart's test
    (computed from the circle's `values` when `trends` is None). Columns as `zone_model.spine_frame`
    plus `compare_flanders.attach_trends`."""
    snapshot = indicator_snapshot(
        values,
        indicators,
        [circle_code],
        level=circle.CIRCLE_LEVEL,
        comparisons=comparisons,
        adjusted=adjusted,
    )
    spine = spine_frame(snapshot, zone_ranges(values, level=circle.CIRCLE_LEVEL))
    if trends is None:
        trends = trends_mart(
            values.filter(
                (pl.col("level") == circle.CIRCLE_LEVEL) & (pl.col("area_code") == circle_code)
            ),
            indicators,
        )
    return compare_flanders.attach_trends(spine, trends, level=circle.CIRCLE_LEVEL)


def indicator_display(spine: pl.DataFrame) -> pl.DataFrame:
    """The circle's indicator table: the zone profile's table (`spine_display`) with the
    columns named for a circle."""
    table = spine_display(spine)
    names = {"Zone": "Kring", "Laagste – hoogste zone": "Laagste – hoogste kring"}
    return table.rename({k: v for k, v in names.items() if k in table.columns})


def trend_indicators(values: pl.DataFrame, indicators: pl.DataFrame) -> list[str]:
    """The indicators the tab "Evolutie" offers: the circle page's own list
    (`circle.AGGREGATE_INDICATORS`) first, then every other indicator with values at
    circle level, by Dutch name (so that each worsening trend of the summary has its
    chart)."""
    at_level = set(values.filter(pl.col("level") == circle.CIRCLE_LEVEL)["indicator_code"])
    known = indicators.filter(pl.col("indicator_code").is_in(list(at_level)))
    first = [c for c in circle.AGGREGATE_INDICATORS if c in set(indicators["indicator_code"])]
    rest = (
        known.filter(~pl.col("indicator_code").is_in(first))
        .sort(pl.col("name_nl").fill_null(pl.col("indicator_code")), "indicator_code")[
            "indicator_code"
        ]
        .to_list()
    )
    return [*first, *rest]


# --------------------------------------------------------------------------- the summary


def summary_sentences(spine: pl.DataFrame, trend_codes: Sequence[str]) -> list[summary.Sentence]:
    """What stands out for the circle, each sentence anchored on the circle page: a
    worsening trend of an indicator in `trend_codes` (those the tab "Evolutie" offers)
    at `#evolutie`, everything else at `#indicatoren`."""
    trendable = set(trend_codes)
    out = []
    for s in summary.summarise(spine, words=summary.CIRCLE_WORDS):
        # Circles have no similar circles: the method sentence leaves out that rule.
        text = _PEER_RULE.sub("", s.text) if s.kind == "methode" else s.text
        to_trend = s.anchor == summary.ANCHOR_TRENDS and s.indicator_code in trendable
        anchor = ANCHOR_TREND if to_trend else ANCHOR_INDICATORS
        out.append(summary.Sentence(s.kind, text, anchor, s.indicator_code))
    return out


def href(sentence: summary.Sentence, circle_code: str) -> str:
    """The link of a sentence: `#indicatoren`, or the page with the tab "Evolutie" open
    and the sentence's indicator chosen (`?kring=…&weergave=Evolutie&indicator=…#evolutie`)."""
    if sentence.anchor == ANCHOR_TREND and sentence.indicator_code:
        query = {
            circle.QUERY_PARAM: circle_code,
            TAB_PARAM: TREND_TAB,
            INDICATOR_PARAM: sentence.indicator_code,
        }
        return f"?{urlencode(query)}#{ANCHOR_TREND}"
    return f"#{sentence.anchor}"


def summary_markdown(sentences: Sequence[summary.Sentence], circle_code: str) -> str:
    """The summary as Markdown (escaped as the zone's: `summary.markdown`)."""
    return summary.markdown(sentences, {}, link=lambda s: href(s, circle_code))


def trend_choice(asked: str | None, trend_codes: Sequence[str]) -> str | None:
    """The trend indicator a link asks for (`indicator=`), if the tab offers it."""
    if asked is None:
        return None
    wanted = str(asked).strip().lower()
    return next((c for c in trend_codes if c.lower() == wanted), None)


# --------------------------------------------------------------------------- the PDF


def coverage_map_spec(
    coverage: Sequence[Mapping[str, Any]],
    outlines: Sequence[Mapping[str, Any]],
    zones: pl.DataFrame,
    areas: pl.DataFrame,
    *,
    circle_name: str,
) -> dict[str, Any] | None:
    """The printable map of the circle: its municipalities coloured by zone, the zones'
    other municipalities grey, zone outlines, names (`pdf_report.map_spec`). None when
    there is nothing to draw."""
    if not coverage:
        return None
    legend = circle_map.zone_legend(zones)
    zone_text = {
        str(r["zone_code"]): item.text
        for r, item in zip(zones.iter_rows(named=True), legend, strict=False)
    }
    muni = areas.filter(pl.col("level") == "gemeente")
    names = dict(zip(muni["area_code"].to_list(), muni["area_name"].to_list(), strict=True))
    zone_of = dict(zip(muni["area_code"].to_list(), muni["zone_code"].to_list(), strict=True))
    other = legend[-1].text if zones.height and bool((zones["relation"] == "deels").any()) else ""
    features = []
    classes: dict[str, str] = {}
    for f in coverage:
        props = f.get("properties") or {}
        code = str(props.get("area_code", ""))
        features.append(
            {
                "type": "Feature",
                "geometry": f.get("geometry"),
                "properties": {"area_code": code, "area_name": names.get(code, code)},
            }
        )
        text = zone_text.get(str(zone_of.get(code))) if props.get("inside") else other
        if text:
            classes[code] = text
    return pdf_report.map_spec(
        features,
        classes=classes,
        legend=legend,
        legend_title="Eerstelijnszone",
        title=f"Gemeenten van {circle_name}, gekleurd per eerstelijnszone",
        outlines=outlines,
    )


def pdf_charts(
    rows: pl.DataFrame,
    *,
    values: pl.DataFrame,
    practices: pl.DataFrame,
    circle_code: str,
    circle_name: str,
    year: int | None,
    details: bool,
    flat_rate_meta: Mapping[str, Any] | None,
) -> tuple[list[pdf_report.Figure], list[pdf_report.Figure]]:
    """The page's charts for the PDF, as Vega-Lite dicts (`charts.finish`): the GMD
    patients against FTE of the practices (only with `details`: the role sees the
    counts), and the trend of the flat-rate share with the practices per payment system
    (when `flat_rate_meta`, the indicator's metadata, is given)."""
    practice_charts = []
    if details and year is not None:
        points = circle.gmd_fte_points(rows)
        chart = circle_charts.gmd_fte_chart(
            points,
            circle_ratio=circle.gmd_per_fte_ratio(rows),
            flanders_ratio=circle.flanders_gmd_per_fte(values, practices, circle_code, year),
            circle_name=circle_name,
            year=year,
            n_left_out=rows.height - points.height,
        )
        practice_charts.append(
            pdf_report.Figure(charts.finish(chart), caption=circle_tables.FTE_NOTE)
        )
        practice_charts += funnel_figures(rows, values, year)
    trend_charts = []
    if flat_rate_meta is not None:
        trend = circle_charts.trend_chart(
            circle.trend_rows(values, circle.FLAT_RATE_SHARE, circle_code),
            circle_name=circle_name,
            indicator_name=str(flat_rate_meta.get("name_nl") or circle.FLAT_RATE_SHARE),
            unit=flat_rate_meta.get("unit"),
            source=flat_rate_meta.get("source"),
            annotate_flat_rate=True,
        )
        payment = circle_charts.payment_chart(
            circle.payment_counts(values, circle_code), circle_name=circle_name
        )
        trend_charts = [
            pdf_report.Figure(charts.finish(trend)),
            pdf_report.Figure(charts.finish(payment)),
        ]
    return practice_charts, trend_charts


PDF_FUNNEL_CONTACTS: Final = ("raadpl", "bezoekind")
"""The contact types whose funnel plot the PDF prints (the page offers every type)."""


def funnel_figures(rows: pl.DataFrame, values: pl.DataFrame, year: int) -> list[pdf_report.Figure]:
    """The page's funnel plots of contacts per 100 attributed patients for the PDF
    (`PDF_FUNNEL_CONTACTS`), the practices against Flanders with the page's default
    overdispersion setting; a type without a Flemish value for the year is left out.
    Only for a role that sees the practices' counts (the caller checks)."""
    figures = []
    for contact in PDF_FUNNEL_CONTACTS:
        indicator = circle.contact_indicator(contact)
        target = circle.reference_rate(
            values, indicator, level="vlaanderen", area_code=FLANDERS_CODE, year=year
        )
        units, n_flat = circle.contact_funnel_units(rows, contact)
        if target is None or units.height == 0:
            continue
        fun = funnel.funnel_data(
            units,
            label_col="practice_id",
            observed_col="observed",
            size_col="size",
            target=target,
            kind="rate",
            multiplier=100.0,
            keep_cols=["size_class"],
        )
        bands = funnel.band_counts(fun)
        counts = " · ".join(
            f"{funnel_charts.BAND_TEXT[b]}: {bands[b]}" for b in funnel.BANDS if bands[b]
        )
        left_out = (
            f" {n_flat} forfaitaire praktijk(en) niet getoond: {circle_tables.NOT_BILLED_TEXT}."
            if n_flat
            else ""
        )
        chart = funnel_charts.funnel_chart(
            fun,
            title=f"{circle.CONTACT_NAMES[contact]} per 100 toegewezen patiënten",
            value_title="Per 100 toegewezen patiënten",
            size_title="Toegewezen patiënten (praktijkgrootte)",
            reference_label="Vlaanderen",
            unit="per 100",
            label_title="Praktijk",
            unit_word="praktijken",
            year=year,
            source=circle_tables.SOURCE_PRACTICES,
            notes=["Enkel praktijken met betaling per prestatie."],
            tooltip_cols={"size_class": "Grootteklasse"},
        )
        figures.append(
            pdf_report.Figure(
                charts.finish(chart),
                caption=f"{counts}.{left_out} {circle_tables.LEARNING_NOTE}",
            )
        )
    return figures


@dataclass(frozen=True)
class CirclePdf:
    """What the circle page shows, for its PDF (tables as Dutch text frames, charts as
    Vega-Lite specs). `practices` is the page's practice table for the page's role."""

    circle_code: str
    circle_name: str
    year: int | None
    coverage_text: str
    municipalities: pl.DataFrame
    zones: pl.DataFrame
    spine: pl.DataFrame
    practices: pl.DataFrame | None
    practice_counts: str
    details: bool
    aggregates: pl.DataFrame | None
    coverage_map: dict[str, Any] | None
    charts: Sequence[pdf_report.Figure] = field(default_factory=tuple)
    trend_charts: Sequence[pdf_report.Figure] = field(default_factory=tuple)
    adjusted: bool = True


def pdf_sections(
    content: CirclePdf,
    *,
    sentences: Sequence[summary.Sentence],
    definitions: pl.DataFrame,
) -> list[pdf_report.Section]:
    """The PDF's chapters in page order: summary, area and map, indicators, practices,
    the circle against Flanders, the trend, definitions."""
    table = report.ReportSection
    practice_tables = []
    practice_notes = [circle_tables.LEARNING_NOTE]
    if content.practices is not None:
        practice_tables.append(
            table(
                f"Praktijken van de kring, {content.year}",
                content.practices,
                intro=content.practice_counts,
                notes=[
                    "Praktijken staan onder een stabiel pseudoniem (PR-...), gesorteerd op dat "
                    f"pseudoniem: geen rangschikking. '{circle_tables.SUPPRESSED_TEXT}': een "
                    "aantal van 1 tot 4, of een aantal dat uit het gemeentetotaal af te leiden "
                    f"is. {circle_tables.FLAT_RATE_NOTE} {circle_tables.FTE_NOTE} "
                    f"Bron: {circle_tables.SOURCE_PRACTICES}."
                ],
            )
        )
    if not content.details:
        practice_notes.append(circle_tables.PUBLIC_NOTE)
    sections = [
        pdf_report.summary_section(sentences),
        pdf_report.Section(
            "Gebied van de kring",
            intro=content.coverage_text,
            figures=[pdf_report.Figure(content.coverage_map, width=560, px_width=620)]
            if content.coverage_map
            else [],
            tables=[
                table("Gemeenten van de kring", content.municipalities),
                table("Eerstelijnszones van de kring", content.zones),
            ],
            new_page=True,
        ),
        pdf_report.Section(
            "Indicatoren: de kring tegenover Vlaanderen",
            tables=[
                table(
                    "Indicatoren",
                    indicator_display(content.spine),
                    intro=SIGNIFICANCE_METHOD,
                    notes=[
                        comparison_legend_markdown(adjusted=content.adjusted),
                        "Kringcijfers tellen de inwoners en praktijken van de gemeenten van "
                        "de kring; de spreiding loopt over alle kringen.",
                    ],
                )
            ],
            new_page=True,
        ),
        pdf_report.Section(
            "Praktijken van de kring",
            figures=list(content.charts),
            tables=practice_tables,
            notes=practice_notes,
            new_page=True,
        ),
    ]
    if content.aggregates is not None:
        sections.append(
            pdf_report.Section(
                "Kring en Vlaanderen",
                tables=[
                    table(
                        f"De kring en Vlaanderen, {content.year}",
                        content.aggregates,
                        notes=[circle_tables.AGGREGATE_COMPARISON_NOTE],
                    )
                ],
                new_page=True,
            )
        )
    if content.trend_charts:
        sections.append(
            pdf_report.Section(
                "Evolutie",
                figures=list(content.trend_charts),
                notes=[
                    "De groei van de forfaitaire praktijken (medische huizen) verandert wat de "
                    f"contactcijfers meten: {circle_tables.FLAT_RATE_NOTE}"
                ],
                new_page=True,
            )
        )
    sections.append(
        pdf_report.Section(
            "Definities van de indicatoren",
            tables=[table("Definities, formules en bronnen", definitions)],
            new_page=True,
        )
    )
    return sections


def circle_pdf(
    content: CirclePdf,
    *,
    indicators: pl.DataFrame,
    trend_codes: Sequence[str],
    meta: pdf_report.Meta,
) -> bytes:
    """The omgevingsanalyse of the circle as a PDF (`pdf_report.render`)."""
    sections = pdf_sections(
        content,
        sentences=summary_sentences(content.spine, trend_codes),
        definitions=pdf_report.definitions_table(
            indicators, content.spine["indicator_code"].to_list()
        ),
    )
    return pdf_report.render(meta, sections)


def pdf_meta(
    circle_name: str,
    circle_code: str,
    *,
    demo: bool,
    vintage: str,
    boundary_version: str,
    built_at: str,
    attribution: str,
) -> pdf_report.Meta:
    """Title, subtitle and vintage of the circle's PDF."""
    return pdf_report.Meta(
        title=f"Omgevingsanalyse {circle_name} ({circle_code})",
        subtitle="Huisartsenkring: wat valt op, het gebied van de kring, de indicatoren "
        "tegenover Vlaanderen, de praktijken (om samen te leren, nooit om te rangschikken) "
        "en de evolutie.",
        demo=demo,
        vintage=vintage,
        boundary_version=boundary_version,
        built_at=built_at,
        attribution=attribution,
    )
