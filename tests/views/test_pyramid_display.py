"""The risk pyramid shown (popmgmt.views.pyramid_display): links, tables, chart."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest
from frames import pyramid_inputs

from popmgmt.metrics import pyramid
from popmgmt.views import pyramid_display


def test_params_are_checked_and_travel_through_the_url() -> None:
    with pytest.raises(ValueError, match="tussen 0 en 1"):
        pyramid.risk_pyramid(pyramid_inputs(), pyramid.PyramidParams(f_poly=1.5))
    params = replace(pyramid.PyramidParams(), f_poly=0.2, f_alone=0.0)
    text = pyramid_display.params_to_query(params)
    assert "f_poly:0.2" in text
    assert pyramid_display.params_from_query(text) == (params, [])
    parsed, problems = pyramid_display.params_from_query("f_poly:2,f_nieuw:1,f_vt:0.05")
    assert parsed == replace(pyramid.PyramidParams(), f_vt=0.05)
    assert len(problems) == 2
    assert pyramid_display.params_from_query(None) == (pyramid.PyramidParams(), [])
    assert {spec.name for spec in pyramid.PARAM_SPECS} == set(pyramid.PyramidParams.__annotations__)
    for spec in pyramid.PARAM_SPECS:
        default = getattr(pyramid.PyramidParams(), spec.name)
        assert 0.0 <= spec.low <= default <= spec.high <= 1.0


def test_display_table_and_chart_records() -> None:
    zone = pyramid.pyramid_with_range(pyramid_inputs())
    flanders = pyramid.pyramid_with_range(pyramid_inputs(chronisch=100.0))
    table = pyramid_display.pyramid_display_table(zone, flanders, year=2024)
    assert table["Niveau"].to_list() == [pyramid_display.TIER_LABELS[t] for t in pyramid.TIERS]
    assert table["Inwoners (schatting)"].to_list() == ["20", "210", "770"]
    assert table["Noemer"].to_list() == ["1.000 inwoners"] * 3
    records = pyramid_display.pyramid_records(zone, flanders)
    assert {r["area"] for r in records} == {"Zone", "Vlaanderen"}
    spec = pyramid_display.pyramid_chart(records, title="t")
    assert len(spec["vconcat"]) == 2
    assert all("data" in layer for panel in spec["vconcat"] for layer in panel["layer"])


def test_inputs_table_shows_rates_and_persons() -> None:
    table = pyramid_display.inputs_display_table(pyramid_inputs(), year=2024)
    assert table.height == len(pyramid.INPUTS)
    poly = table.filter(pl.col("Indicator") == "ima_polyph75").row(0, named=True)
    assert poly["Toegepast op"] == "100 inwoners van 75+"
    assert poly["Aandeel"] == "50,0 %"
    assert poly["Personen (schatting)"] == "50"
