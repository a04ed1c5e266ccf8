"""The social gradient (`popmgmt.metrics.gradient`): deprivation quintiles, counts per quintile
with intervals, suppressed cells estimated, and the slope index of inequality on
examples worked by hand."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest
from frames import VALUE_SCHEMA
from scipy import stats as sps

from popmgmt.app.store import Marts
from popmgmt.metrics import gradient, inequality, stats
from popmgmt.pipeline.codes import FLANDERS_CODE

# --------------------------------------------------------------------------- SII by hand


def _quintiles(values: list[float], population: list[float], year: int = 2024) -> pl.DataFrame:
    n = len(values)
    return pl.DataFrame(
        {
            "year": [year] * n,
            "quintile": list(range(1, n + 1)),
            "value": values,
            "population": population,
        }
    )


def test_sii_of_values_on_a_line_is_the_line_slope() -> None:
    """Equal quintiles sit at ridits 0.1, 0.3, 0.5, 0.7, 0.9; values 10 + 20 x ridit
    (12, 16, 20, 24, 28) give SII 20 with no residual spread."""
    out = gradient.gradient_sii(_quintiles([12.0, 16.0, 20.0, 24.0, 28.0], [100.0] * 5))
    row = out.row(0, named=True)
    assert row["sii"] == pytest.approx(20.0)
    assert row["sii_low"] == pytest.approx(20.0)
    assert row["sii_high"] == pytest.approx(20.0)
    assert row["mean_value"] == pytest.approx(20.0)
    assert row["rii"] == pytest.approx(1.0)


def test_sii_textbook_example_worked_by_hand() -> None:
    """Values 10, 12, 15, 16, 22 over five equal quintiles (ridit x = .1 ... .9).

    x mean 0.5, y mean 15; Sxx = 0.4, Sxy = 5.6, slope = 14, intercept 8. Fitted 9.4,
    12.2, 15, 17.8, 20.6; residuals 0.6, -0.2, 0, -1.8, 1.4; SSR 5.6; s^2 = 5.6 / 3;
    se = sqrt(s^2 / Sxx) = 2.160; t(0.975, 3) = 3.182 -> 95% interval 7.125 to 20.875.
    """
    out = gradient.gradient_sii(_quintiles([10.0, 12.0, 15.0, 16.0, 22.0], [1000.0] * 5))
    row = out.row(0, named=True)
    se = math.sqrt((5.6 / 3) / 0.4)
    t = float(sps.t.ppf(0.975, 3))
    assert row["sii"] == pytest.approx(14.0)
    assert row["sii_low"] == pytest.approx(14.0 - t * se)
    assert row["sii_high"] == pytest.approx(14.0 + t * se)
    assert row["sii_low"] == pytest.approx(7.1252, abs=1e-3)
    assert row["sii_high"] == pytest.approx(20.8748, abs=1e-3)
    assert row["n_groups"] == 5


def test_sii_with_unequal_groups_uses_population_ridits() -> None:
    """Shares 0.2, 0.3, 0.5 -> ridits 0.1, 0.35, 0.75; values 5 + 10 x ridit -> SII 10."""
    ridits = [0.1, 0.35, 0.75]
    out = gradient.gradient_sii(_quintiles([5 + 10 * r for r in ridits], [20.0, 30.0, 50.0]))
    assert out["sii"][0] == pytest.approx(10.0)


def test_sii_is_null_when_a_quintile_is_missing_and_per_year() -> None:
    frame = pl.concat(
        [
            _quintiles([1.0, 2.0, 3.0, 4.0, 5.0], [1.0] * 5, year=2023),
            _quintiles([1.0, 2.0, None, 4.0, 5.0], [1.0] * 5, year=2024),  # type: ignore[list-item]
        ]
    )
    out = gradient.gradient_sii(frame).sort("year")
    assert out["year"].to_list() == [2023, 2024]
    assert out["sii"][0] == pytest.approx(5.0)
    assert out["sii"][1] is None


# --------------------------------------------------------------------------- quintiles and counts


def _row(
    code: str, level: str, area: str, num: float | None, den: float | None, **kw: Any
) -> dict[str, Any]:
    return {
        "indicator_code": code,
        "level": level,
        "area_code": area,
        "year": kw.get("year", 2024),
        "numerator": num,
        "denominator": den,
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "suppressed": kw.get("suppressed", False),
        "suppression_reason": kw.get("reason"),
    }


MUNICIPALITIES = [f"m{i}" for i in range(1, 6)]
AREAS = pl.DataFrame(
    {
        "level": ["zone", "zone", *["gemeente"] * 5],
        "area_code": ["z1", "z2", *MUNICIPALITIES],
        "area_name": ["Z1", "Z2", *[m.upper() for m in MUNICIPALITIES]],
        "zone_code": ["z1", "z2", "z1", "z1", "z1", "z2", "z2"],
    }
)


def _population() -> pl.DataFrame:
    rows = [("gemeente", m, 2024, "T", "totaal", 1000) for m in MUNICIPALITIES]
    rows.append(("vlaanderen", FLANDERS_CODE, 2024, "T", "totaal", 5000))
    return pl.DataFrame(
        rows,
        schema=["level", "area_code", "year", "sex", "age_band", "population"],
        orient="row",
    ).with_columns(pl.lit(False).alias("suppressed"))


def _values() -> pl.DataFrame:
    """VT shares 10..50 % (m3 suppressed; its zone z1 has 20 %); indicator x with m5
    suppressed (its zone z2 has 30 %); Flemish x denominator 4500 for 5000 inhabitants."""
    rows = [
        _row("ima_vt", "gemeente", "m1", 100, 1000),
        _row("ima_vt", "gemeente", "m2", 400, 1000),
        _row("ima_vt", "gemeente", "m3", None, None, suppressed=True, reason="primair"),
        _row("ima_vt", "gemeente", "m4", 300, 1000),
        _row("ima_vt", "gemeente", "m5", 500, 1000),
        _row("ima_vt", "zone", "z1", 200, 1000),
        _row("ima_vt", "zone", "z2", 400, 1000),
        _row("ima_vt", "vlaanderen", FLANDERS_CODE, 1500, 5000),
        _row("x", "gemeente", "m1", 90, 900),
        _row("x", "gemeente", "m2", 180, 900),
        _row("x", "gemeente", "m3", 45, 900),
        _row("x", "gemeente", "m4", 225, 900),
        _row("x", "gemeente", "m5", None, None, suppressed=True, reason="secundair"),
        _row("x", "zone", "z2", 600, 2000),
        _row("x", "vlaanderen", FLANDERS_CODE, 900, 4500),
    ]
    return pl.DataFrame(rows, schema=VALUE_SCHEMA, orient="row")


def test_deprivation_quintiles_with_an_imputed_municipality() -> None:
    """Equal populations: sorted VT m1 10 %, m3 20 % (its zone), m4 30 %, m2 40 %, m5 50 %."""
    out = gradient.deprivation_quintiles(_values(), AREAS, _population(), years=[2024])
    by_area = dict(zip(out["area_code"], out["quintile"], strict=True))
    assert by_area == {"m1": 1, "m3": 2, "m4": 3, "m2": 4, "m5": 5}
    m3 = out.filter(pl.col("area_code") == "m3").row(0, named=True)
    assert m3["deprivation_imputed"] is True
    assert m3["deprivation"] == pytest.approx(0.2)


def test_municipal_counts_estimate_suppressed_cells_from_the_zone() -> None:
    """m5 hidden: denominator 1000 inhabitants x 4500/5000 = 900, numerator 900 x 30 %."""
    out = gradient.municipal_counts(_values(), AREAS, _population(), code="x", years=[2024])
    m5 = out.filter(pl.col("area_code") == "m5").row(0, named=True)
    assert m5["imputed"] is True
    assert m5["denominator"] == pytest.approx(900.0)
    assert m5["numerator"] == pytest.approx(270.0)
    m1 = out.filter(pl.col("area_code") == "m1").row(0, named=True)
    assert (m1["numerator"], m1["denominator"], m1["imputed"]) == (90.0, 900.0, False)


def test_quintile_values_sum_counts_with_wilson_intervals() -> None:
    quintiles = gradient.deprivation_quintiles(_values(), AREAS, _population(), years=[2024])
    counts = gradient.municipal_counts(_values(), AREAS, _population(), code="x", years=[2024])
    out = gradient.quintile_values(counts, quintiles, interval_method="wilson", multiplier=100.0)
    assert out["quintile"].to_list() == [1, 2, 3, 4, 5]
    assert out["value"].to_list() == pytest.approx([10.0, 5.0, 25.0, 20.0, 30.0])
    assert out["n_imputed"].to_list() == [0, 0, 0, 0, 1]
    low, high = stats.wilson_interval(90.0, 900.0)
    assert out["ci_low"][0] == pytest.approx(float(low) * 100)
    assert out["ci_high"][0] == pytest.approx(float(high) * 100)
    sii = gradient.gradient_sii(out)
    assert sii["sii"][0] > 0  # higher in the more deprived municipalities


def test_demo_build_gradient_has_five_quintiles_every_year(marts: Marts) -> None:
    years = sorted(set(marts.values.filter(pl.col("indicator_code") == "ima_vt")["year"]))
    quintiles = gradient.deprivation_quintiles(
        marts.values, marts.areas, marts.population, years=years
    )
    assert quintiles["quintile"].null_count() == 0
    counts = gradient.municipal_counts(
        marts.values, marts.areas, marts.population, code="ima_chron", years=years
    )
    values = gradient.quintile_values(counts, quintiles, interval_method="wilson", multiplier=100.0)
    per_year = values.group_by("year").agg(pl.len())
    assert set(per_year["len"].to_list()) == {5}
    n_mun = marts.areas.filter(pl.col("level") == "gemeente").height
    assert values.group_by("year").agg(pl.col("n_areas").sum())["n_areas"].to_list() == [
        n_mun
    ] * len(years)
    sii = gradient.gradient_sii(values)
    assert sii.height == len(years)
    assert sii["sii"].null_count() == 0


def test_gradient_slope_index_uses_sampling_error_denominator_weights_and_pp() -> None:
    """Issue 15: the gradient page's SII is `inequality.slope_index` (Monte Carlo over each
    quintile's interval, weights = the denominator, percentage points, worse end)."""
    den = [1000.0, 2000.0, 3000.0, 2000.0, 1000.0]
    pct = [10.0, 12.0, 15.0, 16.0, 22.0]
    num = [p / 100 * d for p, d in zip(pct, den, strict=True)]
    frame = pl.DataFrame(
        {"year": [2024] * 5, "quintile": [1, 2, 3, 4, 5], "numerator": num, "denominator": den}
    ).with_columns(pl.lit("wilson").alias("interval_method"), pl.lit(100.0).alias("multiplier"))
    frame = stats.add_intervals(frame).with_columns(pl.lit(1.0).alias("population"))
    out = gradient.gradient_slope_index(
        frame, kind="proportion", direction="lager_beter", multiplier=100.0
    )
    row = out.row(0, named=True)
    assert row["unit"] == "pp"
    assert row["sii_low"] < row["sii"] < row["sii_high"]
    assert row["worse_end"] == "laatste_groep"  # higher in the most deprived, lower is better
    direct = inequality.slope_index(
        frame.with_columns((pl.col(c) / 100).alias(c) for c in ("value", "ci_low", "ci_high")),
        order_col="quintile",
        value_col="value",
        lower_col="ci_low",
        upper_col="ci_high",
        weight_col="denominator",
        kind="proportion",
        direction="lager_beter",
        by=["year"],
    ).row(0, named=True)
    assert row["sii"] == pytest.approx(direct["sii"])
    assert row["sii_high"] == pytest.approx(direct["sii_high"])
