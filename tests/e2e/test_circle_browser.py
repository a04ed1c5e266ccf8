"""The GP-circle page in real headless Chromium, for one circle.

Starts `streamlit run` on a small entry script (in a temporary folder) that shows
`pages/circle.py` in a wide layout, with POPMGMT_DATA set to the built data, and drives
Debian's Chromium through Playwright: the coverage map draws, the public view says
that details need sign-in, the circle's own demo role sees the funnel plot, the
practice map draws coloured practices whose tooltip holds practice facts only.
Nothing may leave the machine. Skipped when Chromium is absent, except in CI.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from browserkit import PAGE_TIMEOUT_MS, Watch, launch, pixels_near, require_chromium, serve, settle
from conftest import ROOT
from PIL import Image
from playwright.sync_api import Locator, Page

from popmgmt.app.store import Marts
from popmgmt.views import circle, circle_map, circle_tables, funnel_charts, labels

pytestmark = pytest.mark.browser

ENTRY = """\
import streamlit as st

st.set_page_config(page_title="Praktijken van de kring", layout="wide")
st.navigation(
    [st.Page({page!r}, title="Praktijken van de kring", url_path="kring", default=True)]
).run()
"""


@contextmanager
def _serve(data: Path, folder: Path) -> Iterator[str]:
    """Run the circle page on a free port with POPMGMT_DATA=data; always terminated."""
    entry = folder / "circle_entry.py"
    entry.write_text(ENTRY.format(page=str(ROOT / "pages" / "circle.py")), encoding="utf-8")
    # No role file: demo mode (the demo role switch) needs none (docs/access.md).
    env = {"POPMGMT_DATA": str(data)}
    with serve(entry, folder / "streamlit.log", env=env) as url:
        yield url


def _settle(page: Page) -> None:
    """Wait until the script has finished and the frontend has drawn."""
    settle(page, 2000)


def _pixels(
    png: bytes, colours: Sequence[tuple[int, int, int]], step: int = 3
) -> list[tuple[int, int]]:
    """Grid points of a screenshot close to one of `colours`."""
    return pixels_near(png, colours, step=step, tolerance=30)


def _over_white(rgb: Sequence[int], alpha: int) -> tuple[int, int, int]:
    a = alpha / 255
    return (
        round(rgb[0] * a + 255 * (1 - a)),
        round(rgb[1] * a + 255 * (1 - a)),
        round(rgb[2] * a + 255 * (1 - a)),
    )


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return (int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16))


def _choose(page: Page, box: Locator, option: str) -> None:
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    _settle(page)


@pytest.fixture
def circle_code(marts: Marts) -> str:
    """The first circle (by name) that has practices: the demo role's default circle."""
    codes: list[str] = circle.circle_list(marts.areas)["circle_code"].to_list()
    with_practices = set(marts.practices["circle_code"].drop_nulls().to_list())
    return next(c for c in codes if c in with_practices)


def test_one_circle_in_chromium(built_data: Path, tmp_path: Path, circle_code: str) -> None:
    require_chromium()
    with _serve(built_data, tmp_path) as url, launch() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 1900})
        watch = Watch(page, url)
        page.goto(f"{url}/?kring={circle_code}", wait_until="domcontentloaded")

        # --- the public view: area, coverage map, public practice facts -----------------
        page.get_by_text("Praktijken van de kring").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        coverage = page.locator('[data-testid="stDeckGlJsonChart"]').first
        coverage.locator("canvas").first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        page.locator('[data-testid="stDataFrame"]:visible').first.wait_for(timeout=PAGE_TIMEOUT_MS)
        _settle(page)
        body = page.locator("body").inner_text()
        assert labels.DEMO_BADGE in body
        assert f"(`{circle_code}`)" not in body  # Markdown is rendered, not shown raw
        assert f"({circle_code})" in body
        assert "omvat" in body
        assert circle_tables.PUBLIC_NOTE[:60] in body
        assert f"kring={circle_code}" in page.url
        page.screenshot(path=str(tmp_path / "public.png"), full_page=True)
        # Fill colours as drawn: alpha 170 over the white page.
        zone_colours = [_over_white(c, 170) for c in circle_map.ZONE_COLOURS]
        coverage_png = coverage.locator("canvas").first.screenshot()
        assert len(_pixels(coverage_png, zone_colours, step=6)) > 100, "no municipalities drawn"

        # --- the circle's own demo role: the funnel plot ---------------------------------
        sidebar = page.locator('[data-testid="stSidebar"]')
        _choose(page, sidebar.locator('[data-testid="stSelectbox"]').first, "Huisartsenkring")
        body = page.locator("body").inner_text()
        assert circle_tables.PUBLIC_NOTE[:60] not in body
        page.get_by_role("tab", name="Trechterdiagram").click()
        _settle(page)
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        chart.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_timeout(1500)
        assert "weergave=Trechterdiagram" in page.url
        chart_png = chart.screenshot(path=str(tmp_path / "funnel.png"))
        target_red = [(0xC0, 0x39, 0x2B)]
        points = [_rgb(c) for c in funnel_charts.BAND_COLOURS.values()]
        assert _pixels(chart_png, target_red, step=1), "no reference line"
        assert len(_pixels(chart_png, points)) > 20, "no practices on the funnel plot"
        page.screenshot(path=str(tmp_path / "funnel_page.png"), full_page=True)

        # --- the practice map ----------------------------------------------------------
        page.get_by_role("tab", name="Kaart").click()
        _settle(page)
        decks = page.locator('[data-testid="stDeckGlJsonChart"]')
        decks.nth(1).locator("canvas").first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_timeout(2000)
        canvas = decks.nth(1).locator("canvas").first
        box = canvas.bounding_box()
        assert box is not None
        assert box["width"] > 400
        map_png = canvas.screenshot(path=str(tmp_path / "map.png"))
        # Practices in the patient-stop colours (alpha 235), not the grey outline.
        stop_colours = [
            _over_white(c, 235) for c in circle_map.FACT_COLOURS["patient_stop"].values()
        ]
        found = _pixels(map_png, stop_colours, step=2)
        assert len(found) > 10, "no practices on the map"
        with Image.open(io.BytesIO(map_png)) as img:
            scale = img.width / box["width"]
        tooltip = page.locator(".deck-tooltip:visible")  # one per map
        tip = ""
        for x, y in found[:: max(len(found) // 60, 1)]:
            page.mouse.move(box["x"] + x / scale, box["y"] + y / scale)
            page.wait_for_timeout(150)
            if tooltip.count():
                tip = str(tooltip.first.inner_text())
                if "Praktijk PR-" in tip:
                    break
        else:
            pytest.fail("no practice tooltip found")
        assert "Patiëntenstop:" in tip
        assert "Grootteklasse:" in tip
        for word in ("Huisartsen", "VTE", "uren", "leeftijd"):
            assert word not in tip
        page.screenshot(path=str(tmp_path / "map_page.png"), full_page=True)

        body = page.locator("body").inner_text()
        for bad in ("Traceback", "Exception"):
            assert bad not in body
        assert page.locator('[data-testid="stException"]').count() == 0
    print(f"screenshots: {tmp_path}")
    watch.check()
