"""One comparison with Flanders for every page: the comparisons mart read into the
page models, and its Dutch texts (method, φ, the switch to the unadjusted comparison).

The classification itself is computed in the build (`pipeline.published`, with
`metrics.comparison.compare_units`); pages never recompute it from intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from popmgmt.pipeline.codes import FLANDERS_CODE
from popmgmt.pipeline.published import REFERENCE_FLANDERS, comparisons_mart

ADJUSTED_SWITCH_LABEL: Final = "Corrigeer voor de gewone verschillen tussen zones (overdispersie)"
ADJUSTED_SWITCH_HELP: Final = (
    "Aan (aanbevolen): een zone heet pas hoger of lager dan Vlaanderen als ze verder afwijkt "
    "dan zones gewoonlijk van elkaar verschillen. Uit: elke afwijking die groter is dan het "
    "toeval alleen, hoe klein ook, telt als verschil."
)
UNADJUSTED_NOTE: Final = (
    "Let op: vergelijking zonder correctie voor overdispersie. Elke zone wordt enkel aan het "
    "toeval getoetst. Omdat zones tienduizenden inwoners tellen, is dan bijna elk verschil "
    "'significant', ook de gewone verschillen die zones altijd van elkaar hebben "
    "(bevolking, aanbod, registratie). Gebruik dit om te zien welke verschillen groter zijn "
    "dan toeval, niet om zones te rangschikken."
)
METHOD_INTRO: Final = (
    "Vergelijking met Vlaanderen: Spiegelhalter-z-scores (2005) tegenover de Vlaamse waarde, "
    "met 95%- en 99,8%-grenzen. Zones verschillen meer van elkaar dan toeval alleen verklaart; "
    "die gewone spreiding (φ, hoeveel keer groter dan toeval) wordt eerst gemeten, en een zone "
    "heet pas hoger of lager als ze ook daarbuiten valt. Zo krijgt ongeveer 1 zone op 20 een "
    "label door toeval. Onderdrukte cellen worden niet beoordeeld. Berekend in de build, "
    "dezelfde indeling op elke pagina."
)

_METHOD_NAMES: Final = {
    "additief": "Spiegelhalter-z met correctie voor overdispersie",
    "rest_additief": "Spiegelhalter-z tegenover de rest van Vlaanderen, met correctie voor "
    "overdispersie",
    "exact": "exacte grenzen (Wilson / Poisson), geen overdispersie aangetoond",
    "rest_normaal": "Spiegelhalter-z tegenover de rest van Vlaanderen, geen overdispersie "
    "aangetoond",
}

COMPARISON_COLUMNS: Final = (
    "position",
    "comparison",
    "comparison_level",
    "comparison_method",
    "comparison_phi",
    "comparison_adjusted",
)


def fmt_phi(phi: float | None) -> str:
    """φ in Dutch notation: "207", "3,4"; "" when not estimated."""
    if phi is None:
        return ""
    text = f"{phi:,.0f}" if phi >= 10 else f"{phi:,.1f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def method_text(method: str | None, phi: float | None, *, adjusted: bool = True) -> str:
    """The method and φ in one phrase, for beside a comparison:
    "Spiegelhalter-z met correctie voor overdispersie (φ = 207)"."""
    if method is None:
        return "niet te beoordelen"
    phi_part = f" (φ = {fmt_phi(phi)})" if phi is not None else ""
    if not adjusted and method in ("additief", "rest_additief"):
        return f"Spiegelhalter-z zonder correctie voor overdispersie{phi_part}"
    if method == "exact" and phi is None:
        return (
            "exacte grenzen (Wilson / Poisson); te weinig gebieden om overdispersie te "
            "schatten, dus enkel getoetst aan het toeval: bij grote gebieden (provincies) "
            "lijkt daardoor bijna elk verschil significant"
        )
    return f"{_METHOD_NAMES.get(method, method)}{phi_part}"


def split_label(label: str | None) -> tuple[str | None, str | None, str | None]:
    """(position, comparison, level) of a mart label: "slechter_998" on a "hoger_beter"
    indicator is position "lager", comparison "slechter", level "998"; "gelijk" is
    ("vergelijkbaar", "vergelijkbaar", None); `niet_te_bepalen` all None."""
    if label is None or label == "niet_te_bepalen":
        return None, None, None
    if label == "gelijk":
        return "vergelijkbaar", "vergelijkbaar", None
    side, level = label.rsplit("_", 1)
    return side, side, level


def _position_expr(direction: pl.Expr, comparison: pl.Expr) -> pl.Expr:
    """hoger/lager/vergelijkbaar from a comparison code and the indicator's direction."""
    return (
        pl.when(comparison.is_in(["hoger", "lager", "vergelijkbaar"]))
        .then(comparison)
        .when((comparison == "beter") & (direction == "lager_beter"))
        .then(pl.lit("lager"))
        .when(comparison == "beter")
        .then(pl.lit("hoger"))
        .when((comparison == "slechter") & (direction == "lager_beter"))
        .then(pl.lit("hoger"))
        .when(comparison == "slechter")
        .then(pl.lit("lager"))
        .otherwise(None)
    )


def comparison_codes(frame: pl.DataFrame, *, adjusted: bool = True) -> pl.DataFrame:
    """Mart rows (with `label`, `label_unadjusted`, `method`, `phi`) plus `comparison`
    (beter / slechter / hoger / lager / vergelijkbaar, null when not determined) and
    `comparison_level` ("95", "998" or null). `adjusted=False` reads the unadjusted label."""
    col = pl.col("label" if adjusted else "label_unadjusted")
    side = col.str.replace(r"_(95|998)$", "")
    return frame.with_columns(
        pl.when(col == "gelijk")
        .then(pl.lit("vergelijkbaar"))
        .when(col == "niet_te_bepalen")
        .then(None)
        .otherwise(side)
        .alias("comparison"),
        col.str.extract(r"_(95|998)$", 1).alias("comparison_level"),
        pl.lit(adjusted).alias("comparison_adjusted"),
    )


def attach(
    frame: pl.DataFrame,
    comparisons: pl.DataFrame,
    *,
    level: str,
    adjusted: bool = True,
    reference: str = REFERENCE_FLANDERS,
    direction_col: str = "direction",
) -> pl.DataFrame:
    """`frame` (indicator_code, area_code, year, `direction_col`) with
    `COMPARISON_COLUMNS` from the comparisons mart at `level` (left join: rows without
    a comparison get nulls). Existing columns of those names are replaced."""
    rows = comparison_codes(
        comparisons.filter((pl.col("level") == level) & (pl.col("reference") == reference)),
        adjusted=adjusted,
    ).select(
        "indicator_code",
        "area_code",
        "year",
        "comparison",
        "comparison_level",
        pl.col("method").alias("comparison_method"),
        pl.col("phi").alias("comparison_phi"),
        "comparison_adjusted",
    )
    base = frame.drop([c for c in COMPARISON_COLUMNS if c in frame.columns])
    out = base.join(
        rows, on=["indicator_code", "area_code", "year"], how="left", maintain_order="left"
    )
    return out.with_columns(
        _position_expr(pl.col(direction_col).fill_null("neutraal"), pl.col("comparison")).alias(
            "position"
        )
    )


def comparisons_for(
    values: pl.DataFrame,
    indicators: pl.DataFrame,
    *,
    level: str,
    years: pl.DataFrame | None = None,
    indicator_codes: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The comparisons mart rows for `level` computed from `values` (as the build does),
    for callers that hold no mart (tests, subsets). `years` (indicator_code, year)
    restricts to those years. Needs every area of the level in `values`."""
    cells = values.filter(
        (pl.col("level") == level)
        | ((pl.col("level") == "vlaanderen") & (pl.col("area_code") == FLANDERS_CODE))
    )
    if years is not None:
        cells = cells.join(years.select("indicator_code", "year"), on=["indicator_code", "year"])
    if indicator_codes is not None:
        cells = cells.filter(pl.col("indicator_code").is_in(list(indicator_codes)))
    if level not in ("provincie", "zone", "kring", "gemeente"):
        raise ValueError(f"geen vergelijking op niveau {level!r}")
    return comparisons_mart(cells, indicators).filter(pl.col("level") == level)


# --------------------------------------------------------------------------- trends

TREND_WORDS: Final = {
    "stijgend": ("↑", "significant stijgend"),
    "dalend": ("↓", "significant dalend"),
    "geen_significante_verandering": ("→", "geen significante verandering"),
    "niet_getest": ("·", "niet getest (minder dan 3 jaren met gegevens)"),
}
TREND_METHOD: Final = (
    "Trend: de laatste 5 jaren met gegevens samen getoetst (chi-kwadraattoets voor trend bij "
    "aandelen, quasi-Poisson-regressie bij cijfers per inwoner; p < 0,05). Een pijl zegt of "
    "de stijging of daling groter is dan de gewone schommelingen van jaar tot jaar."
)
WORSE_AND_WORSENING: Final = "Enkel slechter dan Vlaanderen én verslechterend"


def worsening(trend_direction: str | None, indicator_direction: str | None) -> bool:
    """A significant trend the wrong way: falling where higher is better, rising where
    lower is better (never for a neutral indicator)."""
    return (trend_direction == "dalend" and indicator_direction == "hoger_beter") or (
        trend_direction == "stijgend" and indicator_direction == "lager_beter"
    )


def trend_text(
    trend_direction: str | None,
    indicator_direction: str | None = None,
    *,
    last_year: int | None = None,
) -> str:
    """ "↓ significant dalend (verslechtering), laatste 5 jaren tot 2024"; "" without a test."""
    if trend_direction is None:
        return ""
    arrow, words = TREND_WORDS.get(trend_direction, ("", trend_direction))
    meaning = ""
    if trend_direction in ("stijgend", "dalend") and indicator_direction in (
        "hoger_beter",
        "lager_beter",
    ):
        meaning = (
            " (verslechtering)"
            if worsening(trend_direction, indicator_direction)
            else " (verbetering)"
        )
    span = (
        f", laatste 5 jaren tot {last_year}"
        if last_year is not None and trend_direction != "niet_getest"
        else ""
    )
    return f"{arrow} {words}{meaning}{span}"


def attach_trends(frame: pl.DataFrame, trends: pl.DataFrame, *, level: str) -> pl.DataFrame:
    """`frame` (indicator_code, area_code) with `trend_direction`, `trend_p_value`,
    `trend_last_year` from the trends mart at `level` (nulls where none)."""
    rows = trends.filter(pl.col("level") == level).select(
        "indicator_code",
        "area_code",
        pl.col("direction").alias("trend_direction"),
        pl.col("p_value").alias("trend_p_value"),
        pl.col("last_year").alias("trend_last_year"),
    )
    base = frame.drop(
        [c for c in ("trend_direction", "trend_p_value", "trend_last_year") if c in frame.columns]
    )
    return base.join(rows, on=["indicator_code", "area_code"], how="left", maintain_order="left")


def legend_markdown(*, adjusted: bool = True) -> str:
    """The meaning of the marks, for under the tables."""
    base = (
        "▲ hoger dan Vlaanderen · ▼ lager dan Vlaanderen · = niet aantoonbaar verschillend. "
        "Beter/slechter alleen waar de indicator een richting heeft; (99,8%) = ook buiten de "
        "ruimere 99,8%-grens."
    )
    if adjusted:
        return base + " Getoetst met correctie voor de gewone verschillen tussen zones."
    return base + " Getoetst zonder correctie voor overdispersie: zie de waarschuwing."


def level_suffix(level: str | None) -> str:
    """ " (99,8%)" for a label outside the 99.8% limits, else ""."""
    return " (99,8%)" if level == "998" else ""


__all__ = [
    "ADJUSTED_SWITCH_HELP",
    "ADJUSTED_SWITCH_LABEL",
    "COMPARISON_COLUMNS",
    "METHOD_INTRO",
    "TREND_METHOD",
    "TREND_WORDS",
    "UNADJUSTED_NOTE",
    "WORSE_AND_WORSENING",
    "attach",
    "attach_trends",
    "comparison_codes",
    "comparisons_for",
    "fmt_phi",
    "legend_markdown",
    "level_suffix",
    "method_text",
    "split_label",
    "trend_text",
    "worsening",
]
