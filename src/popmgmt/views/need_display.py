"""The need index shown: Dutch display tables, plain Vega-Lite chart specs, the fast
choropleth and downloads.

The figures are `popmgmt.metrics.need`. Also here, shared by the 'Nood en aanbod' pages:
the Vega-Lite helpers (`layer_data`, `vl_title`), `dutch_table` and the fast choropleth
(`geometry_json`, `choropleth_deck`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

import polars as pl

from popmgmt.pipeline.codes import NEED_FAMILIES
from popmgmt.views import charts, downloads, labels, maps

VEGA_LITE_SCHEMA: Final = "https://vega.github.io/schema/vega-lite/v6.json"
ROW_STEP: Final = 22
"""Pixels per bar in the charts with one row per area (smaller steps drop labels)."""
LABEL_LIMIT: Final = 220

FAMILY_COLOURS: Final[Mapping[str, str]] = {
    "gezondheid": "#1b9e77",
    "demografie": "#7570b3",
    "sociaaleconomisch": "#d95f02",
    "cultureel": "#e7298a",
}


def index_display_table(
    table: pl.DataFrame, *, area_title: str, year: int, extra: Sequence[str] = ()
) -> pl.DataFrame:
    """Dutch columns for the index table (what is shown is what is downloaded).

    `table`: area_code, area_name, need_index, fam_<family>..., population,
    n_imputed, quintile, and the `extra` columns (kept as they are).
    """
    fam_cols = [c for c in table.columns if c.startswith("fam_")]
    return table.select(
        pl.format("{} ({})", "area_name", "area_code").alias(area_title),
        pl.col("need_index").round(2).alias("Nood-index"),
        pl.col("quintile")
        .replace_strict(QUINTILE_NAMES, default=None, return_dtype=pl.String)
        .alias("Kwintiel"),
        *[
            pl.col(c)
            .fill_null(0.0)
            .round(2)
            .alias(f"waarvan {labels.label('need_family', c[4:]).lower()}")
            for c in fam_cols
        ],
        *[pl.col(c) for c in extra],
        pl.col("population").cast(pl.Int64).alias("Inwoners"),
        pl.col("n_imputed").cast(pl.Int64).alias("Ingevulde waarden"),
        pl.lit(year, dtype=pl.Int64).alias("Jaar"),
    )


def decomposition_records(
    contributions: pl.DataFrame, catalogue: pl.DataFrame, area_code: str
) -> list[dict[str, Any]]:
    """Plain records for the decomposition chart of one area."""
    meta = {
        r["indicator_code"]: r
        for r in catalogue.select("indicator_code", "name_nl", "unit", "multiplier").iter_rows(
            named=True
        )
    }
    out = []
    for row in contributions.filter(pl.col("area_code") == area_code).iter_rows(named=True):
        m = meta.get(row["indicator_code"], {})
        mult = float(m.get("multiplier") or 1.0)
        unit = m.get("unit")
        rate = row["rate"]
        out.append(
            {
                "indicator": str(m.get("name_nl") or row["indicator_code"]),
                "family": labels.label("need_family", row["need_family"]),
                "contribution": float(row["contribution"] or 0.0),
                "z": None if row["z"] is None else round(float(row["z"]), 2),
                "weight_pct": round(float(row["weight"]) * 100, 1),
                "value_text": labels.fmt_value(None if rate is None else rate * mult, unit),
                "flanders_text": labels.fmt_value(
                    None if row["ref_rate"] is None else row["ref_rate"] * mult, unit
                ),
                "imputed_text": _imputed_text(row["imputed_from"]),
            }
        )
    return out


def _imputed_text(source: str | None) -> str:
    if source == "zone":
        return "onderdrukt: waarde van de zone ingevuld"
    if source == "vlaanderen":
        return "ontbreekt: Vlaamse waarde ingevuld"
    return "eigen waarde"


def vl_title(text: str, subtitle: Sequence[str] = ()) -> dict[str, Any]:
    """A Vega-Lite title block (left-anchored, with subtitle lines)."""
    title: dict[str, Any] = {"text": text, "anchor": "start"}
    if subtitle:
        title["subtitle"] = list(subtitle)
    return title


AUTOSIZE: Final = charts.AUTOSIZE
layer_data = charts.layer_data
"""Top-level inline data into the layers (the house style's `charts.layer_data`)."""


def _family_scale() -> dict[str, Any]:
    return {
        "domain": [labels.label("need_family", f) for f in NEED_FAMILIES],
        "range": [FAMILY_COLOURS[f] for f in NEED_FAMILIES],
    }


@charts.house_style
def decomposition_chart(records: list[dict[str, Any]], *, title: str) -> dict[str, Any]:
    """Vega-Lite spec: each indicator's contribution (weight x z) to the index.

    Plain Vega-Lite (no altair objects): building and validating altair charts costs
    tenths of a second per run, more than the page's whole budget.
    """
    return layer_data(
        {
            "$schema": VEGA_LITE_SCHEMA,
            "data": {"values": records},
            "mark": {"type": "bar"},
            "height": {"step": 22},
            "title": vl_title(
                title,
                [
                    "Rechts van 0: meer nood dan Vlaanderen; links: minder. "
                    "De balken tellen op tot de index."
                ],
            ),
            "encoding": {
                "y": {
                    "field": "indicator",
                    "type": "nominal",
                    "sort": {"field": "contribution", "order": "descending"},
                    "title": None,
                    "axis": {"labelLimit": LABEL_LIMIT},
                },
                "x": {
                    "field": "contribution",
                    "type": "quantitative",
                    "title": "Bijdrage aan de index (gewicht × z-score)",
                },
                "color": {
                    "field": "family",
                    "type": "nominal",
                    "title": "Familie",
                    "scale": _family_scale(),
                },
                "tooltip": [
                    {"field": "indicator", "type": "nominal", "title": "Indicator"},
                    {"field": "family", "type": "nominal", "title": "Familie"},
                    {"field": "value_text", "type": "nominal", "title": "Waarde"},
                    {"field": "flanders_text", "type": "nominal", "title": "Vlaanderen"},
                    {"field": "z", "type": "quantitative", "title": "z-score"},
                    {"field": "weight_pct", "type": "quantitative", "title": "Gewicht (%)"},
                    {
                        "field": "contribution",
                        "type": "quantitative",
                        "title": "Bijdrage",
                        "format": ".2f",
                    },
                    {"field": "imputed_text", "type": "nominal", "title": "Herkomst"},
                ],
            },
        }
    )


def family_stack_records(
    table: pl.DataFrame,
) -> list[dict[str, Any]]:
    """Plain records (one per area x family) for the stacked family chart."""
    fam_cols = [c for c in table.columns if c.startswith("fam_")]
    return [
        {
            "area": f"{row['area_name']} ({row['area_code']})",
            "family": labels.label("need_family", col[4:]),
            "contribution": float(row[col] or 0.0),
            "index": float(row["need_index"]),
        }
        for row in table.iter_rows(named=True)
        for col in fam_cols
    ]


@charts.house_style
def family_stack_chart(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Vega-Lite spec: every zone's index split by family (diverging stacked bars)."""
    return layer_data(
        {
            "$schema": VEGA_LITE_SCHEMA,
            "data": {"values": records},
            "mark": {"type": "bar"},
            "height": {"step": ROW_STEP},
            "title": vl_title(
                "Nood-index per zone en wat hem drijft",
                ["Gesorteerd op index; dit is geen rangschikking."],
            ),
            "encoding": {
                "y": {
                    "field": "area",
                    "type": "nominal",
                    "sort": {"field": "index", "op": "max", "order": "descending"},
                    "title": None,
                    "axis": {"labelLimit": LABEL_LIMIT},
                },
                "x": {
                    "field": "contribution",
                    "type": "quantitative",
                    "title": "Nood-index, opgesplitst per familie",
                },
                "color": {
                    "field": "family",
                    "type": "nominal",
                    "title": "Familie",
                    "scale": _family_scale(),
                },
                "tooltip": [
                    {"field": "area", "type": "nominal", "title": "Zone"},
                    {"field": "family", "type": "nominal", "title": "Familie"},
                    {
                        "field": "contribution",
                        "type": "quantitative",
                        "title": "Bijdrage",
                        "format": ".2f",
                    },
                    {
                        "field": "index",
                        "type": "quantitative",
                        "title": "Nood-index",
                        "format": ".2f",
                    },
                ],
            },
        }
    )


# --------------------------------------------------------------------------- map


QUINTILE_BREAKS: Final = (0.5, 1.5, 2.5, 3.5, 4.5, 5.5)


def geometry_json(
    geojson: Mapping[str, Any], *, code_property: str = "area_code", decimals: int = 5
) -> dict[str, str]:
    """Each feature's geometry as compact JSON text, keyed by area code (`maps`)."""
    return maps.geometry_index(geojson, decimals=decimals, code_property=code_property)


def choropleth_deck(
    geometry: Mapping[str, str],
    features: Sequence[Mapping[str, Any]],
    *,
    layer_id: str,
) -> maps.PrebuiltDeck:
    """A choropleth of pre-serialised geometries; no base map, nothing fetched.

    `features`: one mapping per area with `area_code`, `fill_color` (RGBA list)
    and the tooltip texts `tt_name`, `tt_value`, `tt_interval`, `tt_denominator`,
    `tt_year` (see `maps.TOOLTIP_HTML`). Areas without a feature are not drawn.
    """
    properties = {str(f["area_code"]): dict(f) for f in features}
    shown = {code: geom for code, geom in geometry.items() if code in properties}
    return maps.prebuilt_deck(shown, properties, layer_id=layer_id)


QUINTILE_NAMES: Final[Mapping[int, str]] = {
    1: "Q1 minste nood",
    2: "Q2",
    3: "Q3",
    4: "Q4",
    5: "Q5 meeste nood",
}


def index_map_features(
    table: pl.DataFrame, *, year: int, unit_name: str = "inwoners"
) -> list[dict[str, Any]]:
    """Map features (colour by quintile, Dutch tooltip) of an index table.

    `table`: area_code, area_name, need_index, quintile, population, n_imputed.
    """
    colours = maps.class_colours(len(QUINTILE_BREAKS) - 1)
    out = []
    for row in table.iter_rows(named=True):
        q = row.get("quintile")
        rgb = maps.MISSING_COLOUR if q is None else colours[int(q) - 1]
        imputed = int(row.get("n_imputed") or 0)
        extra = f" · {imputed} onderdrukte waarde(n) ingevuld" if imputed else ""
        pop = row.get("population")
        out.append(
            maps.tooltip_fields(
                {
                    "area_code": row["area_code"],
                    "fill_color": [*rgb, maps.FILL_ALPHA],
                    "class_index": -1 if q is None else int(q) - 1,
                    "tt_name": f"{row['area_name']} ({row['area_code']})",
                    "tt_value": f"Nood-index {labels.fmt_number(row['need_index'], 2)}",
                    "tt_interval": (QUINTILE_NAMES[int(q)] if q is not None else labels.NO_DATA)
                    + extra,
                    "tt_denominator": ""
                    if pop is None
                    else f"{labels.fmt_number(pop)} {unit_name}",
                    "tt_year": f"jaar {year}",
                }
            )
        )
    return out


def quintile_legend(table: pl.DataFrame) -> list[maps.LegendItem]:
    """Legend: Q1..Q5 with the index range of each quintile, light to dark."""
    colours = maps.class_colours(len(QUINTILE_BREAKS) - 1)
    ranges = {
        int(r["quintile"]): (r["lo"], r["hi"])
        for r in table.filter(pl.col("quintile").is_not_null())
        .group_by("quintile")
        .agg(pl.col("need_index").min().alias("lo"), pl.col("need_index").max().alias("hi"))
        .iter_rows(named=True)
    }
    items = []
    for q in range(1, len(colours) + 1):
        lo, hi = ranges.get(q, (None, None))
        span = (
            ""
            if lo is None
            else f" (index {labels.fmt_number(lo, 2)} t/m {labels.fmt_number(hi, 2)})"
        )
        rgb = colours[q - 1]
        items.append(
            maps.LegendItem(colour=maps.rgb_hex(rgb), text=QUINTILE_NAMES[q] + span, rgb=rgb)
        )
    return items


def quintile_summary(table: pl.DataFrame) -> pl.DataFrame:
    """Per quintile: areas, inhabitants, index range (Dutch column names)."""
    return (
        table.filter(pl.col("quintile").is_not_null())
        .group_by("quintile")
        .agg(
            pl.len().alias("Aantal"),
            pl.col("population").sum().alias("Inwoners"),
            pl.col("need_index").min().round(2).alias("Laagste index"),
            pl.col("need_index").max().round(2).alias("Hoogste index"),
        )
        .sort("quintile")
        .with_columns(
            pl.col("quintile").replace_strict(QUINTILE_NAMES, return_dtype=pl.String),
            pl.col("Inwoners").cast(pl.Int64),
        )
        .rename({"quintile": "Kwintiel"})
    )


def dutch_table(frame: pl.DataFrame, *, keep: Collection[str] = ("Jaar",)) -> pl.DataFrame:
    """The same table with its numbers as Belgian Dutch text ("1.234,5"), for display.

    Streamlit shows numbers in English style ("1234.5" reads as "1.234,5" wrongly in a
    Dutch page). Integer columns get thousands separators; float columns as many
    decimals (up to 3) as their values need. Columns in `keep` (years) stay as they
    are; null stays empty. The numeric frame is what the page offers for download.
    """
    columns: list[pl.Expr | pl.Series] = []
    for name, dtype in frame.schema.items():
        if name in keep or not dtype.is_numeric():
            columns.append(pl.col(name))
            continue
        values = frame[name].to_list()
        if dtype.is_integer():
            decimals = 0
        else:
            decimals = max(
                (len(f"{v:.3f}".rstrip("0").split(".")[1]) for v in values if v is not None),
                default=0,
            )
        texts = [None if v is None else labels.fmt_number(float(v), decimals) for v in values]
        columns.append(pl.Series(name, texts, dtype=pl.String))
    return frame.select(columns) if columns else frame


# --------------------------------------------------------------------------- downloads


to_csv_bytes = downloads.csv_bytes


to_xlsx_bytes = downloads.xlsx_bytes
