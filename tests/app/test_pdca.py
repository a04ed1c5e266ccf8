"""The PDCA log: validation (Dutch messages), storage on SQLite and PostgreSQL, who reads
and who writes, the audit (no Streamlit)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from popmgmt.app import annotations as ann
from popmgmt.app import pdca
from popmgmt.app.access import Role

TODAY = date(2026, 11, 23)
INDICATORS = {"ima_gmd": "%", "gp_per_10k": "per 10.000"}
COUNCIL = ann.Writer(Role("zorgraad", zone_code="elz13"), "pm@zorgraad-gent.example")
OTHER_COUNCIL = ann.Writer(Role("zorgraad", zone_code="elz32"), "pm@elders.example")
DEPT = ann.Writer(Role("departement"), "analist@departement-zorg.example")
CIRCLE = ann.Writer(Role("kring", circle_code="hak13"), "arts@kring.example")
PUBLIC = ann.Writer(Role(), "-")


def _draft(**changes: object) -> pdca.Draft:
    fields: dict[str, object] = {
        "title": "Huisbezoeken 75+",
        "day": date(2023, 3, 1),
        "indicator_code": "ima_gmd",
        "target_value": 80.0,
        "target_year": 2025,
        "owner": "Coördinator eerstelijnszone",
        "note": "Met de huisartsenkring.\nTweede regel.",
    }
    fields.update(changes)
    return pdca.Draft(**fields)  # type: ignore[arg-type]


@pytest.fixture
def store(state_store: str) -> str:
    return state_store


# --- validation -------------------------------------------------------------------------


def test_a_valid_draft_is_normalised() -> None:
    fields = pdca.validate(
        _draft(title="  Start  ", target_value="72,5", target_year="2026"),
        indicators=INDICATORS,
        today=TODAY,
    )
    assert (fields.title, fields.target_value, fields.target_year) == ("Start", 72.5, 2026)
    assert fields.note == "Met de huisartsenkring.\nTweede regel."
    assert pdca.validate(_draft(target_value="1.234,5", indicator_code="gp_per_10k"),
                         indicators=INDICATORS, today=TODAY).target_value == 1234.5  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Geef een titel op"),
        ({"title": "   "}, "Geef een titel op"),
        ({"title": "x" * 121}, "Titel: te lang, 121 tekens"),
        ({"title": "a\nb"}, "Titel: mag geen regeleinden"),
        ({"owner": ""}, "Geef een eigenaar op"),
        ({"note": "tab\there"}, "Toelichting: mag geen tabs"),
        ({"note": "x" * 2001}, "Toelichting: te lang"),
        ({"day": None}, "Kies de datum van de actie"),
        ({"day": "2014-12-31"}, "Datum: De datum moet tussen 01-01-2015"),
        ({"day": "31/12/2020"}, "geen geldige datum"),
        ({"indicator_code": None}, "Kies een doelindicator"),
        ({"indicator_code": "bestaat_niet"}, "Onbekende indicator: 'bestaat_niet'"),
        ({"target_value": None}, "Geef een streefwaarde op"),
        ({"target_value": "veel"}, "'veel' is geen getal"),
        ({"target_value": -1}, "mag niet negatief"),
        ({"target_value": 101}, "een percentage: hoogstens 100"),
        ({"target_year": None}, "Geef een doeljaar op"),
        ({"target_year": 2025.5}, "geen jaartal"),
        (
            {"target_year": 2022},
            "Het doeljaar \\(2022\\) ligt vóór het jaar van de actie \\(2023\\)",
        ),
        ({"target_year": 2039}, "hoogstens 15 jaar na de actie \\(2038\\)"),
    ],
)
def test_invalid_drafts_get_a_dutch_reason(changes: dict[str, object], message: str) -> None:
    with pytest.raises(pdca.PdcaError, match=message):
        pdca.validate(_draft(**changes), indicators=INDICATORS, today=TODAY)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(pdca.PdcaError) as info:
        pdca.validate(
            _draft(title="", owner="", target_value=None), indicators=INDICATORS, today=TODAY
        )
    assert len(info.value.problems) == 3


# --- storage and ownership (both back-ends) -------------------------------------------


def test_the_council_keeps_its_log(store: str) -> None:
    """Given the council of elz13, it adds, edits, closes, reopens and deletes actions of
    its zone; each step is stored and audited with its identity."""
    assert pdca.list_actions(store, "elz13", reader=COUNCIL.role) == []
    first = pdca.add_action(
        store, "elz13", _draft(), writer=COUNCIL, indicators=INDICATORS, today=TODAY
    )
    second = pdca.add_action(
        store,
        "elz13",
        _draft(title="Later", day=date(2024, 1, 10), target_year=2026),
        writer=COUNCIL,
        indicators=INDICATORS,
        today=TODAY,
    )
    listed = pdca.list_actions(store, "elz13", reader=COUNCIL.role)
    assert [a.title for a in listed] == ["Later", "Huisbezoeken 75+"]  # newest first
    assert listed[1] == first
    assert (first.status, first.created_by, first.target_value) == ("lopend", COUNCIL.who, 80.0)
    edited = pdca.update_action(
        store,
        first.id,
        _draft(target_value=82, owner="Voorzitter"),
        writer=COUNCIL,
        indicators=INDICATORS,
        today=TODAY,
    )
    assert edited is not None
    assert (edited.target_value, edited.owner, edited.status) == (82.0, "Voorzitter", "lopend")
    closed = pdca.set_status(
        store, first.id, pdca.CLOSED, writer=COUNCIL, closed_on=date(2026, 1, 5)
    )
    assert closed is not None
    assert (closed.status, closed.closed_on) == ("afgerond", date(2026, 1, 5))
    reopened = pdca.set_status(store, first.id, pdca.OPEN, writer=COUNCIL)
    assert reopened is not None
    assert (reopened.status, reopened.closed_on) == ("lopend", None)
    assert pdca.delete_action(store, second.id, writer=COUNCIL) is True
    assert pdca.delete_action(store, second.id, writer=COUNCIL) is False
    assert (
        pdca.update_action(
            store, second.id, _draft(), writer=COUNCIL, indicators=INDICATORS, today=TODAY
        )
        is None
    )
    assert [a.title for a in pdca.list_actions(store, "elz13", reader=COUNCIL.role)] == [
        "Huisbezoeken 75+"
    ]
    log = pdca.audit_log(store)
    assert log.select("action", "zone_code", "who", "role").rows() == [
        ("toegevoegd", "elz13", COUNCIL.who, "zorgraad:elz13"),
        ("toegevoegd", "elz13", COUNCIL.who, "zorgraad:elz13"),
        ("gewijzigd", "elz13", COUNCIL.who, "zorgraad:elz13"),
        ("afgesloten", "elz13", COUNCIL.who, "zorgraad:elz13"),
        ("heropend", "elz13", COUNCIL.who, "zorgraad:elz13"),
        ("verwijderd", "elz13", COUNCIL.who, "zorgraad:elz13"),
    ]
    assert log["detail"][2] == "target_value, owner"


@pytest.mark.parametrize("writer", [OTHER_COUNCIL, DEPT, CIRCLE, PUBLIC], ids=lambda w: w.role.key)
def test_nobody_else_writes_a_councils_log(store: str, writer: ann.Writer) -> None:
    """Another zone's council, the department, a GP circle and the public cannot add,
    edit, close or delete in elz13's log: a Dutch refusal, nothing changed, no audit row."""
    own = pdca.add_action(
        store, "elz13", _draft(), writer=COUNCIL, indicators=INDICATORS, today=TODAY
    )
    with pytest.raises(pdca.PdcaPermissionError, match="PDCA-logboek"):
        pdca.add_action(store, "elz13", _draft(), writer=writer, indicators=INDICATORS)
    with pytest.raises(pdca.PdcaPermissionError):
        pdca.update_action(
            store, own.id, _draft(title="Gekaapt"), writer=writer, indicators=INDICATORS
        )
    with pytest.raises(pdca.PdcaPermissionError):
        pdca.set_status(store, own.id, pdca.CLOSED, writer=writer)
    with pytest.raises(pdca.PdcaPermissionError):
        pdca.delete_action(store, own.id, writer=writer)
    assert pdca.list_actions(store, "elz13", reader=COUNCIL.role) == [own]
    assert pdca.audit_log(store)["action"].to_list() == ["toegevoegd"]


def test_refusals_name_the_rule() -> None:
    with pytest.raises(pdca.PdcaPermissionError, match="enkel in dat van zone elz32"):
        pdca.add_action("/nonexistent/x.sqlite", "elz13", _draft(), writer=OTHER_COUNCIL,
                        indicators=INDICATORS)  # fmt: skip
    with pytest.raises(pdca.PdcaPermissionError, match="Departement Zorg leest alle"):
        pdca.add_action("/nonexistent/x.sqlite", "elz13", _draft(), writer=DEPT,
                        indicators=INDICATORS)  # fmt: skip


def test_who_reads(store: str) -> None:
    """The zone's council and the department read elz13's log; the department also reads
    every log at once; another council, a circle and the public read none."""
    pdca.add_action(store, "elz13", _draft(), writer=COUNCIL, indicators=INDICATORS, today=TODAY)
    pdca.add_action(
        store, "elz32", _draft(title="Elders"), writer=OTHER_COUNCIL, indicators=INDICATORS,
        today=TODAY,
    )  # fmt: skip
    assert [a.title for a in pdca.list_actions(store, "elz13", reader=DEPT.role)] == [
        "Huisbezoeken 75+"
    ]
    assert {a.zone_code for a in pdca.list_actions(store, None, reader=DEPT.role)} == {
        "elz13",
        "elz32",
    }
    for reader in (OTHER_COUNCIL.role, CIRCLE.role, PUBLIC.role):
        with pytest.raises(pdca.PdcaPermissionError, match="voorbehouden"):
            pdca.list_actions(store, "elz13", reader=reader)
    with pytest.raises(pdca.PdcaPermissionError):
        pdca.list_actions(store, None, reader=COUNCIL.role)
    assert pdca.can_read(COUNCIL.role, "elz13")
    assert not pdca.can_read(COUNCIL.role, "elz32")
    assert pdca.can_write(COUNCIL.role, "elz13")
    assert not pdca.can_write(DEPT.role, "elz13")


def test_bad_input_and_a_full_log_store_nothing(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdca, "MAX_ACTIONS", 1)
    pdca.add_action(store, "elz13", _draft(), writer=COUNCIL, indicators=INDICATORS, today=TODAY)
    with pytest.raises(pdca.PdcaError, match="al 1 acties"):
        pdca.add_action(
            store, "elz13", _draft(), writer=COUNCIL, indicators=INDICATORS, today=TODAY
        )
    # The cap is per zone: another council still writes.
    pdca.add_action(
        store, "elz32", _draft(), writer=OTHER_COUNCIL, indicators=INDICATORS, today=TODAY
    )
    with pytest.raises(pdca.PdcaError, match="Onbekende indicator"):
        pdca.add_action(
            store,
            "elz32",
            _draft(indicator_code="x'); DROP TABLE pdca_action; --"),
            writer=OTHER_COUNCIL,
            indicators=INDICATORS,
        )
    assert len(pdca.list_actions(store, None, reader=DEPT.role)) == 2


def test_hostile_text_is_stored_as_given(store: str) -> None:
    text = '<script>alert(1)</script> =HYPERLINK("x") \'); DROP TABLE pdca_action; --'
    added = pdca.add_action(
        store, "elz13", _draft(title=text[:120], note=text), writer=COUNCIL,
        indicators=INDICATORS, today=TODAY,
    )  # fmt: skip
    assert pdca.list_actions(store, "elz13", reader=COUNCIL.role) == [added]
    assert added.note == text


def test_a_broken_store_is_a_dutch_fault(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite"
    path.write_bytes(b"geen databank" * 100)
    with pytest.raises(pdca.PdcaStoreError, match="niet beschikbaar") as info:
        pdca.list_actions(path, "elz13", reader=COUNCIL.role)
    assert "/" not in str(info.value)
