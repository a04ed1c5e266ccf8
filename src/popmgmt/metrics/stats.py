"""Statistics for indicators: intervals, funnel limits, comparisons, standardisation.

Pure functions, polars in / polars out (numpy for the array-level helpers), no
Streamlit. The methods, their references and their limits are described for
analysts in `docs/methods.md`.

Scales. `add_intervals`, `direct_standardised_rate` and the output of
`funnel_limits` are on the *display* scale (already multiplied: 67.3 for 67.3%).
Every `target` argument (`funnel_limits`, `z_scores`, `overdispersion`) is on
the *raw* scale: a proportion in [0, 1] or a rate per unit of size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import special
from scipy import stats as sps
from statsmodels.regression.linear_model import WLS
from statsmodels.stats.proportion import proportion_confint
from statsmodels.tools.tools import add_constant

from popmgmt.pipeline.codes import DIRECTIONS, POP_AGE_BANDS

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike
Kind = Literal["proportion", "rate"]

# "volledig": a complete count (the population register): no sampling interval.
# "none": no interval (e.g. FTE-based ratios, whose Poisson width would depend on the unit).
INTERVAL_METHODS: Final = ("wilson", "poisson", "volledig", "none")
COMPARISONS: Final = ("beter", "vergelijkbaar", "slechter", "hoger", "lager")

# Directly standardised rates are not published below this many events (DOMAIN 6).
DSR_MIN_EVENTS: Final = 10

# 2013 European Standard Population (Eurostat, "Revision of the European Standard
# Population", 2013 edition: 19 bands to 90+), with the bands of codes.POP_AGE_BANDS:
# 0-4 is <1 (1,000) + 1-4 (4,000); 90+ (1,000) is split 90-94 (800) and 95+ (200).
# fmt: off
_ESP2013_WEIGHTS: Final = (
    5000.0, 5500.0, 5500.0, 5500.0, 6000.0, 6000.0, 6500.0, 7000.0, 7000.0, 7000.0,  # 0-4 .. 45-49
    7000.0, 6500.0, 6000.0, 5500.0, 5000.0, 4000.0, 2500.0, 1500.0, 800.0, 200.0,  # 50-54 .. 95+
)
# fmt: on
ESP2013: Final[Mapping[str, float]] = dict(zip(POP_AGE_BANDS, _ESP2013_WEIGHTS, strict=True))


# --------------------------------------------------------------------------- helpers


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence moet tussen 0 en 1 liggen, niet {confidence}")


def _z(confidence: float) -> float:
    return float(sps.norm.ppf(0.5 + confidence / 2.0))


def _as_float(values: ArrayLike | pl.Series) -> FloatArray:
    if isinstance(values, pl.Series):
        return np.asarray(values.cast(pl.Float64).to_numpy(), dtype=np.float64)
    return np.asarray(values, dtype=np.float64)


def _require_columns(df: pl.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"kolommen ontbreken: {missing}")


def _series(name: str, values: FloatArray) -> pl.Series:
    """A Float64 series with NaN turned into null."""
    return pl.Series(name, values, dtype=pl.Float64).fill_nan(None)


# --------------------------------------------------------------------------- intervals


def wilson_interval(
    successes: ArrayLike, trials: ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval of a proportion, element-wise.

    Returns (low, high) as proportions in [0, 1]. Elements with no trials
    (0, NaN) give NaN. Raises ValueError on negative input or successes > trials.
    Delegates to statsmodels `proportion_confint(method="wilson")`.
    """
    _check_confidence(confidence)
    x, n = np.broadcast_arrays(_as_float(successes), _as_float(trials))
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0)
    if np.any(x[ok] < 0) or np.any(x[ok] > n[ok]):
        raise ValueError("Wilson-interval: teller moet tussen 0 en de noemer liggen")
    low = np.full(x.shape, np.nan)
    high = np.full(x.shape, np.nan)
    if ok.any():
        lo, hi = proportion_confint(x[ok], n[ok], alpha=1.0 - confidence, method="wilson")
        # exact bounds at the edges (the formula leaves rounding noise of ~1e-17)
        low[ok] = np.where(x[ok] == 0, 0.0, np.clip(lo, 0.0, 1.0))
        high[ok] = np.where(x[ok] == n[ok], 1.0, np.clip(hi, 0.0, 1.0))
    return low, high


def _exact_poisson(count: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Garwood's exact interval for a Poisson count (chi-square form)."""
    alpha = 1.0 - confidence
    low = np.zeros(count.shape)
    pos = count > 0
    low[pos] = sps.chi2.ppf(alpha / 2.0, 2.0 * count[pos]) / 2.0
    high = np.asarray(sps.chi2.ppf(1.0 - alpha / 2.0, 2.0 * count + 2.0) / 2.0, dtype=np.float64)
    return low, high


def _byar(count: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Byar's approximation to the exact Poisson interval (count > 0)."""
    z = _z(confidence)
    upper = count + 1.0
    low = count * (1.0 - 1.0 / (9.0 * count) - z / (3.0 * np.sqrt(count))) ** 3
    high = upper * (1.0 - 1.0 / (9.0 * upper) + z / (3.0 * np.sqrt(upper))) ** 3
    return low, high


def poisson_interval(count: ArrayLike, confidence: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Exact (Garwood) confidence interval for a Poisson count, element-wise.

    Exact for every count (no switch to Byar's approximation, so the limits are
    monotone in the count and agree with `funnel_limits` about every point).
    Counts may be non-integer (e.g. FTE): the chi-square form extends
    continuously. Zero gives (0, upper). NaN gives NaN. Divide by the exposure
    to get the interval of a rate.
    """
    _check_confidence(confidence)
    x = np.atleast_1d(_as_float(count))
    finite = np.isfinite(x)
    if np.any(x[finite] < 0):
        raise ValueError("Poisson-interval: aantallen moeten >= 0 zijn")
    low = np.full(x.shape, np.nan)
    high = np.full(x.shape, np.nan)
    if finite.any():
        low[finite], high[finite] = _exact_poisson(x[finite], confidence)
    return low.reshape(np.shape(count)), high.reshape(np.shape(count))


def add_intervals(
    df: pl.DataFrame,
    *,
    numerator: str = "numerator",
    denominator: str = "denominator",
    method_col: str = "interval_method",
    multiplier_col: str = "multiplier",
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Add `value`, `ci_low`, `ci_high` (Float64, multiplied by the row's multiplier).

    Per row, `method_col` says how: `"wilson"` (proportion numerator/denominator,
    Wilson score interval), `"poisson"` (rate: Poisson interval of the numerator,
    see `poisson_interval`, divided by the denominator as exposure; the numerator
    may be non-integer) or `"none"` (value only). A null numerator, or a null or
    zero denominator, gives null value and interval. Existing columns with those
    names are replaced.
    """
    _check_confidence(confidence)
    _require_columns(df, [numerator, denominator, method_col, multiplier_col])
    method = df[method_col]
    unknown = set(method.drop_nulls().unique().to_list()) - set(INTERVAL_METHODS)
    if unknown or method.null_count():
        raise ValueError(
            f"{method_col}: onbekende of lege methode {sorted(unknown)}; "
            f"toegelaten: {list(INTERVAL_METHODS)}"
        )
    if df[multiplier_col].null_count():
        raise ValueError(f"{multiplier_col} mag niet leeg zijn")
    num = _as_float(df[numerator])
    den = _as_float(df[denominator])
    mult = _as_float(df[multiplier_col])
    if np.any(num < 0) or np.any(den < 0):  # NaN compares False
        raise ValueError("teller en noemer moeten >= 0 zijn")

    valid = np.isfinite(num) & np.isfinite(den) & (den > 0)
    value = np.full(df.height, np.nan)
    np.divide(num, den, out=value, where=valid)
    low = np.full(df.height, np.nan)
    high = np.full(df.height, np.nan)

    wilson = valid & (method == "wilson").to_numpy()
    if np.any(num[wilson] > den[wilson]):
        raise ValueError("Wilson-interval: teller groter dan noemer")
    low[wilson], high[wilson] = wilson_interval(num[wilson], den[wilson], confidence)

    poisson = valid & (method == "poisson").to_numpy()
    lo_count, hi_count = poisson_interval(num[poisson], confidence)
    low[poisson] = lo_count / den[poisson]
    high[poisson] = hi_count / den[poisson]

    return df.with_columns(
        _series("value", value * mult),
        _series("ci_low", low * mult),
        _series("ci_high", high * mult),
    )


# --------------------------------------------------------------------------- funnel plots


def _level_name(level: float) -> str:
    return f"{level * 100:g}".replace(".", "")


def _check_target(target: float | FloatArray, kind: Kind) -> None:
    t = np.asarray(target, dtype=np.float64)
    if kind == "proportion" and (np.any(t < 0) or np.any(t > 1)):
        raise ValueError("doelwaarde van een proportie moet tussen 0 en 1 liggen (ruwe schaal)")
    if kind == "rate" and np.any(t < 0):
        raise ValueError("doelwaarde van een rate moet >= 0 zijn")
    if kind not in ("proportion", "rate"):
        raise ValueError(f"kind moet 'proportion' of 'rate' zijn, niet {kind!r}")


def _limit(p: float, target: float, n: FloatArray, kind: Kind) -> FloatArray:
    """The value y/n at size n whose own interval just touches `target` (raw scale).

    Proportion: the Wilson score interval of y/n touches the target where
    |y/n - target| = z sqrt(target (1 - target) / n) (the score test the Wilson
    interval inverts), so the limit is target + z_p sqrt(target (1 - target) / n).
    Rate: the exact (Garwood) Poisson interval. The upper limit is e/n with e the
    (continuous) count whose exact lower limit is target * n, i.e. the gamma CDF
    with shape e at target * n equals 1 - p; the lower limit is e/n with the exact
    upper limit of e equal to target * n (gamma CDF with shape e + 1 at target * n
    equals 1 - p), 0 when no e >= 0 qualifies. As PHEindicatormethods
    `calculate_funnel_limits` (`sigma_adjustment`, `poisson_funnel`), but solved in
    closed form instead of by bisection.
    """
    if kind == "proportion":
        z = float(sps.norm.ppf(p))
        return np.asarray(target + z * np.sqrt(target * (1.0 - target) / n), dtype=np.float64)
    if target == 0:
        return np.zeros(n.shape)
    shape = np.asarray(special.gdtrib(1.0, 1.0 - p, target * n), dtype=np.float64)
    events = shape if p > 0.5 else np.maximum(shape - 1.0, 0.0)
    return events / n


def funnel_limits(
    target: float,
    sizes: npt.NDArray[np.generic] | pl.Series | Sequence[float],
    *,
    kind: Kind,
    levels: Sequence[float] = (0.95, 0.998),
    multiplier: float = 1.0,
    phi: float = 1.0,
) -> pl.DataFrame:
    """Funnel-plot control limits around `target` for each size (Spiegelhalter 2005).

    `target` is on the raw scale (a proportion in [0, 1], or a rate per unit of
    size); `sizes` are denominators (persons) or exposures. Limits are the values
    whose own interval just touches the target (see `_limit`): Wilson score
    (proportion) or exact Poisson (rate), as PHEindicatormethods
    `calculate_funnel_limits`, so a point lies outside the funnel exactly when
    its `wilson_interval` / `poisson_interval` excludes the target. They are then
    widened around the target by sqrt(phi) when phi > 1 (phi <= 1 leaves them as
    they are), clipped to the possible range and multiplied by `multiplier`. Columns: `size`, and
    `lo_<level>`, `hi_<level>` per level (`lo_95`, `hi_95`, `lo_998`, `hi_998`).
    Sizes that are null or <= 0 give null limits.
    """
    _check_target(target, kind)
    n = _as_float(sizes)
    if kind == "proportion" and np.any(n[np.isfinite(n)] % 1 != 0):
        raise ValueError("noemers van een proportie moeten gehele getallen zijn")
    ok = np.isfinite(n) & (n > 0)
    widen = np.sqrt(max(phi, 1.0))
    columns: dict[str, pl.Series] = {"size": pl.Series("size", n).fill_nan(None)}
    for level in levels:
        _check_confidence(level)
        name = _level_name(level)
        for side, p in (("lo", (1.0 - level) / 2.0), ("hi", (1.0 + level) / 2.0)):
            limit = np.full(n.shape, np.nan)
            limit[ok] = target + widen * (_limit(p, target, n[ok], kind) - target)
            limit = np.clip(limit, 0.0, 1.0 if kind == "proportion" else np.inf)
            columns[f"{side}_{name}"] = _series(f"{side}_{name}", limit * multiplier)
    return pl.DataFrame(columns)


def z_scores(
    observed: ArrayLike | pl.Series,
    sizes: ArrayLike | pl.Series,
    target: float | ArrayLike,
    *,
    kind: Kind,
    phi: float = 1.0,
) -> FloatArray:
    """Spiegelhalter z-scores: (y - target) / sqrt(phi * V(target) / size), y = observed/size.

    `observed` are counts (numerators), `sizes` denominators or exposures,
    `target` the raw-scale proportion or rate (scalar or per unit). V is
    target * (1 - target) for a proportion and target for a rate. For an
    indirectly standardised ratio, pass observed deaths, expected deaths as
    sizes, target 1 and kind "rate". Null/zero sizes give NaN.
    """
    t = np.asarray(target, dtype=np.float64)
    _check_target(t, kind)
    o, n = np.broadcast_arrays(_as_float(observed), _as_float(sizes))
    ok = np.isfinite(o) & np.isfinite(n) & (n > 0)
    variance = t * (1.0 - t) if kind == "proportion" else t
    y = np.divide(o, n, out=np.full(o.shape, np.nan), where=ok)
    sd = np.sqrt(np.divide(phi * variance, n, out=np.full(o.shape, np.nan), where=ok))
    z: FloatArray = np.divide(y - t, sd, out=np.full(o.shape, np.nan), where=ok & (sd > 0))
    return z


def overdispersion(
    observed: ArrayLike | pl.Series,
    target: float | ArrayLike,
    sizes: ArrayLike | pl.Series,
    *,
    kind: Kind,
    winsor: float = 0.1,
) -> float:
    """Overdispersion factor phi: mean squared winsorised z-score (Spiegelhalter 2005).

    z-scores as in `z_scores` (phi = 1); the `winsor` share at each end is set
    to the `winsor` and `1 - winsor` quantiles (numpy's linear interpolation);
    phi = sum(z^2) / I over the I units with a z-score. The raw estimate is
    returned (it can be below 1); `funnel_limits` only widens for phi > 1.
    Under no overdispersion I * phi is roughly chi-square with I degrees of
    freedom, which the caller can use to decide whether to adjust.
    """
    z = z_scores(observed, sizes, target, kind=kind)
    z = z[np.isfinite(z)]
    if z.size == 0:
        raise ValueError("geen eenheden om overdispersie op te schatten")
    low, high = np.quantile(z, [winsor, 1.0 - winsor])
    return float(np.mean(np.clip(z, low, high) ** 2))


# --------------------------------------------------------------------------- comparison


def compare_to_reference(
    df: pl.DataFrame,
    *,
    ref_value: float | None = None,
    ref_value_col: str | None = None,
    direction: str | None = None,
    direction_col: str | None = None,
    low_col: str = "ci_low",
    high_col: str = "ci_high",
    out_col: str = "comparison",
) -> pl.DataFrame:
    """Add `out_col`: how the interval [low, high] lies against the reference value.

    Higher when low > reference, lower when high < reference, else
    "vergelijkbaar". With direction "hoger_beter" higher is "beter" and lower
    "slechter"; "lager_beter" the other way round; "neutraal" keeps
    "hoger"/"lager". Give exactly one of `ref_value`/`ref_value_col` and of
    `direction`/`direction_col`. A null bound or reference gives null.
    """
    if (ref_value is None) == (ref_value_col is None):
        raise ValueError("geef precies een van ref_value en ref_value_col")
    if (direction is None) == (direction_col is None):
        raise ValueError("geef precies een van direction en direction_col")
    _require_columns(df, [low_col, high_col])
    if ref_value_col is not None:
        _require_columns(df, [ref_value_col])
        ref = pl.col(ref_value_col)
    else:
        ref = pl.lit(ref_value, dtype=pl.Float64)
    if direction_col is not None:
        _require_columns(df, [direction_col])
        found = set(df[direction_col].unique().to_list())
        dirs = pl.col(direction_col)
    else:
        found = {direction}
        dirs = pl.lit(direction, dtype=pl.String)
    if not found <= set(DIRECTIONS):
        raise ValueError(f"onbekende richting {sorted(map(str, found - set(DIRECTIONS)))}")

    higher = pl.col(low_col) > ref
    lower = pl.col(high_col) < ref
    known = pl.col(low_col).is_not_null() & pl.col(high_col).is_not_null() & ref.is_not_null()
    label = (
        pl.when(~known)
        .then(pl.lit(None, dtype=pl.String))
        .when(higher & (dirs == "hoger_beter"))
        .then(pl.lit("beter"))
        .when(higher & (dirs == "lager_beter"))
        .then(pl.lit("slechter"))
        .when(higher)
        .then(pl.lit("hoger"))
        .when(lower & (dirs == "hoger_beter"))
        .then(pl.lit("slechter"))
        .when(lower & (dirs == "lager_beter"))
        .then(pl.lit("beter"))
        .when(lower)
        .then(pl.lit("lager"))
        .otherwise(pl.lit("vergelijkbaar"))
    )
    return df.with_columns(label.alias(out_col))


# --------------------------------------------------------------------------- standardisation


def direct_standardised_rate(
    df: pl.DataFrame,
    *,
    by: Sequence[str],
    age_col: str = "age_band",
    events_col: str = "events",
    population_col: str = "population",
    multiplier: float = 100_000.0,
    confidence: float = 0.95,
    standard: Mapping[str, float] = ESP2013,
    min_events: int = DSR_MIN_EVENTS,
) -> pl.DataFrame:
    """Directly age-standardised rate with Dobson's interval, one row per `by` group.

    Input: one row per group x age band, every band of `standard` present once
    (default the 2013 European Standard Population on codes.POP_AGE_BANDS).
    DSR = sum(w_i * d_i / n_i) / sum(w_i). Dobson et al. (1991): with O the total
    events and var = sum((w_i / W)^2 * d_i / n_i^2), the limits are
    DSR + sqrt(var / O) * (O_limit - O), O_limit Byar's limit of O (as
    PHEindicatormethods `calculate_dsr`; O >= 10, where Byar is within 0.5% of exact).
    A band with population 0 must have 0 events (it contributes rate 0). Groups
    with fewer than `min_events` events (or any null input) get null
    value/interval. Output: `by`, `events`, `population`, `value`, `ci_low`,
    `ci_high` (value and interval multiplied by `multiplier`).
    """
    _check_confidence(confidence)
    by = list(by)
    _require_columns(df, [*by, age_col, events_col, population_col])
    bands = set(df[age_col].drop_nulls().unique().to_list())
    if bands - set(standard) or df[age_col].null_count():
        raise ValueError(f"onbekende leeftijdsklassen: {sorted(map(str, bands - set(standard)))}")
    counts = df.group_by(by).agg(pl.len().alias("n"), pl.col(age_col).n_unique().alias("u"))
    if counts.filter((pl.col("n") != len(standard)) | (pl.col("u") != len(standard))).height:
        raise ValueError(
            f"elke groep heeft precies een rij per leeftijdsklasse nodig ({len(standard)})"
        )
    bad = df.filter((pl.col(population_col) == 0) & (pl.col(events_col) > 0))
    if bad.height or df.filter((pl.col(population_col) < 0) | (pl.col(events_col) < 0)).height:
        raise ValueError("negatieve aantallen of gebeurtenissen bij een bevolking van 0")

    total_weight = float(sum(standard.values()))
    weights = pl.DataFrame(
        {age_col: list(standard), "_w": [w / total_weight for w in standard.values()]},
        schema={age_col: df.schema[age_col], "_w": pl.Float64},
    )
    d = pl.col(events_col).cast(pl.Float64)
    n = pl.col(population_col).cast(pl.Float64)
    rate = pl.when(n > 0).then(d / n).otherwise(0.0)
    var_term = pl.when(n > 0).then(d / (n * n)).otherwise(0.0)
    grouped = (
        df.join(weights, on=age_col, how="left")
        .group_by(by, maintain_order=True)
        .agg(
            pl.col(events_col).sum().alias("events"),
            pl.col(population_col).sum().alias("population"),
            (pl.col("_w") * rate).sum().alias("_dsr"),
            (pl.col("_w") ** 2 * var_term).sum().alias("_var"),
            (d.is_null() | n.is_null()).any().alias("_null"),
        )
    )
    o = _as_float(grouped["events"])
    dsr = _as_float(grouped["_dsr"])
    var = _as_float(grouped["_var"])
    ok = (~grouped["_null"].to_numpy()) & np.isfinite(o) & (o >= min_events) & (o > 0)
    # Byar's limits for the total count, as PHEindicatormethods `calculate_dsr` does
    o_low, o_high = _byar(np.where(ok, o, np.nan), confidence)
    scale = np.sqrt(np.divide(var, o, out=np.full(o.shape, np.nan), where=ok))
    value = np.where(ok, dsr, np.nan)
    return grouped.select(
        *by,
        "events",
        "population",
        _series("value", value * multiplier),
        _series("ci_low", (value + scale * (o_low - o)) * multiplier),
        _series("ci_high", (value + scale * (o_high - o)) * multiplier),
    )


# --------------------------------------------------------------------------- inequality


def _sii_one(
    values: FloatArray, population: FloatArray, confidence: float
) -> tuple[float, float, float]:
    share = population / population.sum()
    ridit = np.cumsum(share) - share / 2.0
    fit = WLS(values, add_constant(ridit), weights=population).fit()
    slope = float(fit.params[1])
    if values.size < 3:
        return slope, np.nan, np.nan
    low, high = fit.conf_int(alpha=1.0 - confidence)[1]
    return slope, float(low), float(high)


def slope_index_of_inequality(
    df: pl.DataFrame,
    *,
    order_col: str,
    value_col: str = "value",
    population_col: str = "population",
    by: Sequence[str] = (),
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Slope index of inequality across ordered groups (e.g. deprivation quintiles).

    Per `by` partition: groups sorted by `order_col` get ridit scores (the
    midpoint of their cumulative population share, 0 to 1); `value` is
    regressed on the ridit by weighted least squares (statsmodels WLS, weights
    = population). The SII is the slope: the modelled difference between the
    top (ridit 1) and the bottom (ridit 0) of the order, in the value's unit.
    The interval is the WLS t-interval (k - 2 degrees of freedom; null with
    fewer than 3 groups). Any null value or population, or a population <= 0,
    gives null. Output: `by`, `sii`, `sii_low`, `sii_high`, `n_groups`.
    """
    _check_confidence(confidence)
    by = list(by)
    _require_columns(df, [*by, order_col, value_col, population_col])
    ordered = df.sort([*by, order_col])
    parts = ordered.partition_by(by, maintain_order=True) if by else [ordered]
    rows: list[dict[str, object]] = []
    for part in parts:
        values = _as_float(part[value_col])
        population = _as_float(part[population_col])
        row: dict[str, object] = {key: part[key][0] for key in by}
        row["n_groups"] = part.height
        if part.height >= 2 and np.all(np.isfinite(values)) and np.all(population > 0):
            row["sii"], row["sii_low"], row["sii_high"] = _sii_one(values, population, confidence)
        rows.append(row)
    schema = {key: df.schema[key] for key in by} | {
        "sii": pl.Float64,
        "sii_low": pl.Float64,
        "sii_high": pl.Float64,
        "n_groups": pl.Int64,
    }
    out = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    return out.with_columns(pl.col("sii", "sii_low", "sii_high").fill_nan(None))


# --------------------------------------------------------------------------- survey means


def t_interval_from_sums(
    total: ArrayLike, total_sq: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean and Student-t interval of a sample known by its sums, element-wise (1-d).

    `total` = sum of the answers, `total_sq` = sum of their squares, `n` = number of
    answers. Returns (mean, low, high); NaN where n < 2 (no spread to estimate).
    The quantile is scipy's `t.ppf(1 - alpha/2, n - 1)`.
    """
    _check_confidence(confidence)
    s, q, k = np.broadcast_arrays(*(np.atleast_1d(_as_float(v)) for v in (total, total_sq, n)))
    mean = np.full(s.shape, np.nan)
    low = np.full(s.shape, np.nan)
    high = np.full(s.shape, np.nan)
    ok = np.isfinite(s) & np.isfinite(q) & np.isfinite(k) & (k >= 2)
    if ok.any():
        m = s[ok] / k[ok]
        var = np.clip((q[ok] - s[ok] ** 2 / k[ok]) / (k[ok] - 1), 0.0, None)
        half = sps.t.ppf(1.0 - (1.0 - confidence) / 2.0, k[ok] - 1) * np.sqrt(var / k[ok])
        mean[ok], low[ok], high[ok] = m, m - half, m + half
    return mean, low, high


def ratio_interval_from_sums(
    y: ArrayLike,
    x: ArrayLike,
    yy: ArrayLike,
    xy: ArrayLike,
    xx: ArrayLike,
    n: ArrayLike,
    confidence: float = 0.95,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Ratio of totals R = sum(y) / sum(x) over n sampled units, with the linearisation
    (Taylor) interval of survey statistics, element-wise.

    The residuals d = y - R x have variance s_d^2 = (yy - 2 R xy + R^2 xx) / (n - 1);
    var(R) = s_d^2 / (n xbar^2) with xbar = sum(x) / n; the interval is R +- t(n - 1)
    sqrt(var(R)), cut at 0 (a ratio of non-negative quantities). NaN where n < 2 or
    sum(x) = 0.
    """
    _check_confidence(confidence)
    ys, xs, yys, xys, xxs, k = np.broadcast_arrays(
        *(np.atleast_1d(_as_float(v)) for v in (y, x, yy, xy, xx, n))
    )
    ratio = np.full(ys.shape, np.nan)
    low = np.full(ys.shape, np.nan)
    high = np.full(ys.shape, np.nan)
    ok = np.isfinite(ys) & np.isfinite(xs) & np.isfinite(k) & (k >= 2) & (xs > 0)
    if ok.any():
        r = ys[ok] / xs[ok]
        kk = k[ok]
        sd2 = np.clip((yys[ok] - 2 * r * xys[ok] + r**2 * xxs[ok]) / (kk - 1), 0.0, None)
        xbar = xs[ok] / kk
        half = sps.t.ppf(1.0 - (1.0 - confidence) / 2.0, kk - 1) * np.sqrt(sd2 / (kk * xbar**2))
        ratio[ok], low[ok], high[ok] = r, np.clip(r - half, 0.0, None), r + half
    return ratio, low, high
