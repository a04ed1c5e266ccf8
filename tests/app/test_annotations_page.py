"""The policy-marker panel on the monitor (AppTest, no browser): who sees the add and
delete controls, that every write is audited with the signed-in identity, and that the
panel names no server path."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from popmgmt.app import annotations as ann
from popmgmt.app import roles, ui
from popmgmt.app.access import Role

PAGE = str(ROOT / "pages" / "monitor.py")
TIMEOUT = 90
DEPT = ann.Writer(Role("departement"), "analist@departement-zorg.example")


@pytest.fixture
def state(built_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Demo data, no role file, a fresh annotation store holding one Flemish marker."""
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    monkeypatch.delenv(roles.ROLES_ENV, raising=False)
    monkeypatch.setattr(roles, "DEFAULT_ROLES_FILE", tmp_path / "geen" / "roles.toml")
    folder = tmp_path / "state"
    monkeypatch.setenv(ann.STATE_ENV, str(folder))
    ann.add_annotation(folder / ann.DB_FILE, date(2020, 3, 1), "Bestaande markering", writer=DEPT)
    return folder


def _open(role_key: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    if role_key is not None:
        at.session_state[ui.ROLE_STATE] = role_key
    return at.run()


def _controls(at: AppTest) -> dict[str, int]:
    return {
        "add": len([b for b in at.button if b.label == "Markering toevoegen"]),
        "delete": len([b for b in at.button if b.label == "Verwijderen"]),
        "label": len([t for t in at.text_input if t.key == "monitor_ann_label"]),
    }


def _all_text(at: AppTest) -> str:
    kinds = ("markdown", "caption", "warning", "info", "error", "success", "expander")
    return "\n".join(
        str(getattr(el, "value", "") or getattr(el, "label", ""))
        for kind in kinds
        for el in at.get(kind)
    )


@pytest.mark.parametrize("role_key", [None, "publiek", "kring:hak13", "zorgraad:elz13"])
def test_only_the_department_gets_add_and_delete(state: Path, role_key: str | None) -> None:
    """Given a visitor who is not Departement Zorg, the panel lists the markers but has no
    form, no add button and no delete button at all."""
    at = _open(role_key)
    assert not at.exception
    assert _controls(at) == {"add": 0, "delete": 0, "label": 0}
    assert "Alleen Departement Zorg voegt Vlaamse beleidsmarkeringen toe" in _all_text(at)
    tables = [d.value for d in at.dataframe]
    assert any("Bestaande markering" in t["Label"].to_list() for t in tables if "Label" in t)


def test_department_gets_the_controls_and_its_writes_are_audited(state: Path) -> None:
    at = _open("departement")
    assert _controls(at) == {"add": 1, "delete": 1, "label": 1}
    at.text_input(key="monitor_ann_label").set_value("Nieuwe maatregel")
    next(b for b in at.button if b.label == "Markering toevoegen").click().run()
    assert not at.exception
    first = ann.list_annotations(state / ann.DB_FILE)[0]
    at.selectbox(key="monitor_ann_delete").set_value(first.id)
    at.button(key="monitor_ann_delete_btn").click().run()
    log = ann.audit_log(state / ann.DB_FILE)
    assert log.select("action", "who", "role").rows()[-2:] == [
        ("toegevoegd", ui.DEMO_WHO, "departement"),
        ("verwijderd", ui.DEMO_WHO, "departement"),
    ]
    assert [a.label for a in ann.list_annotations(state / ann.DB_FILE)] == ["Nieuwe maatregel"]


def test_a_forged_delete_by_the_public_is_refused(state: Path) -> None:
    """Given a public session that forges the delete widget's state and calls it (the
    button is not there), nothing is deleted."""
    at = _open("departement")  # render once with controls, then lose the role
    at.session_state[ui.ROLE_STATE] = "publiek"
    at.selectbox(key="monitor_ann_delete").set_value(
        ann.list_annotations(state / ann.DB_FILE)[0].id
    )
    at.button(key="monitor_ann_delete_btn").click().run()
    assert not at.exception
    assert [a.label for a in ann.list_annotations(state / ann.DB_FILE)] == ["Bestaande markering"]
    assert any("mag geen beleidsmarkeringen" in e.value for e in at.error)


def test_no_server_path_on_the_page(state: Path, built_data: Path) -> None:
    at = _open("departement")
    text = _all_text(at)
    assert str(state) not in text
    assert ann.DB_FILE not in text
    assert str(built_data) not in text


def test_a_broken_store_names_no_path(state: Path, tmp_path: Path) -> None:
    (state / ann.DB_FILE).write_bytes(b"geen database" * 200)
    at = _open("departement")
    assert not at.exception
    text = _all_text(at)
    assert "niet beschikbaar" in text
    assert str(tmp_path) not in text


def test_signed_in_department_is_audited_by_address(
    built_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given real data and a role file giving the department's domain, a signed-in analyst
    adds a marker and the audit names the address and role."""
    real = tmp_path / "data"
    shutil.copytree(built_data, real)
    manifest = json.loads((real / "manifest.json").read_text(encoding="utf-8"))
    manifest["demo"] = False
    (real / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    rules = tmp_path / "roles.toml"
    rules.write_text(
        '[[rule]]\ndomain = "departement-zorg.example"\nrole = "departement"\n', encoding="utf-8"
    )
    monkeypatch.setenv("POPMGMT_DATA", str(real))
    monkeypatch.setenv(roles.ROLES_ENV, str(rules))
    monkeypatch.setenv(ann.STATE_ENV, str(tmp_path / "state"))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.user = {
        "is_logged_in": True,
        "email": "analist@departement-zorg.example",
        "email_verified": True,
    }
    at.run()
    at.text_input(key="monitor_ann_label").set_value("Maatregel")
    next(b for b in at.button if b.label == "Markering toevoegen").click().run()
    assert not at.exception
    log = ann.audit_log(tmp_path / "state" / ann.DB_FILE)
    assert log.select("action", "who", "role").rows() == [
        ("toegevoegd", "analist@departement-zorg.example", "departement")
    ]
    # The same address, unverified: public, no controls.
    forged = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    forged.user = {
        "is_logged_in": True,
        "email": "analist@departement-zorg.example",
        "email_verified": "true",
    }
    forged.run()
    assert _controls(forged) == {"add": 0, "delete": 0, "label": 0}
