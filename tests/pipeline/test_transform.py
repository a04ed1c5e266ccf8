"""Pure functions of the mart computation, on tiny hand-built frames."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from popmgmt.metrics.stats import wilson_interval
from popmgmt.pipeline.transform import age_band_expr, publish_recoverable


def test_age_bands_follow_the_population_mart_bands() -> None:
    ages = pl.DataFrame({"age": [0, 4, 5, 64, 65, 94, 95, 110]})
    bands = ages.select(age_band_expr(pl.col("age")).alias("b"))["b"].to_list()
    assert bands == ["0-4", "0-4", "5-9", "60-64", "65-69", "90-94", "95+", "95+"]


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
