"""GP circles' charts (altair): the circle's trend, payment systems, GMD patients against
FTE and distributions per payment system. The figures are `popmgmt.views.circle`.
"""

from __future__ import annotations

import math
from typing import Any, Final, cast

import altair as alt
import polars as pl

from popmgmt.pipeline.codes import PAYMENT_SYSTEMS
from popmgmt.views import labels
from popmgmt.views.circle import (
    CONTACT_COLUMNS,
    CONTACT_NAMES,
    FLANDERS_RATIO_MISSING,
    practice_measures,
)
from popmgmt.views.circle_tables import FLAT_RATE_NOTE, SOURCE_PRACTICES
from popmgmt.views.funnel_charts import chart_frame, finish_chart, wrap_lines

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
