"""The section switch of the zone profile and of "Zorgnood per zone" (issue 14, "Fast in
the browser"), with AppTest: only the chosen section is drawn, the switch is kept in the
link as `?deel=`, a link opens a section, and what every section keeps (the summary,
the PDCA log, the report buttons, the demo label, the own comparison set in the link)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from popmgmt.app import store
from popmgmt.views import labels, own_set, sections

ZONE_PAGE = str(ROOT / "pages" / "zone.py")
NEED_PAGE = str(ROOT / "pages" / "need.py")
TIMEOUT = 120
ZONE_KEY = "zone_profile_section"
NEED_KEY = "need_section"
PDCA_HEADER = "Acties en opvolging (PDCA)"
# A header (or subheader) that only the section draws.
ZONE_MARKS = {
    "overzicht": "in één oogopslag",
    "gemeenten": "Gemeenten van de zone",
    "indicatoren": "Indicatoren: de zone tegenover Vlaanderen",
    "vergelijking": "Vergelijkbare zones en buurzones",
    "huisartsen": "Huisartsencapaciteit",
    "doelgroepen": "Voor welke doelgroepen kan de dekking stijgen?",
    "trends": "Trends",
}


@pytest.fixture
def zones(marts: store.Marts, built_data: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    return sorted(marts.areas.filter(pl.col("level") == "zone")["area_code"].to_list())


def _open(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(page, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _headers(at: AppTest) -> list[str]:
    return [h.value for h in [*at.header, *at.subheader]]


def _marks(at: AppTest) -> set[str]:
    """The zone sections whose own header is on the page."""
    found = _headers(at)
    return {code for code, mark in ZONE_MARKS.items() if any(mark in h for h in found)}


def _params(at: AppTest) -> dict[str, str]:
    return {k: str(v) for k, v in dict(at.query_params).items()}


def _kept_on_every_section(at: AppTest) -> None:
    headers = _headers(at)
    assert any(h.startswith("Wat valt op in ") for h in headers)
    assert PDCA_HEADER in headers
    assert "Zonerapport" in headers
    assert labels.DEMO_BANNER in [w.value for w in at.warning]
    buttons = [b.proto.label for b in at.get("download_button")]
    assert "Omgevingsanalyse (PDF)" in buttons
    assert "Zonerapport (HTML, afdrukbaar)" in buttons


def test_the_zone_profile_opens_on_the_overview_only(zones: list[str]) -> None:
    """Given a link with only a zone, the page draws the overview section (two charts,
    no map) with the summary, the PDCA log and the report, and the link stays short."""
    at = _open(ZONE_PAGE, zone=zones[0])
    assert at.radio(key=ZONE_KEY).value == "overzicht"
    assert _marks(at) == {"overzicht"}
    assert len(at.get("vega_lite_chart")) == 2
    assert not at.get("deck_gl_json_chart")
    _kept_on_every_section(at)
    assert "deel" not in _params(at)


def test_the_switch_draws_the_chosen_zone_section_and_keeps_it_in_the_link(
    zones: list[str],
) -> None:
    """When the user picks a section, only that section is drawn and the link names it;
    back on the default section, the link drops `deel`."""
    at = _open(ZONE_PAGE, zone=zones[0])
    at.radio(key=ZONE_KEY).set_value("gemeenten").run()
    assert not at.exception
    assert _marks(at) == {"gemeenten"}
    assert len(at.get("deck_gl_json_chart")) == 1
    assert _params(at)["deel"] == "gemeenten"
    _kept_on_every_section(at)

    at.radio(key=ZONE_KEY).set_value("trends").run()
    assert _marks(at) == {"trends"}
    assert not at.get("deck_gl_json_chart")
    assert _params(at)["deel"] == "trends"
    _kept_on_every_section(at)

    at.radio(key=ZONE_KEY).set_value("alles").run()
    assert _marks(at) == set(ZONE_MARKS)
    assert _params(at)["deel"] == "alles"

    at.radio(key=ZONE_KEY).set_value("overzicht").run()
    assert _marks(at) == {"overzicht"}
    assert "deel" not in _params(at)


@pytest.mark.parametrize("section", list(ZONE_MARKS))
def test_a_link_opens_a_zone_section(zones: list[str], section: str) -> None:
    """Given a link naming a section, the page opens on exactly that section."""
    at = _open(ZONE_PAGE, zone=zones[1], deel=section)
    assert at.radio(key=ZONE_KEY).value == section
    assert _marks(at) == {section}
    _kept_on_every_section(at)


def test_an_unknown_section_in_the_link_is_explained(zones: list[str]) -> None:
    """Given a link with a section that does not exist, a Dutch warning names it, the
    overview is shown and the bad value leaves the link."""
    at = _open(ZONE_PAGE, zone=zones[0], deel="<b>planeet</b>")
    warnings = [w.value for w in at.warning if "onderdeel" in w.value]
    assert len(warnings) == 1
    assert "'?b?planeet??b?'" in warnings[0]
    assert "<b>" not in warnings[0]
    assert at.radio(key=ZONE_KEY).value == sections.ZONE.default
    assert "deel" not in _params(at)


def test_the_own_comparison_set_survives_other_sections(zones: list[str]) -> None:
    """Given a link with an own comparison set, the set stays in the link while another
    section is shown, and the comparison section shows it when the user goes there."""
    zone, first, second = zones[3], zones[0], zones[5]
    at = _open(ZONE_PAGE, zone=zone, vergelijk=f"{first},{second}")
    assert _params(at)[own_set.QUERY_PARAM] == f"{first},{second}"
    at.radio(key=ZONE_KEY).set_value("vergelijking").run()
    assert at.multiselect(key="zone_profile_compare").value == [first, second]
    at.multiselect(key="zone_profile_compare").unselect(first).run()
    at.radio(key=ZONE_KEY).set_value("trends").run()
    assert _params(at)[own_set.QUERY_PARAM] == second
    at.radio(key=ZONE_KEY).set_value("vergelijking").run()
    assert at.multiselect(key="zone_profile_compare").value == [second]


# --------------------------------------------------------------------------- need page


def test_the_need_page_opens_on_the_index_and_switches(zones: list[str]) -> None:
    """The need page opens on the index (map, decomposition), without the pyramid; the
    switch draws the pyramid with its assumptions, keeps every other choice in the link,
    and a link opens the all-areas section."""
    at = _open(NEED_PAGE)
    assert at.radio(key=NEED_KEY).value == "index"
    assert len(at.get("deck_gl_json_chart")) == 1
    assert not any("Risicopiramide" in h for h in _headers(at))
    assert "deel" not in _params(at)
    assert not at.slider  # the weights are drawn once their expander is opened
    at.session_state["need_weights_open"] = True
    at.run()
    at.slider(key="need_fw_cultureel").set_value(0).run()

    at.radio(key=NEED_KEY).set_value("piramide").run()
    assert not at.exception
    assert not at.get("deck_gl_json_chart")
    assert any(h.startswith("Risicopiramide") for h in _headers(at))
    assert at.slider(key="need_pp_f_poly")
    params = _params(at)
    assert params["deel"] == "piramide"
    assert "cultureel:0" in params["fw"]
    assert {"jaar", "zone", "kaart", "iw", "pp"} <= set(params)

    linked = _open(NEED_PAGE, deel="gebieden", zone=zones[2])
    assert linked.radio(key=NEED_KEY).value == "gebieden"
    assert not linked.get("deck_gl_json_chart")
    assert any(e.label == "Tabel: nood-index per zone" for e in linked.expander)
    assert _params(linked)["deel"] == "gebieden"
    assert _params(linked)["zone"] == zones[2]


def test_pyramid_assumptions_from_a_link_survive_other_sections(zones: list[str]) -> None:
    """An assumption from the link stays in the link (and in the pyramid) after a visit
    to another section, where its slider is not drawn."""
    del zones
    at = _open(NEED_PAGE, deel="piramide", pp="f_poly:0.3")
    assert at.slider(key="need_pp_f_poly").value == pytest.approx(0.3)
    at.radio(key=NEED_KEY).set_value("index").run()
    assert "f_poly:0.3" in _params(at)["pp"]
    at.radio(key=NEED_KEY).set_value("piramide").run()
    assert at.slider(key="need_pp_f_poly").value == pytest.approx(0.3)
    assert "f_poly:0.3" in _params(at)["pp"]


def test_the_weights_from_a_link_hold_while_their_expander_is_closed(zones: list[str]) -> None:
    """Weights from a link drive the index with the weights expander closed (its sliders
    not drawn); opened, the sliders show them; closed again, the link keeps them."""
    del zones
    fw = "gezondheid:100,demografie:0,sociaaleconomisch:0,cultureel:0"
    at = _open(NEED_PAGE, fw=fw)
    assert not at.slider
    assert any("gezondheid 100 %" in m.value for m in at.markdown)
    at.session_state["need_weights_open"] = True
    at.run()
    assert at.slider(key="need_fw_gezondheid").value == 100
    assert at.slider(key="need_fw_cultureel").value == 0
    at.slider(key="need_fw_cultureel").set_value(20).run()
    at.session_state["need_weights_open"] = False
    at.run()
    assert not at.slider
    assert _params(at)["fw"] == "gezondheid:100,demografie:0,sociaaleconomisch:0,cultureel:20"
    assert any("cultureel 17 %" in m.value for m in at.markdown)
