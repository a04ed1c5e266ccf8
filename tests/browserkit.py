"""Shared pieces of the browser tests: a Streamlit server on a free port, Debian's
Chromium through Playwright, and a watch on console errors and outside requests.

A plain module (not a test file): `from browserkit import serve, require_chromium,
launch, Watch`. Chromium is skipped when absent, except in CI (CI=true), where that is a
failure. The server is always terminated.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, sync_playwright

CHROMIUM = os.environ.get("POPMGMT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START_TIMEOUT = 60.0
PAGE_TIMEOUT_MS = 60_000

# Streamlit's frontend, opened on a page URL such as /zone, probes /zone/_stcore/health and
# /zone/_stcore/host-config to find its base path; those answer 404 and Chromium logs:
NOT_FOUND_ERROR = "Failed to load resource: the server responded with a status of 404 (Not Found)"
BASE_PATH_PROBE = re.compile(r"^/[^/]+(/[^/]+)*/_stcore/(health|host-config)$")


def require_chromium() -> None:
    """Skip the test when Chromium is absent; fail instead in CI (CI=true)."""
    if Path(CHROMIUM).is_file() and shutil.which(CHROMIUM):
        return
    reason = f"Chromium not found at {CHROMIUM} (install Debian's chromium package)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
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
    pytest.fail(f"streamlit did not start within {timeout}s:\n{log.read_text()}")


@contextmanager
def serve(
    script: Path | str,
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
    port: int | None = None,
    host: str = "127.0.0.1",
    start_timeout: float = START_TIMEOUT,
) -> Iterator[str]:
    """Run `streamlit run script` (relative to ROOT unless absolute) on `port` (a free one
    by default) with os.environ plus `env`; yield its base URL `http://host:port` once
    /_stcore/health answers. Output is appended to `log`; always terminated."""
    port = free_port() if port is None else port
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            url = f"http://{host}:{port}"
            _wait_healthy(url, proc, log, start_timeout)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


@contextmanager
def launch() -> Iterator[Browser]:
    """Headless Chromium; always closed."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def settle(page: Page, pause_ms: int, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Wait until the script has finished, then `pause_ms` for the frontend to draw.

    Streamlit marks the app root with its script state (`data-test-script-state`) and
    shows a status widget while a run is going. A rerun that a click asks for starts a
    moment later, so wait that moment first (as Streamlit's own end-to-end tests do).
    """
    page.wait_for_timeout(200)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app !== null
                && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid="stStatusWidget"] '
                    + '[data-testid="stStatusWidgetRunningIcon"]');
        }""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(pause_ms)


def is_base_path_probe(url: str) -> bool:
    """Whether `url` is Streamlit's base-path probe under a page prefix."""
    return BASE_PATH_PROBE.match(urllib.parse.urlparse(url).path) is not None


def real_errors(errors: list[str], not_found: list[str]) -> list[str]:
    """The console errors left after dropping the 404 messages of Streamlit's base-path
    probes: only when every 404 response seen was such a probe, and at most one message
    per probe. Any other 404 keeps every message."""
    if not not_found or not all(is_base_path_probe(url) for url in not_found):
        return errors
    left = []
    budget = len(not_found)
    for text in errors:
        if text == NOT_FOUND_ERROR and budget:
            budget -= 1
            continue
        left.append(text)
    return left


class Watch:
    """Console errors, 404 responses and requests to other hosts seen by a page.

    `origin` is the server's base URL: any request elsewhere counts as leaving the machine.
    """

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin
        self.errors: list[str] = []
        self.not_found: list[str] = []
        self.outside: list[str] = []
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("request", self._request)

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(msg.text)

    def _response(self, resp: Response) -> None:
        if resp.status == 404:
            self.not_found.append(resp.url)

    def _request(self, req: Request) -> None:
        if not req.url.startswith(self.origin):
            self.outside.append(req.url)

    @property
    def console_errors(self) -> list[str]:
        """Console errors, without the benign 404s of Streamlit's base-path probes."""
        return real_errors(self.errors, self.not_found)

    def check(self) -> None:
        assert not self.outside, f"requests to other hosts: {self.outside}"
        assert not self.console_errors, (self.console_errors, self.not_found)


def blend(rgb: Sequence[int], alpha: float) -> tuple[int, int, int]:
    """A colour as drawn with opacity `alpha` (0-255) over a white page."""
    r, g, b = (round(c * alpha / 255 + 255 * (1 - alpha / 255)) for c in rgb)
    return r, g, b


def pixels_near(
    png: bytes, colours: Sequence[Sequence[int]], *, step: int = 3, tolerance: int = 24
) -> list[tuple[int, int]]:
    """Grid points (every `step` pixels) of a screenshot whose colour lies within
    `tolerance` (sum of the channel differences, exclusive) of one of `colours`."""
    found = []
    with Image.open(io.BytesIO(png)) as img:
        rgb_img = img.convert("RGB")
        for y in range(0, rgb_img.height, step):
            for x in range(0, rgb_img.width, step):
                pixel = rgb_img.getpixel((x, y))
                assert isinstance(pixel, tuple)
                if any(
                    sum(abs(p - q) for p, q in zip(pixel, c, strict=True)) < tolerance
                    for c in colours
                ):
                    found.append((x, y))
    return found
