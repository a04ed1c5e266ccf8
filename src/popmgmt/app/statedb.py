"""The app's state database: what users write (policy markers, the zones' PDCA logs).

One small layer over two back-ends, with the same SQL for both:

* **SQLite** (default): the file `annotations.sqlite` in the state folder
  (`POPMGMT_STATE`, or `state/` beside the data folder). Never inside the data folder
  itself: a rebuild swaps that folder atomically and would drop what users wrote.
* **PostgreSQL**: when `POPMGMT_STATE_URL` holds a connection URL
  (`postgresql://user:password@host:5432/popmgmt`), for several app replicas that share
  one database. Needs `psycopg` (v3).

Every operation opens its own connection, so every session (and every server on the
same database) sees the same rows. Writes run in `write_transaction`: SQLite takes its
write lock at once (`BEGIN IMMEDIATE`, waiting up to `BUSY_TIMEOUT_S` for another
writer), PostgreSQL takes one transaction-level advisory lock, so writers queue in both
and a count-then-insert (the caps per scope) cannot race.

**Migrations.** The schema is versioned: the table `schema_version` records every
migration applied (version, name, when). `MIGRATIONS` is the ordered list; `migrate`
applies those not yet applied, each once, in one locked transaction (concurrent
servers wait, then find nothing left to do), and is idempotent. A SQLite store written
before this table existed (`PRAGMA user_version` 1 or 2, the annotation store's own
versions) is adopted: its versions are recorded as applied and only the newer
migrations run. SQLite's `user_version` follows the latest version as well.
Every operation on an existing store brings it to the current schema first; a missing
SQLite file reads as empty and is created only by a write. No Streamlit here.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from popmgmt.config import data_dir

logger = logging.getLogger("popmgmt.statedb")

STATE_ENV: Final = "POPMGMT_STATE"
STATE_URL_ENV: Final = "POPMGMT_STATE_URL"
DB_FILE: Final = "annotations.sqlite"
BUSY_TIMEOUT_S: Final = 10.0
FLANDERS_SCOPE: Final = "vlaanderen"
_WRITE_LOCK: Final = 4_213_001  # the advisory-lock key of every PostgreSQL write
_PG_SCHEMES: Final = ("postgresql", "postgres")

Dialect = Literal["sqlite", "postgresql"]
Param = str | int | float | None


class StateDBError(RuntimeError):
    """The state database cannot be opened, read or written. The message names the
    target (without password) for the server log; pages show their own Dutch text."""


def _driver_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)
    try:
        import psycopg  # noqa: PLC0415 - only a PostgreSQL deployment needs the driver
    except ImportError:  # pragma: no cover - psycopg is in requirements.txt
        return errors
    return (*errors, psycopg.Error)


def state_dir() -> Path:
    """The folder of the SQLite state store: `POPMGMT_STATE`, else `state/` beside the data."""
    env = os.environ.get(STATE_ENV)
    if env:
        return Path(env)
    return data_dir().resolve().parent / "state"


@dataclass(frozen=True)
class Target:
    """Where the state lives: a SQLite file or a PostgreSQL connection URL."""

    dialect: Dialect
    path: Path | None = None
    url: str | None = None

    def exists(self) -> bool:
        """False only for a SQLite file not yet written (reads of it are empty)."""
        return self.dialect == "postgresql" or (self.path is not None and self.path.is_file())

    def describe(self) -> str:
        """For the server log: the path, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        return redact_url(self.url or "")


def redact_url(url: str) -> str:
    """The URL with any password replaced by `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def is_postgres_url(text: str) -> bool:
    return urlsplit(text).scheme in _PG_SCHEMES


def as_target(target: Target | Path | str) -> Target:
    """A `Target` from a path (SQLite) or a `postgresql://` URL."""
    if isinstance(target, Target):
        return target
    if isinstance(target, str) and is_postgres_url(target):
        return Target("postgresql", url=target)
    return Target("sqlite", path=Path(target))


def default_target() -> Target:
    """`POPMGMT_STATE_URL` when set (a PostgreSQL URL), else the SQLite file in
    `state_dir()`. Any other value of `POPMGMT_STATE_URL` is not silently replaced by a
    local file that the other replicas would not see: every connection to it fails
    (`StateDBError`, a store fault on the page)."""
    url = os.environ.get(STATE_URL_ENV, "").strip()
    if url:
        return Target("postgresql", url=url)
    return Target("sqlite", path=state_dir() / DB_FILE)


class _Cursor(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Connection:
    """One connection, in autocommit mode (transactions are explicit), with `?` as
    the placeholder for both back-ends."""

    def __init__(self, raw: Any, dialect: Dialect) -> None:
        self.raw = raw
        self.dialect: Dialect = dialect

    def execute(self, sql: str, params: Sequence[Param] = ()) -> _Cursor:
        if self.dialect == "postgresql":
            sql = sql.replace("?", "%s")
        return self.raw.execute(sql, tuple(params))  # type: ignore[no-any-return]

    def insert(self, sql: str, params: Sequence[Param]) -> int:
        """Run an INSERT and return the new row's `id`."""
        row = self.execute(f"{sql} RETURNING id", params).fetchone()
        return int(row[0])

    def table_exists(self, name: str) -> bool:
        if self.dialect == "sqlite":
            sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
            return bool(self.execute(sql, (name,)).fetchone()[0])
        return self.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0] is True

    def columns(self, table: str) -> set[str]:
        if self.dialect == "sqlite":
            return {r[1] for r in self.execute(f"PRAGMA table_info({table})").fetchall()}
        rows = self.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = current_schema()",
            (table,),
        ).fetchall()
        return {r[0] for r in rows}

    def id_column(self) -> str:
        """An auto-numbered integer primary key named `id`."""
        if self.dialect == "sqlite":
            return "id INTEGER PRIMARY KEY AUTOINCREMENT"
        return "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"


@contextmanager
def write_transaction(conn: Connection) -> Iterator[Connection]:
    """One transaction holding the store's write lock; rolled back on any exception."""
    if conn.dialect == "sqlite":
        conn.execute("BEGIN IMMEDIATE")
    else:
        conn.execute("BEGIN")
        conn.execute("SELECT pg_advisory_xact_lock(?)", (_WRITE_LOCK,))
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def now() -> str:
    """The current UTC time as ISO text (seconds), as every table stores it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- migrations


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def _v1_annotations(conn: Connection) -> None:
    conn.execute(
        f"""
        CREATE TABLE IF NOT EXISTS annotation (
            {conn.id_column()},
            day            TEXT    NOT NULL,
            label          TEXT    NOT NULL,
            indicator_code TEXT,
            created_at     TEXT    NOT NULL
        )
        """
    )


def _v2_owners_and_audit(conn: Connection) -> None:
    if "scope" not in conn.columns("annotation"):
        conn.execute(
            f"ALTER TABLE annotation ADD COLUMN scope TEXT NOT NULL DEFAULT '{FLANDERS_SCOPE}'"
        )
        conn.execute("ALTER TABLE annotation ADD COLUMN created_by TEXT")
        conn.execute("ALTER TABLE annotation ADD COLUMN created_role TEXT")
    conn.execute("CREATE INDEX IF NOT EXISTS annotation_scope ON annotation (scope)")
    conn.execute(
        f"""
        CREATE TABLE IF NOT EXISTS audit (
            {conn.id_column()},
            at             TEXT    NOT NULL,
            action         TEXT    NOT NULL,
            annotation_id  BIGINT,
            scope          TEXT,
            who            TEXT    NOT NULL,
            role           TEXT    NOT NULL,
            day            TEXT,
            label          TEXT
        )
        """
    )
    (count,) = conn.execute("SELECT count(*) FROM annotation").fetchone()
    if count:
        conn.execute(
            "INSERT INTO audit (at, action, scope, who, role, label) "
            "VALUES (?, 'migratie', ?, 'systeem', '-', ?)",
            (now(), FLANDERS_SCOPE, f"{count} markeringen zonder eigenaar werden Vlaams"),
        )


def _v3_pdca(conn: Connection) -> None:
    conn.execute(
        f"""
        CREATE TABLE IF NOT EXISTS pdca_action (
            {conn.id_column()},
            zone_code      TEXT             NOT NULL,
            title          TEXT             NOT NULL,
            day            TEXT             NOT NULL,
            indicator_code TEXT             NOT NULL,
            target_value   DOUBLE PRECISION NOT NULL,
            target_year    INTEGER          NOT NULL,
            owner          TEXT             NOT NULL,
            note           TEXT             NOT NULL DEFAULT '',
            status         TEXT             NOT NULL DEFAULT 'lopend',
            closed_on      TEXT,
            created_at     TEXT             NOT NULL,
            created_by     TEXT             NOT NULL,
            created_role   TEXT             NOT NULL,
            updated_at     TEXT             NOT NULL
        )
        """
    )
    conn.execute("CREATE INDEX IF NOT EXISTS pdca_action_zone ON pdca_action (zone_code)")
    conn.execute(
        f"""
        CREATE TABLE IF NOT EXISTS pdca_audit (
            {conn.id_column()},
            at         TEXT   NOT NULL,
            action     TEXT   NOT NULL,
            action_id  BIGINT,
            zone_code  TEXT   NOT NULL,
            who        TEXT   NOT NULL,
            role       TEXT   NOT NULL,
            title      TEXT,
            detail     TEXT
        )
        """
    )


MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "beleidsmarkeringen", _v1_annotations),
    Migration(2, "eigenaars van markeringen en audit", _v2_owners_and_audit),
    Migration(3, "PDCA-logboek per zone", _v3_pdca),
)
LATEST: Final = MIGRATIONS[-1].version
_VERSION_TABLE: Final = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at TEXT    NOT NULL
)
"""


def current_version(conn: Connection) -> int:
    """The highest migration recorded (0: none, or no `schema_version` table yet)."""
    if not conn.table_exists("schema_version"):
        return 0
    (version,) = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(version)


def _legacy_version(conn: Connection) -> int:
    """The version of a SQLite annotation store written before `schema_version`."""
    if conn.dialect != "sqlite" or not conn.table_exists("annotation"):
        return 0
    return 2 if "scope" in conn.columns("annotation") else 1


def migrate(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
    """Apply every migration not yet applied, in order, in one locked transaction; the
    versions applied (empty when the store was current). Idempotent."""
    latest = migrations[-1].version if migrations else 0
    if current_version(conn) >= latest:
        return []
    applied: list[int] = []
    with write_transaction(conn):
        conn.execute(_VERSION_TABLE)
        version = current_version(conn)  # again, under the lock: another server may have run
        if version == 0:
            adopted = _legacy_version(conn)
            for m in migrations[:adopted]:
                conn.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (m.version, f"{m.name} (bestaande opslag overgenomen)", now()),
                )
            version = adopted
        for m in migrations:
            if m.version <= version:
                continue
            m.apply(conn)
            conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (m.version, m.name, now()),
            )
            applied.append(m.version)
        if conn.dialect == "sqlite":
            conn.execute(f"PRAGMA user_version = {max(latest, version)}")
    if applied:
        logger.info("state database migrated to version %s: %s", latest, applied)
    return applied


def versions(conn: Connection) -> list[tuple[int, str]]:
    """The migrations recorded, oldest first: (version, name)."""
    if not conn.table_exists("schema_version"):
        return []
    rows = conn.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
    return [(int(v), str(n)) for v, n in rows]


# --------------------------------------------------------------------------- connections

_SAFE_IDENT: Final = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _open(target: Target) -> Connection:
    if target.dialect == "sqlite":
        assert target.path is not None
        raw = sqlite3.connect(target.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        return Connection(raw, "sqlite")
    if not target.url or not is_postgres_url(target.url):
        raise StateDBError(
            f"{STATE_URL_ENV} must be a postgresql:// URL, got {redact_url(target.url or '')!r}"
        )
    try:
        import psycopg  # noqa: PLC0415 - only a PostgreSQL deployment needs the driver
    except ImportError as exc:
        raise StateDBError("psycopg is not installed (pip install -r requirements.txt)") from exc
    raw_pg = psycopg.connect(target.url, autocommit=True, connect_timeout=int(BUSY_TIMEOUT_S))
    return Connection(raw_pg, "postgresql")


@contextmanager
def connect(target: Target | Path | str, *, create: bool) -> Iterator[Connection]:
    """A connection to the store, brought to the current schema.

    `create`: make the SQLite folder and file when missing (writes); reads pass False
    and check `Target.exists()` first. Every driver error becomes `StateDBError`
    (its message names the target without password, for the server log).
    """
    resolved = as_target(target)
    errors = _driver_errors()
    if create and resolved.path is not None:
        try:
            resolved.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateDBError(f"state folder of {resolved.describe()}: {exc}") from exc
    try:
        conn = _open(resolved)
    except StateDBError:
        raise
    except errors as exc:
        raise StateDBError(f"open {resolved.describe()}: {exc}") from exc
    try:
        migrate(conn)
        yield conn
    except errors as exc:
        raise StateDBError(f"query on {resolved.describe()}: {exc}") from exc
    finally:
        conn.raw.close()


def schema_url(url: str, schema: str) -> str:
    """`url` with every connection's search path set to `schema` (a plain lower-case
    name): one database, separate schemas (tests, or several apps on one server)."""
    if not _SAFE_IDENT.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"
