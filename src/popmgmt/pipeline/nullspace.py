"""Which unknowns a sparse linear system fixes, for systems too large for a dense QR.

A suppressed cell is recoverable when the published cells and the additive
constraints fix its value: when no solution of the homogeneous system
`A z = 0` (A: the constraints restricted to the suppressed cells) moves it.
A *random* vector of that null space is non-zero in every unknown that some
null vector moves, with probability 1, and zero in every fixed unknown, always.
So one random null vector answers the question for every cell at once.

Finding it with a dense QR of A costs O(rows x cols^2), which does not finish
for the single connected block of several thousand suppressed cells that a
fine geography at ordinary density gives. The tables here are built from
totals and parts with coefficients +1/-1, and most of their equations are
short; classical presolve rules (as in sparse LP and in the linear-algebra
stage of the cell suppression literature) shrink the system first, each one
exact and reversible:

- an equation with one unknown fixes it at zero (in the homogeneous system);
- an unknown in only one equation is determined by the others: drop both and
  compute it afterwards;
- an equation with two unknowns `a x + b y = 0` ties them: y = -(a/b) x,
  merge y's column into x's.

What remains (the *core*) is split into its connected components, and each is
solved with a dense column-pivoted QR (its R only). A random vector of each component's
null space is then carried back through the reductions in reverse order. The
random numbers come from a fixed seed: the same system always gives the same
answer. Tested against the dense QR (`privacy._solve_block`) on random systems.

Numerical note: the reductions only add and subtract columns with
coefficients that are ratios of small integers, and the core QR is backward
stable; a fixed unknown comes out at round-off size (1e-13 here), a free one
at the size of the random coefficients (rarely below 1e-4). `FREE_TOL` sits
between. A free cell reported fixed would only cause an extra suppression.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.linalg
from scipy import sparse
from scipy.sparse.csgraph import connected_components

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

FREE_TOL: Final = 1e-9
_RANK_TOL: Final = 1e-9
_ZERO: Final = 1e-12
_SEED: Final = 20_241_203
_VECTORS: Final = 2


class _Step(NamedTuple):
    """One reduction, undone in reverse order: how column `col` follows from the rest."""

    kind: str  # "zero", "free", "merge" (z_col = factor * z_other) or "single"
    col: int
    other: int = -1
    factor: float = 0.0
    terms: tuple[tuple[int, float], ...] = ()  # "single": factor * z_col + sum(w z_k) = 0


def _reduce(
    matrix: sparse.csr_matrix,
) -> tuple[list[dict[int, float]], list[bool], list[_Step]]:
    """Apply the presolve rules until none applies; returns rows, live columns, undo stack."""
    coo = matrix.tocoo()
    n_row, n_col = matrix.shape
    rows: list[dict[int, float]] = [{} for _ in range(n_row)]
    cols: list[dict[int, float]] = [{} for _ in range(n_col)]
    for i, j, v in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True):
        if abs(v) > _ZERO:
            rows[i][j] = rows[i].get(j, 0.0) + v
            cols[j][i] = rows[i][j]
    live = [True] * n_col
    undo: list[_Step] = []
    row_work = list(range(n_row - 1, -1, -1))
    col_work = list(range(n_col - 1, -1, -1))

    def drop_row(i: int) -> None:
        for j in rows[i]:
            del cols[j][i]
            col_work.append(j)
        rows[i] = {}

    while row_work or col_work:
        while col_work:
            j = col_work.pop()
            if not live[j] or len(cols[j]) > 1:
                continue
            live[j] = False
            if not cols[j]:
                undo.append(_Step("free", j))
                continue
            ((i, v),) = cols[j].items()
            del rows[i][j]
            cols[j] = {}
            undo.append(_Step("single", j, factor=v, terms=tuple(rows[i].items())))
            col_work.extend(rows[i])
            drop_row(i)
        if not row_work:
            break
        i = row_work.pop()
        row = rows[i]
        if len(row) == 1:
            ((j, _),) = row.items()
            undo.append(_Step("zero", j))
            live[j] = False
            for k in list(cols[j]):
                del rows[k][j]
                row_work.append(k)
            cols[j] = {}
        elif len(row) == 2:
            (a, va), (b, vb) = sorted(row.items())
            factor = -va / vb  # z_b = factor * z_a
            undo.append(_Step("merge", b, other=a, factor=factor))
            live[b] = False
            for k, w in list(cols[b].items()):
                del rows[k][b]
                merged = rows[k].get(a, 0.0) + factor * w
                if abs(merged) < _ZERO:
                    rows[k].pop(a, None)
                    cols[a].pop(k, None)
                else:
                    rows[k][a] = merged
                    cols[a][k] = merged
                row_work.append(k)
            cols[b] = {}
            col_work.append(a)
    return rows, live, undo


def _core_null(rows: list[dict[int, float]], core: list[int], z: FloatArray) -> None:
    """A random null vector of the core, per connected component (in place into `z`)."""
    index = {j: n for n, j in enumerate(core)}
    entries = [(i, index[j], v) for i, row in enumerate(rows) for j, v in row.items()]
    if not entries:
        z[core] = np.random.default_rng(_SEED).standard_normal((len(core), z.shape[1]))
        return
    r, c, v = (np.asarray(x) for x in zip(*entries, strict=True))
    eq, r = np.unique(r, return_inverse=True)
    n_eq = eq.size
    graph = sparse.coo_matrix((np.ones(r.size), (r, n_eq + c)), shape=(n_eq + len(core),) * 2)
    _, label = connected_components(graph, directed=False)
    rng = np.random.default_rng(_SEED)
    core_arr = np.asarray(core, dtype=np.int64)
    for comp in range(int(label.max()) + 1):
        comp_cols = np.flatnonzero(label[n_eq:] == comp)
        if comp_cols.size == 0:
            continue
        pick = label[n_eq + c] == comp
        comp_rows, rr = np.unique(r[pick], return_inverse=True)
        local = np.searchsorted(comp_cols, c[pick])
        dense = np.zeros((comp_rows.size, comp_cols.size))
        np.add.at(dense, (rr, local), v[pick])
        vector = np.zeros((comp_cols.size, z.shape[1]))
        if comp_rows.size == 0:
            vector = rng.standard_normal(vector.shape)
        else:
            # R of a column-pivoted QR (no Q needed): the first `rank` pivot
            # columns are a basis; the others take random values and the basis
            # columns follow from R11 z_B = -R12 z_F.
            tri, piv = scipy.linalg.qr(dense, mode="r", pivoting=True)
            diag = np.abs(np.diag(tri))
            rank = int(np.sum(diag > _RANK_TOL * diag[0])) if diag.size and diag[0] > 0 else 0
            free = rng.standard_normal((comp_cols.size - rank, z.shape[1]))
            vector[piv[rank:]] = free
            if rank:
                vector[piv[:rank]] = scipy.linalg.solve_triangular(
                    tri[:rank, :rank], -tri[:rank, rank:] @ free
                )
        z[core_arr[comp_cols]] = vector


def null_vectors(matrix: sparse.spmatrix | FloatArray, n_vectors: int = _VECTORS) -> FloatArray:
    """`n_vectors` random vectors of the null space of `matrix` (columns x n_vectors)."""
    csr = sparse.csr_matrix(matrix, dtype=np.float64)
    rows, live, undo = _reduce(csr)
    z = np.zeros((csr.shape[1], n_vectors))
    core = [j for j, alive in enumerate(live) if alive]
    if core:
        _core_null(rows, core, z)
    rng = np.random.default_rng(_SEED + 1)
    for step in reversed(undo):
        if step.kind == "zero":
            z[step.col] = 0.0
        elif step.kind == "free":
            z[step.col] = rng.standard_normal(n_vectors)
        elif step.kind == "merge":
            z[step.col] = step.factor * z[step.other]
        else:
            total = np.zeros(n_vectors)
            for k, w in step.terms:
                total += w * z[k]
            z[step.col] = -total / step.factor
    return z


def fixed_unknowns(matrix: sparse.spmatrix | FloatArray) -> BoolArray:
    """Per column of `matrix`: True where every solution of `matrix @ z = 0` has z = 0."""
    z = null_vectors(matrix)
    if z.size == 0:
        return np.zeros(z.shape[0], dtype=bool)
    scale = max(1.0, float(np.abs(z).max()))
    fixed: BoolArray = np.abs(z).max(axis=1) <= FREE_TOL * scale
    return fixed


def local_attack(matrix: sparse.csr_matrix, col: int, max_rows: int = 600) -> FloatArray | None:
    """A combination y of the equations with `matrix.T @ y = e_col`, or None.

    Attacks on a cell in these tables are local (a rectangle of totals and
    parts around it), so the equations are taken in widening rings around the
    cell (equations that share an unknown with the ring before) and the small
    dense system is solved by least squares at each ring; the first exact
    solution is returned, zero outside the rings. None when the rings pass
    `max_rows` equations without one.
    """
    csr = sparse.csr_matrix(matrix, dtype=np.float64)
    csc = csr.tocsc()
    ring = np.unique(csc.indices[csc.indptr[col] : csc.indptr[col + 1]])
    while 0 < ring.size <= max_rows:
        sub = csr[ring]
        used = np.unique(sub.indices)
        dense = sub[:, used].toarray().T
        target = (used == col).astype(np.float64)
        y = np.linalg.lstsq(dense, target, rcond=None)[0]
        if np.abs(dense @ y - target).max() < 1e-9:
            out = np.zeros(csr.shape[0])
            out[ring] = y
            return out
        wider = np.unique(
            np.concatenate([csc.indices[csc.indptr[j] : csc.indptr[j + 1]] for j in used])
        )
        if wider.size == ring.size:
            return None
        ring = wider
    return None
