"""A throwaway PostgreSQL server for the state-database tests.

`postgres_server` (session fixture in conftest.py) runs Debian's `initdb` and `pg_ctl`
(`/usr/lib/postgresql/<version>/bin`) on a temporary folder, listening only on a unix
socket in that folder (no TCP port), with trust authentication. As root it runs them as
the `postgres` user (initdb refuses root), through `runuser`. Each test gets its own
schema (`schema_url`), so tests never see each other's rows and need no new database.
Skipped when the binaries or `psycopg` are absent, except in CI (CI=true), where that
fails: `.ci/run` installs them (`scripts/ensure-postgresql.sh`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from popmgmt.app import statedb

START_TIMEOUT_S = 60


@dataclass(frozen=True)
class PostgresServer:
    socket_dir: Path
    port: int
    user: str

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@/postgres?host={self.socket_dir}&port={self.port}"

    def fresh_schema_url(self) -> str:
        """A URL whose connections use a new, empty schema."""
        import psycopg  # noqa: PLC0415 - after the skip check

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        return statedb.schema_url(self.url, name)


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _as_user(user: str | None, args: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *args] if user else args


def start_server(port: int = 5432) -> Iterator[PostgresServer]:
    """Create a cluster in a new folder under the system's temporary folder (pytest's
    own is private to the test user, which PostgreSQL's user cannot enter), start it,
    yield it, stop it and remove the folder."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        _unavailable("PostgreSQL not found (install Debian's postgresql package)")
        return
    try:
        import psycopg  # noqa: F401, PLC0415 - a requirement; checked here for a clear skip
    except ImportError:
        _unavailable("psycopg not installed (pip install -r requirements.txt)")
        return
    run_as: str | None = None
    if os.geteuid() == 0:
        run_as = "postgres"
        try:
            pwd.getpwnam(run_as)
        except KeyError:
            _unavailable("running as root and there is no postgres user to run PostgreSQL")
            return
    base = Path(tempfile.mkdtemp(prefix="popmgmt-pg-"))
    data = base / "data"
    sockets = base / "sock"
    sockets.mkdir()
    if run_as:
        entry = pwd.getpwnam(run_as)
        for folder in (base, sockets):
            os.chown(folder, entry.pw_uid, entry.pw_gid)
    user = run_as or pwd.getpwuid(os.geteuid()).pw_name
    log = base / "server.log"
    subprocess.run(
        _as_user(
            run_as,
            [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", user, "-E", "UTF8"],
        ),
        check=True,
        capture_output=True,
        timeout=START_TIMEOUT_S,
    )
    pg_ctl = str(bin_dir / "pg_ctl")
    options = f"-c listen_addresses='' -c unix_socket_directories={sockets} -p {port} -c fsync=off"
    subprocess.run(
        _as_user(
            run_as,
            [pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
        ),
        check=True,
        capture_output=True,
        timeout=START_TIMEOUT_S,
    )
    try:
        yield PostgresServer(sockets, port, user)
    finally:
        subprocess.run(
            _as_user(run_as, [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
            timeout=START_TIMEOUT_S,
        )
        shutil.rmtree(base, ignore_errors=True)
