"""Need vs supply and the allocation simulator shown: link parameters, Dutch display
tables and plain Vega-Lite chart specs. The figures are `popmgmt.metrics.fairshare`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import altair as alt
import polars as pl

from popmgmt.metrics.fairshare import ELASTICITY_MAX, MODE_DECIMALS, NeedWeightParams
from popmgmt.views import charts, labels
from popmgmt.views.need_display import LABEL_LIMIT, ROW_STEP
from popmgmt.views.query import format_mapping, parse_mapping

MODE_LABELS: Final[Mapping[str, str]] = {
    "budget": "Budget (euro)",
    "vte": "Nieuwe huisartsen-VTE",
}


# --------------------------------------------------------------------------- URL


def params_to_query(params: NeedWeightParams) -> str:
    """ "leeftijd:1,dep:0.5,morb:0.5" for the URL."""
    return format_mapping(
        {
            "leeftijd": 1.0 if params.age_sex else 0.0,
            "dep": params.deprivation,
            "morb": params.morbidity,
        }
    )


def params_from_query(text: str | None) -> tuple[NeedWeightParams, list[str]]:
    """The need-weighting parameters of a URL value, and Dutch problems."""
    if not text:
        return NeedWeightParams(), []
    values, problems = parse_mapping(
        text, ("leeftijd", "dep", "morb"), minimum=0.0, maximum=ELASTICITY_MAX, what="parameter"
    )
    default = NeedWeightParams()
    age = values.get("leeftijd")
    if age is not None and age not in (0.0, 1.0):
        problems.append("leeftijd moet 0 of 1 zijn")
        age = None
    return (
        NeedWeightParams(
            age_sex=default.age_sex if age is None else age == 1.0,
            deprivation=values.get("dep", default.deprivation),
            morbidity=values.get("morb", default.morbidity),
        ),
        problems,
    )


# --------------------------------------------------------------------------- display


def _pct(value: float | None, decimals: int = 1) -> str:
    return labels.NO_DATA if value is None else labels.fmt_value(value * 100, "%", decimals)


def _pp(value: float | None) -> str:
    if value is None:
        return labels.NO_DATA
    sign = "+" if value > 0 else ""
    return f"{sign}{labels.fmt_number(value, 2)} pp"


COMPARISON_TEXT: Final[Mapping[str, str]] = {
    code: labels.label("comparison", code) for code in ("lager", "vergelijkbaar", "hoger")
}


def shares_display_table(frame: pl.DataFrame, *, year: int) -> pl.DataFrame:
    """Dutch text table of `need_vs_supply` (sorted by FTE gap, lowest first)."""
    rows = []
    for row in frame.sort(["fte_gap", "area_code"], nulls_last=True).iter_rows(named=True):
        fte = row["fte_per_need"]
        rows.append(
            {
                "Zone": f"{row['area_name']} ({row['area_code']})",
                "Inwoners": labels.fmt_number(row["population"]),
                "Aandeel bevolking": _pct(row["pop_share"], 2),
                "Aandeel nood": _pct(row["need_share"], 2),
                "Aandeel huisartsen-VTE": _pct(row["fte_share"], 2),
                "Aandeel GMD-houders": _pct(row["gmd_share"], 2),
                "Verschil VTE − nood": _pp(row["fte_gap"]),
                "Verschil GMD − nood": _pp(row["gmd_gap"]),
                "VTE per 10.000 noodgewogen inwoners": labels.fmt_number(fte, 2)
                if fte is not None
                else labels.NO_DATA,
                "95%-BI": labels.fmt_interval(row["fte_low"], row["fte_high"], None, 2),
                "Tegenover Vlaanderen": COMPARISON_TEXT.get(
                    row["fte_comparison"] or "", labels.label("comparison", "niet_te_beoordelen")
                ),
                "Aanbod volgt nood niet": row["flag_reason"] or "nee",
                "Jaar": str(year),
            }
        )
    return pl.DataFrame(rows)


def allocation_display_table(
    frame: pl.DataFrame, *, mode: str, universal_share: float, year: int
) -> pl.DataFrame:
    """Dutch table of the allocation: what is shown is what is downloaded (numbers)."""
    unit = "euro" if mode == "budget" else "VTE"
    dec = MODE_DECIMALS[mode]
    rows = []
    for row in frame.iter_rows(named=True):
        rec: dict[str, Any] = {
            "Zone": f"{row['area_name']} ({row['area_code']})",
            "Aandeel bevolking (%)": round(row["pop_share"] * 100, 3),
            "Aandeel nood (%)": round(row["need_share"] * 100, 3),
            f"Universeel deel ({unit})": round(row["universal_part"], dec),
            f"Noodgebonden deel ({unit})": round(row["need_part"], dec),
            f"Toewijzing ({unit})": row["allocation"],
            f"Eerlijk aandeel ({unit})": round(row["fair_share"], dec),
            f"Afstand tot eerlijk aandeel ({unit})": round(row["distance"], dec),
            "Afstand tot eerlijk aandeel (%)": None
            if row["distance_pct"] is None
            else round(row["distance_pct"], 1),
        }
        if mode == "vte" and "fte_after" in row:
            rec["Huisartsen-VTE nu"] = None if row["gp_fte"] is None else round(row["gp_fte"], 1)
            rec["Huisartsen-VTE na toewijzing"] = (
                None if row["fte_after"] is None else round(row["fte_after"], 1)
            )
            rec["Afstand tot eerlijk aandeel van alle VTE, nu (%)"] = (
                None if row["distance_before"] is None else round(row["distance_before"], 1)
            )
            rec["Afstand tot eerlijk aandeel van alle VTE, na (%)"] = (
                None if row["distance_after"] is None else round(row["distance_after"], 1)
            )
        rec["Universeel deel van het totaal (%)"] = round(universal_share * 100, 1)
        rec["Jaar nood en aanbod"] = year
        rows.append(rec)
    return pl.DataFrame(rows)


def gap_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Plain records for `gap_chart` and `ratio_chart`."""
    out = []
    for row in frame.iter_rows(named=True):
        if row["fte_gap"] is None:
            continue
        out.append(
            {
                "area": f"{row['area_name']} ({row['area_code']})",
                "fte_gap": float(row["fte_gap"]),
                "need_ratio": float(row["need_ratio"]),
                "fte_ratio": float(row["fte_ratio"]),
                "population": float(row["population"]),
                "flag": "Aanbod volgt nood niet" if row["flag_not_rising"] else "Geen signaal",
                "need_text": _pct(row["need_share"], 2),
                "fte_text": _pct(row["fte_share"], 2),
                "gap_text": _pp(row["fte_gap"]),
            }
        )
    return out


FLAG_DOMAIN: Final = ["Aanbod volgt nood niet", "Geen signaal"]
FLAG_RANGE: Final = ["#b2182b", "#7f8c8d"]


def gap_chart(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Share of GP FTE minus share of need per zone; flagged zones red (altair)."""
    chart = (
        alt.Chart(alt.InlineData(values=records))
        .mark_bar()
        .encode(
            y=alt.Y(
                "area:N",
                sort=alt.EncodingSortField(field="fte_gap", order="ascending"),
                title=None,
                axis=alt.Axis(labelLimit=LABEL_LIMIT),
            ),
            x=alt.X("fte_gap:Q", title="Aandeel huisartsen-VTE − aandeel nood (procentpunt)"),
            color=alt.Color(
                "flag:N",
                title=None,
                scale=alt.Scale(domain=FLAG_DOMAIN, range=FLAG_RANGE),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=charts.tooltip(
                ("area", "Zone"),
                ("need_text", "Aandeel nood"),
                ("fte_text", "Aandeel huisartsen-VTE"),
                ("gap_text", "Verschil"),
                ("flag", "Signaal"),
            ),
        )
        .properties(
            height=alt.Step(ROW_STEP),
            title=charts.title(
                "Verschil tussen aanbod en nood per zone",
                [
                    "Links van 0: minder huisartsen-VTE dan het aandeel nood. "
                    "Gesorteerd op verschil; dit is geen rangschikking."
                ],
            ),
        )
    )
    return charts.finish(chart)


def ratio_chart(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Need per inhabitant (x) vs GP FTE per inhabitant (y), both relative to Flanders;
    the diagonal is 'supply rises in proportion to need' (altair)."""
    values = [r["need_ratio"] for r in records] + [r["fte_ratio"] for r in records]
    lo = min(values, default=0.8)
    hi = max(values, default=1.2)
    diagonal = (
        alt.Chart(alt.InlineData(values=[{"x": lo, "y": lo}, {"x": hi, "y": hi}]))
        .mark_line(color="#555555", strokeDash=[4, 3])
        .encode(x="x:Q", y="y:Q")
    )
    zones = (
        alt.Chart(alt.InlineData(values=records))
        .mark_circle(opacity=0.85)
        .encode(
            x=alt.X(
                "need_ratio:Q",
                title="Nood per inwoner (Vlaanderen = 1)",
                scale=alt.Scale(zero=False),
            ),
            y=alt.Y(
                "fte_ratio:Q",
                title="Huisartsen-VTE per inwoner (Vlaanderen = 1)",
                scale=alt.Scale(zero=False),
            ),
            size=alt.Size("population:Q", legend=None),
            color=alt.Color(
                "flag:N", title=None, scale=alt.Scale(domain=FLAG_DOMAIN, range=FLAG_RANGE)
            ),
            tooltip=[
                *charts.tooltip(("area", "Zone")),
                alt.Tooltip("need_ratio:Q", title="Nood per inwoner", format=".2f"),
                alt.Tooltip("fte_ratio:Q", title="VTE per inwoner", format=".2f"),
                *charts.tooltip(("flag", "Signaal")),
            ],
        )
    )
    chart = alt.layer(diagonal, zones).properties(
        height=380,
        title=charts.title(
            "Stijgt het aanbod mee met de nood?",
            [
                "Stippellijn: aanbod evenredig met nood. Rood: aanbod volgt nood niet "
                "(zie de tabel voor de reden)."
            ],
        ),
    )
    return charts.finish(chart)


def allocation_records(frame: pl.DataFrame, *, mode: str) -> list[dict[str, Any]]:
    unit = "€" if mode == "budget" else "VTE"
    dec = MODE_DECIMALS[mode]
    return [
        {
            "area": f"{row['area_name']} ({row['area_code']})",
            "allocation": float(row["allocation"]),
            "fair_share": float(row["fair_share"]),
            "allocation_text": f"{labels.fmt_number(row['allocation'], dec)} {unit}",
            "fair_text": f"{labels.fmt_number(row['fair_share'], dec)} {unit}",
            "distance_text": f"{labels.fmt_number(row['distance'], dec)} {unit}",
        }
        for row in frame.iter_rows(named=True)
    ]


def allocation_chart(records: list[dict[str, Any]], *, mode: str) -> dict[str, Any]:
    """Each zone's allocation (bar) and its fair share (black tick), altair."""
    unit = "euro" if mode == "budget" else "VTE"
    tooltip = charts.tooltip(
        ("area", "Zone"),
        ("allocation_text", "Toewijzing"),
        ("fair_text", "Eerlijk aandeel"),
        ("distance_text", "Afstand"),
    )
    y = alt.Y(
        "area:N",
        sort=alt.EncodingSortField(field="fair_share", order="descending"),
        title=None,
        axis=alt.Axis(labelLimit=LABEL_LIMIT),
    )
    base = alt.Chart()
    chart = alt.layer(
        base.mark_bar(color="#2c7fb8").encode(
            y=y, x=alt.X("allocation:Q", title=f"Toewijzing ({unit})"), tooltip=tooltip
        ),
        base.mark_tick(color="#222222", thickness=2, size=14).encode(
            y=y, x="fair_share:Q", tooltip=tooltip
        ),
        data=alt.InlineData(values=records),
    ).properties(
        height=alt.Step(ROW_STEP),
        title=charts.title(
            "Toewijzing per zone",
            ["Balk: toewijzing. Zwart streepje: eerlijk aandeel (volledig volgens nood)."],
        ),
    )
    return charts.finish(chart)


COMPARISON_DOMAIN: Final = list(COMPARISON_TEXT.values())
COMPARISON_RANGE: Final = ["#b2182b", "#7f8c8d", "#2166ac"]


def fte_need_records(frame: pl.DataFrame, *, year: int) -> list[dict[str, Any]]:
    """Plain records for `fte_need_chart` (zones without a value are left out)."""
    out = []
    for row in frame.iter_rows(named=True):
        if row["fte_per_need"] is None:
            continue
        out.append(
            {
                "area": f"{row['area_name']} ({row['area_code']})",
                "value": float(row["fte_per_need"]),
                "ci_low": row["fte_low"],
                "ci_high": row["fte_high"],
                "comparison": COMPARISON_TEXT.get(
                    row["fte_comparison"] or "", labels.label("comparison", "niet_te_beoordelen")
                ),
                "value_text": labels.fmt_number(row["fte_per_need"], 2),
                "interval_text": labels.fmt_interval(row["fte_low"], row["fte_high"], None, 2),
                "denominator_text": f"noemer: {labels.fmt_number(row['need_population'])} "
                "noodgewogen inwoners",
                "year_text": f"jaar {year}",
            }
        )
    return out


def fte_need_chart(records: list[dict[str, Any]], *, flanders: float | None) -> dict[str, Any]:
    """GP FTE per 10,000 need-weighted inhabitants with 95% intervals, coloured by
    comparison with Flanders (dashed rule). Sorted, not ranked (altair)."""
    y = alt.Y(
        "area:N",
        sort=alt.EncodingSortField(field="value", order="descending"),
        title=None,
        axis=alt.Axis(labelLimit=LABEL_LIMIT),
    )
    tooltip = charts.tooltip(
        ("area", "Zone"),
        ("value_text", "VTE per 10.000 noodgewogen"),
        ("interval_text", "Interval"),
        ("denominator_text", "Noemer"),
        ("comparison", "Tegenover Vlaanderen"),
        ("year_text", "Jaar"),
    )
    x_title = "Huisartsen-VTE per 10.000 noodgewogen inwoners"
    base = alt.Chart()
    layers: list[alt.Chart] = [
        base.mark_rule(color="#7f8c8d", strokeWidth=2).encode(
            y=y,
            x=alt.X("ci_low:Q", title=x_title, scale=alt.Scale(zero=False)),
            x2="ci_high",
            tooltip=tooltip,
        ),
        base.mark_point(filled=True, size=45, opacity=1).encode(
            y=y,
            x=alt.X("value:Q", title=x_title),
            color=alt.Color(
                "comparison:N",
                title=None,
                scale=alt.Scale(domain=COMPARISON_DOMAIN, range=COMPARISON_RANGE),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=tooltip,
        ),
    ]
    subtitle = ["Lijnstuk: 95%-interval (Poisson). Gesorteerd op waarde; geen rangschikking."]
    if flanders is not None:
        layers.append(
            alt.Chart(alt.InlineData(values=[{"v": float(flanders)}]))
            .mark_rule(color="#c0392b", strokeDash=[4, 3], strokeWidth=2)
            .encode(x="v:Q")
        )
        subtitle.append(f"Rode stippellijn: Vlaanderen ({labels.fmt_number(flanders, 2)}).")
    chart = alt.layer(*layers, data=alt.InlineData(values=records)).properties(
        height=alt.Step(ROW_STEP), title=charts.title("Huisartsen-VTE tegenover de nood", subtitle)
    )
    return charts.finish(chart)
