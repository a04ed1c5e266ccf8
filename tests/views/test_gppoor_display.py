"""The GP-poor rule shown (popmgmt.views.gppoor_display): texts, tables, map, chart."""

from __future__ import annotations

import json
from datetime import date

import altair as alt
import polars as pl
import pytest
from frames import gppoor_marts, gppoor_value

from popmgmt.app.annotations import Annotation
from popmgmt.metrics import gppoor
from popmgmt.views import gppoor_display


def test_measured_indicator_is_used_automatically() -> None:
    """When the build provides gp_under65_per_100k, its numerator is the count (no estimate)."""
    extra = [
        gppoor_value(gppoor.UNDER65_INDICATOR, "gemeente", "11001", 2024, 7, 10_000),
        gppoor_value(gppoor.UNDER65_INDICATOR, "gemeente", "11002", 2024, None, 10_000, "primair"),
        gppoor_value(gppoor.UNDER65_INDICATOR, "gemeente", "11003", 2024, 15, 10_000),
    ]
    values, areas, population = gppoor_marts(extra)
    inputs = gppoor.gp_poor_inputs(values, areas, population, level="gemeente")
    in24 = inputs.filter(pl.col("year") == 2024)
    assert set(in24["method"]) == {"gemeten"}
    got = dict(zip(in24["area_code"], in24["gps_under65"], strict=True))
    assert got == {"11001": 7.0, "11002": None, "11003": 15.0}
    assert in24["gps_all"].to_list() == [None, None, None]
    assert in24["share_65plus"].to_list() == [None, None, None]
    in23 = inputs.filter(pl.col("year") == 2023)
    assert set(in23["method"]) == {"alle_leeftijden"}
    assert "indicator huisartsen < 65" in gppoor_display.method_note(["gemeten"])


# --- display -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "margin", "klass"),
    [
        ("huisartsarm", -40.01, "arm_40"),
        ("huisartsarm", -40.0, "arm_20"),
        ("huisartsarm", -20.0, "arm_0"),
        ("huisartsarm", -0.01, "arm_0"),
        ("niet_huisartsarm", 0.0, "boven_0"),
        ("niet_huisartsarm", 19.99, "boven_0"),
        ("niet_huisartsarm", 20.0, "boven_20"),
        ("huisartsarm_onderdrukt", None, "arm_onderdrukt"),
        ("niet_te_bepalen", None, "onbepaald"),
    ],
)
def test_margin_classes_fixed_edges(status: str, margin: float | None, klass: str) -> None:
    assert gppoor_display.margin_class(status, margin) == klass


def test_table_and_map_show_margin_and_suppression() -> None:
    values, areas, population = gppoor_marts()
    assessed = gppoor.assess(gppoor.gp_poor_inputs(values, areas, population, years=[2024]))
    table = gppoor_display.display_table(assessed, zone_names={"elz1": "Een", "elz2": "Twee"})
    assert list(table.columns) == list(gppoor_display.TABLE_COLUMNS)
    rows = {r["Gebied"]: r for r in table.iter_rows(named=True)}
    a = rows["A (11001)"]
    assert a["Status"] == "huisartsarm"
    assert a["Huisartsen < 65"] == "8"
    assert a["Huisartsen < 65 per 100.000"] == "80,0"
    assert a["Marge t.o.v. drempel (per 100.000)"] == "−10,0"
    assert a["Marge in huisartsen"] == "tekort: 1 huisarts(en)"
    assert a["Zone"] == "Een (elz1)"
    assert a["Telling"] == "schatting (aandeel 65+ van de zone)"
    b = rows["B (11002)"]
    assert b["Huisartsen < 65"] == "onderdrukt (< 5)"
    assert b["Status"].startswith("huisartsarm (aantal onderdrukt")
    assert table["Gebied"].to_list()[0] in {"A (11001)", "C (11003)"}  # GP-poor first

    props = gppoor_display.map_properties(assessed)
    assert props["11002"]["margin_class"] == "arm_onderdrukt"
    assert props["11001"]["fill_color"][:3] == list(gppoor_display.MARGIN_CLASSES["arm_0"][1])
    assert "drempel 90" in props["11001"]["tt_rate"]
    assert "tekort: 1" in props["11001"]["tt_margin"]
    assert gppoor_display.legend_rows({"arm_0"}) == [
        ("#fddbc7", gppoor_display.MARGIN_CLASSES["arm_0"][0])
    ]


def test_trend_chart_is_valid_vega_lite() -> None:
    values, areas, population = gppoor_marts()
    best = gppoor.gp_poor_trend(gppoor.assess(gppoor.gp_poor_inputs(values, areas, population)))
    all_ages = gppoor.gp_poor_trend(
        gppoor.assess(gppoor.gp_poor_inputs(values, areas, population, basis="all_ages"))
    )
    mark = Annotation(
        id=1, day=date(2024, 1, 1), label="Impulseo", indicator_code=None, created_at=""
    )
    spec = gppoor_display.trend_chart(
        {"best": best, "all_ages": all_ages}, [mark], unit_label="gemeenten"
    )
    json.dumps(spec)
    alt.LayerChart.from_dict(spec)
    records = spec["layer"][0]["data"]["values"]
    assert {r["basis"] for r in records} == set(gppoor_display.BASIS_LABELS.values())
    assert any(layer["mark"].get("type") == "rule" for layer in spec["layer"])
    table = gppoor_display.trend_table({"Beste": best}, unit_label="gemeenten")
    assert table["Huisartsarme gemeenten"].to_list() == [str(n) for n in best["n_poor"]]
