"""Age standardisation: the 2013 European Standard Population collapsed to any age
bands, and indirectly standardised ratios (observed / expected against a reference).

Directly standardised rates with Dobson's interval are `stats.direct_standardised_rate`
(pass `standard=esp2013_weights(edges)` for the Atlas' age bands).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Literal

import numpy as np
import polars as pl

from popmgmt.metrics.stats import _byar, _check_confidence, _exact_poisson

# 2013 European Standard Population: Eurostat (2013), "Revision of the European
# Standard Population. Report of Eurostat's task force", Methodologies and Working
# papers, 2013 edition (per 100,000; under 1 and 1-4, 90-94 and 95+ as the report
# gives them; PHEindicatormethods' `esp2013` is the same with 0-4 = 5,000 and
# 90+ = 1,000). Lower age bound -> weight.
ESP2013_LOWER_BOUNDS: Final[Mapping[int, float]] = {
    0: 1000.0,
    1: 4000.0,
    5: 5500.0,
    10: 5500.0,
    15: 5500.0,
    20: 6000.0,
    25: 6000.0,
    30: 6500.0,
    35: 7000.0,
    40: 7000.0,
    45: 7000.0,
    50: 7000.0,
    55: 6500.0,
    60: 6000.0,
    65: 5500.0,
    70: 5000.0,
    75: 4000.0,
    80: 2500.0,
    85: 1500.0,
    90: 800.0,
    95: 200.0,
}
ESP2013_SOURCE: Final = (
    "Eurostat (2013), Revision of the European Standard Population, "
    "Methodologies and Working papers, 2013 edition"
)

IsrInterval = Literal["exact", "phe"]


def band_label(lower: int, upper: int | None) -> str:
    """ "60-69" for [60, 70), "90+" for the open last band."""
    return f"{lower}+" if upper is None else f"{lower}-{upper - 1}"


def esp2013_weights(edges: Sequence[int]) -> dict[str, float]:
    """ESP2013 weights summed into the bands that start at `edges` (the last band open).

    `edges` are the lower bounds, starting at 0, strictly increasing, each a bound of
    the standard (0, 1, 5, 10, ..., 95). Returns label -> weight in band order
    ("0-9", "10-19", ..., "90+"); the weights sum to 100,000.
    """
    bounds = list(edges)
    if not bounds or bounds[0] != 0:
        raise ValueError("de leeftijdsklassen beginnen bij 0")
    if any(b >= a for a, b in zip(bounds[1:], bounds, strict=False)):
        raise ValueError("de ondergrenzen moeten strikt stijgen")
    unknown = [b for b in bounds if b not in ESP2013_LOWER_BOUNDS]
    if unknown:
        raise ValueError(
            f"ondergrenzen {unknown} vallen niet samen met de ESP2013-klassen "
            f"{list(ESP2013_LOWER_BOUNDS)}"
        )
    out: dict[str, float] = {}
    for i, lower in enumerate(bounds):
        upper = bounds[i + 1] if i + 1 < len(bounds) else None
        weight = sum(
            w
            for a, w in ESP2013_LOWER_BOUNDS.items()
            if a >= lower and (upper is None or a < upper)
        )
        out[band_label(lower, upper)] = weight
    return out


def _poisson_limits(
    observed: np.ndarray, confidence: float, interval: IsrInterval
) -> tuple[np.ndarray, np.ndarray]:
    low, high = _exact_poisson(observed, confidence)
    if interval == "phe":
        # PHEindicatormethods calculate_ISRatio: exact below 10 events, Byar from 10
        big = observed >= 10
        byar_low, byar_high = _byar(np.where(big, observed, 10.0), confidence)
        low = np.where(big, byar_low, low)
        high = np.where(big, byar_high, high)
    return low, high


def indirect_standardised_ratio(
    df: pl.DataFrame,
    reference: pl.DataFrame,
    *,
    by: Sequence[str],
    age_col: str = "age_band",
    events_col: str = "events",
    population_col: str = "population",
    ref_events_col: str = "ref_events",
    ref_population_col: str = "ref_population",
    confidence: float = 0.95,
    refvalue: float = 1.0,
    interval: IsrInterval = "exact",
) -> pl.DataFrame:
    """Indirectly standardised ratio per `by` group: observed / expected x `refvalue`.

    `df`: one row per group x age band (events, population); `reference`: one row per
    age band with the reference's events and population (e.g. Flanders). Expected =
    sum over the group's bands of population x reference rate. Interval: the Poisson
    interval of the observed count divided by the expected (the expected treated as
    exact): `interval="exact"` (Garwood, as `stats.poisson_interval`) or "phe" (exact
    below 10 events, Byar from 10: PHEindicatormethods `calculate_ISRatio`). Any null
    events or population in a group gives null; an expected of 0 gives null.
    Output: `by`, `observed`, `expected`, `value`, `ci_low`, `ci_high`.
    """
    _check_confidence(confidence)
    if interval not in ("exact", "phe"):
        raise ValueError(f"interval moet 'exact' of 'phe' zijn, niet {interval!r}")
    by = list(by)
    needed = [*by, age_col, events_col, population_col]
    missing = [c for c in needed if c not in df.columns]
    missing += [c for c in (age_col, ref_events_col, ref_population_col) if c not in reference]
    if missing:
        raise ValueError(f"kolommen ontbreken: {missing}")
    if reference[age_col].n_unique() != reference.height:
        raise ValueError("de referentie heeft een rij per leeftijdsklasse nodig")
    unknown = set(df[age_col].unique().to_list()) - set(reference[age_col].to_list())
    if unknown:
        raise ValueError(f"leeftijdsklassen zonder referentie: {sorted(map(str, unknown))}")
    ref = reference.select(
        age_col,
        (
            pl.col(ref_events_col).cast(pl.Float64) / pl.col(ref_population_col).cast(pl.Float64)
        ).alias("_ref_rate"),
    )
    if ref["_ref_rate"].null_count() or not ref["_ref_rate"].is_finite().all():
        raise ValueError("referentie met ontbrekende of lege bevolking")
    d = pl.col(events_col).cast(pl.Float64)
    n = pl.col(population_col).cast(pl.Float64)
    grouped = (
        df.join(ref, on=age_col, how="left")
        .group_by(by, maintain_order=True)
        .agg(
            d.sum().alias("observed"),
            (n * pl.col("_ref_rate")).sum().alias("expected"),
            (d.is_null() | n.is_null()).any().alias("_null"),
        )
    )
    o = grouped["observed"].to_numpy().astype(np.float64)
    e = grouped["expected"].to_numpy().astype(np.float64)
    ok = ~grouped["_null"].to_numpy() & (e > 0)
    if np.any(o[ok] < 0):
        raise ValueError("negatieve aantallen")
    low, high = _poisson_limits(np.where(ok, o, 0.0), confidence, interval)
    safe_e = np.where(ok, e, 1.0)

    def _col(name: str, values: np.ndarray) -> pl.Series:
        return pl.Series(name, np.where(ok, values, np.nan), dtype=pl.Float64).fill_nan(None)

    return grouped.select(by).with_columns(
        _col("observed", o),
        _col("expected", e),
        _col("value", o / safe_e * refvalue),
        _col("ci_low", low / safe_e * refvalue),
        _col("ci_high", high / safe_e * refvalue),
    )
