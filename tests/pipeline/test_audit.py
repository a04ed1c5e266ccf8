"""The build's own attacker (`pipeline.audit`): what it recovers, and that the build obeys it.

The solver is checked against an independent rank test on random linked
tables; the audit of a real demo build must find nothing; a figure made
recoverable on purpose (through the geography, another mart, the practices,
or the non-linear under-65 estimate) must be found, and the build must then
refuse to write.
"""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from popmgmt.pipeline import audit as audit_module
from popmgmt.pipeline import build as build_module
from popmgmt.pipeline import privacy as privacy_module
from popmgmt.pipeline.audit import audit_marts, solve
from popmgmt.pipeline.build import BuildError, build
from popmgmt.pipeline.privacy import apply_disclosure_control
from popmgmt.pipeline.refdata import RefData

MARTS = (
    "indicator_values",
    "population",
    "practices",
    "areas",
    "indicators",
    "indicator_breakdowns",
    "standardised",
)


def _variables(values: np.ndarray, hidden: np.ndarray) -> pl.DataFrame:
    n = values.size
    return pl.DataFrame(
        {
            "var": [f"v{i}" for i in range(n)],
            "value": [None if h else float(v) for v, h in zip(values, hidden, strict=True)],
            "level": ["gemeente"] * n,
            "area": [f"a{i}" for i in range(n)],
            "year": [2024] * n,
            "code": [None] * n,
            "role": ["num"] * n,
        },
        schema_overrides={"value": pl.Float64, "code": pl.String},
    )


def _terms(equations: list[tuple[int, list[int]]]) -> pl.DataFrame:
    rows = [
        (f"e{k}", f"v{cell}", 1.0 if cell == total else -1.0)
        for k, (total, parts) in enumerate(equations)
        for cell in [total, *parts]
    ]
    return pl.DataFrame(rows, schema=["eq", "var", "coef"], orient="row")


def _fixed_by_rank(n: int, equations: list[tuple[int, list[int]]], hidden: np.ndarray) -> set[int]:
    """Independent oracle: x_j is fixed when adding e_j to the hidden part of the
    equations does not raise its rank."""
    matrix = np.zeros((len(equations), n))
    for k, (total, parts) in enumerate(equations):
        matrix[k, total] = 1.0
        matrix[k, parts] = -1.0
    cols = np.flatnonzero(hidden)
    if cols.size == 0:
        return set()
    sub = matrix[:, cols]
    rank = np.linalg.matrix_rank(sub) if sub.size else 0
    fixed = set()
    for k, j in enumerate(cols):
        unit = np.zeros((1, cols.size))
        unit[0, k] = 1.0
        if np.linalg.matrix_rank(np.vstack([sub, unit])) == rank:
            fixed.add(int(j))
    return fixed


@st.composite
def linked_tables(draw: st.DrawFn) -> tuple[np.ndarray, list[tuple[int, list[int]]], np.ndarray]:
    """Two linked tables over municipalities in crossing zones and circles: GPs 60+
    and GPs 65+ (60+ = 65+ + 60-64, the last published nowhere), each with zone,
    circle and grand totals; a random hidden pattern."""
    n = draw(st.integers(2, 7))
    g65 = np.array(draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)))
    g60_64 = np.array(draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)))
    zone = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    circle = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    values: list[int] = []
    equations: list[tuple[int, list[int]]] = []

    def table(counts: np.ndarray) -> list[int]:
        cells = list(range(len(values), len(values) + n))
        values.extend(int(c) for c in counts)
        tops: list[list[int]] = [[], []]
        for t, part in enumerate((zone, circle)):
            for group in sorted(set(part)):
                members = [cells[i] for i in range(n) if part[i] == group]
                values.append(sum(values[m] for m in members))
                equations.append((len(values) - 1, members))
                tops[t].append(len(values) - 1)
        values.append(int(counts.sum()))
        equations.extend([(len(values) - 1, tops[0]), (len(values) - 1, tops[1])])
        return cells

    c65 = table(g65)
    c60_64 = table(g60_64)
    c60 = table(g65 + g60_64)
    equations.extend((c60[i], [c65[i], c60_64[i]]) for i in range(n))
    hidden = np.array(draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values))))
    hidden[c60_64] = True  # never published
    return np.array(values, dtype=np.float64), equations, hidden


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=linked_tables())
def test_the_solver_recovers_exactly_what_the_published_tables_fix(
    case: tuple[np.ndarray, list[tuple[int, list[int]]], np.ndarray],
) -> None:
    """Given linked tables with a random hidden pattern, the audit's solver fixes
    exactly the hidden cells that an independent rank test says are fixed, with
    their true values."""
    values, equations, hidden = case
    solved = solve(_variables(values, hidden), _terms(equations))
    found = {int(j) for j in np.flatnonzero(hidden & ~np.isnan(solved))}
    assert found == _fixed_by_rank(values.size, equations, hidden)
    for j in found:
        assert solved[j] == pytest.approx(values[j])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=linked_tables())
def test_control_of_linked_tables_leaves_no_small_cell_recoverable(
    case: tuple[np.ndarray, list[tuple[int, list[int]]], np.ndarray],
) -> None:
    """Given three linked tables (60+ = 65+ + 60-64, each with crossing zone and
    circle totals) controlled as one system, with every 60-64 cell (published
    nowhere), a random set of other cells and every count of 1-4 primary, then no
    primary cell is fixed by the published cells (independent rank test)."""
    values, equations, forced = case
    # A count of 1 makes the control treat a forced cell as primary.
    counts = np.where(forced, 1, values).astype(np.int64)
    cells = pl.DataFrame({"id": np.arange(values.size), "n": counts, "rank": values})
    constraints = pl.DataFrame(
        [
            (f"c{k}", cell, cell == total)
            for k, (total, parts) in enumerate(equations)
            for cell in [total, *parts]
        ],
        schema={"constraint_id": pl.String, "id": pl.Int64, "is_total": pl.Boolean},
        orient="row",
    )
    out = apply_disclosure_control(
        cells, id_col="id", count_cols=["n"], constraints=constraints, rank_col="rank"
    )
    hidden = out["suppressed"].to_numpy()
    primary = (out["suppression_reason"] == "primair").fill_null(False).to_numpy()
    assert hidden[forced].all()
    fixed = _fixed_by_rank(values.size, equations, hidden)
    assert not fixed & set(np.flatnonzero(primary))


def test_under65_estimate_gives_back_the_third_figure() -> None:
    """GPs under 65 = GPs x (1 - 65+ / GPs of known age): GPs 65+ hidden, the rest
    published, and the attacker has it."""
    rows = [
        ("gp_under65_per_100k", "num", 7.5),
        ("gp_per_10k", "num", 10.0),
        ("gp_65plus", "num", None),
        ("gp_65plus", "den", 8.0),
    ]
    variables = pl.DataFrame(
        {
            "var": [f"{c}|{r}" for c, r, _ in rows],
            "value": [v for _, _, v in rows],
            "level": ["gemeente"] * 4,
            "area": ["m1"] * 4,
            "year": [2024] * 4,
            "code": [c for c, _, _ in rows],
            "role": [r for _, r, _ in rows],
        },
        schema_overrides={"value": pl.Float64},
    )
    terms = pl.DataFrame(schema={"eq": pl.String, "var": pl.String, "coef": pl.Float64})
    solved = solve(variables, terms)
    assert solved[2] == pytest.approx(2.0)  # 10 x (1 - 2/8) = 7.5


@pytest.fixture(scope="module")
def latest(built_data: Path) -> dict[str, pl.DataFrame]:
    """The demo build's marts for its latest year (every relation is within a year)."""
    marts = {m: pl.read_parquet(built_data / f"{m}.parquet") for m in MARTS}
    year = int(marts["indicator_values"]["year"].max())  # type: ignore[arg-type]
    for name in (
        "indicator_values",
        "population",
        "practices",
        "indicator_breakdowns",
        "standardised",
    ):
        marts[name] = marts[name].filter(pl.col("year") == year)
    return marts


def test_the_demo_build_leaks_nothing_and_the_audit_sees_every_mart(
    latest: dict[str, pl.DataFrame], built_data: Path
) -> None:
    result = audit_marts(latest)
    assert result.leaks == []
    # No hidden cell of the published marts can be recomputed: the build published
    # the ones the audit could solve.
    assert result.recoverable_cells.height == 0
    assert result.n_hidden > 100
    assert result.n_equations > 1000
    manifest = (built_data / "manifest.json").read_text(encoding="utf-8")
    assert '"lekken": 0' in manifest
    assert '"herleidbare_cellen_gepubliceerd"' in manifest


def _hide(marts: dict[str, pl.DataFrame], name: str, where: pl.Expr) -> dict[str, pl.DataFrame]:
    """Mark one published row as hidden primary, its figures nulled."""
    frame = marts[name]
    assert frame.filter(where).height == 1
    if name == "practices":
        return {
            **marts,
            name: frame.with_columns(
                pl.when(where).then(None).otherwise(pl.col("pat_gmd")).alias("pat_gmd")
            ),
        }
    cols = ["numerator", "denominator"] if name == "indicator_values" else ["population"]
    hidden = frame.with_columns(
        *[pl.when(where).then(None).otherwise(pl.col(c)).alias(c) for c in cols],
        pl.when(where).then(True).otherwise(pl.col("suppressed")).alias("suppressed"),
        pl.when(where)
        .then(pl.lit("primair"))
        .otherwise(pl.col("suppression_reason"))
        .alias("suppression_reason"),
    )
    return {**marts, name: hidden}


def _published_municipality_in_open_zone(marts: dict[str, pl.DataFrame], code: str) -> str:
    """A municipality whose zone publishes `code` for itself and every municipality."""
    values = marts["indicator_values"].filter(pl.col("indicator_code") == code)
    muni = marts["areas"].filter(pl.col("level") == "gemeente").select("area_code", "zone_code")
    open_zones = (
        values.filter(pl.col("level") == "gemeente")
        .join(muni, on="area_code")
        .group_by("zone_code")
        .agg((~pl.col("suppressed")).all().alias("open"))
        .filter(pl.col("open"))
        .join(
            values.filter((pl.col("level") == "zone") & ~pl.col("suppressed")),
            left_on="zone_code",
            right_on="area_code",
            how="semi",
        )
    )
    assert open_zones.height > 0
    zone = open_zones.sort("zone_code")["zone_code"][0]
    return str(muni.filter(pl.col("zone_code") == zone).sort("area_code")["area_code"][0])


def test_a_cell_the_geography_gives_back_is_a_leak(latest: dict[str, pl.DataFrame]) -> None:
    code = "ima_gmd"
    area = _published_municipality_in_open_zone(latest, code)
    where = (
        (pl.col("indicator_code") == code)
        & (pl.col("level") == "gemeente")
        & (pl.col("area_code") == area)
    )
    leaks = audit_marts(_hide(latest, "indicator_values", where)).leaks
    assert any(f"i|{code}|num|gemeente|{area}|" in line for line in leaks), leaks[:3]


def test_a_population_cell_another_mart_publishes_is_a_leak(
    latest: dict[str, pl.DataFrame],
) -> None:
    """Hide a municipality's total population everywhere in the population mart's
    own sums (its bands, sexes and zone stay published), and it still follows:
    gp_per_10k publishes it as its denominator."""
    pop = latest["population"]
    area = str(pop.filter(pl.col("level") == "gemeente").sort("area_code")["area_code"][0])
    where = (
        (pl.col("level") == "gemeente")
        & (pl.col("area_code") == area)
        & (pl.col("sex") == "T")
        & (pl.col("age_band") == "totaal")
    )
    leaks = audit_marts(_hide(latest, "population", where)).leaks
    assert any(f"p|T|totaal|gemeente|{area}|" in line for line in leaks), leaks[:3]


def test_a_practice_figure_the_municipality_total_gives_back_is_a_leak(built_data: Path) -> None:
    """Hide one practice's GMD patients where the municipality's total and its
    other practices are published: the audit subtracts its way to it."""
    marts = {m: pl.read_parquet(built_data / f"{m}.parquet") for m in MARTS}
    practices = marts["practices"]
    published = (
        marts["indicator_values"]
        .filter(
            (pl.col("indicator_code") == "gmd_per_fte")
            & (pl.col("level") == "gemeente")
            & ~pl.col("suppressed")
        )
        .select(pl.col("area_code").alias("refnis"), "year")
    )
    open_munis = (
        practices.group_by("refnis", "year")
        .agg(pl.col("pat_gmd").is_not_null().all().alias("open"), pl.len().alias("n"))
        .filter(pl.col("open") & (pl.col("n") >= 2))
        .join(published, on=["refnis", "year"], how="semi")
        .sort("year", "refnis")
    )
    assert open_munis.height > 0
    refnis, year = open_munis.row(0)[:2]
    one_year = {
        name: frame.filter(pl.col("year") == year) if "year" in frame.columns else frame
        for name, frame in marts.items()
    }
    pid = practices.filter((pl.col("refnis") == refnis) & (pl.col("year") == year)).sort(
        "practice_id"
    )["practice_id"][0]
    where = (pl.col("practice_id") == pid) & (pl.col("year") == year)
    leaks = audit_marts(_hide(one_year, "practices", where)).leaks
    assert any(f"h|{pid}|{year}|pat_gmd" in line for line in leaks), leaks[:3]


def test_the_build_refuses_to_write_what_the_audit_can_recover(
    demo_raw: Path,
    refdata: RefData,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a disclosure control that left a hidden cell recoverable (simulated),
    when building, then the build stops with a Dutch message and writes nothing."""
    real = build_module.compute_marts

    def leaky(*args: object, **kwargs: object) -> dict[str, pl.DataFrame]:
        marts = real(*args, **kwargs)  # type: ignore[arg-type]
        code = "ima_gmd"
        area = _published_municipality_in_open_zone(marts, code)
        where = (
            (pl.col("indicator_code") == code)
            & (pl.col("level") == "gemeente")
            & (pl.col("area_code") == area)
            & (pl.col("year") == pl.col("year").max())
        )
        return _hide(marts, "indicator_values", where)

    monkeypatch.setattr(build_module, "compute_marts", leaky)
    out = tmp_path / "data"
    with pytest.raises(BuildError, match="af te leiden door gepubliceerde tabellen"):
        build(demo_raw, out, refdata=refdata)
    assert not (out / "manifest.json").exists()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=linked_tables())
def test_the_sparse_solver_for_large_blocks_gives_the_same_answers(
    case: tuple[np.ndarray, list[tuple[int, list[int]]], np.ndarray],
) -> None:
    """Given linked tables, when every block is solved the way large blocks are
    (presolve and a random null vector, `nullspace`), then the audit still fixes
    exactly what the rank oracle fixes, and control still leaves no primary cell
    recoverable."""
    values, equations, hidden = case
    with (
        patch.object(audit_module, "_PRESOLVE_MIN", 0),
        patch.object(privacy_module, "_PRESOLVE_MIN", 0),
        patch.object(privacy_module, "_DENSE_MAX", 0),
    ):
        solved = solve(_variables(values, hidden), _terms(equations))
        counts = np.where(hidden, 1, values).astype(np.int64)
        cells = pl.DataFrame({"id": np.arange(values.size), "n": counts, "rank": values})
        constraints = pl.DataFrame(
            [
                (f"c{k}", cell, cell == total)
                for k, (total, parts) in enumerate(equations)
                for cell in [total, *parts]
            ],
            schema={"constraint_id": pl.String, "id": pl.Int64, "is_total": pl.Boolean},
            orient="row",
        )
        out = apply_disclosure_control(
            cells, id_col="id", count_cols=["n"], constraints=constraints, rank_col="rank"
        )
    found = {int(j) for j in np.flatnonzero(hidden & ~np.isnan(solved))}
    assert found == _fixed_by_rank(values.size, equations, hidden)
    for j in found:
        assert solved[j] == pytest.approx(values[j])
    controlled = out["suppressed"].to_numpy()
    primary = (out["suppression_reason"] == "primair").fill_null(False).to_numpy()
    assert not _fixed_by_rank(values.size, equations, controlled) & set(np.flatnonzero(primary))
