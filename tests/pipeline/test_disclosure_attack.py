"""An attacker over everything published together, on a real demo build.

The attacker knows every published figure of every mart and the definitions
that link them, and solves by differencing: an equation (a total and its
parts, a nested indicator, a practice sum, the same quantity in two marts)
with one unknown left gives that unknown; repeat until nothing changes. It
wins when it recovers a figure the build hid as primary, or any count of 1-4
persons that no mart shows (GPs aged 60-64). The build must let it win nowhere.
Also: the same raw files give byte-identical marts.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from popmgmt.pipeline import codes
from popmgmt.pipeline.build import build, previous_release
from popmgmt.pipeline.geography import HIERARCHY, LEVEL_COLUMN, membership
from popmgmt.pipeline.practices import pseudonyms
from popmgmt.pipeline.provenance import check_demo
from popmgmt.pipeline.refdata import RefData
from popmgmt.pipeline.transform import POP_PLUS_BANDS, PRACTICE_TOTALS, compute_marts
from popmgmt.pipeline.validate import validate_raw

Var = tuple[str, ...]


class Attacker:
    """Linear equations sum(coef * var) = 0 over published (known) and hidden vars."""

    def __init__(self) -> None:
        self.known: dict[Var, float] = {}
        self.hidden: set[Var] = set()
        self.equations: list[list[tuple[Var, float]]] = []

    def figure(self, var: Var, value: float | None) -> None:
        """A figure as published: a number, or hidden (None)."""
        if value is None:
            if var not in self.known:
                self.hidden.add(var)
        else:
            self.known[var] = float(value)
            self.hidden.discard(var)

    def equation(self, terms: Iterable[tuple[Var, float]]) -> None:
        self.equations.append(list(terms))

    def solve(self) -> dict[Var, float]:
        """Differencing until nothing changes; returns what it recovered."""
        recovered: dict[Var, float] = {}
        users: dict[Var, list[int]] = defaultdict(list)
        for i, eq in enumerate(self.equations):
            for var, _ in eq:
                users[var].append(i)
        queue = list(range(len(self.equations)))
        while queue:
            i = queue.pop()
            eq = self.equations[i]
            unknown = [(v, c) for v, c in eq if v not in self.known]
            if len(unknown) != 1:
                continue
            var, coef = unknown[0]
            rest = sum(c * self.known[v] for v, c in eq if v in self.known)
            self.known[var] = -rest / coef
            recovered[var] = self.known[var]
            queue.extend(users[var])
        return recovered


def _read(data: Path, mart: str) -> pl.DataFrame:
    return pl.read_parquet(data / f"{mart}.parquet")


def _hierarchy(att: Attacker, members: pl.DataFrame, var_of: dict[tuple[str, str], Var]) -> None:
    """Totals and parts: for each (level, area) -> variable, the HIERARCHY sums."""
    for parent, child in HIERARCHY:
        link = members.select(LEVEL_COLUMN[parent], LEVEL_COLUMN[child]).drop_nulls().unique()
        kids: dict[str, list[str]] = defaultdict(list)
        for p, c in link.iter_rows():
            kids[p].append(c)
        for p, cs in kids.items():
            if (parent, p) not in var_of:
                continue
            terms = [(var_of[(parent, p)], 1.0)]
            terms += [(var_of[(child, c)], -1.0) for c in cs if (child, c) in var_of]
            att.equation(terms)


def _attack(data: Path, members: pl.DataFrame) -> tuple[Attacker, dict[Var, float]]:
    att = Attacker()
    values = _read(data, "indicator_values")
    population = _read(data, "population")
    practices = _read(data, "practices")

    # Indicators: numerator and denominator per level/area/year, with their sums.
    for row in values.iter_rows(named=True):
        key = (row["indicator_code"], row["level"], row["area_code"], str(row["year"]))
        att.figure(("num", *key), row["numerator"])
        att.figure(("den", *key), row["denominator"])
    for (code, year), group in values.group_by("indicator_code", "year"):
        for role in ("num", "den"):
            var_of = {
                (lv, ar): (role, str(code), lv, ar, str(year))
                for lv, ar in group.select("level", "area_code").iter_rows()
            }
            _hierarchy(att, members, var_of)

    # Population: bands, sexes and totals; the same cells are denominators.
    for row in population.iter_rows(named=True):
        var = ("pop", row["level"], row["area_code"], str(row["year"]), row["sex"], row["age_band"])
        att.figure(var, row["population"])
    for level, area, year in population.select("level", "area_code", "year").unique().iter_rows():
        y = str(year)
        for sex in ("M", "V", "T"):
            att.equation(
                [(("pop", level, area, y, sex, "totaal"), 1.0)]
                + [(("pop", level, area, y, sex, b), -1.0) for b in codes.POP_AGE_BANDS]
            )
        for band in (*codes.POP_AGE_BANDS, "totaal"):
            att.equation(
                [(("pop", level, area, y, "T", band), 1.0)]
                + [(("pop", level, area, y, s, band), -1.0) for s in ("M", "V")]
            )
        total = ("pop", level, area, y, "T", "totaal")
        for code in ("gp_per_10k", "pop_65plus", "gp_trainees_per_10k", "gp_fte_per_10k"):
            den = ("den", code, level, area, y)
            if den in att.known or den in att.hidden:
                att.equation([(den, 1.0), (total, -1.0)])
        for code, bands in POP_PLUS_BANDS.items():
            num = ("num", code, level, area, y)
            if num in att.known or num in att.hidden:
                att.equation(
                    [(num, 1.0)] + [(("pop", level, area, y, "T", b), -1.0) for b in bands]
                )

    # Nested GP age indicators: 60+ = 60-64 + 65+; one denominator (known age).
    for level, area, year in (
        values.filter(pl.col("indicator_code") == "gp_60plus")
        .select("level", "area_code", "year")
        .iter_rows()
    ):
        y = str(year)
        g60, g65 = ("num", "gp_60plus", level, area, y), ("num", "gp_65plus", level, area, y)
        att.equation([(g60, 1.0), (g65, -1.0), (("gp60_64", level, area, y), -1.0)])
        att.hidden.add(("gp60_64", level, area, y))
        att.equation(
            [
                (("den", "gp_60plus", level, area, y), 1.0),
                (("den", "gp_65plus", level, area, y), -1.0),
            ]
        )

    # Practices add up to municipal figures.
    for column, (code, role) in PRACTICE_TOTALS.items():
        col = "fte_estimate" if column == "fte_milli" else column
        for (refnis, year), group in practices.group_by("refnis", "year"):
            terms: list[tuple[Var, float]] = [
                ((role, code, "gemeente", str(refnis), str(year)), 1.0)
            ]
            for pid, value in group.select("practice_id", col).iter_rows():
                var = ("practice", str(pid), str(year), col)
                att.figure(var, value)
                terms.append((var, -1.0))
            att.equation(terms)
    # Attributed patients of fee-for-service practices: the contact indicators' denominator.
    ffs = practices.filter(pl.col("payment_system") == "prestatie")
    for (refnis, year), group in ffs.group_by("refnis", "year"):
        terms = [(("den", "raadpl_per_100_attrib", "gemeente", str(refnis), str(year)), 1.0)]
        terms += [
            (("practice", str(pid), str(year), "pat_attrib"), -1.0)
            for pid in group["practice_id"].to_list()
        ]
        att.equation(terms)
    return att, att.solve()


@pytest.fixture(scope="module")
def members(demo_raw: Path, refdata: RefData, built_data: Path) -> pl.DataFrame:
    circles = pl.read_csv(demo_raw / "huisartsenkringen.csv", infer_schema=False)
    present = _read(built_data, "population").filter(pl.col("level") == "gemeente")["area_code"]
    return membership(refdata, circles, present.unique().to_list())


def test_differencing_over_all_marts_recovers_nothing_sensitive(
    built_data: Path, members: pl.DataFrame
) -> None:
    att, recovered = _attack(built_data, members)
    values = _read(built_data, "indicator_values")
    primary = {
        (role, r["indicator_code"], r["level"], r["area_code"], str(r["year"]))
        for r in values.filter(pl.col("suppression_reason") == "primair").iter_rows(named=True)
        for role in ("num",)
    }
    pop_primary = {
        ("pop", r["level"], r["area_code"], str(r["year"]), r["sex"], r["age_band"])
        for r in _read(built_data, "population")
        .filter(pl.col("suppression_reason") == "primair")
        .iter_rows(named=True)
    }
    assert att.equations  # the attack had something to work on
    assert att.hidden
    leaks = [v for v in recovered if v in primary or v in pop_primary]
    small = [
        (v, x)
        for v, x in recovered.items()
        if (v[0] in ("gp60_64", "pop") or (v[0] == "practice" and v[3] != "fte_estimate"))
        and 0.5 < x < 4.5
    ]
    assert leaks == [], leaks[:10]
    assert small == [], small[:10]


def test_the_under65_estimate_is_hidden_wherever_its_inputs_are(built_data: Path) -> None:
    """GPs under 65 = GPs x (1 - share 65+): with two of the three known, the third follows."""
    values = _read(built_data, "indicator_values")
    hidden = values.filter(pl.col("suppressed")).select(
        "indicator_code", "level", "area_code", "year"
    )
    under = hidden.filter(pl.col("indicator_code") == "gp_under65_per_100k").drop("indicator_code")
    for code in ("gp_per_10k", "gp_65plus"):
        need = hidden.filter(
            (pl.col("indicator_code") == code)
            & pl.col("year").is_in(under["year"].unique().implode())
        ).drop("indicator_code")
        assert need.join(under, on=["level", "area_code", "year"], how="anti").height == 0, code


def test_no_practice_shows_activity_of_fewer_than_three_gps(
    built_data: Path, demo_raw: Path
) -> None:
    ima = pl.read_csv(demo_raw / "ima_patienteel_huisartsen.csv", infer_schema=False)
    practices = _read(built_data, "practices")
    raw_sizes = ima.group_by("RIZIV_HCI", pl.col("YEAR").cast(pl.Int64).alias("year")).len()
    shown = practices.filter(pl.col("raadpl").is_not_null() | pl.col("pat_gmd").is_not_null())
    # Practices are pseudonymous: match on the number of practices with few GPs instead.
    few = raw_sizes.filter(pl.col("len") < 3).height
    assert practices.height - shown.height >= few
    # With the demo key, the pseudonyms map back: every practice of one GP shows nothing.
    ids = pseudonyms(ima["RIZIV_HCI"].unique().to_list(), b"popmgmt-demo-key")
    solo = (
        raw_sizes.filter(pl.col("len") == 1)
        .join(ids, on="RIZIV_HCI")
        .select("practice_id", "year")
        .join(practices, on=["practice_id", "year"])
    )
    assert solo.height > 0
    for column in ("pat_gmd", "fte_estimate", "raadpl"):
        assert solo[column].null_count() == solo.height, column
    assert "hci_type" not in practices.columns
    assert "gp_headcount" not in practices.columns


def test_two_builds_of_the_same_files_are_byte_identical(
    demo_raw: Path, built_data: Path, refdata: RefData, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    build(demo_raw, again, refdata=refdata)
    for mart in ("indicator_values", "population", "practices", "areas", "indicators"):
        a = hashlib.sha256((built_data / f"{mart}.parquet").read_bytes()).hexdigest()
        b = hashlib.sha256((again / f"{mart}.parquet").read_bytes()).hexdigest()
        assert a == b, mart


def test_one_thread_and_many_threads_build_the_same_bytes(
    demo_raw: Path, built_data: Path, tmp_path: Path
) -> None:
    """Given the same raw files, when a build runs in a process with polars and BLAS
    limited to one thread, then every mart is byte-identical to the default build
    (suppression included): parallel sums and sorts decide nothing."""
    out = tmp_path / "one-thread"
    env = {
        **os.environ,
        "POLARS_MAX_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "popmgmt", "build", "--input", str(demo_raw), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for mart in ("indicator_values", "population", "practices", "areas", "indicators"):
        a = hashlib.sha256((built_data / f"{mart}.parquet").read_bytes()).hexdigest()
        b = hashlib.sha256((out / f"{mart}.parquet").read_bytes()).hexdigest()
        assert a == b, mart


def test_a_cell_hidden_in_one_release_stays_hidden_in_the_next(
    demo_raw: Path, built_data: Path, refdata: RefData
) -> None:
    """Given release 1 (the demo build) and a corrected delivery that differs in one
    municipality's population, when release 2 is built over release 1, then every
    cell hidden in release 1 is hidden in release 2: differencing the two releases
    cannot give back what release 1 hid."""
    check = check_demo(demo_raw, refdata)
    raw = validate_raw(demo_raw, refdata, covered_municipalities=check.municipalities)
    target = raw.population["REFNIS"].sort()[0]
    first = (pl.col("REFNIS") == target) & (pl.col("AGE") == 40)
    corrected = replace(
        raw,
        population=raw.population.with_columns(
            pl.when(first)
            .then(pl.col("POPULATION") + 7)
            .otherwise(pl.col("POPULATION"))
            .alias("POPULATION")
        ),
    )
    previous = previous_release(built_data, demo=True)
    assert previous is not None
    second = compute_marts(corrected, refdata, b"popmgmt-demo-key", previous)
    keys = {
        "indicator_values": ["indicator_code", "level", "area_code", "year"],
        "population": ["level", "area_code", "year", "sex", "age_band"],
    }
    for mart, cols in keys.items():
        before = previous[mart].filter(pl.col("suppressed")).select(cols)
        after = second[mart].filter(pl.col("suppressed")).select(cols)
        assert before.height > 0 or mart == "population"  # the small demo hides no inhabitants
        assert before.join(after, on=cols, how="anti").height == 0, mart

    def hidden_practice_cells(mart: pl.DataFrame) -> pl.DataFrame:
        return (
            mart.filter(pl.col("suppressed_columns").is_not_null())
            .select("practice_id", "year", pl.col("suppressed_columns").str.split(","))
            .explode("suppressed_columns")
        )

    before = hidden_practice_cells(previous["practices"])
    after = hidden_practice_cells(second["practices"])
    assert before.height > 0
    assert before.join(after, on=before.columns, how="anti").height == 0
    # The corrected figure itself is in release 2.
    pop = second["population"].filter(
        (pl.col("level") == "gemeente") & (pl.col("area_code") == target)
    )
    assert pop.height > 0


def test_what_an_earlier_release_hid_is_hidden_again_and_protected(
    demo_raw: Path, built_data: Path, refdata: RefData
) -> None:
    """Given an earlier release that hid a cell today's data would publish (say, a
    figure corrected since), when the next release is built over it, then that cell
    is hidden again, labelled secondary, and no single subtraction gives it back."""
    check = check_demo(demo_raw, refdata)
    raw = validate_raw(demo_raw, refdata, covered_municipalities=check.municipalities)
    previous = previous_release(built_data, demo=True)
    assert previous is not None
    values = previous["indicator_values"]
    cell = (
        values.filter(
            (pl.col("indicator_code") == "ima_gmd")
            & (pl.col("level") == "gemeente")
            & ~pl.col("suppressed")
        )
        .sort("area_code", "year")
        .row(0, named=True)
    )
    is_cell = (
        (pl.col("indicator_code") == "ima_gmd")
        & (pl.col("area_code") == cell["area_code"])
        & (pl.col("year") == cell["year"])
    )
    previous["indicator_values"] = values.with_columns(
        pl.when(is_cell).then(True).otherwise(pl.col("suppressed")).alias("suppressed")
    )
    again = compute_marts(raw, refdata, b"popmgmt-demo-key", previous)["indicator_values"]
    row = again.filter(is_cell & (pl.col("level") == "gemeente")).row(0, named=True)
    assert row["suppressed"]
    assert row["suppression_reason"] == "secundair"
    assert row["value"] is None
    # Its zone's other municipalities are not all published: a complement was hidden.
    members = membership(
        refdata,
        pl.read_csv(demo_raw / "huisartsenkringen.csv", infer_schema=False),
        [cell["area_code"]],
    )
    zone = members["zone_code"][0]
    zone_munis = refdata.municipalities.filter(pl.col("elz_code_pinc") == zone)["nis_code_2025"]
    same = again.filter(
        (pl.col("indicator_code") == "ima_gmd")
        & (pl.col("level") == "gemeente")
        & (pl.col("year") == cell["year"])
        & pl.col("area_code").is_in(zone_munis.implode())
    )
    assert same["suppressed"].sum() >= 2
