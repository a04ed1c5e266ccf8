"""Statistics on tiny inputs with known reference values.

Each reference value says where it comes from: a published table, a hand
calculation written out in the comment, or an independent computation that does
not use the code under test (math.comb, statsmodels OLS).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from popmgmt.metrics.stats import (
    ESP2013,
    add_intervals,
    compare_to_reference,
    direct_standardised_rate,
    funnel_limits,
    overdispersion,
    poisson_interval,
    slope_index_of_inequality,
    wilson_interval,
    z_scores,
)
from popmgmt.pipeline.codes import POP_AGE_BANDS

# --------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        # Newcombe RG (1998), Stat Med 17:857-872: the worked examples, score method.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998(x: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval([x], [n])
    assert lo[0] == pytest.approx(low, abs=5e-5)
    assert hi[0] == pytest.approx(high, abs=5e-5)


def test_wilson_no_trials_is_nan_and_bad_input_raises() -> None:
    lo, hi = wilson_interval([0.0, 3.0], [0.0, np.nan])
    assert np.isnan(lo).all()
    assert np.isnan(hi).all()
    with pytest.raises(ValueError, match="tussen 0 en de noemer"):
        wilson_interval([11], [10])


# --------------------------------------------------------------------------- Poisson


@pytest.mark.parametrize(
    ("x", "low", "high"),
    [
        # Exact (Garwood 1936) 95% limits for a Poisson count, the classical table
        # values (chi-square relation; e.g. Geigy Scientific Tables).
        (0, 0.0, 3.6889),
        (1, 0.0253, 5.5716),
        (5, 1.6235, 11.6683),
        (9, 4.1154, 17.0848),
    ],
)
def test_poisson_small_counts_are_exact(x: int, low: float, high: float) -> None:
    lo, hi = poisson_interval([x])
    assert lo[0] == pytest.approx(low, abs=1e-4)
    assert hi[0] == pytest.approx(high, abs=1e-4)


def test_poisson_from_ten_is_exact() -> None:
    # Exact (Garwood) limits for 10 events: 4.7954 and 18.3904 (same tables as above);
    # Byar's formula would give 4.78745 and 18.39146 (Breslow & Day 1987).
    lo, hi = poisson_interval([10])
    assert lo[0] == pytest.approx(4.7954, abs=1e-4)
    assert hi[0] == pytest.approx(18.3904, abs=1e-4)


def test_poisson_accepts_fractional_counts_and_nan() -> None:
    lo, hi = poisson_interval([2.5, np.nan, 12.5])
    assert 0 < lo[0] < 2.5 < hi[0]
    assert np.isnan(lo[1])
    assert np.isnan(hi[1])
    assert lo[2] < 12.5 < hi[2]
    with pytest.raises(ValueError, match=">= 0"):
        poisson_interval([-1])


# --------------------------------------------------------------------------- add_intervals


def _frame(rows: list[tuple[float | None, float | None, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "interval_method": pl.String,
            "multiplier": pl.Float64,
        },
        orient="row",
    )


def test_add_intervals_per_method() -> None:
    """Given a row per method and edge case, when intervals are added, then values
    are multiplied and the edge cases are null."""
    df = _frame(
        [
            (81, 263, "wilson", 100),  # Newcombe: 25.53% - 36.62%
            (0, 20, "wilson", 100),  # zero numerator: 0, upper 16.11%
            (5, 10_000, "poisson", 10_000),  # exact: 1.6235 - 11.6683 per 10,000
            (0, 1_000, "poisson", 1_000),  # zero events: 0, upper 3.6889 per 1,000
            (7, 70, "none", 100),  # value only
            (None, 10, "wilson", 100),  # suppressed numerator
            (3, 0, "poisson", 1_000),  # zero denominator
            (3, None, "poisson", 1_000),  # null denominator
        ]
    )
    out = add_intervals(df)
    got = out.select("value", "ci_low", "ci_high").rows()
    expected = [
        (100 * 81 / 263, 25.53, 36.62),
        (0.0, 0.0, 16.11),
        (5.0, 1.6235, 11.6683),
        (0.0, 0.0, 3.6889),
        (10.0, None, None),
        (None, None, None),
        (None, None, None),
        (None, None, None),
    ]
    for row, want in zip(got, expected, strict=True):
        for value, ref in zip(row, want, strict=True):
            if ref is None:
                assert value is None
            else:
                assert value == pytest.approx(ref, abs=5e-3)
    assert out.columns == [*df.columns, "value", "ci_low", "ci_high"]
    assert out.schema["value"] == pl.Float64


def test_add_intervals_fractional_numerator_for_rates() -> None:
    """FTE as numerator: the interval is the continuous extension of the exact one."""
    out = add_intervals(_frame([(12.5, 25_000, "poisson", 10_000)]))
    value, low, high = out.select("value", "ci_low", "ci_high").row(0)
    assert value == pytest.approx(5.0)
    assert low < value < high


def test_add_intervals_rejects_unknown_method_and_bad_numbers() -> None:
    with pytest.raises(ValueError, match="onbekende of lege methode"):
        add_intervals(_frame([(1, 10, "byar", 100)]))
    with pytest.raises(ValueError, match="teller groter dan noemer"):
        add_intervals(_frame([(11, 10, "wilson", 100)]))
    with pytest.raises(ValueError, match=">= 0"):
        add_intervals(_frame([(-1, 10, "poisson", 100)]))


def test_add_intervals_agrees_with_statsmodels_on_many_rows() -> None:
    """Given 5,000 random proportions, the vectorised path matches statsmodels row by row."""
    rng = np.random.default_rng(7)
    n = rng.integers(1, 5_000, 5_000).astype(float)
    x = rng.binomial(n.astype(int), 0.2).astype(float)
    df = pl.DataFrame(
        {"numerator": x, "denominator": n, "interval_method": "wilson", "multiplier": 1.0}
    )
    out = add_intervals(df)
    lo, hi = proportion_confint(x, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(out["ci_low"].to_numpy(), lo, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out["ci_high"].to_numpy(), hi, rtol=1e-12, atol=1e-15)
    assert out.filter(pl.col("numerator") == 0)["ci_low"].to_list() == [0.0] * int((x == 0).sum())


# --------------------------------------------------------------------------- funnels


def _binom_cdf(r: int, n: int, p: float) -> float:
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(r + 1))


def test_funnel_proportion_limit_by_hand() -> None:
    """The proportion limits are the values whose Wilson interval just touches the
    target: theta +/- z sqrt(theta (1 - theta) / n). For n = 10, theta = 0.5, 95%:
    0.5 +/- 1.959964 * 0.158114 = 0.1901 and 0.8099 (PHEindicatormethods
    `sigma_adjustment`); 99.8%: 0.5 + 3.090232 * 0.158114 = 0.9886."""
    out = funnel_limits(0.5, np.array([10]), kind="proportion", multiplier=100)
    assert out["hi_95"][0] == pytest.approx(80.99, abs=0.01)
    assert out["lo_95"][0] == pytest.approx(19.01, abs=0.01)
    assert out["hi_998"][0] == pytest.approx(98.86, abs=0.01)


def test_funnel_approaches_normal_limits_for_large_sizes() -> None:
    """For n = 1,000,000 the exact limits equal theta +/- z sqrt(theta(1 - theta) / n)."""
    theta, n = 0.3, 1_000_000
    out = funnel_limits(theta, [n], kind="proportion", levels=(0.95, 0.998))
    for name, level in (("95", 0.95), ("998", 0.998)):
        half = sps.norm.ppf(0.5 + level / 2) * math.sqrt(theta * (1 - theta) / n)
        assert out[f"hi_{name}"][0] == pytest.approx(theta + half, abs=2e-6)
        assert out[f"lo_{name}"][0] == pytest.approx(theta - half, abs=2e-6)


def test_funnel_rate_and_overdispersion_widening() -> None:
    """Poisson limits around a rate; phi = 4 doubles the distance to the target."""
    target = 0.01
    base = funnel_limits(target, [10_000.0], kind="rate", multiplier=1_000)
    wide = funnel_limits(target, [10_000.0], kind="rate", multiplier=1_000, phi=4.0)
    for col in ("lo_95", "hi_95"):
        assert wide[col][0] - 10 == pytest.approx(2 * (base[col][0] - 10))
    # phi below 1 is not used to narrow the funnel
    narrow = funnel_limits(target, [10_000.0], kind="rate", multiplier=1_000, phi=0.5)
    assert narrow.equals(base)
    # expected count 100: limits near 100 +/- 1.96 * 10 per 10,000, i.e. 8.0 - 12.0 per 1,000
    assert base["lo_95"][0] == pytest.approx(8.1, abs=0.15)
    assert base["hi_95"][0] == pytest.approx(12.0, abs=0.15)


def test_funnel_columns_and_empty_sizes() -> None:
    out = funnel_limits(0.2, pl.Series([0, 50, None]), kind="proportion")
    assert out.columns == ["size", "lo_95", "hi_95", "lo_998", "hi_998"]
    assert out.row(0)[1:] == (None, None, None, None)
    assert out.row(2)[1:] == (None, None, None, None)
    assert 0 <= out["lo_998"][1] < out["lo_95"][1] < 0.2 < out["hi_95"][1] < out["hi_998"][1]
    with pytest.raises(ValueError, match="ruwe schaal"):
        funnel_limits(67.3, [100], kind="proportion")


# --------------------------------------------------------------------------- overdispersion


def test_z_scores_by_hand() -> None:
    # proportion: y = 30/100, theta = 0.2, sd = sqrt(0.2 * 0.8 / 100) = 0.04, z = 2.5
    # rate: y = 12/100, theta = 0.1, sd = sqrt(0.1 / 100) = 0.0316228, z = 0.632456
    assert z_scores([30], [100], 0.2, kind="proportion")[0] == pytest.approx(2.5)
    assert z_scores([12], [100], 0.1, kind="rate")[0] == pytest.approx(0.632456, abs=1e-6)
    assert z_scores([30], [100], 0.2, kind="proportion", phi=4.0)[0] == pytest.approx(1.25)
    assert np.isnan(z_scores([1], [0], 0.2, kind="proportion")[0])


def test_overdispersion_winsorised_by_hand() -> None:
    """Ten units with z-scores -3..6 (rate, target 1, size 100: sd 0.1).
    10% and 90% quantiles (linear): -2.1 and 5.1, so -3 -> -2.1 and 6 -> 5.1.
    phi = (2.1^2 + 2^2 + 1 + 0 + 1 + 2^2 + 3^2 + 4^2 + 5^2 + 5.1^2) / 10 = 9.042."""
    k = np.arange(-3, 7)
    phi = overdispersion(100 + 10 * k, 1.0, np.full(10, 100.0), kind="rate")
    assert phi == pytest.approx(9.042)


# --------------------------------------------------------------------------- comparison


def test_compare_to_reference_directions() -> None:
    df = pl.DataFrame(
        {
            "ci_low": [12.0, 2.0, 8.0, 12.0, 2.0, 12.0, 2.0, None, 10.0],
            "ci_high": [15.0, 8.0, 12.0, 15.0, 8.0, 15.0, 8.0, 12.0, 11.0],
            "direction": ["hoger_beter"] * 3
            + ["lager_beter"] * 2
            + ["neutraal"] * 2
            + ["hoger_beter"] * 2,
        }
    )
    out = compare_to_reference(df, ref_value=10.0, direction_col="direction")
    assert out["comparison"].to_list() == [
        "beter",
        "slechter",
        "vergelijkbaar",
        "slechter",
        "beter",
        "hoger",
        "lager",
        None,  # no interval: no judgement
        "vergelijkbaar",  # an interval touching the reference does not exclude it
    ]


def test_compare_to_reference_with_column_and_scalar_direction() -> None:
    df = pl.DataFrame({"ci_low": [1.0, 1.0], "ci_high": [2.0, 2.0], "ref": [0.5, None]})
    out = compare_to_reference(df, ref_value_col="ref", direction="lager_beter")
    assert out["comparison"].to_list() == ["slechter", None]
    with pytest.raises(ValueError, match="precies een"):
        compare_to_reference(df, ref_value=1.0, ref_value_col="ref", direction="neutraal")
    with pytest.raises(ValueError, match="onbekende richting"):
        compare_to_reference(df, ref_value=1.0, direction="beter")


# --------------------------------------------------------------------------- DSR


def test_esp2013_weights() -> None:
    # Eurostat (2013), Revision of the ESP: 19 bands to 90+ summing to 100,000; 90+ = 1,000.
    assert list(ESP2013) == list(POP_AGE_BANDS)
    assert sum(ESP2013.values()) == 100_000
    assert ESP2013["0-4"] == 5_000
    assert ESP2013["90-94"] + ESP2013["95+"] == 1_000


def _dsr_input(events: list[float], population: list[float], area: str = "A") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "area": area,
            "age_band": list(POP_AGE_BANDS),
            "events": events,
            "population": population,
        }
    )


def test_dsr_equals_crude_rate_for_a_standard_shaped_population() -> None:
    """Given a population shaped like the standard with a 1% rate in every band, the
    DSR is the crude rate (1,000 per 100,000) and Dobson's interval is the Poisson
    interval of the 1,000 events scaled to the population: with var = sum(w_i d_i) /
    (100 W^2) = 1e-7 and O = 1,000, sqrt(var / O) = 1e-5, so the limits are
    1,000 + (O_limit - 1,000) per 100,000."""
    weights = list(ESP2013.values())
    df = _dsr_input([w / 100 for w in weights], weights)
    out = direct_standardised_rate(df, by=["area"])
    o_low, o_high = poisson_interval([1_000.0])
    assert out["events"][0] == 1_000
    assert out["value"][0] == pytest.approx(1_000.0)
    assert out["ci_low"][0] == pytest.approx(o_low[0])
    assert out["ci_high"][0] == pytest.approx(o_high[0])


def test_dsr_by_hand_with_a_two_band_standard() -> None:
    """Standard young 60,000 / old 40,000 (W = 100,000). Area: young 20 events in
    10,000, old 30 events in 1,000. DSR = 0.6 * 0.002 + 0.4 * 0.03 = 0.0132.
    var = 0.36 * 20 / 1e8 + 0.16 * 30 / 1e6 = 4.872e-6; O = 50; sqrt(var / O) =
    3.121538e-4. Byar for 50: 37.10810 - 65.92016 (by hand: 50(1 - 1/450 - z/
    (3 sqrt 50))^3 and 51(1 - 1/459 + z/(3 sqrt 51))^3, z = 1.959964). Limits:
    0.0132 + 3.121538e-4 * (37.10810 - 50) = 0.00917574 and 0.0132 +
    3.121538e-4 * 15.92016 = 0.01816954, i.e. 917.57 and 1,816.95 per 100,000."""
    df = pl.DataFrame(
        {"g": ["x", "x"], "band": ["jong", "oud"], "d": [20, 30], "n": [10_000, 1_000]}
    )
    out = direct_standardised_rate(
        df,
        by=["g"],
        age_col="band",
        events_col="d",
        population_col="n",
        standard={"jong": 60_000.0, "oud": 40_000.0},
    )
    assert out["value"][0] == pytest.approx(1_320.0)
    assert out["ci_low"][0] == pytest.approx(917.57, abs=0.01)
    assert out["ci_high"][0] == pytest.approx(1_816.95, abs=0.01)


def test_dsr_null_below_ten_events_and_checks_bands() -> None:
    population = [1_000.0] * len(POP_AGE_BANDS)
    few = [0.0] * len(POP_AGE_BANDS)
    few[-5] = 9.0
    out = direct_standardised_rate(
        pl.concat([_dsr_input(few, population, "A"), _dsr_input(few, population, "B")]),
        by=["area"],
    )
    assert out["events"].to_list() == [9.0, 9.0]
    assert out["value"].to_list() == [None, None]
    with pytest.raises(ValueError, match="precies een rij per leeftijdsklasse"):
        direct_standardised_rate(_dsr_input(few, population).head(19), by=["area"])
    empty_band = population.copy()
    empty_band[3] = 0.0
    events = few.copy()
    events[3] = 1.0
    with pytest.raises(ValueError, match="bevolking van 0"):
        direct_standardised_rate(_dsr_input(events, empty_band), by=["area"])


# --------------------------------------------------------------------------- SII


def test_sii_by_hand() -> None:
    """Five equal quintiles: ridits 0.1, 0.3, 0.5, 0.7, 0.9; values 10, 22, 28, 41, 49.
    By hand: Sxx = 0.4, Sxy = 19.4, slope = 48.5; residuals -0.6, 1.7, -2, 1.3, -0.4,
    SSR = 9.1, s^2 = 9.1 / 3, se = sqrt(s^2 / 0.4) = 2.75379, t(0.975, 3) = 3.182446:
    interval 39.7362 - 57.2638."""
    df = pl.DataFrame(
        {"q": [3, 1, 2, 5, 4], "value": [28.0, 10, 22, 49, 41], "population": [7.0] * 5}
    )
    out = slope_index_of_inequality(df, order_col="q")
    assert out.row(0) == pytest.approx((48.5, 39.7362, 57.2638, 5), abs=1e-4)


def test_sii_unequal_groups_match_weighted_least_squares() -> None:
    """Unequal populations: the ridit is the midpoint of the cumulative share
    (100, 300, 600 of 1,000: 0.05, 0.25, 0.7); the slope equals the weighted
    least-squares slope computed here from the normal equations."""
    pop = np.array([100.0, 300.0, 600.0])
    y = np.array([5.0, 9.0, 11.0])
    x = np.array([0.05, 0.25, 0.7])
    xm = np.average(x, weights=pop)
    slope = np.sum(pop * (x - xm) * (y - np.average(y, weights=pop))) / np.sum(pop * (x - xm) ** 2)
    df = pl.DataFrame(
        {
            "g": ["a"] * 3 + ["b"] * 2,
            "q": [1, 2, 3, 1, 2],
            "value": [*y, 1.0, None],
            "population": [*pop, 5.0, 5.0],
        }
    )
    out = slope_index_of_inequality(df, order_col="q", by=["g"]).sort("g")
    assert out["sii"][0] == pytest.approx(slope)
    assert out["sii_low"][0] < slope < out["sii_high"][0]
    assert out.row(1) == ("b", None, None, None, 2)  # a missing value: no SII


def test_t_interval_from_sums_matches_scipy() -> None:
    """The survey's mean interval from sums equals scipy's t-interval on the answers."""
    from scipy import stats as scipy_stats  # noqa: PLC0415

    from popmgmt.metrics.stats import t_interval_from_sums  # noqa: PLC0415

    answers = np.array([38.0, 45.0, 52.0, 60.0, 41.0, 47.0, 55.0, 49.0, 44.0, 58.0, 50.0])
    mean, low, high = t_interval_from_sums(
        [answers.sum(), 5.0], [(answers**2).sum(), 25.0], [answers.size, 1]
    )
    lo, hi = scipy_stats.t.interval(
        0.95, answers.size - 1, loc=answers.mean(), scale=scipy_stats.sem(answers)
    )
    assert mean[0] == pytest.approx(answers.mean())
    assert (low[0], high[0]) == pytest.approx((lo, hi))
    assert np.isnan(mean[1])  # one answer: no spread, no interval


def test_ratio_interval_from_sums_is_the_linearised_interval() -> None:
    from scipy import stats as scipy_stats  # noqa: PLC0415

    from popmgmt.metrics.stats import ratio_interval_from_sums  # noqa: PLC0415

    y = np.array([1.0, 0.5, 2.0, 0.0, 1.5, 3.0])
    x = np.array([2.0, 1.0, 4.0, 1.0, 3.0, 5.0])
    ratio, low, high = ratio_interval_from_sums(
        y.sum(), x.sum(), (y**2).sum(), (x * y).sum(), (x**2).sum(), y.size
    )
    r = y.sum() / x.sum()
    se = np.sqrt(np.var(y - r * x, ddof=1) / (y.size * x.mean() ** 2))
    t = scipy_stats.t.ppf(0.975, y.size - 1)
    assert ratio[0] == pytest.approx(r)
    assert (low[0], high[0]) == pytest.approx((max(r - t * se, 0.0), r + t * se))
