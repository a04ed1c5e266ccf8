"""The indicator catalogue: availability computed from the values, search, texts, links."""

from __future__ import annotations

import polars as pl
import pytest

from popmgmt.pipeline.marts import INDICATORS, MART_COLUMNS
from popmgmt.views import catalogue, labels


def _indicator(code: str, name: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(MART_COLUMNS[INDICATORS])
    row.update(
        indicator_code=code,
        name_nl=name,
        description_nl=f"Omschrijving van {name}.",
        unit="%",
        multiplier=100.0,
        theme="toegang",
        aim_domain="ervaring",
        direction="hoger_beter",
        interval_method="wilson",
        origin="atlas",
        first_year=2015,
        smallest_level="gemeente",
        keywords="",
    )
    row.update(extra)
    return row


INDICATORS_FRAME = pl.DataFrame(
    [
        _indicator("ima_gmd", "Inwoners met een GMD", keywords="huisarts; continuïteit"),
        _indicator(
            "gp_per_10k",
            "Huisartsen per 10.000 inwoners",
            theme="aanbod",
            unit="per 10.000",
            description_nl="Patiënten en artsen.",
        ),
        _indicator("nieuw", "Zonder waarden", theme="nood"),
        _indicator("x_hostile", "[klik](http://evil) <b>vet</b>", theme="gebruik"),
    ]
)
VALUES = pl.DataFrame(
    {
        "indicator_code": ["ima_gmd"] * 4 + ["gp_per_10k"] * 3 + ["x_hostile"],
        "level": ["zone", "vlaanderen", "gemeente", "zone", "zone", "zone", "kring", "zone"],
        "year": [2022, 2022, 2023, 2024, 2020, 2022, 2022, 2024],
        "suppressed": [False, False, True, False, False, False, False, False],
    }
)


@pytest.fixture
def frame() -> pl.DataFrame:
    return catalogue.catalogue_frame(INDICATORS_FRAME, VALUES)


def test_years_and_levels_come_from_the_values(frame: pl.DataFrame) -> None:
    rows = {r["indicator_code"]: r for r in frame.iter_rows(named=True)}
    assert rows["ima_gmd"]["years"] == [2022, 2023, 2024]
    assert rows["ima_gmd"]["levels"] == ["vlaanderen", "zone", "gemeente"]
    assert rows["ima_gmd"]["published_values"] == 3
    assert rows["gp_per_10k"]["years"] == [2020, 2022]
    assert rows["gp_per_10k"]["levels"] == ["zone", "kring"]
    assert rows["nieuw"]["years"] == []  # in the mart, no values: still listed
    assert rows["nieuw"]["levels"] == []


def test_every_indicator_field_is_in_the_catalogue(frame: pl.DataFrame) -> None:
    assert {c for c, _ in catalogue.FIELDS} == set(MART_COLUMNS[INDICATORS])
    assert set(MART_COLUMNS[INDICATORS]) <= set(frame.columns)


def test_order_is_theme_then_name(frame: pl.DataFrame) -> None:
    assert frame["indicator_code"].to_list() == ["nieuw", "x_hostile", "ima_gmd", "gp_per_10k"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["nieuw", "x_hostile", "ima_gmd", "gp_per_10k"]),
        ("gmd", ["ima_gmd"]),
        ("GMD", ["ima_gmd"]),
        ("continuiteit", ["ima_gmd"]),  # keyword, without its accent
        ("PATIENTEN", ["gp_per_10k"]),  # description, accent and case ignored
        ("patiënt", ["gp_per_10k"]),
        ("gp_per", ["gp_per_10k"]),  # the code
        ("huisarts inwoners", ["ima_gmd", "gp_per_10k"]),  # every word, in any field
        ("huisarts zonder", []),
        ("   ", ["nieuw", "x_hostile", "ima_gmd", "gp_per_10k"]),
    ],
)
def test_search(frame: pl.DataFrame, query: str, expected: list[str]) -> None:
    assert catalogue.search(frame, query)["indicator_code"].to_list() == expected


def test_fold() -> None:
    assert catalogue.fold("  Patiënt  ÉÉN ") == "patient een"
    assert catalogue.fold(None) == ""


def test_years_text() -> None:
    assert catalogue.years_text([2015, 2016, 2017]) == "2015–2017"
    assert catalogue.years_text([2015, 2017, 2018, 2024]) == "2015, 2017–2018, 2024"
    assert catalogue.years_text([]) == "geen"


def test_links_follow_each_pages_query_parameters() -> None:
    links = catalogue.page_links("ima_gmd", ["vlaanderen", "zone", "gemeente"])
    assert [(link.title, link.url) for link in links] == [
        ("Zoneprofiel", "zone?indicator=ima_gmd"),
        ("Vlaamse monitor", "monitor?indicator=ima_gmd"),
        ("Sociale gradiënt", "fair_gradient?indicator=ima_gmd"),
    ]
    assert catalogue.page_links("x", ["kring"]) == []
    assert catalogue.page_links("a&b=c", ["zone"])[0].url == "zone?indicator=a%26b%3Dc"


def test_detail_lists_every_field_and_escapes_the_data(frame: pl.DataFrame) -> None:
    row = frame.filter(pl.col("indicator_code") == "x_hostile").row(0, named=True)
    text = catalogue.detail_markdown(row)
    for _, label in catalogue.FIELDS:
        assert f"**{label}:**" in text
    assert "[klik](http" not in text
    assert "<b>" not in text
    assert labels.md_text("[klik](http://evil) <b>vet</b>") in text
    assert "**Beschikbare jaren in deze gegevens:** 2024" in text
    assert "[Zoneprofiel](zone?indicator=x_hostile)" in text
    assert "Wilson-score-interval (95%)" in text
    assert "<" not in catalogue.expander_label(row).replace("\\<", "")


def test_tables_for_screen_and_download(frame: pl.DataFrame) -> None:
    overview = catalogue.overview_table(frame)
    assert overview.columns == list(catalogue.OVERVIEW_COLUMNS)
    first = overview.row(2, named=True)
    assert first["Code"] == "ima_gmd"
    assert first["Jaren"] == "2022–2024"
    assert first["Niveaus"] == "Vlaanderen, Eerstelijnszone, Gemeente"
    assert first["Thema"] == "Toegang"
    full = catalogue.full_table(frame)
    assert full.height == frame.height
    assert "Formule" in full.columns
    assert "Beschikbare niveaus" in full.columns
