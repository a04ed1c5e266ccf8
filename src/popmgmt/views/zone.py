"""The zone profile (omgevingsanalyse) of one first-line zone: pure functions, no Streamlit.

Everything the page `pages/zone.py` shows is computed here from the marts (polars in,
polars out) or drawn here (Vega-Lite specifications and pydeck decks made of plain
dicts): the zone's population and pyramid, its municipalities, the indicator snapshot
behind the spine chart, GP capacity (with the GP-poor rule of `popmgmt.gppoor`), the
practice profile, side-by-side comparisons, trends, downloads and the report's
sections. `build_profile` bundles the indicator-independent part for one zone.
Similar and neighbouring zones come from `popmgmt.peers`, the report's HTML from
`popmgmt.report`. Suppressed cells stay null with their reason; texts read
"onderdrukt (...)", never 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

import polars as pl
import pydeck as pdk

from popmgmt.metrics import gppoor, peers
from popmgmt.metrics.indicators import GMD_COVERAGE, GP_PER_10K
from popmgmt.metrics.stats import compare_to_reference
from popmgmt.pipeline.codes import (
    AIM_DOMAINS,
    ANTWERP_ZONE,
    BRUSSELS_ZONE,
    FLANDERS_CODE,
    PATIENT_STOP,
    PAYMENT_SYSTEMS,
    POP_AGE_BANDS,
    PRACTICE_FORMS,
    THEMES,
)
from popmgmt.views import downloads, gppoor_display, labels, maps, peers_display, report

ZONE_PARAM: Final = "zone"
INDICATOR_PARAM: Final = "indicator"
DEFAULT_INDICATOR: Final = GMD_COVERAGE

BOUNDARY_NOTE: Final = "grenzen 2025 toegepast op alle jaren (zonegrenzen gewijzigd op 1/1/2025)"

# Indicators of the GP-capacity block, in reading order.
ATTRIB_PER_FTE: Final = "attrib_per_fte"
CAPACITY_INDICATORS: Final = (
    GP_PER_10K,
    gppoor.UNDER65_INDICATOR,
    "gp_fte_per_10k",
    "gp_60plus",
    "gp_65plus",
    "gp_trainees_per_10k",
    GMD_COVERAGE,
    ATTRIB_PER_FTE,
    "practices_patient_stop",
    "practices_flat_rate",
    "ima_mh",
)
CAPACITY_CARDS: Final = (
    GP_PER_10K,
    gppoor.UNDER65_INDICATOR,
    "gp_fte_per_10k",
    "gp_60plus",
    GMD_COVERAGE,
    ATTRIB_PER_FTE,
    "practices_patient_stop",
    "practices_flat_rate",
)

COMPARISON_ORDER: Final = ("beter", "slechter", "hoger", "lager", "vergelijkbaar", "onbekend")
COMPARISON_COLOURS: Final[dict[str, str]] = {
    "beter": "#2166ac",
    "slechter": "#e66101",
    "hoger": "#542788",
    "lager": "#b2abd2",
    "vergelijkbaar": "#fdd835",
    "onbekend": "#9e9e9e",
}
COMPARISON_MARKS: Final[dict[str, str]] = {"hoger": "▲", "lager": "▼", "vergelijkbaar": "="}
RANGE_COLOUR: Final = "#d9d9d9"
MIDDLE_COLOUR: Final = "#a6a6a6"
FLANDERS_COLOUR: Final = "#c0392b"
ZONE_COLOUR: Final = "#1f6f8b"
PEER_COLOUR: Final = "#9e9e9e"
SEX_COLOURS: Final[dict[str, str]] = {"Mannen": "#5e8fb8", "Vrouwen": "#d08c60"}
ROW_STEP: Final = 24

SIGNIFICANCE_METHOD: Final = (
    "Vergelijking met Vlaanderen: ligt het 95%-betrouwbaarheidsinterval van de zone volledig "
    "boven of onder de Vlaamse waarde, dan is de zone hoger of lager (beter of slechter "
    "waar de indicator een richting heeft); overlapt het interval de Vlaamse waarde, dan is "
    "het verschil niet aangetoond. Interval per indicator: Wilson-score-interval voor "
    "aandelen, exact Poisson-interval (Byar vanaf 10) voor cijfers per inwoner. De Vlaamse "
    "waarde geldt als vaste referentie. Onderdrukte cellen worden niet beoordeeld."
)
GP_POOR_MARGIN_NOTE: Final = (
    "De regel duidt het grootste deel van Vlaanderen aan: kijk daarom naar de marge tot de "
    "drempel, niet enkel naar het oordeel."
)


# --------------------------------------------------------------------------- choice


@dataclass(frozen=True)
class Choice:
    """A code asked for (in a link) resolved against the known codes."""

    code: str | None
    """The known code, or None when nothing (valid) was asked for."""
    message: str | None
    """A Dutch message when the link named an unknown code."""


def zone_options(areas: pl.DataFrame) -> dict[str, str]:
    """Zone code -> "Name (code)", ordered by name (what a care council looks for)."""
    zones = areas.filter(pl.col("level") == "zone").sort("area_name", "area_code")
    return {
        str(code): f"{name} ({code})"
        for code, name in zones.select("area_code", "area_name").iter_rows()
    }


def resolve_code(requested: str | None, known: Iterable[str], *, what: str) -> Choice:
    """Resolve a code from a query parameter (case and spaces forgiven).

    An absent or empty value gives `Choice(None, None)`; an unknown value gives
    `Choice(None, message)` with a Dutch message naming the value.
    """
    if requested is None or not str(requested).strip():
        return Choice(None, None)
    text = str(requested).strip()
    lookup = {k.lower(): k for k in known}
    found = lookup.get(text.lower())
    if found is not None:
        return Choice(found, None)
    # Shown in Markdown: keep letters, digits and a few marks only (no links, no HTML).
    safe = "".join(ch if ch.isalnum() or ch in "-_. " else "?" for ch in text)
    shown = safe if len(safe) <= 40 else safe[:40] + "…"
    if what == "zone":
        message = (
            f"De zone **'{shown}'** uit de link bestaat niet in deze gegevens (grenzen 2025). "
            "Kies hieronder een eerstelijnszone; de link wordt dan aangepast."
        )
    else:
        message = (
            f"De indicator **'{shown}'** uit de link bestaat niet in deze gegevens. "
            "De standaardindicator wordt getoond; kies hieronder een andere."
        )
    return Choice(None, message)


def antwerp_note(zone_code: str) -> str | None:
    """The note that Antwerp city's four zones cannot be separated, for `elz2` only."""
    return labels.ANTWERP_NOTE if zone_code == ANTWERP_ZONE else None


# --------------------------------------------------------------------------- helpers


def hide_suppressed(frame: pl.DataFrame) -> pl.DataFrame:
    """Null the numbers of suppressed cells (value, interval, numerator): never a 0."""
    flag = pl.col("suppressed").fill_null(False)
    cols = [c for c in ("numerator", "value", "ci_low", "ci_high", "population") if c in frame]
    return frame.with_columns(
        flag.alias("suppressed"),
        *[pl.when(flag).then(None).otherwise(pl.col(c)).alias(c) for c in cols],
    )


def value_text(
    value: float | None, suppressed: bool | None, reason: str | None, unit: str | None
) -> str:
    """A value for a table: "67,3 %", "onderdrukt (< 5)" or "geen gegevens"."""
    if suppressed:
        return labels.suppressed_text(reason)
    return labels.fmt_value(value, unit)


def comparison_label(code: str | None) -> str:
    """Dutch text of a comparison code of `stats.compare_to_reference`."""
    if code is None or code == "onbekend":
        return labels.label("comparison", "niet_te_beoordelen")
    if code == "vergelijkbaar":
        return labels.label("comparison", "niet_verschillend")
    return labels.label("comparison", code)


def comparison_mark(position: str | None) -> str:
    """▲ (interval above Flanders), ▼ (below), = (overlaps) or "" (not assessed)."""
    return COMPARISON_MARKS.get(position or "", "")


def cell_text(row: Mapping[str, Any], unit: str | None) -> str:
    """A value with its comparison mark, for side-by-side tables: "67,3 % ▲"."""
    text = value_text(row.get("value"), row.get("suppressed"), row.get("suppression_reason"), unit)
    mark = comparison_mark(row.get("position"))
    return f"{text} {mark}" if mark else text


def _count_text(value: float | None) -> str:
    return "" if value is None else labels.fmt_number(value)


def _order_frame(name: str, codes: Sequence[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {name: list(codes), f"{name}_order": list(range(len(codes)))},
        schema={name: pl.String, f"{name}_order": pl.Int64},
    )


# --------------------------------------------------------------------------- population


def zone_summary(areas: pl.DataFrame, population: pl.DataFrame, zone_code: str) -> dict[str, Any]:
    """Name, area, inhabitants (latest and first year), change and density of a zone."""
    area = areas.filter((pl.col("level") == "zone") & (pl.col("area_code") == zone_code))
    if area.height == 0:
        raise KeyError(zone_code)
    row = area.row(0, named=True)
    trend = population_trend(population, zone_code)
    shown = trend.filter(pl.col("zone_population").is_not_null())
    first = shown.row(0, named=True) if shown.height else None
    last = shown.row(-1, named=True) if shown.height else None
    km2 = row["area_km2"]
    pop = None if last is None else last["zone_population"]
    n_muni = areas.filter(
        (pl.col("level") == "gemeente") & (pl.col("zone_code") == zone_code)
    ).height
    change = None
    if first is not None and last is not None and first["zone_population"]:
        change = (last["zone_population"] / first["zone_population"] - 1.0) * 100.0
    return {
        "zone_code": zone_code,
        "zone_name": row["area_name"],
        "area_km2": km2,
        "population": pop,
        "year": None if last is None else last["year"],
        "first_population": None if first is None else first["zone_population"],
        "first_year": None if first is None else first["year"],
        "change_pct": change,
        "density": None if pop is None or not km2 else pop / km2,
        "municipalities": n_muni,
    }


def population_trend(population: pl.DataFrame, zone_code: str) -> pl.DataFrame:
    """Inhabitants per year, zone and Flanders, with an index (first year = 100).

    Columns: year, zone_population, flanders_population, zone_index, flanders_index,
    suppressed, suppression_reason (of the zone's cell).
    """
    totals = hide_suppressed(
        population.filter((pl.col("sex") == "T") & (pl.col("age_band") == "totaal"))
    )
    zone = totals.filter((pl.col("level") == "zone") & (pl.col("area_code") == zone_code)).select(
        "year",
        pl.col("population").cast(pl.Float64).alias("zone_population"),
        "suppressed",
        "suppression_reason",
    )
    flanders = totals.filter(
        (pl.col("level") == "vlaanderen") & (pl.col("area_code") == FLANDERS_CODE)
    ).select("year", pl.col("population").cast(pl.Float64).alias("flanders_population"))
    out = zone.join(flanders, on="year", how="left").sort("year")
    return out.with_columns(
        (pl.col("zone_population") / pl.col("zone_population").drop_nulls().first() * 100).alias(
            "zone_index"
        ),
        (
            pl.col("flanders_population") / pl.col("flanders_population").drop_nulls().first() * 100
        ).alias("flanders_index"),
    ).select(
        "year",
        "zone_population",
        "flanders_population",
        "zone_index",
        "flanders_index",
        "suppressed",
        "suppression_reason",
    )


def population_trend_display(trend: pl.DataFrame) -> pl.DataFrame:
    """The population trend as Dutch text columns."""
    rows = [
        [
            str(r["year"]),
            value_text(r["zone_population"], r["suppressed"], r["suppression_reason"], None),
            labels.fmt_number(r["zone_index"], 1),
            labels.fmt_number(r["flanders_population"]),
            labels.fmt_number(r["flanders_index"], 1),
        ]
        for r in trend.iter_rows(named=True)
    ]
    columns = [
        "Jaar",
        "Inwoners zone",
        "Index zone (eerste jaar = 100)",
        "Inwoners Vlaanderen",
        "Index Vlaanderen",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def population_pyramid(population: pl.DataFrame, zone_code: str, year: int) -> pl.DataFrame:
    """Zone and Flanders by sex and 5-year band, as shares of their own total.

    One row per sex (M, V) and band (oldest last). Columns: sex, age_band, population,
    share (% of the zone's inhabitants), flanders_population, flanders_share,
    suppressed, suppression_reason. A suppressed zone cell has null population and
    share; its reason stays.
    """
    rows = hide_suppressed(population.filter(pl.col("year") == year))
    zone = rows.filter((pl.col("level") == "zone") & (pl.col("area_code") == zone_code))
    flanders = rows.filter(
        (pl.col("level") == "vlaanderen") & (pl.col("area_code") == FLANDERS_CODE)
    )

    def total(frame: pl.DataFrame) -> float | None:
        t = frame.filter((pl.col("sex") == "T") & (pl.col("age_band") == "totaal"))
        return None if t.height == 0 or t["population"][0] is None else float(t["population"][0])

    zone_total, flanders_total = total(zone), total(flanders)
    grid = pl.DataFrame(
        {
            "sex": [s for s in ("M", "V") for _ in POP_AGE_BANDS],
            "age_band": [b for _ in ("M", "V") for b in POP_AGE_BANDS],
            "band_order": [i for _ in ("M", "V") for i in range(len(POP_AGE_BANDS))],
        },
        schema={"sex": pl.String, "age_band": pl.String, "band_order": pl.Int64},
    )
    zcells = zone.select(
        "sex",
        "age_band",
        pl.col("population").cast(pl.Float64),
        "suppressed",
        "suppression_reason",
    )
    fcells = flanders.select(
        "sex", "age_band", pl.col("population").cast(pl.Float64).alias("flanders_population")
    )
    out = grid.join(zcells, on=["sex", "age_band"], how="left").join(
        fcells, on=["sex", "age_band"], how="left"
    )
    return (
        out.with_columns(
            pl.col("suppressed").fill_null(False),
            (pl.col("population") / zone_total * 100 if zone_total else pl.lit(None))
            .cast(pl.Float64)
            .alias("share"),
            (
                pl.col("flanders_population") / flanders_total * 100
                if flanders_total
                else pl.lit(None)
            )
            .cast(pl.Float64)
            .alias("flanders_share"),
        )
        .sort("sex", "band_order")
        .select(
            "sex",
            "age_band",
            "population",
            "share",
            "flanders_population",
            "flanders_share",
            "suppressed",
            "suppression_reason",
        )
    )


def pyramid_display(pyramid: pl.DataFrame, year: int) -> pl.DataFrame:
    """The pyramid as Dutch text columns (suppressed cells read "onderdrukt (...)")."""
    rows = [
        [
            labels.label("sex", r["sex"]),
            r["age_band"],
            value_text(r["population"], r["suppressed"], r["suppression_reason"], None),
            "" if r["suppressed"] else labels.fmt_value(r["share"], "%", 2),
            labels.fmt_value(r["flanders_share"], "%", 2),
            str(year),
        ]
        for r in pyramid.iter_rows(named=True)
    ]
    columns = [
        "Geslacht",
        "Leeftijd",
        "Inwoners zone",
        "Aandeel zone",
        "Aandeel Vlaanderen",
        "Jaar",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


# --------------------------------------------------------------------------- municipalities


def zone_municipalities(
    areas: pl.DataFrame, population: pl.DataFrame, zone_code: str, year: int | None
) -> pl.DataFrame:
    """The municipalities of a zone with inhabitants, area and density.

    Columns: area_code, area_name, area_km2, population, density, suppressed,
    suppression_reason (of the population cell), year.
    """
    munis = areas.filter((pl.col("level") == "gemeente") & (pl.col("zone_code") == zone_code))
    pop = hide_suppressed(
        population.filter(
            (pl.col("level") == "gemeente")
            & (pl.col("year") == year)
            & (pl.col("sex") == "T")
            & (pl.col("age_band") == "totaal")
        )
    ).select("area_code", "population", "suppressed", "suppression_reason")
    return (
        munis.select("area_code", "area_name", pl.col("area_km2").cast(pl.Float64))
        .join(pop, on="area_code", how="left")
        .with_columns(
            pl.col("population").cast(pl.Float64),
            pl.col("suppressed").fill_null(False),
            pl.lit(year, dtype=pl.Int64).alias("year"),
        )
        .with_columns(
            pl.when(pl.col("area_km2") > 0)
            .then(pl.col("population") / pl.col("area_km2"))
            .alias("density")
        )
        .sort("area_name", "area_code")
        .select(
            "area_code",
            "area_name",
            "area_km2",
            "population",
            "density",
            "suppressed",
            "suppression_reason",
            "year",
        )
    )


def municipality_display(
    munis: pl.DataFrame, values: pl.DataFrame, *, unit: str | None, indicator_name: str
) -> pl.DataFrame:
    """The municipalities of a zone with the chosen indicator (Dutch text columns).

    `values` holds the indicator per municipality (`store.indicator_map_values` at
    level `gemeente`); municipalities without a row read "geen gegevens".
    """
    by_code = {r["area_code"]: r for r in values.iter_rows(named=True)}
    rows = []
    for m in munis.iter_rows(named=True):
        v = by_code.get(m["area_code"], {})
        texts = labels.value_texts(
            value=v.get("value"),
            ci_low=v.get("ci_low"),
            ci_high=v.get("ci_high"),
            denominator=v.get("denominator"),
            suppressed=bool(v.get("suppressed")),
            reason=v.get("suppression_reason"),
            unit=unit,
            denominator_label=None,
            year=v.get("year"),
        )
        rows.append(
            [
                f"{m['area_name']} ({m['area_code']})",
                value_text(m["population"], m["suppressed"], m["suppression_reason"], None),
                labels.fmt_number(m["area_km2"], 1),
                labels.fmt_number(m["density"]),
                texts["value_text"],
                texts["interval_text"],
                _count_text(None if v.get("suppressed") else v.get("numerator")),
                _count_text(v.get("denominator")),
                "" if v.get("year") is None else str(v["year"]),
            ]
        )
    columns = [
        "Gemeente",
        f"Inwoners ({munis['year'][0] if munis.height else ''})",
        "Oppervlakte (km²)",
        "Inwoners per km²",
        indicator_name,
        "95%-betrouwbaarheidsinterval",
        "Teller",
        "Noemer",
        "Jaar indicator",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def select_features(
    geojson: Mapping[str, Any], codes: Iterable[str], code_property: str = "area_code"
) -> dict[str, Any]:
    """A new FeatureCollection with the features whose code is in `codes` (input untouched)."""
    wanted = set(codes)
    features = [
        f
        for f in geojson.get("features") or []
        if str((f.get("properties") or {}).get(code_property)) in wanted
    ]
    return {"type": "FeatureCollection", "features": features}


def bounds(geojson: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of every vertex; None when empty."""
    xs: list[float] = []
    ys: list[float] = []
    for feature in geojson.get("features") or []:
        for ring in peers.polygon_rings(feature.get("geometry")):
            for point in ring:
                xs.append(float(point[0]))
                ys.append(float(point[1]))
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def view_for_bounds(
    box: tuple[float, float, float, float],
    *,
    width_px: int = 700,
    height_px: int = 460,
    padding: float = 0.35,
    max_zoom: float = 12.0,
) -> dict[str, float]:
    """A deck.gl view (latitude, longitude, zoom) that shows the box (web Mercator).

    deck.gl's world is 512 px wide at zoom 0; the zoom is the largest at which both the
    longitude and the (Mercator) latitude span fit, minus `padding`.
    """
    xmin, ymin, xmax, ymax = box

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_span = max(xmax - xmin, 1e-6)
    lat_span = max(merc(ymax) - merc(ymin), 1e-6)
    zoom_x = math.log2(width_px * 360.0 / (512.0 * lon_span))
    zoom_y = math.log2(height_px * 2 * math.pi / (512.0 * lat_span))
    zoom = min(zoom_x, zoom_y, max_zoom) - padding
    mid_y = (merc(ymin) + merc(ymax)) / 2
    latitude = math.degrees(2 * math.atan(math.exp(mid_y)) - math.pi / 2)
    return {"latitude": latitude, "longitude": (xmin + xmax) / 2, "zoom": round(zoom, 2)}


def municipality_map(
    geojson: Mapping[str, Any],
    values: pl.DataFrame,
    *,
    breaks: Sequence[float],
    unit: str | None,
    denominator_label: str | None,
    year: int | None,
    decimals: int | None = None,
) -> pdk.Deck:
    """The zone's municipalities coloured by an indicator, zoomed to the zone.

    `geojson` holds the zone's municipalities only (`select_features`); `breaks` are
    usually computed over all Flemish municipalities, so a colour means the same in
    every zone. Built on `maps.zone_choropleth` (plain dicts, no tile server).
    """
    deck = maps.zone_choropleth(
        dict(geojson),
        values,
        unit=unit,
        denominator_label=denominator_label,
        year=year,
        breaks=breaks,
        decimals=decimals,
        layer_id="gemeenten",
    )
    box = bounds(geojson)
    if box is not None:
        deck.initial_view_state = pdk.ViewState(**view_for_bounds(box))
    return deck


# --------------------------------------------------------------------------- snapshot


SNAPSHOT_COLUMNS: Final = (
    "indicator_code",
    "name_nl",
    "unit",
    "aim_domain",
    "theme",
    "direction",
    "interval_method",
    "denominator_label",
    "area_code",
    "year",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
    "suppression_reason",
    "flanders_value",
    "flanders_ci_low",
    "flanders_ci_high",
    "position",
    "comparison",
)


def latest_years(values: pl.DataFrame, level: str = "zone") -> pl.DataFrame:
    """Per indicator, the newest year with values at `level` (indicator_code, year)."""
    return (
        values.filter(pl.col("level") == level)
        .group_by("indicator_code")
        .agg(pl.col("year").max())
        .sort("indicator_code")
    )


def ordered_catalogue(indicators: pl.DataFrame) -> pl.DataFrame:
    """The catalogue ordered by Quintuple Aim domain, then theme, then name."""
    return (
        indicators.join(_order_frame("aim_domain", AIM_DOMAINS), on="aim_domain", how="left")
        .join(_order_frame("theme", THEMES), on="theme", how="left")
        .with_columns(pl.col("aim_domain_order", "theme_order").fill_null(99))
        .sort("aim_domain_order", "theme_order", "name_nl", "indicator_code")
        .drop("aim_domain_order", "theme_order")
    )


def indicator_snapshot(
    values: pl.DataFrame,
    indicators: pl.DataFrame,
    area_codes: Sequence[str],
    *,
    level: str = "zone",
    indicator_codes: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Every indicator for each area, in the indicator's latest year at `level`.

    All areas share that year, so they compare. One row per indicator x area (areas
    in the given order within each indicator; indicators in `ordered_catalogue`
    order, or in `indicator_codes` order when given). An area without a row has null
    values. `position` says where the 95% interval lies against the Flemish value
    (hoger / lager / vergelijkbaar), `comparison` adds the indicator's direction
    (beter / slechter where it has one); both null when not assessable (suppressed,
    missing, no interval). Columns: `SNAPSHOT_COLUMNS`.
    """
    latest = latest_years(values, level)
    cat = ordered_catalogue(indicators).join(latest, on="indicator_code", how="inner")
    if indicator_codes is not None:
        order = _order_frame("indicator_code", list(indicator_codes))
        cat = cat.join(order, on="indicator_code", how="inner").sort("indicator_code_order")
    cat = cat.with_row_index("indicator_order")
    areas = pl.DataFrame(
        {"area_code": list(area_codes), "area_order": list(range(len(area_codes)))},
        schema={"area_code": pl.String, "area_order": pl.Int64},
    )
    keys = cat.select("indicator_code", "year").join(areas, how="cross")
    cells = hide_suppressed(
        values.filter(
            (pl.col("level") == level) & pl.col("area_code").is_in(list(area_codes))
        ).select(
            "indicator_code",
            "area_code",
            "year",
            "numerator",
            "denominator",
            "value",
            "ci_low",
            "ci_high",
            "suppressed",
            "suppression_reason",
        )
    )
    flanders = hide_suppressed(
        values.filter((pl.col("level") == "vlaanderen") & (pl.col("area_code") == FLANDERS_CODE))
    ).select(
        "indicator_code",
        "year",
        pl.col("value").alias("flanders_value"),
        pl.col("ci_low").alias("flanders_ci_low"),
        pl.col("ci_high").alias("flanders_ci_high"),
    )
    meta = cat.select(
        "indicator_code",
        "indicator_order",
        "name_nl",
        "unit",
        "aim_domain",
        "theme",
        pl.col("direction").fill_null("neutraal"),
        "interval_method",
        "denominator_label",
    )
    out = (
        keys.join(cells, on=["indicator_code", "area_code", "year"], how="left")
        .join(flanders, on=["indicator_code", "year"], how="left")
        .join(meta, on="indicator_code", how="left")
        .with_columns(pl.col("suppressed").fill_null(False))
    )
    out = compare_to_reference(
        out, ref_value_col="flanders_value", direction="neutraal", out_col="position"
    )
    out = compare_to_reference(
        out, ref_value_col="flanders_value", direction_col="direction", out_col="comparison"
    )
    return out.sort("indicator_order", "area_order").select(list(SNAPSHOT_COLUMNS))


def zone_ranges(values: pl.DataFrame, level: str = "zone") -> pl.DataFrame:
    """Spread across the areas of `level` per indicator in its latest year.

    Columns: indicator_code, year, n_areas, range_min, range_p25, range_median,
    range_p75, range_max (suppressed cells left out).
    """
    latest = latest_years(values, level)
    shown = hide_suppressed(values.filter(pl.col("level") == level)).join(
        latest, on=["indicator_code", "year"], how="inner"
    )
    v = pl.col("value").drop_nulls()
    return (
        shown.group_by("indicator_code", "year")
        .agg(
            v.count().cast(pl.Int64).alias("n_areas"),
            v.min().alias("range_min"),
            v.quantile(0.25, interpolation="linear").alias("range_p25"),
            v.median().alias("range_median"),
            v.quantile(0.75, interpolation="linear").alias("range_p75"),
            v.max().alias("range_max"),
        )
        .sort("indicator_code")
    )


def spine_frame(snapshot: pl.DataFrame, ranges: pl.DataFrame) -> pl.DataFrame:
    """One zone's `indicator_snapshot` with the spread across zones (`zone_ranges`, same
    year) and spine-chart positions.

    Positions (`pos_*`) follow Fingertips' spine chart: Flanders in the middle (0.5);
    each side stretches to the zone furthest from Flanders, so 0 and 1 are the most
    extreme zone on either side. Higher values are to the right.
    """
    out = snapshot.join(ranges, on=["indicator_code", "year"], how="left", maintain_order="left")
    f = pl.col("flanders_value")
    half = pl.max_horizontal(
        (pl.col("range_min") - f).abs(),
        (pl.col("range_max") - f).abs(),
        (pl.col("value") - f).abs(),
    )

    def pos(col: str) -> pl.Expr:
        return (
            pl.when(half > 0)
            .then(0.5 + (pl.col(col) - f) / (2 * half))
            .otherwise(pl.when(pl.col(col).is_not_null()).then(0.5))
            .alias(f"pos_{col.removeprefix('range_')}")
        )

    return out.with_columns(
        pos("range_min"), pos("range_p25"), pos("range_p75"), pos("range_max"), pos("value")
    )


def spine_display(spine: pl.DataFrame) -> pl.DataFrame:
    """The indicator table of the spine chart, as Dutch text columns."""
    rows = []
    for r in spine.iter_rows(named=True):
        unit = r["unit"]
        texts = labels.value_texts(
            value=r["value"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            denominator=r["denominator"],
            suppressed=r["suppressed"],
            reason=r["suppression_reason"],
            unit=unit,
            denominator_label=None,
            year=r["year"],
        )
        spread = (
            ""
            if r.get("range_min") is None
            else labels.fmt_value(r["range_min"], unit)
            + " – "
            + labels.fmt_value(r["range_max"], unit)
        )
        mark = comparison_mark(r["position"])
        rows.append(
            [
                labels.label("aim_domain", r["aim_domain"]),
                str(r["name_nl"] or r["indicator_code"]),
                str(r["year"]),
                texts["value_text"],
                texts["interval_text"],
                _count_text(r["numerator"]),
                _count_text(r["denominator"]),
                labels.fmt_value(r["flanders_value"], unit),
                spread,
                f"{mark} {comparison_label(r['comparison'])}".strip(),
                labels.label("interval_method", r["interval_method"]),
            ]
        )
    columns = [
        "Domein (Quintuple Aim)",
        "Indicator",
        "Jaar",
        "Zone",
        "95%-betrouwbaarheidsinterval",
        "Teller",
        "Noemer",
        "Vlaanderen",
        "Laagste – hoogste zone",
        "Vergelijking met Vlaanderen",
        "Interval",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def side_by_side(
    snapshot: pl.DataFrame,
    *,
    zone_order: Sequence[str],
    zone_names: Mapping[str, str],
) -> pl.DataFrame:
    """Indicators in rows, zones side by side in columns, then Flanders (Dutch text).

    `snapshot` is `indicator_snapshot` for (at least) the zones of `zone_order` (first
    the zone itself). Each cell holds the value and its comparison mark against Flanders
    ("▲" higher, "▼" lower, "=" not different, from the 95% interval); a suppressed cell
    reads "onderdrukt (...)", a missing one "geen gegevens".
    """
    headers = [f"{zone_names.get(c, c)} ({c})" for c in zone_order]
    by_indicator: dict[str, dict[str, dict[str, Any]]] = {}
    for rec in snapshot.iter_rows(named=True):
        by_indicator.setdefault(rec["indicator_code"], {})[rec["area_code"]] = rec
    rows: list[list[str]] = []
    for code, cells in by_indicator.items():
        first = next(iter(cells.values()))
        unit = first["unit"]
        row = [str(first["name_nl"] or code), str(first["year"])]
        for area in zone_order:
            cell = cells.get(area)
            row.append(cell_text(cell, unit) if cell else labels.NO_DATA)
        row.append(labels.fmt_value(first["flanders_value"], unit))
        rows.append(row)
    columns = ["Indicator", "Jaar", *headers, "Vlaanderen"]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def domains_present(spine: pl.DataFrame) -> list[str]:
    """The Quintuple Aim domains in the spine, in their fixed order."""
    present = set(spine["aim_domain"].drop_nulls().to_list())
    return [d for d in AIM_DOMAINS if d in present] + sorted(present - set(AIM_DOMAINS))


def definitions_markdown(spine: pl.DataFrame, indicators: pl.DataFrame) -> str:
    """Plain-language definition, formula, source and year of each spine indicator."""
    meta = {r["indicator_code"]: r for r in indicators.iter_rows(named=True)}
    parts = []
    for r in spine.iter_rows(named=True):
        m = meta.get(r["indicator_code"], {})
        parts.append(
            "\n".join(
                [
                    f"**{m.get('name_nl') or r['indicator_code']}** (`{r['indicator_code']}`, "
                    f"jaar {r['year']})",
                    "",
                    str(m.get("description_nl") or ""),
                    "",
                    f"- **Formule:** {m.get('formula_nl') or 'onbekend'}",
                    f"- **Eenheid:** {m.get('unit') or 'onbekend'}",
                    f"- **Interval:** {labels.label('interval_method', m.get('interval_method'))}",
                    f"- **Richting:** {labels.label('direction', m.get('direction'))}",
                    f"- **Bron:** {m.get('source') or 'onbekend'}",
                ]
            )
        )
    return "\n\n---\n\n".join(parts)


# --------------------------------------------------------------------------- GP capacity


def capacity_frame(spine: pl.DataFrame) -> pl.DataFrame:
    """The GP-capacity rows of the spine, in `CAPACITY_INDICATORS` order."""
    order = _order_frame("indicator_code", CAPACITY_INDICATORS)
    return (
        spine.join(order, on="indicator_code", how="inner")
        .sort("indicator_code_order")
        .drop("indicator_code_order")
    )


def gp_poor_zone(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    population: pl.DataFrame,
    zone_code: str,
    *,
    year: int | None = None,
) -> pl.DataFrame:
    """The GP-poor rule (`popmgmt.gppoor`) for the zone (first row) and its municipalities.

    `year` defaults to the newest year of `gp_per_10k` at municipality level. Rows are
    `gppoor.assess` output: GPs under 65 (measured, or estimated from the zone's share of
    GPs aged 65+, see `gppoor`), inhabitants, density, threshold, margin and status.
    """
    gp = values.filter(
        (pl.col("indicator_code") == gppoor.GP_INDICATOR) & (pl.col("level") == "gemeente")
    )
    if year is None:
        if gp.height == 0:
            return gppoor.assess(pl.DataFrame(schema=gppoor.INPUT_SCHEMA))
        year = int(cast("int", gp["year"].max()))
    own = areas.filter(
        ((pl.col("level") == "zone") & (pl.col("area_code") == zone_code))
        | ((pl.col("level") == "gemeente") & (pl.col("zone_code") == zone_code))
    )
    zone_rows = gppoor.gp_poor_inputs(values, own, population, level="zone", years=[year])
    muni_rows = gppoor.gp_poor_inputs(values, own, population, level="gemeente", years=[year])
    return gppoor.assess(pl.concat([zone_rows, muni_rows]))


def gp_poor_display(assessed: pl.DataFrame, zone_names: Mapping[str, str]) -> pl.DataFrame:
    """`gp_poor_zone` as Dutch text (`gppoor_display.display_table`): the zone first, then its
    municipalities (GP-poor first); the margin to the threshold, not only the flag."""
    if assessed.height == 0:
        return gppoor_display.display_table(assessed, zone_names=dict(zone_names))
    zone_row = assessed.head(1)
    zone_text = gppoor_display.display_table(zone_row, zone_names=dict(zone_names)).with_columns(
        pl.lit("zone " + str(zone_row["area_name"][0]) + f" ({zone_row['area_code'][0]})").alias(
            "Gebied"
        )
    )
    munis = gppoor_display.display_table(assessed.slice(1), zone_names=dict(zone_names))
    return pl.concat([zone_text, munis]).drop("Zone")


def gp_poor_note(assessed: pl.DataFrame) -> str:
    """The rule and the way GPs under 65 were counted, in Dutch."""
    methods = assessed["method"].drop_nulls().unique().to_list() if assessed.height else []
    return f"{gppoor_display.RULE_TEXT} {gppoor_display.method_note(methods)} {GP_POOR_MARGIN_NOTE}"


PRACTICE_DIMENSIONS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "practice_form": ("Praktijkvorm", PRACTICE_FORMS),
    "payment_system": ("Betalingssysteem", PAYMENT_SYSTEMS),
    "patient_stop": ("Patiëntenstop", PATIENT_STOP),
}
NO_ANSWER: Final = "geen_antwoord"
NO_ANSWER_TEXT: Final = "geen antwoord op de bevraging"


def practice_profile(practices: pl.DataFrame, zone_code: str) -> pl.DataFrame:
    """Counts of practices by form, payment system and patient stop, zone vs Flanders.

    Counted from the practices mart's public, practice-level columns: the payment
    system for the newest year; form and patient stop for the newest survey year
    (the newest year with any practice form), with non-respondents as
    `geen_antwoord`. Flanders excludes Brussels (`elz7`). Counts of practices are
    practice-level facts, not counts of persons. Columns: dimension, category, year,
    zone_practices, zone_share, flanders_practices, flanders_share.
    """
    schema = {
        "dimension": pl.String,
        "category": pl.String,
        "year": pl.Int64,
        "zone_practices": pl.Int64,
        "zone_share": pl.Float64,
        "flanders_practices": pl.Int64,
        "flanders_share": pl.Float64,
    }
    flemish = practices.filter(
        pl.col("zone_code").is_not_null() & (pl.col("zone_code") != BRUSSELS_ZONE)
    )
    parts = []
    for dim, (_title, categories) in PRACTICE_DIMENSIONS.items():
        answered = flemish.filter(pl.col(dim).is_not_null())
        if answered.height == 0:
            continue
        year = int(cast("int", answered["year"].max()))
        rows = flemish.filter(pl.col("year") == year).with_columns(
            pl.col(dim).fill_null(NO_ANSWER).alias("category")
        )
        cats = [*categories, NO_ANSWER]
        grid = _order_frame("category", cats)
        zone_counts = (
            rows.filter(pl.col("zone_code") == zone_code)
            .group_by("category")
            .agg(pl.len().cast(pl.Int64).alias("zone_practices"))
        )
        fl_counts = rows.group_by("category").agg(
            pl.len().cast(pl.Int64).alias("flanders_practices")
        )
        part = (
            grid.join(zone_counts, on="category", how="left")
            .join(fl_counts, on="category", how="left")
            .with_columns(pl.col("zone_practices", "flanders_practices").fill_null(0))
            .filter((pl.col("category") != NO_ANSWER) | (pl.col("flanders_practices") > 0))
            .with_columns(
                pl.lit(dim).alias("dimension"),
                pl.lit(year, dtype=pl.Int64).alias("year"),
                (pl.col("zone_practices") / pl.col("zone_practices").sum() * 100).alias(
                    "zone_share"
                ),
                (pl.col("flanders_practices") / pl.col("flanders_practices").sum() * 100).alias(
                    "flanders_share"
                ),
            )
            .sort("category_order")
        )
        parts.append(part.select(list(schema)))
    if not parts:
        return pl.DataFrame(schema=schema)
    out = pl.concat(parts).with_columns(pl.col("zone_share", "flanders_share").fill_nan(None))
    return out.cast(schema)  # type: ignore[arg-type]


def practice_display(profile: pl.DataFrame) -> pl.DataFrame:
    """The practice profile as Dutch text columns."""
    rows = []
    for r in profile.iter_rows(named=True):
        dim = r["dimension"]
        cat = r["category"]
        rows.append(
            [
                PRACTICE_DIMENSIONS[dim][0],
                NO_ANSWER_TEXT if cat == NO_ANSWER else labels.label(dim, cat),
                str(r["year"]),
                labels.fmt_number(r["zone_practices"]),
                labels.fmt_value(r["zone_share"], "%"),
                labels.fmt_number(r["flanders_practices"]),
                labels.fmt_value(r["flanders_share"], "%"),
            ]
        )
    columns = [
        "Kenmerk",
        "Categorie",
        "Jaar",
        "Praktijken in de zone",
        "Aandeel zone",
        "Praktijken in Vlaanderen",
        "Aandeel Vlaanderen",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def practice_counts_display(counts: pl.DataFrame) -> pl.DataFrame:
    """Practice counts per municipality (`access.practice_counts_by_municipality`, long)
    as one row per municipality and one column per category (Dutch text)."""
    columns: dict[str, str] = {}
    rows: dict[str, dict[str, str]] = {}
    for r in counts.iter_rows(named=True):
        dim, cat = r["dimension"], r["category"]
        if dim == "totaal":
            title = "Praktijken"
        elif cat in ("onbekend", NO_ANSWER):
            title = f"{PRACTICE_DIMENSIONS[dim][0]}: {NO_ANSWER_TEXT}"
        else:
            title = f"{PRACTICE_DIMENSIONS[dim][0]}: {labels.label(dim, cat)}"
        columns.setdefault(title, title)
        row = rows.setdefault(
            r["refnis"],
            {"Gemeente": f"{r['municipality']} ({r['refnis']})", "Jaar": str(r["year"])},
        )
        row[title] = labels.fmt_number(r["practices"])
    names = ["Gemeente", "Jaar", *columns]
    return pl.DataFrame(
        [[row.get(c, "") for c in names] for row in rows.values()],
        schema=dict.fromkeys(names, pl.String),
        orient="row",
    )


# --------------------------------------------------------------------------- trends


TREND_COLUMNS: Final = (
    "year",
    "role",
    "area_code",
    "area_name",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
    "suppression_reason",
)


def trend_series(
    values: pl.DataFrame,
    indicator_code: str,
    zone_code: str,
    peer_codes: Sequence[str],
    names: Mapping[str, str],
) -> pl.DataFrame:
    """Every year of one indicator for the zone (`role` "zone"), Flanders
    ("vlaanderen") and the similar zones ("vergelijkbaar"). Columns `TREND_COLUMNS`,
    sorted by role, area, year; suppressed cells keep their row with null values.
    """
    ind = values.filter(pl.col("indicator_code") == indicator_code)
    zone_rows = ind.filter(
        (pl.col("level") == "zone") & pl.col("area_code").is_in([zone_code, *peer_codes])
    )
    fl_rows = ind.filter((pl.col("level") == "vlaanderen") & (pl.col("area_code") == FLANDERS_CODE))
    role_order = {"zone": 0, "vlaanderen": 1, "vergelijkbaar": 2}
    out = hide_suppressed(pl.concat([zone_rows, fl_rows])).with_columns(
        pl.when(pl.col("level") == "vlaanderen")
        .then(pl.lit("vlaanderen"))
        .when(pl.col("area_code") == zone_code)
        .then(pl.lit("zone"))
        .otherwise(pl.lit("vergelijkbaar"))
        .alias("role"),
        pl.col("area_code")
        .replace_strict({**dict(names), FLANDERS_CODE: "Vlaanderen"}, default=pl.col("area_code"))
        .alias("area_name"),
    )
    return (
        out.with_columns(
            pl.col("role").replace_strict(role_order, return_dtype=pl.Int64).alias("_r")
        )
        .sort("_r", "area_code", "year")
        .select(list(TREND_COLUMNS))
    )


def trend_display(series: pl.DataFrame, *, unit: str | None) -> pl.DataFrame:
    """One row per year: the zone (value, interval), Flanders, each similar zone."""
    if series.height == 0:
        return pl.DataFrame(schema={"Jaar": pl.String})
    zone_rows = series.filter(pl.col("role") == "zone")
    zone_name = zone_rows["area_name"][0] if zone_rows.height else "Zone"
    zone_code = zone_rows["area_code"][0] if zone_rows.height else ""
    peers = (
        series.filter(pl.col("role") == "vergelijkbaar")
        .select("area_code", "area_name")
        .unique(maintain_order=True)
    )
    cells = {(r["area_code"], r["year"]): r for r in series.iter_rows(named=True)}
    years = sorted(set(series["year"].to_list()))
    zone_title = f"{zone_name} ({zone_code})"
    peer_titles = [(c, f"{n} ({c})") for c, n in peers.iter_rows()]
    rows = []
    for year in years:
        z = cells.get((zone_code, year), {})
        fl = cells.get((FLANDERS_CODE, year), {})
        texts = labels.value_texts(
            value=z.get("value"),
            ci_low=z.get("ci_low"),
            ci_high=z.get("ci_high"),
            denominator=z.get("denominator"),
            suppressed=bool(z.get("suppressed")),
            reason=z.get("suppression_reason"),
            unit=unit,
            denominator_label=None,
            year=year,
        )
        row = [
            str(year),
            texts["value_text"] if z else labels.NO_DATA,
            texts["interval_text"],
            _count_text(z.get("denominator")),
            value_text(fl.get("value"), fl.get("suppressed"), fl.get("suppression_reason"), unit)
            if fl
            else labels.NO_DATA,
        ]
        for code, _title in peer_titles:
            p = cells.get((code, year))
            row.append(
                value_text(p["value"], p["suppressed"], p["suppression_reason"], unit)
                if p
                else labels.NO_DATA
            )
        rows.append(row)
    columns = [
        "Jaar",
        zone_title,
        "95%-betrouwbaarheidsinterval",
        "Noemer",
        "Vlaanderen",
        *[t for _, t in peer_titles],
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


# --------------------------------------------------------------------------- profile


@dataclass(frozen=True)
class ZoneProfile:
    """Everything of the zone profile that does not depend on the chosen indicator.

    Frames as computed by this module's functions, and their Dutch display tables (what
    the page shows, the downloads hold and the report prints).
    """

    zone_code: str
    zone_name: str
    summary: dict[str, Any]
    trend: pl.DataFrame
    pyramid: pl.DataFrame
    pyramid_year: int | None
    municipalities: pl.DataFrame
    spine: pl.DataFrame
    own_features: pl.DataFrame
    similar: pl.DataFrame
    neighbours: list[str]
    snapshot: pl.DataFrame
    capacity: pl.DataFrame
    gp_poor: pl.DataFrame
    practices: pl.DataFrame
    tables: dict[str, pl.DataFrame]

    @property
    def peer_codes(self) -> list[str]:
        return [str(c) for c in self.similar["zone_code"].to_list()]

    @property
    def compare_codes(self) -> list[str]:
        """The zone, its similar zones, then its neighbours (each once)."""
        return list(dict.fromkeys([self.zone_code, *self.peer_codes, *self.neighbours]))


def build_profile(
    zone_code: str,
    *,
    values: pl.DataFrame,
    indicators: pl.DataFrame,
    areas: pl.DataFrame,
    population: pl.DataFrame,
    practices: pl.DataFrame,
    ranges: pl.DataFrame,
    features: pl.DataFrame,
    adjacency: pl.DataFrame,
    k: int = peers.PEER_COUNT,
) -> ZoneProfile:
    """The indicator-independent part of a zone's profile.

    `values` and `population` may be the full marts or any subset that keeps the zone,
    Flemish and municipal rows the functions read; `ranges` is `zone_ranges(values)`,
    `features` `peers.zone_features(...)`, `adjacency` `peers.zone_adjacency(...)`.
    KeyError for an unknown zone.
    """
    names = dict(
        areas.filter(pl.col("level") == "zone").select("area_code", "area_name").iter_rows()
    )
    summary = zone_summary(areas, population, zone_code)
    zone_name = str(summary["zone_name"])
    trend = population_trend(population, zone_code)
    pyramid_year = summary["year"]
    pyramid = (
        population_pyramid(population, zone_code, int(pyramid_year))
        if pyramid_year is not None
        else pl.DataFrame()
    )
    munis = zone_municipalities(areas, population, zone_code, pyramid_year)
    similar = peers.similar_zones(features, zone_code, k=k)
    neighbour_codes = peers.neighbours(adjacency, zone_code)
    own_features = features.filter(pl.col("zone_code") == zone_code)
    compare = list(dict.fromkeys([zone_code, *similar["zone_code"].to_list(), *neighbour_codes]))
    snapshot = indicator_snapshot(values, indicators, compare)
    spine = spine_frame(snapshot.filter(pl.col("area_code") == zone_code), ranges)
    capacity = capacity_frame(spine)
    gp_poor = gp_poor_zone(values, areas, population, zone_code)
    practice_counts = practice_profile(practices, zone_code)
    peer_list = similar["zone_code"].to_list()
    tables = {
        "inwoners": population_trend_display(trend),
        "piramide": pyramid_display(pyramid, int(pyramid_year or 0))
        if pyramid.height
        else pl.DataFrame(),
        "indicatoren": spine_display(spine),
        "vergelijkbare_zones": peers_display.peers_display(own_features, similar),
        "naast_vergelijkbare_zones": side_by_side(
            snapshot, zone_order=[zone_code, *peer_list], zone_names=names
        ),
        "naast_buurzones": side_by_side(
            snapshot, zone_order=[zone_code, *neighbour_codes], zone_names=names
        ),
        "capaciteit": spine_display(capacity),
        "huisartsarm": gp_poor_display(gp_poor, names),
        "praktijken": practice_display(practice_counts),
    }
    return ZoneProfile(
        zone_code=zone_code,
        zone_name=zone_name,
        summary=summary,
        trend=trend,
        pyramid=pyramid,
        pyramid_year=None if pyramid_year is None else int(pyramid_year),
        municipalities=munis,
        spine=spine,
        own_features=own_features,
        similar=similar,
        neighbours=neighbour_codes,
        snapshot=snapshot,
        capacity=capacity,
        gp_poor=gp_poor,
        practices=practice_counts,
        tables=tables,
    )


def report_sections(
    profile: ZoneProfile,
    *,
    municipality_table: pl.DataFrame,
    trend_table: pl.DataFrame,
    indicator_name: str,
) -> list[report.ReportSection]:
    """The sections of the printable report: the page's own tables, in page order."""
    t = profile.tables
    return [
        report.ReportSection("Inwoners per jaar", t["inwoners"]),
        report.ReportSection(f"Bevolkingspiramide {profile.pyramid_year}", t["piramide"]),
        report.ReportSection(f"Gemeenten: {indicator_name}", municipality_table),
        report.ReportSection(
            "Indicatoren: de zone tegenover Vlaanderen",
            t["indicatoren"],
            intro=SIGNIFICANCE_METHOD,
            notes=[comparison_legend_markdown()],
        ),
        report.ReportSection(
            "Vergelijkbare zones", t["vergelijkbare_zones"], intro=peers_display.method_text()
        ),
        report.ReportSection("Naast vergelijkbare zones", t["naast_vergelijkbare_zones"]),
        report.ReportSection("Naast buurzones", t["naast_buurzones"]),
        report.ReportSection("Huisartsencapaciteit", t["capaciteit"]),
        report.ReportSection(
            "Huisartsarme gebieden", t["huisartsarm"], intro=gp_poor_note(profile.gp_poor)
        ),
        report.ReportSection("Praktijken", t["praktijken"]),
        report.ReportSection(
            f"Trend: {indicator_name}", trend_table, notes=[f"Zonegrenzen: {BOUNDARY_NOTE}."]
        ),
    ]


# --------------------------------------------------------------------------- downloads


csv_bytes = downloads.csv_bytes


xlsx_bytes = downloads.xlsx_bytes


def file_stem(zone_code: str, what: str) -> str:
    """ "zoneprofiel_elz13_indicatoren" for download file names."""
    clean = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in what.lower())
    return f"zoneprofiel_{zone_code}_{clean}"


# --------------------------------------------------------------------------- charts
#
# Charts are Vega-Lite specifications as plain dicts (rendered with
# `st.vega_lite_chart`): building and validating the equivalent altair objects took
# seconds per page run, far over the page's time budget. Data go in as inline records.

Spec = dict[str, Any]


def _title(text: str, subtitle: Sequence[str]) -> dict[str, Any]:
    return {"text": text, "subtitle": list(subtitle), "anchor": "start"}


def _with_data(records: list[dict[str, Any]], layers: list[Spec]) -> list[Spec]:
    """The layers, each with the inline records (not top-level `data`: Streamlit would
    convert top-level records through pandas to Arrow on every run)."""
    return [{"data": {"values": records}, **layer} for layer in layers]


def _tip(field: str, title: str) -> dict[str, str]:
    return {"field": field, "type": "nominal", "title": title}


def population_index_spec(trend: pl.DataFrame, zone_name: str) -> Spec:
    """Zone and Flanders inhabitants as an index (first year = 100), one line each."""
    records = []
    for r in trend.iter_rows(named=True):
        for series, idx, pop in (
            (zone_name, r["zone_index"], r["zone_population"]),
            ("Vlaanderen", r["flanders_index"], r["flanders_population"]),
        ):
            if idx is None:
                continue
            records.append(
                {
                    "year": int(r["year"]),
                    "series": series,
                    "index": float(idx),
                    "index_text": labels.fmt_number(idx, 1),
                    "population_text": labels.fmt_number(pop),
                }
            )
    first = str(trend["year"].min()) if trend.height else ""
    domain = [zone_name, "Vlaanderen"]
    return {
        "title": _title(
            "Evolutie van het aantal inwoners",
            [f"Index: {first} = 100. Bron: {labels.POPULATION_SOURCE}; {BOUNDARY_NOTE}."],
        ),
        "layer": [_line_layer(records, domain, first)],
    }


def _line_layer(records: list[dict[str, Any]], domain: list[str], first: str) -> Spec:
    return {
        "data": {"values": records},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": "Jaar (1 januari)"},
            "y": {
                "field": "index",
                "type": "quantitative",
                "title": f"Index ({first} = 100)",
                "scale": {"zero": False},
            },
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "scale": {"domain": domain, "range": [ZONE_COLOUR, FLANDERS_COLOUR]},
                "legend": {"orient": "bottom"},
            },
            "strokeDash": {
                "field": "series",
                "type": "nominal",
                "scale": {"domain": domain, "range": [[1, 0], [4, 3]]},
                "legend": None,
            },
            "tooltip": [
                _tip("series", "Gebied"),
                {"field": "year", "type": "ordinal", "title": "Jaar"},
                _tip("population_text", "Inwoners"),
                _tip("index_text", "Index"),
            ],
        },
    }


def pyramid_spec(pyramid: pl.DataFrame, zone_name: str, year: int) -> Spec:
    """Population pyramid of the zone (bars) against Flanders (black ticks), in %.

    Men to the left, women to the right; a suppressed cell gets no bar but the text
    "onderdrukt (...)" in its row.
    """
    order = list(reversed(POP_AGE_BANDS))
    bars, flemish, hidden = [], [], []
    for r in pyramid.iter_rows(named=True):
        sign = -1.0 if r["sex"] == "M" else 1.0
        sex = labels.label("sex", r["sex"])
        if r["flanders_share"] is not None:
            flemish.append(
                {
                    "age_band": r["age_band"],
                    "sex": sex,
                    "flanders": sign * float(r["flanders_share"]),
                    "flanders_text": labels.fmt_value(r["flanders_share"], "%", 2),
                }
            )
        if r["suppressed"] or r["share"] is None:
            hidden.append(
                {
                    "age_band": r["age_band"],
                    "sex": sex,
                    "x": sign * 1.0,
                    "text": value_text(None, r["suppressed"], r["suppression_reason"], None),
                }
            )
            continue
        bars.append(
            {
                "age_band": r["age_band"],
                "sex": sex,
                "share": sign * float(r["share"]),
                "share_text": labels.fmt_value(r["share"], "%", 2),
                "population_text": labels.fmt_number(r["population"]),
            }
        )
    y = {
        "field": "age_band",
        "type": "nominal",
        "sort": order,
        "title": "Leeftijd",
        "axis": {"labelFontSize": 10},
    }
    x_axis = {
        "labelExpr": "replace(format(abs(datum.value), '.1f'), '.', ',') + ' %'",
        "title": "Aandeel van de inwoners (mannen links, vrouwen rechts)",
    }
    layers: list[Spec] = [
        {
            "data": {"values": bars},
            "mark": {"type": "bar", "opacity": 0.85},
            "encoding": {
                "x": {"field": "share", "type": "quantitative", "axis": x_axis},
                "y": y,
                "color": {
                    "field": "sex",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": list(SEX_COLOURS), "range": list(SEX_COLOURS.values())},
                    "legend": {"orient": "bottom"},
                },
                "tooltip": [
                    _tip("sex", "Geslacht"),
                    _tip("age_band", "Leeftijd"),
                    _tip("population_text", "Inwoners"),
                    _tip("share_text", "Aandeel zone"),
                ],
            },
        },
        {
            "data": {"values": flemish},
            "mark": {"type": "tick", "color": "#222222", "thickness": 2, "size": 12},
            "encoding": {
                "x": {"field": "flanders", "type": "quantitative"},
                "y": y,
                "tooltip": [
                    _tip("sex", "Geslacht"),
                    _tip("age_band", "Leeftijd"),
                    _tip("flanders_text", "Aandeel Vlaanderen"),
                ],
            },
        },
    ]
    if hidden:
        layers.append(
            {
                "data": {"values": hidden},
                "mark": {"type": "text", "fontSize": 9, "color": "#555555"},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative"},
                    "y": y,
                    "text": {"field": "text", "type": "nominal"},
                },
            }
        )
    return {
        "title": _title(
            f"Bevolkingspiramide {zone_name}, {year}",
            [
                "Balken: de zone; zwarte streepjes: Vlaanderen. Beide als aandeel van het eigen "
                "totaal, zodat de vorm vergelijkbaar is.",
                f"Bron: {labels.POPULATION_SOURCE}.",
            ],
        ),
        "height": {"step": 14},
        "layer": layers,
    }


def spine_records(spine: pl.DataFrame) -> list[dict[str, Any]]:
    """Plain records for the spine chart (one per indicator)."""
    records = []
    for r in spine.iter_rows(named=True):
        unit = r["unit"]
        comparison = r["comparison"] or "onbekend"
        texts = labels.value_texts(
            value=r["value"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            denominator=r["denominator"],
            suppressed=r["suppressed"],
            reason=r["suppression_reason"],
            unit=unit,
            denominator_label=r["denominator_label"],
            year=r["year"],
        )
        records.append(
            {
                "label": str(r["name_nl"] or r["indicator_code"]),
                "code": r["indicator_code"],
                "pos_min": r["pos_min"],
                "pos_p25": r["pos_p25"],
                "pos_p75": r["pos_p75"],
                "pos_max": r["pos_max"],
                "pos_value": r["pos_value"],
                "comparison": comparison,
                "comparison_text": comparison_label(comparison),
                "value_text": texts["value_text"],
                "interval_text": texts["interval_text"],
                "denominator_text": texts["denominator_text"],
                "year_text": texts["year_text"],
                "flanders_text": labels.fmt_value(r["flanders_value"], unit),
                "range_text": (
                    labels.fmt_value(r["range_min"], unit)
                    + " – "
                    + labels.fmt_value(r["range_max"], unit)
                    if r.get("range_min") is not None
                    else labels.NO_DATA
                ),
                "shown": r["pos_value"] is not None,
            }
        )
    return records


def spine_spec(spine: pl.DataFrame, title: str) -> Spec:
    """Fingertips-style spine chart of `spine_frame` rows.

    Per indicator: the spread across zones (light grey bar, darker middle half),
    Flanders (red tick in the middle) and the zone (dot coloured by its comparison with
    Flanders). A suppressed or missing zone value reads "onderdrukt (...)" / "geen
    gegevens" at the middle instead of a dot.
    """
    records = spine_records(spine)
    y = {
        "field": "label",
        "type": "nominal",
        "sort": [r["label"] for r in records],
        "title": None,
        "axis": {"labelLimit": 320},
    }
    scale = {"domain": [0, 1]}
    tooltip = [
        _tip("label", "Indicator"),
        _tip("value_text", "Zone"),
        _tip("interval_text", "Interval"),
        _tip("denominator_text", "Noemer"),
        _tip("flanders_text", "Vlaanderen"),
        _tip("range_text", "Laagste – hoogste zone"),
        _tip("comparison_text", "Vergelijking"),
        _tip("year_text", "Jaar"),
    ]
    axis = {
        "values": [0, 0.5, 1],
        "labelExpr": (
            "datum.value == 0 ? 'laagste zone' : datum.value == 1 ? 'hoogste zone' : 'Vlaanderen'"
        ),
        "title": None,
        "grid": False,
    }
    colours = {
        "field": "comparison_text",
        "type": "nominal",
        "title": "Vergelijking met Vlaanderen",
        "scale": {
            "domain": [comparison_label(c) for c in COMPARISON_ORDER],
            "range": [COMPARISON_COLOURS[c] for c in COMPARISON_ORDER],
        },
        "legend": {"orient": "bottom", "columns": 2, "labelLimit": 240},
    }
    return {
        "title": _title(
            title,
            [
                "Grijze balk: spreiding over alle zones (donker: middelste helft); rode streep: "
                "Vlaanderen; stip: deze zone, gekleurd volgens het 95%-interval.",
            ],
        ),
        "height": {"step": ROW_STEP},
        "layer": _with_data(
            records,
            [
                {
                    "mark": {"type": "bar", "color": RANGE_COLOUR, "height": 14},
                    "encoding": {
                        "x": {
                            "field": "pos_min",
                            "type": "quantitative",
                            "scale": scale,
                            "axis": axis,
                        },
                        "x2": {"field": "pos_max"},
                        "y": y,
                        "tooltip": tooltip,
                    },
                },
                {
                    "mark": {"type": "bar", "color": MIDDLE_COLOUR, "height": 14},
                    "encoding": {
                        "x": {"field": "pos_p25", "type": "quantitative", "scale": scale},
                        "x2": {"field": "pos_p75"},
                        "y": y,
                        "tooltip": tooltip,
                    },
                },
                {
                    "mark": {
                        "type": "tick",
                        "color": FLANDERS_COLOUR,
                        "thickness": 2,
                        "size": 20,
                        "opacity": 1,
                    },
                    "encoding": {
                        "x": {"datum": 0.5, "type": "quantitative", "scale": scale},
                        "y": y,
                    },
                },
                {
                    "transform": [{"filter": "datum.shown"}],
                    "mark": {
                        "type": "point",
                        "filled": True,
                        "size": 110,
                        "opacity": 1,
                        "stroke": "#333333",
                        "strokeWidth": 0.8,
                    },
                    "encoding": {
                        "x": {"field": "pos_value", "type": "quantitative", "scale": scale},
                        "y": y,
                        "color": colours,
                        "tooltip": tooltip,
                    },
                },
                {
                    "transform": [{"filter": "!datum.shown"}],
                    "mark": {"type": "text", "fontSize": 11, "color": "#444444"},
                    "encoding": {
                        "x": {"datum": 0.5, "type": "quantitative", "scale": scale},
                        "y": y,
                        "text": {"field": "value_text", "type": "nominal"},
                        "tooltip": tooltip,
                    },
                },
            ],
        ),
    }


def trend_spec(series: pl.DataFrame, *, unit: str | None, indicator_name: str) -> Spec:
    """The zone (line, 95% band), Flanders (red dashes) and similar zones (grey) by year.

    The subtitle states that the 2025 borders apply to every year (no break in the
    series).
    """
    records = []
    for r in series.iter_rows(named=True):
        texts = labels.value_texts(
            value=r["value"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            denominator=r["denominator"],
            suppressed=r["suppressed"],
            reason=r["suppression_reason"],
            unit=unit,
            denominator_label=None,
            year=r["year"],
        )
        name = "Vlaanderen" if r["role"] == "vlaanderen" else f"{r['area_name']} ({r['area_code']})"
        records.append(
            {
                "year": int(r["year"]),
                "role": r["role"],
                "series": name,
                "value": r["value"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                **texts,
            }
        )
    tooltip = [
        _tip("series", "Gebied"),
        _tip("year_text", "Jaar"),
        _tip("value_text", "Waarde"),
        _tip("interval_text", "Interval"),
        _tip("denominator_text", "Noemer"),
    ]
    x = {"field": "year", "type": "ordinal", "title": "Jaar"}
    axis_title = f"{indicator_name} ({unit})" if unit else indicator_name
    y = {"field": "value", "type": "quantitative", "scale": {"zero": False}, "title": axis_title}

    def only(role: str, field: str = "value") -> list[dict[str, str]]:
        return [{"filter": f"datum.role == '{role}' && isValid(datum.{field})"}]

    return {
        "title": _title(
            f"{indicator_name}: trend",
            [
                "Blauw: deze zone met 95%-interval; rode stippellijn: Vlaanderen; grijs: de "
                "vergelijkbare zones. Ontbrekende punten: onderdrukt of geen gegevens.",
                f"Let op: {BOUNDARY_NOTE}.",
            ],
        ),
        "layer": _with_data(
            records,
            [
                {
                    "transform": only("vergelijkbaar"),
                    "mark": {
                        "type": "line",
                        "color": PEER_COLOUR,
                        "strokeWidth": 1,
                        "opacity": 0.8,
                    },
                    "encoding": {"x": x, "y": y, "detail": {"field": "series", "type": "nominal"}},
                },
                {
                    "transform": only("vergelijkbaar"),
                    "mark": {"type": "point", "color": PEER_COLOUR, "size": 18, "filled": True},
                    "encoding": {"x": x, "y": y, "tooltip": tooltip},
                },
                {
                    "transform": only("zone", "ci_low"),
                    "mark": {"type": "area", "color": ZONE_COLOUR, "opacity": 0.18},
                    "encoding": {
                        "x": x,
                        "y": {"field": "ci_low", "type": "quantitative"},
                        "y2": {"field": "ci_high"},
                    },
                },
                {
                    "transform": only("vlaanderen"),
                    "mark": {
                        "type": "line",
                        "color": FLANDERS_COLOUR,
                        "strokeDash": [5, 3],
                        "point": True,
                    },
                    "encoding": {"x": x, "y": y, "tooltip": tooltip},
                },
                {
                    "transform": only("zone"),
                    "mark": {
                        "type": "line",
                        "color": ZONE_COLOUR,
                        "strokeWidth": 3,
                        "point": {"size": 50, "color": ZONE_COLOUR},
                    },
                    "encoding": {"x": x, "y": y, "tooltip": tooltip},
                },
            ],
        ),
    }


def interval_spec(
    values: pl.DataFrame,
    *,
    flanders_value: float | None,
    unit: str | None,
    indicator_name: str,
    highlight: str,
    roles: Mapping[str, str],
) -> Spec:
    """Dot and 95% interval per zone (sorted by value, not ranked), Flanders as a rule.

    `values` is `store.indicator_map_values` for a few zones; `roles` labels each zone
    ("deze zone", "vergelijkbaar", "buur"); the `highlight` zone is drawn darker.
    Suppressed and missing zones are listed in the subtitle, never drawn as 0.
    """
    records = []
    left_out = []
    for r in values.iter_rows(named=True):
        label = f"{r['area_name']} ({r['area_code']})"
        if r["suppressed"] or r["value"] is None:
            left_out.append(
                f"{label}: {value_text(None, r['suppressed'], r['suppression_reason'], unit)}"
            )
            continue
        texts = labels.value_texts(
            value=r["value"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            denominator=r["denominator"],
            suppressed=False,
            reason=None,
            unit=unit,
            denominator_label=None,
            year=r["year"],
        )
        records.append(
            {
                "area": label,
                "role": roles.get(r["area_code"], ""),
                "own": r["area_code"] == highlight,
                "value": float(r["value"]),
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                **texts,
            }
        )
    y = {
        "field": "area",
        "type": "nominal",
        "sort": {"field": "value", "op": "max", "order": "descending"},
        "title": None,
        "axis": {"labelLimit": 260},
    }
    tooltip = [
        _tip("area", "Zone"),
        _tip("role", "Rol"),
        _tip("value_text", "Waarde"),
        _tip("interval_text", "Interval"),
        _tip("denominator_text", "Noemer"),
        _tip("year_text", "Jaar"),
    ]
    x_title = f"{indicator_name} ({unit})" if unit else indicator_name
    x_scale = {"zero": False, "nice": True}
    layers: list[Spec] = [
        {
            "mark": {"type": "rule", "color": "#7f8c8d", "strokeWidth": 2},
            "encoding": {
                "x": {
                    "field": "ci_low",
                    "type": "quantitative",
                    "scale": x_scale,
                    "title": x_title,
                },
                "x2": {"field": "ci_high"},
                "y": y,
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 70, "opacity": 1},
            "encoding": {
                "x": {"field": "value", "type": "quantitative", "scale": x_scale},
                "y": y,
                "color": {
                    "field": "own",
                    "type": "nominal",
                    "scale": {"domain": [True, False], "range": [ZONE_COLOUR, PEER_COLOUR]},
                    "legend": None,
                },
                "tooltip": tooltip,
            },
        },
    ]
    subtitle = [labels.NOT_A_RANKING, "Blauw: deze zone; grijs: vergelijkbare en buurzones."]
    if flanders_value is not None:
        layers.append(
            {
                "mark": {
                    "type": "rule",
                    "color": FLANDERS_COLOUR,
                    "strokeDash": [4, 3],
                    "strokeWidth": 2,
                },
                "encoding": {"x": {"datum": float(flanders_value), "type": "quantitative"}},
            }
        )
        subtitle.append(
            f"Rode stippellijn: Vlaanderen ({labels.fmt_value(flanders_value, unit)}). "
            "Lijnstuk: 95%-interval."
        )
    if left_out:
        subtitle.append("Niet getekend: " + "; ".join(left_out) + ".")
    return {
        "title": _title(indicator_name, subtitle),
        "height": {"step": 26},
        "layer": _with_data(records, layers),
    }


def comparison_legend_markdown() -> str:
    """The meaning of the marks and colours, for under the tables."""
    return (
        "▲ hoger dan Vlaanderen · ▼ lager dan Vlaanderen · = niet aantoonbaar verschillend "
        "(95%-interval overlapt de Vlaamse waarde). Beter/slechter alleen waar de indicator "
        "een richting heeft."
    )
