"""The Flemish monitor (Departement Zorg): trends, spread between zones, funnel plots,
two-year comparisons, fixed map classes, and the charts and maps that show them.

Pure functions, no Streamlit. Data functions take mart frames (`indicator_values`,
`areas`) and return small polars frames. Chart functions return Vega-Lite specs as plain
dicts (rendered with `st.vega_lite_chart`): building the same charts with altair costs
0.2-0.6 s each at full scale (altair validates every inline record), which the page's
0.5 s budget cannot carry. The specs are valid Vega-Lite v6 (the tests check them
against altair's schema). Maps are pydeck decks whose JSON is assembled from cached
per-area geometry (`geometry_index`, `prebuilt_deck`): pydeck's own serialiser takes
0.2 s for the zones and 0.5 s for the municipalities on every run.

Scales: `value`, `ci_low`, `ci_high` are on the display scale (67.3 for 67.3%), as in the
marts. Funnel targets are computed on the raw scale (`popmgmt.stats`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import polars as pl
from scipy import stats as sps

from popmgmt.app.annotations import Annotation, date_text
from popmgmt.metrics import stats
from popmgmt.pipeline.codes import BRUSSELS_ZONE, FLANDERS_CODE
from popmgmt.views import downloads, labels, maps

VL_SCHEMA: Final = "https://vega.github.io/schema/vega-lite/v6.json"
Spec = dict[str, Any]
Split = Literal["geen", "provincie", "zone"]
BreakChoice = Literal["vast", "gelijk", "jaar"]

FLANDERS_COLOUR: Final = "#c0392b"
SPREAD_COLOUR: Final = "#7f8c8d"
ANNOTATION_COLOUR: Final = "#2c3e50"
ROW_HEIGHT: Final = 20
TREND_HEIGHT: Final = 360

# Dutch number formats on the axes ("8,5", "12.000") and a plain look.
CHART_CONFIG: Final[dict[str, Any]] = {
    "locale": {
        "number": {
            "decimal": ",",
            "thousands": ".",
            "grouping": [3],
            "currency": ["€ ", ""],
        }
    },
    "legend": {"labelLimit": 320},
}

VALUE_COLUMNS: Final = (
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
    "suppression_reason",
)

SPLITS: Final[dict[str, str]] = {
    "geen": "Geen (enkel Vlaanderen en spreiding)",
    "provincie": "Per provincie",
    "zone": "Per zone",
}
BREAK_CHOICES: Final[dict[str, str]] = {
    "vast": "Vaste klassen: kwantielen over alle jaren samen",
    "gelijk": "Vaste klassen: gelijke intervallen over alle jaren samen",
    "jaar": "Kwantielen van het gekozen jaar (betekenis verschuift per jaar)",
}

# Funnel classes, from high to low (PuOr: colour-blind safe, no good/bad connotation).
FUNNEL_CLASSES: Final[dict[str, tuple[str, str]]] = {
    "hoog_998": ("Hoger (buiten 99,8%)", "#b35806"),
    "hoog_95": ("Hoger (buiten 95%)", "#f1a340"),
    "binnen": ("Binnen 95%-grenzen", "#9e9e9e"),
    "laag_95": ("Lager (buiten 95%)", "#998ec3"),
    "laag_998": ("Lager (buiten 99,8%)", "#542788"),
}
MAX_FUNNEL_LABELS: Final = 8
"""At most this many outliers are named on the funnel plot (the most extreme by |z|);
the list under the plot and the table name them all."""
NOT_ASSESSED: Final = "niet_te_beoordelen"


def _single_datum() -> dict[str, Any]:
    """The data of a reference line (`datum` encoding): a layer without data draws nothing."""
    return {"values": [{}]}


CHANGE_CLASSES: Final[dict[str, tuple[str, str]]] = {
    "gestegen": ("Gestegen (interval boven 0)", "#b35806"),
    "geen_verschil": ("Geen aantoonbare verandering", "#9e9e9e"),
    "gedaald": ("Gedaald (interval onder 0)", "#542788"),
}


# --------------------------------------------------------------------------- helpers


def _hide_suppressed(frame: pl.DataFrame) -> pl.DataFrame:
    """A suppressed cell carries no number (never a 0)."""
    hidden = pl.col("suppressed").fill_null(False)
    cols = [c for c in ("numerator", "value", "ci_low", "ci_high") if c in frame.columns]
    return frame.with_columns(
        hidden.alias("suppressed"),
        *[pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in cols],
    )


def indicator_rows(values: pl.DataFrame, indicator_code: str, level: str) -> pl.DataFrame:
    """The rows of one indicator at one level, suppressed numbers hidden."""
    rows = values.filter((pl.col("indicator_code") == indicator_code) & (pl.col("level") == level))
    return _hide_suppressed(rows.select("area_code", "year", *VALUE_COLUMNS))


def indicator_kind(meta: Mapping[str, Any]) -> stats.Kind | None:
    """`proportion` (Wilson interval), `rate` (Poisson), or None (no funnel possible)."""
    method = meta.get("interval_method")
    if method == "wilson":
        return "proportion"
    if method in ("poisson", "byar"):
        return "rate"
    return None


def year_date(year: int) -> str:
    """Where a yearly figure sits on a time axis: the middle of its year."""
    return f"{int(year):04d}-07-01"


def change_unit(unit: str | None) -> str | None:
    """The unit of a difference: percentage points for a percentage."""
    return "procentpunt" if unit == "%" else unit


def _fmt(value: float | None, unit: str | None, decimals: int | None) -> str:
    return labels.fmt_value(value, unit, decimals)


def _texts(row: Mapping[str, Any], unit: str | None, decimals: int | None) -> dict[str, str]:
    texts = labels.value_texts(
        value=row.get("value"),
        ci_low=row.get("ci_low"),
        ci_high=row.get("ci_high"),
        denominator=row.get("denominator"),
        suppressed=bool(row.get("suppressed") or False),
        reason=row.get("suppression_reason"),
        unit=unit,
        denominator_label=None,
        year=row.get("year"),
        decimals=decimals,
    )
    return texts


def _float(value: Any) -> float | None:
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


# --------------------------------------------------------------------------- trends


TREND_COLUMNS: Final = ("year", *VALUE_COLUMNS)


def flanders_trend(values: pl.DataFrame, indicator_code: str) -> pl.DataFrame:
    """The Flemish series of one indicator: year, numerator, denominator, value, interval."""
    rows = indicator_rows(values, indicator_code, "vlaanderen").filter(
        pl.col("area_code") == FLANDERS_CODE
    )
    return rows.select(TREND_COLUMNS).sort("year")


SPREAD_SCHEMA: Final = pl.Schema(
    {
        "year": pl.Int64,
        "n_areas": pl.Int64,
        "n_shown": pl.Int64,
        "min": pl.Float64,
        "p25": pl.Float64,
        "median": pl.Float64,
        "p75": pl.Float64,
        "max": pl.Float64,
    }
)


def spread_by_year(values: pl.DataFrame, indicator_code: str, level: str = "zone") -> pl.DataFrame:
    """The spread between the Flemish areas of `level` per year.

    Minimum, quartiles (linear interpolation, as numpy's default) and maximum of the
    shown values; suppressed and missing values are left out (`n_areas - n_shown` of
    them). Brussels (zone elz7) is not a Flemish zone and is left out of the spread.
    """
    rows = indicator_rows(values, indicator_code, level).filter(
        pl.col("area_code") != BRUSSELS_ZONE
    )
    if rows.height == 0:
        return pl.DataFrame(schema=SPREAD_SCHEMA)
    v = pl.col("value").drop_nulls()
    out = (
        rows.group_by("year")
        .agg(
            pl.len().alias("n_areas"),
            v.len().alias("n_shown"),
            v.min().alias("min"),
            v.quantile(0.25, interpolation="linear").alias("p25"),
            v.median().alias("median"),
            v.quantile(0.75, interpolation="linear").alias("p75"),
            v.max().alias("max"),
        )
        .sort("year")
    )
    return out.select([pl.col(n).cast(t) for n, t in SPREAD_SCHEMA.items()])


def zone_provinces(areas: pl.DataFrame) -> pl.DataFrame:
    """zone_code -> province_code and province name, from the zones' municipalities.

    A zone lies within one province (2025 borders); should one ever cross, the province
    of most of its municipalities is taken.
    """
    provinces = areas.filter(pl.col("level") == "provincie").select(
        pl.col("area_code").alias("province_code"), pl.col("area_name").alias("province_name")
    )
    municipalities = areas.filter(
        (pl.col("level") == "gemeente") & pl.col("zone_code").is_not_null()
    )
    mode = (
        municipalities.group_by("zone_code", "province_code")
        .len()
        .sort(["zone_code", "len", "province_code"], descending=[False, True, False])
        .unique("zone_code", keep="first", maintain_order=True)
        .select("zone_code", "province_code")
    )
    return mode.join(provinces, on="province_code", how="left")


SPLIT_COLUMNS: Final = ("area_code", "area_name", "group", "year", *VALUE_COLUMNS)
SPLIT_SCHEMA: Final = pl.Schema(
    {
        "area_code": pl.String,
        "area_name": pl.String,
        "group": pl.String,
        "year": pl.Int64,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "value": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "suppressed": pl.Boolean,
        "suppression_reason": pl.String,
    }
)


def split_trend(
    values: pl.DataFrame, areas: pl.DataFrame, indicator_code: str, split: Split
) -> pl.DataFrame:
    """The series per province (`provincie`) or per zone (`zone`), from the marts' own
    aggregates at that level. `group` is the province name (for a zone: its province).
    Columns: `SPLIT_COLUMNS`; empty for `geen`.
    """
    if split == "geen":
        return pl.DataFrame(schema=SPLIT_SCHEMA)
    level = "provincie" if split == "provincie" else "zone"
    names = areas.filter(pl.col("level") == level).select("area_code", "area_name")
    rows = indicator_rows(values, indicator_code, level).join(names, on="area_code", how="left")
    if split == "provincie":
        rows = rows.with_columns(pl.col("area_name").alias("group"))
    else:
        rows = rows.join(
            zone_provinces(areas).select(
                pl.col("zone_code").alias("area_code"), pl.col("province_name").alias("group")
            ),
            on="area_code",
            how="left",
        ).with_columns(pl.col("group").fill_null("Brussel / onbekend"))
    return rows.select([pl.col(n).cast(t) for n, t in SPLIT_SCHEMA.items()]).sort(
        "area_name", "area_code", "year"
    )


# --------------------------------------------------------------------------- funnel


@dataclass(frozen=True)
class Funnel:
    """A funnel plot of one indicator, year and level against Flanders."""

    points: pl.DataFrame
    """Every area: area_code, area_name, numerator, denominator, value, ci_low, ci_high,
    suppressed, suppression_reason, z, lo_95, hi_95, lo_998, hi_998, funnel_class."""
    curve: pl.DataFrame
    """Control limits over a grid of sizes: size, lo_95, hi_95, lo_998, hi_998."""
    target: float
    """The Flemish value (display scale)."""
    kind: stats.Kind
    phi: float | None
    """Estimated overdispersion (winsorised, Spiegelhalter 2005); None with < 2 areas."""
    phi_used: float
    """The factor the limits were widened by (1.0 when not adjusted or phi <= 1)."""
    chi2_p: float | None
    """P-value of I x phi against chi-square(I): small means overdispersed."""
    n_assessed: int

    @property
    def outliers(self) -> pl.DataFrame:
        """The areas outside the 99.8% limits, then those outside 95%."""
        order = {"hoog_998": 0, "laag_998": 1, "hoog_95": 2, "laag_95": 3}
        return (
            self.points.filter(pl.col("funnel_class").is_in(list(order)))
            .with_columns(pl.col("funnel_class").replace_strict(order).alias("_o"))
            .sort("_o", "area_name")
            .drop("_o")
        )


def _size_grid(sizes: np.ndarray, kind: stats.Kind, n: int = 120) -> np.ndarray:
    lo = max(float(np.min(sizes)) * 0.8, 1.0)
    hi = float(np.max(sizes)) * 1.15
    grid = np.geomspace(lo, hi, n) if hi > lo else np.array([lo])
    if kind == "proportion":
        grid = np.unique(np.round(grid))
    return np.asarray(grid, dtype=np.float64)


def funnel(
    rows: pl.DataFrame,
    *,
    target_numerator: float,
    target_denominator: float,
    kind: stats.Kind,
    multiplier: float,
    adjust_overdispersion: bool = False,
) -> Funnel:
    """Funnel-plot data: each area's value against the Flemish value, with control limits.

    `rows`: one row per area (area_code, area_name and `VALUE_COLUMNS`, as
    `store.indicator_map_values` returns). The target is the Flemish
    numerator/denominator (raw scale). Limits: `stats.funnel_limits` (exact binomial or
    Poisson, 95% and 99.8%), at each area's own size for its class and over a grid for
    the curve. With `adjust_overdispersion`, the limits are widened by sqrt(phi) when the
    estimated phi (`stats.overdispersion`) exceeds 1. Areas with a suppressed or missing
    numerator or denominator are `niet_te_beoordelen`.
    """
    if target_denominator <= 0:
        raise ValueError("de noemer van Vlaanderen moet groter dan 0 zijn")
    target_raw = float(target_numerator) / float(target_denominator)
    ok = (
        pl.col("numerator").is_not_null()
        & pl.col("denominator").is_not_null()
        & (pl.col("denominator") > 0)
        & ~pl.col("suppressed").fill_null(False)
    )
    base = rows.with_columns(ok.alias("_ok"))
    assessed = base.filter(pl.col("_ok"))
    num = assessed["numerator"].cast(pl.Float64).to_numpy()
    den = assessed["denominator"].cast(pl.Float64).to_numpy()
    phi: float | None = None
    chi2_p: float | None = None
    if assessed.height >= 2:
        phi = stats.overdispersion(num, target_raw, den, kind=kind)
        chi2_p = float(sps.chi2.sf(assessed.height * phi, assessed.height))
    phi_used = max(phi, 1.0) if (adjust_overdispersion and phi is not None) else 1.0
    sizes = np.round(den) if kind == "proportion" else den
    own = stats.funnel_limits(target_raw, sizes, kind=kind, multiplier=multiplier, phi=phi_used)
    z = stats.z_scores(num, den, target_raw, kind=kind, phi=phi_used)
    y = num / den * multiplier
    klass = np.where(
        y > own["hi_998"].to_numpy(),
        "hoog_998",
        np.where(
            y > own["hi_95"].to_numpy(),
            "hoog_95",
            np.where(
                y < own["lo_998"].to_numpy(),
                "laag_998",
                np.where(y < own["lo_95"].to_numpy(), "laag_95", "binnen"),
            ),
        ),
    )
    scored = assessed.select("area_code").with_columns(
        pl.Series("z", z, dtype=pl.Float64).fill_nan(None),
        own["lo_95"],
        own["hi_95"],
        own["lo_998"],
        own["hi_998"],
        pl.Series("funnel_class", klass, dtype=pl.String),
    )
    points = (
        base.join(scored, on="area_code", how="left")
        .with_columns(pl.col("funnel_class").fill_null(NOT_ASSESSED))
        .drop("_ok")
    )
    if assessed.height:
        curve = stats.funnel_limits(
            target_raw,
            _size_grid(den, kind),
            kind=kind,
            multiplier=multiplier,
            phi=phi_used,
        )
    else:
        curve = pl.DataFrame(
            schema=dict.fromkeys(["size", "lo_95", "hi_95", "lo_998", "hi_998"], pl.Float64)
        )
    return Funnel(
        points=points,
        curve=curve,
        target=target_raw * multiplier,
        kind=kind,
        phi=phi,
        phi_used=phi_used,
        chi2_p=chi2_p,
        n_assessed=assessed.height,
    )


def comparison_text(funnel_class: str, direction: str | None) -> str:
    """How an area compares with Flanders, in words, using the indicator's direction."""
    if funnel_class == NOT_ASSESSED:
        return labels.label("comparison", "niet_te_beoordelen")
    if funnel_class == "binnen":
        return labels.label("comparison", "niet_verschillend")
    high = funnel_class.startswith("hoog")
    if direction == "hoger_beter":
        word = "beter" if high else "slechter"
    elif direction == "lager_beter":
        word = "slechter" if high else "beter"
    else:
        word = "hoger" if high else "lager"
    limit = "99,8%" if funnel_class.endswith("998") else "95%"
    return f"{labels.label('comparison', word)} (buiten {limit}-grens)"


def phi_text(result: Funnel) -> str:
    """A Dutch sentence on the estimated overdispersion and whether it is used."""
    if result.phi is None:
        return "Overdispersie niet te schatten (minder dan 2 gebieden met een waarde)."
    phi = labels.fmt_number(result.phi, 2)
    p = result.chi2_p
    p_text = "p < 0,001" if p is not None and p < 0.001 else f"p = {labels.fmt_number(p, 3)}"
    used = (
        f"De grenzen zijn verbreed met √φ = {labels.fmt_number(math.sqrt(result.phi_used), 2)}."
        if result.phi_used > 1.0
        else "De grenzen zijn niet verbreed."
    )
    hint = ""
    if result.phi_used <= 1.0 and p is not None and p < 0.05 and result.phi > 1.0:
        hint = (
            " De gebieden verschillen onderling meer dan toeval verklaart: veel gebieden vallen "
            "daardoor buiten de grenzen. Met 'Grenzen aanpassen voor overdispersie' ziet u welke "
            "ook dan nog afwijken."
        )
    return (
        f"Geschatte overdispersie φ = {phi} over {result.n_assessed} gebieden "
        f"(zonder overdispersie is φ ≈ 1; toets {p_text}). {used}{hint}"
    )


# --------------------------------------------------------------------------- two years


COMPARE_SCHEMA: Final = pl.Schema(
    {
        "area_code": pl.String,
        "area_name": pl.String,
        "value_from": pl.Float64,
        "ci_low_from": pl.Float64,
        "ci_high_from": pl.Float64,
        "suppressed_from": pl.Boolean,
        "reason_from": pl.String,
        "value_to": pl.Float64,
        "ci_low_to": pl.Float64,
        "ci_high_to": pl.Float64,
        "suppressed_to": pl.Boolean,
        "reason_to": pl.String,
        "change": pl.Float64,
        "change_low": pl.Float64,
        "change_high": pl.Float64,
        "change_class": pl.String,
    }
)


def mover_difference(
    value_from: pl.Expr,
    low_from: pl.Expr,
    high_from: pl.Expr,
    value_to: pl.Expr,
    low_to: pl.Expr,
    high_to: pl.Expr,
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Change (to - from) with its interval by MOVER (Zou & Donner 2008).

    Combines the two estimates' own (asymmetric) intervals: low = d - sqrt((to - low_to)²
    + (high_from - from)²), high = d + sqrt((high_to - to)² + (from - low_from)²). With
    Wilson intervals this is Newcombe's (1998) method 10 for a difference of proportions.
    It treats the two years as independent samples.
    """
    change = value_to - value_from
    low = change - ((value_to - low_to) ** 2 + (high_from - value_from) ** 2).sqrt()
    high = change + ((high_to - value_to) ** 2 + (value_from - low_from) ** 2).sqrt()
    return change, low, high


def compare_years(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    indicator_code: str,
    *,
    level: str,
    year_from: int,
    year_to: int,
) -> pl.DataFrame:
    """Every area of `level`: its value in two years and the change, with a 95% interval.

    The change interval is `mover_difference`; `change_class` is `gestegen` (interval
    above 0), `gedaald` (below 0), `geen_verschil`, or `niet_te_beoordelen` (a value or
    an interval missing or suppressed). Columns: `COMPARE_SCHEMA`.
    """
    names = areas.filter(pl.col("level") == level).select("area_code", "area_name")
    rows = indicator_rows(values, indicator_code, level)

    def year_part(year: int, suffix: str) -> pl.DataFrame:
        return rows.filter(pl.col("year") == year).select(
            "area_code",
            pl.col("value").alias(f"value_{suffix}"),
            pl.col("ci_low").alias(f"ci_low_{suffix}"),
            pl.col("ci_high").alias(f"ci_high_{suffix}"),
            pl.col("suppressed").alias(f"suppressed_{suffix}"),
            pl.col("suppression_reason").alias(f"reason_{suffix}"),
        )

    frame = names.join(year_part(year_from, "from"), on="area_code", how="left").join(
        year_part(year_to, "to"), on="area_code", how="left"
    )
    change, low, high = mover_difference(
        pl.col("value_from"),
        pl.col("ci_low_from"),
        pl.col("ci_high_from"),
        pl.col("value_to"),
        pl.col("ci_low_to"),
        pl.col("ci_high_to"),
    )
    frame = frame.with_columns(
        change.alias("change"), low.alias("change_low"), high.alias("change_high")
    ).with_columns(
        pl.when(pl.col("change_low").is_null() | pl.col("change_high").is_null())
        .then(pl.lit(NOT_ASSESSED))
        .when(pl.col("change_low") > 0)
        .then(pl.lit("gestegen"))
        .when(pl.col("change_high") < 0)
        .then(pl.lit("gedaald"))
        .otherwise(pl.lit("geen_verschil"))
        .alias("change_class"),
        pl.col("suppressed_from").fill_null(False),
        pl.col("suppressed_to").fill_null(False),
    )
    return frame.select([pl.col(n).cast(t) for n, t in COMPARE_SCHEMA.items()]).sort(
        "area_name", "area_code"
    )


def change_class_text(change_class: str) -> str:
    if change_class == NOT_ASSESSED:
        return "niet te beoordelen"
    return CHANGE_CLASSES[change_class][0]


# --------------------------------------------------------------------------- map classes


def map_breaks(
    values: pl.DataFrame,
    indicator_code: str,
    *,
    level: str,
    year: int,
    choice: BreakChoice,
    n_classes: int = 5,
    decimals: int | None = None,
) -> list[float]:
    """Class edges for the map. `vast`/`gelijk`: quantiles / equal intervals over the
    shown values of ALL years together, so a colour means the same in every year;
    `jaar`: quantiles of the chosen year only (the classes then shift between years)."""
    rows = indicator_rows(values, indicator_code, level)
    if choice == "jaar":
        rows = rows.filter(pl.col("year") == year)
    method: maps.BreakMethod = "equal" if choice == "gelijk" else "quantile"
    return maps.class_breaks(rows["value"], n=n_classes, method=method, decimals=decimals)


def breaks_text(choice: BreakChoice, breaks: Sequence[float], years: Sequence[int]) -> str:
    """The stated rule of the map's classes."""
    n = max(len(breaks) - 1, 0)
    span = labels.year_range_text(min(years), max(years)) if years else "alle jaren"
    if choice == "vast":
        how = f"vaste klassen: kwantielen over alle jaren samen ({span})"
    elif choice == "gelijk":
        how = f"vaste klassen: gelijke intervallen over alle jaren samen ({span})"
    else:
        how = "kwantielen van het gekozen jaar: de klassen verschuiven van jaar tot jaar"
    return f"Klassengrenzen: {how}, {n} klassen."


# --------------------------------------------------------------------------- maps


# The fast map (cached geometry texts, assembled JSON) lives in `maps`.
geometry_index = maps.geometry_index
choropleth_deck = maps.fast_choropleth


# --------------------------------------------------------------------------- charts


def spec_header(title: str, notes: Sequence[str]) -> Spec:
    """The common top of every chart spec. The chart draws no title of its own (Vega-Lite's
    "fit" sizing would squeeze the plot): the page shows `usermeta.title` above the chart
    and `usermeta.notes` (how to read it) below."""
    return {
        "$schema": VL_SCHEMA,
        "description": title,
        "usermeta": {"title": title, "notes": list(notes)},
        "config": CHART_CONFIG,
    }


def time_axis(years: Iterable[int], annotations: Sequence[Annotation] = ()) -> dict[str, Any]:
    ys = [int(y) for y in years]
    first = min([*ys, 2015])
    last = max([*ys, first])
    for a in annotations:
        first = min(first, a.day.year)
        last = max(last, a.day.year)
    return {
        "field": "date",
        "type": "temporal",
        "title": "Jaar",
        "scale": {"domain": [{"year": first, "month": 1, "date": 1}, {"year": last + 1}]},
        "axis": {"format": "%Y", "tickCount": {"interval": "year", "step": 1}, "grid": False},
    }


def annotation_layers(
    annotations: Sequence[Annotation], x: dict[str, Any], *, label_rows: int = 3
) -> list[Spec]:
    """A dark vertical rule per annotation, its label at the top (staggered over
    `label_rows` lines so nearby labels do not overlap), date and label in the tooltip."""
    if not annotations:
        return []
    records = [
        {
            "date": a.day.isoformat(),
            "label": a.label,
            "date_text": date_text(a.day),
            "row_y": 4 + 13 * (i % label_rows),
        }
        for i, a in enumerate(sorted(annotations, key=lambda a: (a.day, a.id)))
    ]
    tooltip = [
        {"field": "date_text", "type": "nominal", "title": "Datum"},
        {"field": "label", "type": "nominal", "title": "Markering"},
    ]
    return [
        {
            "data": {"values": records},
            "mark": {"type": "rule", "color": ANNOTATION_COLOUR, "strokeDash": [6, 3]},
            "encoding": {"x": x, "tooltip": tooltip},
        },
        {
            "data": {"values": records},
            "mark": {
                "type": "text",
                "align": "left",
                "baseline": "top",
                "dx": 4,
                "fontSize": 11,
                "color": ANNOTATION_COLOUR,
            },
            "encoding": {
                "x": x,
                "y": {"field": "row_y", "type": "quantitative", "scale": None},
                "text": {"field": "label", "type": "nominal"},
                "tooltip": tooltip,
            },
        },
    ]


def _value_records(
    frame: pl.DataFrame, unit: str | None, decimals: int | None, extra: Sequence[str] = ()
) -> list[dict[str, Any]]:
    records = []
    for row in frame.iter_rows(named=True):
        texts = _texts(row, unit, decimals)
        rec: dict[str, Any] = {
            "date": year_date(row["year"]),
            "value": _float(row.get("value")),
            "ci_low": _float(row.get("ci_low")),
            "ci_high": _float(row.get("ci_high")),
            **texts,
        }
        for col in extra:
            rec[col] = row.get(col)
        records.append(rec)
    return records


def trend_chart(
    flanders: pl.DataFrame,
    spread: pl.DataFrame,
    split_rows: pl.DataFrame,
    annotations: Sequence[Annotation],
    *,
    indicator_name: str,
    unit: str | None,
    split: Split,
    decimals: int | None = None,
    spread_label: str = "zones",
) -> Spec:
    """The Flemish trend (line, 95% interval as a band) over the spread between the
    areas (min-max light band, interquartile range darker band, median dashed), with an
    optional line per province or zone, and the policy annotations as vertical rules."""
    years = [*flanders["year"].to_list(), *spread["year"].to_list()]
    x = time_axis(years, annotations)
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    y_scale = {"zero": False, "nice": True}
    layers: list[Spec] = []
    if spread.height:
        spread_records = [
            {
                "date": year_date(row["year"]),
                **{k: _float(row[k]) for k in ("min", "p25", "median", "p75", "max")},
                "year_text": f"jaar {row['year']}",
                "range_text": f"{_fmt(row['min'], unit, decimals)} – "
                f"{_fmt(row['max'], unit, decimals)}",
                "iqr_text": f"{_fmt(row['p25'], unit, decimals)} – "
                f"{_fmt(row['p75'], unit, decimals)}",
                "median_text": _fmt(row["median"], unit, decimals),
                "n_text": f"{row['n_shown']} van {row['n_areas']} {spread_label}",
            }
            for row in spread.iter_rows(named=True)
        ]
        spread_tip = [
            {"field": "year_text", "type": "nominal", "title": "Jaar"},
            {"field": "median_text", "type": "nominal", "title": f"Mediaan {spread_label}"},
            {"field": "iqr_text", "type": "nominal", "title": "Interkwartielafstand"},
            {"field": "range_text", "type": "nominal", "title": "Minimum – maximum"},
            {"field": "n_text", "type": "nominal", "title": "Met getoonde waarde"},
        ]
        data = {"values": spread_records}
        layers += [
            {
                "data": data,
                "mark": {"type": "area", "color": SPREAD_COLOUR, "opacity": 0.15},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "min",
                        "type": "quantitative",
                        "title": axis_title,
                        "scale": y_scale,
                    },
                    "y2": {"field": "max"},
                    "tooltip": spread_tip,
                },
            },
            {
                "data": data,
                "mark": {"type": "area", "color": SPREAD_COLOUR, "opacity": 0.35},
                "encoding": {
                    "x": x,
                    "y": {"field": "p25", "type": "quantitative"},
                    "y2": {"field": "p75"},
                    "tooltip": spread_tip,
                },
            },
            {
                "data": data,
                "mark": {"type": "line", "color": "#555555", "strokeDash": [4, 3]},
                "encoding": {
                    "x": x,
                    "y": {"field": "median", "type": "quantitative"},
                    "tooltip": spread_tip,
                },
            },
        ]
    if split != "geen" and split_rows.height:
        records = _value_records(
            split_rows.filter(pl.col("value").is_not_null()),
            unit,
            decimals,
            extra=("area_code", "area_name", "group"),
        )
        for rec in records:
            rec["area"] = f"{rec['area_name']} ({rec['area_code']})"
        tip = [
            {"field": "area", "type": "nominal", "title": "Gebied"},
            {"field": "value_text", "type": "nominal", "title": "Waarde"},
            {"field": "interval_text", "type": "nominal", "title": "Interval"},
            {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
            {"field": "year_text", "type": "nominal", "title": "Jaar"},
        ]
        colour = {
            "field": "group",
            "type": "nominal",
            "title": "Provincie",
            "scale": {"scheme": "tableau10"},
            "legend": {"orient": "bottom", "columns": 3},
        }
        mark: dict[str, Any] = (
            {"type": "line", "strokeWidth": 2, "point": True}
            if split == "provincie"
            else {"type": "line", "strokeWidth": 1, "opacity": 0.55}
        )
        layers.append(
            {
                "data": {"values": records},
                "mark": mark,
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": axis_title,
                        "scale": y_scale,
                    },
                    "color": colour,
                    "detail": {"field": "area_code", "type": "nominal"},
                    "tooltip": tip,
                },
            }
        )
    if flanders.height:
        records = _value_records(flanders, unit, decimals)
        tip = [
            {"field": "value_text", "type": "nominal", "title": "Vlaanderen"},
            {"field": "interval_text", "type": "nominal", "title": "Interval"},
            {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
            {"field": "year_text", "type": "nominal", "title": "Jaar"},
        ]
        data = {"values": records}
        layers += [
            {
                "data": data,
                "mark": {"type": "area", "color": FLANDERS_COLOUR, "opacity": 0.25},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "ci_low",
                        "type": "quantitative",
                        "title": axis_title,
                        "scale": y_scale,
                    },
                    "y2": {"field": "ci_high"},
                    "tooltip": tip,
                },
            },
            {
                "data": data,
                "mark": {
                    "type": "line",
                    "color": FLANDERS_COLOUR,
                    "strokeWidth": 3,
                    "point": {"color": FLANDERS_COLOUR, "size": 40},
                },
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative"},
                    "tooltip": tip,
                },
            },
        ]
    layers += annotation_layers(annotations, x)
    subtitle = [
        "Rode lijn: Vlaanderen, met het 95%-betrouwbaarheidsinterval als rode band.",
        f"Grijze banden: spreiding tussen de {spread_label}: minimum–maximum (licht), "
        "interkwartielafstand (donker), mediaan (stippellijn).",
    ]
    if annotations:
        subtitle.append("Donkere stippellijnen: beleidsmarkeringen.")
    height = TREND_HEIGHT + (70 if split != "geen" and split_rows.height else 0)
    return {
        **spec_header(indicator_name, subtitle),
        "height": height,
        "layer": layers or [{"mark": "point"}],
    }


def _class_scale(classes: Mapping[str, tuple[str, str]], present: set[str]) -> dict[str, Any]:
    domain = [text for code, (text, _c) in classes.items() if code in present]
    colours = [colour for code, (_t, colour) in classes.items() if code in present]
    return {"domain": domain, "range": colours}


def funnel_chart(
    result: Funnel,
    *,
    indicator_name: str,
    unit: str | None,
    year: int,
    size_label: str,
    decimals: int | None = None,
    label_outliers: bool = True,
) -> Spec:
    """Funnel plot: each area's value against its denominator, the Flemish value as a
    line, 95% (dashed) and 99.8% (solid) control limits; colour by class, names of the
    areas outside the 99.8% limits written beside them."""
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    shown = result.points.filter(pl.col("funnel_class") != NOT_ASSESSED)
    sizes = shown["denominator"].drop_nulls()
    lo_size = _float(sizes.min()) if sizes.len() else None
    hi_size = _float(sizes.max()) if sizes.len() else None
    log_x = bool(lo_size and hi_size and lo_size > 0 and hi_size / lo_size > 20)
    x = {
        "field": "size",
        "type": "quantitative",
        "title": f"Noemer: {size_label}",
        "scale": {"type": "log"} if log_x else {"zero": False, "nice": True},
        "axis": {"format": ",.0f", "labelOverlap": True},
    }
    y_scale = {"zero": False, "nice": True}
    curve_records = []
    for row in result.curve.iter_rows(named=True):
        for col, limit in (
            ("lo_95", "95%-grens"),
            ("hi_95", "95%-grens"),
            ("lo_998", "99,8%-grens"),
            ("hi_998", "99,8%-grens"),
        ):
            v = _float(row[col])
            if v is not None:
                curve_records.append({"size": row["size"], "limit": v, "line": col, "level": limit})
    extreme = shown.filter(pl.col("funnel_class").is_in(["hoog_998", "laag_998"]))
    labelled = (
        set(
            extreme.sort(pl.col("z").abs(), descending=True)
            .head(MAX_FUNNEL_LABELS)["area_code"]
            .to_list()
        )
        if label_outliers
        else set()
    )
    point_records = []
    for row in shown.iter_rows(named=True):
        texts = _texts({**row, "year": year}, unit, decimals)
        point_records.append(
            {
                "size": float(row["denominator"]),
                "value": _float(row["value"]),
                "area": f"{row['area_name']} ({row['area_code']})",
                "name": row["area_name"],
                "class": FUNNEL_CLASSES[row["funnel_class"]][0],
                "label": row["area_name"] if row["area_code"] in labelled else "",
                **texts,
            }
        )
    present = set(shown["funnel_class"].to_list())
    tip = [
        {"field": "area", "type": "nominal", "title": "Gebied"},
        {"field": "value_text", "type": "nominal", "title": "Waarde"},
        {"field": "interval_text", "type": "nominal", "title": "Interval"},
        {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
        {"field": "class", "type": "nominal", "title": "Ten opzichte van Vlaanderen"},
        {"field": "year_text", "type": "nominal", "title": "Jaar"},
    ]
    layers: list[Spec] = [
        {
            "data": {"values": curve_records},
            "mark": {"type": "line", "color": "#34495e", "strokeWidth": 1.2},
            "encoding": {
                "x": x,
                "y": {
                    "field": "limit",
                    "type": "quantitative",
                    "title": axis_title,
                    "scale": y_scale,
                },
                "detail": {"field": "line", "type": "nominal"},
                "strokeDash": {
                    "field": "level",
                    "type": "nominal",
                    "title": "Controlegrenzen",
                    "scale": {"domain": ["95%-grens", "99,8%-grens"], "range": [[5, 4], [1, 0]]},
                    "legend": {"orient": "bottom"},
                },
            },
        },
        {
            "data": _single_datum(),
            "mark": {"type": "rule", "color": FLANDERS_COLOUR, "strokeWidth": 2},
            "encoding": {"y": {"datum": result.target, "type": "quantitative"}},
        },
        {
            "data": {"values": point_records},
            "mark": {
                "type": "point",
                "filled": True,
                "size": 60,
                "opacity": 0.9,
                "stroke": "#333333",
                "strokeWidth": 0.5,
            },
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative"},
                "color": {
                    "field": "class",
                    "type": "nominal",
                    "title": "Ten opzichte van Vlaanderen",
                    "scale": _class_scale(FUNNEL_CLASSES, present),
                    "legend": {"orient": "bottom", "columns": 2},
                },
                "tooltip": tip,
            },
        },
        {
            "data": {"values": point_records},
            "mark": {"type": "text", "align": "left", "dx": 7, "fontSize": 11},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative"},
                "text": {"field": "label", "type": "nominal"},
            },
        },
    ]
    flemish = _fmt(result.target, unit, decimals)
    adjusted = (
        f" Grenzen verbreed voor overdispersie (φ = {labels.fmt_number(result.phi_used, 2)})."
        if result.phi_used > 1.0
        else ""
    )
    return {
        **spec_header(
            f"{indicator_name}, {year}: trechterdiagram",
            [
                f"Rode lijn: Vlaanderen ({flemish}). Stippellijnen: 95%-grenzen; volle lijnen: "
                f"99,8%-grenzen.{adjusted}",
                "Hoe groter de noemer, hoe smaller de grenzen: een gebied buiten de grenzen "
                "wijkt meer af dan toeval verklaart.",
            ],
        ),
        "height": 420,
        "layer": layers,
    }


def interval_chart(
    result: Funnel,
    *,
    indicator_name: str,
    unit: str | None,
    year: int,
    decimals: int | None = None,
) -> Spec:
    """The secondary view: each area's value with its 95% interval, sorted by value (not
    ranked), coloured by its funnel class, Flanders as a dashed line."""
    shown = result.points.filter(pl.col("funnel_class") != NOT_ASSESSED)
    records = [
        {
            "area": f"{row['area_name']} ({row['area_code']})",
            "value": _float(row["value"]),
            "ci_low": _float(row["ci_low"]),
            "ci_high": _float(row["ci_high"]),
            "class": FUNNEL_CLASSES[row["funnel_class"]][0],
            **_texts({**row, "year": year}, unit, decimals),
        }
        for row in shown.iter_rows(named=True)
    ]
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    y = {
        "field": "area",
        "type": "nominal",
        "title": None,
        "sort": {"field": "value", "op": "max", "order": "descending"},
        "axis": {"labelLimit": 260},
    }
    tip = [
        {"field": "area", "type": "nominal", "title": "Gebied"},
        {"field": "value_text", "type": "nominal", "title": "Waarde"},
        {"field": "interval_text", "type": "nominal", "title": "Interval"},
        {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
        {"field": "class", "type": "nominal", "title": "Ten opzichte van Vlaanderen"},
    ]
    x_scale = {"zero": False, "nice": True}
    data = {"values": records}
    left_out = result.points.height - shown.height
    subtitle = [labels.NOT_A_RANKING, "Lijnstuk: 95%-interval. Rode stippellijn: Vlaanderen."]
    if left_out:
        subtitle.append(
            f"{left_out} gebied(en) zonder getoonde waarde (onderdrukt of geen gegevens)."
        )
    return {
        **spec_header(f"{indicator_name}, {year}", subtitle),
        "height": {"step": ROW_HEIGHT},
        "layer": [
            {
                "data": data,
                "mark": {"type": "rule", "color": "#7f8c8d", "strokeWidth": 2},
                "encoding": {
                    "x": {
                        "field": "ci_low",
                        "type": "quantitative",
                        "title": axis_title,
                        "scale": x_scale,
                    },
                    "x2": {"field": "ci_high"},
                    "y": y,
                    "tooltip": tip,
                },
            },
            {
                "data": data,
                "mark": {"type": "point", "filled": True, "size": 50, "opacity": 1},
                "encoding": {
                    "x": {"field": "value", "type": "quantitative"},
                    "y": y,
                    "color": {
                        "field": "class",
                        "type": "nominal",
                        "title": "Ten opzichte van Vlaanderen",
                        "scale": _class_scale(FUNNEL_CLASSES, set(shown["funnel_class"].to_list())),
                        "legend": {"orient": "bottom", "columns": 2},
                    },
                    "tooltip": tip,
                },
            },
            {
                "data": _single_datum(),
                "mark": {
                    "type": "rule",
                    "color": FLANDERS_COLOUR,
                    "strokeDash": [4, 3],
                    "strokeWidth": 2,
                },
                "encoding": {"x": {"datum": result.target, "type": "quantitative"}},
            },
        ],
    }


def change_chart(
    comparison: pl.DataFrame,
    *,
    flemish_change: float | None,
    indicator_name: str,
    unit: str | None,
    year_from: int,
    year_to: int,
    decimals: int | None = None,
) -> Spec:
    """Change per area between two years with its 95% interval, sorted by change (not
    ranked), coloured by whether the interval excludes 0; 0 and the Flemish change as
    lines."""
    cunit = change_unit(unit)
    shown = comparison.filter(pl.col("change_class") != NOT_ASSESSED)
    records = [
        {
            "area": f"{row['area_name']} ({row['area_code']})",
            "change": row["change"],
            "change_low": row["change_low"],
            "change_high": row["change_high"],
            "class": CHANGE_CLASSES[row["change_class"]][0],
            "change_text": signed_text(row["change"], cunit, decimals),
            "interval_text": f"95%-BI {signed_text(row['change_low'], None, decimals)} tot "
            f"{signed_text(row['change_high'], cunit, decimals)}",
            "from_text": f"{year_from}: {_fmt(row['value_from'], unit, decimals)}",
            "to_text": f"{year_to}: {_fmt(row['value_to'], unit, decimals)}",
        }
        for row in shown.iter_rows(named=True)
    ]
    y = {
        "field": "area",
        "type": "nominal",
        "title": None,
        "sort": {"field": "change", "op": "max", "order": "descending"},
        "axis": {"labelLimit": 260},
    }
    tip = [
        {"field": "area", "type": "nominal", "title": "Gebied"},
        {"field": "change_text", "type": "nominal", "title": "Verandering"},
        {"field": "interval_text", "type": "nominal", "title": "Interval"},
        {"field": "from_text", "type": "nominal", "title": "Van"},
        {"field": "to_text", "type": "nominal", "title": "Naar"},
    ]
    data = {"values": records}
    axis_title = f"Verandering {year_from}–{year_to}" + (f" ({cunit})" if cunit else "")
    layers: list[Spec] = [
        {
            "data": data,
            "mark": {"type": "rule", "color": "#7f8c8d", "strokeWidth": 2},
            "encoding": {
                "x": {"field": "change_low", "type": "quantitative", "title": axis_title},
                "x2": {"field": "change_high"},
                "y": y,
                "tooltip": tip,
            },
        },
        {
            "data": data,
            "mark": {"type": "point", "filled": True, "size": 50, "opacity": 1},
            "encoding": {
                "x": {"field": "change", "type": "quantitative"},
                "y": y,
                "color": {
                    "field": "class",
                    "type": "nominal",
                    "title": "Verandering",
                    "scale": _class_scale(CHANGE_CLASSES, set(shown["change_class"].to_list())),
                    "legend": {"orient": "bottom"},
                },
                "tooltip": tip,
            },
        },
        {
            "data": _single_datum(),
            "mark": {"type": "rule", "color": "#333333"},
            "encoding": {"x": {"datum": 0, "type": "quantitative"}},
        },
    ]
    subtitle = [
        labels.NOT_A_RANKING,
        "Lijnstuk: 95%-interval van de verandering (MOVER, de jaren als onafhankelijke "
        "steekproeven).",
    ]
    if flemish_change is not None:
        layers.append(
            {
                "data": _single_datum(),
                "mark": {
                    "type": "rule",
                    "color": FLANDERS_COLOUR,
                    "strokeDash": [4, 3],
                    "strokeWidth": 2,
                },
                "encoding": {"x": {"datum": flemish_change, "type": "quantitative"}},
            }
        )
        subtitle.append(
            f"Rode stippellijn: verandering in Vlaanderen "
            f"({signed_text(flemish_change, cunit, decimals)})."
        )
    return {
        **spec_header(f"{indicator_name}: verandering {year_from}–{year_to}", subtitle),
        "height": {"step": ROW_HEIGHT},
        "layer": layers,
    }


def heatmap_chart(
    rows: pl.DataFrame, *, indicator_name: str, unit: str | None, decimals: int | None = None
) -> Spec:
    """Zone x year, coloured by value (sequential); suppressed or missing cells grey.
    Rows sorted by zone name (not ranked)."""
    records = []
    for row in rows.iter_rows(named=True):
        texts = _texts(row, unit, decimals)
        records.append(
            {
                "area": f"{row['area_name']} ({row['area_code']})",
                "year": str(row["year"]),
                "value": _float(row["value"]),
                **texts,
            }
        )
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    return {
        **spec_header(
            f"{indicator_name} per zone en jaar",
            ["Zones op naam gesorteerd (geen rangschikking). Grijs: onderdrukt of geen gegevens."],
        ),
        "height": {"step": 14},
        # One layer holding its own data: the records stay in the spec (Streamlit would
        # convert top-level data to Arrow on every run).
        "layer": [_heat_layer(records, axis_title)],
    }


def _heat_layer(records: list[dict[str, Any]], axis_title: str) -> Spec:
    return {
        "data": {"values": records},
        "mark": {"type": "rect"},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": "Jaar"},
            "y": {
                "field": "area",
                "type": "nominal",
                "title": None,
                "sort": "ascending",
                "axis": {"labelLimit": 260},
            },
            "color": {
                "condition": {
                    "test": "datum.value === null",
                    "value": maps.rgb_hex(maps.MISSING_COLOUR),
                },
                "field": "value",
                "type": "quantitative",
                "title": axis_title,
                "scale": {"scheme": "yellowgreenblue"},
                "legend": {"orient": "bottom"},
            },
            "tooltip": [
                {"field": "area", "type": "nominal", "title": "Zone"},
                {"field": "value_text", "type": "nominal", "title": "Waarde"},
                {"field": "interval_text", "type": "nominal", "title": "Interval"},
                {"field": "denominator_text", "type": "nominal", "title": "Noemer"},
                {"field": "year_text", "type": "nominal", "title": "Jaar"},
            ],
        },
    }


def signed_text(value: float | None, unit: str | None, decimals: int | None = None) -> str:
    """A change with its sign: "+1,2 procentpunt", "−0,4", "0,0"."""
    if value is None or not math.isfinite(value):
        return labels.NO_DATA
    dec = labels.default_decimals(unit) if decimals is None else decimals
    text = labels.fmt_value(abs(value), unit, dec)
    if round(value, dec) == 0:
        return labels.fmt_value(0.0, unit, dec)
    return ("+" if value > 0 else "−") + text


# --------------------------------------------------------------------------- tables


def trend_table(
    flanders: pl.DataFrame, spread: pl.DataFrame, *, unit: str | None, decimals: int | None
) -> pl.DataFrame:
    """The Flemish series and the spread between zones per year, as Dutch text columns."""
    spread_by = {row["year"]: row for row in spread.iter_rows(named=True)}
    years = sorted({*flanders["year"].to_list(), *spread_by})
    flemish_by = {row["year"]: row for row in flanders.iter_rows(named=True)}
    rows = []
    for year in years:
        f = flemish_by.get(year, {"year": year})
        texts = _texts(f, unit, decimals)
        s = spread_by.get(year)
        rows.append(
            {
                "Jaar": str(year),
                "Vlaanderen": texts["value_text"],
                "95%-betrouwbaarheidsinterval": texts["interval_text"],
                "Teller": "" if f.get("numerator") is None else labels.fmt_number(f["numerator"]),
                "Noemer": ""
                if f.get("denominator") is None
                else labels.fmt_number(f["denominator"]),
                "Minimum zones": _fmt(s["min"], unit, decimals) if s else "",
                "Eerste kwartiel": _fmt(s["p25"], unit, decimals) if s else "",
                "Mediaan zones": _fmt(s["median"], unit, decimals) if s else "",
                "Derde kwartiel": _fmt(s["p75"], unit, decimals) if s else "",
                "Maximum zones": _fmt(s["max"], unit, decimals) if s else "",
                "Zones met waarde": f"{s['n_shown']} van {s['n_areas']}" if s else "",
            }
        )
    columns = [
        "Jaar",
        "Vlaanderen",
        "95%-betrouwbaarheidsinterval",
        "Teller",
        "Noemer",
        "Minimum zones",
        "Eerste kwartiel",
        "Mediaan zones",
        "Derde kwartiel",
        "Maximum zones",
        "Zones met waarde",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def series_table(rows: pl.DataFrame, *, unit: str | None, decimals: int | None) -> pl.DataFrame:
    """One row per area and year (Dutch text): the split trend or the heatmap's data."""
    out = []
    for row in rows.iter_rows(named=True):
        texts = _texts(row, unit, decimals)
        out.append(
            {
                "Gebied": f"{row['area_name']} ({row['area_code']})",
                "Jaar": str(row["year"]),
                "Waarde": texts["value_text"],
                "95%-betrouwbaarheidsinterval": texts["interval_text"],
                "Teller": "" if row["numerator"] is None else labels.fmt_number(row["numerator"]),
                "Noemer": ""
                if row["denominator"] is None
                else labels.fmt_number(row["denominator"]),
            }
        )
    columns = ["Gebied", "Jaar", "Waarde", "95%-betrouwbaarheidsinterval", "Teller", "Noemer"]
    return pl.DataFrame(out, schema=dict.fromkeys(columns, pl.String), orient="row")


def funnel_table(
    result: Funnel, *, unit: str | None, decimals: int | None, direction: str | None, year: int
) -> pl.DataFrame:
    """Every area with value, interval, denominator, its 95%/99.8% limits and how it
    compares with Flanders (Dutch text), sorted by name."""
    rows = []
    for row in result.points.sort("area_name", "area_code").iter_rows(named=True):
        texts = _texts({**row, "year": year}, unit, decimals)
        rows.append(
            {
                "Gebied": f"{row['area_name']} ({row['area_code']})",
                "Waarde": texts["value_text"],
                "95%-betrouwbaarheidsinterval": texts["interval_text"],
                "Teller": "" if row["numerator"] is None else labels.fmt_number(row["numerator"]),
                "Noemer": ""
                if row["denominator"] is None
                else labels.fmt_number(row["denominator"]),
                "95%-grenzen": _limits_text(row.get("lo_95"), row.get("hi_95"), unit, decimals),
                "99,8%-grenzen": _limits_text(row.get("lo_998"), row.get("hi_998"), unit, decimals),
                "Ten opzichte van Vlaanderen": comparison_text(row["funnel_class"], direction),
                "Jaar": str(year),
            }
        )
    columns = [
        "Gebied",
        "Waarde",
        "95%-betrouwbaarheidsinterval",
        "Teller",
        "Noemer",
        "95%-grenzen",
        "99,8%-grenzen",
        "Ten opzichte van Vlaanderen",
        "Jaar",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def _limits_text(lo: Any, hi: Any, unit: str | None, decimals: int | None) -> str:
    if lo is None or hi is None:
        return ""
    dec = labels.default_decimals(unit) if decimals is None else decimals
    return f"{labels.fmt_number(lo, dec)} – {labels.fmt_value(hi, unit, dec)}"


def compare_table(
    comparison: pl.DataFrame,
    *,
    unit: str | None,
    decimals: int | None,
    year_from: int,
    year_to: int,
) -> pl.DataFrame:
    """The two-year comparison as Dutch text columns, sorted by name."""
    cunit = change_unit(unit)
    rows = []
    for row in comparison.iter_rows(named=True):
        a = _texts(
            {
                "value": row["value_from"],
                "ci_low": row["ci_low_from"],
                "ci_high": row["ci_high_from"],
                "suppressed": row["suppressed_from"],
                "suppression_reason": row["reason_from"],
            },
            unit,
            decimals,
        )
        b = _texts(
            {
                "value": row["value_to"],
                "ci_low": row["ci_low_to"],
                "ci_high": row["ci_high_to"],
                "suppressed": row["suppressed_to"],
                "suppression_reason": row["reason_to"],
            },
            unit,
            decimals,
        )
        assessed = row["change_class"] != NOT_ASSESSED
        rows.append(
            {
                "Gebied": f"{row['area_name']} ({row['area_code']})",
                f"Waarde {year_from}": a["value_text"],
                f"Interval {year_from}": a["interval_text"],
                f"Waarde {year_to}": b["value_text"],
                f"Interval {year_to}": b["interval_text"],
                "Verandering": signed_text(row["change"], cunit, decimals) if assessed else "",
                "95%-interval verandering": (
                    f"{signed_text(row['change_low'], None, decimals)} tot "
                    f"{signed_text(row['change_high'], cunit, decimals)}"
                )
                if assessed
                else "",
                "Beoordeling": change_class_text(row["change_class"]),
            }
        )
    columns = [
        "Gebied",
        f"Waarde {year_from}",
        f"Interval {year_from}",
        f"Waarde {year_to}",
        f"Interval {year_to}",
        "Verandering",
        "95%-interval verandering",
        "Beoordeling",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


# --------------------------------------------------------------------------- downloads


csv_bytes = downloads.csv_bytes


xlsx_bytes = downloads.xlsx_bytes


def file_stem(*parts: object) -> str:
    """A safe file name stem: "monitor_gp_per_10k_zone_2024"."""
    text = "_".join(str(p) for p in parts if p not in (None, ""))
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)
