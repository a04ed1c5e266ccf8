"""Zoneprofiel 'Wie bereiken we niet?': the Dutch table of the not-reached figures."""

from __future__ import annotations

import polars as pl

from popmgmt.metrics.reach import GP_CONTACT
from popmgmt.views import zone_reach


def _values() -> pl.DataFrame:
    rows = [
        ("ima_gmd", "zone", "elz1", 2023, 72_000.0, 100_000.0, False, None),
        ("ima_gmd", "gemeente", "11001", 2023, 998.0, 1_000.0, False, None),
        ("ima_gmd", "gemeente", "11002", 2023, None, None, True, "primair"),
        (GP_CONTACT, "zone", "elz1", 2023, 85_123.0, 100_000.0, False, None),
        (GP_CONTACT, "gemeente", "11001", 2023, 900.0, 1_000.0, False, None),
        (GP_CONTACT, "gemeente", "11002", 2023, 100.0, 120.0, False, None),
    ]
    return pl.DataFrame(
        rows,
        schema=["indicator_code", "level", "area_code", "year", "numerator", "denominator",
                "suppressed", "suppression_reason"],
        orient="row",
    )  # fmt: skip


def test_table_texts_are_dutch_and_respect_suppression() -> None:
    """Given a zone with two municipalities, when the table is built, then counts are
    Dutch-formatted, a count of 2 and a suppressed cell are not shown as numbers."""
    munis = pl.DataFrame({"area_code": ["11001", "11002"]})
    frame = zone_reach.reach_frame(_values(), "elz1", munis)
    table = zone_reach.reach_display(frame, {"elz1": "Zone <b>", "11001": "Aartselaar"})
    assert table.columns == list(zone_reach.COLUMNS)
    rows = {(r[0], r[1]): r for r in table.iter_rows()}
    zone_gmd = rows[("Zone <b> (elz1, zone)", "Zonder GMD")]
    assert zone_gmd[2] == "28.000"
    assert zone_gmd[3] == "28,0"
    assert zone_gmd[4].startswith("95%-BI 27,7")
    assert zone_gmd[5] == "100.000"
    assert rows[("Zone <b> (elz1, zone)", "Zonder huisartscontact in het jaar")][2] == "14.877"
    assert rows[("Aartselaar (11001, gemeente)", "Zonder GMD")][2] == (
        "niet getoond (1 tot 4 personen)"
    )
    assert rows[("11002 (11002, gemeente)", "Zonder GMD")][2].startswith("onderdrukt")
    assert rows[("11002 (11002, gemeente)", "Zonder GMD")][3] == ""
    assert [c["what"] for c in zone_reach.zone_cards(frame)] == ["zonder_gmd", "zonder_contact"]
