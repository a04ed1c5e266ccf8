"""The policy-annotation store: validation, persistence across connections, processes and
restarts, concurrent sessions, and where the store lives (no Streamlit)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import date
from pathlib import Path

import pytest

from popmgmt.app import annotations as ann
from popmgmt.app.access import Role

TODAY = date(2026, 11, 23)
DEPT = ann.Writer(Role("departement"), "analist@departement-zorg.example")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / ann.DB_FILE


@pytest.fixture
def store(state_store: str) -> str:
    """The same tests on SQLite and on PostgreSQL (conftest.state_store)."""
    return state_store


# --- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [date(2015, 1, 1), date(2020, 3, 15), TODAY, date(2027, 11, 23), "2019-06-30", " 2016-02-29 "],
)
def test_valid_dates(day: date | str) -> None:
    assert ann.FIRST_DATE <= ann.validate_date(day, today=TODAY) <= date(2027, 11, 23)


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2014, 12, 31), "tussen 01-01-2015 en 23-11-2027"),
        (date(2027, 11, 24), "tussen 01-01-2015 en 23-11-2027"),
        ("2020-02-30", "geen geldige datum"),
        ("15/03/2020", "geen geldige datum"),
        ("", "geen geldige datum"),
    ],
)
def test_invalid_dates(day: date | str, message: str) -> None:
    with pytest.raises(ann.AnnotationError, match=message):
        ann.validate_date(day, today=TODAY)


def test_last_date_on_a_leap_day() -> None:
    assert ann.last_date(date(2028, 2, 29)) == date(2029, 2, 28)
    assert ann.last_date(TODAY) == date(2027, 11, 23)


def test_valid_labels_are_trimmed_and_normalised() -> None:
    assert ann.validate_label("  Start van een maatregel ") == "Start van een maatregel"
    assert ann.validate_label("x" * ann.LABEL_MAX) == "x" * 80
    assert ann.validate_label("e\u0301xtra") == "\u00e9xtra"  # NFC: é as one character
    assert ann.validate_label("Impulseo · 2e fase (€)") == "Impulseo · 2e fase (€)"


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "Geef een label op"),
        ("   ", "Geef een label op"),
        ("x" * 81, "te lang: 81 tekens"),
        ("regel een\nregel twee", "stuurtekens"),
        ("tab\there", "stuurtekens"),
        ("nul\x00byte", "stuurtekens"),
        ("escape\x1b[31m", "stuurtekens"),
        ("lijn\u2028scheiding", "stuurtekens"),
        ("del\x7f", "stuurtekens"),
    ],
)
def test_invalid_labels(label: str, message: str) -> None:
    with pytest.raises(ann.AnnotationError, match=message):
        ann.validate_label(label)


def test_bad_input_is_not_stored(store: str) -> None:
    ann.add_annotation(store, date(2020, 1, 1), "Goed", today=TODAY, writer=DEPT)
    for day, label, code in (
        (date(2014, 1, 1), "Te vroeg", None),
        (date(2020, 1, 1), "", None),
        (date(2020, 1, 1), "a\nb", None),
        (date(2020, 1, 1), "x" * 81, None),
        (date(2020, 1, 1), "Goede tekst", "bad code; DROP TABLE"),
    ):
        with pytest.raises(ann.AnnotationError):
            ann.add_annotation(store, day, label, code, today=TODAY, writer=DEPT)
    assert [a.label for a in ann.list_annotations(store)] == ["Goed"]


def test_label_with_sql_characters_is_stored_verbatim(store: str) -> None:
    text = "'); DROP TABLE annotation; --"
    ann.add_annotation(store, date(2020, 1, 1), text, today=TODAY, writer=DEPT)
    assert [a.label for a in ann.list_annotations(store)] == [text]


# --- persistence -----------------------------------------------------------------------


def test_persists_across_connections_and_scopes(store: str) -> None:
    """Given annotations written through separate connections, then a new read sees all,
    sorted by date; an indicator's chart gets the general ones plus its own."""
    assert ann.list_annotations(store) == []  # no file yet: empty, nothing created
    assert not Path(store).exists()
    first = ann.add_annotation(store, "2021-06-01", "Algemeen", today=TODAY, writer=DEPT)
    second = ann.add_annotation(
        store, date(2019, 1, 1), "Voor GMD", "ima_gmd", today=TODAY, writer=DEPT
    )
    third = ann.add_annotation(store, date(2022, 1, 1), "Voor artsen", "gp_per_10k", writer=DEPT)
    assert first.id != second.id != third.id
    everything = ann.list_annotations(store)
    assert [a.label for a in everything] == ["Voor GMD", "Algemeen", "Voor artsen"]
    assert [a.label for a in ann.list_annotations(store, "ima_gmd")] == [
        "Voor GMD",
        "Algemeen",
    ]
    assert [a.label for a in ann.list_annotations(store, "other")] == ["Algemeen"]
    assert everything[1].day == date(2021, 6, 1)
    assert everything[1].created_at.endswith("+00:00")
    assert ann.delete_annotation(store, first.id, writer=DEPT) is True
    assert ann.delete_annotation(store, first.id, writer=DEPT) is False
    assert [a.label for a in ann.list_annotations(store)] == ["Voor GMD", "Voor artsen"]


def _run(code: str, path: str) -> str:
    script = textwrap.dedent(code).replace("PATH", repr(str(path)))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout


def test_survives_a_restart(store: str) -> None:
    """Written by one process, read by another (a restarted server), and the other way."""
    _run(
        """
        from datetime import date
        from pathlib import Path
        from popmgmt.app import annotations as ann
        from popmgmt.app.access import Role
        DEPT = ann.Writer(Role("departement"), "analist@departement-zorg.example")
        ann.add_annotation(PATH, date(2020, 3, 1), "Start maatregel", writer=DEPT)
        """,
        store,
    )
    assert [a.label for a in ann.list_annotations(store)] == ["Start maatregel"]
    ann.add_annotation(store, date(2021, 3, 1), "Evaluatie", writer=DEPT)
    out = _run(
        """
        from pathlib import Path
        from popmgmt.app import annotations as ann
        print("|".join(a.label for a in ann.list_annotations(PATH)))
        """,
        store,
    )
    assert out.strip() == "Start maatregel|Evaluatie"


def test_concurrent_sessions_lose_nothing(store: str) -> None:
    """Eight sessions (threads) and two other processes write at the same time: every
    annotation is stored once, with its own id."""
    errors: list[BaseException] = []

    def session(n: int) -> None:
        try:
            for i in range(15):
                ann.add_annotation(store, date(2020, 1, 1 + i), f"sessie {n} nr {i}", writer=DEPT)
                ann.list_annotations(store)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writer = """
        from datetime import date
        from pathlib import Path
        from popmgmt.app import annotations as ann
        from popmgmt.app.access import Role
        DEPT = ann.Writer(Role("departement"), "proces")
        for i in range(20):
            ann.add_annotation(PATH, date(2021, 1, 1 + i), f"proces nr {i}", writer=DEPT)
        """
    procs = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(writer).replace(
            "PATH", repr(str(store)))])
        for _ in range(2)
    ]  # fmt: skip
    threads = [threading.Thread(target=session, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for p in procs:
        assert p.wait(timeout=120) == 0
    assert not errors, errors
    stored = ann.list_annotations(store)
    assert len(stored) == 8 * 15 + 2 * 20
    assert len({a.id for a in stored}) == len(stored)
    assert sum(a.label.startswith("sessie 3 ") for a in stored) == 15


def test_store_limit(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ann, "MAX_ANNOTATIONS", 2)
    ann.add_annotation(store, date(2020, 1, 1), "een", writer=DEPT)
    ann.add_annotation(store, date(2020, 1, 2), "twee", writer=DEPT)
    with pytest.raises(ann.AnnotationError, match="al 2 markeringen"):
        ann.add_annotation(store, date(2020, 1, 3), "drie", writer=DEPT)
    assert len(ann.list_annotations(store)) == 2


def test_unwritable_or_corrupt_store(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A store fault gives a Dutch message that names no server path; the log has it."""
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(ann.AnnotationStoreError, match="POPMGMT_STATE") as info:
        ann.add_annotation(blocker / "sub" / ann.DB_FILE, date(2020, 1, 1), "x", writer=DEPT)
    assert str(tmp_path) not in str(info.value)
    assert any(str(blocker) in r.getMessage() for r in caplog.records)
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ann.AnnotationStoreError) as info:
        ann.list_annotations(corrupt)
    assert str(tmp_path) not in str(info.value)
    assert "/" not in str(info.value)


# --- owners, audit, per-scope cap, migration -----------------------------------------------

COUNCIL = ann.Writer(Role("zorgraad", zone_code="elz13"), "pm@zorgraad-gent.example")
OTHER_COUNCIL = ann.Writer(Role("zorgraad", zone_code="elz32"), "pm@elders.example")
CIRCLE = ann.Writer(Role("kring", circle_code="hak13"), "arts@kring.example")
ANONYMOUS = ann.Writer(Role(), "-")


def test_who_writes_where() -> None:
    assert ann.writable_scope(DEPT.role) == ann.FLANDERS
    assert ann.writable_scope(COUNCIL.role) == "zone:elz13"
    assert ann.writable_scope(CIRCLE.role) is None
    assert ann.writable_scope(ANONYMOUS.role) is None
    assert not ann.can_write(DEPT.role, "zone:elz13")
    assert not ann.can_write(COUNCIL.role, ann.FLANDERS)
    assert not ann.can_write(COUNCIL.role, "zone:elz32")


@pytest.mark.parametrize("writer", [ANONYMOUS, CIRCLE, COUNCIL], ids=lambda w: w.role.key)
def test_only_the_department_writes_flemish_markers(store: str, writer: ann.Writer) -> None:
    """Given a visitor who is not Departement Zorg, adding a Flemish marker is refused with a
    Dutch reason and nothing is stored."""
    with pytest.raises(ann.AnnotationPermissionError, match="mag geen"):
        ann.add_annotation(store, date(2020, 1, 1), "=HYPERLINK(1)", writer=writer)
    assert ann.list_annotations(store, scope=None) == []


def test_council_writes_only_its_own_zone(store: str) -> None:
    own = ann.add_annotation(
        store, date(2022, 5, 1), "Start PDCA", writer=COUNCIL, scope="zone:elz13"
    )
    assert own.scope == "zone:elz13"
    assert own.created_by == COUNCIL.who
    with pytest.raises(ann.AnnotationPermissionError, match="enkel die van zone elz13"):
        ann.add_annotation(store, date(2022, 5, 1), "Elders", writer=COUNCIL, scope="zone:elz32")
    with pytest.raises(ann.AnnotationPermissionError):
        ann.add_annotation(store, date(2022, 5, 1), "x", writer=DEPT, scope="zone:elz13")
    # Flemish markers and a zone's markers are listed apart.
    ann.add_annotation(store, date(2021, 1, 1), "Vlaams", writer=DEPT)
    assert [a.label for a in ann.list_annotations(store)] == ["Vlaams"]
    assert [a.label for a in ann.list_annotations(store, scope="zone:elz13")] == ["Start PDCA"]


def test_deletes_respect_the_owner(store: str) -> None:
    """Nobody deletes outside their scope; a refused delete leaves the marker."""
    flemish = ann.add_annotation(store, date(2021, 1, 1), "Vlaams", writer=DEPT)
    zonal = ann.add_annotation(store, date(2021, 1, 1), "Zone", writer=COUNCIL, scope="zone:elz13")
    for writer, target in (
        (ANONYMOUS, flemish),
        (CIRCLE, flemish),
        (COUNCIL, flemish),
        (OTHER_COUNCIL, zonal),
        (DEPT, zonal),
    ):
        with pytest.raises(ann.AnnotationPermissionError):
            ann.delete_annotation(store, target.id, writer=writer)
    assert len(ann.list_annotations(store, scope=None)) == 2
    assert ann.delete_annotation(store, zonal.id, writer=COUNCIL) is True
    assert ann.delete_annotation(store, flemish.id, writer=DEPT) is True
    assert ann.list_annotations(store, scope=None) == []


def test_every_write_and_delete_is_audited(store: str) -> None:
    added = ann.add_annotation(store, date(2021, 1, 1), "Maatregel", writer=DEPT)
    ann.delete_annotation(store, added.id, writer=DEPT)
    with pytest.raises(ann.AnnotationPermissionError):
        ann.add_annotation(store, date(2021, 1, 1), "x", writer=ANONYMOUS)
    log = ann.audit_log(store)
    assert log.select("action", "annotation_id", "scope", "who", "role", "label").rows() == [
        ("toegevoegd", added.id, "vlaanderen", DEPT.who, "departement", "Maatregel"),
        ("verwijderd", added.id, "vlaanderen", DEPT.who, "departement", "Maatregel"),
    ]
    assert all(at.endswith("+00:00") for at in log["at"])


def test_the_cap_holds_per_scope(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One writer filling its own scope does not stop another scope's writer."""
    monkeypatch.setattr(ann, "MAX_ANNOTATIONS", 2)
    ann.add_annotation(store, date(2020, 1, 1), "een", writer=COUNCIL, scope="zone:elz13")
    ann.add_annotation(store, date(2020, 1, 2), "twee", writer=COUNCIL, scope="zone:elz13")
    with pytest.raises(ann.AnnotationError, match="al 2 markeringen voor zone elz13"):
        ann.add_annotation(store, date(2020, 1, 3), "drie", writer=COUNCIL, scope="zone:elz13")
    ann.add_annotation(store, date(2020, 1, 3), "Vlaams", writer=DEPT)
    assert [a.label for a in ann.list_annotations(store)] == ["Vlaams"]


def test_a_schema_1_store_is_migrated(store_path: Path) -> None:
    """Given a store written by the version without owners, it is read as Flemish markers,
    and the first write migrates it (scope column, audit table, the migration audited)."""
    store_path.parent.mkdir(parents=True)
    with sqlite3.connect(store_path) as conn:
        conn.execute(ann._SCHEMA_V1)
        conn.execute(
            "INSERT INTO annotation (day, label, indicator_code, created_at) "
            "VALUES ('2020-03-01', 'Oud', NULL, '2024-01-01T00:00:00+00:00')"
        )
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    old = ann.list_annotations(store_path)
    assert [(a.label, a.scope, a.created_by) for a in old] == [("Oud", ann.FLANDERS, None)]
    ann.add_annotation(store_path, date(2021, 1, 1), "Nieuw", writer=DEPT)
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == ann.SCHEMA_VERSION
        columns = {r[1] for r in conn.execute("PRAGMA table_info(annotation)")}
    conn.close()
    assert {"scope", "created_by", "created_role"} <= columns
    assert [a.label for a in ann.list_annotations(store_path)] == ["Oud", "Nieuw"]
    assert ann.audit_log(store_path)["action"].to_list() == ["migratie", "toegevoegd"]
    # An old Flemish marker is the department's to delete, not a council's.
    with pytest.raises(ann.AnnotationPermissionError):
        ann.delete_annotation(store_path, old[0].id, writer=COUNCIL)
    assert ann.delete_annotation(store_path, old[0].id, writer=DEPT)


def test_hostile_label_is_stored_as_given(store: str) -> None:
    text = '<img src=x onerror=alert(1)> =HYPERLINK("http://x")'
    ann.add_annotation(store, date(2020, 1, 1), text, writer=DEPT)
    assert [a.label for a in ann.list_annotations(store)] == [text]


# --- where the store lives --------------------------------------------------------------


def test_state_dir_is_beside_the_data_not_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild swaps the data folder atomically: the store must live outside it."""
    monkeypatch.delenv(ann.STATE_ENV, raising=False)
    monkeypatch.setenv("POPMGMT_DATA", str(tmp_path / "deploy" / "data"))
    assert ann.state_dir() == (tmp_path / "deploy" / "state").resolve()
    assert ann.default_path() == (tmp_path / "deploy" / "state" / ann.DB_FILE).resolve()
    monkeypatch.setenv(ann.STATE_ENV, str(tmp_path / "elders"))
    assert ann.default_path() == tmp_path / "elders" / ann.DB_FILE


def test_display_table() -> None:
    marks = [
        ann.Annotation(1, date(2020, 3, 1), "Start", None, ""),
        ann.Annotation(2, date(2021, 3, 1), "GMD", "ima_gmd", ""),
    ]
    table = ann.display_table(marks, {"ima_gmd": "Inwoners met een GMD"})
    assert table.rows() == [
        ("01-03-2020", "Start", "alle indicatoren"),
        ("01-03-2021", "GMD", "Inwoners met een GMD"),
    ]
    assert ann.option_text(marks[0]) == "01-03-2020 · Start"
    assert ann.annotations_frame(marks).height == 2
