"""From validated raw data to marts: pure polars functions, no I/O.

The raw GP file has one row per GP per year; it is used here and nowhere
else. What leaves this module is aggregated to the practice or to an area:
no RIZIV number and no GP-level row reaches a mart.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Final

import polars as pl

from popmgmt.metrics.indicators import (
    GP_PER_10K,
    GP_UNDER65_PER_100K,
    derived_catalogue,
)
from popmgmt.metrics.stats import add_intervals
from popmgmt.pipeline import codes
from popmgmt.pipeline.breakdowns import breakdown_mart
from popmgmt.pipeline.control import (
    DisclosureError,
    control_table,
    honest_reason,
    small_count,
    with_forced,
)
from popmgmt.pipeline.geography import (
    LEVEL_COLUMN,
    areas_mart,
    hierarchy_constraints,
    membership,
    roll_up,
)
from popmgmt.pipeline.marts import (
    AREAS,
    BREAKDOWNS,
    INDICATOR_VALUES,
    INDICATORS,
    MART_COLUMNS,
    POPULATION,
    PRACTICES,
    SURVEY,
)
from popmgmt.pipeline.outlook import outlook_marts
from popmgmt.pipeline.practices import (
    CONTACT_COLUMNS,
    FTE_SCALE,
    contributor_rule_fails,
    fails_expr,
    gp_years,
    practice_mart,
)
from popmgmt.pipeline.privacy import PRIMARY, TOTAL_COL
from popmgmt.pipeline.refdata import RefData
from popmgmt.pipeline.survey import survey_mart
from popmgmt.pipeline.validate import RawData


def age_band_expr(age: pl.Expr) -> pl.Expr:
    """5-year band of codes.POP_AGE_BANDS for a single-year age."""
    lower = (age.clip(0, 95) // 5) * 5
    return (
        pl.when(age >= 95)
        .then(pl.lit("95+"))
        .otherwise(pl.concat_str(lower.cast(pl.String), pl.lit("-"), (lower + 4).cast(pl.String)))
    )


def population_cells(population: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Population per level x area x year x sex x 5-year band, with margins."""
    gemeente = population.group_by(
        pl.col("REFNIS").alias("refnis"),
        pl.col("YEAR").alias("year"),
        pl.col("SEX").alias("sex"),
        age_band_expr(pl.col("AGE")).alias("age_band"),
    ).agg(pl.col("POPULATION").sum().alias("population"))
    cells = roll_up(gemeente, members, ["year", "sex", "age_band"], ["population"])
    by_band = cells.group_by("level", "area_code", "year", "age_band").agg(
        pl.col("population").sum()
    )
    by_sex = cells.group_by("level", "area_code", "year", "sex").agg(pl.col("population").sum())
    total = cells.group_by("level", "area_code", "year").agg(pl.col("population").sum())
    return pl.concat(
        [
            cells,
            by_band.with_columns(pl.lit("T").alias("sex")),
            by_sex.with_columns(pl.lit("totaal").alias("age_band")),
            total.with_columns(pl.lit("T").alias("sex"), pl.lit("totaal").alias("age_band")),
        ],
        how="diagonal",
    ).select("level", "area_code", "year", "sex", "age_band", "population")


def population_mart(
    population: pl.DataFrame, members: pl.DataFrame, forced: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The published population table, with disclosure control applied."""
    cells = (
        population_cells(population, members)
        .sort("level", "area_code", "year", "sex", "age_band")
        .with_row_index("cell_id")
    )
    keys = ["year", "sex", "age_band"]
    table = ["level", "area_code", "year"]
    within = pl.concat(
        [
            # each sex: its bands and their total
            cells.select(
                pl.concat_str(
                    pl.lit("s"), *table[:2], pl.col("year").cast(pl.String), "sex", separator="|"
                ).alias("constraint_id"),
                "cell_id",
                (pl.col("age_band") == "totaal").alias(TOTAL_COL),
            ),
            # each band: M, V and T
            cells.select(
                pl.concat_str(
                    pl.lit("a"),
                    *table[:2],
                    pl.col("year").cast(pl.String),
                    "age_band",
                    separator="|",
                ).alias("constraint_id"),
                "cell_id",
                (pl.col("sex") == "T").alias(TOTAL_COL),
            ),
        ]
    )
    across = hierarchy_constraints(cells, members, keys)
    cells = with_forced(cells, forced, ["level", "area_code", "year", "sex", "age_band"])
    controlled = control_table(
        "bevolking",
        cells.with_columns(pl.col("population").alias("_own")),
        count_cols=["population", "_forced_check"],
        constraints=pl.concat([within, across]),
        rank_col="population",
    )
    controlled = honest_reason(controlled, small_count(pl.col("_own")))
    return controlled.sort("level", "area_code", "year", "sex", "age_band").select(
        list(MART_COLUMNS[POPULATION])
    )


# --------------------------------------------------------------------------- indicators


def _long(
    frame: pl.DataFrame,
    code: str,
    num: pl.Expr,
    den: pl.Expr,
    guard_num: pl.Expr | None = None,
    guard_den: pl.Expr | None = None,
) -> pl.DataFrame:
    return frame.select(
        pl.lit(code).alias("indicator_code"),
        "refnis",
        "year",
        num.cast(pl.Float64).alias("numerator"),
        den.cast(pl.Float64).alias("denominator"),
        (guard_num if guard_num is not None else pl.lit(None)).cast(pl.Int64).alias("guard_num"),
        (guard_den if guard_den is not None else pl.lit(None)).cast(pl.Int64).alias("guard_den"),
    )


def derived_counts(
    gps: pl.DataFrame, raw: RawData, population: pl.DataFrame, members: pl.DataFrame
) -> pl.DataFrame:
    """Municipality-level numerators and denominators of the derived indicators.

    `guard_num`/`guard_den` are the person counts that the disclosure rule
    checks for each row (null where the count is not of persons).
    """
    inhabitants = population.group_by(
        pl.col("REFNIS").alias("refnis"), pl.col("YEAR").alias("year")
    ).agg(
        pl.col("POPULATION").sum().alias("pop"),
        *[
            pl.col("POPULATION").filter(pl.col("AGE") >= age).sum().alias(f"pop{age}")
            for age in (65, 75, 85)
        ],
    )
    frame = gps.rename({"REFNIS": "refnis", "YEAR": "year"})
    gp_active = ~pl.col("trainee") & pl.col("active")
    ffs = ~pl.col("flat_rate")
    per_muni = frame.group_by("refnis", "year").agg(
        gp_active.sum().alias("gps"),
        (pl.col("fte_milli").filter(gp_active).sum() / FTE_SCALE).alias("fte"),
        pl.col("trainee").sum().alias("trainees"),
        (gp_active & (pl.col("age") >= 60)).sum().alias("gp60"),
        (gp_active & (pl.col("age") >= 65)).sum().alias("gp65"),
        (gp_active & pl.col("age").is_not_null()).sum().alias("gp_known_age"),
        pl.col("PAT_ATTRIB").filter(gp_active).sum().alias("attrib_active"),
        # All GP rows, as in the practices mart (pat_gmd / fte_estimate).
        pl.col("PAT_GMD").sum().alias("gmd_all"),
        (pl.col("fte_milli").sum() / FTE_SCALE).alias("fte_all"),
        pl.len().alias("gp_rows"),
        pl.col("PAT_ATTRIB").filter(ffs).sum().alias("attrib_ffs"),
        *[pl.col(c).filter(ffs).sum().alias(c.lower()) for c in CONTACT_COLUMNS],
    )
    # Municipalities without any GP still have inhabitants: keep them (0 GPs).
    base = (
        inhabitants.join(per_muni, on=["refnis", "year"], how="left")
        .with_columns(
            pl.col(c).fill_null(0)
            for c in (
                "gps",
                "fte",
                "trainees",
                "gp60",
                "gp65",
                "gp_known_age",
                "attrib_active",
                "gmd_all",
                "fte_all",
                "gp_rows",
                "attrib_ffs",
                *[c.lower() for c in CONTACT_COLUMNS],
            )
        )
        .filter(pl.col("refnis").is_in(members["refnis"].implode()))
    )
    c = pl.col
    parts = [
        _long(base, GP_PER_10K, c("gps"), c("pop"), c("gps"), c("pop")),
        _long(base, "gp_fte_per_10k", c("fte"), c("pop"), c("gps"), c("pop")),
        _long(base, "gp_trainees_per_10k", c("trainees"), c("pop"), c("trainees"), c("pop")),
        _long(base, "attrib_per_fte", c("attrib_active"), c("fte"), c("attrib_active"), c("gps")),
        _long(base, "gmd_per_fte", c("gmd_all"), c("fte_all"), c("gmd_all"), c("gp_rows")),
    ]
    # Ages come from the survey's birth years: only survey years are unbiased
    # (earlier years would count only the GPs still active at the survey).
    survey_years = raw.survey_gps["SURVEY_YEAR"].unique().to_list()
    aged = base.filter(pl.col("year").is_in(survey_years))
    parts += [
        _long(aged, "gp_60plus", c("gp60"), c("gp_known_age"), c("gp60"), c("gp_known_age")),
        _long(aged, "gp_65plus", c("gp65"), c("gp_known_age"), c("gp65"), c("gp_known_age")),
        # GPs under 65 (the Impulseo rule's count): active GPs minus the estimated
        # number aged 65+ (the 65+ share among GPs of known age, per municipality).
        _long(
            aged,
            GP_UNDER65_PER_100K,
            pl.when(c("gp_known_age") > 0)
            .then(c("gps") - c("gps") * c("gp65") / c("gp_known_age"))
            .otherwise(c("gps")),
            c("pop"),
            c("gps"),
            c("pop"),
        ),
    ]
    for col in CONTACT_COLUMNS:
        lc = col.lower()
        parts.append(
            _long(base, f"{lc}_per_100_attrib", c(lc), c("attrib_ffs"), c(lc), c("attrib_ffs"))
        )
    for age in (65, 75, 85):
        parts.append(
            _long(base, f"pop_{age}plus", c(f"pop{age}"), c("pop"), c(f"pop{age}"), c("pop"))
        )
    # Practices: counts of practices, by place of the practice.
    practice_flags = (
        frame.group_by("RIZIV_HCI", "refnis", "year")
        .agg(pl.col("flat_rate").any().alias("flat"), pl.col("active").any().alias("active"))
        .filter(pl.col("active"))
        .group_by("refnis", "year")
        .agg(pl.len().alias("practices"), pl.col("flat").sum().alias("flat"))
    )
    pbase = (
        base.select("refnis", "year")
        .join(practice_flags, on=["refnis", "year"], how="left")
        .with_columns(pl.col("practices", "flat").fill_null(0))
    )
    parts.append(_long(pbase, "practices_flat_rate", c("flat"), c("practices")))
    if raw.survey_practices.height:
        stops = (
            raw.survey_practices.join(raw.register.select("RIZIV_HCI", "REFNIS"), on="RIZIV_HCI")
            .group_by(pl.col("REFNIS").alias("refnis"), pl.col("SURVEY_YEAR").alias("year"))
            .agg(
                pl.len().alias("responding"),
                pl.col("PATIENT_STOP").is_in(["ja", "gedeeltelijk"]).sum().alias("stop"),
            )
        )
        survey_years = stops["year"].unique().to_list()
        sbase = (
            base.filter(pl.col("year").is_in(survey_years))
            .select("refnis", "year")
            .join(stops, on=["refnis", "year"], how="left")
            .with_columns(pl.col("responding", "stop").fill_null(0))
        )
        parts.append(_long(sbase, "practices_patient_stop", c("stop"), c("responding")))
    return pl.concat(parts)


def atlas_counts(atlas: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Atlas values summed over age and sex per municipality (the marts' grain)."""
    summed = atlas.group_by(
        pl.col("INDICATOR_CODE").alias("indicator_code"),
        pl.col("REFNIS").alias("refnis"),
        pl.col("YEAR").alias("year"),
    ).agg(pl.col("NUMERATOR").sum(), pl.col("DENOMINATOR").sum())
    return summed.filter(pl.col("refnis").is_in(members["refnis"].implode())).select(
        "indicator_code",
        "refnis",
        "year",
        pl.col("NUMERATOR").cast(pl.Float64).alias("numerator"),
        pl.col("DENOMINATOR").cast(pl.Float64).alias("denominator"),
        pl.col("NUMERATOR").cast(pl.Int64).alias("guard_num"),
        pl.col("DENOMINATOR").cast(pl.Int64).alias("guard_den"),
    )


def catalogue(atlas_metadata: pl.DataFrame, survey_year: int | None) -> pl.DataFrame:
    """Atlas metadata sheets plus the derived indicators, one row per indicator."""
    atlas = atlas_metadata.select(
        pl.col("INDICATOR_CODE").alias("indicator_code"),
        pl.col("NAME_NL").alias("name_nl"),
        pl.col("DESCRIPTION_NL").alias("description_nl"),
        pl.col("UNIT").alias("unit"),
        pl.when(pl.col("UNIT") == "%").then(100.0).otherwise(1000.0).alias("multiplier"),
        pl.col("FORMULA_NL").alias("formula_nl"),
        pl.col("SOURCE").alias("source"),
        pl.col("FIRST_YEAR").cast(pl.Int64).alias("first_year"),
        pl.col("SMALLEST_LEVEL").alias("smallest_level"),
        pl.col("BREAKDOWNS").alias("breakdowns"),
        pl.col("KEYWORDS").alias("keywords"),
        pl.col("UPDATE_RHYTHM").alias("update_rhythm"),
        pl.col("AIM_DOMAIN").alias("aim_domain"),
        pl.col("THEME").alias("theme"),
        pl.col("NEED_FAMILY").alias("need_family"),
        pl.col("DIRECTION").alias("direction"),
        pl.when(pl.col("UNIT") == "%")
        .then(pl.lit("wilson"))
        .otherwise(pl.lit("poisson"))
        .alias("interval_method"),
        pl.lit("atlas").alias("origin"),
        pl.lit("personen met de kenmerken uit de definitie").alias("numerator_label"),
        pl.lit("rechthebbenden").alias("denominator_label"),
        pl.lit("personen").alias("count_unit"),
        pl.lit("personen").alias("denominator_unit"),
    )
    derived = pl.DataFrame(derived_catalogue(survey_year), schema=atlas.schema)
    return pl.concat([atlas, derived]).select(list(MART_COLUMNS[INDICATORS]))


# Indicators computed from sums of GPs' own data: code -> [(GP-row value, row filter)].
def _gp_sum_indicators() -> dict[str, list[tuple[pl.Expr, pl.Expr]]]:
    active = ~pl.col("trainee") & pl.col("active")
    ffs = ~pl.col("flat_rate")
    fte = pl.col("fte_milli").cast(pl.Float64)
    specs: dict[str, list[tuple[pl.Expr, pl.Expr]]] = {
        "gp_fte_per_10k": [(fte, active)],
        "attrib_per_fte": [(pl.col("PAT_ATTRIB").cast(pl.Float64), active), (fte, active)],
        "gmd_per_fte": [(pl.col("PAT_GMD").cast(pl.Float64), pl.lit(True)), (fte, pl.lit(True))],
    }
    for col in CONTACT_COLUMNS:
        specs[f"{col.lower()}_per_100_attrib"] = [
            (pl.col(col).cast(pl.Float64), ffs),
            (pl.col("PAT_ATTRIB").cast(pl.Float64), ffs),
        ]
    return specs


def contributor_failures(gps: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Per GP-sum indicator, level, area and year: does a numerator or denominator
    fail the contributor rule (fewer than 3 GPs, or the p% dominance rule)?"""
    long = pl.concat(
        [
            members.select("refnis", pl.lit(level).alias("level"), pl.col(col).alias("area_code"))
            for level, col in LEVEL_COLUMN.items()
        ]
    ).drop_nulls("area_code")
    rows = gps.rename({"REFNIS": "refnis", "YEAR": "year"}).join(long, on="refnis", how="inner")
    frames = []
    for code, parts in _gp_sum_indicators().items():
        fails = None
        for value, keep in parts:
            stats = (
                rows.filter(keep)
                .group_by("level", "area_code", "year")
                .agg(*contributor_rule_fails(value))
                .select("level", "area_code", "year", fails_expr().alias("_f"))
            )
            fails = (
                stats
                if fails is None
                else fails.join(stats, on=["level", "area_code", "year"], how="full", coalesce=True)
                .with_columns(
                    (pl.col("_f").fill_null(False) | pl.col("_f_right").fill_null(False)).alias(
                        "_f"
                    )
                )
                .drop("_f_right")
            )
        if fails is not None:
            frames.append(
                fails.select(
                    pl.lit(code).alias("indicator_code"),
                    "level",
                    "area_code",
                    "year",
                    pl.col("_f").alias("_fail"),
                )
            )
    return pl.concat(frames)


def indicator_values_mart(
    counts: pl.DataFrame,
    members: pl.DataFrame,
    catalogue_df: pl.DataFrame,
    failures: pl.DataFrame | None = None,
    forced: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Roll municipality counts up to every level, add intervals, control disclosure.

    `failures` (KEYS, `_fail`): cells that are primary for another reason (the
    contributor rule, a linked figure); `forced` (KEYS): cells an earlier release
    hid, hidden again ("secundair" unless primary on their own).
    """
    keys = ["indicator_code", "year"]
    cells = roll_up(counts, members, keys, ["numerator", "denominator", "guard_num", "guard_den"])
    # Float sums depend on the order of addition, which parallel group-bys do not
    # fix: rounding far below any shown digit gives the same bytes every run.
    cells = cells.with_columns(pl.col("numerator", "denominator").round(6))
    cells = cells.join(
        catalogue_df.select("indicator_code", "multiplier", "interval_method"),
        on="indicator_code",
        how="left",
    )
    cells = add_intervals(cells).sort("indicator_code", "level", "area_code", "year")
    if failures is not None:
        # The contributor rule: a sum of GPs' data from fewer than 3 GPs, or one
        # GP's dominant share, is primary (guard 1 makes the cell "small").
        cells = cells.join(
            failures, on=["indicator_code", "level", "area_code", "year"], how="left"
        )
        cells = cells.with_columns(
            pl.when(pl.col("_fail").fill_null(False))
            .then(pl.lit(1, pl.Int64))
            .otherwise(pl.col("guard_num"))
            .alias("guard_num")
        ).drop("_fail")
    cells = with_forced(cells, forced, KEYS).with_row_index("cell_id")
    constraints = hierarchy_constraints(cells, members, keys)
    controlled = control_table(
        "indicatoren",
        cells.with_columns(pl.col("guard_num").alias("_gn"), pl.col("guard_den").alias("_gd")),
        count_cols=["guard_num", "guard_den", "_forced_check"],
        constraints=constraints,
        rank_col="denominator",
        null_cols=["numerator", "denominator", "value", "ci_low", "ci_high"],
    )
    controlled = honest_reason(controlled, small_count(pl.col("_gn")) | small_count(pl.col("_gd")))
    return controlled.sort("indicator_code", "level", "area_code", "year").select(
        list(MART_COLUMNS[INDICATOR_VALUES])
    )


KEYS = ["indicator_code", "level", "area_code", "year"]


def publish_recoverable(
    values: pl.DataFrame, catalogue_df: pl.DataFrame, recoverable: pl.DataFrame
) -> pl.DataFrame:
    """Publish hidden cells (never primary) whose numerator and denominator the other
    published figures fix exactly (`pipeline.audit`): hiding them protects nothing
    and says something false (that the figure is unknown). `recoverable`: KEYS,
    `numerator`, `denominator` as solved; rounded as the build rounds its sums."""
    if recoverable.height == 0:
        return values
    cells = (
        values.join(recoverable.select(KEYS), on=KEYS, how="semi")
        .filter(pl.col("suppression_reason") != PRIMARY)
        .select(KEYS)
        .join(recoverable, on=KEYS)
        .with_columns(pl.col("numerator", "denominator").round(6))
        .join(
            catalogue_df.select("indicator_code", "multiplier", "interval_method"),
            on="indicator_code",
        )
    )
    shown = add_intervals(cells).select(
        *KEYS,
        "numerator",
        "denominator",
        "value",
        "ci_low",
        "ci_high",
        pl.lit(False).alias("suppressed"),
        pl.lit(None, pl.String).alias("suppression_reason"),
    )
    columns = list(MART_COLUMNS[INDICATOR_VALUES])
    kept = values.join(shown.select(KEYS), on=KEYS, how="anti")
    return (
        pl.concat([kept, shown.cast(values.schema).select(kept.columns)]).sort(KEYS).select(columns)
    )


def _hidden_in(mart: pl.DataFrame | None) -> pl.DataFrame | None:
    """The hidden rows of an earlier release's mart (None when there is none)."""
    if mart is None or "suppressed" not in mart.columns:
        return None
    return mart.filter(pl.col("suppressed").fill_null(False))


def _hidden_practice_cells(mart: pl.DataFrame | None) -> pl.DataFrame | None:
    """`practice_id`, `year`, `column` hidden in an earlier practices mart."""
    if mart is None or "suppressed_columns" not in mart.columns:
        return None
    return (
        mart.filter(pl.col("suppressed_columns").is_not_null())
        .select("practice_id", "year", pl.col("suppressed_columns").str.split(",").alias("column"))
        .explode("column")
        .with_columns(pl.col("column").replace({"fte_estimate": "fte_milli"}))
    )


# Population indicators and the population mart's bands they add up.
POP_PLUS_BANDS = {
    f"pop_{age}plus": [b for b in codes.POP_AGE_BANDS if int(b.rstrip("+").split("-")[0]) >= age]
    for age in (65, 75, 85)
}
# Practices mart column -> the indicator whose municipal numerator ("num") or
# denominator ("den") is the sum of that column over the municipality's practices.
PRACTICE_TOTALS = {
    "pat_gmd": ("gmd_per_fte", "num"),
    "fte_milli": ("gmd_per_fte", "den"),
    **{c.lower(): (f"{c.lower()}_per_100_attrib", "num") for c in CONTACT_COLUMNS},
}


# Indicators that publish the same GP sum (a numerator or denominator of one is
# a numerator or denominator of the other): they share one suppression pattern.
# The build's audit (`popmgmt.audit.equal_series`) finds such pairs on its own
# and refuses to publish when one is missing here.
SAME_QUANTITY: tuple[tuple[str, ...], ...] = (
    ("gp_fte_per_10k", "attrib_per_fte"),
    tuple(f"{c.lower()}_per_100_attrib" for c in CONTACT_COLUMNS),
    ("gp_60plus", "gp_65plus"),
)


def linked_primaries(
    values: pl.DataFrame, population: pl.DataFrame, counts: pl.DataFrame, members: pl.DataFrame
) -> pl.DataFrame:
    """Indicator cells that another published figure would give away, made primary.

    Relations across indicators and marts (`docs/privacy.md`):
    - GPs aged 60-64 = gp_60plus - gp_65plus: gp_60plus is primary where 1-4;
    - gp_under65_per_100k = GPs - GPs x (65+ share): hidden wherever gp_per_10k
      or gp_65plus is hidden, or the hidden one could be computed back;
    - pop_65plus (75+, 85+) is the sum of the population mart's bands: hidden
      wherever one of those bands is hidden there.
    Returns `indicator_code`, `level`, `area_code`, `year`.
    """
    rolled = (
        roll_up(
            counts.filter(pl.col("indicator_code").is_in(["gp_60plus", "gp_65plus"])).pivot(
                on="indicator_code", index=["refnis", "year"], values="numerator"
            ),
            members,
            ["year"],
            ["gp_60plus", "gp_65plus"],
        )
        if counts.filter(pl.col("indicator_code") == "gp_60plus").height
        else None
    )
    frames = []
    if rolled is not None:
        between = pl.col("gp_60plus") - pl.col("gp_65plus")
        frames.append(
            rolled.filter((between > 0) & (between < 5)).select(
                pl.lit("gp_60plus").alias("indicator_code"), "level", "area_code", "year"
            )
        )
    hidden = values.filter(pl.col("suppressed"))
    frames.append(
        hidden.filter(
            pl.col("indicator_code").is_in([GP_PER_10K, "gp_65plus", "gp_60plus"])
        ).select(pl.lit(GP_UNDER65_PER_100K).alias("indicator_code"), "level", "area_code", "year")
    )
    # One quantity under two indicators' names (the FTE of gp_fte_per_10k and
    # attrib_per_fte; the attributed patients behind every contact indicator):
    # hidden in one, hidden in all, or the other's published figure gives it.
    for group in SAME_QUANTITY:
        frames.extend(
            hidden.filter(pl.col("indicator_code").is_in(group)).select(
                pl.lit(code).alias("indicator_code"), "level", "area_code", "year"
            )
            for code in group
        )
    hidden_bands = population.filter(pl.col("suppressed") & (pl.col("sex") == "T"))
    for code, bands in POP_PLUS_BANDS.items():
        frames.append(
            hidden_bands.filter(pl.col("age_band").is_in(bands)).select(
                pl.lit(code).alias("indicator_code"), "level", "area_code", "year"
            )
        )
    return pl.concat(frames).unique().sort(KEYS)


def hidden_practice_totals(values: pl.DataFrame) -> pl.DataFrame:
    """Municipal figures hidden in the indicators mart that practices add up to:
    `year`, `refnis`, `column` (practices mart column), `group` ("all" practices,
    or "ffs": the fee-for-service practices)."""
    municipal = values.filter(pl.col("level") == "gemeente")
    frames = [
        municipal.filter((pl.col("indicator_code") == code) & pl.col("suppressed")).select(
            "year",
            pl.col("area_code").alias("refnis"),
            pl.lit(column).alias("column"),
            pl.lit("all").alias("group"),
        )
        for column, (code, _) in PRACTICE_TOTALS.items()
    ]
    # Attributed patients of fee-for-service practices: the contact indicators'
    # shared denominator, hidden only where every contact indicator is hidden.
    contacts = [f"{c.lower()}_per_100_attrib" for c in CONTACT_COLUMNS]
    frames.append(
        municipal.filter(pl.col("indicator_code").is_in(contacts))
        .group_by("year", "area_code")
        .agg(pl.col("suppressed").all().alias("_all"))
        .filter(pl.col("_all"))
        .select(
            "year",
            pl.col("area_code").alias("refnis"),
            pl.lit("pat_attrib").alias("column"),
            pl.lit("ffs").alias("group"),
        )
    )
    return pl.concat(frames).unique().sort("year", "refnis", "column", "group")


_NOTHING_HIDDEN: Final = pl.DataFrame(
    schema={
        "indicator_code": pl.String,
        "level": pl.String,
        "area_code": pl.String,
        "year": pl.Int64,
        "suppressed": pl.Boolean,
    }
)


def _values_and_breakdowns(
    raw: RawData,
    counts: pl.DataFrame,
    members: pl.DataFrame,
    cat: pl.DataFrame,
    failures: pl.DataFrame,
    forced_values: pl.DataFrame | None,
    forced_breakdowns: pl.DataFrame | None,
    population: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The indicator values and the Atlas breakdowns, protected together.

    The values first, with the cells that the population mart or another indicator
    would give away made primary, repeated until nothing changes; then the
    breakdowns, with every total the values hide hidden too. When the breakdowns'
    control has to hide a total that the values publish (its parts could otherwise
    be recomputed), that total is hidden in the values as well and both run again.
    """
    forced = forced_values
    # The linked cells that do not depend on what the values hide (the 60-64 count rule,
    # the population mart's hidden bands) are primary from the first control run on,
    # rather than found after it (one run fewer; the loop below still checks them all).
    static = linked_primaries(_NOTHING_HIDDEN, population, counts, members)
    for _ in range(5):
        first = static if forced is None else pl.concat([forced.select(KEYS), static])
        values = indicator_values_mart(counts, members, cat, failures, first.unique().sort(KEYS))
        for _ in range(10):
            extra = linked_primaries(values, population, counts, members).join(
                values.select(KEYS), on=KEYS, how="semi"
            )
            already = values.filter(pl.col("suppressed")).select(KEYS)
            if extra.join(already, on=KEYS, how="anti").height == 0:
                break
            # Hidden to protect another figure: "secundair" (a page must not read
            # them as counts of 1-4), unless the cell is small itself.
            linked = extra if forced is None else pl.concat([forced.select(KEYS), extra])
            values = indicator_values_mart(
                counts, members, cat, failures, linked.unique().sort(KEYS)
            )
        else:
            raise DisclosureError("indicatoren: gekoppelde onderdrukking raakt niet stabiel")
        breakdowns, conflicts = breakdown_mart(
            raw.atlas_values, members, values, cat, forced_breakdowns
        )
        if conflicts.height == 0:
            return values, breakdowns
        earlier = [] if forced is None else [forced.select(KEYS)]
        hidden_now = values.filter(pl.col("suppressed")).select(KEYS)
        forced = pl.concat([*earlier, hidden_now, conflicts]).unique().sort(KEYS)
    raise DisclosureError("uitsplitsingen: gekoppelde onderdrukking raakt niet stabiel")


def compute_marts(
    raw: RawData,
    refdata: RefData,
    pseudonym_key: bytes,
    previous: dict[str, pl.DataFrame] | None = None,
) -> dict[str, pl.DataFrame]:
    """All marts from validated raw data, protected together.

    The population mart is controlled first; the indicators are then
    controlled with the cells that the population mart or another indicator
    would give away made primary, repeated until nothing changes; the
    practices last, with the municipal totals the indicators hide.
    `previous`: the marts of the release this one replaces; every cell hidden
    there stays hidden here (`docs/privacy.md`, "Across releases").
    """
    previous = previous or {}
    present = raw.population["REFNIS"].unique().sort().to_list()
    members = membership(refdata, raw.circles, present)
    gps = gp_years(raw)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The survey and outlook marts share no cell with the others' control: they are
        # computed on a second thread meanwhile (the control is mostly Python, these
        # mostly polars, which releases the interpreter lock).
        survey = pool.submit(survey_mart, raw, gps, members)
        outlook = pool.submit(outlook_marts, raw, gps, members)
        marts = _controlled_marts(raw, refdata, pseudonym_key, previous, members, gps)
        marts[SURVEY] = survey.result()
        marts.update(outlook.result())
    return marts


def _controlled_marts(
    raw: RawData,
    refdata: RefData,
    pseudonym_key: bytes,
    previous: dict[str, pl.DataFrame],
    members: pl.DataFrame,
    gps: pl.DataFrame,
) -> dict[str, pl.DataFrame]:
    """The marts whose disclosure control is linked (see `compute_marts`)."""
    survey_years = raw.survey_practices["SURVEY_YEAR"].unique().to_list()
    cat = catalogue(raw.atlas_metadata, min(survey_years) if survey_years else None)
    counts = pl.concat(
        [atlas_counts(raw.atlas_values, members), derived_counts(gps, raw, raw.population, members)]
    )
    population = population_mart(raw.population, members, _hidden_in(previous.get(POPULATION)))
    failures = contributor_failures(gps, members)
    forced_values = _hidden_in(previous.get(INDICATOR_VALUES))
    forced_breakdowns = _hidden_in(previous.get(BREAKDOWNS))
    values, breakdowns = _values_and_breakdowns(
        raw, counts, members, cat, failures, forced_values, forced_breakdowns, population
    )
    marts = {
        AREAS: areas_mart(refdata, raw.circles, members),
        INDICATORS: cat,
        INDICATOR_VALUES: values,
        BREAKDOWNS: breakdowns,
        POPULATION: population,
        PRACTICES: practice_mart(
            raw,
            gps,
            members,
            pseudonym_key,
            hidden_practice_totals(values),
            _hidden_practice_cells(previous.get(PRACTICES)),
            values.filter(
                (pl.col("indicator_code") == GP_PER_10K)
                & (pl.col("level") == "gemeente")
                & pl.col("suppressed")
            ).select(pl.col("area_code").alias("refnis"), "year"),
        ),
    }
    return marts
