"""The app's pages, by section (one section per kind of user).

`app.py` builds its navigation from this table; the smoke tests and the
benchmark run every page listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    default: bool = False


NAVIGATION: Final[dict[str, list[PageSpec]]] = {
    "Vlaanderen": [
        PageSpec("pages/overview.py", "Overzicht Vlaanderen", ":material/map:", default=True),
    ],
}


def all_pages() -> list[PageSpec]:
    return [page for pages in NAVIGATION.values() for page in pages]
