"""The survey mart: the Departement Zorg survey of GPs and practices, at zone, circle,
province and Flanders level only (`docs/gp-capacity.md`, DOMAIN 4).

Pure polars/numpy; with `transform` and `practices` the only modules that see survey rows.
What leaves is one row per indicator, category, level, area and year, with the number of
respondents, the number of GPs (or practices) in the area from the IMA file, the response
rate, the numerator (a count or a sum of answers), the denominator, the value and its
interval.

Disclosure control (`docs/privacy.md`, "The survey mart"):
- a cell rests on at least `MIN_SURVEY_RESPONDENTS` respondents; sums of GPs' own answers
  also follow the contributor rule (at least 3 GPs, p% dominance); a count of GPs (a
  band of hours, "too high") is never 1-4;
- zones and circles cross: both are sums of *pieces* (the municipalities that share a
  zone, circle and province). The pieces are never published; they are latent cells of
  the control, and a piece with fewer than 10 respondents is protected like a published
  cell (the difference of a zone and a circle must not give it);
- every additive quantity of an area (respondents, sums of hours and of their squares,
  counts by band, "too high", wellbeing) follows one suppression pattern: the relations
  between areas are the same for each (area = sum of its pieces), so the pattern that
  protects the respondents protects them all;
- the exact engine (`privacy.protect_with_latent`) adds complementary cells until no
  primary cell, published or latent, follows from the published ones. The build's
  attacker (`pipeline.audit`) checks the result again with the other marts.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from popmgmt.metrics.stats import (
    ratio_interval_from_sums,
    t_interval_from_sums,
    wilson_interval,
)
from popmgmt.pipeline import codes
from popmgmt.pipeline.control import DisclosureError
from popmgmt.pipeline.geography import LEVEL_COLUMN
from popmgmt.pipeline.marts import MART_COLUMNS, SURVEY
from popmgmt.pipeline.practices import contributor_rule_fails, fails_expr
from popmgmt.pipeline.privacy import (
    MIN_COUNT,
    PRIMARY,
    TOTAL_COL,
    protect_with_latent,
)
from popmgmt.pipeline.validate import RawData

PIECE: Final = "stuk"
"""The level of the latent pieces (municipalities sharing zone, circle and province)."""
TOTAL: Final = "totaal"
FEW_RESPONDENTS: Final = "weinig_respondenten"
"""Reason of a cell hidden for precision only (its figures are public elsewhere)."""

GP_INDICATORS: Final = (
    "hours_mean",
    "hours_band",
    "workload_high",
    "wellbeing_mean",
    "contact_share",
)
PRACTICE_INDICATORS: Final = (
    "appointments",
    "staff_fte_per_gp",
    "discipline_present",
    "expansion_plans",
    "continuity",
    "patient_stop_by_payment",
)
STAFF_COLUMNS: Final = {
    "verpleegkundige": "FTE_NURSE",
    "administratief": "FTE_ADMIN",
    "ander": "FTE_OTHER",
}
# The patient-contact estimate: minutes per billed contact (a stated assumption, shown in
# the UI and docs/gp-capacity.md) and working weeks per year.
CONTACT_MINUTES: Final = {
    "RAADPL": 15,
    "BEZOEKIND": 30,
    "BEZAVOND": 30,
    "INSTEL": 20,
    "DIGICONT": 5,
    "ADVIES": 5,
}
WORK_WEEKS: Final = 46
SURVEY_MEANS: Final = ("hours_mean", "wellbeing_mean")
RESPONDENT_SERIES: Final = {
    "hours_mean": "gp",
    "hours_band": "gp",
    "workload_high": "gp",
    "wellbeing_mean": "gp",
    "contact_share": "gp_ffs",
    "continuity": "prac_answered",
}
"""Whose answers a row counts: GPs (`gp`), fee-for-service GPs, practices that answered the
continuity question; every other indicator: all responding practices (`prac`)."""
BAND_ITEMS: Final = tuple(f"band{i}" for i in range(len(codes.HOURS_BANDS)))
BAND_LABELS: Final = dict(zip(BAND_ITEMS, (label for _, label in codes.HOURS_BANDS), strict=True))
GP_ITEMS: Final = ("n", *BAND_ITEMS, "high", "gps")
PRACTICE_ITEMS: Final = ("n", "answered")
_UNIT: Final = ["level", "area_code", "year"]


# --------------------------------------------------------------------------- geography


def pieces(members: pl.DataFrame) -> pl.DataFrame:
    """`refnis` -> `level`, `area_code` for the survey's levels and for the latent pieces.

    A piece is the set of municipalities with the same zone, circle and province: the
    smallest unit that published sums can separate.
    """
    keyed = members.with_columns(
        pl.concat_str(
            [pl.col(c).fill_null("-") for c in ("zone_code", "circle_code", "province_code")],
            separator="|",
        ).alias("_piece")
    )
    frames = [
        keyed.select("refnis", pl.lit(PIECE).alias("level"), pl.col("_piece").alias("area_code"))
    ]
    for level in codes.SURVEY_LEVELS:
        col = LEVEL_COLUMN[level]
        frames.append(
            keyed.filter(pl.col(col).is_not_null()).select(
                "refnis", pl.lit(level).alias("level"), pl.col(col).alias("area_code")
            )
        )
    return pl.concat(frames)


def piece_links(units: pl.DataFrame) -> pl.DataFrame:
    """`piece`, `level`, `area_code`: which published area each piece lies in."""
    piece_of = units.filter(pl.col("level") == PIECE).select(
        "refnis", pl.col("area_code").alias("piece")
    )
    return (
        units.filter(pl.col("level") != PIECE)
        .join(piece_of, on="refnis")
        .select("piece", "level", "area_code")
        .unique()
    )


def survey_pieces_from_areas(areas: pl.DataFrame) -> pl.DataFrame:
    """`piece`, `level`, `area_code` from the published areas mart alone (what a reader
    knows: each municipality's zone, circle and province)."""
    muni = areas.filter(pl.col("level") == "gemeente").select(
        pl.col("area_code").alias("refnis"),
        "zone_code",
        "circle_code",
        "province_code",
        pl.when(pl.col("province_code").is_not_null())
        .then(pl.lit(codes.FLANDERS_CODE))
        .alias("flanders_code"),
    )
    return piece_links(pieces(muni))


def ima_year_for(gps: pl.DataFrame, survey_year: int) -> int | None:
    """The IMA year that counts the GPs of a survey year: the same year, else the latest
    before it (a finished IMA year comes out in July of year + 2)."""
    years = [y for y in gps["YEAR"].unique().to_list() if y <= survey_year]
    return max(years) if years else None


def _grid(units: pl.DataFrame, years: list[int], items: tuple[str, ...]) -> pl.DataFrame:
    """Every unit (piece or area) x year x item."""
    return (
        units.select("level", "area_code")
        .unique()
        .join(pl.DataFrame({"year": years}, schema={"year": pl.Int64}), how="cross")
        .join(pl.DataFrame({"item": list(items)}), how="cross")
    )


# --------------------------------------------------------------------------- disclosure


def control_units(
    counts: pl.DataFrame,
    units: pl.DataFrame,
    primary: pl.Expr,
    within: dict[str, tuple[str, ...]] | None = None,
) -> pl.DataFrame:
    """Suppression of `counts` (`level`, `area_code`, `year`, `item`, `count`, plus the
    columns `primary` reads) over the pieces and the published areas.

    Constraints: each area's cell = the sum of its pieces' cells (per item and year), and
    `within`: total item -> part items of the same unit (respondents = the sum of the
    bands). Returns the published cells with `suppressed` and `suppression_reason`.
    """
    cells = (
        counts.sort("level", "area_code", "year", "item")
        .with_row_index("cell_id")
        .with_columns(
            (pl.col("level") == PIECE).alias("_latent"),
            primary.fill_null(False).alias("_primary"),
            pl.col("count").cast(pl.Float64).alias("_rank"),
        )
    )
    links = piece_links(units)
    ids = cells.select("level", "area_code", "year", "item", "cell_id")
    part = ids.filter(pl.col("level") == PIECE).rename({"area_code": "piece"}).drop("level")
    area_parts = links.join(part, on="piece").select(
        pl.concat_str(
            pl.lit("a"), "level", "area_code", pl.col("year").cast(pl.String), "item", separator="|"
        ).alias("constraint_id"),
        "cell_id",
        pl.lit(False).alias(TOTAL_COL),
    )
    area_totals = (
        ids.filter(pl.col("level") != PIECE)
        .select(
            pl.concat_str(
                pl.lit("a"),
                "level",
                "area_code",
                pl.col("year").cast(pl.String),
                "item",
                separator="|",
            ).alias("constraint_id"),
            "cell_id",
            pl.lit(True).alias(TOTAL_COL),
        )
        .join(area_parts.select("constraint_id").unique(), on="constraint_id", how="semi")
    )
    frames = [area_totals, area_parts]
    for total, parts in (within or {}).items():
        key = pl.concat_str(
            pl.lit(f"w{total}"), "level", "area_code", pl.col("year").cast(pl.String), separator="|"
        ).alias("constraint_id")
        frames.append(
            ids.filter(pl.col("item").is_in([total, *parts])).select(
                key, "cell_id", (pl.col("item") == total).alias(TOTAL_COL)
            )
        )
    try:
        # LAPACK with competing BLAS threads is many times slower on a small machine.
        with threadpool_limits(limits=1):
            controlled = protect_with_latent(
                cells,
                id_col="cell_id",
                primary_col="_primary",
                latent_col="_latent",
                constraints=pl.concat(frames),
                rank_col="_rank",
            )
    except ValueError as exc:
        raise DisclosureError(f"enquête: {exc}") from exc
    return controlled.filter(~pl.col("_latent")).select(
        "level", "area_code", "year", "item", "suppressed", "suppression_reason"
    )


def _small(col: str) -> pl.Expr:
    return (pl.col(col) > 0) & (pl.col(col) < MIN_COUNT)


def _few(col: str) -> pl.Expr:
    return (pl.col(col) > 0) & (pl.col(col) < codes.MIN_SURVEY_RESPONDENTS)


# --------------------------------------------------------------------------- GP survey


def _gp_rows(raw: RawData, gps: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Survey answers of GPs, placed by their practice, one row per unit they count in;
    `ffs`: the GP works fee-for-service in the IMA year used for the survey year."""
    answers = raw.survey_gps.join(raw.register.select("RIZIV_HCI", "REFNIS"), on="RIZIV_HCI")
    years = answers["SURVEY_YEAR"].unique().sort().to_list()
    flags = pl.concat(
        [
            gps.filter(pl.col("YEAR") == ima)
            .select("RIZIV_ID", pl.lit(year).alias("SURVEY_YEAR"), "flat_rate")
            .unique("RIZIV_ID")
            for year in years
            if (ima := ima_year_for(gps, year)) is not None
        ]
        or [
            pl.DataFrame(
                schema={"RIZIV_ID": pl.String, "SURVEY_YEAR": pl.Int64, "flat_rate": pl.Boolean}
            )
        ]
    )
    band = pl.lit(BAND_ITEMS[0])
    for item, (lower, _) in zip(BAND_ITEMS[1:], codes.HOURS_BANDS[1:], strict=True):
        band = pl.when(pl.col("HOURS_PER_WEEK") >= lower).then(pl.lit(item)).otherwise(band)
    return (
        answers.join(flags, on=["RIZIV_ID", "SURVEY_YEAR"], how="left")
        .select(
            pl.col("REFNIS").alias("refnis"),
            pl.col("SURVEY_YEAR").cast(pl.Int64).alias("year"),
            pl.col("HOURS_PER_WEEK").cast(pl.Float64).alias("hours"),
            pl.col("WELLBEING").cast(pl.Float64).alias("wellbeing"),
            (pl.col("WORKLOAD") >= codes.WORKLOAD_TOO_HIGH).alias("high"),
            band.alias("band"),
            (pl.col("flat_rate") == False).fill_null(False).alias("ffs"),  # noqa: E712
        )
        .join(units, on="refnis")
    )


def _gp_population(gps: pl.DataFrame, units: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """Per unit and survey year: GPs in the IMA file (all rows: GPs and GPs in training),
    fee-for-service GPs, their billed contacts in minutes (the estimate's numerator) and
    the contributor rule on those minutes."""
    minutes = pl.sum_horizontal(
        *[pl.col(c).fill_null(0).cast(pl.Float64) * m for c, m in CONTACT_MINUTES.items()]
    )
    frames = []
    for year in years:
        ima = ima_year_for(gps, year)
        if ima is None:
            continue
        rows = (
            gps.filter(pl.col("YEAR") == ima)
            .select(pl.col("REFNIS").alias("refnis"), "flat_rate", minutes.alias("minutes"))
            .join(units, on="refnis")
        )
        frames.append(
            rows.group_by("level", "area_code")
            .agg(
                pl.len().alias("gps"),
                (~pl.col("flat_rate")).sum().alias("ffs_gps"),
                pl.col("minutes").filter(~pl.col("flat_rate")).sum().alias("minutes"),
                *contributor_rule_fails(
                    pl.when(~pl.col("flat_rate")).then(pl.col("minutes")).otherwise(0.0)
                ),
            )
            .with_columns(
                pl.lit(year, pl.Int64).alias("year"),
                pl.lit(ima, pl.Int64).alias("population_year"),
                fails_expr().alias("minutes_fail"),
            )
            .drop("_n", "_t1", "_t2", "_sum")
        )
    if not frames:
        return pl.DataFrame(
            schema={
                "level": pl.String,
                "area_code": pl.String,
                "year": pl.Int64,
                "gps": pl.UInt32,
                "ffs_gps": pl.UInt32,
                "minutes": pl.Float64,
                "population_year": pl.Int64,
                "minutes_fail": pl.Boolean,
            }
        )
    return pl.concat(frames)


def gp_unit_sums(raw: RawData, gps: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Per unit (piece or area) and survey year: the additive sums of the GP survey, the
    contributor rule on hours and wellbeing, and the IMA counts."""
    rows = _gp_rows(raw, gps, units)
    years = sorted(raw.survey_gps["SURVEY_YEAR"].unique().to_list())
    ffs = pl.col("ffs")
    sums = rows.group_by(_UNIT).agg(
        pl.len().alias("n"),
        pl.col("hours").sum().alias("hours_sum"),
        (pl.col("hours") ** 2).sum().alias("hours_sq"),
        pl.col("wellbeing").sum().alias("wellbeing_sum"),
        (pl.col("wellbeing") ** 2).sum().alias("wellbeing_sq"),
        pl.col("high").sum().alias("high"),
        *[(pl.col("band") == item).sum().alias(item) for item in BAND_ITEMS],
        ffs.sum().alias("n_ffs"),
        pl.col("hours").filter(ffs).sum().alias("ffs_hours_sum"),
        (pl.col("hours") ** 2).filter(ffs).sum().alias("ffs_hours_sq"),
        *[e.name.prefix("h") for e in contributor_rule_fails(pl.col("hours"))],
        *[e.name.prefix("w") for e in contributor_rule_fails(pl.col("wellbeing"))],
    )
    sums = sums.with_columns((fails_expr("h") | fails_expr("w")).alias("contributor_fail")).drop(
        *[f"{p}{c}" for p in "hw" for c in ("_n", "_t1", "_t2", "_sum")]
    )
    grid = (
        units.select("level", "area_code")
        .unique()
        .join(pl.DataFrame({"year": years}, schema={"year": pl.Int64}), how="cross")
    )
    counts = ["n", "high", *BAND_ITEMS, "n_ffs"]
    return (
        grid.join(sums, on=_UNIT, how="left")
        .join(_gp_population(gps, units, years), on=_UNIT, how="left")
        .with_columns(
            *[pl.col(c).fill_null(0).cast(pl.Int64) for c in (*counts, "gps", "ffs_gps")],
            pl.col(
                "hours_sum",
                "hours_sq",
                "wellbeing_sum",
                "wellbeing_sq",
                "ffs_hours_sum",
                "ffs_hours_sq",
                "minutes",
            ).fill_null(0.0),
            pl.col("contributor_fail", "minutes_fail").fill_null(False),
        )
    )


def gp_suppression(sums: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Which GP-survey cells are hidden: per area, year and item of `GP_ITEMS`.

    Primary: fewer than 10 respondents or a failed contributor rule (every item of the
    unit but the GP count), a band or "too high" count of 1-4, a GP count of 1-4; for
    published areas and latent pieces alike.
    """
    long = sums.unpivot(
        index=[*_UNIT, "contributor_fail"],
        on=list(GP_ITEMS),
        variable_name="item",
        value_name="count",
    ).join(sums.select(*_UNIT, pl.col("n").alias("_n")), on=_UNIT)
    unit_primary = _few("_n") | pl.col("contributor_fail")
    primary = (
        pl.when(pl.col("item") == "gps")
        .then(_small("count"))
        .otherwise(unit_primary | _small("count"))
    )
    return control_units(long, units, primary, within={"n": BAND_ITEMS})


def _rows(
    frame: pl.DataFrame,
    code: str,
    category: str | pl.Expr,
    numerator: pl.Expr,
    denominator: pl.Expr,
    value: pl.Expr,
    low: pl.Expr,
    high: pl.Expr,
    respondents: pl.Expr,
    population: pl.Expr,
    hidden: pl.Expr,
    reason: pl.Expr,
) -> pl.DataFrame:
    """Mart rows in contract order; everything but the keys and the area's GP count is
    nulled where `hidden`."""
    keep = ~hidden

    def shown(expr: pl.Expr) -> pl.Expr:
        return pl.when(keep).then(expr)

    category_expr = pl.lit(category) if isinstance(category, str) else category
    return frame.select(
        pl.lit(code).alias("indicator_code"),
        category_expr.alias("category"),
        "level",
        "area_code",
        "year",
        shown(respondents).cast(pl.Int64).alias("respondents"),
        population.cast(pl.Int64).alias("population"),
        "population_year",
        shown(pl.when(population > 0).then(respondents.cast(pl.Float64) / population * 100)).alias(
            "response_rate"
        ),
        shown(numerator).cast(pl.Float64).alias("numerator"),
        shown(denominator).cast(pl.Float64).alias("denominator"),
        shown(value).cast(pl.Float64).alias("value"),
        shown(low).cast(pl.Float64).alias("ci_low"),
        shown(high).cast(pl.Float64).alias("ci_high"),
        hidden.alias("suppressed"),
        pl.when(hidden).then(reason).alias("suppression_reason"),
    )


def _with_numpy(
    frame: pl.DataFrame, names: tuple[str, ...], arrays: tuple[np.ndarray, ...]
) -> pl.DataFrame:
    return frame.with_columns(
        pl.Series(name, values, dtype=pl.Float64, nan_to_null=True)
        for name, values in zip(names, arrays, strict=True)
    )


def gp_survey_rows(sums: pl.DataFrame, hidden: pl.DataFrame) -> pl.DataFrame:
    """The GP-survey rows of the mart for the published areas."""
    wide = hidden.pivot(on="item", index=_UNIT, values=["suppressed", "suppression_reason"])
    areas = sums.filter(pl.col("level") != PIECE).join(wide, on=_UNIT)
    gps_hidden = pl.col("suppressed_gps")
    unit_hidden = pl.col("suppressed_n")
    unit_reason = pl.col("suppression_reason_n")
    areas = areas.with_columns(
        pl.when(gps_hidden).then(None).otherwise(pl.col("gps")).alias("gps_shown"),
        pl.when(gps_hidden).then(None).otherwise(pl.col("ffs_gps")).alias("ffs_gps_shown"),
    )
    mean_h = t_interval_from_sums(areas["hours_sum"], areas["hours_sq"], areas["n"])
    mean_w = t_interval_from_sums(areas["wellbeing_sum"], areas["wellbeing_sq"], areas["n"])
    high_lo, high_hi = wilson_interval(areas["high"], areas["n"])
    areas = _with_numpy(areas, ("hm", "hl", "hh"), mean_h)
    areas = _with_numpy(areas, ("wm", "wl", "wh"), mean_w)
    areas = _with_numpy(areas, ("ql", "qh"), (high_lo * 100, high_hi * 100))
    n = pl.col("n")
    frames = [
        _rows(
            areas,
            "hours_mean",
            TOTAL,
            pl.col("hours_sum"),
            n,
            pl.col("hm"),
            pl.col("hl"),
            pl.col("hh"),
            n,
            pl.col("gps_shown"),
            unit_hidden,
            unit_reason,
        ),
        _rows(
            areas,
            "wellbeing_mean",
            TOTAL,
            pl.col("wellbeing_sum"),
            n,
            pl.col("wm"),
            pl.col("wl"),
            pl.col("wh"),
            n,
            pl.col("gps_shown"),
            unit_hidden,
            unit_reason,
        ),
        _rows(
            areas,
            "workload_high",
            TOTAL,
            pl.col("high"),
            n,
            pl.when(n > 0).then(pl.col("high") / n * 100),
            pl.col("ql"),
            pl.col("qh"),
            n,
            pl.col("gps_shown"),
            unit_hidden | pl.col("suppressed_high"),
            pl.when(unit_hidden).then(unit_reason).otherwise(pl.col("suppression_reason_high")),
        ),
    ]
    for item in BAND_ITEMS:
        lo, hi = wilson_interval(areas[item], areas["n"])
        part = _with_numpy(areas, ("bl", "bh"), (lo * 100, hi * 100))
        frames.append(
            _rows(
                part,
                "hours_band",
                BAND_LABELS[item],
                pl.col(item),
                n,
                pl.when(n > 0).then(pl.col(item) / n * 100),
                pl.col("bl"),
                pl.col("bh"),
                n,
                pl.col("gps_shown"),
                unit_hidden | pl.col(f"suppressed_{item}"),
                pl.when(unit_hidden)
                .then(unit_reason)
                .otherwise(pl.col(f"suppression_reason_{item}")),
            )
        )
    frames.append(contact_share_rows(areas))
    return pl.concat(frames)


def contact_share_rows(areas: pl.DataFrame) -> pl.DataFrame:
    """The estimated share of working time in patient contact (fee-for-service GPs).

    share = billed contacts x minutes per contact type / 60 (hours of contact a year)
            / (mean reported hours per week x WORK_WEEKS x fee-for-service GPs).
    The interval carries only the sampling uncertainty of the mean hours (t-interval),
    not that of the assumed durations. Hidden where the unit is hidden, where fewer than
    10 fee-for-service GPs answered, or where the contact minutes fail the contributor
    rule. A ratio of a product: not part of the linear audit (`docs/privacy.md`).
    """
    mean, low, high = t_interval_from_sums(
        areas["ffs_hours_sum"], areas["ffs_hours_sq"], areas["n_ffs"]
    )
    frame = _with_numpy(areas, ("fm", "fl", "fh"), (mean, low, high))
    contact_hours = pl.col("minutes") / 60.0
    worked = pl.col("fm") * WORK_WEEKS * pl.col("ffs_gps")
    unit_hidden = pl.col("suppressed_n")
    own = (
        (pl.col("n_ffs") < codes.MIN_SURVEY_RESPONDENTS)
        | pl.col("minutes_fail")
        | (pl.col("ffs_gps") == 0)
        | pl.col("suppressed_gps")
        | pl.col("fm").is_null()
    )
    return _rows(
        frame,
        "contact_share",
        TOTAL,
        contact_hours,
        worked,
        contact_hours / worked * 100,
        contact_hours / (pl.col("fh") * WORK_WEEKS * pl.col("ffs_gps")) * 100,
        contact_hours / (pl.col("fl") * WORK_WEEKS * pl.col("ffs_gps")) * 100,
        pl.col("n_ffs"),
        pl.col("ffs_gps_shown"),
        unit_hidden | own,
        pl.when(unit_hidden).then(pl.col("suppression_reason_n")).otherwise(pl.lit(PRIMARY)),
    )


# --------------------------------------------------------------------------- practice survey


def practice_unit_sums(raw: RawData, gps: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Per unit and survey year: the practice survey's counts and sums, the practices and
    GPs of the IMA file, and payment system x patient stop."""
    answers = raw.survey_practices
    years = sorted(answers["SURVEY_YEAR"].unique().to_list())
    per_practice = []
    for year in years:
        ima = ima_year_for(gps, year)
        if ima is None:
            continue
        per_practice.append(
            gps.filter(pl.col("YEAR") == ima)
            .group_by("RIZIV_HCI")
            .agg(
                (~pl.col("trainee")).sum().alias("gp_count"),
                pl.col("flat_rate").any().alias("flat"),
                pl.col("REFNIS").first().alias("refnis"),
            )
            .with_columns(
                pl.lit(year, pl.Int64).alias("year"), pl.lit(ima, pl.Int64).alias("population_year")
            )
        )
    if not per_practice:
        return pl.DataFrame()
    ima_practices = pl.concat(per_practice)
    rows = (
        answers.rename({"SURVEY_YEAR": "year"})
        .with_columns(pl.col("year").cast(pl.Int64))
        .join(ima_practices.drop("refnis"), on=["RIZIV_HCI", "year"], how="left")
        .join(raw.register.select("RIZIV_HCI", pl.col("REFNIS").alias("refnis")), on="RIZIV_HCI")
        .with_columns(
            pl.col("gp_count").fill_null(0).cast(pl.Float64), pl.col("flat").fill_null(False)
        )
        .join(units, on="refnis")
    )
    disciplines = pl.col("DISCIPLINES").fill_null("")
    aggs = [
        pl.len().alias("n"),
        pl.col("CONTINUITY").is_not_null().sum().alias("answered"),
        pl.col("gp_count").sum().alias("gp_sum"),
        (pl.col("gp_count") ** 2).sum().alias("gp_sq"),
        *[
            (pl.col("APPOINTMENTS") == c).sum().alias(f"appointments:{c}")
            for c in codes.APPOINTMENTS
        ],
        *[
            (pl.col("EXPANSION_PLANS") == c).sum().alias(f"expansion_plans:{c}")
            for c in codes.EXPANSION_PLANS
        ],
        *[
            (pl.col("CONTINUITY") == c).fill_null(False).sum().alias(f"continuity:{c}")
            for c in codes.CONTINUITY
        ],
        *[
            disciplines.str.split(";").list.contains(d).sum().alias(f"discipline_present:{d}")
            for d in codes.DISCIPLINES
        ],
    ]
    for name, col in STAFF_COLUMNS.items():
        fte = pl.col(col).cast(pl.Float64)
        aggs += [
            fte.sum().alias(f"staff:{name}"),
            (fte**2).sum().alias(f"staff_sq:{name}"),
            (fte * pl.col("gp_count")).sum().alias(f"staff_x:{name}"),
        ]
    for pay in codes.PAYMENT_SYSTEMS:
        in_pay = pl.col("flat") == (pay == "forfait")
        aggs.append(in_pay.sum().alias(f"pay_n:{pay}"))
        aggs += [
            (in_pay & (pl.col("PATIENT_STOP") == stop)).sum().alias(f"pay_stop:{pay}:{stop}")
            for stop in codes.PATIENT_STOP
        ]
    sums = rows.group_by(_UNIT).agg(aggs)
    population = (
        ima_practices.join(units, on="refnis")
        .group_by(_UNIT)
        .agg(
            pl.len().alias("practices"),
            *[
                (pl.col("flat") == (pay == "forfait")).sum().alias(f"practices:{pay}")
                for pay in codes.PAYMENT_SYSTEMS
            ],
            pl.col("population_year").first(),
        )
    )
    grid = (
        units.select("level", "area_code")
        .unique()
        .join(pl.DataFrame({"year": years}, schema={"year": pl.Int64}), how="cross")
    )
    out = grid.join(sums, on=_UNIT, how="left").join(population, on=_UNIT, how="left")
    numeric = [c for c in out.columns if c not in (*_UNIT, "population_year")]
    return out.with_columns(pl.col(numeric).fill_null(0))


def practice_suppression(sums: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Hidden practice-survey cells: item `n` (every indicator of the unit) and
    `answered` (the optional continuity question). Primary: fewer than 10 practices."""
    long = sums.unpivot(
        index=_UNIT, on=list(PRACTICE_ITEMS), variable_name="item", value_name="count"
    ).with_columns(pl.col("count").cast(pl.Int64))
    return control_units(long, units, _few("count"))


def practice_survey_rows(sums: pl.DataFrame, hidden: pl.DataFrame) -> pl.DataFrame:
    """The practice-survey rows of the mart for the published areas."""
    wide = hidden.pivot(on="item", index=_UNIT, values=["suppressed", "suppression_reason"])
    areas = sums.filter(pl.col("level") != PIECE).join(wide, on=_UNIT)
    n = pl.col("n")
    unit_hidden = pl.col("suppressed_n")
    unit_reason = pl.col("suppression_reason_n")
    practices = pl.col("practices")
    frames = []

    def shares(
        code: str, categories: tuple[str, ...], base: str, hidden_expr: pl.Expr, reason: pl.Expr
    ) -> None:
        for cat in categories:
            col = f"{code}:{cat}"
            lo, hi = wilson_interval(areas[col], areas[base])
            part = _with_numpy(areas, ("sl", "sh"), (lo * 100, hi * 100))
            frames.append(
                _rows(
                    part,
                    code,
                    cat,
                    pl.col(col),
                    pl.col(base),
                    pl.when(pl.col(base) > 0).then(pl.col(col) / pl.col(base) * 100),
                    pl.col("sl"),
                    pl.col("sh"),
                    pl.col(base),
                    practices,
                    hidden_expr,
                    reason,
                )
            )

    shares("appointments", codes.APPOINTMENTS, "n", unit_hidden, unit_reason)
    shares("expansion_plans", codes.EXPANSION_PLANS, "n", unit_hidden, unit_reason)
    shares("discipline_present", codes.DISCIPLINES, "n", unit_hidden, unit_reason)
    shares(
        "continuity",
        codes.CONTINUITY,
        "answered",
        unit_hidden | pl.col("suppressed_answered"),
        pl.when(unit_hidden).then(unit_reason).otherwise(pl.col("suppression_reason_answered")),
    )
    for name in STAFF_COLUMNS:
        ratio = ratio_interval_from_sums(
            areas[f"staff:{name}"],
            areas["gp_sum"],
            areas[f"staff_sq:{name}"],
            areas[f"staff_x:{name}"],
            areas["gp_sq"],
            areas["n"],
        )
        part = _with_numpy(areas, ("rv", "rl", "rh"), ratio)
        frames.append(
            _rows(
                part,
                "staff_fte_per_gp",
                name,
                pl.col(f"staff:{name}"),
                pl.col("gp_sum"),
                pl.col("rv"),
                pl.col("rl"),
                pl.col("rh"),
                n,
                practices,
                unit_hidden,
                unit_reason,
            )
        )
    # Payment system x patient stop: practice-level facts that the practices mart shows
    # per practice; hidden below 10 practices for precision, not for privacy.
    for pay in codes.PAYMENT_SYSTEMS:
        base = pl.col(f"pay_n:{pay}")
        for stop in codes.PATIENT_STOP:
            col = f"pay_stop:{pay}:{stop}"
            lo, hi = wilson_interval(areas[col], areas[f"pay_n:{pay}"])
            part = _with_numpy(areas, ("sl", "sh"), (lo * 100, hi * 100))
            frames.append(
                _rows(
                    part,
                    "patient_stop_by_payment",
                    f"{pay}:{stop}",
                    pl.col(col),
                    base,
                    pl.when(base > 0).then(pl.col(col) / base * 100),
                    pl.col("sl"),
                    pl.col("sh"),
                    base,
                    pl.col(f"practices:{pay}"),
                    base < codes.MIN_SURVEY_RESPONDENTS,
                    pl.lit(FEW_RESPONDENTS),
                )
            )
    return pl.concat(frames)


# --------------------------------------------------------------------------- the mart


def survey_mart(raw: RawData, gps: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """The survey mart (`MART_COLUMNS[SURVEY]`), disclosure-controlled, sorted."""
    columns = list(MART_COLUMNS[SURVEY])
    units = pieces(members)
    frames = []
    if raw.survey_gps.height:
        sums = gp_unit_sums(raw, gps, units)
        frames.append(gp_survey_rows(sums, gp_suppression(sums, units)))
    if raw.survey_practices.height:
        psums = practice_unit_sums(raw, gps, units)
        if psums.height:
            frames.append(practice_survey_rows(psums, practice_suppression(psums, units)))
    if not frames:
        return empty_survey()
    mart = pl.concat(frames).with_columns(
        # Sums of floats depend on the order of addition: rounded far below any shown
        # digit, the same input gives the same bytes.
        pl.col("numerator", "denominator", "value", "ci_low", "ci_high", "response_rate").round(6)
    )
    return mart.sort("indicator_code", "category", "level", "area_code", "year").select(columns)


def empty_survey() -> pl.DataFrame:
    """A survey mart without rows (no survey delivered)."""
    types = {
        "year": pl.Int64,
        "respondents": pl.Int64,
        "population": pl.Int64,
        "population_year": pl.Int64,
        "suppressed": pl.Boolean,
    }
    schema = {
        col: types.get(col, pl.Float64 if kind in ("value", "interval", "measure") else pl.String)
        for col, kind in MART_COLUMNS[SURVEY].items()
    }
    return pl.DataFrame(schema=schema)
