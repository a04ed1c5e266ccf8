"""The "Omgevingsanalyse (PDF)" button of the zone and circle pages, with a Dutch error.

The PDF is made on click by a deferred `st.download_button` callable, which Streamlit
runs in its own thread, outside the script run: a `st.error` drawn there is ignored, and
an exception only reaches the browser as Streamlit's own English "Failed to generate
file for download". A click also reruns the page (the button's `on_click`), and the
browser asks for the file after it has asked for that rerun. So:

- `PdfJob` (no Streamlit) counts clicks and finished PDFs under a lock: the button's
  `on_click` callback counts the click at the start of the rerun; the callable makes
  the PDF, keeps a `pdf_report.ReportError`'s Dutch message (or any other failure as a
  Dutch text) and counts the PDF as finished.
- The rerun, at the button, waits until every click has its PDF finished (at most
  `WAIT_SECONDS`, with a spinner), then shows the failure with `st.error` in Dutch.

The callable still raises on failure (there is no file to give: the browser shows its
own message under the button); the page's Dutch message says what went wrong.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import streamlit as st

from popmgmt.views import pdf_report

logger = logging.getLogger(__name__)

WAIT_SECONDS: Final = 120.0
FAILED_TEXT: Final = (
    "Het PDF-rapport kon niet gemaakt worden. Probeer het opnieuw; blijft het mislukken, "
    "meld dan deze melding aan de beheerder"
)
TIMEOUT_TEXT: Final = (
    "Het PDF-rapport is niet binnen {seconds} seconden klaar. Probeer het opnieuw of kies "
    "het HTML-rapport."
)


@dataclass
class PdfJob:
    """Clicks and finished PDFs of one button in one session (thread-safe)."""

    clicks: int = 0
    finished: int = 0
    error: str | None = None
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def click(self) -> None:
        """A click (the button's `on_click`, at the start of the rerun it triggers)."""
        with self._cond:
            self.clicks += 1

    def run(self, make: Callable[[], bytes]) -> bytes:
        """Make the PDF; on failure keep a Dutch message and raise `ReportError`."""
        error: str | None = None
        try:
            return make()
        except pdf_report.ReportError as exc:
            error = str(exc)
            raise
        except Exception as exc:  # any other fault: logged in full, Dutch on the page
            logger.exception("PDF-rapport mislukt")
            error = f"{FAILED_TEXT} ({type(exc).__name__})."
            raise pdf_report.ReportError(error) from exc
        finally:
            with self._cond:
                self.finished += 1
                self.error = error
                self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        """Wait until every click has its PDF finished; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self.finished >= self.clicks, timeout=timeout)

    def take_error(self) -> str | None:
        """The last failure's message, once."""
        with self._cond:
            error, self.error = self.error, None
            return error

    def forget(self) -> None:
        """Stop waiting for the PDFs clicked so far (after a timeout)."""
        with self._cond:
            self.clicks = self.finished

    @property
    def pending(self) -> bool:
        with self._cond:
            return self.finished < self.clicks


def render(
    container: st.delta_generator.DeltaGenerator,
    label: str,
    make: Callable[[], bytes],
    *,
    file_name: str,
    key: str,
    wait_seconds: float = WAIT_SECONDS,
) -> None:
    """The PDF download button in `container`, made by `make` on click; after a click,
    the page waits for the PDF and shows a failure as a Dutch `st.error`."""
    state_key = f"{key}_job"
    if state_key not in st.session_state:
        st.session_state[state_key] = PdfJob()
    job: PdfJob = st.session_state[state_key]
    container.download_button(
        label,
        data=lambda: job.run(make),
        file_name=file_name,
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        key=key,
        on_click=job.click,
        type="primary",
    )
    if job.pending:
        with container, st.spinner("Het PDF-rapport wordt gemaakt…"):
            done = job.wait(wait_seconds)
        if not done:
            job.forget()
            container.error(TIMEOUT_TEXT.format(seconds=int(wait_seconds)), icon=":material/error:")
            return
    error = job.take_error()
    if error:
        container.error(error, icon=":material/error:")
