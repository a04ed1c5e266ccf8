"""Need-weighted population, need vs supply, and the allocation simulator.

Proportional universalism (Marmot; WeCare 003 L2995): universal provision at a
scale and intensity proportional to need. Pure functions, polars in / polars out,
no Streamlit; the method and its limits are in `docs/need-and-fair-shares.md`.

* `need_weighted_population`: a capitation-style need-weighted population per
  zone: inhabitants x an age/sex workload weight (`AGE_SEX_WEIGHTS`, an
  illustrative table shaped like England's GP capitation formula) x a deprivation
  uplift (share with increased reimbursement, VT) x a morbidity uplift (share with
  chronic-illness status beyond what the age structure explains), rescaled so that
  Flanders' need-weighted population equals its population.
* `need_vs_supply`: each zone's share of the population, of need, of GP capacity
  (FTE) and of GMD holders; the gap between need share and supply share; zones
  where supply does not rise with need are flagged.
* `allocate`: a budget (or new FTE) split into a universal part (by population)
  and a need-proportional part (by need share); the distance of each zone's
  allocation from its fair share (the fully need-proportional share).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
from statsmodels.regression.linear_model import WLS
from statsmodels.tools.tools import add_constant

from popmgmt.metrics import stats
from popmgmt.pipeline.codes import POP_AGE_BANDS, SEXES

DEPRIVATION_CODE: Final = "ima_vt"
MORBIDITY_CODE: Final = "ima_chron"
GP_FTE_CODE: Final = "gp_fte_per_10k"
GMD_CODE: Final = "ima_gmd"
GP_HEADCOUNT_CODE: Final = "gp_per_10k"

# Relative GP workload per inhabitant by sex and age (1.0 = a man of 45-64).
# Illustrative, shaped like the age-sex curve of capitation formulas such as
# England's GP global sum ("Carr-Hill") formula: young children and older people
# consult more, women more than men between 15 and 64. Not estimated from Belgian
# data: replace by IMA contacts per inhabitant by age and sex when available.
_AGE_GROUP_WEIGHTS: Final[tuple[tuple[str, tuple[str, ...], float, float], ...]] = (
    ("0–4", ("0-4",), 1.6, 1.5),
    ("5–14", ("5-9", "10-14"), 0.6, 0.6),
    ("15–24", ("15-19", "20-24"), 0.6, 0.9),
    ("25–44", ("25-29", "30-34", "35-39", "40-44"), 0.7, 1.0),
    ("45–64", ("45-49", "50-54", "55-59", "60-64"), 1.0, 1.2),
    ("65–74", ("65-69", "70-74"), 1.6, 1.7),
    ("75–84", ("75-79", "80-84"), 2.3, 2.4),
    ("85+", ("85-89", "90-94", "95+"), 3.0, 3.0),
)
AGE_SEX_WEIGHTS: Final[Mapping[tuple[str, str], float]] = {
    (sex, band): (male if sex == "M" else female)
    for _label, bands, male, female in _AGE_GROUP_WEIGHTS
    for band in bands
    for sex in SEXES
}
AGE_GROUP_TABLE: Final[tuple[tuple[str, float, float], ...]] = tuple(
    (label, male, female) for label, _bands, male, female in _AGE_GROUP_WEIGHTS
)
"""(age group, weight men, weight women), for the page and the docs."""

UNIVERSAL_SHARE_DEFAULT: Final = 0.5
MODES: Final = ("budget", "vte")
MODE_DEFAULT_TOTAL: Final[Mapping[str, float]] = {"budget": 1_000_000.0, "vte": 100.0}
MODE_DECIMALS: Final[Mapping[str, int]] = {"budget": 0, "vte": 1}
PER_NEED: Final = 10_000.0


@dataclass(frozen=True)
class NeedWeightParams:
    """How the need-weighted population is built.

    `age_sex`: weight inhabitants by `AGE_SEX_WEIGHTS` (else every inhabitant 1).
    `deprivation`, `morbidity`: elasticities of the uplifts: a zone with 10% more
    (than Flanders) of the marker gets `elasticity` x 10% more weight.
    """

    age_sex: bool = True
    deprivation: float = 0.5
    morbidity: float = 0.5


ELASTICITY_MAX: Final = 2.0

RATIO_TOLERANCE: Final = 1e-9
"""Ratios within this of 1 count as equal to Flanders (floating-point noise)."""

FLAG_REASONS: Final[Mapping[str, str]] = {
    "vlak": "meer nood dan Vlaanderen, niet meer huisartsen-VTE per inwoner",
    "tekort": "meer nood dan Vlaanderen, significant minder VTE per noodgewogen inwoner",
    "beide": "meer nood dan Vlaanderen, niet meer VTE per inwoner en significant minder "
    "VTE per noodgewogen inwoner",
}


def check_params(params: NeedWeightParams) -> None:
    for name in ("deprivation", "morbidity"):
        value = getattr(params, name)
        if not math.isfinite(value) or not 0.0 <= value <= ELASTICITY_MAX:
            raise ValueError(f"{name} moet tussen 0 en {ELASTICITY_MAX:g} liggen, niet {value}")


def age_sex_weight_frame() -> pl.DataFrame:
    """`AGE_SEX_WEIGHTS` as a frame: sex, age_band, weight (every band of the mart)."""
    return pl.DataFrame(
        [
            {"sex": sex, "age_band": band, "weight": AGE_SEX_WEIGHTS[(sex, band)]}
            for sex in SEXES
            for band in POP_AGE_BANDS
        ],
        schema={"sex": pl.String, "age_band": pl.String, "weight": pl.Float64},
    )


# --------------------------------------------------------------------------- need


def age_sex_population(bands: pl.DataFrame, totals: pl.DataFrame) -> pl.DataFrame:
    """Age/sex-weighted inhabitants per area: area_code, population, age_sex_population.

    `bands`: area_code, sex (M/V), age_band, population (null when suppressed);
    `totals`: area_code, population. A suppressed band is not read as 0: the mean
    weight of the known bands is applied to the area's total.
    """
    weighted = (
        bands.filter(pl.col("sex").is_in(list(SEXES)))
        .join(age_sex_weight_frame(), on=["sex", "age_band"], how="inner")
        .group_by("area_code")
        .agg(
            (pl.col("population").cast(pl.Float64) * pl.col("weight")).sum().alias("_wsum"),
            pl.col("population").cast(pl.Float64).sum().alias("_known"),
        )
    )
    return (
        totals.select("area_code", pl.col("population").cast(pl.Float64))
        .join(weighted, on="area_code", how="left")
        .with_columns(
            pl.when(pl.col("_known") > 0)
            .then(pl.col("population") * pl.col("_wsum") / pl.col("_known"))
            .otherwise(pl.col("population"))
            .alias("age_sex_population")
        )
        .select("area_code", "population", "age_sex_population")
        .sort("area_code")
    )


def need_weighted_population(
    age_sex: pl.DataFrame,
    rates: pl.DataFrame,
    *,
    params: NeedWeightParams | None = None,
    reference: Mapping[str, float | None] | None = None,
) -> pl.DataFrame:
    """The need-weighted population of each area and its shares.

    `age_sex`: area_code, population, age_sex_population (`age_sex_population`).
    `rates`: area_code, deprivation, morbidity (raw proportions; null = unknown,
    which leaves that uplift at 1). `reference`: the Flemish `deprivation` and
    `morbidity` proportions (default: population-weighted mean of the areas).

    age_factor = (weighted / inhabitants) / the same for all areas together;
    deprivation_ratio = deprivation / reference; morbidity_ratio = (morbidity /
    reference) / age_factor (morbidity beyond what age explains); each uplift is
    max(0, 1 + elasticity x (ratio - 1)); need = inhabitants x (age_factor if
    `age_sex`) x uplifts, rescaled so that the total equals the total population.
    Columns: area_code, population, age_factor, deprivation_ratio,
    deprivation_factor, morbidity_ratio, morbidity_factor, need_population,
    pop_share, need_share.
    """
    params = params or NeedWeightParams()
    check_params(params)
    frame = age_sex.join(rates, on="area_code", how="left")
    total_pop = float(frame["population"].sum())
    total_as = float(frame["age_sex_population"].sum())
    if total_pop <= 0 or total_as <= 0:
        raise ValueError("geen inwoners om de nood te wegen")
    ref: dict[str, float] = {k: float(v) for k, v in (reference or {}).items() if v is not None}
    pop = pl.col("population")
    for key in ("deprivation", "morbidity"):
        if key not in ref:
            known = frame.filter(pl.col(key).is_not_null())
            weighted = float((known[key] * known["population"]).sum())
            ref[key] = weighted / float(known["population"].sum())
    mean_weight = total_as / total_pop
    age_factor = (pl.col("age_sex_population") / pop) / mean_weight
    frame = frame.with_columns(age_factor.alias("age_factor")).with_columns(
        (pl.col("deprivation") / ref["deprivation"]).alias("deprivation_ratio"),
        (pl.col("morbidity") / ref["morbidity"] / pl.col("age_factor")).alias("morbidity_ratio"),
    )

    def uplift(ratio: str, elasticity: float) -> pl.Expr:
        return (1.0 + elasticity * (pl.col(ratio) - 1.0)).clip(lower_bound=0.0).fill_null(1.0)

    frame = frame.with_columns(
        uplift("deprivation_ratio", params.deprivation).alias("deprivation_factor"),
        uplift("morbidity_ratio", params.morbidity).alias("morbidity_factor"),
    )
    age_part = pl.col("age_factor") if params.age_sex else pl.lit(1.0)
    raw = pop * age_part * pl.col("deprivation_factor") * pl.col("morbidity_factor")
    frame = frame.with_columns(raw.alias("_raw"))
    raw_total = float(frame["_raw"].sum())
    if raw_total <= 0:
        raise ValueError("de gewogen nood is overal 0")
    return (
        frame.with_columns((pl.col("_raw") * total_pop / raw_total).alias("need_population"))
        .with_columns(
            (pop / total_pop).alias("pop_share"),
            (pl.col("need_population") / total_pop).alias("need_share"),
        )
        .select(
            "area_code",
            "population",
            "age_factor",
            "deprivation_ratio",
            "deprivation_factor",
            "morbidity_ratio",
            "morbidity_factor",
            "need_population",
            "pop_share",
            "need_share",
        )
        .sort("area_code")
    )


# --------------------------------------------------------------------------- supply


def zone_supply(values: pl.DataFrame, *, year: int, level: str = "zone") -> pl.DataFrame:
    """GP capacity and GMD holders per area: area_code, gp_fte, gmd_patients,
    gp_headcount.

    `gp_fte` is the numerator of `gp_fte_per_10k` (activity-based FTE),
    `gmd_patients` that of `ima_gmd`, `gp_headcount` that of `gp_per_10k` (active GPs,
    for the FTE interval). A suppressed cell stays null (never 0).
    """
    codes = [GP_FTE_CODE, GMD_CODE, GP_HEADCOUNT_CODE]
    rows = values.filter(
        (pl.col("level") == level)
        & (pl.col("year") == year)
        & pl.col("indicator_code").is_in(codes)
    ).with_columns(
        pl.when(pl.col("suppressed").fill_null(False))
        .then(None)
        .otherwise(pl.col("numerator").cast(pl.Float64))
        .alias("numerator")
    )
    wide = rows.pivot(on="indicator_code", index="area_code", values="numerator")
    for code in codes:
        if code not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(code))
    return wide.select(
        "area_code",
        pl.col(GP_FTE_CODE).cast(pl.Float64).alias("gp_fte"),
        pl.col(GMD_CODE).cast(pl.Float64).alias("gmd_patients"),
        pl.col(GP_HEADCOUNT_CODE).cast(pl.Float64).alias("gp_headcount"),
    ).sort("area_code")


def fte_interval(
    fte: npt.NDArray[np.float64], headcount: npt.NDArray[np.float64] | None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """An approximate 95% interval of an FTE sum that does not depend on the FTE unit:
    the FTE times the relative exact Poisson interval of the number of GPs behind it
    (issue 15; a Poisson interval of the FTE number itself would be narrower in
    half-days and wider in weeks). NaN where the headcount is unknown or 0."""
    if headcount is None:
        nan = np.full(fte.shape, np.nan)
        return nan, nan
    low, high = stats.poisson_interval(headcount)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_low = np.where(headcount > 0, low / headcount, np.nan)
        rel_high = np.where(headcount > 0, high / headcount, np.nan)
    return fte * rel_low, fte * rel_high


def need_vs_supply(need: pl.DataFrame, supply: pl.DataFrame) -> pl.DataFrame:
    """Shares of population, need and supply per zone, their gaps and the flags.

    `need` from `need_weighted_population`; `supply` from `zone_supply`. Shares of
    supply are of the zones with a value (a null stays null). Added columns:
    fte_share, gmd_share, fte_gap, gmd_gap (supply share - need share, in
    percentage points), need_ratio (need share / population share: 1 = as much
    need per inhabitant as Flanders), fte_ratio, gmd_ratio, fte_per_need
    (FTE per 10,000 need-weighted inhabitants) with its Poisson 95% interval
    (fte_low, fte_high), fte_per_need_flanders, fte_comparison (`hoger`, `lager`,
    `vergelijkbaar`: the interval against the Flemish value), and
    flag_not_rising with its Dutch flag_reason: more need per inhabitant than
    Flanders (need_ratio > 1) and either not more GP FTE per inhabitant than
    Flanders (fte_ratio <= 1) or significantly fewer GP FTE per need-weighted
    inhabitant than Flanders (fte_comparison `lager`).
    """
    frame = need.join(supply, on="area_code", how="left")
    fte_total = float(frame["gp_fte"].sum())
    gmd_total = float(frame["gmd_patients"].sum())
    need_known = frame.filter(pl.col("gp_fte").is_not_null())
    fl_rate = (
        fte_total / float(need_known["need_population"].sum()) * PER_NEED
        if need_known.height
        else None
    )
    low, high = fte_interval(
        frame["gp_fte"].fill_null(np.nan).to_numpy(),
        frame["gp_headcount"].fill_null(np.nan).to_numpy()
        if "gp_headcount" in frame.columns
        else None,
    )
    frame = frame.with_columns(
        (pl.col("gp_fte") / fte_total).alias("fte_share")
        if fte_total > 0
        else pl.lit(None, dtype=pl.Float64).alias("fte_share"),
        (pl.col("gmd_patients") / gmd_total).alias("gmd_share")
        if gmd_total > 0
        else pl.lit(None, dtype=pl.Float64).alias("gmd_share"),
        (pl.col("gp_fte") / pl.col("need_population") * PER_NEED).alias("fte_per_need"),
        pl.Series("_lo", low, dtype=pl.Float64).fill_nan(None),
        pl.Series("_hi", high, dtype=pl.Float64).fill_nan(None),
    ).with_columns(
        ((pl.col("fte_share") - pl.col("need_share")) * 100).alias("fte_gap"),
        ((pl.col("gmd_share") - pl.col("need_share")) * 100).alias("gmd_gap"),
        (pl.col("need_share") / pl.col("pop_share")).alias("need_ratio"),
        (pl.col("fte_share") / pl.col("pop_share")).alias("fte_ratio"),
        (pl.col("gmd_share") / pl.col("pop_share")).alias("gmd_ratio"),
        (pl.col("_lo") / pl.col("need_population") * PER_NEED).alias("fte_low"),
        (pl.col("_hi") / pl.col("need_population") * PER_NEED).alias("fte_high"),
        pl.lit(fl_rate, dtype=pl.Float64).alias("fte_per_need_flanders"),
    )
    frame = stats.compare_to_reference(
        frame,
        ref_value_col="fte_per_need_flanders",
        direction="neutraal",
        low_col="fte_low",
        high_col="fte_high",
        out_col="fte_comparison",
    )
    more_need = pl.col("need_ratio") > 1.0 + RATIO_TOLERANCE
    flat = more_need & (pl.col("fte_ratio") <= 1.0 + RATIO_TOLERANCE)
    short = more_need & (pl.col("fte_comparison") == "lager")
    reason = (
        pl.when(flat & short)
        .then(pl.lit(FLAG_REASONS["beide"]))
        .when(flat)
        .then(pl.lit(FLAG_REASONS["vlak"]))
        .when(short)
        .then(pl.lit(FLAG_REASONS["tekort"]))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return (
        frame.with_columns(reason.alias("flag_reason"))
        .with_columns(pl.col("flag_reason").is_not_null().alias("flag_not_rising"))
        .drop("_lo", "_hi")
    )


def supply_need_slope(frame: pl.DataFrame, *, supply_col: str = "fte_ratio") -> dict[str, float]:
    """How supply per inhabitant rises with need per inhabitant across zones.

    Weighted least squares (weights = population) of `supply_col` on `need_ratio`:
    slope 1 means supply rises in proportion to need, 0 that it does not rise at
    all. Returns slope, slope_low, slope_high (95% t-interval), n. NaN slope with
    fewer than 3 zones or when need does not vary between zones.
    """
    data = frame.filter(pl.col(supply_col).is_not_null() & pl.col("need_ratio").is_not_null())
    n = data.height
    nan = float("nan")
    x = data["need_ratio"].to_numpy()
    if n < 3 or float(np.ptp(x)) <= RATIO_TOLERANCE:
        # Too few zones, or no spread in need (e.g. no weighting at all): no slope.
        return {"slope": nan, "slope_low": nan, "slope_high": nan, "n": float(n)}
    y = data[supply_col].to_numpy()
    w = data["population"].to_numpy()
    fit = WLS(y, add_constant(x, has_constant="add"), weights=w).fit()
    lo, hi = fit.conf_int(alpha=0.05)[1]
    return {
        "slope": float(fit.params[1]),
        "slope_low": float(lo),
        "slope_high": float(hi),
        "n": float(n),
    }


# --------------------------------------------------------------------------- allocation


def round_preserving_total(values: Sequence[float], decimals: int = 0) -> list[float]:
    """Round to `decimals` so that the rounded values still add up to the rounded total.

    Largest-remainder method: everything is rounded down, then the units left over
    go to the largest remainders (ties to the earlier position).
    """
    if not values:
        return []
    scale = 10**decimals
    scaled = [float(v) * scale for v in values]
    floors = [math.floor(v + 1e-9) for v in scaled]
    target = round(sum(scaled))
    left = int(target - sum(floors))
    order = sorted(range(len(scaled)), key=lambda i: (-(scaled[i] - floors[i]), i))
    for i in order[: max(left, 0)]:
        floors[i] += 1
    return [f / scale for f in floors]


def allocate(
    shares: pl.DataFrame,
    *,
    total: float,
    universal_share: float,
    decimals: int = 0,
) -> pl.DataFrame:
    """Split `total` into a universal part (by population) and a need part (by need).

    `shares`: area_code, pop_share, need_share (each summing to 1; they are
    rescaled if not). allocation = total x (u x pop_share + (1 - u) x need_share),
    rounded to `decimals` with the total preserved. fair_share = total x
    need_share (fully proportional to need); distance = allocation - fair_share;
    distance_pct = distance / fair_share x 100. Rows sorted by area_code.
    """
    if not math.isfinite(total) or total < 0:
        raise ValueError(f"het bedrag moet een getal >= 0 zijn, niet {total}")
    if not 0.0 <= universal_share <= 1.0:
        raise ValueError(f"het universele deel moet tussen 0 en 1 liggen, niet {universal_share}")
    frame = shares.select("area_code", "pop_share", "need_share").sort("area_code")
    frame = frame.with_columns(
        (pl.col("pop_share") / pl.col("pop_share").sum()).alias("pop_share"),
        (pl.col("need_share") / pl.col("need_share").sum()).alias("need_share"),
    ).with_columns(
        (total * universal_share * pl.col("pop_share")).alias("universal_part"),
        (total * (1.0 - universal_share) * pl.col("need_share")).alias("need_part"),
        (total * pl.col("need_share")).alias("fair_share"),
    )
    exact = (frame["universal_part"] + frame["need_part"]).to_list()
    rounded = round_preserving_total(exact, decimals)
    return (
        frame.with_columns(pl.Series("allocation", rounded, dtype=pl.Float64))
        .with_columns((pl.col("allocation") - pl.col("fair_share")).alias("distance"))
        .with_columns(
            pl.when(pl.col("fair_share") > 0)
            .then(pl.col("distance") / pl.col("fair_share") * 100)
            .alias("distance_pct")
        )
    )


def capacity_after(allocation: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    """For new FTE: capacity before and after, against each zone's fair share of all FTE.

    `allocation` from `allocate` (in FTE); `current`: area_code, gp_fte. target =
    all FTE x need_share (before: current total; after: current + new);
    distance_before / distance_after = capacity / target x 100 - 100 (% above
    or below the fair share). A zone without a current value stays null.
    """
    frame = allocation.join(current.select("area_code", "gp_fte"), on="area_code", how="left")
    before_total = float(frame["gp_fte"].sum())
    added = float(frame["allocation"].sum())
    return frame.with_columns(
        (pl.col("gp_fte") + pl.col("allocation")).alias("fte_after"),
        (before_total * pl.col("need_share")).alias("target_before"),
        ((before_total + added) * pl.col("need_share")).alias("target_after"),
    ).with_columns(
        (pl.col("gp_fte") / pl.col("target_before") * 100 - 100).alias("distance_before"),
        (pl.col("fte_after") / pl.col("target_after") * 100 - 100).alias("distance_after"),
    )
