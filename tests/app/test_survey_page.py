"""AppTest of the Huisartsenenquête page (no browser): respondents and response beside every
figure, the not-a-sample note, the response chart, downloads, and no level below zone/circle.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from appkit import page_texts
from conftest import APP
from streamlit.testing.v1 import AppTest

from popmgmt.app.store import load_marts
from popmgmt.views import survey as view

TIMEOUT = 60


@pytest.fixture
def page(built_data: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("pages/survey.py")
    return at.run()


def test_page_shows_the_survey_with_respondents_and_response(page: AppTest) -> None:
    """Given the demo build, when the page opens, then it shows the GP and practice tables
    with respondents and response beside every figure, the note that the survey is not a
    random sample, the estimate's assumptions and the demo label."""
    assert not page.exception
    texts = page_texts(page)
    assert "geen toevalssteekproef" in texts
    assert "Schatting, geen meting" in texts
    assert "Demodata" in texts or "DEMODATA" in texts
    tables = [t.value for t in page.dataframe]
    assert len(tables) == 2
    for table in tables:
        assert {
            "Gebied respondenten",
            "Gebied respons",
            "Vlaanderen respons",
            "Jaar",
            "Bron",
        } <= set(table.columns)
        shown = table[table["Gebied"].str.match(r"^\d")]
        assert len(shown)  # figures shown, each with its respondents and response
        assert (shown["Gebied respondenten"].str.len() > 0).all()
        assert shown["Gebied respons"].str.endswith("%").all()
    charts = [json.loads(chart.proto.spec) for chart in page.get("vega_lite_chart")]
    assert len(charts) == 1  # the response by zone
    assert charts[0]["layer"][0]["mark"]["type"] == "bar"
    assert charts[0]["config"]["locale"]["number"]["decimal"] == ","


def test_levels_offered_are_zone_circle_province_only(page: AppTest) -> None:
    radio = page.radio(key="survey_level")
    assert set(radio.options) <= set(view.LEVELS.values())
    radio.set_value("kring").run()
    assert not page.exception
    assert page.selectbox(key="survey_area").label == "Huisartsenkring"


def test_downloads_hold_only_zone_and_up(built_data: Path) -> None:
    """Every table the page offers for download comes from areas of zone level and up:
    the survey mart has no other level, and the response table lists zones only."""
    marts = load_marts(built_data)
    year = view.years(marts.survey)[0]
    response = view.response_by_zone(marts.survey, marts.areas, year)
    assert set(response["level"].unique()) <= {"zone", "vlaanderen"}
    table = view.response_table(response)
    municipalities = set(marts.areas.filter(pl.col("level") == "gemeente")["area_code"].to_list())
    assert not set(table["Code"].to_list()) & municipalities
    for level in view.levels_in(marts.survey):
        assert level in ("zone", "kring", "provincie")
    spec = view.response_chart(response, year)
    zones = response.filter(pl.col("level") == "zone").height
    assert len(spec["data"]["values"]) == zones > 0
