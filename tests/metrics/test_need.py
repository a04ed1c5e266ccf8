"""The area need index (`popmgmt.metrics.need`): weights, rates with imputation, standardisation,
the index and its decomposition, population-weighted quintiles, URL helpers, the map."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from frames import VALUE_SCHEMA

from popmgmt.app.store import Marts
from popmgmt.metrics import need
from popmgmt.pipeline.codes import FLANDERS_CODE, NEED_FAMILIES

# --------------------------------------------------------------------------- helpers


def _catalogue(rows: list[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator_code": [c for c, _ in rows],
            "name_nl": [c.upper() for c, _ in rows],
            "need_family": [f for _, f in rows],
            "unit": ["%"] * len(rows),
            "multiplier": [100.0] * len(rows),
            "denominator_label": ["inwoners"] * len(rows),
            "source": ["test"] * len(rows),
            "interval_method": ["wilson"] * len(rows),
        }
    )


CATALOGUE = _catalogue(
    [
        ("h1", "gezondheid"),
        ("h2", "gezondheid"),
        ("d1", "demografie"),
        ("s1", "sociaaleconomisch"),
        ("c1", "cultureel"),
    ]
)


def _value(
    code: str,
    level: str,
    area: str,
    num: float | None,
    den: float | None,
    *,
    year: int = 2024,
    suppressed: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "indicator_code": code,
        "level": level,
        "area_code": area,
        "year": year,
        "numerator": num,
        "denominator": den,
        "value": None if num is None or not den else num / den * 100,
        "ci_low": None,
        "ci_high": None,
        "suppressed": suppressed,
        "suppression_reason": reason,
    }


AREAS = pl.DataFrame(
    {
        "level": ["zone", "zone", "gemeente", "gemeente", "gemeente"],
        "area_code": ["z1", "z2", "m1", "m2", "m3"],
        "area_name": ["Zone 1", "Zone 2", "Gem 1", "Gem 2", "Gem 3"],
        "zone_code": ["z1", "z2", "z1", "z1", "z2"],
    }
)


# --------------------------------------------------------------------------- weights


def test_default_weights_sum_to_one_and_follow_the_families() -> None:
    """Given the default weights, then they sum to 1 and each family gets its share,
    split equally over its indicators."""
    weights = need.index_weights(CATALOGUE)
    assert weights["weight"].sum() == pytest.approx(1.0)
    assert sum(need.DEFAULT_FAMILY_WEIGHTS.values()) == pytest.approx(1.0)
    by_code = dict(zip(weights["indicator_code"], weights["weight"], strict=True))
    assert by_code["h1"] == pytest.approx(need.DEFAULT_FAMILY_WEIGHTS["gezondheid"] / 2)
    assert by_code["h2"] == pytest.approx(need.DEFAULT_FAMILY_WEIGHTS["gezondheid"] / 2)
    assert by_code["c1"] == pytest.approx(need.DEFAULT_FAMILY_WEIGHTS["cultureel"])


def test_custom_weights_are_relative_and_still_sum_to_one() -> None:
    """Family weights 50/50/0/0 and h1 counting three times h2: h1 = 0.5 x 3/4."""
    weights = need.index_weights(
        CATALOGUE,
        {"gezondheid": 50, "demografie": 50, "sociaaleconomisch": 0, "cultureel": 0},
        {"h1": 3, "h2": 1},
    )
    by_code = dict(zip(weights["indicator_code"], weights["weight"], strict=True))
    assert weights["weight"].sum() == pytest.approx(1.0)
    assert by_code == pytest.approx({"h1": 0.375, "h2": 0.125, "d1": 0.5, "s1": 0.0, "c1": 0.0})


def test_family_with_only_zero_indicators_drops_out_and_others_rescale() -> None:
    weights = need.index_weights(
        CATALOGUE, {"gezondheid": 1, "demografie": 1, "sociaaleconomisch": 0, "cultureel": 0},
        {"d1": 0},
    )  # fmt: skip
    by_code = dict(zip(weights["indicator_code"], weights["weight"], strict=True))
    assert by_code["h1"] + by_code["h2"] == pytest.approx(1.0)
    assert by_code["d1"] == 0.0


def test_weights_refuse_negative_and_all_zero() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        need.index_weights(CATALOGUE, {"gezondheid": -1})
    with pytest.raises(ValueError, match="gewicht > 0"):
        need.index_weights(CATALOGUE, dict.fromkeys(NEED_FAMILIES, 0.0))


def test_need_catalogue_keeps_need_families_in_order(marts: Marts) -> None:
    catalogue = need.need_catalogue(marts.indicators)
    assert catalogue.height > 0
    families = catalogue["need_family"].to_list()
    assert set(families) <= set(NEED_FAMILIES)
    order = [NEED_FAMILIES.index(f) for f in families]
    assert order == sorted(order)


# --------------------------------------------------------------------------- rates


def _values_with_suppression() -> pl.DataFrame:
    rows = [
        _value("h1", "vlaanderen", FLANDERS_CODE, 300, 1000),
        _value("h1", "zone", "z1", 100, 500),
        _value("h1", "zone", "z2", 200, 500),
        _value("h1", "gemeente", "m1", 60, 300),
        _value("h1", "gemeente", "m2", None, None, suppressed=True, reason="primair"),
        _value("h1", "gemeente", "m3", 200, 500),
    ]
    return pl.DataFrame(rows, schema=VALUE_SCHEMA, orient="row")


def test_suppressed_municipality_takes_its_zone_rate_never_zero() -> None:
    """Given a suppressed municipality, then its rate is its zone's, flagged, counts null."""
    rates = need.area_rates(
        _values_with_suppression(), AREAS, level="gemeente", codes=["h1"], years=[2024]
    )
    m2 = rates.filter(pl.col("area_code") == "m2").row(0, named=True)
    assert m2["rate"] == pytest.approx(0.2)  # zone z1: 100 / 500
    assert m2["imputed_from"] == "zone"
    assert m2["numerator"] is None
    assert m2["denominator"] is None
    assert m2["suppression_reason"] == "primair"
    m1 = rates.filter(pl.col("area_code") == "m1").row(0, named=True)
    assert m1["rate"] == pytest.approx(0.2)
    assert m1["imputed_from"] is None


def test_missing_zone_value_falls_back_to_flanders() -> None:
    values = _values_with_suppression().filter(
        ~((pl.col("level") == "zone") & (pl.col("area_code") == "z1"))
    )
    rates = need.area_rates(values, AREAS, level="zone", codes=["h1"], years=[2024])
    z1 = rates.filter(pl.col("area_code") == "z1").row(0, named=True)
    assert z1["rate"] == pytest.approx(0.3)
    assert z1["imputed_from"] == "vlaanderen"
    assert need.reference_rates(values, codes=["h1"], year=2024)["ref_rate"].to_list() == [
        pytest.approx(0.3)
    ]


def test_area_rates_on_the_demo_build_cover_every_municipality(marts: Marts) -> None:
    codes = need.need_catalogue(marts.indicators)["indicator_code"].to_list()
    year = max(marts.values["year"])
    rates = need.area_rates(marts.values, marts.areas, level="gemeente", codes=codes, years=[year])
    n_mun = marts.areas.filter(pl.col("level") == "gemeente").height
    assert rates.height == n_mun * len(codes)
    # Every cell with a Flemish value has a rate; none is 0 because of suppression.
    imputed = rates.filter(pl.col("imputed_from").is_not_null())
    assert imputed.filter(pl.col("numerator").is_not_null()).height == 0


# --------------------------------------------------------------------------- index


def _rates(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "area_code": [a for a, _, _ in rows],
            "indicator_code": [c for _, c, _ in rows],
            "rate": [r for _, _, r in rows],
            "imputed_from": [None] * len(rows),
        },
        schema={
            "area_code": pl.String,
            "indicator_code": pl.String,
            "rate": pl.Float64,
            "imputed_from": pl.String,
        },
    )


def test_standardise_by_hand() -> None:
    """Rates 0.1, 0.2, 0.3 around a Flemish 0.2: sd 0.1, so z = -1, 0, 1."""
    rates = _rates([("a", "x", 0.1), ("b", "x", 0.2), ("c", "x", 0.3)])
    ref = pl.DataFrame({"indicator_code": ["x"], "ref_rate": [0.2]})
    z = need.standardise(rates, ref).sort("area_code")["z"].to_list()
    assert z == pytest.approx([-1.0, 0.0, 1.0])


def test_standardise_caps_extremes_and_handles_no_spread() -> None:
    rates = _rates([*[(f"a{i}", "x", 0.0) for i in range(20)], ("far", "x", 10.0)])
    rates = pl.concat([rates, _rates([("a0", "flat", 0.5), ("a1", "flat", 0.5)])])
    ref = pl.DataFrame({"indicator_code": ["x", "flat"], "ref_rate": [0.0, 0.5]})
    out = need.standardise(rates, ref, cap=3.0)
    far = out.filter(pl.col("area_code") == "far")["z"][0]
    assert far == 3.0
    assert out.filter(pl.col("indicator_code") == "flat")["z"].to_list() == [0.0, 0.0]


def test_need_index_is_the_weighted_sum_of_z_scores() -> None:
    """Two indicators, weights 0.75 / 0.25: area c has z = (1, -1) so index 0.5."""
    rates = _rates(
        [
            ("a", "h1", 0.1),
            ("b", "h1", 0.2),
            ("c", "h1", 0.3),
            ("a", "c1", 0.3),
            ("b", "c1", 0.2),
            ("c", "c1", 0.1),
        ]
    )
    ref = pl.DataFrame({"indicator_code": ["h1", "c1"], "ref_rate": [0.2, 0.2]})
    catalogue = _catalogue([("h1", "gezondheid"), ("c1", "cultureel")])
    weights = need.index_weights(catalogue, {"gezondheid": 3, "cultureel": 1})
    contributions = need.need_index(rates, ref, weights)
    scores = need.index_scores(contributions)
    by_area = dict(zip(scores["area_code"], scores["need_index"], strict=True))
    assert by_area == pytest.approx({"a": -0.5, "b": 0.0, "c": 0.5})
    c_row = scores.filter(pl.col("area_code") == "c").row(0, named=True)
    assert c_row["fam_gezondheid"] == pytest.approx(0.75)
    assert c_row["fam_cultureel"] == pytest.approx(-0.25)
    # The decomposition adds up to the index.
    total = contributions.group_by("area_code").agg(pl.col("contribution").sum())
    assert dict(zip(total["area_code"], total["contribution"], strict=True)) == pytest.approx(
        by_area
    )


def test_index_does_not_depend_on_the_order_of_rows(marts: Marts) -> None:
    """Given the demo municipalities in shuffled order, then every score is the same."""
    catalogue = need.need_catalogue(marts.indicators)
    codes = catalogue["indicator_code"].to_list()
    year = max(marts.values["year"])
    rates = need.area_rates(marts.values, marts.areas, level="gemeente", codes=codes, years=[year])
    ref = need.reference_rates(marts.values, codes=codes, year=year)
    weights = need.index_weights(catalogue)
    before = need.index_scores(need.need_index(rates, ref, weights))
    shuffled = rates.sample(fraction=1.0, shuffle=True, seed=7)
    assert shuffled["area_code"].to_list() != rates["area_code"].to_list()
    after = need.index_scores(need.need_index(shuffled, ref, weights.reverse()))
    assert after["area_code"].to_list() == before["area_code"].to_list()
    assert after["need_index"].to_list() == pytest.approx(before["need_index"].to_list(), abs=1e-12)

    pop = need.area_population(marts.population, level="gemeente", years=[year])
    q_before = need.population_quintiles(before.join(pop, on="area_code"), value_col="need_index")
    q_after = need.population_quintiles(
        after.join(pop, on="area_code").sample(fraction=1.0, shuffle=True, seed=3),
        value_col="need_index",
    ).sort("area_code")
    assert q_after["quintile"].to_list() == q_before.sort("area_code")["quintile"].to_list()


# --------------------------------------------------------------------------- quintiles


def test_population_quintiles_by_hand() -> None:
    """Populations 10, 10, 10, 10, 60: midpoints 5, 15, 25, 35, 70 % -> Q1, Q1, Q2, Q2, Q4."""
    frame = pl.DataFrame(
        {
            "area_code": ["e", "d", "c", "b", "a"],
            "v": [5.0, 4.0, 3.0, 2.0, 1.0],
            "population": [60.0, 10.0, 10.0, 10.0, 10.0],
        }
    )
    out = need.population_quintiles(frame, value_col="v").sort("v")
    assert out["quintile"].to_list() == [1, 1, 2, 2, 4]


def test_population_quintiles_equal_sizes_and_nulls() -> None:
    frame = pl.DataFrame(
        {
            "area_code": [f"a{i}" for i in range(6)],
            "v": [1.0, 2.0, 3.0, 4.0, 5.0, None],
            "population": [1.0] * 6,
        }
    )
    out = need.population_quintiles(frame, value_col="v").sort("area_code")
    assert out["quintile"].to_list() == [1, 2, 3, 4, 5, None]


def test_population_quintiles_per_group() -> None:
    frame = pl.DataFrame(
        {
            "area_code": ["a", "b", "a", "b"],
            "year": [1, 1, 2, 2],
            "v": [1.0, 2.0, 2.0, 1.0],
            "population": [1.0] * 4,
        }
    )
    out = need.population_quintiles(frame, value_col="v", by=["year"], n=2).sort(
        "year", "area_code"
    )
    assert out["quintile"].to_list() == [1, 2, 2, 1]
