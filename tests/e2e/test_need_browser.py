"""The 'Nood en aanbod' pages in real headless Chromium: maps and charts draw, links
restore the view, an interaction updates the URL, nothing leaves the machine.

Each page is served on its own through a small entry script (wide layout, the page as
the only entry of `st.navigation`), so the test does not depend on the app's navigation.
Skipped when Chromium is absent, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browserkit import (
    PAGE_TIMEOUT_MS,
    Watch,
    blend,
    launch,
    pixels_near,
    require_chromium,
    serve,
    settle,
)
from conftest import ROOT
from playwright.sync_api import Page

from popmgmt.views import labels, maps

pytestmark = pytest.mark.browser


WRAPPER = """import streamlit as st

st.set_page_config(page_title="popmgmt", layout="wide")
st.navigation([st.Page({page!r}, default=True)]).run()
"""


@contextmanager
def _serve(page: Path, data: Path, folder: Path) -> Iterator[str]:
    """Run one page, wide as in the app, on a free port with POPMGMT_DATA=data; always
    terminated. The page is the only one of a small entry script in `folder`."""
    script = folder / "entry.py"
    script.write_text(WRAPPER.format(page=str(page)), encoding="utf-8")
    with serve(script, folder / "streamlit.log", env={"POPMGMT_DATA": str(data)}) as url:
        yield url


def _settle(page: Page) -> None:
    settle(page, 2000)


def _no_errors_on_page(page: Page) -> str:
    body = page.locator("body").inner_text()
    for bad in ("Traceback", "Exception"):
        assert bad not in body, f"{bad!r} on the page"
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert labels.DEMO_BADGE in body
    assert "Bronvermelding" in body
    return body


def _charts_drawn(page: Page, minimum: int) -> None:
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    assert charts.count() >= minimum
    drawn = page.locator(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
    )
    assert drawn.count() >= minimum


def _query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))


def _coloured_pixels(png: bytes, step: int = 6) -> int:
    palette = [blend(rgb, maps.FILL_ALPHA) for rgb in maps.SEQUENTIAL_COLOURS]
    return len(pixels_near(png, palette, step=step))


def test_need_page_in_chromium(built_data: Path, tmp_path: Path) -> None:
    """Given a link to the municipality map with health-only weights and every section,
    then the map draws in the quintile colours, the charts render, and the URL keeps every
    choice."""
    require_chromium()
    fw = "gezondheid:100,demografie:0,sociaaleconomisch:0,cultureel:0"
    with (
        _serve(ROOT / "pages" / "need.py", built_data, tmp_path) as server,
        launch() as browser,
    ):
        page = browser.new_page(viewport={"width": 1400, "height": 4200})
        watch = Watch(page, server)
        page.goto(
            f"{server}/?kaart=gemeente&deel=alles&fw={urllib.parse.quote(fw)}",
            timeout=PAGE_TIMEOUT_MS,
        )
        deck = page.locator('[data-testid="stDeckGlJsonChart"]')
        deck.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        canvas = deck.locator("canvas").first
        canvas.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        _settle(page)
        _charts_drawn(page, 2)
        body = _no_errors_on_page(page)
        assert "Zorgnood per zone" in body
        assert "gezondheid 100 %" in body
        assert "Risicopiramide" in body
        assert "nooit een lijst van personen" in body
        query = _query(page.url)
        assert query["kaart"] == "gemeente"
        assert query["deel"] == "alles"
        assert query["fw"] == fw
        assert {"jaar", "zone", "iw", "pp"} <= set(query)
        map_png = canvas.screenshot(path=str(tmp_path / "need-map.png"))
        assert _coloured_pixels(map_png) > 200, "no coloured municipalities on the map"
        page.screenshot(path=str(tmp_path / "need.png"), full_page=True)
    print(f"screenshots: {tmp_path}")
    watch.check()


def test_fair_share_page_in_chromium(built_data: Path, tmp_path: Path) -> None:
    """Given a link to the FTE simulator, then the tables and charts render; moving the
    universal-share slider with the keyboard updates the allocation and the URL."""
    require_chromium()
    with (
        _serve(ROOT / "pages" / "fair_share.py", built_data, tmp_path) as server,
        launch() as browser,
    ):
        page = browser.new_page(viewport={"width": 1400, "height": 4200})
        watch = Watch(page, server)
        page.goto(f"{server}/?modus=vte&bedrag=40&universeel=50", timeout=PAGE_TIMEOUT_MS)
        page.locator('[data-testid="stDataFrame"]').last.wait_for(
            state="visible", timeout=PAGE_TIMEOUT_MS
        )
        _settle(page)
        _charts_drawn(page, 3)
        body = _no_errors_on_page(page)
        assert "Nood en aanbod" in body
        assert "Verdelingssimulator" in body
        assert "Stijgt het aanbod mee met de nood?" in body
        assert _query(page.url)["modus"] == "vte"
        assert _query(page.url)["bedrag"] == "40"
        page.screenshot(path=str(tmp_path / "fair-before.png"), full_page=True)

        thumb = page.get_by_role("slider").last
        thumb.focus()
        page.keyboard.press("ArrowLeft")
        page.wait_for_function(
            "() => new URL(window.location.href).searchParams.get('universeel') === '45'",
            timeout=PAGE_TIMEOUT_MS,
        )
        _settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(tmp_path / "fair-after.png"), full_page=True)
    print(f"screenshots: {tmp_path}")
    watch.check()


def test_gradient_page_in_chromium(built_data: Path, tmp_path: Path) -> None:
    """Given a link to an indicator, then the five quintiles and the trend charts render."""
    require_chromium()
    with (
        _serve(ROOT / "pages" / "fair_gradient.py", built_data, tmp_path) as server,
        launch() as browser,
    ):
        page = browser.new_page(viewport={"width": 1400, "height": 2000})
        watch = Watch(page, server)
        page.goto(f"{server}/?indicator=ima_gmd", timeout=PAGE_TIMEOUT_MS)
        page.locator('[data-testid="stMetric"]').first.wait_for(
            state="visible", timeout=PAGE_TIMEOUT_MS
        )
        _settle(page)
        _charts_drawn(page, 3)
        body = _no_errors_on_page(page)
        assert "Sociale gradiënt" in body
        assert "Q5 meest achtergesteld" in body
        assert "Hellingsindex van ongelijkheid" in body
        assert "globaal medisch dossier" in body
        assert _query(page.url)["indicator"] == "ima_gmd"
        page.screenshot(path=str(tmp_path / "gradient.png"), full_page=True)
    print(f"screenshots: {tmp_path}")
    watch.check()
