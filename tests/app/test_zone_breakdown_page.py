"""The zone profile's age and sex section with AppTest: the chart of the zone against
Flanders by age band and by sex, and crude beside standardised (no browser)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from appkit import page_texts
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from popmgmt.app import store
from popmgmt.views import zone_breakdown

PAGE = str(ROOT / "pages" / "zone.py")
TIMEOUT = 120
BREAKDOWN_LABEL = "Atlas-indicator naar leeftijd, geslacht en verhoogde tegemoetkoming"


@pytest.fixture
def page(built_data: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    return AppTest.from_file(PAGE, default_timeout=TIMEOUT)


def _specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def test_zone_against_flanders_by_age_and_sex(page: AppTest, built_data: Path) -> None:
    """Given the demo build, when the council picks GMD coverage in the age section,
    then two charts show the zone and Flanders per age band and per sex, with the
    published values, and a table shows crude and standardised side by side."""
    marts = store.load_marts(built_data)
    zone_code = sorted(
        marts.breakdowns.filter(pl.col("level") == "zone")["area_code"].unique().to_list()
    )[0]
    page.query_params["zone"] = zone_code
    page.query_params["deel"] = "doelgroepen"
    at = page.run()
    assert not at.exception
    box = [s for s in at.selectbox if s.label == BREAKDOWN_LABEL]
    assert len(box) == 1
    box[0].select("ima_gmd").run()
    assert not at.exception
    year = int(
        marts.breakdowns.filter(pl.col("indicator_code") == "ima_gmd")["year"].max()  # type: ignore[arg-type]
    )
    specs = [
        s
        for s in _specs(at)
        if f"({year}) naar leeftijd" in str(s.get("title", {}).get("text", ""))
    ]
    assert len(specs) == 1
    assert specs[0]["encoding"]["xOffset"]["field"] == "gebied"
    # Streamlit moves inline data out of the spec: the records are the view's.
    records = zone_breakdown.breakdown_spec(
        zone_breakdown.age_frame(marts.breakdowns, "ima_gmd", zone_code, year),
        title="t",
        unit="%",
        axis_title="Leeftijd",
    )["data"]["values"]
    shown = {(r["gebied"], r["groep"]): r["value"] for r in records}
    assert {g for g, _ in shown} == {"Deze zone", "Vlaanderen"}
    flemish = marts.breakdowns.filter(
        (pl.col("indicator_code") == "ima_gmd")
        & (pl.col("level") == "vlaanderen")
        & (pl.col("year") == year)
        & (pl.col("sex") == "T")
        & (pl.col("age_band") == "70-79")
    )["value"][0]
    assert shown[("Vlaanderen", "70-79")] == pytest.approx(flemish)
    sexes = [s for s in _specs(at) if "naar geslacht" in str(s.get("title", {}).get("text", ""))]
    assert len(sexes) == 1
    assert sexes[0]["config"]["locale"]["number"]["decimal"] == ","
    tables = [d.value for d in at.dataframe if "Ruw cijfer" in list(d.value.columns)]
    assert len(tables) == 1
    assert list(tables[0]["Gebied"]) == ["Deze zone", "Vlaanderen"]
    assert "Leeftijdsgestandaardiseerd (ESP2013)" in tables[0].columns
    texts = page_texts(at, ("caption", "header", "subheader"))
    assert "Voor welke doelgroepen kan de dekking stijgen?" in texts
    assert "afgeschermd" in texts
    zone_value = marts.breakdowns.filter(
        (pl.col("indicator_code") == "ima_gmd")
        & (pl.col("area_code") == zone_code)
        & (pl.col("year") == year)
        & (pl.col("sex") == "T")
        & (pl.col("age_band") == "70-79")
    )["value"][0]
    if zone_value is not None:
        assert shown[("Deze zone", "70-79")] == pytest.approx(zone_value)


def test_zone_against_flanders_with_and_without_increased_reimbursement(
    page: AppTest, built_data: Path
) -> None:
    """Given the demo build (GMD coverage split by VT/BIM), when the council picks it, a
    chart and a table show the zone and Flanders with and without VT with the published
    values and counts, and a caption the method and source; for an indicator without
    the breakdown (chronic condition) neither appears."""
    marts = store.load_marts(built_data)
    zone_code = sorted(
        marts.breakdowns.filter(pl.col("level") == "zone")["area_code"].unique().to_list()
    )[0]
    page.query_params["zone"] = zone_code
    page.query_params["deel"] = "doelgroepen"
    at = page.run()
    box = [s for s in at.selectbox if s.label == BREAKDOWN_LABEL]
    assert len(box) == 1
    box[0].select("ima_gmd").run()
    assert not at.exception
    year = int(
        marts.breakdowns.filter(pl.col("indicator_code") == "ima_gmd")["year"].max()  # type: ignore[arg-type]
    )
    titles = [str(s.get("title", {}).get("text", "")) for s in _specs(at)]
    assert sum("met en zonder verhoogde tegemoetkoming" in t for t in titles) == 1
    tables = [d.value for d in at.dataframe if {"Groep", "Teller"} <= set(d.value.columns)]
    assert len(tables) == 1
    expected = zone_breakdown.bim_table(
        zone_breakdown.bim_frame(marts.breakdowns, "ima_gmd", zone_code, year), "%", year
    )
    assert list(tables[0]["Waarde"]) == expected["Waarde"].to_list()
    assert list(tables[0]["Gebied"]) == ["Deze zone", "Vlaanderen"] * 2
    cell = marts.breakdowns.filter(
        (pl.col("indicator_code") == "ima_gmd")
        & (pl.col("area_code") == zone_code)
        & (pl.col("year") == year)
        & (pl.col("bim") == "ja")
    ).row(0, named=True)
    if not cell["suppressed"]:
        assert tables[0]["Teller"][0] == f"{int(cell['numerator']):,}".replace(",", ".")
    texts = page_texts(at, ("caption", "subheader"))
    assert "Met en zonder verhoogde tegemoetkoming (VT/BIM)" in texts
    assert "Wilson" in texts
    box = [s for s in at.selectbox if s.label == BREAKDOWN_LABEL]
    box[0].select("ima_chron").run()
    assert not at.exception
    titles = [str(s.get("title", {}).get("text", "")) for s in _specs(at)]
    assert not any("verhoogde tegemoetkoming" in t for t in titles)
    assert "Met en zonder verhoogde tegemoetkoming (VT/BIM)" not in page_texts(at, ("subheader",))
