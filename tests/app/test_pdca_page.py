"""The PDCA section of the zone profile (AppTest, no browser): the zone's council adds an
action and sees it with its evaluation and chart; another zone's council, a GP circle and
the public see no log; the department reads without a form; a forged write is refused."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from appkit import page_texts
from conftest import ROOT
from pypdf import PdfReader
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from popmgmt.app import annotations as ann
from popmgmt.app import pdca, roles, ui
from popmgmt.app.access import Role
from popmgmt.views import pdca_display, zone

PAGE = str(ROOT / "pages" / "zone.py")
TIMEOUT = 120
HEADER = "Acties en opvolging (PDCA)"
COUNCIL = Role("zorgraad", zone_code="elz13")


@pytest.fixture
def state(built_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Demo data, no role file (demo mode), an empty state folder."""
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    monkeypatch.delenv(roles.ROLES_ENV, raising=False)
    monkeypatch.delenv("POPMGMT_STATE_URL", raising=False)
    monkeypatch.setattr(roles, "DEFAULT_ROLES_FILE", tmp_path / "geen" / "roles.toml")
    folder = tmp_path / "state"
    monkeypatch.setenv(ann.STATE_ENV, str(folder))
    return folder / ann.DB_FILE


def _open(role_key: str, zone_code: str = "elz13") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state[ui.ROLE_STATE] = role_key
    at.query_params[zone.ZONE_PARAM] = zone_code
    at.query_params["deel"] = "trends"  # the log is on every section, the trend chart here
    return at.run()


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart's layers, nested layers flattened with the data they inherit
    (`charts.shared_data` nests layers that share their data)."""
    out: list[dict[str, Any]] = []
    for child in spec.get("layer", []):
        layer = {"data": spec["data"], **child} if "data" in spec else child
        out += _layers(layer) if "layer" in layer else [layer]
    return out


def _texts(at: AppTest) -> str:
    return page_texts(at, ("markdown", "caption", "info", "error", "success", "header"))


def _add_button(at: AppTest) -> list[object]:
    return [b for b in at.button if b.label == "Actie toevoegen"]


def _fill(at: AppTest, title: str) -> None:
    at.text_input(key="pdca_add_title").set_value(title)
    at.text_input(key="pdca_add_owner").set_value("Coördinator zorgraad")
    at.date_input(key="pdca_add_day").set_value(date(2021, 3, 1))
    at.selectbox(key="pdca_add_indicator").set_value(zone.DEFAULT_INDICATOR)
    at.number_input(key="pdca_add_target_value").set_value(80.0)
    at.number_input(key="pdca_add_target_year").set_value(2023)


def test_the_council_adds_an_action_and_sees_it_evaluated(state: Path) -> None:
    """Given the council of elz13 on its zone, when it fills in the form, then the action
    is stored (audited with the demo identity), listed, evaluated and charted with the
    action date as a rule."""
    at = _open("zorgraad:elz13")
    assert not at.exception
    assert HEADER in [h.value for h in at.header]
    assert "Nog geen acties" in _texts(at)
    assert len(_add_button(at)) == 1
    _fill(at, "Huisbezoeken 75+")
    _add_button(at)[0].click().run()  # type: ignore[attr-defined]
    assert not at.exception
    stored = pdca.list_actions(state, "elz13", reader=COUNCIL)
    assert [(a.title, a.day, a.target_year, a.indicator_code) for a in stored] == [
        ("Huisbezoeken 75+", date(2021, 3, 1), 2023, zone.DEFAULT_INDICATOR)
    ]
    assert pdca.audit_log(state).select("action", "who", "role").rows() == [
        ("toegevoegd", ui.DEMO_WHO, "zorgraad:elz13")
    ]
    text = _texts(at)
    assert "toegevoegd aan het logboek" in text
    assert "Vóór de actie (2020)" in text
    assert "Doel:" in text
    tables = [d.value for d in at.dataframe if "Titel" in d.value.columns]
    assert tables
    assert tables[0]["Titel"].to_list() == ["Huisbezoeken 75+"]
    assert tables[0]["Evaluatie"].to_list()[0] in set(pdca_display.TARGET_TEXT.values())
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    charts = [
        s
        for s in specs
        if s.get("title", {}).get("text", "").endswith("(elz13)")
        and any(layer.get("mark", {}).get("strokeDash") == [6, 3] for layer in s["layer"])
    ]
    assert len(charts) == 1
    marker = next(
        layer
        for layer in charts[0]["layer"]
        if layer["mark"]["type"] == "rule" and layer["mark"].get("strokeDash")
    )
    assert marker["data"]["values"][0]["title"] == "Huisbezoeken 75+"
    assert marker["data"]["values"][0]["x"] == pytest.approx(2021 + 59 / 365)
    assert charts[0]["config"]["locale"]["number"]["decimal"] == ","
    # The zone profile's own trend chart of that indicator carries the action as well.
    trend = [s for s in specs if s.get("title", {}).get("text", "").endswith(": trend")]
    assert len(trend) == 1
    rules = [la for la in _layers(trend[0]) if la["mark"].get("strokeDash") == [6, 3]]
    assert [r["data"]["values"][0]["title"] for r in rules] == ["Huisbezoeken 75+"]


def test_invalid_input_gets_dutch_messages_and_stores_nothing(state: Path) -> None:
    at = _open("zorgraad:elz13")
    _fill(at, "")
    at.number_input(key="pdca_add_target_year").set_value(2019)
    _add_button(at)[0].click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Geef een titel op" in errors
    assert "ligt vóór het jaar van de actie" in errors
    assert pdca.list_actions(state, "elz13", reader=COUNCIL) == []


def test_another_zones_council_neither_reads_nor_writes(state: Path) -> None:
    """Given an action in elz13's log, the council of elz32 opening elz13 gets no list and
    no form; a forged submit (the form rendered under the right role, the role switched
    before the click) is refused and nothing is stored."""
    pdca.add_action(
        state, "elz13",
        pdca.Draft("Bestaande actie", date(2021, 3, 1), zone.DEFAULT_INDICATOR, 80.0, 2023,
                   "Coördinator"),
        writer=ann.Writer(COUNCIL, "pm@zorgraad.example"),
        indicators={zone.DEFAULT_INDICATOR: "%"},
    )  # fmt: skip
    other = _open("zorgraad:elz32")
    assert not other.exception
    assert pdca.READ_REFUSAL in _texts(other)
    assert "Bestaande actie" not in _texts(other)
    assert not _add_button(other)
    assert not [d for d in other.dataframe if "Titel" in d.value.columns]

    forged = _open("zorgraad:elz13")
    _fill(forged, "Gekaapt")
    forged.session_state[ui.ROLE_STATE] = "zorgraad:elz32"
    _add_button(forged)[0].click().run()
    assert not forged.exception
    assert "enkel in dat van zone elz32" in " ".join(e.value for e in forged.error)
    assert [a.title for a in pdca.list_actions(state, "elz13", reader=COUNCIL)] == [
        "Bestaande actie"
    ]


@pytest.mark.parametrize("role_key", ["kring:hak13", "publiek"])
def test_circle_and_public_see_no_log(state: Path, role_key: str) -> None:
    at = _open(role_key)
    assert not at.exception
    assert pdca.READ_REFUSAL in _texts(at)
    assert not _add_button(at)


def test_the_department_reads_without_a_form(state: Path) -> None:
    pdca.add_action(
        state, "elz13",
        pdca.Draft("Actie van de zorgraad", date(2021, 3, 1), zone.DEFAULT_INDICATOR, 80.0,
                   2023, "[klik](http://evil.example) <b>vet</b>"),
        writer=ann.Writer(COUNCIL, "pm@zorgraad.example"),
        indicators={zone.DEFAULT_INDICATOR: "%"},
    )  # fmt: skip
    pdca.add_action(
        state, "elz32",
        pdca.Draft("Elders", date(2020, 3, 1), zone.DEFAULT_INDICATOR, 80.0, 2023, "X"),
        writer=ann.Writer(Role("zorgraad", zone_code="elz32"), "pm@elders.example"),
        indicators={zone.DEFAULT_INDICATOR: "%"},
    )  # fmt: skip
    at = _open("departement")
    assert not at.exception
    tables = [d.value for d in at.dataframe if "Titel" in d.value.columns]
    assert tables[0]["Titel"].to_list() == ["Actie van de zorgraad"]
    # Every zone's log at once, with the zone named.
    everything = [t for t in tables if "Zone" in t.columns]
    assert len(everything) == 1
    assert everything[0]["Titel"].to_list() == ["Actie van de zorgraad", "Elders"]
    assert everything[0]["Zone"].to_list()[1].endswith("(elz32)")
    assert not _add_button(at)
    assert not [b for b in at.button if b.label == "Verwijderen" and b.key == "pdca_delete"]
    assert "U leest dit logboek" in _texts(at)
    # The owner (free text) reaches the page as inert text, never as a link or markup.
    text = _texts(at)
    assert "klik" in text
    assert "[klik](http://evil.example)" not in text
    assert "<b>vet</b>" not in text


def test_the_council_edits_closes_and_deletes(state: Path) -> None:
    """The council changes an action's target, closes it, and deletes it, through the
    page's controls; each step is in the store and the audit."""
    pdca.add_action(
        state, "elz13",
        pdca.Draft("Te wijzigen", date(2021, 3, 1), zone.DEFAULT_INDICATOR, 80.0, 2023,
                   "Coördinator"),
        writer=ann.Writer(COUNCIL, "pm@zorgraad.example"),
        indicators={zone.DEFAULT_INDICATOR: "%"},
    )  # fmt: skip
    (action,) = pdca.list_actions(state, "elz13", reader=COUNCIL)
    at = _open("zorgraad:elz13")
    at.number_input(key=f"pdca_edit_{action.id}_target_value").set_value(85.5)
    next(b for b in at.button if b.label == "Wijzigingen bewaren").click().run()
    assert not at.exception
    assert "Wijzigingen bewaard" in _texts(at)
    assert pdca.list_actions(state, "elz13", reader=COUNCIL)[0].target_value == 85.5
    at.button(key="pdca_close").click().run()
    assert pdca.list_actions(state, "elz13", reader=COUNCIL)[0].status == pdca.CLOSED
    assert at.button(key="pdca_reopen")
    at.button(key="pdca_delete").click().run()
    assert not at.exception
    assert pdca.list_actions(state, "elz13", reader=COUNCIL) == []
    assert pdca.audit_log(state)["action"].to_list() == [
        "toegevoegd", "gewijzigd", "afgesloten", "verwijderd"
    ]  # fmt: skip


def test_the_councils_pdf_prints_its_log_the_publics_pdf_has_none(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given the council's action on its zone, the omgevingsanalyse PDF it downloads has
    the PDCA chapter with the action; the public's PDF of the same zone has no log."""
    made: list[str] = []
    original = DeltaGenerator.download_button

    def spy(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        if label == "Omgevingsanalyse (PDF)":
            reader = PdfReader(io.BytesIO(data()))
            made.append(" ".join(p.extract_text() or "" for p in reader.pages))
        return original(self, label, data, *args, **kwargs)

    at = _open("zorgraad:elz13")
    _fill(at, "Huisbezoeken 75+")
    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    _add_button(at)[0].click().run()  # type: ignore[attr-defined]
    assert not at.exception
    council = made[-1]
    assert HEADER in council
    assert "Huisbezoeken 75+" in council
    public = _open("publiek")
    assert not public.exception
    assert len(made) == 2  # one PDF each
    assert HEADER not in made[-1]
    assert "Huisbezoeken 75+" not in made[-1]
