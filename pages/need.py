"""Zorgnood per zone: the area need index (weights, map, quintiles, decomposition) and
the risk pyramid of a zone.

Layout only; the methods live in `popmgmt.metrics.need` and `popmgmt.metrics.pyramid`,
their tables and charts in `popmgmt.views.need_display` and `pyramid_display`. Every choice
(year, zone, map level, weights, pyramid assumptions) is written to the URL, so a
proposal can be shared as a link: `jaar`, `zone`, `kaart`, `fw`, `iw`, `pp`, and `deel`,
the section shown: only one section (`views.sections.NEED`: the index with its map, all
zones and municipalities, the risk pyramid, or all of them) is drawn at a time, so the
page loads and reacts faster in the browser (issue 14).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from popmgmt.app import section_switch, store, ui
from popmgmt.metrics import need, pyramid
from popmgmt.pipeline.codes import ANTWERP_ZONE, NEED_FAMILIES
from popmgmt.views import (
    labels,
    maps,
    need_display,
    pyramid_display,
    query,
    sections,
    standardised,
)

MAP_LEVELS = {"zone": "Zones", "gemeente": "Gemeenten"}
FAMILY_HELP = {
    "gezondheid": "Chronische aandoeningen, diabetes, polyfarmacie, woonzorgcentrum, palliatief.",
    "demografie": "Aandeel 65+, 75+ en 85+.",
    "sociaaleconomisch": "Verhoogde tegemoetkoming, alleenwonende 65-plussers.",
    "cultureel": "Migratieachtergrond (taal, gezondheidsvaardigheden).",
}
INDICATOR_STEP = 0.5
INDICATOR_MAX = 3.0
SOURCE = "bron: IMA Atlas en Statbel, bewerking popmgmt"
SECTION_KEY = "need_section"
WEIGHTS_KEY = "need_weights_open"
METHOD_KEY = "need_method_open"
METHOD_MARKDOWN = (
    "1. Per indicator het aandeel per gebied uit teller en noemer (IMA Atlas, Statbel).\n"
    "2. Onderdrukte gemeentecellen (< 5 of afleidbaar) krijgen de waarde van hun zone; "
    "nooit 0.\n"
    "3. Standaardiseren: z = (waarde − Vlaamse waarde) / standaardafwijking tussen de "
    f"gebieden, begrensd op ±{labels.fmt_number(need.Z_CAP)}. Hoger = meer nood, voor "
    "elke indicator.\n"
    "4. Index = som van gewicht × z. Gewicht = familiegewicht × gewicht binnen de familie; "
    "samen 100 %.\n"
    "5. Kwintielen: gebieden gesorteerd op index, elk kwintiel ongeveer 20 % van de "
    "inwoners."
)

marts = ui.page_start(link_scope=())  # data check and demo label; aggregates only
BUILD = (str(marts.folder), store.built_at_text(marts))

st.title("Zorgnood per zone")
st.caption(
    "Waar is de nood aan eerstelijnszorg het grootst, en waardoor? De nood-index telt "
    "indicatoren uit vier families op: gezondheid, demografie, sociaaleconomisch en "
    "cultureel. U kiest zelf hoe zwaar elke familie weegt. Daaronder schatten we per zone "
    "hoeveel inwoners gezond zijn, ondersteuning nodig hebben of casemanagement."
)


# --- cached computations (keyed by build, year and choices) -------------------------------


@st.cache_resource(max_entries=4, show_spinner=False)
def _years(build: tuple[str, str], codes: tuple[str, ...]) -> list[int]:
    del build
    found = {y for code in codes for y in store.available_years(marts, code, level="zone")}
    return sorted(found, reverse=True)


@st.cache_resource(max_entries=16, show_spinner=False)
def _inputs(build: tuple[str, str], year: int, codes: tuple[str, ...]) -> dict[str, pl.DataFrame]:
    """Rates of both levels, Flemish reference and inhabitants for one year."""
    del build
    out = {"reference": need.reference_rates(marts.values, codes=codes, year=year)}
    for level in ("zone", "gemeente"):
        out[f"rates_{level}"] = need.area_rates(
            marts.values, marts.areas, level=level, codes=codes, years=[year]
        )
        out[f"pop_{level}"] = need.area_population(marts.population, level=level, years=[year])
    return out


@st.cache_resource(max_entries=64, show_spinner=False)
def _index(
    build: tuple[str, str],
    year: int,
    codes: tuple[str, ...],
    family_key: tuple[tuple[str, float], ...],
    indicator_key: tuple[tuple[str, float], ...],
) -> dict[str, Any]:
    """The index of both levels for one year and one set of weights."""
    data = _inputs(build, year, codes)
    reference = data["reference"]
    available = sorted(reference.filter(pl.col("ref_rate").is_not_null())["indicator_code"])
    used = need.need_catalogue(marts.indicators).filter(pl.col("indicator_code").is_in(available))
    weights = need.index_weights(used, dict(family_key), dict(indicator_key))
    out: dict[str, Any] = {"weights": weights, "available": available}
    for level in ("zone", "gemeente"):
        rates = data[f"rates_{level}"].filter(pl.col("indicator_code").is_in(available))
        contributions = need.need_index(rates, reference, weights)
        areas = marts.areas.filter(pl.col("level") == level)
        table = need.index_table(need.index_scores(contributions), areas, data[f"pop_{level}"])
        table = need.population_quintiles(table, value_col="need_index")
        out[f"table_{level}"] = table
        out[f"contrib_{level}"] = contributions
        out[f"legend_{level}"] = need_display.quintile_legend(table)
    # What the page shows and downloads, computed once per set of weights.
    out["zone_display"] = need_display.index_display_table(
        out["table_zone"].sort("area_name"), area_title="Zone", year=year
    )
    zone_of = marts.areas.filter(pl.col("level") == "gemeente").select(
        "area_code", pl.col("zone_code").alias("Zone")
    )
    out["mun_display"] = need_display.index_display_table(
        out["table_gemeente"].join(zone_of, on="area_code", how="left").sort("area_name"),
        area_title="Gemeente",
        year=year,
        extra=("Zone",),
    )
    out["summary"] = need_display.quintile_summary(out["table_gemeente"])
    for name in ("zone_display", "mun_display", "summary"):
        out[f"{name}_text"] = need_display.dutch_table(out[name])
    out["stack"] = need_display.family_stack_records(out["table_zone"])
    out["n_imputed_mun"] = int((out["table_gemeente"]["n_imputed"] > 0).sum())
    family_weights = weights.group_by("need_family", maintain_order=True).agg(
        pl.col("weight").sum()
    )
    out["weight_text"] = ", ".join(
        f"{labels.label('need_family', fam).lower()} {labels.fmt_number(w * 100)} %"
        for fam, w in family_weights.iter_rows()
    )
    out["weights_table"] = weights.join(
        marts.indicators.select("indicator_code", "name_nl"), on="indicator_code"
    ).select(
        pl.col("name_nl").alias("Indicator"),
        pl.col("need_family")
        .replace_strict({f: labels.label("need_family", f) for f in NEED_FAMILIES})
        .alias("Familie"),
        (pl.col("weight") * 100).round(1).alias("Gewicht (%)"),
    )
    out["weights_table_text"] = need_display.dutch_table(out["weights_table"])
    return out


@st.cache_resource(max_entries=64, show_spinner=False)
def _pyramid(
    build: tuple[str, str], year: int, zone: str, params: pyramid.PyramidParams
) -> dict[str, Any]:
    """The pyramid of one zone and of Flanders, with what the page shows."""
    zone_inputs = _pyramid_inputs(build, "zone", year).filter(pl.col("area_code") == zone)
    missing = zone_inputs["missing"][0] if zone_inputs.height else "alles"
    if missing:
        return {"missing": str(missing)}
    zone_pyr = pyramid.pyramid_with_range(zone_inputs, params)
    fl_pyr = pyramid.pyramid_with_range(_pyramid_inputs(build, "vlaanderen", year), params)
    return {
        "missing": None,
        "records": pyramid_display.pyramid_records(zone_pyr, fl_pyr),
        "display": pyramid_display.pyramid_display_table(zone_pyr, fl_pyr, year=year),
        "inputs": pyramid_display.inputs_display_table(zone_inputs, year=year),
    }


@st.cache_resource(max_entries=4, show_spinner=False)
def _geometry(build: tuple[str, str], level: str) -> dict[str, str]:
    del build
    return maps.display_geometry(ui.load_geojson(level))


@st.cache_resource(max_entries=32, show_spinner=False)
def _deck(
    build: tuple[str, str],
    level: str,
    year: int,
    codes: tuple[str, ...],
    family_key: tuple[tuple[str, float], ...],
    indicator_key: tuple[tuple[str, float], ...],
) -> maps.PrebuiltDeck:
    table = _index(build, year, codes, family_key, indicator_key)[f"table_{level}"]
    return need_display.choropleth_deck(
        _geometry(build, level),
        need_display.index_map_features(table, year=year),
        layer_id=f"need_{level}",
    )


@st.cache_resource(max_entries=16, show_spinner=False)
def _pyramid_inputs(build: tuple[str, str], level: str, year: int) -> pl.DataFrame:
    del build
    return pyramid.pyramid_inputs(
        marts.values, marts.areas, marts.population, level=level, year=year
    )


def _table(frame: pl.DataFrame, text: pl.DataFrame | None = None) -> None:
    """Numbers in Belgian Dutch style on screen (`text`, computed once if given); the
    download keeps them as numbers."""
    shown = need_display.dutch_table(frame) if text is None else text
    st.dataframe(shown.to_arrow(), hide_index=True, width="stretch")


def _downloads(frame: pl.DataFrame, *, stem: str, sheet: str, key: str, what: str = "") -> None:
    label = what.strip()
    ui.download_buttons(
        frame, stem, key, sheet=sheet, what=f"{label.capitalize()}:" if label else ""
    )


catalogue = need.need_catalogue(marts.indicators)
zone_areas = marts.areas.filter(pl.col("level") == "zone").sort("area_name")
if catalogue.height == 0 or zone_areas.height == 0:
    st.info("Deze gegevens bevatten geen nood-indicatoren of geen zones.")
    ui.footer(marts)
    st.stop()

codes = tuple(catalogue["indicator_code"].to_list())
years = _years(BUILD, codes)
zone_codes = zone_areas["area_code"].to_list()
zone_names = dict(zip(zone_codes, zone_areas["area_name"].to_list(), strict=True))
names = dict(zip(codes, catalogue["name_nl"].to_list(), strict=True))
# The same names escaped, for every place where Markdown renders (labels, messages, headers).
md_zone_names = {c: labels.md_text(n) for c, n in zone_names.items()}
md_names = {c: labels.md_text(n) for c, n in names.items()}
families = [f for f in NEED_FAMILIES if f in set(catalogue["need_family"].to_list())]

# --- choices: URL -> widgets (first run), widgets -> URL (every run) -----------------------
qp = st.query_params
first_run = "need_year" not in st.session_state
problems: list[str] = []


def _init(key: str, value: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _from_url(name: str, options: list[Any], what: str) -> Any:
    value, problem = query.parse_choice(qp.get(name), options, what=what)
    if problem:
        problems.append(problem)
    return value


year_q = _from_url("jaar", years, "Jaar")
zone_q = _from_url("zone", zone_codes, "Zonecode")
level_q = _from_url("kaart", list(MAP_LEVELS), "Kaartniveau")
fw_q, fw_problems = query.parse_mapping(qp.get("fw", ""), families, what="familiegewicht")
iw_q, iw_problems = query.parse_mapping(
    qp.get("iw", ""), codes, maximum=INDICATOR_MAX, what="indicatorgewicht"
)
pp_q, pp_problems = pyramid_display.params_from_query(qp.get("pp"))
problems += fw_problems + iw_problems + pp_problems
_init("need_year", year_q if year_q is not None else years[0])
ui.role_default(
    "need_zone",
    "zone",
    zone_codes,
    fallback=zone_codes[0],
    link=zone_q if first_run and zone_q is not None else None,
)
_init("need_map", level_q if level_q is not None else "zone")
for fam in families:
    _init(f"need_fw_{fam}", round(fw_q.get(fam, need.DEFAULT_FAMILY_WEIGHTS[fam] * 100)))
for code in codes:
    _init(f"need_iw_{code}", float(iw_q.get(code, need.DEFAULT_INDICATOR_WEIGHT)))
for spec in pyramid.PARAM_SPECS:
    _init(f"need_pp_{spec.name}", float(getattr(pp_q, spec.name)))
if first_run and problems:
    st.warning(
        "Niet alles uit de link kon worden overgenomen; voor die keuzes gelden de "
        "standaardwaarden:\n\n" + "\n".join(f"- {labels.md_text(p)}" for p in problems),
        icon=":material/link_off:",
    )


def _reset_weights() -> None:
    for fam in families:
        st.session_state[f"need_fw_{fam}"] = round(need.DEFAULT_FAMILY_WEIGHTS[fam] * 100)
    for code in codes:
        st.session_state[f"need_iw_{code}"] = need.DEFAULT_INDICATOR_WEIGHT


def _reset_pyramid() -> None:
    defaults = pyramid.PyramidParams()
    for spec in pyramid.PARAM_SPECS:
        st.session_state[f"need_pp_{spec.name}"] = float(getattr(defaults, spec.name))


year_col, zone_col, map_col = st.columns([1, 2, 1])
year = int(year_col.selectbox("Jaar", years, key="need_year"))
zone = str(
    zone_col.selectbox(
        "Zone (voor de opsplitsing en de piramide)",
        zone_codes,
        format_func=lambda c: f"{zone_names[c]} ({c})",
        key="need_zone",
    )
)
map_level = str(
    map_col.radio(
        "Kaart",
        list(MAP_LEVELS),
        format_func=MAP_LEVELS.__getitem__,
        key="need_map",
        horizontal=True,
    )
)

# Drawn only once opened: a closed expander would still send its sliders (the weights
# stay in the session and the link either way).
weights_box = st.expander(
    "Gewichten van de nood-index aanpassen",
    icon=":material/tune:",
    key=WEIGHTS_KEY,
    on_change="rerun",
)
if weights_box.open:
    with weights_box:
        st.markdown(
            "**Familiegewichten** (relatief: ze worden herschaald tot 100 %). Binnen een familie "
            "telt elke indicator even zwaar, tenzij u dat hieronder wijzigt."
        )
        for column, fam in zip(st.columns(len(families)), families, strict=True):
            column.slider(
                labels.label("need_family", fam),
                0,
                100,
                step=5,
                key=f"need_fw_{fam}",
                help=FAMILY_HELP.get(fam),
            )
        st.markdown("**Gewicht van elke indicator binnen zijn familie** (0 = telt niet mee)")
        for column, fam in zip(st.columns(len(families)), families, strict=True):
            with column:
                for code in catalogue.filter(pl.col("need_family") == fam)["indicator_code"]:
                    st.slider(
                        md_names[code],
                        0.0,
                        INDICATOR_MAX,
                        step=INDICATOR_STEP,
                        key=f"need_iw_{code}",
                    )
        st.button("Standaardgewichten herstellen", on_click=_reset_weights, key="need_reset_w")

family_key = tuple((fam, float(st.session_state[f"need_fw_{fam}"])) for fam in families)
indicator_key = tuple((code, float(st.session_state[f"need_iw_{code}"])) for code in codes)
params = pyramid.PyramidParams(
    **{spec.name: float(st.session_state[f"need_pp_{spec.name}"]) for spec in pyramid.PARAM_SPECS}
)

# --- the section switch: only the chosen section is drawn (the choices above hold for all)
section = section_switch.choose(sections.NEED, SECTION_KEY)


def _shows(part: str) -> bool:
    return sections.NEED.shows(section, part)


section_value = sections.NEED.param_value(section)
wanted = {
    **({sections.PARAM: section_value} if section_value else {}),
    "jaar": str(year),
    "zone": zone,
    "kaart": map_level,
    "fw": query.format_mapping(dict(family_key)),
    "iw": query.format_mapping(dict(indicator_key)),
    "pp": pyramid_display.params_to_query(params),
}
if st.query_params.to_dict() != wanted:
    st.query_params.from_dict(wanted)

# --- index ---------------------------------------------------------------------------------
try:
    index = _index(BUILD, year, codes, family_key, indicator_key)
except ValueError:
    st.error(
        "Alle gewichten staan op 0: geef minstens één familie en één indicator een gewicht.",
        icon=":material/error:",
    )
    ui.footer(marts)
    st.stop()
zone_table: pl.DataFrame = index["table_zone"]
mun_table: pl.DataFrame = index["table_gemeente"]
missing_codes = [c for c in codes if c not in index["available"]]

if _shows("index"):
    st.subheader(f"Nood-index {year}")
    st.markdown(
        f"**Gewichten:** {index['weight_text']}. 0 is het Vlaamse niveau; +1 betekent gemiddeld "
        "één standaardafwijking meer nood dan Vlaanderen. Noemer: inwoners op 1 januari."
    )
    if missing_codes:
        st.info(
            f"Geen waarden in {year} voor: "
            + ", ".join(md_names[c] for c in missing_codes)
            + ". Die indicatoren tellen dit jaar niet mee; de andere gewichten zijn herschaald.",
            icon=":material/info:",
        )

    what = "zones" if map_level == "zone" else "gemeenten"
    left, right = st.columns([4, 1])
    with left:
        st.pydeck_chart(
            _deck(BUILD, map_level, year, codes, family_key, indicator_key),
            height=520,
            alt=f"Kaart van de nood-index per {MAP_LEVELS[map_level].lower()[:-1]}, {year}",
        )
    with right:
        missing_item = maps.LegendItem(
            maps.rgb_hex(maps.MISSING_COLOUR), "geen gegevens", maps.MISSING_COLOUR
        )
        st.html(
            maps.legend_html(
                [*index[f"legend_{map_level}"], missing_item],
                title=f"Nood-index {year}: kwintielen van de {what}",
            )
        )
    n_imputed_mun = index["n_imputed_mun"]
    st.caption(
        f"Kleur: kwintielen van de {what} naar nood-index, gewogen naar inwoners: elke klasse telt "
        "ongeveer een vijfde van de Vlaamse bevolking. Samengestelde index: geen "
        "betrouwbaarheidsinterval; de indicatoren zelf hebben er wel een. "
        f"{n_imputed_mun} gemeenten hebben minstens één onderdrukte waarde; daar is de waarde van "
        f"hun zone ingevuld (nooit 0). Jaar {year}; {SOURCE}. Grenzen "
        f"{store.boundary_version(marts)}. {labels.ANTWERP_NOTE.replace('elz2', ANTWERP_ZONE)}"
    )

    st.markdown(f"#### Waardoor scoort {md_zone_names[zone]} zo?")
    zone_row = zone_table.filter(pl.col("area_code") == zone).row(0, named=True)
    m1, m2, m3 = st.columns(3)
    m1.metric(
        "Nood-index",
        labels.fmt_number(zone_row["need_index"], 2),
        help="Gewogen som van de z-scores; 0 = Vlaanderen. Geen interval (samengestelde index).",
        border=True,
    )
    m2.metric(
        "Kwintiel van de zones",
        need_display.QUINTILE_NAMES.get(zone_row["quintile"], "-"),
        border=True,
    )
    m3.metric("Inwoners (noemer)", labels.fmt_number(zone_row["population"]), border=True)
    st.caption(f"jaar {year} · {SOURCE} · geen interval: samengestelde index")
    st.vega_lite_chart(
        spec=need_display.decomposition_chart(
            need_display.decomposition_records(index["contrib_zone"], catalogue, zone),
            title=f"Opsplitsing van de nood-index: {zone_names[zone]} ({zone}), {year}",
        ),
        width="stretch",
    )

    # --- crude beside age-standardised, the zone's need indicators (issue 15) ---------------
    with st.expander(
        f"Ruw en leeftijdsgestandaardiseerd: nood-indicatoren van {md_zone_names[zone]}"
    ):
        pairs = standardised.need_standardised_table(
            marts.standardised, marts.comparisons, marts.indicators, codes, zone, year
        )
        if pairs.height:
            st.dataframe(pairs, hide_index=True, width="stretch")
            _downloads(
                pairs,
                stem=f"ruw-en-gestandaardiseerd-{zone}-{year}",
                sheet="ruw en gestandaardiseerd",
                key="need_dl_standardised",
            )
            st.caption(standardised.NOTE)
        else:
            st.info(f"Geen leeftijdsgestandaardiseerde cijfers voor deze indicatoren in {year}.")

    method_box = st.expander("Methode van de nood-index", key=METHOD_KEY, on_change="rerun")
    if method_box.open:
        with method_box:
            st.markdown(METHOD_MARKDOWN)
            _table(index["weights_table"], index["weights_table_text"])

if _shows("gebieden"):
    with st.expander("Alle zones: nood-index per familie"):
        st.vega_lite_chart(spec=need_display.family_stack_chart(index["stack"]), width="stretch")

    zone_display: pl.DataFrame = index["zone_display"]
    with st.expander("Tabel: nood-index per zone"):
        _table(zone_display, index["zone_display_text"])
        _downloads(
            zone_display,
            stem=f"nood-index-zones-{year}",
            sheet="nood-index zones",
            key="need_dl_zone",
        )

    st.markdown("#### Gemeenten in kwintielen")
    mun_display: pl.DataFrame = index["mun_display"]
    q_left, q_right = st.columns([2, 3])
    with q_left:
        _table(index["summary"], index["summary_text"])
        st.caption(
            "Kwintielen van de gemeenten naar nood-index, gewogen naar inwoners "
            f"(jaar {year}). Q5 = de gemeenten met de meeste nood, samen ongeveer 20 % van de "
            "inwoners."
        )
    with q_right:
        st.markdown(f"Gemeenten van {md_zone_names[zone]}")
        in_zone = index["mun_display_text"].filter(pl.col("Zone") == zone).drop("Zone")
        _table(in_zone, in_zone)
    _downloads(
        mun_display,
        stem=f"nood-index-gemeenten-{year}",
        sheet="nood-index gemeenten",
        key="need_dl_mun",
        what="alle gemeenten ",
    )

# --- risk pyramid --------------------------------------------------------------------------
if _shows("piramide"):
    st.subheader(f"Risicopiramide: {md_zone_names[zone]} ({zone}), {year}")
    st.caption(
        "Een schatting voor de zone als geheel, met vaste regels uit de Atlas-indicatoren. Dit is "
        "nooit een lijst van personen: niemand wordt geïdentificeerd."
    )
    pyr = _pyramid(BUILD, year, zone, params)
    chart_col, method_col = st.columns([3, 2])
    with method_col:
        st.markdown(
            "**Methode (regels, per zone)**\n\n"
            "- **Complex** = palliatief statuut × a + bewoners woonzorgcentrum × b + "
            "(75-plussers met polyfarmacie − bewoners woonzorgcentrum) × c.\n"
            "- **Risico of chronisch** = statuut chronische aandoening + diabetesmedicatie × d "
            "+ 75-plussers × e + verhoogde tegemoetkoming × f + alleenwonende 65-plussers × g, "
            "min de complexe groep.\n"
            "- **Gezond** = de rest: de drie niveaus tellen op tot de bevolking.\n\n"
            "Elke indicator is een aandeel (teller/noemer) toegepast op de inwoners waarop hij "
            "slaat (alle, 65+ of 75+). Vergelijking: Vlaanderen met dezelfde regels, en de "
            "Kaiser-piramide (65–80 % / 20–30 % / 1–5 %).\n\n"
            "**Beperkingen:** de overlap tussen groepen is niet gemeten maar aangenomen "
            "(factoren a–g); Atlas-cijfers tellen rechthebbenden, niet inwoners; niet-medische "
            "noden (eenzaamheid, armoede) zitten er slechts ruw in."
        )
        with st.expander("Aannames aanpassen (a–g)", icon=":material/tune:"):
            for letter, spec in zip("abcdefg", pyramid.PARAM_SPECS, strict=True):
                st.slider(
                    f"{letter}. {spec.label}",
                    0.0,
                    1.0,
                    step=0.05,
                    key=f"need_pp_{spec.name}",
                    help=f"{spec.help} Aannamebereik: {labels.fmt_number(spec.low, 2)} – "
                    f"{labels.fmt_number(spec.high, 2)}.",
                )
            st.button("Standaardaannames herstellen", on_click=_reset_pyramid, key="need_reset_p")
    with chart_col:
        if pyr["missing"]:
            roles = [
                pyramid_display.INPUT_LABELS.get(r.strip(), r) for r in pyr["missing"].split(",")
            ]
            st.info(
                f"De piramide kan voor {year} niet berekend worden: geen gegevens voor "
                + ", ".join(roles)
                + ". Kies een ander jaar.",
                icon=":material/info:",
            )
        else:
            st.vega_lite_chart(
                spec=pyramid_display.pyramid_chart(
                    pyr["records"],
                    title=f"Risicopiramide {zone_names[zone]} en Vlaanderen, {year}",
                )
            )

    if not pyr["missing"]:
        pyr_display: pl.DataFrame = pyr["display"]
        _table(pyr_display)
        st.caption(
            f"jaar {year} · noemer: inwoners op 1 januari · {SOURCE} · geen "
            "betrouwbaarheidsinterval: het aannamebereik toont hoe sterk de schatting van de "
            "aannames afhangt. Aantallen afgerond op tientallen."
        )
        _downloads(
            pyr_display,
            stem=f"risicopiramide-{zone}-{year}",
            sheet="risicopiramide",
            key="need_dl_pyr",
            what="piramide ",
        )
        with st.expander(f"Invoer van de piramide: {md_zone_names[zone]}, {year}"):
            _table(pyr["inputs"])
            st.caption(
                "Elk aandeel is teller/noemer van de zone (IMA Atlas; inwoners van 75+ uit "
                "Statbel), toegepast op de inwoners waarop het slaat. Een onderdrukte "
                "zonewaarde zou de Vlaamse waarde krijgen (nooit 0)."
            )


ui.footer(marts)
