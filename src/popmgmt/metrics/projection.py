"""Population projection: a cohort-component model with stated assumptions.

Pure functions (polars in, polars out; numpy inside), no Streamlit, no display text. Used
by the build when no official projection file is delivered (`docs/gp-capacity.md`).

One step, per area, sex and single year of age (`OPEN_AGE` is the open group "100+"):

    P(a+1, t+1) = P(a, t) x s(a) + M(a+1)                    for 0 <= a < OPEN_AGE - 1
    P(A, t+1)   = P(A-1, t) x s(A-1) + P(A, t) x s(A) + M(A)  for the open group A
    P(0, t+1)   = F x W(t) x share of the sex                 (newborns on 1 January)

- survival s(a): the probability of living one more year, from a Gompertz mortality law
  mu(x) = alpha x exp(beta x) per sex, with `beta` stated and alpha set so that life
  expectancy at birth equals the stated value (`gompertz_survival`);
- net migration M(a): the yearly net number of people arriving at age a, the mean of the
  recent years' residuals P(a, t+1) - s(a-1) P(a-1, t) per area and sex
  (`estimate_migration`), held constant;
- fertility F: children aged 0 on 1 January per woman aged 15-49 a year earlier, the mean
  of the recent years per area (`estimate_fertility`), held constant; it includes the
  deaths and moves of babies in their first year, so M(0) is not used;
- a negative result (more leaving than living there) is set to 0.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.optimize import brentq

from popmgmt.pipeline.codes import POP_AGE_BANDS, SEXES

FloatArray = npt.NDArray[np.float64]

OPEN_AGE: Final = 100
"""Ages from here on form one group (100+)."""
FERTILE_AGES: Final = (15, 49)
BOY_SHARE: Final = 105 / 205
"""Share of boys among newborns (sex ratio at birth 105 boys per 100 girls)."""
GOMPERTZ_SLOPE: Final = 0.1
"""beta of the Gompertz law: mortality doubles about every 7 years of age."""
LIFE_EXPECTANCY: Final[Mapping[str, float]] = {"M": 81.0, "V": 85.0}
"""Stated life expectancy at birth (years), in the range of recent Flemish figures."""
RECENT_YEARS: Final = 3
"""Transitions (year to next year) averaged for migration and fertility."""
_MAX_AGE_LIFE_TABLE: Final = 130

INPUT_SCHEMA: Final = pl.Schema(
    {"area_code": pl.String, "year": pl.Int64, "sex": pl.String, "age": pl.Int64,
     "population": pl.Float64}
)  # fmt: skip
OUTPUT_SCHEMA: Final = INPUT_SCHEMA


@dataclass(frozen=True)
class Assumptions:
    """The inputs of the projection besides the base population.

    `survival`: sex, age (0..OPEN_AGE), survival; `migration`: area_code, sex, age,
    net_migration (people a year); `fertility`: area_code, fertility (children aged 0 per
    woman aged 15-49 a year earlier); `boy_share`: share of boys among newborns.
    """

    survival: pl.DataFrame
    migration: pl.DataFrame
    fertility: pl.DataFrame
    boy_share: float = BOY_SHARE


# --------------------------------------------------------------------------- survival


def _gompertz_lx(alpha: float, beta: float, ages: FloatArray) -> FloatArray:
    return np.asarray(np.exp(-alpha / beta * (np.exp(beta * ages) - 1.0)), dtype=np.float64)


def _life_expectancy(alpha: float, beta: float) -> float:
    ages = np.arange(_MAX_AGE_LIFE_TABLE + 1, dtype=np.float64)
    lx = _gompertz_lx(alpha, beta, ages)
    return float(((lx[:-1] + lx[1:]) / 2.0).sum())


def gompertz_alpha(life_expectancy: float, beta: float = GOMPERTZ_SLOPE) -> float:
    """The Gompertz level alpha that gives `life_expectancy` at birth with slope `beta`."""
    if not 20.0 <= life_expectancy <= 110.0:
        raise ValueError(
            f"levensverwachting moet tussen 20 en 110 jaar liggen, niet {life_expectancy}"
        )
    return float(brentq(lambda a: _life_expectancy(a, beta) - life_expectancy, 1e-12, 1.0))


def gompertz_survival(
    life_expectancy: Mapping[str, float] = LIFE_EXPECTANCY, beta: float = GOMPERTZ_SLOPE
) -> pl.DataFrame:
    """Yearly survival by sex and age 0..OPEN_AGE (the open group: its first year)."""
    ages = np.arange(OPEN_AGE + 2, dtype=np.float64)
    frames = []
    for sex in SEXES:
        lx = _gompertz_lx(gompertz_alpha(life_expectancy[sex], beta), beta, ages)
        frames.append(
            pl.DataFrame(
                {
                    "sex": sex,
                    "age": np.arange(OPEN_AGE + 1, dtype=np.int64),
                    "survival": lx[1:] / lx[:-1],
                }
            )
        )
    return pl.concat(frames)


# --------------------------------------------------------------------------- arrays


def _cube(frame: pl.DataFrame, areas: list[str], value: str = "population") -> FloatArray:
    """[area, sex, age] array of `value` (ages from OPEN_AGE summed into the open group)."""
    out = np.zeros((len(areas), len(SEXES), OPEN_AGE + 1))
    if frame.height == 0:
        return out
    index = {a: i for i, a in enumerate(areas)}
    area_idx = frame["area_code"].replace_strict(index, return_dtype=pl.Int64).to_numpy()
    sex_idx = frame["sex"].replace_strict(
        {s: i for i, s in enumerate(SEXES)}, return_dtype=pl.Int64
    )
    age = np.minimum(frame["age"].to_numpy(), OPEN_AGE)
    np.add.at(out, (area_idx, sex_idx.to_numpy(), age), frame[value].cast(pl.Float64).to_numpy())
    return out


def _survival_matrix(survival: pl.DataFrame) -> FloatArray:
    """[sex, age] survival (missing ages: 0)."""
    out = np.zeros((len(SEXES), OPEN_AGE + 1))
    for i, sex in enumerate(SEXES):
        part = survival.filter((pl.col("sex") == sex) & (pl.col("age") <= OPEN_AGE))
        out[i, part["age"].to_numpy()] = part["survival"].to_numpy()
    return out


def _age_one_year(pop: FloatArray, surv: FloatArray) -> FloatArray:
    """Survivors one year on, one year older (open group kept), before births and moves."""
    nxt = np.zeros_like(pop)
    survivors = pop * surv[None]
    nxt[:, :, 1:] = survivors[:, :, :-1]
    nxt[:, :, OPEN_AGE] += survivors[:, :, OPEN_AGE]
    return nxt


def _women(pop: FloatArray) -> FloatArray:
    lo, hi = FERTILE_AGES
    return np.asarray(pop[:, SEXES.index("V"), lo : hi + 1].sum(axis=1), dtype=np.float64)


# --------------------------------------------------------------------------- estimates


def _history(history: pl.DataFrame, years: int) -> tuple[list[str], list[int], list[FloatArray]]:
    areas = sorted(history["area_code"].unique().to_list())
    all_years = sorted(history["year"].unique().to_list())
    recent = all_years[-(years + 1) :]
    if len(recent) < 2:
        raise ValueError("minstens twee opeenvolgende jaren bevolking nodig om te schatten")
    if recent != list(range(recent[0], recent[-1] + 1)):
        raise ValueError(f"de bevolkingsjaren {recent} volgen niet op elkaar")
    cubes = [_cube(history.filter(pl.col("year") == y), areas) for y in recent]
    return areas, recent, cubes


def estimate_migration(
    history: pl.DataFrame, survival: pl.DataFrame, *, years: int = RECENT_YEARS
) -> pl.DataFrame:
    """Net migration per area, sex and age (1..OPEN_AGE): the mean residual of the last
    `years` transitions (module doc). `history`: `INPUT_SCHEMA` over consecutive years."""
    areas, _, cubes = _history(history, years)
    surv = _survival_matrix(survival)
    residuals = [nxt - _age_one_year(pop, surv) for pop, nxt in itertools.pairwise(cubes)]
    mean = np.mean(residuals, axis=0)
    mean[:, :, 0] = 0.0
    a, s, g = np.indices(mean.shape)
    return pl.DataFrame(
        {
            "area_code": pl.Series(areas).gather(a.ravel()),
            "sex": pl.Series(list(SEXES)).gather(s.ravel()),
            "age": g.ravel().astype(np.int64),
            "net_migration": mean.ravel(),
        }
    )


def estimate_fertility(history: pl.DataFrame, *, years: int = RECENT_YEARS) -> pl.DataFrame:
    """Children aged 0 on 1 January per woman aged 15-49 a year earlier, per area: the
    ratio of the sums over the last `years` transitions."""
    areas, _, cubes = _history(history, years)
    born = sum(nxt[:, :, 0].sum(axis=1) for nxt in cubes[1:])
    women = sum(_women(pop) for pop in cubes[:-1])
    ratio = np.divide(born, women, out=np.zeros(len(areas)), where=np.asarray(women) > 0)
    return pl.DataFrame({"area_code": areas, "fertility": ratio})


def estimate_assumptions(
    history: pl.DataFrame,
    *,
    life_expectancy: Mapping[str, float] = LIFE_EXPECTANCY,
    years: int = RECENT_YEARS,
) -> Assumptions:
    """Survival from the stated life expectancy; migration and fertility from `history`."""
    survival = gompertz_survival(life_expectancy)
    return Assumptions(
        survival=survival,
        migration=estimate_migration(history, survival, years=years),
        fertility=estimate_fertility(history, years=years),
    )


# --------------------------------------------------------------------------- projection


def project_population(
    base: pl.DataFrame, assumptions: Assumptions, *, last_year: int
) -> pl.DataFrame:
    """Project `base` (one year of `INPUT_SCHEMA`) to `last_year`, one year at a time.

    Returns the projected years only (base year + 1 .. `last_year`), `OUTPUT_SCHEMA`, ages
    0..OPEN_AGE (OPEN_AGE = "100+"). Areas without migration or fertility get none.
    """
    years = base["year"].unique().to_list()
    if len(years) != 1:
        raise ValueError(f"de basisbevolking moet één jaar zijn, niet {sorted(years)}")
    base_year = int(years[0])
    if last_year <= base_year:
        raise ValueError(f"het laatste jaar ({last_year}) moet na het basisjaar liggen")
    if not 0.0 <= assumptions.boy_share <= 1.0:
        raise ValueError("het aandeel jongens moet tussen 0 en 1 liggen")
    areas = sorted(base["area_code"].unique().to_list())
    pop = _cube(base, areas)
    surv = _survival_matrix(assumptions.survival)
    migration = _cube(
        assumptions.migration.filter(pl.col("area_code").is_in(areas)), areas, "net_migration"
    )
    migration[:, :, 0] = 0.0
    fert = (
        pl.DataFrame({"area_code": areas})
        .join(assumptions.fertility, on="area_code", how="left")["fertility"]
        .fill_null(0.0)
        .to_numpy()
    )
    sex_share = np.array(
        [assumptions.boy_share if s == "M" else 1.0 - assumptions.boy_share for s in SEXES]
    )
    out = []
    for year in range(base_year + 1, last_year + 1):
        nxt = _age_one_year(pop, surv) + migration
        nxt[:, :, 0] = (fert * _women(pop))[:, None] * sex_share[None, :]
        pop = np.maximum(nxt, 0.0)
        a, s, g = np.indices(pop.shape)
        out.append(
            pl.DataFrame(
                {
                    "area_code": pl.Series(areas).gather(a.ravel()),
                    "year": np.full(pop.size, year, dtype=np.int64),
                    "sex": pl.Series(list(SEXES)).gather(s.ravel()),
                    "age": g.ravel().astype(np.int64),
                    "population": pop.ravel(),
                }
            )
        )
    return pl.concat(out).select([pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items()])


def interpolate_years(frame: pl.DataFrame, keys: list[str], *, value: str) -> pl.DataFrame:
    """Fill the years between the given years linearly, per `keys` (a projection file
    that gives, say, 2025, 2030 and 2035)."""
    years = sorted(frame["year"].unique().to_list())
    if len(years) < 2 or years == list(range(years[0], years[-1] + 1)):
        return frame
    full = pl.DataFrame({"year": list(range(years[0], years[-1] + 1))}, schema={"year": pl.Int64})
    grid = frame.select(keys).unique().join(full, how="cross")
    return (
        grid.join(frame, on=[*keys, "year"], how="left")
        .sort([*keys, "year"])
        .with_columns(pl.col(value).interpolate().over(keys))
        .select(frame.columns)
    )


def age_band(age: pl.Expr) -> pl.Expr:
    """The 5-year band of `codes.POP_AGE_BANDS` (95+ open) of a single-year age."""
    lower = (age.clip(0, 95) // 5) * 5
    return (
        pl.when(age >= 95)
        .then(pl.lit(POP_AGE_BANDS[-1]))
        .otherwise(pl.format("{}-{}", lower, lower + 4))
    )
