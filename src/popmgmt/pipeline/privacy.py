"""Disclosure control for the build: primary and secondary cell suppression.

Rules (DOMAIN 4, `docs/privacy.md`): a published person count is never 1-4,
a value whose numerator or denominator is 1-4 is not published, and no
suppressed cell can be recovered by subtracting published cells from a
published total (secondary suppression). Pure functions, polars in / out.

Two layers:
1. The constraint heuristic (always): every additive constraint keeps either
   none or at least two suppressed members.
2. The exact audit (when the constraints say which member is the total, column
   `is_total`): the published cells and all constraints together form a linear
   system; a suppressed cell is *recoverable* when that system fixes its value
   (it can be reached by adding and subtracting published totals, even across
   several constraints: e.g. zone total minus a circle total that lies inside
   it). Recoverable primary cells get further complementary suppressions until
   none is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.linalg
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from popmgmt.pipeline import nullspace

MIN_COUNT: Final = 5
# Contributor rule for sums of professionals' own data (a GP's contacts,
# patients, FTE): at least MIN_CONTRIBUTORS contributing GPs, and the p% rule:
# what is left after the two largest contributions must be at least P_PERCENT
# of the largest, so that the second largest contributor cannot estimate the
# largest within P_PERCENT by subtracting their own value.
MIN_CONTRIBUTORS: Final = 3
P_PERCENT: Final = 0.10
PRIMARY: Final = "primair"
SECONDARY: Final = "secundair"
SUPPRESSED_COL: Final = "suppressed"
REASON_COL: Final = "suppression_reason"
TOTAL_COL: Final = "is_total"

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

# Pivots of the rank-revealing QR below _RANK_TOL (relative to the largest)
# count as zero; a cell is fixed when its row-space reach is within _NULL_TOL
# of 1. The matrices hold only -1, 0 and 1: both are far from the values that
# matter.
_RANK_TOL: Final = 1e-9
_NULL_TOL: Final = 1e-8
# A block of up to _PRESOLVE_MIN suppressed cells is solved with a dense QR
# (`_solve_block`; the presolve's Python overhead costs more there). Beyond it,
# which cells a block fixes is decided by `nullspace` (presolve and a random
# null vector: 2-3x faster than a dense QR at a few hundred cells, and it
# finishes for the one block of thousands of cells that a fine geography
# gives). Attacks on fixed primary cells, which the repair needs, come from
# the dense QR up to _DENSE_MAX suppressed cells, from `nullspace.local_attack`
# beyond.
_PRESOLVE_MIN: Final = 150
_DENSE_MAX: Final = 2500


@dataclass(frozen=True)
class _Links:
    """Constraint membership as arrays, sorted by constraint, then pick priority."""

    con: IntArray  # dense constraint index per membership
    row: IntArray  # cell row per membership
    sign: FloatArray | None  # +1 for the total, -1 for a part; None when unknown
    n_con: int


def _small(column: str) -> pl.Expr:
    """True where the count is publication-unsafe: strictly between 0 and MIN_COUNT."""
    return ((pl.col(column) > 0) & (pl.col(column) < MIN_COUNT)).fill_null(False)


def _priority(cells: pl.DataFrame, id_col: str, rank_col: str) -> IntArray:
    """Each row's place in the order complements are picked in (0 = first).

    Smallest non-zero count first, then zeros, then nulls; ties by id.
    """
    rank = pl.col(rank_col)
    order = (
        cells.select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"),
            pl.when(rank.is_null()).then(2).when(rank == 0).then(1).otherwise(0).alias("_class"),
            rank.alias("_rank"),
            pl.col(id_col).alias("_id"),
        )
        .sort("_class", "_rank", "_id", nulls_last=True)
        .get_column("_row")
        .to_numpy()
    )
    priority = np.empty(cells.height, dtype=np.int64)
    priority[order] = np.arange(cells.height, dtype=np.int64)
    return priority


def _links(
    cells: pl.DataFrame, constraints: pl.DataFrame, id_col: str, priority: IntArray
) -> _Links:
    missing = [c for c in ("constraint_id", id_col) if c not in constraints.columns]
    if missing:
        raise ValueError(f"constraints mist kolommen {missing}")
    has_total = TOTAL_COL in constraints.columns
    pairs = constraints.select(
        "constraint_id",
        id_col,
        (pl.col(TOTAL_COL) if has_total else pl.lit(False)).alias("_total"),
    )
    if pairs.null_count().sum_horizontal().item():
        raise ValueError("constraints bevat lege waarden")
    rows = cells.select(pl.col(id_col), pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"))
    joined = pairs.join(rows, on=id_col, how="left")
    unknown = joined.filter(pl.col("_row").is_null())
    if unknown.height:
        sample = unknown[id_col].head(5).to_list()
        raise ValueError(f"constraints verwijst naar onbekende cellen, bv. {sample}")
    key = pl.col("constraint_id")
    if joined.schema["constraint_id"] == pl.String:
        # Categorical codes are one-to-one with the strings and much cheaper to
        # rank than the strings themselves.
        key = key.cast(pl.Categorical).to_physical()
    joined = joined.with_columns((key.rank("dense") - 1).cast(pl.Int64).alias("_con"))
    if has_total:
        totals = joined.group_by("_con").agg(pl.col("_total").sum().alias("n"))
        if totals.filter(pl.col("n") != 1).height:
            raise ValueError(f"elke constraint heeft precies een {TOTAL_COL} nodig")
    con = joined["_con"].to_numpy().astype(np.int64)
    row = joined["_row"].to_numpy().astype(np.int64)
    order = np.lexsort((priority[row], con))
    con, row = con[order], row[order]
    if np.any((con[1:] == con[:-1]) & (row[1:] == row[:-1])):
        raise ValueError("constraints bevat een cel twee keer in dezelfde constraint")
    sign = None
    if has_total:
        sign = np.where(joined["_total"].to_numpy()[order], 1.0, -1.0)
    n_con = int(con.max()) + 1 if con.size else 0
    return _Links(con=con, row=row, sign=sign, n_con=n_con)


def _close(suppressed: BoolArray, links: _Links) -> BoolArray:
    """Complementary suppressions until no constraint has exactly one suppressed member.

    Each round, every constraint with exactly one suppressed member suppresses
    one unsuppressed member: a part before the constraint's total (totals are
    the figures users need most), then the one that causes the least new work
    (`_work`: constraints it opens minus single-hidden constraints it closes),
    then the first in priority order. This look-ahead makes complements form
    rectangles (a hidden cell's row and column partners meet in one cell)
    instead of chains that run through the whole table. Without `is_total`
    (totals unknown) only priority counts. Every round adds a cell or ends the
    loop, so it ends. Returns a new mask.
    """
    suppressed = suppressed.copy()
    con, row = links.con, links.row
    while True:
        hidden = suppressed[row]
        count = np.bincount(con, weights=hidden, minlength=links.n_con)
        open_member = (count[con] == 1) & ~hidden
        if not open_member.any():
            return suppressed
        cost: FloatArray = np.zeros(row.size)
        is_total: BoolArray = np.zeros(row.size, dtype=bool)
        if links.sign is not None:
            # With totals unknown there is no look-ahead (it would favour totals).
            cost, is_total = _work(suppressed, links)[row], links.sign > 0
        # Memberships are sorted by constraint, then priority: a stable sort on
        # (total?, cost) within each constraint keeps priority as the tie-break.
        members = np.flatnonzero(open_member)
        order = members[
            np.lexsort((np.arange(members.size), cost[members], is_total[members], con[members]))
        ]
        con_open = con[order]
        first = np.ones(con_open.size, dtype=bool)
        first[1:] = con_open[1:] != con_open[:-1]
        suppressed[row[order][first]] = True


def _work(suppressed: BoolArray, links: _Links) -> FloatArray:
    """Per cell: how much new suppression hiding it would cause.

    The number of its constraints with no suppressed member yet (each would need
    a complement of its own) minus the number of constraints with exactly one
    suppressed member that it would close.
    """
    hidden = suppressed[links.row]
    count = np.bincount(links.con, weights=hidden, minlength=links.n_con)
    empty = np.bincount(links.row, weights=count[links.con] == 0, minlength=suppressed.size)
    closes = np.bincount(
        links.row, weights=(count[links.con] == 1) & ~hidden, minlength=suppressed.size
    )
    return np.asarray(empty - closes, dtype=np.float64)


def _solve_block(matrix: FloatArray) -> tuple[BoolArray, FloatArray]:
    """Which unknowns x_j the system A x = b fixes, and how a reader would get them.

    x_j is fixed when e_j lies in the row space of A. A rank-revealing
    (column-pivoted) QR of A^T = Q R P^T gives that space as the first r
    columns of Q: x_j is fixed when row j of Q_r has norm 1. For each fixed
    x_j it also returns the combination y of the equations with A^T y = e_j
    (one column of the second result per fixed unknown): the "attack" that
    the repair has to break. QR, not SVD: LAPACK's SVD is many times slower
    here when BLAS threads compete.
    """
    q, r, piv = scipy.linalg.qr(matrix.T, mode="economic", pivoting=True, check_finite=False)
    diag = np.abs(np.diag(r))
    rank = int(np.sum(diag > _RANK_TOL * diag[0])) if diag.size and diag[0] > 0 else 0
    reach = np.sum(q[:, :rank] ** 2, axis=1)
    fixed: BoolArray = reach > 1.0 - _NULL_TOL
    attack = np.zeros((matrix.shape[0], int(fixed.sum())))
    if attack.shape[1]:
        z = scipy.linalg.solve_triangular(r[:rank, :rank], q[fixed, :rank].T, check_finite=False)
        attack[piv[:rank]] = z
    return fixed, attack


def _local_attacks(matrix: sparse.csr_matrix, fixed: BoolArray, wanted: BoolArray) -> FloatArray:
    """Attacks (as `_solve_block` returns them) for a block too large for a dense QR.

    One column per fixed unknown; only the unknowns in `wanted` get one (the
    repair needs no others), found locally (`nullspace.local_attack`). Where
    none is found, the cell's own constraints stand in for it, so the repair
    suppresses a partner there and the next audit round checks again.
    """
    cols = np.flatnonzero(fixed)
    attack = np.zeros((matrix.shape[0], cols.size))
    by_col = sparse.csc_matrix(matrix)
    for n, j in enumerate(cols):
        if not wanted[j]:
            continue
        y = nullspace.local_attack(matrix, int(j))
        if y is None:
            own = by_col[:, [int(j)]].tocoo()
            attack[own.row, n] = own.data
        else:
            attack[:, n] = y
    return attack


@dataclass(frozen=True)
class _Audit:
    fixed: BoolArray  # per cell: suppressed and fixed by the published cells
    attack_con: IntArray  # (constraint, cell, weight): the combination of
    attack_cell: IntArray  # constraints that recovers the cell
    attack_weight: FloatArray
    cell_block: IntArray  # per cell: its block of linked unknowns, -1 if none
    con_block: IntArray  # per constraint: its block, -1 if it has no unknown


def _recoverable(suppressed: BoolArray, links: _Links, only: BoolArray) -> _Audit:
    """Suppressed cells whose value the published cells and the constraints fix exactly.

    Only constraints with a suppressed member matter. Unknowns linked through
    shared constraints form independent blocks (connected components); each
    block holding a cell of `only` is solved with `_solve_block`. A block of
    one constraint with two or more unknowns fixes none of them and is skipped.
    """
    if links.sign is None:
        raise ValueError(f"de exacte audit heeft de kolom {TOTAL_COL} in constraints nodig")
    fixed = np.zeros(suppressed.size, dtype=bool)
    cell_block = np.full(suppressed.size, -1, dtype=np.int64)
    con_block = np.full(links.n_con, -1, dtype=np.int64)
    attacks: list[tuple[IntArray, IntArray, FloatArray]] = []
    hidden = suppressed[links.row]
    if hidden.any():
        h_row, h_con, h_sign = links.row[hidden], links.con[hidden], links.sign[hidden]
        cells, col = np.unique(h_row, return_inverse=True)
        cons, eq = np.unique(h_con, return_inverse=True)
        n_eq = cons.size
        graph = sparse.coo_matrix(
            (np.ones(h_row.size), (eq, n_eq + col)), shape=(n_eq + cells.size,) * 2
        )
        _, label = connected_components(graph, directed=False)
        label = label.astype(np.int64)
        con_block[cons] = label[:n_eq]
        cell_block[cells] = label[n_eq:]
        n_blocks = int(label.max()) + 1
        eqs_per_block = np.bincount(label[:n_eq], minlength=n_blocks)
        cols_per_block = np.bincount(label[n_eq:], minlength=n_blocks)
        wanted = np.zeros(n_blocks, dtype=bool)
        wanted[label[n_eq:][only[cells]]] = True
        solve = wanted & ~((eqs_per_block == 1) & (cols_per_block >= 2))
        entry_block = label[eq]
        entries = np.flatnonzero(solve[entry_block])
        entries = entries[np.argsort(entry_block[entries], kind="stable")]
        starts = np.flatnonzero(np.diff(entry_block[entries])) + 1
        for block in np.split(entries, starts) if entries.size else []:
            rows_b, r = np.unique(eq[block], return_inverse=True)
            cols_b, c = np.unique(col[block], return_inverse=True)
            if cols_b.size <= _PRESOLVE_MIN:
                # Dense at once: most blocks are small, and building a sparse matrix
                # costs more than solving them (no cell is twice in a constraint).
                dense = np.zeros((rows_b.size, cols_b.size))
                dense[r, c] = h_sign[block]
                fixed_b, attack = _solve_block(dense)
                found = cells[cols_b[fixed_b]]
                fixed[found] = True
                used_eq, used_cell = np.nonzero(np.abs(attack) > _NULL_TOL)
                attacks.append(
                    (cons[rows_b[used_eq]], found[used_cell], attack[used_eq, used_cell])
                )
                continue
            block_matrix = sparse.csr_matrix(
                (h_sign[block], (r, c)), shape=(rows_b.size, cols_b.size)
            )
            fixed_b = nullspace.fixed_unknowns(block_matrix)
            exposed_b = fixed_b & only[cells[cols_b]]
            attack = np.zeros((rows_b.size, int(fixed_b.sum())))
            if exposed_b.any() and cols_b.size <= _DENSE_MAX:
                fixed_b, attack = _solve_block(block_matrix.toarray())
            elif exposed_b.any():
                attack = _local_attacks(block_matrix, fixed_b, exposed_b)
            found = cells[cols_b[fixed_b]]
            fixed[found] = True
            used_eq, used_cell = np.nonzero(np.abs(attack) > _NULL_TOL)
            attacks.append((cons[rows_b[used_eq]], found[used_cell], attack[used_eq, used_cell]))
    empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    return _Audit(
        fixed=fixed,
        attack_con=np.concatenate([a[0] for a in attacks]) if attacks else empty_i,
        attack_cell=np.concatenate([a[1] for a in attacks]) if attacks else empty_i,
        attack_weight=np.concatenate([a[2] for a in attacks]) if attacks else empty_f,
        cell_block=cell_block,
        con_block=con_block,
    )


def _repair_picks(
    targets: BoolArray, suppressed: BoolArray, links: _Links, priority: IntArray, audit: _Audit
) -> IntArray:
    """For each target cell, one unsuppressed cell to suppress next.

    First choice: a cell that the attack on the target uses with a non-zero
    net weight (suppressing it breaks that attack): the one that causes the
    least new work (`_work`), then the first in priority order. When there is
    none, the first unsuppressed member of any constraint in the target's block.
    """
    if links.sign is None:
        raise ValueError(f"herstel heeft de kolom {TOTAL_COL} in constraints nodig")
    open_member = ~suppressed[links.row]
    work = _work(suppressed, links)
    offers = pl.DataFrame(
        {
            "con": links.con[open_member],
            "pick": links.row[open_member],
            "prio": priority[links.row[open_member]],
            "cost": work[links.row[open_member]],
            "sign": links.sign[open_member],
        }
    )
    wanted = targets[audit.attack_cell]
    attack = pl.DataFrame(
        {
            "con": audit.attack_con[wanted],
            "cell": audit.attack_cell[wanted],
            "y": audit.attack_weight[wanted],
        }
    )
    breaking = (
        attack.join(offers, on="con")
        .group_by("cell", "pick")
        .agg(
            (pl.col("y") * pl.col("sign")).sum().alias("w"),
            pl.col("prio").first(),
            pl.col("cost").first(),
        )
        .filter(pl.col("w").abs() > _NULL_TOL)
        .select("cell", "pick", "prio", "cost", pl.lit(0).alias("tier"))
    )
    cells = np.flatnonzero(targets)
    fallback = (
        pl.DataFrame({"block": audit.cell_block[cells], "cell": cells})
        .join(
            pl.DataFrame({"block": audit.con_block, "con": np.arange(links.n_con, dtype=np.int64)}),
            on="block",
        )
        .join(offers, on="con")
        .select("cell", "pick", "prio", pl.lit(0.0).alias("cost"), pl.lit(1).alias("tier"))
    )
    picks = (
        pl.concat([breaking, fallback])
        .group_by("cell")
        .agg(pl.col("pick").sort_by("tier", "cost", "prio").first())
        .get_column("pick")
        .unique()
        .to_numpy()
    )
    return np.asarray(picks, dtype=np.int64)


def _protect(primary: BoolArray, links: _Links, priority: IntArray) -> BoolArray:
    """Heuristic closure, then (with totals known) audit-and-repair rounds.

    Suppressing more never makes a hidden cell recoverable (the old solutions
    stay solutions), so each round only re-audits the blocks of the cells that
    were still exposed. Every round adds cells or ends the loop.
    """
    suppressed = _close(primary, links)
    if links.sign is None:
        return suppressed
    exposed = primary
    while True:
        audit = _recoverable(suppressed, links, exposed)
        exposed = audit.fixed & primary
        if not exposed.any():
            return suppressed
        picks = _repair_picks(exposed, suppressed, links, priority, audit)
        if picks.size == 0:
            return suppressed
        suppressed[picks] = True
        suppressed = _close(suppressed, links)


def apply_disclosure_control(
    cells: pl.DataFrame,
    *,
    id_col: str,
    count_cols: Sequence[str],
    constraints: pl.DataFrame,
    rank_col: str,
    null_cols: Sequence[str] = (),
) -> pl.DataFrame:
    """Suppress small counts (primary) and the cells that would reveal them (secondary).

    `cells`: one row per published cell, `id_col` unique and not null. A row is
    primarily suppressed when any of `count_cols` is in 1..MIN_COUNT-1 (null
    and 0 are publishable). `constraints` (`constraint_id`, `id_col`, optional
    bool `is_total`) lists additively linked sets of cells: a total and the
    cells that add up to it, the total included.

    Secondary rule, repeated until nothing changes: a constraint with exactly
    one suppressed member also suppresses its unsuppressed member with the
    smallest non-zero `rank_col` (ties by id; zeros, then nulls, only when
    nothing else is left). When `is_total` marks exactly one total per
    constraint, an exact linear audit follows: while a primary cell can be
    recovered from the published cells through any combination of constraints,
    the first unsuppressed member (same order) of each of its constraints is
    suppressed too and the rule above is re-applied.

    Returns the same rows in the same order, `count_cols` and `null_cols`
    nulled where suppressed, plus `suppressed` (bool) and `suppression_reason`
    ("primair", "secundair" or null).
    """
    count_cols = list(count_cols)
    null_cols = list(null_cols)
    if not count_cols:
        raise ValueError("count_cols mag niet leeg zijn")
    missing = [c for c in [id_col, *count_cols, rank_col, *null_cols] if c not in cells.columns]
    if missing:
        raise ValueError(f"cellen missen kolommen {missing}")
    clash = [c for c in (SUPPRESSED_COL, REASON_COL) if c in cells.columns]
    if clash:
        raise ValueError(f"cellen hebben al kolommen {clash}")
    if cells[id_col].null_count() or cells[id_col].is_duplicated().any():
        raise ValueError(f"{id_col} moet uniek en niet leeg zijn")

    primary: BoolArray = (
        cells.select(pl.any_horizontal([_small(c) for c in count_cols]))
        .to_series()
        .to_numpy()
        .astype(np.bool_)
    )
    priority = _priority(cells, id_col, rank_col)
    suppressed = _protect(primary, _links(cells, constraints, id_col, priority), priority)

    flag = pl.Series(SUPPRESSED_COL, suppressed, dtype=pl.Boolean)
    is_primary = pl.Series("_primary", primary, dtype=pl.Boolean)
    reason = (
        pl.when(is_primary)
        .then(pl.lit(PRIMARY))
        .when(flag)
        .then(pl.lit(SECONDARY))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias(REASON_COL)
    )
    hide = list(dict.fromkeys([*count_cols, *null_cols]))
    return cells.with_columns(
        *[pl.when(flag).then(None).otherwise(pl.col(c)).alias(c) for c in hide],
        flag,
        reason,
    )


def assert_no_small_counts(df: pl.DataFrame, count_cols: Sequence[str]) -> list[str]:
    """Problems found: published counts in 1..MIN_COUNT-1 (empty list when clean)."""
    problems = []
    for column in count_cols:
        if column not in df.columns:
            problems.append(f"kolom {column} ontbreekt")
            continue
        n_small = df.select(_small(column).sum()).item()
        if n_small:
            problems.append(
                f"{column}: {n_small} gepubliceerde aantallen tussen 1 en {MIN_COUNT - 1}"
            )
    return problems


def check_constraints(cells: pl.DataFrame, constraints: pl.DataFrame, id_col: str) -> list[str]:
    """Problems found: constraints with exactly one suppressed member (empty when clean).

    Needs the `suppressed` column that `apply_disclosure_control` adds.
    """
    if SUPPRESSED_COL not in cells.columns:
        return [f"kolom {SUPPRESSED_COL} ontbreekt"]
    hidden = pl.col(SUPPRESSED_COL).fill_null(False)
    single = (
        constraints.select("constraint_id", id_col)
        .join(cells.select(id_col, SUPPRESSED_COL), on=id_col, how="left")
        .group_by("constraint_id")
        .agg(hidden.sum().alias("n"), pl.col(id_col).filter(hidden).first().alias("cell"))
        .filter(pl.col("n") == 1)
        .sort("constraint_id")
    )
    return [
        f"constraint {con}: enkel cel {cell} is onderdrukt (af te leiden door aftrekking)"
        for con, cell in single.select("constraint_id", "cell").iter_rows()
    ]


def audit_recoverable(cells: pl.DataFrame, constraints: pl.DataFrame, id_col: str) -> list[str]:
    """Problems found: primary-suppressed cells whose value the published cells fix.

    Exact linear audit over all constraints at once (needs `is_total` in
    `constraints` and the `suppressed` and `suppression_reason` columns of
    `apply_disclosure_control`). Empty list when no primary cell can be
    recovered exactly. Bounds (a cell known to lie between 0 and 6, say) are
    not audited.
    """
    needed = [c for c in (SUPPRESSED_COL, REASON_COL) if c not in cells.columns]
    if needed or TOTAL_COL not in constraints.columns:
        return [f"kolommen ontbreken voor de audit: {[*needed, TOTAL_COL]}"]
    priority = np.arange(cells.height, dtype=np.int64)
    links = _links(cells, constraints, id_col, priority)
    suppressed = cells[SUPPRESSED_COL].fill_null(False).to_numpy().astype(np.bool_)
    primary = (cells[REASON_COL] == PRIMARY).fill_null(False).to_numpy().astype(np.bool_)
    exposed = _recoverable(suppressed, links, suppressed).fixed & primary
    ids = cells.filter(pl.Series(exposed))[id_col].to_list()
    return [
        f"cel {cell}: onderdrukt maar exact af te leiden uit gepubliceerde cellen" for cell in ids
    ]


def protect_with_latent(
    cells: pl.DataFrame,
    *,
    id_col: str,
    primary_col: str,
    latent_col: str,
    constraints: pl.DataFrame,
    rank_col: str,
) -> pl.DataFrame:
    """Complementary suppression when some cells are never published (latent).

    For tables published only above the level their relations are written at: the
    survey's zones and circles cross, so a zone and a circle are sums of the same
    unpublished pieces (the municipalities they share). Those pieces are `latent` cells:
    unknown to a reader from the start, not published, not protected for their own sake
    unless also `primary` (a piece with too few respondents must not follow from the
    published areas either). `primary` cells must not be recoverable; `constraints` must
    mark their totals (`is_total`).

    No heuristic closure: the exact audit (`_recoverable`) and its repair
    (`_repair_picks`: break each attack with the cheapest published cell it uses) run
    until no primary cell (published or latent) is fixed by the published cells. Returns
    the cells with `suppressed` (latent cells are True) and `suppression_reason`
    ("primair", "secundair" or null); raises ValueError when a primary cell stays
    recoverable (every published cell around it already hidden).
    """
    priority = _priority(cells, id_col, rank_col)
    links = _links(cells, constraints, id_col, priority)
    if links.sign is None:
        raise ValueError(f"protect_with_latent heeft de kolom {TOTAL_COL} nodig")
    primary = cells[primary_col].fill_null(False).to_numpy().astype(np.bool_)
    latent = cells[latent_col].fill_null(False).to_numpy().astype(np.bool_)
    suppressed = primary | latent
    while True:
        audit = _recoverable(suppressed, links, primary)
        exposed = audit.fixed & primary
        if not exposed.any():
            break
        picks = _repair_picks(exposed, suppressed, links, priority, audit)
        picks = picks[~suppressed[picks]]
        if picks.size == 0:
            raise ValueError(
                f"{int(exposed.sum())} primaire cellen blijven afleidbaar; er is geen "
                "gepubliceerde cel meer om aan te vullen"
            )
        suppressed[picks] = True
    flag = pl.Series(SUPPRESSED_COL, suppressed, dtype=pl.Boolean)
    reason = (
        pl.when(pl.Series("_primary", primary, dtype=pl.Boolean))
        .then(pl.lit(PRIMARY))
        .when(flag)
        .then(pl.lit(SECONDARY))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias(REASON_COL)
    )
    return cells.with_columns(flag, reason)
