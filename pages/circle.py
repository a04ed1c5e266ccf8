"""Huisartsenkring: de praktijken van een kring naast elkaar, om samen te leren.

Layout only; everything is computed in `popmgmt.views.circle` and its `circle_tables`,
`circle_charts` and `circle_map`, and in `popmgmt.metrics.funnel` (funnel plots, drawn by
`popmgmt.views.funnel_charts`). The page works with whatever practice frame
`ui.load_marts()` gives it: when access control has removed the practice counts (a
public user), it shows the public practice facts and says that details need sign-in.
Query parameters: `kring` restores the chosen circle, `weergave` the open tab (only the
open tab runs).
"""

import polars as pl
import streamlit as st

from popmgmt.app import pdf_button, store, ui
from popmgmt.metrics import funnel
from popmgmt.pipeline.codes import FLANDERS_CODE
from popmgmt.views import (
    circle,
    circle_charts,
    circle_map,
    circle_summary,
    circle_tables,
    funnel_charts,
    labels,
    maps,
    pdf_report,
    zone_tables,
)

CIRCLE_KEY = "circle_kring"
TAB_KEY = "weergave"
TABS = (
    "Praktijken",
    "Trechterdiagram",
    "GMD en VTE",
    "Betalingssysteem",
    "Kaart",
    "Kring en Vlaanderen",
    "Evolutie",
)
COVERAGE_HEIGHT = 360
PRACTICE_MAP_HEIGHT = 520
REFERENCES = {"kring": "de kring", "vlaanderen": "Vlaanderen"}

marts = ui.page_start()  # data check and demo label, on every page


@st.cache_resource(max_entries=4, show_spinner=False)
def _trend_codes(_m: store.Marts, key: str) -> list[str]:
    """The indicators of the tab "Evolutie" (public aggregates: every role)."""
    del key
    return circle_summary.trend_indicators(_m.values, _m.indicators)


@st.cache_resource(max_entries=64, show_spinner=False)
def _spine(_m: store.Marts, key: str, circle_code: str) -> pl.DataFrame:
    """The circle's indicators against Flanders with their trend tests (public
    aggregates of the build: the same for every role)."""
    del key
    return circle_summary.circle_spine(
        _m.values, _m.indicators, circle_code, comparisons=_m.comparisons, trends=_m.trends
    )


st.title("Praktijken van de kring")
st.caption(circle_tables.LEARNING_NOTE)

circles = circle.circle_list(marts.areas)
if circles.height == 0:
    st.info("Er zijn geen huisartsenkringen in deze gegevens.")
    ui.footer(marts)
    st.stop()
codes = circles["circle_code"].to_list()
names = dict(zip(codes, circles["circle_name"].to_list(), strict=True))

# --- circle choice (query parameter `kring`; else the role's own circle) -----------------
chosen = None
if CIRCLE_KEY not in st.session_state:
    asked = st.query_params.get(circle.QUERY_PARAM)
    chosen = circle.parse_circle_param(asked, codes)
    if asked is not None and chosen is None:
        st.warning(
            circle_tables.unknown_circle_message(labels.md_text(asked)), icon=":material/link_off:"
        )
ui.role_default(CIRCLE_KEY, "kring", codes, fallback=codes[0], link=chosen)

pick_col, year_col = st.columns([3, 1])
code = pick_col.selectbox(
    "Huisartsenkring",
    codes,
    format_func=lambda c: f"{names[c]} ({c})",
    key=CIRCLE_KEY,
)
st.query_params[circle.QUERY_PARAM] = code
name = names[code]
md_name = labels.md_text(name)  # the circle's name where Markdown renders
years = circle.practice_years(marts.practices, code)
year = year_col.selectbox("Jaar", years, index=0, key=f"circle_year_{code}") if years else None
build_key = f"{marts.folder}|{marts.manifest.get('built_at')}"
available = [c for c in circle.AGGREGATE_INDICATORS if c in set(marts.indicators["indicator_code"])]
trend_codes = _trend_codes(marts, build_key)

# --- what stands out ------------------------------------------------------------------------
spine = _spine(marts, build_key, code)
st.header(f"Wat valt op in {md_name}", anchor=circle_summary.ANCHOR_SUMMARY)
with st.container(border=True):
    st.markdown(
        circle_summary.summary_markdown(circle_summary.summary_sentences(spine, trend_codes), code)
    )

# --- what the circle covers ---------------------------------------------------------------
zones = circle.circle_zones(marts.areas, code)
coverage = circle_map.coverage_features(ui.load_geojson("gemeente"), marts.areas, code, names)
outlines = circle_map.zone_outline_features(ui.load_geojson("zone"), zones["zone_code"].to_list())
st.subheader("Gebied van de kring")
text_col, map_col, legend_col = st.columns([2, 3, 1])
with text_col:
    st.markdown(
        circle_tables.coverage_text(
            ui.md_columns(zones, "zone_name"),
            circle_name=md_name,
            circle_code=labels.md_text(code),
            circle_names={c: labels.md_text(n) for c, n in names.items()},
        )
    )
    st.caption(
        "Huisartsenkringen en eerstelijnszones zijn twee indelingen die elkaar kruisen: de "
        "meeste kringen vallen samen met een zone, sommige liggen in twee zones en sommige "
        f"zones tellen twee kringen. Grenzen {store.boundary_version(marts)}."
    )
with map_col:
    st.pydeck_chart(
        circle_map.circle_deck(coverage, outlines, width_px=620, height_px=COVERAGE_HEIGHT),
        height=COVERAGE_HEIGHT,
        alt=f"Kaart van de gemeenten en zones van {name}",
        key="circle_coverage_map",
    )
with legend_col:
    st.html(maps.legend_html(circle_map.zone_legend(zones), title="Eerstelijnszone"))
with st.expander("Gemeenten en zones van de kring"):
    municipalities = circle.circle_municipalities(marts.areas, code)
    municipality_table = municipalities.select(
        municipalities["municipality"].alias("Gemeente"),
        municipalities["refnis"].alias("NIS-code"),
        municipalities["zone_name"].alias("Eerstelijnszone"),
    )
    zone_table = circle.zones_table(zones, names)
    st.dataframe(municipality_table, hide_index=True, width="stretch")
    st.dataframe(zone_table, hide_index=True, width="stretch")

# --- the circle's indicators against Flanders ----------------------------------------------
st.header("Indicatoren: de kring tegenover Vlaanderen", anchor=circle_summary.ANCHOR_INDICATORS)
indicator_table = circle_summary.indicator_display(spine)
with st.expander(f"Tabel: alle indicatoren van {md_name} tegenover Vlaanderen"):
    st.caption(zone_tables.SIGNIFICANCE_METHOD)
    st.dataframe(indicator_table, hide_index=True, width="stretch")
    st.caption(
        "Kringcijfers tellen de inwoners en praktijken van de gemeenten van de kring; de "
        "spreiding loopt over alle kringen. Elke indicator in zijn nieuwste jaar op kringniveau."
    )
    ui.download_buttons(
        indicator_table,
        f"kring_{code}_indicatoren",
        "circle_indicators_download",
        sheet="Indicatoren",
        notes=[
            f"Indicatoren van {name} ({code}) tegenover Vlaanderen",
            f"Gegevens: {store.vintage_text(marts)}",
            f"Grenzen {store.boundary_version(marts)}",
            f"Bronvermelding: {store.attribution_text(marts)}",
            *([labels.DEMO_BADGE] if store.is_demo(marts) else []),
        ],
    )

rows = (
    circle.circle_practices(marts.practices, code, year)
    if year is not None
    else circle.practice_rows(marts.practices.clear())
)
details = circle.has_details(rows)


def _pdf() -> bytes:
    """The circle's omgevingsanalyse (made on click, from what this role's page shows)."""
    figures, trend_figures = circle_summary.pdf_charts(
        rows,
        values=marts.values,
        practices=marts.practices,
        circle_code=code,
        circle_name=name,
        year=year,
        details=details,
        flat_rate_meta=store.indicator_meta(marts, circle.FLAT_RATE_SHARE)
        if circle.FLAT_RATE_SHARE in available
        else None,
    )
    content = circle_summary.CirclePdf(
        circle_code=code,
        circle_name=name,
        year=year,
        coverage_text=circle_tables.coverage_text(
            zones, circle_name=name, circle_code=code, circle_names=names
        ).split("\n", 1)[0],
        municipalities=municipality_table,
        zones=zone_table,
        spine=spine,
        practices=None
        if year is None
        else circle_tables.practice_table(rows, marts.areas, details=details),
        practice_counts="" if year is None else circle_tables.practice_counts_text(rows),
        details=details,
        aggregates=None
        if year is None
        else circle_tables.aggregate_table(
            marts.values, marts.indicators, code, year, available, comparisons=marts.comparisons
        ),
        coverage_map=circle_summary.coverage_map_spec(
            coverage, outlines, zones, marts.areas, circle_name=name
        ),
        charts=figures,
        trend_charts=trend_figures,
    )
    meta = circle_summary.pdf_meta(
        name,
        code,
        demo=store.is_demo(marts),
        vintage=store.vintage_text(marts),
        boundary_version=store.boundary_version(marts),
        built_at=store.built_at_text(marts),
        attribution=store.attribution_text(marts),
    )
    return circle_summary.circle_pdf(
        content, indicators=marts.indicators, trend_codes=trend_codes, meta=meta
    )


def _report_section() -> None:
    st.header("Kringrapport")
    st.caption(
        "De omgevingsanalyse van de kring als PDF: wat opvalt, de kaart van de gemeenten, de "
        "indicatoren, de praktijken zoals u ze op deze pagina ziet, de kring tegenover "
        "Vlaanderen, de evolutie, de definities, de bronnen en de jaargang, en het demolabel "
        "op elke bladzijde. Het PDF wordt gemaakt wanneer u op de knop klikt (enkele seconden)."
    )
    pdf_button.render(
        st.container(),
        "Omgevingsanalyse (PDF)",
        _pdf,
        file_name=pdf_report.file_name("kring", code),
        key="circle_report_pdf",
    )


if year is None:
    st.info(f"Er zijn geen praktijken van {md_name} in deze gegevens.")
    _report_section()
    ui.footer(marts)
    st.stop()

# Only the open tab runs (`bind="query-params"`: the tab is in the link as `weergave`).
(
    tab_practices,
    tab_funnel,
    tab_scatter,
    tab_payment,
    tab_map,
    tab_flanders,
    tab_trend,
) = st.tabs(list(TABS), key=TAB_KEY, bind="query-params")


def _public_note() -> None:
    st.info(circle_tables.PUBLIC_NOTE, icon=":material/lock:")


# --- the practices --------------------------------------------------------------------------
if tab_practices.open:
    with tab_practices:
        st.markdown(f"**{md_name}, {year}:** {circle_tables.practice_counts_text(rows)}")
        if not details:
            _public_note()
        table = circle_tables.practice_table(rows, marts.areas, details=details)
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(
            "Praktijken staan onder een stabiel pseudoniem (PR-...), gesorteerd op dat "
            f"pseudoniem: geen rangschikking. '{circle_tables.SUPPRESSED_TEXT}': een aantal van 1 "
            "tot 4, of een aantal dat uit het gemeentetotaal af te leiden is. "
            f"'{circle_tables.NOT_BILLED_TEXT}': {circle_tables.FLAT_RATE_NOTE} "
            f"{circle_tables.FTE_NOTE} "
            f"Praktijkvorm en patiëntenstop komen uit de bevraging. Jaar {year}. "
            f"Bron: {circle_tables.SOURCE_PRACTICES}."
        )
        notes = circle_tables.download_notes(
            circle_name=name,
            circle_code=code,
            year=year,
            demo=store.is_demo(marts),
            details=details,
        )

        ui.download_buttons(
            table,
            f"praktijken_{code}_{year}",
            "circle_download",
            sheet="Praktijken",
            notes=notes,
        )
        st.caption("De download bevat precies de tabel hierboven, met dezelfde onderdrukking.")

# --- funnel plot of contact rates ---------------------------------------------------------
if tab_funnel.open:
    with tab_funnel:
        if not details:
            _public_note()
        else:
            c1, c2, c3 = st.columns([2, 1, 2])
            contact = c1.selectbox(
                "Soort contact",
                list(circle.CONTACT_COLUMNS),
                index=list(circle.CONTACT_COLUMNS).index("bezoekind"),
                format_func=circle.CONTACT_NAMES.__getitem__,
                key="circle_contact",
            )
            reference = c2.radio(
                "Grenzen rond de waarde van",
                list(REFERENCES),
                format_func=REFERENCES.__getitem__,
                key="circle_reference",
            )
            mode = c3.selectbox(
                "Overdispersie",
                list(funnel.OVERDISPERSION_MODES),
                format_func=funnel_charts.OVERDISPERSION_TEXT.__getitem__,
                key="circle_overdispersion",
            )
            indicator = circle.contact_indicator(contact)
            meta = store.indicator_meta(marts, indicator)
            units, n_flat = circle.contact_funnel_units(rows, contact)
            own = reference == "kring"
            target = circle.reference_rate(
                marts.values,
                indicator,
                level="kring" if own else "vlaanderen",
                area_code=code if own else FLANDERS_CODE,
                year=year,
            )
            reference_label = REFERENCES[reference]
            if target is None and own:
                target = circle.pooled_rate(units)
                reference_label = "de kring (getoonde praktijken)"
            if n_flat:
                st.info(
                    f"{n_flat} forfaitaire praktijk(en) niet getoond: "
                    f"{circle_tables.NOT_BILLED_TEXT}. {circle_tables.FLAT_RATE_NOTE}",
                    icon=":material/info:",
                )
            if target is None:
                st.info(f"Geen referentiewaarde voor {reference_label} in {year}.")
            else:
                fun = funnel.funnel_data(
                    units,
                    label_col="practice_id",
                    observed_col="observed",
                    size_col="size",
                    target=target,
                    kind="rate",
                    multiplier=100.0,
                    overdispersion_mode=mode,
                    keep_cols=["size_class"],
                )
                st.altair_chart(
                    funnel_charts.funnel_chart(
                        fun,
                        title=f"{circle.CONTACT_NAMES[contact]} per 100 toegewezen patiënten",
                        value_title="Per 100 toegewezen patiënten",
                        size_title="Toegewezen patiënten (praktijkgrootte)",
                        reference_label=reference_label,
                        unit="per 100",
                        label_title="Praktijk",
                        unit_word="praktijken",
                        year=year,
                        source=str(meta.get("source") or circle_tables.SOURCE_PRACTICES),
                        notes=["Enkel praktijken met betaling per prestatie."],
                        tooltip_cols={"size_class": "Grootteklasse"},
                    ),
                    width="stretch",
                )
                bands = funnel.band_counts(fun)
                st.caption(
                    " · ".join(
                        f"{funnel_charts.BAND_TEXT[b]}: {bands[b]}"
                        for b in funnel.BANDS
                        if bands[b]
                    )
                    + ". Kleine praktijken krijgen brede grenzen: een afwijking bij weinig "
                    "patiënten kan toeval zijn. " + circle_tables.LEARNING_NOTE
                )

# --- GMD patients against FTE ---------------------------------------------------------------
if tab_scatter.open:
    with tab_scatter:
        if not details:
            _public_note()
        else:
            points = circle.gmd_fte_points(rows)
            st.altair_chart(
                circle_charts.gmd_fte_chart(
                    points,
                    circle_ratio=circle.gmd_per_fte_ratio(rows),
                    flanders_ratio=circle.flanders_gmd_per_fte(
                        marts.values, marts.practices, code, year
                    ),
                    circle_name=name,
                    year=year,
                    n_left_out=rows.height - points.height,
                ),
                width="stretch",
            )
            st.caption(circle_tables.FTE_NOTE)

# --- distributions per payment system ---------------------------------------------------
if tab_payment.open:
    with tab_payment:
        if not details:
            _public_note()
        else:
            measure = st.selectbox(
                "Maat",
                list(circle_charts.DISTRIBUTION_MEASURES),
                format_func=lambda m: circle_charts.DISTRIBUTION_MEASURES[m][0],
                key="circle_distribution",
            )
            st.altair_chart(circle_charts.distribution_chart(rows, measure, year=year))
            st.caption(
                "Forfaitaire praktijken en praktijken met betaling per prestatie staan apart: "
                f"ze zijn anders gefinancierd. {circle_tables.FLAT_RATE_NOTE}"
            )

# --- map of the practices ---------------------------------------------------------------
if tab_map.open:
    with tab_map:
        colour_by = st.radio(
            "Kleur volgens",
            list(circle_map.FACT_TITLES),
            format_func=circle_map.FACT_TITLES.__getitem__,
            horizontal=True,
            key="circle_map_colour",
        )
        practice_map, practice_legend = st.columns([4, 1])
        with practice_map:
            st.pydeck_chart(
                circle_map.circle_deck(
                    coverage,
                    outlines,
                    circle_map.practice_points(rows, colour_by),
                    width_px=1000,
                    height_px=PRACTICE_MAP_HEIGHT,
                ),
                height=PRACTICE_MAP_HEIGHT,
                alt=f"Kaart van de praktijken van {name}, {year}",
                key="circle_practice_map",
            )
        with practice_legend:
            st.html(
                maps.legend_html(
                    circle_map.fact_legend(colour_by),
                    title=f"{circle_map.FACT_TITLES[colour_by]} ({year})",
                )
            )
        st.caption(
            "De kaart toont enkel kenmerken van de praktijk (patiëntenstop, praktijkvorm, "
            "betalingssysteem, grootteklasse), nooit gegevens over individuele huisartsen. "
            f"Ligging: adres van de praktijk. Jaar {year}. Bron: {circle_tables.SOURCE_PRACTICES}."
        )

# --- the circle against Flanders and the other circles ----------------------------------


def _indicator_name(code_: str) -> str:
    return str(store.indicator_meta(marts, code_).get("name_nl") or code_)


if tab_flanders.open:
    with tab_flanders:
        st.markdown(f"**{md_name} en Vlaanderen, {year}**")
        st.dataframe(
            circle_tables.aggregate_table(
                marts.values,
                marts.indicators,
                code,
                year,
                available,
                comparisons=marts.comparisons,
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(
            f"{circle_tables.AGGREGATE_COMPARISON_NOTE} Kringcijfers tellen de praktijken en "
            "inwoners van de gemeenten van de kring."
        )
        agg_code = st.selectbox(
            "Indicator voor alle kringen",
            available,
            format_func=_indicator_name,
            key="circle_aggregate_indicator",
        )
        agg_meta = store.indicator_meta(marts, agg_code)
        flemish = circle.reference_rate(
            marts.values, agg_code, level="vlaanderen", area_code=FLANDERS_CODE, year=year
        )
        circle_frame = circle.circle_units(marts.values, marts.areas, agg_code, year, code)
        if flemish is None or circle_frame.height == 0:
            st.info(f"Geen waarden voor deze indicator in {year}.")
        else:
            counts_persons = agg_meta.get("count_unit") in ("personen", "contacten")
            circles_funnel = funnel.funnel_data(
                circle_frame,
                label_col="circle_name",
                observed_col="observed",
                size_col="size",
                target=flemish,
                kind=circle.funnel_kind(agg_meta),
                multiplier=float(agg_meta.get("multiplier") or 1.0),
                size_is_count=agg_meta.get("denominator_unit") == "personen",
                min_count=funnel.MIN_COUNT if counts_persons else 0,
                highlight_col="own",
            )
            st.altair_chart(
                funnel_charts.funnel_chart(
                    circles_funnel,
                    title=f"{_indicator_name(agg_code)}: alle kringen",
                    value_title=str(agg_meta.get("unit") or "waarde"),
                    size_title=f"Noemer: {agg_meta.get('denominator_label')}",
                    reference_label="Vlaanderen",
                    unit=agg_meta.get("unit"),
                    label_title="Kring",
                    unit_word="kringen",
                    year=year,
                    source=agg_meta.get("source"),
                    notes=[f"Zwarte ring: {name}."],
                ),
                width="stretch",
            )

# --- trend --------------------------------------------------------------------------------
if tab_trend.open:
    with tab_trend:
        st.subheader(f"Evolutie van {md_name}", anchor=circle_summary.ANCHOR_TREND)
        # A summary sentence's link names the indicator (`indicator=`); else the flat-rate share.
        linked = circle_summary.trend_choice(
            st.query_params.get(circle_summary.INDICATOR_PARAM), trend_codes
        )
        trend_default = linked or (
            circle.FLAT_RATE_SHARE if circle.FLAT_RATE_SHARE in available else None
        )
        trend_code = st.selectbox(
            "Indicator",
            trend_codes,
            index=trend_codes.index(trend_default) if trend_default else 0,
            format_func=_indicator_name,
            key="circle_trend_indicator",
        )
        trend_meta = store.indicator_meta(marts, trend_code)
        st.altair_chart(
            circle_charts.trend_chart(
                circle.trend_rows(marts.values, trend_code, code),
                circle_name=name,
                indicator_name=_indicator_name(trend_code),
                unit=trend_meta.get("unit"),
                source=trend_meta.get("source"),
                annotate_flat_rate=trend_code == circle.FLAT_RATE_SHARE,
            ),
            width="stretch",
        )
        st.altair_chart(
            circle_charts.payment_chart(
                circle.payment_counts(marts.values, code), circle_name=name
            ),
            width="stretch",
        )
        st.caption(
            "De groei van de forfaitaire praktijken (medische huizen) verandert wat de "
            f"contactcijfers meten: {circle_tables.FLAT_RATE_NOTE}"
        )

_report_section()
ui.footer(marts)
