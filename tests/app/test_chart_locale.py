"""Every chart the pages draw for the demo data formats its numbers in Dutch.

Given the built demo data, when each page runs (every view of the monitor, every tab of
the circle page, the zone profile of a zone), then every Vega-Lite spec handed to
Streamlit carries the house style's `config.locale` (decimal comma, thousands point,
Dutch month names), so no axis, legend or tooltip that Vega formats shows "20,000" or
"80.0".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from popmgmt.app import store, ui
from popmgmt.views import charts

TIMEOUT = 60
MONITOR_VIEWS = ("trend", "trechter", "kaart", "vergelijking", "betaling")
CIRCLE_TABS = (
    "Praktijken",
    "Trechterdiagram",
    "GMD en VTE",
    "Betalingssysteem",
    "Kaart",
    "Kring en Vlaanderen",
    "Evolutie",
)


def _first(marts: store.Marts, level: str) -> str:
    codes = marts.areas.filter(pl.col("level") == level)["area_code"].sort().to_list()
    return str(codes[0])


def _cases(marts: store.Marts) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(page, query parameters, session state) for every view that draws charts."""
    department = {ui.ROLE_STATE: "departement"}
    cases: list[tuple[str, dict[str, str], dict[str, str]]] = [
        ("overview.py", {}, {}),
        ("zone.py", {"zone": _first(marts, "zone"), "deel": "alles"}, {}),
        ("gp_poor.py", {}, {}),
        ("need.py", {"deel": "alles"}, {}),
        ("fair_share.py", {}, {}),
        ("fair_gradient.py", {}, {}),
    ]
    cases += [("monitor.py", {"view": view}, department) for view in MONITOR_VIEWS]
    circle = _first(marts, "kring")
    cases += [
        ("circle.py", {"kring": circle}, {**department, "weergave": tab}) for tab in CIRCLE_TABS
    ]
    return cases


def _specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def test_every_chart_spec_carries_the_dutch_locale(
    built_data: Path, marts: store.Marts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    seen: dict[str, int] = {}
    wrong: list[str] = []
    for page, params, state in _cases(marts):
        at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=TIMEOUT)
        for key, value in params.items():
            at.query_params[key] = value
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
        assert not at.exception, (page, params, [e.value for e in at.exception])
        name = f"{page} {params} {state.get('weergave', '')}".strip()
        specs = _specs(at)
        seen[name] = len(specs)
        for i, spec in enumerate(specs):
            locale = (spec.get("config") or {}).get("locale")
            if locale != charts.DUTCH_LOCALE:
                title = spec.get("title") or (spec.get("usermeta") or {}).get("title")
                wrong.append(f"{name} #{i}: {json.dumps(title, ensure_ascii=False)[:80]}")
    assert sum(seen.values()) >= 20, seen
    assert wrong == []
