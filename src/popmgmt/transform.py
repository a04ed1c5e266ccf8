"""From validated raw data to marts: pure polars functions, no I/O.

The raw GP file has one row per GP per year; it is used here and nowhere
else. What leaves this module is aggregated to the practice or to an area:
no RIZIV number and no GP-level row reaches a mart.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import polars as pl

from popmgmt.metrics.indicators import (
    FULL_TIME_CONTACTS,
    FULL_TIME_ENROLLED,
    GP_PER_10K,
    GP_UNDER65_PER_100K,
    derived_catalogue,
)
from popmgmt.metrics.stats import add_intervals
from popmgmt.pipeline import codes
from popmgmt.pipeline.marts import (
    AREAS,
    INDICATOR_VALUES,
    INDICATORS,
    MART_COLUMNS,
    POPULATION,
    PRACTICES,
)
from popmgmt.pipeline.refdata import RefData
from popmgmt.pipeline.validate import RawData
from popmgmt.privacy import (
    MIN_CONTRIBUTORS,
    MIN_COUNT,
    P_PERCENT,
    SECONDARY,
    TOTAL_COL,
    apply_disclosure_control,
    audit_recoverable,
)

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


# --------------------------------------------------------------------------- geography


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


class DisclosureError(RuntimeError):
    """A suppressed cell could still be recovered: the build must not publish."""


def _controlled(
    table: str,
    cells: pl.DataFrame,
    *,
    count_cols: Sequence[str],
    constraints: pl.DataFrame,
    rank_col: str,
    null_cols: Sequence[str] = (),
) -> pl.DataFrame:
    """Disclosure control on `cells` (id column `cell_id`), then an exact audit.

    The constraints mark their totals (`is_total`), so the control also closes
    differences between crossing partitions (a zone total minus a circle total
    inside it); the audit proves no primary cell is left recoverable.
    """
    controlled = apply_disclosure_control(
        cells,
        id_col="cell_id",
        count_cols=count_cols,
        constraints=constraints,
        rank_col=rank_col,
        null_cols=null_cols,
    )
    problems = audit_recoverable(controlled, constraints, "cell_id")
    if problems:
        shown = "; ".join(problems[:5])
        raise DisclosureError(f"{table}: {len(problems)} onderdrukte cellen afleidbaar ({shown})")
    return controlled


# --------------------------------------------------------------------------- releases


def _with_forced(cells: pl.DataFrame, forced: pl.DataFrame | None, keys: list[str]) -> pl.DataFrame:
    """Add `_forced_check`: 1 where an earlier release hid the cell, so it stays hidden
    (a count of 1 makes it primary for the control), else null."""
    if forced is not None and forced.height:
        marked = (
            forced.select(keys).unique().with_columns(pl.lit(1, pl.Int64).alias("_forced_check"))
        )
        return cells.join(marked, on=keys, how="left")
    return cells.with_columns(pl.lit(None, pl.Int64).alias("_forced_check"))


def _small_count(col: pl.Expr) -> pl.Expr:
    return ((col > 0) & (col < MIN_COUNT)).fill_null(False)


def _honest_reason(controlled: pl.DataFrame, own_primary: pl.Expr) -> pl.DataFrame:
    """A cell hidden only because an earlier release hid it is "secundair"."""
    return controlled.with_columns(
        pl.when(pl.col("suppressed") & ~own_primary)
        .then(pl.lit(SECONDARY))
        .otherwise(pl.col("suppression_reason"))
        .alias("suppression_reason")
    )


# --------------------------------------------------------------------------- population


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
    cells = _with_forced(cells, forced, ["level", "area_code", "year", "sex", "age_band"])
    controlled = _controlled(
        "bevolking",
        cells.with_columns(pl.col("population").alias("_own")),
        count_cols=["population", "_forced_check"],
        constraints=pl.concat([within, across]),
        rank_col="population",
    )
    controlled = _honest_reason(controlled, _small_count(pl.col("_own")))
    return controlled.sort("level", "area_code", "year", "sex", "age_band").select(
        list(MART_COLUMNS[POPULATION])
    )


# --------------------------------------------------------------------------- GPs and practices


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
    controlled = _controlled(
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
    cells = _with_forced(cells, forced, KEYS).with_row_index("cell_id")
    constraints = hierarchy_constraints(cells, members, keys)
    controlled = _controlled(
        "indicatoren",
        cells.with_columns(pl.col("guard_num").alias("_gn"), pl.col("guard_den").alias("_gd")),
        count_cols=["guard_num", "guard_den", "_forced_check"],
        constraints=constraints,
        rank_col="denominator",
        null_cols=["numerator", "denominator", "value", "ci_low", "ci_high"],
    )
    controlled = _honest_reason(
        controlled, _small_count(pl.col("_gn")) | _small_count(pl.col("_gd"))
    )
    return controlled.sort("indicator_code", "level", "area_code", "year").select(
        list(MART_COLUMNS[INDICATOR_VALUES])
    )


KEYS = ["indicator_code", "level", "area_code", "year"]


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
    survey_years = raw.survey_practices["SURVEY_YEAR"].unique().to_list()
    cat = catalogue(raw.atlas_metadata, min(survey_years) if survey_years else None)
    counts = pl.concat(
        [atlas_counts(raw.atlas_values, members), derived_counts(gps, raw, raw.population, members)]
    )
    population = population_mart(raw.population, members, _hidden_in(previous.get(POPULATION)))
    failures = contributor_failures(gps, members)
    forced_values = _hidden_in(previous.get(INDICATOR_VALUES))
    values = indicator_values_mart(counts, members, cat, failures, forced_values)
    for _ in range(10):
        extra = linked_primaries(values, population, counts, members).join(
            values.select(KEYS), on=KEYS, how="semi"
        )
        already = values.filter(pl.col("suppressed")).select(KEYS)
        if extra.join(already, on=KEYS, how="anti").height == 0:
            break
        # Hidden to protect another figure: "secundair" (a page must not read
        # them as counts of 1-4), unless the cell is small itself.
        linked = extra if forced_values is None else pl.concat([forced_values.select(KEYS), extra])
        values = indicator_values_mart(counts, members, cat, failures, linked.unique().sort(KEYS))
    else:
        raise DisclosureError("indicatoren: gekoppelde onderdrukking raakt niet stabiel")
    return {
        AREAS: areas_mart(refdata, raw.circles, members),
        INDICATORS: cat,
        INDICATOR_VALUES: values,
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
