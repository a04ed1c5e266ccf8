"""The capacity outlook's marts and the optional projection file (pipeline/outlook.py,
validate.projection_findings)."""

from __future__ import annotations

import polars as pl

from popmgmt.pipeline.outlook import gp_age_mart, gp_inflow_mart, merge_small
from popmgmt.pipeline.validate import projection_findings


def test_small_bands_are_merged_within_their_group() -> None:
    """Given bands of 10, 3, 8 and 2 GPs, then no band holds 1-4: 13, 8+2=10; 0 stays."""
    merged = merge_small([((0, 29), 10), ((30, 34), 3), ((35, 39), 8), ((40, 44), 2)])
    assert merged == [(0, 34, 13), (35, 44, 10)]
    assert merge_small([((60, 64), 0)]) == [(60, 64, 0)]
    assert merge_small([((65, 69), 3), ((70, None), 6)]) == [(65, None, 9)]


def _gps(rows: list[tuple[int, str, str, bool, bool, int | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"YEAR": pl.Int64, "RIZIV_ID": pl.String, "REFNIS": pl.String,
                "trainee": pl.Boolean, "active": pl.Boolean, "age": pl.Int64},
        orient="row",
    )  # fmt: skip


MEMBERS = pl.DataFrame(
    {"refnis": ["11001", "21001"], "zone_code": ["elz1", "elz7"], "flanders_code": ["02000", None]}
)


def test_gp_age_mart_counts_flemish_active_gps_of_survey_years_only() -> None:
    rows = [(2024, f"g{i}", "11001", False, True, 40) for i in range(6)]
    rows += [(2024, f"o{i}", "11001", False, True, 66) for i in range(5)]
    rows += [(2024, "b1", "21001", False, True, 40)]  # Brussels: not Flanders
    rows += [(2024, "t1", "11001", True, True, 28)]  # in training
    rows += [(2023, f"g{i}", "11001", False, True, 39) for i in range(6)]  # not a survey year
    out = gp_age_mart(_gps(rows), MEMBERS, [2024])
    assert out["year"].unique().to_list() == [2024]
    got = {(r["age_from"], r["age_to"]): r["gps"] for r in out.iter_rows(named=True)}
    assert got[(40, 44)] == 6
    assert got[(65, 69)] == 5
    assert sum(got.values()) == 11
    assert not any(0 < n < 5 for n in got.values())


def test_gp_inflow_counts_trainees_who_settle() -> None:
    rows = [(2023, f"t{i}", "11001", True, True, None) for i in range(8)]
    rows += [(2024, f"t{i}", "11001", False, True, None) for i in range(5)]
    rows += [(2024, f"t{i}", "11001", True, True, None) for i in range(5, 8)]
    out = gp_inflow_mart(_gps(rows), MEMBERS)
    assert out.select("year", "trainees_before", "settled").rows() == [(2024, 8, 5)]


def test_projection_findings_in_dutch() -> None:
    population = pl.DataFrame({"YEAR": [2024], "REFNIS": ["11001"]})
    projection = pl.DataFrame({"YEAR": [2024, 2024], "REFNIS": ["11001", "11001"],
                               "SEX": ["M", "V"]})  # fmt: skip
    found = projection_findings(projection, population, ["11001", "11002"])
    messages = " | ".join(f.message for f in found)
    assert "niet na het laatste bevolkingsjaar (2024)" in messages
    assert "projectiejaar 2024 mist 1 gemeenten (11002)" in messages
