"""Indicatorencatalogus: every indicator, what is available, a search, links to the pages.

Layout only; the catalogue, the search and the texts come from `popmgmt.views.catalogue`.
Query parameter `zoek` keeps the search in the link.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from popmgmt.app import store, ui
from popmgmt.views import catalogue, labels

SEARCH_KEY = "catalogue_search"

marts = ui.page_start(link_scope=())  # data check, role and demo label; aggregates only


@st.cache_resource(max_entries=4, show_spinner=False)
def _frame(_m: store.Marts, key: str) -> pl.DataFrame:
    del key
    return catalogue.catalogue_frame(_m.indicators, _m.values)


st.title("Indicatorencatalogus")
st.caption(
    "Alle indicatoren van deze gegevens met hun volledige fiche: omschrijving, formule, "
    "eenheid, bron, opsplitsingen, Quintuple Aim-domein en interval, plus de jaren en "
    "niveaus die echt beschikbaar zijn. Zoek op code, naam, omschrijving of trefwoord "
    "(hoofdletters en accenten tellen niet) en open de indicator op de pagina's die hem tonen."
)

frame = _frame(marts, f"{marts.folder}|{marts.manifest.get('built_at')}")
if SEARCH_KEY not in st.session_state:
    st.session_state[SEARCH_KEY] = st.query_params.get(catalogue.QUERY_PARAM, "")
query = st.text_input(
    "Zoeken",
    key=SEARCH_KEY,
    placeholder="bv. huisarts, GMD, patiënt, vaccinatie",
)
if query:
    st.query_params[catalogue.QUERY_PARAM] = query
elif catalogue.QUERY_PARAM in st.query_params:
    del st.query_params[catalogue.QUERY_PARAM]

found = catalogue.search(frame, query)
st.caption(f"{found.height} van {frame.height} indicatoren.")
if found.height == 0:
    st.info(
        "Geen indicator gevonden. Probeer een ander woord of een deel van een woord.",
        icon=":material/search_off:",
    )
else:
    overview = catalogue.overview_table(found)
    st.dataframe(overview, hide_index=True, width="stretch")
    ui.download_buttons(
        catalogue.full_table(found),
        "indicatorencatalogus",
        "catalogue_download",
        sheet="Indicatoren",
        notes=[
            f"Gegevens: {store.vintage_text(marts)}",
            f"Bronvermelding: {store.attribution_text(marts)}",
            *([labels.DEMO_BADGE] if store.is_demo(marts) else []),
        ],
    )
    for row in found.iter_rows(named=True):
        with st.expander(catalogue.expander_label(row)):
            st.markdown(catalogue.detail_markdown(row))

ui.footer(marts)
