"""Page sections shown one at a time (issue 14, "Fast in the browser").

Pure, no Streamlit. A long page (the zone profile, "Zorgnood per zone") is split into
sections; a switch at the top chooses one, and only that section runs and is sent to the
browser (Streamlit's tabs would run and draw every tab). The choice lives in the link as
`?deel=<code>`, so a link opens a section directly; the default section leaves the link
without the parameter. The section "alles" shows the whole page as before (for reading
or searching it in one piece).

The zone profile's summary ("Wat valt op") links each sentence to the chart that shows
it: `summary_href` gives the link that opens the right section at the chart's anchor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

from popmgmt.views import summary

PARAM: Final = "deel"
ALL: Final = "alles"
ALL_LABEL: Final = "Alles"


@dataclass(frozen=True)
class Sections:
    """The sections of one page: code -> Dutch label (in order), and the default."""

    labels: Mapping[str, str]
    default: str

    def __post_init__(self) -> None:
        if self.default not in self.labels:
            raise ValueError(f"default section {self.default!r} is not a section")

    @property
    def codes(self) -> list[str]:
        return list(self.labels)

    def resolve(self, requested: str | None) -> tuple[str, str | None]:
        """The section a link asks for (case and spaces forgiven), else the default with
        a Dutch message naming the unknown value (None when the link names none)."""
        if requested is None or not str(requested).strip():
            return self.default, None
        text = str(requested).strip().lower()
        if text in self.labels:
            return text, None
        # Shown in Markdown: keep letters, digits and a few marks only (no links, no HTML).
        safe = "".join(ch if ch.isalnum() or ch in "-_. " else "?" for ch in text)[:40]
        known = ", ".join(f"'{c}'" for c in self.labels)
        return self.default, (
            f"Het onderdeel '{safe}' uit de link bestaat niet op deze pagina (wel: {known}). "
            f"Het onderdeel '{self.labels[self.default]}' wordt getoond."
        )

    def param_value(self, code: str) -> str | None:
        """The link's value for a section: None (no parameter) for the default."""
        return None if code == self.default else code

    def shows(self, chosen: str, code: str) -> bool:
        """Whether section `code` is drawn when `chosen` is the chosen section."""
        return chosen in (code, ALL)


ZONE: Final = Sections(
    labels={
        "overzicht": "Overzicht",
        "gemeenten": "Gemeenten",
        "indicatoren": "Indicatoren",
        "vergelijking": "Vergelijking",
        "huisartsen": "Huisartsen en bereik",
        "doelgroepen": "Doelgroepen",
        "trends": "Trends",
        ALL: ALL_LABEL,
    },
    default="overzicht",
)
"""The zone profile. The summary, the PDCA log and the report are on every section."""

NEED: Final = Sections(
    labels={
        "index": "Nood-index",
        "gebieden": "Alle zones en gemeenten",
        "piramide": "Risicopiramide",
        ALL: ALL_LABEL,
    },
    default="index",
)
"""'Zorgnood per zone'. The choices (year, zone, map level, weights) are on every section."""

ZONE_ANCHORS: Final[Mapping[str, str]] = {
    summary.ANCHOR_INDICATORS: "indicatoren",
    summary.ANCHOR_PEERS: "vergelijking",
    summary.ANCHOR_CAPACITY: "huisartsen",
    summary.ANCHOR_GP_POOR: "huisartsen",
    summary.ANCHOR_TRENDS: "trends",
}
"""The zone profile's section of each anchor a summary sentence links to."""


def summary_href(
    sentence: summary.Sentence,
    params: Mapping[str, str],
    *,
    anchors: Mapping[str, str] = ZONE_ANCHORS,
    indicator_param: str = "indicator",
) -> str:
    """The link of a summary sentence: the page's link (`params`) with the section that
    holds the sentence's chart, and, for a chart of the chosen indicator (trend, similar
    zones), that indicator; then the chart's anchor. An anchor outside every section
    stays a plain anchor on the page."""
    section = anchors.get(sentence.anchor)
    if section is None:
        return summary.href(sentence, params, indicator_param=indicator_param)
    query = {**params, PARAM: section}
    if sentence.anchor in summary.INDICATOR_ANCHORS and sentence.indicator_code:
        query[indicator_param] = sentence.indicator_code
    return f"?{urlencode(query)}#{sentence.anchor}"
