"""Funnel plots drawn (popmgmt.views.funnel_charts): Dutch text and the altair chart."""

from __future__ import annotations

import json

import polars as pl
from frames import funnel_data, funnel_datasets, funnel_spec, funnel_spread_units, funnel_units

from popmgmt.views import funnel_charts


# --------------------------------------------------------------------------- suppression
def test_counts_one_to_four_and_nulls_are_left_out() -> None:
    """Observed counts of 1-4 and suppressed (null) counts never reach the plot; 0 does."""
    units = funnel_units([0.0, 3.0, None, 12.0, 40.0], [100.0, 100.0, 100.0, 100.0, None])
    result = funnel_data(units, target=0.1)
    assert result.points["label"].to_list() == ["U0", "U3"]
    assert result.n_suppressed == 2
    assert result.n_no_size == 1
    assert result.n_units == 5
    assert funnel_charts.left_out_text(result, unit_word="praktijken") == (
        "Niet getoond: 2 onderdrukt (< 5 of afleidbaar) en 1 zonder noemer praktijken."
    )


def test_no_overdispersion_estimate_for_few_units() -> None:
    result = funnel_data(funnel_units([10.0, 30.0, 20.0], [100.0, 100.0, 100.0]), target=0.1)
    assert result.phi is None
    assert result.phi_used == 1.0
    assert "te weinig eenheden" in funnel_charts.method_text(result, reference_label="de kring")


def test_chart_names_the_method_and_reference() -> None:
    units = funnel_spread_units()
    result = funnel_data(units, target=0.09, multiplier=100.0)
    spec = funnel_spec(
        funnel_charts.funnel_chart(
            result,
            title="Huisbezoeken",
            value_title="Per 100",
            size_title="Patiënten",
            reference_label="Vlaanderen",
            unit="per 100",
            year=2024,
            source="IMA",
        )
    )
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "Spiegelhalter 2005" in subtitle
    assert "95% en 99,8%" in subtitle
    assert "exacte Poisson-grenzen" in subtitle
    assert "overdispersie" in subtitle
    assert "Vlaanderen (9,0 per 100)" in subtitle
    assert "Geen rangschikking" in subtitle
    assert "Jaar 2024" in subtitle
    assert "Bron: IMA" in subtitle
    assert all(len(line) <= 110 for line in spec["title"]["subtitle"])


def test_chart_data_are_the_funnel() -> None:
    """The plotted points are the shown units; the limit lines are the grid limits."""
    units = funnel_units([0.0, 3.0, 25.0, 40.0], [100.0, 100.0, 300.0, 500.0]).with_columns(
        pl.Series("own", [False, False, True, False])
    )
    result = funnel_data(units, target=0.1, multiplier=100.0, highlight_col="own")
    spec = funnel_spec(
        funnel_charts.funnel_chart(
            result, title="t", value_title="v", size_title="s", reference_label="de kring"
        )
    )
    datasets = list(funnel_datasets(spec).values())
    labels_seen = {row["label"] for rows in datasets for row in rows if "label" in row}
    assert labels_seen == {"U0", "U2", "U3"}  # U1 (3 events) is suppressed
    rings = [rows for rows in datasets if rows and "label" in rows[0] and len(rows) == 1]
    assert [r[0]["label"] for r in rings] == ["U2"]
    limit_rows = next(rows for rows in datasets if rows and "line" in rows[0])
    assert {r["line"] for r in limit_rows} == {"lo_95", "hi_95", "lo_998", "hi_998"}
    assert {r["level"] for r in limit_rows} == {"95%", "99,8%"}
    assert "1 onderdrukt" in json.dumps(spec["title"]["subtitle"])


def test_chart_without_units() -> None:
    result = funnel_data(funnel_units([None], [100.0]), target=0.1)
    assert result.points.height == 0
    spec = funnel_spec(
        funnel_charts.funnel_chart(
            result, title="t", value_title="v", size_title="s", reference_label="r"
        )
    )
    assert spec["title"]["text"] == "t"


def test_wrap_lines() -> None:
    lines = funnel_charts.wrap_lines(["a " * 80, "kort"], width=40)
    assert all(len(line) <= 40 for line in lines)
    assert lines[-1] == "kort"
