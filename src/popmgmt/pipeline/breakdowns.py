"""The Atlas age x sex cells as a published mart, disclosure-controlled together with
the indicator totals they add up to (pure polars, no I/O).

Levels: Flanders, provinces, zones and circles; not municipalities (`docs/privacy.md`,
"Breakdowns": at municipality level most age x sex cells are small, and the crossing
zone/circle partitions would have to be protected down to the municipality cells, which
makes the control several times slower than the build's budget allows).

Cells per indicator x level x area x year: every age band x sex the Atlas delivers
(M and V, or T for a cube without a breakdown by sex), the band totals over the sexes
(sex "T"), and the sex totals over the bands (age band `TOTAL_BAND`) when there is a
breakdown by sex. The grand total (all bands, both sexes) is the indicator's cell in
`indicator_values`: it takes part in the control (so that hidden cells are never the
only unknown of a sum whose total is published there) but is not published again here.

Where the Atlas delivers a breakdown by increased reimbursement (optional raw column
`BIM`, `J`/`N`), the mart also holds the two cells of that breakdown (all ages, both
sexes; `bim` `ja` and `nee`), with BIM yes + BIM no = the grand total as one more
constraint. Every other cell has `bim` `totaal`: the age x sex cells are summed over BIM.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from popmgmt.metrics.stats import add_intervals
from popmgmt.pipeline.codes import ATLAS_BIM_TOTAL
from popmgmt.pipeline.control import control_table, honest_reason, small_count, with_forced
from popmgmt.pipeline.geography import LEVEL_COLUMN, hierarchy_constraints, roll_up
from popmgmt.pipeline.marts import BREAKDOWNS, MART_COLUMNS
from popmgmt.pipeline.privacy import TOTAL_COL

TOTAL_BAND: Final = "totaal"
TOTAL_SEX: Final = "T"
TOTAL_BIM: Final = "totaal"
BIM_CODES: Final = {"J": "ja", "N": "nee"}
"""The raw `BIM` codes and their code in the mart's `bim` column."""
BREAKDOWN_LEVELS: Final = ("vlaanderen", "zone")
KEYS: Final = ["indicator_code", "level", "area_code", "year", "age_band", "sex", "bim"]
_VALUE_KEYS: Final = ["indicator_code", "level", "area_code", "year"]
# Grand totals are published in indicator_values: complements are taken there last.
_LAST: Final = 1e18


def _municipal_cells(atlas: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    return (
        atlas.select(
            pl.col("INDICATOR_CODE").alias("indicator_code"),
            pl.col("REFNIS").alias("refnis"),
            pl.col("YEAR").alias("year"),
            pl.col("AGE_BAND").alias("age_band"),
            pl.col("SEX").alias("sex"),
            pl.col("BIM").alias("bim"),
            pl.col("NUMERATOR").cast(pl.Int64).alias("numerator"),
            pl.col("DENOMINATOR").cast(pl.Int64).alias("denominator"),
        )
        .group_by("indicator_code", "refnis", "year", "age_band", "sex", "bim")
        .agg(pl.col("numerator", "denominator").sum())
        .filter(pl.col("refnis").is_in(members["refnis"].implode()))
    )


def breakdown_cells(atlas: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Counts per indicator x level x area x year x age band x sex with every margin
    (the grand total included, age band TOTAL_BAND and sex TOTAL_SEX), summed over BIM
    (`bim` TOTAL_BIM); plus, where the Atlas splits an indicator's year by increased
    reimbursement, its two BIM cells (age band TOTAL_BAND, sex TOTAL_SEX)."""
    keys = ["indicator_code", "year", "age_band", "sex"]
    counts = pl.col("numerator", "denominator").sum()
    municipal = _municipal_cells(atlas, members)
    by_bim = municipal.filter(pl.col("bim") != ATLAS_BIM_TOTAL)
    cells = roll_up(
        municipal.group_by("indicator_code", "refnis", *keys[1:]).agg(counts)
        if by_bim.height
        else municipal.drop("bim"),
        members,
        keys,
        ["numerator", "denominator"],
    ).filter(pl.col("level").is_in(BREAKDOWN_LEVELS))
    area = ["indicator_code", "level", "area_code", "year"]
    split = cells.filter(pl.col("sex") != TOTAL_SEX)
    by_band = (
        split.group_by(*area, "age_band").agg(counts).with_columns(pl.lit(TOTAL_SEX).alias("sex"))
    )
    by_sex = (
        split.group_by(*area, "sex").agg(counts).with_columns(pl.lit(TOTAL_BAND).alias("age_band"))
    )
    total = (
        cells.group_by(*area)
        .agg(counts)
        .with_columns(pl.lit(TOTAL_BAND).alias("age_band"), pl.lit(TOTAL_SEX).alias("sex"))
    )
    parts = [cells, by_band, by_sex, total]
    parts = [p.with_columns(pl.lit(TOTAL_BIM).alias("bim")) for p in parts]
    if by_bim.height:
        bim = (
            roll_up(
                by_bim.group_by("indicator_code", "refnis", "year", "bim").agg(counts),
                members,
                ["indicator_code", "year", "bim"],
                ["numerator", "denominator"],
            )
            .filter(pl.col("level").is_in(BREAKDOWN_LEVELS))
            .with_columns(
                pl.lit(TOTAL_BAND).alias("age_band"),
                pl.lit(TOTAL_SEX).alias("sex"),
                pl.col("bim").replace_strict(BIM_CODES),
            )
        )
        parts.append(bim)
    return pl.concat(parts, how="diagonal").select(*KEYS, "numerator", "denominator")


def breakdown_constraints(cells: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Bands add up to their total per sex; M + V = T per band; BIM yes + BIM no = the
    grand total; every cell over the geography (Flanders = its zones, its circles, its
    provinces)."""
    area = [pl.col(c).cast(pl.String) for c in _VALUE_KEYS]
    age_sex = cells.filter(pl.col("bim") == TOTAL_BIM)
    all_ages = cells.filter((pl.col("age_band") == TOTAL_BAND) & (pl.col("sex") == TOTAL_SEX))
    within = pl.concat(
        [
            age_sex.select(
                pl.concat_str(pl.lit("bs"), *area, "sex", separator="|").alias("constraint_id"),
                "cell_id",
                (pl.col("age_band") == TOTAL_BAND).alias(TOTAL_COL),
            ),
            # only where the cube has a breakdown by sex (else the band's T is alone)
            age_sex.filter(pl.col("sex").n_unique().over(*_VALUE_KEYS, "age_band") > 1).select(
                pl.concat_str(pl.lit("ba"), *area, "age_band", separator="|").alias(
                    "constraint_id"
                ),
                "cell_id",
                (pl.col("sex") == TOTAL_SEX).alias(TOTAL_COL),
            ),
            # only where the Atlas splits the indicator's year by BIM
            all_ages.filter(pl.col("bim").n_unique().over(*_VALUE_KEYS) > 1).select(
                pl.concat_str(pl.lit("bv"), *area, separator="|").alias("constraint_id"),
                "cell_id",
                (pl.col("bim") == TOTAL_BIM).alias(TOTAL_COL),
            ),
        ]
    )
    across = hierarchy_constraints(
        cells, members, ["indicator_code", "year", "age_band", "sex", "bim"]
    )
    # Without municipality cells the zone -> municipality links have a total and no
    # parts: such a one-member "sum" would claim the total is 0.
    across = across.filter(pl.len().over("constraint_id") > 1)
    return pl.concat([within, across])


def breakdown_mart(
    atlas: pl.DataFrame,
    members: pl.DataFrame,
    values: pl.DataFrame,
    catalogue_df: pl.DataFrame,
    forced: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The controlled breakdown mart and the grand totals it had to hide although
    `values` publishes them (`indicator_code`, `level`, `area_code`, `year`; empty
    when none: the caller then hides them in `values` too and runs this again).

    A grand total hidden in `values` enters hidden (as a cell an earlier release
    hid); `forced` (KEYS): breakdown cells an earlier release hid.
    """
    cells = breakdown_cells(atlas, members)
    grand = (
        (pl.col("age_band") == TOTAL_BAND)
        & (pl.col("sex") == TOTAL_SEX)
        & (pl.col("bim") == TOTAL_BIM)
    )
    hidden_totals = (
        values.filter(pl.col("suppressed"))
        .select(_VALUE_KEYS)
        .with_columns(
            pl.lit(TOTAL_BAND).alias("age_band"),
            pl.lit(TOTAL_SEX).alias("sex"),
            pl.lit(TOTAL_BIM).alias("bim"),
        )
    )
    if forced is not None and "bim" not in forced.columns:  # a release before BIM cells
        forced = forced.with_columns(pl.lit(TOTAL_BIM).alias("bim"))
    earlier = hidden_totals if forced is None else pl.concat([forced.select(KEYS), hidden_totals])
    cells = (
        with_forced(cells.sort(KEYS), earlier, KEYS)
        .with_columns(
            pl.when(grand)
            .then(pl.lit(_LAST))
            .otherwise(pl.col("denominator").cast(pl.Float64))
            .alias("_rank")
        )
        .with_row_index("cell_id")
    )
    constraints = breakdown_constraints(cells, members)
    controlled = control_table(
        "uitsplitsingen",
        cells.with_columns(pl.col("numerator").alias("_gn"), pl.col("denominator").alias("_gd")),
        count_cols=["numerator", "denominator", "_forced_check"],
        constraints=constraints,
        rank_col="_rank",
    )
    controlled = honest_reason(controlled, small_count(pl.col("_gn")) | small_count(pl.col("_gd")))
    published_totals = values.filter(~pl.col("suppressed")).select(_VALUE_KEYS)
    conflicts = (
        controlled.filter(grand & pl.col("suppressed"))
        .select(_VALUE_KEYS)
        .join(published_totals, on=_VALUE_KEYS, how="semi")
        .sort(_VALUE_KEYS)
    )
    shown = (
        controlled.filter(~grand)
        .with_columns(pl.col("numerator", "denominator").cast(pl.Float64))
        .join(
            catalogue_df.select("indicator_code", "multiplier", "interval_method"),
            on="indicator_code",
            how="left",
        )
    )
    mart = add_intervals(shown).sort(KEYS).select(list(MART_COLUMNS[BREAKDOWNS]))
    return mart, conflicts


__all__ = [
    "BIM_CODES",
    "BREAKDOWN_LEVELS",
    "KEYS",
    "LEVEL_COLUMN",
    "TOTAL_BAND",
    "TOTAL_BIM",
    "TOTAL_SEX",
    "breakdown_cells",
    "breakdown_constraints",
    "breakdown_mart",
]
