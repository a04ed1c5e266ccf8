"""Read the real Flemish reference geography (never committed, read at build time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from popmgmt.config import refdata_dir

MUNICIPALITIES_FILE = "municipalities_2025.csv"
MAPPING_2019_FILE = "elz_municipality_2019_2024.csv"
ZONES_2025_FILE = "elz_municipality_2025.csv"
POPULATION_2020_FILE = "population_2020_municipality_sex_ageband.csv"
ZONES_GEOJSON = Path("geo") / "elz_2025.geojson"
MUNICIPALITIES_GEOJSON = Path("geo") / "municipalities_2025.geojson"

ATTRIBUTION = (
    "Geografie: Data & Analyse van de Vlaamse provincies (gebiedsniveaus); bevat "
    "overheidsinformatie, verkregen onder de modellicentie voor gratis hergebruik "
    "Vlaanderen v1.0. Bron bevolking: Statbel."
)


@dataclass(frozen=True)
class RefData:
    """The reference tables, typed and with string codes."""

    folder: Path
    municipalities: pl.DataFrame
    """304 municipalities (2025): Flemish and Brussels, with zone, province, area."""
    code_map: pl.DataFrame
    """Every known REFNIS code (2019-2024 and 2025, pseudo codes too) -> 2025 code."""
    zones: pl.DataFrame
    """57 zones: 56 Flemish + Bruzel, with name and province."""
    population_2020: pl.DataFrame

    @property
    def flemish_codes(self) -> list[str]:
        flemish = self.municipalities.filter(pl.col("region_nis") == "02000")
        return flemish["nis_code_2025"].to_list()

    @property
    def zones_geojson(self) -> Path:
        return self.folder / ZONES_GEOJSON

    @property
    def municipalities_geojson(self) -> Path:
        return self.folder / MUNICIPALITIES_GEOJSON


def _read_csv(folder: Path, name: str) -> pl.DataFrame:
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: referentiebestand ontbreekt in de refdata-map.")
    return pl.read_csv(path, infer_schema=False)


def load_refdata(folder: Path | None = None) -> RefData:
    folder = folder or refdata_dir()
    muni = _read_csv(folder, MUNICIPALITIES_FILE).with_columns(
        pl.col("centroid_lat", "centroid_lon", "area_km2").cast(pl.Float64),
        pl.col("population_2020_statbel_via_vaccinnet").cast(pl.Int64),
    )
    old = _read_csv(folder, MAPPING_2019_FILE).select(
        pl.col("nis_code_2019_2024").alias("refnis"), pl.col("nis_code_2025")
    )
    new = _read_csv(folder, ZONES_2025_FILE)
    current = new.select(pl.col("nis_code_2025").alias("refnis"), pl.col("nis_code_2025"))
    code_map = pl.concat([old, current]).unique().sort("refnis")
    zones = (
        muni.filter(pl.col("elz_code_pinc").str.starts_with("elz"))
        .group_by("elz_code_pinc")
        .agg(
            pl.col("elz_name").first(),
            pl.col("province_nis").mode().first(),
            pl.col("region_nis").first(),
        )
        .rename({"elz_code_pinc": "zone_code", "elz_name": "zone_name"})
        .sort("zone_code")
    )
    pop = _read_csv(folder, POPULATION_2020_FILE).with_columns(
        pl.col("population_2020").cast(pl.Int64)
    )
    return RefData(
        folder=folder, municipalities=muni, code_map=code_map, zones=zones, population_2020=pop
    )
