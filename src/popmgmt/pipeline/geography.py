"""Municipalities in zones, GP circles, provinces and Flanders: membership, the areas
mart, sums up the levels and the constraints that link them (pure polars)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from popmgmt.pipeline import codes
from popmgmt.pipeline.marts import (
    AREAS,
    MART_COLUMNS,
)
from popmgmt.pipeline.privacy import (
    TOTAL_COL,
)
from popmgmt.pipeline.refdata import RefData

# Per level, the membership column that names the area a municipality belongs to.
LEVEL_COLUMN = {
    "gemeente": "refnis",
    "zone": "zone_code",
    "kring": "circle_code",
    "provincie": "province_code",
    "vlaanderen": "flanders_code",
}
# Additive links published side by side: (parent level, child level).
HIERARCHY = (
    ("zone", "gemeente"),
    ("kring", "gemeente"),
    ("provincie", "gemeente"),
    ("vlaanderen", "zone"),
    ("vlaanderen", "kring"),
    ("vlaanderen", "provincie"),
)


def membership(refdata: RefData, circles: pl.DataFrame, present: Sequence[str]) -> pl.DataFrame:
    """One row per municipality with data: its zone, circle, province, Flanders.

    `present` lists the 2025 REFNIS codes that the raw population holds.
    Brussels municipalities belong to zone elz7 and to no circle, province or
    Flanders total.
    """
    muni = refdata.municipalities.filter(pl.col("nis_code_2025").is_in(list(present)))
    flemish = pl.col("region_nis") == codes.FLANDERS_CODE
    return (
        muni.join(
            circles.select(pl.col("REFNIS").alias("nis_code_2025"), pl.col("CIRCLE_CODE")),
            on="nis_code_2025",
            how="left",
        )
        .select(
            pl.col("nis_code_2025").alias("refnis"),
            pl.col("elz_code_pinc").alias("zone_code"),
            pl.when(flemish).then(pl.col("CIRCLE_CODE")).alias("circle_code"),
            pl.when(flemish).then(pl.col("province_nis")).alias("province_code"),
            pl.when(flemish).then(pl.lit(codes.FLANDERS_CODE)).alias("flanders_code"),
        )
        .sort("refnis")
    )


def areas_mart(refdata: RefData, circles: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Every area at every level, with names, area and a centroid."""
    muni = refdata.municipalities.join(
        members, left_on="nis_code_2025", right_on="refnis", how="inner"
    )
    gemeente = muni.select(
        pl.lit("gemeente").alias("level"),
        pl.col("nis_code_2025").alias("area_code"),
        pl.col("name_nl").alias("area_name"),
        "zone_code",
        "circle_code",
        "province_code",
        "area_km2",
        "centroid_lat",
        "centroid_lon",
    )
    names = {
        "zone": muni.group_by("zone_code").agg(pl.col("elz_name").first().alias("area_name")),
        "provincie": muni.group_by("province_code").agg(
            pl.col("province_nl").first().alias("area_name")
        ),
        "kring": circles.group_by(pl.col("CIRCLE_CODE").alias("circle_code")).agg(
            pl.col("CIRCLE_NAME").first().alias("area_name")
        ),
        "vlaanderen": pl.DataFrame(
            {"flanders_code": [codes.FLANDERS_CODE], "area_name": ["Vlaanderen"]}
        ),
    }
    frames = [gemeente]
    for level, name_frame in names.items():
        col = LEVEL_COLUMN[level]
        # Area-weighted centroid of the member municipalities.
        agg = (
            muni.filter(pl.col(col).is_not_null())
            .group_by(col)
            .agg(
                pl.col("area_km2").sum(),
                (
                    (pl.col("centroid_lat") * pl.col("area_km2")).sum() / pl.col("area_km2").sum()
                ).alias("centroid_lat"),
                (
                    (pl.col("centroid_lon") * pl.col("area_km2")).sum() / pl.col("area_km2").sum()
                ).alias("centroid_lon"),
            )
            .join(name_frame, on=col, how="left")
        )
        frames.append(
            agg.select(
                pl.lit(level).alias("level"),
                pl.col(col).alias("area_code"),
                "area_name",
                (pl.col(col) if level == "zone" else pl.lit(None, pl.String)).alias("zone_code"),
                (pl.col(col) if level == "kring" else pl.lit(None, pl.String)).alias("circle_code"),
                (pl.col(col) if level == "provincie" else pl.lit(None, pl.String)).alias(
                    "province_code"
                ),
                "area_km2",
                "centroid_lat",
                "centroid_lon",
            )
        )
    order = pl.col("level").replace_strict(
        {lvl: i for i, lvl in enumerate(codes.LEVELS)}, return_dtype=pl.Int8
    )
    return pl.concat(frames).sort(order, "area_code").select(list(MART_COLUMNS[AREAS]))


def roll_up(
    gemeente: pl.DataFrame, members: pl.DataFrame, keys: Sequence[str], sums: Sequence[str]
) -> pl.DataFrame:
    """Aggregate municipality rows (column `refnis`) to every level.

    Returns `level`, `area_code`, the keys and the summed columns. A sum over
    only nulls stays null (not 0), so "not recorded" never becomes zero.
    """
    joined = gemeente.join(members, on="refnis", how="inner")
    frames = []
    for level, col in LEVEL_COLUMN.items():
        part = (
            joined.filter(pl.col(col).is_not_null())
            .group_by(col, *keys)
            .agg(
                pl.when(pl.col(s).is_not_null().any()).then(pl.col(s).sum()).alias(s) for s in sums
            )
            .select(pl.lit(level).alias("level"), pl.col(col).alias("area_code"), *keys, *sums)
        )
        frames.append(part)
    return pl.concat(frames)


def hierarchy_constraints(
    cells: pl.DataFrame, members: pl.DataFrame, keys: Sequence[str], id_col: str = "cell_id"
) -> pl.DataFrame:
    """Additive constraints between levels: each parent cell with its children.

    `cells` has `level`, `area_code`, the keys and `id_col`. For each link in
    HIERARCHY and each key combination, one constraint holds the parent cell
    and its child cells (the parent is a member too, marked `is_total`).
    """
    frames = []
    for n, (parent, child) in enumerate(HIERARCHY):
        pcol, ccol = LEVEL_COLUMN[parent], LEVEL_COLUMN[child]
        link = members.select(pcol, ccol).drop_nulls().unique()
        children = (
            cells.filter(pl.col("level") == child)
            .join(link, left_on="area_code", right_on=ccol, how="inner")
            .select(pl.col(pcol).alias("parent"), *keys, id_col, pl.lit(False).alias(TOTAL_COL))
        )
        parents = cells.filter(pl.col("level") == parent).select(
            pl.col("area_code").alias("parent"), *keys, id_col, pl.lit(True).alias(TOTAL_COL)
        )
        both = pl.concat([parents, children])
        frames.append(
            both.with_columns(
                pl.concat_str(
                    pl.lit(f"h{n}"),
                    "parent",
                    *[pl.col(k).cast(pl.String) for k in keys],
                    separator="|",
                ).alias("constraint_id")
            ).select("constraint_id", id_col, TOTAL_COL)
        )
    return pl.concat(frames)
