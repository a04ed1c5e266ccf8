"""The circle's "Omgevingsanalyse (PDF)" button in real headless Chromium.

Starts `streamlit run` on a small entry script showing `pages/circle.py`; a click gives
a PDF download. With an entry script that makes `pdf_report.render` fail (as a broken
typst or vl-convert would), the click shows the Dutch `st.error` of
`popmgmt.app.pdf_button` on the rerun it triggers, and no exception box. Skipped when
Chromium is absent, except in CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browserkit import PAGE_TIMEOUT_MS, launch, require_chromium, serve, settle
from conftest import ROOT

pytestmark = pytest.mark.browser

ENTRY = """\
import streamlit as st

from popmgmt.views import pdf_report

if {broken!r}:

    def _broken(*args, **kwargs):
        raise pdf_report.ReportError("Het PDF-rapport kon niet gemaakt worden: typst stuk")

    pdf_report.render = _broken

st.set_page_config(page_title="Praktijken van de kring", layout="wide")
st.navigation(
    [st.Page({page!r}, title="Praktijken van de kring", url_path="kring", default=True)]
).run()
"""


@pytest.mark.parametrize("broken", [False, True])
def test_pdf_button_in_chromium(built_data: Path, tmp_path: Path, broken: bool) -> None:
    require_chromium()
    entry = tmp_path / "entry.py"
    entry.write_text(
        ENTRY.format(page=str(ROOT / "pages" / "circle.py"), broken=broken), encoding="utf-8"
    )
    env = {"POPMGMT_DATA": str(built_data)}
    with serve(entry, tmp_path / "streamlit.log", env=env) as url, launch() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
        page.goto(url, wait_until="domcontentloaded")
        button = page.get_by_role("button", name="Omgevingsanalyse (PDF)")
        button.wait_for(timeout=PAGE_TIMEOUT_MS)
        settle(page, 1000)
        if broken:
            button.click()
            alert = page.get_by_text("Het PDF-rapport kon niet gemaakt worden: typst stuk")
            alert.first.wait_for(timeout=PAGE_TIMEOUT_MS)
            assert page.locator('[data-testid="stException"]').count() == 0
        else:
            with page.expect_download(timeout=PAGE_TIMEOUT_MS) as info:
                button.click()
            path = info.value.path()
            assert Path(path).read_bytes().startswith(b"%PDF")
            settle(page, 1000)
            assert (
                page.locator('[data-testid="stAlert"]').filter(has_text="PDF-rapport").count() == 0
            )
