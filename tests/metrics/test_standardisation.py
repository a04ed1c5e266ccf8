"""Standardisation against PHEindicatormethods' test data: directly standardised rates
(`stats.direct_standardised_rate`, Dobson) and indirectly standardised ratios
(`metrics.standardisation`), and the ESP2013 weights on other age bands."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from popmgmt.metrics import standardisation as std
from popmgmt.metrics import stats

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# PHEindicatormethods' esp2013 (data-raw/LoadTestdata.R): 19 bands, 0-4 to 90+
PHE_ESP2013 = (5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000)
PHE_ESP2013 += (5500, 5000, 4000, 2500, 1500, 1000)


def _input() -> pl.DataFrame:
    return pl.read_csv(FIXTURES / "phe_dsr_isr_input.csv", comment_prefix="#")


def _results(statistic: str) -> pl.DataFrame:
    results = pl.read_csv(FIXTURES / "phe_dsr_isr_results.csv", comment_prefix="#")
    return results.filter(pl.col("statistic") == statistic).sort("area")


@pytest.mark.parametrize(
    ("confidence", "low", "high"), [(0.95, "lower95", "upper95"), (0.998, "lower998", "upper998")]
)
def test_dsr_matches_phe_calculate_dsr(confidence: float, low: str, high: str) -> None:
    """Given PHE's three areas (895, 91 and 9 events), then the DSR per 100,000 and its
    Dobson limits agree to 1e-9 (relative); 9 events gives no DSR."""
    data = _input()
    bands = data["ageband"].unique(maintain_order=True).to_list()
    standard = dict(zip(bands, map(float, PHE_ESP2013), strict=True))
    out = stats.direct_standardised_rate(
        data,
        by=["area"],
        age_col="ageband",
        events_col="count",
        population_col="pop",
        standard=standard,
        confidence=confidence,
    ).sort("area")
    expected = _results("dsr_per_100000")
    assert out["area"].to_list() == expected["area"].to_list()
    for got, ref in zip(out.iter_rows(named=True), expected.iter_rows(named=True), strict=True):
        if ref["value"] is None:
            assert got["value"] is None
            continue
        assert got["value"] == pytest.approx(ref["value"], rel=1e-9)
        assert got["ci_low"] == pytest.approx(ref[low], rel=1e-9)
        assert got["ci_high"] == pytest.approx(ref[high], rel=1e-9)


def _isr(interval: std.IsrInterval, confidence: float) -> pl.DataFrame:
    data = _input()
    reference = data.select(
        pl.col("ageband"),
        pl.col("refcount").alias("ref_events"),
        pl.col("refpop").alias("ref_population"),
    ).unique(maintain_order=True)
    return std.indirect_standardised_ratio(
        data,
        reference,
        by=["area"],
        age_col="ageband",
        events_col="count",
        population_col="pop",
        confidence=confidence,
        interval=interval,
    ).sort("area")


@pytest.mark.parametrize(
    ("confidence", "low", "high"), [(0.95, "lower95", "upper95"), (0.998, "lower998", "upper998")]
)
def test_isr_matches_phe_calculate_isratio(confidence: float, low: str, high: str) -> None:
    """With PHE's interval rule (exact below 10, Byar from 10) everything agrees to 1e-9;
    with the exact interval throughout, 9 events agree to 1e-9 and 91 / 895 events to
    0.2% (Byar's approximation error)."""
    expected = _results("isr_x1")
    phe = _isr("phe", confidence)
    exact = _isr("exact", confidence)
    for got, ref in zip(phe.iter_rows(named=True), expected.iter_rows(named=True), strict=True):
        assert got["observed"] == ref["observed"]
        assert got["expected"] == pytest.approx(ref["expected"], rel=1e-12)
        assert got["value"] == pytest.approx(ref["value"], rel=1e-12)
        assert got["ci_low"] == pytest.approx(ref[low], rel=1e-9)
        assert got["ci_high"] == pytest.approx(ref[high], rel=1e-9)
    for got, ref in zip(exact.iter_rows(named=True), expected.iter_rows(named=True), strict=True):
        rel = 1e-9 if ref["observed"] < 10 else 2e-3
        assert got["ci_low"] == pytest.approx(ref[low], rel=rel)
        assert got["ci_high"] == pytest.approx(ref[high], rel=rel)


def test_isr_nulls_and_unknown_bands() -> None:
    data = pl.DataFrame(
        {
            "g": ["a", "a", "b", "b"],
            "age_band": ["0-9", "10+"] * 2,
            "events": [1, None, 3, 4],
            "population": [10, 10, 10, 10],
        },
    )
    reference = pl.DataFrame(
        {"age_band": ["0-9", "10+"], "ref_events": [10, 30], "ref_population": [100, 100]}
    )
    out = std.indirect_standardised_ratio(data, reference, by=["g"])
    assert out["value"].to_list() == [None, pytest.approx(7 / 4)]
    with pytest.raises(ValueError, match="zonder referentie"):
        std.indirect_standardised_ratio(data, reference.head(1), by=["g"])


def test_esp2013_weights_collapse() -> None:
    """The 5-year bands reproduce `stats.ESP2013`; the Atlas' 10-year bands sum them."""
    assert std.esp2013_weights(range(0, 100, 5)) == dict(stats.ESP2013)
    atlas = std.esp2013_weights([0, 10, 20, 30, 40, 50, 60, 70, 80, 90])
    assert list(atlas) == [
        "0-9",
        "10-19",
        "20-29",
        "30-39",
        "40-49",
        "50-59",
        "60-69",
        "70-79",
        "80-89",
        "90+",
    ]
    assert atlas["0-9"] == 1000 + 4000 + 5500
    assert atlas["60-69"] == 6000 + 5500
    assert atlas["90+"] == 1000
    assert sum(atlas.values()) == 100_000
    # under 1 (1,000), 1-64 (4,000 + 3 x 5,500 + 2 x 6,000 + 6,500 + 4 x 7,000 + 6,500 + 6,000)
    assert std.esp2013_weights([0, 1, 65]) == {"0-0": 1000, "1-64": 79_500, "65+": 19_500}
    with pytest.raises(ValueError, match="ESP2013"):
        std.esp2013_weights([0, 12])
    with pytest.raises(ValueError, match="bij 0"):
        std.esp2013_weights([5, 10])
