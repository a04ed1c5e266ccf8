"""Who is not reached: complements of GMD coverage and GP contact, with suppression."""

from __future__ import annotations

import polars as pl
import pytest
from statsmodels.stats.proportion import proportion_confint

from popmgmt.metrics.reach import GP_CONTACT, not_reached


def _values(rows: list[tuple[str, str, str, int, float | None, float | None, bool, str | None]]):
    return pl.DataFrame(
        rows,
        schema={
            "indicator_code": pl.String,
            "level": pl.String,
            "area_code": pl.String,
            "year": pl.Int64,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "suppressed": pl.Boolean,
            "suppression_reason": pl.String,
        },
        orient="row",
    )


VALUES = _values(
    [
        ("ima_gmd", "zone", "elz1", 2022, 700.0, 1000.0, False, None),
        ("ima_gmd", "zone", "elz1", 2023, 720.0, 1000.0, False, None),
        ("ima_gmd", "gemeente", "11001", 2023, 97.0, 100.0, False, None),
        ("ima_gmd", "gemeente", "11002", 2023, None, None, True, "secundair"),
        (GP_CONTACT, "zone", "elz1", 2023, 850.0, 1000.0, False, None),
        (GP_CONTACT, "gemeente", "11001", 2023, 90.0, 100.0, False, None),
        (GP_CONTACT, "gemeente", "11002", 2023, 40.0, 40.0, False, None),
    ]
)
AREAS = [("zone", "elz1"), ("gemeente", "11001"), ("gemeente", "11002")]


def test_counts_shares_and_wilson_interval_of_the_complement() -> None:
    """Given GMD coverage 720/1000 in 2023, when not reached is computed, then 280 have
    no GMD (28 %) with the Wilson interval of 280/1000, for the latest year."""
    out = not_reached(VALUES, areas=AREAS)
    row = out.filter((pl.col("what") == "zonder_gmd") & (pl.col("area_code") == "elz1")).row(
        0, named=True
    )
    lo, hi = proportion_confint(280, 1000, method="wilson")
    assert row["year"] == 2023
    assert row["not_reached"] == 280.0
    assert row["share"] == pytest.approx(28.0)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo * 100, hi * 100))
    assert row["status"] == "getoond"
    contact = out.filter((pl.col("what") == "zonder_contact") & (pl.col("area_code") == "elz1"))
    assert contact["not_reached"].item() == 150.0


def test_small_complement_hidden_and_hidden_cell_stays_hidden() -> None:
    """Given 3 without GMD in 11001 and a suppressed cell in 11002, then neither count,
    share nor interval is shown, and the hidden cell keeps its reason."""
    out = not_reached(VALUES, areas=AREAS, year=2023)
    small = out.filter((pl.col("what") == "zonder_gmd") & (pl.col("area_code") == "11001"))
    assert small["status"].item() == "klein"
    assert small.select("not_reached", "share", "ci_low", "ci_high").row(0) == (None,) * 4
    hidden = out.filter((pl.col("what") == "zonder_gmd") & (pl.col("area_code") == "11002"))
    assert hidden["status"].item() == "onderdrukt"
    assert hidden["suppression_reason"].item() == "secundair"
    assert hidden["not_reached"].item() is None


def test_zero_not_reached_is_shown_and_order_follows_areas() -> None:
    """Given everyone in 11002 had a contact, then 0 is shown (0 is not a small count)."""
    out = not_reached(VALUES, areas=AREAS, year=2023)
    zero = out.filter((pl.col("what") == "zonder_contact") & (pl.col("area_code") == "11002"))
    assert zero["not_reached"].item() == 0.0
    assert zero["ci_low"].item() == 0.0
    assert out.filter(pl.col("what") == "zonder_contact")["area_code"].to_list() == [
        "elz1",
        "11001",
        "11002",
    ]


def test_missing_year_gives_no_data() -> None:
    out = not_reached(VALUES, areas=[("zone", "elz9")], year=2023)
    assert out["status"].to_list() == ["geen_gegevens", "geen_gegevens"]
