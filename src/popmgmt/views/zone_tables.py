"""The zone profile in Dutch: display tables, value texts, notes and the comparison legend.

Texts read "onderdrukt (...)" for suppressed cells, never 0. The figures are
`popmgmt.views.zone_model`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import polars as pl

from popmgmt.pipeline.codes import (
    ANTWERP_ZONE,
    FLANDERS_CODE,
)
from popmgmt.views import compare_flanders, gppoor_display, labels
from popmgmt.views.zone_model import NO_ANSWER, PRACTICE_DIMENSIONS

BOUNDARY_NOTE: Final = "grenzen 2025 toegepast op alle jaren (zonegrenzen gewijzigd op 1/1/2025)"
COMPARISON_MARKS: Final[dict[str, str]] = {"hoger": "▲", "lager": "▼", "vergelijkbaar": "="}

SIGNIFICANCE_METHOD: Final = compare_flanders.METHOD_INTRO
GP_POOR_MARGIN_NOTE: Final = (
    "De regel duidt het grootste deel van Vlaanderen aan: kijk daarom naar de marge tot de "
    "drempel, niet enkel naar het oordeel."
)


def antwerp_note(zone_code: str) -> str | None:
    """The note that Antwerp city's four zones cannot be separated, for `elz2` only."""
    return labels.ANTWERP_NOTE if zone_code == ANTWERP_ZONE else None


def value_text(
    value: float | None, suppressed: bool | None, reason: str | None, unit: str | None
) -> str:
    """A value for a table: "67,3 %", "onderdrukt (< 5)" or "geen gegevens"."""
    if suppressed:
        return labels.suppressed_text(reason)
    return labels.fmt_value(value, unit)


def comparison_label(code: str | None, level: str | None = None) -> str:
    """Dutch text of a comparison code (`compare_flanders.comparison_codes`), with
    " (99,8%)" when the area lies outside the 99.8% limits too."""
    if code is None or code == "onbekend":
        return labels.label("comparison", "niet_te_beoordelen")
    if code == "vergelijkbaar":
        return labels.label("comparison", "niet_verschillend")
    return labels.label("comparison", code) + compare_flanders.level_suffix(level)


def comparison_mark(position: str | None) -> str:
    """▲ (interval above Flanders), ▼ (below), = (overlaps) or "" (not assessed)."""
    return COMPARISON_MARKS.get(position or "", "")


def cell_text(row: Mapping[str, Any], unit: str | None) -> str:
    """A value with its comparison mark, for side-by-side tables: "67,3 % ▲"."""
    text = value_text(row.get("value"), row.get("suppressed"), row.get("suppression_reason"), unit)
    mark = comparison_mark(row.get("position"))
    return f"{text} {mark}" if mark else text


def _count_text(value: float | None) -> str:
    return "" if value is None else labels.fmt_number(value)


def population_trend_display(trend: pl.DataFrame) -> pl.DataFrame:
    """The population trend as Dutch text columns."""
    rows = [
        [
            str(r["year"]),
            value_text(r["zone_population"], r["suppressed"], r["suppression_reason"], None),
            labels.fmt_number(r["zone_index"], 1),
            labels.fmt_number(r["flanders_population"]),
            labels.fmt_number(r["flanders_index"], 1),
        ]
        for r in trend.iter_rows(named=True)
    ]
    columns = [
        "Jaar",
        "Inwoners zone",
        "Index zone (eerste jaar = 100)",
        "Inwoners Vlaanderen",
        "Index Vlaanderen",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def pyramid_display(pyramid: pl.DataFrame, year: int) -> pl.DataFrame:
    """The pyramid as Dutch text columns (suppressed cells read "onderdrukt (...)")."""
    rows = [
        [
            labels.label("sex", r["sex"]),
            r["age_band"],
            value_text(r["population"], r["suppressed"], r["suppression_reason"], None),
            "" if r["suppressed"] else labels.fmt_value(r["share"], "%", 2),
            labels.fmt_value(r["flanders_share"], "%", 2),
            str(year),
        ]
        for r in pyramid.iter_rows(named=True)
    ]
    columns = [
        "Geslacht",
        "Leeftijd",
        "Inwoners zone",
        "Aandeel zone",
        "Aandeel Vlaanderen",
        "Jaar",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def municipality_display(
    munis: pl.DataFrame, values: pl.DataFrame, *, unit: str | None, indicator_name: str
) -> pl.DataFrame:
    """The municipalities of a zone with the chosen indicator (Dutch text columns).

    `values` holds the indicator per municipality (`store.indicator_map_values` at
    level `gemeente`); municipalities without a row read "geen gegevens".
    """
    by_code = {r["area_code"]: r for r in values.iter_rows(named=True)}
    rows = []
    for m in munis.iter_rows(named=True):
        v = by_code.get(m["area_code"], {})
        texts = labels.value_texts(
            value=v.get("value"),
            ci_low=v.get("ci_low"),
            ci_high=v.get("ci_high"),
            denominator=v.get("denominator"),
            suppressed=bool(v.get("suppressed")),
            reason=v.get("suppression_reason"),
            unit=unit,
            denominator_label=None,
            year=v.get("year"),
        )
        rows.append(
            [
                f"{m['area_name']} ({m['area_code']})",
                value_text(m["population"], m["suppressed"], m["suppression_reason"], None),
                labels.fmt_number(m["area_km2"], 1),
                labels.fmt_number(m["density"]),
                texts["value_text"],
                texts["interval_text"],
                _count_text(None if v.get("suppressed") else v.get("numerator")),
                _count_text(v.get("denominator")),
                "" if v.get("year") is None else str(v["year"]),
            ]
        )
    columns = [
        "Gemeente",
        f"Inwoners ({munis['year'][0] if munis.height else ''})",
        "Oppervlakte (km²)",
        "Inwoners per km²",
        indicator_name,
        "95%-betrouwbaarheidsinterval",
        "Teller",
        "Noemer",
        "Jaar indicator",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


STANDARDISED_COLUMNS: Final = (
    "Leeftijdsgestandaardiseerd (ESP2013)",
    "95%-BI (gestandaardiseerd)",
    "Indirect gestandaardiseerde ratio",
)
"""The indicator table's columns from the standardised mart (when the spine has them)."""


def attach_standardised(
    spine: pl.DataFrame, standardised: pl.DataFrame, zone_code: str
) -> pl.DataFrame:
    """The spine with the zone's `dsr`, `dsr_ci_low`, `dsr_ci_high` and `isr` of the same
    indicator and year (null where the standardised mart has none)."""
    cols = ["dsr", "dsr_ci_low", "dsr_ci_high", "isr"]
    mine = standardised.filter(pl.col("area_code") == zone_code).select(
        "indicator_code", pl.col("year").cast(pl.Int64), *cols
    )
    return spine.drop([c for c in cols if c in spine.columns]).join(
        mine, on=["indicator_code", "year"], how="left", maintain_order="left"
    )


def spine_display(spine: pl.DataFrame) -> pl.DataFrame:
    """The indicator table of the spine chart, as Dutch text columns."""
    rows = []
    for r in spine.iter_rows(named=True):
        unit = r["unit"]
        texts = labels.value_texts(
            value=r["value"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            denominator=r["denominator"],
            suppressed=r["suppressed"],
            reason=r["suppression_reason"],
            unit=unit,
            denominator_label=None,
            year=r["year"],
            interval_method=r.get("interval_method"),
        )
        spread = (
            ""
            if r.get("range_min") is None
            else labels.fmt_value(r["range_min"], unit)
            + " – "
            + labels.fmt_value(r["range_max"], unit)
        )
        mark = comparison_mark(r["position"])
        rows.append(
            [
                labels.label("aim_domain", r["aim_domain"]),
                str(r["name_nl"] or r["indicator_code"]),
                str(r["year"]),
                texts["value_text"],
                texts["interval_text"],
                _count_text(r["numerator"]),
                _count_text(r["denominator"]),
                labels.fmt_value(r["flanders_value"], unit),
                spread,
                f"{mark} {comparison_label(r['comparison'], r.get('comparison_level'))}".strip(),
                compare_flanders.method_text(
                    r.get("comparison_method"),
                    r.get("comparison_phi"),
                    adjusted=r.get("comparison_adjusted") is not False,
                ),
                labels.label("interval_method", r["interval_method"]),
                compare_flanders.trend_text(
                    r.get("trend_direction"),
                    r.get("direction"),
                    last_year=r.get("trend_last_year"),
                ),
            ]
        )
    columns = [
        "Domein (Quintuple Aim)",
        "Indicator",
        "Jaar",
        "Zone",
        "95%-betrouwbaarheidsinterval",
        "Teller",
        "Noemer",
        "Vlaanderen",
        "Laagste – hoogste zone",
        "Vergelijking met Vlaanderen",
        "Methode van de vergelijking",
        "Interval",
        "Trend (laatste 5 jaren)",
    ]
    if "dsr" in spine.columns:
        extra = [
            [
                labels.fmt_value(r["dsr"], r["unit"]) if r["dsr"] is not None else "–",
                labels.fmt_interval(r["dsr_ci_low"], r["dsr_ci_high"], r["unit"])
                if r["dsr"] is not None
                else "–",
                labels.fmt_number(r["isr"], 2) if r["isr"] is not None else "–",
            ]
            for r in spine.iter_rows(named=True)
        ]
        rows = [[*row[:5], *more, *row[5:]] for row, more in zip(rows, extra, strict=True)]
        columns = [*columns[:5], *STANDARDISED_COLUMNS, *columns[5:]]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def side_by_side(
    snapshot: pl.DataFrame,
    *,
    zone_order: Sequence[str],
    zone_names: Mapping[str, str],
) -> pl.DataFrame:
    """Indicators in rows, zones side by side in columns, then Flanders (Dutch text).

    `snapshot` is `indicator_snapshot` for (at least) the zones of `zone_order` (first
    the zone itself). Each cell holds the value and its comparison mark against Flanders
    ("▲" higher, "▼" lower, "=" not different, from the 95% interval); a suppressed cell
    reads "onderdrukt (...)", a missing one "geen gegevens".
    """
    headers = [f"{zone_names.get(c, c)} ({c})" for c in zone_order]
    by_indicator: dict[str, dict[str, dict[str, Any]]] = {}
    for rec in snapshot.iter_rows(named=True):
        by_indicator.setdefault(rec["indicator_code"], {})[rec["area_code"]] = rec
    rows: list[list[str]] = []
    for code, cells in by_indicator.items():
        first = next(iter(cells.values()))
        unit = first["unit"]
        row = [str(first["name_nl"] or code), str(first["year"])]
        for area in zone_order:
            cell = cells.get(area)
            row.append(cell_text(cell, unit) if cell else labels.NO_DATA)
        row.append(labels.fmt_value(first["flanders_value"], unit))
        rows.append(row)
    columns = ["Indicator", "Jaar", *headers, "Vlaanderen"]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def definitions_markdown(spine: pl.DataFrame, indicators: pl.DataFrame) -> str:
    """Plain-language definition, formula, source and year of each spine indicator."""
    meta = {r["indicator_code"]: r for r in indicators.iter_rows(named=True)}
    parts = []
    for r in spine.iter_rows(named=True):
        m = meta.get(r["indicator_code"], {})
        parts.append(
            "\n".join(
                [
                    f"**{m.get('name_nl') or r['indicator_code']}** (`{r['indicator_code']}`, "
                    f"jaar {r['year']})",
                    "",
                    str(m.get("description_nl") or ""),
                    "",
                    f"- **Formule:** {m.get('formula_nl') or 'onbekend'}",
                    f"- **Eenheid:** {m.get('unit') or 'onbekend'}",
                    f"- **Interval:** {labels.label('interval_method', m.get('interval_method'))}",
                    f"- **Richting:** {labels.label('direction', m.get('direction'))}",
                    f"- **Bron:** {m.get('source') or 'onbekend'}",
                ]
            )
        )
    return "\n\n---\n\n".join(parts)


def gp_poor_display(assessed: pl.DataFrame, zone_names: Mapping[str, str]) -> pl.DataFrame:
    """`gp_poor_zone` as Dutch text (`gppoor_display.display_table`): the zone first, then its
    municipalities (GP-poor first); the margin to the threshold, not only the flag."""
    if assessed.height == 0:
        return gppoor_display.display_table(assessed, zone_names=dict(zone_names))
    zone_row = assessed.head(1)
    zone_text = gppoor_display.display_table(zone_row, zone_names=dict(zone_names)).with_columns(
        pl.lit("zone " + str(zone_row["area_name"][0]) + f" ({zone_row['area_code'][0]})").alias(
            "Gebied"
        )
    )
    munis = gppoor_display.display_table(assessed.slice(1), zone_names=dict(zone_names))
    return pl.concat([zone_text, munis]).drop("Zone")


def gp_poor_note(assessed: pl.DataFrame) -> str:
    """The rule and the way GPs under 65 were counted, in Dutch."""
    methods = assessed["method"].drop_nulls().unique().to_list() if assessed.height else []
    return f"{gppoor_display.RULE_TEXT} {gppoor_display.method_note(methods)} {GP_POOR_MARGIN_NOTE}"


NO_ANSWER_TEXT: Final = "geen antwoord op de bevraging"


def practice_display(profile: pl.DataFrame) -> pl.DataFrame:
    """The practice profile as Dutch text columns."""
    rows = []
    for r in profile.iter_rows(named=True):
        dim = r["dimension"]
        cat = r["category"]
        rows.append(
            [
                PRACTICE_DIMENSIONS[dim][0],
                NO_ANSWER_TEXT if cat == NO_ANSWER else labels.label(dim, cat),
                str(r["year"]),
                labels.fmt_number(r["zone_practices"]),
                labels.fmt_value(r["zone_share"], "%"),
                labels.fmt_number(r["flanders_practices"]),
                labels.fmt_value(r["flanders_share"], "%"),
            ]
        )
    columns = [
        "Kenmerk",
        "Categorie",
        "Jaar",
        "Praktijken in de zone",
        "Aandeel zone",
        "Praktijken in Vlaanderen",
        "Aandeel Vlaanderen",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def practice_counts_display(counts: pl.DataFrame) -> pl.DataFrame:
    """Practice counts per municipality (`access.practice_counts_by_municipality`, long)
    as one row per municipality and one column per category (Dutch text)."""
    columns: dict[str, str] = {}
    rows: dict[str, dict[str, str]] = {}
    for r in counts.iter_rows(named=True):
        dim, cat = r["dimension"], r["category"]
        if dim == "totaal":
            title = "Praktijken"
        elif cat in ("onbekend", NO_ANSWER):
            title = f"{PRACTICE_DIMENSIONS[dim][0]}: {NO_ANSWER_TEXT}"
        else:
            title = f"{PRACTICE_DIMENSIONS[dim][0]}: {labels.label(dim, cat)}"
        columns.setdefault(title, title)
        row = rows.setdefault(
            r["refnis"],
            {"Gemeente": f"{r['municipality']} ({r['refnis']})", "Jaar": str(r["year"])},
        )
        row[title] = labels.fmt_number(r["practices"])
    names = ["Gemeente", "Jaar", *columns]
    return pl.DataFrame(
        [[row.get(c, "") for c in names] for row in rows.values()],
        schema=dict.fromkeys(names, pl.String),
        orient="row",
    )


def trend_display(series: pl.DataFrame, *, unit: str | None) -> pl.DataFrame:
    """One row per year: the zone (value, interval), Flanders, each similar zone."""
    if series.height == 0:
        return pl.DataFrame(schema={"Jaar": pl.String})
    zone_rows = series.filter(pl.col("role") == "zone")
    zone_name = zone_rows["area_name"][0] if zone_rows.height else "Zone"
    zone_code = zone_rows["area_code"][0] if zone_rows.height else ""
    peers = (
        series.filter(pl.col("role") == "vergelijkbaar")
        .select("area_code", "area_name")
        .unique(maintain_order=True)
    )
    cells = {(r["area_code"], r["year"]): r for r in series.iter_rows(named=True)}
    years = sorted(set(series["year"].to_list()))
    zone_title = f"{zone_name} ({zone_code})"
    peer_titles = [(c, f"{n} ({c})") for c, n in peers.iter_rows()]
    rows = []
    for year in years:
        z = cells.get((zone_code, year), {})
        fl = cells.get((FLANDERS_CODE, year), {})
        texts = labels.value_texts(
            value=z.get("value"),
            ci_low=z.get("ci_low"),
            ci_high=z.get("ci_high"),
            denominator=z.get("denominator"),
            suppressed=bool(z.get("suppressed")),
            reason=z.get("suppression_reason"),
            unit=unit,
            denominator_label=None,
            year=year,
        )
        row = [
            str(year),
            texts["value_text"] if z else labels.NO_DATA,
            texts["interval_text"],
            _count_text(z.get("denominator")),
            value_text(fl.get("value"), fl.get("suppressed"), fl.get("suppression_reason"), unit)
            if fl
            else labels.NO_DATA,
        ]
        for code, _title in peer_titles:
            p = cells.get((code, year))
            row.append(
                value_text(p["value"], p["suppressed"], p["suppression_reason"], unit)
                if p
                else labels.NO_DATA
            )
        rows.append(row)
    columns = [
        "Jaar",
        zone_title,
        "95%-betrouwbaarheidsinterval",
        "Noemer",
        "Vlaanderen",
        *[t for _, t in peer_titles],
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def trend_sentence(spine: pl.DataFrame, indicator_code: str, indicator_name: str) -> str:
    """ "**Trend van GMD in deze zone:** ↓ significant dalend (verslechtering), ..." from
    the trends mart (via the spine); says so when the indicator has no test."""
    rows = spine.filter(pl.col("indicator_code") == indicator_code)
    row = rows.row(0, named=True) if rows.height else {}
    text = compare_flanders.trend_text(
        row.get("trend_direction"), row.get("direction"), last_year=row.get("trend_last_year")
    )
    name = labels.md_text(indicator_name)
    return f"**Trend van {name} in deze zone:** {text or 'geen trendtoets beschikbaar'}."


def comparison_legend_markdown(*, adjusted: bool = True) -> str:
    """The meaning of the marks and colours, for under the tables."""
    return compare_flanders.legend_markdown(adjusted=adjusted)
