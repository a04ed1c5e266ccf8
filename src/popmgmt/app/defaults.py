"""Where a page opens for a role: the role's own zone or circle (no Streamlit).

A signed-in care council lands on its own zone on every page that picks a zone, a GP
circle on its own circle on every page that picks a circle, and on the crossing area
elsewhere: the council on the circle that covers most of its zone's inhabitants, the
circle on the zone that holds most of its inhabitants. The department and the public
have no area of their own: a page then opens on its Flemish view (or, where it must
pick one area, on its own fallback).

The order of precedence on every page (`initial_choice`):

1. a link (query parameter) that names a valid area: always wins;
2. what the user chose in this session (the widget's state): kept;
3. the role's default (`role_area`);
4. the page's own fallback (None: nothing chosen; or the first area).

A change of role within a session (the demo role switch) moves a page that still shows
the previous role's default to the new role's default; a page on which the user picked
another area keeps it.

`popmgmt.app.ui.role_default` applies this to a page's widget state: pages call that,
not this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from popmgmt.app.access import Role

LEVELS: Final = ("zone", "kring")
"""The levels a page picks one area of: first-line zone, GP circle."""

CROSSING_SCHEMA: Final = pl.Schema(
    {"zone_code": pl.String, "circle_code": pl.String, "population": pl.Int64}
)


def crossing(areas: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """Inhabitants shared by each zone and circle (`CROSSING_SCHEMA`), from the
    municipalities' zone and circle (the areas mart) and their total population in the
    newest year. A municipality without a (published) total counts as 1 inhabitant, so
    that a crossing still exists when the population mart lacks it.
    """
    municipalities = areas.filter(
        (pl.col("level") == "gemeente")
        & pl.col("zone_code").is_not_null()
        & pl.col("circle_code").is_not_null()
    ).select("area_code", "zone_code", "circle_code")
    totals = population.filter(
        (pl.col("level") == "gemeente") & (pl.col("sex") == "T") & (pl.col("age_band") == "totaal")
    )
    newest = totals["year"].max() if totals.height else None
    if newest is not None:
        totals = totals.filter(pl.col("year") == newest)
    totals = totals.select("area_code", pl.col("population").cast(pl.Int64))
    return (
        municipalities.join(totals, on="area_code", how="left")
        .with_columns(pl.col("population").fill_null(1).clip(lower_bound=1))
        .group_by("zone_code", "circle_code")
        .agg(pl.col("population").sum())
        .sort("zone_code", "circle_code")
        .select(list(CROSSING_SCHEMA))
        .cast(CROSSING_SCHEMA)
    )


def _largest(rows: pl.DataFrame, column: str) -> str | None:
    """The `column` value of the row with the most inhabitants (ties: the smallest code)."""
    if rows.height == 0:
        return None
    best = rows.sort(["population", column], descending=[True, False]).row(0, named=True)
    return str(best[column])


def role_area(
    role: Role, level: str, options: Sequence[str], cross: pl.DataFrame | None = None
) -> str | None:
    """The area of `level` (`zone` or `kring`) that `role` lands on, if it is among
    `options`; None for roles without an area (public, department: Flanders) or when the
    area is not offered.

    `cross` (from `crossing`) maps a council to its circle and a circle to its zone;
    without it a role lands only on an area of its own level.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose from {LEVELS}")
    wanted: str | None = None
    if role.kind == "zorgraad":
        if level == "zone":
            wanted = role.zone_code
        elif cross is not None:
            wanted = _largest(cross.filter(pl.col("zone_code") == role.zone_code), "circle_code")
    elif role.kind == "kring":
        if level == "kring":
            wanted = role.circle_code
        elif cross is not None:
            wanted = _largest(cross.filter(pl.col("circle_code") == role.circle_code), "zone_code")
    return wanted if wanted is not None and wanted in options else None


@dataclass(frozen=True)
class Applied:
    """The role default a page last applied: for which role, and which area."""

    role_key: str
    value: str | None


@dataclass(frozen=True)
class Choice:
    """What a page's widget should hold: `set` False means leave the state alone."""

    set: bool
    value: str | None
    applied: Applied


def initial_choice(
    *,
    role_key: str,
    role_default: str | None,
    fallback: str | None,
    has_state: bool,
    state: str | None,
    previous: Applied | None,
    link: str | None = None,
) -> Choice:
    """Decide a page's area before its widget is drawn (the precedence in the module's
    docstring).

    `link`: the valid area a query parameter names (None: no link or an invalid one);
    `has_state`/`state`: the widget's value in this session; `previous`: what this
    function applied last time for this widget (None: never).
    """
    landing = role_default if role_default is not None else fallback
    applied = Applied(role_key, landing)
    if link is not None:
        return Choice(set=True, value=link, applied=Applied(role_key, link))
    if not has_state:
        return Choice(set=True, value=landing, applied=applied)
    if previous is not None and previous.role_key != role_key and state == previous.value:
        return Choice(set=True, value=landing, applied=applied)
    if previous is None or previous.role_key != role_key:
        return Choice(set=False, value=state, applied=Applied(role_key, state))
    return Choice(set=False, value=state, applied=previous)
