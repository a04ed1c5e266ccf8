"""The GP side of the capacity outlook (metrics/outlook.py): bands, scenario, need."""

from __future__ import annotations

import polars as pl
import pytest

from popmgmt.metrics import outlook as ol


def _bands() -> pl.DataFrame:
    return pl.DataFrame(
        {"age_from": [30, 60, 65, 70], "age_to": [59, 64, 69, None], "gps": [30.0, 10.0, 5.0, 5.0]},
        schema=ol.BAND_SCHEMA,
    )


def test_project_gps_by_hand() -> None:
    """Given 50 GPs (30 aged 30-59, 10 60-64, 5 65-69, 5 70+), retirement at 65, 2 new
    GPs a year and 0,8 FTE each: after one year 30 + 10 x 4/5 + 2 = 40 GPs; after six,
    30 x 29/30 + 0 + 12; today every GP counts."""
    out = ol.project_gps(_bands(), ol.Scenario(65, 2.0, 0.8), base_year=2024, last_year=2030)
    rows = {r["year"]: r for r in out.iter_rows(named=True)}
    assert rows[2024]["gps"] == 50.0
    assert rows[2024]["gps_under65"] == 40.0
    assert rows[2025]["gps"] == pytest.approx(30 + 8 + 2)
    assert rows[2025]["fte"] == pytest.approx(40 * 0.8)
    assert rows[2030]["gps"] == pytest.approx(30 * 29 / 30 + 12)
    assert rows[2030]["gps_under65"] == pytest.approx(rows[2030]["gps"])


def test_later_retirement_keeps_more_gps_and_under65_stays_capped() -> None:
    early = ol.project_gps(_bands(), ol.Scenario(62, 0.0, 1.0), base_year=2024, last_year=2035)
    late = ol.project_gps(_bands(), ol.Scenario(72, 0.0, 1.0), base_year=2024, last_year=2035)
    assert (late["gps"] >= early["gps"]).all()
    assert late["gps"][1] > early["gps"][1]
    # the open band 70+ is read as 70-79: at 72, 2/10 of it stays one year on
    one_on = late.filter(pl.col("year") == 2025)
    assert one_on["gps"].item() == pytest.approx(30 + 10 + 5 + 5 * 1 / 10)
    assert one_on["gps_under65"].item() == pytest.approx(30 + 10 * 4 / 5)


def test_scenario_limits_are_checked_in_dutch() -> None:
    with pytest.raises(ValueError, match="pensioenleeftijd"):
        ol.project_gps(_bands(), ol.Scenario(80, 0.0, 1.0), base_year=2024)
    with pytest.raises(ValueError, match="instroom"):
        ol.project_gps(_bands(), ol.Scenario(65, -1.0, 1.0), base_year=2024)
    with pytest.raises(ValueError, match="VTE"):
        ol.project_gps(_bands(), ol.Scenario(65, 1.0, 3.0), base_year=2024)


def test_gp_bands_split_groups_by_flemish_distribution() -> None:
    """Given Flemish bands 0-59 (2 bands, 60 and 40), 60-64 and 65+, and zone shares
    0,7 / 0,2 / 0,1 of 100 GPs, then 42 and 28 under 60, 20 at 60-64, 10 at 65+."""
    flemish = pl.DataFrame(
        {"age_from": [0, 45, 60, 65], "age_to": [44, 59, 64, None], "gps": [60.0, 40.0, 9.0, 7.0]}
    )
    bands = ol.gp_bands(100.0, [0.7, 0.2, 0.1], flemish)
    assert bands["gps"].to_list() == pytest.approx([42.0, 28.0, 20.0, 10.0])


def test_need_weighted_population_weights_older_people_more() -> None:
    rows = pl.DataFrame(
        {
            "area_code": ["a", "a", "b", "b"],
            "year": [2024] * 4,
            "sex": ["M", "M", "M", "M"],
            "age_band": ["45-49", "45-49", "85-89", "85-89"],
            "population": [50.0, 50.0, 50.0, 50.0],
        }
    )
    out = ol.weighted_population(rows)
    weights = dict(zip(out["area_code"], out["weighted"], strict=True))
    assert weights["a"] == pytest.approx(100 * 1.0)
    assert weights["b"] == pytest.approx(100 * 3.0)
