"""Zoneprofiel: the environment analysis (omgevingsanalyse) of one first-line zone.

Layout only. Figures come from `popmgmt.views.zone` (`build_profile`: population,
municipalities, spine, peers, capacity) with `zone_model`, `zone_tables` and `zone_charts`
(map, trend and chart specifications), `popmgmt.metrics.peers` (similar and neighbouring
zones), `popmgmt.metrics.gppoor` (the GP-poor rule), `popmgmt.app.store` and
`popmgmt.views.maps`; the printable report from `popmgmt.views.report`; the council's
PDCA log from `popmgmt.app.pdca_panel`.
Query parameters `zone`, `indicator`, `vergelijk` and `deel` restore the view.

Only one section (`views.sections.ZONE`, chosen by a switch kept in the link as `deel`)
is drawn at a time: the page used to send every chart, map and table to the browser,
which made it the slowest page (issue 14). Everything the printable report needs is
still computed on every run; the summary, the PDCA log and the report are on every
section.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from popmgmt.app import access, pdca_panel, pdf_button, section_switch, store, ui
from popmgmt.metrics import gain, gppoor, peers
from popmgmt.metrics.indicators import GMD_COVERAGE
from popmgmt.views import (
    charts,
    compare_flanders,
    labels,
    maps,
    own_set,
    pdf_report,
    peers_display,
    report,
    sections,
    summary,
    zone,
    zone_breakdown,
    zone_charts,
    zone_model,
    zone_reach,
    zone_tables,
)

ZONE_KEY = "zone_profile_zone"
INDICATOR_KEY = "zone_profile_indicator"
SYNCED_KEY = "zone_profile_synced_url"
COMPARE_KEY = "zone_profile_compare"
COMPARE_SYNCED_KEY = "zone_profile_compare_synced_url"
SECTION_KEY = "zone_profile_section"
MAP_CLASSES = 5

marts = ui.page_start()  # data check, role and demo label, on every page


# --- cached, build-wide computations (keyed by the build) -------------------------------
def _build_key(m: store.Marts) -> str:
    return f"{m.folder}|{m.manifest.get('built_at')}"


@st.cache_resource(max_entries=4, show_spinner=False)
def _shared(_m: store.Marts, key: str) -> dict[str, pl.DataFrame]:
    """Frames every zone needs: smaller slices of the marts, spreads, peer features,
    zone adjacency (from the zone boundaries)."""
    del key
    values = _m.values.filter(
        pl.col("level").is_in(["zone", "vlaanderen"])
        | pl.col("indicator_code").is_in(
            [gppoor.GP_INDICATOR, gppoor.GP_65PLUS_INDICATOR, gppoor.UNDER65_INDICATOR]
        )
    )
    population = _m.population.filter(
        pl.col("level").is_in(["zone", "vlaanderen"])
        | ((pl.col("sex") == "T") & (pl.col("age_band") == "totaal"))
    )
    return {
        "values": values,
        "population": population,
        "ranges": zone_model.zone_ranges(_m.values),
        "features": peers.zone_features(_m.areas, _m.population, _m.values),
        "adjacency": peers.zone_adjacency(store.load_geojson(_m, "zone")),
    }


@st.cache_resource(max_entries=128, show_spinner="Zoneprofiel berekenen…")
def _profile(
    _m: store.Marts, key: str, role_key: str, zone_code: str, adjusted: bool
) -> zone.ZoneProfile:
    """The indicator-independent part of a zone's profile, once per zone, build, role and
    comparison method (the practices mart is scoped to the role: never share a role's
    result with another)."""
    del role_key
    shared = _shared(_m, key)
    return zone.build_profile(
        zone_code,
        values=shared["values"],
        indicators=_m.indicators,
        areas=_m.areas,
        population=shared["population"],
        practices=_m.practices,
        ranges=shared["ranges"],
        features=shared["features"],
        adjacency=shared["adjacency"],
        comparisons=_m.comparisons,
        adjusted=adjusted,
        trends=_m.trends,
        standardised=_m.standardised,
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def _own_set(
    _m: store.Marts, key: str, zone_code: str, chosen: tuple[str, ...], similar: tuple[str, ...]
) -> dict[str, pl.DataFrame]:
    """The zone beside its own comparison set, and the gain if it matched the best zone
    of that set and of its similar zones (public aggregates: shared by every role)."""
    del key
    values = _shared(_m, _build_key(_m))["values"]
    return {
        "snapshot": zone_model.indicator_snapshot(values, _m.indicators, [zone_code, *chosen]),
        "own": gain.potential_gain(values, _m.indicators, zone_code, chosen),
        "similar": gain.potential_gain(values, _m.indicators, zone_code, similar),
    }


@st.cache_resource(max_entries=64, show_spinner=False)
def _reach(_m: store.Marts, key: str, zone_code: str) -> pl.DataFrame:
    """Inhabitants without a GMD or a GP contact, the zone and its municipalities (public
    aggregates of the published Atlas cells: shared by every role)."""
    del key
    munis = _m.areas.filter((pl.col("level") == "gemeente") & (pl.col("zone_code") == zone_code))
    return zone_reach.reach_frame(_m.values, zone_code, munis, _m.breakdowns)


def _downloads(frame: pl.DataFrame, zone_code: str, what: str, notes: list[str]) -> None:
    """XLSX, CSV for Excel and CSV for analysts of exactly the table shown."""
    ui.download_buttons(frame, zone.file_stem(zone_code, what), what, sheet=what, notes=notes)


def _table(frame: pl.DataFrame, zone_code: str, what: str, notes: list[str]) -> None:
    st.dataframe(frame.to_arrow(), hide_index=True, width="stretch")
    _downloads(frame, zone_code, what, notes)


def _card(label: str, value: str, details: list[str]) -> None:
    """A figure with its label, comparison, interval, denominator and year (wraps, unlike
    `st.metric`, so long units stay readable)."""
    with st.container(border=True):
        st.markdown(f"**{labels.md_text(label)}**")
        st.markdown(f"### {labels.md_text(value)}")
        st.caption(labels.md_text(" · ".join(d for d in details if d)))


# --- header and choice ------------------------------------------------------------------
st.title("Zoneprofiel")
st.caption(
    "De omgevingsanalyse van één eerstelijnszone voor het beleidsplan van de zorgraad: wie "
    "woont er, wat zijn de noden, welk huisartsenaanbod is er, waar zitten de tekorten en "
    "hoe verhoudt de zone zich tot Vlaanderen en tot vergelijkbare zones. Kies uw zone; de "
    "link in de adresbalk bewaart de keuze, zodat een collega precies dit beeld opent."
)

options = zone.zone_options(marts.areas)
catalogue = store.indicator_catalogue(marts, level="zone")
indicator_codes = catalogue["indicator_code"].to_list()
indicator_labels = {
    row["indicator_code"]: store.indicator_option_label(row)
    for row in catalogue.iter_rows(named=True)
}
default_indicator = (
    zone.DEFAULT_INDICATOR if zone.DEFAULT_INDICATOR in indicator_codes else indicator_codes[0]
)

url_zone = st.query_params.get(zone.ZONE_PARAM)
url_indicator = st.query_params.get(zone.INDICATOR_PARAM)
zone_choice = zone.resolve_code(url_zone, options, what="zone")
indicator_choice = zone.resolve_code(url_indicator, indicator_codes, what="indicator")

# A link (first load, or a link followed within the session) sets the widgets; after
# that the widgets drive the link. Without a link the zone is the user's choice in this
# session, else the role's own zone (a care council lands on its zone).
new_link = st.session_state.get(SYNCED_KEY) != (url_zone, url_indicator)
if new_link and url_indicator is not None:
    st.session_state[INDICATOR_KEY] = indicator_choice.code or default_indicator
ui.role_default(ZONE_KEY, "zone", list(options), link=zone_choice.code if new_link else None)
if st.session_state.get(INDICATOR_KEY) not in indicator_codes:
    st.session_state[INDICATOR_KEY] = default_indicator

messages = st.container()
zone_col, indicator_col = st.columns([2, 3])
zone_code = zone_col.selectbox(
    "Eerstelijnszone",
    list(options),
    index=None,
    format_func=options.__getitem__,
    placeholder="Kies een eerstelijnszone",
    key=ZONE_KEY,
    persist_state="session",
)
indicator_code = str(
    indicator_col.selectbox(
        "Indicator voor de kaart, de vergelijking met andere zones en de trend",
        indicator_codes,
        format_func=indicator_labels.__getitem__,
        key=INDICATOR_KEY,
        persist_state="session",
    )
)

if zone_choice.message:
    messages.error(zone_choice.message, icon=":material/location_off:")
if indicator_choice.message:
    messages.warning(indicator_choice.message, icon=":material/help:")

# The link names exactly the view (other query parameters are left alone).
if zone_code is None:
    if zone.ZONE_PARAM in st.query_params:
        del st.query_params[zone.ZONE_PARAM]
elif url_zone != zone_code:
    st.query_params[zone.ZONE_PARAM] = zone_code
if url_indicator != indicator_code:
    st.query_params[zone.INDICATOR_PARAM] = indicator_code
st.session_state[SYNCED_KEY] = (zone_code, indicator_code)

if zone_code is None:
    st.info(
        "Kies hierboven uw eerstelijnszone. U kunt ook een link delen die de zone al noemt, "
        "bijvoorbeeld `?zone=elz13`.",
        icon=":material/arrow_upward:",
    )
    ui.footer(marts)
    st.stop()

# --- the zone ---------------------------------------------------------------------------
code: str = zone_code
key = _build_key(marts)
adjusted = st.toggle(
    compare_flanders.ADJUSTED_SWITCH_LABEL,
    value=True,
    help=compare_flanders.ADJUSTED_SWITCH_HELP,
    key="zone_profile_adjusted",
)
profile = _profile(marts, key, ui.current_role().key, code, adjusted)
tables = profile.tables
at_a_glance = profile.summary
zone_name = profile.zone_name
zone_title = f"{zone_name} ({code})"
names = dict(
    marts.areas.filter(pl.col("level") == "zone").select("area_code", "area_name").iter_rows()
)
notes = [
    f"Zoneprofiel {zone_title}",
    f"Gegevens: {store.vintage_text(marts)}",
    f"Grenzen {store.boundary_version(marts)}: {zone_tables.BOUNDARY_NOTE}",
    f"Bronvermelding: {store.attribution_text(marts)}",
    *([labels.DEMO_BADGE] if store.is_demo(marts) else []),
]
antwerp = zone_tables.antwerp_note(code)
if antwerp:
    st.info(antwerp, icon=":material/info:")

meta = store.indicator_meta(marts, indicator_code)
unit = meta.get("unit")
indicator_name = str(meta.get("name_nl") or indicator_code)
decimals = labels.default_decimals(unit)

# --- 0. what stands out ------------------------------------------------------------------
md_zone_title = labels.md_text(zone_title)  # the zone's name where Markdown renders
md_indicator_name = labels.md_text(indicator_name)
st.header(f"Wat valt op in {md_zone_title}", anchor="wat-valt-op")
link_params = {zone.ZONE_PARAM: code}
if st.query_params.get(own_set.QUERY_PARAM):
    link_params[own_set.QUERY_PARAM] = str(st.query_params[own_set.QUERY_PARAM])
with st.container(border=True):
    st.markdown(
        summary.markdown(
            zone.summary_sentences(profile),
            link_params,
            link=lambda s: sections.summary_href(s, link_params),
        )
    )

# --- the section switch: only the chosen section is drawn -------------------------------
section = section_switch.choose(sections.ZONE, SECTION_KEY, messages=messages)


def _shows(part: str) -> bool:
    return sections.ZONE.shows(section, part)


# --- 1. at a glance ---------------------------------------------------------------------
# The charts' specifications and the report's tables are made on every run (the PDF and
# HTML reports use them); only the chosen section is drawn.
index_spec = zone_charts.population_index_spec(profile.trend, zone_name)
pyramid_spec = None
if profile.pyramid_year is not None:
    pyramid_spec = zone_charts.pyramid_spec(profile.pyramid, zone_name, profile.pyramid_year)
if _shows("overzicht"):
    st.header(f"{md_zone_title} in één oogopslag")
    change = at_a_glance["change_pct"]
    change_text = (
        None
        if change is None
        else f"{'+' if change >= 0 else '−'}{labels.fmt_number(abs(change), 1)} %"
        f" sinds {at_a_glance['first_year']}"
    )
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        f"Inwoners ({at_a_glance['year']})",
        labels.fmt_number(at_a_glance["population"]),
        delta=change_text,
        delta_color="off",
        border=True,
        help=f"1 januari {at_a_glance['year']}; bron: {labels.POPULATION_SOURCE}; volledige "
        "telling, geen interval",
    )
    c2.metric("Oppervlakte", f"{labels.fmt_number(at_a_glance['area_km2'])} km²", border=True)
    c3.metric("Inwoners per km²", labels.fmt_number(at_a_glance["density"]), border=True)
    c4.metric("Gemeenten", labels.fmt_number(at_a_glance["municipalities"]), border=True)

    left, right = st.columns(2)
    left.vega_lite_chart(spec=charts.shared_data(index_spec), width="stretch")
    if pyramid_spec is not None:
        right.vega_lite_chart(spec=charts.shared_data(pyramid_spec), width="stretch")
    # Drawn only once opened (a closed expander would still send its tables).
    population_box = st.expander(
        "Tabellen: inwoners per jaar en bevolkingspiramide",
        key="zone_profile_population_tables",
        on_change="rerun",
    )
    if population_box.open:
        with population_box:
            _table(tables["inwoners"], code, "inwoners", notes)
            _table(tables["piramide"], code, "piramide", notes)

# --- 2. municipalities on a map ---------------------------------------------------------
munis = profile.municipalities
map_year = store.latest_year(marts, indicator_code, level="gemeente")
all_munis = store.indicator_map_values(marts, indicator_code, map_year or 0, level="gemeente")
muni_values = all_munis.filter(pl.col("area_code").is_in(munis["area_code"].implode()))
map_pdf_spec = None
breaks: list[float] = []
zone_geo: dict[str, Any] = {}
if map_year is not None:
    breaks = maps.class_breaks(
        all_munis.filter(~pl.col("suppressed"))["value"], n=MAP_CLASSES, decimals=decimals
    )
    zone_geo = zone_model.select_features(ui.load_geojson("gemeente"), munis["area_code"].to_list())
    legend = maps.legend_items(breaks, unit=unit)
    map_pdf_spec = pdf_report.map_spec(
        zone_geo["features"],
        classes=pdf_report.indicator_classes(muni_values, breaks, legend),
        legend=legend,
        legend_title=f"{indicator_name} ({map_year})",
        title=f"Gemeenten van {zone_name}: {indicator_name} ({map_year})",
    )
muni_table = zone_tables.municipality_display(
    munis, muni_values, unit=unit, indicator_name=indicator_name
)
if _shows("gemeenten"):
    st.subheader("Gemeenten van de zone")
    if map_year is None:
        st.info(f"Geen gemeentelijke waarden voor {md_indicator_name}.")
    else:
        deck = zone_charts.municipality_map(
            zone_geo,
            muni_values,
            breaks=breaks,
            unit=unit,
            denominator_label=meta.get("denominator_label"),
            year=map_year,
            decimals=decimals,
        )
        map_col, legend_col = st.columns([4, 1])
        map_col.pydeck_chart(
            deck, height=460, alt=f"Kaart van de gemeenten van {zone_title}: {indicator_name}"
        )
        legend_col.html(
            maps.legend_html(
                maps.legend_items(breaks, unit=unit), title=f"{indicator_name} ({map_year})"
            )
        )
        st.caption(
            f"Kleur: {md_indicator_name}, {map_year}, per gemeente (woonplaats). "
            f"Klassengrenzen: {maps.BREAK_METHOD_TEXT['quantile']}, berekend over alle Vlaamse "
            "gemeenten, zodat een kleur in elke zone hetzelfde betekent. Grijs: onderdrukt of "
            f"geen gegevens. Gemeenten op de grenzen van {store.boundary_version(marts)}. Bron: "
            f"{labels.md_text(meta.get('source') or 'onbekend')}."
        )
    _table(muni_table, code, "gemeenten", notes)

# --- 3. spine chart ---------------------------------------------------------------------
spine = profile.spine
spine_parts = [
    (labels.label("aim_domain", domain), spine.filter(pl.col("aim_domain") == domain))
    for domain in zone_model.domains_present(spine)
]
spine_specs = [zone_charts.spine_spec(part, domain_label) for domain_label, part in spine_parts]
if _shows("indicatoren"):
    st.header("Indicatoren: de zone tegenover Vlaanderen", anchor=summary.ANCHOR_INDICATORS)
    st.caption(zone_tables.SIGNIFICANCE_METHOD)
    if not adjusted:
        st.warning(compare_flanders.UNADJUSTED_NOTE, icon=":material/warning:")
    for (domain_label, part), spine_spec in zip(spine_parts, spine_specs, strict=True):
        st.vega_lite_chart(spec=charts.shared_data(spine_spec), width="stretch")
        with st.expander(f"Definities: {domain_label} ({part.height} indicatoren)"):
            st.markdown(zone_tables.definitions_markdown(part, ui.md_indicators(marts)))
    st.markdown(zone_tables.comparison_legend_markdown(adjusted=adjusted))
    with st.expander(
        "Tabel: alle indicatoren met interval, Vlaanderen en spreiding", expanded=True
    ):
        _table(tables["indicatoren"], code, "indicatoren", notes)

# --- 4. peers ---------------------------------------------------------------------------
# The council's own comparison set (kept in the link as ?vergelijk=elz3,elz17): read from
# the link on every section (the comparison chart of the report uses it), chosen with a
# widget on the comparison section.
set_options = [c for c in options if c != code]
url_set = st.query_params.get(own_set.QUERY_PARAM)
if st.session_state.get(COMPARE_SYNCED_KEY) != url_set or COMPARE_KEY not in st.session_state:
    linked_set, set_problems = own_set.parse_param(url_set, options, own=code)
    st.session_state[COMPARE_KEY] = linked_set
    for problem in set_problems:
        messages.warning(labels.md_text(problem), icon=":material/link_off:")
st.session_state[COMPARE_KEY] = [
    c for c in st.session_state.get(COMPARE_KEY, []) if c in set_options
]
show_peers = _shows("vergelijking")
if show_peers:
    st.header("Vergelijkbare zones en buurzones", anchor=summary.ANCHOR_PEERS)
    st.markdown(peers_display.method_text())
    _table(tables["vergelijkbare_zones"], code, "vergelijkbare_zones", notes)
    st.markdown(
        "**Buurzones** (zones die een grens delen met deze zone, berekend uit de zonegrenzen): "
        + (
            ", ".join(labels.md_text(f"{names.get(c, c)} ({c})") for c in profile.neighbours)
            or "geen"
        )
    )
    chosen: list[str] = st.multiselect(
        "Uw eigen vergelijkingsset",
        set_options,
        format_func=options.__getitem__,
        key=COMPARE_KEY,
        max_selections=own_set.MAX_ZONES,
        placeholder="Kies zones om mee te vergelijken",
        help="Naast de vergelijkbare zones en buurzones die de app kiest, kiest u hier zelf "
        "zones (bijvoorbeeld zones met een gelijkaardig beleid). De link bewaart de keuze.",
    )
else:
    chosen = list(st.session_state[COMPARE_KEY])
set_param = own_set.format_param(chosen)
if set_param:
    if url_set != set_param:
        st.query_params[own_set.QUERY_PARAM] = set_param
elif own_set.QUERY_PARAM in st.query_params:
    del st.query_params[own_set.QUERY_PARAM]
st.session_state[COMPARE_SYNCED_KEY] = set_param or None

compare_year = store.latest_year(marts, indicator_code, level="zone")
compare_spec = None
if compare_year is not None:
    compare_values = store.indicator_map_values(
        marts, indicator_code, compare_year, level="zone"
    ).filter(pl.col("area_code").is_in([*profile.compare_codes, *chosen]))
    flemish = store.flanders_value(marts, indicator_code, compare_year)
    roles = {
        **dict.fromkeys(profile.neighbours, "buurzone"),
        **dict.fromkeys(profile.peer_codes, "vergelijkbare zone"),
        **dict.fromkeys(chosen, "eigen keuze"),
        code: "deze zone",
    }
    compare_spec = zone_charts.interval_spec(
        compare_values,
        flanders_value=None if flemish is None else flemish["value"],
        unit=unit,
        indicator_name=f"{indicator_name} ({compare_year}): deze zone, vergelijkbare "
        f"zones{', buurzones en uw vergelijkingsset' if chosen else ' en buurzones'}",
        highlight=code,
        roles=roles,
    )
if show_peers:
    own = _own_set(marts, key, code, tuple(chosen), tuple(profile.peer_codes))
    if compare_spec is not None:
        st.vega_lite_chart(spec=charts.shared_data(compare_spec), width="stretch")
    similar_tab, neighbour_tab, own_tab = st.tabs(
        ["Naast vergelijkbare zones", "Naast buurzones", "Naast uw vergelijkingsset"]
    )
    with similar_tab:
        _table(tables["naast_vergelijkbare_zones"], code, "naast_vergelijkbare_zones", notes)
    with neighbour_tab:
        _table(tables["naast_buurzones"], code, "naast_buurzones", notes)
    with own_tab:
        if chosen:
            own_table = zone_tables.side_by_side(
                own["snapshot"], zone_order=[code, *chosen], zone_names=names
            )
            _table(own_table, code, "naast_eigen_set", notes)
        else:
            st.info("Kies hierboven zones voor uw eigen vergelijkingsset.", icon=":material/tune:")
    st.caption(zone_tables.comparison_legend_markdown(adjusted=adjusted))

    st.subheader("Winst als de zone de beste van de set haalde")
    st.markdown(own_set.method_text())
    gain_sets = {own_set.OWN_SET: own["own"]} if chosen else {}
    gain_sets[own_set.SIMILAR_SET] = own["similar"]
    gain_table = own_set.gain_display(gain_sets, marts.indicators, names)
    if gain_table.height:
        _table(gain_table, code, "winst_beste_zone", notes)
    else:
        st.info("Geen indicator met een richting heeft cijfers voor deze zone en de set.")


# --- 5. GP capacity ---------------------------------------------------------------------
def _capacity() -> None:
    st.header("Huisartsencapaciteit", anchor=summary.ANCHOR_CAPACITY)
    st.caption(
        "Enkel cijfers voor de zone en haar gemeenten. Het detail per praktijk hoort bij de "
        "weergave van de huisartsenkring."
    )
    cap_rows: dict[str, dict[str, Any]] = {
        r["indicator_code"]: r for r in profile.capacity.iter_rows(named=True)
    }
    metric_codes = [c for c in zone_model.CAPACITY_CARDS if c in cap_rows]
    for start in range(0, len(metric_codes), 4):
        for column, indicator in zip(st.columns(4), metric_codes[start : start + 4], strict=False):
            r = cap_rows[indicator]
            texts = labels.value_texts(
                value=r["value"],
                ci_low=r["ci_low"],
                ci_high=r["ci_high"],
                denominator=r["denominator"],
                suppressed=r["suppressed"],
                reason=r["suppression_reason"],
                unit=r["unit"],
                denominator_label=r["denominator_label"],
                year=r["year"],
                interval_method=r["interval_method"],
            )
            with column:
                _card(
                    str(r["name_nl"]),
                    texts["value_text"],
                    [
                        f"Vlaanderen: {labels.fmt_value(r['flanders_value'], r['unit'])}",
                        zone_tables.comparison_mark(r["position"])
                        + " "
                        + zone_tables.comparison_label(r["comparison"], r["comparison_level"]),
                        compare_flanders.method_text(
                            r["comparison_method"], r["comparison_phi"], adjusted=adjusted
                        ),
                        texts["interval_text"],
                        texts["denominator_text"],
                        texts["year_text"],
                    ],
                )
    gmd = cap_rows.get(GMD_COVERAGE)
    attrib = cap_rows.get(zone_model.ATTRIB_PER_FTE)
    count_col1, count_col2 = st.columns(2)
    if gmd is not None:
        with count_col1:
            _card(
                "Inwoners met een GMD (naar woonplaats)",
                zone_tables.value_text(
                    gmd["numerator"], gmd["suppressed"], gmd["suppression_reason"], None
                ),
                [
                    f"van {labels.fmt_number(gmd['denominator'])} rechthebbenden",
                    f"jaar {gmd['year']}",
                ],
            )
    if attrib is not None:
        with count_col2:
            _card(
                "Toegewezen patiënten (naar plaats van de praktijk)",
                zone_tables.value_text(
                    attrib["numerator"], attrib["suppressed"], attrib["suppression_reason"], None
                ),
                ["bij actieve huisartsen met hun praktijk in de zone", f"jaar {attrib['year']}"],
            )
    st.subheader("Capaciteitsindicatoren")
    _table(tables["capaciteit"], code, "capaciteit", notes)

    st.subheader("Huisartsarme gebieden: de zone en haar gemeenten", anchor=summary.ANCHOR_GP_POOR)
    st.caption(zone_tables.gp_poor_note(profile.gp_poor))
    _table(tables["huisartsarm"], code, "huisartsarm", notes)

    st.subheader("Praktijken naar vorm, betalingssysteem en patiëntenstop")
    _table(tables["praktijken"], code, "praktijken", notes)
    st.caption(
        "Aantallen praktijken (praktijkkenmerken, geen persoonsgegevens): alle praktijken in "
        "het IMA-bestand van dat jaar. Betalingssysteem uit het IMA-bestand; praktijkvorm en "
        "patiëntenstop uit de bevraging van Departement Zorg (praktijken die niet antwoordden "
        "staan apart). De indicatoren hierboven tellen enkel actieve praktijken (of enkel de "
        "antwoordende), en kunnen daardoor licht afwijken."
    )
    if access.can_see_zone_detail(ui.current_role(), code):
        counts = ui.practice_counts(marts, code)
        if counts is not None:
            with st.expander("Praktijken per gemeente (voor de zorgraad van deze zone)"):
                _table(
                    zone_tables.practice_counts_display(counts),
                    code,
                    "praktijken_per_gemeente",
                    notes,
                )
    else:
        st.caption(
            "Praktijken per gemeente: voorbehouden aan de zorgraad van deze zone en aan "
            "Departement Zorg."
        )


# --- 5b. who is not reached -------------------------------------------------------------
def _not_reached() -> None:
    st.subheader("Wie bereiken we niet?")
    reach = _reach(marts, key, code)
    reach_names = {
        **names,
        **dict(munis.select("area_code", "area_name").iter_rows()),
    }
    reach_cols = st.columns(2)
    for column, r in zip(reach_cols, zone_reach.zone_cards(reach), strict=False):
        shown = r["status"] == "getoond"
        with column:
            _card(
                f"Inwoners {zone_reach.WHAT_LABELS[str(r['what'])].lower()}",
                zone_reach.count_text(r),
                [
                    f"{labels.fmt_number(r['share'], 1)} % van de inwoners" if shown else "",
                    labels.fmt_interval(r["ci_low"], r["ci_high"], "%") if shown else "",
                    f"noemer: {labels.fmt_number(r['denominator'])} rechthebbenden"
                    if r["denominator"] is not None
                    else "",
                    f"jaar {r['year']}" if r["year"] is not None else "",
                ],
            )
    st.caption(zone_reach.NOTE)
    with st.expander("Tabel: wie we niet bereiken, per gemeente"):
        _table(zone_reach.reach_display(reach, reach_names), code, "niet_bereikt", notes)


# --- 5c. age and sex --------------------------------------------------------------------
def _target_groups() -> None:
    st.header("Voor welke doelgroepen kan de dekking stijgen?")
    breakdown_options = zone_breakdown.breakdown_codes(marts.breakdowns, code)
    if not breakdown_options:
        st.info(
            "Deze gegevens hebben geen uitsplitsing naar leeftijd en geslacht (bouw de "
            "gegevens opnieuw met deze versie).",
            icon=":material/info:",
        )
        return
    atlas_names = dict(catalogue.select("indicator_code", "name_nl").iter_rows())
    breakdown_code = st.selectbox(
        "Atlas-indicator naar leeftijd, geslacht en verhoogde tegemoetkoming",
        breakdown_options,
        index=breakdown_options.index(indicator_code) if indicator_code in breakdown_options else 0,
        format_func=lambda c: str(atlas_names.get(c) or c),
        key="zone_breakdown_indicator",
    )
    b_meta = catalogue.filter(pl.col("indicator_code") == breakdown_code).row(0, named=True)
    b_unit = b_meta.get("unit")
    b_name = str(b_meta.get("name_nl") or breakdown_code)
    b_year = zone_breakdown.latest_breakdown_year(marts.breakdowns, breakdown_code)
    if b_year is None:
        return
    ages = zone_breakdown.age_frame(marts.breakdowns, breakdown_code, code, b_year)
    sexes = zone_breakdown.sex_frame(marts.breakdowns, breakdown_code, code, b_year)
    st.vega_lite_chart(
        spec=zone_breakdown.breakdown_spec(
            ages,
            title=f"{b_name} ({b_year}) naar leeftijd: deze zone en Vlaanderen",
            unit=b_unit,
            axis_title="Leeftijd",
        ),
        width="stretch",
    )
    st.vega_lite_chart(
        spec=zone_breakdown.breakdown_spec(
            sexes,
            title=f"{b_name} ({b_year}) naar geslacht: deze zone en Vlaanderen",
            unit=b_unit,
            axis_title="Geslacht",
        ),
        width="stretch",
    )
    st.caption(
        f"{zone_breakdown.HIDDEN_NOTE} Balken met 95%-betrouwbaarheidsinterval; de noemer "
        f"staat in de tooltip. Bron: {labels.md_text(b_meta.get('source') or 'IMA-AIM Atlas')}"
        f", {b_year}."
    )
    bim = zone_breakdown.bim_frame(marts.breakdowns, breakdown_code, code, b_year)
    if bim.height:
        st.subheader("Met en zonder verhoogde tegemoetkoming (VT/BIM)")
        st.vega_lite_chart(
            spec=zone_breakdown.breakdown_spec(
                bim,
                title=f"{b_name} ({b_year}) met en zonder verhoogde tegemoetkoming",
                unit=b_unit,
                axis_title="Verhoogde tegemoetkoming",
            ),
            width="stretch",
        )
        st.dataframe(
            zone_breakdown.bim_table(bim, b_unit, b_year), hide_index=True, width="stretch"
        )
        b_method = labels.label("interval_method", b_meta.get("interval_method"))
        st.caption(
            f"{zone_breakdown.BIM_NOTE} {labels.md_text(b_method)}. "
            f"Bron: {labels.md_text(b_meta.get('source') or 'IMA-AIM Atlas')}, {b_year}."
        )
    st.subheader("Ruw en leeftijdsgestandaardiseerd")
    st.dataframe(
        zone_breakdown.standardised_table(
            marts.standardised, marts.comparisons, breakdown_code, code, b_year, b_unit
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(zone_breakdown.STANDARDISED_NOTE)


if _shows("huisartsen"):
    _capacity()
    _not_reached()
if _shows("doelgroepen"):
    _target_groups()

# --- 6. trends --------------------------------------------------------------------------
series = zone_model.trend_series(
    _shared(marts, key)["values"], indicator_code, code, profile.peer_codes, names
)
trend_spec = zone_charts.trend_spec(series, unit=unit, indicator_name=indicator_name)
trend_table = zone_tables.trend_display(series, unit=unit)
if _shows("trends"):
    st.header("Trends", anchor=summary.ANCHOR_TRENDS)
    st.markdown(zone_tables.trend_sentence(profile.spine, indicator_code, indicator_name))
    st.caption(compare_flanders.TREND_METHOD)
    # On screen only, for a role that may read the log: the council's actions on this
    # indicator (the PDF report keeps the plain trend).
    trend_chart = {
        **trend_spec,
        "layer": trend_spec["layer"]
        + pdca_panel.trend_layers(
            code, indicator_code, sorted({int(y) for y in series["year"].to_list()})
        ),
    }
    st.vega_lite_chart(spec=charts.shared_data(trend_chart), width="stretch")
    st.caption(
        f"Zonegrenzen: {zone_tables.BOUNDARY_NOTE}. Er is dus geen grensbreuk binnen de reeks: "
        "oudere jaren zijn omgerekend naar de grenzen van 2025."
    )
    with st.expander("Tabel: trend per jaar"):
        _table(trend_table, code, "trend", notes)
    with st.expander(f"Definitie: {md_indicator_name}"):
        st.markdown(ui.definition_markdown(meta))

# --- 7. actions and follow-up (PDCA) ------------------------------------------------------
pdca_panel.render(marts, _shared(marts, key)["values"], code, zone_title, notes)

# --- 8. report --------------------------------------------------------------------------
st.header("Zonerapport")
st.caption(
    "De omgevingsanalyse als PDF: wat opvalt, de kaart van de gemeenten, de grafieken en "
    "tabellen van deze pagina (met de gekozen indicator), de definities, de bronnen en de "
    "jaargang, en het demolabel op elke bladzijde. Het PDF wordt gemaakt wanneer u op de knop "
    "klikt (enkele seconden). Het HTML-bestand bevat dezelfde tabellen zonder grafieken."
)


def _report() -> bytes:
    sections = zone.report_sections(
        profile,
        municipality_table=muni_table,
        trend_table=trend_table,
        indicator_name=indicator_name,
    )
    return report.zone_report_html(
        zone_code=code,
        zone_name=zone_name,
        sections=sections,
        demo=store.is_demo(marts),
        vintage=store.vintage_text(marts),
        attribution=store.attribution_text(marts),
        boundary_version=store.boundary_version(marts),
        built_at=store.built_at_text(marts),
        notes=[n for n in (antwerp,) if n],
    ).encode("utf-8")


def _pdf() -> bytes:
    figures = zone.PdfFigures(
        population_index=index_spec,
        pyramid=pyramid_spec,
        municipality_map=map_pdf_spec,
        spines=spine_specs,
        comparison=compare_spec,
        trend=trend_spec,
    )
    meta = pdf_report.Meta(
        title=f"Omgevingsanalyse {zone_title}",
        subtitle="Zoneprofiel van een eerstelijnszone: wie woont er, welke noden, welk "
        "huisartsenaanbod, waar zitten de tekorten, hoe verhoudt de zone zich tot Vlaanderen "
        "en tot vergelijkbare zones.",
        demo=store.is_demo(marts),
        vintage=store.vintage_text(marts),
        boundary_version=store.boundary_version(marts),
        built_at=store.built_at_text(marts),
        attribution=store.attribution_text(marts),
        notes=[n for n in (antwerp,) if n],
    )
    return zone.zone_pdf(
        profile,
        figures=figures,
        municipality_table=muni_table,
        trend_table=trend_table,
        indicator_name=indicator_name,
        indicators=marts.indicators,
        meta=meta,
        extra_sections=[
            s
            for s in (
                pdca_panel.pdf_section(marts, _shared(marts, key)["values"], code, zone_title),
            )
            if s is not None
        ],
    )


pdf_col, html_col = st.columns(2)
pdf_button.render(
    pdf_col,
    "Omgevingsanalyse (PDF)",
    _pdf,
    file_name=pdf_report.file_name("zone", code),
    key="zone_report_pdf",
)
html_col.download_button(
    "Zonerapport (HTML, afdrukbaar)",
    data=_report,
    file_name=report.report_file_name(code),
    mime="text/html",
    icon=":material/print:",
    key="zone_report",
    on_click="ignore",
)

ui.footer(marts)
