"""The zone profile's pure functions (`popmgmt.views.zone`) and report (`popmgmt.views.report`).

Exact tests on tiny hand-built frames, then the built demo data: the figures of the
profile equal what the raw demo inputs give when computed independently here.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from frames import VALUE_SCHEMA

from popmgmt.app import store
from popmgmt.metrics import peers
from popmgmt.pipeline.codes import ACTIVE_CONTACTS_THRESHOLD, POP_AGE_BANDS, RIZIV_SPEC_GP
from popmgmt.pipeline.marts import INDICATOR_VALUES, MART_COLUMNS
from popmgmt.pipeline.refdata import RefData
from popmgmt.views import (
    compare_flanders,
    downloads,
    labels,
    report,
    zone,
    zone_charts,
    zone_model,
    zone_tables,
)

# --- tiny frames -------------------------------------------------------------------------------


def _value(
    code: str,
    level: str,
    area: str,
    year: int,
    value: float | None,
    ci: tuple[float, float] | None = None,
    *,
    num: float | None = None,
    den: float | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    lo, hi = ci if ci else (None, None)
    return {
        "indicator_code": code,
        "level": level,
        "area_code": area,
        "year": year,
        "numerator": num,
        "denominator": den,
        "value": value,
        "ci_low": lo,
        "ci_high": hi,
        "suppressed": reason is not None,
        "suppression_reason": reason,
    }


def _values(rows: list[dict[str, Any]]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=VALUE_SCHEMA, orient="row")
    assert set(frame.columns) == set(MART_COLUMNS[INDICATOR_VALUES])
    return frame


def _indicator(code: str, name: str, *, unit: str, aim: str, direction: str) -> dict[str, Any]:
    return {
        "indicator_code": code,
        "name_nl": name,
        "description_nl": f"Beschrijving van {name}.",
        "unit": unit,
        "formula_nl": f"formule {code}",
        "source": f"bron {code}",
        "aim_domain": aim,
        "theme": "aanbod",
        "direction": direction,
        "interval_method": "wilson" if unit == "%" else "poisson",
        "denominator_label": "inwoners",
    }


INDICATORS = pl.DataFrame(
    [
        _indicator("gmd", "GMD", unit="%", aim="ervaring", direction="hoger_beter"),
        _indicator("stop", "Patiëntenstop", unit="%", aim="gelijkheid", direction="lager_beter"),
        _indicator("gp", "Huisartsen", unit="per 10.000", aim="gelijkheid", direction="neutraal"),
    ]
)

VALUES = _values(
    [
        # Counts: the comparison with Flanders is computed from them (comparisons mart,
        # `compare_units`; with fewer than 10 zones the exact limits).
        # gmd: zone a higher (better), b overlaps, c suppressed; 2023 older year
        _value("gmd", "zone", "a", 2023, 50.0, (49.0, 51.0)),
        _value("gmd", "zone", "a", 2024, 80.0, (78.0, 82.0), num=800, den=1000),
        _value("gmd", "zone", "b", 2024, 70.0, (60.0, 75.0), num=70, den=100),
        _value("gmd", "zone", "c", 2024, None, reason="primair"),
        _value("gmd", "zone", "d", 2024, 40.0, (39.0, 41.0), num=400, den=1000),
        _value("gmd", "vlaanderen", "02000", 2024, 70.0, (69.9, 70.1), num=70_000, den=100_000),
        _value("gmd", "vlaanderen", "02000", 2023, 68.0, (67.9, 68.1)),
        # stop (lower is better): a above Flanders -> worse
        _value("stop", "zone", "a", 2024, 40.0, (30.0, 50.0), num=40, den=100),
        _value("stop", "zone", "b", 2024, 5.0, (1.0, 9.0), num=5, den=100),
        _value("stop", "vlaanderen", "02000", 2024, 20.0, (19.0, 21.0), num=2000, den=10_000),
        # gp (no direction): a below Flanders -> lower; latest year 2022 only
        _value("gp", "zone", "a", 2022, 6.0, (5.0, 7.0), num=60, den=100_000),
        _value("gp", "zone", "b", 2022, 9.0, (8.5, 9.5), num=90, den=100_000),
        _value("gp", "vlaanderen", "02000", 2022, 8.0, (7.9, 8.1), num=800, den=1_000_000),
        # municipality rows never enter zone snapshots
        _value("gmd", "gemeente", "11001", 2024, 99.0, (98.0, 100.0)),
    ]
)


# --- choice and notes --------------------------------------------------------------------------


def test_resolve_code() -> None:
    """A known code (any case, spaces) resolves; nothing asked gives nothing; an unknown
    code gives a Dutch message naming it, never an exception."""
    known = ["elz13", "elz2"]
    assert zone.resolve_code("elz13", known, what="zone") == zone.Choice("elz13", None)
    assert zone.resolve_code(" ELZ2 ", known, what="zone") == zone.Choice("elz2", None)
    assert zone.resolve_code(None, known, what="zone") == zone.Choice(None, None)
    assert zone.resolve_code("", known, what="zone") == zone.Choice(None, None)
    bad = zone.resolve_code("elz99", known, what="zone")
    assert bad.code is None
    assert bad.message is not None
    assert "'elz99'" in bad.message
    assert "bestaat niet" in bad.message
    link = zone.resolve_code("[klik](http://x.example)<b>", known, what="zone")
    assert link.message is not None
    assert "http://" not in link.message
    assert "<b>" not in link.message
    assert "](" not in link.message
    other = zone.resolve_code("x" * 200, known, what="indicator")
    assert other.message is not None
    assert "indicator" in other.message
    assert len(other.message) < 300


def test_zone_options_sorted_by_name() -> None:
    areas = pl.DataFrame(
        {
            "level": ["zone", "zone", "gemeente", "zone"],
            "area_code": ["elz2", "elz13", "44021", "elz1"],
            "area_name": ["Antwerpen en rand", "Gent", "Gent", "AMALO"],
        }
    )
    assert zone.zone_options(areas) == {
        "elz1": "AMALO (elz1)",
        "elz2": "Antwerpen en rand (elz2)",
        "elz13": "Gent (elz13)",
    }


def test_antwerp_note_only_for_elz2() -> None:
    note = zone_tables.antwerp_note("elz2")
    assert note is not None
    assert "niet te scheiden" in note
    assert "vier" in note
    assert zone_tables.antwerp_note("elz13") is None


def test_comparison_texts() -> None:
    assert zone_tables.comparison_label("beter") == "Beter dan Vlaanderen"
    assert zone_tables.comparison_label("vergelijkbaar") == "Niet verschillend van Vlaanderen"
    assert zone_tables.comparison_label(None) == "Niet te beoordelen"
    assert zone_tables.comparison_mark("hoger") == "▲"
    assert zone_tables.comparison_mark("lager") == "▼"
    assert zone_tables.comparison_mark("vergelijkbaar") == "="
    assert zone_tables.comparison_mark(None) == ""
    assert zone_tables.value_text(None, True, "secundair", "%") == "onderdrukt (afleidbaar)"
    assert zone_tables.value_text(0.0, False, None, "%") == "0,0 %"
    assert zone_tables.value_text(None, False, None, "%") == labels.NO_DATA


# --- population --------------------------------------------------------------------------------


def _pop(
    level: str,
    area: str,
    year: int,
    sex: str,
    band: str,
    n: int | None,
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "level": level,
        "area_code": area,
        "year": year,
        "sex": sex,
        "age_band": band,
        "population": n,
        "suppressed": reason is not None,
        "suppression_reason": reason,
    }


def _population() -> pl.DataFrame:
    rows = [
        _pop("zone", "a", 2023, "T", "totaal", 1000),
        _pop("zone", "a", 2024, "T", "totaal", 1100),
        _pop("vlaanderen", "02000", 2023, "T", "totaal", 10_000),
        _pop("vlaanderen", "02000", 2024, "T", "totaal", 10_500),
        _pop("gemeente", "m1", 2024, "T", "totaal", 600),
        _pop("gemeente", "m2", 2024, "T", "totaal", None, "primair"),
    ]
    for sex in ("M", "V"):
        for band in POP_AGE_BANDS:
            rows.append(_pop("zone", "a", 2024, sex, band, 25))
            rows.append(_pop("vlaanderen", "02000", 2024, sex, band, 250))
    # one suppressed zone cell (its number must not show)
    rows = [
        r
        for r in rows
        if not (r["area_code"] == "a" and r["sex"] == "V" and r["age_band"] == "95+")
    ]
    rows.append(_pop("zone", "a", 2024, "V", "95+", None, "primair"))
    return pl.DataFrame(rows)


AREAS = pl.DataFrame(
    {
        "level": ["vlaanderen", "zone", "gemeente", "gemeente", "gemeente"],
        "area_code": ["02000", "a", "m1", "m2", "x1"],
        "area_name": ["Vlaanderen", "Zone A", "Muni Een", "Muni Twee", "Elders"],
        "zone_code": [None, "a", "a", "a", "b"],
        "area_km2": [1000.0, 20.0, 12.0, 8.0, 5.0],
    }
)


def test_zone_summary_and_trend() -> None:
    pop = _population()
    summary = zone_model.zone_summary(AREAS, pop, "a")
    assert summary["zone_name"] == "Zone A"
    assert summary["population"] == 1100
    assert summary["year"] == 2024
    assert summary["first_year"] == 2023
    assert summary["change_pct"] == pytest.approx(10.0)
    assert summary["density"] == pytest.approx(55.0)
    assert summary["municipalities"] == 2
    with pytest.raises(KeyError):
        zone_model.zone_summary(AREAS, pop, "nope")
    trend = zone_model.population_trend(pop, "a")
    assert trend["year"].to_list() == [2023, 2024]
    assert trend["zone_index"].to_list() == pytest.approx([100.0, 110.0])
    assert trend["flanders_index"].to_list() == pytest.approx([100.0, 105.0])
    table = zone_tables.population_trend_display(trend)
    assert table.row(1) == ("2024", "1.100", "110,0", "10.500", "105,0")


def test_population_pyramid_shares_and_suppression() -> None:
    """Shares of the zone's own total; the suppressed cell has no number, keeps its
    reason, and its display reads "onderdrukt (< 5)", never 0."""
    pyramid = zone_model.population_pyramid(_population(), "a", 2024)
    assert pyramid.height == 2 * len(POP_AGE_BANDS)
    assert pyramid["age_band"].to_list()[: len(POP_AGE_BANDS)] == list(POP_AGE_BANDS)
    first = pyramid.row(0, named=True)
    assert first["share"] == pytest.approx(25 / 1100 * 100)
    assert first["flanders_share"] == pytest.approx(250 / 10_500 * 100)
    hidden = pyramid.filter((pl.col("sex") == "V") & (pl.col("age_band") == "95+")).row(
        0, named=True
    )
    assert hidden["population"] is None
    assert hidden["share"] is None
    assert hidden["suppressed"] is True
    assert hidden["suppression_reason"] == "primair"
    table = zone_tables.pyramid_display(pyramid, 2024)
    shown = table.filter((pl.col("Geslacht") == "Vrouwen") & (pl.col("Leeftijd") == "95+"))
    assert shown["Inwoners zone"][0] == "onderdrukt (< 5)"
    assert shown["Aandeel zone"][0] == ""
    spec = zone_charts.pyramid_spec(pyramid, "Zone A", 2024)
    texts = [r["text"] for r in spec["layer"][2]["data"]["values"]]
    assert texts == ["onderdrukt (< 5)"]
    bars = spec["layer"][0]["data"]["values"]
    assert len(bars) == 2 * len(POP_AGE_BANDS) - 1
    assert all(b["share"] < 0 for b in bars if b["sex"] == "Mannen")


def test_zone_municipalities_and_table() -> None:
    munis = zone_model.zone_municipalities(AREAS, _population(), "a", 2024)
    assert munis["area_code"].to_list() == ["m1", "m2"]
    assert munis["density"][0] == pytest.approx(50.0)
    assert munis["population"][1] is None
    values = _values(
        [
            _value("gmd", "gemeente", "m1", 2024, 75.0, (70.0, 80.0), num=450, den=600),
            _value("gmd", "gemeente", "m2", 2024, None, den=None, reason="secundair"),
        ]
    ).with_columns(pl.lit("x").alias("area_name"))
    table = zone_tables.municipality_display(munis, values, unit="%", indicator_name="GMD")
    assert table.columns[4] == "GMD"
    assert table.row(0)[:6] == (
        "Muni Een (m1)",
        "600",
        "12,0",
        "50",
        "75,0 %",
        "95%-BI 70,0 – 80,0 %",
    )
    second = table.row(1)
    assert second[1] == "onderdrukt (< 5)"
    assert second[4] == "onderdrukt (afleidbaar)"
    assert second[6] == ""  # no numerator shown
    assert "0" not in {second[1], second[4], second[6]}


def test_select_features_bounds_and_view() -> None:
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"area_code": code},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[x, 51.0], [x + 0.1, 51.0], [x + 0.1, 51.1], [x, 51.0]]],
                },
            }
            for code, x in (("m1", 3.0), ("m2", 3.2), ("x1", 5.0))
        ],
    }
    picked = zone_model.select_features(geo, ["m1", "m2"])
    assert [f["properties"]["area_code"] for f in picked["features"]] == ["m1", "m2"]
    assert len(geo["features"]) == 3
    box = zone_model.bounds(picked)
    assert box is not None
    assert box == pytest.approx((3.0, 51.0, 3.3, 51.1))
    assert zone_model.bounds({"features": []}) is None
    view = zone_model.view_for_bounds(box)
    assert view["longitude"] == pytest.approx(3.15)
    assert 51.0 < view["latitude"] < 51.1
    wide = zone_model.view_for_bounds((2.5, 50.7, 5.9, 51.5))
    assert wide["zoom"] < view["zoom"]
    assert 6.5 < wide["zoom"] < 8.5  # all of Flanders


# --- snapshot and spine ------------------------------------------------------------------------


def test_indicator_snapshot() -> None:
    """Each indicator in its latest zone year for every asked area, in catalogue order
    (Quintuple Aim domain first); position from the interval, comparison with the
    direction; a suppressed cell is not assessed."""
    snap = zone_model.indicator_snapshot(VALUES, INDICATORS, ["a", "b", "c"])
    assert list(snap.columns) == list(zone_model.SNAPSHOT_COLUMNS)
    assert snap["indicator_code"].unique(maintain_order=True).to_list() == ["gmd", "gp", "stop"]
    rows = {(r["indicator_code"], r["area_code"]): r for r in snap.iter_rows(named=True)}
    a = rows[("gmd", "a")]
    assert (a["year"], a["value"], a["flanders_value"]) == (2024, 80.0, 70.0)
    assert (a["position"], a["comparison"]) == ("hoger", "beter")
    assert (rows[("gmd", "b")]["position"], rows[("gmd", "b")]["comparison"]) == (
        "vergelijkbaar",
        "vergelijkbaar",
    )
    c = rows[("gmd", "c")]
    assert c["suppressed"] is True
    assert c["value"] is None
    assert c["comparison"] is None
    assert (rows[("stop", "a")]["position"], rows[("stop", "a")]["comparison"]) == (
        "hoger",
        "slechter",
    )
    assert (rows[("stop", "b")]["comparison"]) == "beter"
    assert (rows[("gp", "a")]["year"], rows[("gp", "a")]["comparison"]) == (2022, "lager")
    missing = rows[("stop", "c")]
    assert missing["value"] is None
    assert missing["suppressed"] is False
    only = zone_model.indicator_snapshot(VALUES, INDICATORS, ["a"], indicator_codes=["stop", "gmd"])
    assert only["indicator_code"].to_list() == ["stop", "gmd"]


def test_zone_ranges_exact() -> None:
    ranges = zone_model.zone_ranges(VALUES)
    gmd = ranges.filter(pl.col("indicator_code") == "gmd").row(0, named=True)
    # zones a, b, d in 2024 (c suppressed; the municipality row does not count)
    assert gmd["year"] == 2024
    assert gmd["n_areas"] == 3
    assert (gmd["range_min"], gmd["range_median"], gmd["range_max"]) == (40.0, 70.0, 80.0)
    assert gmd["range_p25"] == pytest.approx(55.0)
    assert gmd["range_p75"] == pytest.approx(75.0)


def test_spine_frame_positions_and_table() -> None:
    """Flanders in the middle (0.5); the zone furthest from Flanders at 0 or 1."""
    ranges = zone_model.zone_ranges(VALUES)
    snap = zone_model.indicator_snapshot(VALUES, INDICATORS, ["a"])
    spine = zone_model.spine_frame(snap, ranges)
    gmd = spine.filter(pl.col("indicator_code") == "gmd").row(0, named=True)
    # Flanders 70; min 40 (30 below), max 80 (10 above): half-width 30
    assert gmd["pos_min"] == pytest.approx(0.0)
    assert gmd["pos_max"] == pytest.approx(0.5 + 10 / 60)
    assert gmd["pos_value"] == pytest.approx(0.5 + 10 / 60)
    assert gmd["pos_p25"] == pytest.approx(0.5 - 15 / 60)
    table = zone_tables.spine_display(spine)
    row = table.filter(pl.col("Indicator") == "GMD").row(0, named=True)
    assert row["Zone"] == "80,0 %"
    assert row["95%-betrouwbaarheidsinterval"] == "95%-BI 78,0 – 82,0 %"
    assert row["Teller"] == "800"
    assert row["Noemer"] == "1.000"
    assert row["Vlaanderen"] == "70,0 %"
    assert row["Laagste – hoogste zone"] == "40,0 % – 80,0 %"
    # 80 % of 1,000 against 70 %: outside the 99.8% limits too (the comparisons mart's
    # label beter_998; the old interval-contains rule had no 99.8% level).
    assert row["Vergelijking met Vlaanderen"] == "▲ Beter dan Vlaanderen (99,8%)"
    assert row["Methode van de vergelijking"].startswith("exacte grenzen")
    assert row["Domein (Quintuple Aim)"] == "Ervaring van zorg"
    assert row["Interval"].startswith("Wilson")
    assert zone_model.domains_present(spine) == ["ervaring", "gelijkheid"]
    definitions = zone_tables.definitions_markdown(spine, INDICATORS)
    for part in ("formule gmd", "bron stop", "jaar 2022", "Beschrijving van GMD."):
        assert part in definitions


def test_spine_spec_suppressed_has_text_not_dot() -> None:
    ranges = zone_model.zone_ranges(VALUES)
    spine = zone_model.spine_frame(zone_model.indicator_snapshot(VALUES, INDICATORS, ["c"]), ranges)
    spec = zone_charts.spine_spec(spine, "Titel")
    assert spec["title"]["text"] == "Titel"
    assert "data" not in spec  # inline data per layer
    records = spec["layer"][0]["data"]["values"]
    gmd = next(r for r in records if r["code"] == "gmd")
    assert gmd["shown"] is False
    assert gmd["value_text"] == "onderdrukt (< 5)"
    assert gmd["comparison_text"] == "Niet te beoordelen"
    assert spec["layer"][3]["transform"] == [{"filter": "datum.shown"}]
    assert spec["layer"][4]["encoding"]["text"]["field"] == "value_text"
    json.dumps(spec)  # plain JSON


def test_side_by_side_marks() -> None:
    snap = zone_model.indicator_snapshot(VALUES, INDICATORS, ["a", "b", "c"])
    table = zone_tables.side_by_side(
        snap, zone_order=["a", "c", "b"], zone_names={"a": "A", "b": "B", "c": "C"}
    )
    assert table.columns == ["Indicator", "Jaar", "A (a)", "C (c)", "B (b)", "Vlaanderen"]
    gmd = table.row(0)
    assert gmd == ("GMD", "2024", "80,0 % ▲", "onderdrukt (< 5)", "70,0 % =", "70,0 %")
    stop = table.filter(pl.col("Indicator") == "Patiëntenstop").row(0)
    assert stop[3] == labels.NO_DATA


# --- practices, trends, downloads --------------------------------------------------------------


def test_practice_profile_counts() -> None:
    """Counts by form (newest survey year, non-respondents apart), payment system (newest
    year) and patient stop; zone vs Flanders (Brussels left out)."""
    rows = [
        # (zone, year, form, payment, stop)
        ("a", 2024, "solo", "prestatie", "ja"),
        ("a", 2024, "groep", "forfait", "nee"),
        ("a", 2024, None, "prestatie", None),
        ("b", 2024, "solo", "prestatie", "nee"),
        ("a", 2023, None, "prestatie", None),
        ("elz7", 2024, "solo", "prestatie", "nee"),
    ]
    practices = pl.DataFrame(
        rows,
        schema=["zone_code", "year", "practice_form", "payment_system", "patient_stop"],
        orient="row",
    )
    profile = zone_model.practice_profile(practices, "a")
    got = {
        (r["dimension"], r["category"]): (r["zone_practices"], r["flanders_practices"])
        for r in profile.iter_rows(named=True)
    }
    assert got[("practice_form", "solo")] == (1, 2)
    assert got[("practice_form", "groep")] == (1, 1)
    assert got[("practice_form", "wgc")] == (0, 0)
    assert got[("practice_form", zone_model.NO_ANSWER)] == (1, 1)
    assert got[("payment_system", "forfait")] == (1, 1)
    assert got[("payment_system", "prestatie")] == (2, 3)
    assert ("payment_system", zone_model.NO_ANSWER) not in got
    assert got[("patient_stop", "ja")] == (1, 1)
    form_share = profile.filter(
        (pl.col("dimension") == "practice_form") & (pl.col("category") == "solo")
    )["zone_share"][0]
    assert form_share == pytest.approx(100 / 3)
    table = zone_tables.practice_display(profile)
    assert "geen antwoord op de bevraging" in table["Categorie"].to_list()
    assert "Solopraktijk" in table["Categorie"].to_list()


def test_practice_counts_display() -> None:
    counts = pl.DataFrame(
        {
            "refnis": ["m1", "m1", "m1", "m2", "m2", "m2"],
            "municipality": ["Een", "Een", "Een", "Twee", "Twee", "Twee"],
            "zone_code": ["a"] * 6,
            "year": [2024] * 6,
            "dimension": ["totaal", "practice_form", "practice_form"] * 2,
            "category": ["alle", "solo", "onbekend"] * 2,
            "practices": [3, 2, 1, 0, 0, 0],
        }
    )
    table = zone_tables.practice_counts_display(counts)
    assert table.columns == [
        "Gemeente",
        "Jaar",
        "Praktijken",
        "Praktijkvorm: Solopraktijk",
        f"Praktijkvorm: {zone_tables.NO_ANSWER_TEXT}",
    ]
    assert table.row(0) == ("Een (m1)", "2024", "3", "2", "1")
    assert table.row(1) == ("Twee (m2)", "2024", "0", "0", "0")


def test_trend_series_and_table() -> None:
    values = _values(
        [
            _value("gmd", "zone", "a", 2023, 50.0, (49.0, 51.0), den=100),
            _value("gmd", "zone", "a", 2024, None, reason="primair"),
            _value("gmd", "zone", "b", 2024, 60.0, (59.0, 61.0)),
            _value("gmd", "zone", "x", 2024, 99.0, (98.0, 100.0)),
            _value("gmd", "vlaanderen", "02000", 2023, 55.0, (54.0, 56.0)),
            _value("gmd", "vlaanderen", "02000", 2024, 56.0, (55.0, 57.0)),
            _value("stop", "zone", "a", 2024, 1.0, (0.0, 2.0)),
        ]
    )
    series = zone_model.trend_series(values, "gmd", "a", ["b"], {"a": "A", "b": "B"})
    assert list(series.columns) == list(zone_model.TREND_COLUMNS)
    assert series["role"].to_list() == ["zone", "zone", "vlaanderen", "vlaanderen", "vergelijkbaar"]
    assert series["area_name"].to_list() == ["A", "A", "Vlaanderen", "Vlaanderen", "B"]
    table = zone_tables.trend_display(series, unit="%")
    assert table.columns == [
        "Jaar",
        "A (a)",
        "95%-betrouwbaarheidsinterval",
        "Noemer",
        "Vlaanderen",
        "B (b)",
    ]
    assert table.row(0) == (
        "2023",
        "50,0 %",
        "95%-BI 49,0 – 51,0 %",
        "100",
        "55,0 %",
        labels.NO_DATA,
    )
    assert table.row(1) == ("2024", "onderdrukt (< 5)", "", "", "56,0 %", "60,0 %")
    spec = zone_charts.trend_spec(series, unit="%", indicator_name="GMD")
    assert zone_tables.BOUNDARY_NOTE in " ".join(spec["title"]["subtitle"])
    records = spec["layer"][0]["data"]["values"]
    hidden = [r for r in records if r["role"] == "zone" and r["year"] == 2024]
    assert hidden[0]["value"] is None
    assert hidden[0]["value_text"] == "onderdrukt (< 5)"
    json.dumps(spec)


def test_interval_spec_leaves_out_suppressed() -> None:
    values = _values(
        [
            _value("gmd", "zone", "a", 2024, 80.0, (78.0, 82.0)),
            _value("gmd", "zone", "c", 2024, None, reason="primair"),
        ]
    ).with_columns(pl.Series("area_name", ["A", "C"]))
    spec = zone_charts.interval_spec(
        values,
        flanders_value=70.0,
        unit="%",
        indicator_name="GMD",
        highlight="a",
        roles={"a": "deze zone", "c": "buurzone"},
    )
    records = spec["layer"][0]["data"]["values"]
    assert [r["area"] for r in records] == ["A (a)"]
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "C (c): onderdrukt (< 5)" in subtitle
    assert "Vlaanderen (70,0 %)" in subtitle
    assert labels.NOT_A_RANKING in subtitle


def test_csv_and_xlsx_keep_suppressed_text() -> None:
    table = pl.DataFrame(
        {"Gemeente": ["Één (1)", "Twee (2)"], "Waarde": ["5,0 %", "onderdrukt (< 5)"]}
    )
    data = zone.csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["Gemeente,Waarde", 'Één (1),"5,0 %"', "Twee (2),onderdrukt (< 5)"]
    xlsx = zone.xlsx_bytes(table, sheet="gemeenten/2024", notes=["Bron: demo", labels.DEMO_BADGE])
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        names = book.namelist()
        assert "xl/worksheets/sheet1.xml" in names
        workbook = book.read("xl/workbook.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert 'name="gemeenten2024"' in workbook
    for expected in ("Één (1)", "onderdrukt (&lt; 5)", "Bron: demo", labels.DEMO_BADGE):
        assert expected in strings
    assert zone.file_stem("elz13", "Naast buurzones") == "zoneprofiel_elz13_naast_buurzones"


def test_population_index_spec() -> None:
    trend = zone_model.population_trend(_population(), "a")
    spec = zone_charts.population_index_spec(trend, "Zone A")
    records = spec["layer"][0]["data"]["values"]
    assert {r["series"] for r in records} == {"Zone A", "Vlaanderen"}
    assert zone_tables.BOUNDARY_NOTE in spec["title"]["subtitle"][0]


# --- report ------------------------------------------------------------------------------------


def test_report_html() -> None:
    """The report holds the tables as given, escaped, with vintage, boundaries,
    attribution, notes and the demo label; no scripts or outside resources."""
    table = pl.DataFrame({"Indicator": ["<b>GMD</b>"], "Zone": ["onderdrukt (< 5)"]})
    html = report.zone_report_html(
        zone_code="elz2",
        zone_name="Antwerpen en rand",
        sections=[
            report.ReportSection("Indicatoren", table, intro="**Methode** uitleg"),
            report.ReportSection("Leeg", pl.DataFrame({"A": []}, schema={"A": pl.String})),
        ],
        demo=True,
        vintage="IMA (2015–2024)",
        attribution="Bron: Statbel.",
        boundary_version="2025",
        built_at="vandaag",
        notes=[labels.ANTWERP_NOTE],
    )
    assert html.startswith("<!DOCTYPE html>")
    assert "Zoneprofiel Antwerpen en rand (elz2)" in html
    assert "&lt;b&gt;GMD&lt;/b&gt;" in html
    assert "onderdrukt (&lt; 5)" in html
    assert "Methode uitleg" in html
    assert "**" not in html
    assert html.count(labels.DEMO_BADGE) >= 2
    assert "IMA (2015–2024)" in html
    assert "Grenzen 2025" in html
    assert "Bronvermelding: Bron: Statbel." in html
    assert "niet te scheiden" in html
    assert "<script" not in html
    assert "http" not in html
    assert report.report_file_name("elz2") == "zoneprofiel_elz2.html"
    plain = report.zone_report_html(
        zone_code="z",
        zone_name="Z",
        sections=[],
        demo=False,
        vintage="v",
        attribution="a",
        boundary_version="2025",
        built_at="b",
    )
    assert labels.DEMO_BADGE not in plain


# --- built demo data ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared(marts: store.Marts) -> dict[str, pl.DataFrame]:
    return {
        "ranges": zone_model.zone_ranges(marts.values),
        "features": peers.zone_features(marts.areas, marts.population, marts.values),
        "adjacency": peers.zone_adjacency(store.load_geojson(marts, "zone")),
    }


def _profile(marts: store.Marts, shared: dict[str, pl.DataFrame], code: str) -> zone.ZoneProfile:
    return zone.build_profile(
        code,
        values=marts.values,
        indicators=marts.indicators,
        areas=marts.areas,
        population=marts.population,
        practices=marts.practices,
        ranges=shared["ranges"],
        features=shared["features"],
        adjacency=shared["adjacency"],
    )


def _zones(marts: store.Marts) -> list[str]:
    return sorted(marts.areas.filter(pl.col("level") == "zone")["area_code"].to_list())


def test_build_profile_on_built_data(marts: store.Marts, shared: dict[str, pl.DataFrame]) -> None:
    for code in _zones(marts)[:2]:
        profile = _profile(marts, shared, code)
        assert profile.zone_code == code
        assert profile.municipalities.height == profile.summary["municipalities"] >= 1
        assert profile.spine.height == profile.tables["indicatoren"].height > 0
        assert code not in profile.peer_codes
        assert profile.compare_codes[0] == code
        assert len(set(profile.compare_codes)) == len(profile.compare_codes)
        assert profile.gp_poor["area_code"][0] == code
        assert profile.tables["huisartsarm"]["Gebied"][0].startswith("zone ")
        assert set(profile.tables) >= {"inwoners", "piramide", "capaciteit", "praktijken"}
        for name, table in profile.tables.items():
            assert all(dtype == pl.String for dtype in table.dtypes), name
        sections = zone.report_sections(
            profile,
            municipality_table=pl.DataFrame({"Gemeente": ["x"]}),
            trend_table=pl.DataFrame({"Jaar": ["2024"]}),
            indicator_name="GMD",
        )
        assert len(sections) == 11
        html = report.zone_report_html(
            zone_code=code,
            zone_name=profile.zone_name,
            sections=sections,
            demo=store.is_demo(marts),
            vintage=store.vintage_text(marts),
            attribution=store.attribution_text(marts),
            boundary_version=store.boundary_version(marts),
            built_at=store.built_at_text(marts),
        )
        # the report prints the page's own figures
        for row in profile.tables["indicatoren"].head(5).iter_rows(named=True):
            assert f"<td>{row['Zone'].replace('<', '&lt;')}</td>" in html
        assert store.vintage_text(marts) in html
        assert zone_tables.BOUNDARY_NOTE in html
    with pytest.raises(KeyError):
        _profile(marts, shared, "elz999")


def test_suppressed_zone_cells_show_as_suppressed(
    marts: store.Marts, shared: dict[str, pl.DataFrame]
) -> None:
    """A zone-level cell that the build suppressed shows as "onderdrukt (...)" in the
    indicator table and is not assessed; never a 0."""
    latest = zone_model.latest_years(marts.values)
    hidden = (
        marts.values.filter((pl.col("level") == "zone") & pl.col("suppressed"))
        .join(latest, on=["indicator_code", "year"], how="semi")
        .sort("indicator_code", "area_code")
    )
    if hidden.height == 0:
        pytest.skip("no suppressed zone cell in the latest year of this build")
    cell = hidden.row(0, named=True)
    profile = _profile(marts, shared, cell["area_code"])
    row = profile.spine.filter(pl.col("indicator_code") == cell["indicator_code"]).row(
        0, named=True
    )
    assert row["value"] is None
    assert row["comparison"] is None
    name = row["name_nl"]
    shown = profile.tables["indicatoren"].filter(pl.col("Indicator") == name).row(0, named=True)
    assert shown["Zone"] == labels.suppressed_text(cell["suppression_reason"])
    assert shown["Zone"].startswith("onderdrukt (")
    assert shown["Teller"] == ""
    assert shown["Vergelijking met Vlaanderen"] == "Niet te beoordelen"


# --- independent computation from the raw demo inputs -------------------------------------------


def _read(raw: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(raw / name, infer_schema=False)


def _zone_of(refdata: RefData) -> pl.DataFrame:
    """Delivered REFNIS code (2019-2024 or 2025) -> zone of its 2025 municipality."""
    return refdata.code_map.join(
        refdata.municipalities.select("nis_code_2025", pl.col("elz_code_pinc").alias("zone")),
        on="nis_code_2025",
    ).select(pl.col("refnis").alias("REFNIS"), "zone")


def _raw_population(raw: Path, refdata: RefData, year: int) -> pl.DataFrame:
    pop = _read(raw, "bevolking.csv").with_columns(
        pl.col("YEAR", "AGE", "POPULATION").cast(pl.Int64)
    )
    return (
        pop.filter(pl.col("YEAR") == year)
        .join(_zone_of(refdata), on="REFNIS")
        .group_by("zone")
        .agg(
            pl.col("POPULATION").sum().alias("pop"),
            pl.col("POPULATION").filter(pl.col("AGE") >= 65).sum().alias("pop65"),
        )
    )


def _raw_atlas(raw: Path, refdata: RefData, code: str, year: int) -> pl.DataFrame:
    atlas = _read(raw, "atlas_waarden.csv").with_columns(
        pl.col("YEAR", "NUMERATOR", "DENOMINATOR").cast(pl.Int64)
    )
    return (
        atlas.filter((pl.col("INDICATOR_CODE") == code) & (pl.col("YEAR") == year))
        .join(_zone_of(refdata), on="REFNIS")
        .group_by("zone")
        .agg(pl.col("NUMERATOR").sum().alias("num"), pl.col("DENOMINATOR").sum().alias("den"))
    )


def _raw_active_gps(raw: Path, refdata: RefData, year: int) -> pl.DataFrame:
    """Active GPs (not in training) by the zone of their practice, IMA's rule: 1,250
    contacts in regular hours, or enrolled patients in a flat-rate practice."""
    ima = _read(raw, "ima_patienteel_huisartsen.csv").filter(pl.col("YEAR") == str(year))
    regular = pl.sum_horizontal(
        pl.col(c).cast(pl.Int64, strict=False).fill_null(0)
        for c in ("RAADPL", "BEZOEKIND", "INSTEL")
    )
    flat = pl.col("FF_MH") == "1"
    active = (
        pl.when(flat)
        .then(pl.col("PAT_GMD").cast(pl.Int64) > 0)
        .otherwise(regular >= ACTIVE_CONTACTS_THRESHOLD)
    )
    register = _read(raw, "praktijkregister.csv").select("RIZIV_HCI", "REFNIS")
    return (
        ima.filter(pl.col("RIZIV_SPEC").is_in(list(RIZIV_SPEC_GP)) & active)
        .join(register, on="RIZIV_HCI")
        .join(_zone_of(refdata), on="REFNIS")
        .group_by("zone")
        .agg(pl.len().alias("gps"))
    )


def test_figures_equal_raw_demo_inputs(
    marts: store.Marts, shared: dict[str, pl.DataFrame], demo_raw: Path, refdata: RefData
) -> None:
    """Given the raw demo files, when inhabitants, the share of 65+, GMD coverage and
    GPs per 10,000 are computed here from them for two zones, then the zone profile
    (summary, spine and its displayed table) shows exactly those figures."""
    zones = _zones(marts)[:2]
    year = int(marts.population["year"].max())  # type: ignore[arg-type]
    pop = {r["zone"]: r for r in _raw_population(demo_raw, refdata, year).iter_rows(named=True)}
    gmd_year = int(
        zone_model.latest_years(marts.values).filter(pl.col("indicator_code") == "ima_gmd")["year"][
            0
        ]
    )
    gmd = {
        r["zone"]: r
        for r in _raw_atlas(demo_raw, refdata, "ima_gmd", gmd_year).iter_rows(named=True)
    }
    gp_year = int(
        zone_model.latest_years(marts.values).filter(pl.col("indicator_code") == "gp_per_10k")[
            "year"
        ][0]
    )
    gps = {
        r["zone"]: r["gps"]
        for r in _raw_active_gps(demo_raw, refdata, gp_year).iter_rows(named=True)
    }
    gp_pop = {
        r["zone"]: r["pop"]
        for r in _raw_population(demo_raw, refdata, gp_year).iter_rows(named=True)
    }
    for code in zones:
        profile = _profile(marts, shared, code)
        spine = {r["indicator_code"]: r for r in profile.spine.iter_rows(named=True)}
        table = {r["Indicator"]: r for r in profile.tables["indicatoren"].iter_rows(named=True)}

        # 1. inhabitants
        assert profile.summary["year"] == year
        assert profile.summary["population"] == pop[code]["pop"]
        assert profile.tables["inwoners"]["Inwoners zone"][-1] == labels.fmt_number(
            pop[code]["pop"]
        )

        # 2. share of inhabitants aged 65+
        p65 = spine["pop_65plus"]
        assert p65["year"] == year
        assert p65["numerator"] == pop[code]["pop65"]
        assert p65["denominator"] == pop[code]["pop"]
        expected = pop[code]["pop65"] / pop[code]["pop"] * 100
        assert p65["value"] == pytest.approx(expected, rel=1e-12)
        assert table[p65["name_nl"]]["Zone"] == labels.fmt_value(expected, "%")

        # 3. GMD coverage (IMA Atlas, summed over age and sex)
        g = spine["ima_gmd"]
        assert (g["numerator"], g["denominator"]) == (gmd[code]["num"], gmd[code]["den"])
        expected = gmd[code]["num"] / gmd[code]["den"] * 100
        assert g["value"] == pytest.approx(expected, rel=1e-12)
        assert g["ci_low"] < g["value"] < g["ci_high"]
        assert table[g["name_nl"]]["Zone"] == labels.fmt_value(expected, "%")

        # 4. active GPs per 10,000 inhabitants (by place of the practice)
        gp = spine["gp_per_10k"]
        assert gp["numerator"] == gps.get(code, 0)
        assert gp["denominator"] == gp_pop[code]
        expected = gps.get(code, 0) / gp_pop[code] * 10_000
        assert gp["value"] == pytest.approx(expected, rel=1e-12)
        assert table[gp["name_nl"]]["Zone"] == labels.fmt_value(expected, "per 10.000")


def test_trend_texts_from_the_trends_mart() -> None:
    """Issue 15: an arrow with its meaning, by the indicator's direction."""
    assert compare_flanders.trend_text("stijgend", "hoger_beter", last_year=2024) == (
        "↑ significant stijgend (verbetering), laatste 5 jaren tot 2024"
    )
    assert compare_flanders.trend_text("stijgend", "lager_beter").endswith("(verslechtering)")
    assert compare_flanders.trend_text("dalend", "neutraal") == "↓ significant dalend"
    assert compare_flanders.trend_text("geen_significante_verandering", "hoger_beter").startswith(
        "→ geen significante"
    )
    assert compare_flanders.trend_text(None) == ""
    spine = pl.DataFrame(
        {
            "indicator_code": ["gmd"],
            "area_code": ["a"],
            "direction": ["hoger_beter"],
        }
    )
    trends = pl.DataFrame(
        {
            "indicator_code": ["gmd"],
            "level": ["zone"],
            "area_code": ["a"],
            "direction": ["dalend"],
            "p_value": [0.01],
            "n_points": [5],
            "method": ["chi2_trend"],
            "slope": [-0.01],
            "last_year": [2024],
        }
    )
    joined = compare_flanders.attach_trends(spine, trends, level="zone")
    sentence = zone_tables.trend_sentence(joined, "gmd", "GMD")
    assert "↓ significant dalend (verslechtering)" in sentence


def test_the_method_text_says_when_overdispersion_could_not_be_estimated() -> None:
    """Five provinces are too few to measure their ordinary spread: the phrase beside the
    comparison says so and what it means, instead of "no overdispersion shown"."""
    few = compare_flanders.method_text("exact", None)
    assert "te weinig gebieden" in few
    assert "bijna elk verschil significant" in few
    assert "geen overdispersie aangetoond" not in few
    measured = compare_flanders.method_text("exact", 1.2)
    assert measured == "exacte grenzen (Wilson / Poisson), geen overdispersie aangetoond (φ = 1,2)"


def test_indicator_table_and_its_downloads_carry_the_standardised_values(
    marts: store.Marts, shared: dict[str, pl.DataFrame]
) -> None:
    """Given the standardised mart, the zone's indicator table (shown and downloaded)
    has the DSR, its interval and the ISR beside the crude value, from the mart; '–'
    for an indicator without them (a derived one). The analysts' CSV and the Excel CSV
    carry the same columns and texts."""
    code = _zones(marts)[0]
    profile = zone.build_profile(
        code,
        values=marts.values,
        indicators=marts.indicators,
        areas=marts.areas,
        population=marts.population,
        practices=marts.practices,
        ranges=shared["ranges"],
        features=shared["features"],
        adjacency=shared["adjacency"],
        standardised=marts.standardised,
    )
    table = profile.tables["indicatoren"]
    columns = table.columns
    assert columns[3:8] == [
        "Zone",
        "95%-betrouwbaarheidsinterval",
        *zone_tables.STANDARDISED_COLUMNS,
    ]
    spine = profile.spine.filter(pl.col("indicator_code") == "ima_chron").row(0, named=True)
    std = marts.standardised.filter(
        (pl.col("indicator_code") == "ima_chron")
        & (pl.col("area_code") == code)
        & (pl.col("year") == spine["year"])
    ).row(0, named=True)
    row = table.filter(pl.col("Indicator") == spine["name_nl"]).row(0, named=True)
    assert row["Leeftijdsgestandaardiseerd (ESP2013)"] == labels.fmt_value(std["dsr"], "%")
    assert row["Indirect gestandaardiseerde ratio"] == labels.fmt_number(std["isr"], 2)
    assert row["95%-BI (gestandaardiseerd)"].startswith("95%-BI ")
    derived = profile.spine.filter(pl.col("dsr").is_null())
    assert derived.height > 0
    name = derived["name_nl"][0]
    assert table.filter(pl.col("Indicator") == name)["Indirect gestandaardiseerde ratio"][0] == "–"
    # the downloads: the same columns in both CSVs, the DSR a number for Excel
    analysts = pl.read_csv(io.BytesIO(downloads.csv_bytes(table)), infer_schema=False)
    assert analysts.columns == columns
    excel = pl.read_csv(
        io.BytesIO(downloads.excel_csv_bytes(table)), separator=";", infer_schema=False
    )
    assert excel.columns == columns
    cell = excel.filter(pl.col("Indicator") == spine["name_nl"])[
        "Leeftijdsgestandaardiseerd (ESP2013)"
    ][0]
    assert cell == labels.fmt_value(std["dsr"], "%")
    # without the mart, the table is as before
    plain = _profile(marts, shared, code).tables["indicatoren"]
    assert not set(zone_tables.STANDARDISED_COLUMNS) & set(plain.columns)
