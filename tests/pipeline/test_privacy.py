"""Disclosure control on tiny hand-built tables, plus a property test on random ones.

Cells are named by letters; each constraint lists a total and its parts (the
total is a member too). Counts are chosen so the expected complement is
unambiguous.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from popmgmt.pipeline.privacy import (
    MIN_COUNT,
    apply_disclosure_control,
    assert_no_small_counts,
    audit_recoverable,
    check_constraints,
)


def _cells(counts: dict[str, int | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"id": list(counts), "n": list(counts.values()), "value": [1.5] * len(counts)},
        schema={"id": pl.String, "n": pl.Int64, "value": pl.Float64},
    )


def _constraints(groups: dict[str, tuple[str, list[str]]]) -> pl.DataFrame:
    """{constraint_id: (total, parts)} -> constraint_id, id, is_total."""
    rows = [
        (cid, cell, cell == total)
        for cid, (total, parts) in groups.items()
        for cell in [total, *parts]
    ]
    return pl.DataFrame(rows, schema=["constraint_id", "id", "is_total"], orient="row")


def _control(
    counts: dict[str, int | None], groups: dict[str, tuple[str, list[str]]], *, audit: bool = False
) -> pl.DataFrame:
    constraints = _constraints(groups)
    if not audit:
        constraints = constraints.drop("is_total")
    return apply_disclosure_control(
        _cells(counts),
        id_col="id",
        count_cols=["n"],
        constraints=constraints,
        rank_col="n",
        null_cols=["value"],
    )


def _reasons(out: pl.DataFrame) -> dict[object, str]:
    return {
        cell: reason
        for cell, reason in out.select("id", "suppression_reason").iter_rows()
        if reason is not None
    }


def test_small_municipality_gets_the_smallest_sibling_as_complement() -> None:
    """Given a zone of three municipalities where one has 3 persons,
    when controlled, then that one is primary and the smallest other non-zero
    municipality is secondary; the zone total stays published."""
    out = _control(
        {"zone": 23, "m1": 3, "m2": 12, "m3": 8},
        {"zone": ("zone", ["m1", "m2", "m3"])},
    )
    assert _reasons(out) == {"m1": "primair", "m3": "secundair"}
    assert out.filter(pl.col("suppressed"))["n"].to_list() == [None, None]
    assert out.filter(pl.col("suppressed"))["value"].to_list() == [None, None]
    assert out.filter(~pl.col("suppressed"))["n"].to_list() == [23, 12]
    assert out.columns == ["id", "n", "value", "suppressed", "suppression_reason"]


def test_zeros_stay_published_and_are_picked_only_when_nothing_else_is_left() -> None:
    """Given a zone with a 3, a 0 and a 9, the 9 (not the 0) is the complement.
    Given a total of 4 whose parts are 0 and 0 (the four live at an unknown
    address, which is no published cell), the total alone is primary and a zero
    (the first by id) must be the complement."""
    out = _control({"z": 12, "a": 3, "b": 0, "c": 9}, {"z": ("z", ["a", "b", "c"])})
    assert _reasons(out) == {"a": "primair", "c": "secundair"}
    assert out.filter(pl.col("id") == "b")["n"].to_list() == [0]

    alone = _control({"t": 4, "p": 0, "q": 0}, {"t": ("t", ["p", "q"])})
    assert _reasons(alone) == {"t": "primair", "p": "secundair"}


def test_ties_are_broken_by_id_and_results_are_deterministic() -> None:
    counts: dict[str, int | None] = {"z": 33, "x": 2, "c": 7, "b": 7, "a": 17}
    groups = {"z": ("z", ["x", "c", "b", "a"])}
    first = _control(counts, groups)
    assert _reasons(first) == {"x": "primair", "b": "secundair"}
    # Same input in another row order: the same cells, the rows in the new order.
    shuffled = dict(reversed(list(counts.items())))
    second = _control(shuffled, groups)
    assert _reasons(second) == _reasons(first)
    assert second["id"].to_list() == list(shuffled)


def test_chain_reaction_across_two_crossing_partitions() -> None:
    """Zones {a, b}, {c, d}; circles {a, c}, {b, d}. Only a (3) is small.
    Round 1: zone 1 takes b (7 < zone total 10), circle 1 takes c (12 < 15).
    That leaves zone 2 (c) and circle 2 (b) with one suppressed member each;
    round 2 takes d in both. No constraint is left with a single suppression."""
    counts: dict[str, int | None] = {
        "a": 3,
        "b": 7,
        "c": 12,
        "d": 20,
        "Z1": 10,
        "Z2": 32,
        "K1": 15,
        "K2": 27,
    }
    groups = {
        "zone1": ("Z1", ["a", "b"]),
        "zone2": ("Z2", ["c", "d"]),
        "circle1": ("K1", ["a", "c"]),
        "circle2": ("K2", ["b", "d"]),
    }
    out = _control(counts, groups)
    assert _reasons(out) == {"a": "primair", "b": "secundair", "c": "secundair", "d": "secundair"}
    assert check_constraints(out, _constraints(groups), "id") == []
    # Four unknowns, four equations of rank 3: a is not recoverable.
    assert audit_recoverable(out, _constraints(groups), "id") == []


def test_only_null_counts_and_a_lone_member_let_the_loop_end() -> None:
    """A constraint whose only other member is already suppressed, or has no other
    member at all, adds nothing and the loop still ends."""
    out = _control(
        {"t": 2, "u": None, "v": 3},
        {"single": ("v", []), "pair": ("t", ["u"])},
    )
    # u (null count) is the complement of t: nulls come last but are all that is left.
    assert _reasons(out) == {"t": "primair", "v": "primair", "u": "secundair"}
    assert check_constraints(out, _constraints({"single": ("v", [])}), "id") == [
        "constraint single: enkel cel v is onderdrukt (af te leiden door aftrekking)"
    ]


def test_nested_totals_leak_without_the_exact_audit_and_not_with_it() -> None:
    """Zone Z = {a, b, c}; circle K = {a, b} lies inside it; circle L = {c, d}.
    c (3) is primary; Z takes a, L takes d, then K takes b. Every constraint has
    two or more suppressed members, yet c = Z - K = 16 - 13 = 3. With is_total
    the audit finds this and also suppresses K's total (13, the smaller of the
    two totals the subtraction uses)."""
    counts: dict[str, int | None] = {
        "a": 5,
        "b": 8,
        "c": 3,
        "d": 20,
        "Z": 16,
        "K": 13,
        "L": 23,
    }
    groups = {"zone": ("Z", ["a", "b", "c"]), "k": ("K", ["a", "b"]), "l": ("L", ["c", "d"])}
    constraints = _constraints(groups)

    plain = _control(counts, groups)
    assert _reasons(plain) == {"c": "primair", "a": "secundair", "b": "secundair", "d": "secundair"}
    assert check_constraints(plain, constraints, "id") == []
    assert audit_recoverable(plain, constraints, "id") == [
        "cel c: onderdrukt maar exact af te leiden uit gepubliceerde cellen"
    ]

    audited = _control(counts, groups, audit=True)
    assert _reasons(audited) == {
        "c": "primair",
        "a": "secundair",
        "b": "secundair",
        "d": "secundair",
        "K": "secundair",
    }
    assert audit_recoverable(audited, constraints, "id") == []
    assert check_constraints(audited, constraints, "id") == []


def test_any_count_column_triggers_and_floats_count_too() -> None:
    cells = pl.DataFrame(
        {"id": [1, 2, 3], "num": [0.0, 12.0, 12.0], "den": [4.0, 50.0, 54.0], "rank": [4, 50, 54]}
    )
    constraints = pl.DataFrame({"constraint_id": ["c"] * 3, "id": [3, 1, 2]})
    out = apply_disclosure_control(
        cells, id_col="id", count_cols=["num", "den"], constraints=constraints, rank_col="rank"
    )
    assert _reasons(out) == {1: "primair", 2: "secundair"}
    assert out["num"].to_list() == [None, None, 12.0]


def test_input_errors() -> None:
    cells = _cells({"a": 1, "b": 9})
    with pytest.raises(ValueError, match="onbekende cellen"):
        apply_disclosure_control(
            cells,
            id_col="id",
            count_cols=["n"],
            rank_col="n",
            constraints=pl.DataFrame({"constraint_id": ["c"], "id": ["zz"]}),
        )
    with pytest.raises(ValueError, match="twee keer"):
        apply_disclosure_control(
            cells,
            id_col="id",
            count_cols=["n"],
            rank_col="n",
            constraints=pl.DataFrame({"constraint_id": ["c", "c"], "id": ["a", "a"]}),
        )
    with pytest.raises(ValueError, match="uniek"):
        apply_disclosure_control(
            pl.concat([cells, cells]),
            id_col="id",
            count_cols=["n"],
            rank_col="n",
            constraints=pl.DataFrame({"constraint_id": ["c"], "id": ["a"]}),
        )
    with pytest.raises(ValueError, match="precies een is_total"):
        apply_disclosure_control(
            cells,
            id_col="id",
            count_cols=["n"],
            rank_col="n",
            constraints=pl.DataFrame(
                {"constraint_id": ["c", "c"], "id": ["a", "b"], "is_total": [True, True]}
            ),
        )


def test_assert_no_small_counts() -> None:
    df = pl.DataFrame({"a": [0, 5, None, 100], "b": [1, 4, 0, None]})
    assert assert_no_small_counts(df, ["a"]) == []
    assert assert_no_small_counts(df, ["a", "b", "c"]) == [
        f"b: 2 gepubliceerde aantallen tussen 1 en {MIN_COUNT - 1}",
        "kolom c ontbreekt",
    ]


# --------------------------------------------------------------------------- property test


def _linear_recoverable(
    n_cells: int, equations: list[tuple[int, list[int]]], hidden: np.ndarray
) -> set[int]:
    """Independent audit: a hidden cell j is fixed when adding e_j to the hidden
    columns of the constraint matrix does not raise its rank (numpy SVD rank)."""
    matrix = np.zeros((len(equations), n_cells))
    for i, (total, parts) in enumerate(equations):
        matrix[i, total] = 1.0
        matrix[i, parts] = -1.0
    cols = np.flatnonzero(hidden)
    if cols.size == 0:
        return set()
    sub = matrix[:, cols]
    rank = np.linalg.matrix_rank(sub)
    fixed = set()
    for k, j in enumerate(cols):
        unit = np.zeros(cols.size)
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([sub, unit])) == rank:
            fixed.add(int(j))
    return fixed


@st.composite
def hierarchies(draw: st.DrawFn) -> tuple[np.ndarray, list[tuple[int, list[int]]]]:
    """Municipalities with counts 0-30 (small ones likely), two crossing partitions
    (zones and circles) of them, and a grand total over each partition."""
    n = draw(st.integers(2, 9))
    small = st.integers(1, 4)
    counts = draw(st.lists(st.one_of(small, st.integers(0, 30)), min_size=n, max_size=n))
    n_zones = draw(st.integers(1, 3))
    n_circles = draw(st.integers(1, 3))
    zone = draw(st.lists(st.integers(0, n_zones - 1), min_size=n, max_size=n))
    circle = draw(st.lists(st.integers(0, n_circles - 1), min_size=n, max_size=n))
    values = list(counts)
    equations: list[tuple[int, list[int]]] = []
    tops: dict[str, list[int]] = {"zone": [], "circle": []}
    for name, part in (("zone", zone), ("circle", circle)):
        for group in sorted(set(part)):
            members = [i for i in range(n) if part[i] == group]
            values.append(sum(counts[i] for i in members))
            equations.append((len(values) - 1, members))
            tops[name].append(len(values) - 1)
    values.append(sum(counts))
    grand = len(values) - 1
    equations += [(grand, tops["zone"]), (grand, tops["circle"])]
    return np.array(values), equations


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=hierarchies(), audit=st.booleans())
def test_random_hierarchies_are_protected(
    case: tuple[np.ndarray, list[tuple[int, list[int]]]], audit: bool
) -> None:
    """Given random crossing hierarchies, after control: no published count is 1-4,
    no constraint has exactly one suppressed member, a row is primary exactly when
    its count was 1-4, published counts are unchanged; with is_total no primary
    cell can be recovered (checked with an independent rank test)."""
    values, equations = case
    cells = pl.DataFrame({"id": np.arange(values.size), "n": values})
    constraints = pl.DataFrame(
        [
            (f"c{i}", cell, cell == total)
            for i, (total, parts) in enumerate(equations)
            for cell in [total, *parts]
        ],
        schema={"constraint_id": pl.String, "id": pl.Int64, "is_total": pl.Boolean},
        orient="row",
    )
    out = apply_disclosure_control(
        cells,
        id_col="id",
        count_cols=["n"],
        constraints=constraints if audit else constraints.drop("is_total"),
        rank_col="n",
    )
    assert assert_no_small_counts(out, ["n"]) == []
    assert check_constraints(out, constraints, "id") == []
    small = (values > 0) & (values < MIN_COUNT)
    primary = (out["suppression_reason"] == "primair").fill_null(False).to_numpy()
    assert np.array_equal(primary, small)
    hidden = out["suppressed"].to_numpy()
    assert out.filter(pl.col("suppressed"))["n"].null_count() == int(hidden.sum())
    assert np.array_equal(out["n"].to_numpy()[~hidden], values[~hidden])
    if audit:
        exposed = _linear_recoverable(values.size, equations, hidden) & set(np.flatnonzero(small))
        assert not exposed
        assert audit_recoverable(out, constraints, "id") == []
