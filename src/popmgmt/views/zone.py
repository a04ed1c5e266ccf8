"""The zone profile page (omgevingsanalyse) of one first-line zone: choice, profile, report.

Pure, no Streamlit. `build_profile` bundles the indicator-independent part for one zone: the
figures of `popmgmt.views.zone_model` with their Dutch display tables from
`popmgmt.views.zone_tables` (what the page shows, the downloads hold and the report prints).
The charts and the municipality map are `popmgmt.views.zone_charts`; similar and
neighbouring zones come from `popmgmt.metrics.peers`, the GP-poor rule from
`popmgmt.metrics.gppoor`, the report's HTML from `popmgmt.views.report`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from popmgmt.metrics import peers
from popmgmt.metrics.indicators import GMD_COVERAGE
from popmgmt.pipeline.published import trends_mart
from popmgmt.views import (
    compare_flanders,
    downloads,
    labels,
    pdf_report,
    peers_display,
    report,
    summary,
)
from popmgmt.views.zone_model import (
    capacity_frame,
    gp_poor_zone,
    indicator_snapshot,
    population_pyramid,
    population_trend,
    practice_profile,
    spine_frame,
    zone_municipalities,
    zone_summary,
)
from popmgmt.views.zone_tables import (
    BOUNDARY_NOTE,
    SIGNIFICANCE_METHOD,
    attach_standardised,
    comparison_legend_markdown,
    gp_poor_display,
    gp_poor_note,
    population_trend_display,
    practice_display,
    pyramid_display,
    side_by_side,
    spine_display,
)

ZONE_PARAM: Final = "zone"
INDICATOR_PARAM: Final = "indicator"
DEFAULT_INDICATOR: Final = GMD_COVERAGE


# --------------------------------------------------------------------------- choice


@dataclass(frozen=True)
class Choice:
    """A code asked for (in a link) resolved against the known codes."""

    code: str | None
    """The known code, or None when nothing (valid) was asked for."""
    message: str | None
    """A Dutch message when the link named an unknown code."""


def zone_options(areas: pl.DataFrame) -> dict[str, str]:
    """Zone code -> "Name (code)", ordered by name (what a care council looks for)."""
    zones = areas.filter(pl.col("level") == "zone").sort("area_name", "area_code")
    return {
        str(code): f"{name} ({code})"
        for code, name in zones.select("area_code", "area_name").iter_rows()
    }


def resolve_code(requested: str | None, known: Iterable[str], *, what: str) -> Choice:
    """Resolve a code from a query parameter (case and spaces forgiven).

    An absent or empty value gives `Choice(None, None)`; an unknown value gives
    `Choice(None, message)` with a Dutch message naming the value.
    """
    if requested is None or not str(requested).strip():
        return Choice(None, None)
    text = str(requested).strip()
    lookup = {k.lower(): k for k in known}
    found = lookup.get(text.lower())
    if found is not None:
        return Choice(found, None)
    # Shown in Markdown: keep letters, digits and a few marks only (no links, no HTML).
    safe = "".join(ch if ch.isalnum() or ch in "-_. " else "?" for ch in text)
    shown = safe if len(safe) <= 40 else safe[:40] + "…"
    if what == "zone":
        message = (
            f"De zone **'{shown}'** uit de link bestaat niet in deze gegevens (grenzen 2025). "
            "Kies hieronder een eerstelijnszone; de link wordt dan aangepast."
        )
    else:
        message = (
            f"De indicator **'{shown}'** uit de link bestaat niet in deze gegevens. "
            "De standaardindicator wordt getoond; kies hieronder een andere."
        )
    return Choice(None, message)


# --------------------------------------------------------------------------- profile


@dataclass(frozen=True)
class ZoneProfile:
    """Everything of the zone profile that does not depend on the chosen indicator.

    Frames as computed by this module's functions, and their Dutch display tables (what
    the page shows, the downloads hold and the report prints).
    """

    zone_code: str
    zone_name: str
    summary: dict[str, Any]
    trend: pl.DataFrame
    pyramid: pl.DataFrame
    pyramid_year: int | None
    municipalities: pl.DataFrame
    spine: pl.DataFrame
    own_features: pl.DataFrame
    similar: pl.DataFrame
    neighbours: list[str]
    snapshot: pl.DataFrame
    capacity: pl.DataFrame
    gp_poor: pl.DataFrame
    practices: pl.DataFrame
    tables: dict[str, pl.DataFrame]
    adjusted: bool = True

    @property
    def peer_codes(self) -> list[str]:
        return [str(c) for c in self.similar["zone_code"].to_list()]

    @property
    def compare_codes(self) -> list[str]:
        """The zone, its similar zones, then its neighbours (each once)."""
        return list(dict.fromkeys([self.zone_code, *self.peer_codes, *self.neighbours]))


def build_profile(
    zone_code: str,
    *,
    values: pl.DataFrame,
    indicators: pl.DataFrame,
    areas: pl.DataFrame,
    population: pl.DataFrame,
    practices: pl.DataFrame,
    ranges: pl.DataFrame,
    features: pl.DataFrame,
    adjacency: pl.DataFrame,
    k: int = peers.PEER_COUNT,
    comparisons: pl.DataFrame | None = None,
    adjusted: bool = True,
    trends: pl.DataFrame | None = None,
    standardised: pl.DataFrame | None = None,
) -> ZoneProfile:
    """The indicator-independent part of a zone's profile.

    `values` and `population` may be the full marts or any subset that keeps the zone,
    Flemish and municipal rows the functions read; `ranges` is `zone_ranges(values)`,
    `features` `peers.zone_features(...)`, `adjacency` `peers.zone_adjacency(...)`,
    `comparisons` the comparisons mart (computed from `values` when None; `adjusted`
    chooses the comparison with or without the overdispersion correction), `trends`
    the trends mart (computed from the zone's `values` when None), `standardised` the
    standardised mart (its DSR, interval and ISR join the indicator table when given).
    KeyError for an unknown zone.
    """
    names = dict(
        areas.filter(pl.col("level") == "zone").select("area_code", "area_name").iter_rows()
    )
    summary = zone_summary(areas, population, zone_code)
    zone_name = str(summary["zone_name"])
    trend = population_trend(population, zone_code)
    pyramid_year = summary["year"]
    pyramid = (
        population_pyramid(population, zone_code, int(pyramid_year))
        if pyramid_year is not None
        else pl.DataFrame()
    )
    munis = zone_municipalities(areas, population, zone_code, pyramid_year)
    similar = peers.similar_zones(features, zone_code, k=k)
    neighbour_codes = peers.neighbours(adjacency, zone_code)
    own_features = features.filter(pl.col("zone_code") == zone_code)
    compare = list(dict.fromkeys([zone_code, *similar["zone_code"].to_list(), *neighbour_codes]))
    snapshot = indicator_snapshot(
        values, indicators, compare, comparisons=comparisons, adjusted=adjusted
    )
    spine = spine_frame(snapshot.filter(pl.col("area_code") == zone_code), ranges)
    if trends is None:
        trends = trends_mart(
            values.filter((pl.col("level") == "zone") & (pl.col("area_code") == zone_code)),
            indicators,
        )
    spine = compare_flanders.attach_trends(spine, trends, level="zone")
    if standardised is not None:
        spine = attach_standardised(spine, standardised, zone_code)
    capacity = capacity_frame(spine)
    gp_poor = gp_poor_zone(values, areas, population, zone_code)
    practice_counts = practice_profile(practices, zone_code)
    peer_list = similar["zone_code"].to_list()
    tables = {
        "inwoners": population_trend_display(trend),
        "piramide": pyramid_display(pyramid, int(pyramid_year or 0))
        if pyramid.height
        else pl.DataFrame(),
        "indicatoren": spine_display(spine),
        "vergelijkbare_zones": peers_display.peers_display(own_features, similar),
        "naast_vergelijkbare_zones": side_by_side(
            snapshot, zone_order=[zone_code, *peer_list], zone_names=names
        ),
        "naast_buurzones": side_by_side(
            snapshot, zone_order=[zone_code, *neighbour_codes], zone_names=names
        ),
        "capaciteit": spine_display(capacity),
        "huisartsarm": gp_poor_display(gp_poor, names),
        "praktijken": practice_display(practice_counts),
    }
    return ZoneProfile(
        zone_code=zone_code,
        zone_name=zone_name,
        summary=summary,
        trend=trend,
        pyramid=pyramid,
        pyramid_year=None if pyramid_year is None else int(pyramid_year),
        municipalities=munis,
        spine=spine,
        own_features=own_features,
        similar=similar,
        neighbours=neighbour_codes,
        snapshot=snapshot,
        capacity=capacity,
        gp_poor=gp_poor,
        practices=practice_counts,
        tables=tables,
        adjusted=adjusted,
    )


def summary_sentences(profile: ZoneProfile) -> list[summary.Sentence]:
    """What stands out for the zone (`popmgmt.views.summary`): against Flanders (the
    profile's comparison method), its similar zones, its trends, GP capacity and reach."""
    return summary.summarise(
        profile.spine,
        peers=profile.snapshot.filter(pl.col("area_code").is_in(profile.peer_codes)),
        gp_poor=profile.gp_poor,
    )


REPORT_SECTION_COUNT: Final = 11


def report_sections(
    profile: ZoneProfile,
    *,
    municipality_table: pl.DataFrame,
    trend_table: pl.DataFrame,
    indicator_name: str,
) -> list[report.ReportSection]:
    """The sections of the printable report: the page's own tables, in page order."""
    t = profile.tables
    return [
        report.ReportSection("Inwoners per jaar", t["inwoners"]),
        report.ReportSection(f"Bevolkingspiramide {profile.pyramid_year}", t["piramide"]),
        report.ReportSection(f"Gemeenten: {indicator_name}", municipality_table),
        report.ReportSection(
            "Indicatoren: de zone tegenover Vlaanderen",
            t["indicatoren"],
            intro=SIGNIFICANCE_METHOD,
            notes=[
                comparison_legend_markdown(adjusted=profile.adjusted),
                *([] if profile.adjusted else [compare_flanders.UNADJUSTED_NOTE]),
            ],
        ),
        report.ReportSection(
            "Vergelijkbare zones", t["vergelijkbare_zones"], intro=peers_display.method_text()
        ),
        report.ReportSection("Naast vergelijkbare zones", t["naast_vergelijkbare_zones"]),
        report.ReportSection("Naast buurzones", t["naast_buurzones"]),
        report.ReportSection("Huisartsencapaciteit", t["capaciteit"]),
        report.ReportSection(
            "Huisartsarme gebieden", t["huisartsarm"], intro=gp_poor_note(profile.gp_poor)
        ),
        report.ReportSection("Praktijken", t["praktijken"]),
        report.ReportSection(
            f"Trend: {indicator_name}", trend_table, notes=[f"Zonegrenzen: {BOUNDARY_NOTE}."]
        ),
    ]


@dataclass(frozen=True)
class PdfFigures:
    """The page's charts for the PDF (Vega-Lite specs as the page draws them)."""

    population_index: dict[str, Any]
    pyramid: dict[str, Any] | None
    municipality_map: dict[str, Any] | None
    spines: list[dict[str, Any]]
    comparison: dict[str, Any] | None
    trend: dict[str, Any]


def pdf_sections(
    profile: ZoneProfile,
    *,
    sentences: list[summary.Sentence],
    sections: list[report.ReportSection],
    figures: PdfFigures,
    definitions: pl.DataFrame,
    indicator_name: str,
) -> list[pdf_report.Section]:
    """The PDF's chapters: the summary, then the HTML report's sections (`report_sections`,
    same tables in the same order) grouped by page section with the page's charts, then
    the definitions of every indicator shown."""
    if len(sections) != REPORT_SECTION_COUNT:
        raise ValueError("report_sections changed: update pdf_sections")
    s = profile.summary
    glance = (
        f"{labels.fmt_number(s['population'])} inwoners op 1 januari {s['year']} "
        f"({labels.POPULATION_SOURCE}; volledige telling), {labels.fmt_number(s['area_km2'])} "
        f"km², {labels.fmt_number(s['density'])} inwoners per km², "
        f"{labels.fmt_number(s['municipalities'])} gemeenten."
    )
    figure = pdf_report.Figure
    return [
        pdf_report.summary_section(sentences),
        pdf_report.Section(
            "In één oogopslag",
            intro=glance,
            figures=[
                figure(figures.population_index, width=380, px_width=460),
                *([figure(figures.pyramid, width=380, px_width=460)] if figures.pyramid else []),
            ],
            columns=2,
            tables=sections[0:2],
        ),
        pdf_report.Section(
            "Gemeenten van de zone",
            figures=[figure(figures.municipality_map, width=560, px_width=620)]
            if figures.municipality_map
            else [],
            tables=sections[2:3],
            new_page=True,
        ),
        pdf_report.Section(
            "Indicatoren: de zone tegenover Vlaanderen",
            figures=[figure(spec) for spec in figures.spines],
            tables=sections[3:4],
            new_page=True,
        ),
        pdf_report.Section(
            "Vergelijkbare zones en buurzones",
            figures=[figure(figures.comparison)] if figures.comparison else [],
            tables=sections[4:7],
            new_page=True,
        ),
        pdf_report.Section("Huisartsencapaciteit", tables=sections[7:10], new_page=True),
        pdf_report.Section(
            f"Trend: {indicator_name}",
            figures=[figure(figures.trend)],
            tables=sections[10:11],
            new_page=True,
        ),
        pdf_report.Section(
            "Definities van de indicatoren",
            tables=[report.ReportSection("Definities, formules en bronnen", definitions)],
            new_page=True,
        ),
    ]


def zone_pdf(
    profile: ZoneProfile,
    *,
    figures: PdfFigures,
    municipality_table: pl.DataFrame,
    trend_table: pl.DataFrame,
    indicator_name: str,
    indicators: pl.DataFrame,
    meta: pdf_report.Meta,
    extra_sections: Sequence[pdf_report.Section] = (),
) -> bytes:
    """The omgevingsanalyse of the zone as a PDF (`pdf_report.render`): the summary, the
    HTML report's tables with the page's charts and the map, `extra_sections` (the PDCA
    log, for a reader who may see it), the definitions."""
    sections = pdf_sections(
        profile,
        sentences=summary_sentences(profile),
        sections=report_sections(
            profile,
            municipality_table=municipality_table,
            trend_table=trend_table,
            indicator_name=indicator_name,
        ),
        figures=figures,
        definitions=pdf_report.definitions_table(
            indicators, profile.spine["indicator_code"].to_list()
        ),
        indicator_name=indicator_name,
    )
    return pdf_report.render(meta, [*sections[:-1], *extra_sections, sections[-1]])


# --------------------------------------------------------------------------- downloads


csv_bytes = downloads.csv_bytes


xlsx_bytes = downloads.xlsx_bytes


def file_stem(zone_code: str, what: str) -> str:
    """ "zoneprofiel_elz13_indicatoren" for download file names."""
    clean = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in what.lower())
    return f"zoneprofiel_{zone_code}_{clean}"
