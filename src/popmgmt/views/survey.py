"""Huisartsenenquête: the survey mart read into the page's tables and chart (pure, Dutch).

Every figure is shown with its respondents and the response rate, its interval, year and
source; hidden cells read "onderdrukt (...)". Only zones, circles, provinces and Flanders
exist in the mart (`pipeline.survey`), so nothing here can show a municipality or a
practice.
"""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from popmgmt.pipeline.survey import CONTACT_MINUTES, WORK_WEEKS
from popmgmt.views import labels
from popmgmt.views.charts import FLANDERS_COLOUR, house_style

SOURCE: Final = "Departement Zorg, bevraging huisartsen en praktijken"
LEVELS: Final = {
    "zone": "Eerstelijnszone",
    "kring": "Huisartsenkring",
    "provincie": "Provincie",
}
# code -> (Dutch name, unit, decimals); the order is the page's.
INDICATORS: Final[dict[str, tuple[str, str, int]]] = {
    "hours_mean": ("Gewerkte uren per week (gemiddelde)", "uur", 1),
    "hours_band": ("Gewerkte uren per week (verdeling)", "%", 1),
    "workload_high": ("Ervaren werkdruk (veel) te hoog (4 of 5 op 5)", "%", 1),
    "wellbeing_mean": ("Welbevinden (gemiddelde, 0-10)", "", 1),
    "contact_share": ("Aandeel werktijd in patiëntencontact (schatting)", "%", 1),
    "appointments": ("Praktijken naar afsprakensysteem", "%", 1),
    "staff_fte_per_gp": ("Ondersteunend personeel (VTE per huisarts)", "VTE", 2),
    "discipline_present": ("Praktijken met deze discipline", "%", 1),
    "expansion_plans": ("Plannen om de capaciteit uit te breiden", "%", 1),
    "continuity": ("Continuïteit van zorg (beantwoord door de praktijk)", "%", 1),
    "patient_stop_by_payment": ("Patiëntenstop naar betalingssysteem", "%", 1),
}
GP_SECTION: Final = ("hours_mean", "hours_band", "workload_high", "wellbeing_mean", "contact_share")
CATEGORIES: Final[dict[str, str]] = {
    "totaal": "",
    "enkel_afspraak": "enkel op afspraak",
    "gemengd": "gemengd",
    "vrij_spreekuur": "vrij spreekuur",
    "ja": "ja",
    "nee": "nee",
    "onbeslist": "nog niet beslist",
    "eigen_praktijk": "collega's van de eigen praktijk nemen over",
    "vaste_collegas": "vaste afspraak met andere praktijken",
    "enkel_wachtdienst": "alleen de wachtdienst",
    "geen_regeling": "geen regeling",
    "verpleegkundige": "verpleegkundige",
    "administratief": "administratief",
    "ander": "andere disciplines",
    "kinesitherapeut": "kinesitherapeut",
    "dietist": "diëtist",
    "psycholoog": "psycholoog",
    "maatschappelijk_werker": "maatschappelijk werker",
    "tandarts": "tandarts",
    "vroedvrouw": "vroedvrouw",
}
REASONS: Final = {
    "primair": "minder dan 10 respondenten of minder dan 5 artsen",
    "secundair": "afleidbaar uit andere cijfers",
    "weinig_respondenten": "minder dan 10 praktijken",
}
NOT_A_SAMPLE: Final = (
    "**De enquête is geen toevalssteekproef.** Wie antwoordt, kiest dat zelf: huisartsen "
    "met een hoge werkdruk kunnen meer (of minder) geneigd zijn te antwoorden. De "
    "intervallen geven alleen de toevalsvariatie onder wie antwoordde, niet die "
    "selectie. Lees elk cijfer met de respons ernaast; bij een lage respons zegt het "
    "cijfer weinig over alle huisartsen van het gebied."
)
LEVEL_NOTE: Final = (
    "Antwoorden van huisartsen worden alleen per zone, kring, provincie en voor Vlaanderen "
    "getoond, nooit per gemeente, praktijk of op een kaart. Een cel met minder dan 10 "
    "respondenten wordt niet getoond, en ook geen cel waaruit die af te leiden is."
)
_CONTACT_NAMES: Final = {
    "RAADPL": "raadpleging",
    "BEZOEKIND": "huisbezoek",
    "BEZAVOND": "huisbezoek 's avonds of in het weekend",
    "INSTEL": "bezoek in een instelling",
    "DIGICONT": "digitaal contact",
    "ADVIES": "advies (o.a. telefonisch)",
}
CONTACT_ASSUMPTIONS: Final = (
    "**Schatting, geen meting.** Aandeel = (gefactureerde contacten van de huisartsen met "
    "betaling per prestatie (IMA) x een aangenomen duur per soort contact) / (hun "
    f"gemiddeld opgegeven uren per week x {WORK_WEEKS} werkweken x het aantal huisartsen "
    "met betaling per prestatie). Aangenomen duur: "
    + "; ".join(f"{_CONTACT_NAMES[c]} {m} min" for c, m in CONTACT_MINUTES.items())
    + ". Forfaitaire praktijken factureren geen contacten en tellen niet mee. Het interval "
    "geeft alleen de onzekerheid van de gemiddelde uren, niet die van de aangenomen duur."
)


def category_text(code: str, category: str) -> str:
    if code == "hours_band":
        return category.replace(">=", "≥") + " uur"
    if code == "patient_stop_by_payment":
        pay, stop = category.split(":")
        return f"{labels.label('payment_system', pay)}: {labels.label('patient_stop', stop)}"
    return CATEGORIES.get(category, category)


def years(survey: pl.DataFrame) -> list[int]:
    return sorted(survey["year"].unique().to_list(), reverse=True)


def area_options(survey: pl.DataFrame, areas: pl.DataFrame, level: str) -> dict[str, str]:
    """code -> "name (code)" of the areas of `level` that the survey mart holds."""
    codes_here = survey.filter(pl.col("level") == level)["area_code"].unique().to_list()
    names = areas.filter((pl.col("level") == level) & pl.col("area_code").is_in(codes_here))
    named = dict(names.select("area_code", "area_name").iter_rows())
    return {c: f"{named.get(c) or c} ({c})" for c in sorted(codes_here)}


def _figure(row: dict[str, Any] | None, unit: str, decimals: int) -> tuple[str, str, str, str]:
    """value, interval, respondents, response rate of one row, as Dutch text."""
    if row is None:
        return labels.NO_DATA, "", "", ""
    response = (
        labels.fmt_value(row["response_rate"], "%", 0)
        if row["response_rate"] is not None
        else "onbekend"
    )
    if row["suppressed"]:
        reason = REASONS.get(row["suppression_reason"] or "", "onderdrukt")
        return f"onderdrukt ({reason})", "", "onderdrukt", "onderdrukt"
    respondents = labels.fmt_number(row["respondents"])
    if row["population"] is not None:
        respondents += f" van {labels.fmt_number(row['population'])}"
    return (
        labels.fmt_value(row["value"], unit or None, decimals),
        labels.fmt_interval(row["ci_low"], row["ci_high"], unit or None, decimals),
        respondents,
        response,
    )


def comparison_table(
    survey: pl.DataFrame,
    level: str,
    area_code: str,
    year: int,
    indicators: tuple[str, ...],
) -> pl.DataFrame:
    """One row per indicator and category: the area beside Flanders, each figure with
    its interval, respondents (of how many in the area) and response rate, the year and
    the source."""
    here = survey.filter(pl.col("year") == year)
    rows = []
    for code in indicators:
        name, unit, decimals = INDICATORS[code]
        part = here.filter(pl.col("indicator_code") == code)
        for category in part["category"].unique(maintain_order=True).to_list():
            cat = part.filter(pl.col("category") == category)
            own = cat.filter((pl.col("level") == level) & (pl.col("area_code") == area_code))
            flemish = cat.filter(pl.col("level") == "vlaanderen")
            a = _figure(own.row(0, named=True) if own.height else None, unit, decimals)
            f = _figure(flemish.row(0, named=True) if flemish.height else None, unit, decimals)
            rows.append(
                {
                    "Indicator": name,
                    "Categorie": category_text(code, category),
                    "Gebied": a[0],
                    "Gebied 95%-BI": a[1],
                    "Gebied respondenten": a[2],
                    "Gebied respons": a[3],
                    "Vlaanderen": f[0],
                    "Vlaanderen 95%-BI": f[1],
                    "Vlaanderen respondenten": f[2],
                    "Vlaanderen respons": f[3],
                    "Jaar": str(year),
                    "Bron": SOURCE + (" en IMA (schatting)" if code == "contact_share" else ""),
                }
            )
    schema = dict.fromkeys(rows[0] if rows else {"Indicator": ""}, pl.String)
    return pl.DataFrame(rows, schema=schema)


def response_by_zone(survey: pl.DataFrame, areas: pl.DataFrame, year: int) -> pl.DataFrame:
    """Response rate of the GP survey per zone (and Flanders as reference), lowest first."""
    rows = survey.filter(
        (pl.col("indicator_code") == "hours_mean")
        & (pl.col("year") == year)
        & pl.col("level").is_in(["zone", "vlaanderen"])
    )
    names = areas.select("level", "area_code", "area_name")
    return (
        rows.join(names, on=["level", "area_code"], how="left")
        .select(
            "level",
            "area_code",
            pl.coalesce("area_name", "area_code").alias("area_name"),
            "respondents",
            "population",
            "response_rate",
            "suppressed",
        )
        .sort("response_rate", "area_code", nulls_last=True)
    )


def response_table(frame: pl.DataFrame) -> pl.DataFrame:
    """The response by zone as a Dutch table (download)."""
    return frame.filter(pl.col("level") == "zone").select(
        pl.col("area_name").alias("Zone"),
        pl.col("area_code").alias("Code"),
        pl.col("respondents").alias("Respondenten"),
        pl.col("population").alias("Huisartsen (IMA)"),
        pl.col("response_rate").round(1).alias("Respons (%)"),
    )


LOW_RESPONSE: Final = 50.0
"""Response rates under this (%) are marked as low on the chart."""


@house_style
def response_chart(frame: pl.DataFrame, year: int) -> dict[str, Any]:
    """Bars of the response rate per zone, lowest on top, low ones coloured; Flanders as
    a dashed rule. Zones whose survey cells are hidden show their response when known."""
    flemish = frame.filter(pl.col("level") == "vlaanderen")["response_rate"]
    records = [
        {
            "zone": f"{r['area_name']} ({r['area_code']})",
            "rate": r["response_rate"],
            "low": "lage respons" if r["response_rate"] < LOW_RESPONSE else "respons",
            "rate_text": labels.fmt_value(r["response_rate"], "%", 1),
            "n_text": f"{labels.fmt_number(r['respondents'])} van "
            f"{labels.fmt_number(r['population'])} huisartsen",
        }
        for r in frame.filter(
            (pl.col("level") == "zone") & pl.col("response_rate").is_not_null()
        ).iter_rows(named=True)
    ]
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "bar"},
            "encoding": {
                "y": {"field": "zone", "type": "nominal", "sort": {"field": "rate"},
                      "title": None, "axis": {"labelLimit": 260}},
                "x": {"field": "rate", "type": "quantitative", "title": "Respons (%)",
                      "scale": {"domain": [0, 100]}},
                "color": {"field": "low", "type": "nominal", "title": None,
                          "scale": {"domain": ["lage respons", "respons"],
                                    "range": ["#d95f02", "#7570b3"]}},
                "tooltip": [
                    {"field": "zone", "type": "nominal", "title": "Zone"},
                    {"field": "rate_text", "type": "nominal", "title": "Respons"},
                    {"field": "n_text", "type": "nominal", "title": "Respondenten"},
                ],
            },
        }
    ]  # fmt: skip
    notes = [
        f"Respons = respondenten / huisartsen in het IMA-bestand ({year}); oranje: onder "
        f"{labels.fmt_number(LOW_RESPONSE)} %."
    ]
    if flemish.len() and flemish[0] is not None:
        layers.append(
            {
                "mark": {"type": "rule", "color": FLANDERS_COLOUR, "strokeDash": [4, 3]},
                "encoding": {"x": {"datum": float(flemish[0])}},
            }
        )
        notes.append(f"Stippellijn: Vlaanderen ({labels.fmt_value(flemish[0], '%', 1)}).")
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": records},
        "height": {"step": 14},
        "layer": layers,
        "usermeta": {"title": f"Respons op de huisartsenenquête per zone ({year})",
                     "notes": notes},
    }  # fmt: skip


def download_notes(year: int) -> list[str]:
    return [
        f"Bron: {SOURCE} ({year}); huisartsen en praktijken per gebied: IMA.",
        NOT_A_SAMPLE.replace("**", ""),
        LEVEL_NOTE,
        CONTACT_ASSUMPTIONS.replace("**", ""),
    ]


def levels_in(survey: pl.DataFrame) -> list[str]:
    present = set(survey["level"].unique().to_list())
    return [level for level in LEVELS if level in present]
