"""Capaciteit 2035: the page model of the capacity outlook (pure: no Streamlit).

The scenario in the link (`PARAMS`), the zone's and Flanders' outlook from the marts
(`zone_outlook`), the Dutch table, texts and the Vega-Lite chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from popmgmt.metrics import outlook as ol
from popmgmt.pipeline.codes import FLANDERS_CODE
from popmgmt.views import charts, labels, query

ZONE_PARAM: Final = "zone"
RETIREMENT_PARAM: Final = "pensioen"
INFLOW_PARAM: Final = "instroom"
FTE_PARAM: Final = "vte"
PARAMS: Final = (ZONE_PARAM, RETIREMENT_PARAM, INFLOW_PARAM, FTE_PARAM)

SOURCE_TEXT: Final[Mapping[str, str]] = {
    "waargenomen": "Statbel-bevolking (waargenomen)",
    "officiele_projectie": "officiële bevolkingsprojectie per gemeente",
    "cohortmodel": "eigen cohort-componentenprojectie (aannames hieronder)",
}
STATUS_TEXT: Final[Mapping[str, str]] = {
    "huisartsarm": "onder de drempel",
    "niet_huisartsarm": "boven de drempel",
    "niet_te_bepalen": "niet te bepalen",
    "huisartsarm_onderdrukt": "onder de drempel",
}
COLUMNS: Final = (
    "Jaar",
    "Gebied",
    "Inwoners",
    "Bron inwoners",
    "Huisartsen",
    "Huisartsen jonger dan 65",
    "VTE",
    "Huisartsen per 10.000 inwoners",
    "VTE per 10.000 noodgewogen inwoners",
    "Huisartsen < 65 per 100.000",
    "Drempel huisartsarm (per 100.000)",
    "Huisartsarm?",
)
SCENARIO_NOTE: Final = (
    "Een scenario, geen voorspelling en geen steekproef: de cijfers na vandaag hebben geen "
    "betrouwbaarheidsinterval. Vandaag (basisjaar) is een volledige telling van de actieve "
    "huisartsen (IMA-AIM, Patiënteel huisartsen)."
)


@dataclass(frozen=True)
class Outlook:
    """The outlook of a zone beside Flanders, with today's basis of both."""

    zone: pl.DataFrame
    flanders: pl.DataFrame
    base: ol.Base
    flanders_base: ol.Base
    scenario: ol.Scenario


def scenario_from_params(params: Mapping[str, str], base: ol.Base) -> tuple[ol.Scenario, list[str]]:
    """The scenario of the link (defaults from `base` where absent), and Dutch problems."""
    problems: list[str] = []
    lo, hi = ol.RETIREMENT_RANGE
    retirement, problem = query.parse_number(
        params.get(RETIREMENT_PARAM), minimum=lo, maximum=hi, what="pensioenleeftijd"
    )
    problems += [problem] if problem else []
    inflow, problem = query.parse_number(
        params.get(INFLOW_PARAM), minimum=0.0, maximum=ol.INFLOW_MAX, what="instroom"
    )
    problems += [problem] if problem else []
    flo, fhi = ol.FTE_RANGE
    fte, problem = query.parse_number(
        params.get(FTE_PARAM), minimum=flo, maximum=fhi, what="VTE per huisarts"
    )
    problems += [problem] if problem else []
    scenario = ol.Scenario(
        retirement_age=round(retirement) if retirement is not None else ol.RETIREMENT_DEFAULT,
        inflow=float(inflow) if inflow is not None else base.default_inflow,
        fte_per_gp=float(fte) if fte is not None else base.default_fte_per_gp,
    )
    return scenario, problems


def scenario_params(scenario: ol.Scenario) -> dict[str, str]:
    """The link's parameters of a scenario."""
    return {
        RETIREMENT_PARAM: str(scenario.retirement_age),
        INFLOW_PARAM: query.format_number(scenario.inflow),
        FTE_PARAM: query.format_number(scenario.fte_per_gp),
    }


@dataclass(frozen=True)
class Inputs:
    """The small frames the page computes a scenario from (precomputed per build)."""

    values: pl.DataFrame
    gp_age: pl.DataFrame
    gp_inflow: pl.DataFrame
    population: pl.DataFrame
    projected: pl.DataFrame
    areas: pl.DataFrame
    year: int
    scale: float


def inputs(
    values: pl.DataFrame,
    gp_age: pl.DataFrame,
    gp_inflow: pl.DataFrame,
    population: pl.DataFrame,
    projected: pl.DataFrame,
    areas: pl.DataFrame,
) -> Inputs:
    """Slices of the marts for the outlook (once per build)."""
    codes = [ol.GP_COUNT, ol.GP_FTE, ol.GP_TRAINEES, ol.GP_60PLUS, ol.GP_65PLUS]
    small = values.filter(
        pl.col("indicator_code").is_in(codes) & pl.col("level").is_in(["zone", "vlaanderen"])
    )
    year = ol.base_year(small)
    pop = population.filter(
        pl.col("level").is_in(["zone", "vlaanderen"]) & (pl.col("year") >= year)
    )
    flemish = ol.population_series(pop, projected, areas=[FLANDERS_CODE], from_year=year)
    return Inputs(
        values=small,
        gp_age=gp_age,
        gp_inflow=gp_inflow,
        population=pop,
        projected=projected,
        areas=areas.filter(pl.col("level").is_in(["zone", "vlaanderen"])),
        year=year,
        scale=ol.need_scale(flemish, year),
    )


def bases(data: Inputs, zone_code: str) -> tuple[ol.Base, ol.Base]:
    """Today's basis of the zone and of Flanders."""
    common = {
        "values": data.values,
        "gp_age": data.gp_age,
        "inflow": data.gp_inflow,
        "population": data.population,
        "year": data.year,
    }
    zone = ol.gps_base(level="zone", area_code=zone_code, **common)  # type: ignore[arg-type]
    flanders = ol.gps_base(level="vlaanderen", area_code=FLANDERS_CODE, **common)  # type: ignore[arg-type]
    return zone, flanders


def _km2(areas: pl.DataFrame, code: str) -> float | None:
    rows = areas.filter(pl.col("area_code") == code)
    return None if rows.height == 0 else rows["area_km2"][0]


def zone_outlook(data: Inputs, zone_code: str, scenario: ol.Scenario) -> Outlook:
    """The zone's and Flanders' outlook under `scenario` (Flanders: the same retirement
    age, its own inflow and FTE per GP as in recent years)."""
    zone_base, vl_base = bases(data, zone_code)
    series = ol.population_series(
        data.population, data.projected, areas=[zone_code, FLANDERS_CODE], from_year=data.year
    )
    zone = ol.outlook(
        zone_base,
        scenario,
        series.filter(pl.col("area_code") == zone_code),
        area_km2=_km2(data.areas, zone_code),
        scale=data.scale,
    )
    vl_scenario = ol.Scenario(
        retirement_age=scenario.retirement_age,
        inflow=vl_base.default_inflow,
        fte_per_gp=vl_base.default_fte_per_gp,
        inflow_max=math.inf,
    )
    flanders = ol.outlook(
        vl_base,
        vl_scenario,
        series.filter(pl.col("area_code") == FLANDERS_CODE),
        area_km2=_km2(data.areas, FLANDERS_CODE),
        scale=data.scale,
    )
    return Outlook(zone, flanders, zone_base, vl_base, scenario)


def table(result: Outlook, names: Mapping[str, str]) -> pl.DataFrame:
    """Per year the zone and Flanders (Dutch text columns, `COLUMNS`)."""
    rows = []
    frames = [result.zone, result.flanders]
    for year in result.zone["year"].to_list():
        for frame in frames:
            r = frame.filter(pl.col("year") == year).row(0, named=True)
            rows.append(
                [
                    str(year),
                    names.get(r["area_code"], r["area_code"]),
                    labels.fmt_number(r["population"]),
                    SOURCE_TEXT.get(str(r["population_source"]), labels.NO_DATA),
                    labels.fmt_number(r["gps"], 0 if year == result.base.year else 1),
                    labels.fmt_number(r["gps_under65"], 1),
                    labels.fmt_number(r["fte"], 1),
                    labels.fmt_number(r["gps_per_10k"], 2),
                    labels.fmt_number(r["fte_per_10k_need"], 2),
                    labels.fmt_number(r["under65_per_100k"], 1),
                    labels.fmt_number(r["threshold"]),
                    STATUS_TEXT.get(str(r["status"]), labels.NO_DATA),
                ]
            )
    return pl.DataFrame(rows, schema=list(COLUMNS), orient="row")


def summary(result: Outlook) -> dict[str, float | int | None]:
    """Today and the last year for the page's cards."""
    first = result.zone.row(0, named=True)
    last = result.zone.row(result.zone.height - 1, named=True)
    vl_last = result.flanders.row(result.flanders.height - 1, named=True)
    return {
        "base_year": first["year"],
        "last_year": last["year"],
        "gps_now": first["gps"],
        "gps_last": last["gps"],
        "per_10k_now": first["gps_per_10k"],
        "per_10k_last": last["gps_per_10k"],
        "per_10k_flanders_last": vl_last["gps_per_10k"],
        "need_last": last["fte_per_10k_need"],
        "need_flanders_last": vl_last["fte_per_10k_need"],
        "margin_last": last["margin_per_100k"],
    }


def basis_text(result: Outlook) -> str:
    """How today's GPs by age were obtained, and the defaults (Dutch, for a caption)."""
    base = result.base
    ages = (
        "de eigen aandelen 60-64 en 65+ van de zone"
        if base.age_method == "zone"
        else "de Vlaamse aandelen 60-64 en 65+ (die van de zone zijn onderdrukt)"
    )
    trainees = (
        f"{labels.fmt_number(base.trainees)} huisartsen in opleiding in de zone"
        if base.trainees_method == "zone"
        else "het Vlaamse aantal huisartsen in opleiding per inwoner (dat van de zone is "
        "onderdrukt)"
    )
    return (
        f"Vandaag ({base.year}): {labels.fmt_number(base.gps)} actieve huisartsen, verdeeld "
        f"naar leeftijd met {ages} en, binnen die groepen, de Vlaamse leeftijdsverdeling "
        "(bevraging, huisartsen met gekend geboortejaar). Standaardinstroom: "
        f"{trainees} x het aandeel dat zich de voorbije {ol.SETTLING_YEARS} jaar in "
        f"Vlaanderen vestigde = {labels.fmt_number(base.default_inflow, 1)} per jaar. "
        f"Standaard-VTE per huisarts: {labels.fmt_number(base.default_fte_per_gp, 2)} "
        "(de geschatte VTE van de zone gedeeld door haar huisartsen)."
    )


ASSUMPTIONS: Final = (
    "**Aannames.** Huisartsen stoppen op de gekozen pensioenleeftijd (binnen een "
    "leeftijdsklasse van 5 jaar gelijk verdeeld; 70+ gelezen als 70-79); geen ander vertrek "
    "(verhuis, vroeger stoppen, overlijden). Nieuwe huisartsen komen er elk jaar bij zoals "
    "ingesteld en blijven tot 2035 (allen jonger dan 65). Elke huisarts werkt het ingestelde "
    "aantal VTE. Noodgewogen inwoners: inwoners x de leeftijd- en geslachtsgewichten van de "
    "pagina Nood en aanbod, zo geschaald dat ze in Vlaanderen in het basisjaar gelijk zijn aan "
    "de inwoners. Huisartsarm: de Impulseo-regel (minder dan 90 huisartsen jonger dan 65 per "
    "100.000 inwoners, 120 bij minder dan 125 inwoners per km²). Vlaanderen: dezelfde "
    "pensioenleeftijd, met de eigen instroom en VTE per huisarts van de voorbije jaren."
)

PROJECTION_TEXT: Final[Mapping[str, str]] = {
    "officiele_projectie": (
        "Inwoners na het laatste waargenomen jaar: de officiële bevolkingsprojectie per "
        "gemeente uit het geleverde bestand, tussen de geleverde jaren lineair aangevuld, "
        "opgeteld per zone."
    ),
    "cohortmodel": (
        "Inwoners na het laatste waargenomen jaar: een eigen cohort-componentenprojectie per "
        "gemeente (er is geen officiële projectie geleverd). Aannames: overleving volgens een "
        "Gompertz-sterftewet met een levensverwachting bij geboorte van 81 jaar (mannen) en 85 "
        "jaar (vrouwen); netto migratie per leeftijd en geslacht zoals gemiddeld in de laatste 3 "
        "jaren; geboorten: het aantal 0-jarigen per vrouw van 15-49 jaar van de laatste 3 jaren. "
        "Een schatting met aannames, geen officiële projectie."
    ),
}


def projection_source(result: Outlook) -> str | None:
    """The source of the projected inhabitants (None when only observed years)."""
    sources = [s for s in result.zone["population_source"].unique().to_list() if s != "waargenomen"]
    return sources[0] if sources else None


@charts.house_style
def chart_spec(result: Outlook, zone_name: str) -> dict[str, Any]:
    """Huisartsen per 10.000 inwoners and VTE per 10.000 need-weighted inhabitants, zone
    and Flanders, per year (Vega-Lite dict)."""
    records = []
    for frame, who in ((result.zone, zone_name), (result.flanders, "Vlaanderen")):
        for r in frame.iter_rows(named=True):
            for measure, col in (
                ("Huisartsen per 10.000 inwoners", "gps_per_10k"),
                ("VTE per 10.000 noodgewogen inwoners", "fte_per_10k_need"),
            ):
                if r[col] is not None:
                    records.append(
                        {"jaar": r["year"], "gebied": who, "maat": measure, "waarde": r[col]}
                    )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {
            "text": f"Huisartsencapaciteit tot {ol.LAST_YEAR}: scenario",
            "subtitle": [
                f"{zone_name} en Vlaanderen; pensioenleeftijd {result.scenario.retirement_age}"
            ],
        },
        "data": {"values": records},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "jaar", "type": "ordinal", "title": "Jaar"},
            "y": {"field": "waarde", "type": "quantitative", "title": "Per 10.000"},
            "color": {"field": "gebied", "type": "nominal", "title": "Gebied"},
            "strokeDash": {"field": "maat", "type": "nominal", "title": "Maat"},
            "tooltip": [
                {"field": "jaar", "title": "Jaar"},
                {"field": "gebied", "title": "Gebied"},
                {"field": "maat", "title": "Maat"},
                {"field": "waarde", "title": "Waarde", "format": ",.2f"},
            ],
        },
        "width": "container",
        "height": 320,
    }
