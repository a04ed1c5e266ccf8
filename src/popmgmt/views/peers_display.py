"""Similar zones shown: the Dutch table and the method in plain Dutch.
The figures are `popmgmt.metrics.peers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import polars as pl

from popmgmt.metrics.peers import PEER_COUNT
from popmgmt.views import labels

FEATURE_LABELS: Final[dict[str, str]] = {
    "population": "Inwoners",
    "density": "Inwoners per km²",
    "deprivation": "Verhoogde tegemoetkoming (%)",
}


def peers_display(own: pl.DataFrame, peers: pl.DataFrame) -> pl.DataFrame:
    """The zone itself and its similar zones as Dutch text columns for a table.

    `own` is the zone's row of `zone_features`; `peers` the output of `similar_zones`.
    """
    rows = [_peer_row(row, "deze zone", None) for row in own.iter_rows(named=True)]
    rows += [
        _peer_row(row, str(row["rank"]), row["distance"]) for row in peers.iter_rows(named=True)
    ]
    columns = [
        "Rang",
        "Zone",
        FEATURE_LABELS["population"],
        FEATURE_LABELS["density"],
        FEATURE_LABELS["deprivation"],
        "Afstand (z-scores)",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def _peer_row(row: Mapping[str, Any], rank: str, distance: float | None) -> list[str]:
    return [
        rank,
        f"{row['zone_name']} ({row['zone_code']})",
        labels.fmt_number(row["population"]),
        labels.fmt_number(row["density"]),
        labels.fmt_value(row["deprivation"], "%"),
        "" if distance is None else labels.fmt_number(distance, 2),
    ]


def method_text(k: int = PEER_COUNT) -> str:
    """The grouping of similar zones, explained in plain Dutch."""
    return (
        f"**Hoe worden vergelijkbare zones gekozen?** Elke zone krijgt drie kenmerken: "
        "**grootte** (aantal inwoners op 1 januari), **verstedelijking** (inwoners per km²) "
        "en **kansarmoede** (aandeel rechthebbenden op een verhoogde tegemoetkoming, een "
        "ruwe maat voor armoede). Grootte en dichtheid gaan eerst door een logaritme, zodat "
        "de grote steden niet alles bepalen. Elk kenmerk wordt gestandaardiseerd (z-score: "
        "gemiddelde 0, standaardafwijking 1 over alle zones), zodat de drie even zwaar "
        f"wegen. De {k} zones met de kleinste afstand tot deze zone zijn de vergelijkbare "
        "zones. Dit is een hulpmiddel om te leren van zones in een gelijkaardige situatie, "
        "geen rangschikking."
    )
