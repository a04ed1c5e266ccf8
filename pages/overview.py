"""Overzicht Vlaanderen: headline figures, a zone map and chart for a chosen indicator.

Layout only; the figures come from `popmgmt.app.store`, the map from `popmgmt.views.maps`, the
chart from `popmgmt.views.charts`.
"""

import streamlit as st

from popmgmt.app import store, ui
from popmgmt.metrics.indicators import GMD_COVERAGE
from popmgmt.pipeline.codes import ANTWERP_ZONE
from popmgmt.views import charts, labels, maps

N_CLASSES = 5
BREAK_METHOD: maps.BreakMethod = "quantile"

marts = ui.page_start()  # data check and demo label, on every page

st.title("Overzicht Vlaanderen")
st.caption(
    "De eerstelijnszones van Vlaanderen in één beeld: kerncijfers voor heel Vlaanderen en "
    "een kaart van de zones voor een indicator naar keuze."
)

# --- headline figures -------------------------------------------------------------------
st.subheader("Kerncijfers Vlaanderen")
headline = store.headline_figures(marts)
for column, row in zip(st.columns(headline.height), headline.iter_rows(named=True), strict=True):
    with column:
        ui.figure_metric(row)

# --- indicator choice -------------------------------------------------------------------
st.subheader("Eerstelijnszones")
catalogue = store.indicator_catalogue(marts, level="zone")
if catalogue.height == 0:
    st.info("Er zijn geen indicatoren met waarden op zoneniveau in deze gegevens.")
    ui.footer(marts)
    st.stop()

codes = catalogue["indicator_code"].to_list()
option_labels = {
    row["indicator_code"]: store.indicator_option_label(row)
    for row in catalogue.iter_rows(named=True)
}
pick_col, year_col = st.columns([3, 1])
code = pick_col.selectbox(
    "Indicator (per thema)",
    codes,
    index=codes.index(GMD_COVERAGE) if GMD_COVERAGE in codes else 0,
    format_func=option_labels.__getitem__,
    key="overview_indicator",
)
years = store.available_years(marts, code, level="zone")
year = year_col.selectbox("Jaar", years, index=0, key=f"overview_year_{code}")

meta = store.indicator_meta(marts, code)
unit = meta.get("unit")
name = str(meta.get("name_nl") or code)
values = store.indicator_map_values(marts, code, year, level="zone")
flemish = store.flanders_value(marts, code, year)
flemish_value = None if flemish is None else flemish["value"]

summary = ui.flanders_summary(marts, code, year)
if summary:
    st.markdown(summary)

# --- map --------------------------------------------------------------------------------
decimals = labels.default_decimals(unit)
breaks = maps.class_breaks(values["value"], n=N_CLASSES, method=BREAK_METHOD, decimals=decimals)
deck = maps.fast_choropleth(
    ui.load_geometry("zone"),
    values,
    breaks=breaks,
    unit=unit,
    denominator_label=meta.get("denominator_label"),
    year=year,
    decimals=decimals,
    layer_id="zones",
)
map_col, legend_col = st.columns([4, 1])
with map_col:
    st.pydeck_chart(deck, height=560, alt=f"Kaart van de eerstelijnszones: {name}, {year}")
with legend_col:
    st.html(maps.legend_html(maps.legend_items(breaks, unit=unit), title=f"{name} ({year})"))
bv = store.boundary_version(marts)
st.caption(
    f"Klassengrenzen: {maps.BREAK_METHOD_TEXT[BREAK_METHOD]}, {len(breaks) - 1} klassen, "
    f"berekend over de zones met een getoonde waarde in {year}. Grijs: onderdrukt of geen "
    f"gegevens. Zonegrenzen: grenzen {bv} (oudere jaren omgezet naar de grenzen van {bv}). "
    f"{labels.ANTWERP_NOTE.replace('elz2', ANTWERP_ZONE)}"
)

# --- chart and table --------------------------------------------------------------------
st.altair_chart(
    charts.zone_interval_chart(
        values,
        flanders_value=flemish_value,
        unit=unit,
        indicator_name=name,
        denominator_label=meta.get("denominator_label"),
        decimals=decimals,
    ),
    width="stretch",
)
with st.expander("Tabel: alle zones met teller, noemer en interval"):
    st.dataframe(store.display_table(values, unit=unit), hide_index=True, width="stretch")

# --- definition -------------------------------------------------------------------------
with st.expander(f"Definitie: {labels.md_text(name)}"):
    st.markdown(ui.definition_markdown(meta))

ui.footer(marts)
