"""The access filter in the data layer: what each role holds, and attempts to cross the lines.

Exact tests on a tiny hand-built `Marts` (two zones, two circles, three municipalities),
then the same rules on the real demo build (`marts` fixture).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from popmgmt.app import access
from popmgmt.app.access import (
    DETAIL_PRACTICE_COLUMNS,
    PUBLIC,
    PUBLIC_PRACTICE_COLUMNS,
    Role,
    RoleError,
)
from popmgmt.app.store import Marts
from popmgmt.pipeline.marts import INDICATOR_VALUES, INDICATORS, MART_COLUMNS, POPULATION, PRACTICES

COUNCIL_Z1 = Role("zorgraad", zone_code="z1", label="Zone Een")
COUNCIL_Z2 = Role("zorgraad", zone_code="z2")
CIRCLE_C1 = Role("kring", circle_code="c1", label="Huisartsenkring Een")
CIRCLE_C2 = Role("kring", circle_code="c2")
DEPARTMENT = Role("departement")
ALL_ROLES = (PUBLIC, COUNCIL_Z1, COUNCIL_Z2, CIRCLE_C1, CIRCLE_C2, DEPARTMENT)


def _empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=dict.fromkeys(MART_COLUMNS[name], pl.String))


def _area(level: str, code: str, name: str, zone: str | None = None) -> dict[str, Any]:
    return {"level": level, "area_code": code, "area_name": name, "zone_code": zone}


def _practice(
    pid: str,
    *,
    refnis: str,
    zone: str,
    circle: str,
    form: str | None,
    pay: str,
    stop: str | None,
    gmd: int | None,
    year: int = 2024,
) -> dict[str, Any]:
    return {
        "practice_id": pid,
        "year": year,
        "refnis": refnis,
        "zone_code": zone,
        "circle_code": circle,
        "lat": 51.0,
        "lon": 3.7,
        "practice_form": form,
        "payment_system": pay,
        "patient_stop": stop,
        "size_class": "middel",
        "fte_estimate": 5.5,
        "pat_gmd": gmd,
        "pat_attrib": 9000,
        "raadpl": 20000,
        "bezavond": 100,
        "bezoekind": 900,
        "instel": 50,
        "digicont": 700,
        "advies": 300,
        "suppressed": gmd is None,
        "suppressed_columns": "pat_gmd" if gmd is None else None,
    }


@pytest.fixture
def tiny() -> Marts:
    """Zones z1 (m1, m2) and z2 (m3); circle c1 holds m1 and m2's practices, c2 m3's."""
    areas = pl.DataFrame(
        [
            _area("vlaanderen", "02000", "Vlaanderen"),
            _area("zone", "z1", "Zone Een", "z1"),
            _area("zone", "z2", "Zone Twee", "z2"),
            _area("kring", "c1", "Huisartsenkring Een"),
            _area("kring", "c2", "Huisartsenkring Twee"),
            _area("gemeente", "m1", "Aadorp", "z1"),
            _area("gemeente", "m2", "Beedorp", "z1"),
            _area("gemeente", "m3", "Ceedorp", "z2"),
        ],
        schema=dict.fromkeys(("level", "area_code", "area_name", "zone_code"), pl.String),
    )
    rows = [
        _practice("PR-1", refnis="m1", zone="z1", circle="c1", form="solo", pay="prestatie",
                  stop="nee", gmd=1200),
        _practice("PR-2", refnis="m1", zone="z1", circle="c1", form="groep", pay="forfait",
                  stop="ja", gmd=None),
        _practice("PR-3", refnis="m1", zone="z1", circle="c1", form=None, pay="prestatie",
                  stop=None, gmd=800),
        _practice("PR-4", refnis="m3", zone="z2", circle="c2", form="duo", pay="prestatie",
                  stop="gedeeltelijk", gmd=2500),
        _practice("PR-1", refnis="m1", zone="z1", circle="c1", form=None, pay="prestatie",
                  stop=None, gmd=1100, year=2023),
    ]  # fmt: skip
    practices = pl.DataFrame(rows).select(list(MART_COLUMNS[PRACTICES]))
    return Marts(
        areas=areas,
        indicators=_empty(INDICATORS),
        values=_empty(INDICATOR_VALUES),
        population=_empty(POPULATION),
        practices=practices,
        manifest={"demo": True},
        folder=Path("."),
    )


# --- Role ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "zorgraad"}, "zone nodig"),
        ({"kind": "zorgraad", "zone_code": "z1", "circle_code": "c1"}, "geen huisartsenkring"),
        ({"kind": "kring"}, "huisartsenkring nodig"),
        ({"kind": "kring", "circle_code": "c1", "zone_code": "z1"}, "geen zone"),
        ({"kind": "departement", "zone_code": "z1"}, "geen zone of kring"),
        ({"kind": "publiek", "circle_code": "c1"}, "geen zone of kring"),
        ({"kind": "beheerder"}, "onbekende rol"),
    ],
)
def test_impossible_roles_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(RoleError, match=message):
        Role(**kwargs)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_role_key_round_trip(role: Role) -> None:
    assert Role.from_key(role.key, label=role.label) == role


def test_role_keys() -> None:
    assert [r.key for r in ALL_ROLES] == [
        "publiek",
        "zorgraad:z1",
        "zorgraad:z2",
        "kring:c1",
        "kring:c2",
        "departement",
    ]
    with pytest.raises(RoleError):
        Role.from_key("departement:z1")
    with pytest.raises(RoleError):
        Role.from_key("admin")


def test_column_partition_covers_the_contract() -> None:
    """Every practices column is either public or detail; the public ones are the
    practice-level facts the maps may show."""
    assert set(PUBLIC_PRACTICE_COLUMNS) | set(DETAIL_PRACTICE_COLUMNS) == set(
        MART_COLUMNS[PRACTICES]
    )
    assert not set(PUBLIC_PRACTICE_COLUMNS) & set(DETAIL_PRACTICE_COLUMNS)
    kinds = MART_COLUMNS[PRACTICES]
    assert all(kinds[c] != "count" for c in PUBLIC_PRACTICE_COLUMNS)
    assert {"fte_estimate", "suppressed", "suppressed_columns"} <= set(DETAIL_PRACTICE_COLUMNS)


# --- scope_marts --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [PUBLIC, COUNCIL_Z1, COUNCIL_Z2])
def test_public_and_council_hold_public_columns_only(tiny: Marts, role: Role) -> None:
    """Given any public or council role, the detail columns are removed (not nulled)
    and every practice row stays (the map shows every practice)."""
    scoped = access.scope_marts(tiny, role)
    assert scoped.practices.columns == list(PUBLIC_PRACTICE_COLUMNS)
    assert scoped.practices.height == tiny.practices.height
    assert scoped.practices.equals(tiny.practices.select(PUBLIC_PRACTICE_COLUMNS))
    for column in DETAIL_PRACTICE_COLUMNS:
        assert column not in scoped.practices.columns


def test_circle_keeps_its_own_detail_and_nothing_else(tiny: Marts) -> None:
    scoped = access.scope_marts(tiny, CIRCLE_C1).practices
    assert scoped.columns == tiny.practices.columns
    own = scoped.filter(pl.col("circle_code") == "c1")
    assert own.equals(tiny.practices.filter(pl.col("circle_code") == "c1"))
    other = scoped.filter(pl.col("circle_code") != "c1")
    assert other.height == 1
    assert other.select(DETAIL_PRACTICE_COLUMNS).null_count().row(0) == (1,) * len(
        DETAIL_PRACTICE_COLUMNS
    )
    assert other.select(PUBLIC_PRACTICE_COLUMNS).equals(
        tiny.practices.filter(pl.col("circle_code") != "c1").select(PUBLIC_PRACTICE_COLUMNS)
    )


def test_department_holds_everything(tiny: Marts) -> None:
    scoped = access.scope_marts(tiny, DEPARTMENT)
    assert scoped.practices.equals(tiny.practices)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_aggregates_are_shared_unchanged(tiny: Marts, role: Role) -> None:
    scoped = access.scope_marts(tiny, role)
    assert scoped is not tiny
    assert scoped.areas is tiny.areas
    assert scoped.values is tiny.values
    assert scoped.population is tiny.population
    assert scoped.indicators is tiny.indicators
    assert scoped.manifest is tiny.manifest
    assert tiny.practices.columns == list(MART_COLUMNS[PRACTICES])  # input untouched


@pytest.mark.parametrize("role", ALL_ROLES)
def test_columns_outside_the_contract_never_pass(tiny: Marts, role: Role) -> None:
    """A column the contract does not know (say a GP number a future build let slip)
    is dropped for every role, the Departement included."""
    leaky = access.scope_marts(
        Marts(**{**tiny.__dict__, "practices": tiny.practices.with_columns(riziv_id=pl.lit("1"))}),
        role,
    )
    assert "riziv_id" not in leaky.practices.columns


# --- decisions ----------------------------------------------------------------------------


def test_who_may_see_practice_detail() -> None:
    assert access.can_see_practice_detail(CIRCLE_C1, "c1")
    assert not access.can_see_practice_detail(CIRCLE_C1, "c2")
    assert not access.can_see_practice_detail(CIRCLE_C1, None)
    assert access.can_see_practice_detail(DEPARTMENT, "c2")
    for role in (PUBLIC, COUNCIL_Z1, COUNCIL_Z2):
        assert not access.can_see_practice_detail(role, "c1")


def test_who_may_see_zone_detail() -> None:
    assert access.can_see_zone_detail(COUNCIL_Z1, "z1")
    assert not access.can_see_zone_detail(COUNCIL_Z1, "z2")
    assert access.can_see_zone_detail(DEPARTMENT, "z2")
    for role in (PUBLIC, CIRCLE_C1):
        assert not access.can_see_zone_detail(role, "z1")


# --- crossing attempts ----------------------------------------------------------------------


def _denials(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == access.LOGGER_NAME and r.levelno == logging.WARNING
    ]


def test_circle_asking_another_circles_practices_is_refused_and_logged(
    tiny: Marts, caplog: pytest.LogCaptureFixture
) -> None:
    """Given circle c1, when it asks the practice table of c2, then it gets a refusal
    (None) and the attempt is logged with role and target."""
    scoped = access.scope_marts(tiny, CIRCLE_C1)
    with caplog.at_level(logging.WARNING, logger=access.LOGGER_NAME):
        assert access.practice_detail(scoped, CIRCLE_C1, "c2", who="arts@c1.example") is None
    assert _denials(caplog) == [
        "access denied: role=kring:c1 user=arts@c1.example asked=praktijkdetail kring=c2"
    ]


def test_circle_reading_the_scoped_frame_directly_gets_no_numbers(tiny: Marts) -> None:
    """Even a page that skips the check and filters the frame itself gets no counts."""
    scoped = access.scope_marts(tiny, CIRCLE_C1)
    other = scoped.practices.filter(pl.col("circle_code") == "c2")
    assert other.height == 1
    assert other["pat_gmd"].to_list() == [None]
    assert other["pat_attrib"].to_list() == [None]
    assert other["suppressed_columns"].to_list() == [None]


def test_circle_gets_its_own_practice_table(tiny: Marts, caplog: pytest.LogCaptureFixture) -> None:
    scoped = access.scope_marts(tiny, CIRCLE_C1)
    with caplog.at_level(logging.WARNING, logger=access.LOGGER_NAME):
        table = access.practice_detail(scoped, CIRCLE_C1, "c1", year=2024)
    assert table is not None
    assert table["practice_id"].to_list() == ["PR-1", "PR-2", "PR-3"]
    assert table["pat_gmd"].to_list() == [1200, None, 800]
    assert table.columns == list(MART_COLUMNS[PRACTICES])
    assert _denials(caplog) == []


@pytest.mark.parametrize("role", [PUBLIC, COUNCIL_Z1])
def test_public_and_council_asking_a_practice_table_are_refused(
    tiny: Marts, role: Role, caplog: pytest.LogCaptureFixture
) -> None:
    scoped = access.scope_marts(tiny, role)
    with caplog.at_level(logging.WARNING, logger=access.LOGGER_NAME):
        assert access.practice_detail(scoped, role, "c1") is None
    assert _denials(caplog) == [
        f"access denied: role={role.key} user=- asked=praktijkdetail kring=c1"
    ]


def test_download_asked_directly_with_marts_of_a_lesser_role_is_refused(
    tiny: Marts, caplog: pytest.LogCaptureFixture
) -> None:
    """A download built for the Departement from marts scoped for the public (a wiring
    mistake) refuses rather than return a table without its numbers."""
    public = access.scope_marts(tiny, PUBLIC)
    with caplog.at_level(logging.WARNING, logger=access.LOGGER_NAME):
        assert access.practice_detail(public, DEPARTMENT, "c1") is None
    assert len(_denials(caplog)) == 1
    assert "marts zonder detail" in _denials(caplog)[0]


def test_department_gets_any_practice_table(tiny: Marts) -> None:
    table = access.practice_detail(access.scope_marts(tiny, DEPARTMENT), DEPARTMENT, "c2")
    assert table is not None
    assert table["pat_gmd"].to_list() == [2500]


def test_council_practice_counts_per_municipality(tiny: Marts) -> None:
    """Council z1 sees, per municipality of z1 (m2 with zero), practices by form,
    payment system and patient stop in the newest year; 'onbekend' for no answer."""
    counts = access.practice_counts_by_municipality(
        access.scope_marts(tiny, COUNCIL_Z1), COUNCIL_Z1, "z1"
    )
    assert counts is not None
    assert counts.schema == access.PRACTICE_COUNT_SCHEMA
    assert set(counts["refnis"].unique()) == {"m1", "m2"}
    assert set(counts["year"].unique()) == {2024}

    def n(refnis: str, dimension: str, category: str) -> int:
        row = counts.filter(
            (pl.col("refnis") == refnis)
            & (pl.col("dimension") == dimension)
            & (pl.col("category") == category)
        )
        assert row.height == 1
        return int(row["practices"][0])

    assert n("m1", "totaal", "alle") == 3
    assert n("m1", "practice_form", "solo") == 1
    assert n("m1", "practice_form", "groep") == 1
    assert n("m1", "practice_form", "duo") == 0
    assert n("m1", "practice_form", "onbekend") == 1
    assert n("m1", "payment_system", "forfait") == 1
    assert n("m1", "payment_system", "prestatie") == 2
    assert n("m1", "patient_stop", "ja") == 1
    assert n("m1", "patient_stop", "onbekend") == 1
    assert n("m2", "totaal", "alle") == 0
    assert counts["municipality"].to_list()[0] == "Aadorp"
    for dimension in access.COUNT_DIMENSIONS[1:]:
        sums = (
            counts.filter(pl.col("dimension") == dimension)
            .group_by("refnis")
            .agg(pl.col("practices").sum())
        )
        assert dict(sums.iter_rows()) == {"m1": 3, "m2": 0}
    older = access.practice_counts_by_municipality(tiny, COUNCIL_Z1, "z1", year=2023)
    assert older is not None
    assert older.filter(pl.col("dimension") == "totaal")["practices"].to_list() == [1, 0]


@pytest.mark.parametrize("role", [COUNCIL_Z2, PUBLIC, CIRCLE_C1])
def test_council_detail_of_another_zone_is_refused_and_logged(
    tiny: Marts, role: Role, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=access.LOGGER_NAME):
        result = access.practice_counts_by_municipality(access.scope_marts(tiny, role), role, "z1")
    assert result is None
    assert _denials(caplog) == [
        f"access denied: role={role.key} user=- asked=gemeentedetail zone=z1"
    ]


def test_department_gets_any_zones_counts(tiny: Marts) -> None:
    counts = access.practice_counts_by_municipality(tiny, DEPARTMENT, "z2")
    assert counts is not None
    assert counts.filter(pl.col("dimension") == "totaal")["practices"].to_list() == [1]


def test_link_notices() -> None:
    circles = {"c1": "Huisartsenkring Een", "c2": "Huisartsenkring Twee"}
    zones = {"z1": "Zone Een", "z2": "Zone Twee"}

    def whats(role: Role, **params: str) -> list[str]:
        return [w for w, _ in access.link_notices(role, params, circles=circles, zones=zones)]

    assert whats(CIRCLE_C1, kring="c2") == ["link kring=c2"]
    assert whats(CIRCLE_C1, kring="c1") == []
    assert whats(CIRCLE_C1, kring="c9") == []  # unknown: the page says so
    assert whats(PUBLIC, kring="c1", zone="z1") == ["link kring=c1", "link zone=z1"]
    assert whats(COUNCIL_Z1, zone="z2") == ["link zone=z2"]
    assert whats(COUNCIL_Z1, zone="z1") == []
    assert whats(DEPARTMENT, kring="c1", zone="z2") == []
    text = access.link_notices(CIRCLE_C1, {"kring": "c2"}, circles=circles, zones=zones)[0][1]
    assert "Huisartsenkring Twee (c2)" in text
    assert "geaggregeerde cijfers" in text


def test_role_texts() -> None:
    assert access.role_title(PUBLIC) == "Publiek (niet aangemeld)"
    assert access.role_title(COUNCIL_Z1) == "Zorgraad van zone Zone Een (z1)"
    assert access.role_title(CIRCLE_C1) == "Huisartsenkring Een (c1)"
    assert access.role_title(CIRCLE_C2) == "Huisartsenkring (c2)"
    assert access.role_title(DEPARTMENT) == "Departement Zorg"
    assert "zone z1" in access.role_allows(COUNCIL_Z1)
    assert "kring c1" in access.role_allows(CIRCLE_C1)
    assert "Nooit gegevens per huisarts" in access.role_allows(DEPARTMENT)
    assert "patiëntenstop" in access.role_allows(PUBLIC)


def test_area_names_and_role_in_marts(tiny: Marts) -> None:
    assert access.area_names(tiny, "zone") == {"z1": "Zone Een", "z2": "Zone Twee"}
    assert list(access.area_names(tiny, "gemeente")) == ["m1", "m2", "m3"]
    assert access.role_in_marts(COUNCIL_Z1, tiny)
    assert not access.role_in_marts(Role("zorgraad", zone_code="z9"), tiny)
    assert not access.role_in_marts(Role("kring", circle_code="c9"), tiny)
    assert access.role_in_marts(DEPARTMENT, tiny)


# --- the real demo build ---------------------------------------------------------------------


def test_real_marts_scoped_per_role(marts: Marts) -> None:
    """On the demo build: public holds no detail column; a circle holds its own
    practices' numbers and none of another circle's; the Departement holds all."""
    circles = sorted(c for c in marts.practices["circle_code"].unique().to_list() if c)
    if len(circles) < 2:
        pytest.skip("the build has fewer than two circles with practices")
    own, other = circles[0], circles[1]
    public = access.scope_marts(marts, PUBLIC).practices
    assert public.columns == list(PUBLIC_PRACTICE_COLUMNS)
    assert public.height == marts.practices.height

    circle = Role("kring", circle_code=own)
    scoped = access.scope_marts(marts, circle).practices
    mine = scoped.filter(pl.col("circle_code") == own)
    assert mine.equals(marts.practices.filter(pl.col("circle_code") == own))
    assert mine["pat_gmd"].drop_nulls().len() > 0
    theirs = scoped.filter(pl.col("circle_code") == other)
    assert theirs.height > 0
    assert theirs.select(DETAIL_PRACTICE_COLUMNS).null_count().row(0) == (theirs.height,) * len(
        DETAIL_PRACTICE_COLUMNS
    )
    assert access.scope_marts(marts, DEPARTMENT).practices.equals(marts.practices)

    zone = marts.practices.filter(pl.col("circle_code") == own)["zone_code"][0]
    counts = access.practice_counts_by_municipality(
        access.scope_marts(marts, PUBLIC), Role("zorgraad", zone_code=zone), zone
    )
    assert counts is not None
    newest = int(marts.practices["year"].max())  # type: ignore[arg-type]
    expected = marts.practices.filter(
        (pl.col("zone_code") == zone) & (pl.col("year") == newest)
    ).height
    assert counts.filter(pl.col("dimension") == "totaal")["practices"].sum() == expected
