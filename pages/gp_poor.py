"""Huisartsarme gebieden (Departement Zorg): the Impulseo priority-zone rule on a map and in
a table, with the margin to the threshold, and the number of GP-poor areas over time.

Layout only; the rule and its application live in `popmgmt.metrics.gppoor`. A link restores the
view through the query parameters `level` (gemeente, zone) and `year`.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from popmgmt.app import annotations as ann
from popmgmt.app import store, ui
from popmgmt.metrics import gppoor
from popmgmt.metrics.indicators import GP_PER_10K
from popmgmt.views import gppoor_display, labels, maps, monitor

LEVELS = {"gemeente": "Gemeenten", "zone": "Eerstelijnszones"}
LEVEL_WORDS = {"gemeente": "gemeenten", "zone": "zones"}

marts = ui.page_start()  # data check and demo label, on every page
build_key = (str(marts.folder), str(marts.manifest.get("built_at")))
bv = store.boundary_version(marts)


@st.cache_resource(max_entries=8, show_spinner=False)
def _assessed(
    key: tuple[str, str], level: str, basis: gppoor.Basis, _marts: store.Marts
) -> pl.DataFrame:
    """Every area and year of `level`, with the rule applied (computed once per build)."""
    del key
    wanted = [GP_PER_10K, gppoor.GP_65PLUS_INDICATOR, gppoor.UNDER65_INDICATOR]
    values = _marts.values.filter(pl.col("indicator_code").is_in(wanted))
    inputs = gppoor.gp_poor_inputs(
        values, _marts.areas, _marts.population, level=level, basis=basis
    )
    return gppoor.assess(inputs)


@st.cache_resource(max_entries=4, show_spinner=False)
def _geometry(key: tuple[str, str], level: str, _geojson: dict[str, Any]) -> dict[str, str]:
    del key
    return maps.display_geometry(_geojson)


# --- query parameters ----------------------------------------------------------------------

link_problems: list[str] = []
first_run = "gp_poor_seen" not in st.session_state
st.session_state["gp_poor_seen"] = True

raw_level = st.query_params.get("level")
p_level = raw_level if raw_level in LEVELS else "gemeente"
if raw_level not in (None, "", *LEVELS) and first_run:
    link_problems.append(f"onbekend niveau '{labels.md_text(raw_level)}'")

# --- page ----------------------------------------------------------------------------------

st.title("Huisartsarme gebieden")
st.caption(
    "Waar is de huisartsencapaciteit het krapst? Gemeenten en zones volgens de Vlaamse regel "
    "voor prioritaire zones (Impulseo), met de afstand tot de drempel en het verloop door de "
    f"jaren. Alle jaren op de grenzen van {bv} (oudere jaren omgezet naar de grenzen van {bv})."
)
link_slot = st.empty()
st.markdown(gppoor_display.RULE_TEXT)

if not store.available_years(marts, GP_PER_10K, level="gemeente"):
    st.info("Deze gegevens bevatten geen aantallen huisartsen per gemeente.")
    ui.footer(marts)
    st.stop()

left, right = st.columns([2, 1])
level_list = list(LEVELS)
level = left.radio(
    "Niveau",
    level_list,
    index=level_list.index(p_level),
    format_func=LEVELS.__getitem__,
    horizontal=True,
    key="gp_poor_level",
)
assessed_all = _assessed(build_key, level, "best", marts)
years = sorted({int(y) for y in assessed_all["year"].unique().to_list()}, reverse=True)
raw_year = st.query_params.get("year")
p_year = years[0]
if raw_year not in (None, ""):
    try:
        p_year = years[years.index(int(str(raw_year)))]
    except ValueError:
        if first_run:
            link_problems.append(f"jaar '{labels.md_text(raw_year)}' niet beschikbaar")
year = right.selectbox("Jaar", years, index=years.index(p_year), key="gp_poor_year")
words = LEVEL_WORDS[level]

assessed = assessed_all.filter(pl.col("year") == year)
methods = assessed["method"].unique().to_list()
note = gppoor_display.method_note(methods)
if set(methods) == {"gemeten"}:
    st.info(f"**Telling in {year}.** {note}", icon=":material/info:")
else:
    st.warning(
        f"**Benadering in {year}.** De gegevens bevatten (nog) geen aantal huisartsen jonger "
        f"dan 65 per gebied; de regel telt die wel. Daarom: {note} Zodra de build de "
        f"indicator `{gppoor.UNDER65_INDICATOR}` levert, gebruikt deze pagina die vanzelf.",
        icon=":material/info:",
    )

if "gemeten" in methods:
    meta: dict[str, Any] | None
    try:
        meta = store.indicator_meta(marts, gppoor.UNDER65_INDICATOR)
    except KeyError:
        meta = None
    if meta is not None:
        with st.expander(
            f"Definitie: {labels.md_text(meta.get('name_nl') or gppoor.UNDER65_INDICATOR)}"
        ):
            st.markdown(ui.definition_markdown(meta))

poor = assessed.filter(pl.col("status").is_in(list(gppoor.POOR_STATUSES)))
undetermined = assessed.filter(pl.col("status") == "niet_te_bepalen").height
pop_total = float(assessed["population"].sum() or 0.0)
pop_poor = float(poor["population"].sum() or 0.0)
share = pop_poor / pop_total * 100 if pop_total else None
m1, m2, m3 = st.columns(3)
m1.metric(
    f"Huisartsarm, {year}",
    f"{poor.height} van {assessed.height}",
    border=True,
    help=f"Huisartsarme {words}; waarvan "
    f"{poor.filter(pl.col('status') == 'huisartsarm_onderdrukt').height} met een onderdrukt "
    "aantal huisartsen (< 5) dat zeker onder de drempel blijft.",
)
m2.metric(
    "Inwoners daar",
    f"{labels.fmt_number(share, 1)} %",
    border=True,
    help=f"{labels.fmt_number(pop_poor)} van de {labels.fmt_number(pop_total)} inwoners op "
    f"1 januari {year} wonen in een huisartsarm gebied.",
)
m3.metric(
    "Niet te bepalen",
    str(undetermined),
    border=True,
    help="Aantal huisartsen onderdrukt (kleine aantallen of afleidbaar) en niet zeker onder de "
    "drempel.",
)
st.caption(
    f"{poor.height} van de {assessed.height} {words} zijn huisartsarm; daar wonen "
    f"{labels.fmt_number(pop_poor)} van de {labels.fmt_number(pop_total)} inwoners "
    f"({labels.fmt_number(share, 1)} %). {undetermined} {words} zijn niet te bepalen."
)
st.caption(
    "De regel duidt het grootste deel van Vlaanderen aan. Kijk daarom vooral naar de **marge** "
    "tot de drempel: hoeveel huisartsen per 100.000 inwoners (en hoeveel huisartsen in totaal) "
    "een gebied onder of boven de drempel zit."
)

# --- map ----------------------------------------------------------------------------------

properties = gppoor_display.map_properties(assessed)
deck = maps.prebuilt_deck(
    _geometry(build_key, level, ui.load_geojson(level)),
    properties,
    tooltip_html=gppoor_display.MAP_TOOLTIP_HTML,
    layer_id=f"gp_poor_{level}",
)
map_col, legend_col = st.columns([4, 1])
with map_col:
    st.pydeck_chart(deck, height=560, alt=f"Kaart van de huisartsarme {words}, {year}")
with legend_col:
    present = {str(p["margin_class"]) for p in properties.values()}
    st.html(
        maps.legend_html(
            gppoor_display.legend_items(present),
            title=f"Marge tot de drempel, huisartsen < 65 per 100.000 ({year})",
        )
    )
st.caption(
    "Vaste klassen (elk jaar dezelfde): marge van −40, −20, 0 en +20 huisartsen jonger dan 65 "
    f"per 100.000 inwoners tegenover de drempel van het gebied (90, of 120 bij minder dan 125 "
    f"inwoners per km²). Grenzen {bv}."
)

# --- table --------------------------------------------------------------------------------

st.subheader(f"Tabel: alle {words}, {year}")
zone_names = {
    row["area_code"]: row["area_name"]
    for row in marts.areas.filter(pl.col("level") == "zone").iter_rows(named=True)
}
frame = gppoor_display.display_table(assessed, zone_names=zone_names)
if level == "zone":
    frame = frame.drop("Zone")
st.dataframe(frame, hide_index=True, width="stretch")
ui.download_buttons(frame, monitor.file_stem("huisartsarm", level, year), "gp_poor_table")

# --- trend --------------------------------------------------------------------------------

st.subheader(f"Aantal huisartsarme {words} door de jaren")
trends = {
    "best": gppoor.gp_poor_trend(assessed_all),
    "all_ages": gppoor.gp_poor_trend(_assessed(build_key, level, "all_ages", marts)),
}
try:
    shown = ann.list_annotations(ann.default_store(), GP_PER_10K, scope=ann.FLANDERS)
except ann.AnnotationStoreError as exc:
    st.warning(
        f"Beleidsmarkeringen niet leesbaar: {labels.md_text(str(exc))}", icon=":material/warning:"
    )
    shown = []
ui.vega_chart(gppoor_display.trend_chart(trends, shown, unit_label=words))
st.caption(
    "De methode verschilt tussen de jaren: enkel in de bevragingsjaren is de leeftijd van de "
    "huisartsen gekend. De grijze reeks telt elk jaar alle actieve huisartsen en is dus "
    "onderling vergelijkbaar; de rode reeks is per jaar de beste schatting. Beleidsmarkeringen "
    "(donkere stippellijnen) beheert u op de pagina 'Vlaamse monitor'."
)
trend_frame = gppoor_display.trend_table(
    {gppoor_display.BASIS_LABELS[k]: v for k, v in trends.items()}, unit_label=words
)
st.dataframe(trend_frame, hide_index=True, width="stretch")
ui.download_buttons(
    trend_frame, monitor.file_stem("huisartsarm_trend", level), "gp_poor_trend_table"
)

if link_problems:
    link_slot.warning(
        "De link bevat waarden die deze app niet kent: "
        + "; ".join(link_problems)
        + ". De standaardkeuze wordt getoond.",
        icon=":material/link_off:",
    )
state = {"level": level, "year": str(year)}
if dict(st.query_params) != state:
    st.query_params.from_dict(state)

ui.footer(marts)
