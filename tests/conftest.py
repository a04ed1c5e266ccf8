"""Shared fixtures: the app's path and a built data folder.

`built_data` runs the real pipeline (`demo_raw`: `popmgmt.pipeline.demo.write_demo` at scale
0.1, then `popmgmt.pipeline.build.build`). `write_synthetic_marts` writes a small hand-made mart
folder with known values (a few zones, two years, a suppressed cell, tiny squares) for
exact tests of the store's queries.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from frames import square
from pgkit import PostgresServer, start_server

from popmgmt.app.store import Marts, load_marts
from popmgmt.config import CACHE_ENV, ConfigError
from popmgmt.pipeline.build import build
from popmgmt.pipeline.demo import write_demo
from popmgmt.pipeline.marts import (
    AREAS,
    INDICATOR_VALUES,
    INDICATORS,
    MART_COLUMNS,
    POPULATION,
    PRACTICES,
)
from popmgmt.pipeline.published import derived_marts
from popmgmt.pipeline.refdata import RefData, load_refdata
from popmgmt.pipeline.validate import RawData, validate_raw

ROOT = Path(__file__).resolve().parents[1]
DEMO_SCALE = 0.1
APP = str(ROOT / "app.py")

# Synthetic fixture facts the tests may rely on (only when the synthetic path is used).
SYN_ZONES = {
    "elz1": ("Zone Noord", (4.0, 51.2)),
    "elz2": ("Antwerpen en rand", (4.4, 51.2)),
    "elz3": ("Zone Oost", (4.8, 51.2)),
    "elz4": ("Zone West", (3.6, 50.9)),
    "elz5": ("Zone Midden", (4.0, 50.9)),
    "elz6": ("Zone Zuid", (4.4, 50.9)),
}
SYN_YEARS = (2022, 2023)
SYN_SUPPRESSED = ("ima_mh", "elz6", 2023, "primair")
SYN_SECONDARY = ("ima_mh", "elz5", 2023, "secundair")


SYN_INDICATORS: list[dict[str, Any]] = [
    {
        "indicator_code": "gp_per_10k",
        "name_nl": "Huisartsen per 10.000 inwoners",
        "description_nl": "Actieve huisartsen (koppen) per 10.000 inwoners.",
        "unit": "per 10.000",
        "multiplier": 10_000.0,
        "formula_nl": "huisartsen / (inwoners / 10.000)",
        "source": "IMA, Patiënteel huisartsen; Statbel",
        "first_year": 2015.0,
        "smallest_level": "gemeente",
        "breakdowns": "",
        "keywords": "huisarts; capaciteit",
        "aim_domain": "zorgverleners",
        "theme": "aanbod",
        "need_family": None,
        "direction": "neutraal",
        "interval_method": "poisson",
        "origin": "afgeleid",
        "numerator_label": "huisartsen",
        "denominator_label": "inwoners",
    },
    {
        "indicator_code": "ima_gmd",
        "name_nl": "Inwoners met een GMD",
        "description_nl": "Aandeel inwoners met een globaal medisch dossier.",
        "unit": "%",
        "multiplier": 100.0,
        "formula_nl": "inwoners met GMD / (inwoners / 100)",
        "source": "IMA Atlas",
        "first_year": 2015.0,
        "smallest_level": "gemeente",
        "breakdowns": "leeftijd; geslacht",
        "keywords": "GMD",
        "aim_domain": "ervaring",
        "theme": "toegang",
        "need_family": None,
        "direction": "hoger_beter",
        "interval_method": "wilson",
        "origin": "atlas",
        "numerator_label": "inwoners met GMD",
        "denominator_label": "inwoners",
    },
    {
        "indicator_code": "ima_mh",
        "name_nl": "Inwoners ingeschreven in een forfaitaire praktijk",
        "description_nl": "Aandeel inwoners ingeschreven in een medisch huis (forfait).",
        "unit": "%",
        "multiplier": 100.0,
        "formula_nl": "ingeschreven inwoners / (inwoners / 100)",
        "source": "IMA Atlas",
        "first_year": 2015.0,
        "smallest_level": "gemeente",
        "breakdowns": "leeftijd; geslacht",
        "keywords": "forfait; medisch huis",
        "aim_domain": "waarde",
        "theme": "aanbod",
        "need_family": None,
        "direction": "neutraal",
        "interval_method": "wilson",
        "origin": "atlas",
        "numerator_label": "ingeschreven inwoners",
        "denominator_label": "inwoners",
    },
    {
        "indicator_code": "cube_013_021_At",
        "name_nl": "Interventionele diagnostische beeldvorming",
        "description_nl": "Patiënten met minstens één interventionele diagnostische beeldvorming.",
        "unit": "per 1.000",
        "multiplier": 1000.0,
        "formula_nl": "patiënten met >= 1 onderzoek / (rechthebbenden / 1.000)",
        "source": "IMA Atlas",
        "first_year": 2015.0,
        "smallest_level": "gemeente",
        "breakdowns": "leeftijd; geslacht",
        "keywords": "beeldvorming",
        "aim_domain": "waarde",
        "theme": "gebruik",
        "need_family": None,
        "direction": "neutraal",
        "interval_method": "wilson",
        "origin": "atlas",
        "numerator_label": "patiënten",
        "denominator_label": "rechthebbenden",
    },
]

# (indicator, base rate in units of `multiplier`)
_RATES = {"gp_per_10k": 9.0, "ima_gmd": 70.0, "ima_mh": 4.5, "cube_013_021_At": 40.0}


def _value_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    meta = {m["indicator_code"]: m for m in SYN_INDICATORS}
    for code, base in _RATES.items():
        mult = meta[code]["multiplier"]
        for year in SYN_YEARS:
            total_num = 0
            total_den = 0
            for i, zone in enumerate(SYN_ZONES):
                den = 80_000 + 7_000 * i
                rate = base * (1 + 0.08 * (i - 2.5) / 2.5) * (1 + 0.02 * (year - 2022))
                num = round(den * rate / mult)
                total_num += num
                total_den += den
                row = {
                    "indicator_code": code,
                    "level": "zone",
                    "area_code": zone,
                    "year": year,
                    "numerator": num,
                    "denominator": den,
                    "value": num / den * mult,
                    "ci_low": num / den * mult * 0.97,
                    "ci_high": num / den * mult * 1.03,
                    "suppressed": False,
                    "suppression_reason": None,
                }
                for s_code, s_zone, s_year, reason in (SYN_SUPPRESSED, SYN_SECONDARY):
                    if (code, zone, year) == (s_code, s_zone, s_year):
                        row.update(
                            numerator=None,
                            value=None,
                            ci_low=None,
                            ci_high=None,
                            suppressed=True,
                            suppression_reason=reason,
                        )
                rows.append(row)
            value = total_num / total_den * mult
            rows.append(
                {
                    "indicator_code": code,
                    "level": "vlaanderen",
                    "area_code": "02000",
                    "year": year,
                    "numerator": total_num,
                    "denominator": total_den,
                    "value": value,
                    "ci_low": value * 0.99,
                    "ci_high": value * 1.01,
                    "suppressed": False,
                    "suppression_reason": None,
                }
            )
    return rows


def _frame(name: str, rows: list[dict[str, Any]], dtypes: dict[str, Any]) -> pl.DataFrame:
    cols = list(MART_COLUMNS[name])
    schema = {c: dtypes.get(c, pl.String) for c in cols}
    return pl.DataFrame(rows, schema=schema, orient="row")


def write_synthetic_marts(out: Path) -> Path:
    """A small, contract-shaped data folder (demo flag on)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "geo").mkdir(exist_ok=True)
    areas = [
        {
            "level": "vlaanderen",
            "area_code": "02000",
            "area_name": "Vlaanderen",
            "zone_code": None,
            "circle_code": None,
            "province_code": None,
            "area_km2": 13_625.0,
            "centroid_lat": 51.0,
            "centroid_lon": 4.3,
        },
    ]
    for zone, (zname, (lon, lat)) in SYN_ZONES.items():
        areas.append(
            {
                "level": "zone",
                "area_code": zone,
                "area_name": zname,
                "zone_code": zone,
                "circle_code": None,
                "province_code": "10000",
                "area_km2": 400.0,
                "centroid_lat": lat + 0.15,
                "centroid_lon": lon + 0.15,
            }
        )
    floats = {"area_km2": pl.Float64, "centroid_lat": pl.Float64, "centroid_lon": pl.Float64}
    marts = {
        AREAS: _frame(AREAS, areas, floats),
        INDICATORS: _frame(
            INDICATORS, SYN_INDICATORS, {"multiplier": pl.Float64, "first_year": pl.Float64}
        ),
        INDICATOR_VALUES: _frame(
            INDICATOR_VALUES,
            _value_rows(),
            {
                "year": pl.Int64,
                "numerator": pl.Int64,
                "denominator": pl.Int64,
                "value": pl.Float64,
                "ci_low": pl.Float64,
                "ci_high": pl.Float64,
                "suppressed": pl.Boolean,
            },
        ),
    }
    pop_rows = []
    for year in SYN_YEARS:
        total = 0
        for i, zone in enumerate(SYN_ZONES):
            pop = 80_000 + 7_000 * i + (year - 2022) * 500
            total += pop
            pop_rows.append(
                {
                    "level": "zone",
                    "area_code": zone,
                    "year": year,
                    "sex": "T",
                    "age_band": "totaal",
                    "population": pop,
                    "suppressed": False,
                    "suppression_reason": None,
                }
            )
        pop_rows.append(
            {
                "level": "vlaanderen",
                "area_code": "02000",
                "year": year,
                "sex": "T",
                "age_band": "totaal",
                "population": total,
                "suppressed": False,
                "suppression_reason": None,
            }
        )
    marts[POPULATION] = _frame(
        POPULATION, pop_rows, {"year": pl.Int64, "population": pl.Int64, "suppressed": pl.Boolean}
    )
    practice_rows = [
        {
            "practice_id": f"PR-{i:06x}",
            "year": 2023,
            "refnis": "11001",
            "zone_code": "elz1",
            "circle_code": "hak1",
            "lat": 51.1,
            "lon": 4.1,
            "practice_form": "groep",
            "payment_system": "prestatie",
            "patient_stop": "nee",
            "size_class": "middel",
            "fte_estimate": 5.2,
            "pat_gmd": 9000,
            "pat_attrib": 11000,
            "raadpl": 30000,
            "bezavond": 500,
            "bezoekind": 2000,
            "instel": 300,
            "digicont": 1500,
            "advies": 800,
            "suppressed": False,
            "suppressed_columns": None,
        }
        for i in range(3)
    ]
    ints = {c: pl.Int64 for c, kind in MART_COLUMNS[PRACTICES].items() if kind == "count"}
    marts[PRACTICES] = _frame(
        PRACTICES,
        practice_rows,
        {
            **ints,
            "year": pl.Int64,
            "lat": pl.Float64,
            "lon": pl.Float64,
            "fte_estimate": pl.Float64,
            "suppressed": pl.Boolean,
        },
    )
    marts.update(derived_marts(marts))
    for name, frame in marts.items():
        frame.write_parquet(out / f"{name}.parquet")
    zones_geo = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"area_code": zone}, "geometry": square(lon, lat)}
            for zone, (_name, (lon, lat)) in SYN_ZONES.items()
        ],
    }
    (out / "geo" / "zones.geojson").write_text(json.dumps(zones_geo), encoding="utf-8")
    (out / "geo" / "municipalities.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8"
    )
    manifest = {
        "built_at": "2025-01-01T00:00:00+00:00",
        "popmgmt_version": "0.1.0",
        "boundary_version": "2025",
        "demo": True,
        "inputs": {},
        "vintage": {
            "ima_atlas": {"years": [2022, 2023], "label": "IMA Atlas (demo)"},
            "statbel": {"years": [2022, 2023], "label": "Statbel bevolking (demo)"},
        },
        "attribution": [
            "Geografie: Data & Analyse van de Vlaamse provincies; bevat overheidsinformatie, "
            "verkregen onder de modellicentie voor gratis hergebruik Vlaanderen v1.0.",
            "Bron bevolking: Statbel.",
        ],
        "marts": {
            name: {
                "file": f"{name}.parquet",
                "rows": frame.height,
                "columns": MART_COLUMNS[name],
            }
            for name, frame in marts.items()
        },
        "geo": {"zones": "geo/zones.geojson", "municipalities": "geo/municipalities.geojson"},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return out


@pytest.fixture(scope="session", autouse=True)
def _geo_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Builds in the tests cache their simplified boundaries in a temporary folder, not in
    the checkout's `.cache/` (POPMGMT_CACHE; shared by the session's builds)."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(folder))
        yield folder


@pytest.fixture(scope="session")
def refdata() -> RefData:
    """The real reference geography (../shared/refdata or POPMGMT_REFDATA)."""
    try:
        return load_refdata()
    except ConfigError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def demo_raw(tmp_path_factory: pytest.TempPathFactory, refdata: RefData) -> Path:
    """The raw demo files (scale DEMO_SCALE) that `built_data` is built from."""
    raw = tmp_path_factory.mktemp("demo") / "raw"
    write_demo(raw, refdata=refdata, scale=DEMO_SCALE)
    return raw


@pytest.fixture(scope="session")
def built_data(tmp_path_factory: pytest.TempPathFactory, demo_raw: Path, refdata: RefData) -> Path:
    """A data folder built by the real pipeline from the demo (manifest, marts, geo)."""
    out = tmp_path_factory.mktemp("built") / "data"
    build(demo_raw, out, refdata=refdata)
    return out


@pytest.fixture(scope="session")
def marts(built_data: Path) -> Marts:
    return load_marts(built_data)


@pytest.fixture
def app_path() -> str:
    return APP


# The small hand-written raw delivery (tests/fixtures/raw_small) and the
# municipalities it covers; `raw_dir` gives each test a fresh copy to break.
SMALL_RAW = ROOT / "tests" / "fixtures" / "raw_small"
SMALL_MUNICIPALITIES = ("11002", "24062", "44021", "44087")


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """A fresh copy of the valid small fixture to break."""
    target = tmp_path / "raw"
    shutil.copytree(SMALL_RAW, target)
    return target


def validate_small(folder: Path, refdata: RefData) -> RawData:
    """Validate a copy of the small fixture (it covers SMALL_MUNICIPALITIES only)."""
    return validate_raw(folder, refdata, expected_municipalities=SMALL_MUNICIPALITIES)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server for the whole session (tests/pgkit.py)."""
    yield from start_server()


@pytest.fixture(params=["sqlite", "postgresql"])
def state_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty state database: a SQLite file (not yet created) or a fresh PostgreSQL
    schema. The same tests run on both back-ends."""
    if request.param == "sqlite":
        return str(tmp_path / "state" / "annotations.sqlite")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.fresh_schema_url()
