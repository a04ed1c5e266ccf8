"""Small hand-built frames and geometries shared by the unit tests (imported by `conftest`).

A plain module, not a test file: `from frames import VALUE_SCHEMA, square`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from popmgmt.metrics import funnel, pyramid

VALUE_SCHEMA: dict[str, Any] = {
    "indicator_code": pl.String,
    "level": pl.String,
    "area_code": pl.String,
    "year": pl.Int64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "suppressed": pl.Boolean,
    "suppression_reason": pl.String,
}
"""The columns of `indicator_values` that the view and metric functions read."""


def square(lon: float, lat: float, size: float = 0.3) -> dict[str, Any]:
    """A closed square GeoJSON polygon with its south-west corner at (lon, lat)."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


# --- funnel ------------------------------------------------------------------------------------


def funnel_units(observed: Sequence[float | None], sizes: Sequence[float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit": [f"U{i}" for i in range(len(observed))],
            "observed": list(observed),
            "size": list(sizes),
        },
        schema={"unit": pl.String, "observed": pl.Float64, "size": pl.Float64},
    )


def funnel_data(units: pl.DataFrame, **kwargs: Any) -> funnel.Funnel:
    args: dict[str, Any] = {
        "label_col": "unit",
        "observed_col": "observed",
        "size_col": "size",
        "kind": "rate",
    }
    args.update(kwargs)
    return funnel.funnel_data(units, **args)


# --------------------------------------------------------------------------- overdispersion
def funnel_spread_units() -> pl.DataFrame:
    sizes = [800.0 + 150.0 * i for i in range(14)]
    rates = [0.05, 0.12, 0.08, 0.15, 0.04, 0.1, 0.09, 0.13, 0.06, 0.11, 0.07, 0.14, 0.08, 0.1]
    return funnel_units([round(r * s) for r, s in zip(rates, sizes, strict=True)], sizes)


# --------------------------------------------------------------------------- chart
def funnel_spec(chart: Any) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()
    return spec


def funnel_datasets(spec: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    datasets: dict[str, list[dict[str, Any]]] = spec.get("datasets", {})
    return datasets


# --- gppoor ------------------------------------------------------------------------------------


# --- application to the marts ---------------------------------------------------------------


def gppoor_value(code: str, level: str, area: str, year: int, num: float | None, den: float | None,
       reason: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "indicator_code": code,
        "level": level,
        "area_code": area,
        "year": year,
        "numerator": None if reason else num,
        "denominator": den,
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "suppressed": reason is not None,
        "suppression_reason": reason,
    }


def gppoor_marts(extra: list[dict[str, Any]] | None = None) -> tuple[pl.DataFrame, ...]:
    """Zone elz1 (municipalities A, B), zone elz2 (municipality C), Brussels elz7 (D).
    GP counts in 2023 and 2024; the survey (share 65+) in 2024 only; B is suppressed
    (1-4) in 2024; the share of elz2 is suppressed, so Flanders' share applies there."""
    rows = [
        gppoor_value("gp_per_10k", "gemeente", "11001", 2023, 10, None),
        gppoor_value("gp_per_10k", "gemeente", "11002", 2023, 5, None),
        gppoor_value("gp_per_10k", "gemeente", "11003", 2023, 20, None),
        gppoor_value("gp_per_10k", "gemeente", "21001", 2023, 50, None),
        gppoor_value("gp_per_10k", "gemeente", "11001", 2024, 10, None),
        gppoor_value("gp_per_10k", "gemeente", "11002", 2024, None, None, "primair"),
        gppoor_value("gp_per_10k", "gemeente", "11003", 2024, 20, None),
        gppoor_value("gp_per_10k", "zone", "elz1", 2024, 14, None),
        gppoor_value("gp_per_10k", "zone", "elz2", 2024, 20, None),
        gppoor_value("gp_65plus", "zone", "elz1", 2024, 2, 10),  # 20% aged 65+
        gppoor_value("gp_65plus", "zone", "elz2", 2024, None, 20, "primair"),
        gppoor_value("gp_65plus", "vlaanderen", "02000", 2024, 10, 100),  # 10%
        *(extra or []),
    ]
    values = pl.DataFrame(rows, schema=VALUE_SCHEMA, orient="row")
    areas = pl.DataFrame(
        {
            "level": ["zone", "zone", "zone", "gemeente", "gemeente", "gemeente", "gemeente"],
            "area_code": ["elz1", "elz2", "elz7", "11001", "11002", "11003", "21001"],
            "area_name": ["Een", "Twee", "Bruzel", "A", "B", "C", "D"],
            "zone_code": [None, None, None, "elz1", "elz1", "elz2", "elz7"],
            "area_km2": [20.0, 100.0, 30.0, 10.0, 10.0, 100.0, 30.0],
        }
    )
    pop = [("gemeente", "11001", 10_000), ("gemeente", "11002", 10_000),
           ("gemeente", "11003", 10_000), ("gemeente", "21001", 10_000),
           ("zone", "elz1", 20_000), ("zone", "elz2", 10_000)]  # fmt: skip
    population = pl.DataFrame(
        [
            {"level": lv, "area_code": c, "year": y, "sex": "T", "age_band": "totaal",
             "population": n, "suppressed": False}
            for lv, c, n in pop
            for y in (2023, 2024)
        ]
    )  # fmt: skip
    return values, areas, population


# --- need --------------------------------------------------------------------------------------


def need_square(code: str, lon: float) -> dict[str, Any]:
    ring = [[lon, 51.0], [lon + 0.1, 51.0], [lon + 0.1, 51.1], [lon, 51.0]]
    return {
        "type": "Feature",
        "properties": {"area_code": code},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


# --- peers -------------------------------------------------------------------------------------


PEERS_FEATURES = pl.DataFrame(
    {
        "zone_code": ["a", "b", "c", "d", "e"],
        "zone_name": ["A", "B", "C", "D", "E"],
        "population": [100.0, 100.0, 1000.0, 110.0, None],
        "density": [10.0, 10.0, 100.0, 10.0, 5.0],
        "deprivation": [10.0, 30.0, 10.0, 10.0, 10.0],
    }
)


# --- pyramid -----------------------------------------------------------------------------------


def pyramid_inputs(**overrides: float | None) -> pl.DataFrame:
    row: dict[str, float | None] = {
        "population": 1000.0,
        "pop65": 250.0,
        "pop75": 100.0,
        "palliatief": 2.0,
        "woonzorgcentrum": 10.0,
        "polyfarmacie75": 50.0,
        "chronisch": 150.0,
        "diabetes": 60.0,
        "leeftijd75": 100.0,
        "vt": 200.0,
        "alleenwonend65": 60.0,
    }
    row.update(overrides)
    return pl.DataFrame(
        [{"area_code": "z1", **row, "n_imputed": 0, "missing": None}],
        schema=pyramid.INPUTS_SCHEMA,
        orient="row",
    )
