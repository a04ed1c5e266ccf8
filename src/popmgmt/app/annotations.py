"""Policy annotations: a date and a short label marked on the trend charts.

Stored in the app's state database (`popmgmt.app.statedb`): by default the SQLite file
`annotations.sqlite` in the state folder (`POPMGMT_STATE`, or `state/` beside the data
folder), or PostgreSQL when `POPMGMT_STATE_URL` is set (`default_store()`). Never inside
the data folder itself: a rebuild swaps that folder atomically and would drop them.

Every read and write opens its own connection, so every session (and every server on the
same database) sees the same annotations, and they survive a restart. Writes hold the
database's write lock (`statedb.write_transaction`; SQLite waits up to `BUSY_TIMEOUT_S`
for another writer). Input is validated before it reaches the store: the date lies
between `FIRST_DATE` and one year after today, the label has 1 to `LABEL_MAX`
characters after trimming and no control characters. Errors carry a Dutch message for
the page. No Streamlit here.

Owners (docs/access.md): every annotation has a scope, `vlaanderen` (a Flemish marker on
the monitor) or `zone:<code>` (a marker of one care council's zone). Departement Zorg
writes Flemish markers, a care council only markers of its own zone, nobody else
writes (`writable_scope`, `can_write`). Every write and delete is recorded in the table
`audit` (who, role, when, what). The cap of `MAX_ANNOTATIONS` holds per scope, so one
writer cannot fill the store for everyone. Labels are stored as given (trimmed); the
page shows them escaped and the downloads neutralise spreadsheet formulas. A store
written by an older version (schema 1, no owners) is migrated when it is first opened
(`statedb.MIGRATIONS`, version 2): its annotations become Flemish markers, and the
migration is in the audit. The ownership rule (`can_write`, `refuse`) is also the PDCA
log's (`popmgmt.app.pdca`).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Final

import polars as pl

from popmgmt.app import statedb
from popmgmt.app.access import Role

logger = logging.getLogger("popmgmt.annotations")

STATE_ENV: Final = statedb.STATE_ENV
DB_FILE: Final = statedb.DB_FILE
FIRST_DATE: Final = date(2015, 1, 1)
LABEL_MAX: Final = 80
MAX_ANNOTATIONS: Final = 500
BUSY_TIMEOUT_S: Final = statedb.BUSY_TIMEOUT_S
SCHEMA_VERSION: Final = statedb.LATEST
_CODE_RE: Final = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
FLANDERS: Final = statedb.FLANDERS_SCOPE
"""The scope of a Flemish marker (the monitor); a zone's markers have `zone:<code>`."""
ZONE_PREFIX: Final = "zone:"

_SCHEMA_V1: Final = """
CREATE TABLE IF NOT EXISTS annotation (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    day            TEXT    NOT NULL,
    label          TEXT    NOT NULL,
    indicator_code TEXT,
    created_at     TEXT    NOT NULL
)
"""
"""The first version's table (no owners): how a store of schema 1 looks (tests)."""

AUDIT_SCHEMA: Final = pl.Schema(
    {
        "at": pl.String,
        "action": pl.String,
        "annotation_id": pl.Int64,
        "scope": pl.String,
        "who": pl.String,
        "role": pl.String,
        "day": pl.String,
        "label": pl.String,
    }
)

FRAME_SCHEMA: Final = pl.Schema(
    {
        "id": pl.Int64,
        "date": pl.Date,
        "label": pl.String,
        "indicator_code": pl.String,
        "created_at": pl.String,
    }
)


class AnnotationError(ValueError):
    """Invalid annotation input; the message is Dutch and meant for the user."""


class AnnotationStoreError(RuntimeError):
    """The store cannot be read or written (folder not writable, corrupt file).

    The message is Dutch and names no server path (the log does)."""


class AnnotationPermissionError(AnnotationError):
    """The role may not write (or delete) in this scope; the message is Dutch."""


@dataclass(frozen=True)
class Writer:
    """Who writes: the role and the identity (e-mail, or a fixed text when not signed in)."""

    role: Role
    who: str


def zone_scope(zone_code: str) -> str:
    """The scope of zone `zone_code`'s markers: `zone:elz13`."""
    return f"{ZONE_PREFIX}{zone_code}"


def writable_scope(role: Role) -> str | None:
    """The one scope `role` writes in: Flemish markers for Departement Zorg, its own
    zone's for a care council, none for anyone else."""
    if role.kind == "departement":
        return FLANDERS
    if role.kind == "zorgraad" and role.zone_code:
        return zone_scope(role.zone_code)
    return None


def can_write(role: Role, scope: str) -> bool:
    """May `role` add or delete annotations of `scope`?"""
    return writable_scope(role) == scope


def scope_text(scope: str) -> str:
    """ "Vlaanderen" or "zone elz13": how a message names a scope."""
    if scope == FLANDERS:
        return "Vlaanderen"
    return f"zone {scope.removeprefix(ZONE_PREFIX)}"


@dataclass(frozen=True)
class RefusalTexts:
    """The Dutch refusals of one kind of owned record: `nobody` for a role that writes
    nowhere, `elsewhere` (with `{scope}` and `{own}`) for a role that writes elsewhere."""

    subject: str
    nobody: str
    elsewhere: str


MARKER_REFUSALS: Final = RefusalTexts(
    subject="annotation",
    nobody=(
        "Uw rol mag geen beleidsmarkeringen toevoegen of verwijderen. Departement Zorg "
        "beheert de Vlaamse markeringen, een zorgraad die van zijn eigen zone."
    ),
    elsewhere=(
        "Uw rol mag geen markeringen van {scope} toevoegen of verwijderen; enkel die van {own}."
    ),
)


def refuse(
    writer: Writer, scope: str, action: str, texts: RefusalTexts = MARKER_REFUSALS
) -> AnnotationPermissionError:
    """The refusal of a write outside the writer's scope, logged at WARNING
    (`<subject> <action> refused: role=… user=… scope=…`)."""
    logger.warning(
        "%s %s refused: role=%s user=%s scope=%s",
        texts.subject,
        action,
        writer.role.key,
        writer.who,
        scope,
    )
    own = writable_scope(writer.role)
    if own is None:
        return AnnotationPermissionError(texts.nobody)
    return AnnotationPermissionError(
        texts.elsewhere.format(scope=scope_text(scope), own=scope_text(own))
    )


_refuse = refuse


@dataclass(frozen=True)
class Annotation:
    """One policy annotation."""

    id: int
    day: date
    label: str
    indicator_code: str | None
    """None: shown on every indicator's trend; else only on that indicator's."""
    created_at: str
    scope: str = FLANDERS
    created_by: str | None = None
    created_role: str | None = None


def state_dir() -> Path:
    """The folder of the SQLite store: `POPMGMT_STATE`, else `state/` beside the data."""
    return statedb.state_dir()


def default_path() -> Path:
    """The SQLite store's file (whatever `POPMGMT_STATE_URL` says)."""
    return state_dir() / DB_FILE


def default_store() -> statedb.Target:
    """The state database the pages use: PostgreSQL when `POPMGMT_STATE_URL` is set,
    else the SQLite file `default_path()`."""
    return statedb.default_target()


def last_date(today: date | None = None) -> date:
    """The latest date an annotation may carry: one year after today (28 Feb for 29 Feb)."""
    today = today or date.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def validate_date(value: date | str, today: date | None = None) -> date:
    """A date (or ISO text `YYYY-MM-DD`) between FIRST_DATE and `last_date(today)`."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise AnnotationError(
                f"'{value}' is geen geldige datum; gebruik de vorm JJJJ-MM-DD."
            ) from exc
    if not isinstance(value, date):
        raise AnnotationError("Kies een datum.")
    latest = last_date(today)
    if value < FIRST_DATE or value > latest:
        raise AnnotationError(
            f"De datum moet tussen {_fmt_date(FIRST_DATE)} en {_fmt_date(latest)} liggen "
            f"(gekozen: {_fmt_date(value)})."
        )
    return value


def validate_label(value: str) -> str:
    """The trimmed label (NFC): 1 to LABEL_MAX characters, no control characters."""
    if not isinstance(value, str):
        raise AnnotationError("Het label moet tekst zijn.")
    text = unicodedata.normalize("NFC", value).strip()
    bad = [c for c in text if unicodedata.category(c) in {"Cc", "Zl", "Zp"}]
    if bad:
        raise AnnotationError(
            "Het label mag geen regeleinden, tabs of andere stuurtekens bevatten."
        )
    if not text:
        raise AnnotationError("Geef een label op (bijvoorbeeld 'start van een maatregel').")
    if len(text) > LABEL_MAX:
        raise AnnotationError(
            f"Het label is te lang: {len(text)} tekens, hoogstens {LABEL_MAX} toegelaten."
        )
    return text


def validate_indicator_code(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _CODE_RE.match(value):
        raise AnnotationError(f"Onbekende indicatorcode: {value!r}.")
    return value


def _fmt_date(value: date) -> str:
    return f"{value.day:02d}-{value.month:02d}-{value.year}"


def date_text(value: date) -> str:
    """ "01-03-2022": the date as a Belgian reader writes it."""
    return _fmt_date(value)


STORE_FAULT: Final = (
    "De beleidsmarkeringen zijn niet beschikbaar: de server kan ze niet lezen of bewaren. "
    f"Meld dit aan de beheerder (de map voor markeringen, {STATE_ENV}, moet schrijfbaar zijn)."
)


def _fault(store: statedb.Target, what: str, exc: BaseException) -> AnnotationStoreError:
    """A store fault: the details and the path go to the server log, not to the page."""
    logger.error("annotation store %s failed (%s): %s", what, store.describe(), exc)
    return AnnotationStoreError(STORE_FAULT)


@contextmanager
def _connect(target: statedb.Target | Path | str, *, create: bool) -> Iterator[statedb.Connection]:
    store = statedb.as_target(target)
    try:
        with statedb.connect(store, create=create) as conn:
            yield conn
    except statedb.StateDBError as exc:
        raise _fault(store, "query", exc) from exc


def _now() -> str:
    return statedb.now()


_COLUMNS: Final = "id, day, label, indicator_code, created_at, scope, created_by, created_role"


def _row(row: tuple[int, str, str, str | None, str, str, str | None, str | None]) -> Annotation:
    return Annotation(
        id=int(row[0]),
        day=date.fromisoformat(row[1]),
        label=row[2],
        indicator_code=row[3],
        created_at=row[4],
        scope=row[5],
        created_by=row[6],
        created_role=row[7],
    )


def _audit(
    conn: statedb.Connection, action: str, annotation: Annotation, writer: Writer, at: str
) -> None:
    conn.execute(
        "INSERT INTO audit (at, action, annotation_id, scope, who, role, day, label) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            at,
            action,
            annotation.id,
            annotation.scope,
            writer.who,
            writer.role.key,
            annotation.day.isoformat(),
            annotation.label,
        ),
    )


Store = statedb.Target | Path | str
"""Where the annotations are: a SQLite file, a `postgresql://` URL, or a `statedb.Target`."""


def add_annotation(
    store: Store,
    day: date | str,
    label: str,
    indicator_code: str | None = None,
    *,
    writer: Writer,
    scope: str = FLANDERS,
    today: date | None = None,
) -> Annotation:
    """Validate and store one annotation of `scope` for `writer`; returns it with its id.
    The write is recorded in the audit table in the same transaction.

    AnnotationPermissionError when the writer's role may not write in `scope`;
    AnnotationError (Dutch message) on invalid input or when the scope already holds
    MAX_ANNOTATIONS; AnnotationStoreError when the store cannot be written.
    """
    if not can_write(writer.role, scope):
        raise _refuse(writer, scope, "add")
    checked_day = validate_date(day, today)
    text = validate_label(label)
    code = validate_indicator_code(indicator_code)
    created = _now()
    with _connect(store, create=True) as conn, statedb.write_transaction(conn):
        (count,) = conn.execute(
            "SELECT count(*) FROM annotation WHERE scope = ?", (scope,)
        ).fetchone()
        if count >= MAX_ANNOTATIONS:
            raise AnnotationError(
                f"Er zijn al {MAX_ANNOTATIONS} markeringen voor {scope_text(scope)}; "
                "verwijder er eerst enkele."
            )
        new_id = conn.insert(
            "INSERT INTO annotation (day, label, indicator_code, created_at, scope, "
            "created_by, created_role) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (checked_day.isoformat(), text, code, created, scope, writer.who, writer.role.key),
        )
        added = Annotation(
            id=new_id,
            day=checked_day,
            label=text,
            indicator_code=code,
            created_at=created,
            scope=scope,
            created_by=writer.who,
            created_role=writer.role.key,
        )
        _audit(conn, "toegevoegd", added, writer, created)
    logger.info(
        "annotation added: id=%s scope=%s user=%s role=%s",
        added.id,
        scope,
        writer.who,
        writer.role.key,
    )
    return added


def list_annotations(
    store: Store, indicator_code: str | None = None, *, scope: str | None = FLANDERS
) -> list[Annotation]:
    """The annotations of `scope` (Flemish by default; None: every scope) for a trend
    chart, by date: the general ones plus those of `indicator_code` (every annotation
    when it is None). A missing store is empty; an older store is migrated first (its
    annotations without owner become Flemish)."""
    target = statedb.as_target(store)
    if not target.exists():
        return []
    query = f"SELECT {_COLUMNS} FROM annotation WHERE 1 = 1"
    params: list[str] = []
    if scope is not None:
        query += " AND scope = ?"
        params.append(scope)
    if indicator_code is not None:
        query += " AND (indicator_code IS NULL OR indicator_code = ?)"
        params.append(indicator_code)
    with _connect(target, create=False) as conn:
        rows = conn.execute(query + " ORDER BY day, id", params).fetchall()
    return [_row(r) for r in rows]


def delete_annotation(store: Store, annotation_id: int, *, writer: Writer) -> bool:
    """Remove one annotation, if the writer's role may write in its scope; False when it
    did not exist (e.g. removed by someone else). The delete is recorded in the audit.

    AnnotationPermissionError when the annotation belongs to a scope the role may not
    write in (a care council deleting a Flemish marker, anyone without a write right).
    """
    if writable_scope(writer.role) is None:
        raise _refuse(writer, FLANDERS, "delete")
    target = statedb.as_target(store)
    if not target.exists():
        return False
    with _connect(target, create=True) as conn, statedb.write_transaction(conn):
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM annotation WHERE id = ?", (int(annotation_id),)
        ).fetchone()
        if row is None:
            return False
        found = _row(row)
        if not can_write(writer.role, found.scope):
            raise _refuse(writer, found.scope, "delete")
        conn.execute("DELETE FROM annotation WHERE id = ?", (found.id,))
        _audit(conn, "verwijderd", found, writer, _now())
    logger.info(
        "annotation deleted: id=%s scope=%s user=%s role=%s",
        found.id,
        found.scope,
        writer.who,
        writer.role.key,
    )
    return True


def audit_log(store: Store) -> pl.DataFrame:
    """Every recorded write, delete and migration, oldest first (`AUDIT_SCHEMA`)."""
    target = statedb.as_target(store)
    if not target.exists():
        return pl.DataFrame(schema=AUDIT_SCHEMA)
    with _connect(target, create=False) as conn:
        rows = conn.execute(
            "SELECT at, action, annotation_id, scope, who, role, day, label FROM audit ORDER BY id"
        ).fetchall()
    return pl.DataFrame(rows, schema=AUDIT_SCHEMA, orient="row")


def annotations_frame(annotations: list[Annotation]) -> pl.DataFrame:
    """The annotations as a frame (`FRAME_SCHEMA`)."""
    return pl.DataFrame(
        [
            {
                "id": a.id,
                "date": a.day,
                "label": a.label,
                "indicator_code": a.indicator_code,
                "created_at": a.created_at,
            }
            for a in annotations
        ],
        schema=FRAME_SCHEMA,
        orient="row",
    )


def display_table(annotations: list[Annotation], names: dict[str, str]) -> pl.DataFrame:
    """Dutch text columns for a table and its download: date, label, where shown."""
    rows = [
        {
            "Datum": date_text(a.day),
            "Label": a.label,
            "Getoond bij": "alle indicatoren"
            if a.indicator_code is None
            else names.get(a.indicator_code, a.indicator_code),
        }
        for a in annotations
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(["Datum", "Label", "Getoond bij"], pl.String))


def option_text(annotation: Annotation) -> str:
    """ "01-03-2022 · Start van een maatregel" for a selectbox."""
    return f"{date_text(annotation.day)} · {annotation.label}"
