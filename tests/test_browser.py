"""The running app in real headless Chromium: the map draws, the figures show, no errors.

Starts `streamlit run app.py` on a free port with POPMGMT_DATA set to the built data
and drives Debian's Chromium through Playwright. Skipped when Chromium is absent,
except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT
from PIL import Image
from playwright.sync_api import Browser, FloatRect, sync_playwright

from popmgmt import labels, maps

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("POPMGMT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START_TIMEOUT = 60.0
PAGE_TIMEOUT_MS = 60_000


def _require_chromium() -> None:
    if Path(CHROMIUM).is_file() and shutil.which(CHROMIUM):
        return
    reason = f"Chromium not found at {CHROMIUM} (install Debian's chromium package)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited early ({proc.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"streamlit did not start within {START_TIMEOUT}s:\n{log.read_text()}")


def _pixel_scale(png: bytes, box: FloatRect) -> float:
    with Image.open(io.BytesIO(png)) as img:
        return float(img.width) / box["width"]


def _coloured_pixels(png: bytes, step: int = 6) -> list[tuple[int, int]]:
    """Grid points of a screenshot whose colour is one of the map's class colours."""
    palette = [
        tuple(round(c * maps.FILL_ALPHA / 255 + 255 * (1 - maps.FILL_ALPHA / 255)) for c in rgb)
        for rgb in maps.SEQUENTIAL_COLOURS
    ]
    found = []
    with Image.open(io.BytesIO(png)) as img:
        rgb_img = img.convert("RGB")
        for y in range(0, rgb_img.height, step):
            for x in range(0, rgb_img.width, step):
                pixel = rgb_img.getpixel((x, y))
                assert isinstance(pixel, tuple)
                if any(
                    sum(abs(p - q) for p, q in zip(pixel, c, strict=True)) < 24 for c in palette
                ):
                    found.append((x, y))
    return found


@contextmanager
def _serve(data: Path, log: Path) -> Iterator[str]:
    """Run the app on a free port with POPMGMT_DATA=data; always terminated."""
    port = _free_port()
    env = {**os.environ, "POPMGMT_DATA": str(data)}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, proc, log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


@contextmanager
def _browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def server(built_data: Path, tmp_path: Path) -> Iterator[str]:
    """The app on the built data."""
    _require_chromium()
    with _serve(built_data, tmp_path / "streamlit.log") as url:
        yield url


def test_overview_in_chromium(server: str, tmp_path: Path) -> None:
    """Given the running app, then the map canvas and the headline metrics render, no errors."""
    console_errors: list[str] = []
    outside: list[str] = []
    with _browser() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.on(
            "console",
            lambda msg: console_errors.append(msg.text) if msg.type == "error" else None,
        )
        # Nothing may leave the machine: no tiles, no fonts, no icons.
        page.on(
            "request",
            lambda req: None if req.url.startswith(server) else outside.append(req.url),
        )
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
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
            timeout=PAGE_TIMEOUT_MS,
        )
        page.wait_for_timeout(2500)

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
    assert not outside, f"requests to other hosts: {outside}"
    assert not console_errors, console_errors


def test_missing_data_in_chromium(tmp_path: Path) -> None:
    """Given an empty data folder, then the page shows how to build the data, no traceback."""
    _require_chromium()
    empty = tmp_path / "empty"
    empty.mkdir()
    with _serve(empty, tmp_path / "streamlit.log") as url, _browser() as browser:
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
