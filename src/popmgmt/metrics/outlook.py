"""Capacity outlook to 2035: projected GPs, FTE and need-weighted supply per zone.

Pure functions (polars in, polars out), no Streamlit, no display text. The page
(`pages/outlook.py`) computes a scenario from small frames; the heavy part (the
population projection per zone) is in the build (`pipeline/outlook.py`).

GPs in a future year t (base year b, d = t - b), for a scenario (`Scenario`):

    GPs(t) = sum over age bands [lo, hi] of today's GPs x the share of the band still
             younger than the retirement age R at t (ages uniform within the band:
             clip((R - d - lo) / (hi + 1 - lo), 0, 1); the open band 70+ as 70-79)
             + inflow x d                        (new GPs, all younger than 65 in 2035)
    FTE(t) = GPs(t) x FTE per GP

Today's GPs by age band (`gp_bands`): the active GPs of the zone (all ages, published),
split into under 60, 60-64 and 65+ by the zone's own published shares among GPs of known
age (survey) where both are published, else by the Flemish shares; within those three
groups by the Flemish age distribution (`gp_age` mart). No zone-level age detail beyond
the published figures is used, so nothing hidden can be recomputed.

Need-weighted inhabitants: inhabitants x the age/sex workload weights of
`metrics.fairshare.AGE_SEX_WEIGHTS`, scaled so that Flanders' need-weighted population in
the base year equals its population. The GP-poor test is the Impulseo rule of
`metrics.gppoor` on the projected GPs under 65.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import polars as pl

from popmgmt.metrics import gppoor
from popmgmt.metrics.fairshare import AGE_SEX_WEIGHTS
from popmgmt.pipeline.codes import FLANDERS_CODE

GP_COUNT: Final = "gp_per_10k"
GP_FTE: Final = "gp_fte_per_10k"
GP_TRAINEES: Final = "gp_trainees_per_10k"
GP_60PLUS: Final = "gp_60plus"
GP_65PLUS: Final = "gp_65plus"

LAST_YEAR: Final = 2035
OPEN_BAND_WIDTH: Final = 10
"""The open band (70+) is read as 70-79 (few GPs work past 80)."""
RETIREMENT_DEFAULT: Final = 67
RETIREMENT_RANGE: Final = (60, 75)
FTE_RANGE: Final = (0.3, 1.2)
INFLOW_MAX: Final = 50.0
SETTLING_YEARS: Final = 3
"""Recent years over which the settling of GPs in training is averaged."""
GROUPS: Final = ((0, 59), (60, 64), (65, None))
"""The age groups with published counts (gp_60plus, gp_65plus)."""

BAND_SCHEMA: Final = pl.Schema({"age_from": pl.Int64, "age_to": pl.Int64, "gps": pl.Float64})
GP_SCHEMA: Final = pl.Schema(
    {"year": pl.Int64, "gps": pl.Float64, "gps_under65": pl.Float64, "fte": pl.Float64}
)
OUTLOOK_SCHEMA: Final = pl.Schema(
    {
        "area_code": pl.String,
        "year": pl.Int64,
        "population": pl.Float64,
        "need_population": pl.Float64,
        "gps": pl.Float64,
        "gps_under65": pl.Float64,
        "fte": pl.Float64,
        "gps_per_10k": pl.Float64,
        "fte_per_10k_need": pl.Float64,
        "under65_per_100k": pl.Float64,
        "threshold": pl.Float64,
        "margin_per_100k": pl.Float64,
        "status": pl.String,
        "population_source": pl.String,
    }
)


@dataclass(frozen=True)
class Scenario:
    """Retirement age (years), inflow of new GPs a year (the zone), FTE per GP."""

    retirement_age: int = RETIREMENT_DEFAULT
    inflow: float = 0.0
    fte_per_gp: float = 1.0
    inflow_max: float = INFLOW_MAX
    """A zone's limit; Flanders' inflow is far above it (pass math.inf)."""

    def check(self) -> None:
        lo, hi = RETIREMENT_RANGE
        if not lo <= self.retirement_age <= hi:
            raise ValueError(f"pensioenleeftijd moet tussen {lo} en {hi} liggen")
        if not (math.isfinite(self.inflow) and 0.0 <= self.inflow <= self.inflow_max):
            raise ValueError(f"instroom moet tussen 0 en {self.inflow_max:g} per jaar liggen")
        flo, fhi = FTE_RANGE
        if not (math.isfinite(self.fte_per_gp) and flo <= self.fte_per_gp <= fhi):
            raise ValueError(f"VTE per huisarts moet tussen {flo:g} en {fhi:g} liggen")


@dataclass(frozen=True)
class Base:
    """Today's figures of one area (`gps_base`): GPs, FTE, trainees, where the age
    shares come from (`zone` or `vlaanderen`), the defaults of the scenario."""

    area_code: str
    year: int
    gps: float
    fte: float | None
    trainees: float | None
    trainees_method: str
    age_method: str
    bands: pl.DataFrame
    default_inflow: float
    default_fte_per_gp: float


# --------------------------------------------------------------------------- today


def _cell(values: pl.DataFrame, code: str, level: str, area: str, year: int) -> dict | None:  # type: ignore[type-arg]
    rows = values.filter(
        (pl.col("indicator_code") == code)
        & (pl.col("level") == level)
        & (pl.col("area_code") == area)
        & (pl.col("year") == year)
    )
    if rows.height == 0:
        return None
    row = rows.row(0, named=True)
    if row["suppressed"] or row["numerator"] is None or row["denominator"] is None:
        return None
    return row


def base_year(values: pl.DataFrame) -> int:
    """The latest year with the Flemish GP count and age shares (a survey year)."""
    rows = values.filter(
        pl.col("indicator_code").is_in([GP_COUNT, GP_65PLUS]) & (pl.col("level") == "vlaanderen")
    )
    both = rows.group_by("year").agg(pl.col("indicator_code").n_unique()).filter(pl.col(
        "indicator_code"
    ) == 2)  # fmt: skip
    if both.height == 0:
        raise ValueError("geen jaar met het aantal huisartsen en hun leeftijd (bevraging)")
    return int(both["year"].max())  # type: ignore[arg-type]


def settling_ratio(inflow: pl.DataFrame, *, years: int = SETTLING_YEARS) -> float:
    """New active GPs per GP in training a year earlier, Flanders, last `years` years."""
    recent = inflow.sort("year").tail(years)
    trainees = float(recent["trainees_before"].sum())
    if trainees <= 0:
        return 0.0
    return float(recent["settled"].sum()) / trainees


def _group_shares(
    values: pl.DataFrame, level: str, area: str, year: int
) -> tuple[list[float], str] | None:
    g60 = _cell(values, GP_60PLUS, level, area, year)
    g65 = _cell(values, GP_65PLUS, level, area, year)
    if g60 is None or g65 is None or not g65["denominator"]:
        return None
    known = float(g65["denominator"])
    p65 = float(g65["numerator"]) / known
    p60 = float(g60["numerator"]) / known
    return [1.0 - p60, p60 - p65, p65], level


def gp_bands(total: float, shares: list[float], flemish_bands: pl.DataFrame) -> pl.DataFrame:
    """`total` GPs split over the Flemish bands: group shares (under 60, 60-64, 65+)
    times the Flemish distribution within each group. Columns `BAND_SCHEMA`."""
    frames = []
    for (lo, hi), share in zip(GROUPS, shares, strict=True):
        in_group = pl.col("age_from") >= lo
        if hi is not None:
            in_group &= pl.col("age_from") <= hi
        part = flemish_bands.filter(in_group)
        group_total = float(part["gps"].sum())
        if part.height == 0 or group_total <= 0:
            continue
        frames.append(
            part.select(
                "age_from",
                "age_to",
                (pl.col("gps").cast(pl.Float64) / group_total * share * total).alias("gps"),
            )
        )
    if not frames:
        return pl.DataFrame(schema=BAND_SCHEMA)
    return pl.concat(frames).select([pl.col(c).cast(t) for c, t in BAND_SCHEMA.items()])


def gps_base(
    values: pl.DataFrame,
    gp_age: pl.DataFrame,
    inflow: pl.DataFrame,
    population: pl.DataFrame,
    *,
    level: str,
    area_code: str,
    year: int,
) -> Base:
    """Today's GPs of a zone (or Flanders) by age band, with the scenario's defaults.

    `population`: the population mart (totals); used when the zone's trainee count is
    hidden (then: the Flemish trainees per inhabitant x the zone's inhabitants).
    """
    gps = _cell(values, GP_COUNT, level, area_code, year)
    if gps is None:
        raise ValueError(f"geen aantal huisartsen voor {area_code} in {year}")
    total = float(gps["numerator"])
    flemish = gp_age.filter(pl.col("year") == gp_age.filter(pl.col("year") <= year)["year"].max())
    own = _group_shares(values, level, area_code, year)
    vl = _group_shares(values, "vlaanderen", FLANDERS_CODE, year)
    chosen = own or vl
    if chosen is None:
        raise ValueError(f"geen leeftijdsverdeling van de huisartsen in {year}")
    shares, method = chosen
    bands = gp_bands(total, shares, flemish)
    fte_cell = _cell(values, GP_FTE, level, area_code, year)
    fte = None if fte_cell is None else float(fte_cell["numerator"])
    trainees_cell = _cell(values, GP_TRAINEES, level, area_code, year)
    if trainees_cell is not None:
        trainees: float | None = float(trainees_cell["numerator"])
        trainees_method = level
    else:
        vl_cell = _cell(values, GP_TRAINEES, "vlaanderen", FLANDERS_CODE, year)
        pop = _population_total(population, level, area_code, year)
        trainees = (
            None
            if vl_cell is None or pop is None
            else float(vl_cell["numerator"]) / float(vl_cell["denominator"]) * pop
        )
        trainees_method = "vlaanderen"
    ratio = settling_ratio(inflow.filter(pl.col("year") <= year))
    return Base(
        area_code=area_code,
        year=year,
        gps=total,
        fte=fte,
        trainees=trainees,
        trainees_method=trainees_method,
        age_method=method,
        bands=bands,
        default_inflow=round((trainees or 0.0) * ratio, 1),
        default_fte_per_gp=round(fte / total, 2) if fte is not None and total > 0 else 1.0,
    )


def _population_total(population: pl.DataFrame, level: str, area: str, year: int) -> float | None:
    rows = population.filter(
        (pl.col("level") == level)
        & (pl.col("area_code") == area)
        & (pl.col("year") == year)
        & (pl.col("sex") == "T")
        & (pl.col("age_band") == "totaal")
        & ~pl.col("suppressed").fill_null(False)
    )
    return None if rows.height == 0 else float(rows["population"][0])


# --------------------------------------------------------------------------- GPs ahead


def _staying(bands: pl.DataFrame, limit: int, offset: int) -> float:
    """GPs of `bands` younger than `limit` after `offset` years (uniform within bands)."""
    if bands.height == 0:
        return 0.0
    lo = pl.col("age_from").cast(pl.Float64)
    hi = pl.coalesce(pl.col("age_to"), pl.col("age_from") + OPEN_BAND_WIDTH - 1).cast(pl.Float64)
    share = ((limit - offset - lo) / (hi + 1 - lo)).clip(0.0, 1.0)
    return float(bands.select((pl.col("gps") * share).sum()).item())


def project_gps(
    bands: pl.DataFrame, scenario: Scenario, *, base_year: int, last_year: int = LAST_YEAR
) -> pl.DataFrame:
    """GPs, GPs under 65 and FTE per year from `base_year` (today) to `last_year`.

    Today's row counts every active GP (also those past the retirement age); later
    years apply the scenario (module doc). Columns `GP_SCHEMA`.
    """
    scenario.check()
    rows = []
    for year in range(base_year, last_year + 1):
        offset = year - base_year
        if offset == 0:
            gps = float(bands["gps"].sum())
            under = _staying(bands, 65, 0)
        else:
            new = scenario.inflow * offset
            gps = _staying(bands, scenario.retirement_age, offset) + new
            under = _staying(bands, min(scenario.retirement_age, 65), offset) + new
        rows.append((year, gps, under, gps * scenario.fte_per_gp))
    return pl.DataFrame(rows, schema=GP_SCHEMA, orient="row")


# --------------------------------------------------------------------------- inhabitants


def weighted_population(bands: pl.DataFrame) -> pl.DataFrame:
    """area_code, year, population, age_sex_population (unscaled) from sex x age band
    rows (sex M/V, `codes.POP_AGE_BANDS`; null population rows are skipped)."""
    weights = pl.DataFrame(
        [(s, b, w) for (s, b), w in AGE_SEX_WEIGHTS.items()],
        schema={"sex": pl.String, "age_band": pl.String, "weight": pl.Float64},
        orient="row",
    )
    return (
        bands.join(weights, on=["sex", "age_band"], how="inner")
        .group_by("area_code", "year")
        .agg(
            pl.col("population").cast(pl.Float64).sum(),
            (pl.col("population").cast(pl.Float64) * pl.col("weight")).sum().alias("weighted"),
        )
        .sort("area_code", "year")
    )


def population_series(
    population: pl.DataFrame, projected: pl.DataFrame, *, areas: list[str], from_year: int
) -> pl.DataFrame:
    """Inhabitants by sex and band for `areas` from `from_year`: the population mart
    (observed years) then the projection (later years). Columns area_code, year, sex,
    age_band, population, source (`waargenomen` or the projection's source)."""
    observed = population.filter(
        pl.col("area_code").is_in(areas)
        & pl.col("level").is_in(["zone", "vlaanderen"])
        & pl.col("sex").is_in(["M", "V"])
        & (pl.col("age_band") != "totaal")
        & (pl.col("year") >= from_year)
    ).select(
        "area_code",
        "year",
        "sex",
        "age_band",
        pl.col("population").cast(pl.Float64),
        pl.lit("waargenomen").alias("source"),
    )
    last = observed["year"].max() if observed.height else from_year - 1
    ahead = projected.filter(pl.col("area_code").is_in(areas) & (pl.col("year") > last)).select(
        "area_code",
        "year",
        "sex",
        "age_band",
        pl.col("population").cast(pl.Float64),
        pl.col("source"),
    )
    return pl.concat([observed, ahead])


def outlook(
    base: Base,
    scenario: Scenario,
    inhabitants: pl.DataFrame,
    *,
    area_km2: float | None,
    scale: float,
    last_year: int = LAST_YEAR,
) -> pl.DataFrame:
    """The outlook of one area per year (`OUTLOOK_SCHEMA`).

    `inhabitants`: `population_series` rows of this area; `scale`: Flanders' population
    / its age-sex-weighted population in the base year (so that need-weighted
    inhabitants add up to inhabitants in Flanders).
    """
    gps = project_gps(base.bands, scenario, base_year=base.year, last_year=last_year)
    if base.fte is not None and scenario.fte_per_gp == base.default_fte_per_gp:
        # today: the measured FTE, not the rounded ratio
        gps = gps.with_columns(
            pl.when(pl.col("year") == base.year)
            .then(pl.lit(base.fte))
            .otherwise(pl.col("fte"))
            .alias("fte")
        )
    weighted = weighted_population(inhabitants).with_columns(
        (pl.col("weighted") * scale).alias("need_population")
    )
    sources = inhabitants.group_by("year").agg(pl.col("source").first().alias("population_source"))
    frame = (
        gps.join(weighted.select("year", "population", "need_population"), on="year", how="left")
        .join(sources, on="year", how="left")
        .with_columns(
            pl.lit(base.area_code).alias("area_code"),
            pl.lit(area_km2, dtype=pl.Float64).alias("area_km2"),
        )
    )
    rule = gppoor.priority_rule(frame, gps="gps_under65", population="population")
    return rule.with_columns(
        (pl.col("gps") / pl.col("population") * 10_000).alias("gps_per_10k"),
        (pl.col("fte") / pl.col("need_population") * 10_000).alias("fte_per_10k_need"),
        pl.col("rate_per_100k").alias("under65_per_100k"),
    ).select([pl.col(c).cast(t) for c, t in OUTLOOK_SCHEMA.items()])


def need_scale(inhabitants: pl.DataFrame, year: int) -> float:
    """Flanders' population / its age-sex-weighted population in `year` (`inhabitants`:
    the Flemish rows of `population_series`)."""
    row = weighted_population(inhabitants.filter(pl.col("year") == year))
    if row.height == 0 or not row["weighted"][0]:
        return 1.0
    return float(row["population"][0]) / float(row["weighted"][0])
