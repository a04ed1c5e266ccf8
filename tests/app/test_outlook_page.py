"""The capacity outlook page (`pages/outlook.py`) with AppTest: the scenario in the link,
widgets that change the figures, and figures equal to the pure functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from appkit import page_texts
from conftest import ROOT, write_synthetic_marts
from streamlit.testing.v1 import AppTest

from popmgmt.app import store
from popmgmt.metrics import outlook as ol
from popmgmt.views import labels
from popmgmt.views import outlook as view

PAGE = str(ROOT / "pages" / "outlook.py")
TIMEOUT = 90


@pytest.fixture
def page(built_data: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    return AppTest.from_file(PAGE, default_timeout=TIMEOUT)


def _data(marts: store.Marts) -> view.Inputs:
    return view.inputs(
        marts.values,
        marts.gp_age,
        marts.gp_inflow,
        marts.population,
        marts.outlook_population,
        marts.areas,
    )


def _zone(marts: store.Marts) -> str:
    data = _data(marts)
    codes = sorted(
        data.values.filter(
            (data.values["indicator_code"] == ol.GP_COUNT) & (data.values["level"] == "zone")
        )["area_code"].unique()
    )
    return str(codes[0])


def _table(at: AppTest) -> Any:
    found = [d.value for d in at.dataframe if list(d.value.columns)[:2] == ["Jaar", "Gebied"]]
    assert len(found) == 1
    return found[0]


def _last_zone_row(at: AppTest) -> dict[str, str]:
    rows = [r for r in _table(at).to_dict("records") if r["Gebied"] != "Vlaanderen"]
    assert len({r["Gebied"] for r in rows}) == 1
    return rows[-1]


def test_link_scenario_sets_widgets_and_figures(page: AppTest, marts: store.Marts) -> None:
    """Given a link with zone and scenario, the widgets show it and the table's last year
    equals `view.zone_outlook` for that scenario; the demo label is shown."""
    code = _zone(marts)
    page.query_params.update({"zone": code, "pensioen": "63", "instroom": "2", "vte": "0.8"})
    page.run()
    assert not page.exception
    assert not page.error
    assert [s.value for s in page.slider] == [63]
    assert [n.value for n in page.number_input] == [2.0, 0.8]
    assert labels.DEMO_BANNER in [w.value for w in page.warning]
    expected = view.zone_outlook(_data(marts), code, ol.Scenario(63, 2.0, 0.8))
    last = expected.zone.row(expected.zone.height - 1, named=True)
    row = _last_zone_row(page)
    assert row["Jaar"] == str(ol.LAST_YEAR)
    assert row["Huisartsen"] == labels.fmt_number(last["gps"], 1)
    assert row["VTE"] == labels.fmt_number(last["fte"], 1)
    assert row["Huisartsen per 10.000 inwoners"] == labels.fmt_number(last["gps_per_10k"], 2)
    assert "scenario" in page_texts(page).lower()


def test_changing_the_scenario_changes_figures_and_link(page: AppTest, marts: store.Marts) -> None:
    """Given a zone, when the retirement age goes down and the inflow up, the GPs of 2035
    change as the pure function says and the link carries the new scenario."""
    code = _zone(marts)
    page.query_params["zone"] = code
    page.run()
    assert not page.exception
    before = _last_zone_row(page)["Huisartsen"]
    page.slider[0].set_value(60).run()
    assert not page.exception
    after_retire = _last_zone_row(page)["Huisartsen"]
    assert after_retire != before
    page.number_input[0].set_value(10.0).run()
    page.number_input[1].set_value(0.7).run()
    assert not page.exception
    params = {k: str(v) for k, v in dict(page.query_params).items()}
    assert params["pensioen"] == "60"
    assert params["instroom"] == "10"
    assert params["vte"] == "0.7"
    expected = view.zone_outlook(_data(marts), code, ol.Scenario(60, 10.0, 0.7))
    last = expected.zone.row(expected.zone.height - 1, named=True)
    row = _last_zone_row(page)
    assert row["Huisartsen"] == labels.fmt_number(last["gps"], 1)
    assert row["VTE"] == labels.fmt_number(last["fte"], 1)


def test_bad_link_values_give_dutch_messages(page: AppTest, marts: store.Marts) -> None:
    page.query_params.update({"zone": _zone(marts), "pensioen": "99", "vte": "veel"})
    page.run()
    assert not page.exception
    text = " ".join(w.value for w in page.warning)
    assert "pensioenleeftijd '99' uit de link ligt niet tussen 60 en 75" in text
    assert "VTE per huisarts 'veel' uit de link is geen getal" in text
    assert [s.value for s in page.slider] == [ol.RETIREMENT_DEFAULT]


def test_build_without_outlook_asks_for_a_new_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POPMGMT_DATA", str(write_synthetic_marts(tmp_path / "data")))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "nog geen capaciteitsvooruitzichten" in " ".join(i.value for i in at.info)
