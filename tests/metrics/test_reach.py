"""Who is not reached: complements of GMD coverage and GP contact, with suppression."""

from __future__ import annotations

import polars as pl
import pytest
from statsmodels.stats.proportion import proportion_confint

from popmgmt.metrics import reach
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


def _breakdown(band: str, num: int, den: int, hidden: bool = False) -> dict[str, object]:
    return {
        "indicator_code": "ima_gmd",
        "level": "zone",
        "area_code": "z1",
        "year": 2023,
        "age_band": band,
        "sex": "T",
        "numerator": None if hidden else num,
        "denominator": None if hidden else den,
        "suppressed": hidden,
        "suppression_reason": "primair" if hidden else None,
    }


def test_oldest_inhabitants_not_reached_from_the_published_bands() -> None:
    """Given a zone's published 80-89 and 90+ cells of GMD coverage (both sexes), the
    80-plussers without a GMD are (1,000 - 900) + (300 - 250) = 150 of 1,300; when one
    band is hidden the sum is hidden too, never computed from the other band alone."""
    rows = [
        _breakdown("70-79", 1800, 2000),
        _breakdown("80-89", 900, 1000),
        _breakdown("90+", 250, 300),
    ]
    shown = reach.not_reached_oldest(pl.DataFrame(rows), areas=[("zone", "z1")])
    gmd = shown.filter(pl.col("what") == "zonder_gmd_80plus").row(0, named=True)
    assert gmd["status"] == "getoond"
    assert gmd["not_reached"] == 150
    assert gmd["denominator"] == 1300
    assert gmd["share"] == pytest.approx(150 / 1300 * 100)
    hidden = reach.not_reached_oldest(
        pl.DataFrame([rows[0], rows[1], _breakdown("90+", 250, 300, hidden=True)]),
        areas=[("zone", "z1")],
    )
    row = hidden.filter(pl.col("what") == "zonder_gmd_80plus").row(0, named=True)
    assert row["status"] == "onderdrukt"
    assert row["not_reached"] is None
