"""Funnel plots drawn: Dutch method text, band colours and the altair chart.

The figures (points, limits, overdispersion) are `popmgmt.metrics.funnel`; the circle view
and the Flemish monitor share this drawing.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeVar, cast

import altair as alt
import polars as pl

from popmgmt.metrics.funnel import BANDS, Funnel, OverdispersionMode
from popmgmt.views import charts, labels

OVERDISPERSION_TEXT: Final[dict[OverdispersionMode, str]] = {
    "auto": "Automatisch: verbreden als de spreiding aantoonbaar groter is dan toeval",
    "altijd": "Altijd verbreden voor overdispersie",
    "nooit": "Nooit verbreden (zuivere toevalsgrenzen)",
}
BAND_TEXT: Final[dict[str, str]] = {
    "binnen": "binnen de 95%-grenzen",
    "hoger_95": "hoger: boven de 95%-grens",
    "lager_95": "lager: onder de 95%-grens",
    "hoger_998": "veel hoger: boven de 99,8%-grens",
    "lager_998": "veel lager: onder de 99,8%-grens",
}
BAND_COLOURS: Final[dict[str, str]] = {  # Okabe-Ito, colour-blind safe
    "binnen": "#8c8c8c",
    "hoger_95": "#e69f00",
    "lager_95": "#56b4e9",
    "hoger_998": "#d55e00",
    "lager_998": "#0072b2",
}
LIMIT_COLOUR: Final = "#555555"
TARGET_COLOUR: Final = "#c0392b"
NOT_A_LEAGUE_TABLE: Final = (
    "Geen rangschikking: een eenheid buiten de grenzen is een vraag om te bespreken, geen oordeel."
)
KIND_METHOD: Final[dict[str, str]] = {
    "rate": "exacte Poisson-grenzen",
    "proportion": "Wilson-scoregrenzen",
}


def method_text(funnel: Funnel, *, reference_label: str) -> str:
    """The method in one Dutch sentence, to be shown on the chart."""
    base = (
        f"Controlegrenzen 95% en 99,8% rond {reference_label} "
        f"(Spiegelhalter 2005, {KIND_METHOD[funnel.kind]})"
    )
    if funnel.phi is None:
        return f"{base}; te weinig eenheden om overdispersie te schatten."
    phi = labels.fmt_number(funnel.phi, 2)
    if funnel.phi_used > 1.0:
        return (
            f"{base}, met correctie voor overdispersie (φ = {phi}; additief model: de grenzen "
            "bevatten de gewone spreiding tussen de eenheden, die groter is dan toeval alleen)."
        )
    if funnel.phi_significant:
        return f"{base}; zonder correctie, hoewel φ = {phi} op overdispersie wijst."
    return f"{base}; geen aantoonbare overdispersie (φ = {phi}), geen correctie nodig."


def left_out_text(funnel: Funnel, *, unit_word: str = "eenheden") -> str:
    """ "2 eenheden niet getoond: onderdrukt (< 5)." or "" when none was left out."""
    parts = []
    if funnel.n_suppressed:
        parts.append(f"{funnel.n_suppressed} onderdrukt (< 5 of afleidbaar)")
    if funnel.n_no_size:
        parts.append(f"{funnel.n_no_size} zonder noemer")
    if not parts:
        return ""
    return f"Niet getoond: {' en '.join(parts)} {unit_word}."


ChartT = TypeVar("ChartT", alt.Chart, alt.LayerChart)


def finish_chart(chart: ChartT) -> ChartT:
    """The chart in the house style (`charts.configure`: Dutch numbers 1.234,5) and sized
    for the page: the width fits the container, the height is the plot's, title and
    legends come on top (Streamlit's default "fit" squeezes them into the height and the
    plot collapses)."""
    sized = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return charts.configure(sized)


def wrap_lines(lines: Sequence[str], width: int = 110) -> list[str]:
    """Subtitle lines wrapped at `width` characters (Vega does not wrap titles)."""
    return [part for line in lines for part in (textwrap.wrap(line, width) or [""])]


def chart_frame(records: Sequence[Mapping[str, Any]], schema: Mapping[str, Any]) -> pl.DataFrame:
    """Records as a polars frame with a fixed schema: the data of an altair chart.

    Charts take their data as frames, not inline records: altair then neither copies
    nor validates every record, and Streamlit ships the frame as Arrow (much faster).
    64-bit integers become 32-bit: Arrow's int64 reaches the browser as a BigInt, which
    Vega cannot scale (the axis collapses).
    """
    fixed = {name: pl.Int32 if dtype == pl.Int64 else dtype for name, dtype in schema.items()}
    return pl.DataFrame(list(records), schema=fixed, orient="row")


POINT_RECORD_SCHEMA: Final = {
    "label": pl.String,
    "size": pl.Float64,
    "value": pl.Float64,
    "band": pl.String,
    "band_text": pl.String,
    "highlight": pl.Boolean,
    "value_text": pl.String,
    "size_text": pl.String,
    "observed_text": pl.String,
    "limits_text": pl.String,
}
LIMIT_RECORD_SCHEMA: Final = {
    "size": pl.Float64,
    "line": pl.String,
    "level": pl.String,
    "value": pl.Float64,
}


def _num(value: Any) -> float | None:
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def point_records(
    funnel: Funnel,
    *,
    unit: str | None,
    decimals: int | None = None,
    size_decimals: int = 0,
    text_cols: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Plain records of the points with Dutch tooltip texts (`POINT_RECORD_SCHEMA`)."""
    records = []
    for row in funnel.points.iter_rows(named=True):
        rec: dict[str, Any] = {
            "label": row["label"],
            "size": _num(row["size"]),
            "value": _num(row["value"]),
            "band": row["band"],
            "band_text": BAND_TEXT[row["band"]],
            "highlight": bool(row["highlight"]),
            "value_text": labels.fmt_value(row["value"], unit, decimals),
            "size_text": labels.fmt_number(row["size"], size_decimals),
            "observed_text": labels.fmt_number(row["observed"], 1 if size_decimals else 0),
            "limits_text": (
                f"{labels.fmt_number(row['lo_95'], decimals or 1)} – "
                f"{labels.fmt_number(row['hi_95'], decimals or 1)}"
            ),
        }
        for col in text_cols:
            value = row.get(col)
            rec[col] = "" if value is None else str(value)
        records.append(rec)
    return records


def limit_records(funnel: Funnel) -> list[dict[str, Any]]:
    """The limit curves as long records: size, `line` (e.g. "hi_95"), `level` ("95%" or
    "99,8%"), value."""
    records = []
    for row in funnel.limits.iter_rows(named=True):
        for line in ("lo_95", "hi_95", "lo_998", "hi_998"):
            value = _num(row[line])
            if value is not None:
                level = "99,8%" if line.endswith("998") else "95%"
                records.append(
                    {"size": float(row["size"]), "line": line, "level": level, "value": value}
                )
    return records


def funnel_chart(
    funnel: Funnel,
    *,
    title: str,
    value_title: str,
    size_title: str,
    reference_label: str,
    unit: str | None = None,
    decimals: int | None = None,
    size_decimals: int = 0,
    label_title: str = "Eenheid",
    unit_word: str = "eenheden",
    year: int | None = None,
    source: str | None = None,
    notes: Sequence[str] = (),
    tooltip_cols: Mapping[str, str] | None = None,
    height: int = 380,
) -> alt.LayerChart:
    """The funnel plot: points coloured by band, the 95% (dashed) and 99.8% limits
    (solid) and the reference as a red line. The method, the reference, the year, the
    source and what was left out are in the subtitle; highlighted units get a black ring.
    """
    tooltip_cols = dict(tooltip_cols or {})
    points = point_records(
        funnel,
        unit=unit,
        decimals=decimals,
        size_decimals=size_decimals,
        text_cols=list(tooltip_cols),
    )
    limits = limit_records(funnel)
    target_display = funnel.target * funnel.multiplier
    x = alt.X("size:Q", title=size_title, scale=alt.Scale(zero=False, nice=True))
    values = [p["value"] for p in points if p["value"] is not None]
    lows = [r["value"] for r in limits if r["line"] == "lo_998"]
    highs = [r["value"] for r in limits if r["line"] == "hi_998"]
    y_low = min([*values, target_display, *(lows[-1:])])
    y_high = max([*values, target_display, *(highs[-1:])])
    pad = (y_high - y_low) * 0.08 or abs(y_high) * 0.1 or 1.0
    y_scale = alt.Scale(domain=[max(y_low - pad, 0.0), y_high + pad], nice=False)

    line_layer = (
        alt.Chart(chart_frame(limits, LIMIT_RECORD_SCHEMA))
        .mark_line(color=LIMIT_COLOUR, clip=True, strokeWidth=1.2)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=value_title, scale=y_scale),
            detail="line:N",
            strokeDash=alt.StrokeDash(
                "level:N",
                scale=alt.Scale(domain=["95%", "99,8%"], range=[[5, 4], [1, 0]]),
                legend=alt.Legend(title="Controlegrens"),
            ),
        )
    )
    target_layer = (
        alt.Chart(pl.DataFrame({"target": [target_display]}, schema={"target": pl.Float64}))
        .mark_rule(color=TARGET_COLOUR, strokeWidth=2)
        .encode(y=alt.Y("target:Q", scale=y_scale))
    )
    tooltip = [
        alt.Tooltip("label:N", title=label_title),
        alt.Tooltip("value_text:N", title=value_title),
        alt.Tooltip("size_text:N", title=size_title),
        alt.Tooltip("band_text:N", title="Ligging"),
        alt.Tooltip("limits_text:N", title="95%-grenzen bij deze grootte"),
        *[alt.Tooltip(f"{col}:N", title=title_) for col, title_ in tooltip_cols.items()],
    ]
    colour = alt.Color(
        "band_text:N",
        scale=alt.Scale(
            domain=[BAND_TEXT[b] for b in BANDS], range=[BAND_COLOURS[b] for b in BANDS]
        ),
        legend=alt.Legend(title="Ligging", labelLimit=260),
    )
    point_frame = chart_frame(
        points, {**POINT_RECORD_SCHEMA, **dict.fromkeys(tooltip_cols, pl.String)}
    )
    point_layer = (
        alt.Chart(point_frame)
        .mark_point(filled=True, opacity=0.9, size=60)
        .encode(x=x, y=alt.Y("value:Q", scale=y_scale), color=colour, tooltip=tooltip)
    )
    # Highlighted units: a black ring around their point (no conditional encodings:
    # those make altair resolve and validate every alternative, which is slow).
    ring_layer = (
        alt.Chart(point_frame.filter(pl.col("highlight")))
        .mark_point(filled=False, size=260, color="#000000", strokeWidth=2.5)
        .encode(x=x, y=alt.Y("value:Q", scale=y_scale), tooltip=tooltip)
    )
    reference = labels.fmt_value(target_display, unit, decimals)
    subtitle = [
        method_text(funnel, reference_label=reference_label),
        f"Rode lijn: {reference_label} ({reference}). {NOT_A_LEAGUE_TABLE}",
    ]
    facts = []
    if year is not None:
        facts.append(f"Jaar {year}")
    facts.append(f"{funnel.points.height} {unit_word} getoond")
    left_out = left_out_text(funnel, unit_word=unit_word)
    if left_out:
        facts.append(left_out.rstrip("."))
    if source:
        facts.append(f"Bron: {source}")
    subtitle.append(". ".join(facts) + ".")
    subtitle += list(notes)
    chart = alt.layer(line_layer, target_layer, point_layer, ring_layer).properties(
        height=height,
        title=alt.TitleParams(text=title, subtitle=wrap_lines(subtitle), anchor="start"),
    )
    return finish_chart(cast("alt.LayerChart", chart.resolve_scale(color="independent")))
