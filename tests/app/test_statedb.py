"""The state database layer: back-end choice, versioned migrations (fresh, adopted from the
annotation store of before, idempotent, concurrent, rolled back on failure) on SQLite and
PostgreSQL alike (no Streamlit)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from popmgmt.app import annotations as ann
from popmgmt.app import statedb

TABLES = ("annotation", "audit", "pdca_action", "pdca_audit", "schema_version")


def test_a_fresh_store_gets_every_migration_once(state_store: str) -> None:
    """Given an empty store, then the first connection applies migrations 1-3 in order and
    records them; a second connection applies nothing and changes nothing."""
    with statedb.connect(state_store, create=True) as conn:
        assert statedb.current_version(conn) == statedb.LATEST == 3
        assert statedb.versions(conn) == [(m.version, m.name) for m in statedb.MIGRATIONS]
        assert all(conn.table_exists(t) for t in TABLES)
        assert not conn.table_exists("no_such_table")
        assert statedb.migrate(conn) == []
    with statedb.connect(state_store, create=True) as conn:
        assert len(statedb.versions(conn)) == 3
        assert {"zone_code", "target_value", "target_year", "owner", "status"} <= conn.columns(
            "pdca_action"
        )


def test_a_failed_migration_leaves_nothing(state_store: str) -> None:
    """A migration that fails half-way is rolled back whole: no table, no version row."""

    def broken(conn: statedb.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("boom")

    with statedb.connect(state_store, create=True) as conn:
        steps = (*statedb.MIGRATIONS, statedb.Migration(4, "kapot", broken))
        with pytest.raises(RuntimeError, match="boom"):
            statedb.migrate(conn, steps)
        assert statedb.current_version(conn) == 3
        assert not conn.table_exists("half_done")


def test_concurrent_first_connections_migrate_once(state_store: str) -> None:
    """Six servers open an empty store at the same time: each migration runs once (the
    version table's primary key would refuse a second row) and nobody fails."""
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            with statedb.connect(state_store, create=True) as conn:
                conn.execute("SELECT count(*) FROM pdca_action").fetchone()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    with statedb.connect(state_store, create=False) as conn:
        assert [v for v, _ in statedb.versions(conn)] == [1, 2, 3]


def _legacy_v2_store(path: Path) -> None:
    """The annotation store exactly as the version before the state database wrote it:
    PRAGMA user_version 2, owners and audit, no schema_version table."""
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute(ann._SCHEMA_V1)
    for statement in (
        "ALTER TABLE annotation ADD COLUMN scope TEXT NOT NULL DEFAULT 'vlaanderen'",
        "ALTER TABLE annotation ADD COLUMN created_by TEXT",
        "ALTER TABLE annotation ADD COLUMN created_role TEXT",
        "CREATE INDEX IF NOT EXISTS annotation_scope ON annotation (scope)",
        "CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT "
        "NOT NULL, action TEXT NOT NULL, annotation_id INTEGER, scope TEXT, who TEXT NOT "
        "NULL, role TEXT NOT NULL, day TEXT, label TEXT)",
        "INSERT INTO annotation (day, label, indicator_code, created_at, scope, created_by, "
        "created_role) VALUES ('2021-05-01', 'Zonemarkering', NULL, '2024-01-01T00:00:00+00:00',"
        " 'zone:elz13', 'pm@zorgraad.example', 'zorgraad:elz13')",
        "INSERT INTO audit (at, action, annotation_id, scope, who, role, day, label) VALUES "
        "('2024-01-01T00:00:00+00:00', 'toegevoegd', 1, 'zone:elz13', 'pm@zorgraad.example', "
        "'zorgraad:elz13', '2021-05-01', 'Zonemarkering')",
        "PRAGMA user_version = 2",
    ):
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_the_annotation_store_of_before_is_adopted(tmp_path: Path) -> None:
    """Given the current annotation store (schema 2, no version table), when it is opened,
    then versions 1-2 are recorded as adopted, only the PDCA migration runs, and every
    marker, owner and audit row is kept (no 'migratie' row: nothing was reassigned)."""
    path = tmp_path / "state" / ann.DB_FILE
    _legacy_v2_store(path)
    marks = ann.list_annotations(path, scope=None)
    assert [(a.label, a.scope, a.created_by) for a in marks] == [
        ("Zonemarkering", "zone:elz13", "pm@zorgraad.example")
    ]
    with statedb.connect(path, create=False) as conn:
        names = statedb.versions(conn)
        assert [v for v, _ in names] == [1, 2, 3]
        assert names[0][1].endswith("(bestaande opslag overgenomen)")
        assert names[1][1].endswith("(bestaande opslag overgenomen)")
        assert names[2][1] == "PDCA-logboek per zone"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        assert conn.table_exists("pdca_action")
    assert ann.audit_log(path)["action"].to_list() == ["toegevoegd"]
    assert ann.SCHEMA_VERSION == 3


def test_a_missing_sqlite_file_is_not_created_by_reads(tmp_path: Path) -> None:
    path = tmp_path / "state" / ann.DB_FILE
    assert ann.list_annotations(path) == []
    assert ann.audit_log(path).height == 0
    assert not path.parent.exists()


def test_default_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite in the state folder by default; PostgreSQL when POPMGMT_STATE_URL names it;
    any other URL is refused rather than silently using a local file."""
    monkeypatch.delenv(statedb.STATE_URL_ENV, raising=False)
    monkeypatch.setenv(statedb.STATE_ENV, str(tmp_path / "st"))
    target = statedb.default_target()
    assert (target.dialect, target.path) == ("sqlite", tmp_path / "st" / statedb.DB_FILE)
    assert ann.default_store() == target
    url = "postgresql://app:geheim@db.example:5432/popmgmt"
    monkeypatch.setenv(statedb.STATE_URL_ENV, url)
    target = statedb.default_target()
    assert (target.dialect, target.url) == ("postgresql", url)
    assert target.describe() == "postgresql://app:***@db.example:5432/popmgmt"
    assert "geheim" not in target.describe()
    monkeypatch.setenv(statedb.STATE_URL_ENV, "mysql://x:geheim@y/z")
    with pytest.raises(statedb.StateDBError, match="postgresql://"):
        statedb.connect(statedb.default_target(), create=True).__enter__()
    with pytest.raises(ann.AnnotationStoreError, match="niet beschikbaar") as info:
        ann.list_annotations(ann.default_store())
    assert "geheim" not in str(info.value)


def test_schema_url_refuses_odd_names() -> None:
    assert statedb.schema_url("postgresql:///db", "t_1").endswith("options=-csearch_path%3Dt_1")
    assert statedb.schema_url("postgresql:///db?host=/s", "a").count("?") == 1
    with pytest.raises(ValueError, match="invalid schema"):
        statedb.schema_url("postgresql:///db", "x; DROP TABLE y")


def test_an_unreachable_postgres_is_a_store_fault(caplog: pytest.LogCaptureFixture) -> None:
    """A server that does not answer gives the Dutch fault text; the log has the target
    without its password."""
    url = "postgresql://app:geheim@/popmgmt?host=/nonexistent-socket-dir&connect_timeout=1"
    pytest.importorskip("psycopg")
    with pytest.raises(ann.AnnotationStoreError, match="niet beschikbaar") as info:
        ann.list_annotations(url)
    assert "geheim" not in str(info.value)
    assert "nonexistent" not in str(info.value)
    assert all("geheim" not in r.getMessage() for r in caplog.records)
