"""Zoneprofiel, "Wie bereiken we niet?": inhabitants without a GMD or a GP contact.

The figures come from `metrics.reach.not_reached` (complements of two published Atlas
indicators); this module turns them into the Dutch table and notes of the zone page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import polars as pl

from popmgmt.metrics.reach import NOT_REACHED, not_reached, not_reached_oldest
from popmgmt.views import labels

WHAT_LABELS: Final[Mapping[str, str]] = {
    "zonder_gmd": "Zonder GMD",
    "zonder_contact": "Zonder huisartscontact in het jaar",
    "zonder_gmd_80plus": "80-plussers zonder GMD",
    "zonder_contact_80plus": "80-plussers zonder huisartscontact in het jaar",
}
STATUS_TEXT: Final[Mapping[str, str]] = {
    "klein": "niet getoond (1 tot 4 personen)",
    "geen_gegevens": labels.NO_DATA,
}
COLUMNS: Final = (
    "Gebied",
    "Wie",
    "Aantal inwoners",
    "Aandeel (%)",
    "95%-betrouwbaarheidsinterval",
    "Noemer (rechthebbenden)",
    "Jaar",
)

NOTE: Final = (
    "Inwoners zonder globaal medisch dossier (GMD) en inwoners zonder enig contact met een "
    "huisarts in het jaar, naar woonplaats: de noemer min de teller van de IMA Atlas-"
    "indicatoren 'Inwoners met een GMD' en 'Minstens één contact met de huisarts'. Aandeel "
    "met een 95%-Wilson-interval. Een cel die in de Atlas-cijfers onderdrukt is, blijft "
    "onderdrukt; een aantal van 1 tot 4 personen wordt niet getoond. Voor de 80-plussers "
    "(de leeftijdsgroepen 80-89 en 90+ van de Atlas; 75-plussers zijn met groepen van 10 jaar "
    "niet af te leiden) alleen voor de zone: gemeenten hebben geen uitsplitsing naar leeftijd, "
    "en de som wordt niet getoond als een van de twee groepen onderdrukt is. Inwoners van "
    "forfaitaire praktijken (medische huizen) hebben geen aangerekende contacten en tellen "
    "dus als 'zonder contact'. Bron: IMA-AIM, Atlas, bewerking popmgmt."
)


def zone_areas(zone_code: str, municipalities: pl.DataFrame) -> list[tuple[str, str]]:
    """The zone, then its municipalities (`area_code` column), as (level, code) pairs."""
    return [("zone", zone_code)] + [
        ("gemeente", str(c)) for c in municipalities["area_code"].to_list()
    ]


def reach_frame(
    values: pl.DataFrame,
    zone_code: str,
    municipalities: pl.DataFrame,
    breakdowns: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`metrics.reach.not_reached` for the zone and its municipalities, latest year; then,
    with the Atlas breakdowns, the zone's 80-plussers (`not_reached_oldest`)."""
    rows = values.filter(pl.col("indicator_code").is_in(list(NOT_REACHED.values())))
    frame = not_reached(rows, areas=zone_areas(zone_code, municipalities))
    if breakdowns is None or breakdowns.is_empty() or "age_band" not in breakdowns.columns:
        return frame
    oldest = not_reached_oldest(breakdowns, areas=[("zone", zone_code)])
    return pl.concat([frame, oldest.filter(pl.col("status") != "geen_gegevens")])


def count_text(row: Mapping[str, object]) -> str:
    """The count as shown: a number, "onderdrukt (...)", "niet getoond (1 tot 4 personen)"."""
    status = row["status"]
    if status == "getoond":
        return labels.fmt_number(row["not_reached"])  # type: ignore[arg-type]
    if status == "onderdrukt":
        reason = row.get("suppression_reason")
        return labels.suppressed_text(None if reason is None else str(reason))
    return STATUS_TEXT.get(str(status), labels.NO_DATA)


def reach_display(frame: pl.DataFrame, names: Mapping[str, str]) -> pl.DataFrame:
    """The Dutch table: one row per area x who, text columns (`COLUMNS`)."""
    rows = []
    for r in frame.iter_rows(named=True):
        count = count_text(r)
        if r["status"] == "getoond":
            share = labels.fmt_number(r["share"], 1)
            interval = labels.fmt_interval(r["ci_low"], r["ci_high"], "%")
        else:
            share = interval = ""
        area = names.get(r["area_code"], r["area_code"])
        level = "zone" if r["level"] == "zone" else "gemeente"
        rows.append(
            [
                f"{area} ({r['area_code']}, {level})",
                WHAT_LABELS.get(r["what"], r["what"]),
                count,
                share,
                interval,
                "" if r["denominator"] is None else labels.fmt_number(r["denominator"]),
                "" if r["year"] is None else str(r["year"]),
            ]
        )
    return pl.DataFrame(rows, schema=list(COLUMNS), orient="row")


def zone_cards(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """The zone's two rows (for the page's cards), in `NOT_REACHED` order."""
    return frame.filter(pl.col("level") == "zone").to_dicts()
