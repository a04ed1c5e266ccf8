"""`nullspace.fixed_unknowns`: the sparse answer to "which unknowns does A z = 0 fix"."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from popmgmt.pipeline.nullspace import fixed_unknowns, null_vectors


def _fixed_by_rank(matrix: np.ndarray) -> np.ndarray:
    """Oracle: z_j is fixed when adding e_j as an equation does not raise the rank."""
    rank = np.linalg.matrix_rank(matrix) if matrix.size else 0
    out = np.zeros(matrix.shape[1], dtype=bool)
    for j in range(matrix.shape[1]):
        unit = np.zeros((1, matrix.shape[1]))
        unit[0, j] = 1.0
        out[j] = np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank
    return out


@st.composite
def systems(draw: st.DrawFn) -> np.ndarray:
    """Sparse systems of totals and parts: each row has 1-5 entries of +1/-1."""
    n_row, n_col = draw(st.integers(0, 14)), draw(st.integers(1, 14))
    matrix = np.zeros((n_row, n_col))
    for i in range(n_row):
        cols = draw(st.lists(st.integers(0, n_col - 1), min_size=1, max_size=5, unique=True))
        for j in cols:
            matrix[i, j] = draw(st.sampled_from([-1.0, 1.0]))
    return matrix


@settings(max_examples=200, deadline=None)
@given(matrix=systems())
def test_fixed_unknowns_agree_with_the_rank_oracle(matrix: np.ndarray) -> None:
    """Given a random sparse system, the presolve-and-null-vector answer equals the
    rank oracle for every unknown, and the null vectors solve the system."""
    assert (fixed_unknowns(sparse.csr_matrix(matrix)) == _fixed_by_rank(matrix)).all()
    assert np.abs(matrix @ null_vectors(matrix)).max(initial=0.0) < 1e-9


def test_a_chain_of_pairs_is_fixed_only_when_it_ends_in_a_single() -> None:
    """x1 - x2 = 0, x2 - x3 = 0 leaves all three free; adding x3 = 0 fixes all three;
    a fourth unknown in no equation stays free."""
    chain = np.array([[1.0, -1.0, 0.0, 0.0], [0.0, 1.0, -1.0, 0.0]])
    assert not fixed_unknowns(chain).any()
    closed = np.vstack([chain, [0.0, 0.0, 1.0, 0.0]])
    assert fixed_unknowns(closed).tolist() == [True, True, True, False]


def test_the_answer_is_the_same_every_time() -> None:
    """The random null vectors come from a fixed seed: the same system, the same bytes."""
    rng = np.random.default_rng(3)
    matrix = sparse.random(300, 400, density=0.01, random_state=rng, data_rvs=np.ones)
    first, second = null_vectors(matrix), null_vectors(matrix)
    assert first.tobytes() == second.tobytes()
