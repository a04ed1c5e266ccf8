"""Altair charts for the pages (no Streamlit). Each function returns an altair chart.

Data go in as plain records (`alt.InlineData(values=...)`) with explicit field types, so
the charts do not depend on how altair converts dataframes.
"""

from __future__ import annotations

from typing import Any, Final, cast

import altair as alt
import polars as pl

from popmgmt.views import labels

POINT_COLOUR: Final = "#1f6f8b"
FLANDERS_COLOUR: Final = "#c0392b"
ROW_HEIGHT: Final = 22


def zone_interval_records(
    values: pl.DataFrame,
    *,
    unit: str | None,
    denominator_label: str | None = None,
    decimals: int | None = None,
) -> list[dict[str, Any]]:
    """Plain records of the areas that have a shown value (suppressed/missing left out)."""
    records = []
    for row in values.iter_rows(named=True):
        if row.get("suppressed") or row.get("value") is None:
            continue
        texts = labels.value_texts(
            value=row["value"],
            ci_low=row.get("ci_low"),
            ci_high=row.get("ci_high"),
            denominator=row.get("denominator"),
            suppressed=False,
            reason=None,
            unit=unit,
            denominator_label=denominator_label,
            year=row.get("year"),
            decimals=decimals,
        )
        records.append(
            {
                "area": f"{row['area_name']} ({row['area_code']})",
                "value": float(row["value"]),
                "ci_low": None if row.get("ci_low") is None else float(row["ci_low"]),
                "ci_high": None if row.get("ci_high") is None else float(row["ci_high"]),
                **texts,
            }
        )
    return records


def zone_interval_chart(
    values: pl.DataFrame,
    *,
    flanders_value: float | None,
    unit: str | None,
    indicator_name: str,
    denominator_label: str | None = None,
    decimals: int | None = None,
) -> alt.LayerChart:
    """Dot per area with its 95% interval, sorted by value, and Flanders as a rule.

    Sorted for reading, not ranked: the subtitle says so. Suppressed and missing areas
    are left out (the page lists them in its table).
    """
    records = zone_interval_records(
        values, unit=unit, denominator_label=denominator_label, decimals=decimals
    )
    n_left_out = values.height - len(records)
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    y = alt.Y(
        "area:N",
        sort=alt.EncodingSortField(field="value", op="max", order="descending"),
        title=None,
        axis=alt.Axis(labelLimit=260),
    )
    x_scale = alt.Scale(zero=False, nice=True)
    tooltip = [
        alt.Tooltip("area:N", title="Zone"),
        alt.Tooltip("value_text:N", title="Waarde"),
        alt.Tooltip("interval_text:N", title="Interval"),
        alt.Tooltip("denominator_text:N", title="Noemer"),
        alt.Tooltip("year_text:N", title="Jaar"),
    ]
    base = alt.Chart()
    bars = base.mark_rule(color="#7f8c8d", strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title=axis_title, scale=x_scale), x2="ci_high:Q", y=y, tooltip=tooltip
    )
    dots = base.mark_point(filled=True, size=45, color=POINT_COLOUR, opacity=1).encode(
        x=alt.X("value:Q", scale=x_scale), y=y, tooltip=tooltip
    )
    layers = [bars, dots]
    subtitle = [labels.NOT_A_RANKING]
    if flanders_value is not None:
        flemish = labels.fmt_value(flanders_value, unit, decimals)
        layers.append(
            base.mark_rule(color=FLANDERS_COLOUR, strokeDash=[4, 3], strokeWidth=2).encode(
                x=alt.datum(float(flanders_value))
            )
        )
        subtitle.append(f"Rode stippellijn: Vlaanderen ({flemish}). Lijnstuk: 95%-interval.")
    if n_left_out:
        subtitle.append(
            f"{n_left_out} zone(s) zonder getoonde waarde (onderdrukt of geen gegevens)."
        )
    chart = cast("alt.LayerChart", alt.layer(*layers, data=alt.InlineData(values=records)))
    return chart.properties(
        height=alt.Step(ROW_HEIGHT),
        title=alt.TitleParams(text=indicator_name, subtitle=subtitle, anchor="start"),
    )
