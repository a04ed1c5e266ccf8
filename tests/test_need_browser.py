"""The 'Nood en aanbod' pages in real headless Chromium: maps and charts draw, links
restore the view, an interaction updates the URL, nothing leaves the machine.

Each page is served on its own through a small entry script (wide layout, the page as
the only entry of `st.navigation`), so the test does not depend on the app's navigation.
Skipped when Chromium is absent, except in CI (CI=true), where that is a failure.
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
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT
from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright

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
    log = folder / "streamlit.log"
    port = _free_port()
    env = {**os.environ, "POPMGMT_DATA": str(data)}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
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


class _Watch:
    """Console errors and requests to other hosts seen by a page."""

    def __init__(self, page: Page, server: str) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on(
            "request",
            lambda r: None if r.url.startswith(server) else self.outside.append(r.url),
        )

    def check(self) -> None:
        assert not self.outside, f"requests to other hosts: {self.outside}"
        assert not self.errors, self.errors


def _settle(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=PAGE_TIMEOUT_MS,
    )
    page.wait_for_timeout(2000)


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
    palette = [
        tuple(round(c * maps.FILL_ALPHA / 255 + 255 * (1 - maps.FILL_ALPHA / 255)) for c in rgb)
        for rgb in maps.SEQUENTIAL_COLOURS
    ]
    found = 0
    with Image.open(io.BytesIO(png)) as img:
        rgb_img = img.convert("RGB")
        for y in range(0, rgb_img.height, step):
            for x in range(0, rgb_img.width, step):
                pixel = rgb_img.getpixel((x, y))
                assert isinstance(pixel, tuple)
                if any(
                    sum(abs(p - q) for p, q in zip(pixel, c, strict=True)) < 24 for c in palette
                ):
                    found += 1
    return found


def test_need_page_in_chromium(built_data: Path, tmp_path: Path) -> None:
    """Given a link to the municipality map with health-only weights, then the map draws
    in the quintile colours, the charts render, and the URL keeps every choice."""
    _require_chromium()
    fw = "gezondheid:100,demografie:0,sociaaleconomisch:0,cultureel:0"
    with (
        _serve(ROOT / "pages" / "need.py", built_data, tmp_path) as server,
        _browser() as browser,
    ):
        page = browser.new_page(viewport={"width": 1400, "height": 4200})
        watch = _Watch(page, server)
        page.goto(f"{server}/?kaart=gemeente&fw={urllib.parse.quote(fw)}", timeout=PAGE_TIMEOUT_MS)
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
        assert query["fw"] == fw
        assert {"jaar", "elz", "iw", "pp"} <= set(query)
        map_png = canvas.screenshot(path=str(tmp_path / "need-map.png"))
        assert _coloured_pixels(map_png) > 200, "no coloured municipalities on the map"
        page.screenshot(path=str(tmp_path / "need.png"), full_page=True)
    print(f"screenshots: {tmp_path}")
    watch.check()


def test_fair_share_page_in_chromium(built_data: Path, tmp_path: Path) -> None:
    """Given a link to the FTE simulator, then the tables and charts render; moving the
    universal-share slider with the keyboard updates the allocation and the URL."""
    _require_chromium()
    with (
        _serve(ROOT / "pages" / "fair_share.py", built_data, tmp_path) as server,
        _browser() as browser,
    ):
        page = browser.new_page(viewport={"width": 1400, "height": 4200})
        watch = _Watch(page, server)
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
    _require_chromium()
    with (
        _serve(ROOT / "pages" / "fair_gradient.py", built_data, tmp_path) as server,
        _browser() as browser,
    ):
        page = browser.new_page(viewport={"width": 1400, "height": 2000})
        watch = _Watch(page, server)
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
