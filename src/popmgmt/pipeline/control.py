"""Disclosure control as the build applies it to one mart: the engine
(`pipeline.privacy`) plus its exact audit, and the rules for cells an earlier
release hid (`docs/privacy.md`, "Across releases")."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from popmgmt.pipeline.privacy import (
    MIN_COUNT,
    SECONDARY,
    apply_disclosure_control,
    audit_recoverable,
)


class DisclosureError(RuntimeError):
    """A suppressed cell could still be recovered: the build must not publish."""


def control_table(
    table: str,
    cells: pl.DataFrame,
    *,
    count_cols: Sequence[str],
    constraints: pl.DataFrame,
    rank_col: str,
    null_cols: Sequence[str] = (),
) -> pl.DataFrame:
    """Disclosure control on `cells` (id column `cell_id`), then an exact audit.

    The constraints mark their totals (`is_total`), so the control also closes
    differences between crossing partitions (a zone total minus a circle total
    inside it); the audit proves no primary cell is left recoverable.
    """
    controlled = apply_disclosure_control(
        cells,
        id_col="cell_id",
        count_cols=count_cols,
        constraints=constraints,
        rank_col=rank_col,
        null_cols=null_cols,
    )
    problems = audit_recoverable(controlled, constraints, "cell_id")
    if problems:
        shown = "; ".join(problems[:5])
        raise DisclosureError(f"{table}: {len(problems)} onderdrukte cellen afleidbaar ({shown})")
    return controlled


# --------------------------------------------------------------------------- releases


def with_forced(cells: pl.DataFrame, forced: pl.DataFrame | None, keys: list[str]) -> pl.DataFrame:
    """Add `_forced_check`: 1 where an earlier release hid the cell, so it stays hidden
    (a count of 1 makes it primary for the control), else null."""
    if forced is not None and forced.height:
        marked = (
            forced.select(keys).unique().with_columns(pl.lit(1, pl.Int64).alias("_forced_check"))
        )
        return cells.join(marked, on=keys, how="left")
    return cells.with_columns(pl.lit(None, pl.Int64).alias("_forced_check"))


def small_count(col: pl.Expr) -> pl.Expr:
    return ((col > 0) & (col < MIN_COUNT)).fill_null(False)


def honest_reason(controlled: pl.DataFrame, own_primary: pl.Expr) -> pl.DataFrame:
    """A cell hidden only because an earlier release hid it is "secundair"."""
    return controlled.with_columns(
        pl.when(pl.col("suppressed") & ~own_primary)
        .then(pl.lit(SECONDARY))
        .otherwise(pl.col("suppression_reason"))
        .alias("suppression_reason")
    )
