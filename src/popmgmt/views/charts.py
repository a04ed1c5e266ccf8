"""Chart house style (altair, no Streamlit) and the overview page's chart.

Every chart reaches Streamlit as a Vega-Lite dict in one style:

* `DUTCH_LOCALE`: Belgian Dutch numbers (1.234,5) and dates (maandag 3 maart) on every
  axis, legend and tooltip that Vega formats itself (`config.locale`);
* `title`: the title and its reading notes as a subtitle, left-aligned;
* `tooltip`: tooltips from pre-formatted Dutch text fields (`labels.value_texts`), so a
  tooltip never shows Vega's own number format;
* `PALETTE`: Okabe-Ito colours, distinct for colour-blind readers, for categorical
  legends;
* `finish`: an altair chart as a dict (`chart.to_dict(validate=False)`: altair's schema
  validation costs 0.2-0.6 s per chart at full scale), sized to the container's width
  and carrying the locale; `dutch` gives a hand-written Vega-Lite dict the same config.

Data go in as plain records (`alt.InlineData(values=...)`) with explicit field types, so
the charts do not depend on how altair converts dataframes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, ParamSpec, TypeVar, cast

import altair as alt
import polars as pl

from popmgmt.views import labels

DUTCH_LOCALE: Final[dict[str, Any]] = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["€", ""]},
    "time": {
        "dateTime": "%A %e %B %Y, %X",
        "date": "%d-%m-%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
        "shortDays": ["zo", "ma", "di", "wo", "do", "vr", "za"],
        "months": [
            "januari",
            "februari",
            "maart",
            "april",
            "mei",
            "juni",
            "juli",
            "augustus",
            "september",
            "oktober",
            "november",
            "december",
        ],
        "shortMonths": [
            "jan",
            "feb",
            "mrt",
            "apr",
            "mei",
            "jun",
            "jul",
            "aug",
            "sep",
            "okt",
            "nov",
            "dec",
        ],
    },
}
"""Vega's `config.locale` for Belgian Dutch (Vega's default shows 1,234.5 and March)."""

PALETTE: Final[tuple[str, ...]] = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#000000",
)
"""Okabe-Ito: categorical colours that stay distinct for colour-blind readers."""

LEGEND: Final[dict[str, Any]] = {"labelLimit": 320}
"""Legends keep Vega's placement, with room for long Dutch labels."""

AUTOSIZE: Final[dict[str, str]] = {"type": "fit-x", "contains": "padding"}
"""Fit the container's width, let the height grow with title and legend (Streamlit cuts
off the title of a fixed-height chart under the default autosize)."""

ChartLike = alt.Chart | alt.LayerChart | alt.VConcatChart | alt.HConcatChart
"""What `finish` takes: any top-level altair chart the views build."""
ChartT = TypeVar("ChartT", alt.Chart, alt.LayerChart, alt.VConcatChart, alt.HConcatChart)


def title(text: str, subtitle: Sequence[str] = ()) -> alt.TitleParams:
    """The chart's title with its reading notes as subtitle lines, left-aligned."""
    if subtitle:
        return alt.TitleParams(text=text, subtitle=list(subtitle), anchor="start")
    return alt.TitleParams(text=text, anchor="start")


def tooltip(*fields: tuple[str, str]) -> list[alt.Tooltip]:
    """Tooltips from (text field, Dutch title) pairs: the fields hold text formatted in
    Python (`labels`), never a raw number for Vega to format."""
    return [alt.Tooltip(f"{field}:N", title=name) for field, name in fields]


def dutch(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A Vega-Lite dict with the house config: the Dutch locale and the legend style
    (a spec's own config settings win, except the locale)."""
    config = dict(spec.get("config") or {})
    config["legend"] = {**LEGEND, **(config.get("legend") or {})}
    config["locale"] = DUTCH_LOCALE
    return {**spec, "config": config}


P = ParamSpec("P")


def house_style(build: Callable[P, dict[str, Any]]) -> Callable[P, dict[str, Any]]:
    """Decorator for functions that return a hand-written Vega-Lite dict: the result gets
    the house config (`dutch`)."""

    @functools.wraps(build)
    def styled(*args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:
        return dutch(build(*args, **kwargs))

    return styled


def configure(chart: ChartT) -> ChartT:
    """An altair chart with the house config (Dutch locale, legend style), for pages that
    hand Streamlit the altair object (`st.altair_chart`)."""
    return cast("ChartT", chart.configure(locale=DUTCH_LOCALE, legend=LEGEND))


_VIEW_KEYS: Final = ("mark", "encoding", "transform", "params", "projection")
_DEFAULT_VIEW: Final = {"continuousWidth": 300, "continuousHeight": 300}
"""altair's default theme: dropped, the house style sizes charts itself."""


def _inline(node: Any, datasets: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        data = node.get("data")
        out = {k: _inline(v, datasets) for k, v in node.items() if k != "data"}
        if isinstance(data, dict) and set(data) == {"name"} and data["name"] in datasets:
            out["data"] = {"values": datasets[data["name"]]}
        elif data is not None:
            out["data"] = data
        return out
    if isinstance(node, list):
        return [_inline(item, datasets) for item in node]
    return node


def layer_data(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Move a spec's top-level inline data into its layers (a single view becomes one
    layer) and make it fit the container's width.

    Vega-Lite allows data at every level. Streamlit converts top-level inline data to
    Arrow through pandas on every run (about 10 ms a chart); data inside a layer is
    shipped with the spec as JSON (about 1 ms). The chart is the same.
    """
    out = dict(spec)
    if "data" in out:
        data = out.pop("data")
        if "layer" not in out:
            view = {key: out.pop(key) for key in _VIEW_KEYS if key in out}
            out["layer"] = [view]
        out["layer"] = [
            {"data": data, **layer} if "data" not in layer else layer for layer in out["layer"]
        ]
    if "layer" in out:
        out.setdefault("autosize", dict(AUTOSIZE))
    return out


def shared_data(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The same chart with each run of consecutive layers that carry the same inline data
    nested in one layer that carries it once (for the browser, issue 14).

    `layer_data` puts the data into every layer; a chart of five layers over the same
    records then sends them five times and Vega parses and keeps five copies (the zone
    profile's trend chart: 106 kB of spec for 20 kB of records). A nested layer inherits
    its parent's data, and Streamlit leaves data below the top level alone (no Arrow
    conversion). Layers keep their order, so the drawing order is the same; a run of a
    single layer is left as it is.
    """
    layers = spec.get("layer")
    if not isinstance(layers, list) or "data" in spec:
        return dict(spec)
    out_layers: list[Any] = []
    i = 0
    while i < len(layers):
        data = layers[i].get("data") if isinstance(layers[i], dict) else None
        j = i + 1
        while (
            data is not None
            and j < len(layers)
            and isinstance(layers[j], dict)
            and layers[j].get("data") == data
        ):
            j += 1
        if j - i >= 2:
            inner = [{k: v for k, v in layer.items() if k != "data"} for layer in layers[i:j]]
            out_layers.append({"data": data, "layer": inner})
        else:
            out_layers.extend(layers[i:j])
        i = j
    return {**spec, "layer": out_layers}


def finish(chart: ChartLike, *, usermeta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An altair chart as a Vega-Lite dict in the house style, without altair's schema
    validation (0.2-0.6 s a chart at full scale): data inline in the layers that use them
    (`layer_data`), the width of the container, the Dutch locale."""
    spec: dict[str, Any] = chart.to_dict(validate=False)
    datasets = spec.pop("datasets", {})
    spec = _inline(spec, datasets)
    config = dict(spec.get("config") or {})
    if config.get("view") == _DEFAULT_VIEW:
        del config["view"]
    spec["config"] = config
    spec = layer_data(spec)
    spec.setdefault("autosize", dict(AUTOSIZE))
    if usermeta:
        spec["usermeta"] = dict(usermeta)
    return dutch(spec)


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
    return configure(
        chart.properties(height=alt.Step(ROW_HEIGHT), title=title(indicator_name, subtitle))
    )
