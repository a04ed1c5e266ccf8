"""The social gradient of an indicator across deprivation quintiles of municipalities.

Pure functions, polars in / polars out, no Streamlit; method and limits in
`docs/need-and-fair-shares.md`.

* Deprivation proxy: the share of inhabitants with increased reimbursement
  (`ima_vt`, VT/BIM). Municipalities are put in population-weighted quintiles of
  that share, each year anew (`deprivation_quintiles`): quintile 1 is the least
  deprived fifth of the inhabitants, quintile 5 the most deprived.
* An indicator's value per quintile is the sum of the municipalities' numerators
  over the sum of their denominators (counts, not an average of rates), with its
  Wilson (proportion) or Poisson (rate) interval (`quintile_values`). A suppressed
  municipality is not left out and not read as 0: it takes its zone's rate, on a
  denominator estimated from its inhabitants (`municipal_counts`).
* The slope index of inequality (`gradient_sii`, via `popmgmt.stats`): the
  modelled difference between the most and the least deprived end of the
  population, with its interval, per year (the trend of the gap).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import polars as pl

from popmgmt.metrics import stats
from popmgmt.metrics.need import area_population, area_rates, population_quintiles
from popmgmt.pipeline.codes import FLANDERS_CODE
from popmgmt.privacy import PRIMARY
from popmgmt.views import labels
from popmgmt.views.need_display import VEGA_LITE_SCHEMA, layer_data, vl_title

DEPRIVATION_CODE: Final = "ima_vt"
N_GROUPS: Final = 5
QUINTILE_LABELS: Final[Mapping[int, str]] = {
    1: "Q1 minst achtergesteld",
    2: "Q2",
    3: "Q3",
    4: "Q4",
    5: "Q5 meest achtergesteld",
}
INTERVAL_FOR: Final[Mapping[str, str]] = {
    "wilson": "wilson",
    "poisson": "poisson",
    "byar": "poisson",
}
SMALL_COUNT: Final = 5
"""A quintile numerator from 1 to 4 is not shown (the disclosure rule of the marts)."""

QUINTILE_SCHEMA: Final = pl.Schema(
    {
        "year": pl.Int64,
        "quintile": pl.Int64,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "population": pl.Float64,
        "n_areas": pl.Int64,
        "n_imputed": pl.Int64,
        "value": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "suppressed": pl.Boolean,
    }
)


def deprivation_quintiles(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    population: pl.DataFrame,
    *,
    years: Sequence[int],
    code: str = DEPRIVATION_CODE,
) -> pl.DataFrame:
    """Each municipality's deprivation quintile per year.

    Columns: area_code, year, deprivation (raw proportion; a suppressed cell takes
    its zone's rate), deprivation_imputed, population, quintile (1 = least deprived).
    """
    rates = area_rates(values, areas, level="gemeente", codes=[code], years=years).select(
        "area_code",
        "year",
        pl.col("rate").alias("deprivation"),
        pl.col("imputed_from").is_not_null().alias("deprivation_imputed"),
    )
    pop = area_population(population, level="gemeente", years=years)
    frame = rates.join(pop, on=["area_code", "year"], how="left")
    return population_quintiles(
        frame, value_col="deprivation", population_col="population", by=["year"]
    ).sort("year", "area_code")


def municipal_counts(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    population: pl.DataFrame,
    *,
    code: str,
    years: Sequence[int],
) -> pl.DataFrame:
    """Numerator and denominator per municipality and year, suppressed cells estimated.

    A municipality with its own value keeps its counts. A suppressed (or missing)
    one gets denominator = its inhabitants x (Flemish denominator / Flemish
    inhabitants) and numerator = that denominator x its zone's rate; `imputed` is
    then true. Columns: area_code, year, numerator, denominator, imputed.
    """
    rates = area_rates(values, areas, level="gemeente", codes=[code], years=years)
    pop = area_population(population, level="gemeente", years=years)
    fl_pop = area_population(population, level="vlaanderen", years=years).select(
        "year", pl.col("population").alias("_fl_pop")
    )
    fl_den = values.filter(
        (pl.col("indicator_code") == code)
        & (pl.col("level") == "vlaanderen")
        & (pl.col("area_code") == FLANDERS_CODE)
        & pl.col("year").is_in(list(years))
    ).select("year", pl.col("denominator").cast(pl.Float64).alias("_fl_den"))
    frame = (
        rates.join(pop, on=["area_code", "year"], how="left")
        .join(fl_pop, on="year", how="left")
        .join(fl_den, on="year", how="left")
    )
    ratio = (
        pl.when((pl.col("_fl_pop") > 0) & pl.col("_fl_den").is_not_null())
        .then(pl.col("_fl_den") / pl.col("_fl_pop"))
        .otherwise(1.0)
    )
    imputed = pl.col("imputed_from").is_not_null()
    den_est = pl.col("population") * ratio
    return (
        frame.with_columns(
            pl.when(imputed).then(den_est).otherwise(pl.col("denominator")).alias("denominator"),
        )
        .with_columns(
            pl.when(imputed)
            .then(pl.col("denominator") * pl.col("rate"))
            .otherwise(pl.col("numerator"))
            .alias("numerator"),
            imputed.alias("imputed"),
        )
        .select("area_code", "year", "numerator", "denominator", "imputed")
        .sort("year", "area_code")
    )


def quintile_values(
    counts: pl.DataFrame,
    quintiles: pl.DataFrame,
    *,
    interval_method: str | None,
    multiplier: float,
) -> pl.DataFrame:
    """The indicator per year and quintile: summed counts, value and 95% interval.

    `counts` from `municipal_counts`; `quintiles` from `deprivation_quintiles`.
    Municipalities without a quintile or without counts are left out (`n_areas`
    counts those included). A quintile numerator from 1 to 4 is suppressed (null
    value and interval). Columns: see `QUINTILE_SCHEMA`.
    """
    method = INTERVAL_FOR.get(interval_method or "", "none")
    joined = counts.join(
        quintiles.select("area_code", "year", "quintile", "population"),
        on=["area_code", "year"],
        how="inner",
    ).filter(
        pl.col("quintile").is_not_null()
        & pl.col("numerator").is_not_null()
        & pl.col("denominator").is_not_null()
    )
    grouped = joined.group_by("year", "quintile").agg(
        pl.col("numerator").sum(),
        pl.col("denominator").sum(),
        pl.col("population").sum(),
        pl.len().cast(pl.Int64).alias("n_areas"),
        pl.col("imputed").sum().cast(pl.Int64).alias("n_imputed"),
    )
    with_ci = stats.add_intervals(
        grouped.with_columns(
            pl.lit(method).alias("interval_method"),
            pl.lit(float(multiplier)).alias("multiplier"),
        )
    )
    small = (pl.col("numerator") > 0) & (pl.col("numerator") < SMALL_COUNT)
    return (
        with_ci.with_columns(small.alias("suppressed"))
        .with_columns(
            *[
                pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c)
                for c in ("numerator", "value", "ci_low", "ci_high")
            ]
        )
        .select(list(QUINTILE_SCHEMA))
        .cast(QUINTILE_SCHEMA)
        .sort("year", "quintile")
    )


def gradient_sii(quintile_frame: pl.DataFrame) -> pl.DataFrame:
    """Slope index of inequality per year, across the quintiles (least -> most deprived).

    Positive: higher values in the more deprived quintiles. A year with a missing
    or suppressed quintile gets a null SII. Also the relative index (RII = SII /
    population-weighted mean value). Columns: year, sii, sii_low, sii_high,
    n_groups, mean_value, rii.
    """
    sii = stats.slope_index_of_inequality(
        quintile_frame,
        order_col="quintile",
        value_col="value",
        population_col="population",
        by=["year"],
    )
    means = quintile_frame.group_by("year").agg(
        ((pl.col("value") * pl.col("population")).sum() / pl.col("population").sum()).alias(
            "mean_value"
        )
    )
    return (
        sii.join(means, on="year", how="left")
        .with_columns(
            pl.when(pl.col("mean_value") != 0)
            .then(pl.col("sii") / pl.col("mean_value"))
            .alias("rii")
        )
        .sort("year")
    )


# --------------------------------------------------------------------------- display


def quintile_display_table(
    frame: pl.DataFrame, *, unit: str | None, denominator_label: str | None
) -> pl.DataFrame:
    """Dutch text table of `quintile_values` (one or more years)."""
    rows = []
    for row in frame.iter_rows(named=True):
        texts = labels.value_texts(
            value=row["value"],
            ci_low=row["ci_low"],
            ci_high=row["ci_high"],
            denominator=row["denominator"],
            suppressed=bool(row["suppressed"]),
            reason=PRIMARY,
            unit=unit,
            denominator_label=denominator_label,
            year=row["year"],
        )
        rows.append(
            {
                "Jaar": str(row["year"]),
                "Kwintiel": QUINTILE_LABELS[int(row["quintile"])],
                "Waarde": texts["value_text"],
                "95%-betrouwbaarheidsinterval": texts["interval_text"],
                "Teller": labels.fmt_number(row["numerator"])
                if row["numerator"] is not None
                else texts["value_text"],
                "Noemer": labels.fmt_number(row["denominator"]),
                "Inwoners": labels.fmt_number(row["population"]),
                "Gemeenten": str(row["n_areas"]),
                "waarvan geschat (onderdrukt)": str(row["n_imputed"]),
            }
        )
    return pl.DataFrame(rows)


def sii_text(row: Mapping[str, Any] | None, *, unit: str | None) -> str:
    """ "+3,2 % (95%-BI 1,1 – 5,3 %)" or a Dutch reason why there is none."""
    if row is None or row.get("sii") is None:
        return "niet te berekenen (een kwintiel ontbreekt of is onderdrukt)"
    dec = labels.default_decimals(unit)
    sign = "+" if row["sii"] > 0 else ""
    interval = labels.fmt_interval(row.get("sii_low"), row.get("sii_high"), unit, dec)
    return f"{sign}{labels.fmt_value(row['sii'], unit, dec)} ({interval})"


def quintile_records(frame: pl.DataFrame, *, unit: str | None) -> list[dict[str, Any]]:
    out = []
    for row in frame.iter_rows(named=True):
        if row["value"] is None:
            continue
        out.append(
            {
                "quintile": QUINTILE_LABELS[int(row["quintile"])],
                "q": f"Q{int(row['quintile'])}",
                "year": int(row["year"]),
                "value": float(row["value"]),
                "ci_low": row["ci_low"],
                "ci_high": row["ci_high"],
                "value_text": labels.fmt_value(row["value"], unit),
                "interval_text": labels.fmt_interval(row["ci_low"], row["ci_high"], unit),
                "denominator_text": f"noemer: {labels.fmt_number(row['denominator'])}",
            }
        )
    return out


def quintile_chart(
    records: list[dict[str, Any]],
    *,
    unit: str | None,
    name: str,
    year: int,
    flanders_value: float | None,
) -> dict[str, Any]:
    """Vega-Lite spec: the five quintiles of one year, value with its 95% interval,
    Flanders as a dashed rule."""
    x = {
        "field": "q",
        "type": "nominal",
        "sort": [f"Q{q}" for q in range(1, N_GROUPS + 1)],
        "title": "Kwintiel van kansarmoede (Q1 = minst, Q5 = meest achtergesteld)",
        "axis": {"labelAngle": 0},
    }
    axis_title = f"{name} ({unit})" if unit else name
    tooltip = [
        {"field": "quintile", "type": "nominal", "title": "Kwintiel"},
        {"field": "value_text", "type": "nominal", "title": "Waarde"},
        {"field": "interval_text", "type": "nominal", "title": "Interval"},
        {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
    ]
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "rule", "color": "#7f8c8d", "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": {
                    "field": "ci_low",
                    "type": "quantitative",
                    "title": axis_title,
                    "scale": {"zero": False},
                },
                "y2": {"field": "ci_high"},
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 90, "color": "#1f6f8b", "opacity": 1},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "title": axis_title},
                "tooltip": tooltip,
            },
        },
    ]
    subtitle = [f"Jaar {year}. Lijnstuk: 95%-interval."]
    if flanders_value is not None:
        layers.append(
            {
                "mark": {"type": "rule", "color": "#c0392b", "strokeDash": [4, 3]},
                "encoding": {"y": {"datum": float(flanders_value)}},
            }
        )
        subtitle.append(f"Rode stippellijn: Vlaanderen ({labels.fmt_value(flanders_value, unit)}).")
    return layer_data(
        {
            "$schema": VEGA_LITE_SCHEMA,
            "data": {"values": records},
            "height": 320,
            "title": vl_title(f"{name} per kwintiel", subtitle),
            "layer": layers,
        }
    )


def sii_records(frame: pl.DataFrame, *, unit: str | None) -> list[dict[str, Any]]:
    return [
        {
            "year": int(row["year"]),
            "sii": float(row["sii"]),
            "sii_low": row["sii_low"],
            "sii_high": row["sii_high"],
            "sii_text": sii_text(row, unit=unit),
        }
        for row in frame.iter_rows(named=True)
        if row["sii"] is not None
    ]


def sii_trend_chart(records: list[dict[str, Any]], *, unit: str | None) -> dict[str, Any]:
    """Vega-Lite spec: SII per year with its 95% interval as a band; 0 = no gradient."""
    title_unit = f" ({unit})" if unit else ""
    x = {"field": "year", "type": "ordinal", "title": "Jaar", "axis": {"labelAngle": 0}}
    return layer_data(
        {
            "$schema": VEGA_LITE_SCHEMA,
            "data": {"values": records},
            "height": 260,
            "title": vl_title(
                "Evolutie van de kloof (hellingsindex)",
                ["Band: 95%-interval. 0 = geen verschil tussen minst en meest achtergesteld."],
            ),
            "layer": [
                {
                    "mark": {"type": "area", "opacity": 0.25, "color": "#1f6f8b"},
                    "encoding": {
                        "x": x,
                        "y": {
                            "field": "sii_low",
                            "type": "quantitative",
                            "title": f"Hellingsindex van ongelijkheid{title_unit}",
                        },
                        "y2": {"field": "sii_high"},
                    },
                },
                {
                    "mark": {"type": "line", "point": True, "color": "#1f6f8b"},
                    "encoding": {
                        "x": x,
                        "y": {"field": "sii", "type": "quantitative"},
                        "tooltip": [
                            {"field": "year", "type": "ordinal", "title": "Jaar"},
                            {"field": "sii_text", "type": "nominal", "title": "SII"},
                        ],
                    },
                },
                {
                    "mark": {"type": "rule", "color": "#555555", "strokeDash": [2, 2]},
                    "encoding": {"y": {"datum": 0}},
                },
            ],
        }
    )


def quintile_trend_chart(
    records: list[dict[str, Any]], *, unit: str | None, name: str
) -> dict[str, Any]:
    """Vega-Lite spec: all five quintiles over the years (lines)."""
    order = [QUINTILE_LABELS[q] for q in range(1, N_GROUPS + 1)]
    return layer_data(
        {
            "$schema": VEGA_LITE_SCHEMA,
            "data": {"values": records},
            "mark": {"type": "line", "point": True},
            "height": 260,
            "title": vl_title("Alle vijf kwintielen door de jaren"),
            "encoding": {
                "x": {
                    "field": "year",
                    "type": "ordinal",
                    "title": "Jaar",
                    "axis": {"labelAngle": 0},
                },
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": f"{name} ({unit})" if unit else name,
                    "scale": {"zero": False},
                },
                "color": {
                    "field": "quintile",
                    "type": "nominal",
                    "title": "Kwintiel",
                    "sort": order,
                    "scale": {"domain": order, "scheme": "orangered"},
                },
                "tooltip": [
                    {"field": "year", "type": "ordinal", "title": "Jaar"},
                    {"field": "quintile", "type": "nominal", "title": "Kwintiel"},
                    {"field": "value_text", "type": "nominal", "title": "Waarde"},
                    {"field": "interval_text", "type": "nominal", "title": "Interval"},
                ],
            },
        }
    )
