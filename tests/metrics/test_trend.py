"""Recent-trend tests (`popmgmt.metrics.trend`) against reference values."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import chi2_contingency
from statsmodels.stats.contingency_tables import Table

from popmgmt.metrics import trend

# R's documentation example of prop.trend.test (R stats package, ?prop.trend.test):
# smokers <- c(83, 90, 129, 70); patients <- c(86, 93, 136, 82)
# prop.trend.test(smokers, patients): X-squared = 8.2249, df = 1, p-value = 0.004132
SMOKERS = [83, 90, 129, 70]
PATIENTS = [86, 93, 136, 82]


def test_chi2_trend_matches_r_prop_trend_test() -> None:
    stat, p, slope = trend.chi2_trend([1, 2, 3, 4], SMOKERS, PATIENTS)
    assert stat == pytest.approx(8.2249, abs=5e-5)
    assert p == pytest.approx(0.004132, abs=5e-7)
    assert slope < 0


def test_chi2_trend_matches_statsmodels_linear_by_linear() -> None:
    """statsmodels' linear-by-linear association test on the 2 x k table is the same
    statistic times (N - 1) / N (Agresti 2002, 3.4.6)."""
    table = np.array([SMOKERS, np.subtract(PATIENTS, SMOKERS)], dtype=float)
    ref = Table(table).test_ordinal_association(
        row_scores=np.array([1.0, 0.0]), col_scores=np.array([1.0, 2.0, 3.0, 4.0])
    )
    z2 = ((ref.statistic - ref.null_mean) / ref.null_sd) ** 2
    stat, _, _ = trend.chi2_trend([1, 2, 3, 4], SMOKERS, PATIENTS)
    total = sum(PATIENTS)
    assert stat * (total - 1) / total == pytest.approx(z2, rel=1e-12)


def test_poisson_trend_by_hand() -> None:
    """Counts 100 * 1.1^t with exposure 1 lie on the model: slope log(1.1); the Wald
    standard error is 1 / sqrt(sum mu (t - tbar_mu)^2), tbar_mu = sum mu t / sum mu."""
    years = [2019, 2020, 2021, 2022, 2023]
    counts = [100 * 1.1**t for t in range(5)]
    slope, p = trend.poisson_trend(years, counts, [1.0] * 5, quasi=False)
    assert slope == pytest.approx(math.log(1.1), abs=1e-9)
    t = np.arange(5.0)
    mu = np.array(counts)
    tbar = (mu * t).sum() / mu.sum()
    se = 1 / math.sqrt((mu * (t - tbar) ** 2).sum())
    z = math.log(1.1) / se
    # (statsmodels stops its iterations at a relative deviance change of 1e-8)
    assert p == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-4)


@pytest.mark.parametrize("quasi", [False, True])
def test_poisson_trend_equals_statsmodels_glm(quasi: bool) -> None:
    rng = np.random.default_rng(15)
    for _ in range(40):
        years = [2020.0, 2021.0, 2022.0, 2023.0, 2024.0]
        exposure = rng.uniform(1e3, 1e6, 5)
        counts = rng.poisson(exposure * rng.uniform(0.001, 0.3) * rng.uniform(0.8, 1.2, 5))
        fast = trend.poisson_trend(years, counts, exposure, quasi=quasi)
        ref = trend.poisson_trend_statsmodels(years, counts, exposure, quasi=quasi)
        assert fast[0] == pytest.approx(ref[0], rel=1e-6, abs=1e-10)
        assert fast[1] == pytest.approx(ref[1], rel=1e-5, abs=1e-12)


def test_recent_trend_codes_and_points() -> None:
    years = [2016, 2017, 2018, 2019, 2020, 2021, 2022]
    # only the last five are used: a rise from 2018 on (the earlier years fall)
    num = [900, 800, 400, 450, 500, 550, 600]
    den = [1000] * 7
    up = trend.recent_trend(years, num, den, kind="proportion")
    assert up.direction == trend.RISING
    assert up.n_points == 5
    assert up.method == trend.METHOD_CHI2_TREND
    expected = trend.chi2_trend(years[2:], num[2:], den[2:])[1]
    assert up.p_value == pytest.approx(expected)
    flat = trend.recent_trend(years, [500, 501, 499, 500, 502, 498, 500], den, kind="proportion")
    assert flat.direction == trend.NO_CHANGE
    down = trend.recent_trend(years, [700, 650, 600, 560, 520, 480, 440], den, kind="rate")
    assert down.direction == trend.FALLING
    assert down.method == trend.METHOD_POISSON
    few = trend.recent_trend([2022, 2023, 2024], [5, None, 7], [100, 100, 100], kind="rate")
    assert few == trend.Trend(trend.NOT_TESTED, None, 2, trend.NOT_TESTED, None)


def test_quasi_poisson_is_wider_when_overdispersed() -> None:
    years = [2020, 2021, 2022, 2023, 2024]
    counts = [1000, 1100, 980, 1150, 1060]
    plain = trend.recent_trend(years, counts, [1e5] * 5, kind="rate")
    quasi = trend.recent_trend(years, counts, [1e5] * 5, kind="rate", quasi=True)
    assert plain.p_value is not None
    assert quasi.p_value is not None
    assert quasi.p_value > plain.p_value
    assert quasi.method == trend.METHOD_QUASI_POISSON


def test_trend_frame_per_series() -> None:
    df = pl.DataFrame(
        {
            "area": ["a"] * 5 + ["b"] * 2,
            "year": [2020, 2021, 2022, 2023, 2024, 2023, 2024],
            "num": [400, 450, 500, 550, 600, 10, 12],
            "den": [1000] * 7,
        }
    )
    out = trend.trend_frame(
        df,
        by=["area"],
        year_col="year",
        numerator_col="num",
        denominator_col="den",
        kind="proportion",
    )
    assert out["direction"].to_list() == [trend.RISING, trend.NOT_TESTED]
    assert out["n_points"].to_list() == [5, 2]
    assert out["last_year"].to_list() == [2024, 2024]


def test_the_overdispersed_chi2_trend_splits_pearsons_chi2_and_scales_by_the_rest() -> None:
    """Armitage's partition: the Pearson chi-square of the 2 x k table (scipy) is the
    trend part plus the departure from a straight line; with swings around the line
    far beyond binomial noise, the trend is judged against them."""
    years = [2020, 2021, 2022, 2023, 2024]
    den = [20_000.0] * 5
    num = [5_000.0, 5_600.0, 5_100.0, 5_900.0, 5_400.0]  # up, with large swings
    plain, plain_p, slope = trend.chi2_trend(years, num, den)
    quasi, quasi_p, quasi_slope = trend.chi2_trend(years, num, den, quasi=True)
    table = np.array([num, [d - n for n, d in zip(num, den, strict=True)]])
    pearson = chi2_contingency(table, correction=False).statistic
    departure = (pearson - plain) / (len(years) - 2)
    assert departure > 1
    assert quasi == pytest.approx(plain / departure, rel=1e-12)
    assert quasi_slope == slope
    assert plain_p < 0.001  # plain: "significantly rising"
    assert quasi_p > 0.05  # against the swings: no significant change
    coded = trend.recent_trend(years, num, den, kind="proportion", quasi=True)
    assert (coded.direction, coded.method) == (trend.NO_CHANGE, trend.METHOD_QUASI_CHI2_TREND)


def test_the_overdispersed_chi2_trend_keeps_a_series_on_its_line() -> None:
    """Points close to a straight line (departure below binomial noise): the scale is
    not taken below 1, the test is the plain one."""
    years = [2020, 2021, 2022, 2023, 2024]
    den = [10_000.0] * 5
    num = [4_000.0, 4_101.0, 4_199.0, 4_300.0, 4_400.0]
    assert trend.chi2_trend(years, num, den, quasi=True) == trend.chi2_trend(years, num, den)
