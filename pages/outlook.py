"""Capaciteit 2035: projected GPs, FTE and need-weighted supply per zone, to 2035.

Layout only. Figures come from `popmgmt.views.outlook` (scenario, table, chart) and
`popmgmt.metrics.outlook` / `metrics.projection` (the projections). The link keeps the
zone and the scenario: `zone`, `pensioen`, `instroom`, `vte`.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from popmgmt.app import store, ui
from popmgmt.metrics import outlook as ol
from popmgmt.views import labels, zone
from popmgmt.views import outlook as view

SYNCED_KEY = "outlook_synced_url"
ZONE_KEY = "outlook_zone"
RETIREMENT_KEY = "outlook_retirement"
INFLOW_KEY = "outlook_inflow"
FTE_KEY = "outlook_fte"

marts = ui.page_start(link_scope=())  # data check and demo label, on every page
build_key = f"{marts.folder}|{marts.manifest.get('built_at')}"


@st.cache_resource(max_entries=4, show_spinner=False)
def _inputs(key: str, _m: store.Marts) -> view.Inputs:
    """The small frames of the outlook, once per build."""
    del key
    return view.inputs(
        _m.values, _m.gp_age, _m.gp_inflow, _m.population, _m.outlook_population, _m.areas
    )


@st.cache_resource(max_entries=256, show_spinner=False)
def _outlook(key: str, zone_code: str, scenario: ol.Scenario) -> view.Outlook:
    return view.zone_outlook(_inputs(key, marts), zone_code, scenario)


st.title("Capaciteit 2035")
st.caption(
    "Hoeveel huisartsen heeft de zone tot 2035, tegenover haar inwoners en hun zorgnood? Een "
    "scenario vanuit de leeftijd van de huisartsen van vandaag, met een pensioenleeftijd, de "
    "instroom van nieuwe huisartsen en het aantal VTE per huisarts die u zelf kiest. De link "
    "in de adresbalk bewaart de zone en het scenario."
)

if marts.gp_age.height == 0 or marts.outlook_population.height == 0:
    st.info(
        "Deze gegevens bevatten nog geen capaciteitsvooruitzichten. Bouw de gegevens opnieuw "
        "met `python -m popmgmt build` (vanaf deze versie).",
        icon=":material/update:",
    )
    ui.footer(marts)
    st.stop()

try:
    data = _inputs(build_key, marts)
except ValueError as exc:
    st.error(f"De vooruitzichten kunnen niet berekend worden: {labels.md_text(exc)}")
    ui.footer(marts)
    st.stop()

options = {
    c: n
    for c, n in zone.zone_options(marts.areas).items()
    if data.values.filter(
        (pl.col("area_code") == c) & (pl.col("indicator_code") == ol.GP_COUNT)
    ).height
}
params = {k: str(st.query_params[k]) for k in view.PARAMS if k in st.query_params}
choice = zone.resolve_code(params.get(view.ZONE_PARAM), options, what="zone")
messages = st.container()
if choice.message:
    messages.error(choice.message, icon=":material/location_off:")

new_link = st.session_state.get(SYNCED_KEY) != params
ui.role_default(ZONE_KEY, "zone", list(options), link=choice.code if new_link else None)
zone_code = st.selectbox(
    "Eerstelijnszone",
    list(options),
    index=None,
    format_func=options.__getitem__,
    placeholder="Kies een eerstelijnszone",
    key=ZONE_KEY,
)
if zone_code is None:
    st.info("Kies hierboven een eerstelijnszone.", icon=":material/arrow_upward:")
    for name in view.PARAMS:
        if name in st.query_params:
            del st.query_params[name]
    st.session_state[SYNCED_KEY] = {}
    ui.footer(marts)
    st.stop()

code = str(zone_code)
base, _flanders_base = view.bases(data, code)
linked, problems = view.scenario_from_params(params, base)
if new_link or st.session_state.get("outlook_zone_seen") != code:
    st.session_state[RETIREMENT_KEY] = linked.retirement_age
    st.session_state[INFLOW_KEY] = linked.inflow
    st.session_state[FTE_KEY] = linked.fte_per_gp
st.session_state["outlook_zone_seen"] = code
if new_link:
    for problem in problems:
        messages.warning(labels.md_text(problem), icon=":material/link_off:")

st.subheader("Scenario")
c1, c2, c3 = st.columns(3)
retirement = c1.slider(
    "Pensioenleeftijd (jaar)",
    min_value=ol.RETIREMENT_RANGE[0],
    max_value=ol.RETIREMENT_RANGE[1],
    step=1,
    key=RETIREMENT_KEY,
    help="De leeftijd waarop een huisarts stopt met werken.",
)
inflow = c2.number_input(
    "Nieuwe huisartsen per jaar in de zone",
    min_value=0.0,
    max_value=ol.INFLOW_MAX,
    step=0.5,
    format="%.1f",
    key=INFLOW_KEY,
    help=f"Standaard: zoals de voorbije jaren ({labels.fmt_number(base.default_inflow, 1)}).",
)
fte = c3.number_input(
    "VTE per huisarts",
    min_value=ol.FTE_RANGE[0],
    max_value=ol.FTE_RANGE[1],
    step=0.05,
    format="%.2f",
    key=FTE_KEY,
    help=f"Standaard: zoals vandaag in de zone ({labels.fmt_number(base.default_fte_per_gp, 2)}).",
)
scenario = ol.Scenario(retirement_age=int(retirement), inflow=float(inflow), fte_per_gp=float(fte))
wanted = {view.ZONE_PARAM: code, **view.scenario_params(scenario)}
for name, value in wanted.items():
    if st.query_params.get(name) != value:
        st.query_params[name] = value
st.session_state[SYNCED_KEY] = wanted

result = _outlook(build_key, code, scenario)
zone_name = options[code]
summary = view.summary(result)
names = {code: zone_name, "02000": "Vlaanderen"}

st.header(f"{labels.md_text(zone_name)} ({code}) tot {summary['last_year']}")
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    f"Huisartsen {summary['last_year']}",
    labels.fmt_number(summary["gps_last"]),
    delta=f"vandaag ({summary['base_year']}): {labels.fmt_number(summary['gps_now'])}",
    delta_color="off",
    border=True,
)
m2.metric(
    f"Huisartsen per 10.000 inwoners, {summary['last_year']}",
    labels.fmt_number(summary["per_10k_last"], 2),
    delta=f"Vlaanderen: {labels.fmt_number(summary['per_10k_flanders_last'], 2)}",
    delta_color="off",
    border=True,
)
m3.metric(
    f"VTE per 10.000 noodgewogen inwoners, {summary['last_year']}",
    labels.fmt_number(summary["need_last"], 2),
    delta=f"Vlaanderen: {labels.fmt_number(summary['need_flanders_last'], 2)}",
    delta_color="off",
    border=True,
)
m4.metric(
    f"Afstand tot de huisartsarm-drempel, {summary['last_year']}",
    f"{labels.fmt_number(summary['margin_last'], 1)} per 100.000",
    delta="huisartsen < 65 min drempel (negatief: huisartsarm)",
    delta_color="off",
    border=True,
)
st.caption(view.SCENARIO_NOTE)
st.vega_lite_chart(spec=view.chart_spec(result, zone_name), width="stretch")
st.caption(labels.md_text(view.basis_text(result)))
source = view.projection_source(result)
if source:
    st.markdown(labels.md_text(view.PROJECTION_TEXT[source]))
st.markdown(view.ASSUMPTIONS)

st.subheader("Per jaar: de zone en Vlaanderen")
frame = view.table(result, names)
st.dataframe(frame.to_arrow(), hide_index=True, width="stretch")
ui.download_buttons(
    frame,
    f"capaciteit_2035_{code}",
    "capaciteit_2035",
    sheet="capaciteit_2035",
    notes=[
        f"Capaciteit 2035, {zone_name} ({code})",
        f"Scenario: pensioen {scenario.retirement_age}, instroom "
        f"{labels.fmt_number(scenario.inflow, 1)} per jaar, "
        f"{labels.fmt_number(scenario.fte_per_gp, 2)} VTE per huisarts",
        view.SCENARIO_NOTE,
        f"Gegevens: {store.vintage_text(marts)}",
        *([labels.DEMO_BADGE] if store.is_demo(marts) else []),
    ],
)
ui.footer(marts)
