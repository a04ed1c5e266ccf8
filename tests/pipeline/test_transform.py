"""Pure functions of the mart computation, on tiny hand-built frames."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from popmgmt.metrics.stats import wilson_interval
from popmgmt.pipeline import practices
from popmgmt.pipeline.control import DisclosureError
from popmgmt.pipeline.geography import hierarchy_constraints, roll_up
from popmgmt.pipeline.practices import (
    PRACTICE_SUMS,
    contributor_rule_fails,
    control_practice_counts,
    fails_expr,
    pseudonym,
)
from popmgmt.pipeline.transform import age_band_expr, publish_recoverable

MEMBERS = pl.DataFrame(
    {
        "refnis": ["11001", "11002", "11004"],
        "zone_code": ["elzA", "elzA", "elzB"],
        "circle_code": ["hak01", "hak02", "hak02"],
        "province_code": ["10000", "10000", "10000"],
        "flanders_code": ["02000", "02000", "02000"],
    }
)


def test_age_bands_follow_the_population_mart_bands() -> None:
    ages = pl.DataFrame({"age": [0, 4, 5, 64, 65, 94, 95, 110]})
    bands = ages.select(age_band_expr(pl.col("age")).alias("b"))["b"].to_list()
    assert bands == ["0-4", "0-4", "5-9", "60-64", "65-69", "90-94", "95+", "95+"]


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


def test_pseudonym_is_stable_keyed_and_hides_the_number() -> None:
    a = pseudonym("81234567", b"k1")
    assert a == pseudonym("81234567", b"k1")
    assert a != pseudonym("81234567", b"k2")
    assert a.startswith("PR-")
    assert len(a) == 3 + 16  # 64 bits: collisions negligible
    assert "1234567" not in a


def test_two_practices_sharing_a_pseudonym_stop_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(practices, "PSEUDONYM_HEX", 1)
    numbers = [f"8{i:07d}" for i in range(40)]  # 40 numbers in 16 one-digit pseudonyms
    with pytest.raises(DisclosureError, match="POPMGMT_PSEUDONYM_KEY"):
        practices.pseudonyms(numbers, b"k1")
    monkeypatch.undo()
    ids = practices.pseudonyms(numbers, b"k1")
    assert ids["practice_id"].is_unique().all()
    assert ids.height == 40


def _practices(counts: dict[str, list[int | None]], refnis: list[str]) -> pl.DataFrame:
    n = len(refnis)
    cols = {
        "practice_id": [f"PR-{i:06d}" for i in range(n)],
        "year": [2024] * n,
        "refnis": refnis,
        "zone_code": ["elzA"] * n,
        "circle_code": ["hak01"] * n,
        "lat": [51.0] * n,
        "lon": [4.4] * n,
        "practice_form": ["solo"] * n,
        "payment_system": ["prestatie"] * n,
        "patient_stop": ["nee"] * n,
        "size_class": ["< 1.000"] * n,
        "fte_estimate": [1.0] * n,
    }
    base = dict.fromkeys(
        (
            "pat_gmd",
            "pat_attrib",
            "raadpl",
            "bezavond",
            "bezoekind",
            "instel",
            "digicont",
            "advies",
        ),
        [100] * n,
    )
    base.update(counts)
    return pl.DataFrame({**cols, **base})


@pytest.mark.parametrize("small", [1, 4])
def test_a_small_practice_count_is_hidden_with_a_complement(small: int) -> None:
    """Given three practices in one municipality, one with 1-4 home visits,
    when controlled, then that count and the smallest other count are hidden
    (the municipality total would otherwise give it away), the third stays."""
    table = _practices({"bezavond": [small, 7, 50]}, ["11001", "11001", "11001"])
    out = control_practice_counts(table).sort("practice_id")
    assert out["bezavond"].to_list() == [None, None, 50]
    assert out["suppressed_columns"].to_list() == ["bezavond", "bezavond", None]
    assert out["raadpl"].to_list() == [100, 100, 100]


def test_practice_counts_of_five_and_zero_stay_published() -> None:
    table = _practices({"instel": [5, 0, 12]}, ["11001", "11001", "11002"])
    out = control_practice_counts(table)
    assert out["instel"].to_list() == [5, 0, 12]
    assert not out["suppressed"].any()


def test_a_sum_of_fewer_than_three_gps_is_hidden_with_a_complement() -> None:
    """Given three practices of one municipality where the first one's contacts
    come from two GPs (contributor rule fails), when controlled, then its
    contacts and FTE are hidden, plus a complement, whatever their size."""
    table = _practices({"raadpl": [9000, 8000, 12000]}, ["11001", "11001", "11001"])
    fails = {f"_fail_{c}": [c in ("raadpl", "fte_milli"), False, False] for c in PRACTICE_SUMS}
    out = control_practice_counts(table.with_columns(**{k: pl.Series(v) for k, v in fails.items()}))
    out = out.sort("practice_id")
    assert out["raadpl"].to_list() == [None, None, 12000]
    assert out["fte_estimate"][0] is None
    assert "fte_estimate" in out["suppressed_columns"][0]
    assert out["bezavond"].to_list() == [100, 100, 100]


def test_contributor_rule_counts_gps_and_dominance() -> None:
    """Fewer than 3 contributing GPs fails; 3 GPs pass unless one dominates (p% rule)."""
    frame = pl.DataFrame(
        {
            "g": ["two", "two", "three", "three", "three", "dom", "dom", "dom", "zero"],
            "v": [10, 20, 10, 20, 30, 1000, 40, 30, 0],
        }
    )
    out = (
        frame.group_by("g")
        .agg(*contributor_rule_fails(pl.col("v")))
        .select("g", fails_expr().alias("fail"))
    )
    got = dict(out.iter_rows())
    assert got == {"two": True, "three": False, "dom": True, "zero": False}


def test_publish_recoverable_shows_a_hidden_secondary_cell_with_its_interval() -> None:
    """Given a secondary cell whose numerator and denominator the published marts
    fix, when published, then it shows the value and Wilson interval the build
    computes for any cell; a primary cell is never published this way."""
    keys = {"indicator_code": ["x", "x"], "level": ["zone", "zone"], "area_code": ["z1", "z2"]}
    values = pl.DataFrame(
        {
            **keys,
            "year": [2024, 2024],
            "numerator": [None, None],
            "denominator": [None, None],
            "value": [None, None],
            "ci_low": [None, None],
            "ci_high": [None, None],
            "suppressed": [True, True],
            "suppression_reason": ["secundair", "primair"],
        },
        schema_overrides=dict.fromkeys(
            ("numerator", "denominator", "value", "ci_low", "ci_high"), pl.Float64
        ),
    )
    catalogue = pl.DataFrame(
        {"indicator_code": ["x"], "multiplier": [100.0], "interval_method": ["wilson"]}
    )
    solved = pl.DataFrame(
        {
            **keys,
            "year": [2024, 2024],
            "numerator": [30.0000000001, 2.0],
            "denominator": [120.0, 50.0],
        }
    )
    out = publish_recoverable(values, catalogue, solved).sort("area_code")
    shown = out.row(0, named=True)
    assert shown["suppressed"] is False
    assert shown["suppression_reason"] is None
    assert shown["numerator"] == 30.0
    assert shown["value"] == pytest.approx(25.0)
    low, high = wilson_interval(np.array([30.0]), np.array([120.0]))
    assert shown["ci_low"] == pytest.approx(100 * low[0])
    assert shown["ci_high"] == pytest.approx(100 * high[0])
    assert out.row(1, named=True)["suppressed"] is True
