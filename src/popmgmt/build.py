"""Validate raw files and build the marts atomically.

The new marts are written to a temporary folder beside DATA and swapped in
only when complete. A failed or interrupted build leaves DATA as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from threadpoolctl import threadpool_limits

from popmgmt import __version__, codes
from popmgmt.geo import simplify_geometry
from popmgmt.marts import INDICATOR_VALUES, MART_COLUMNS, POPULATION, PRACTICES
from popmgmt.privacy import assert_no_small_counts
from popmgmt.refdata import ATTRIBUTION, RefData, load_refdata
from popmgmt.transform import DisclosureError, compute_marts
from popmgmt.validate import RawData, validate_raw

PSEUDONYM_KEY_ENV = "POPMGMT_PSEUDONYM_KEY"
# Used only when the environment gives no key; fine for demo data, and the
# manifest says so. Real deliveries must set POPMGMT_PSEUDONYM_KEY.
DEMO_PSEUDONYM_KEY = b"popmgmt-demo-key"
MANIFEST = "manifest.json"
# Column names that betray GP-level data; none may appear in a mart.
FORBIDDEN_COLUMNS = (
    "RIZIV_ID",
    "riziv_id",
    "RIZIV_HCI",
    "riziv_hci",
    "BIRTH_YEAR",
    "HOURS_PER_WEEK",
    "WORKLOAD",
    "WELLBEING",
)

Progress = Callable[[str], None]


class BuildError(RuntimeError):
    """The build could not finish; DATA is untouched."""


@dataclass(frozen=True)
class BuildResult:
    out: Path
    manifest: dict[str, Any]
    seconds: float


def _quiet(_: str) -> None:
    return None


def _vintage(raw: RawData) -> dict[str, dict[str, object]]:
    def span(frame: pl.DataFrame, col: str) -> list[int]:
        return [int(frame[col].min()), int(frame[col].max())] if frame.height else []  # type: ignore[arg-type]

    return {
        "ima_patienteel": {
            "years": span(raw.ima, "YEAR"),
            "label": "IMA-AIM Patiënteel huisartsen",
        },
        "atlas": {"years": span(raw.atlas_values, "YEAR"), "label": "IMA-AIM Atlas"},
        "bevolking": {"years": span(raw.population, "YEAR"), "label": "Statbel, bevolking 1/1"},
        "enquete": {
            "years": span(raw.survey_practices, "SURVEY_YEAR"),
            "label": "Departement Zorg, bevraging huisartsen",
        },
    }


def final_guards(marts: dict[str, pl.DataFrame]) -> list[str]:
    """Last checks before anything is written: privacy invariants of the marts."""
    problems = []
    for name, frame in marts.items():
        bad = [c for c in frame.columns if c in FORBIDDEN_COLUMNS]
        if bad:
            problems.append(f"{name}: GP-niveaukolommen in een mart: {bad}")
        expected = list(MART_COLUMNS[name])
        if frame.columns != expected:
            problems.append(
                f"{name}: kolommen {frame.columns} wijken af van het contract {expected}"
            )
    values = marts[INDICATOR_VALUES].join(
        marts["indicators"].select("indicator_code", "count_unit", "denominator_unit"),
        on="indicator_code",
    )
    # Person (and contact) counts only: FTE and counts of practices are not persons.
    persons = ("personen", "contacten")
    problems += assert_no_small_counts(
        values.filter(pl.col("count_unit").is_in(persons)), ["numerator"]
    )
    problems += assert_no_small_counts(
        values.filter(pl.col("denominator_unit").is_in(persons)), ["denominator"]
    )
    problems += assert_no_small_counts(marts[POPULATION], ["population"])
    counts = [c for c, kind in MART_COLUMNS[PRACTICES].items() if kind == "count"]
    problems += assert_no_small_counts(marts[PRACTICES], counts)
    return problems


def _write_geo(refdata: RefData, out: Path, marts: dict[str, pl.DataFrame]) -> dict[str, str]:
    areas = marts["areas"]
    geo = out / "geo"
    geo.mkdir()
    written = {}
    for key, source, prop, level in (
        ("zones", refdata.zones_geojson, "elz", "zone"),
        ("municipalities", refdata.municipalities_geojson, "geoitem", "gemeente"),
    ):
        names = dict(
            areas.filter(pl.col("level") == level).select("area_code", "area_name").iter_rows()
        )
        data = json.loads(source.read_text(encoding="utf-8"))
        features = []
        for feature in data["features"]:
            code = str(feature["properties"][prop])
            if code in names:
                features.append(
                    {
                        "type": "Feature",
                        "properties": {"area_code": code, "area_name": names[code]},
                        "geometry": simplify_geometry(feature["geometry"]),
                    }
                )
        path = geo / f"{key}.geojson"
        path.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
        )
        written[key] = f"geo/{key}.geojson"
    return written


def recover_interrupted_swap(out: Path) -> bool:
    """If a previous build died between its two renames, put the old data back."""
    if out.exists():
        return False
    olds = sorted(out.parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not olds:
        return False
    os.replace(olds[-1], out)
    return True


def _swap_in(tmp: Path, out: Path) -> None:
    """Replace `out` by `tmp`; on failure put the previous `out` back."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    had_previous = out.exists()
    if had_previous:
        os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        if had_previous:
            os.replace(old, out)
        raise
    if had_previous:
        shutil.rmtree(old, ignore_errors=True)


def build(
    input_dir: Path,
    out: Path,
    *,
    refdata: RefData | None = None,
    progress: Progress = _quiet,
) -> BuildResult:
    """Validate `input_dir`, compute the marts and swap them into `out`.

    Raises `popmgmt.validate.ValidationError` (nothing written) when the raw
    files are invalid, `BuildError` when a privacy guard fails.
    """
    started = time.perf_counter()
    out = out.resolve()
    recover_interrupted_swap(out)
    refdata = refdata or load_refdata()
    progress("Ruwe bestanden valideren")
    raw = validate_raw(input_dir, refdata)
    progress("Marts berekenen (indicatoren, intervallen, onderdrukking)")
    key_env = os.environ.get(PSEUDONYM_KEY_ENV)
    key = key_env.encode() if key_env else DEMO_PSEUDONYM_KEY
    # The disclosure audit uses LAPACK; competing BLAS threads on a small
    # machine make it many times slower.
    try:
        with threadpool_limits(limits=1):
            marts = compute_marts(raw, refdata, key)
    except DisclosureError as exc:
        raise BuildError(f"Privacycontrole mislukt; er is niets geschreven: {exc}") from exc
    progress("Privacycontroles")
    problems = final_guards(marts)
    if problems:
        raise BuildError("Privacycontrole mislukt; er is niets geschreven:\n" + "\n".join(problems))

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        progress("Marts schrijven")
        mart_info: dict[str, Any] = {}
        for name, frame in marts.items():
            file = f"{name}.parquet"
            frame.write_parquet(tmp / file, compression="zstd", statistics=True)
            mart_info[name] = {
                "file": file,
                "rows": frame.height,
                "columns": dict(MART_COLUMNS[name]),
            }
        geo = _write_geo(refdata, tmp, marts)
        manifest = {
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "popmgmt_version": __version__,
            "boundary_version": codes.BOUNDARY_VERSION,
            "demo": bool(raw.provenance.get("demo", False)),
            "provenance": raw.provenance,
            "pseudonym_key": "omgeving" if key_env else "demo-sleutel",
            "inputs": raw.checksums,
            "vintage": _vintage(raw),
            "attribution": [ATTRIBUTION],
            "marts": mart_info,
            "geo": geo,
        }
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        progress("Nieuwe data in gebruik nemen")
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(out=out, manifest=manifest, seconds=time.perf_counter() - started)
