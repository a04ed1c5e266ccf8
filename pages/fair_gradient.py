"""Sociale gradiënt: any indicator across the five deprivation quintiles of municipalities,
with intervals, the slope index of inequality and its trend over the years.

Layout only; the methods live in `popmgmt.metrics.gradient`. The choices are in the URL:
`indicator`, `jaar`.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from popmgmt.app import store, ui
from popmgmt.metrics import gradient
from popmgmt.pipeline.privacy import PRIMARY
from popmgmt.pipeline.published import indicator_kind
from popmgmt.views import gradient_display, labels, query

DEFAULT_INDICATOR = "ima_chron"

marts = ui.page_start()  # data check and demo label, on every page
BUILD = (str(marts.folder), store.built_at_text(marts))

st.title("Sociale gradiënt")
st.caption(
    "Is een indicator anders in armere dan in rijkere gemeenten, en dat over de hele "
    "ladder, niet alleen bij de armste groep? De gemeenten worden in vijf even grote "
    "groepen (kwintielen) verdeeld naar het aandeel inwoners met een verhoogde "
    "tegemoetkoming; per groep ziet u de waarde, met interval, en hoe groot de kloof is."
)


@st.cache_resource(max_entries=4, show_spinner=False)
def _catalogue(build: tuple[str, str]) -> pl.DataFrame:
    del build
    return store.indicator_catalogue(marts, level="gemeente")


@st.cache_resource(max_entries=4, show_spinner=False)
def _deprivation_years(build: tuple[str, str]) -> list[int]:
    del build
    return sorted(store.available_years(marts, gradient.DEPRIVATION_CODE, level="gemeente"))


@st.cache_resource(max_entries=4, show_spinner=False)
def _quintiles(build: tuple[str, str]) -> pl.DataFrame:
    return gradient.deprivation_quintiles(
        marts.values, marts.areas, marts.population, years=_deprivation_years(build)
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def _gradient(build: tuple[str, str], code: str) -> dict[str, pl.DataFrame]:
    meta = store.indicator_meta(marts, code)
    years = sorted(
        set(store.available_years(marts, code, level="gemeente")) & set(_deprivation_years(build))
    )
    counts = gradient.municipal_counts(
        marts.values, marts.areas, marts.population, code=code, years=years
    )
    values = gradient.quintile_values(
        counts,
        _quintiles(build),
        interval_method=meta.get("interval_method"),
        multiplier=float(meta.get("multiplier") or 1.0),
    )
    sii = gradient.gradient_slope_index(
        values,
        kind=indicator_kind(meta.get("unit"), meta.get("interval_method")),
        direction=str(meta.get("direction") or "neutraal"),
        multiplier=float(meta.get("multiplier") or 1.0),
    )
    return {"values": values, "sii": sii}


catalogue = _catalogue(BUILD)
dep_years = _deprivation_years(BUILD)
if catalogue.height == 0 or not dep_years:
    st.info(
        "Deze gegevens bevatten geen indicatoren per gemeente of geen aandeel verhoogde "
        "tegemoetkoming per gemeente: de sociale gradiënt kan niet berekend worden."
    )
    ui.footer(marts)
    st.stop()

codes = catalogue["indicator_code"].to_list()
option_labels = {
    row["indicator_code"]: store.indicator_option_label(row)
    for row in catalogue.iter_rows(named=True)
}

# --- choices: URL -> widgets (first run), widgets -> URL (every run) -----------------------
qp = st.query_params
first_run = "gradient_indicator" not in st.session_state
problems: list[str] = []
code_q, problem = query.parse_choice(qp.get("indicator"), codes, what="Indicator")
problems += [problem] if problem else []
if "gradient_indicator" not in st.session_state:
    default = DEFAULT_INDICATOR if DEFAULT_INDICATOR in codes else codes[0]
    st.session_state["gradient_indicator"] = code_q or default

pick_col, year_col = st.columns([3, 1])
code = str(
    pick_col.selectbox(
        "Indicator",
        codes,
        format_func=option_labels.__getitem__,
        key="gradient_indicator",
    )
)
result = _gradient(BUILD, code)
values: pl.DataFrame = result["values"]
sii: pl.DataFrame = result["sii"]
years = sorted(values["year"].unique().to_list(), reverse=True)
if not years:
    st.info("Voor deze indicator zijn er geen jaren met gemeentecijfers en kwintielen.")
    ui.footer(marts)
    st.stop()
year_key = f"gradient_year_{code}"
if year_key not in st.session_state:
    year_q, problem = query.parse_choice(qp.get("jaar"), years, what="Jaar")
    if problem and first_run:
        problems.append(problem)
    st.session_state[year_key] = year_q if year_q is not None else years[0]
year = int(year_col.selectbox("Jaar", years, key=year_key))
if first_run and problems:
    st.warning(
        "Niet alles uit de link kon worden overgenomen; voor die keuzes gelden de "
        "standaardwaarden:\n\n" + "\n".join(f"- {labels.md_text(p)}" for p in problems),
        icon=":material/link_off:",
    )
wanted = {"indicator": code, "jaar": str(year)}
if st.query_params.to_dict() != wanted:
    st.query_params.from_dict(wanted)

meta = store.indicator_meta(marts, code)
unit = meta.get("unit")
md_unit = labels.md_text(unit) if unit else unit  # where Markdown renders (captions)
name = str(meta.get("name_nl") or code)
year_values = values.filter(pl.col("year") == year)
sii_rows = sii.filter(pl.col("year") == year)
sii_row: dict[str, Any] | None = sii_rows.row(0, named=True) if sii_rows.height else None
flemish = store.flanders_value(marts, code, year)
flemish_value = None if flemish is None else flemish["value"]

# --- headline ---------------------------------------------------------------------------------
st.subheader(f"{labels.md_text(name)}, {year}")
if code == gradient.DEPRIVATION_CODE:
    st.info(
        "Dit is de indicator waarmee de kwintielen gevormd worden: de gradiënt is hier per "
        "definitie stijgend.",
        icon=":material/info:",
    )
q1 = year_values.filter(pl.col("quintile") == 1)
q5 = year_values.filter(pl.col("quintile") == gradient.N_GROUPS)


def _quintile_text(frame: pl.DataFrame) -> str:
    if frame.height == 0:
        return labels.NO_DATA
    row = frame.row(0, named=True)
    if row["suppressed"]:
        return labels.suppressed_text(PRIMARY)
    return labels.fmt_value(row["value"], unit)


m1, m2, m3 = st.columns(3)
m1.metric(gradient_display.QUINTILE_LABELS[1], _quintile_text(q1), border=True)
m2.metric(gradient_display.QUINTILE_LABELS[gradient.N_GROUPS], _quintile_text(q5), border=True)
m3.metric(
    "Hellingsindex van ongelijkheid (SII)",
    gradient_display.sii_text(sii_row, unit=unit).split(" (", 1)[0],
    help="Het gemodelleerde verschil tussen de meest en de minst achtergestelde kant van de "
    "bevolking, over alle vijf kwintielen. Positief: hoger bij meer kansarmoede.",
    border=True,
)
rii = None if sii_row is None else sii_row.get("rii")
st.caption(
    f"SII {gradient_display.sii_text(sii_row, unit=md_unit)}"
    + (
        ""
        if rii is None
        else f" · relatief (RII): {labels.fmt_number(rii * 100, 1)} % van het gemiddelde"
    )
    + f" · jaar {year} · bron: {labels.md_text(meta.get('source') or 'onbekend')}"
)
st.markdown(gradient_display.worse_end_text(sii_row))
st.caption(gradient_display.SII_METHOD)

left, right = st.columns([3, 2])
with left:
    st.vega_lite_chart(
        spec=gradient_display.quintile_chart(
            gradient_display.quintile_records(year_values, unit=unit),
            unit=unit,
            name=name,
            year=year,
            flanders_value=flemish_value,
        ),
        width="stretch",
    )
with right:
    st.dataframe(
        gradient_display.quintile_display_table(
            year_values, unit=unit, denominator_label=meta.get("denominator_label")
        )
        .drop("Jaar", "Teller")
        .to_arrow(),
        hide_index=True,
        width="stretch",
    )
    n_imputed = int(year_values["n_imputed"].sum())
    st.caption(
        "Kwintielen van kansarmoede: gemeenten gesorteerd op het aandeel inwoners met een "
        "verhoogde tegemoetkoming (VT), elk kwintiel ongeveer 20 % van de inwoners, elk jaar "
        "opnieuw ingedeeld. Waarde = som van de tellers / som van de noemers. "
        f"{n_imputed} onderdrukte gemeentecellen zijn geschat met de waarde van hun zone "
        "(nooit 0)."
    )

# --- trend ------------------------------------------------------------------------------------
st.markdown("#### De kloof door de jaren")
t_left, t_right = st.columns(2)
with t_left:
    st.vega_lite_chart(
        spec=gradient_display.sii_trend_chart(
            gradient_display.sii_records(sii, unit=unit),
            unit=gradient_display.sii_unit(sii_row, unit),
        ),
        width="stretch",
    )
with t_right:
    st.vega_lite_chart(
        spec=gradient_display.quintile_trend_chart(
            gradient_display.quintile_records(values, unit=unit), unit=unit, name=name
        ),
        width="stretch",
    )
first = sii.filter(pl.col("sii").is_not_null()).head(1)
last = sii.filter(pl.col("sii").is_not_null()).tail(1)
if first.height and last.height and first["year"][0] != last["year"][0]:
    f_row, l_row = first.row(0, named=True), last.row(0, named=True)
    st.caption(
        f"SII {f_row['year']}: {gradient_display.sii_text(f_row, unit=md_unit)}; "
        f"{l_row['year']}: {gradient_display.sii_text(l_row, unit=md_unit)}. "
        "Overlappende intervallen betekenen geen aantoonbare verandering."
    )

full = gradient_display.quintile_display_table(
    values, unit=unit, denominator_label=meta.get("denominator_label")
)
with st.expander("Tabel: alle jaren en kwintielen"):
    st.dataframe(full.to_arrow(), hide_index=True, width="stretch")
ui.download_buttons(
    full, f"sociale-gradient-{code}", "gradient_dl", sheet="sociale gradient", what="Alle jaren:"
)

with st.expander(f"Definitie: {labels.md_text(name)}"):
    st.markdown(ui.definition_markdown(meta))
with st.expander("Methode en beperkingen"):
    st.markdown(
        "- **Kansarmoede:** aandeel rechthebbenden met een verhoogde tegemoetkoming (VT/BIM) "
        "per gemeente, een benaderende maat voor een laag inkomen.\n"
        "- **Kwintielen:** gewogen naar inwoners; Q1 = minst, Q5 = meest achtergesteld.\n"
        "- **Interval per kwintiel:** Wilson (aandelen) of Poisson (tarieven) op de opgetelde "
        "aantallen.\n"
        "- **Hellingsindex (SII):** gewogen regressie van de waarde op de relatieve rang "
        "(middelpunt van het cumulatieve bevolkingsaandeel) van de kwintielen; het interval is "
        "het t-interval van die helling (3 vrijheidsgraden).\n"
        "- **Beperkingen:** gemeenten zijn gemengd (een rijke gemeente heeft ook arme "
        "inwoners): de gradiënt tussen gemeenten onderschat die tussen personen. Onderdrukte "
        "gemeentecellen zijn geschat."
    )

ui.footer(marts)
