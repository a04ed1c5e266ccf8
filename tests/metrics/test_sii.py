"""SII with a Monte Carlo sampling interval (`popmgmt.metrics.inequality`) against
PHEindicatormethods' `phe_sii` test data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm

from popmgmt.metrics import inequality

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _reference() -> pl.DataFrame:
    return pl.read_csv(FIXTURES / "phe_sii.csv", comment_prefix="#")


@pytest.mark.parametrize("case", ["default", "rate", "proportion"])
def test_sii_matches_phe_sii(case: str) -> None:
    """Given PHE's decile test data (two areas per case), then the SII agrees to 1e-9
    and the simulated 95% limits to 1% of the SII's interval width (PHE's own tests
    allow a relative 5% for these Monte Carlo limits)."""
    data = _reference().filter(pl.col("case") == case)
    kind = data["kind"][0]
    out = inequality.slope_index(
        data,
        by=["area"],
        order_col="quantile",
        value_col="value",
        lower_col="lower_cl",
        upper_col="upper_cl",
        weight_col="population",
        kind=kind,
        direction="hoger_beter",
    ).sort("area")
    expected = data.group_by("area").first().sort("area")
    scale = 100.0 if kind == "proportion" else 1.0
    assert (
        out["unit"].to_list()
        == [inequality.UNIT_PP if kind == "proportion" else "eenheid_indicator"] * 2
    )
    for got, ref in zip(out.iter_rows(named=True), expected.iter_rows(named=True), strict=True):
        assert got["sii"] == pytest.approx(ref["sii"] * scale, rel=1e-9)
        width = (ref["sii_upper"] - ref["sii_lower"]) * scale
        assert got["sii_low"] == pytest.approx(ref["sii_lower"] * scale, abs=0.01 * width)
        assert got["sii_high"] == pytest.approx(ref["sii_upper"] * scale, abs=0.01 * width)


def test_sii_is_the_weighted_least_squares_slope() -> None:
    """The point estimate is the WLS slope on the ridits with the denominators as
    weights (statsmodels WLS as an independent check), deterministic for a seed."""
    data = _reference().filter((pl.col("case") == "default") & (pl.col("area") == "area1"))
    weights = data["population"].to_numpy().astype(float)
    ridit = inequality.ridits(weights)
    fit = sm.WLS(data["value"].to_numpy(), sm.add_constant(ridit), weights=weights).fit()
    args = {
        "order_col": "quantile",
        "value_col": "value",
        "lower_col": "lower_cl",
        "upper_col": "upper_cl",
        "weight_col": "population",
        "kind": "other",
        "direction": "hoger_beter",
        "repetitions": 5000,
    }
    first = inequality.slope_index(data, **args)
    assert first["sii"][0] == pytest.approx(float(fit.params[1]), rel=1e-12)
    assert first.equals(inequality.slope_index(data, **args))


def test_worse_end_codes() -> None:
    assert inequality.worse_end(1.0, 2.0, "hoger_beter") == inequality.WORSE_FIRST
    assert inequality.worse_end(1.0, 2.0, "lager_beter") == inequality.WORSE_LAST
    assert inequality.worse_end(-2.0, -1.0, "hoger_beter") == inequality.WORSE_LAST
    assert inequality.worse_end(-2.0, 1.0, "lager_beter") == inequality.NO_GRADIENT
    assert inequality.worse_end(-2.0, -1.0, "neutraal") == inequality.HIGHER_FIRST
    assert inequality.worse_end(None, 1.0, "neutraal") is None


def test_proportion_in_percentage_points_and_bad_input() -> None:
    """Obesity falls from 21% to 12% over the deciles: SII in pp, worse at the start."""
    data = _reference().filter((pl.col("case") == "proportion") & (pl.col("area") == "area1"))
    args = {
        "order_col": "quantile",
        "value_col": "value",
        "lower_col": "lower_cl",
        "upper_col": "upper_cl",
        "weight_col": "population",
        "kind": "proportion",
        "repetitions": 2000,
    }
    out = inequality.slope_index(data, direction="lager_beter", **args).row(0, named=True)
    assert out["unit"] == "pp"
    assert out["sii"] == pytest.approx(-10.720032333730494, rel=1e-9)
    assert out["worse_end"] == inequality.WORSE_FIRST
    short = inequality.slope_index(data.head(1), direction="lager_beter", **args)
    assert short["sii"][0] is None
    with pytest.raises(ValueError, match="strikt tussen 0 en 1"):
        inequality.slope_index(
            data.with_columns(pl.col("value") * 100), direction="lager_beter", **args
        )
    assert np.isfinite(out["sii_low"])
