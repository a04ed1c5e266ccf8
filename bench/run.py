"""Benchmark: demo build, core aggregation (polars vs pandas vs DuckDB) and page server runs.

Run from the repository root (or `make bench`)::

    python bench/run.py                  # full scale (1.0), median of 5: a few minutes
    python bench/run.py --quick          # scale 0.2, 2 repeats: a smoke run
    python bench/run.py --out-json results.json

Three parts, in one run, all in a temporary folder (the repository's `raw/` and
`data/` are never touched):

1. Demo write (`popmgmt.pipeline.demo.write_demo`) and full build (`popmgmt.pipeline.build.build`),
   each in a child process: wall time, peak RSS (the child's own
   `getrusage(RUSAGE_SELF).ru_maxrss`) and, for the build, the time per step
   (timestamps between the build's `progress` calls). A breakdown of the marts
   computation (the public functions `compute_marts` calls, one run each) follows.
2. Core aggregation: every Atlas indicator x zone x year, numerator and
   denominator sums, value and 95% Wilson interval, from the validated raw Atlas
   values and the municipality -> zone membership; once in polars (lazy), once in
   pandas (groupby + vectorised numpy), once in DuckDB (SQL over Arrow). The three
   results are checked equal (max abs diff < 1e-9) and against
   `popmgmt.metrics.stats.wilson_interval` before anything is timed.
3. Page server runs: every page in app.py's navigation (`popmgmt.app.navigation`), run
   with Streamlit's AppTest against the fresh build: cold (caches cleared), warm
   (median of reruns) and one interaction (the page's first selectbox moved to
   another option and back).

Speed is measured here and reported, never asserted in tests. Targets (issue):
build < 30 s and < 2 GB peak; each page < 0.5 s warm.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]

FULL_SCALE = 1.0
QUICK_SCALE = 0.2
FULL_REPEATS = 5
QUICK_REPEATS = 2
PAGE_TIMEOUT = 180.0

TARGET_BUILD_SECONDS = 30.0
TARGET_BUILD_PEAK_MB = 2048.0
TARGET_PAGE_WARM_SECONDS = 0.5
TOLERANCE = 1e-9

Z95 = NormalDist().inv_cdf(0.975)
KEYS = ["indicator_code", "zone_code", "year"]
VALUE_COLUMNS = ["numerator", "denominator", "value", "ci_low", "ci_high"]
ENGINES = ("polars", "pandas", "duckdb")

# The build's progress labels (Dutch, shown to users) in English for this report.
BUILD_STEPS = {
    "Herkomst controleren (demo of echte gegevens)": "check demo provenance",
    "Ruwe bestanden valideren": "validate raw files",
    "Marts berekenen (indicatoren, intervallen, onderdrukking)": "compute marts",
    "Privacycontroles": "privacy guards",
    "Marts schrijven": "write marts and geo",
    "Nieuwe data in gebruik nemen": "swap in",
}
BUILD_START_STEP = "start (reference data)"

# Streamlit loggers that warn when caches are cleared outside a script run.
QUIET_LOGGERS = (
    "streamlit.runtime.caching.cache_data_api",
    "streamlit.runtime.caching.cache_resource_api",
    "streamlit.runtime.scriptrunner_utils.script_run_context",
)

MB = 1024.0  # ru_maxrss is in KiB on Linux; "MB" below means MiB


# --------------------------------------------------------------------------- helpers


def _self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MB


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def _timed(fn: Callable[[], object], repeats: int) -> list[float]:
    """Wall seconds of `repeats` calls of `fn` (a warm-up is the caller's business)."""
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _section(title: str) -> None:
    print(f"\n== {title}  (load average {_loadavg()})", flush=True)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _memory_total_mb() -> float:
    with Path("/proc/meminfo").open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / MB
    return float("nan")


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_info() -> dict[str, Any]:
    """Cores, memory, Python and library versions, load average now."""
    return {
        "nproc": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "memory_total_mb": round(_memory_total_mb()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {
            p: _version(p)
            for p in ("polars", "pandas", "duckdb", "numpy", "pyarrow", "streamlit", "popmgmt")
        },
        "polars_threads": pl.thread_pool_size(),
        "loadavg_start": _loadavg(),
    }


# --------------------------------------------------------------------------- 1. demo and build


def _child_demo(raw: Path, scale: float) -> dict[str, Any]:
    from popmgmt.pipeline.demo import write_demo  # noqa: PLC0415 (child process only)

    start = time.perf_counter()
    rows = write_demo(raw, scale=scale)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": _self_peak_mb(), "rows": rows}


def _child_build(raw: Path, data: Path) -> dict[str, Any]:
    from popmgmt.pipeline.build import build  # noqa: PLC0415 (child process only)

    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    result = build(raw, data, progress=lambda label: marks.append((label, time.perf_counter())))
    end = time.perf_counter()
    peak = _self_peak_mb()
    names = [BUILD_START_STEP, *(BUILD_STEPS.get(label, label) for label, _ in marks)]
    stamps = [start, *(t for _, t in marks), end]
    steps = [{"step": name, "seconds": stamps[i + 1] - stamps[i]} for i, name in enumerate(names)]
    rows = {name: info["rows"] for name, info in result.manifest["marts"].items()}
    return {"seconds": end - start, "peak_rss_mb": peak, "steps": steps, "rows": rows}


def _run_child(kind: str, raw: Path, data: Path, scale: float, workdir: Path) -> dict[str, Any]:
    """Run one stage in a fresh interpreter; add the process wall time (imports included)."""
    result_file = workdir / f"{kind}-result.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        kind,
        "--raw",
        str(raw),
        "--data",
        str(data),
        "--scale",
        repr(scale),
        "--result",
        str(result_file),
    ]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - start
    out: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    out["process_seconds"] = wall
    return out


def bench_build(raw: Path, data: Path, scale: float, workdir: Path) -> dict[str, Any]:
    """Demo write and build, each in a child process."""
    _section(f"1. Demo write and build (scale {scale}, child processes)")
    demo = _run_child("demo", raw, data, scale, workdir)
    demo["loadavg"] = _loadavg()
    build = _run_child("build", raw, data, scale, workdir)
    build["loadavg"] = _loadavg()
    print(
        _table(
            ["stage", "function s", "process s", "peak RSS MB"],
            [
                [
                    name,
                    f"{r['seconds']:.2f}",
                    f"{r['process_seconds']:.2f}",
                    f"{r['peak_rss_mb']:.0f}",
                ]
                for name, r in (("demo write", demo), ("build", build))
            ],
        )
    )
    total = build["seconds"]
    print("\nBuild steps (between the build's progress calls):")
    print(
        _table(
            ["step", "seconds", "share"],
            [
                [s["step"], f"{s['seconds']:.2f}", f"{100 * s['seconds'] / total:.0f}%"]
                for s in build["steps"]
            ],
        )
    )
    print(f"\nRows per mart: {build['rows']}")
    return {"scale": scale, "demo": demo, "build": build}


# Helpers whose time is reported within each mart function: (module in
# `popmgmt.pipeline`, name looked up there at call time).
INNER_FUNCTIONS = (
    ("transform", "population_cells"),
    ("transform", "roll_up"),
    ("transform", "add_intervals"),
    ("transform", "hierarchy_constraints"),
    ("control", "apply_disclosure_control"),
)


def bench_marts_breakdown(raw_data: Any, refdata: Any) -> list[dict[str, Any]]:
    """One timed run of each function that `transform.compute_marts` calls, in its order.

    The helpers in INNER_FUNCTIONS are wrapped with timers (in this process only,
    restored afterwards), so each mart's time shows how much went into them
    (inclusive times: `roll_up` inside `population_cells` counts in both).
    """
    from popmgmt.pipeline import control, geography, practices  # noqa: PLC0415
    from popmgmt.pipeline import transform as tf  # noqa: PLC0415
    from popmgmt.pipeline.build import final_guards  # noqa: PLC0415
    from popmgmt.pipeline.marts import AREAS, INDICATOR_VALUES, INDICATORS, POPULATION, PRACTICES  # noqa: PLC0415

    inner: dict[str, float] = {}

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed_inner(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                inner[name] = inner.get(name, 0.0) + time.perf_counter() - start

        return timed_inner

    timings: list[dict[str, Any]] = []

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        inner.clear()
        start = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - start
        timings.append({"step": name, "seconds": seconds, "inner": dict(inner)})
        return out

    modules = {"transform": tf, "control": control}
    originals = {(mod, name): getattr(modules[mod], name) for mod, name in INNER_FUNCTIONS}
    for (mod, name), fn in originals.items():
        setattr(modules[mod], name, wrap(name, fn))
    try:
        present = raw_data.population["REFNIS"].unique().sort().to_list()
        members = timed(
            "membership", lambda: geography.membership(refdata, raw_data.circles, present)
        )
        gps = timed("gp_years", lambda: practices.gp_years(raw_data))
        survey_years = raw_data.survey_practices["SURVEY_YEAR"].unique().to_list()
        first_survey = min(survey_years) if survey_years else None
        cat = timed("catalogue", lambda: tf.catalogue(raw_data.atlas_metadata, first_survey))
        atlas = timed("atlas_counts", lambda: tf.atlas_counts(raw_data.atlas_values, members))
        derived = timed(
            "derived_counts",
            lambda: tf.derived_counts(gps, raw_data, raw_data.population, members),
        )
        counts = pl.concat([atlas, derived])
        marts = {
            AREAS: timed(
                "areas_mart", lambda: geography.areas_mart(refdata, raw_data.circles, members)
            ),
            INDICATORS: cat,
            INDICATOR_VALUES: timed(
                "indicator_values_mart", lambda: tf.indicator_values_mart(counts, members, cat)
            ),
            POPULATION: timed(
                "population_mart", lambda: tf.population_mart(raw_data.population, members)
            ),
            PRACTICES: timed(
                "practice_mart",
                lambda: practices.practice_mart(raw_data, gps, members, b"bench-key"),
            ),
        }
        timed("final_guards (privacy guards)", lambda: final_guards(marts))
    finally:
        for (mod, name), fn in originals.items():
            setattr(modules[mod], name, fn)

    total = sum(t["seconds"] for t in timings)
    rows: list[list[object]] = []
    for t in timings:
        rows.append([t["step"], f"{t['seconds']:.2f}", f"{100 * t['seconds'] / total:.0f}%"])
        rows += [[f"  of which {k}", f"{v:.2f}", ""] for k, v in t["inner"].items()]
    print("\nMarts computation, one run per function (in-process, after validation):")
    print(_table(["function", "seconds", "share"], [*rows, ["total", f"{total:.2f}", ""]]))
    return timings


# --------------------------------------------------------------------------- 2. aggregation


def agg_polars(atlas: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Indicator x zone x year sums, value and 95% Wilson interval, in lazy polars."""
    x = pl.col("numerator")
    n = pl.col("denominator")
    z2 = Z95 * Z95
    p = x / n
    scale = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / scale
    half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / scale
    ok = n > 0
    return (
        atlas.lazy()
        .join(
            members.lazy().select("refnis", "zone_code"),
            left_on="REFNIS",
            right_on="refnis",
            how="inner",
        )
        .group_by(
            pl.col("INDICATOR_CODE").alias("indicator_code"),
            "zone_code",
            pl.col("YEAR").alias("year"),
        )
        .agg(
            pl.col("NUMERATOR").sum().cast(pl.Float64).alias("numerator"),
            pl.col("DENOMINATOR").sum().cast(pl.Float64).alias("denominator"),
        )
        .with_columns(
            pl.when(ok).then(p).alias("value"),
            pl.when(ok).then((centre - half).clip(0.0, 1.0)).alias("ci_low"),
            pl.when(ok).then((centre + half).clip(0.0, 1.0)).alias("ci_high"),
        )
        .sort(KEYS)
        .collect()
    )


def agg_pandas(atlas: Any, members: Any) -> Any:
    """The same in pandas: merge, groupby sum, vectorised numpy Wilson."""
    merged = atlas.merge(members, left_on="REFNIS", right_on="refnis", how="inner")
    sums = (
        merged.groupby(["INDICATOR_CODE", "zone_code", "YEAR"], sort=True)[
            ["NUMERATOR", "DENOMINATOR"]
        ]
        .sum()
        .reset_index()
    )
    x = sums["NUMERATOR"].to_numpy(dtype=np.float64)
    n = sums["DENOMINATOR"].to_numpy(dtype=np.float64)
    z2 = Z95 * Z95
    ok = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        scale = 1.0 + z2 / n
        centre = (p + z2 / (2.0 * n)) / scale
        half = Z95 * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / scale
    out = sums.rename(columns={"INDICATOR_CODE": "indicator_code", "YEAR": "year"}).drop(
        columns=["NUMERATOR", "DENOMINATOR"]
    )
    out["numerator"] = x
    out["denominator"] = n
    out["value"] = np.where(ok, p, np.nan)
    out["ci_low"] = np.where(ok, np.clip(centre - half, 0.0, 1.0), np.nan)
    out["ci_high"] = np.where(ok, np.clip(centre + half, 0.0, 1.0), np.nan)
    return out


def _duckdb_sql() -> str:
    z = repr(Z95)
    return f"""
WITH sums AS (
    SELECT a.INDICATOR_CODE AS indicator_code, m.zone_code, a.YEAR AS year,
           CAST(SUM(a.NUMERATOR) AS DOUBLE) AS numerator,
           CAST(SUM(a.DENOMINATOR) AS DOUBLE) AS denominator
    FROM atlas AS a JOIN members AS m ON a.REFNIS = m.refnis
    GROUP BY ALL
), parts AS (
    SELECT *,
           CASE WHEN denominator > 0 THEN numerator / denominator END AS p,
           CASE WHEN denominator > 0 THEN 1 + {z} * {z} / denominator END AS s
    FROM sums
), bounds AS (
    SELECT *,
           (p + {z} * {z} / (2 * denominator)) / s AS centre,
           {z} * sqrt(p * (1 - p) / denominator
                      + {z} * {z} / (4 * denominator * denominator)) / s AS half
    FROM parts
)
SELECT indicator_code, zone_code, year, numerator, denominator, p AS value,
       CASE WHEN p IS NOT NULL THEN greatest(least(centre - half, 1.0), 0.0) END AS ci_low,
       CASE WHEN p IS NOT NULL THEN greatest(least(centre + half, 1.0), 0.0) END AS ci_high
FROM bounds
ORDER BY indicator_code, zone_code, year
"""


def agg_duckdb(con: Any, sql: str) -> pl.DataFrame:
    """The same in DuckDB SQL over the registered Arrow tables; result as polars."""
    result: pl.DataFrame = con.sql(sql).pl()
    return result


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("indicator_code").cast(pl.String),
        pl.col("zone_code").cast(pl.String),
        pl.col("year").cast(pl.Int64),
        *[pl.col(c).cast(pl.Float64).fill_nan(None) for c in VALUE_COLUMNS],
    ).sort(KEYS)


def max_abs_diff(reference: pl.DataFrame, other: pl.DataFrame) -> float:
    """Largest absolute difference over the value columns; raises if keys or nulls differ."""
    ref, oth = _normalised(reference), _normalised(other)
    if ref.height != oth.height or not ref.select(KEYS).equals(oth.select(KEYS)):
        raise AssertionError("the engines give different indicator x zone x year cells")
    worst = 0.0
    for col in VALUE_COLUMNS:
        a, b = ref[col], oth[col]
        if not a.is_null().equals(b.is_null()):
            raise AssertionError(f"{col}: missing values differ between engines")
        diff = (a - b).abs().max()
        worst = max(worst, float(diff) if isinstance(diff, int | float) else 0.0)
    return worst


def _check_against_stats(result: pl.DataFrame) -> float:
    """Max abs diff of the polars interval against the product's `stats.wilson_interval`."""
    from popmgmt.metrics.stats import wilson_interval  # noqa: PLC0415

    low, high = wilson_interval(result["numerator"].to_numpy(), result["denominator"].to_numpy())
    return float(
        max(
            np.nanmax(np.abs(low - result["ci_low"].to_numpy())),
            np.nanmax(np.abs(high - result["ci_high"].to_numpy())),
        )
    )


def bench_aggregation(atlas: pl.DataFrame, members: pl.DataFrame, repeats: int) -> dict[str, Any]:
    """Check the three engines agree, then time each (median of `repeats` after a warm-up)."""
    import duckdb  # noqa: PLC0415

    _section("2. Core aggregation: indicator x zone x year, sums, value, 95% Wilson interval")
    # Inputs in each engine's native form; conversion is not timed.
    members_small = members.select("refnis", "zone_code")
    atlas_pd = atlas.to_pandas()
    members_pd = members_small.to_pandas()
    con = duckdb.connect()
    con.register("atlas", atlas.to_arrow())
    con.register("members", members_small.to_arrow())
    sql = _duckdb_sql()

    runs: dict[str, Callable[[], Any]] = {
        "polars": lambda: agg_polars(atlas, members_small),
        "pandas": lambda: agg_pandas(atlas_pd, members_pd),
        "duckdb": lambda: agg_duckdb(con, sql),
    }
    # Warm-up run of each engine, used for the equality check.
    results = {name: fn() for name, fn in runs.items()}
    reference = results["polars"]
    diffs = {
        "pandas": max_abs_diff(reference, pl.from_pandas(results["pandas"])),
        "duckdb": max_abs_diff(reference, results["duckdb"]),
        "stats.wilson_interval": _check_against_stats(reference),
    }
    for name, diff in diffs.items():
        if not diff < TOLERANCE:
            raise AssertionError(f"{name} differs from polars by {diff:g} (>= {TOLERANCE:g})")
    print(
        f"Input: {atlas.height:,} Atlas rows (indicator x municipality x year x age band x sex), "
        f"{members.height} municipalities -> {reference.height:,} cells "
        f"({reference['indicator_code'].n_unique()} indicators x "
        f"{reference['zone_code'].n_unique()} zones x {reference['year'].n_unique()} years)."
    )
    print(
        "Same numbers: max abs diff vs polars "
        + ", ".join(f"{k} {v:.1e}" for k, v in diffs.items())
    )

    times = {name: _timed(fn, repeats) for name, fn in runs.items()}
    con.close()
    base = _median(times["polars"])
    print(f"\nMedian of {repeats} after a warm-up (polars {pl.thread_pool_size()} threads):")
    print(
        _table(
            ["engine", "median s", "min s", "x polars"],
            [
                [
                    name,
                    f"{_median(t):.4f}",
                    f"{min(t):.4f}",
                    f"{_median(t) / base:.2f}",
                ]
                for name, t in times.items()
            ],
        )
    )
    return {
        "rows_in": atlas.height,
        "cells_out": reference.height,
        "repeats": repeats,
        "max_abs_diff": diffs,
        "seconds": times,
        "median_seconds": {name: _median(t) for name, t in times.items()},
        "ratio_vs_polars": {name: _median(t) / base for name, t in times.items()},
        "loadavg": _loadavg(),
    }


# --------------------------------------------------------------------------- 3. pages


def app_pages() -> list[dict[str, Any]]:
    """Pages of app.py's navigation (`popmgmt.app.navigation.NAVIGATION`), in order."""
    from popmgmt.app.navigation import NAVIGATION  # noqa: PLC0415

    return [
        {"path": page.path, "title": page.title, "section": section}
        for section, pages in NAVIGATION.items()
        for page in pages
    ]


def _first_selectbox(at: Any) -> Any | None:
    boxes = [s for s in at.selectbox if len(s.options) >= 2]
    return boxes[0] if boxes else None


def _page_problem(at: Any) -> str | None:
    if at.exception:
        return "exception: " + "; ".join(str(e.message) for e in at.exception)
    if at.error:
        return "error: " + "; ".join(str(e.value) for e in at.error)
    return None


def bench_page(path: Path, repeats: int) -> dict[str, Any]:
    """Cold run (caches cleared), warm reruns and one selectbox interaction of one page."""
    import streamlit as st  # noqa: PLC0415
    from streamlit.testing.v1 import AppTest  # noqa: PLC0415

    for name in QUIET_LOGGERS:  # "no runtime" notes from clearing caches outside a run
        logging.getLogger(name).setLevel(logging.ERROR)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(path), default_timeout=PAGE_TIMEOUT)
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    problem = _page_problem(at)
    if problem:
        return {"cold_seconds": cold, "problem": problem}
    warm = _timed(at.run, repeats)
    out: dict[str, Any] = {"cold_seconds": cold, "warm_seconds": warm, "warm_median": _median(warm)}

    box = _first_selectbox(at)
    if box is not None:
        label = str(box.label)
        start_index = int(box.index or 0)
        other_index = (start_index + 1) % len(box.options)
        times = []
        for i in range(repeats):
            box = _first_selectbox(at)
            if box is None:
                break
            target = other_index if i % 2 == 0 else start_index
            start = time.perf_counter()
            box.select_index(target).run()
            times.append(time.perf_counter() - start)
            problem = _page_problem(at)
            if problem:
                out["problem"] = f"after choosing in '{label}': {problem}"
                break
        out["interaction"] = {
            "what": f"selectbox '{label}': option {start_index} <-> {other_index}",
            "seconds": times,
            "median": _median(times) if times else None,
        }
    return out


def bench_pages(data: Path, repeats: int) -> dict[str, Any]:
    """Every navigation page against the build in `data` (POPMGMT_DATA)."""
    _section(f"3. Page server runs (AppTest, POPMGMT_DATA={data})")
    os.environ["POPMGMT_DATA"] = str(data)
    results: list[dict[str, Any]] = []
    for page in app_pages():
        path = ROOT / page["path"]
        result = {**page, **bench_page(path, repeats)}
        results.append(result)
    rows = []
    for r in results:
        warm = r.get("warm_median")
        inter = r.get("interaction") or {}
        flag = "" if warm is None else ("OVER 0.5 s" if warm > TARGET_PAGE_WARM_SECONDS else "ok")
        rows.append(
            [
                r["path"],
                f"{r['cold_seconds']:.2f}",
                "-" if warm is None else f"{warm:.3f}",
                "-" if warm is None else f"{min(r['warm_seconds']):.3f}",
                "-" if inter.get("median") is None else f"{inter['median']:.3f}",
                "-" if not inter.get("seconds") else f"{min(inter['seconds']):.3f}",
                r.get("problem") or flag,
            ]
        )
    print(f"Median and min of {repeats} runs each:")
    print(
        _table(
            [
                "page",
                "cold s",
                "warm median s",
                "warm min s",
                "interaction median s",
                "interaction min s",
                "warm median < 0.5 s",
            ],
            rows,
        )
    )
    for r in results:
        if "interaction" in r:
            print(f"  {r['path']}: interaction = {r['interaction']['what']}")
    return {"repeats": repeats, "pages": results, "loadavg": _loadavg()}


# --------------------------------------------------------------------------- main


def summary(results: dict[str, Any]) -> list[str]:
    """Figures against the issue's targets, one line each."""
    build = results["build"]["build"]
    lines = []
    secs = build["process_seconds"]
    lines.append(
        f"build: {secs:.1f} s (process; {build['seconds']:.1f} s in build()) "
        f"target < {TARGET_BUILD_SECONDS:.0f} s: {'ok' if secs < TARGET_BUILD_SECONDS else 'OVER'}"
    )
    peak = build["peak_rss_mb"]
    lines.append(
        f"build peak RSS: {peak:.0f} MB, target < {TARGET_BUILD_PEAK_MB:.0f} MB: "
        f"{'ok' if peak < TARGET_BUILD_PEAK_MB else 'OVER'}"
    )
    demo = results["build"]["demo"]
    lines.append(
        f"demo write: {demo['process_seconds']:.1f} s (process), "
        f"peak RSS {demo['peak_rss_mb']:.0f} MB"
    )
    agg = results["aggregation"]
    ratios = ", ".join(f"{k} x{v:.2f}" for k, v in agg["ratio_vs_polars"].items())
    lines.append(f"aggregation: polars {agg['median_seconds']['polars']:.4f} s; {ratios}")
    for page in results["pages"]["pages"]:
        warm = page.get("warm_median")
        if warm is None:
            lines.append(f"page {page['path']}: {page.get('problem')}")
            continue
        ok = "ok" if warm < TARGET_PAGE_WARM_SECONDS else "OVER"
        lines.append(
            f"page {page['path']}: warm {warm:.3f} s (min {min(page['warm_seconds']):.3f} s, "
            f"cold {page['cold_seconds']:.2f} s) "
            f"target < {TARGET_PAGE_WARM_SECONDS} s: {ok}"
        )
    return lines


def run(quick: bool, out_json: Path | None, repeats: int | None = None) -> dict[str, Any]:
    """The whole benchmark in a temporary folder; prints tables and returns the results."""
    scale = QUICK_SCALE if quick else FULL_SCALE
    if repeats is None:
        repeats = QUICK_REPEATS if quick else FULL_REPEATS
    info = machine_info()
    print(
        f"popmgmt benchmark ({'quick' if quick else 'full'}: scale {scale}, {repeats} repeats)\n"
        f"machine: {info['nproc']} cores ({info['usable_cores']} usable), {info['cpu']}, "
        f"{info['memory_total_mb']} MB; Python {info['python']}; "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    )
    results: dict[str, Any] = {"quick": quick, "scale": scale, "machine": info}
    with tempfile.TemporaryDirectory(prefix="popmgmt-bench-") as tmp:
        workdir = Path(tmp)
        raw, data = workdir / "raw", workdir / "data"
        results["build"] = bench_build(raw, data, scale, workdir)

        from popmgmt.pipeline.geography import membership  # noqa: PLC0415
        from popmgmt.pipeline.provenance import check_demo  # noqa: PLC0415
        from popmgmt.pipeline.refdata import load_refdata  # noqa: PLC0415
        from popmgmt.pipeline.validate import validate_raw  # noqa: PLC0415

        refdata = load_refdata()
        # A scaled demo covers a block of zones: completeness is checked against it.
        covered = check_demo(raw, refdata).municipalities
        start = time.perf_counter()
        raw_data = validate_raw(raw, refdata, covered_municipalities=covered)
        validate_seconds = time.perf_counter() - start
        print(f"\nvalidate_raw (in-process, for parts 2 and 3): {validate_seconds:.2f} s")
        results["build"]["validate_in_process_seconds"] = validate_seconds
        results["build"]["marts_breakdown"] = bench_marts_breakdown(raw_data, refdata)

        present = raw_data.population["REFNIS"].unique().sort().to_list()
        members = membership(refdata, raw_data.circles, present)
        results["aggregation"] = bench_aggregation(raw_data.atlas_values, members, repeats)
        del raw_data, members
        gc.collect()

        results["pages"] = bench_pages(data, repeats)
    results["loadavg_end"] = _loadavg()

    _section("Summary")
    lines = summary(results)
    results["summary"] = lines
    print("\n".join(lines))
    print(f"load average start {info['loadavg_start']}, end {results['loadavg_end']}")
    if out_json is not None:
        out_json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        print(f"results written to {out_json}")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="scale 0.2, 2 repeats (smoke run)")
    parser.add_argument("--out-json", type=Path, help="write the results as JSON to this file")
    parser.add_argument(
        "--repeats",
        type=int,
        help=f"timed runs per measurement (default {FULL_REPEATS}; {QUICK_REPEATS} with --quick)",
    )
    # Internal: one stage in a child process (peak memory of that stage alone).
    parser.add_argument("--child", choices=["demo", "build"], help=argparse.SUPPRESS)
    parser.add_argument("--raw", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, default=FULL_SCALE, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.child == "demo":
            out = _child_demo(args.raw, args.scale)
        else:
            out = _child_build(args.raw, args.data)
        args.result.write_text(json.dumps(out), encoding="utf-8")
        return 0
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    run(args.quick, args.out_json, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
