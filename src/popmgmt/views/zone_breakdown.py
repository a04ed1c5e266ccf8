"""Zoneprofiel, "Voor welke doelgroepen kan de dekking stijgen?": an Atlas indicator of
the zone against Flanders by age band and by sex (the breakdowns mart), and the crude
value beside the age-standardised ones (the standardised mart). Pure: polars in,
frames and Vega-Lite dicts out."""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from popmgmt.pipeline.codes import ATLAS_AGE_BANDS, FLANDERS_CODE
from popmgmt.views import charts, labels

ZONE_LABEL: Final = "Deze zone"
FLANDERS_LABEL: Final = "Vlaanderen"
SEX_LABELS: Final = {"M": "Mannen", "V": "Vrouwen", "T": "Samen"}
BASIS_TEXT: Final = {
    "leeftijdsgestandaardiseerd": "leeftijdsgestandaardiseerd (indirect, tegenover de "
    "Vlaamse leeftijdscijfers)",
    "ruw": "ruw (niet gestandaardiseerd)",
}
HIDDEN_NOTE: Final = (
    "Leeftijdsgroepen zonder balk zijn afgeschermd (minder dan 5 personen, of nodig om "
    "zo'n cel te beschermen)."
)
STANDARDISED_NOTE: Final = (
    "Het leeftijdsgestandaardiseerde cijfer (ESP2013) rekent uit wat het cijfer zou zijn "
    "met de leeftijdsopbouw van de Europese standaardbevolking 2013; de indirect "
    "gestandaardiseerde ratio deelt het werkelijke aantal door het aantal dat de zone "
    "zou hebben met de Vlaamse cijfers per leeftijdsgroep (1,10 = 10 % meer dan "
    "verwacht). Niet getoond bij minder dan 10 gebeurtenissen of als een "
    "leeftijdsgroep afgeschermd is."
)


def breakdown_codes(breakdowns: pl.DataFrame, zone_code: str) -> list[str]:
    """Indicators with a published breakdown for the zone, sorted."""
    if breakdowns.height == 0:
        return []
    return sorted(
        breakdowns.filter(pl.col("area_code") == zone_code)["indicator_code"].unique().to_list()
    )


def latest_breakdown_year(breakdowns: pl.DataFrame, code: str) -> int | None:
    years = breakdowns.filter(pl.col("indicator_code") == code)["year"]
    return int(years.max()) if years.len() else None  # type: ignore[arg-type]


def _rows(
    breakdowns: pl.DataFrame, code: str, zone_code: str, year: int, by_sex: bool
) -> pl.DataFrame:
    mine = (
        (pl.col("indicator_code") == code)
        & (pl.col("year") == year)
        & pl.col("area_code").is_in([zone_code, FLANDERS_CODE])
    )
    rows = breakdowns.filter(mine)
    rows = (
        rows.filter((pl.col("age_band") == "totaal") & (pl.col("sex") != "T"))
        if by_sex
        else rows.filter((pl.col("age_band") != "totaal") & (pl.col("sex") == "T"))
    )
    order = {b: i for i, b in enumerate(ATLAS_AGE_BANDS)}
    return rows.select(
        pl.when(pl.col("area_code") == zone_code)
        .then(pl.lit(ZONE_LABEL))
        .otherwise(pl.lit(FLANDERS_LABEL))
        .alias("gebied"),
        (
            pl.col("sex").replace_strict(SEX_LABELS, default=pl.col("sex"))
            if by_sex
            else pl.col("age_band")
        ).alias("groep"),
        (
            pl.col("sex")
            if by_sex
            else pl.col("age_band").replace_strict(order, default=99, return_dtype=pl.Int64)
        ).alias("_order"),
        "value",
        "ci_low",
        "ci_high",
        "numerator",
        "denominator",
        pl.col("suppressed").fill_null(False),
    ).sort("_order", "gebied")


def age_frame(breakdowns: pl.DataFrame, code: str, zone_code: str, year: int) -> pl.DataFrame:
    """The zone and Flanders per age band (both sexes): gebied, groep, value, interval,
    numerator, denominator, suppressed."""
    return _rows(breakdowns, code, zone_code, year, by_sex=False).drop("_order")


def sex_frame(breakdowns: pl.DataFrame, code: str, zone_code: str, year: int) -> pl.DataFrame:
    """The zone and Flanders per sex (all ages)."""
    return _rows(breakdowns, code, zone_code, year, by_sex=True).drop("_order")


@charts.house_style
def breakdown_spec(
    frame: pl.DataFrame, *, title: str, unit: str | None, axis_title: str
) -> dict[str, Any]:
    """Grouped bars (zone beside Flanders) per group with 95% interval rules."""
    decimals = labels.default_decimals(unit)
    records = [
        {
            "gebied": r["gebied"],
            "groep": r["groep"],
            "value": r["value"],
            "ci_low": r["ci_low"],
            "ci_high": r["ci_high"],
            "waarde": labels.fmt_value(r["value"], unit, decimals),
            "interval": labels.fmt_interval(r["ci_low"], r["ci_high"], unit, decimals),
            "noemer": labels.fmt_number(r["denominator"]),
        }
        for r in frame.filter(~pl.col("suppressed")).iter_rows(named=True)
    ]
    groups = list(dict.fromkeys(frame["groep"].to_list()))
    x = {"field": "groep", "type": "nominal", "sort": groups, "title": axis_title}
    colour = {
        "field": "gebied",
        "type": "nominal",
        "title": None,
        "scale": {"domain": [ZONE_LABEL, FLANDERS_LABEL], "range": ["#1f6f8b", "#c0392b"]},
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "anchor": "start"},
        "data": {"values": records},
        "width": "container",
        "height": 260,
        "encoding": {"x": x, "xOffset": {"field": "gebied"}, "color": colour},
        "layer": [
            {
                "mark": "bar",
                "encoding": {
                    "y": {"field": "value", "type": "quantitative", "title": unit or ""},
                    "tooltip": [
                        {"field": "gebied", "title": "Gebied"},
                        {"field": "groep", "title": axis_title},
                        {"field": "waarde", "title": "Waarde"},
                        {"field": "interval", "title": "95%-betrouwbaarheidsinterval"},
                        {"field": "noemer", "title": "Noemer"},
                    ],
                },
            },
            {
                "mark": {"type": "rule", "color": "#333333"},
                "encoding": {
                    "y": {"field": "ci_low", "type": "quantitative"},
                    "y2": {"field": "ci_high"},
                },
            },
        ],
    }


def standardised_table(
    standardised: pl.DataFrame,
    comparisons: pl.DataFrame,
    code: str,
    zone_code: str,
    year: int,
    unit: str | None,
) -> pl.DataFrame:
    """Crude and standardised side by side for the zone and Flanders (Dutch columns)."""
    rows = standardised.filter(
        (pl.col("indicator_code") == code)
        & (pl.col("year") == year)
        & pl.col("area_code").is_in([zone_code, FLANDERS_CODE])
    )
    basis = comparisons.filter(
        (pl.col("indicator_code") == code)
        & (pl.col("year") == year)
        & (pl.col("area_code") == zone_code)
        & (pl.col("reference") == "vlaanderen")
    )["basis"]
    basis_text = BASIS_TEXT.get(str(basis[0]), str(basis[0])) if basis.len() else "–"
    out = []
    for area, name in ((zone_code, ZONE_LABEL), (FLANDERS_CODE, FLANDERS_LABEL)):
        r = rows.filter(pl.col("area_code") == area)
        row = r.row(0, named=True) if r.height else {}
        out.append(
            {
                "Gebied": name,
                "Ruw cijfer": labels.fmt_value(row.get("crude"), unit),
                "Leeftijdsgestandaardiseerd (ESP2013)": labels.fmt_value(row.get("dsr"), unit),
                "95%-BI (gestandaardiseerd)": labels.fmt_interval(
                    row.get("dsr_ci_low"), row.get("dsr_ci_high"), unit
                ),
                "Indirect gestandaardiseerde ratio": labels.fmt_number(row.get("isr"), 2),
                "Waargenomen / verwacht": (
                    f"{labels.fmt_number(row.get('events'))} / "
                    f"{labels.fmt_number(row.get('expected'), 1)}"
                ),
                "Vergelijking met Vlaanderen": basis_text if area == zone_code else "referentie",
            }
        )
    return pl.DataFrame(out)
