"""Read the built marts and answer the pages' questions (pure polars, no Streamlit).

`load_marts` reads `manifest.json` and the Parquet marts of a data folder; anything
missing or unreadable raises `DataMissingError`, whose Dutch message says how to build
the data. The query helpers take a `Marts` and return small polars frames or plain
values for one view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import polars as pl

from popmgmt.config import DATA_ENV
from popmgmt.metrics.indicators import HEADLINE_INDICATORS
from popmgmt.pipeline.codes import BOUNDARY_VERSION, FLANDERS_CODE, THEMES
from popmgmt.pipeline.marts import (
    AREAS,
    BREAKDOWNS,
    COMPARISONS,
    INDICATOR_VALUES,
    INDICATORS,
    MART_COLUMNS,
    OUTLOOK,
    POPULATION,
    PRACTICES,
    STANDARDISED,
    SURVEY,
    TRENDS,
    empty_derived,
)
from popmgmt.pipeline.survey import empty_survey
from popmgmt.views import labels

MANIFEST_FILE: Final = "manifest.json"
POPULATION_KEY: Final = "inwoners"
"""The key of the inhabitants row in `headline_figures` (not an indicator code)."""

BUILD_COMMANDS: Final = (
    "python -m popmgmt demo --out raw",
    "python -m popmgmt build --input raw --out data",
)

GEO_KEYS: Final = {"zone": "zones", "gemeente": "municipalities"}

VALUE_COLUMNS: Final = (
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
    "suppression_reason",
)


class DataMissingError(Exception):
    """The data folder holds no (complete, readable) build; the message says what to do."""

    def __init__(self, folder: Path, detail: str) -> None:
        self.folder = folder
        self.detail = detail
        super().__init__(missing_data_message(folder, detail))


def missing_data_message(folder: Path, detail: str) -> str:
    """The Dutch explanation shown instead of a traceback when there is no built data."""
    commands = "\n".join(f"- `{command}`" for command in BUILD_COMMANDS)
    return (
        f"Geen gebouwde gegevens gevonden in de map `{folder}` ({detail}).\n\n"
        "Bouw eerst de demodata en de marts, vanuit de map van het project:\n\n"
        f"{commands}\n\n"
        "of in één stap: `make app`. De app leest standaard de map `data/`; een andere "
        f"map kiest u met de omgevingsvariabele `{DATA_ENV}`."
    )


@dataclass(frozen=True, eq=False)
class Marts:
    """The marts of one build, as read from its data folder."""

    areas: pl.DataFrame
    indicators: pl.DataFrame
    values: pl.DataFrame
    population: pl.DataFrame
    practices: pl.DataFrame
    manifest: dict[str, Any]
    folder: Path
    comparisons: pl.DataFrame = field(default_factory=lambda: empty_derived(COMPARISONS))
    trends: pl.DataFrame = field(default_factory=lambda: empty_derived(TRENDS))
    # The capacity outlook (issue 13); empty for a build without them.
    gp_age: pl.DataFrame = field(default_factory=pl.DataFrame)
    gp_inflow: pl.DataFrame = field(default_factory=pl.DataFrame)
    outlook_population: pl.DataFrame = field(default_factory=pl.DataFrame)
    survey: pl.DataFrame = field(default_factory=empty_survey)
    breakdowns: pl.DataFrame = field(default_factory=lambda: empty_derived(BREAKDOWNS))
    standardised: pl.DataFrame = field(default_factory=lambda: empty_derived(STANDARDISED))


def read_manifest(folder: Path) -> dict[str, Any]:
    """The build manifest of `folder`; DataMissingError if absent or unreadable."""
    path = folder / MANIFEST_FILE
    if not folder.is_dir():
        raise DataMissingError(folder, "de map bestaat niet")
    if not path.is_file():
        raise DataMissingError(folder, f"{MANIFEST_FILE} ontbreekt")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataMissingError(folder, f"{MANIFEST_FILE} is onleesbaar: {exc}") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("marts"), dict):
        raise DataMissingError(folder, f"{MANIFEST_FILE} vermeldt geen marts")
    return manifest


def _read_mart(folder: Path, manifest: dict[str, Any], name: str) -> pl.DataFrame:
    entry = manifest["marts"].get(name)
    file_name = entry.get("file") if isinstance(entry, dict) else None
    path = folder / (file_name or f"{name}.parquet")
    if not path.is_file():
        raise DataMissingError(folder, f"mart {path.name} ontbreekt")
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise DataMissingError(folder, f"mart {path.name} is onleesbaar: {exc}") from exc
    missing = [col for col in MART_COLUMNS[name] if col not in frame.columns]
    if missing:
        raise DataMissingError(
            folder,
            f"mart {path.name} mist kolommen {', '.join(missing)}; bouw de gegevens opnieuw",
        )
    return frame


def _optional_mart(folder: Path, manifest: dict[str, Any], name: str) -> pl.DataFrame:
    """A mart that builds before issue 15 did not write: empty when the manifest lacks it."""
    if name not in manifest["marts"]:
        return empty_derived(name)
    return _read_mart(folder, manifest, name)


def load_marts(folder: Path) -> Marts:
    """Read the manifest and every mart of a data folder.

    Raises DataMissingError when the manifest, a mart, a mart column or the zone
    boundaries are missing or unreadable.
    """
    manifest = read_manifest(folder)
    marts = Marts(
        areas=_read_mart(folder, manifest, AREAS),
        indicators=_read_mart(folder, manifest, INDICATORS),
        values=_read_mart(folder, manifest, INDICATOR_VALUES),
        population=_read_mart(folder, manifest, POPULATION),
        practices=_read_mart(folder, manifest, PRACTICES),
        manifest=manifest,
        folder=folder,
        comparisons=_read_mart(folder, manifest, COMPARISONS),
        trends=_read_mart(folder, manifest, TRENDS),
        **{
            name: _read_mart(folder, manifest, name)
            for name in OUTLOOK
            if name in manifest["marts"]
        },
        # A build from before the survey mart has none: the survey page says so.
        survey=(
            _read_mart(folder, manifest, SURVEY) if SURVEY in manifest["marts"] else empty_survey()
        ),
        breakdowns=_optional_mart(folder, manifest, BREAKDOWNS),
        standardised=_optional_mart(folder, manifest, STANDARDISED),
    )
    geo_path(marts, "zone")  # fail early, with the build instructions
    return marts


def geo_path(marts: Marts, level: str = "zone") -> Path:
    """The boundary file of a level (`zone` or `gemeente`) as listed in the manifest."""
    key = GEO_KEYS[level]
    geo = marts.manifest.get("geo") or {}
    rel = geo.get(key) if isinstance(geo, dict) else None
    path = marts.folder / (rel or f"geo/{key}.geojson")
    if not path.is_file():
        raise DataMissingError(marts.folder, f"grenzenbestand {path.name} ontbreekt")
    return path


def load_geojson(marts: Marts, level: str = "zone") -> dict[str, Any]:
    """The boundaries of a level as a GeoJSON FeatureCollection (plain dict)."""
    path = geo_path(marts, level)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataMissingError(marts.folder, f"{path.name} is onleesbaar: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise DataMissingError(marts.folder, f"{path.name} is geen FeatureCollection")
    return data


# --- manifest facts -------------------------------------------------------------------


def is_demo(marts: Marts) -> bool:
    """True when the build says its inputs are demo data."""
    return bool(marts.manifest.get("demo", False))


def boundary_version(marts: Marts) -> str:
    return str(marts.manifest.get("boundary_version") or BOUNDARY_VERSION)


def vintage_items(marts: Marts) -> list[str]:
    """One Dutch line per source: "<label> (2015–2023)"."""
    vintage = marts.manifest.get("vintage") or {}
    items: list[str] = []
    if not isinstance(vintage, dict):
        return items
    for name, info in vintage.items():
        if not isinstance(info, dict):
            continue
        text = str(info.get("label") or name)
        years = info.get("years")
        if isinstance(years, list | tuple) and len(years) == 2:
            text = f"{text} ({labels.year_range_text(int(years[0]), int(years[1]))})"
        items.append(text)
    return items


def vintage_text(marts: Marts) -> str:
    """The data vintage of every source on one line."""
    items = vintage_items(marts)
    return "; ".join(items) if items else "jaargang onbekend"


def attribution_text(marts: Marts) -> str:
    """The source attribution the licences require, as one paragraph."""
    attribution = marts.manifest.get("attribution") or []
    if isinstance(attribution, str):
        return attribution
    return " ".join(str(item) for item in attribution)


def built_at_text(marts: Marts) -> str:
    built = str(marts.manifest.get("built_at") or "onbekend")
    version = marts.manifest.get("popmgmt_version")
    return f"{built} (popmgmt {version})" if version else built


# --- catalogue --------------------------------------------------------------------------


def indicator_catalogue(marts: Marts, level: str | None = "zone") -> pl.DataFrame:
    """Indicators with values (at `level`, or any level), ordered by theme then name."""
    codes = marts.values
    if level is not None:
        codes = codes.filter(pl.col("level") == level)
    present = codes.select("indicator_code").unique()
    theme_order = pl.DataFrame(
        {"theme": list(THEMES), "theme_order": list(range(len(THEMES)))},
        schema={"theme": pl.String, "theme_order": pl.Int64},
    )
    return (
        marts.indicators.join(present, on="indicator_code", how="semi")
        .join(theme_order, on="theme", how="left")
        .with_columns(pl.col("theme_order").fill_null(len(THEMES)))
        .sort("theme_order", "name_nl", "indicator_code")
        .drop("theme_order")
    )


def indicator_meta(marts: Marts, indicator_code: str) -> dict[str, Any]:
    """The catalogue row of one indicator; KeyError if unknown."""
    rows = marts.indicators.filter(pl.col("indicator_code") == indicator_code)
    if rows.height == 0:
        raise KeyError(indicator_code)
    return rows.row(0, named=True)


def indicator_option_label(meta: dict[str, Any]) -> str:
    """ "Zorgaanbod · Huisartsen per 10.000 inwoners" for a selectbox."""
    name = meta.get("name_nl") or meta["indicator_code"]
    return f"{labels.label('theme', meta.get('theme'))} · {name}"


def available_years(marts: Marts, indicator_code: str, level: str | None = "zone") -> list[int]:
    """The years with values for an indicator, newest first."""
    rows = marts.values.filter(pl.col("indicator_code") == indicator_code)
    if level is not None:
        rows = rows.filter(pl.col("level") == level)
    return sorted({int(y) for y in rows["year"].unique().to_list()}, reverse=True)


def latest_year(marts: Marts, indicator_code: str, level: str | None = None) -> int | None:
    """The newest year with values for an indicator (at `level`, or any level)."""
    years = available_years(marts, indicator_code, level)
    return years[0] if years else None


def latest_population_year(marts: Marts) -> int | None:
    rows = marts.population.filter(pl.col("level") == "vlaanderen")
    return None if rows.height == 0 else int(rows["year"].max())  # type: ignore[arg-type]


# --- values -----------------------------------------------------------------------------


def _hide_suppressed(frame: pl.DataFrame) -> pl.DataFrame:
    """A suppressed cell carries no number at all (never a 0)."""
    hidden = pl.col("suppressed")
    cols = [c for c in ("numerator", "value", "ci_low", "ci_high") if c in frame.columns]
    return frame.with_columns(
        pl.col("suppressed").fill_null(False),
        *[pl.when(hidden.fill_null(False)).then(None).otherwise(pl.col(c)).alias(c) for c in cols],
    )


def indicator_map_values(
    marts: Marts, indicator_code: str, year: int, level: str = "zone"
) -> pl.DataFrame:
    """Every area of `level` with its value for one indicator and year.

    Areas without a row keep null values and status `geen_gegevens`; suppressed cells
    have null value and interval and status `onderdrukt`.
    Columns: area_code, area_name, year, numerator, denominator, value, ci_low,
    ci_high, suppressed, suppression_reason, status.
    """
    areas = marts.areas.filter(pl.col("level") == level).select("area_code", "area_name")
    vals = marts.values.filter(
        (pl.col("indicator_code") == indicator_code)
        & (pl.col("level") == level)
        & (pl.col("year") == year)
    ).select("area_code", *VALUE_COLUMNS)
    joined = areas.join(vals, on="area_code", how="left")
    joined = _hide_suppressed(joined).with_columns(
        pl.lit(year, dtype=pl.Int64).alias("year"),
        pl.when(pl.col("suppressed"))
        .then(pl.lit("onderdrukt"))
        .when(pl.col("value").is_null())
        .then(pl.lit("geen_gegevens"))
        .otherwise(pl.lit("waarde"))
        .alias("status"),
    )
    return joined.select("area_code", "area_name", "year", *VALUE_COLUMNS, "status").sort(
        "area_name", "area_code"
    )


def flanders_value(marts: Marts, indicator_code: str, year: int) -> dict[str, Any] | None:
    """The Flemish row of one indicator and year, or None."""
    rows = _hide_suppressed(
        marts.values.filter(
            (pl.col("indicator_code") == indicator_code)
            & (pl.col("level") == "vlaanderen")
            & (pl.col("area_code") == FLANDERS_CODE)
            & (pl.col("year") == year)
        )
    )
    return rows.row(0, named=True) if rows.height else None


def comparison_rows(
    marts: Marts,
    indicator_code: str,
    year: int | None = None,
    *,
    level: str = "zone",
    reference: str = "vlaanderen",
    crude_only: bool = False,
) -> pl.DataFrame | None:
    """The comparisons mart's rows of one indicator at `level` against `reference`
    (one year, or every year when None); None when the mart holds none (an old build
    or marts made in code: the views then compute them as the build does).
    `crude_only`: None as well when some rows are age-standardised (a funnel of crude
    values must then compute its own crude labels)."""
    rows = marts.comparisons.filter(
        (pl.col("indicator_code") == indicator_code)
        & (pl.col("level") == level)
        & (pl.col("reference") == reference)
    )
    if year is not None:
        rows = rows.filter(pl.col("year") == year)
    if crude_only and "basis" in rows.columns and (rows["basis"] != "ruw").any():
        return None
    return rows if rows.height else None


def trend_rows(marts: Marts, indicator_code: str, *, level: str = "zone") -> pl.DataFrame:
    """The trends mart's rows of one indicator at `level` (empty for an old build)."""
    return marts.trends.filter(
        (pl.col("indicator_code") == indicator_code) & (pl.col("level") == level)
    )


HEADLINE_SCHEMA: Final = pl.Schema(
    {
        "key": pl.String,
        "label": pl.String,
        "year": pl.Int64,
        "value": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "suppressed": pl.Boolean,
        "suppression_reason": pl.String,
        "unit": pl.String,
        "numerator_label": pl.String,
        "denominator_label": pl.String,
        "interval_method": pl.String,
        "source": pl.String,
    }
)


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _population_figure(marts: Marts, year: int | None) -> dict[str, Any]:
    year = year if year is not None else latest_population_year(marts)
    rows = marts.population.filter(
        (pl.col("level") == "vlaanderen")
        & (pl.col("sex") == "T")
        & (pl.col("age_band") == "totaal")
        & (pl.col("year") == year)
    )
    row = rows.row(0, named=True) if rows.height else {}
    suppressed = bool(row.get("suppressed") or False)
    return {
        "key": POPULATION_KEY,
        "label": "Inwoners",
        "year": year,
        "value": None if suppressed else _num(row.get("population")),
        "ci_low": None,
        "ci_high": None,
        "numerator": None,
        "denominator": None,
        "suppressed": suppressed,
        "suppression_reason": row.get("suppression_reason"),
        "unit": "inwoners",
        "numerator_label": None,
        "denominator_label": None,
        "interval_method": None,
        "source": labels.POPULATION_SOURCE,
    }


def _indicator_figure(marts: Marts, code: str, year: int | None) -> dict[str, Any]:
    try:
        meta = indicator_meta(marts, code)
    except KeyError:
        meta = {"indicator_code": code, "name_nl": code}
    fig_year = year if year is not None else latest_year(marts, code, level="vlaanderen")
    row = flanders_value(marts, code, fig_year) if fig_year is not None else None
    row = row or {}
    return {
        "key": code,
        "label": meta.get("name_nl") or code,
        "year": fig_year,
        "value": _num(row.get("value")),
        "ci_low": _num(row.get("ci_low")),
        "ci_high": _num(row.get("ci_high")),
        "numerator": _num(row.get("numerator")),
        "denominator": _num(row.get("denominator")),
        "suppressed": bool(row.get("suppressed") or False),
        "suppression_reason": row.get("suppression_reason"),
        "unit": meta.get("unit"),
        "numerator_label": meta.get("numerator_label"),
        "denominator_label": meta.get("denominator_label"),
        "interval_method": meta.get("interval_method"),
        "source": meta.get("source"),
    }


def headline_figures(marts: Marts, year: int | None = None) -> pl.DataFrame:
    """The Flemish headline figures: inhabitants, then `HEADLINE_INDICATORS`.

    With `year=None` each figure is for its own latest year (sources lag differently);
    the `year` column always says which. One row per figure, always, in order; a
    figure without data has a null value.
    """
    rows = [_population_figure(marts, year)]
    rows += [_indicator_figure(marts, code, year) for code in HEADLINE_INDICATORS]
    return pl.DataFrame(rows, schema=HEADLINE_SCHEMA, orient="row")


def figure_texts(row: dict[str, Any]) -> dict[str, str]:
    """Value, interval, denominator, year and source texts of one headline row."""
    texts = labels.value_texts(
        value=row["value"],
        ci_low=row["ci_low"],
        ci_high=row["ci_high"],
        denominator=row["denominator"],
        suppressed=row["suppressed"],
        reason=row["suppression_reason"],
        unit=row["unit"],
        denominator_label=row["denominator_label"],
        year=row["year"],
        interval_method=row.get("interval_method"),
    )
    if row["key"] == POPULATION_KEY and row["value"] is not None:
        texts["interval_text"] = "volledige telling, geen interval"
    texts["source_text"] = f"bron: {row['source']}" if row.get("source") else ""
    return texts


def display_table(
    values: pl.DataFrame, *, unit: str | None, area_title: str = "Zone"
) -> pl.DataFrame:
    """The values of `indicator_map_values` as Dutch text columns for a table.

    Suppressed cells read "onderdrukt (...)", missing ones "geen gegevens".
    """
    rows = []
    for row in values.iter_rows(named=True):
        texts = labels.value_texts(
            value=row["value"],
            ci_low=row["ci_low"],
            ci_high=row["ci_high"],
            denominator=row["denominator"],
            suppressed=row["suppressed"],
            reason=row["suppression_reason"],
            unit=unit,
            denominator_label=None,
            year=row["year"],
        )
        rows.append(
            {
                area_title: f"{row['area_name']} ({row['area_code']})",
                "Waarde": texts["value_text"],
                "95%-betrouwbaarheidsinterval": texts["interval_text"],
                "Teller": "" if row["numerator"] is None else labels.fmt_number(row["numerator"]),
                "Noemer": ""
                if row["denominator"] is None
                else labels.fmt_number(row["denominator"]),
                "Jaar": str(row["year"]),
            }
        )
    columns = [area_title, "Waarde", "95%-betrouwbaarheidsinterval", "Teller", "Noemer", "Jaar"]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def flanders_summary(marts: Marts, indicator_code: str, year: int) -> str | None:
    """One Markdown line with the Flemish value, interval, denominator, year and source."""
    row = flanders_value(marts, indicator_code, year)
    if row is None:
        return None
    meta = indicator_meta(marts, indicator_code)
    texts = labels.value_texts(
        value=row["value"],
        ci_low=row["ci_low"],
        ci_high=row["ci_high"],
        denominator=row["denominator"],
        suppressed=bool(row["suppressed"]),
        reason=row["suppression_reason"],
        unit=meta.get("unit"),
        denominator_label=meta.get("denominator_label"),
        year=year,
    )
    parts = [texts["interval_text"], texts["denominator_text"]]
    parts.append(f"bron: {meta.get('source') or 'onbekend'}")
    rest = " · ".join(p for p in parts if p)
    return f"**Vlaanderen, {year}: {texts['value_text']}** · {rest}"


def _or_unknown(value: Any) -> str:
    if value is None or value == "":
        return "onbekend"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def indicator_definition_markdown(meta: dict[str, Any]) -> str:
    """The metadata sheet of an indicator (description, formula, unit, source...) in Dutch."""
    code = meta["indicator_code"]
    name = meta.get("name_nl") or code
    lines = [
        f"**{name}** (`{code}`)",
        "",
        str(meta.get("description_nl") or ""),
        "",
        f"- **Formule:** {_or_unknown(meta.get('formula_nl'))}",
        f"- **Eenheid:** {_or_unknown(meta.get('unit'))}",
        f"- **Teller:** {_or_unknown(meta.get('numerator_label'))}",
        f"- **Noemer:** {_or_unknown(meta.get('denominator_label'))}",
        f"- **Interval:** {labels.label('interval_method', meta.get('interval_method'))}",
        f"- **Thema:** {labels.label('theme', meta.get('theme'))}",
        f"- **Quintuple Aim:** {labels.label('aim_domain', meta.get('aim_domain'))}",
        f"- **Richting:** {labels.label('direction', meta.get('direction'))}",
        f"- **Eerste jaar:** {_or_unknown(meta.get('first_year'))}",
        f"- **Kleinste niveau:** {_or_unknown(meta.get('smallest_level'))}",
        f"- **Herkomst:** {labels.label('origin', meta.get('origin'))}",
        f"- **Bron:** {_or_unknown(meta.get('source'))}",
    ]
    return "\n".join(lines)
