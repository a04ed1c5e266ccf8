"""The 'Capaciteit 2035' page in real headless Chromium: the chart draws, the link keeps
the zone and the scenario, no error and nothing leaves the machine.

Served on its own through a small entry script (as in test_need_browser). Skipped when
Chromium is absent, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import polars as pl
import pytest
from browserkit import PAGE_TIMEOUT_MS, Watch, launch, require_chromium, serve, settle
from conftest import ROOT

from popmgmt.app import store
from popmgmt.views import labels

pytestmark = pytest.mark.browser

WRAPPER = """import streamlit as st

st.set_page_config(page_title="popmgmt", layout="wide")
st.navigation([st.Page({page!r}, default=True)]).run()
"""


def test_outlook_page_in_chromium(built_data: Path, marts: store.Marts, tmp_path: Path) -> None:
    """Given a link with a zone and a scenario, then the chart and table render, the
    demo label shows, and the URL keeps the scenario."""
    require_chromium()
    zone = str(
        marts.values.filter(
            (pl.col("indicator_code") == "gp_per_10k") & (pl.col("level") == "zone")
        )["area_code"]
        .unique()
        .sort()[0]
    )
    script = tmp_path / "entry.py"
    script.write_text(WRAPPER.format(page=str(ROOT / "pages" / "outlook.py")), encoding="utf-8")
    with (
        serve(script, tmp_path / "streamlit.log", env={"POPMGMT_DATA": str(built_data)}) as url,
        launch() as browser,
    ):
        page = browser.new_page(viewport={"width": 1400, "height": 3600})
        watch = Watch(page, url)
        page.goto(f"{url}/?zone={zone}&pensioen=64&instroom=3&vte=0.9", timeout=PAGE_TIMEOUT_MS)
        chart = page.locator('[data-testid="stVegaLiteChart"]')
        chart.first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        page.locator('[data-testid="stDataFrame"]').last.wait_for(
            state="visible", timeout=PAGE_TIMEOUT_MS
        )
        settle(page, 2000)
        assert (
            page.locator(
                '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
            ).count()
            >= 1
        )
        body = page.locator("body").inner_text()
        assert "Traceback" not in body
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "Capaciteit 2035" in body
        assert labels.DEMO_BADGE in body
        assert "Aannames" in body
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(page.url).query))
        assert query == {"zone": zone, "pensioen": "64", "instroom": "3", "vte": "0.9"}
        page.screenshot(path=str(tmp_path / "outlook.png"), full_page=True)
    watch.check()
