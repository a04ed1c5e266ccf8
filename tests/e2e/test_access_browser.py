"""Access in real headless Chromium: the public sees the policy markers but no way to
add or delete them; Departement Zorg adds a marker whose label is Markdown and HTML, and
Streamlit's real renderer shows it as the characters typed (no link, no image, no bold);
the sidebar says the access mode.

Runs `streamlit run pages/monitor.py` on demo data without a role file (demo mode) and
drives Debian's Chromium through Playwright. Skipped when Chromium is absent, except in CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browserkit import Watch, launch, require_chromium, serve, settle
from playwright.sync_api import Page

from popmgmt.app import annotations as ann
from popmgmt.views import labels

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000
HOSTILE = "**vet** [k](http://e.vil) <img src=x onerror=alert(1)> www.e.vil :red[x] a@e.vil"


def _settle(page: Page) -> None:
    settle(page, 1500, TIMEOUT_MS)


def test_markers_are_read_only_for_the_public_and_inert_for_everyone(
    built_data: Path, tmp_path: Path
) -> None:
    require_chromium()
    state = tmp_path / "state"
    env = {
        "POPMGMT_DATA": str(built_data),
        ann.STATE_ENV: str(state),
        "POPMGMT_ROLES": "",  # no role file: demo mode
    }
    with (
        serve("pages/monitor.py", tmp_path / "streamlit.log", env=env) as url,
        launch() as browser,
    ):
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        watch = Watch(page, url)
        page.goto(f"{url}/?view=trend", wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(
            state="visible", timeout=TIMEOUT_MS
        )
        _settle(page)
        sidebar = page.get_by_test_id("stSidebar")
        assert "Toegangsmodus: demo" in sidebar.inner_text()

        # The public: the panel opens, but there is nothing to add or delete with.
        page.get_by_text("Beleidsmarkeringen (").click()
        _settle(page)
        assert page.get_by_role("button", name="Markering toevoegen").count() == 0
        assert page.get_by_role("button", name="Verwijderen").count() == 0
        assert "Alleen Departement Zorg voegt Vlaamse beleidsmarkeringen toe" in (
            page.locator("body").inner_text()
        )

        # Departement Zorg adds a marker made of Markdown and HTML.
        sidebar.get_by_test_id("stSelectbox").first.click()
        page.get_by_role("option", name="Departement Zorg").click()
        _settle(page)
        label = page.get_by_label(f"Label (1 tot {ann.LABEL_MAX} tekens)")
        if not label.is_visible():
            page.get_by_text("Beleidsmarkeringen (").click()
        label.fill(HOSTILE)
        label.press("Tab")
        page.get_by_role("button", name="Markering toevoegen").click()
        success = page.locator('[data-testid="stAlertContentSuccess"]')
        success.wait_for(state="visible", timeout=TIMEOUT_MS)
        _settle(page)
        shown = success.inner_text().replace(labels.WORD_JOINER, "")
        assert HOSTILE in shown  # every character, as typed
        assert success.locator("a").count() == 0
        assert success.locator("img").count() == 0
        assert success.locator("strong").count() == 0
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("a[href*='e.vil']").count() == 0
        watch.check()
    assert [a.label for a in ann.list_annotations(state / ann.DB_FILE)] == [HOSTILE]
