"""Geography: roll-ups and hierarchy constraints, on tiny hand-built frames."""

from __future__ import annotations

import polars as pl

from popmgmt.pipeline.geography import hierarchy_constraints, roll_up

MEMBERS = pl.DataFrame(
    {
        "refnis": ["11001", "11002", "11004"],
        "zone_code": ["elzA", "elzA", "elzB"],
        "circle_code": ["hak01", "hak02", "hak02"],
        "province_code": ["10000", "10000", "10000"],
        "flanders_code": ["02000", "02000", "02000"],
    }
)


def test_roll_up_sums_every_level_and_keeps_not_recorded_as_null() -> None:
    """Given counts per municipality, where one count is not recorded (null),
    when rolled up, then each level sums its members and an all-null sum stays null."""
    gemeente = pl.DataFrame(
        {"refnis": ["11001", "11002", "11004"], "n": [10, 20, 5], "m": [None, None, 3]}
    )
    out = roll_up(gemeente, MEMBERS, [], ["n", "m"]).sort("level", "area_code")
    got = {(r["level"], r["area_code"]): (r["n"], r["m"]) for r in out.iter_rows(named=True)}
    assert got[("zone", "elzA")] == (30, None)
    assert got[("zone", "elzB")] == (5, 3)
    assert got[("kring", "hak02")] == (25, 3)
    assert got[("vlaanderen", "02000")] == (35, 3)
    assert got[("gemeente", "11002")] == (20, None)


def test_hierarchy_constraints_put_parent_and_children_together() -> None:
    cells = pl.DataFrame(
        {
            "level": ["zone", "gemeente", "gemeente", "zone", "gemeente"],
            "area_code": ["elzA", "11001", "11002", "elzB", "11004"],
            "year": [2024] * 5,
            "cell_id": [0, 1, 2, 3, 4],
        }
    )
    constraints = hierarchy_constraints(cells, MEMBERS, ["year"])
    groups = constraints.group_by("constraint_id").agg(pl.col("cell_id").sort())
    sets = {tuple(ids) for ids in groups["cell_id"].to_list()}
    assert (0, 1, 2) in sets  # elzA with its two municipalities
    assert (3, 4) in sets  # elzB with its one municipality
