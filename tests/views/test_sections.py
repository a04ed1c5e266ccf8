"""Page sections shown one at a time (`popmgmt.views.sections`): reading the link,
writing it, which section is drawn, and the summary's links to a section's chart."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from popmgmt.views import sections, summary
from popmgmt.views.summary import Sentence


@pytest.mark.parametrize("page", [sections.ZONE, sections.NEED])
def test_every_page_has_its_default_and_all(page: sections.Sections) -> None:
    assert page.default in page.codes
    assert page.codes[-1] == sections.ALL
    assert page.labels[sections.ALL] == "Alles"


def test_a_link_names_a_section_case_and_spaces_forgiven() -> None:
    assert sections.ZONE.resolve("trends") == ("trends", None)
    assert sections.ZONE.resolve(" Trends ") == ("trends", None)
    assert sections.ZONE.resolve(None) == ("overzicht", None)
    assert sections.ZONE.resolve("") == ("overzicht", None)


def test_an_unknown_section_gives_the_default_and_a_safe_dutch_message() -> None:
    code, message = sections.NEED.resolve("[x](http://evil)<b>")
    assert code == "index"
    assert message is not None
    assert "bestaat niet op deze pagina" in message
    assert "'Nood-index' wordt getoond" in message
    for bad in ("[", "]", "(", ")", "<", ">", "/"):
        assert bad not in message.split("'")[1], message


def test_the_default_section_leaves_the_link_without_a_parameter() -> None:
    assert sections.ZONE.param_value("overzicht") is None
    assert sections.ZONE.param_value("trends") == "trends"
    assert sections.NEED.param_value("index") is None
    assert sections.NEED.param_value(sections.ALL) == sections.ALL


def test_a_section_is_drawn_when_chosen_or_when_all_is() -> None:
    assert sections.ZONE.shows("trends", "trends")
    assert not sections.ZONE.shows("trends", "gemeenten")
    assert all(sections.ZONE.shows(sections.ALL, c) for c in sections.ZONE.codes)


def test_a_default_outside_the_sections_is_refused() -> None:
    with pytest.raises(ValueError, match="not a section"):
        sections.Sections(labels={"a": "A"}, default="b")


def test_every_summary_anchor_has_a_zone_section() -> None:
    anchors = {
        summary.ANCHOR_INDICATORS,
        summary.ANCHOR_PEERS,
        summary.ANCHOR_CAPACITY,
        summary.ANCHOR_GP_POOR,
        summary.ANCHOR_TRENDS,
    }
    assert set(sections.ZONE_ANCHORS) == anchors
    assert set(sections.ZONE_ANCHORS.values()) <= set(sections.ZONE.codes)


@pytest.mark.parametrize(
    ("anchor", "indicator", "expected_query", "expected_anchor"),
    [
        (
            summary.ANCHOR_INDICATORS,
            "ima_gmd",
            {"zone": "elz1", "deel": "indicatoren"},
            "indicatoren",
        ),
        (
            summary.ANCHOR_TRENDS,
            "ima_gmd",
            {"zone": "elz1", "deel": "trends", "indicator": "ima_gmd"},
            "trends",
        ),
        (
            summary.ANCHOR_PEERS,
            "gp_per_10k",
            {"zone": "elz1", "deel": "vergelijking", "indicator": "gp_per_10k"},
            "vergelijkbare-zones",
        ),
        (summary.ANCHOR_GP_POOR, None, {"zone": "elz1", "deel": "huisartsen"}, "huisartsarm"),
        (
            summary.ANCHOR_CAPACITY,
            "gp_per_10k",
            {"zone": "elz1", "deel": "huisartsen"},
            "huisartsencapaciteit",
        ),
    ],
)
def test_summary_links_open_the_section_of_the_chart(
    anchor: str,
    indicator: str | None,
    expected_query: dict[str, str],
    expected_anchor: str,
) -> None:
    """A sentence's link keeps the page's link, names the section that holds its chart,
    chooses the indicator where that chart shows the chosen one, and ends in the anchor."""
    sentence = Sentence("vlaanderen", "tekst", anchor, indicator)
    link = sections.summary_href(sentence, {"zone": "elz1"})
    assert link.startswith("?")
    query, target = link[1:].split("#", 1)
    assert dict(parse_qsl(query)) == expected_query
    assert target == expected_anchor


def test_summary_link_to_an_anchor_outside_the_sections_stays_on_the_page() -> None:
    sentence = Sentence("vlaanderen", "tekst", "elders", None)
    assert sections.summary_href(sentence, {"zone": "elz1"}) == "#elders"


def test_summary_markdown_uses_the_section_links() -> None:
    sentence = Sentence("trend", "Slechter & slechter", summary.ANCHOR_TRENDS, "ima_gmd")
    text = summary.markdown(
        [sentence], {"zone": "elz1"}, link=lambda s: sections.summary_href(s, {"zone": "elz1"})
    )
    assert "[→ grafiek](?zone=elz1&deel=trends&indicator=ima_gmd#trends)" in text
