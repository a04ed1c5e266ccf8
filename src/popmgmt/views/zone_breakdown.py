"""Zoneprofiel, "Voor welke doelgroepen kan de dekking stijgen?": an Atlas indicator of
the zone against Flanders by age band and by sex (the breakdowns mart), where the Atlas
delivers it by increased reimbursement (VT/BIM, the mart's `bim` cells), and the crude
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
BIM_LABELS: Final = {
    "ja": "Met verhoogde tegemoetkoming",
    "nee": "Zonder verhoogde tegemoetkoming",
}
TOTAL_BIM: Final = "totaal"
BIM_NOTE: Final = (
    "Verhoogde tegemoetkoming (VT, ook BIM of voorkeurregeling): rechthebbenden met een "
    "lager remgeld, meestal door een laag gezinsinkomen of een uitkering. Alle leeftijden "
    "en beide geslachten samen; ruwe cijfers (niet gestandaardiseerd, en de groep met VT "
    "is gemiddeld ouder). Een afgeschermde cel staat in de tabel als 'onderdrukt' met de "
    "reden."
)
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
    rows = breakdowns.filter(mine & _age_sex_cells(breakdowns))
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


def _age_sex_cells(breakdowns: pl.DataFrame) -> pl.Expr:
    """The age x sex cells (not the VT/BIM ones; data built before BIM have no `bim`)."""
    return pl.col("bim") == TOTAL_BIM if "bim" in breakdowns.columns else pl.lit(True)


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


def bim_frame(breakdowns: pl.DataFrame, code: str, zone_code: str, year: int) -> pl.DataFrame:
    """The zone and Flanders with and without increased reimbursement (VT/BIM), all ages
    and both sexes: gebied, groep, value, interval, numerator, denominator, suppressed,
    suppression_reason; empty when the Atlas has no such breakdown for the indicator
    and year."""
    columns = [
        "gebied",
        "groep",
        "value",
        "ci_low",
        "ci_high",
        "numerator",
        "denominator",
        "suppressed",
        "suppression_reason",
    ]
    if "bim" not in breakdowns.columns:
        return pl.DataFrame(schema={c: breakdowns.schema.get(c, pl.String) for c in columns})
    order = {b: i for i, b in enumerate(BIM_LABELS)}
    return (
        breakdowns.filter(
            (pl.col("indicator_code") == code)
            & (pl.col("year") == year)
            & pl.col("area_code").is_in([zone_code, FLANDERS_CODE])
            & pl.col("bim").is_in(list(BIM_LABELS))
        )
        .select(
            pl.when(pl.col("area_code") == zone_code)
            .then(pl.lit(ZONE_LABEL))
            .otherwise(pl.lit(FLANDERS_LABEL))
            .alias("gebied"),
            pl.col("bim").replace_strict(BIM_LABELS).alias("groep"),
            pl.col("bim").replace_strict(order, return_dtype=pl.Int64).alias("_order"),
            "value",
            "ci_low",
            "ci_high",
            "numerator",
            "denominator",
            pl.col("suppressed").fill_null(False),
            "suppression_reason",
        )
        .sort("_order", "gebied")
        .drop("_order")
    )


def bim_years(breakdowns: pl.DataFrame, code: str, zone_code: str) -> list[int]:
    """Years in which the zone's indicator has VT/BIM cells, latest first."""
    if "bim" not in breakdowns.columns:
        return []
    years = breakdowns.filter(
        (pl.col("indicator_code") == code)
        & (pl.col("area_code") == zone_code)
        & pl.col("bim").is_in(list(BIM_LABELS))
    )["year"]
    return sorted({int(y) for y in years.to_list()}, reverse=True)


def bim_table(frame: pl.DataFrame, unit: str | None, year: int) -> pl.DataFrame:
    """The VT/BIM cells as a Dutch table: a hidden cell reads "onderdrukt (reason)",
    never 0, and shows no counts."""
    rows = []
    for r in frame.iter_rows(named=True):
        texts = labels.value_texts(
            value=r["value"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            denominator=r["denominator"],
            suppressed=bool(r["suppressed"]),
            reason=r["suppression_reason"],
            unit=unit,
            denominator_label=None,
            year=year,
        )
        hidden = bool(r["suppressed"])
        rows.append(
            {
                "Gebied": r["gebied"],
                "Groep": r["groep"],
                "Waarde": texts["value_text"],
                "95%-BI": texts["interval_text"] or "–",
                "Teller": "–" if hidden else labels.fmt_number(r["numerator"]),
                "Noemer (rechthebbenden)": "–" if hidden else labels.fmt_number(r["denominator"]),
                "Jaar": str(year),
            }
        )
    schema = ["Gebied", "Groep", "Waarde", "95%-BI", "Teller", "Noemer (rechthebbenden)", "Jaar"]
    return pl.DataFrame(rows, schema=dict.fromkeys(schema, pl.String))
