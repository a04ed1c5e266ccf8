"""The need page's crude-beside-standardised table (`views.standardised`) on hand-made
rows of the standardised and comparisons marts."""

from __future__ import annotations

from typing import Any

import polars as pl

from popmgmt.views import standardised

ZONE = "elz13"
FLANDERS = "02000"


def _std(
    code: str, area: str, crude: float, dsr: float | None, isr: float | None
) -> dict[str, Any]:
    return {
        "indicator_code": code,
        "level": "vlaanderen" if area == FLANDERS else "zone",
        "area_code": area,
        "year": 2024,
        "crude": crude,
        "dsr": dsr,
        "dsr_ci_low": None if dsr is None else dsr - 0.5,
        "dsr_ci_high": None if dsr is None else dsr + 0.5,
        "isr": isr,
    }


STANDARDISED = pl.DataFrame(
    [
        _std("chron", ZONE, 16.2, 16.7, 1.07),
        _std("chron", FLANDERS, 17.2, 15.6, 1.0),
        _std("diab", ZONE, 7.6, None, None),  # too few events: crude only
        _std("chron", "elz20", 30.0, 30.0, 2.0),
    ]
)
COMPARISONS = pl.DataFrame(
    {
        "indicator_code": ["chron", "diab"],
        "area_code": [ZONE, ZONE],
        "year": [2024, 2024],
        "reference": ["vlaanderen", "vlaanderen"],
        "basis": ["leeftijdsgestandaardiseerd", "ruw"],
    }
)
CATALOGUE = pl.DataFrame(
    {"indicator_code": ["chron", "diab"], "name_nl": ["Chronisch", "Diabetes"], "unit": ["%", "%"]}
)


def test_need_table_has_crude_and_standardised_per_indicator() -> None:
    table = standardised.need_standardised_table(
        STANDARDISED, COMPARISONS, CATALOGUE, ["diab", "chron", "none"], ZONE, 2024
    )
    assert table.columns == list(standardised.COLUMNS)
    assert table["Indicator"].to_list() == ["Diabetes", "Chronisch"]  # the order asked for
    chron = table.row(1, named=True)
    assert chron["Zone: ruw"] == "16,2 %"
    assert chron["Zone: leeftijdsgestandaardiseerd (ESP2013)"] == "16,7 %"
    assert chron["Zone: 95%-BI (gestandaardiseerd)"] == "95%-BI 16,2 – 17,2 %"
    assert chron["Zone: indirect gestandaardiseerde ratio"] == "1,07"
    assert chron["Vlaanderen: ruw"] == "17,2 %"
    assert chron["Vlaanderen: leeftijdsgestandaardiseerd (ESP2013)"] == "15,6 %"
    assert chron["Vergelijking met Vlaanderen"].startswith("leeftijdsgestandaardiseerd")
    assert chron["Jaar"] == "2024"
    diab = table.row(0, named=True)
    assert diab["Zone: ruw"] == "7,6 %"
    assert diab["Zone: 95%-BI (gestandaardiseerd)"] == "geen interval"
    assert diab["Vergelijking met Vlaanderen"].startswith("ruw")


def test_need_table_is_empty_without_standardised_rows() -> None:
    table = standardised.need_standardised_table(
        STANDARDISED, COMPARISONS, CATALOGUE, ["chron"], ZONE, 2023
    )
    assert table.height == 0
    assert table.columns == list(standardised.COLUMNS)
