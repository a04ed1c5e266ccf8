"""The app's pages, by section (one section per kind of user).

No page icons: Streamlit fetches navigation icon fonts from the internet, and
the app must work on a closed network.

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
    default: bool = False


NAVIGATION: Final[dict[str, list[PageSpec]]] = {
    "Vlaanderen": [
        PageSpec("pages/overview.py", "Overzicht Vlaanderen", default=True),
        PageSpec("pages/catalogue.py", "Indicatorencatalogus"),
    ],
    "Mijn zone": [
        PageSpec("pages/zone.py", "Zoneprofiel"),
        PageSpec("pages/outlook.py", "Capaciteit 2035"),
    ],
    "Departement Zorg": [
        PageSpec("pages/monitor.py", "Vlaamse monitor"),
        PageSpec("pages/gp_poor.py", "Huisartsarme gebieden"),
        PageSpec("pages/survey.py", "Huisartsenenquête"),
    ],
    "Huisartsenkring": [
        PageSpec("pages/circle.py", "Praktijken van de kring"),
    ],
    "Nood en aanbod": [
        PageSpec("pages/need.py", "Zorgnood per zone"),
        PageSpec("pages/fair_share.py", "Nood en aanbod"),
        PageSpec("pages/fair_gradient.py", "Sociale gradiënt"),
    ],
}


def all_pages() -> list[PageSpec]:
    return [page for pages in NAVIGATION.values() for page in pages]
