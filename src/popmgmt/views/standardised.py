"""Crude beside age-standardised values (the `standardised` mart) for a set of Atlas
indicators of one zone: the need page's table of its need indicators. Pure: polars in,
a Dutch table out. The zone profile shows one indicator at a time
(`zone_breakdown.standardised_table`); the methods are in docs/methods.md."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from popmgmt.pipeline.codes import FLANDERS_CODE
from popmgmt.views import labels
from popmgmt.views.zone_breakdown import BASIS_TEXT

COLUMNS: Final = (
    "Indicator",
    "Zone: ruw",
    "Zone: leeftijdsgestandaardiseerd (ESP2013)",
    "Zone: 95%-BI (gestandaardiseerd)",
    "Zone: indirect gestandaardiseerde ratio",
    "Vlaanderen: ruw",
    "Vlaanderen: leeftijdsgestandaardiseerd (ESP2013)",
    "Vergelijking met Vlaanderen",
    "Jaar",
)
NOTE: Final = (
    "Ruw = het cijfer zoals het is. Leeftijdsgestandaardiseerd (ESP2013) = het cijfer met de "
    "leeftijdsopbouw van de Europese standaardbevolking 2013, zodat een oudere of jongere "
    "zone geen verschil geeft dat alleen van de leeftijd komt. Indirect gestandaardiseerde "
    "ratio = werkelijk aantal / verwacht aantal met de Vlaamse cijfers per leeftijdsgroep "
    "(1,10 = 10 % meer dan verwacht). '–': niet berekend (minder dan 10 gebeurtenissen, een "
    "afgeschermde leeftijdsgroep, of geen uitsplitsing naar leeftijd). Bron: IMA-AIM Atlas."
)


def need_standardised_table(
    standardised: pl.DataFrame,
    comparisons: pl.DataFrame,
    catalogue: pl.DataFrame,
    codes: Sequence[str],
    zone_code: str,
    year: int,
) -> pl.DataFrame:
    """One row per indicator of `codes` (in that order) with a standardised row for the
    zone in `year`: crude, DSR with its interval and ISR for the zone, crude and DSR for
    Flanders, and which value the comparison with Flanders uses. Empty (with the
    columns) when there is none."""
    rows = standardised.filter(
        pl.col("indicator_code").is_in(list(codes))
        & (pl.col("year") == year)
        & pl.col("area_code").is_in([zone_code, FLANDERS_CODE])
    )
    basis = dict(
        comparisons.filter(
            pl.col("indicator_code").is_in(list(codes))
            & (pl.col("year") == year)
            & (pl.col("area_code") == zone_code)
            & (pl.col("reference") == "vlaanderen")
        )
        .select("indicator_code", "basis")
        .iter_rows()
    )
    meta = {r["indicator_code"]: r for r in catalogue.iter_rows(named=True)}
    out = []
    for code in codes:
        mine = rows.filter(pl.col("indicator_code") == code)
        zone = mine.filter(pl.col("area_code") == zone_code)
        if zone.height == 0:
            continue
        z = zone.row(0, named=True)
        flemish = mine.filter(pl.col("area_code") == FLANDERS_CODE)
        f = flemish.row(0, named=True) if flemish.height else {}
        unit = meta.get(code, {}).get("unit")
        how = basis.get(code)
        out.append(
            {
                "Indicator": str(meta.get(code, {}).get("name_nl") or code),
                COLUMNS[1]: labels.fmt_value(z["crude"], unit),
                COLUMNS[2]: labels.fmt_value(z["dsr"], unit),
                COLUMNS[3]: labels.fmt_interval(z["dsr_ci_low"], z["dsr_ci_high"], unit),
                COLUMNS[4]: labels.fmt_number(z["isr"], 2),
                COLUMNS[5]: labels.fmt_value(f.get("crude"), unit),
                COLUMNS[6]: labels.fmt_value(f.get("dsr"), unit),
                COLUMNS[7]: BASIS_TEXT.get(str(how), str(how)) if how is not None else "–",
                "Jaar": str(year),
            }
        )
    return pl.DataFrame(out, schema=dict.fromkeys(COLUMNS, pl.String))
