"""Area need index: a composite of standardised need indicators in four families.

Pure functions, polars in / polars out, no Streamlit. The method, its default
weights and its limits are described in `docs/need-and-fair-shares.md`.

Steps, for one level (municipality or zone) and one year:

1. `need_catalogue`: the indicators whose `need_family` is one of the four
   families (health, demographic, socio-economic, cultural): taken from the
   catalogue, so a data team with other Atlas codes changes data, not code.
2. `area_rates`: every area's rate per indicator from its numerator and
   denominator. A suppressed or missing cell is never read as 0: it takes the
   rate of the area one level up (municipality -> zone -> Flanders), and
   `imputed_from` says so.
3. `standardise`: z = (rate - Flemish rate) / SD of the areas' rates, capped at
   +/- `Z_CAP`. 0 is the Flemish level; every indicator counts "higher = more need".
4. `index_weights` and `need_index`: the index is the weighted sum of the z-scores,
   with family weights x within-family indicator weights that sum to 1. Each
   indicator's contribution (weight x z) is kept for the decomposition chart.
5. `population_quintiles`: population-weighted quintiles (each holds about a fifth
   of the inhabitants), used for the municipalities' need index and, in
   `gradient`, for deprivation.

Also here, shared by the 'Nood en aanbod' pages: URL helpers (`format_mapping`,
`parse_mapping`, `parse_choice`, `parse_number`) that write and read a shared proposal;
Dutch display tables (`index_display_table`, `dutch_table`); plain Vega-Lite chart specs
(`layer_data`, `vl_title`, the index charts); the fast choropleth (`geometry_json`,
`FastDeck`, `choropleth_deck`); CSV and XLSX downloads.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

import polars as pl

from popmgmt.pipeline.codes import FLANDERS_CODE, NEED_FAMILIES
from popmgmt.views import downloads, labels, maps

# Default family weights (sum 1). A judgement, documented in
# docs/need-and-fair-shares.md: health and age drive first-line care use most
# directly; socio-economic position is the strongest non-medical determinant;
# the cultural family has one, indirect indicator (migration background).
DEFAULT_FAMILY_WEIGHTS: Final[Mapping[str, float]] = {
    "gezondheid": 0.35,
    "demografie": 0.25,
    "sociaaleconomisch": 0.25,
    "cultureel": 0.15,
}
DEFAULT_INDICATOR_WEIGHT: Final = 1.0
"""Within a family every indicator counts equally unless the user says otherwise."""

Z_CAP: Final = 3.0
"""z-scores are capped at +/- 3 SD so that one extreme (noisy) rate cannot dominate."""

N_QUINTILES: Final = 5
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

RATES_SCHEMA: Final = pl.Schema(
    {
        "area_code": pl.String,
        "area_name": pl.String,
        "zone_code": pl.String,
        "indicator_code": pl.String,
        "year": pl.Int64,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "rate": pl.Float64,
        "imputed_from": pl.String,
        "suppression_reason": pl.String,
    }
)


# --------------------------------------------------------------------------- catalogue


def need_catalogue(indicators: pl.DataFrame) -> pl.DataFrame:
    """The need indicators of the catalogue, in family order then by code.

    Columns: indicator_code, name_nl, need_family, unit, multiplier,
    denominator_label, source, interval_method.
    """
    order = pl.DataFrame(
        {"need_family": list(NEED_FAMILIES), "_order": list(range(len(NEED_FAMILIES)))},
        schema={"need_family": pl.String, "_order": pl.Int64},
    )
    cols = [
        "indicator_code",
        "name_nl",
        "need_family",
        "unit",
        "multiplier",
        "denominator_label",
        "source",
        "interval_method",
    ]
    return (
        indicators.filter(pl.col("need_family").is_in(list(NEED_FAMILIES)))
        .join(order, on="need_family", how="inner")
        .sort("_order", "indicator_code")
        .select(cols)
    )


# --------------------------------------------------------------------------- weights


def index_weights(
    catalogue: pl.DataFrame,
    family_weights: Mapping[str, float] | None = None,
    indicator_weights: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """The weight of every need indicator: family share x share within the family.

    `family_weights` (default `DEFAULT_FAMILY_WEIGHTS`) and `indicator_weights`
    (default 1 each) are relative: any non-negative numbers. A family's weight is
    spread over its indicators in proportion to their weights; families without an
    indicator with a positive weight drop out and the others are rescaled, so the
    weights always sum to 1. Raises ValueError for a negative weight or when
    nothing has a positive weight.
    Columns: indicator_code, need_family, family_weight, indicator_weight, weight.
    """
    fam = dict(DEFAULT_FAMILY_WEIGHTS if family_weights is None else family_weights)
    ind = dict(indicator_weights or {})
    for name, w in [*fam.items(), *ind.items()]:
        if not math.isfinite(w) or w < 0:
            raise ValueError(f"gewicht van {name} moet een getal >= 0 zijn, niet {w}")
    frame = catalogue.select("indicator_code", "need_family").with_columns(
        pl.col("need_family")
        .replace_strict(fam, default=0.0, return_dtype=pl.Float64)
        .alias("_fam_raw"),
        pl.col("indicator_code")
        .replace_strict(ind, default=DEFAULT_INDICATOR_WEIGHT, return_dtype=pl.Float64)
        .alias("_ind_raw"),
    )
    frame = frame.with_columns(
        pl.col("_ind_raw").sum().over("need_family").alias("_ind_sum"),
    ).with_columns(
        pl.when(pl.col("_ind_sum") > 0)
        .then(pl.col("_ind_raw") / pl.col("_ind_sum"))
        .otherwise(0.0)
        .alias("indicator_weight"),
        pl.when(pl.col("_ind_sum") > 0).then(pl.col("_fam_raw")).otherwise(0.0).alias("_fam"),
    )
    families = frame.group_by("need_family").agg(pl.col("_fam").first())
    total = float(families["_fam"].sum())
    if total <= 0:
        raise ValueError("minstens één familie en één indicator moeten een gewicht > 0 hebben")
    return frame.with_columns(
        (pl.col("_fam") / total).alias("family_weight"),
    ).select(
        "indicator_code",
        "need_family",
        "family_weight",
        "indicator_weight",
        (pl.col("family_weight") * pl.col("indicator_weight")).alias("weight"),
    )


# --------------------------------------------------------------------------- rates


def area_population(population: pl.DataFrame, *, level: str, years: Sequence[int]) -> pl.DataFrame:
    """Inhabitants (1 January) per area and year: area_code, year, population."""
    return population.filter(
        (pl.col("level") == level)
        & (pl.col("sex") == "T")
        & (pl.col("age_band") == "totaal")
        & pl.col("year").is_in(list(years))
    ).select("area_code", "year", pl.col("population").cast(pl.Float64))


def _cells(
    values: pl.DataFrame, level: str, codes: Sequence[str], years: Sequence[int]
) -> pl.DataFrame:
    rows = values.filter(
        (pl.col("level") == level)
        & pl.col("indicator_code").is_in(list(codes))
        & pl.col("year").is_in(list(years))
    )
    ok = (
        ~pl.col("suppressed").fill_null(False)
        & pl.col("numerator").is_not_null()
        & (pl.col("denominator").fill_null(0) > 0)
    )
    return rows.select(
        "area_code",
        "indicator_code",
        "year",
        pl.when(ok).then(pl.col("numerator").cast(pl.Float64)).alias("numerator"),
        pl.when(ok).then(pl.col("denominator").cast(pl.Float64)).alias("denominator"),
        pl.when(ok)
        .then(pl.col("numerator").cast(pl.Float64) / pl.col("denominator").cast(pl.Float64))
        .alias("rate"),
        pl.when(pl.col("suppressed").fill_null(False))
        .then(pl.col("suppression_reason").fill_null("onderdrukt"))
        .alias("suppression_reason"),
    )


def area_rates(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    *,
    level: str,
    codes: Sequence[str],
    years: Sequence[int],
) -> pl.DataFrame:
    """Every area of `level` x indicator x year with its raw rate (numerator/denominator).

    `level` is `gemeente`, `zone` or `vlaanderen`. A suppressed or missing cell gets
    the rate of its zone (municipalities) or of Flanders (zones, or a zone without a
    value); `imputed_from` is then `zone` or `vlaanderen` and numerator and
    denominator stay null (a hidden count is never guessed, never 0). A rate that is
    still unknown stays null. Columns: see `RATES_SCHEMA`.
    """
    codes = list(codes)
    years = list(years)
    if level == "vlaanderen":
        base = pl.DataFrame(
            {"area_code": [FLANDERS_CODE], "area_name": ["Vlaanderen"], "zone_code": [None]},
            schema={"area_code": pl.String, "area_name": pl.String, "zone_code": pl.String},
        )
    else:
        base = areas.filter(pl.col("level") == level).select("area_code", "area_name", "zone_code")
    grid = base.join(
        pl.DataFrame({"indicator_code": codes}, schema={"indicator_code": pl.String}),
        how="cross",
    ).join(pl.DataFrame({"year": years}, schema={"year": pl.Int64}), how="cross")
    own = _cells(values, level, codes, years)
    out = grid.join(own, on=["area_code", "indicator_code", "year"], how="left")
    flemish = _cells(values, "vlaanderen", codes, years).select(
        "indicator_code", "year", pl.col("rate").alias("_fl_rate")
    )
    if level == "gemeente":
        zone = _cells(values, "zone", codes, years).select(
            pl.col("area_code").alias("zone_code"),
            "indicator_code",
            "year",
            pl.col("rate").alias("_zone_rate"),
        )
        out = out.join(zone, on=["zone_code", "indicator_code", "year"], how="left")
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias("_zone_rate"))
    out = out.join(flemish, on=["indicator_code", "year"], how="left")
    if level == "vlaanderen":
        out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias("_fl_rate"))
    own_ok = pl.col("rate").is_not_null()
    imputed = (
        pl.when(own_ok)
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("_zone_rate").is_not_null())
        .then(pl.lit("zone"))
        .when(pl.col("_fl_rate").is_not_null())
        .then(pl.lit("vlaanderen"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return (
        out.with_columns(
            imputed.alias("imputed_from"),
            pl.coalesce("rate", "_zone_rate", "_fl_rate").alias("rate"),
        )
        .select(list(RATES_SCHEMA))
        .cast(RATES_SCHEMA)
        .sort("area_code", "indicator_code", "year")
    )


def reference_rates(values: pl.DataFrame, *, codes: Sequence[str], year: int) -> pl.DataFrame:
    """The Flemish rate of each indicator in `year`: indicator_code, ref_rate."""
    return _cells(values, "vlaanderen", codes, [year]).select(
        "indicator_code", pl.col("rate").alias("ref_rate")
    )


# --------------------------------------------------------------------------- index


def standardise(
    rates: pl.DataFrame, reference: pl.DataFrame, *, cap: float | None = Z_CAP
) -> pl.DataFrame:
    """Add `sd` and `z` = (rate - ref_rate) / sd, capped at +/- `cap`.

    `rates`: area_code, indicator_code, rate (one year). `reference`:
    indicator_code, ref_rate (the Flemish rate; when absent, the unweighted mean of
    the areas). `sd` is the standard deviation of the areas' rates (ddof 1). An
    indicator without spread (sd 0 or null) gives z = 0; a null rate gives null z.
    """
    out = rates.join(reference, on="indicator_code", how="left").with_columns(
        pl.col("rate").std().over("indicator_code").alias("sd"),
        pl.coalesce(pl.col("ref_rate"), pl.col("rate").mean().over("indicator_code")).alias(
            "ref_rate"
        ),
    )
    z = (
        pl.when(pl.col("rate").is_null())
        .then(None)
        .when(pl.col("sd").is_null() | (pl.col("sd") <= 0))
        .then(0.0)
        .otherwise((pl.col("rate") - pl.col("ref_rate")) / pl.col("sd"))
    )
    if cap is not None:
        z = z.clip(-cap, cap)
    return out.with_columns(z.alias("z"))


def need_index(
    rates: pl.DataFrame,
    reference: pl.DataFrame,
    weights: pl.DataFrame,
    *,
    cap: float | None = Z_CAP,
) -> pl.DataFrame:
    """Each area's contribution per indicator: weight x z (the decomposition).

    `rates` for one year (see `area_rates`); `weights` from `index_weights`.
    Indicators with weight 0 are kept (contribution 0). A null z contributes
    nothing and is counted in `index_scores`' `n_missing`. Columns: area_code,
    indicator_code, need_family, rate, ref_rate, sd, z, weight, contribution,
    imputed_from.
    """
    std = standardise(
        rates.select("area_code", "indicator_code", "rate", "imputed_from"),
        reference,
        cap=cap,
    )
    return (
        std.join(weights.select("indicator_code", "need_family", "weight"), on="indicator_code")
        .with_columns((pl.col("weight") * pl.col("z")).alias("contribution"))
        .select(
            "area_code",
            "indicator_code",
            "need_family",
            "rate",
            "ref_rate",
            "sd",
            "z",
            "weight",
            "contribution",
            "imputed_from",
        )
        .sort("area_code", "indicator_code")
    )


def index_scores(contributions: pl.DataFrame) -> pl.DataFrame:
    """One row per area: need_index (sum of contributions), one column per family.

    Columns: area_code, need_index, n_imputed, n_missing, and
    `fam_<family>` (that family's part of the index) for every family present.
    """
    base = contributions.group_by("area_code").agg(
        pl.col("contribution").fill_null(0.0).sum().alias("need_index"),
        (pl.col("imputed_from").is_not_null() & (pl.col("weight") > 0)).sum().alias("n_imputed"),
        (pl.col("z").is_null() & (pl.col("weight") > 0)).sum().alias("n_missing"),
    )
    fams = (
        contributions.group_by("area_code", "need_family")
        .agg(pl.col("contribution").fill_null(0.0).sum())
        .pivot(on="need_family", index="area_code", values="contribution")
    )
    present = [f for f in NEED_FAMILIES if f in fams.columns]
    fams = fams.select("area_code", *[pl.col(f).alias(f"fam_{f}") for f in present])
    return base.join(fams, on="area_code", how="left").sort("area_code")


def population_quintiles(
    frame: pl.DataFrame,
    *,
    value_col: str,
    population_col: str = "population",
    key_col: str = "area_code",
    by: Sequence[str] = (),
    n: int = N_QUINTILES,
    out_col: str = "quintile",
) -> pl.DataFrame:
    """Add `out_col` (1..n): population-weighted quantile groups of `value_col`.

    Within each `by` group, areas are sorted by value (ties by `key_col`, so the
    result does not depend on row order) and each gets the group that holds the
    midpoint of its cumulative population share: group 1 has the lowest values and
    each group about 1/n of the population. Rows with a null value or population
    get a null group.
    """
    by = list(by)
    valid = pl.col(value_col).is_not_null() & (pl.col(population_col).fill_null(0) > 0)
    pop = pl.col(population_col).cast(pl.Float64)
    cum = pop.cum_sum() - pop / 2.0
    tot = pop.sum()
    ranked = (
        frame.filter(valid)
        .sort([*by, value_col, key_col])
        .with_columns(
            (cum.over(by) if by else cum).alias("_mid"),
            (tot.over(by) if by else tot).alias("_tot"),
        )
        .with_columns(
            ((pl.col("_mid") / pl.col("_tot") * n).floor().cast(pl.Int64) + 1)
            .clip(1, n)
            .alias(out_col)
        )
        .select(*by, key_col, out_col)
    )
    return frame.join(ranked, on=[*by, key_col], how="left")


# --------------------------------------------------------------------------- URL helpers


def format_number(value: float) -> str:
    """A number for a URL: "0.15", "35", "1250000" (up to 4 decimals, no trailing zeros)."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


_fmt_float = format_number


def format_mapping(mapping: Mapping[str, float]) -> str:
    """ "a:35,b:25" (keys in the mapping's order, numbers without trailing zeros)."""
    return ",".join(f"{key}:{_fmt_float(float(value))}" for key, value in mapping.items())


def parse_mapping(
    text: str,
    allowed: Collection[str],
    *,
    minimum: float = 0.0,
    maximum: float = math.inf,
    what: str = "gewicht",
) -> tuple[dict[str, float], list[str]]:
    """Read "a:35,b:25" back. Returns (values, Dutch problems).

    Unknown keys, unreadable or out-of-range numbers are skipped and each gives one
    problem message; the rest is returned.
    """
    values: dict[str, float] = {}
    problems: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, raw = part.partition(":")
        key = key.strip()
        if not sep:
            problems.append(f"'{part}' is geen paar naam:getal")
            continue
        if key not in allowed:
            problems.append(f"onbekende code '{key}'")
            continue
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            problems.append(f"{what} van '{key}' is geen getal: '{raw}'")
            continue
        if not math.isfinite(number) or not minimum <= number <= maximum:
            high = "" if math.isinf(maximum) else f" en {_fmt_float(maximum)}"
            problems.append(
                f"{what} van '{key}' moet tussen {_fmt_float(minimum)}{high} liggen, niet {raw}"
            )
            continue
        values[key] = number
    return values, problems


def parse_choice(
    text: str | None, options: Sequence[Any], *, what: str
) -> tuple[Any | None, str | None]:
    """The option whose text equals `text` (None if absent), or a Dutch problem."""
    if text is None or text == "":
        return None, None
    for option in options:
        if str(option) == text:
            return option, None
    return None, f"{what} '{text}' uit de link bestaat niet in deze gegevens"


def parse_number(
    text: str | None, *, minimum: float, maximum: float, what: str
) -> tuple[float | None, str | None]:
    """A number from the URL within [minimum, maximum], or a Dutch problem."""
    if text is None or text == "":
        return None, None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None, f"{what} '{text}' uit de link is geen getal"
    if not math.isfinite(value) or not minimum <= value <= maximum:
        return None, (
            f"{what} '{text}' uit de link ligt niet tussen {_fmt_float(minimum)} en "
            f"{_fmt_float(maximum)}"
        )
    return value, None


# --------------------------------------------------------------------------- display


def index_table(
    scores: pl.DataFrame, areas: pl.DataFrame, population: pl.DataFrame
) -> pl.DataFrame:
    """Scores with area names and inhabitants, sorted by index (highest need first)."""
    return (
        scores.join(areas.select("area_code", "area_name"), on="area_code", how="left")
        .join(population.select("area_code", "population"), on="area_code", how="left")
        .sort(["need_index", "area_code"], descending=[True, False])
    )


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


_VIEW_KEYS: Final = ("mark", "encoding", "transform", "params", "projection")


AUTOSIZE: Final[dict[str, str]] = {"type": "fit-x", "contains": "padding"}
"""Fit the container's width, let the height grow with title and legend (Streamlit cuts
off the title of a fixed-height chart under the default autosize)."""


def layer_data(spec: dict[str, Any]) -> dict[str, Any]:
    """Move a spec's top-level inline data into its layers (a single view becomes one
    layer) and set `AUTOSIZE`.

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


def _family_scale() -> dict[str, Any]:
    return {
        "domain": [labels.label("need_family", f) for f in NEED_FAMILIES],
        "range": [FAMILY_COLOURS[f] for f in NEED_FAMILIES],
    }


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
