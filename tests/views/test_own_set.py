"""The own comparison set: link parameter and Dutch gain table."""

from __future__ import annotations

import polars as pl

from popmgmt.metrics import gain
from popmgmt.views import own_set

KNOWN = {"elz1": "Een", "elz2": "Twee", "elz3": "Drie"}


def test_parse_param_keeps_known_zones_once_without_the_zone_itself() -> None:
    codes, problems = own_set.parse_param("elz2, elz1,elz2,,elz9,elz3", KNOWN, own="elz3")
    assert codes == ["elz2", "elz1"]
    assert problems == ["zone 'elz9' uit de link bestaat niet in deze gegevens"]
    assert own_set.parse_param(None, KNOWN, own=None) == ([], [])
    assert own_set.format_param(codes) == "elz2,elz1"


def test_parse_param_caps_the_set() -> None:
    known = [f"z{i}" for i in range(20)]
    codes, problems = own_set.parse_param(",".join(known), known, own=None)
    assert len(codes) == own_set.MAX_ZONES
    assert problems


def test_gain_display() -> None:
    indicators = pl.DataFrame(
        {
            "indicator_code": ["gmd"],
            "name_nl": ["Inwoners met een GMD"],
            "unit": ["%"],
            "count_unit": ["personen"],
        }
    )
    row = {
        "indicator_code": "gmd",
        "year": 2024,
        "direction": "hoger_beter",
        "own_value": 70.0,
        "own_low": 69.1,
        "own_high": 70.9,
        "own_denominator": 10_000.0,
        "best_code": "elz2",
        "best_value": 80.0,
        "best_low": 79.2,
        "best_high": 80.8,
        "compared": 2,
        "improvement": 10.0,
        "improvement_low": 8.8,
        "improvement_high": 11.2,
        "improvement_count": 1_000.0,
        "improvement_count_low": 880.0,
        "improvement_count_high": 1_120.0,
        "significant": True,
    }
    frame = pl.DataFrame([row], schema=gain.GAIN_SCHEMA, orient="row")
    table = own_set.gain_display(
        {own_set.OWN_SET: frame, own_set.SIMILAR_SET: frame.clear()}, indicators, KNOWN
    )
    assert table.columns == list(own_set.GAIN_COLUMNS)
    out = table.row(0, named=True)
    assert out["Vergelijkingsset"] == "uw vergelijkingsset (2 zones)"
    assert out["Beste zone van de set"] == "Twee (elz2)"
    assert out["Deze zone"] == "70,0 %"
    assert out["Verbetering (95%-BI)"] == "10,0 procentpunt hoger (8,8 tot 11,2)"
    assert out["Winst in de zone (95%-BI)"] == "1.000 personen meer (880 tot 1.120)"
    assert out["Aantoonbaar beter?"] == "ja"


def test_gain_display_lower_is_better_and_no_gain() -> None:
    indicators = pl.DataFrame(
        {"indicator_code": ["ab"], "name_nl": ["Antibiotica"], "unit": ["%"], "count_unit": [None]}
    )
    base = dict.fromkeys(gain.GAIN_SCHEMA)
    lower = base | {
        "indicator_code": "ab",
        "year": 2024,
        "direction": "lager_beter",
        "own_value": 35.0,
        "best_code": "elz1",
        "best_value": 34.0,
        "compared": 3,
        "improvement": 1.0,
        "improvement_low": -0.5,
        "improvement_high": 2.5,
        "improvement_count": 100.0,
        "improvement_count_low": -50.0,
        "improvement_count_high": 250.0,
        "significant": False,
    }
    none = lower | {"best_value": 36.0, "improvement": -1.0, "improvement_count": -100.0}
    table = own_set.gain_display(
        {
            own_set.OWN_SET: pl.DataFrame([lower], schema=gain.GAIN_SCHEMA, orient="row"),
            own_set.SIMILAR_SET: pl.DataFrame([none], schema=gain.GAIN_SCHEMA, orient="row"),
        },
        indicators,
        KNOWN,
    )
    first, second = table.rows(named=True)
    assert first["Verbetering (95%-BI)"] == "1,0 procentpunt lager (-0,5 tot 2,5)"
    assert first["Winst in de zone (95%-BI)"] == "100 minder (-50 tot 250)"
    assert first["Aantoonbaar beter?"] == "nee: het interval omvat 0"
    assert second["Verbetering (95%-BI)"].startswith("geen")
    assert second["Winst in de zone (95%-BI)"] == "geen"
