"""GP-poor areas: the Flemish Impulseo priority-zone rule, and its application to the marts.

The rule (DOMAIN 6; Vlaamse Impulseo-premie, "huisartsarme gemeente"): an area is GP-poor
when it counts fewer than 90 GPs under 65 per 100,000 inhabitants, or fewer than 120 per
100,000 where the population density is under 125 inhabitants per km². Both comparisons
are strict ("fewer than", "under"): exactly 90 per 100,000 is not GP-poor, and a density
of exactly 125 inhabitants per km² takes the 90 threshold.

`priority_rule` is the rule itself, a pure function over (GPs under 65, inhabitants,
area in km²). The comparisons are done without dividing (`gps * 100_000 < threshold *
inhabitants`, `inhabitants < 125 * km²`), so a hand-built case exactly at a threshold is
decided exactly.

The marts do not (yet) hold GPs under 65. `gp_poor_inputs` takes the best available
count, per area and year, and says which (`method`):

* `gemeten`: the numerator of the indicator `gp_under65_per_100k` when the build
  provides it (used automatically; its own definition says how the build counts GPs
  under 65: see docs/monitor.md);
* `schatting_zone`: all active GPs (numerator of `gp_per_10k`) x (1 - the share of GPs
  aged 65+ of the zone, `gp_65plus`), in survey years (the survey is the only source of
  GPs' ages; the zone is the smallest level where that share is reliable);
* `schatting_vlaanderen`: the same with the Flemish share, where the zone's is suppressed;
* `alle_leeftijden`: all active GPs, 65+ included, in years without an age source: an
  approximation that overstates GPs under 65 and so understates GP-poor areas.

A GP count suppressed as 1-4 still decides the rule when even 4 GPs would be under the
threshold (status `huisartsarm_onderdrukt`); otherwise, and for a secondarily suppressed
count, the status is `niet_te_bepalen`. Pure polars, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

import polars as pl

from popmgmt.app.annotations import Annotation
from popmgmt.pipeline.codes import BRUSSELS_ZONE, FLANDERS_CODE
from popmgmt.views import labels, maps, monitor

PER_INHABITANTS: Final = 100_000
THRESHOLD: Final = 90.0
"""GPs under 65 per 100,000 inhabitants: fewer than this is GP-poor."""
THRESHOLD_SPARSE: Final = 120.0
"""The threshold where the population density is under `DENSITY_LIMIT`."""
DENSITY_LIMIT: Final = 125.0
"""Inhabitants per km²: under this, `THRESHOLD_SPARSE` applies."""
MAX_SUPPRESSED_COUNT: Final = 4
"""A count suppressed as small is 1 to this (DOMAIN 4: counts 1-4 are suppressed)."""

GP_INDICATOR: Final = "gp_per_10k"
GP_65PLUS_INDICATOR: Final = "gp_65plus"
UNDER65_INDICATOR: Final = "gp_under65_per_100k"
"""The indicator the build should add (docs/monitor.md); used as soon as it exists."""

METHODS: Final = ("gemeten", "schatting_zone", "schatting_vlaanderen", "alle_leeftijden")
STATUSES: Final = ("huisartsarm", "huisartsarm_onderdrukt", "niet_huisartsarm", "niet_te_bepalen")
POOR_STATUSES: Final = ("huisartsarm", "huisartsarm_onderdrukt")
Basis = Literal["best", "all_ages"]

# Suppression reasons that mean "a count of 1-4" (labels.py lists the accepted spellings).
SMALL_COUNT_REASONS: Final = frozenset({"klein_aantal", "lt5", "small_count", "primair", "primary"})

METHOD_TEXT: Final[dict[str, str]] = {
    "gemeten": (
        "het aantal huisartsen jonger dan 65 zoals de build het levert (indicator "
        "gp_under65_per_100k; zie de definitie van die indicator)"
    ),
    "schatting_zone": (
        "actieve huisartsen × (1 − aandeel 65-plussers onder de huisartsen van de zone, uit de "
        "bevraging)"
    ),
    "schatting_vlaanderen": (
        "actieve huisartsen × (1 − aandeel 65-plussers onder de huisartsen in Vlaanderen, uit "
        "de bevraging), waar het aandeel van de zone onderdrukt is"
    ),
    "alle_leeftijden": (
        "alle actieve huisartsen, ook de 65-plussers (geen leeftijd gekend in dit jaar); dat "
        "overschat het aantal huisartsen onder 65 en onderschat dus de huisartsarme gebieden"
    ),
}
METHOD_SHORT: Final[dict[str, str]] = {
    "gemeten": "indicator huisartsen < 65",
    "schatting_zone": "schatting (aandeel 65+ van de zone)",
    "schatting_vlaanderen": "schatting (aandeel 65+ van Vlaanderen)",
    "alle_leeftijden": "benadering (alle leeftijden)",
}
STATUS_TEXT: Final[dict[str, str]] = {
    "huisartsarm": "huisartsarm",
    "huisartsarm_onderdrukt": "huisartsarm (aantal onderdrukt, < 5 huisartsen)",
    "niet_huisartsarm": "niet huisartsarm",
    "niet_te_bepalen": "niet te bepalen (aantal onderdrukt)",
}
RULE_TEXT: Final = (
    "Een gebied is **huisartsarm** (Vlaamse Impulseo-regel voor prioritaire zones) als het "
    "minder dan 90 huisartsen jonger dan 65 per 100.000 inwoners telt, of minder dan 120 per "
    "100.000 inwoners waar de bevolkingsdichtheid lager is dan 125 inwoners per km²."
)

INPUT_SCHEMA: Final = pl.Schema(
    {
        "area_code": pl.String,
        "area_name": pl.String,
        "zone_code": pl.String,
        "year": pl.Int64,
        "population": pl.Float64,
        "area_km2": pl.Float64,
        "gps_all": pl.Float64,
        "share_65plus": pl.Float64,
        "gps_under65": pl.Float64,
        "gps_under65_max": pl.Float64,
        "suppressed": pl.Boolean,
        "suppression_reason": pl.String,
        "method": pl.String,
    }
)
RULE_COLUMNS: Final = (
    "density",
    "sparse",
    "threshold",
    "rate_per_100k",
    "margin_per_100k",
    "margin_gps",
    "gps_short",
    "gp_poor",
    "status",
)
TREND_SCHEMA: Final = pl.Schema(
    {
        "year": pl.Int64,
        "method": pl.String,
        "n_areas": pl.Int64,
        "n_poor": pl.Int64,
        "n_not_poor": pl.Int64,
        "n_undetermined": pl.Int64,
        "population_poor": pl.Float64,
        "population_total": pl.Float64,
        "share_population_poor": pl.Float64,
    }
)


# --------------------------------------------------------------------------- the rule


def threshold_for(population: float, area_km2: float) -> float:
    """The threshold (GPs under 65 per 100,000) that applies at this density.

    >>> threshold_for(12_000, 100.0)   # 120 inhabitants/km² < 125
    120.0
    >>> threshold_for(12_500, 100.0)   # exactly 125: not under 125
    90.0
    """
    if population <= 0 or area_km2 <= 0:
        raise ValueError("inwoners en oppervlakte moeten groter dan 0 zijn")
    return THRESHOLD_SPARSE if population < DENSITY_LIMIT * area_km2 else THRESHOLD


def is_gp_poor(gps_under65: float, population: float, area_km2: float) -> bool:
    """The rule for one area: fewer GPs under 65 per 100,000 than its threshold.

    >>> is_gp_poor(89, 100_000, 100.0)   # 89 per 100,000, dense
    True
    >>> is_gp_poor(90, 100_000, 100.0)   # exactly 90: not fewer than 90
    False
    >>> is_gp_poor(119, 100_000, 1_000.0)   # 100 inhabitants/km²: threshold 120
    True
    """
    if gps_under65 < 0:
        raise ValueError("het aantal huisartsen kan niet negatief zijn")
    threshold = threshold_for(population, area_km2)
    return gps_under65 * PER_INHABITANTS < threshold * population


def priority_rule(
    frame: pl.DataFrame,
    *,
    gps: str = "gps_under65",
    population: str = "population",
    area_km2: str = "area_km2",
    gps_max: str | None = None,
) -> pl.DataFrame:
    """Apply the rule to every row; adds `RULE_COLUMNS`.

    `density` (inhabitants per km²), `sparse` (density < 125), `threshold` (90 or 120),
    `rate_per_100k` (GPs under 65 per 100,000), `margin_per_100k` (rate - threshold:
    negative is under the threshold), `margin_gps` (GPs above (+) or short of (-) the
    threshold: gps - threshold x inhabitants / 100,000), `gps_short` (whole GPs needed to
    reach the threshold, 0 when not GP-poor), `gp_poor` (Boolean) and `status` (one of
    `STATUSES`).

    A null `gps` with a `gps_max` (an upper bound, e.g. 4 for a count suppressed as 1-4)
    is still GP-poor when the bound is under the threshold (status
    `huisartsarm_onderdrukt`, no margin); otherwise, or without inhabitants or area, the
    status is `niet_te_bepalen` and `gp_poor` is null. Negative GP counts raise ValueError.
    """
    if frame.filter(pl.col(gps) < 0).height:
        raise ValueError("het aantal huisartsen kan niet negatief zijn")
    pop = pl.col(population).cast(pl.Float64)
    km2 = pl.col(area_km2).cast(pl.Float64)
    n = pl.col(gps).cast(pl.Float64)
    bound = pl.col(gps_max).cast(pl.Float64) if gps_max else pl.lit(None, dtype=pl.Float64)
    known_area = pop.is_not_null() & km2.is_not_null() & (pop > 0) & (km2 > 0)
    sparse = pl.when(known_area).then(pop < DENSITY_LIMIT * km2)
    threshold = (
        pl.when(~known_area)
        .then(None)
        .when(pop < DENSITY_LIMIT * km2)
        .then(pl.lit(THRESHOLD_SPARSE))
        .otherwise(pl.lit(THRESHOLD))
    )
    out = frame.with_columns(
        pl.when(known_area).then(pop / km2).alias("density"),
        sparse.alias("sparse"),
        threshold.alias("threshold"),
    )
    thr = pl.col("threshold")
    poor_exact = n * PER_INHABITANTS < thr * pop
    poor_bound = bound * PER_INHABITANTS < thr * pop
    margin_gps = n - thr * pop / PER_INHABITANTS
    out = out.with_columns(
        (n * PER_INHABITANTS / pop).alias("rate_per_100k"),
        (n * PER_INHABITANTS / pop - thr).alias("margin_per_100k"),
        margin_gps.alias("margin_gps"),
        pl.when(n.is_null() | thr.is_null())
        .then(None)
        .when(poor_exact)
        # Rounded before ceil: polars may divide by multiplying with the reciprocal, which
        # turns an exact 6 into 6.000000000000001.
        .then(((thr * pop - n * PER_INHABITANTS) / PER_INHABITANTS).round(9).ceil())
        .otherwise(0.0)
        .alias("gps_short"),
        pl.when(thr.is_null())
        .then(None)
        .when(n.is_not_null())
        .then(poor_exact)
        .when(poor_bound.fill_null(False))
        .then(True)
        .otherwise(None)
        .alias("gp_poor"),
    )
    status = (
        pl.when(pl.col("gp_poor").is_null())
        .then(pl.lit("niet_te_bepalen"))
        .when(pl.col("gp_poor") & n.is_null())
        .then(pl.lit("huisartsarm_onderdrukt"))
        .when(pl.col("gp_poor"))
        .then(pl.lit("huisartsarm"))
        .otherwise(pl.lit("niet_huisartsarm"))
    )
    return out.with_columns(status.alias("status"))


# --------------------------------------------------------------------------- the marts


def _indicator_rows(values: pl.DataFrame, code: str, level: str) -> pl.DataFrame:
    return values.filter((pl.col("indicator_code") == code) & (pl.col("level") == level))


def _share_65plus(values: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per zone and year, the share of GPs aged 65+ (raw scale), with the Flemish share."""
    rows = values.filter(
        (pl.col("indicator_code") == GP_65PLUS_INDICATOR)
        & pl.col("level").is_in(["zone", "vlaanderen"])
        & ~pl.col("suppressed").fill_null(False)
        & (pl.col("denominator") > 0)
    ).select(
        "level",
        "area_code",
        "year",
        (pl.col("numerator") / pl.col("denominator")).alias("share"),
    )
    flemish = rows.filter(
        (pl.col("level") == "vlaanderen") & (pl.col("area_code") == FLANDERS_CODE)
    ).select("year", pl.col("share").alias("share_flanders"))
    zones = rows.filter(pl.col("level") == "zone").select(
        pl.col("area_code").alias("zone_code"), "year", pl.col("share").alias("share_zone")
    )
    return zones, flemish


def _area_frame(areas: pl.DataFrame, level: str) -> pl.DataFrame:
    """The Flemish areas of `level` (the rule is Flemish: Brussels, zone elz7, is left out)."""
    frame = areas.filter(pl.col("level") == level)
    zone = pl.col("area_code") if level == "zone" else pl.col("zone_code")
    return frame.select("area_code", "area_name", zone.alias("zone_code"), "area_km2").filter(
        pl.col("zone_code").is_null() | (pl.col("zone_code") != BRUSSELS_ZONE)
    )


def _population_totals(population: pl.DataFrame, level: str) -> pl.DataFrame:
    return population.filter(
        (pl.col("level") == level)
        & (pl.col("sex") == "T")
        & (pl.col("age_band") == "totaal")
        & ~pl.col("suppressed").fill_null(False)
    ).select("area_code", "year", pl.col("population").cast(pl.Float64))


def gp_poor_inputs(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    population: pl.DataFrame,
    *,
    level: str = "gemeente",
    basis: Basis = "best",
    years: list[int] | None = None,
) -> pl.DataFrame:
    """GPs under 65, inhabitants and area per area and year, with the method used.

    `level` is `gemeente` or `zone`. `basis="best"` takes, per year, the best available
    count (module docstring: `gemeten`, then `schatting_zone`/`schatting_vlaanderen` in
    survey years, else `alle_leeftijden`); `basis="all_ages"` takes all active GPs in every
    year (one method over the whole series). Inhabitants come from the population mart
    (1 January, total). A suppressed count gives null `gps_under65` and, when suppressed
    as 1-4, `gps_under65_max` = 4 (x (1 - share) for an estimate). Rows: every area of
    `level` x every year with a GP count (or `years`). Columns: `INPUT_SCHEMA`.
    """
    if level not in ("gemeente", "zone"):
        raise ValueError(f"niveau moet 'gemeente' of 'zone' zijn, niet {level!r}")
    gp_rows = _indicator_rows(values, GP_INDICATOR, level)
    measured = (
        _indicator_rows(values, UNDER65_INDICATOR, level) if basis == "best" else gp_rows.clear()
    )
    measured_years = set(measured["year"].unique().to_list())
    wanted = sorted(set(gp_rows["year"].unique().to_list()) | measured_years)
    if years is not None:
        wanted = [y for y in wanted if y in set(years)]
    grid = _area_frame(areas, level).join(
        pl.DataFrame({"year": wanted}, schema={"year": pl.Int64}), how="cross"
    )
    cols = ["area_code", "year", "numerator", "suppressed", "suppression_reason"]
    counts = pl.concat(
        [
            gp_rows.filter(~pl.col("year").is_in(list(measured_years)))
            .select(cols)
            .with_columns(pl.lit("all").alias("_source")),
            measured.select(cols).with_columns(pl.lit("under65").alias("_source")),
        ],
        how="vertical_relaxed",
    )
    frame = grid.join(counts, on=["area_code", "year"], how="left").join(
        _population_totals(population, level), on=["area_code", "year"], how="left"
    )
    if basis == "best":
        zone_share, flemish_share = _share_65plus(values)
        frame = frame.join(zone_share, on=["zone_code", "year"], how="left").join(
            flemish_share, on="year", how="left"
        )
    else:
        frame = frame.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("share_zone"),
            pl.lit(None, dtype=pl.Float64).alias("share_flanders"),
        )
    is_measured = pl.col("_source") == "under65"
    method = (
        pl.when(is_measured)
        .then(pl.lit("gemeten"))
        .when(pl.col("share_zone").is_not_null())
        .then(pl.lit("schatting_zone"))
        .when(pl.col("share_flanders").is_not_null())
        .then(pl.lit("schatting_vlaanderen"))
        .otherwise(pl.lit("alle_leeftijden"))
    )
    share = (
        pl.when(is_measured)
        .then(None)
        .otherwise(pl.coalesce(pl.col("share_zone"), pl.col("share_flanders")))
    )
    frame = frame.with_columns(method.alias("method"), share.alias("share_65plus"))
    suppressed = pl.col("suppressed").fill_null(False)
    count = pl.when(suppressed).then(None).otherwise(pl.col("numerator").cast(pl.Float64))
    factor = 1.0 - pl.col("share_65plus").fill_null(0.0)
    small = suppressed & pl.col("suppression_reason").is_in(list(SMALL_COUNT_REASONS))
    frame = frame.with_columns(
        count.alias("gps_all_raw"),
        (count * factor).alias("gps_under65"),
        pl.when(small)
        .then(MAX_SUPPRESSED_COUNT * factor)
        .otherwise(count * factor)
        .alias("gps_under65_max"),
    ).with_columns(
        pl.when(is_measured).then(None).otherwise(pl.col("gps_all_raw")).alias("gps_all"),
        suppressed.alias("suppressed"),
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in INPUT_SCHEMA.items()]).sort(
        "year", "area_name", "area_code"
    )


def assess(inputs: pl.DataFrame) -> pl.DataFrame:
    """`gp_poor_inputs` with the rule applied (`priority_rule`, suppression bound used)."""
    return priority_rule(inputs, gps_max="gps_under65_max")


def gp_poor_trend(assessed: pl.DataFrame) -> pl.DataFrame:
    """Per year: how many areas are GP-poor, not, or undetermined; the people living there.

    `method` is the year's method when all areas share it, else the methods joined by
    "+". Columns: `TREND_SCHEMA`.
    """
    if assessed.height == 0:
        return pl.DataFrame(schema=TREND_SCHEMA)
    poor = pl.col("status").is_in(list(POOR_STATUSES))
    out = (
        assessed.group_by("year")
        .agg(
            pl.col("method").unique().sort().str.join("+").alias("method"),
            pl.len().cast(pl.Int64).alias("n_areas"),
            poor.sum().cast(pl.Int64).alias("n_poor"),
            (pl.col("status") == "niet_huisartsarm").sum().cast(pl.Int64).alias("n_not_poor"),
            (pl.col("status") == "niet_te_bepalen").sum().cast(pl.Int64).alias("n_undetermined"),
            pl.col("population").filter(poor).sum().cast(pl.Float64).alias("population_poor"),
            pl.col("population").sum().cast(pl.Float64).alias("population_total"),
        )
        .with_columns(
            (pl.col("population_poor") / pl.col("population_total") * 100).alias(
                "share_population_poor"
            )
        )
        .sort("year")
    )
    return out.select([pl.col(n).cast(t) for n, t in TREND_SCHEMA.items()])


def method_note(methods: list[str]) -> str:
    """One Dutch sentence per method used, for the caption under a GP-poor figure."""
    used = [m for m in METHODS if m in set(methods)]
    return " ".join(f"**{METHOD_SHORT[m]}**: {METHOD_TEXT[m]}." for m in used)


# --------------------------------------------------------------------------- display

RGB = tuple[int, int, int]
MARGIN_CLASSES: Final[dict[str, tuple[str, RGB]]] = {
    "arm_40": ("< −40: huisartsarm", (178, 24, 43)),
    "arm_20": ("−40 tot −20: huisartsarm", (239, 138, 98)),
    "arm_0": ("−20 tot 0: huisartsarm", (253, 219, 199)),
    "arm_onderdrukt": ("huisartsarm, < 5 huisartsen (aantal onderdrukt)", (118, 42, 131)),
    "boven_0": ("0 tot +20: niet huisartsarm", (209, 229, 240)),
    "boven_20": ("≥ +20: niet huisartsarm", (67, 147, 195)),
    "onbepaald": ("niet te bepalen (aantal onderdrukt)", (190, 190, 190)),
}
"""Map classes of the margin to the threshold: fixed edges (-40, -20, 0, +20 per
100,000), so a colour means the same in every year."""
MAP_TOOLTIP_HTML: Final = (
    "<b>{tt_name}</b><br/>{tt_status}<br/>{tt_rate}<br/>{tt_margin}<br/>{tt_density}"
    "<br/>{tt_method}<br/>{tt_year}"
)
MAP_ALPHA: Final = 230


def margin_class(status: str, margin_per_100k: float | None) -> str:
    """The map class of an assessed area (`MARGIN_CLASSES`). The sign comes from the
    rule's own decision (`status`), the size from the margin."""
    if status == "huisartsarm_onderdrukt":
        return "arm_onderdrukt"
    if status == "niet_te_bepalen" or margin_per_100k is None:
        return "onbepaald"
    if status == "huisartsarm":
        if margin_per_100k < -40:
            return "arm_40"
        return "arm_20" if margin_per_100k < -20 else "arm_0"
    return "boven_20" if margin_per_100k >= 20 else "boven_0"


def _num(value: Any, decimals: int = 1) -> str:
    return labels.fmt_number(None if value is None else float(value), decimals)


def _signed(value: Any, decimals: int = 1) -> str:
    if value is None:
        return ""
    text = _num(abs(value), decimals)
    if round(value, decimals) == 0:
        return _num(0.0, decimals)
    return ("+" if value > 0 else "−") + text


def row_texts(row: dict[str, Any]) -> dict[str, str]:
    """Dutch texts of one assessed area: status, GPs, rate, margin, density, method."""
    suppressed = bool(row.get("suppressed"))
    reason = row.get("suppression_reason")
    reason_text = labels.suppressed_text(str(reason) if reason else None)
    gps = row.get("gps_under65")
    rate = row.get("rate_per_100k")
    margin = row.get("margin_per_100k")
    margin_gps = row.get("margin_gps")
    threshold = row.get("threshold")
    density = row.get("density")
    status = str(row.get("status"))
    method = str(row.get("method"))
    decimals_gps = 0 if gps is not None and float(gps).is_integer() else 1
    if suppressed or gps is None:
        gps_text = reason_text if suppressed else "geen gegevens"
        rate_text = gps_text
        margin_text = gps_text
        margin_gps_text = gps_text
    else:
        gps_text = _num(float(gps), decimals_gps)
        rate_text = _num(float(rate), 1) if rate is not None else "geen gegevens"
        margin_text = _signed(float(margin), 1) if margin is not None else ""
        if margin_gps is None:
            margin_gps_text = ""
        elif status == "huisartsarm":
            short = row.get("gps_short")
            margin_gps_text = f"tekort: {_num(short, 0)} huisarts(en)"
        else:
            margin_gps_text = f"{_num(float(margin_gps), 1)} huisarts(en) boven de drempel"
    return {
        "status_text": STATUS_TEXT.get(status, status),
        "gps_text": gps_text,
        "rate_text": rate_text,
        "margin_text": margin_text,
        "margin_gps_text": margin_gps_text,
        "threshold_text": _num(float(threshold), 0) if threshold is not None else "",
        "density_text": _num(float(density), 0) if density is not None else "",
        "method_text": METHOD_SHORT.get(method, method),
    }


TABLE_COLUMNS: Final = (
    "Gebied",
    "Zone",
    "Status",
    "Huisartsen < 65",
    "Inwoners",
    "Dichtheid (inw./km²)",
    "Drempel (per 100.000)",
    "Huisartsen < 65 per 100.000",
    "Marge t.o.v. drempel (per 100.000)",
    "Marge in huisartsen",
    "Telling",
    "Jaar",
)


def display_table(assessed: pl.DataFrame, *, zone_names: dict[str, str]) -> pl.DataFrame:
    """The assessed areas of one year as Dutch text columns (`TABLE_COLUMNS`): GP-poor
    first, then by name. The margin is shown, not only the flag."""
    order = {s: i for i, s in enumerate(STATUSES)}
    rows = []
    ordered = assessed.with_columns(
        pl.col("status").replace_strict(order, default=len(order)).alias("_o")
    ).sort("_o", "area_name", "area_code")
    for row in ordered.iter_rows(named=True):
        t = row_texts(row)
        zone = row.get("zone_code")
        rows.append(
            {
                "Gebied": f"{row['area_name']} ({row['area_code']})",
                "Zone": f"{zone_names.get(zone, zone)} ({zone})" if zone else "",
                "Status": t["status_text"],
                "Huisartsen < 65": t["gps_text"],
                "Inwoners": _num(row["population"], 0) if row["population"] is not None else "",
                "Dichtheid (inw./km²)": t["density_text"],
                "Drempel (per 100.000)": t["threshold_text"],
                "Huisartsen < 65 per 100.000": t["rate_text"],
                "Marge t.o.v. drempel (per 100.000)": t["margin_text"],
                "Marge in huisartsen": t["margin_gps_text"],
                "Telling": t["method_text"],
                "Jaar": str(row["year"]),
            }
        )
    return pl.DataFrame(rows, schema=dict.fromkeys(TABLE_COLUMNS, pl.String), orient="row")


def trend_table(trends: dict[str, pl.DataFrame], *, unit_label: str) -> pl.DataFrame:
    """The yearly counts per basis (Dutch text), one row per basis and year."""
    rows = []
    for basis_label, frame in trends.items():
        for row in frame.iter_rows(named=True):
            methods = str(row["method"]).split("+")
            rows.append(
                {
                    "Telling": basis_label,
                    "Jaar": str(row["year"]),
                    f"Huisartsarme {unit_label}": str(row["n_poor"]),
                    f"Niet huisartsarme {unit_label}": str(row["n_not_poor"]),
                    "Niet te bepalen": str(row["n_undetermined"]),
                    f"Aantal {unit_label}": str(row["n_areas"]),
                    "Inwoners in huisartsarme gebieden": _num(row["population_poor"], 0),
                    "Aandeel van de inwoners": f"{_num(row['share_population_poor'], 1)} %",
                    "Methode": "; ".join(METHOD_SHORT.get(m, m) for m in methods),
                }
            )
    columns = [
        "Telling",
        "Jaar",
        f"Huisartsarme {unit_label}",
        f"Niet huisartsarme {unit_label}",
        "Niet te bepalen",
        f"Aantal {unit_label}",
        "Inwoners in huisartsarme gebieden",
        "Aandeel van de inwoners",
        "Methode",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def map_properties(assessed: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Per area: fill colour of its margin class and the Dutch tooltip fields."""
    out: dict[str, dict[str, Any]] = {}
    for row in assessed.iter_rows(named=True):
        t = row_texts(row)
        klass = margin_class(str(row["status"]), row["margin_per_100k"])
        rgb = MARGIN_CLASSES[klass][1]
        thr = t["threshold_text"]
        out[str(row["area_code"])] = maps.tooltip_fields(
            {
                "fill_color": [*rgb, MAP_ALPHA],
                "margin_class": klass,
                "tt_name": f"{row['area_name']} ({row['area_code']})",
                "tt_status": t["status_text"],
                "tt_rate": f"huisartsen < 65 per 100.000: {t['rate_text']} (drempel {thr})",
                "tt_margin": f"marge: {t['margin_text']} per 100.000; {t['margin_gps_text']}"
                if t["margin_text"] and not row.get("suppressed")
                else f"marge: {t['margin_text'] or 'onbekend'}",
                "tt_density": f"dichtheid: {t['density_text']} inwoners/km²",
                "tt_method": f"telling: {t['method_text']}",
                "tt_year": f"jaar {row['year']}",
            }
        )
    return out


def legend_items(present: set[str] | None = None) -> list[maps.LegendItem]:
    """One legend row per map class (those in `present`, default all), in legend order."""
    return [
        maps.LegendItem(colour=maps.rgb_hex(rgb), text=text, rgb=rgb)
        for code, (text, rgb) in MARGIN_CLASSES.items()
        if present is None or code in present
    ]


def legend_rows(present: set[str] | None = None) -> list[tuple[str, str]]:
    """(hex colour, text) per map class, in legend order."""
    return [(item.colour, item.text) for item in legend_items(present)]


BASIS_LABELS: Final[dict[str, str]] = {
    "best": "Beste beschikbare telling",
    "all_ages": "Alle leeftijden (doorlopende reeks)",
}


def trend_chart(
    trends: dict[str, pl.DataFrame],
    annotations: Sequence[Annotation],
    *,
    unit_label: str,
) -> dict[str, Any]:
    """The number of GP-poor areas per year, one line per basis (`BASIS_LABELS` keys),
    the point shape saying which method each year used; policy annotations as rules."""
    records = []
    for basis, frame in trends.items():
        for row in frame.iter_rows(named=True):
            methods = str(row["method"]).split("+")
            main = "schatting" if any(m.startswith("schatting") for m in methods) else methods[0]
            records.append(
                {
                    "date": monitor.year_date(row["year"]),
                    "n_poor": row["n_poor"],
                    "basis": BASIS_LABELS.get(basis, basis),
                    "method": {
                        "gemeten": "indicator huisartsen < 65",
                        "schatting": "schatting (65+ uit bevraging)",
                        "alle_leeftijden": "benadering (alle leeftijden)",
                    }.get(main, main),
                    "year_text": f"jaar {row['year']}",
                    "poor_text": f"{row['n_poor']} van {row['n_areas']} {unit_label}",
                    "undetermined_text": str(row["n_undetermined"]),
                    "population_text": f"{_num(row['population_poor'], 0)} "
                    f"({_num(row['share_population_poor'], 1)} %)",
                }
            )
    years = [int(y) for frame in trends.values() for y in frame["year"].to_list()]
    x = monitor.time_axis(years, annotations)
    tip = [
        {"field": "basis", "type": "nominal", "title": "Telling"},
        {"field": "poor_text", "type": "nominal", "title": "Huisartsarm"},
        {"field": "undetermined_text", "type": "nominal", "title": "Niet te bepalen"},
        {"field": "population_text", "type": "nominal", "title": "Inwoners daar"},
        {"field": "method", "type": "nominal", "title": "Methode"},
        {"field": "year_text", "type": "nominal", "title": "Jaar"},
    ]
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": records},
            "mark": {"type": "line", "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": {
                    "field": "n_poor",
                    "type": "quantitative",
                    "title": f"Aantal huisartsarme {unit_label}",
                    "scale": {"zero": True},
                },
                "color": {
                    "field": "basis",
                    "type": "nominal",
                    "title": "Telling",
                    "scale": {
                        "domain": list(BASIS_LABELS.values()),
                        "range": ["#b2182b", "#7f8c8d"],
                    },
                    "legend": {"orient": "bottom"},
                },
                "tooltip": tip,
            },
        },
        {
            "data": {"values": records},
            "mark": {"type": "point", "filled": True, "size": 70},
            "encoding": {
                "x": x,
                "y": {"field": "n_poor", "type": "quantitative"},
                "color": {"field": "basis", "type": "nominal", "legend": None},
                "shape": {
                    "field": "method",
                    "type": "nominal",
                    "title": "Methode",
                    "legend": {"orient": "bottom", "columns": 1},
                },
                "tooltip": tip,
            },
        },
        *monitor.annotation_layers(annotations, x),
    ]
    return {
        **monitor.spec_header(
            f"Aantal huisartsarme {unit_label} per jaar",
            [
                "Rood: beste beschikbare telling per jaar (de methode verschilt tussen jaren: "
                "zie de vorm van het punt). Grijs: alle actieve huisartsen, elk jaar op "
                "dezelfde manier geteld.",
                *(["Donkere stippellijnen: beleidsmarkeringen."] if annotations else []),
            ],
        ),
        "height": 380,
        "layer": layers,
    }
