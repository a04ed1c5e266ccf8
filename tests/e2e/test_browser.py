"""The running app in real headless Chromium: the map draws, the figures show, no errors.

Starts `streamlit run app.py` on a free port with POPMGMT_DATA set to the built data
and drives Debian's Chromium through Playwright. Skipped when Chromium is absent,
except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
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
from PIL import Image
from playwright.sync_api import FloatRect

from popmgmt.views import labels, maps

pytestmark = pytest.mark.browser


def _pixel_scale(png: bytes, box: FloatRect) -> float:
    with Image.open(io.BytesIO(png)) as img:
        return float(img.width) / box["width"]


def _coloured_pixels(png: bytes, step: int = 6) -> list[tuple[int, int]]:
    """Grid points of a screenshot whose colour is one of the map's class colours."""
    palette = [blend(rgb, maps.FILL_ALPHA) for rgb in maps.SEQUENTIAL_COLOURS]
    return pixels_near(png, palette, step=step)


@pytest.fixture
def server(built_data: Path, tmp_path: Path) -> Iterator[str]:
    """The app on the built data."""
    require_chromium()
    with serve("app.py", tmp_path / "streamlit.log", env={"POPMGMT_DATA": str(built_data)}) as url:
        yield url


def test_overview_in_chromium(server: str, tmp_path: Path) -> None:
    """Given the running app, then the map canvas and the headline metrics render, no errors."""
    with launch() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        # Nothing may leave the machine: no tiles, no fonts, no icons.
        watch = Watch(page, server)
        page.goto(server, wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)

        metrics = page.locator('[data-testid="stMetric"]')
        metrics.first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        deck = page.locator('[data-testid="stDeckGlJsonChart"]')
        deck.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        canvas = deck.locator("canvas").first
        canvas.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(
            state="visible", timeout=PAGE_TIMEOUT_MS
        )
        # Let the script finish and deck.gl draw its first frames.
        settle(page, 2500)

        assert metrics.count() == 4
        assert "Inwoners" in metrics.first.inner_text()
        box = canvas.bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 300

        body = page.locator("body").inner_text()
        assert labels.DEMO_BADGE in body
        assert "Demodata." in body
        assert "grenzen 2025" in body
        assert "Bronvermelding" in body
        for bad in ("Traceback", "Error", "Exception"):
            assert bad not in body, f"{bad!r} on the page"
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0

        shot = tmp_path / "overview.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        map_png = canvas.screenshot(path=str(tmp_path / "map.png"))

        # The zones are drawn in the scale's colours (not only grey or white).
        coloured = _coloured_pixels(map_png)
        assert len(coloured) > 200, "no coloured zones on the map"

        # Hover a coloured zone: its Dutch tooltip appears.
        x, y, scale = *coloured[len(coloured) // 2], _pixel_scale(map_png, box)
        page.mouse.move(box["x"] + x / scale, box["y"] + y / scale)
        tooltip = page.locator(".deck-tooltip")
        tooltip.wait_for(state="visible", timeout=10_000)
        tip = tooltip.inner_text()
        assert "jaar " in tip
        assert "(elz" in tip
        page.screenshot(path=str(tmp_path / "tooltip.png"))
    print(f"screenshot: {shot}")
    watch.check()


def test_missing_data_in_chromium(tmp_path: Path) -> None:
    """Given an empty data folder, then the page shows how to build the data, no traceback."""
    require_chromium()
    empty = tmp_path / "empty"
    empty.mkdir()
    log = tmp_path / "streamlit.log"
    with serve("app.py", log, env={"POPMGMT_DATA": str(empty)}) as url, launch() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.goto(url, wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
        alert = page.locator('[data-testid="stAlertContentError"]')
        alert.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_timeout(1000)
        text = alert.inner_text()
        page.screenshot(path=str(tmp_path / "missing.png"))
        assert str(empty) in text
        assert "python -m popmgmt demo --out raw" in text
        assert "python -m popmgmt build --input raw --out data" in text
        assert "make app" in text
        body = page.locator("body").inner_text()
        assert "Traceback" not in body
        assert page.locator('[data-testid="stException"]').count() == 0
