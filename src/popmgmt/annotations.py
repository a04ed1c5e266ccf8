"""Policy annotations: a date and a short label marked on the trend charts.

A small SQLite store (`annotations.sqlite`) in the state folder: `POPMGMT_STATE`, or by
default `state/` beside the data folder (the data folder's parent). Never inside the data
folder itself: a rebuild swaps that folder atomically and would drop the annotations.

Every read and write opens its own connection, so every session of the same server (and
every server on the same state folder) sees the same annotations, and they survive a
restart. Writes take SQLite's write lock at once (`BEGIN IMMEDIATE`) and wait up to
`BUSY_TIMEOUT_S` for another writer. Input is validated before it reaches the store:
the date lies between `FIRST_DATE` and one year after today, the label has 1 to
`LABEL_MAX` characters after trimming and no control characters. Errors carry a Dutch
message for the page. No Streamlit here.
"""

from __future__ import annotations

import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import polars as pl

from popmgmt.config import data_dir

STATE_ENV: Final = "POPMGMT_STATE"
DB_FILE: Final = "annotations.sqlite"
FIRST_DATE: Final = date(2015, 1, 1)
LABEL_MAX: Final = 80
MAX_ANNOTATIONS: Final = 500
BUSY_TIMEOUT_S: Final = 10.0
SCHEMA_VERSION: Final = 1
_CODE_RE: Final = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS annotation (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    day            TEXT    NOT NULL,
    label          TEXT    NOT NULL,
    indicator_code TEXT,
    created_at     TEXT    NOT NULL
)
"""

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
    """The store cannot be read or written (folder not writable, corrupt file)."""


@dataclass(frozen=True)
class Annotation:
    """One policy annotation."""

    id: int
    day: date
    label: str
    indicator_code: str | None
    """None: shown on every indicator's trend; else only on that indicator's."""
    created_at: str


def state_dir() -> Path:
    """The folder of the annotation store: `POPMGMT_STATE`, else `state/` beside the data."""
    env = os.environ.get(STATE_ENV)
    if env:
        return Path(env)
    return data_dir().resolve().parent / "state"


def default_path() -> Path:
    return state_dir() / DB_FILE


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


@contextmanager
def _connect(path: Path, *, create: bool) -> Iterator[sqlite3.Connection]:
    if create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AnnotationStoreError(
                f"De map voor markeringen ({path.parent}) kan niet worden aangemaakt: {exc}. "
                f"Kies een schrijfbare map met {STATE_ENV}."
            ) from exc
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise AnnotationStoreError(f"Markeringen niet leesbaar in {path}: {exc}") from exc
    try:
        if create:
            conn.execute(_SCHEMA)
            if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        yield conn
    except sqlite3.Error as exc:
        raise AnnotationStoreError(f"Fout in de markeringen ({path}): {exc}") from exc
    finally:
        conn.close()


def _row(row: tuple[int, str, str, str | None, str]) -> Annotation:
    return Annotation(
        id=int(row[0]),
        day=date.fromisoformat(row[1]),
        label=row[2],
        indicator_code=row[3],
        created_at=row[4],
    )


def add_annotation(
    path: Path,
    day: date | str,
    label: str,
    indicator_code: str | None = None,
    *,
    today: date | None = None,
) -> Annotation:
    """Validate and store one annotation; returns it with its id.

    AnnotationError (Dutch message) on invalid input or when the store already holds
    MAX_ANNOTATIONS; AnnotationStoreError when the store cannot be written.
    """
    checked_day = validate_date(day, today)
    text = validate_label(label)
    code = validate_indicator_code(indicator_code)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    with _connect(path, create=True) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            (count,) = conn.execute("SELECT count(*) FROM annotation").fetchone()
            if count >= MAX_ANNOTATIONS:
                raise AnnotationError(
                    f"Er zijn al {MAX_ANNOTATIONS} markeringen; verwijder er eerst enkele."
                )
            cursor = conn.execute(
                "INSERT INTO annotation (day, label, indicator_code, created_at) "
                "VALUES (?, ?, ?, ?)",
                (checked_day.isoformat(), text, code, created),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        new_id = cursor.lastrowid
    assert new_id is not None
    return Annotation(
        id=int(new_id), day=checked_day, label=text, indicator_code=code, created_at=created
    )


def list_annotations(path: Path, indicator_code: str | None = None) -> list[Annotation]:
    """The annotations for a trend chart, by date: the general ones plus those of
    `indicator_code` (every annotation when it is None). A missing store is empty."""
    if not path.is_file():
        return []
    query = "SELECT id, day, label, indicator_code, created_at FROM annotation"
    params: tuple[str, ...] = ()
    if indicator_code is not None:
        query += " WHERE indicator_code IS NULL OR indicator_code = ?"
        params = (indicator_code,)
    with _connect(path, create=False) as conn:
        try:
            rows = conn.execute(query + " ORDER BY day, id", params).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise
    return [_row(r) for r in rows]


def delete_annotation(path: Path, annotation_id: int) -> bool:
    """Remove one annotation; False when it did not exist (e.g. removed by someone else)."""
    if not path.is_file():
        return False
    with _connect(path, create=True) as conn:
        cursor = conn.execute("DELETE FROM annotation WHERE id = ?", (int(annotation_id),))
        return cursor.rowcount > 0


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
