"""The PDCA log on the zone profile: the zone's series of an action's target indicator, its
evaluation in Dutch, the log as a table, and the trend chart with the action marked.

Pure (no Streamlit). The evaluation itself is `metrics.evaluation.evaluate`; the actions
come from `app.pdca` (plain records: `ActionLike`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final, Protocol

import polars as pl

from popmgmt.metrics import evaluation as ev
from popmgmt.views import charts, labels, pdf_report, report
from popmgmt.views.zone_model import hide_suppressed

ZONE_COLOUR: Final = "#1f6f8b"
ACTION_COLOUR: Final = "#b35806"
TARGET_COLOUR: Final = "#542788"

TARGET_TEXT: Final = {
    ev.TARGET_MET: "doel bereikt",
    ev.TARGET_NOT_MET: "doel niet bereikt",
    ev.TARGET_PENDING: "nog niet te beoordelen",
    ev.TARGET_UNKNOWN: "niet te beoordelen",
}
STATUS_TEXT: Final = {"lopend": "lopend", "afgerond": "afgerond"}
METHOD_TEXT: Final = (
    "Verschil na – voor met het 95%-interval van het verschil uit de 95%-intervallen van de "
    "twee jaren (MOVER: Newcombe 1998, Zou & Donner 2008; Wilson voor aandelen, exact "
    "Poisson voor cijfers per inwoner). Significant wanneer dat interval 0 niet bevat. De "
    "twee jaren worden als onafhankelijk behandeld; voor dezelfde zone overlappen ze, dus "
    "de toets is eerder voorzichtig. Een verschil zegt niet dat de actie het veroorzaakte."
)
TABLE_COLUMNS: Final = (
    "Datum",
    "Titel",
    "Doelindicator",
    "Streefwaarde",
    "Doeljaar",
    "Eigenaar",
    "Status",
    "Evaluatie",
)

Spec = dict[str, Any]


class ActionLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def day(self) -> date: ...
    @property
    def indicator_code(self) -> str: ...
    @property
    def target_value(self) -> float: ...
    @property
    def target_year(self) -> int: ...
    @property
    def owner(self) -> str: ...
    @property
    def status(self) -> str: ...


def zone_series(values: pl.DataFrame, indicator_code: str, zone_code: str) -> pl.DataFrame:
    """The zone's yearly values of one indicator (suppressed years kept, numbers null),
    sorted by year: the columns `evaluation.SERIES_COLUMNS` plus `suppressed`."""
    rows = values.filter(
        (pl.col("indicator_code") == indicator_code)
        & (pl.col("level") == "zone")
        & (pl.col("area_code") == zone_code)
    )
    return (
        hide_suppressed(rows)
        .select(
            pl.col("year").cast(pl.Int64),
            *[pl.col(c).cast(pl.Float64) for c in ev.SERIES_COLUMNS[1:]],
            "suppressed",
        )
        .sort("year")
    )


def evaluate_action(
    action: ActionLike, values: pl.DataFrame, meta: Mapping[str, Any], zone_code: str
) -> tuple[pl.DataFrame, ev.Evaluation]:
    """The zone's series of the action's indicator and the action's evaluation on it."""
    series = zone_series(values, action.indicator_code, zone_code)
    result = ev.evaluate(
        series,
        action_day=action.day,
        target_value=action.target_value,
        target_year=action.target_year,
        direction=meta.get("direction"),
        interval_method=meta.get("interval_method"),
    )
    return series, result


def _point_text(point: ev.Point, unit: str | None, method: str | None) -> str:
    texts = labels.value_texts(
        value=point.value,
        ci_low=point.ci_low,
        ci_high=point.ci_high,
        denominator=point.denominator,
        suppressed=False,
        reason=None,
        unit=unit,
        denominator_label=None,
        year=point.year,
        interval_method=method,
    )
    details = "; ".join(t for t in (texts["interval_text"], texts["denominator_text"]) if t)
    return f"{texts['value_text']} ({details})" if details else texts["value_text"]


def difference_unit(unit: str | None) -> str | None:
    """The unit of a difference: percentage points for a percentage."""
    return "procentpunt" if unit == "%" else unit


def _signed(value: float, unit: str | None) -> str:
    text = labels.fmt_value(abs(value), unit, labels.default_decimals(unit) or 1)
    return f"{'+' if value >= 0 else '−'}{text}"


def evaluation_lines(
    action: ActionLike, result: ev.Evaluation, meta: Mapping[str, Any], source: str
) -> list[str]:
    """Plain Dutch sentences: before, after, the difference and its test, the target.
    Markdown-free text (the page escapes it)."""
    unit = meta.get("unit")
    method = meta.get("interval_method")
    lines = []
    if result.before is None:
        lines.append(f"Vóór de actie: geen gepubliceerde waarde vóór {action.day.year}.")
    else:
        lines.append(
            f"Vóór de actie ({result.before.year}): {_point_text(result.before, unit, method)}."
        )
    if result.after is None:
        lines.append(f"Na de actie: nog geen gepubliceerde waarde vanaf {action.day.year}.")
    else:
        which = "doeljaar" if result.after.year == action.target_year else "laatste jaar"
        lines.append(
            f"Na de actie ({which} {result.after.year}): {_point_text(result.after, unit, method)}."
        )
    if result.difference is not None:
        diff_unit = difference_unit(unit)
        text = f"Verschil: {_signed(result.difference, diff_unit)}"
        if result.significance in (ev.SIG_YES, ev.SIG_NO):
            assert result.difference_low is not None
            assert result.difference_high is not None
            interval = labels.fmt_interval(
                result.difference_low,
                result.difference_high,
                diff_unit,
                labels.default_decimals(unit) or 1,
            )
            verdict = (
                "statistisch significant"
                if result.significance == ev.SIG_YES
                else "niet statistisch significant"
            )
            text += f" ({interval}): {verdict} (MOVER-interval van het verschil)."
        elif result.significance == ev.SIG_COMPLETE:
            text += " (volledige telling: geen steekproefonzekerheid, dus geen toets)."
        else:
            text += " (zonder interval: niet getoetst)."
        lines.append(text)
    target = labels.fmt_value(action.target_value, unit)
    status = TARGET_TEXT[result.target_status]
    reason = {
        ev.TARGET_PENDING: f"het doeljaar {action.target_year} heeft nog geen gegevens",
        ev.TARGET_UNKNOWN: (
            f"het doeljaar {action.target_year} heeft geen gepubliceerde waarde"
            if result.aim_up is not None
            else "de indicator heeft geen richting en er is geen waarde vóór de actie"
        ),
    }.get(result.target_status)
    lines.append(
        f"Doel: {target} in {action.target_year}: {status}" + (f" ({reason})." if reason else ".")
    )
    lines.append(f"Bron: {source}.")
    return lines


def actions_table(
    actions: Sequence[ActionLike],
    names: Mapping[str, str],
    units: Mapping[str, str | None],
    results: Mapping[int, ev.Evaluation],
    *,
    zones: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """The log as a Dutch text table (page and downloads), in the given order. With
    `zones` (code -> name; every zone's log at once) a first column "Zone"."""
    rows = []
    for a in actions:
        result = results.get(a.id)
        zone_cell = {}
        if zones is not None:
            code = str(getattr(a, "zone_code", ""))
            zone_cell = {"Zone": f"{zones.get(code, code)} ({code})"}
        rows.append(
            {
                **zone_cell,
                "Datum": labels_date(a.day),
                "Titel": a.title,
                "Doelindicator": names.get(a.indicator_code, a.indicator_code),
                "Streefwaarde": labels.fmt_value(a.target_value, units.get(a.indicator_code)),
                "Doeljaar": str(a.target_year),
                "Eigenaar": a.owner,
                "Status": STATUS_TEXT.get(a.status, a.status),
                "Evaluatie": TARGET_TEXT[result.target_status] if result else "geen gegevens",
            }
        )
    columns = (["Zone"] if zones is not None else []) + list(TABLE_COLUMNS)
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))


def labels_date(day: date) -> str:
    """ "01-03-2022"."""
    return f"{day.day:02d}-{day.month:02d}-{day.year}"


def fractional_year(day: date) -> float:
    """The date on a year axis: 1 March 2022 -> 2022.16."""
    start = date(day.year, 1, 1)
    length = (date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def option_text(action: ActionLike) -> str:
    """ "01-03-2022 · Huisbezoeken 75+ (lopend)" for a selectbox."""
    return f"{labels_date(action.day)} · {action.title} ({STATUS_TEXT.get(action.status, '')})"


@charts.house_style
def action_chart_spec(
    series: pl.DataFrame,
    action: ActionLike,
    result: ev.Evaluation,
    *,
    unit: str | None,
    indicator_name: str,
    zone_label: str,
    interval_method: str | None,
) -> Spec:
    """The zone's trend of the action's indicator (line, 95% interval bars), the action
    date as a vertical rule, the target as a diamond in the target year, and the before
    and after years circled."""
    records = []
    for r in series.iter_rows(named=True):
        texts = labels.value_texts(
            value=r["value"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            denominator=r["denominator"],
            suppressed=bool(r["suppressed"]),
            reason=None,
            unit=unit,
            denominator_label=None,
            year=int(r["year"]),
            interval_method=interval_method,
        )
        role = ""
        if result.before is not None and r["year"] == result.before.year:
            role = "vóór"
        elif result.after is not None and r["year"] == result.after.year:
            role = "na"
        records.append(
            {
                "year": int(r["year"]),
                "value": r["value"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "role": role,
                **texts,
            }
        )
    years = [int(y) for y in series["year"].to_list()] + [action.day.year, action.target_year]
    x_scale = {"domain": [min(years) - 0.3, max(years) + 0.3], "nice": False}
    x = {
        "field": "year",
        "type": "quantitative",
        "title": "Jaar",
        "scale": x_scale,
        "axis": {"format": "d", "tickMinStep": 1},
    }
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    y = {"field": "value", "type": "quantitative", "scale": {"zero": False}, "title": axis_title}
    tooltip = [
        {"field": "year_text", "type": "nominal", "title": "Jaar"},
        {"field": "value_text", "type": "nominal", "title": "Waarde"},
        {"field": "interval_text", "type": "nominal", "title": "Interval"},
        {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
    ]
    marker = {
        "x": fractional_year(action.day),
        "label": f"Actie {labels_date(action.day)}",
        "title": action.title,
    }
    target = {
        "x": action.target_year,
        "target": action.target_value,
        "target_text": labels.fmt_value(action.target_value, unit),
        "label": f"Doel {action.target_year}",
    }
    valid = [{"filter": "isValid(datum.value)"}]
    layers: list[Spec] = [
        {
            "data": {"values": records},
            "transform": [{"filter": "isValid(datum.ci_low) && isValid(datum.ci_high)"}],
            "mark": {"type": "rule", "color": ZONE_COLOUR, "opacity": 0.45, "strokeWidth": 2},
            "encoding": {"x": x, "y": {"field": "ci_low", "type": "quantitative"}, "y2": {
                "field": "ci_high"}},
        },
        {
            "data": {"values": records},
            "transform": valid,
            "mark": {"type": "line", "color": ZONE_COLOUR, "strokeWidth": 3, "point": {
                "size": 50, "color": ZONE_COLOUR}},
            "encoding": {"x": x, "y": y, "tooltip": tooltip},
        },
        {
            "data": {"values": records},
            "transform": [{"filter": "datum.role != '' && isValid(datum.value)"}],
            "mark": {"type": "point", "size": 260, "strokeWidth": 2, "color": ACTION_COLOUR},
            "encoding": {"x": x, "y": y, "tooltip": tooltip},
        },
        {
            "data": {"values": [marker]},
            "mark": {"type": "rule", "color": ACTION_COLOUR, "strokeDash": [6, 3], "size": 2},
            "encoding": {
                "x": {"field": "x", "type": "quantitative", "scale": x_scale},
                "tooltip": [
                    {"field": "label", "type": "nominal", "title": "Actie"},
                    {"field": "title", "type": "nominal", "title": "Titel"},
                ],
            },
        },
        {
            "data": {"values": [marker]},
            "mark": {"type": "text", "align": "left", "dx": 4, "dy": -4, "y": 0, "baseline":
                     "top", "color": ACTION_COLOUR, "fontSize": 11},
            "encoding": {
                "x": {"field": "x", "type": "quantitative", "scale": x_scale},
                "text": {"field": "label"},
            },
        },
        {
            "data": {"values": [target]},
            "mark": {"type": "point", "shape": "diamond", "size": 160, "filled": True,
                     "color": TARGET_COLOUR},
            "encoding": {
                "x": {"field": "x", "type": "quantitative", "scale": x_scale},
                "y": {"field": "target", "type": "quantitative"},
                "tooltip": [
                    {"field": "label", "type": "nominal", "title": "Streefdoel"},
                    {"field": "target_text", "type": "nominal", "title": "Streefwaarde"},
                ],
            },
        },
    ]  # fmt: skip
    return {
        "title": {
            "text": f"{indicator_name}: {zone_label}",
            "subtitle": [
                "Blauw: de zone met 95%-interval; oranje stippellijn: de actie; omcirkeld: "
                "de jaren vóór en na; paarse ruit: het doel.",
                f"Evaluatie: {TARGET_TEXT[result.target_status]}.",
            ],
            "anchor": "start",
        },
        "height": 260,
        "layer": layers,
    }


def trend_rule_layers(actions: Sequence[ActionLike], years: Sequence[int]) -> list[Spec]:
    """Layers for the zone profile's trend chart (ordinal `year` axis): a dashed rule in
    the year of each action whose year is on the axis, labelled "Actie <date>", with
    the title in the tooltip. Actions outside the axis' years are left out (an ordinal
    axis would append their year at the end)."""
    on_axis = set(years)
    records = [
        {
            "year": a.day.year,
            "label": f"Actie {labels_date(a.day)}",
            "title": a.title,
            "target": f"doel {labels.fmt_number(a.target_value, 1)} in {a.target_year}",
        }
        for a in actions
        if a.day.year in on_axis
    ]
    if not records:
        return []
    x = {"field": "year", "type": "ordinal", "title": "Jaar"}
    return [
        {
            "data": {"values": records},
            "mark": {"type": "rule", "color": ACTION_COLOUR, "strokeDash": [6, 3], "size": 2},
            "encoding": {
                "x": x,
                "tooltip": [
                    {"field": "label", "type": "nominal", "title": "Actie"},
                    {"field": "title", "type": "nominal", "title": "Titel"},
                    {"field": "target", "type": "nominal", "title": "Doel"},
                ],
            },
        },
        {
            "data": {"values": records},
            "mark": {"type": "text", "align": "left", "dx": 3, "y": 0, "baseline": "top",
                     "color": ACTION_COLOUR, "fontSize": 11},
            "encoding": {"x": x, "text": {"field": "label"}},
        },
    ]  # fmt: skip


PDF_MAX_CHARTS: Final = 8


def pdf_section(
    actions: Sequence[ActionLike],
    evaluated: Mapping[int, tuple[pl.DataFrame, ev.Evaluation]],
    metas: Mapping[str, Mapping[str, Any]],
    *,
    zone_label: str,
    source: str,
) -> pdf_report.Section:
    """The zone's PDCA log as a chapter of the omgevingsanalyse PDF: the log table, per
    action its evaluation in sentences, and the charts of the first `PDF_MAX_CHARTS`
    actions. `evaluated`: action id -> (series, evaluation), for the actions whose
    indicator is published; `metas`: indicator code -> its catalogue row."""
    names = {code: str(meta.get("name_nl") or code) for code, meta in metas.items()}
    units = {code: meta.get("unit") for code, meta in metas.items()}
    intro = (
        "Het logboek van de zorgraad: welke acties de zone neemt, met welk doel op welke "
        "indicator, en of het doel gehaald werd (plan-do-check-act). " + METHOD_TEXT
    )
    if not actions:
        return pdf_report.Section(
            "Acties en opvolging (PDCA)",
            intro=intro + " Nog geen acties in het logboek van deze zone.",
            new_page=True,
        )
    results = {action_id: result for action_id, (_, result) in evaluated.items()}
    bullets: list[str] = []
    figures: list[pdf_report.Figure] = []
    for action in actions:
        head = f"{action.title} ({labels_date(action.day)}, {action.owner})"
        if action.id not in evaluated:
            bullets.append(f"{head}: de doelindicator staat niet (meer) in de gegevens.")
            continue
        series, result = evaluated[action.id]
        meta = metas[action.indicator_code]
        lines = evaluation_lines(action, result, meta, source)[:-1]  # the source is below
        bullets.append(f"{head}: " + " ".join(lines))
        if len(figures) < PDF_MAX_CHARTS and series["value"].drop_nulls().len():
            spec = action_chart_spec(
                series,
                action,
                result,
                unit=meta.get("unit"),
                indicator_name=names[action.indicator_code],
                zone_label=zone_label,
                interval_method=meta.get("interval_method"),
            )
            figures.append(pdf_report.Figure(spec, caption=action.title, width=380, px_width=460))
    table = actions_table(actions, names, units, results)
    notes = [f"Bron van de cijfers: {source}."]
    if sum(1 for a in actions if a.id in evaluated) > PDF_MAX_CHARTS:
        notes.append(f"Grafieken van de eerste {PDF_MAX_CHARTS} acties; de andere staan in de app.")
    return pdf_report.Section(
        "Acties en opvolging (PDCA)",
        intro=intro,
        bullets=bullets,
        figures=figures,
        columns=2,
        tables=[report.ReportSection("Logboek", table)],
        notes=notes,
        new_page=True,
    )
