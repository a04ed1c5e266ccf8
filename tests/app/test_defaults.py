"""Role defaults: where a page opens for a role (pure functions, no Streamlit)."""

from __future__ import annotations

import polars as pl
import pytest

from popmgmt.app import defaults
from popmgmt.app.access import PUBLIC, Role
from popmgmt.app.defaults import Applied

AREAS = pl.DataFrame(
    {
        "level": ["gemeente"] * 4 + ["zone", "zone", "kring", "kring"],
        "area_code": ["m1", "m2", "m3", "m4", "z1", "z2", "k1", "k2"],
        "zone_code": ["z1", "z1", "z2", "z2", None, None, None, None],
        "circle_code": ["k1", "k2", "k2", "k2", None, None, None, None],
    }
)
POPULATION = pl.DataFrame(
    {
        "level": ["gemeente"] * 5,
        "area_code": ["m1", "m2", "m3", "m4", "m1"],
        "year": [2024, 2024, 2024, 2024, 2023],
        "sex": ["T"] * 5,
        "age_band": ["totaal"] * 5,
        "population": [100, 900, 50, 50, 99_999],
    }
)
COUNCIL = Role("zorgraad", zone_code="z1")
CIRCLE = Role("kring", circle_code="k1")


def test_crossing_sums_the_newest_population_per_zone_and_circle() -> None:
    cross = defaults.crossing(AREAS, POPULATION)
    assert cross.schema == defaults.CROSSING_SCHEMA
    assert cross.rows() == [("z1", "k1", 100), ("z1", "k2", 900), ("z2", "k2", 100)]


@pytest.mark.parametrize(
    ("role", "level", "expected"),
    [
        (COUNCIL, "zone", "z1"),
        (COUNCIL, "kring", "k2"),  # the circle holding most of z1's inhabitants
        (CIRCLE, "kring", "k1"),
        (CIRCLE, "zone", "z1"),
        (Role("kring", circle_code="k2"), "zone", "z1"),  # 900 in z1 against 100 in z2
        (PUBLIC, "zone", None),
        (Role("departement"), "zone", None),  # Flanders: no area of its own
        (Role("departement"), "kring", None),
    ],
)
def test_role_area(role: Role, level: str, expected: str | None) -> None:
    cross = defaults.crossing(AREAS, POPULATION)
    assert defaults.role_area(role, level, ["z1", "z2", "k1", "k2"], cross) == expected


def test_role_area_only_among_the_options_and_levels() -> None:
    assert defaults.role_area(COUNCIL, "zone", ["z2"]) is None
    assert defaults.role_area(COUNCIL, "kring", ["k1", "k2"]) is None  # no crossing given
    with pytest.raises(ValueError, match="unknown level"):
        defaults.role_area(COUNCIL, "gemeente", ["m1"])


def _choice(**kw: object) -> defaults.Choice:
    args: dict[str, object] = {
        "role_key": "zorgraad:z1",
        "role_default": "z1",
        "fallback": "z0",
        "has_state": False,
        "state": None,
        "previous": None,
        "link": None,
    }
    args.update(kw)
    return defaults.initial_choice(**args)  # type: ignore[arg-type]


def test_a_first_visit_lands_on_the_role_area_else_the_fallback() -> None:
    assert _choice() == defaults.Choice(True, "z1", Applied("zorgraad:z1", "z1"))
    public = _choice(role_key="publiek", role_default=None)
    assert (public.set, public.value) == (True, "z0")
    assert _choice(role_key="publiek", role_default=None, fallback=None).value is None


def test_a_link_overrides_the_role_and_the_session() -> None:
    choice = _choice(link="z2", has_state=True, state="z1", previous=Applied("zorgraad:z1", "z1"))
    assert (choice.set, choice.value) == (True, "z2")


def test_the_users_own_choice_is_kept() -> None:
    choice = _choice(has_state=True, state="z2", previous=Applied("zorgraad:z1", "z1"))
    assert (choice.set, choice.value) == (False, "z2")
    assert choice.applied == Applied("zorgraad:z1", "z1")


def test_a_new_role_moves_a_page_that_showed_the_old_default() -> None:
    moved = _choice(has_state=True, state=None, previous=Applied("publiek", None))
    assert (moved.set, moved.value) == (True, "z1")
    kept = _choice(has_state=True, state="z2", previous=Applied("publiek", None))
    assert (kept.set, kept.value) == (False, "z2")
    assert kept.applied == Applied("zorgraad:z1", "z2")
