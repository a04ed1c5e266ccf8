"""Slope index of inequality with a sampling-error interval (as PHEindicatormethods
`phe_sii`), replacing `stats.slope_index_of_inequality` (whose interval is the scatter
around the line and whose weights are inhabitants).

Per series of ordered groups (e.g. deprivation quintiles, first = least deprived):
- weights a_i = the indicator's denominator of group i as a share of the total;
  ridit b_i = the midpoint of group i's cumulative share;
- SII = the weighted least-squares slope of the group values on the ridit (the fit of
  sqrt(a) y on sqrt(a) and b sqrt(a) without intercept, as `phe_sii`): the modelled
  difference between the last (ridit 1) and the first (ridit 0) end of the order;
- interval: Monte Carlo. Each group's value is drawn from a normal distribution on the
  transformed scale (logit for proportions, log for rates, none otherwise) with
  standard error (T(upper) - T(lower)) / (2 z), z from the input intervals' level;
  transformed back; the slope refitted; the interval is the sorted draws at positions
  round(R alpha / 2) and round(R (1 - alpha / 2)) (`phe_sii`). A fixed seed makes the
  result deterministic.
- Proportions are returned in percentage points (unit code `pp`); other kinds in the
  indicator's own unit times `multiplier` (unit code `eenheid_indicator`).
- `worse_end`: which end of the order is worse given the indicator's direction
  (`eerste_groep` / `laatste_groep`), `hoger_aan_einde` / `hoger_aan_begin` for a
  neutral indicator, `geen` when the interval contains 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats as sps

from popmgmt.pipeline.codes import DIRECTIONS

FloatArray = npt.NDArray[np.float64]
SiiKind = Literal["proportion", "rate", "other"]

REPETITIONS: Final = 100_000
SEED: Final = 20_260_315
UNIT_PP: Final = "pp"
UNIT_INDICATOR: Final = "eenheid_indicator"
WORSE_FIRST: Final = "eerste_groep"
WORSE_LAST: Final = "laatste_groep"
HIGHER_LAST: Final = "hoger_aan_einde"
HIGHER_FIRST: Final = "hoger_aan_begin"
NO_GRADIENT: Final = "geen"
WORSE_ENDS: Final = (WORSE_FIRST, WORSE_LAST, HIGHER_LAST, HIGHER_FIRST, NO_GRADIENT)


def _transform(values: FloatArray, kind: SiiKind) -> FloatArray:
    if kind == "proportion":
        return np.asarray(np.log(values / (1.0 - values)), dtype=np.float64)
    if kind == "rate":
        return np.asarray(np.log(values), dtype=np.float64)
    return values


def _back(values: FloatArray, kind: SiiKind) -> FloatArray:
    if kind == "proportion":
        return np.asarray(1.0 / (1.0 + np.exp(-values)), dtype=np.float64)
    if kind == "rate":
        return np.asarray(np.exp(values), dtype=np.float64)
    return values


def ridits(weights: FloatArray) -> FloatArray:
    """Midpoints of the cumulative weight shares, in the given order."""
    share = weights / weights.sum()
    return np.asarray(np.cumsum(share) - share / 2.0, dtype=np.float64)


def _projection(weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The row of (X'X)^-1 X' that gives the slope, and sqrt(a)."""
    sqrt_a = np.sqrt(weights / weights.sum())
    design = np.column_stack([sqrt_a, ridits(weights) * sqrt_a])
    projection = np.linalg.solve(design.T @ design, design.T)
    return np.asarray(projection[1], dtype=np.float64), sqrt_a


def sii_one(
    values: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    weights: FloatArray,
    *,
    kind: SiiKind,
    confidence: float = 0.95,
    ci_level: float = 0.95,
    repetitions: int = REPETITIONS,
    seed: int = SEED,
) -> tuple[float, float, float]:
    """(SII, lower, upper) on the scale of `values` for one ordered series."""
    slope_row, sqrt_a = _projection(weights)
    sii = float(slope_row @ (sqrt_a * values))
    z_in = float(sps.norm.ppf(0.5 + ci_level / 2.0))
    mean = _transform(values, kind)
    se = (_transform(upper, kind) - _transform(lower, kind)) / (2.0 * z_in)
    rng = np.random.default_rng(seed)
    draws = _back(rng.normal(mean, se, size=(repetitions, values.size)), kind)
    slopes = np.sort(draws @ (slope_row * sqrt_a))
    alpha = 1.0 - confidence
    low_pos = max(round(repetitions * alpha / 2.0), 1) - 1
    high_pos = min(round(repetitions * (1.0 - alpha / 2.0)), repetitions) - 1
    return sii, float(slopes[low_pos]), float(slopes[high_pos])


def worse_end(low: float | None, high: float | None, direction: str) -> str | None:
    """Which end of the order is worse (see the module docstring); None when unknown."""
    if low is None or high is None or not (np.isfinite(low) and np.isfinite(high)):
        return None
    if low <= 0.0 <= high:
        return NO_GRADIENT
    rising = low > 0.0
    if direction == "hoger_beter":
        return WORSE_FIRST if rising else WORSE_LAST
    if direction == "lager_beter":
        return WORSE_LAST if rising else WORSE_FIRST
    return HIGHER_LAST if rising else HIGHER_FIRST


def slope_index(
    df: pl.DataFrame,
    *,
    order_col: str,
    value_col: str,
    lower_col: str,
    upper_col: str,
    weight_col: str,
    kind: SiiKind,
    direction: str,
    by: Sequence[str] = (),
    multiplier: float = 1.0,
    confidence: float = 0.95,
    ci_level: float = 0.95,
    repetitions: int = REPETITIONS,
    seed: int = SEED,
) -> pl.DataFrame:
    """SII per `by` partition, groups ordered by `order_col`.

    Values and interval bounds on the raw scale (a proportion in [0, 1], a rate per
    unit of its denominator); `weight_col` the indicator's denominator per group
    (persons or exposure). For proportions the result is in percentage points
    (multiplier 100, `multiplier` ignored); otherwise times `multiplier`. A partition
    with fewer than 2 groups, a null input or a weight <= 0 gives null. Proportions
    and interval bounds must lie strictly inside (0, 1), rates be > 0 (the transform).
    Output: `by`, `sii`, `sii_low`, `sii_high`, `unit`, `worse_end`, `n_groups`,
    `repetitions`, `seed`.
    """
    if kind not in ("proportion", "rate", "other"):
        raise ValueError(f"kind moet 'proportion', 'rate' of 'other' zijn, niet {kind!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"onbekende richting {direction!r}; toegelaten: {list(DIRECTIONS)}")
    if repetitions < 1000:
        raise ValueError("minstens 1000 herhalingen")
    if not multiplier > 0:
        raise ValueError("multiplier moet > 0 zijn")
    by = list(by)
    needed = [*by, order_col, value_col, lower_col, upper_col, weight_col]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(f"kolommen ontbreken: {missing}")
    scale = 100.0 if kind == "proportion" else multiplier
    unit = UNIT_PP if kind == "proportion" else UNIT_INDICATOR
    ordered = df.sort([*by, order_col])
    parts = ordered.partition_by(by, maintain_order=True) if by else [ordered]
    rows: list[dict[str, object]] = []
    for part in parts:
        cols = [
            part[c].cast(pl.Float64).fill_null(np.nan).to_numpy() for c in needed[len(by) + 1 :]
        ]
        values, lower, upper, weights = (np.asarray(c, dtype=np.float64) for c in cols)
        row: dict[str, object] = {key: part[key][0] for key in by}
        row |= {"n_groups": part.height, "unit": unit, "repetitions": repetitions, "seed": seed}
        stacked = np.vstack([values, lower, upper, weights])
        if part.height >= 2 and np.all(np.isfinite(stacked)) and np.all(weights > 0):
            bounds = np.vstack([values, lower, upper])
            if kind == "proportion" and (np.any(bounds <= 0) or np.any(bounds >= 1)):
                raise ValueError("proporties en grenzen moeten strikt tussen 0 en 1 liggen")
            if kind == "rate" and np.any(bounds <= 0):
                raise ValueError("rates en grenzen moeten > 0 zijn")
            sii, low, high = sii_one(
                values,
                lower,
                upper,
                weights,
                kind=kind,
                confidence=confidence,
                ci_level=ci_level,
                repetitions=repetitions,
                seed=seed,
            )
            row |= {"sii": sii * scale, "sii_low": low * scale, "sii_high": high * scale}
            row["worse_end"] = worse_end(low, high, direction)
        rows.append(row)
    schema: dict[str, Any] = {key: df.schema[key] for key in by} | {
        "sii": pl.Float64,
        "sii_low": pl.Float64,
        "sii_high": pl.Float64,
        "unit": pl.String,
        "worse_end": pl.String,
        "n_groups": pl.Int64,
        "repetitions": pl.Int64,
        "seed": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")
