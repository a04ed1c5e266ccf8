"""The PDCA texts, table and chart of the zone profile (pure; exact Dutch texts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
import pytest

from popmgmt.metrics import evaluation as ev
from popmgmt.views import pdca_display as pd


@dataclass(frozen=True)
class _Action:
    id: int = 1
    title: str = "Huisbezoeken 75+"
    day: date = date(2022, 3, 1)
    indicator_code: str = "ima_gmd"
    target_value: float = 64.0
    target_year: int = 2024
    owner: str = "Coördinator"
    status: str = "lopend"


META = {"unit": "%", "direction": "hoger_beter", "interval_method": "wilson"}


def _values() -> pl.DataFrame:
    rows = [
        ("ima_gmd", "zone", "elz13", 2020, 580, 1000, 58.0, 55.0, 61.0, False),
        ("ima_gmd", "zone", "elz13", 2021, 600, 1000, 60.0, 57.0, 63.0, False),
        ("ima_gmd", "zone", "elz13", 2022, None, 1000, 99.0, 98.0, 99.5, True),
        ("ima_gmd", "zone", "elz13", 2024, 650, 1000, 65.0, 62.0, 68.0, False),
        ("ima_gmd", "zone", "elz32", 2024, 100, 1000, 10.0, 8.0, 12.0, False),
        ("ima_gmd", "vlaanderen", "vlaanderen", 2024, 1, 2, 50.0, 40.0, 60.0, False),
        ("other", "zone", "elz13", 2024, 1, 2, 50.0, 40.0, 60.0, False),
    ]
    return pl.DataFrame(
        rows,
        schema={
            "indicator_code": pl.String,
            "level": pl.String,
            "area_code": pl.String,
            "year": pl.Int32,
            "numerator": pl.Int64,
            "denominator": pl.Int64,
            "value": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "suppressed": pl.Boolean,
        },
        orient="row",
    )


def test_zone_series_keeps_the_zone_and_hides_suppressed_numbers() -> None:
    series = pd.zone_series(_values(), "ima_gmd", "elz13")
    assert series["year"].to_list() == [2020, 2021, 2022, 2024]
    assert series.filter(pl.col("year") == 2022)["value"].to_list() == [None]
    assert series.columns == [*ev.SERIES_COLUMNS, "suppressed"]


def test_evaluation_lines() -> None:
    """Before 2021 (60,0 %), after the target year 2024 (65,0 %), difference +5,0
    percentage points with its MOVER interval, not significant, target met."""
    action = _Action()
    _, result = pd.evaluate_action(action, _values(), META, "elz13")
    lines = pd.evaluation_lines(action, result, META, "IMA-Atlas (demo)")
    assert lines == [
        "Vóór de actie (2021): 60,0 % (95%-BI 57,0 – 63,0 %; noemer: 1.000).",
        "Na de actie (doeljaar 2024): 65,0 % (95%-BI 62,0 – 68,0 %; noemer: 1.000).",
        "Verschil: +5,0 procentpunt (95%-BI 0,8 – 9,2 procentpunt): statistisch significant "
        "(MOVER-interval van het verschil).",
        "Doel: 64,0 % in 2024: doel bereikt.",
        "Bron: IMA-Atlas (demo).",
    ]


def test_evaluation_lines_pending_and_complete_count() -> None:
    action = _Action(target_year=2027, target_value=90.0)
    meta = {**META, "interval_method": "volledig", "unit": "per 10.000"}
    _, result = pd.evaluate_action(action, _values(), meta, "elz13")
    lines = pd.evaluation_lines(action, result, meta, "bron")
    assert lines[1].startswith("Na de actie (laatste jaar 2024): 65,0 per 10.000 (volledige")
    assert lines[2] == (
        "Verschil: +5,0 per 10.000 (volledige telling: geen steekproefonzekerheid, dus geen toets)."
    )
    assert lines[3] == (
        "Doel: 90,0 per 10.000 in 2027: nog niet te beoordelen (het doeljaar 2027 heeft nog "
        "geen gegevens)."
    )


def test_evaluation_lines_without_data() -> None:
    action = _Action(indicator_code="ima_gmd", day=date(2019, 1, 1), target_year=2019)
    _, result = pd.evaluate_action(action, _values().clear(), META, "elz13")
    lines = pd.evaluation_lines(action, result, META, "bron")
    assert lines[:2] == [
        "Vóór de actie: geen gepubliceerde waarde vóór 2019.",
        "Na de actie: nog geen gepubliceerde waarde vanaf 2019.",
    ]


def test_actions_table() -> None:
    action = _Action()
    _, result = pd.evaluate_action(action, _values(), META, "elz13")
    table = pd.actions_table(
        [action, _Action(id=2, indicator_code="weg", status="afgerond")],
        {"ima_gmd": "Inwoners met een GMD"},
        {"ima_gmd": "%"},
        {1: result},
    )
    assert table.columns == list(pd.TABLE_COLUMNS)
    assert table.rows() == [
        ("01-03-2022", "Huisbezoeken 75+", "Inwoners met een GMD", "64,0 %", "2024",
         "Coördinator", "lopend", "doel bereikt"),
        ("01-03-2022", "Huisbezoeken 75+", "weg", "64", "2024", "Coördinator", "afgerond",
         "geen gegevens"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2022, 1, 1), 2022.0), (date(2022, 7, 2), 2022 + 182 / 365), (date(2024, 12, 31),
     2024 + 365 / 366)],
)  # fmt: skip
def test_fractional_year(day: date, expected: float) -> None:
    assert pd.fractional_year(day) == pytest.approx(expected)


def test_chart_marks_the_action_the_target_and_the_years_compared() -> None:
    action = _Action()
    series, result = pd.evaluate_action(action, _values(), META, "elz13")
    spec = pd.action_chart_spec(
        series, action, result, unit="%", indicator_name="GMD", zone_label="Gent (elz13)",
        interval_method="wilson",
    )  # fmt: skip
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    layers = spec["layer"]
    rule = next(la for la in layers if la["mark"].get("strokeDash") == [6, 3])
    assert rule["data"]["values"][0]["x"] == pytest.approx(2022 + 59 / 365)
    target = next(la for la in layers if la["mark"].get("shape") == "diamond")
    assert target["data"]["values"][0]["target_text"] == "64,0 %"
    circled = next(la for la in layers if la["mark"].get("size") == 260)
    roles = {r["year"]: r["role"] for r in circled["data"]["values"]}
    assert (roles[2021], roles[2024], roles[2020]) == ("vóór", "na", "")
    line = next(la for la in layers if la["mark"]["type"] == "line")
    suppressed = next(r for r in line["data"]["values"] if r["year"] == 2022)
    assert suppressed["value"] is None
    assert suppressed["value_text"].startswith("onderdrukt")
    assert spec["layer"][0]["encoding"]["x"]["axis"]["format"] == "d"


def test_trend_rule_layers_only_for_years_on_the_axis() -> None:
    """The zone profile's trend chart (ordinal years) gets a rule per action whose year is
    on its axis; an action in a year without data is left out; none: no layers."""
    layers = pd.trend_rule_layers(
        [_Action(), _Action(id=2, day=date(2030, 1, 1), title="Later")], [2020, 2021, 2022]
    )
    assert [la["mark"]["type"] for la in layers] == ["rule", "text"]
    assert layers[0]["data"]["values"] == [
        {"year": 2022, "label": "Actie 01-03-2022", "title": "Huisbezoeken 75+",
         "target": "doel 64,0 in 2024"}
    ]  # fmt: skip
    assert layers[0]["encoding"]["x"]["type"] == "ordinal"
    assert pd.trend_rule_layers([_Action()], [2023]) == []


def test_pdf_section_lists_every_action_with_its_evaluation_and_chart() -> None:
    """The omgevingsanalyse PDF's PDCA chapter: one sentence per action (an action whose
    indicator is gone says so), a chart per evaluated action, and the log table."""
    ok, gone = _Action(), _Action(id=2, title="Oud plan", indicator_code="weg")
    evaluated = {1: pd.evaluate_action(ok, _values(), META, "elz13")}
    metas = {"ima_gmd": {**META, "name_nl": "Inwoners met een GMD"}}
    section = pd.pdf_section(
        [ok, gone], evaluated, metas, zone_label="Gent (elz13)", source="IMA-Atlas (demo)"
    )
    assert section.title == "Acties en opvolging (PDCA)"
    assert section.bullets[0].startswith("Huisbezoeken 75+ (01-03-2022, Coördinator): Vóór de")
    assert "Doel: 64,0 % in 2024: doel bereikt." in section.bullets[0]
    assert "Bron:" not in section.bullets[0]  # once, in the notes
    assert section.bullets[1] == (
        "Oud plan (01-03-2022, Coördinator): de doelindicator staat niet (meer) in de gegevens."
    )
    assert [f.caption for f in section.figures] == ["Huisbezoeken 75+"]
    (log,) = section.tables
    assert log.table is not None
    assert log.table["Titel"].to_list() == ["Huisbezoeken 75+", "Oud plan"]
    assert log.table["Evaluatie"].to_list() == ["doel bereikt", "geen gegevens"]
    assert section.notes == ["Bron van de cijfers: IMA-Atlas (demo)."]


def test_pdf_section_without_actions_says_so() -> None:
    section = pd.pdf_section([], {}, {}, zone_label="Gent (elz13)", source="x")
    assert section.intro.endswith("Nog geen acties in het logboek van deze zone.")
    assert not section.figures
    assert not section.tables
