"""The Flemish monitor in real headless Chromium: the trend draws, a policy annotation
added through the form appears on the chart and survives a server restart, the funnel
plot draws, and the GP-poor map is coloured by the margin to the threshold.

Runs `streamlit run pages/monitor.py` (and `pages/gp_poor.py`) on a free port with
POPMGMT_DATA set to the built data and POPMGMT_STATE to a temporary folder, and drives
Debian's Chromium through Playwright. Skipped when Chromium is absent, except in CI.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browserkit import Watch, blend, launch, pixels_near, require_chromium, serve, settle
from PIL import Image
from playwright.sync_api import Browser, Page

from popmgmt.app import annotations as ann
from popmgmt.views import gppoor_display, labels

pytestmark = pytest.mark.browser

START_TIMEOUT = 90.0
PAGE_TIMEOUT_MS = 90_000
LABEL = "Start huisartsenmaatregel"


@contextmanager
def _serve(script: str, data: Path, state: Path, log: Path) -> Iterator[str]:
    """Run one page script on a free port; always terminated."""
    env = {"POPMGMT_DATA": str(data), ann.STATE_ENV: str(state)}
    with serve(script, log, env=env, start_timeout=START_TIMEOUT) as url:
        yield url


def _open(browser: Browser, url: str, server: str, watches: list[Watch]) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1500})
    # Nothing may leave the machine: no tiles, fonts or icons.
    watches.append(Watch(page, server))
    page.goto(url, wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
    return page


def _check(watches: list[Watch]) -> None:
    for watch in watches:
        watch.check()


def _settle(page: Page) -> None:
    settle(page, 1500, PAGE_TIMEOUT_MS)


def _chart_texts(page: Page) -> list[str]:
    texts: list[str] = page.eval_on_selector_all(
        '[data-testid="stVegaLiteChart"] svg text', "els => els.map(e => e.textContent)"
    )
    return texts


def _no_errors(page: Page) -> None:
    body = page.locator("body").inner_text()
    for bad in ("Traceback", "Exception"):
        assert bad not in body, f"{bad!r} on the page"
    assert page.locator('[data-testid="stException"]').count() == 0


def _choose_demo_role(page: Page, role: str) -> None:
    """Pick a role in the sidebar's demo switch (demo data, no sign-in configured)."""
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name=role).click()
    _settle(page)
    assert f"Uw rol: {role}" in sidebar.inner_text()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    require_chromium()
    return tmp_path / "state"


def test_trend_annotation_survives_restart(built_data: Path, state: Path, tmp_path: Path) -> None:
    """Given the running monitor, when a policy officer adds an annotation through the
    form, then it is drawn on the trend chart, and after a server restart it is still there."""
    watches: list[Watch] = []
    log = tmp_path / "streamlit.log"
    with _serve("pages/monitor.py", built_data, state, log) as url, launch() as browser:
        page = _open(browser, f"{url}/?view=trend&split=provincie", url, watches)
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        chart.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        _settle(page)
        body = page.locator("body").inner_text()
        assert "Vlaamse monitor" in body
        assert labels.DEMO_BADGE in body
        assert "alle jaren staan op de grenzen van 2025" in body
        assert chart.locator("svg").count() == 1
        box = chart.bounding_box()
        assert box is not None
        assert box["width"] > 400
        assert box["height"] > 250

        # Only Departement Zorg writes Flemish markers: pick that demo role first.
        _choose_demo_role(page, "Departement Zorg")
        page.get_by_text("Beleidsmarkeringen (").click()
        page.locator('[data-testid="stDateInput"] [role="spinbutton"][data-type="day"]').click()
        page.keyboard.type("01032020")
        page.get_by_label(f"Label (1 tot {ann.LABEL_MAX} tekens)").fill(LABEL)
        page.get_by_role("button", name="Markering toevoegen").click()
        success = page.locator('[data-testid="stAlertContentSuccess"]')
        success.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        assert f"01-03-2020 · {LABEL}" in success.inner_text()
        _settle(page)
        assert LABEL in _chart_texts(page)
        page.screenshot(path=str(tmp_path / "trend_annotation.png"), full_page=True)

        # A bad label is refused with a Dutch message and nothing is drawn.
        page.get_by_label(f"Label (1 tot {ann.LABEL_MAX} tekens)").fill("   ")
        page.get_by_role("button", name="Markering toevoegen").click()
        error = page.locator('[data-testid="stAlertContentError"]')
        error.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        assert "Geef een label op" in error.inner_text()
        _no_errors(page)

    assert [a.label for a in ann.list_annotations(state / ann.DB_FILE)] == [LABEL]

    # Restart: a new server process on the same state folder.
    with _serve("pages/monitor.py", built_data, state, log) as url, launch() as browser:
        page = _open(browser, f"{url}/?view=trend", url, watches)
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(
            state="visible", timeout=PAGE_TIMEOUT_MS
        )
        _settle(page)
        assert LABEL in _chart_texts(page)
        assert "Beleidsmarkeringen (1 op deze grafiek)" in page.locator("body").inner_text()

        # The funnel view draws too, with its outliers or the all-within message.
        page.get_by_text("Spreiding (trechter)").click()
        page.get_by_text("trechterdiagram").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        _settle(page)
        body = page.locator("body").inner_text()
        assert "Buiten de grenzen" in body or "binnen de 95%-grenzen" in body
        assert "overdispersie" in body
        assert page.locator('[data-testid="stVegaLiteChart"] svg').count() >= 1
        page.screenshot(path=str(tmp_path / "funnel.png"), full_page=True)
        _no_errors(page)
    print(f"screenshots: {tmp_path}")
    _check(watches)


def _margin_pixels(png: bytes, step: int = 5) -> dict[str, list[tuple[int, int]]]:
    """Per GP-poor map class, the grid points of a screenshot drawn in its colour."""
    found: dict[str, list[tuple[int, int]]] = {}
    for code, (_text, rgb) in gppoor_display.MARGIN_CLASSES.items():
        points = pixels_near(png, [blend(rgb, gppoor_display.MAP_ALPHA)], step=step, tolerance=12)
        if points:
            found[code] = points
    return found


def test_gp_poor_map_in_chromium(built_data: Path, state: Path, tmp_path: Path) -> None:
    """Given the GP-poor page, then the municipalities are drawn in the margin classes and
    hovering one shows its threshold and margin."""
    watches: list[Watch] = []
    with (
        _serve("pages/gp_poor.py", built_data, state, tmp_path / "streamlit.log") as url,
        launch() as browser,
    ):
        page = _open(browser, url, url, watches)
        canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
        canvas.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(
            state="visible", timeout=PAGE_TIMEOUT_MS
        )
        _settle(page)
        page.wait_for_timeout(1500)
        body = page.locator("body").inner_text()
        assert "Huisartsarme gebieden" in body
        assert "minder dan 90 huisartsen jonger dan 65" in body
        assert "Marge tot de drempel" in body
        box = canvas.bounding_box()
        assert box is not None
        png = canvas.screenshot(path=str(tmp_path / "gp_poor_map.png"))
        found = _margin_pixels(png)
        coloured = [
            xy for code in ("arm_40", "arm_20", "arm_0", "boven_0", "boven_20")
            for xy in found.get(code, [])
        ]  # fmt: skip
        assert len(coloured) > 50, found.keys()

        # Hover a coloured municipality: its Dutch tooltip shows the threshold and margin.
        with Image.open(io.BytesIO(png)) as img:
            scale = img.width / box["width"]
        tooltip = page.locator(".deck-tooltip")
        for x, y in coloured[len(coloured) // 2 :: max(len(coloured) // 10, 1)]:
            page.mouse.move(box["x"] + x / scale, box["y"] + y / scale)
            page.wait_for_timeout(500)
            if tooltip.count() and "drempel" in (tooltip.first.inner_text() or ""):
                break
        tip = tooltip.first.inner_text()
        assert "drempel" in tip
        assert "marge" in tip
        page.screenshot(path=str(tmp_path / "gp_poor.png"), full_page=True)
        _no_errors(page)
    _check(watches)
