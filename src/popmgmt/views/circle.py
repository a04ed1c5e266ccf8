"""GP circles (huisartsenkringen): the figures for comparing the practices of a circle.

Pure functions behind `pages/circle.py` (polars in, polars out, no Streamlit). What a
circle covers (zones and municipalities: the two partitions cross), its practices with
the same suppression on screen and in the download, the inputs of the funnel plots
(`popmgmt.metrics.funnel`), GMD patients against FTE, the circle against Flanders and the
other circles, and its trend. Dutch texts and tables: `popmgmt.views.circle_tables`;
charts: `popmgmt.views.circle_charts`; the practice map: `popmgmt.views.circle_map`.

Privacy by construction: every practice frame goes through `practice_rows`, which keeps
an allow-list of practice-level columns (`ALLOWED_COLUMNS`); anything else a frame may
carry (a GP-level survey answer, an identifier) never reaches a table, chart, map or
download. Practices are named by their pseudonym (`practice_id`) only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import polars as pl

from popmgmt.metrics import stats
from popmgmt.metrics.indicators import CONTACT_TYPES
from popmgmt.pipeline.codes import FLANDERS_CODE

CIRCLE_LEVEL: Final = "kring"
QUERY_PARAM: Final = "kring"

# --------------------------------------------------------------------------- columns

CONTACT_COLUMNS: Final = tuple(CONTACT_TYPES)
CONTACT_NAMES: Final[dict[str, str]] = {col: name for col, (name, _) in CONTACT_TYPES.items()}

PUBLIC_FACTS: Final = ("practice_form", "payment_system", "patient_stop", "size_class")
"""Practice-level facts that may be shown to anyone and on maps (DOMAIN 4)."""
KEY_COLUMNS: Final = ("practice_id", "year", "refnis", "zone_code", "circle_code", "lat", "lon")
DETAIL_COUNTS: Final = ("pat_gmd", "pat_attrib", *CONTACT_COLUMNS)
DETAIL_COLUMNS: Final = ("fte_estimate", "pat_gmd", "pat_attrib", *CONTACT_COLUMNS)
ALLOWED_COLUMNS: Final = (*KEY_COLUMNS, *PUBLIC_FACTS, *DETAIL_COLUMNS, "suppressed_columns")
"""The only practice columns this view reads: practice-level facts, never GP-level ones."""

_DTYPES: Final[dict[str, pl.DataType]] = {
    **{c: pl.String() for c in ("practice_id", "refnis", "zone_code", "circle_code")},
    **{c: pl.String() for c in (*PUBLIC_FACTS, "suppressed_columns")},
    "year": pl.Int64(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "fte_estimate": pl.Float64(),
    **{c: pl.Int64() for c in DETAIL_COUNTS},
}

SIZE_CLASSES: Final = ("< 1.000", "1.000-2.499", "2.500-4.999", "5.000-9.999", ">= 10.000")

# Indicators for the circle against Flanders and the other circles, in this order.
AGGREGATE_INDICATORS: Final = (
    "gp_per_10k",
    "gp_fte_per_10k",
    "attrib_per_fte",
    "ima_gmd",
    "ima_mh",
    "practices_flat_rate",
    "practices_patient_stop",
    "gp_60plus",
    *(f"{c}_per_100_attrib" for c in CONTACT_COLUMNS),
)
FLAT_RATE_SHARE: Final = "practices_flat_rate"


def contact_indicator(column: str) -> str:
    """The indicator code of a contact type: `raadpl` -> `raadpl_per_100_attrib`."""
    if column not in CONTACT_COLUMNS:
        raise KeyError(column)
    return f"{column}_per_100_attrib"


# --------------------------------------------------------------------------- circles


def circle_list(areas: pl.DataFrame) -> pl.DataFrame:
    """The circles: `circle_code`, `circle_name`, sorted by name then code."""
    return (
        areas.filter(pl.col("level") == CIRCLE_LEVEL)
        .select(pl.col("area_code").alias("circle_code"), pl.col("area_name").alias("circle_name"))
        .sort("circle_name", "circle_code")
    )


def parse_circle_param(value: str | Sequence[str] | None, codes: Iterable[str]) -> str | None:
    """The circle code a query parameter names (case and spaces ignored), else None."""
    if value is None:
        return None
    text = value if isinstance(value, str) else (value[0] if value else "")
    wanted = text.strip().lower()
    for code in codes:
        if code.lower() == wanted:
            return code
    return None


def circle_municipalities(areas: pl.DataFrame, circle_code: str) -> pl.DataFrame:
    """The municipalities of a circle: `refnis`, `municipality`, `zone_code`, `zone_name`."""
    zones = areas.filter(pl.col("level") == "zone").select(
        pl.col("area_code").alias("zone_code"), pl.col("area_name").alias("zone_name")
    )
    return (
        areas.filter((pl.col("level") == "gemeente") & (pl.col("circle_code") == circle_code))
        .select(
            pl.col("area_code").alias("refnis"),
            pl.col("area_name").alias("municipality"),
            "zone_code",
        )
        .join(zones, on="zone_code", how="left")
        .sort("municipality", "refnis")
    )


def circle_zones(areas: pl.DataFrame, circle_code: str) -> pl.DataFrame:
    """The zones a circle touches, and how the two partitions cross there.

    One row per zone: `zone_code`, `zone_name`, `n_in_circle` (municipalities of the
    zone in this circle), `n_in_zone`, `other_circles` (codes of the zone's other
    circles, sorted) and `relation`: `samen` (zone and circle coincide), `volledig`
    (the whole zone lies in the circle, which also covers other zones) or `deels`
    (the zone is shared with other circles).
    """
    muni = areas.filter(pl.col("level") == "gemeente")
    touched = muni.filter(pl.col("circle_code") == circle_code)["zone_code"].unique()
    n_zones = touched.len()
    zone_names = areas.filter(pl.col("level") == "zone").select(
        pl.col("area_code").alias("zone_code"), pl.col("area_name").alias("zone_name")
    )
    out = (
        muni.filter(pl.col("zone_code").is_in(touched.implode()))
        .group_by("zone_code")
        .agg(
            (pl.col("circle_code") == circle_code).sum().cast(pl.Int64).alias("n_in_circle"),
            pl.len().cast(pl.Int64).alias("n_in_zone"),
            pl.col("circle_code")
            .filter(pl.col("circle_code") != circle_code)
            .unique()
            .sort()
            .alias("other_circles"),
        )
        .join(zone_names, on="zone_code", how="left")
        .with_columns(
            pl.when(pl.col("other_circles").list.len() > 0)
            .then(pl.lit("deels"))
            .when(pl.lit(n_zones) > 1)
            .then(pl.lit("volledig"))
            .otherwise(pl.lit("samen"))
            .alias("relation")
        )
        .sort("zone_name", "zone_code")
    )
    return out.select(
        "zone_code", "zone_name", "n_in_circle", "n_in_zone", "other_circles", "relation"
    )


def zones_table(zones: pl.DataFrame, circle_names: Mapping[str, str]) -> pl.DataFrame:
    """The zones of a circle as a Dutch table."""
    rows = [
        {
            "Eerstelijnszone": f"{r['zone_name']} ({r['zone_code']})",
            "Gemeenten in de kring": str(r["n_in_circle"]),
            "Gemeenten in de zone": str(r["n_in_zone"]),
            "Andere kringen in de zone": ", ".join(
                f"{circle_names.get(c, c)} ({c})" for c in r["other_circles"] or []
            )
            or "geen",
        }
        for r in zones.iter_rows(named=True)
    ]
    columns = [
        "Eerstelijnszone",
        "Gemeenten in de kring",
        "Gemeenten in de zone",
        "Andere kringen in de zone",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


# --------------------------------------------------------------------------- practices


def practice_rows(practices: pl.DataFrame) -> pl.DataFrame:
    """The practice frame reduced to `ALLOWED_COLUMNS`, absent ones added as nulls.

    The first step for every practice frame: a column outside the allow-list (for
    example a GP-level survey answer) is dropped here and cannot reach the page.
    Columns that access control removed come back as nulls, so a public frame works.
    """
    return practices.select(
        pl.col(c).cast(_DTYPES[c]) if c in practices.columns else pl.lit(None, _DTYPES[c]).alias(c)
        for c in ALLOWED_COLUMNS
    )


def circle_practices(practices: pl.DataFrame, circle_code: str, year: int) -> pl.DataFrame:
    """The (allow-listed) practices of one circle in one year, by pseudonym."""
    return (
        practice_rows(practices)
        .filter((pl.col("circle_code") == circle_code) & (pl.col("year") == year))
        .sort("practice_id")
    )


def practice_years(practices: pl.DataFrame, circle_code: str) -> list[int]:
    """The years with practices in the circle, newest first."""
    rows = practices.filter(pl.col("circle_code") == circle_code)
    return sorted({int(y) for y in rows["year"].unique().to_list()}, reverse=True)


def has_details(rows: pl.DataFrame) -> bool:
    """True when the frame carries practice counts (the circle's own view).

    A public frame has the count columns removed or all null (access control); then
    only `PUBLIC_FACTS` are shown.
    """
    rows = practice_rows(rows)
    if rows.height == 0:
        return False
    detail = rows.select(pl.any_horizontal(pl.col(c).is_not_null() for c in DETAIL_COLUMNS))
    return bool(detail.to_series().any()) or bool(rows["suppressed_columns"].is_not_null().any())


def _hidden(column: str) -> pl.Expr:
    return pl.col("suppressed_columns").fill_null("").str.split(",").list.contains(pl.lit(column))


def count_status(column: str) -> pl.Expr:
    """Per practice, why a count shows as it does: `waarde`, `onderdrukt`,
    `niet_aangerekend` (a contact count of a flat-rate practice) or `geen_gegevens`."""
    flat_contact = (
        pl.lit(column in CONTACT_COLUMNS)
        & (pl.col("payment_system") == "forfait")
        & pl.col(column).is_null()
    )
    return (
        pl.when(_hidden(column))
        .then(pl.lit("onderdrukt"))
        .when(flat_contact)
        .then(pl.lit("niet_aangerekend"))
        .when(pl.col(column).is_null())
        .then(pl.lit("geen_gegevens"))
        .otherwise(pl.lit("waarde"))
    )


def practice_measures(rows: pl.DataFrame) -> pl.DataFrame:
    """Numbers per practice for the charts: counts, FTE and the derived rates.

    Rates are null where a count is suppressed or not billed (never 0). Columns: the
    allow-listed columns, `<contact>_per_100` per contact type, `gmd_per_100_attrib`,
    `attrib_per_fte`, `gmd_per_fte`.
    """
    rows = practice_rows(rows)
    attrib = pl.col("pat_attrib").cast(pl.Float64)
    fte = pl.col("fte_estimate")
    ok_attrib = attrib > 0
    ok_fte = fte > 0
    return rows.with_columns(
        *[
            pl.when(ok_attrib)
            .then(pl.col(c).cast(pl.Float64) / attrib * 100.0)
            .otherwise(None)
            .alias(f"{c}_per_100")
            for c in CONTACT_COLUMNS
        ],
        pl.when(ok_attrib)
        .then(pl.col("pat_gmd") / attrib * 100.0)
        .otherwise(None)
        .alias("gmd_per_100_attrib"),
        pl.when(ok_fte).then(attrib / fte).otherwise(None).alias("attrib_per_fte"),
        pl.when(ok_fte).then(pl.col("pat_gmd") / fte).otherwise(None).alias("gmd_per_fte"),
    )


def practice_columns(details: bool) -> list[str]:
    """The Dutch column titles of the practice table (public or with details)."""
    public = [
        "Praktijk",
        "Gemeente",
        "Eerstelijnszone",
        "Praktijkvorm",
        "Betalingssysteem",
        "Patiëntenstop",
        "Grootteklasse (toegewezen patiënten)",
    ]
    if not details:
        return [*public, "Jaar"]
    return [
        *public,
        "VTE (schatting)",
        "GMD-patiënten",
        "Toegewezen patiënten",
        *[f"{CONTACT_NAMES[c]} per 100 toegewezen patiënten" for c in CONTACT_COLUMNS],
        "Jaar",
    ]


# --------------------------------------------------------------------------- funnels


def reference_rate(
    values: pl.DataFrame, indicator_code: str, *, level: str, area_code: str, year: int
) -> float | None:
    """numerator / denominator of one indicator row (raw scale), None if absent/hidden."""
    rows = values.filter(
        (pl.col("indicator_code") == indicator_code)
        & (pl.col("level") == level)
        & (pl.col("area_code") == area_code)
        & (pl.col("year") == year)
    )
    if rows.height == 0:
        return None
    row = rows.row(0, named=True)
    if row["suppressed"] or row["numerator"] is None or not row["denominator"]:
        return None
    return float(row["numerator"]) / float(row["denominator"])


def contact_funnel_units(rows: pl.DataFrame, column: str) -> tuple[pl.DataFrame, int]:
    """The fee-for-service practices with `observed` (contacts) and `size` (attributed).

    Returns the units and how many flat-rate practices were left out (not billed).
    Suppressed counts stay null: `funnel.funnel_data` leaves them out and counts them.
    """
    if column not in CONTACT_COLUMNS:
        raise KeyError(column)
    rows = practice_rows(rows)
    flat = int((rows["payment_system"] == "forfait").sum())
    units = rows.filter(pl.col("payment_system") != "forfait").select(
        "practice_id",
        pl.col(column).cast(pl.Float64).alias("observed"),
        pl.col("pat_attrib").cast(pl.Float64).alias("size"),
        pl.col("size_class"),
    )
    return units, flat


def pooled_rate(units: pl.DataFrame) -> float | None:
    """sum(observed) / sum(size) over units where both are known."""
    known = units.filter(pl.col("observed").is_not_null() & (pl.col("size") > 0))
    total = float(known["size"].sum()) if known.height else 0.0
    return float(known["observed"].sum()) / total if total > 0 else None


def circle_units(
    values: pl.DataFrame, areas: pl.DataFrame, indicator_code: str, year: int, circle_code: str
) -> pl.DataFrame:
    """Every circle's numerator and denominator for one indicator and year.

    Columns: `circle_code`, `circle_name`, `observed`, `size`, `own` (the chosen
    circle). Suppressed cells keep a null numerator.
    """
    rows = values.filter(
        (pl.col("indicator_code") == indicator_code)
        & (pl.col("level") == CIRCLE_LEVEL)
        & (pl.col("year") == year)
    ).select(
        pl.col("area_code").alias("circle_code"),
        pl.when(pl.col("suppressed").fill_null(False))
        .then(None)
        .otherwise(pl.col("numerator"))
        .cast(pl.Float64)
        .alias("observed"),
        pl.col("denominator").cast(pl.Float64).alias("size"),
    )
    return (
        circle_list(areas)
        .join(rows, on="circle_code", how="inner")
        .with_columns((pl.col("circle_code") == circle_code).alias("own"))
        .sort("circle_name", "circle_code")
    )


def funnel_kind(meta: Mapping[str, Any]) -> stats.Kind:
    """`proportion` for indicators with a Wilson interval, else `rate`."""
    return "proportion" if meta.get("interval_method") == "wilson" else "rate"


def trend_rows(
    values: pl.DataFrame, indicator_code: str, circle_code: str, *, first_year: int = 2015
) -> pl.DataFrame:
    """The circle's and Flanders' yearly values of one indicator (suppressed: null).

    Columns: `series` (`kring` / `vlaanderen`), `year`, `value`, `ci_low`, `ci_high`,
    `numerator`, `denominator`, `suppressed`.
    """
    rows = values.filter(
        (pl.col("indicator_code") == indicator_code)
        & (pl.col("year") >= first_year)
        & (
            ((pl.col("level") == CIRCLE_LEVEL) & (pl.col("area_code") == circle_code))
            | ((pl.col("level") == "vlaanderen") & (pl.col("area_code") == FLANDERS_CODE))
        )
    )
    hidden = pl.col("suppressed").fill_null(False)
    return rows.select(
        pl.when(pl.col("level") == CIRCLE_LEVEL)
        .then(pl.lit("kring"))
        .otherwise(pl.lit("vlaanderen"))
        .alias("series"),
        "year",
        *[
            pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("value", "ci_low", "ci_high", "numerator")
        ],
        "denominator",
        hidden.alias("suppressed"),
    ).sort("series", "year")


def payment_counts(
    values: pl.DataFrame, circle_code: str, *, first_year: int = 2015
) -> pl.DataFrame:
    """Active practices of the circle per year by payment system (from `FLAT_RATE_SHARE`).

    Counts of practices are practice-level facts, not person counts. Columns: `year`,
    `payment_system`, `practices`.
    """
    share = trend_rows(values, FLAT_RATE_SHARE, circle_code, first_year=first_year).filter(
        pl.col("series") == "kring"
    )
    flat = share.select(
        "year",
        pl.lit("forfait").alias("payment_system"),
        pl.col("numerator").cast(pl.Int64).alias("practices"),
    )
    ffs = share.select(
        "year",
        pl.lit("prestatie").alias("payment_system"),
        (pl.col("denominator") - pl.col("numerator")).cast(pl.Int64).alias("practices"),
    )
    return pl.concat([ffs, flat]).sort("year", "payment_system")


def gmd_fte_points(rows: pl.DataFrame) -> pl.DataFrame:
    """Practices with a shown GMD count and an FTE estimate > 0 (for the scatter)."""
    return practice_measures(rows).filter(
        pl.col("pat_gmd").is_not_null() & (pl.col("fte_estimate") > 0)
    )


def gmd_per_fte_ratio(rows: pl.DataFrame) -> float | None:
    """sum(GMD patients) / sum(FTE) over the practices with both shown."""
    points = gmd_fte_points(rows)
    fte = float(points["fte_estimate"].sum()) if points.height else 0.0
    return float(points["pat_gmd"].sum()) / fte if fte > 0 else None


GMD_PER_FTE: Final = "gmd_per_fte"
"""A Flemish aggregate of GMD patients per FTE, if the build provides it (see the docs)."""
FLANDERS_RATIO_MISSING: Final = (
    "De Vlaamse verhouding ontbreekt: ze vraagt de praktijkgegevens van heel Vlaanderen, "
    "die uw rol niet ziet."
)


def flanders_gmd_per_fte(
    values: pl.DataFrame, practices: pl.DataFrame, circle_code: str, year: int
) -> float | None:
    """GMD patients per FTE in Flanders in `year`.

    From the aggregate indicator `GMD_PER_FTE` when the build has it; else from the
    practice rows, but only when the frame holds other circles' counts too (a circle's
    own role sees only its own practices: the ratio would then be the circle's, so
    None is returned rather than a wrong Flemish value).
    """
    aggregate = reference_rate(
        values, GMD_PER_FTE, level="vlaanderen", area_code=FLANDERS_CODE, year=year
    )
    if aggregate is not None:
        return aggregate
    rows = practice_rows(practices).filter(pl.col("year") == year)
    others = rows.filter(pl.col("circle_code") != circle_code)
    if others.height == 0 or not bool(others["pat_gmd"].is_not_null().any()):
        return None
    return gmd_per_fte_ratio(rows)
