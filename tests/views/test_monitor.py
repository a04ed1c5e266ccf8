"""The Flemish monitor's pure functions: trends, spread, funnel, two-year change, map
classes, chart specs and the prebuilt map (no Streamlit)."""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Sequence
from datetime import date
from typing import Any

import altair as alt
import numpy as np
import polars as pl
import pytest
from frames import VALUE_SCHEMA

from popmgmt.app.annotations import Annotation
from popmgmt.metrics import comparison, stats
from popmgmt.views import maps, monitor, monitor_charts, monitor_tables


def _values(rows: list[dict[str, Any]]) -> pl.DataFrame:
    full = []
    for row in rows:
        rec = dict.fromkeys(VALUE_SCHEMA)
        rec.update({"suppressed": False, **row})
        full.append(rec)
    return pl.DataFrame(full, schema=VALUE_SCHEMA, orient="row")


def _areas() -> pl.DataFrame:
    rows = [
        ("vlaanderen", "02000", "Vlaanderen", None, None),
        ("provincie", "10000", "Provincie Antwerpen", None, "10000"),
        ("provincie", "40000", "Provincie Oost-Vlaanderen", None, "40000"),
        ("zone", "elz1", "Zone Een", "elz1", None),
        ("zone", "elz2", "Zone Twee", "elz2", None),
        ("zone", "elz3", "Zone Drie", "elz3", None),
        ("zone", "elz7", "Bruzel", "elz7", None),
        ("gemeente", "11001", "Gem A", "elz1", "10000"),
        ("gemeente", "11002", "Gem B", "elz1", "10000"),
        ("gemeente", "11003", "Gem C", "elz2", "10000"),
        ("gemeente", "44001", "Gem D", "elz3", "40000"),
    ]
    return pl.DataFrame(
        [
            {
                "level": lv,
                "area_code": code,
                "area_name": name,
                "zone_code": zone,
                "circle_code": None,
                "province_code": prov,
                "area_km2": 100.0,
                "centroid_lat": 51.0,
                "centroid_lon": 4.0,
            }
            for lv, code, name, zone, prov in rows
        ],
        schema={
            "level": pl.String,
            "area_code": pl.String,
            "area_name": pl.String,
            "zone_code": pl.String,
            "circle_code": pl.String,
            "province_code": pl.String,
            "area_km2": pl.Float64,
            "centroid_lat": pl.Float64,
            "centroid_lon": pl.Float64,
        },
    )


def _validate(spec: dict[str, Any]) -> None:
    """The spec is valid Vega-Lite (altair's jsonschema) and JSON-serialisable."""
    json.dumps(spec)
    if "layer" in spec:
        alt.LayerChart.from_dict(spec)
    else:
        alt.Chart.from_dict(spec)


# --- funnel limits and overdispersion against reference values ---------------------------
# The reference limits are the values whose own interval just touches the target, as
# PHEindicatormethods' calculate_funnel_limits: proportions target ± z·sqrt(p(1-p)/n)
# (Wilson score), rates by 200-step bisection on the forward regularised gamma function
# (exact Poisson), not with the closed-form inverse the code uses.

BINOMIAL_REFERENCE = {  # target 0.2: size -> (lo_95, hi_95, lo_998, hi_998)
    50: (0.08912769405202578, 0.3108723059479742, 0.025190062469359675, 0.37480993753064035),
    200: (0.14456384702601288, 0.25543615297398714, 0.11259503123467984, 0.2874049687653202),
}
POISSON_REFERENCE = {  # target 0.008 per unit: exposure -> limits
    1000: (0.002495858886453707, 0.014468252808102757, 0.0004425244813044755, 0.018526961291263803),
    20000: (0.006759739380484965, 0.009287660853323635, 0.006093907861974398, 0.010048836763128259),
}


@pytest.mark.parametrize(
    ("kind", "target", "reference"),
    [("proportion", 0.2, BINOMIAL_REFERENCE), ("rate", 0.008, POISSON_REFERENCE)],
)
def test_funnel_limits_match_exact_reference(
    kind: stats.Kind, target: float, reference: dict[int, tuple[float, ...]]
) -> None:
    """Given exact reference limits, then stats.funnel_limits (used by the monitor) agrees."""
    limits = stats.funnel_limits(target, list(reference), kind=kind)
    for row in limits.iter_rows(named=True):
        expected = reference[int(row["size"])]
        got = (row["lo_95"], row["hi_95"], row["lo_998"], row["hi_998"])
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_funnel_limits_approach_normal_for_large_sizes() -> None:
    """For a very large size the exact limits approach target ± z·sqrt(p(1-p)/n)."""
    n = 10_000_000
    limits = stats.funnel_limits(0.3, [n], kind="proportion").row(0, named=True)
    sd = math.sqrt(0.3 * 0.7 / n)
    assert limits["hi_95"] == pytest.approx(0.3 + 1.959964 * sd, abs=2e-6)
    assert limits["lo_998"] == pytest.approx(0.3 - 3.090232 * sd, abs=2e-6)


# z-scores (rate, target 1 per unit, size 100): z = (observed - 100) / 10.
OD_OBSERVED = [100, 105, 95, 110, 90, 120, 80, 130, 70, 150]


def test_overdispersion_hand_computed() -> None:
    """z = 0, .5, -.5, 1, -1, 2, -2, 3, -3, 5; winsorised at the 10%/90% quantiles (linear):
    -2.1 and 3.2; phi = (2.1² + 2² + 1 + .25 + 0 + .25 + 1 + 2² + 3² + 3.2²) / 10 = 3.415."""
    phi = stats.overdispersion(OD_OBSERVED, 1.0, [100] * 10, kind="rate")
    assert phi == pytest.approx(3.415, abs=1e-12)


def _funnel_rows(
    observed: Sequence[float], sizes: Sequence[float], multiplier: float
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "area_code": [f"elz{i + 1}" for i in range(len(observed))],
            "area_name": [f"Zone {i + 1}" for i in range(len(observed))],
            "numerator": [float(o) for o in observed],
            "denominator": [float(s) for s in sizes],
            "value": [o / s * multiplier for o, s in zip(observed, sizes, strict=True)],
            "ci_low": [None] * len(observed),
            "ci_high": [None] * len(observed),
            "suppressed": [False] * len(observed),
            "suppression_reason": [None] * len(observed),
        },
        schema_overrides={"ci_low": pl.Float64, "ci_high": pl.Float64},
    )


def _class_from_limits(row: dict[str, Any]) -> str:
    y = row["value"]
    if y > row["hi_998"]:
        return "hoog_998"
    if y > row["hi_95"]:
        return "hoog_95"
    if y < row["lo_998"]:
        return "laag_998"
    if y < row["lo_95"]:
        return "laag_95"
    return "binnen"


def test_funnel_classes_phi_and_adjustment() -> None:
    """Ten overdispersed areas around a target of 1 per unit. The classes are the
    comparison's labels (`compare_units`, as in the comparisons mart); the limits drawn
    use the same additive model, so every point's class follows from the limits, with
    and without the correction. Changed with issue 15: the funnel used to widen the
    exact limits by sqrt(phi) (multiplicative), which disagreed with the labels."""
    rows = _funnel_rows(OD_OBSERVED, [100] * 10, multiplier=1.0)
    kwargs: dict[str, Any] = {
        "target_numerator": 1000,
        "target_denominator": 1000,
        "kind": "rate",
        "multiplier": 1.0,
    }
    plain = monitor.funnel(rows, adjust_overdispersion=False, **kwargs)
    adjusted = monitor.funnel(rows, adjust_overdispersion=True, **kwargs)
    expected = comparison.compare_units(
        rows,
        unit_col="area_code",
        observed_col="numerator",
        size_col="denominator",
        kind="rate",
        direction="neutraal",
        target=1.0,
        consistent_phi=True,
    )
    assert adjusted.method == plain.method == "additief"
    assert adjusted.phi == pytest.approx(expected["phi"][0])
    assert adjusted.tau2 == pytest.approx(expected["tau2"][0])
    assert plain.target == 1.0
    for result in (plain, adjusted):
        for row in result.points.iter_rows(named=True):
            assert row["funnel_class"] == _class_from_limits(row)
    labels_by_area = dict(zip(expected["area_code"], expected["label"], strict=True))
    for row in adjusted.points.iter_rows(named=True):
        assert (row["funnel_class"] == "binnen") == (labels_by_area[row["area_code"]] == "gelijk")
    plain_classes = dict(zip(plain.points["area_code"], plain.points["funnel_class"], strict=True))
    assert plain_classes["elz10"] == "hoog_998"  # 150 against an expected 100
    assert plain_classes["elz1"] == "binnen"
    n_out = adjusted.points.filter(pl.col("funnel_class") != "binnen").height
    assert n_out < plain.points.filter(pl.col("funnel_class") != "binnen").height
    # the curve is the same model: at size 100 it passes through the points' limits
    at_100 = adjusted.curve.filter(pl.col("size") == 100.0)
    if at_100.height:
        assert at_100["hi_95"][0] == pytest.approx(adjusted.points["hi_95"][0])
    text = monitor_tables.phi_text(adjusted)
    assert "met correctie voor overdispersie" in text
    assert "φ = " in text
    assert "zonder correctie" in monitor_tables.phi_text(plain)


def test_funnel_leaves_out_suppressed_and_names_outliers() -> None:
    rows = _funnel_rows([50, 20, 35, 30], [100, 100, 100, 100], multiplier=100.0)
    rows = rows.with_columns(
        pl.when(pl.col("area_code") == "elz4").then(True).otherwise(False).alias("suppressed"),
        pl.when(pl.col("area_code") == "elz4").then(None).otherwise(pl.col("numerator"))
        .alias("numerator"),
    )  # fmt: skip
    result = monitor.funnel(
        rows, target_numerator=300, target_denominator=1000, kind="proportion", multiplier=100.0
    )
    assert result.n_assessed == 3
    assert result.target == pytest.approx(30.0)
    classes = dict(zip(result.points["area_code"], result.points["funnel_class"], strict=True))
    assert classes["elz4"] == monitor.NOT_ASSESSED
    assert classes["elz1"] in {"hoog_998", "hoog_95"}
    assert result.outliers["area_code"].to_list()[0] == "elz1"
    assert monitor_tables.comparison_text("hoog_998", "hoger_beter").startswith("Beter")
    assert monitor_tables.comparison_text("hoog_998", "lager_beter").startswith("Slechter")
    assert monitor_tables.comparison_text("laag_95", "neutraal").startswith("Lager")
    assert "95%" in monitor_tables.comparison_text("laag_95", "neutraal")
    table = monitor_tables.funnel_table(
        result, unit="%", decimals=1, direction="neutraal", year=2024
    )
    suppressed = table.filter(pl.col("Gebied") == "Zone 4 (elz4)").row(0, named=True)
    assert suppressed["Waarde"] == "onderdrukt"
    assert suppressed["Ten opzichte van Vlaanderen"] == "Niet te beoordelen"


def test_funnel_kind_from_interval_method() -> None:
    assert monitor.indicator_kind({"interval_method": "wilson"}) == "proportion"
    assert monitor.indicator_kind({"interval_method": "poisson"}) == "rate"
    assert monitor.indicator_kind({"interval_method": "none"}) is None


# --- trends and spread --------------------------------------------------------------------


def _row(area: str, year: int, level: str = "zone", code: str = "x", **kw: Any) -> dict[str, Any]:
    return {"indicator_code": code, "level": level, "area_code": area, "year": year, **kw}


def _trend_values() -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for year, values in ((2015, [1.0, 2.0, 3.0]), (2016, [2.0, 4.0, 6.0])):
        for area, v in zip(("elz1", "elz2", "elz3"), values, strict=True):
            rows.append(_row(area, year, numerator=v, denominator=10.0, value=v))
        rows.append(_row("elz7", year, numerator=99.0, denominator=10.0, value=99.0))
        rows.append(
            _row("02000", year, "vlaanderen", numerator=20.0, denominator=10.0, value=2.0,
                 ci_low=1.5, ci_high=2.5)
        )  # fmt: skip
        rows += [
            _row(prov, year, "provincie", value=v) for prov, v in (("10000", 1.5), ("40000", 3.0))
        ]
    rows.append(_row("elz4", 2016, suppressed=True, suppression_reason="primair", value=50.0))
    rows.append(_row("elz1", 2016, code="other", value=1000.0))
    return _values(rows)


def test_spread_by_year_quartiles_leave_out_suppressed_and_brussels() -> None:
    spread = monitor.spread_by_year(_trend_values(), "x", level="zone")
    assert spread["year"].to_list() == [2015, 2016]
    first = spread.row(0, named=True)
    assert (first["min"], first["p25"], first["median"], first["p75"], first["max"]) == (
        1.0, 1.5, 2.0, 2.5, 3.0,
    )  # fmt: skip
    second = spread.row(1, named=True)
    # elz4 is suppressed (its stored 50 never counts), elz7 (Brussels) is not Flemish.
    assert (second["n_areas"], second["n_shown"]) == (4, 3)
    assert (second["min"], second["median"], second["max"]) == (2.0, 4.0, 6.0)
    assert second["p25"] == pytest.approx(float(np.quantile([2.0, 4.0, 6.0], 0.25)))


def test_flanders_trend_and_split() -> None:
    values = _trend_values()
    flanders = monitor.flanders_trend(values, "x")
    assert flanders["year"].to_list() == [2015, 2016]
    assert flanders["ci_low"].to_list() == [1.5, 1.5]
    provinces = monitor.split_trend(values, _areas(), "x", "provincie")
    assert set(provinces["group"]) == {"Provincie Antwerpen", "Provincie Oost-Vlaanderen"}
    zones = monitor.split_trend(values, _areas(), "x", "zone")
    groups = dict(zip(zones["area_code"], zones["group"], strict=False))
    assert groups["elz1"] == "Provincie Antwerpen"
    assert groups["elz3"] == "Provincie Oost-Vlaanderen"
    suppressed = zones.filter(pl.col("area_code") == "elz4").row(0, named=True)
    assert suppressed["value"] is None  # a suppressed cell carries no number
    assert monitor.split_trend(values, _areas(), "x", "geen").height == 0


def test_zone_provinces_from_municipalities() -> None:
    mapping = monitor.zone_provinces(_areas())
    got = dict(zip(mapping["zone_code"], mapping["province_code"], strict=True))
    assert got == {"elz1": "10000", "elz2": "10000", "elz3": "40000"}


def _annotation(day: date, label: str, ident: int = 1) -> Annotation:
    return Annotation(id=ident, day=day, label=label, indicator_code=None, created_at="")


def test_trend_chart_spec_is_valid_with_annotations() -> None:
    values = _trend_values()
    marks = [
        _annotation(date(2016, 3, 1), "Start maatregel"),
        _annotation(date(2017, 1, 1), "B", 2),
    ]
    spec = monitor_charts.trend_chart(
        monitor.flanders_trend(values, "x"),
        monitor.spread_by_year(values, "x"),
        monitor.split_trend(values, _areas(), "x", "zone"),
        marks,
        indicator_name="Iets",
        unit="%",
        split="zone",
    )
    _validate(spec)
    assert spec["usermeta"]["title"] == "Iets"
    assert any("beleidsmarkeringen" in n for n in spec["usermeta"]["notes"])
    rules = [layer for layer in spec["layer"] if layer["mark"].get("type") == "rule"]
    assert [r["date"] for r in rules[0]["data"]["values"]] == ["2016-03-01", "2017-01-01"]
    texts = [layer for layer in spec["layer"] if layer["mark"].get("type") == "text"]
    assert [r["label"] for r in texts[0]["data"]["values"]] == ["Start maatregel", "B"]
    # The time axis stretches to show an annotation after the last data year.
    domain = rules[0]["encoding"]["x"]["scale"]["domain"]
    assert domain[0]["year"] == 2015
    assert domain[1]["year"] == 2018
    flemish = [
        layer
        for layer in spec["layer"]
        if layer["mark"].get("color") == monitor_charts.FLANDERS_COLOUR
    ]
    assert flemish[-1]["data"]["values"][0]["value_text"] == "2,0 %"
    assert flemish[-1]["data"]["values"][0]["interval_text"] == "95%-BI 1,5 – 2,5 %"
    assert spec["config"]["locale"]["number"]["decimal"] == ","


def test_annotation_layers_empty_without_annotations() -> None:
    assert monitor_charts.annotation_layers([], monitor_charts.time_axis([2015])) == []


# --- two-year comparison -----------------------------------------------------------------


def test_mover_reproduces_newcombe_method_10() -> None:
    """Newcombe (1998), Stat Med 17:873, table II: 56/70 - 48/80 = 0.2000, method 10 (score
    intervals combined): 0.0524 to 0.3339."""
    (l1, l2), (h1, h2) = stats.wilson_interval([56, 48], [70, 80])
    values = _values(
        [
            {"indicator_code": "p", "level": "zone", "area_code": "elz1", "year": 2024,
             "value": 56 / 70 * 100, "ci_low": l1 * 100, "ci_high": h1 * 100},
            {"indicator_code": "p", "level": "zone", "area_code": "elz1", "year": 2015,
             "value": 48 / 80 * 100, "ci_low": l2 * 100, "ci_high": h2 * 100},
        ]
    )  # fmt: skip
    out = monitor.compare_years(
        values, _areas(), "p", level="zone", year_from=2015, year_to=2024
    ).filter(pl.col("area_code") == "elz1")
    row = out.row(0, named=True)
    assert row["change"] == pytest.approx(20.0)
    assert row["change_low"] == pytest.approx(5.24, abs=0.005)
    assert row["change_high"] == pytest.approx(33.39, abs=0.005)
    assert row["change_class"] == "gestegen"


def test_compare_years_classes_and_suppression() -> None:
    values = _values(
        [
            {"indicator_code": "p", "level": "zone", "area_code": "elz1", "year": 2015,
             "value": 10.0, "ci_low": 9.0, "ci_high": 11.0},
            {"indicator_code": "p", "level": "zone", "area_code": "elz1", "year": 2024,
             "value": 7.0, "ci_low": 6.0, "ci_high": 8.0},
            {"indicator_code": "p", "level": "zone", "area_code": "elz2", "year": 2015,
             "value": 10.0, "ci_low": 8.0, "ci_high": 12.0},
            {"indicator_code": "p", "level": "zone", "area_code": "elz2", "year": 2024,
             "value": 11.0, "ci_low": 9.0, "ci_high": 13.0},
            {"indicator_code": "p", "level": "zone", "area_code": "elz3", "year": 2024,
             "value": 11.0, "suppressed": True, "suppression_reason": "primair"},
        ]
    )  # fmt: skip
    out = monitor.compare_years(values, _areas(), "p", level="zone", year_from=2015, year_to=2024)
    classes = dict(zip(out["area_code"], out["change_class"], strict=True))
    assert classes == {
        "elz1": "gedaald",
        "elz2": "geen_verschil",
        "elz3": monitor.NOT_ASSESSED,
        "elz7": monitor.NOT_ASSESSED,
    }
    elz1 = out.filter(pl.col("area_code") == "elz1").row(0, named=True)
    assert elz1["change"] == pytest.approx(-3.0)
    assert elz1["change_low"] == pytest.approx(-3.0 - math.sqrt(2))
    assert elz1["change_high"] == pytest.approx(-3.0 + math.sqrt(2))
    table = monitor_tables.compare_table(out, unit="%", decimals=1, year_from=2015, year_to=2024)
    shown = dict(zip(table["Gebied"], table["Verandering"], strict=True))
    assert shown["Zone Een (elz1)"] == "−3,0 procentpunt"
    assert shown["Zone Drie (elz3)"] == ""
    elz3 = table.filter(pl.col("Gebied") == "Zone Drie (elz3)").row(0, named=True)
    assert elz3["Waarde 2024"] == "onderdrukt (< 5)"
    spec = monitor_charts.change_chart(
        out, flemish_change=-1.0, indicator_name="P", unit="%", year_from=2015, year_to=2024
    )
    _validate(spec)
    assert len(spec["layer"][0]["data"]["values"]) == 2


def test_signed_text() -> None:
    assert monitor_tables.signed_text(1.25, "procentpunt", 1) == "+1,2 procentpunt"
    assert monitor_tables.signed_text(-0.04, None, 1) == "0,0"
    assert monitor_tables.signed_text(-2.0, "per 10.000") == "−2,0 per 10.000"
    assert monitor_tables.signed_text(None, "%") == "geen gegevens"


# --- map classes and the prebuilt map -----------------------------------------------------


def test_map_breaks_fixed_over_all_years() -> None:
    values = _trend_values()
    fixed_2015 = monitor.map_breaks(
        values, "x", level="zone", year=2015, choice="vast", n_classes=2
    )
    fixed_2016 = monitor.map_breaks(
        values, "x", level="zone", year=2016, choice="vast", n_classes=2
    )
    assert fixed_2015 == fixed_2016  # the same classes every year
    assert fixed_2015 == maps.class_breaks([1, 2, 3, 99, 2, 4, 6, 99], n=2)
    yearly = monitor.map_breaks(values, "x", level="zone", year=2015, choice="jaar", n_classes=2)
    assert yearly == maps.class_breaks([1, 2, 3, 99], n=2)
    assert "alle jaren samen (2015–2016)" in monitor_tables.breaks_text(
        "vast", fixed_2015, [2015, 2016]
    )
    assert "verschuiven" in monitor_tables.breaks_text("jaar", yearly, [2015, 2016])


def _square(lon: float, lat: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + 0.1234567, lat], [lon + 0.1, lat + 0.1], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_prebuilt_deck_equals_pydeck_json() -> None:
    """Given the same areas and values, the assembled JSON parses to exactly what pydeck
    writes for maps.zone_choropleth (without coordinate rounding)."""
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"area_code": c}, "geometry": _square(x, 51.0)}
            for c, x in (("elz1", 3.0), ("elz2", 4.0), ("elz3", 5.0))
        ],
    }
    values = pl.DataFrame(
        {
            "area_code": ["elz1", "elz2", "elz3"],
            "area_name": ["Een", "Twee", "Drie"],
            "year": [2024] * 3,
            "numerator": [10.0, None, 30.0],
            "denominator": [100.0, 100.0, 100.0],
            "value": [10.0, None, 30.0],
            "ci_low": [8.0, None, 27.0],
            "ci_high": [12.0, None, 33.0],
            "suppressed": [False, True, False],
            "suppression_reason": [None, "primair", None],
        }
    )
    breaks = [10.0, 20.0, 30.0]
    reference = maps.zone_choropleth(
        geojson, values, breaks=breaks, unit="%", year=2024, decimals=1, layer_id="z"
    )
    fast = monitor_charts.choropleth_deck(
        monitor_charts.geometry_index(geojson, decimals=None),
        values,
        breaks=breaks,
        unit="%",
        denominator_label=None,
        year=2024,
        decimals=1,
        layer_id="z",
    )
    assert json.loads(fast.to_json()) == json.loads(reference.to_json())
    assert fast._tooltip == reference._tooltip  # Streamlit reads the tooltip from here
    features = fast.spec["layers"][0]["data"]["features"]
    assert features[1]["properties"]["tt_value"] == "onderdrukt (&lt; 5)"  # HTML, escaped
    rounded = monitor_charts.geometry_index(geojson)
    assert json.loads(rounded["elz1"])["coordinates"][0][1] == [3.12346, 51.0]


# --- tables, heatmap, downloads -----------------------------------------------------------


def test_trend_and_series_tables() -> None:
    values = _trend_values()
    table = monitor_tables.trend_table(
        monitor.flanders_trend(values, "x"), monitor.spread_by_year(values, "x"), unit="%",
        decimals=1,
    )  # fmt: skip
    first = table.row(0, named=True)
    assert first["Jaar"] == "2015"
    assert first["Vlaanderen"] == "2,0 %"
    assert first["Mediaan zones"] == "2,0 %"
    assert first["Zones met waarde"] == "3 van 3"
    series = monitor_tables.series_table(
        monitor.split_trend(values, _areas(), "x", "zone"), unit="%", decimals=1
    )
    hidden = series.filter(pl.col("Gebied").str.contains("elz4")).row(0, named=True)
    assert hidden["Waarde"] == "onderdrukt (< 5)"
    heat = monitor_charts.heatmap_chart(
        monitor.split_trend(values, _areas(), "x", "zone"), indicator_name="X", unit="%"
    )
    _validate(heat)


def test_downloads_are_exactly_the_table() -> None:
    frame = pl.DataFrame({"Gebied": ["Ébène (elz1)"], "Waarde": ["onderdrukt (< 5)"]})
    csv = monitor.csv_bytes(frame)
    assert csv.startswith(b"\xef\xbb\xbf")
    assert pl.read_csv(io.BytesIO(csv[3:])).equals(frame)
    xlsx = monitor.xlsx_bytes(frame, sheet="tabel")
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        shared = book.read("xl/sharedStrings.xml").decode("utf-8")
    assert "Ébène (elz1)" in shared
    assert "onderdrukt (&lt; 5)" in shared
    assert monitor.file_stem("trend", "gp_per_10k", None, 2024) == "trend_gp_per_10k_2024"


def test_worse_and_worsening_filter_uses_comparison_and_trend() -> None:
    """Issue 15: 'slechter dan Vlaanderen en verslechterend' keeps the areas outside the
    limits on the bad side whose recent trend (trends mart) goes the wrong way."""
    points = pl.DataFrame(
        {
            "area_code": ["a", "b", "c", "d"],
            "funnel_class": ["laag_95", "laag_998", "hoog_95", "binnen"],
        }
    )
    trends = pl.DataFrame(
        {
            "area_code": ["a", "b", "c", "d"],
            "direction": ["dalend", "stijgend", "dalend", "dalend"],
            "last_year": [2024, 2024, 2024, 2024],
        }
    )
    joined = monitor.with_trends(points, trends)
    assert monitor.worse_and_worsening(joined, "hoger_beter")["area_code"].to_list() == ["a"]
    assert monitor.worse_and_worsening(joined, "lager_beter")["area_code"].to_list() == []
    assert monitor.worse_and_worsening(joined, "neutraal").height == 0
    assert monitor.with_trends(points, None)["trend_direction"].null_count() == 4
    text = monitor_tables.flanders_trend_text(trends.head(1), "hoger_beter")
    assert "↓ significant dalend (verslechtering), laatste 5 jaren tot 2024" in text


def test_comparison_map_colours_follow_the_funnel_classes() -> None:
    """Issue 15: the monitor's map of the comparison shows the same classes as the funnel
    (the comparisons mart's labels), grey where not assessed or without data."""
    rows = _funnel_rows(OD_OBSERVED, [100] * 10, multiplier=1.0)
    result = monitor.funnel(
        rows,
        target_numerator=1000,
        target_denominator=1000,
        kind="rate",
        multiplier=1.0,
        adjust_overdispersion=False,
    )
    geometry = {f"elz{i + 1}": '{"type":"Point","coordinates":[4,51]}' for i in range(11)}
    deck, legend = monitor_charts.comparison_map(
        geometry,
        result.points,
        direction="hoger_beter",
        unit=None,
        year=2024,
        decimals=1,
        layer_id="t",
    )
    data = json.loads(deck.to_json())
    features = {
        f["properties"]["area_code"]: f["properties"]
        for layer in data["layers"]
        for f in layer["data"]["features"]
    }
    colour = {k: v[1] for k, v in monitor_tables.FUNNEL_CLASSES.items()}
    hoog = colour["hoog_998"].lstrip("#")
    assert features["elz10"]["fill_color"][:3] == [int(hoog[i : i + 2], 16) for i in (0, 2, 4)]
    assert features["elz10"]["tt_interval"].startswith("Beter dan Vlaanderen")
    assert features["elz11"]["tt_value"] == "geen gegevens"
    assert [item.text for item in legend][-1] == "Niet te beoordelen"
