"""Benchmark: how disclosure control grows with finer geography (1x, 4x, 16x).

Run from the repository root::

    python bench/disclosure_scaling.py            # factors 1, 4, 16; 3 interleaved rounds
    python bench/disclosure_scaling.py --rounds 1 --factors 1 4

The real geography (municipality -> zone, GP circle, province -> Flanders) with
each municipality split into `factor` sub-areas (statistical sectors stand-in).
Each sub-area holds a synthetic population table (2 sexes x 20 age bands, one
year), drawn so that a share of cells is small. The table is controlled by
`popmgmt.pipeline.privacy.apply_disclosure_control` with the constraints the build uses
(bands -> total, M + V = T, sub-area -> municipality -> zone/circle/province ->
Flanders), exact audit included. Each run is a child process: wall time and
peak RSS of the child. Rounds are interleaved (1x, 4x, 16x, 1x, ...) so that a
busy machine affects every factor alike; the median per factor and the growth
exponent (log time ratio / log size ratio) are printed.

Speed is reported here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from popmgmt.pipeline.privacy import TOTAL_COL, apply_disclosure_control
from popmgmt.pipeline.refdata import load_refdata

BANDS = 20


def run_one(factor: int, seed: int, mean_count: float | None = None) -> dict[str, float]:
    """One controlled table at `factor` x finer geography (in this process).

    `mean_count`: the mean count per cell at every factor (equal density, so
    only the number of areas grows); default: 60 / factor (the people of a
    municipality split over its sub-areas, so small cells multiply).
    """
    ref = load_refdata()
    muni = ref.municipalities.filter(pl.col("region_nis") == "02000").select(
        pl.col("nis_code_2025").alias("refnis"),
        pl.col("elz_code_pinc").alias("zone"),
        pl.col("province_nis").alias("prov"),
    )
    # A circle stand-in that crosses zones: pairs of neighbouring codes.
    muni = muni.sort("refnis").with_columns(
        (pl.int_range(pl.len()) // 5).cast(pl.String).alias("circle")
    )
    rng = np.random.default_rng(seed)
    subs = muni.join(pl.DataFrame({"part": list(range(factor))}), how="cross").with_columns(
        pl.concat_str("refnis", pl.lit("-"), pl.col("part").cast(pl.String)).alias("sub")
    )
    n = subs.height * 2 * BANDS
    # Counts per cell fall with finer areas, as they would in real sectors.
    mean = 60.0 / factor if mean_count is None else mean_count
    leaf = pl.DataFrame(
        {
            "sub": np.repeat(subs["sub"].to_numpy(), 2 * BANDS),
            "sex": np.tile(np.repeat(np.array(["M", "V"]), BANDS), subs.height),
            "band": np.tile(np.arange(BANDS), subs.height * 2).astype(str),
            "count": rng.poisson(mean * rng.lognormal(-0.1, 0.5, n)),
        }
    ).join(subs.select("sub", "refnis", "zone", "prov", "circle"), on="sub")
    levels = {"sub": "sub", "muni": "refnis", "zone": "zone", "circle": "circle", "prov": "prov"}
    frames = []
    for level, col in levels.items():
        for sex_all in (False, True):
            for band_all in (False, True):
                keys = [col]
                keys += [] if sex_all else ["sex"]
                keys += [] if band_all else ["band"]
                agg = leaf.group_by(keys).agg(pl.col("count").sum())
                frames.append(
                    agg.select(
                        pl.lit(level).alias("level"),
                        pl.col(col).alias("area"),
                        (pl.lit("T") if sex_all else pl.col("sex")).alias("sex"),
                        (pl.lit("tot") if band_all else pl.col("band")).alias("band"),
                        "count",
                    )
                )
    for sex_all in (False, True):
        for band_all in (False, True):
            keys = [] if sex_all else ["sex"]
            keys += [] if band_all else ["band"]
            agg = (
                leaf.group_by(keys).agg(pl.col("count").sum())
                if keys
                else leaf.select(pl.col("count").sum())
            )
            frames.append(
                agg.select(
                    pl.lit("fl").alias("level"),
                    pl.lit("fl").alias("area"),
                    (pl.lit("T") if sex_all else pl.col("sex")).alias("sex"),
                    (pl.lit("tot") if band_all else pl.col("band")).alias("band"),
                    "count",
                )
            )
    cells = (
        pl.concat(frames)
        .sort("level", "area", "sex", "band")
        .with_columns(pl.concat_str("level", "area", "sex", "band", separator="|").alias("id"))
    )
    cons = []
    within = cells.select(
        "id",
        pl.concat_str("level", "area", "sex", pl.lit("s"), separator="|").alias("constraint_id"),
        (pl.col("band") == "tot").alias(TOTAL_COL),
    )
    cons.append(within)
    cons.append(
        cells.select(
            "id",
            pl.concat_str("level", "area", "band", pl.lit("b"), separator="|").alias(
                "constraint_id"
            ),
            (pl.col("sex") == "T").alias(TOTAL_COL),
        )
    )
    links = [
        ("muni", "sub", subs.select(pl.col("sub").alias("c"), pl.col("refnis").alias("p"))),
        ("zone", "muni", muni.select(pl.col("refnis").alias("c"), pl.col("zone").alias("p"))),
        ("circle", "muni", muni.select(pl.col("refnis").alias("c"), pl.col("circle").alias("p"))),
        ("prov", "muni", muni.select(pl.col("refnis").alias("c"), pl.col("prov").alias("p"))),
    ]
    for parent, child, link in links:
        kids = cells.filter(pl.col("level") == child).join(link, left_on="area", right_on="c")
        cons.append(
            kids.select(
                "id",
                pl.concat_str(pl.lit(parent), "p", "sex", "band", separator="|").alias(
                    "constraint_id"
                ),
                pl.lit(False).alias(TOTAL_COL),
            )
        )
        cons.append(
            cells.filter(pl.col("level") == parent).select(
                "id",
                pl.concat_str(pl.lit(parent), "area", "sex", "band", separator="|").alias(
                    "constraint_id"
                ),
                pl.lit(True).alias(TOTAL_COL),
            )
        )
    for child in ("zone", "circle", "prov"):
        cons.append(
            cells.filter(pl.col("level") == child).select(
                "id",
                pl.concat_str(pl.lit("fl"), pl.lit(child), "sex", "band", separator="|").alias(
                    "constraint_id"
                ),
                pl.lit(False).alias(TOTAL_COL),
            )
        )
        cons.append(
            cells.filter(pl.col("level") == "fl").select(
                "id",
                pl.concat_str(pl.lit("fl"), pl.lit(child), "sex", "band", separator="|").alias(
                    "constraint_id"
                ),
                pl.lit(True).alias(TOTAL_COL),
            )
        )
    constraints = pl.concat(cons).select("constraint_id", "id", TOTAL_COL)
    started = time.perf_counter()
    # As in the build: one BLAS thread (competing LAPACK threads are many times slower).
    with threadpool_limits(limits=1):
        out = apply_disclosure_control(
            cells, id_col="id", count_cols=["count"], constraints=constraints, rank_col="count"
        )
    seconds = time.perf_counter() - started
    return {
        "factor": factor,
        "cells": cells.height,
        "primary": int((out["suppression_reason"] == "primair").sum()),
        "hidden": int(out["suppressed"].sum()),
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--mean-count",
        type=float,
        help="same mean count per cell at every factor (default: 60 / factor)",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(run_one(args.child, seed=args.child, mean_count=args.mean_count)))
        return
    results: dict[int, list[dict[str, float]]] = {f: [] for f in args.factors}
    for _ in range(args.rounds):
        for factor in args.factors:
            try:
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(factor)]
                    + ([] if args.mean_count is None else ["--mean-count", str(args.mean_count)]),
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=args.timeout,
                )
            except subprocess.TimeoutExpired:
                print(f"{factor}x: longer than {args.timeout:.0f} s, stopped")
                continue
            results[factor].append(json.loads(done.stdout.strip().splitlines()[-1]))
    base: tuple[float, float, int] | None = None
    for factor in args.factors:
        runs = results[factor]
        if not runs:
            continue
        secs = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        line = (
            f"{factor:>3}x: {int(runs[0]['cells']):>9,} cells,"
            f" {int(runs[0]['primary']):>7,} primary,"
            f" {int(runs[0]['hidden']):>7,} hidden, {secs:8.1f} s (median of {len(runs)}),"
            f" peak {peak:,.0f} MB"
        )
        if base is None:
            base = (runs[0]["cells"], secs, factor)
        elif base[1] > 0 and runs[0]["cells"] > base[0]:
            exponent = math.log(secs / base[1]) / math.log(runs[0]["cells"] / base[0])
            line += (
                f", {secs / base[1]:.1f}x the time of {base[2]}x, growth exponent {exponent:.2f}"
            )
        print(line)


if __name__ == "__main__":
    main()
