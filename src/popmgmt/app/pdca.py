"""The care council's PDCA log: actions on its own zone, stored in the state database.

An action has a title, a date, a target indicator (a code of the indicators mart), a
target value (in the indicator's unit) and target year, an owner (free text: the name
or role of whoever is responsible, not a login) and a free-text note; it is `lopend`
(open) until the council closes it (`afgerond`, with the closing date).

Who may do what (docs/pdca.md), with the ownership rule of the policy markers
(`annotations.can_write` on the scope `zone:<code>`):

* **write** (add, edit, close, reopen, delete): only the care council of the zone
  (`zorgraad` Z writes the log of Z). Departement Zorg writes Flemish markers, not a
  council's log; nobody else writes.
* **read**: the zone's own council and Departement Zorg (every zone's log), as the
  detail of a zone in `access.can_see_zone_detail`. Other councils, GP circles and the
  public read no log: it holds a council's internal planning and names people.

The checks are in these functions themselves (a forged request is refused with a Dutch
message and logged), not only in the page. Every write is recorded in the table
`pdca_audit` (when, what, which action and zone, who, role) in the same transaction.
Input is validated and every problem is reported at once, in Dutch. No Streamlit here.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Final

import polars as pl

from popmgmt.app import access, statedb
from popmgmt.app import annotations as ann
from popmgmt.app.access import Role

logger = logging.getLogger("popmgmt.pdca")

OPEN: Final = "lopend"
CLOSED: Final = "afgerond"
STATUSES: Final = (OPEN, CLOSED)
TITLE_MAX: Final = 120
OWNER_MAX: Final = 120
NOTE_MAX: Final = 2000
MAX_ACTIONS: Final = 200
"""Per zone: one council cannot fill the shared database."""
HORIZON_YEARS: Final = 15
"""A target year lies at most this many years after the action's year."""

REFUSALS: Final = ann.RefusalTexts(
    subject="pdca",
    nobody=(
        "Uw rol mag niets in een PDCA-logboek schrijven: enkel de zorgraad van een zone "
        "houdt het logboek van zijn eigen zone bij (Departement Zorg leest alle logboeken)."
    ),
    elsewhere=(
        "Uw rol mag niet schrijven in het PDCA-logboek van {scope}; enkel in dat van {own}."
    ),
)
READ_REFUSAL: Final = (
    "Het PDCA-logboek van een zone is voorbehouden aan de zorgraad van die zone en aan "
    "Departement Zorg."
)
STORE_FAULT: Final = (
    "Het PDCA-logboek is niet beschikbaar: de server kan het niet lezen of bewaren. Meld dit "
    "aan de beheerder (de statusdatabank, POPMGMT_STATE of POPMGMT_STATE_URL)."
)

AUDIT_SCHEMA: Final = pl.Schema(
    {
        "at": pl.String,
        "action": pl.String,
        "action_id": pl.Int64,
        "zone_code": pl.String,
        "who": pl.String,
        "role": pl.String,
        "title": pl.String,
        "detail": pl.String,
    }
)


class PdcaError(ValueError):
    """Invalid input; the message is Dutch and meant for the user (one line per problem)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


class PdcaPermissionError(PdcaError):
    """The role may not read or write this zone's log; the message is Dutch."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


class PdcaStoreError(RuntimeError):
    """The state database cannot be read or written; Dutch message, no server path."""


@dataclass(frozen=True)
class Draft:
    """What a council types: every field as entered (the form's raw values)."""

    title: str
    day: date | str | None
    indicator_code: str | None
    target_value: float | int | str | None
    target_year: int | float | str | None
    owner: str
    note: str = ""


@dataclass(frozen=True)
class Action:
    """One stored action of a zone's log."""

    id: int
    zone_code: str
    title: str
    day: date
    indicator_code: str
    target_value: float
    target_year: int
    owner: str
    note: str
    status: str
    closed_on: date | None
    created_at: str
    created_by: str
    created_role: str
    updated_at: str


@dataclass(frozen=True)
class Fields:
    """A validated draft: what is stored."""

    title: str
    day: date
    indicator_code: str
    target_value: float
    target_year: int
    owner: str
    note: str


# --------------------------------------------------------------------------- who may


def can_read(role: Role, zone_code: str) -> bool:
    """The zone's own council and Departement Zorg read a zone's log."""
    return access.can_see_zone_detail(role, zone_code)


def can_write(role: Role, zone_code: str) -> bool:
    """Only the zone's own council writes its log (the policy markers' ownership rule)."""
    return ann.can_write(role, ann.zone_scope(zone_code))


def _check_write(writer: ann.Writer, zone_code: str, action: str) -> None:
    """Refuse (logged by `annotations.refuse`) unless the writer is the zone's council.
    Departement Zorg writes Flemish markers, which are no PDCA log: it gets the text for
    a role that writes no log at all."""
    if can_write(writer.role, zone_code):
        return
    refusal = ann.refuse(writer, ann.zone_scope(zone_code), action, REFUSALS)
    if writer.role.kind != "zorgraad":
        raise PdcaPermissionError(REFUSALS.nobody)
    raise PdcaPermissionError(str(refusal))


def _check_any_write(writer: ann.Writer, action: str) -> None:
    """Refuse at once a role that writes no log (before touching the database)."""
    if writer.role.kind != "zorgraad":
        _check_write(writer, "-", action)


def _check_read(role: Role, zone_code: str | None) -> None:
    allowed = role.kind == "departement" if zone_code is None else can_read(role, zone_code)
    if not allowed:
        logger.warning("pdca read refused: role=%s zone=%s", role.key, zone_code or "*")
        raise PdcaPermissionError(READ_REFUSAL)


# --------------------------------------------------------------------------- validation


def _text(value: object, *, field: str, limit: int, lines: bool, problems: list[str]) -> str:
    if not isinstance(value, str):
        problems.append(f"{field}: geef tekst op.")
        return ""
    text = unicodedata.normalize("NFC", value).strip()
    allowed = {"\n"} if lines else set()
    text = text.replace("\r\n", "\n")
    bad = [c for c in text if unicodedata.category(c) in {"Cc", "Zl", "Zp"} and c not in allowed]
    if bad:
        what = "tabs of andere stuurtekens" if lines else "regeleinden, tabs of stuurtekens"
        problems.append(f"{field}: mag geen {what} bevatten.")
    if len(text) > limit:
        problems.append(f"{field}: te lang, {len(text)} tekens (hoogstens {limit}).")
    return text


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if "," in text:  # Dutch: 1.234,5
            text = text.replace(".", "").replace(",", ".")
        try:
            return float(text) if text else None
        except ValueError:
            return math.nan
    return math.nan


def validate(
    draft: Draft,
    *,
    indicators: Mapping[str, str],
    today: date | None = None,
) -> Fields:
    """The draft checked and normalised, or PdcaError listing every problem in Dutch.

    `indicators`: the known indicator codes (of the indicators mart) with their units, so
    a percentage target lies between 0 and 100.
    """
    problems: list[str] = []
    title = _text(draft.title, field="Titel", limit=TITLE_MAX, lines=False, problems=problems)
    if isinstance(draft.title, str) and not title:
        problems.append("Geef een titel op (bijvoorbeeld 'Huisbezoeken 75+ in Gent-Noord').")
    owner = _text(draft.owner, field="Eigenaar", limit=OWNER_MAX, lines=False, problems=problems)
    if isinstance(draft.owner, str) and not owner:
        problems.append("Geef een eigenaar op: de naam of functie van wie de actie trekt.")
    note = _text(
        draft.note or "", field="Toelichting", limit=NOTE_MAX, lines=True, problems=problems
    )

    day: date | None = None
    if draft.day is None or draft.day == "":
        problems.append("Kies de datum van de actie.")
    else:
        try:
            day = ann.validate_date(draft.day, today)
        except ann.AnnotationError as exc:
            problems.append(f"Datum: {exc}")

    code = draft.indicator_code
    if code is None or code == "":
        problems.append("Kies een doelindicator.")
    elif code not in indicators:
        problems.append(f"Onbekende indicator: {code!r}. Kies een indicator uit de lijst.")

    value = _number(draft.target_value)
    if value is None:
        problems.append("Geef een streefwaarde op.")
    elif not math.isfinite(value):
        problems.append(f"De streefwaarde '{draft.target_value}' is geen getal.")
    elif value < 0:
        problems.append("De streefwaarde mag niet negatief zijn.")
    elif code is not None and indicators.get(code) == "%" and value > 100:
        problems.append("De streefwaarde is een percentage: hoogstens 100.")

    year_value = _number(draft.target_year)
    year: int | None = None
    if year_value is None:
        problems.append("Geef een doeljaar op.")
    elif not math.isfinite(year_value) or year_value != int(year_value):
        problems.append(f"Het doeljaar '{draft.target_year}' is geen jaartal.")
    else:
        year = int(year_value)
        if day is not None and year < day.year:
            problems.append(
                f"Het doeljaar ({year}) ligt vóór het jaar van de actie ({day.year}): een "
                "doel kan pas na de start bereikt worden."
            )
        elif day is not None and year > day.year + HORIZON_YEARS:
            problems.append(
                f"Het doeljaar ligt te ver: hoogstens {HORIZON_YEARS} jaar na de actie "
                f"({day.year + HORIZON_YEARS})."
            )
    if problems:
        raise PdcaError(problems)
    assert day is not None
    assert code is not None
    assert value is not None
    assert year is not None
    return Fields(title, day, code, value, year, owner, note)


# --------------------------------------------------------------------------- the store

Store = statedb.Target | Path | str

_COLUMNS: Final = (
    "id, zone_code, title, day, indicator_code, target_value, target_year, owner, note, "
    "status, closed_on, created_at, created_by, created_role, updated_at"
)


def _fault(store: statedb.Target, exc: BaseException) -> PdcaStoreError:
    logger.error("pdca store failed (%s): %s", store.describe(), exc)
    return PdcaStoreError(STORE_FAULT)


@contextmanager
def _connect(target: Store, *, create: bool) -> Iterator[statedb.Connection]:
    store = statedb.as_target(target)
    try:
        with statedb.connect(store, create=create) as conn:
            yield conn
    except statedb.StateDBError as exc:
        raise _fault(store, exc) from exc


def _row(row: tuple[Any, ...]) -> Action:
    return Action(
        id=int(row[0]),
        zone_code=str(row[1]),
        title=str(row[2]),
        day=date.fromisoformat(row[3]),
        indicator_code=str(row[4]),
        target_value=float(row[5]),
        target_year=int(row[6]),
        owner=str(row[7]),
        note=str(row[8]),
        status=str(row[9]),
        closed_on=None if row[10] is None else date.fromisoformat(row[10]),
        created_at=str(row[11]),
        created_by=str(row[12]),
        created_role=str(row[13]),
        updated_at=str(row[14]),
    )


def _audit(
    conn: statedb.Connection, what: str, action: Action, writer: ann.Writer, detail: str = ""
) -> None:
    conn.execute(
        "INSERT INTO pdca_audit (at, action, action_id, zone_code, who, role, title, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            statedb.now(),
            what,
            action.id,
            action.zone_code,
            writer.who,
            writer.role.key,
            action.title,
            detail,
        ),
    )


def _log(what: str, action: Action, writer: ann.Writer) -> None:
    logger.info(
        "pdca %s: id=%s zone=%s user=%s role=%s",
        what,
        action.id,
        action.zone_code,
        writer.who,
        writer.role.key,
    )


def add_action(
    store: Store,
    zone_code: str,
    draft: Draft,
    *,
    writer: ann.Writer,
    indicators: Mapping[str, str],
    today: date | None = None,
) -> Action:
    """Validate and store one action in `zone_code`'s log; returns it with its id.

    PdcaPermissionError unless the writer is the zone's council; PdcaError on invalid
    input or a full log; PdcaStoreError when the database cannot be written.
    """
    _check_write(writer, zone_code, "add")
    fields = validate(draft, indicators=indicators, today=today)
    at = statedb.now()
    with _connect(store, create=True) as conn, statedb.write_transaction(conn):
        (count,) = conn.execute(
            "SELECT count(*) FROM pdca_action WHERE zone_code = ?", (zone_code,)
        ).fetchone()
        if count >= MAX_ACTIONS:
            raise PdcaError(
                [f"Het logboek van deze zone telt al {MAX_ACTIONS} acties; verwijder er eerst."]
            )
        new_id = conn.insert(
            "INSERT INTO pdca_action (zone_code, title, day, indicator_code, target_value, "
            "target_year, owner, note, status, closed_on, created_at, created_by, "
            "created_role, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
            (
                zone_code,
                fields.title,
                fields.day.isoformat(),
                fields.indicator_code,
                fields.target_value,
                fields.target_year,
                fields.owner,
                fields.note,
                OPEN,
                at,
                writer.who,
                writer.role.key,
                at,
            ),
        )
        added = Action(
            id=new_id,
            zone_code=zone_code,
            title=fields.title,
            day=fields.day,
            indicator_code=fields.indicator_code,
            target_value=fields.target_value,
            target_year=fields.target_year,
            owner=fields.owner,
            note=fields.note,
            status=OPEN,
            closed_on=None,
            created_at=at,
            created_by=writer.who,
            created_role=writer.role.key,
            updated_at=at,
        )
        _audit(conn, "toegevoegd", added, writer)
    _log("added", added, writer)
    return added


def _locked_action(
    conn: statedb.Connection, action_id: int, writer: ann.Writer, what: str
) -> Action | None:
    """The stored action (inside the write transaction), or None; refused unless the
    writer may write its zone's log."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM pdca_action WHERE id = ?", (int(action_id),)
    ).fetchone()
    if row is None:
        return None
    found = _row(tuple(row))
    _check_write(writer, found.zone_code, what)
    return found


def update_action(
    store: Store,
    action_id: int,
    draft: Draft,
    *,
    writer: ann.Writer,
    indicators: Mapping[str, str],
    today: date | None = None,
) -> Action | None:
    """Replace an action's fields (its status stays); None when it no longer exists."""
    _check_any_write(writer, "edit")
    fields = validate(draft, indicators=indicators, today=today)
    target = statedb.as_target(store)
    if not target.exists():
        return None
    with _connect(target, create=True) as conn, statedb.write_transaction(conn):
        found = _locked_action(conn, action_id, writer, "edit")
        if found is None:
            return None
        at = statedb.now()
        conn.execute(
            "UPDATE pdca_action SET title = ?, day = ?, indicator_code = ?, target_value = ?, "
            "target_year = ?, owner = ?, note = ?, updated_at = ? WHERE id = ?",
            (
                fields.title,
                fields.day.isoformat(),
                fields.indicator_code,
                fields.target_value,
                fields.target_year,
                fields.owner,
                fields.note,
                at,
                found.id,
            ),
        )
        changed = replace(
            found,
            title=fields.title,
            day=fields.day,
            indicator_code=fields.indicator_code,
            target_value=fields.target_value,
            target_year=fields.target_year,
            owner=fields.owner,
            note=fields.note,
            updated_at=at,
        )
        diff = [
            name
            for name in ("title", "day", "indicator_code", "target_value", "target_year", "owner")
            if getattr(found, name) != getattr(changed, name)
        ] + (["note"] if found.note != changed.note else [])
        _audit(conn, "gewijzigd", changed, writer, ", ".join(diff))
    _log("edited", changed, writer)
    return changed


def set_status(
    store: Store,
    action_id: int,
    status: str,
    *,
    writer: ann.Writer,
    closed_on: date | None = None,
) -> Action | None:
    """Close (`afgerond`, on `closed_on` or today) or reopen (`lopend`) an action; None
    when it no longer exists."""
    if status not in STATUSES:
        raise PdcaError([f"Onbekende status {status!r}."])
    _check_any_write(writer, "status")
    target = statedb.as_target(store)
    if not target.exists():
        return None
    closed = (closed_on or date.today()) if status == CLOSED else None
    with _connect(target, create=True) as conn, statedb.write_transaction(conn):
        found = _locked_action(conn, action_id, writer, "status")
        if found is None:
            return None
        at = statedb.now()
        conn.execute(
            "UPDATE pdca_action SET status = ?, closed_on = ?, updated_at = ? WHERE id = ?",
            (status, None if closed is None else closed.isoformat(), at, found.id),
        )
        changed = replace(found, status=status, closed_on=closed, updated_at=at)
        _audit(conn, "afgesloten" if status == CLOSED else "heropend", changed, writer)
    _log("closed" if status == CLOSED else "reopened", changed, writer)
    return changed


def delete_action(store: Store, action_id: int, *, writer: ann.Writer) -> bool:
    """Remove an action (audited); False when it no longer exists."""
    _check_any_write(writer, "delete")
    target = statedb.as_target(store)
    if not target.exists():
        return False
    with _connect(target, create=True) as conn, statedb.write_transaction(conn):
        found = _locked_action(conn, action_id, writer, "delete")
        if found is None:
            return False
        conn.execute("DELETE FROM pdca_action WHERE id = ?", (found.id,))
        _audit(conn, "verwijderd", found, writer)
    _log("deleted", found, writer)
    return True


def list_actions(store: Store, zone_code: str | None, *, reader: Role) -> list[Action]:
    """The actions of `zone_code`'s log (None: every zone's, for Departement Zorg), newest
    action date first. PdcaPermissionError when `reader` may not read that log."""
    _check_read(reader, zone_code)
    target = statedb.as_target(store)
    if not target.exists():
        return []
    query = f"SELECT {_COLUMNS} FROM pdca_action"
    params: tuple[str, ...] = ()
    if zone_code is not None:
        query += " WHERE zone_code = ?"
        params = (zone_code,)
    with _connect(target, create=False) as conn:
        rows = conn.execute(query + " ORDER BY day DESC, id DESC", params).fetchall()
    return [_row(tuple(r)) for r in rows]


def audit_log(store: Store) -> pl.DataFrame:
    """Every recorded write, oldest first (`AUDIT_SCHEMA`)."""
    target = statedb.as_target(store)
    if not target.exists():
        return pl.DataFrame(schema=AUDIT_SCHEMA)
    with _connect(target, create=False) as conn:
        rows = conn.execute(
            "SELECT at, action, action_id, zone_code, who, role, title, detail FROM pdca_audit "
            "ORDER BY id"
        ).fetchall()
    return pl.DataFrame([tuple(r) for r in rows], schema=AUDIT_SCHEMA, orient="row")


def draft_of(action: Action) -> Draft:
    """The draft that reproduces `action` (to prefill an edit form)."""
    return Draft(
        title=action.title,
        day=action.day,
        indicator_code=action.indicator_code,
        target_value=action.target_value,
        target_year=action.target_year,
        owner=action.owner,
        note=action.note,
    )
