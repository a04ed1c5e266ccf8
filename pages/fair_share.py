"""Nood en aanbod: need-weighted population vs GP capacity per zone, and the allocation
simulator (proportional universalism).

Layout only; the methods live in `popmgmt.metrics.fairshare`. Every choice is written to the URL
so that a proposal can be shared: `jaar`, `nood`, `modus`, `bedrag`, `universeel`.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import streamlit as st

from popmgmt.app import store, ui
from popmgmt.metrics import fairshare, need
from popmgmt.pipeline.codes import ANTWERP_ZONE
from popmgmt.views import fairshare_display, labels, need_display, query

SOURCE = "bron: IMA Atlas, IMA Patiënteel huisartsen en Statbel, bewerking popmgmt"
TOTAL_MAX = {"budget": 1_000_000_000.0, "vte": 10_000.0}
TOTAL_STEP = {"budget": 10_000.0, "vte": 1.0}

marts = ui.page_start()  # data check and demo label, on every page
BUILD = (str(marts.folder), store.built_at_text(marts))

st.title("Nood en aanbod")
st.caption(
    "Proportioneel universalisme: iedereen krijgt zorg, maar meer waar de nood groter is. "
    "Deze pagina vergelijkt per zone het aandeel in de bevolking, in de nood en in het "
    "huisartsenaanbod, en rekent uit hoe een budget of nieuwe huisartsen-VTE verdeeld "
    "worden als u een deel gelijk per inwoner en een deel volgens nood toekent."
)

NEEDED = (fairshare.DEPRIVATION_CODE, fairshare.MORBIDITY_CODE, fairshare.GP_FTE_CODE)


@st.cache_resource(max_entries=4, show_spinner=False)
def _years(build: tuple[str, str]) -> list[int]:
    del build
    sets = [set(store.available_years(marts, code, level="zone")) for code in NEEDED]
    pop_years = set(marts.population.filter(pl.col("level") == "zone")["year"].unique().to_list())
    common = set.intersection(*sets, pop_years) if sets else set()
    return sorted(common, reverse=True)


@st.cache_resource(max_entries=16, show_spinner=False)
def _base(build: tuple[str, str], year: int) -> dict[str, Any]:
    """Age/sex-weighted population, deprivation and morbidity rates, supply, references."""
    del build
    bands = marts.population.filter(
        (pl.col("level") == "zone") & (pl.col("year") == year) & (pl.col("age_band") != "totaal")
    ).with_columns(
        pl.when(pl.col("suppressed").fill_null(False))
        .then(None)
        .otherwise(pl.col("population"))
        .alias("population")
    )
    totals = need.area_population(marts.population, level="zone", years=[year])
    codes = [fairshare.DEPRIVATION_CODE, fairshare.MORBIDITY_CODE]
    rates = (
        need.area_rates(marts.values, marts.areas, level="zone", codes=codes, years=[year])
        .pivot(on="indicator_code", index="area_code", values="rate")
        .rename({fairshare.DEPRIVATION_CODE: "deprivation", fairshare.MORBIDITY_CODE: "morbidity"})
    )
    ref = {
        r["indicator_code"]: r["ref_rate"]
        for r in need.reference_rates(marts.values, codes=codes, year=year).iter_rows(named=True)
    }
    return {
        "age_sex": fairshare.age_sex_population(bands, totals),
        "rates": rates,
        "reference": {
            "deprivation": ref.get(fairshare.DEPRIVATION_CODE),
            "morbidity": ref.get(fairshare.MORBIDITY_CODE),
        },
        "supply": fairshare.zone_supply(marts.values, year=year),
    }


@st.cache_resource(max_entries=64, show_spinner=False)
def _shares(build: tuple[str, str], year: int, key: tuple[bool, float, float]) -> pl.DataFrame:
    params = fairshare.NeedWeightParams(age_sex=key[0], deprivation=key[1], morbidity=key[2])
    base = _base(build, year)
    weighted = fairshare.need_weighted_population(
        base["age_sex"], base["rates"], params=params, reference=base["reference"]
    )
    names = marts.areas.filter(pl.col("level") == "zone").select("area_code", "area_name")
    return fairshare.need_vs_supply(weighted, base["supply"]).join(
        names, on="area_code", how="left"
    )


def _table(frame: pl.DataFrame) -> None:
    """Numbers in Belgian Dutch style on screen; the download keeps them as numbers."""
    keep = ("Jaar", "Jaar nood en aanbod")
    st.dataframe(
        need_display.dutch_table(frame, keep=keep).to_arrow(), hide_index=True, width="stretch"
    )


def _downloads(frame: pl.DataFrame, *, stem: str, sheet: str, key: str) -> None:
    ui.download_buttons(frame, stem, key, sheet=sheet)


years = _years(BUILD)
if not years:
    st.info(
        "Deze gegevens bevatten geen jaar met zowel bevolking, verhoogde tegemoetkoming, "
        "chronische aandoeningen als huisartsen-VTE per zone."
    )
    ui.footer(marts)
    st.stop()

# --- choices: URL -> widgets (first run), widgets -> URL (every run) -----------------------
qp = st.query_params
first_run = "fair_year" not in st.session_state
problems: list[str] = []


def _init(key: str, value: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


year_q, problem = query.parse_choice(qp.get("jaar"), years, what="Jaar")
problems += [problem] if problem else []
mode_q, problem = query.parse_choice(qp.get("modus"), list(fairshare.MODES), what="Modus")
problems += [problem] if problem else []
mode_default = mode_q or "budget"
total_q, problem = query.parse_number(
    qp.get("bedrag"), minimum=0.0, maximum=TOTAL_MAX[mode_default], what="Bedrag"
)
problems += [problem] if problem else []
universal_q, problem = query.parse_number(
    qp.get("universeel"), minimum=0.0, maximum=100.0, what="Universeel deel"
)
problems += [problem] if problem else []
need_q, need_problems = fairshare_display.params_from_query(qp.get("nood"))
problems += need_problems

_init("fair_year", year_q if year_q is not None else years[0])
_init("fair_mode", mode_default)
for mode in fairshare.MODES:
    default_total = fairshare.MODE_DEFAULT_TOTAL[mode]
    _init(
        f"fair_total_{mode}",
        total_q if (total_q is not None and mode == mode_default) else default_total,
    )
_init(
    "fair_universal",
    round(universal_q) if universal_q is not None else int(fairshare.UNIVERSAL_SHARE_DEFAULT * 100),
)
_init("fair_age", need_q.age_sex)
_init("fair_dep", float(need_q.deprivation))
_init("fair_morb", float(need_q.morbidity))
if first_run and problems:
    st.warning(
        "Niet alles uit de link kon worden overgenomen; voor die keuzes gelden de "
        "standaardwaarden:\n\n" + "\n".join(f"- {labels.md_text(p)}" for p in problems),
        icon=":material/link_off:",
    )


def _reset_need() -> None:
    default = fairshare.NeedWeightParams()
    st.session_state["fair_age"] = default.age_sex
    st.session_state["fair_dep"] = default.deprivation
    st.session_state["fair_morb"] = default.morbidity


year = int(st.selectbox("Jaar", years, key="fair_year"))
with st.expander("Hoe de nood gewogen wordt (aanpasbaar)", icon=":material/tune:"):
    st.markdown(
        "**Noodgewogen bevolking** = inwoners × leeftijd-en-geslachtsgewicht × toeslag voor "
        "kansarmoede × toeslag voor ziektelast, herschaald zodat Vlaanderen evenveel "
        "noodgewogen inwoners telt als inwoners. Zoals de 'fair shares'-formules in Engeland "
        "(capitatie met leeftijdsgewichten en een toeslag voor bijkomende nood)."
    )
    st.toggle("Leeftijd en geslacht meewegen", key="fair_age")
    c1, c2 = st.columns(2)
    c1.slider(
        "Toeslag kansarmoede (elasticiteit)",
        0.0,
        fairshare.ELASTICITY_MAX,
        step=0.1,
        key="fair_dep",
        help="Een zone met 10 % meer inwoners met verhoogde tegemoetkoming dan Vlaanderen krijgt "
        "elasticiteit × 10 % meer gewicht. 0 = geen toeslag.",
    )
    c2.slider(
        "Toeslag ziektelast (elasticiteit)",
        0.0,
        fairshare.ELASTICITY_MAX,
        step=0.1,
        key="fair_morb",
        help="Op basis van het statuut chronische aandoening, boven wat de leeftijdsopbouw al "
        "verklaart. 0 = geen toeslag.",
    )
    _table(
        pl.DataFrame(
            fairshare.AGE_GROUP_TABLE,
            schema={
                "Leeftijd": pl.String,
                "Gewicht mannen": pl.Float64,
                "Gewicht vrouwen": pl.Float64,
            },
            orient="row",
        )
    )
    st.caption(
        "Illustratieve gewichten (1 = man van 45–64 jaar), naar de vorm van de "
        "leeftijdscurve in capitatieformules; niet geschat op Belgische gegevens. Vervang ze "
        "door het aantal huisartscontacten per inwoner naar leeftijd en geslacht (IMA) zodra "
        "beschikbaar."
    )
    st.button("Standaardweging herstellen", on_click=_reset_need, key="fair_reset")

params = fairshare.NeedWeightParams(
    age_sex=bool(st.session_state["fair_age"]),
    deprivation=float(st.session_state["fair_dep"]),
    morbidity=float(st.session_state["fair_morb"]),
)

# --- need vs supply ---------------------------------------------------------------------------
shares = _shares(BUILD, year, (params.age_sex, params.deprivation, params.morbidity))
slope = fairshare.supply_need_slope(shares)
flagged = shares.filter(pl.col("flag_not_rising"))
fl_rate = shares["fte_per_need_flanders"][0]

st.subheader(f"Aandeel in bevolking, nood en aanbod ({year})")
m1, m2, m3 = st.columns(3)
slope_ok = not math.isnan(slope["slope"])
m1.metric(
    "Stijgt het aanbod mee met de nood?",
    f"helling {labels.fmt_number(slope['slope'], 2)}" if slope_ok else "niet te bepalen",
    help="Gewogen regressie over de zones van huisartsen-VTE per inwoner op nood per inwoner "
    "(beide tegenover Vlaanderen, gewicht = inwoners). 1 = evenredig met de nood, 0 = het "
    "aanbod stijgt niet mee.",
    border=True,
)
m2.metric("Zones waar het aanbod de nood niet volgt", str(flagged.height), border=True)
m3.metric(
    "Vlaanderen: VTE per 10.000 noodgewogen inwoners",
    labels.fmt_number(fl_rate, 2) if fl_rate is not None else labels.NO_DATA,
    border=True,
)
slope_text = (
    f"Helling {labels.fmt_interval(slope['slope_low'], slope['slope_high'], None, 2)}"
    if slope_ok
    else "Helling niet te bepalen: de nood per inwoner verschilt niet tussen de zones"
)
st.caption(
    f"{slope_text} · {int(slope['n'])} zones · jaar {year} · noemer: inwoners en "
    f"noodgewogen inwoners (1 januari) · {SOURCE}"
)

records = fairshare_display.gap_records(shares)
left, right = st.columns([3, 2])
with left:
    st.vega_lite_chart(spec=fairshare_display.ratio_chart(records), width="stretch")
with right:
    st.markdown(
        "**Lezen:** elke bol is een zone. Rechts = meer nood per inwoner dan Vlaanderen, "
        "boven = meer huisartsen-VTE per inwoner. Op de stippellijn stijgt het aanbod even "
        "sterk als de nood."
    )
    if flagged.height:
        st.markdown(
            "**Aanbod volgt nood niet:**\n\n"
            + "\n".join(
                "- " + labels.md_text(f"{r['area_name']} ({r['area_code']}): {r['flag_reason']}")
                for r in flagged.sort("area_name").iter_rows(named=True)
            )
        )
    else:
        st.markdown("**Aanbod volgt nood niet:** geen zone.")
st.vega_lite_chart(spec=fairshare_display.gap_chart(records), width="stretch")
st.vega_lite_chart(
    spec=fairshare_display.fte_need_chart(
        fairshare_display.fte_need_records(shares, year=year), flanders=fl_rate
    ),
    width="stretch",
)
share_display = fairshare_display.shares_display_table(shares, year=year)
with st.expander("Tabel: aandelen, verschillen en signalen per zone"):
    _table(share_display)
    _downloads(
        share_display, stem=f"nood-en-aanbod-{year}", sheet="nood en aanbod", key="fair_dl_shares"
    )
st.caption(
    "Aandeel huisartsen-VTE: activiteitsgebaseerde VTE-schatting (IMA Patiënteel huisartsen). "
    "Aandeel GMD-houders: inwoners met een globaal medisch dossier. Verschil in procentpunt "
    "(pp): aandeel aanbod min aandeel nood. "
    f"{labels.ANTWERP_NOTE.replace('elz2', ANTWERP_ZONE)}"
)

# --- allocation simulator ---------------------------------------------------------------------
st.subheader("Verdelingssimulator")
st.markdown(
    "Kies wat u verdeelt en hoeveel daarvan **universeel** (gelijk per inwoner) gaat; de rest "
    "gaat **volgens nood** (aandeel in de noodgewogen bevolking). Het **eerlijk aandeel** is "
    "de verdeling volledig volgens nood."
)
s1, s2, s3 = st.columns([1, 1, 2])
mode = str(
    s1.radio(
        "Wat verdeelt u?",
        list(fairshare.MODES),
        format_func=fairshare_display.MODE_LABELS.__getitem__,
        key="fair_mode",
    )
)
total = float(
    s2.number_input(
        "Budget (euro)" if mode == "budget" else "Aantal nieuwe VTE",
        min_value=0.0,
        max_value=TOTAL_MAX[mode],
        step=TOTAL_STEP[mode],
        format="%.0f" if mode == "budget" else "%.1f",
        key=f"fair_total_{mode}",
    )
)
universal_pct = int(
    s3.slider(
        "Universeel deel (%)",
        0,
        100,
        step=5,
        key="fair_universal",
        help="0 % = alles volgens nood; 100 % = alles gelijk per inwoner.",
    )
)
wanted = {
    "jaar": str(year),
    "nood": fairshare_display.params_to_query(params),
    "modus": mode,
    "bedrag": query.format_number(total),
    "universeel": str(universal_pct),
}
if st.query_params.to_dict() != wanted:
    st.query_params.from_dict(wanted)

allocation = fairshare.allocate(
    shares,
    total=total,
    universal_share=universal_pct / 100.0,
    decimals=fairshare.MODE_DECIMALS[mode],
).join(shares.select("area_code", "area_name"), on="area_code", how="left")
if mode == "vte":
    allocation = fairshare.capacity_after(allocation, shares.select("area_code", "gp_fte"))
unit = "euro" if mode == "budget" else "VTE"
dec = fairshare.MODE_DECIMALS[mode]
a1, a2, a3 = st.columns(3)
a1.metric("Totaal", f"{labels.fmt_number(total, dec)} {unit}", border=True)
a2.metric(
    f"Universeel ({universal_pct} %)",
    f"{labels.fmt_number(total * universal_pct / 100, dec)} {unit}",
    border=True,
)
a3.metric(
    f"Volgens nood ({100 - universal_pct} %)",
    f"{labels.fmt_number(total * (100 - universal_pct) / 100, dec)} {unit}",
    border=True,
)
largest = allocation.sort("distance_pct", descending=True, nulls_last=True).row(0, named=True)
st.caption(
    f"Grootste afstand tot het eerlijk aandeel: {labels.md_text(largest['area_name'])} "
    f"({labels.fmt_number(largest['distance_pct'], 1)} %). Afgerond op "
    f"{'hele euro' if mode == 'budget' else '0,1 VTE'}; het totaal blijft exact. Nood van "
    f"{year} · {SOURCE}."
)
st.vega_lite_chart(
    spec=fairshare_display.allocation_chart(
        fairshare_display.allocation_records(allocation, mode=mode), mode=mode
    ),
    width="stretch",
)
alloc_display = fairshare_display.allocation_display_table(
    allocation.sort("area_name"), mode=mode, universal_share=universal_pct / 100.0, year=year
)
_table(alloc_display)
_downloads(
    alloc_display,
    stem=f"verdeling-{mode}-{universal_pct}pct-{year}",
    sheet="verdeling",
    key="fair_dl_alloc",
)
if mode == "vte":
    st.caption(
        "Afstand tot eerlijk aandeel van alle VTE: huidige (en toekomstige) huisartsen-VTE van "
        "de zone tegenover haar aandeel nood in alle VTE van Vlaanderen, in %. Negatief = "
        "minder dan het eerlijk aandeel."
    )

with st.expander("Methode en beperkingen"):
    st.markdown(
        "- **Noodgewogen bevolking:** inwoners × leeftijd-en-geslachtsgewicht (tabel hierboven) "
        "× (1 + elasticiteit × (aandeel VT zone / aandeel VT Vlaanderen − 1)) × "
        "(1 + elasticiteit × (ziektelast − 1)), met ziektelast = (aandeel chronische "
        "aandoening zone / Vlaanderen) gedeeld door de leeftijdsfactor van de zone.\n"
        "- **Aanbod:** huisartsen-VTE (activiteitsgebaseerde schatting) en inwoners met een "
        "GMD. Het interval van VTE per noodgewogen inwoner is een benadering: het "
        "relatieve Poisson-interval van het aantal huisartsen, toegepast op de VTE (zo "
        "hangt de breedte niet af van de eenheid van de VTE).\n"
        "- **Signaal 'aanbod volgt nood niet':** meer nood per inwoner dan Vlaanderen en "
        "ofwel niet meer VTE per inwoner dan Vlaanderen, ofwel significant minder VTE per "
        "noodgewogen inwoner.\n"
        "- **Verdeling:** totaal × (universeel deel × aandeel bevolking + (1 − universeel "
        "deel) × aandeel nood); eerlijk aandeel = totaal × aandeel nood.\n"
        "- **Beperkingen:** de gewichten en toeslagen zijn keuzes, geen gemeten kosten; de "
        "VTE-schatting rekent op basis van contacten; patiënten kiezen soms een huisarts in een "
        "andere zone (aanbod volgt de praktijk, nood de woonplaats)."
    )

ui.footer(marts)
