"""GP circles (huisartsenkringen): compare the practices of a circle, for learning.

Pure functions behind `pages/circle.py` (polars in, polars / altair / pydeck out, no
Streamlit). What a circle covers (zones and municipalities: the two partitions cross),
its practices as a table with the same suppression on screen and in the download,
the inputs of the funnel plots (`popmgmt.funnel`), a scatter of GMD patients against
FTE, distributions per payment system, the circle against Flanders and the other
circles, its trend, and a practice map that shows practice-level facts only.

Privacy by construction: every practice frame goes through `practice_rows`, which keeps
an allow-list of practice-level columns (`ALLOWED_COLUMNS`); anything else a frame may
carry (a GP-level survey answer, an identifier) never reaches a table, chart, map or
download. Practices are named by their pseudonym (`practice_id`) only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, cast

import altair as alt
import polars as pl
import pydeck as pdk

from popmgmt.metrics import stats
from popmgmt.metrics.indicators import CONTACT_TYPES
from popmgmt.pipeline.codes import FLANDERS_CODE, PATIENT_STOP, PAYMENT_SYSTEMS, PRACTICE_FORMS
from popmgmt.views import downloads, labels, maps
from popmgmt.views.funnel_charts import chart_frame, finish_chart, wrap_lines

CIRCLE_LEVEL: Final = "kring"
QUERY_PARAM: Final = "kring"

# --------------------------------------------------------------------------- columns

CONTACT_COLUMNS: Final = tuple(CONTACT_TYPES)
CONTACT_NAMES: Final[dict[str, str]] = {col: name for col, (name, _) in CONTACT_TYPES.items()}

PUBLIC_FACTS: Final = ("practice_form", "payment_system", "patient_stop", "size_class")
"""Practice-level facts that may be shown to anyone and on maps (DOMAIN 4)."""
KEY_COLUMNS: Final = ("practice_id", "year", "refnis", "zone_code", "circle_code", "lat", "lon")
DETAIL_COUNTS: Final = ("gp_headcount", "pat_gmd", "pat_attrib", *CONTACT_COLUMNS)
DETAIL_COLUMNS: Final = ("gp_headcount", "fte_estimate", "pat_gmd", "pat_attrib", *CONTACT_COLUMNS)
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

# --------------------------------------------------------------------------- texts

SUPPRESSED_TEXT: Final = "onderdrukt (< 5 of afleidbaar)"
"""A practice count hidden by the build: 1-4, or derivable from the municipality total.

The practices mart says which columns are hidden (`suppressed_columns`), not why, so
the text names both reasons (a headcount of 1-4 GPs is the common case).
"""
NOT_BILLED_TEXT: Final = "niet aangerekend (forfait)"
NO_ANSWER_TEXT: Final = "geen antwoord (bevraging)"
NOT_SURVEYED_TEXT: Final = "niet bevraagd dit jaar"
FLAT_RATE_NOTE: Final = (
    "Forfaitaire praktijken (medische huizen) rekenen hun contacten niet per prestatie "
    "aan: hun raadplegingen, huisbezoeken en andere contacten zijn niet gekend. Ze tellen "
    "daarom niet mee in de contactcijfers en zijn op contacten niet vergelijkbaar met "
    "praktijken met betaling per prestatie."
)
FTE_NOTE: Final = (
    "VTE is een schatting op basis van activiteit (5.000 aangerekende contacten per jaar of "
    "1.500 ingeschreven patiënten in een forfaitaire praktijk tellen als 1 VTE, hoogstens 1 "
    "per huisarts), geen gemeten werktijd."
)
PUBLIC_NOTE: Final = (
    "U ziet de publieke kenmerken van de praktijken: praktijkvorm, betalingssysteem, "
    "patiëntenstop en grootteklasse. De aantallen per praktijk (huisartsen, VTE, patiënten, "
    "contacten) en de vergelijking van de praktijken zijn enkel zichtbaar voor de kring zelf "
    "en voor Departement Zorg: meld u aan als de kring om ze te zien."
)
LEARNING_NOTE: Final = (
    "Deze vergelijking dient om samen te leren (hoe is de zorg hier georganiseerd, wie staat "
    "onder druk?), niet om praktijken te rangschikken of af te rekenen: rangschikkingen werken "
    "niet (eindrapport WeCare). Een praktijk buiten de grenzen is een vraag, geen oordeel."
)
SOURCE_PRACTICES: Final = (
    "IMA-AIM, Patiënteel huisartsen; bevraging huisartsenpraktijken Departement Zorg; "
    "bewerking popmgmt"
)

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


def unknown_circle_message(value: str) -> str:
    """The Dutch message for a link that names a circle this build does not know."""
    return (
        f"De huisartsenkring '{value}' uit de link bestaat niet in deze gegevens. "
        "Kies hieronder een kring; de link in de adresbalk past zich aan."
    )


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


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def coverage_text(
    zones: pl.DataFrame, *, circle_name: str, circle_code: str, circle_names: Mapping[str, str]
) -> str:
    """What the circle covers, in Dutch Markdown: zones, municipalities, crossings."""
    n_muni = int(zones["n_in_circle"].sum()) if zones.height else 0
    head = (
        f"**{circle_name}** ({circle_code}) omvat {_plural(n_muni, 'gemeente', 'gemeenten')} "
        f"in {_plural(zones.height, 'eerstelijnszone', 'eerstelijnszones')}."
    )
    lines = [head]
    for row in zones.iter_rows(named=True):
        zone = f"{row['zone_name']} ({row['zone_code']})"
        if row["relation"] == "samen":
            lines.append(f"- De kring valt samen met zone {zone}.")
        elif row["relation"] == "volledig":
            lines.append(
                f"- Zone {zone} ligt volledig in de kring "
                f"({_plural(row['n_in_zone'], 'gemeente', 'gemeenten')})."
            )
        else:
            others = ", ".join(
                f"{circle_names.get(c, c)} ({c})" for c in row["other_circles"] or []
            )
            lines.append(
                f"- Zone {zone}: {row['n_in_circle']} van de {row['n_in_zone']} gemeenten "
                f"horen bij deze kring; de zone deelt zich met {others}."
            )
    return "\n".join(lines)


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


def _count_text(value: Any, status: str, decimals: int = 0) -> str:
    if status == "onderdrukt":
        return SUPPRESSED_TEXT
    if status == "niet_aangerekend":
        return NOT_BILLED_TEXT
    if value is None:
        return labels.NO_DATA
    return labels.fmt_number(float(value), decimals)


def _fact_text(kind: str, code: str | None, surveyed: bool) -> str:
    if code is None or code == "":
        return NO_ANSWER_TEXT if surveyed else NOT_SURVEYED_TEXT
    return labels.label(kind, code)


def _size_text(code: str | None) -> str:
    return "onbekend" if not code else f"{code} patiënten"


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
        "Huisartsen",
        "VTE (schatting)",
        "GMD-patiënten",
        "Toegewezen patiënten",
        *[f"{CONTACT_NAMES[c]} per 100 toegewezen patiënten" for c in CONTACT_COLUMNS],
        "Jaar",
    ]


def practice_table(rows: pl.DataFrame, areas: pl.DataFrame, *, details: bool) -> pl.DataFrame:
    """The practices as a Dutch text table: what the page shows and the download holds.

    One row per practice, sorted by pseudonym (not by any value: no league table). A
    hidden count reads `SUPPRESSED_TEXT` (never 0), a contact count of a flat-rate
    practice `NOT_BILLED_TEXT`; a rate is hidden when its numerator or denominator is.
    With `details=False` only the public practice facts are in the table.
    """
    measures = practice_measures(rows)
    surveyed = bool(
        measures.select(
            pl.col("practice_form").is_not_null().any() | pl.col("patient_stop").is_not_null().any()
        ).item()
    )
    names = areas.filter(pl.col("level") == "gemeente").select(
        pl.col("area_code").alias("refnis"), pl.col("area_name").alias("_municipality")
    )
    zones = areas.filter(pl.col("level") == "zone").select(
        pl.col("area_code").alias("zone_code"), pl.col("area_name").alias("_zone")
    )
    statuses = [count_status(c).alias(f"_st_{c}") for c in DETAIL_COUNTS]
    frame = (
        measures.join(names, on="refnis", how="left")
        .join(zones, on="zone_code", how="left")
        .with_columns(*statuses)
        .sort("practice_id")
    )
    out: list[dict[str, str]] = []
    for r in frame.iter_rows(named=True):
        row = {
            "Praktijk": str(r["practice_id"]),
            "Gemeente": str(r["_municipality"] or r["refnis"] or "onbekend"),
            "Eerstelijnszone": str(r["_zone"] or r["zone_code"] or "onbekend"),
            "Praktijkvorm": _fact_text("practice_form", r["practice_form"], surveyed),
            "Betalingssysteem": labels.label("payment_system", r["payment_system"]),
            "Patiëntenstop": _fact_text("patient_stop", r["patient_stop"], surveyed),
            "Grootteklasse (toegewezen patiënten)": _size_text(r["size_class"]),
        }
        if details:
            row["Huisartsen"] = _count_text(r["gp_headcount"], r["_st_gp_headcount"])
            row["VTE (schatting)"] = (
                labels.NO_DATA
                if r["fte_estimate"] is None
                else labels.fmt_number(r["fte_estimate"], 1)
            )
            row["GMD-patiënten"] = _count_text(r["pat_gmd"], r["_st_pat_gmd"])
            row["Toegewezen patiënten"] = _count_text(r["pat_attrib"], r["_st_pat_attrib"])
            attrib_status = r["_st_pat_attrib"]
            for c in CONTACT_COLUMNS:
                status = r[f"_st_{c}"]
                if status == "waarde" and attrib_status != "waarde":
                    status = attrib_status
                row[f"{CONTACT_NAMES[c]} per 100 toegewezen patiënten"] = _count_text(
                    r[f"{c}_per_100"], status, 1
                )
        row["Jaar"] = str(r["year"])
        out.append(row)
    columns = practice_columns(details)
    return pl.DataFrame(out, schema=dict.fromkeys(columns, pl.String), orient="row")


def practice_counts_text(rows: pl.DataFrame) -> str:
    """ "38 praktijken: 36 met betaling per prestatie, 2 forfaitaire." (public facts)."""
    rows = practice_rows(rows)
    n = rows.height
    flat = int((rows["payment_system"] == "forfait").sum())
    ffs = int((rows["payment_system"] == "prestatie").sum())
    return (
        f"{_plural(n, 'praktijk', 'praktijken')}: {ffs} met betaling per prestatie, "
        f"{flat} forfaitair."
    )


# --------------------------------------------------------------------------- downloads


def table_csv(table: pl.DataFrame) -> bytes:
    """The practice table as CSV (`downloads.csv_bytes`)."""
    return downloads.csv_bytes(table)


def table_xlsx(table: pl.DataFrame, notes: Sequence[str], sheet: str = "Praktijken") -> bytes:
    """The practice table as XLSX with its notes (`downloads.xlsx_bytes`)."""
    return downloads.xlsx_bytes(table, sheet=sheet, notes=notes)


def download_notes(
    *, circle_name: str, circle_code: str, year: int, demo: bool, details: bool
) -> list[str]:
    """The lines of the download's 'Toelichting' sheet."""
    lines = [
        f"Praktijken van {circle_name} ({circle_code}), jaar {year}.",
        f"Bron: {SOURCE_PRACTICES}.",
        "Praktijken staan onder een stabiel pseudoniem (PR-...), nooit met een naam of "
        "RIZIV-nummer. Er staan geen gegevens over individuele huisartsen in.",
        f"'{SUPPRESSED_TEXT}': een aantal van 1 tot 4, of een aantal dat uit het "
        "gemeentetotaal en de andere praktijken af te leiden is, wordt niet getoond.",
        f"'{NOT_BILLED_TEXT}': {FLAT_RATE_NOTE}",
        FTE_NOTE,
        LEARNING_NOTE,
    ]
    if not details:
        lines.insert(2, PUBLIC_NOTE)
    if demo:
        lines.insert(0, "DEMODATA: synthetische gegevens, niet voor beleid.")
    return lines


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


# --------------------------------------------------------------------------- aggregates


def _comparison_text(code: str | None) -> str:
    return "niet te beoordelen" if code is None else labels.label("comparison", code)


def aggregate_table(
    values: pl.DataFrame,
    indicators: pl.DataFrame,
    circle_code: str,
    year: int,
    codes: Sequence[str] = AGGREGATE_INDICATORS,
) -> pl.DataFrame:
    """The circle against Flanders for `codes` in one year, as a Dutch text table.

    Columns: Indicator, Kring, 95%-betrouwbaarheidsinterval, Noemer (kring),
    Vlaanderen, Verschil met Vlaanderen (interval against the Flemish value, with the
    indicator's direction), Jaar. An indicator without a value that year says so.
    """
    meta = indicators.filter(pl.col("indicator_code").is_in(list(codes)))
    here = values.filter(
        (pl.col("level") == CIRCLE_LEVEL)
        & (pl.col("area_code") == circle_code)
        & (pl.col("year") == year)
    )
    flanders = values.filter(
        (pl.col("level") == "vlaanderen")
        & (pl.col("area_code") == FLANDERS_CODE)
        & (pl.col("year") == year)
    ).select(
        "indicator_code",
        pl.when(pl.col("suppressed").fill_null(False))
        .then(None)
        .otherwise(pl.col("value"))
        .alias("flanders_value"),
    )
    joined = (
        meta.select("indicator_code", "name_nl", "unit", "direction", "denominator_label")
        .join(here.drop("level", "area_code"), on="indicator_code", how="left")
        .join(flanders, on="indicator_code", how="left")
        .with_columns(
            pl.col("suppressed").fill_null(False),
            pl.col("direction").fill_null("neutraal"),
        )
        .with_columns(
            pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("value", "ci_low", "ci_high", "numerator")
        )
    )
    joined = stats.compare_to_reference(
        joined, ref_value_col="flanders_value", direction_col="direction"
    )
    order = {code: i for i, code in enumerate(codes)}
    rows = []
    for r in sorted(joined.iter_rows(named=True), key=lambda r: order[r["indicator_code"]]):
        texts = labels.value_texts(
            value=r["value"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            denominator=r["denominator"],
            suppressed=bool(r["suppressed"]),
            reason=r["suppression_reason"],
            unit=r["unit"],
            denominator_label=r["denominator_label"],
            year=year,
        )
        rows.append(
            {
                "Indicator": str(r["name_nl"]),
                "Kring": texts["value_text"],
                "95%-betrouwbaarheidsinterval": texts["interval_text"],
                "Noemer (kring)": texts["denominator_text"].removeprefix("noemer: "),
                "Vlaanderen": labels.fmt_value(r["flanders_value"], r["unit"]),
                "Verschil met Vlaanderen": _comparison_text(r["comparison"]),
                "Jaar": str(year),
            }
        )
    columns = [
        "Indicator",
        "Kring",
        "95%-betrouwbaarheidsinterval",
        "Noemer (kring)",
        "Vlaanderen",
        "Verschil met Vlaanderen",
        "Jaar",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


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


# --------------------------------------------------------------------------- charts

SERIES_COLOURS: Final = {"kring": "#1f6f8b", "vlaanderen": "#c0392b"}
PAYMENT_COLOURS: Final = {"prestatie": "#0072b2", "forfait": "#cc79a7"}


def _f(value: Any) -> float | None:
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def trend_chart(
    trend: pl.DataFrame,
    *,
    circle_name: str,
    indicator_name: str,
    unit: str | None,
    source: str | None,
    annotate_flat_rate: bool = False,
) -> alt.LayerChart:
    """Circle and Flanders over the years, the circle's 95% interval as a band."""
    names = {"kring": circle_name, "vlaanderen": "Vlaanderen"}
    records = []
    for r in trend.iter_rows(named=True):
        if r["value"] is None:
            continue
        records.append(
            {
                "year": int(r["year"]),
                "series": names[r["series"]],
                "value": _f(r["value"]),
                "ci_low": _f(r["ci_low"]),
                "ci_high": _f(r["ci_high"]),
                "value_text": labels.fmt_value(r["value"], unit),
                "interval_text": labels.fmt_interval(r["ci_low"], r["ci_high"], unit),
                "denominator_text": labels.fmt_number(r["denominator"]),
            }
        )
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(
            domain=[circle_name, "Vlaanderen"],
            range=[SERIES_COLOURS["kring"], SERIES_COLOURS["vlaanderen"]],
        ),
        legend=alt.Legend(title=None),
    )
    x = alt.X("year:O", title="Jaar")
    y_title = f"{indicator_name} ({unit})" if unit else indicator_name
    base = alt.Chart(
        chart_frame(
            records,
            {
                "year": pl.Int64,
                "series": pl.String,
                "value": pl.Float64,
                "ci_low": pl.Float64,
                "ci_high": pl.Float64,
                "value_text": pl.String,
                "interval_text": pl.String,
                "denominator_text": pl.String,
            },
        )
    )
    band = (
        base.transform_filter(alt.datum.series == circle_name)
        .mark_area(opacity=0.18, color=SERIES_COLOURS["kring"])
        .encode(
            x=x, y=alt.Y("ci_low:Q", title=y_title, scale=alt.Scale(zero=False)), y2="ci_high:Q"
        )
    )
    lines = base.mark_line(point=True).encode(
        x=x,
        y=alt.Y("value:Q", scale=alt.Scale(zero=False)),
        color=colour,
        tooltip=[
            alt.Tooltip("series:N", title="Gebied"),
            alt.Tooltip("year:O", title="Jaar"),
            alt.Tooltip("value_text:N", title="Waarde"),
            alt.Tooltip("interval_text:N", title="Interval"),
            alt.Tooltip("denominator_text:N", title="Noemer"),
        ],
    )
    subtitle = ["Band: 95%-betrouwbaarheidsinterval van de kring."]
    if annotate_flat_rate:
        subtitle.append("Groei van de forfaitaire praktijken (medische huizen).")
    if source:
        subtitle.append(f"Bron: {source}")
    chart = cast("alt.LayerChart", alt.layer(band, lines))
    return finish_chart(
        chart.properties(
            height=280,
            title=alt.TitleParams(
                text=indicator_name, subtitle=wrap_lines(subtitle), anchor="start"
            ),
        )
    )


def payment_chart(counts: pl.DataFrame, *, circle_name: str) -> alt.Chart:
    """Active practices of the circle per year, stacked by payment system."""
    records = [
        {
            "year": int(r["year"]),
            "payment": labels.label("payment_system", r["payment_system"]),
            "practices": int(r["practices"]),
        }
        for r in counts.iter_rows(named=True)
        if r["practices"] is not None
    ]
    domain = [labels.label("payment_system", p) for p in PAYMENT_SYSTEMS]
    chart = (
        alt.Chart(
            chart_frame(records, {"year": pl.Int64, "payment": pl.String, "practices": pl.Int64})
        )
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Jaar"),
            y=alt.Y("practices:Q", title="Actieve praktijken", stack=True),
            color=alt.Color(
                "payment:N",
                title="Betalingssysteem",
                scale=alt.Scale(domain=domain, range=[PAYMENT_COLOURS[p] for p in PAYMENT_SYSTEMS]),
                legend=alt.Legend(title="Betalingssysteem"),
            ),
            order=alt.Order("payment:N"),
            tooltip=[
                alt.Tooltip("year:O", title="Jaar"),
                alt.Tooltip("payment:N", title="Betalingssysteem"),
                alt.Tooltip("practices:Q", title="Praktijken"),
            ],
        )
        .properties(
            height=260,
            title=alt.TitleParams(
                text=f"Actieve praktijken per betalingssysteem, {circle_name}",
                subtitle=[
                    "Actief: minstens 1.250 contacten in de reguliere uren of ingeschreven "
                    "patiënten (forfait). Bron: IMA-AIM, Patiënteel huisartsen."
                ],
                anchor="start",
            ),
        )
    )
    return finish_chart(cast("alt.Chart", chart))


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


def gmd_fte_chart(
    points: pl.DataFrame,
    *,
    circle_ratio: float | None,
    flanders_ratio: float | None,
    circle_name: str,
    year: int,
    n_left_out: int,
) -> alt.LayerChart:
    """GMD patients against FTE per practice, with the circle's and Flanders' ratio lines."""
    records = [
        {
            "practice": r["practice_id"],
            "fte": _f(r["fte_estimate"]),
            "gmd": _f(r["pat_gmd"]),
            "payment": labels.label("payment_system", r["payment_system"]),
            "fte_text": labels.fmt_number(r["fte_estimate"], 1),
            "gmd_text": labels.fmt_number(r["pat_gmd"]),
            "ratio_text": labels.fmt_number(r["gmd_per_fte"]),
        }
        for r in points.iter_rows(named=True)
    ]
    max_fte = max([r["fte"] or 0.0 for r in records] + [1.0]) * 1.05
    lines = []
    for name, ratio, colour in (
        (f"{circle_name}", circle_ratio, SERIES_COLOURS["kring"]),
        ("Vlaanderen", flanders_ratio, SERIES_COLOURS["vlaanderen"]),
    ):
        if ratio is None:
            continue
        text = f"{name}: {labels.fmt_number(ratio)} GMD-patiënten per VTE"
        lines += [
            {"fte": 0.0, "gmd": 0.0, "line": text, "colour": colour},
            {"fte": max_fte, "gmd": ratio * max_fte, "line": text, "colour": colour},
        ]
    domain = [labels.label("payment_system", p) for p in PAYMENT_SYSTEMS]
    x = alt.X("fte:Q", title="VTE huisartsen (schatting)", scale=alt.Scale(zero=True))
    y = alt.Y("gmd:Q", title="GMD-patiënten", scale=alt.Scale(zero=True))
    dots = (
        alt.Chart(
            chart_frame(
                records,
                {
                    "practice": pl.String,
                    "fte": pl.Float64,
                    "gmd": pl.Float64,
                    "payment": pl.String,
                    "fte_text": pl.String,
                    "gmd_text": pl.String,
                    "ratio_text": pl.String,
                },
            )
        )
        .mark_point(filled=True, size=70, opacity=0.85)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "payment:N",
                title="Betalingssysteem",
                scale=alt.Scale(domain=domain, range=[PAYMENT_COLOURS[p] for p in PAYMENT_SYSTEMS]),
            ),
            tooltip=[
                alt.Tooltip("practice:N", title="Praktijk"),
                alt.Tooltip("payment:N", title="Betalingssysteem"),
                alt.Tooltip("fte_text:N", title="VTE (schatting)"),
                alt.Tooltip("gmd_text:N", title="GMD-patiënten"),
                alt.Tooltip("ratio_text:N", title="GMD-patiënten per VTE"),
            ],
        )
    )
    ratio_lines = (
        alt.Chart(
            chart_frame(
                lines,
                {"fte": pl.Float64, "gmd": pl.Float64, "line": pl.String, "colour": pl.String},
            )
        )
        .mark_line(strokeDash=[6, 3], strokeWidth=2)
        .encode(
            x=x,
            y=y,
            detail="line:N",
            color=alt.Color("colour:N", scale=None, legend=None),
            tooltip=[alt.Tooltip("line:N", title="Verhouding")],
        )
    )
    subtitle = [
        "Stippellijnen: GMD-patiënten per VTE in de kring (blauw) en in Vlaanderen (rood). "
        " Geen norm: een punt boven de lijn heeft meer "
        "GMD-patiënten per VTE.",
        "Forfaitaire praktijken: GMD = ingeschreven patiënten en hun VTE is geschat uit die "
        "inschrijvingen (1.500 per VTE); hun ligging zegt daarom weinig.",
        f"Jaar {year}. {len(records)} praktijken getoond"
        + (f"; {n_left_out} niet getoond (onderdrukt of geen VTE)." if n_left_out else ".")
        + f" Bron: {SOURCE_PRACTICES}.",
    ]
    if flanders_ratio is None:
        subtitle.insert(1, FLANDERS_RATIO_MISSING)
    chart = alt.layer(ratio_lines, dots).properties(
        height=360,
        title=alt.TitleParams(
            text="GMD-patiënten en VTE per praktijk", subtitle=wrap_lines(subtitle), anchor="start"
        ),
    )
    return finish_chart(cast("alt.LayerChart", chart.resolve_scale(color="independent")))


# Measures for the distributions per payment system: column -> (title, decimals, all
# payment systems comparable?).
DISTRIBUTION_MEASURES: Final[dict[str, tuple[str, int, bool]]] = {
    "attrib_per_fte": ("Toegewezen patiënten per VTE", 0, True),
    "gmd_per_fte": ("GMD-patiënten per VTE", 0, True),
    "gmd_per_100_attrib": ("GMD-patiënten per 100 toegewezen patiënten", 1, True),
    "pat_attrib": ("Toegewezen patiënten", 0, True),
    "fte_estimate": ("VTE huisartsen (schatting)", 1, True),
    **{
        f"{c}_per_100": (f"{CONTACT_NAMES[c]} per 100 toegewezen patiënten", 1, False)
        for c in CONTACT_COLUMNS
    },
}


def distribution_chart(rows: pl.DataFrame, measure: str, *, year: int) -> alt.LayerChart:
    """Box plot with every practice as a dot, one column per payment system."""
    title, decimals, comparable = DISTRIBUTION_MEASURES[measure]
    frame = practice_measures(rows)
    records = []
    counts: dict[str, int] = dict.fromkeys(PAYMENT_SYSTEMS, 0)
    for r in frame.iter_rows(named=True):
        value = _f(r[measure])
        if value is None or r["payment_system"] not in counts:
            continue
        counts[r["payment_system"]] += 1
        records.append(
            {
                "practice": r["practice_id"],
                "payment_code": r["payment_system"],
                "value": value,
                "value_text": labels.fmt_number(value, decimals),
            }
        )
    group = {p: f"{labels.label('payment_system', p)} (n = {counts[p]})" for p in PAYMENT_SYSTEMS}
    for rec in records:
        rec["payment"] = group[rec["payment_code"]]
    domain = [group[p] for p in PAYMENT_SYSTEMS]
    x = alt.X(
        "payment:N",
        title=None,
        scale=alt.Scale(domain=domain),
        axis=alt.Axis(labelAngle=0, labelLimit=320),
    )
    y = alt.Y("value:Q", title=title, scale=alt.Scale(zero=False))
    colour = alt.Color(
        "payment:N",
        scale=alt.Scale(domain=domain, range=[PAYMENT_COLOURS[p] for p in PAYMENT_SYSTEMS]),
        legend=None,
    )
    base = alt.Chart(
        chart_frame(
            records,
            {
                "practice": pl.String,
                "payment_code": pl.String,
                "value": pl.Float64,
                "value_text": pl.String,
                "payment": pl.String,
            },
        )
    )
    box = base.mark_boxplot(extent="min-max", opacity=0.35, size=70).encode(x=x, y=y, color=colour)
    dots = (
        base.mark_circle(size=45, opacity=0.8)
        .encode(
            x=x,
            y=y,
            color=colour,
            xOffset=alt.XOffset("jitter:Q", scale=alt.Scale(domain=[-1, 1])),
            tooltip=[
                alt.Tooltip("practice:N", title="Praktijk"),
                alt.Tooltip("payment:N", title="Betalingssysteem"),
                alt.Tooltip("value_text:N", title=title),
            ],
        )
        .transform_calculate(jitter="(random() - 0.5) * 0.6")
    )
    subtitle = [
        "Doos: middelste helft van de praktijken, lijn: mediaan; elke stip is een praktijk.",
        f"Jaar {year}. Bron: {SOURCE_PRACTICES}.",
    ]
    if not comparable:
        subtitle.insert(0, "Enkel praktijken met betaling per prestatie.")
        subtitle.insert(1, FLAT_RATE_NOTE)
    chart = cast("alt.LayerChart", alt.layer(box, dots))
    return finish_chart(
        chart.properties(
            height=320,
            width=420,
            title=alt.TitleParams(text=title, subtitle=wrap_lines(subtitle, 75), anchor="start"),
        )
    )


# --------------------------------------------------------------------------- maps

ZONE_COLOURS: Final[tuple[maps.RGB, ...]] = (
    (86, 180, 233),
    (0, 158, 115),
    (230, 159, 0),
    (204, 121, 167),
    (0, 114, 178),
    (213, 94, 0),
)
OTHER_AREA_COLOUR: Final[maps.RGB] = (225, 225, 225)
ZONE_LINE_COLOUR: Final = [40, 40, 40]
UNKNOWN_COLOUR: Final[maps.RGB] = (150, 150, 150)
FACT_COLOURS: Final[dict[str, dict[str, maps.RGB]]] = {
    "patient_stop": {"ja": (213, 94, 0), "gedeeltelijk": (230, 159, 0), "nee": (0, 158, 115)},
    "payment_system": {"prestatie": (0, 114, 178), "forfait": (204, 121, 167)},
    "practice_form": {
        "solo": (86, 180, 233),
        "duo": (0, 114, 178),
        "groep": (0, 158, 115),
        "multidisciplinair": (230, 159, 0),
        "wgc": (204, 121, 167),
    },
    "size_class": dict(zip(SIZE_CLASSES, maps.SEQUENTIAL_COLOURS, strict=True)),
}
FACT_TITLES: Final[dict[str, str]] = {
    "patient_stop": "Patiëntenstop",
    "practice_form": "Praktijkvorm",
    "payment_system": "Betalingssysteem",
    "size_class": "Grootteklasse (toegewezen patiënten)",
}
FACT_ORDER: Final[dict[str, tuple[str, ...]]] = {
    "patient_stop": PATIENT_STOP,
    "payment_system": PAYMENT_SYSTEMS,
    "practice_form": PRACTICE_FORMS,
    "size_class": SIZE_CLASSES,
}
MAP_TOOLTIP_HTML: Final = (
    "<b>{tt_name}</b><br/>{tt_line1}<br/>{tt_line2}<br/>{tt_line3}<br/>{tt_line4}"
)
_TOOLTIP_KEYS: Final = ("tt_name", "tt_line1", "tt_line2", "tt_line3", "tt_line4")


def fact_text(fact: str, code: str | None) -> str:
    """The Dutch text of a practice fact's code (size classes read as themselves)."""
    if fact == "size_class":
        return _size_text(code)
    if not code:
        return "onbekend of geen antwoord"
    return labels.label(fact, code)


def fact_legend(fact: str) -> list[maps.LegendItem]:
    """Legend rows for colouring practices by `fact`, unknown last."""
    items = [
        maps.LegendItem(colour=maps.rgb_hex(rgb), text=fact_text(fact, code), rgb=rgb)
        for code, rgb in ((c, FACT_COLOURS[fact][c]) for c in FACT_ORDER[fact])
    ]
    items.append(
        maps.LegendItem(
            colour=maps.rgb_hex(UNKNOWN_COLOUR),
            text="onbekend of geen antwoord",
            rgb=UNKNOWN_COLOUR,
        )
    )
    return items


def practice_points(rows: pl.DataFrame, colour_by: str) -> list[dict[str, Any]]:
    """Map records of the practices: position, colour and practice-level facts only.

    Only `practice_id`, `lat`, `lon` and `PUBLIC_FACTS` are read; practices without a
    position are left out.
    """
    if colour_by not in FACT_COLOURS:
        raise KeyError(colour_by)
    frame = practice_rows(rows).select("practice_id", "lat", "lon", *PUBLIC_FACTS)
    records = []
    for r in frame.iter_rows(named=True):
        if r["lat"] is None or r["lon"] is None:
            continue
        rgb = FACT_COLOURS[colour_by].get(r[colour_by] or "", UNKNOWN_COLOUR)
        records.append(
            maps.tooltip_fields(
                {
                    "lon": float(r["lon"]),
                    "lat": float(r["lat"]),
                    "fill_color": [*rgb, 235],
                    "tt_name": f"Praktijk {r['practice_id']}",
                    "tt_line1": f"Praktijkvorm: {fact_text('practice_form', r['practice_form'])}",
                    "tt_line2": (
                        f"Betalingssysteem: {fact_text('payment_system', r['payment_system'])}"
                    ),
                    "tt_line3": f"Patiëntenstop: {fact_text('patient_stop', r['patient_stop'])}",
                    "tt_line4": f"Grootteklasse: {fact_text('size_class', r['size_class'])}",
                }
            )
        )
    return records


def _coordinates(geometry: Mapping[str, Any] | None) -> Iterable[tuple[float, float]]:
    if not geometry:
        return
    coords = geometry.get("coordinates") or []
    kind = geometry.get("type")
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    for polygon in polygons:
        for ring in polygon:
            for point in ring:
                yield float(point[0]), float(point[1])


def view_for(
    features: Sequence[Mapping[str, Any]],
    *,
    width_px: float = 600.0,
    height_px: float = 340.0,
    margin: float = 0.85,
) -> dict[str, float]:
    """A view state (centre and zoom) that fits the features' outlines in the map.

    Web Mercator as deck.gl draws it: the world is 512 px wide at zoom 0, and a degree
    of latitude is 1/cos(latitude) times as tall as a degree of longitude is wide.
    """
    points = [p for f in features for p in _coordinates(f.get("geometry"))]
    if not points:
        return dict(maps.FLANDERS_VIEW)
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    latitude = (min(lats) + max(lats)) / 2.0
    lon_span = max(max(lons) - min(lons), 0.01)
    lat_span = max(max(lats) - min(lats), 0.01)
    zoom_lon = math.log2(360.0 * width_px * margin / (512.0 * lon_span))
    zoom_lat = math.log2(
        360.0 * height_px * margin * math.cos(math.radians(latitude)) / (512.0 * lat_span)
    )
    zoom = max(6.0, min(13.0, zoom_lon, zoom_lat))
    return {
        "latitude": latitude,
        "longitude": (min(lons) + max(lons)) / 2.0,
        "zoom": round(zoom, 2),
    }


def coverage_features(
    municipalities_geo: Mapping[str, Any],
    areas: pl.DataFrame,
    circle_code: str,
    circle_names: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The municipalities of the zones the circle touches, as plain GeoJSON features.

    Municipalities in the circle are coloured by their zone; the zones' other
    municipalities are light grey. Each carries Dutch tooltip texts.
    """
    muni = areas.filter(pl.col("level") == "gemeente")
    zones = circle_zones(areas, circle_code)
    zone_colour = {
        code: ZONE_COLOURS[i % len(ZONE_COLOURS)] for i, code in enumerate(zones["zone_code"])
    }
    zone_names = dict(zip(zones["zone_code"], zones["zone_name"], strict=True))
    info = {
        r["area_code"]: r
        for r in muni.filter(pl.col("zone_code").is_in(list(zone_colour))).iter_rows(named=True)
    }
    features = []
    for feature in municipalities_geo.get("features", []):
        props = feature.get("properties") or {}
        row = info.get(str(props.get("area_code", "")))
        if row is None:
            continue
        inside = row["circle_code"] == circle_code
        rgb = zone_colour[row["zone_code"]] if inside else OTHER_AREA_COLOUR
        circle = row["circle_code"]
        features.append(
            {
                "type": "Feature",
                "geometry": feature.get("geometry"),
                "properties": maps.tooltip_fields(
                    {
                        "area_code": row["area_code"],
                        "inside": inside,
                        "fill_color": [*rgb, 170 if inside else 120],
                        "tt_name": f"{row['area_name']} ({row['area_code']})",
                        "tt_line1": f"Zone: {zone_names.get(row['zone_code'], row['zone_code'])}",
                        "tt_line2": f"Kring: {circle_names.get(circle, circle)}"
                        + ("" if inside else " (andere kring)"),
                        "tt_line3": "",
                        "tt_line4": "",
                    }
                ),
            }
        )
    return features


def zone_outline_features(
    zones_geo: Mapping[str, Any], zone_codes: Iterable[str]
) -> list[dict[str, Any]]:
    """The outlines of the given zones (plain GeoJSON features, no fill)."""
    wanted = set(zone_codes)
    return [
        {
            "type": "Feature",
            "geometry": f.get("geometry"),
            "properties": {
                "area_code": (f.get("properties") or {}).get("area_code"),
                **dict.fromkeys(_TOOLTIP_KEYS, ""),
            },
        }
        for f in zones_geo.get("features", [])
        if str((f.get("properties") or {}).get("area_code")) in wanted
    ]


def zone_legend(zones: pl.DataFrame) -> list[maps.LegendItem]:
    """Legend rows of the coverage map: one colour per zone, grey for the zones' parts
    that belong to another circle (only when there are such parts)."""
    items = [
        maps.LegendItem(
            colour=maps.rgb_hex(ZONE_COLOURS[i % len(ZONE_COLOURS)]),
            text=f"{r['zone_name']} ({r['zone_code']})",
            rgb=ZONE_COLOURS[i % len(ZONE_COLOURS)],
        )
        for i, r in enumerate(zones.iter_rows(named=True))
    ]
    if zones.height and bool((zones["relation"] == "deels").any()):
        items.append(
            maps.LegendItem(
                colour=maps.rgb_hex(OTHER_AREA_COLOUR),
                text="andere kring, zelfde zone",
                rgb=OTHER_AREA_COLOUR,
            )
        )
    return items


def circle_deck(
    coverage: Sequence[Mapping[str, Any]],
    outlines: Sequence[Mapping[str, Any]],
    points: Sequence[Mapping[str, Any]] | None = None,
    *,
    width_px: float = 600.0,
    height_px: float = 340.0,
) -> pdk.Deck:
    """A pydeck map of the circle: municipalities, zone outlines and optionally practices.

    No base map (`map_provider=None`, see `popmgmt.maps`): nothing is fetched. With
    points, the municipalities are drawn pale so the practices stand out.
    """
    faded = points is not None
    polygons = [
        {
            **f,
            "properties": {
                **f["properties"],
                "fill_color": (
                    [*f["properties"]["fill_color"][:3], 60]
                    if faded
                    else f["properties"]["fill_color"]
                ),
            },
        }
        for f in coverage
    ]
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            data={"type": "FeatureCollection", "features": polygons},
            id="gemeenten",
            stroked=True,
            filled=True,
            pickable=not faded,
            get_fill_color="properties.fill_color",
            get_line_color=[255, 255, 255],
            line_width_min_pixels=1,
        ),
        pdk.Layer(
            "GeoJsonLayer",
            data={"type": "FeatureCollection", "features": list(outlines)},
            id="zones",
            stroked=True,
            filled=False,
            pickable=False,
            get_line_color=ZONE_LINE_COLOUR,
            line_width_min_pixels=2.5,
        ),
    ]
    if points is not None:
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=list(points),
                id="praktijken",
                get_position=["lon", "lat"],
                get_fill_color="fill_color",
                get_line_color=[30, 30, 30],
                stroked=True,
                line_width_min_pixels=1,
                get_radius=120,
                radius_min_pixels=5,
                radius_max_pixels=14,
                pickable=True,
                auto_highlight=True,
            )
        )
    # The area map shows the whole zones around the circle; the practice map the circle.
    inside = [f for f in coverage if f["properties"].get("inside")]
    view = view_for(
        inside if faded and inside else list(coverage), width_px=width_px, height_px=height_px
    )
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**view),
        map_provider=None,
        tooltip={"html": MAP_TOOLTIP_HTML, "style": maps.TOOLTIP_STYLE},
    )
