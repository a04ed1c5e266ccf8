"""The PDF button's failure path (`popmgmt.app.pdf_button`).

Given a click, the rerun it triggers waits for the PDF made in Streamlit's download
thread and shows a failure as a Dutch `st.error`; the job counts clicks and finished
PDFs under a lock, so a PDF that finishes before or after the rerun reaches the wait is
seen either way.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import ROOT
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from popmgmt.app import pdf_button, roles
from popmgmt.app.store import Marts
from popmgmt.views import pdf_report


def _in_thread(job: pdf_button.PdfJob, make: Any) -> threading.Thread:
    def target() -> None:
        with contextlib.suppress(pdf_report.ReportError):
            job.run(make)

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_a_finished_pdf_ends_the_wait_without_error() -> None:
    job = pdf_button.PdfJob()
    job.click()
    assert job.pending

    def slow() -> bytes:
        time.sleep(0.2)
        return b"%PDF"

    thread = _in_thread(job, slow)
    assert job.wait(10.0)  # the rerun waits for the PDF that is still being made
    thread.join()
    assert not job.pending
    assert job.take_error() is None


def test_a_report_error_keeps_its_dutch_message_once() -> None:
    job = pdf_button.PdfJob()
    job.click()

    def fails() -> bytes:
        raise pdf_report.ReportError("Een grafiek kon niet getekend worden: kapot")

    with pytest.raises(pdf_report.ReportError):
        job.run(fails)
    assert job.wait(0.0)
    assert job.take_error() == "Een grafiek kon niet getekend worden: kapot"
    assert job.take_error() is None


def test_any_other_failure_becomes_a_dutch_report_error() -> None:
    job = pdf_button.PdfJob()

    def fails() -> bytes:
        raise MemoryError

    with pytest.raises(pdf_report.ReportError, match="kon niet gemaakt worden"):
        job.run(fails)
    assert job.take_error() == f"{pdf_button.FAILED_TEXT} (MemoryError)."


def test_a_click_without_a_pdf_times_out_and_is_forgotten() -> None:
    job = pdf_button.PdfJob()
    job.click()
    assert not job.wait(0.05)
    job.forget()
    assert not job.pending
    assert job.wait(0.0)


@pytest.mark.parametrize(
    ("page_file", "key"),
    [("pages/circle.py", "circle_report_pdf"), ("pages/zone.py", "zone_report_pdf")],
)
def test_a_failed_pdf_shows_a_dutch_error_on_the_page(
    built_data: Path,
    marts: Marts,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    page_file: str,
    key: str,
) -> None:
    """Given a PDF that fails (typst or vl-convert raising), when the button is clicked
    (the click counted, the callable run in another thread as Streamlit does), then the
    rerun shows the Dutch message in `st.error` and no exception."""
    monkeypatch.delenv(roles.ROLES_ENV, raising=False)
    monkeypatch.setattr(roles, "DEFAULT_ROLES_FILE", tmp_path / "geen" / "roles.toml")
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise pdf_report.ReportError("Het PDF-rapport kon niet gemaakt worden: typst stuk")

    monkeypatch.setattr(pdf_report, "render", broken)
    callables: dict[str, Any] = {}
    original = DeltaGenerator.download_button

    def spy(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        if label == "Omgevingsanalyse (PDF)":
            callables["pdf"] = data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    at = AppTest.from_file(str(ROOT / page_file), default_timeout=60)
    if page_file == "pages/zone.py":
        zones = marts.areas.filter(pl.col("level") == "zone").sort("area_name", "area_code")
        at.query_params["zone"] = zones["area_code"][0]
    at.run()
    assert not at.exception
    assert not at.error
    job = at.session_state[f"{key}_job"]
    job.click()
    _in_thread(job, callables["pdf"]).join()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Het PDF-rapport kon niet gemaakt worden: typst stuk"]
    at.run()
    assert not at.error  # said once
