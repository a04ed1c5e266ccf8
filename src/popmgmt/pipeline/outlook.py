"""The capacity outlook's marts (issue 13): what the page needs, computed once in the build.

- `gp_age_mart`: Flemish active GPs of known age (survey birth years) by age band, per
  survey year. Flanders only: zones get their age structure from the published 60+/65+
  shares (`metrics.outlook`), so no new zone figure is published. Bands never cross 60 or
  65 (the published groups) and a band of 1-4 GPs is merged into its neighbour within the
  group; a group of 1-4 drops the year. The audit (`pipeline/audit.py`) checks the bands
  against the published Flemish 60+, 65+ and known-age counts.
- `gp_inflow_mart`: Flemish GPs in training in year - 1 and how many of them are active
  (recognised) GPs in year; a row with a count of 1-4 is left out.
- `outlook_population_mart`: projected inhabitants per zone and Flanders by sex and
  5-year band, from the optional official projection (`bevolkingsprojectie.csv`,
  interpolated between its years) or else from the cohort model of
  `metrics.projection` run per municipality on the latest population. Only years after
  the latest population year, to `metrics.outlook.LAST_YEAR`. A model output, not a count
  of persons; published per zone only (every single-year age under 95 of a zone holds
  hundreds of people, so the projection cannot reveal a small count).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from popmgmt.metrics import projection
from popmgmt.metrics.outlook import LAST_YEAR
from popmgmt.pipeline import codes
from popmgmt.pipeline.marts import GP_AGE, GP_INFLOW, MART_COLUMNS, OUTLOOK_POPULATION
from popmgmt.pipeline.privacy import MIN_COUNT
from popmgmt.pipeline.validate import RawData

FINE_BANDS: Final[tuple[tuple[int, int | None], ...]] = (
    (0, 29), (30, 34), (35, 39), (40, 44), (45, 49), (50, 54), (55, 59),
    (60, 64), (65, 69), (70, None),
)  # fmt: skip
"""Fine age bands of the GP age mart (70+ open); groups <60, 60-64, 65+ are never mixed."""
_GROUP_OF: Final = {band: (0 if band[0] < 60 else 1 if band[0] < 65 else 2) for band in FINE_BANDS}
SOURCE_OFFICIAL: Final = "officiele_projectie"
SOURCE_MODEL: Final = "cohortmodel"


def _flemish(gps: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    flemish = members.filter(pl.col("flanders_code").is_not_null())["refnis"].implode()
    return gps.filter(pl.col("REFNIS").is_in(flemish))


Band = tuple[int, int | None]


def merge_small(counts: Sequence[tuple[Band, int]]) -> list[tuple[int, int | None, int]]:
    """Merge bands (in age order, one group) until none holds 1-4: a small band joins
    its younger neighbour (the first band its older one). Returns (from, to, count)."""
    bands: list[tuple[int, int | None, int]] = [(lo, hi, n) for (lo, hi), n in counts]
    while len(bands) > 1:
        small = [i for i, (_lo, _hi, n) in enumerate(bands) if 0 < n < MIN_COUNT]
        if not small:
            break
        i = small[0]
        a, b = (i - 1, i) if i > 0 else (i, i + 1)
        bands[a] = (bands[a][0], bands[b][1], bands[a][2] + bands[b][2])
        del bands[b]
    return bands


def gp_age_mart(gps: pl.DataFrame, members: pl.DataFrame, survey_years: list[int]) -> pl.DataFrame:
    """Flemish active GPs of known age by age band, per survey year (as gp_65plus: the
    birth years come from the survey, so only its years are unbiased)."""
    rows = _flemish(gps, members).filter(
        ~pl.col("trainee")
        & pl.col("active")
        & pl.col("age").is_not_null()
        & pl.col("YEAR").is_in(survey_years)
    )
    out: list[tuple[str, str, int, int, int | None, int]] = []
    for year in sorted(rows["YEAR"].unique().to_list()):
        ages = rows.filter(pl.col("YEAR") == year)["age"]
        counts = {
            band: int(((ages >= band[0]) & (ages <= (band[1] or 200))).sum()) for band in FINE_BANDS
        }
        year_rows: list[tuple[int, int | None, int]] = []
        for group in range(3):
            part: list[tuple[Band, int]] = [
                (b, n) for b, n in counts.items() if _GROUP_OF[b] == group
            ]
            if 0 < sum(n for _, n in part) < MIN_COUNT:
                year_rows = []
                break
            year_rows += merge_small(part)
        out += [("vlaanderen", codes.FLANDERS_CODE, year, lo, hi, n) for lo, hi, n in year_rows]
    return _typed(GP_AGE, out, ints=("year", "age_from", "age_to", "gps"))


def gp_inflow_mart(gps: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Flemish GPs in training in year - 1 and those of them active GPs in year."""
    flemish = _flemish(gps, members)
    trainees = flemish.filter(pl.col("trainee")).select(
        (pl.col("YEAR") + 1).alias("year"), "RIZIV_ID"
    )
    active = flemish.filter(~pl.col("trainee") & pl.col("active")).select(
        pl.col("YEAR").alias("year"), "RIZIV_ID"
    )
    years = set(flemish["YEAR"].unique().to_list())
    before = trainees.group_by("year").agg(pl.col("RIZIV_ID").n_unique().alias("trainees_before"))
    settled = (
        trainees.unique()
        .join(active.unique(), on=["year", "RIZIV_ID"])
        .group_by("year")
        .agg(pl.len().alias("settled"))
    )
    frame = (
        before.join(settled, on="year", how="left")
        .with_columns(pl.col("settled").fill_null(0))
        .filter(pl.col("year").is_in(list(years)))
        .filter(
            (pl.col("trainees_before") >= MIN_COUNT)
            & ((pl.col("settled") == 0) | (pl.col("settled") >= MIN_COUNT))
        )
        .sort("year")
    )
    out = [
        ("vlaanderen", codes.FLANDERS_CODE, r["year"], r["trainees_before"], r["settled"])
        for r in frame.iter_rows(named=True)
    ]
    return _typed(GP_INFLOW, out, ints=("year", "trainees_before", "settled"))


def _typed(name: str, rows: Sequence[tuple[object, ...]], *, ints: tuple[str, ...]) -> pl.DataFrame:
    cols = list(MART_COLUMNS[name])
    schema = {c: (pl.Int64 if c in ints else pl.String) for c in cols}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _history(raw: RawData) -> pl.DataFrame:
    return raw.population.select(
        pl.col("REFNIS").alias("area_code"),
        pl.col("YEAR").alias("year"),
        pl.col("SEX").alias("sex"),
        pl.col("AGE").alias("age"),
        pl.col("POPULATION").cast(pl.Float64).alias("population"),
    )


def projected_municipalities(
    raw: RawData, *, last_year: int = LAST_YEAR
) -> tuple[pl.DataFrame, str]:
    """Projected inhabitants per municipality (area_code = REFNIS), sex and single age for
    the years after the latest population year, and the source used."""
    history = _history(raw)
    last = int(history["year"].max())  # type: ignore[arg-type]
    if raw.projection is not None:
        official = raw.projection.select(
            pl.col("REFNIS").alias("area_code"),
            pl.col("YEAR").alias("year"),
            pl.col("SEX").alias("sex"),
            pl.col("AGE").alias("age"),
            pl.col("POPULATION").cast(pl.Float64).alias("population"),
        )
        # the latest observed year anchors the interpolation up to the first projected one
        both = pl.concat([history.filter(pl.col("year") == last), official])
        full = projection.interpolate_years(
            both, ["area_code", "sex", "age"], value="population"
        ).with_columns(pl.col("population").fill_null(0.0))
        return full.filter((pl.col("year") > last) & (pl.col("year") <= last_year)), SOURCE_OFFICIAL
    assumptions = projection.estimate_assumptions(history)
    base = history.filter(pl.col("year") == last)
    return projection.project_population(base, assumptions, last_year=last_year), SOURCE_MODEL


def outlook_population_mart(
    raw: RawData, members: pl.DataFrame, *, last_year: int = LAST_YEAR
) -> pl.DataFrame:
    """Projected inhabitants per zone and Flanders x year x sex x 5-year band."""
    munis, source = projected_municipalities(raw, last_year=last_year)
    if munis.height == 0:
        return pl.DataFrame(schema=_schema())
    banded = munis.with_columns(projection.age_band(pl.col("age")).alias("age_band")).join(
        members.select(pl.col("refnis").alias("area_code"), "zone_code", "flanders_code"),
        on="area_code",
        how="inner",
    )
    frames = []
    for level, col in (("zone", "zone_code"), ("vlaanderen", "flanders_code")):
        frames.append(
            banded.filter(pl.col(col).is_not_null())
            .group_by(pl.col(col).alias("area_code"), "year", "sex", "age_band")
            .agg(pl.col("population").sum().round(1))
            .with_columns(pl.lit(level).alias("level"), pl.lit(source).alias("source"))
        )
    out = pl.concat(frames).select(list(_schema()))
    return out.cast(_schema()).sort("level", "area_code", "year", "sex", "age_band")  # type: ignore[arg-type]


def _schema() -> dict[str, type[pl.DataType]]:
    return {
        "level": pl.String,
        "area_code": pl.String,
        "year": pl.Int64,
        "sex": pl.String,
        "age_band": pl.String,
        "population": pl.Float64,
        "source": pl.String,
    }


def outlook_marts(
    raw: RawData, gps: pl.DataFrame, members: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """The three outlook marts (module doc)."""
    return {
        GP_AGE: gp_age_mart(
            gps, members, raw.survey_practices["SURVEY_YEAR"].unique().sort().to_list()
        ),
        GP_INFLOW: gp_inflow_mart(gps, members),
        OUTLOOK_POPULATION: outlook_population_mart(raw, members),
    }
