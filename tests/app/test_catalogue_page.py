"""AppTest: the indicator catalogue page (search, link, demo label, every indicator)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from popmgmt.app.store import Marts
from popmgmt.views import catalogue, labels

PAGE = str(ROOT / "pages" / "catalogue.py")
TIMEOUT = 90


@pytest.fixture
def data_env(built_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    return built_data


def _open(**params: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _codes(at: AppTest) -> list[str]:
    return [str(v) for v in at.dataframe[0].value["Code"].to_list()] if at.dataframe else []


@pytest.mark.usefixtures("data_env")
def test_every_indicator_with_its_card_and_the_demo_label(marts: Marts) -> None:
    at = _open()
    assert [t.value for t in at.title] == ["Indicatorencatalogus"]
    assert [w.value for w in at.warning].count(labels.DEMO_BANNER) == 1
    assert sorted(_codes(at)) == sorted(marts.indicators["indicator_code"].to_list())
    assert len(at.expander) == marts.indicators.height
    cards = "\n".join(str(m.value) for m in at.markdown)
    assert "[Zoneprofiel](zone?indicator=ima_gmd)" in cards
    assert "**Formule:**" in cards
    assert "**Beschikbare jaren in deze gegevens:**" in cards
    labels_seen = [b.proto.label for b in at.get("download_button")]
    assert labels_seen == ["Excel (XLSX)", "CSV voor Excel", "CSV voor analisten"]


@pytest.mark.usefixtures("data_env")
def test_search_is_case_and_accent_insensitive_and_kept_in_the_link() -> None:
    at = _open()
    at.text_input(key="catalogue_search").input("gmd").run()
    found = _codes(at)
    assert "ima_gmd" in found
    assert "pop_65plus" not in found
    assert at.query_params[catalogue.QUERY_PARAM] == "gmd"
    at.text_input(key="catalogue_search").input("HUISARTSEN PER").run()
    assert "gp_per_10k" in _codes(at)
    at.text_input(key="catalogue_search").input("CONTINUITEIT").run()  # keyword "continuïteit"
    assert _codes(at) == ["ima_gmd"]
    at.text_input(key="catalogue_search").input("zzzgeenzzz").run()
    assert not at.dataframe
    assert any("Geen indicator gevonden" in str(i.value) for i in at.info)


@pytest.mark.usefixtures("data_env")
def test_a_link_restores_the_search() -> None:
    at = _open(zoek="GMD")
    assert at.text_input(key="catalogue_search").value == "GMD"
    assert "ima_gmd" in _codes(at)
    assert "pop_65plus" not in _codes(at)
