"""Role defaults in real headless Chromium: in the demo, a care council chosen in the
sidebar lands on its own zone on the zone profile and on the need page, and the link
names the zone.

Runs `streamlit run app.py` (the whole navigation) on demo data without a role file
(demo mode). Skipped when Chromium is absent, except in CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browserkit import Watch, launch, require_chromium, serve, settle
from playwright.sync_api import Page

from popmgmt.app import access
from popmgmt.app.store import Marts

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000


def _settle(page: Page) -> None:
    settle(page, 1500, TIMEOUT_MS)


def _select(page: Page, label: str) -> str:
    """The value a selectbox shows (Streamlit 1.67 draws it as a combobox input)."""
    box = page.get_by_role("combobox", name=label)
    box.wait_for(state="visible", timeout=TIMEOUT_MS)
    return box.input_value()


def test_a_council_lands_on_its_zone(built_data: Path, tmp_path: Path, marts: Marts) -> None:
    require_chromium()
    zones = access.area_names(marts, "zone")
    code = list(zones)[-1]  # not the first zone alphabetically
    label = f"{zones[code]} ({code})"
    env = {"POPMGMT_DATA": str(built_data), "POPMGMT_ROLES": ""}
    with serve("app.py", tmp_path / "streamlit.log", env=env) as url, launch() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        watch = Watch(page, url)
        page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_test_id("stSelectbox").first.wait_for(state="visible", timeout=TIMEOUT_MS)
        _settle(page)
        sidebar.get_by_test_id("stSelectbox").first.click()
        page.get_by_role("option", name="Zorgraad").click()
        _settle(page)
        sidebar.get_by_test_id("stSelectbox").nth(1).click()
        page.get_by_role("option", name=label).click()
        _settle(page)

        sidebar.get_by_role("link", name="Zoneprofiel").click()
        _settle(page)
        assert label in _select(page, "Eerstelijnszone")
        assert f"zone={code}" in page.url

        sidebar.get_by_role("link", name="Zorgnood per zone").click()
        _settle(page)
        assert label in _select(page, "Zone (voor de opsplitsing en de piramide)")
        watch.check()
