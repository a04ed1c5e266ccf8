"""The cohort-component population projection (metrics/projection.py)."""

from __future__ import annotations

import polars as pl
import pytest

from popmgmt.metrics import projection
from popmgmt.metrics.projection import OPEN_AGE, Assumptions


def _pop(rows: list[tuple[str, int, str, int, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=projection.INPUT_SCHEMA, orient="row")


def _survival() -> pl.DataFrame:
    rows = []
    for sex in ("M", "V"):
        for age in range(OPEN_AGE + 1):
            s = 0.99
            if age == 99:
                s = 0.6
            elif age == OPEN_AGE:
                s = 0.5
            elif sex == "V" and age == 60:
                s = 0.98
            rows.append((sex, age, s))
    return pl.DataFrame(rows, schema=["sex", "age", "survival"], orient="row")


def test_one_step_reproduces_the_hand_computation() -> None:
    """Given one municipality in 2024 with a few ages filled, stated survival, migration
    and fertility, when projected one year, then every cell equals the hand computation:
    births 0,05 x 400 women of 15-49 = 20, split 50/50; survivors one year older plus net
    migrants; the open group 100+ gets 10 x 0,6 + 5 x 0,5."""
    base = _pop(
        [
            ("11001", 2024, "M", 0, 100.0),
            ("11001", 2024, "M", 30, 200.0),
            ("11001", 2024, "M", 99, 10.0),
            ("11001", 2024, "M", 100, 5.0),
            ("11001", 2024, "V", 20, 300.0),
            ("11001", 2024, "V", 30, 100.0),
            ("11001", 2024, "V", 60, 50.0),
        ]
    )
    migration = pl.DataFrame(
        [("11001", "M", 31, 4.0), ("11001", "V", 21, -10.0), ("11001", "V", 1, 3.0),
         ("11001", "V", 0, 999.0)],
        schema=["area_code", "sex", "age", "net_migration"],
        orient="row",
    )  # fmt: skip
    assumptions = Assumptions(
        survival=_survival(),
        migration=migration,
        fertility=pl.DataFrame({"area_code": ["11001"], "fertility": [0.05]}),
        boy_share=0.5,
    )
    out = projection.project_population(base, assumptions, last_year=2025)
    got = {
        (r["sex"], r["age"]): r["population"]
        for r in out.filter(pl.col("population") != 0).iter_rows(named=True)
    }
    expected = {
        ("M", 0): 10.0,
        ("V", 0): 10.0,  # migration at age 0 is in the fertility, not added
        ("M", 1): 99.0,
        ("M", 31): 202.0,
        ("M", 100): 8.5,
        ("V", 1): 3.0,
        ("V", 21): 287.0,
        ("V", 31): 99.0,
        ("V", 61): 49.0,
    }
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key
    assert out["year"].unique().to_list() == [2025]


def test_negative_result_is_zero_and_years_run_to_last_year() -> None:
    base = _pop([("11001", 2024, "M", 40, 2.0)])
    migration = pl.DataFrame(
        [("11001", "M", 41, -10.0)], schema=["area_code", "sex", "age", "net_migration"],
        orient="row",
    )  # fmt: skip
    a = Assumptions(
        _survival(), migration, pl.DataFrame({"area_code": ["11001"], "fertility": [0.0]})
    )
    out = projection.project_population(base, a, last_year=2027)
    assert sorted(out["year"].unique().to_list()) == [2025, 2026, 2027]
    assert out["population"].min() == 0.0


def test_estimates_recover_migration_and_fertility() -> None:
    """Given two years where 5 more men aged 31 appear than survive from 30, and 12
    newborns for 400 women, then migration(31) = 5 and fertility = 0,03."""
    survival = _survival()
    history = _pop(
        [
            ("11001", 2023, "M", 30, 100.0),
            ("11001", 2023, "V", 25, 400.0),
            ("11001", 2024, "M", 31, 104.0),
            ("11001", 2024, "V", 26, 396.0),
            ("11001", 2024, "M", 0, 6.0),
            ("11001", 2024, "V", 0, 6.0),
        ]
    )
    migration = projection.estimate_migration(history, survival)
    m31 = migration.filter((pl.col("sex") == "M") & (pl.col("age") == 31))
    assert m31["net_migration"].item() == pytest.approx(104.0 - 99.0)
    assert migration.filter(pl.col("age") == 0)["net_migration"].abs().max() == 0.0
    fertility = projection.estimate_fertility(history)
    assert fertility["fertility"].item() == pytest.approx(12 / 400)


def test_gompertz_survival_gives_the_stated_life_expectancy() -> None:
    for e0 in (78.0, 85.0):
        alpha = projection.gompertz_alpha(e0)
        assert projection._life_expectancy(alpha, projection.GOMPERTZ_SLOPE) == pytest.approx(e0)
    surv = projection.gompertz_survival()
    men = surv.filter(pl.col("sex") == "M").sort("age")["survival"].to_list()
    assert all(0 < s < 1 for s in men)
    assert men[80] < men[40]
    with pytest.raises(ValueError, match="levensverwachting"):
        projection.gompertz_alpha(150.0)


def test_interpolate_years_fills_between_given_years() -> None:
    frame = pl.DataFrame(
        {"area_code": ["a", "a"], "year": [2025, 2030], "population": [100.0, 150.0]}
    )
    out = projection.interpolate_years(frame, ["area_code"], value="population")
    assert out["year"].to_list() == list(range(2025, 2031))
    assert out["population"].to_list() == pytest.approx([100, 110, 120, 130, 140, 150])


def test_base_must_be_one_year() -> None:
    base = _pop([("a", 2023, "M", 1, 1.0), ("a", 2024, "M", 1, 1.0)])
    a = Assumptions(_survival(), pl.DataFrame(), pl.DataFrame())
    with pytest.raises(ValueError, match="één jaar"):
        projection.project_population(base, a, last_year=2030)
