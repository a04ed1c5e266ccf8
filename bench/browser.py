"""Benchmark: how long each page takes to render in real Chromium (issue 14, "Fast in the
browser").

Run from the repository root::

    python bench/browser.py                       # full demo, 5 rounds, 20 sessions
    python bench/browser.py --data DATA           # reuse a built data folder
    python bench/browser.py --rounds 3 --sessions 5 --out-json browser.json
    python bench/browser.py --pages Zoneprofiel "Zorgnood per zone" --sessions 0
                                                  # those pages and the empty page only

What it does, everything in a temporary folder and on 127.0.0.1 only:

1. Builds the full demo once (`python -m popmgmt demo` then `python -m popmgmt build`),
   unless `--data` names a built folder.
2. Starts one Streamlit server (the same command line as `tests/browserkit.py`) on an
   entry script that is `app.py`'s navigation plus one tiny page ("Lege pagina", a title
   and one line of text): the empty page runs behind the same server, navigation and
   frontend as the real ones.
3. **First load** of every page: a new tab in one Chromium context (HTTP cache warm, as
   for a returning user; a new Streamlit session each time), `goto` the page's URL, and
   the time from navigation start (`performance.now()` in the page) until the page has
   finished rendering, defined as all of:
   - the script run finished: `data-test-script-state="notRunning"` on the `stApp`
     element (Streamlit 1.67 keeps the run state there; its status widget
     `stStatusWidget` does not show in this headless setup, so it is checked as absent
     but cannot be relied on);
   - no element with `data-stale="true"` (left from an earlier run);
   - at least as many element containers, Vega-Lite charts and deck.gl maps in the main
     area as a calibration load found (long settled, before the timed rounds);
   - every visible Vega-Lite chart has drawn its marks (`.marks` canvas or svg) and every
     deck.gl map has its canvas.
   Rounds are interleaved (every page once per round, the order rotated each round);
   the median per page and its ratio to the empty page's median are reported.
4. **Re-render** after a change: zone, indicator and section on the zone profile, zone
   and map level on "Zorgnood per zone", indicator on the overview, a tab on the circle
   page (only the interactions of the measured pages). Time from the user's event (a
   capture listener on `click`/`keydown` in the page) until a run was seen (script state
   `running` or stale elements) and the page is finished again by the rules above
   (without the counts).
5. **Concurrency**: `--sessions` browser contexts in the same Chromium process (one
   asyncio Playwright driver), all at once, each loading every page in turn as in 3.
   Errors (exception or error elements on the page, console errors, timeouts) are
   counted; the median page time is compared with the single-session median of 3.
   `--sessions 0` skips this part.

Each part prints its figures (and rewrites `--out-json`) as soon as it ends, so a run
stopped later keeps what it measured. Every wait is bounded (`--timeout`); the run stops
by itself. Speed is measured here and reported in docs/performance.md, never asserted in
tests.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
from playwright.async_api import Page as AsyncPage
from playwright.async_api import async_playwright
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from popmgmt.app.navigation import all_pages  # noqa: E402

CHROMIUM = os.environ.get("POPMGMT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
HOST = "127.0.0.1"
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
EMPTY = "leeg"

ENTRY = '''"""Benchmark entry: app.py's navigation plus one empty page (bench/browser.py)."""
from pathlib import Path

import streamlit as st

from popmgmt.app.navigation import NAVIGATION

ROOT = Path({root!r})
EMPTY = Path(__file__).with_name("leeg.py")

st.set_page_config(
    page_title="popmgmt: bevolkingsmanagement eerstelijnszones",
    layout="wide",
)
pages = {{
    section: [
        st.Page(ROOT / page.path, title=page.title, default=page.default) for page in specs
    ]
    for section, specs in NAVIGATION.items()
}}
pages["Meting"] = [st.Page(EMPTY, title="Lege pagina")]
st.navigation(pages).run()
'''

EMPTY_PAGE = """import streamlit as st

st.title("Lege pagina")
st.markdown("Een lege pagina: de referentie voor de meting in de browser.")
"""

# The page state in the browser: false until finished, else performance.now().
# `need` = minimum counts (or null after an interaction, when `run` must have been seen).
READY_JS = """(need) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return false;
  const vega = [...main.querySelectorAll('[data-testid="stVegaLiteChart"]')];
  const deck = [...main.querySelectorAll('[data-testid="stDeckGlJsonChart"]')];
  const elements = main.querySelectorAll('[data-testid="stElementContainer"]').length;
  if (need) {
    if (elements < need.elements || vega.length < need.vega || deck.length < need.deck)
      return false;
  } else if (!window.__sawRun) {
    return false;
  }
  for (const v of vega) {
    if (v.offsetParent !== null && !v.querySelector('.marks')) return false;
  }
  for (const d of deck) {
    if (!d.querySelector('canvas')) return false;
  }
  return performance.now();
}"""

FINISHED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning';
}"""

COUNT_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return {
    elements: main.querySelectorAll('[data-testid="stElementContainer"]').length,
    vega: main.querySelectorAll('[data-testid="stVegaLiteChart"]').length,
    deck: main.querySelectorAll('[data-testid="stDeckGlJsonChart"]').length,
    errors: main.querySelectorAll(
      '[data-testid="stException"], [data-testid="stAlertContentError"]').length,
  };
}"""

# Before an interaction: note the user's event time and whether a script run follows.
ARM_JS = """() => {
  window.__sawRun = false;
  window.__t0 = null;
  const mark = () => { if (window.__t0 === null) window.__t0 = performance.now(); };
  window.__mark = mark;
  if (!window.__armed) {
    window.__armed = true;
    document.addEventListener('click', () => window.__mark && window.__mark(), true);
    document.addEventListener('keydown', () => window.__mark && window.__mark(), true);
    new MutationObserver(() => {
      const app = document.querySelector('[data-testid="stApp"]');
      const state = app && app.getAttribute('data-test-script-state');
      if (window.__t0 !== null && (state === 'running' || state === 'rerunRequested'
          || document.querySelector('[data-stale="true"]'))) window.__sawRun = true;
    }).observe(document.body, {subtree: true, childList: true, attributes: true,
                               attributeFilter: ['data-stale', 'data-test-script-state']});
  }
}"""
DISARM_JS = "() => { window.__mark = null; }"

BASE_PATH_PROBE = re.compile(r"/_stcore/(health|host-config)$")


def log(text: str) -> None:
    print(text, flush=True)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def build_demo(folder: Path) -> Path:
    raw, data = folder / "raw", folder / "data"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for args in (["demo", "--out", str(raw)], ["build", "--input", str(raw), "--out", str(data)]):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "popmgmt", *args],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=600,
        )
        log(f"  popmgmt {args[0]}: {time.perf_counter() - start:.1f} s")
    return data


@contextmanager
def serve(entry: Path, data: Path, log_file: Path, timeout: float) -> Iterator[str]:
    """`streamlit run entry` as in tests/browserkit.py, on a free loopback port."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(entry),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", HOST,
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "POPMGMT_DATA": str(data),
        "POPMGMT_ROLES": "",  # demo mode, as the e2e tests
        "POPMGMT_STATE": str(log_file.parent / "state"),
        "POPMGMT_STATE_URL": "",
    }
    url = f"http://{HOST}:{port}"
    with log_file.open("ab") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited: {log_file.read_text()}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not start")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def page_urls(base: str, data: Path) -> dict[str, str]:
    """Title -> URL of every page in the navigation and of the empty page. The zone pages
    get a zone in the link (the first zone), as a council's link would."""
    areas = pl.read_parquet(data / "areas.parquet")
    zone = areas.filter(pl.col("level") == "zone")["area_code"].sort()[0]
    urls = {"Lege pagina": f"{base}/{EMPTY}"}
    for spec in all_pages():
        stem = Path(spec.path).stem
        query = f"?zone={zone}" if stem in ("zone", "outlook") else ""
        path = "" if spec.default else stem  # the default page lives at the root
        urls[spec.title] = f"{base}/{path}{query}"
    return urls


def wait_ready(page: Page, need: dict[str, int] | None, timeout_ms: int) -> float:
    handle = page.wait_for_function(READY_JS, arg=need, timeout=timeout_ms, polling="raf")
    return float(handle.json_value())


def calibrate(browser: Browser, urls: dict[str, str], timeout_ms: int) -> dict[str, Any]:
    """Load each page once, wait long, count what a finished page holds."""
    context = browser.new_context(viewport=VIEWPORT)
    counts = {}
    for title, url in urls.items():
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
        page.wait_for_function(FINISHED_JS, timeout=timeout_ms)
        page.wait_for_timeout(4000)
        page.wait_for_function(FINISHED_JS, timeout=timeout_ms)
        counts[title] = page.evaluate(COUNT_JS)
        log(f"  {title}: {counts[title]}")
        page.close()
    context.close()
    return counts


def first_loads(
    browser: Browser, urls: dict[str, str], counts: dict[str, Any], rounds: int, timeout_ms: int
) -> dict[str, list[float]]:
    context = browser.new_context(viewport=VIEWPORT)
    times: dict[str, list[float]] = {title: [] for title in urls}
    titles = list(urls)
    for r in range(rounds):
        order = titles[r % len(titles) :] + titles[: r % len(titles)]
        for title in order:
            page = context.new_page()
            page.goto(urls[title], wait_until="commit", timeout=timeout_ms)
            need = {k: counts[title][k] for k in ("elements", "vega", "deck")}
            times[title].append(wait_ready(page, need, timeout_ms) / 1000)
            page.close()
        log(f"  round {r + 1}/{rounds} done (load {load_average()})")
    context.close()
    return times


def _choose(page: Page, label: str, option_index: int) -> None:
    page.get_by_role("combobox", name=label).first.click()
    page.get_by_role("option").nth(option_index).click()


def _act(page: Page, what: str, r: int) -> None:
    """The r-th change: a circle tab, a zone-profile section, a map level, or the r-th
    other option of a selectbox."""
    if what == "tab":
        page.get_by_role("tab", name=CIRCLE_TABS[r % 2], exact=True).click()
    elif what == "section":
        group = page.get_by_role("radiogroup", name=SECTION_SWITCH)
        group.get_by_role("radio", name=ZONE_SECTIONS[r % 2], exact=True).click(force=True)
    elif what == "map":
        group = page.get_by_role("radiogroup", name="Kaart")
        group.get_by_role("radio", name=NEED_MAPS[r % 2], exact=True).click(force=True)
    else:
        _choose(page, what, 1 + r % 2)


def _rerender(page: Page, action: Any, timeout_ms: int) -> float:
    page.evaluate(ARM_JS)
    action()
    done = wait_ready(page, None, timeout_ms)
    t0 = page.evaluate("() => window.__t0")
    page.evaluate(DISARM_JS)
    return (done - float(t0)) / 1000


INTERACTIONS: list[tuple[str, str, str]] = [
    # (name, page title, what changes)
    ("Zoneprofiel: andere zone", "Zoneprofiel", "Eerstelijnszone"),
    ("Zoneprofiel: andere indicator", "Zoneprofiel", "Indicator voor de kaart"),
    ("Overzicht: andere indicator", "Overzicht Vlaanderen", "Indicator (per thema)"),
    ("Kring: ander tabblad", "Praktijken van de kring", "tab"),
    ("Zoneprofiel: ander onderdeel", "Zoneprofiel", "section"),
    ("Zorgnood: andere zone", "Zorgnood per zone", "Zone (voor de opsplitsing"),
    ("Zorgnood: ander kaartniveau", "Zorgnood per zone", "map"),
]
CIRCLE_TABS = ("GMD en VTE", "Praktijken")
ZONE_SECTIONS = ("Indicatoren", "Trends")
SECTION_SWITCH = "Onderdeel van de pagina"  # popmgmt.app.section_switch.LABEL
NEED_MAPS = ("Gemeenten", "Zones")


def rerenders(
    browser: Browser,
    urls: dict[str, str],
    counts: dict[str, Any],
    rounds: int,
    timeout_ms: int,
) -> dict[str, list[float]]:
    context = browser.new_context(viewport=VIEWPORT)
    times: dict[str, list[float]] = {}
    for name, title, what in INTERACTIONS:
        if title not in urls:
            continue
        page = context.new_page()
        page.goto(urls[title], wait_until="commit", timeout=timeout_ms)
        wait_ready(page, {k: counts[title][k] for k in ("elements", "vega", "deck")}, timeout_ms)
        # The section switch exists from issue 14's sections on: "before" runs skip it.
        if what == "section":
            try:
                page.get_by_role("radiogroup", name=SECTION_SWITCH).wait_for(timeout=15_000)
            except PlaywrightTimeoutError:
                log(f"  {name}: no such control on this version of the page")
                page.close()
                continue
        times[name] = []
        for r in range(rounds):
            action = functools.partial(_act, page, what, r)
            times[name].append(_rerender(page, action, timeout_ms))
        page.close()
        log(f"  {name}: {[round(t, 2) for t in times[name]]}")
    context.close()
    return times


async def _session(
    browser: Any,
    urls: dict[str, str],
    counts: dict[str, Any],
    timeout_ms: int,
    errors: list[str],
    times: list[float],
) -> None:
    context = await browser.new_context(viewport=VIEWPORT)
    problems: list[str] = []
    not_found: list[str] = []

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            problems.append(msg.text)

    def on_response(resp: Any) -> None:
        if resp.status == 404:
            not_found.append(resp.url)

    try:
        for title, url in urls.items():
            page: AsyncPage = await context.new_page()
            page.on("console", on_console)
            page.on("response", on_response)
            need = {k: counts[title][k] for k in ("elements", "vega", "deck")}
            try:
                await page.goto(url, wait_until="commit", timeout=timeout_ms)
                handle = await page.wait_for_function(
                    READY_JS, arg=need, timeout=timeout_ms, polling="raf"
                )
                times.append(float(await handle.json_value()) / 1000)
                found = await page.evaluate(COUNT_JS)
                if found["errors"]:
                    errors.append(f"{title}: {found['errors']} error element(s)")
            except Exception as exc:  # a timeout or a crash is an error of the run
                errors.append(f"{title}: {type(exc).__name__}: {str(exc)[:200]}")
            await page.close()
    finally:
        await context.close()
    # Streamlit's base-path probes under a page prefix answer 404 (see browserkit).
    probes = [u for u in not_found if BASE_PATH_PROBE.search(u)]
    others = [u for u in not_found if not BASE_PATH_PROBE.search(u)]
    budget = len(probes)
    for text in problems:
        if budget and "status of 404" in text and not others:
            budget -= 1
            continue
        errors.append(f"console: {text[:200]}")


async def concurrency(
    urls: dict[str, str], counts: dict[str, Any], sessions: int, timeout_ms: int
) -> tuple[list[float], list[str], float]:
    errors: list[str] = []
    times: list[float] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            start = time.perf_counter()
            await asyncio.gather(
                *(
                    _session(browser, urls, counts, timeout_ms, errors, times)
                    for _ in range(sessions)
                )
            )
            wall = time.perf_counter() - start
        finally:
            await browser.close()
    return times, errors, wall


def _report_loads(loads: dict[str, list[float]], rounds: int) -> None:
    empty = statistics.median(loads["Lege pagina"])
    log(f"first load until rendered, median of {rounds} (s), ratio to the empty page:")
    for title, ts in loads.items():
        med = statistics.median(ts)
        log(
            f"  {title:28s} {med:6.2f}  x{med / empty:4.2f}"
            f"   (min {min(ts):.2f}, max {max(ts):.2f})"
        )


def _report_changes(changes: dict[str, list[float]], empty: float, rounds: int) -> None:
    log(f"re-render after a change, median of {rounds} (s), ratio to the empty first load:")
    for name, ts in changes.items():
        med = statistics.median(ts)
        log(
            f"  {name:32s} {med:6.2f}  x{med / empty:4.2f}   (min {min(ts):.2f}, max {max(ts):.2f})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, help="a built data folder (else build the demo)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=20, help="0: no concurrency run")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per wait")
    parser.add_argument("--out-json", type=Path)
    parser.add_argument(
        "--pages",
        nargs="+",
        metavar="TITLE",
        help="measure only these pages (titles as in the navigation) and the empty page",
    )
    args = parser.parse_args(argv)
    timeout_ms = int(args.timeout * 1000)
    result: dict[str, Any] = {"load_average": {"start": load_average()}}
    log(f"load average at start: {load_average()} ({os.cpu_count()} cores)")

    def save() -> None:  # after every stage: a run stopped later keeps what it measured
        if args.out_json:
            args.out_json.write_text(json.dumps(result, indent=2, ensure_ascii=False))

    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="popmgmt-browser-") as tmp:
        folder = Path(tmp)
        data = args.data
        if data is None:
            log("building the full demo ...")
            data = build_demo(folder)
        (folder / "leeg.py").write_text(EMPTY_PAGE)
        entry = folder / "bench_app.py"
        entry.write_text(ENTRY.format(root=str(ROOT)))
        with serve(entry, data, folder / "streamlit.log", args.timeout) as base:
            urls = page_urls(base, data)
            if args.pages:
                unknown = sorted(set(args.pages) - set(urls))
                if unknown:
                    parser.error(f"unknown page(s) {unknown}; known: {sorted(urls)}")
                urls = {t: u for t, u in urls.items() if t == "Lege pagina" or t in args.pages}
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    log("calibration (each page once, settled) ...")
                    result["counts"] = counts = calibrate(browser, urls, timeout_ms)
                    log(f"first loads, {args.rounds} interleaved rounds ...")
                    result["first_load"] = loads = first_loads(
                        browser, urls, counts, args.rounds, timeout_ms
                    )
                    result["load_average"]["after first loads"] = load_average()
                    save()
                    _report_loads(loads, args.rounds)
                    empty = statistics.median(loads["Lege pagina"])
                    log("re-render after a change ...")
                    result["rerender"] = changes = rerenders(
                        browser, urls, counts, args.rounds, timeout_ms
                    )
                    result["load_average"]["after re-renders"] = load_average()
                    save()
                    _report_changes(changes, empty, args.rounds)
                finally:
                    browser.close()
            if args.sessions > 0:
                log(f"concurrency: {args.sessions} contexts in one Chromium ...")
                conc_times, errors, wall = asyncio.run(
                    concurrency(urls, counts, args.sessions, timeout_ms)
                )
                result["load_average"]["end"] = load_average()
                result["concurrency"] = {
                    "times": conc_times,
                    "errors": errors,
                    "wall": wall,
                    "sessions": args.sessions,
                }
                save()
                single = statistics.median(
                    [t for title, ts in loads.items() for t in ts if title != "Lege pagina"]
                )
                conc = statistics.median(conc_times) if conc_times else float("nan")
                log(
                    f"concurrency: {args.sessions} sessions x {len(urls)} pages in {wall:.1f} s, "
                    f"{len(errors)} errors, median page {conc:.2f} s = x{conc / single:.2f} the "
                    f"single-session median of the app pages ({single:.2f} s)"
                )
                for err in errors[:20]:
                    log(f"  error: {err}")
    log(f"load average: {result['load_average']}")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
