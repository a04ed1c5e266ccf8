"""The zone profile in real headless Chromium: a zone link opens the zone, the map of its
municipalities and the spine chart draw, nothing leaves the machine, no errors; the
section switch draws the chosen section and keeps it in the link, and a summary link
opens the section of its chart.

Serves `app.py` when the navigation lists `pages/zone.py` (URL path `/zone`), else the
page itself as the main script. Skipped when Chromium is absent, except in CI.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest
from browserkit import Watch, launch, pixels_near, require_chromium, serve, settle
from PIL import Image

from popmgmt.app import navigation, section_switch, store
from popmgmt.views import labels, maps, zone_charts, zone_tables

pytestmark = pytest.mark.browser

PAGE_TIMEOUT_MS = 90_000
PAGE = "pages/zone.py"


def _entry() -> tuple[str, str]:
    """(script to run, URL path of the zone page)."""
    if any(page.path == PAGE for page in navigation.all_pages()):
        return "app.py", "/zone"
    return PAGE, "/"


def _count_colour(png: bytes, colours: list[tuple[int, int, int]], step: int = 3) -> int:
    """Grid points of a screenshot within a small distance of one of `colours`."""
    return len(pixels_near(png, colours, step=step))


def _blend(rgb: tuple[int, int, int], alpha: int) -> tuple[int, int, int]:
    r, g, b = (round(c * alpha / 255 + 255 * (1 - alpha / 255)) for c in rgb)
    return r, g, b


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_zone_link_in_chromium(built_data: Path, marts: store.Marts, tmp_path: Path) -> None:
    """Given a link naming a zone, an indicator and the whole page, the page opens that
    zone: the map of its municipalities is drawn in the scale's colours with a Dutch
    tooltip, the spine chart shows the spread bars and the Flemish tick, the link is
    kept, no errors."""
    require_chromium()
    munis = marts.areas.filter(pl.col("level") == "gemeente").group_by("zone_code").len()
    code = str(munis.sort("len", "zone_code", descending=[True, False])["zone_code"][0])
    name = marts.areas.filter(pl.col("area_code") == code)["area_name"][0]
    script, path = _entry()
    env = {"POPMGMT_DATA": str(built_data)}
    with serve(script, tmp_path / "streamlit.log", env=env) as origin, launch() as browser:
        url = origin + path
        page = browser.new_page(viewport={"width": 1400, "height": 9000})
        watch = Watch(page, origin)
        page.goto(f"{url}?zone={code}&indicator=ima_gmd&deel=alles", wait_until="domcontentloaded")

        deck = page.locator('[data-testid="stDeckGlJsonChart"]')
        deck.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        canvas = deck.locator("canvas").first
        canvas.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        charts.nth(6).wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        settle(page, 3000, PAGE_TIMEOUT_MS)

        body = page.locator("body").inner_text()
        assert f"{name} ({code}) in één oogopslag" in body
        assert "Indicatoren: de zone tegenover Vlaanderen" in body
        assert zone_tables.BOUNDARY_NOTE in body
        assert labels.DEMO_BADGE in body
        assert "Bronvermelding" in body
        for bad in ("Traceback", "Exception"):
            assert bad not in body, f"{bad!r} on the page"
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        assert f"zone={code}" in page.url
        assert "indicator=ima_gmd" in page.url
        assert "deel=alles" in page.url

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
        assert _count_colour(spine_png, [_hex(zone_charts.RANGE_COLOUR)], step=2) > 50
        assert _count_colour(spine_png, [_hex(zone_charts.MIDDLE_COLOUR)], step=2) > 20
        assert _count_colour(spine_png, [_hex(zone_charts.FLANDERS_COLOUR)], step=1) > 20
    print(f"screenshots: {tmp_path}")
    watch.check()


def test_zone_sections_in_chromium(built_data: Path, marts: store.Marts, tmp_path: Path) -> None:
    """Given a zone link, the overview is drawn without the map; a click on "Gemeenten"
    draws the map and writes the section to the link, "Trends" draws the trend chart;
    a summary sentence's link opens its section with its chart's header."""
    require_chromium()
    code = sorted(marts.areas.filter(pl.col("level") == "zone")["area_code"].to_list())[0]
    name = marts.areas.filter(pl.col("area_code") == code)["area_name"][0]
    script, path = _entry()
    env = {"POPMGMT_DATA": str(built_data)}
    with serve(script, tmp_path / "streamlit.log", env=env) as origin, launch() as browser:
        url = origin + path
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        watch = Watch(page, origin)
        page.goto(f"{url}?zone={code}", wait_until="domcontentloaded")
        page.get_by_text(f"{name} ({code}) in één oogopslag").wait_for(timeout=PAGE_TIMEOUT_MS)
        settle(page, 2000, PAGE_TIMEOUT_MS)
        body = page.locator("body").inner_text()
        assert "Acties en opvolging (PDCA)" in body
        assert "Omgevingsanalyse (PDF)" in body
        assert labels.DEMO_BADGE in body
        assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 0
        assert "deel=" not in page.url

        switch = page.get_by_role("radiogroup", name=section_switch.LABEL)
        switch.get_by_text("Gemeenten", exact=True).click()
        deck = page.locator('[data-testid="stDeckGlJsonChart"]')
        deck.locator("canvas").first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_url("**deel=gemeenten**", timeout=PAGE_TIMEOUT_MS)
        settle(page, 1000, PAGE_TIMEOUT_MS)
        assert page.get_by_text(f"{name} ({code}) in één oogopslag").count() == 0

        switch.get_by_text("Trends", exact=True).click()
        page.wait_for_url("**deel=trends**", timeout=PAGE_TIMEOUT_MS)
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        chart.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        settle(page, 1000, PAGE_TIMEOUT_MS)
        assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 0
        assert page.locator("h2#trends").count() == 1

        # A summary link: opened, it shows its section with the chart's anchor.
        links = page.locator('a[href*="deel="]')
        assert links.count() >= 1
        href = links.first.get_attribute("href")
        assert href is not None
        query, anchor = href.split("?", 1)[1].split("#", 1)
        other = browser.new_page(viewport={"width": 1400, "height": 2400})
        other.goto(f"{url}?{query}#{anchor}", wait_until="domcontentloaded")
        other.locator(f"#{anchor}").wait_for(timeout=PAGE_TIMEOUT_MS)
        settle(other, 1000, PAGE_TIMEOUT_MS)
        assert other.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(tmp_path / "zone-trends.png"), full_page=True)
    print(f"screenshots: {tmp_path}")
    watch.check()
