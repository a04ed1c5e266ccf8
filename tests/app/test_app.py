"""AppTest smoke and interaction tests over every page (no browser)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from appkit import page_texts
from conftest import APP
from streamlit.testing.v1 import AppTest

from popmgmt.app import store
from popmgmt.app.navigation import all_pages
from popmgmt.views import labels

PAGES = [page.path for page in all_pages()]
TIMEOUT = 60


@pytest.fixture
def app(built_data: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def _deck_features(at: AppTest) -> list[dict[str, Any]]:
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    spec = json.loads(decks[0].proto.json)
    features: list[dict[str, Any]] = spec["layers"][0]["data"]["features"]
    return features


def _selectbox(at: AppTest, label: str) -> Any:
    matches = [s for s in at.selectbox if s.label == label]
    assert len(matches) == 1, [s.label for s in at.selectbox]
    return matches[0]


def test_app_opens_on_overview(app: AppTest) -> None:
    """Given built data, when the app opens, then the overview page shows without error."""
    app.run()
    assert not app.exception
    assert not app.error
    assert [t.value for t in app.title] == ["Overzicht Vlaanderen"]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs(app: AppTest, page: str) -> None:
    """Every page: no exception, demo label, footer with vintage, boundaries, attribution."""
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    assert not app.error
    text = page_texts(app)
    assert [w.value for w in app.warning].count(labels.DEMO_BANNER) == 1
    assert labels.DEMO_BADGE in text
    assert "Grenzen 2025" in text
    assert "Bronvermelding:" in text
    assert "Gegevens:" in text


def test_headline_metrics(app: AppTest) -> None:
    """The four headline figures, each with its year and source in the caption and help."""
    app.run()
    metrics = list(app.metric)
    assert [m.label for m in metrics][:1] == ["Inwoners"]
    assert len(metrics) == 4
    for metric in metrics:
        assert metric.value
        assert metric.value != "geen gegevens"
        assert "jaar " in metric.help
        assert "bron: " in metric.help
    for metric in metrics[1:]:
        assert "95%-BI" in metric.help
        assert "noemer: " in metric.help
    captions = [c.value for c in app.caption]
    assert sum("bron: " in c for c in captions) >= 4


def test_map_has_coloured_zones(app: AppTest) -> None:
    app.run()
    features = _deck_features(app)
    assert features
    assert any(f["properties"]["class_index"] >= 0 for f in features)
    text = page_texts(app)
    assert "kwantielen" in text
    assert "grenzen 2025" in text
    assert "elz2" in text
    assert "niet te scheiden" in text
    assert app.get("vega_lite_chart")
    assert any(e.label.startswith("Definitie: ") for e in app.expander)


def test_choose_indicator_and_year_changes_map(app: AppTest, marts: store.Marts) -> None:
    """When the user picks another indicator and year, then the map's data change."""
    app.run()
    before = _deck_features(app)
    indicator = _selectbox(app, "Indicator (per thema)")
    current = indicator.value
    codes = store.indicator_catalogue(marts, level="zone")["indicator_code"].to_list()
    assert len(indicator.options) == len(codes) >= 2
    other = next(code for code in codes if code != current)
    indicator.set_value(other).run()
    assert not app.exception
    assert _selectbox(app, "Indicator (per thema)").value == other
    after_indicator = _deck_features(app)
    assert _tooltips(after_indicator) != _tooltips(before)

    year = _selectbox(app, "Jaar")
    years = store.available_years(marts, other, level="zone")
    assert year.value == years[0]
    if len(years) < 2:
        pytest.skip("the chosen indicator has one year only")
    new_year = years[-1]
    year.set_value(new_year).run()
    assert not app.exception
    assert _selectbox(app, "Jaar").value == new_year
    after_year = _deck_features(app)
    assert {f["properties"]["tt_year"] for f in after_year} == {f"jaar {new_year}"}
    assert _tooltips(after_year) != _tooltips(after_indicator)


def _tooltips(features: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(f["properties"]["tt_name"], f["properties"]["tt_value"]) for f in features]


def test_data_missing_shows_build_instructions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given an empty data folder, then the app explains how to build, without a traceback."""
    monkeypatch.setenv("POPMGMT_DATA", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert str(tmp_path) in message
    assert "python -m popmgmt demo --out raw" in message
    assert "python -m popmgmt build --input raw --out data" in message
    assert "make app" in message
    assert not at.metric
    assert not at.get("deck_gl_json_chart")
