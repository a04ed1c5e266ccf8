"""Comparison of units with a reference, aware of overdispersion (Spiegelhalter 2005).

One classification per unit (zone, circle, municipality) for one indicator and year:
a z-score, the control limits at the unit's own size and a label code. Method:

- z-scores on a variance-stabilising scale (Spiegelhalter 2005; as FunnelPlotR, the
  public implementation of the paper's additive model): a proportion y = O/n as
  Y = arcsin(sqrt(y)), a rate as Y = sqrt(y); the target t as arcsin(sqrt(t)) or
  sqrt(t); both with s = 1 / (2 sqrt(n)), which does not depend on the target.
  z = (Y - T) / s.
- phi = mean of the squared z-scores after 10% winsorisation (`WINSOR`);
  I * phi is roughly chi-square with I degrees of freedom without overdispersion.
- When phi is significantly above 1 (`PHI_TEST_LEVEL`, at least `MIN_UNITS` units):
  additive random effects, tau2 = max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w)),
  w = 1 / s^2; z_adjusted = (Y - T) / sqrt(s^2 + tau2); the limits at the unit's size
  are T +/- z_level sqrt(s^2 + tau2), transformed back. Method `METHOD_ADDITIVE`.
- Otherwise plain binomial / Poisson: the limits are `stats.funnel_limits` (Wilson
  score / exact Poisson, the same as the funnel plot and the published intervals),
  z_adjusted = z. Method `METHOD_EXACT`.

The label follows the limits (outside the 99.8% limits, else outside the 95% limits)
and the indicator's direction. Codes only: display text belongs to the views.
Scales: `target` is raw (a proportion in [0, 1] or a rate per unit of size); value,
target and limits in the output are multiplied by `multiplier`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats as sps

from popmgmt.metrics.stats import Kind, funnel_limits
from popmgmt.pipeline.codes import DIRECTIONS

FloatArray = npt.NDArray[np.float64]
OverdispersionMode = Literal["auto", "altijd", "nooit"]

LEVELS: Final = (0.95, 0.998)
WINSOR: Final = 0.1
MIN_UNITS: Final = 10
PHI_TEST_LEVEL: Final = 0.95

METHOD_EXACT: Final = "exact"
METHOD_ADDITIVE: Final = "additief"
METHOD_REST: Final = "rest_normaal"
METHOD_REST_ADDITIVE: Final = "rest_additief"
METHODS: Final = (METHOD_EXACT, METHOD_ADDITIVE, METHOD_REST, METHOD_REST_ADDITIVE)

NOT_DETERMINED: Final = "niet_te_bepalen"
SAME: Final = "gelijk"
LABELS: Final = (
    "beter_998",
    "beter_95",
    SAME,
    "slechter_95",
    "slechter_998",
    "hoger_998",
    "hoger_95",
    "lager_95",
    "lager_998",
    NOT_DETERMINED,
)
_SIDE_LABELS: Final = {
    "hoger_beter": {"hoger": "beter", "lager": "slechter"},
    "lager_beter": {"hoger": "slechter", "lager": "beter"},
    "neutraal": {"hoger": "hoger", "lager": "lager"},
}

OUTPUT_SCHEMA: Final = {
    "observed": pl.Float64,
    "size": pl.Float64,
    "value": pl.Float64,
    "target": pl.Float64,
    "z": pl.Float64,
    "z_adjusted": pl.Float64,
    "phi": pl.Float64,
    "tau2": pl.Float64,
    "method": pl.String,
    "lo_95": pl.Float64,
    "hi_95": pl.Float64,
    "lo_998": pl.Float64,
    "hi_998": pl.Float64,
    "label": pl.String,
}


# --------------------------------------------------------------------------- pieces


def transform(
    observed: FloatArray, sizes: FloatArray, target: float | FloatArray, kind: Kind
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(Y, T, s): the unit values and the target on the variance-stabilising scale and
    the standard error s = 1 / (2 sqrt(size)). Proportions arcsin(sqrt(.)), rates sqrt(.)."""
    y = observed / sizes
    t = np.broadcast_to(np.asarray(target, dtype=np.float64), y.shape)
    if kind == "proportion":
        return np.arcsin(np.sqrt(y)), np.arcsin(np.sqrt(t)), 0.5 / np.sqrt(sizes)
    return np.sqrt(y), np.sqrt(t), 0.5 / np.sqrt(sizes)


def back_transform(values: FloatArray, kind: Kind) -> FloatArray:
    """From the variance-stabilising scale back to a proportion or rate (clipped)."""
    if kind == "proportion":
        return np.asarray(np.sin(np.clip(values, 0.0, np.pi / 2)) ** 2, dtype=np.float64)
    return np.asarray(np.clip(values, 0.0, None) ** 2, dtype=np.float64)


@functools.cache
def winsor_consistency(winsor: float = WINSOR) -> float:
    """E[W^2] for a standard normal Z winsorised at its `winsor` quantiles, k = the
    1 - winsor quantile: (1 - 2 winsor) - 2 k pdf(k) + 2 winsor k^2 (0.679 at 10%).
    The winsorised phi of normal z-scores with variance V estimates about V times this."""
    k = float(sps.norm.ppf(1.0 - winsor))
    return float((1.0 - 2.0 * winsor) - 2.0 * k * sps.norm.pdf(k) + 2.0 * winsor * k * k)


def winsorised_phi(z: FloatArray, winsor: float = WINSOR, *, consistent: bool = False) -> float:
    """Mean squared z-score after setting the `winsor` share at each end to the
    `winsor` / `1 - winsor` quantiles (linear interpolation, R's type 7), as
    Spiegelhalter (2005). `consistent=True` divides by `winsor_consistency` so that
    normal z-scores give their variance (the plain estimate is 32% low at 10%)."""
    z = z[np.isfinite(z)]
    if z.size == 0:
        raise ValueError("geen z-scores om overdispersie op te schatten")
    low, high = np.quantile(z, [winsor, 1.0 - winsor])
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    return phi / winsor_consistency(winsor) if consistent else phi


def additive_tau2(phi: float, s: FloatArray) -> float:
    """Between-unit variance (DerSimonian-Laird form, Spiegelhalter 2005):
    max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w)), w = 1 / s^2."""
    w = 1.0 / s[np.isfinite(s)] ** 2
    n = w.size
    denominator = float(w.sum() - (w**2).sum() / w.sum())
    if n < 2 or denominator <= 0:
        return 0.0
    return max(0.0, (n * phi - (n - 1)) / denominator)


def phi_is_significant(phi: float, n_units: int, level: float = PHI_TEST_LEVEL) -> bool:
    """True when I * phi exceeds the `level` quantile of chi-square with I degrees of
    freedom (no overdispersion: I * phi is roughly chi-square(I))."""
    return bool(n_units * phi > _chi2_quantile(level, n_units))


@functools.cache
def _chi2_quantile(level: float, df: int) -> float:
    return float(sps.chi2.ppf(level, df))


@functools.cache
def _normal_quantile(p: float) -> float:
    return float(sps.norm.ppf(p))


def band(value: FloatArray, limits: dict[str, FloatArray]) -> list[str | None]:
    """Per unit "hoger_998", "hoger_95", "binnen", "lager_95", "lager_998", or None
    where the value or a limit is missing."""
    v = np.asarray(value, dtype=np.float64)
    lo95, hi95, lo998, hi998 = (
        np.asarray(limits[k], dtype=np.float64) for k in ("lo_95", "hi_95", "lo_998", "hi_998")
    )
    finite = np.isfinite(v) & np.isfinite(lo95) & np.isfinite(hi95)
    finite &= np.isfinite(lo998) & np.isfinite(hi998)
    with np.errstate(invalid="ignore"):
        codes = np.select(
            [~finite, v > hi998, v < lo998, v > hi95, v < lo95],
            ["", "hoger_998", "lager_998", "hoger_95", "lager_95"],
            default="binnen",
        )
    return [None if c == "" else str(c) for c in codes]


def label(band_code: str | None, direction: str) -> str:
    """The label code of a band for an indicator's direction (`codes.DIRECTIONS`)."""
    if direction not in _SIDE_LABELS:
        raise ValueError(f"onbekende richting {direction!r}; toegelaten: {list(DIRECTIONS)}")
    if band_code is None:
        return NOT_DETERMINED
    if band_code == "binnen":
        return SAME
    side, level = band_code.split("_")
    return f"{_SIDE_LABELS[direction][side]}_{level}"


def additive_limits(
    target: float | FloatArray,
    sizes: FloatArray,
    *,
    kind: Kind,
    tau2: float,
    extra_variance: FloatArray | float = 0.0,
) -> dict[str, FloatArray]:
    """Limits on the raw scale at each size: T +/- z_level sqrt(s^2 + extra + tau2) on
    the variance-stabilising scale, transformed back. Usable for a funnel-plot grid."""
    sizes = np.asarray(sizes, dtype=np.float64)
    t = np.broadcast_to(np.asarray(target, dtype=np.float64), sizes.shape)
    _, t_scaled, s = transform(t * sizes, sizes, t, kind)
    sd = np.sqrt(s**2 + extra_variance + tau2)
    out: dict[str, FloatArray] = {}
    for level in LEVELS:
        z = _normal_quantile(0.5 + level / 2.0)
        name = "95" if level == 0.95 else "998"
        out[f"lo_{name}"] = back_transform(t_scaled - z * sd, kind)
        out[f"hi_{name}"] = back_transform(t_scaled + z * sd, kind)
    return out


# --------------------------------------------------------------------------- main


def _as_float(series: pl.Series) -> FloatArray:
    if series.dtype.is_numeric():
        # to_numpy turns nulls into NaN for numeric series (no polars expression needed)
        return np.asarray(series.to_numpy(), dtype=np.float64)
    return np.asarray(series.cast(pl.Float64).fill_null(np.nan).to_numpy(), dtype=np.float64)


def _check(kind: Kind, direction: str, target: float | None, mode: str) -> None:
    if kind not in ("proportion", "rate"):
        raise ValueError(f"kind moet 'proportion' of 'rate' zijn, niet {kind!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"onbekende richting {direction!r}; toegelaten: {list(DIRECTIONS)}")
    if mode not in ("auto", "altijd", "nooit"):
        raise ValueError(f"onbekende overdispersiemodus {mode!r}")
    if target is not None and (target < 0 or (kind == "proportion" and target > 1)):
        raise ValueError("doelwaarde op de ruwe schaal: proportie in [0, 1], rate >= 0")


def compare_units(
    units: pl.DataFrame,
    *,
    unit_col: str,
    observed_col: str,
    size_col: str,
    kind: Kind,
    direction: str,
    target: float | None = None,
    multiplier: float = 1.0,
    overdispersion: OverdispersionMode = "auto",
    consistent_phi: bool = False,
    suppressed_col: str | None = None,
    exclude_self: bool = False,
    reference_observed: float | None = None,
    reference_size: float | None = None,
) -> pl.DataFrame:
    """Classify each unit against the target, one output row per input row.

    `observed_col` holds numerators (counts), `size_col` denominators or exposures;
    `target` is the raw-scale reference value (default: sum observed / sum size over
    the units with data). Units with a null observed or size, a size <= 0, or
    `suppressed_col` true get label `niet_te_bepalen` and null numbers, and are left
    out of phi. `overdispersion`: "auto" adjusts when phi is significant, "altijd"
    whenever tau2 > 0, "nooit" never. `consistent_phi=True` corrects the winsorised
    phi for its downward bias under normal random effects (`winsor_consistency`):
    the paper's estimate (default) lets about 11% of units out of the 95% limits
    when the spread is purely random, the corrected one about 5%.

    `exclude_self=True` compares each unit with the rest of the reference instead
    (for a unit that is a large share of it): the rest is `reference_observed -
    observed` over `reference_size - size` (defaults: the frame's sums); on the
    stabilised scale the variance is s^2 + 1 / (4 * rest size) (+ tau2 when adjusted,
    tau2 estimated against the whole reference); methods `rest_normaal` /
    `rest_additief`, normal limits in both.

    Output: `unit_col` and `OUTPUT_SCHEMA` (value, target and limits times
    `multiplier`; phi and tau2 the same on every row, null below `MIN_UNITS` units).
    """
    _check(kind, direction, target, overdispersion)
    for name in (unit_col, observed_col, size_col, *([suppressed_col] if suppressed_col else [])):
        if name not in units.columns:
            raise ValueError(f"kolom ontbreekt: {name}")
    observed = _as_float(units[observed_col])
    sizes = _as_float(units[size_col])
    ok = np.isfinite(observed) & np.isfinite(sizes) & (sizes > 0)
    if suppressed_col is not None:
        flags = units[suppressed_col]
        if flags.dtype != pl.Boolean or flags.null_count():
            flags = flags.cast(pl.Boolean).fill_null(False)
        ok &= ~np.asarray(flags.to_numpy(), dtype=bool)
    if np.any(observed[ok] < 0) or (kind == "proportion" and np.any(observed[ok] > sizes[ok])):
        raise ValueError("tellers moeten >= 0 zijn (en <= de noemer bij een proportie)")
    if target is None:
        target = float(observed[ok].sum() / sizes[ok].sum()) if ok.any() else float("nan")
    theta = float(target)

    n_all = units.height
    z = np.full(n_all, np.nan)
    phi: float | None = None
    tau2: float | None = None
    adjusted = False
    if ok.any() and np.isfinite(theta):
        y_t, t_t, s = transform(observed[ok], sizes[ok], theta, kind)
        z[ok] = (y_t - t_t) / s
        if ok.sum() >= MIN_UNITS:
            phi = winsorised_phi(z[ok], consistent=consistent_phi)
            tau2 = additive_tau2(phi, s)
            adjusted = tau2 > 0 and (
                overdispersion == "altijd"
                or (overdispersion == "auto" and phi_is_significant(phi, int(ok.sum())))
            )
    tau2_used = tau2 if (adjusted and tau2 is not None) else 0.0

    value = np.divide(observed, sizes, out=np.full(n_all, np.nan), where=ok)
    targets = np.full(n_all, theta)
    z_adj = np.full(n_all, np.nan)
    limits = {k: np.full(n_all, np.nan) for k in ("lo_95", "hi_95", "lo_998", "hi_998")}
    if exclude_self:
        ref_o = float(observed[ok].sum()) if reference_observed is None else reference_observed
        ref_n = float(sizes[ok].sum()) if reference_size is None else reference_size
        rest_n = np.where(ok, ref_n - sizes, np.nan)
        good = ok & (rest_n > 0)
        targets = np.full(n_all, np.nan)
        targets[good] = (ref_o - observed[good]) / rest_n[good]
        if kind == "proportion":
            targets = np.clip(targets, 0.0, 1.0)
        if good.any():
            y_t, t_t, s = transform(observed[good], sizes[good], targets[good], kind)
            extra = 0.25 / rest_n[good]
            z[good] = (y_t - t_t) / np.sqrt(s**2 + extra)
            z_adj[good] = (y_t - t_t) / np.sqrt(s**2 + extra + tau2_used)
            own = additive_limits(
                targets[good], sizes[good], kind=kind, tau2=tau2_used, extra_variance=extra
            )
            for key, vals in own.items():
                limits[key][good] = vals
        z[~good] = np.nan
        method = METHOD_REST_ADDITIVE if adjusted else METHOD_REST
    elif ok.any() and np.isfinite(theta):
        if adjusted:
            y_t, t_t, s = transform(observed[ok], sizes[ok], theta, kind)
            z_adj[ok] = (y_t - t_t) / np.sqrt(s**2 + tau2_used)
            own = additive_limits(theta, sizes[ok], kind=kind, tau2=tau2_used)
            for key, vals in own.items():
                limits[key][ok] = vals
        else:
            z_adj[ok] = z[ok]
            frame = funnel_limits(theta, sizes[ok], kind=kind, levels=LEVELS)
            for key, vals in limits.items():
                vals[ok] = frame[key].cast(pl.Float64).fill_null(np.nan).to_numpy()
        method = METHOD_ADDITIVE if adjusted else METHOD_EXACT
    else:
        method = METHOD_EXACT
    labels = [label(b, direction) for b in band(value, limits)]

    def col(name: str, values: FloatArray, scale: float = 1.0) -> pl.Series:
        return pl.Series(name, values * scale, dtype=pl.Float64, nan_to_null=True)

    shown = np.where(ok, 1.0, np.nan)
    return pl.DataFrame(
        [
            units[unit_col],
            col("observed", observed * shown),
            col("size", sizes * shown),
            col("value", value, multiplier),
            col("target", targets, multiplier),
            col("z", z * shown),
            col("z_adjusted", z_adj * shown),
            pl.Series("phi", [phi] * n_all, dtype=pl.Float64),
            pl.Series("tau2", [tau2] * n_all, dtype=pl.Float64),
            pl.Series("method", [method] * n_all, dtype=pl.String),
            *(col(key, limits[key], multiplier) for key in ("lo_95", "hi_95", "lo_998", "hi_998")),
            pl.Series("label", labels, dtype=pl.String),
        ]
    )


def label_counts(frame: pl.DataFrame, codes: Sequence[str] = LABELS) -> dict[str, int]:
    """How many units got each label code (every code present, 0 when none)."""
    counts = dict.fromkeys(codes, 0)
    for code, n in frame.group_by("label").len().iter_rows():
        counts[str(code)] = int(n)
    return counts
