"""The zone profile in real headless Chromium: a zone link opens the zone, the map of its
municipalities and the spine chart draw, nothing leaves the machine, no errors.

Serves `app.py` when the navigation lists `pages/zone.py` (URL path `/zone`), else the
page itself as the main script. Skipped when Chromium is absent, except in CI.
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

import polars as pl
import pytest
from conftest import ROOT
from PIL import Image
from playwright.sync_api import sync_playwright

from popmgmt import labels, maps, navigation, store, zone

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("POPMGMT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START_TIMEOUT = 60.0
PAGE_TIMEOUT_MS = 90_000
PAGE = "pages/zone.py"


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


def _entry() -> tuple[str, str]:
    """(script to run, URL path of the zone page)."""
    if any(page.path == PAGE for page in navigation.all_pages()):
        return "app.py", "/zone"
    return PAGE, "/"


@contextmanager
def _serve(data: Path, log: Path) -> Iterator[str]:
    """Run the app on a free port with POPMGMT_DATA=data; always terminated."""
    script, path = _entry()
    port = _free_port()
    env = {**os.environ, "POPMGMT_DATA": str(data)}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base, proc, log)
            yield base + path
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def _count_colour(png: bytes, colours: list[tuple[int, int, int]], step: int = 3) -> int:
    """Grid points of a screenshot within a small distance of one of `colours`."""
    found = 0
    with Image.open(io.BytesIO(png)) as img:
        rgb = img.convert("RGB")
        for y in range(0, rgb.height, step):
            for x in range(0, rgb.width, step):
                pixel = rgb.getpixel((x, y))
                assert isinstance(pixel, tuple)
                if any(
                    sum(abs(p - q) for p, q in zip(pixel, c, strict=True)) < 24 for c in colours
                ):
                    found += 1
    return found


def _blend(rgb: tuple[int, int, int], alpha: int) -> tuple[int, int, int]:
    r, g, b = (round(c * alpha / 255 + 255 * (1 - alpha / 255)) for c in rgb)
    return r, g, b


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_zone_link_in_chromium(built_data: Path, marts: store.Marts, tmp_path: Path) -> None:
    """Given a link naming a zone and an indicator, the page opens that zone: the map of
    its municipalities is drawn in the scale's colours with a Dutch tooltip, the spine
    chart shows the spread bars and the Flemish tick, the link is kept, no errors."""
    _require_chromium()
    munis = marts.areas.filter(pl.col("level") == "gemeente").group_by("zone_code").len()
    code = str(munis.sort("len", "zone_code", descending=[True, False])["zone_code"][0])
    name = marts.areas.filter(pl.col("area_code") == code)["area_name"][0]
    console_errors: list[str] = []
    outside: list[str] = []
    with (
        _serve(built_data, tmp_path / "streamlit.log") as url,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 9000})
            page.on(
                "console",
                lambda msg: console_errors.append(msg.text) if msg.type == "error" else None,
            )
            host = url.split("/", 3)[:3]
            origin = "/".join(host)
            page.on(
                "request",
                lambda req: None if req.url.startswith(origin) else outside.append(req.url),
            )
            page.goto(f"{url}?zone={code}&indicator=ima_gmd", wait_until="domcontentloaded")

            deck = page.locator('[data-testid="stDeckGlJsonChart"]')
            deck.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
            canvas = deck.locator("canvas").first
            canvas.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
            charts = page.locator('[data-testid="stVegaLiteChart"]')
            charts.nth(6).wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                timeout=PAGE_TIMEOUT_MS,
            )
            page.wait_for_timeout(3000)

            body = page.locator("body").inner_text()
            assert f"{name} ({code}) in één oogopslag" in body
            assert "Indicatoren: de zone tegenover Vlaanderen" in body
            assert zone.BOUNDARY_NOTE in body
            assert labels.DEMO_BADGE in body
            assert "Bronvermelding" in body
            for bad in ("Traceback", "Exception"):
                assert bad not in body, f"{bad!r} on the page"
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator('[data-testid="stAlertContentError"]').count() == 0
            assert f"zone={code}" in page.url
            assert "indicator=ima_gmd" in page.url

            page.screenshot(path=str(tmp_path / "zone.png"), full_page=True)

            # The map: the municipalities in the scale's colours.
            box = canvas.bounding_box()
            assert box is not None
            assert box["width"] > 300
            assert box["height"] > 300
            map_png = canvas.screenshot(path=str(tmp_path / "map.png"))
            palette = [_blend(rgb, maps.FILL_ALPHA) for rgb in maps.SEQUENTIAL_COLOURS]
            assert _count_colour(map_png, palette, step=6) > 200, "no coloured municipalities"

            # Hover the middle of a coloured area: its Dutch tooltip.
            with Image.open(io.BytesIO(map_png)) as img:
                scale = img.width / box["width"]
                rgb = img.convert("RGB")
                points = [
                    (x, y)
                    for y in range(0, rgb.height, 6)
                    for x in range(0, rgb.width, 6)
                    if any(
                        sum(abs(a - b) for a, b in zip(rgb.getpixel((x, y)), c, strict=True)) < 24  # type: ignore[arg-type]
                        for c in palette
                    )
                ]
            x, y = points[len(points) // 2]
            page.mouse.move(box["x"] + x / scale, box["y"] + y / scale)
            tooltip = page.locator(".deck-tooltip")
            tooltip.wait_for(state="visible", timeout=10_000)
            tip = tooltip.inner_text()
            assert "jaar " in tip
            assert "%" in tip or "onderdrukt" in tip

            # The spine chart: grey spread bars and the red Flemish tick are drawn.
            spine = charts.nth(2)
            spine.scroll_into_view_if_needed()
            spine_png = spine.screenshot(path=str(tmp_path / "spine.png"))
            assert _count_colour(spine_png, [_hex(zone.RANGE_COLOUR)], step=2) > 50
            assert _count_colour(spine_png, [_hex(zone.MIDDLE_COLOUR)], step=2) > 20
            assert _count_colour(spine_png, [_hex(zone.FLANDERS_COLOUR)], step=1) > 20
        finally:
            browser.close()
    print(f"screenshots: {tmp_path}")
    assert not outside, f"requests to other hosts: {outside}"
    assert not console_errors, console_errors
