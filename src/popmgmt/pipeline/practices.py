"""GPs and practices: pseudonyms, the GP-year frame, the contributor rule and the
practices mart with its disclosure control. The raw GP file (one row per GP per
year) is used here and in `pipeline.transform`, nowhere else: what leaves is
aggregated to the practice or to an area, with no RIZIV number."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import polars as pl

from popmgmt.metrics.indicators import (
    FULL_TIME_CONTACTS,
    FULL_TIME_ENROLLED,
)
from popmgmt.pipeline import codes
from popmgmt.pipeline.control import DisclosureError, control_table
from popmgmt.pipeline.marts import (
    MART_COLUMNS,
    PRACTICES,
)
from popmgmt.pipeline.privacy import (
    MIN_CONTRIBUTORS,
    P_PERCENT,
    TOTAL_COL,
)
from popmgmt.pipeline.validate import RawData

CONTACT_COLUMNS = ("RAADPL", "BEZAVOND", "BEZOEKIND", "INSTEL", "DIGICONT", "ADVIES")
# Contacts in regular hours, counted for IMA's activity threshold.
REGULAR_HOURS_CONTACTS = ("RAADPL", "BEZOEKIND", "INSTEL")
SIZE_CLASSES = (
    (1_000, "< 1.000"),
    (2_500, "1.000-2.499"),
    (5_000, "2.500-4.999"),
    (10_000, "5.000-9.999"),
)
SIZE_CLASS_LARGEST = ">= 10.000"
# FTE in thousandths, so that sums are exact integers.
FTE_SCALE = 1000


# 16 hex digits (64 bits): for 10,000 practices the chance that two share a
# pseudonym is about 3 in a billion, and the build refuses if it ever happens.
PSEUDONYM_HEX = 16


def pseudonym(value: str, key: bytes) -> str:
    """Stable practice pseudonym: PR- and 16 hex digits of an HMAC of the number."""
    digest = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
    return "PR-" + digest[:PSEUDONYM_HEX].upper()


def pseudonyms(numbers: Sequence[str], key: bytes) -> pl.DataFrame:
    """`RIZIV_HCI` -> `practice_id`; refuses when two practices would share one."""
    unique = sorted(set(numbers))
    frame = pl.DataFrame(
        {"RIZIV_HCI": unique, "practice_id": [pseudonym(h, key) for h in unique]},
        schema={"RIZIV_HCI": pl.String, "practice_id": pl.String},
    )
    if frame["practice_id"].is_duplicated().any():
        raise DisclosureError(
            "twee praktijken krijgen hetzelfde pseudoniem; kies een andere POPMGMT_PSEUDONYM_KEY"
        )
    return frame


def gp_years(raw: RawData) -> pl.DataFrame:
    """One row per GP per year with place, activity, FTE and age (internal only)."""
    ima = raw.ima
    regular = pl.sum_horizontal(*[pl.col(c).fill_null(0) for c in REGULAR_HOURS_CONTACTS])
    total = pl.sum_horizontal(*[pl.col(c).fill_null(0) for c in CONTACT_COLUMNS])
    flat = pl.col("FF_MH").cast(pl.Int8) == 1
    birth = (
        raw.survey_gps.group_by("RIZIV_ID").agg(pl.col("BIRTH_YEAR").max())
        if raw.survey_gps.height
        else pl.DataFrame(schema={"RIZIV_ID": pl.String, "BIRTH_YEAR": pl.Int64})
    )
    return (
        ima.join(raw.register.select("RIZIV_HCI", "REFNIS"), on="RIZIV_HCI", how="left")
        .join(birth, on="RIZIV_ID", how="left")
        .with_columns(
            pl.col("RIZIV_SPEC").is_in(list(codes.RIZIV_SPEC_TRAINEE)).alias("trainee"),
            flat.alias("flat_rate"),
            pl.when(flat)
            .then(pl.col("PAT_GMD") > 0)
            .otherwise(regular >= codes.ACTIVE_CONTACTS_THRESHOLD)
            .alias("active"),
            pl.when(flat)
            .then((pl.col("PAT_GMD") / FULL_TIME_ENROLLED).clip(0, 1))
            .otherwise((total / FULL_TIME_CONTACTS).clip(0, 1))
            .alias("fte"),
            (pl.col("YEAR") - pl.col("BIRTH_YEAR")).alias("age"),
        )
        # FTE in exact thousandths: sums are then the same whatever the order.
        .with_columns((pl.col("fte") * FTE_SCALE).round(0).cast(pl.Int64).alias("fte_milli"))
        .sort("RIZIV_HCI", "YEAR", "RIZIV_ID")
    )


def contributor_rule_fails(values: pl.Expr) -> list[pl.Expr]:
    """Aggregations over GP rows: `_n` contributors, `_t1`/`_t2` the two largest."""
    top = values.fill_null(0).top_k(2)
    return [
        (values.fill_null(0) > 0).sum().alias("_n"),
        top.get(0, null_on_oob=True).fill_null(0).alias("_t1"),
        top.get(1, null_on_oob=True).fill_null(0).alias("_t2"),
        values.fill_null(0).sum().alias("_sum"),
    ]


def fails_expr(prefix: str = "") -> pl.Expr:
    """True where a sum of GPs' data may not be published (privacy contributor rule)."""
    n, t1, t2, total = (pl.col(f"{prefix}{c}") for c in ("_n", "_t1", "_t2", "_sum"))
    few = (n > 0) & (n < MIN_CONTRIBUTORS)
    dominated = (n >= MIN_CONTRIBUTORS) & (t1 > 0) & (total - t1 - t2 < P_PERCENT * t1)
    return few | dominated


def practice_mart(
    raw: RawData,
    gps: pl.DataFrame,
    members: pl.DataFrame,
    key: bytes,
    hidden_totals: pl.DataFrame | None = None,
    forced: pl.DataFrame | None = None,
    hidden_gp_counts: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Practice x year facts: only practice-level facts, counts controlled.

    `hidden_gp_counts` (`refnis`, `year`): municipalities whose number of GPs
    the indicators mart hides. Where every practice there states its number of
    GPs by its form (solo, duo), those forms are not shown: counting them would
    give the hidden number back.
    """
    contacts = [
        pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c.lower())
        for c in CONTACT_COLUMNS
    ]
    stats = [
        e.name.prefix(f"{col}_")
        for col, src in PRACTICE_SUMS.items()
        for e in contributor_rule_fails(pl.col(src))
    ]
    practices = gps.group_by(pl.col("RIZIV_HCI"), pl.col("YEAR").alias("year")).agg(
        pl.col("fte_milli").sum().alias("fte_milli"),
        *stats,
        pl.col("PAT_GMD").sum().alias("pat_gmd"),
        pl.col("PAT_ATTRIB").sum().alias("pat_attrib"),
        *contacts,
        pl.col("flat_rate").any().alias("_flat"),
    )
    survey = raw.survey_practices.select(
        "RIZIV_HCI",
        pl.col("SURVEY_YEAR").alias("year"),
        pl.col("PRACTICE_FORM").alias("practice_form"),
        pl.col("PATIENT_STOP").alias("patient_stop"),
    )
    size = pl.lit(SIZE_CLASS_LARGEST)
    for bound, text in reversed(SIZE_CLASSES):
        size = pl.when(pl.col("pat_attrib") < bound).then(pl.lit(text)).otherwise(size)
    register = raw.register.select(
        "RIZIV_HCI",
        pl.col("REFNIS").alias("refnis"),
        pl.col("LAT").alias("lat"),
        pl.col("LON").alias("lon"),
    )
    ids = pseudonyms(practices["RIZIV_HCI"].to_list(), key)
    table = (
        practices.join(survey, on=["RIZIV_HCI", "year"], how="left")
        .join(register, on="RIZIV_HCI", how="left")
        .join(members.select("refnis", "zone_code", "circle_code"), on="refnis", how="left")
        .join(ids, on="RIZIV_HCI", how="left")
        .with_columns(
            pl.when(pl.col("_flat"))
            .then(pl.lit("forfait"))
            .otherwise(pl.lit("prestatie"))
            .alias("payment_system"),
            size.alias("size_class"),
        )
        .with_columns(
            *[fails_expr(f"{col}_").alias(f"_fail_{col}") for col in PRACTICE_SUMS],
        )
        .drop(
            "RIZIV_HCI",
            "_flat",
            *[f"{c}_{x}" for c in PRACTICE_SUMS for x in ("_n", "_t1", "_t2", "_sum")],
        )
    )
    table = hide_counting_forms(table, hidden_gp_counts)
    return control_practice_counts(table, hidden_totals, forced)


# Practice forms that state the number of GPs.
GP_COUNT_BY_FORM = {"solo": 1, "duo": 2}


def hide_counting_forms(table: pl.DataFrame, hidden_gp_counts: pl.DataFrame | None) -> pl.DataFrame:
    """Null the solo/duo forms of a municipality-year whose GP count is hidden
    and whose every practice states its GP count that way."""
    if hidden_gp_counts is None or hidden_gp_counts.height == 0:
        return table
    stated = pl.col("practice_form").is_in(list(GP_COUNT_BY_FORM)).fill_null(False)
    revealing = (
        table.group_by("refnis", "year")
        .agg(stated.all().alias("_all"))
        .filter(pl.col("_all"))
        .join(hidden_gp_counts.select("refnis", "year"), on=["refnis", "year"], how="semi")
        .select("refnis", "year", pl.lit(True).alias("_reveal"))
    )
    return (
        table.join(revealing, on=["refnis", "year"], how="left")
        .with_columns(
            pl.when(pl.col("_reveal").fill_null(False))
            .then(pl.lit(None, pl.String))
            .otherwise(pl.col("practice_form"))
            .alias("practice_form")
        )
        .drop("_reveal")
    )


# Practice figures that are sums of GPs' own data: column -> GP-row column.
PRACTICE_SUMS = {
    "fte_milli": "fte_milli",
    "pat_gmd": "PAT_GMD",
    "pat_attrib": "PAT_ATTRIB",
    **{c.lower(): c for c in CONTACT_COLUMNS},
}


PRACTICE_COUNTS = (
    "pat_gmd",
    "pat_attrib",
    "raadpl",
    "bezavond",
    "bezoekind",
    "instel",
    "digicont",
    "advies",
)


def control_practice_counts(
    table: pl.DataFrame,
    hidden_totals: pl.DataFrame | None = None,
    forced: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Suppress practice figures that may not be published, and what a total gives away.

    Primary: a count of 1-4 GPs or persons, and any sum of GPs' own data (FTE,
    patients, contacts) that fails the contributor rule (`_fail_<column>`:
    fewer than 3 contributing GPs or the p% rule), so a solo or duo practice's
    activity is never shown. Each column is controlled on its own: the
    practices of a municipality add up to a municipality figure, so one hidden
    practice value gets a complementary suppression among its neighbours.
    `fte_milli` (thousandths of an FTE) becomes `fte_estimate`.
    `hidden_totals` (`year`, `refnis`, `column`): municipal totals that another
    mart hides: the practices may then not add up to them (a practice value is
    hidden as complement). `forced` (`practice_id`, `year`, `column`): cells an
    earlier release hid; they stay hidden.
    """
    for col in PRACTICE_SUMS:
        if f"_fail_{col}" not in table.columns:
            table = table.with_columns(pl.lit(False).alias(f"_fail_{col}"))
    if "fte_milli" not in table.columns:
        table = table.with_columns(
            (pl.col("fte_estimate") * FTE_SCALE).round(0).cast(pl.Int64).alias("fte_milli")
        )
    table = table.sort("practice_id", "year").with_row_index("_row")
    controlled_cols = [*PRACTICE_COUNTS, "fte_milli"]
    long = (
        table.select("_row", "year", "refnis", *controlled_cols)
        .unpivot(index=["_row", "year", "refnis"], variable_name="column", value_name="count")
        .join(
            table.select("_row", *[pl.col(f"_fail_{c}").alias(c) for c in PRACTICE_SUMS]).unpivot(
                index="_row", variable_name="column", value_name="_fail"
            ),
            on=["_row", "column"],
            how="left",
        )
        .with_columns(pl.col("_fail").fill_null(False), pl.lit(False).alias("_total"))
    )
    if forced is not None and forced.height:
        marks = (
            table.select("_row", "practice_id", "year")
            .join(forced, on=["practice_id", "year"], how="inner")
            .select("_row", "column", pl.lit(True).alias("_forced"))
            .unique()
        )
        long = (
            long.join(marks, on=["_row", "column"], how="left")
            .with_columns((pl.col("_fail") | pl.col("_forced").fill_null(False)).alias("_fail"))
            .drop("_forced")
        )
    # The municipality total acts as a published member of each constraint: over
    # all practices, and for attributed patients also over the fee-for-service
    # practices alone (the contact indicators' denominator; the payment system of
    # each practice is public).
    ffs_rows = table.filter(pl.col("payment_system") == "prestatie").select("_row")
    long = long.with_columns(
        (
            (pl.col("column") == "pat_attrib") & pl.col("_row").is_in(ffs_rows["_row"].implode())
        ).alias("_in_ffs")
    )
    totals = pl.concat(
        [
            long.group_by("year", "refnis", "column")
            .agg(pl.col("count").sum())
            .with_columns(pl.lit("all").alias("group")),
            long.filter(pl.col("_in_ffs"))
            .group_by("year", "refnis", "column")
            .agg(pl.col("count").sum())
            .with_columns(pl.lit("ffs").alias("group")),
        ]
    ).with_columns(
        pl.lit(None, pl.UInt32).alias("_row"),
        pl.lit(True).alias("_total"),
        pl.lit(False).alias("_fail"),
        pl.lit(False).alias("_in_ffs"),
    )
    if hidden_totals is not None and hidden_totals.height:
        totals = (
            totals.join(
                hidden_totals.with_columns(pl.lit(True).alias("_hidden_total")),
                on=["year", "refnis", "column", "group"],
                how="left",
            )
            .with_columns(pl.col("_hidden_total").fill_null(False).alias("_fail"))
            .drop("_hidden_total")
        )
    cells = (
        pl.concat([long, totals], how="diagonal")
        .sort("refnis", "year", "column", "_total", "group", "_row", nulls_last=True)
        .with_row_index("cell_id")
    )
    base_id = pl.concat_str("refnis", pl.col("year").cast(pl.String), "column", separator="|")
    parts = cells.filter(~pl.col("_total"))
    constraints = pl.concat(
        [
            parts.select(
                pl.concat_str(base_id, pl.lit("all"), separator="|").alias("constraint_id"),
                "cell_id",
                pl.lit(False).alias(TOTAL_COL),
            ),
            parts.filter(pl.col("_in_ffs")).select(
                pl.concat_str(base_id, pl.lit("ffs"), separator="|").alias("constraint_id"),
                "cell_id",
                pl.lit(False).alias(TOTAL_COL),
            ),
            cells.filter(pl.col("_total")).select(
                pl.concat_str(base_id, "group", separator="|").alias("constraint_id"),
                "cell_id",
                pl.lit(True).alias(TOTAL_COL),
            ),
        ]
    )
    controlled = control_table(
        "praktijken",
        cells.with_columns(
            # Totals are picked as complement only as a last resort.
            pl.when(pl.col("_fail"))
            .then(pl.lit(1))
            .when(pl.col("_total"))
            .then(pl.lit(None))
            .when(pl.col("column") == "fte_milli")
            .then(pl.lit(0))
            .otherwise(pl.col("count"))
            .alias("_check"),
            pl.when(pl.col("_total")).then(pl.lit(2**62)).otherwise(pl.col("count")).alias("_rank"),
        ),
        count_cols=["_check"],
        constraints=constraints,
        rank_col="_rank",
    ).filter(~pl.col("_total"))
    hidden = (
        controlled.filter(pl.col("suppressed"))
        .group_by("_row")
        .agg(pl.col("column").sort().str.join(",").alias("suppressed_columns"))
    )
    out = table.join(hidden, on="_row", how="left").with_columns(
        pl.col("suppressed_columns").is_not_null().alias("suppressed")
    )
    hide = pl.col("suppressed_columns").fill_null("").str.split(",")
    out = out.with_columns(
        pl.when(hide.list.contains(pl.lit(c))).then(pl.lit(None)).otherwise(pl.col(c)).alias(c)
        for c in controlled_cols
    ).with_columns(
        (pl.col("fte_milli") / FTE_SCALE).alias("fte_estimate"),
        pl.col("suppressed_columns").str.replace("fte_milli", "fte_estimate"),
    )
    return out.sort("practice_id", "year").select(list(MART_COLUMNS[PRACTICES]))
