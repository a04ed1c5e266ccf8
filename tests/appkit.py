"""Shared pieces of the AppTest page tests (a plain module, not a test file):
`from appkit import page_texts`."""

from __future__ import annotations

from collections.abc import Sequence

from streamlit.testing.v1 import AppTest

TEXT_KINDS = ("markdown", "caption", "warning", "info", "error", "title", "subheader")
"""The elements whose text a page test reads by default."""


def page_texts(at: AppTest, kinds: Sequence[str] = TEXT_KINDS) -> str:
    """All text of the given element kinds on the page, one element a line."""
    parts: list[str] = []
    for kind in kinds:
        parts += [str(getattr(e, "value", "")) for e in at.get(kind)]
    return "\n".join(parts)
