"""The zone profile's VT/BIM breakdown (`views.zone_breakdown`): frames and table from
hand-made breakdown rows, hidden cells read as hidden with their reason."""

from __future__ import annotations

from typing import Any

import polars as pl

from popmgmt.views import zone_breakdown

ZONE = "elz13"
FLANDERS = "02000"


def _row(area: str, bim: str, num: float | None, den: float | None, **kw: Any) -> dict[str, Any]:
    value = None if num is None or den is None else 100 * num / den
    return {
        "indicator_code": "ima_gmd",
        "level": "vlaanderen" if area == FLANDERS else "zone",
        "area_code": area,
        "year": 2024,
        "age_band": "totaal",
        "sex": "T",
        "bim": bim,
        "numerator": num,
        "denominator": den,
        "value": value,
        "ci_low": None if value is None else value - 1,
        "ci_high": None if value is None else value + 1,
        "suppressed": kw.get("suppressed", False),
        "suppression_reason": kw.get("reason"),
    }


def _mart() -> pl.DataFrame:
    rows = [
        _row(ZONE, "ja", None, None, suppressed=True, reason="primair"),
        _row(ZONE, "nee", None, None, suppressed=True, reason="secundair"),
        _row(FLANDERS, "ja", 800_000.0, 1_000_000.0),
        _row(FLANDERS, "nee", 3_900_000.0, 5_000_000.0),
        _row("elz20", "ja", 9_000.0, 10_000.0),
        # an age x sex cell of the same indicator and year: not part of the VT/BIM view
        {**_row(ZONE, "totaal", 500.0, 1000.0), "age_band": "40-49"},
    ]
    return pl.DataFrame(rows)


def test_bim_frame_is_the_zone_and_flanders_with_and_without_vt() -> None:
    frame = zone_breakdown.bim_frame(_mart(), "ima_gmd", ZONE, 2024)
    assert frame.select("gebied", "groep").rows() == [
        ("Deze zone", "Met verhoogde tegemoetkoming"),
        ("Vlaanderen", "Met verhoogde tegemoetkoming"),
        ("Deze zone", "Zonder verhoogde tegemoetkoming"),
        ("Vlaanderen", "Zonder verhoogde tegemoetkoming"),
    ]
    assert frame["suppressed"].to_list() == [True, False, True, False]
    assert frame["value"][1] == 80.0
    assert zone_breakdown.bim_years(_mart(), "ima_gmd", ZONE) == [2024]
    assert zone_breakdown.bim_years(_mart(), "ima_chron", ZONE) == []
    # the age chart never takes a VT/BIM cell, the VT/BIM view never an age band
    ages = zone_breakdown.age_frame(_mart(), "ima_gmd", ZONE, 2024)
    assert ages["groep"].to_list() == ["40-49"]


def test_bim_table_shows_counts_and_hidden_cells_with_their_reason() -> None:
    frame = zone_breakdown.bim_frame(_mart(), "ima_gmd", ZONE, 2024)
    table = zone_breakdown.bim_table(frame, "%", 2024)
    rows = table.rows(named=True)
    assert rows[0]["Waarde"] == "onderdrukt (< 5)"
    assert rows[0]["Teller"] == "–"
    assert rows[0]["Noemer (rechthebbenden)"] == "–"
    assert rows[2]["Waarde"] == "onderdrukt (afleidbaar)"
    assert rows[1] == {
        "Gebied": "Vlaanderen",
        "Groep": "Met verhoogde tegemoetkoming",
        "Waarde": "80,0 %",
        "95%-BI": "95%-BI 79,0 – 81,0 %",
        "Teller": "800.000",
        "Noemer (rechthebbenden)": "1.000.000",
        "Jaar": "2024",
    }


def test_no_bim_cells_no_bim_view() -> None:
    """An indicator without the breakdown, or data built before it (no `bim` column)."""
    mart = _mart()
    assert zone_breakdown.bim_frame(mart, "ima_chron", ZONE, 2024).height == 0
    old = mart.filter(pl.col("bim") == "totaal").drop("bim")
    assert zone_breakdown.bim_frame(old, "ima_gmd", ZONE, 2024).height == 0
    assert zone_breakdown.age_frame(old, "ima_gmd", ZONE, 2024).height == 1
    spec = zone_breakdown.breakdown_spec(
        zone_breakdown.bim_frame(mart, "ima_gmd", ZONE, 2024),
        title="t",
        unit="%",
        axis_title="Verhoogde tegemoetkoming",
    )
    # hidden cells get no bar (and no value in the chart's data)
    assert {r["gebied"] for r in spec["data"]["values"]} == {"Vlaanderen"}
