"""Practices: pseudonyms, the contributor rule and the practice control, on tiny frames."""

from __future__ import annotations

import polars as pl
import pytest

from popmgmt.pipeline import practices
from popmgmt.pipeline.control import DisclosureError
from popmgmt.pipeline.practices import (
    PRACTICE_SUMS,
    contributor_rule_fails,
    control_practice_counts,
    fails_expr,
    pseudonym,
)


def test_pseudonym_is_stable_keyed_and_hides_the_number() -> None:
    a = pseudonym("81234567", b"k1")
    assert a == pseudonym("81234567", b"k1")
    assert a != pseudonym("81234567", b"k2")
    assert a.startswith("PR-")
    assert len(a) == 3 + 16  # 64 bits: collisions negligible
    assert "1234567" not in a


def test_two_practices_sharing_a_pseudonym_stop_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(practices, "PSEUDONYM_HEX", 1)
    numbers = [f"8{i:07d}" for i in range(40)]  # 40 numbers in 16 one-digit pseudonyms
    with pytest.raises(DisclosureError, match="POPMGMT_PSEUDONYM_KEY"):
        practices.pseudonyms(numbers, b"k1")
    monkeypatch.undo()
    ids = practices.pseudonyms(numbers, b"k1")
    assert ids["practice_id"].is_unique().all()
    assert ids.height == 40


def _practices(counts: dict[str, list[int | None]], refnis: list[str]) -> pl.DataFrame:
    n = len(refnis)
    cols = {
        "practice_id": [f"PR-{i:06d}" for i in range(n)],
        "year": [2024] * n,
        "refnis": refnis,
        "zone_code": ["elzA"] * n,
        "circle_code": ["hak01"] * n,
        "lat": [51.0] * n,
        "lon": [4.4] * n,
        "practice_form": ["solo"] * n,
        "payment_system": ["prestatie"] * n,
        "patient_stop": ["nee"] * n,
        "size_class": ["< 1.000"] * n,
        "fte_estimate": [1.0] * n,
    }
    base = dict.fromkeys(
        (
            "pat_gmd",
            "pat_attrib",
            "raadpl",
            "bezavond",
            "bezoekind",
            "instel",
            "digicont",
            "advies",
        ),
        [100] * n,
    )
    base.update(counts)
    return pl.DataFrame({**cols, **base})


@pytest.mark.parametrize("small", [1, 4])
def test_a_small_practice_count_is_hidden_with_a_complement(small: int) -> None:
    """Given three practices in one municipality, one with 1-4 home visits,
    when controlled, then that count and the smallest other count are hidden
    (the municipality total would otherwise give it away), the third stays."""
    table = _practices({"bezavond": [small, 7, 50]}, ["11001", "11001", "11001"])
    out = control_practice_counts(table).sort("practice_id")
    assert out["bezavond"].to_list() == [None, None, 50]
    assert out["suppressed_columns"].to_list() == ["bezavond", "bezavond", None]
    assert out["raadpl"].to_list() == [100, 100, 100]


def test_practice_counts_of_five_and_zero_stay_published() -> None:
    table = _practices({"instel": [5, 0, 12]}, ["11001", "11001", "11002"])
    out = control_practice_counts(table)
    assert out["instel"].to_list() == [5, 0, 12]
    assert not out["suppressed"].any()


def test_a_sum_of_fewer_than_three_gps_is_hidden_with_a_complement() -> None:
    """Given three practices of one municipality where the first one's contacts
    come from two GPs (contributor rule fails), when controlled, then its
    contacts and FTE are hidden, plus a complement, whatever their size."""
    table = _practices({"raadpl": [9000, 8000, 12000]}, ["11001", "11001", "11001"])
    fails = {f"_fail_{c}": [c in ("raadpl", "fte_milli"), False, False] for c in PRACTICE_SUMS}
    out = control_practice_counts(table.with_columns(**{k: pl.Series(v) for k, v in fails.items()}))
    out = out.sort("practice_id")
    assert out["raadpl"].to_list() == [None, None, 12000]
    assert out["fte_estimate"][0] is None
    assert "fte_estimate" in out["suppressed_columns"][0]
    assert out["bezavond"].to_list() == [100, 100, 100]


def test_contributor_rule_counts_gps_and_dominance() -> None:
    """Fewer than 3 contributing GPs fails; 3 GPs pass unless one dominates (p% rule)."""
    frame = pl.DataFrame(
        {
            "g": ["two", "two", "three", "three", "three", "dom", "dom", "dom", "zero"],
            "v": [10, 20, 10, 20, 30, 1000, 40, 30, 0],
        }
    )
    out = (
        frame.group_by("g")
        .agg(*contributor_rule_fails(pl.col("v")))
        .select("g", fails_expr().alias("fail"))
    )
    got = dict(out.iter_rows())
    assert got == {"two": True, "three": False, "dom": True, "zero": False}
