"""GP circles in Dutch: notes, coverage text, the practice and aggregate tables, downloads.

Suppressed counts read as text, never 0. The figures are `popmgmt.views.circle`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import polars as pl

from popmgmt.pipeline.codes import FLANDERS_CODE
from popmgmt.views import compare_flanders, downloads, labels
from popmgmt.views.circle import (
    AGGREGATE_INDICATORS,
    CIRCLE_LEVEL,
    CONTACT_COLUMNS,
    CONTACT_NAMES,
    DETAIL_COUNTS,
    count_status,
    practice_columns,
    practice_measures,
    practice_rows,
)

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


def unknown_circle_message(value: str) -> str:
    """The Dutch message for a link that names a circle this build does not know."""
    return (
        f"De huisartsenkring '{value}' uit de link bestaat niet in deze gegevens. "
        "Kies hieronder een kring; de link in de adresbalk past zich aan."
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


# --------------------------------------------------------------------------- aggregates


AGGREGATE_COMPARISON_NOTE: Final = (
    "Verschil met Vlaanderen: Spiegelhalter-z tegenover de Vlaamse waarde, met correctie "
    "voor de gewone verschillen tussen de kringen (overdispersie) waar die er zijn; de "
    "methode en φ staan per indicator in de kolom Methode. Berekend in de build, dezelfde "
    "indeling als op de andere pagina's."
)


def _comparison_text(code: str | None, level: str | None = None) -> str:
    if code is None:
        return "niet te beoordelen"
    if code == "vergelijkbaar":
        return labels.label("comparison", "niet_verschillend")
    return labels.label("comparison", code) + compare_flanders.level_suffix(level)


def aggregate_table(
    values: pl.DataFrame,
    indicators: pl.DataFrame,
    circle_code: str,
    year: int,
    codes: Sequence[str] = AGGREGATE_INDICATORS,
    comparisons: pl.DataFrame | None = None,
    adjusted: bool = True,
) -> pl.DataFrame:
    """The circle against Flanders for `codes` in one year, as a Dutch text table.

    Columns: Indicator, Kring, 95%-betrouwbaarheidsinterval, Noemer (kring),
    Vlaanderen, Verschil met Vlaanderen (the comparisons mart at circle level, with the
    indicator's direction; computed from `values` as the build does when
    `comparisons` is None), Methode, Jaar. An indicator without a value that year says so.
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
    if comparisons is None:
        comparisons = compare_flanders.comparisons_for(
            values.filter(pl.col("year") == year),
            indicators,
            level=CIRCLE_LEVEL,
            indicator_codes=list(codes),
        )
    joined = compare_flanders.attach(
        joined.with_columns(pl.lit(circle_code).alias("area_code"), pl.lit(year).alias("year")),
        comparisons,
        level=CIRCLE_LEVEL,
        adjusted=adjusted,
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
                "Verschil met Vlaanderen": _comparison_text(r["comparison"], r["comparison_level"]),
                "Methode": compare_flanders.method_text(
                    r["comparison_method"], r["comparison_phi"], adjusted=adjusted
                ),
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
        "Methode",
        "Jaar",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")
