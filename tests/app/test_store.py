"""Loading the marts and the pure query and formatting helpers (no Streamlit)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import SYN_SECONDARY, SYN_SUPPRESSED, write_synthetic_marts

from popmgmt.app import store
from popmgmt.metrics.indicators import HEADLINE_INDICATORS
from popmgmt.pipeline.marts import MART_COLUMNS
from popmgmt.views import labels


@pytest.fixture(scope="module")
def syn_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_marts(tmp_path_factory.mktemp("syn") / "data")


@pytest.fixture(scope="module")
def syn(syn_folder: Path) -> store.Marts:
    return store.load_marts(syn_folder)


# --- loading ------------------------------------------------------------------------------


def test_load_built_data(marts: store.Marts) -> None:
    """Given the built data, when loaded, then every mart has its contract columns."""
    frames = {
        "areas": marts.areas,
        "indicators": marts.indicators,
        "indicator_values": marts.values,
        "population": marts.population,
        "practices": marts.practices,
    }
    for name, frame in frames.items():
        assert set(MART_COLUMNS[name]) <= set(frame.columns), name
    assert marts.values.height > 0
    assert isinstance(marts.manifest, dict)
    assert store.load_geojson(marts, "zone")["features"]


def test_built_data_has_no_gp_level_columns(marts: store.Marts) -> None:
    for frame in (marts.areas, marts.values, marts.population, marts.practices):
        assert not {"RIZIV_ID", "riziv_id", "RIZIV_HCI", "riziv_hci"} & set(frame.columns)


def _assert_build_message(exc: store.DataMissingError, folder: Path) -> None:
    text = str(exc)
    assert str(folder) in text
    assert "python -m popmgmt demo --out raw" in text
    assert "python -m popmgmt build --input raw --out data" in text
    assert "make app" in text
    assert "POPMGMT_DATA" in text


def test_missing_folder(tmp_path: Path) -> None:
    folder = tmp_path / "nope"
    with pytest.raises(store.DataMissingError) as info:
        store.load_marts(folder)
    _assert_build_message(info.value, folder)
    assert "bestaat niet" in str(info.value)


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(store.DataMissingError) as info:
        store.load_marts(tmp_path)
    _assert_build_message(info.value, tmp_path)
    assert "manifest.json ontbreekt" in str(info.value)


def test_corrupt_manifest(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(store.DataMissingError, match="onleesbaar"):
        store.load_marts(tmp_path)


def test_manifest_without_marts(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"demo": True}), encoding="utf-8")
    with pytest.raises(store.DataMissingError, match="geen marts"):
        store.load_marts(tmp_path)


def test_missing_mart(syn_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(syn_folder, folder)
    (folder / "practices.parquet").unlink()
    with pytest.raises(store.DataMissingError, match=r"practices\.parquet ontbreekt"):
        store.load_marts(folder)


def test_corrupt_mart(syn_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(syn_folder, folder)
    (folder / "areas.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(store.DataMissingError, match=r"areas\.parquet is onleesbaar"):
        store.load_marts(folder)


def test_mart_missing_columns(syn_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(syn_folder, folder)
    pl.read_parquet(folder / "population.parquet").drop("suppression_reason").write_parquet(
        folder / "population.parquet"
    )
    with pytest.raises(store.DataMissingError, match="mist kolommen suppression_reason"):
        store.load_marts(folder)


def test_missing_geo(syn_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(syn_folder, folder)
    (folder / "geo" / "zones.geojson").unlink()
    with pytest.raises(store.DataMissingError, match=r"zones\.geojson ontbreekt"):
        store.load_marts(folder)


# --- manifest facts -----------------------------------------------------------------------


def test_manifest_texts(syn: store.Marts) -> None:
    assert store.is_demo(syn) is True
    assert store.boundary_version(syn) == "2025"
    assert store.vintage_text(syn) == (
        "IMA Atlas (demo) (2022–2023); Statbel bevolking (demo) (2022–2023)"
    )
    assert store.attribution_text(syn).startswith("Geografie: Data & Analyse")
    assert "Statbel" in store.attribution_text(syn)


def test_built_manifest_texts(marts: store.Marts) -> None:
    """The real build states a vintage, a boundary version and an attribution."""
    assert store.boundary_version(marts) == "2025"
    assert store.vintage_text(marts) != "jaargang onbekend"
    assert store.attribution_text(marts)
    assert store.is_demo(marts) is True


# --- queries ------------------------------------------------------------------------------


def test_headline_figures(syn: store.Marts) -> None:
    """Given the marts, then headline figures are inhabitants plus the headline indicators."""
    figures = store.headline_figures(syn)
    assert figures["key"].to_list() == [store.POPULATION_KEY, *HEADLINE_INDICATORS]
    assert figures["year"].to_list() == [2023, 2023, 2023, 2023]
    inhabitants = figures.row(0, named=True)
    assert inhabitants["value"] == 588_000
    assert inhabitants["source"] == labels.POPULATION_SOURCE
    gmd = figures.filter(pl.col("key") == "ima_gmd").row(0, named=True)
    assert gmd["unit"] == "%"
    assert gmd["ci_low"] < gmd["value"] < gmd["ci_high"]
    assert gmd["denominator"] > 0
    assert gmd["source"] == "IMA Atlas"


def test_headline_figures_given_year(syn: store.Marts) -> None:
    figures = store.headline_figures(syn, year=2022)
    assert set(figures["year"].to_list()) == {2022}
    assert figures["value"].null_count() == 0
    missing = store.headline_figures(syn, year=1999)
    assert missing.height == 4
    assert missing["value"].null_count() == 4


def test_built_headline_figures(marts: store.Marts) -> None:
    """The real build has every headline figure for Flanders, with interval and denominator."""
    figures = store.headline_figures(marts)
    assert figures["value"].null_count() == 0, figures
    indicators = figures.filter(pl.col("key") != store.POPULATION_KEY)
    assert indicators["denominator"].null_count() == 0
    assert indicators["ci_low"].null_count() == 0
    assert indicators["source"].null_count() == 0


def test_figure_texts(syn: store.Marts) -> None:
    row = store.headline_figures(syn).row(0, named=True)
    texts = store.figure_texts(row)
    assert texts["value_text"] == "588.000"
    assert texts["interval_text"] == "volledige telling, geen interval"
    assert texts["year_text"] == "jaar 2023"
    assert texts["source_text"] == "bron: Statbel, bevolking op 1 januari"


def test_indicator_map_values_suppressed(syn: store.Marts) -> None:
    """Given suppressed cells, then they have no number, a reason and status onderdrukt."""
    code, zone, year, reason = SYN_SUPPRESSED
    values = store.indicator_map_values(syn, code, year)
    assert values.height == 6
    assert values["year"].unique().to_list() == [year]
    row = values.filter(pl.col("area_code") == zone).row(0, named=True)
    assert row["value"] is None
    assert row["numerator"] is None
    assert row["suppressed"] is True
    assert row["suppression_reason"] == reason
    assert row["status"] == "onderdrukt"
    second = values.filter(pl.col("area_code") == SYN_SECONDARY[1]).row(0, named=True)
    assert second["status"] == "onderdrukt"
    assert values.filter(pl.col("status") == "waarde").height == 4


def test_indicator_map_values_missing_year(syn: store.Marts) -> None:
    values = store.indicator_map_values(syn, "ima_gmd", 1999)
    assert values.height == 6
    assert set(values["status"].to_list()) == {"geen_gegevens"}
    assert values["value"].null_count() == 6


def test_years_and_catalogue(syn: store.Marts) -> None:
    assert store.available_years(syn, "ima_gmd") == [2023, 2022]
    assert store.latest_year(syn, "ima_gmd") == 2023
    assert store.latest_year(syn, "unknown") is None
    catalogue = store.indicator_catalogue(syn)
    # Ordered by theme (codes.THEMES) then name.
    assert catalogue["indicator_code"].to_list() == [
        "cube_013_021_At",
        "ima_gmd",
        "gp_per_10k",
        "ima_mh",
    ]
    meta = store.indicator_meta(syn, "gp_per_10k")
    assert store.indicator_option_label(meta) == "Zorgaanbod · Huisartsen per 10.000 inwoners"
    with pytest.raises(KeyError):
        store.indicator_meta(syn, "unknown")


def test_flanders_value(syn: store.Marts) -> None:
    row = store.flanders_value(syn, "ima_gmd", 2023)
    assert row is not None
    assert row["area_code"] == "02000"
    assert store.flanders_value(syn, "ima_gmd", 1999) is None


def test_flanders_summary_and_definition(syn: store.Marts) -> None:
    summary = store.flanders_summary(syn, "ima_gmd", 2023)
    assert summary is not None
    assert summary.startswith("**Vlaanderen, 2023: 71,9 %** · 95%-BI ")
    assert "noemer: 585.000 inwoners" in summary
    assert summary.endswith("bron: IMA Atlas")
    assert store.flanders_summary(syn, "ima_gmd", 1999) is None
    text = store.indicator_definition_markdown(store.indicator_meta(syn, "gp_per_10k"))
    assert "**Huisartsen per 10.000 inwoners** (`gp_per_10k`)" in text
    assert "- **Formule:** huisartsen / (inwoners / 10.000)" in text
    assert "- **Eerste jaar:** 2015" in text
    interval = "Exact Poisson-interval (95%, Garwood)"
    assert f"- **Interval:** {interval}" in text
    assert "- **Bron:** IMA, Patiënteel huisartsen; Statbel" in text


def test_display_table_shows_suppression_not_zero(syn: store.Marts) -> None:
    code, zone, year, _reason = SYN_SUPPRESSED
    values = store.indicator_map_values(syn, code, year)
    table = store.display_table(values, unit="%")
    assert table.columns[0] == "Zone"
    suppressed = table.filter(pl.col("Zone") == f"Zone Zuid ({zone})").row(0, named=True)
    assert suppressed["Waarde"] == "onderdrukt (< 5)"
    assert suppressed["Teller"] == ""
    secondary = table.filter(pl.col("Zone").str.contains(SYN_SECONDARY[1])).row(0, named=True)
    assert secondary["Waarde"] == "onderdrukt (afleidbaar)"
    shown = table.filter(pl.col("Zone").str.contains("elz1")).row(0, named=True)
    assert shown["Waarde"].endswith(" %")
    assert shown["95%-betrouwbaarheidsinterval"].startswith("95%-BI ")
    assert shown["Noemer"] == "80.000"


# --- labels and formatting ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234567.8, 0, "1.234.568"),
        (1234.5, 1, "1.234,5"),
        (0.25, 2, "0,25"),
        (-1234.5, 1, "-1.234,5"),
        (999, 0, "999"),
        (None, 0, "geen gegevens"),
        (float("nan"), 1, "geen gegevens"),
    ],
)
def test_fmt_number(value: float | None, decimals: int, expected: str) -> None:
    assert labels.fmt_number(value, decimals=decimals) == expected


def test_fmt_value_and_interval() -> None:
    assert labels.fmt_value(67.34, "%") == "67,3 %"
    assert labels.fmt_value(8.06, "per 10.000") == "8,1 per 10.000"
    assert labels.fmt_value(123.45, "per 1.000") == "123,5 per 1.000"
    assert labels.fmt_value(6_653_062, "inwoners") == "6.653.062"
    assert labels.fmt_value(None, "%") == "geen gegevens"
    assert labels.fmt_interval(65.1, 67.2, "%") == "95%-BI 65,1 – 67,2 %"
    assert labels.fmt_interval(None, 67.2, "%") == "geen interval"


def test_labels() -> None:
    assert labels.label("level", "zone") == "Eerstelijnszone"
    assert labels.label("practice_form", "wgc") == "Wijkgezondheidscentrum"
    assert labels.label("payment_system", "forfait") == "Forfaitaire betaling"
    assert labels.label("patient_stop", "gedeeltelijk") == "Gedeeltelijke patiëntenstop"
    assert labels.label("theme", "onbekend_thema") == "onbekend_thema"
    assert labels.label("sex", None) == "onbekend"
    with pytest.raises(KeyError):
        labels.label("no_such_kind", "x")


def test_suppressed_text() -> None:
    assert labels.suppressed_text("primair") == "onderdrukt (< 5)"
    assert labels.suppressed_text("secundair") == "onderdrukt (afleidbaar)"
    assert labels.suppressed_text(None) == "onderdrukt"


def test_value_texts_suppressed_is_never_zero() -> None:
    texts = labels.value_texts(
        value=0.0,
        ci_low=0.0,
        ci_high=0.0,
        denominator=120,
        suppressed=True,
        reason="primair",
        unit="%",
        denominator_label="inwoners",
        year=2023,
    )
    assert texts == {
        "value_text": "onderdrukt (< 5)",
        "interval_text": "",
        "denominator_text": "noemer: 120 inwoners",
        "year_text": "jaar 2023",
    }
