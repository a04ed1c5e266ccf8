"""Overdispersion-aware comparison (`popmgmt.metrics.comparison`).

No published worked example of Spiegelhalter (2005) with its data could be found in
public repositories (FunnelPlotR, the paper's public implementation, tests no numbers);
the checks are a case computed by hand, the agreement of the plain method with the
funnel limits, and the behaviour on simulated overdispersed indicators.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from popmgmt.metrics import comparison as cmp
from popmgmt.metrics import stats

# Ten units of size 100 around a rate of 1 per unit. On the square-root scale
# s = 1 / (2 * 10) = 0.05 and z = (sqrt(O) / 10 - 1) / 0.05 = 2 (sqrt(O) - 10).
HAND_OBSERVED = [100, 121, 81, 144, 64, 169, 49, 196, 36, 400]
HAND_Z = [0, 2, -2, 4, -4, 6, -6, 8, -8, 20]
# Winsorised at the 10% / 90% quantiles (linear): -8 + 0.9 * 2 = -6.2, 8 + 0.1 * 12 = 9.2;
# phi = (6.2^2 + 6^2 + 4^2 + 2^2 + 0 + 2^2 + 4^2 + 6^2 + 8^2 + 9.2^2) / 10 = 29.908.
HAND_PHI = 29.908
# w = 1 / s^2 = 400 for every unit: sum w - sum w^2 / sum w = 4000 - 400 = 3600;
# tau2 = (10 * 29.908 - 9) / 3600 = 290.08 / 3600.
HAND_TAU2 = 290.08 / 3600


def _units(observed: list[float | None], sizes: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"unit": [f"U{i}" for i in range(len(observed))], "o": observed, "n": sizes},
        schema={"unit": pl.String, "o": pl.Float64, "n": pl.Float64},
    )


def test_additive_method_by_hand() -> None:
    out = cmp.compare_units(
        _units([float(o) for o in HAND_OBSERVED], [100.0] * 10),
        unit_col="unit",
        observed_col="o",
        size_col="n",
        kind="rate",
        direction="neutraal",
        target=1.0,
    )
    assert out["z"].to_list() == pytest.approx(HAND_Z, abs=1e-12)
    assert out["phi"][0] == pytest.approx(HAND_PHI, abs=1e-12)
    assert out["tau2"][0] == pytest.approx(HAND_TAU2, abs=1e-12)
    assert set(out["method"]) == {cmp.METHOD_ADDITIVE}
    sd = math.sqrt(0.05**2 + HAND_TAU2)  # 0.288232
    # O = 400: sqrt(4) - 1 = 1 on the square-root scale: z_adj = 1 / 0.288232 = 3.469
    assert out["z_adjusted"][9] == pytest.approx(1.0 / sd, abs=1e-12)
    assert out["z_adjusted"][9] > 3.090232
    # limits at size 100: (1 +/- z sd)^2, the lower clipped at 0 for 99.8%
    assert out["hi_95"][0] == pytest.approx((1 + 1.959964 * sd) ** 2, abs=1e-5)
    assert out["lo_95"][0] == pytest.approx((1 - 1.959964 * sd) ** 2, abs=1e-5)
    assert out["lo_998"][0] == pytest.approx((1 - 3.090232 * sd) ** 2, abs=1e-5)
    # O = 196 (1.96 per unit, z = 8 unadjusted) is within the adjusted limits
    assert out["label"].to_list() == ["gelijk"] * 9 + ["hoger_998"]


def test_no_overdispersion_uses_the_funnel_limits() -> None:
    """Given units whose spread is binomial, then phi is not significant, the method is
    plain and the limits are `stats.funnel_limits` (Wilson score), labels by direction."""
    sizes = [1000.0] * 12
    observed = [500.0, 510, 490, 505, 495, 520, 480, 500, 515, 485, 560, 440]
    out = cmp.compare_units(
        _units(observed, sizes),
        unit_col="unit",
        observed_col="o",
        size_col="n",
        kind="proportion",
        direction="hoger_beter",
        target=0.5,
        multiplier=100.0,
    )
    assert set(out["method"]) == {cmp.METHOD_EXACT}
    assert out["tau2"][0] is not None
    assert out["z_adjusted"].to_list() == out["z"].to_list()
    expected = stats.funnel_limits(0.5, sizes, kind="proportion", multiplier=100.0)
    assert out["hi_95"].to_list() == pytest.approx(expected["hi_95"].to_list())
    # 56% is 3.8 SE above 50% (outside 99.8%), 44% as far below
    assert out["label"][10] == "beter_998"
    assert out["label"][11] == "slechter_998"
    assert out["label"][0] == "gelijk"
    lower_better = cmp.compare_units(
        _units(observed, sizes),
        unit_col="unit",
        observed_col="o",
        size_col="n",
        kind="proportion",
        direction="lager_beter",
        target=0.5,
    )
    assert lower_better["label"][10] == "slechter_998"


def test_suppressed_and_missing_units_are_not_determined() -> None:
    frame = _units([50.0, None, 30.0, 20.0], [100.0, 100.0, 0.0, 100.0]).with_columns(
        pl.Series("hidden", [False, False, False, True])
    )
    out = cmp.compare_units(
        frame,
        unit_col="unit",
        observed_col="o",
        size_col="n",
        kind="proportion",
        direction="neutraal",
        target=0.3,
        suppressed_col="hidden",
    )
    assert out["label"].to_list() == ["hoger_998"] + ["niet_te_bepalen"] * 3
    assert out["z"][3] is None
    assert out["phi"][0] is None  # fewer than MIN_UNITS units
    assert out.columns == ["unit", *cmp.OUTPUT_SCHEMA]


def _overdispersed(rng: np.random.Generator, n_units: int = 60) -> pl.DataFrame:
    """60 zone-sized units (30,000 to 300,000 people) around 50% with true values
    spread on the arcsine scale with tau = 0.018: phi about 1 + 4 n tau^2 = 200."""
    sizes = rng.integers(30_000, 300_000, n_units).astype(float)
    true = np.sin(np.arcsin(np.sqrt(0.5)) + rng.normal(0.0, 0.018, n_units)) ** 2
    observed = rng.binomial(sizes.astype(np.int64), true).astype(float)
    return _units(list(observed), list(sizes))


def test_overdispersed_indicator_flags_few_units() -> None:
    """Given 40 simulated overdispersed indicators (phi ~ 200, no outliers), then the
    unadjusted comparison flags nearly every unit at 95%, the adjusted one few: about 5%
    with the consistency-corrected phi; about 11% with the paper's plain winsorised phi,
    which under normal random effects is 0.68 times the variance of the z-scores, so
    tau2 is too small and the limits are 18% too narrow."""
    rng = np.random.default_rng(20260315)
    flagged: dict[str, list[float]] = {"nooit": [], "paper": [], "consistent": []}
    phis = []
    kwargs = {"unit_col": "unit", "observed_col": "o", "size_col": "n"}
    for _ in range(40):
        units = _overdispersed(rng)
        target = float(units["o"].sum() / units["n"].sum())
        for name, shares in flagged.items():
            out = cmp.compare_units(
                units,
                **kwargs,
                kind="proportion",
                direction="neutraal",
                target=target,
                overdispersion="nooit" if name == "nooit" else "auto",
                consistent_phi=name == "consistent",
            )
            assert set(out["method"]) == {
                cmp.METHOD_EXACT if name == "nooit" else cmp.METHOD_ADDITIVE
            }
            if name == "paper":
                phis.append(out["phi"][0])
            shares.append(float((out["label"] != "gelijk").mean()))
    share = {name: float(np.mean(values)) for name, values in flagged.items()}
    assert 100 < float(np.median(phis)) < 300
    assert share["nooit"] > 0.85
    assert 0.03 < share["consistent"] < 0.075
    assert 0.07 < share["paper"] < 0.16


def test_winsor_consistency_factor() -> None:
    """The factor is E[W^2] of a 10%-winsorised standard normal (checked by simulation)."""
    z = np.random.default_rng(1).standard_normal(400_000)
    assert cmp.winsorised_phi(z) == pytest.approx(cmp.winsor_consistency(0.1), abs=0.005)
    assert cmp.winsor_consistency(0.1) == pytest.approx(0.6787, abs=1e-4)
    assert cmp.winsorised_phi(z, consistent=True) == pytest.approx(1.0, abs=0.01)


def test_rest_of_reference() -> None:
    """A unit that is half the reference is compared with the other half: the rest's
    value is (total - own) / (size - own size), the variance s^2 + 1 / (4 rest size)."""
    units = _units([600.0, 400.0], [1000.0, 1000.0])
    out = cmp.compare_units(
        units,
        unit_col="unit",
        observed_col="o",
        size_col="n",
        kind="proportion",
        direction="hoger_beter",
        exclude_self=True,
        multiplier=100.0,
    )
    assert out["target"].to_list() == pytest.approx([40.0, 60.0])
    se = math.sqrt(0.25 / 1000 + 0.25 / 1000)
    z0 = (math.asin(math.sqrt(0.6)) - math.asin(math.sqrt(0.4))) / se
    assert out["z"].to_list() == pytest.approx([z0, -z0])
    assert set(out["method"]) == {cmp.METHOD_REST}
    assert out["label"].to_list() == ["beter_998", "slechter_998"]
    # against the whole (50%) the same unit is closer
    whole = cmp.compare_units(
        units,
        unit_col="unit",
        observed_col="o",
        size_col="n",
        kind="proportion",
        direction="hoger_beter",
    )
    assert abs(whole["z"][0]) < abs(out["z"][0])


def test_label_codes() -> None:
    assert cmp.label("hoger_998", "hoger_beter") == "beter_998"
    assert cmp.label("lager_95", "hoger_beter") == "slechter_95"
    assert cmp.label("lager_95", "lager_beter") == "beter_95"
    assert cmp.label("hoger_95", "neutraal") == "hoger_95"
    assert cmp.label("binnen", "neutraal") == "gelijk"
    assert cmp.label(None, "hoger_beter") == "niet_te_bepalen"
    assert {cmp.label(b, d) for b in ("hoger_998", "lager_95") for d in cmp._SIDE_LABELS} <= set(
        cmp.LABELS
    )
    with pytest.raises(ValueError, match="richting"):
        cmp.label("binnen", "omhoog")


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spread=st.floats(0.0, 0.05))
def test_label_agrees_with_adjusted_z(seed: int, spread: float) -> None:
    """Whatever the spread, the label says the same as the z-score the method uses:
    outside 95% exactly when |z_adjusted| > 1.96, outside 99.8% when > 3.09 (additive
    method; the plain method's labels follow the funnel limits, tested above)."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(500, 50_000, 30).astype(float)
    true = np.sin(np.arcsin(np.sqrt(0.3)) + rng.normal(0.0, spread, 30)) ** 2
    units = _units(list(rng.binomial(sizes.astype(np.int64), true).astype(float)), list(sizes))
    out = cmp.compare_units(
        units,
        unit_col="unit",
        observed_col="o",
        size_col="n",
        kind="proportion",
        direction="hoger_beter",
        target=0.3,
    )
    counts = cmp.label_counts(out)
    assert sum(counts.values()) == 30
    if out["method"][0] != cmp.METHOD_ADDITIVE:
        return
    for z, code in zip(out["z_adjusted"], out["label"], strict=True):
        if min(abs(abs(z) - 1.959964), abs(abs(z) - 3.090232)) < 1e-6:
            continue
        expected = "gelijk" if abs(z) <= 1.959964 else ("beter" if z > 0 else "slechter")
        expected += "" if expected == "gelijk" else ("_998" if abs(z) > 3.090232 else "_95")
        assert code == expected
