"""The PDCA log in real headless Chromium: in the demo, the care council of a zone adds an
action on its zone profile; it appears in the log with its evaluation and its chart; the
council of another zone opening the same zone sees no log and no form.

Runs `streamlit run app.py` on demo data without a role file (demo mode), with a fresh
state folder. Skipped when Chromium is absent, except in CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browserkit import Watch, launch, require_chromium, serve, settle
from playwright.sync_api import Locator, Page, expect

from popmgmt.app import access, pdca, store
from popmgmt.app.access import Role
from popmgmt.app.store import Marts
from popmgmt.views import zone

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000


def _settle(page: Page) -> None:
    settle(page, 1500, TIMEOUT_MS)


def _pick(page: Page, box: Locator, label: str) -> None:
    """Choose `label` in a select box. Its option list is virtual (only the options near
    the current one are in the page), so type to filter it first."""
    box.click()
    page.keyboard.type(label)
    page.get_by_role("option", name=label, exact=True).click()
    _settle(page)


def _choose_role(page: Page, kind: str, area_label: str) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").first.wait_for(state="visible", timeout=TIMEOUT_MS)
    _settle(page)
    _pick(page, sidebar.get_by_test_id("stSelectbox").first, kind)
    _pick(page, sidebar.get_by_test_id("stSelectbox").nth(1), area_label)


def test_a_council_adds_an_action_another_council_sees_none(
    built_data: Path, tmp_path: Path, marts: Marts
) -> None:
    require_chromium()
    zones = access.area_names(marts, "zone")
    own, other = "elz13", "elz32"
    indicator = store.indicator_option_label(store.indicator_meta(marts, zone.DEFAULT_INDICATOR))
    state = tmp_path / "state"
    env = {
        "POPMGMT_DATA": str(built_data),
        "POPMGMT_ROLES": "",
        "POPMGMT_STATE": str(state),
        "POPMGMT_STATE_URL": "",
    }
    with serve("app.py", tmp_path / "streamlit.log", env=env) as url, launch() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        watch = Watch(page, url)
        page.goto(f"{url}/zone?zone={own}", wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        _choose_role(page, "Zorgraad", f"{zones[own]} ({own})")
        section = page.get_by_role("heading", name="Acties en opvolging (PDCA)")
        section.scroll_into_view_if_needed(timeout=TIMEOUT_MS)
        page.get_by_label("Titel", exact=True).fill("Huisbezoeken 75+ (browser)")
        page.get_by_label("Eigenaar (naam of functie)").fill("Coördinator")
        page.get_by_role("combobox", name="Doelindicator").click()
        page.keyboard.type(indicator.split(" · ")[-1])  # filters the long, virtual list
        page.get_by_role("option").filter(has_text=indicator.split(" · ")[-1]).first.click()
        page.get_by_label("Streefwaarde (in de eenheid van de indicator)").fill("80")
        page.get_by_label("Doeljaar").fill("2028")
        page.get_by_test_id("stFormSubmitButton").first.get_by_role("button").click()
        expect(page.get_by_text("toegevoegd aan het logboek")).to_be_visible(timeout=TIMEOUT_MS)
        _settle(page)
        expect(page.get_by_text("Doel: ").first).to_be_visible(timeout=TIMEOUT_MS)
        log = page.get_by_test_id("stExpander").filter(has_text="Huisbezoeken 75+ (browser)")
        expect(log.first.locator("canvas, svg.marks").first).to_be_visible(timeout=TIMEOUT_MS)
        stored = pdca.list_actions(state / "annotations.sqlite", own, reader=Role("departement"))
        assert [a.title for a in stored] == ["Huisbezoeken 75+ (browser)"]

        # The same session switches to the council of another zone (which moves the zone
        # selector to its own zone) and picks the first zone again.
        _choose_role(page, "Zorgraad", f"{zones[other]} ({other})")
        main = page.get_by_test_id("stMain")
        # While the rerun for the new role runs, the old selector can still be on the
        # page beside the new one: wait for one.
        selector = main.get_by_role("combobox", name="Eerstelijnszone", exact=True)
        expect(selector).to_have_count(1, timeout=TIMEOUT_MS)
        _pick(page, selector, f"{zones[own]} ({own})")
        assert f"zone={own}" in page.url
        expect(page.get_by_text(pdca.READ_REFUSAL)).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_text("Huisbezoeken 75+ (browser)")).to_have_count(0)
        watch.check()
