"""AppTest: the council's own comparison set on the zone profile, kept in the link."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from popmgmt.app import access
from popmgmt.app.store import Marts
from popmgmt.views import own_set

PAGE = str(ROOT / "pages" / "zone.py")
KEY = "zone_profile_compare"
TIMEOUT = 120


@pytest.fixture
def zones(marts: Marts, built_data: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    return list(access.area_names(marts, "zone"))


def _open(**params: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _gain_sets(at: AppTest) -> set[str]:
    for frame in at.dataframe:
        if "Vergelijkingsset" in frame.value.columns:
            return {str(v).split(" (")[0] for v in frame.value["Vergelijkingsset"]}
    return set()


def test_a_link_restores_the_set_and_the_gain_uses_it(zones: list[str]) -> None:
    zone, first, second = zones[3], zones[0], zones[5]
    at = _open(zone=zone, vergelijk=f"{first},{second}", deel="vergelijking")
    assert at.multiselect(key=KEY).value == [first, second]
    assert _gain_sets(at) == {own_set.OWN_SET, own_set.SIMILAR_SET}
    tables = [f.value for f in at.dataframe]
    assert any(any(first in str(c) for c in t.columns) for t in tables)  # side by side
    at.multiselect(key=KEY).unselect(first).run()
    assert at.query_params[own_set.QUERY_PARAM] == second
    at.multiselect(key=KEY).unselect(second).run()
    assert own_set.QUERY_PARAM not in at.query_params
    assert _gain_sets(at) == {own_set.SIMILAR_SET}


def test_a_link_with_an_unknown_zone_or_the_zone_itself(zones: list[str]) -> None:
    zone, other = zones[3], zones[1]
    at = _open(zone=zone, vergelijk=f"{zone},onbekend,{other}", deel="vergelijking")
    assert at.multiselect(key=KEY).value == [other]
    assert any("onbekend" in str(w.value) for w in at.warning)
    assert at.query_params[own_set.QUERY_PARAM] == other
