"""The Flemish monitor pages (`pages/monitor.py`, `pages/gp_poor.py`) with AppTest: every
view, links (query parameters), policy annotations shared between sessions, downloads,
and the GP-poor rule on the built data (no browser)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from appkit import page_texts
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from popmgmt.app import annotations as ann
from popmgmt.app import store, ui
from popmgmt.metrics import gppoor
from popmgmt.views import gppoor_display, labels

PAGE = str(ROOT / "pages" / "monitor.py")
GP_PAGE = str(ROOT / "pages" / "gp_poor.py")
TIMEOUT = 90
VIEWS = ("trend", "trechter", "kaart", "vergelijking", "betaling")


@pytest.fixture
def state(built_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data folder of the tests and a fresh annotation store per test."""
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    folder = tmp_path / "state"
    monkeypatch.setenv(ann.STATE_ENV, str(folder))
    return folder


def _open(path: str = PAGE, **params: str) -> AppTest:
    at = AppTest.from_file(path, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _texts(at: AppTest) -> str:
    return page_texts(at, ("markdown", "caption", "warning", "info", "error", "success", "title"))


def _specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def _features(at: AppTest) -> list[dict[str, Any]]:
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    features: list[dict[str, Any]] = json.loads(decks[0].proto.json)["layers"][0]["data"][
        "features"
    ]
    return features


def _downloads(at: AppTest) -> list[str]:
    return [el.proto.label for el in at.get("download_button")]


def _widget(at: AppTest, kind: str, label: str) -> Any:
    matches = [w for w in getattr(at, kind) if w.label == label]
    assert len(matches) == 1, [w.label for w in getattr(at, kind)]
    return matches[0]


def _annotation_labels(at: AppTest) -> list[str]:
    """The labels drawn on the first chart (its annotation text layer)."""
    for layer in _specs(at)[0]["layer"]:
        if layer["mark"].get("type") == "text" and "data" in layer:
            return [r["label"] for r in layer["data"]["values"]]
    return []


def _wilson_indicator(marts: store.Marts) -> str:
    catalogue = store.indicator_catalogue(marts, level="zone")
    return str(catalogue.filter(pl.col("interval_method") == "wilson")["indicator_code"][0])


# --- every view ---------------------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_runs(state: Path, view: str) -> None:
    """Given built data, every view shows without error, with the demo label, the boundary
    statement, the footer, and CSV + XLSX downloads of its tables."""
    at = _open(view=view)
    assert not at.exception
    assert not at.error
    assert [t.value for t in at.title] == ["Vlaamse monitor"]
    text = _texts(at)
    assert [w.value for w in at.warning].count(labels.DEMO_BANNER) == 1
    assert "alle jaren staan op de grenzen van 2025" in text
    assert "oudere jaren zijn omgezet" in text
    assert "Grenzen 2025" in text
    downloads = _downloads(at)
    assert downloads[:3] == ["Excel (XLSX)", "CSV voor Excel", "CSV voor analisten"]
    assert at.query_params["view"] == view
    if view == "kaart":
        features = _features(at)
        assert features
        assert any(f["properties"]["class_index"] >= 0 for f in features)
        assert "vaste klassen: kwantielen over alle jaren samen" in text
    else:
        specs = _specs(at)
        assert specs
        assert all(s["usermeta"]["title"] for s in specs)


def test_trend_default_and_split(state: Path, marts: store.Marts) -> None:
    at = _open()
    assert _widget(at, "radio", "Weergave").value == "trend"
    assert _widget(at, "selectbox", "Indicator (per thema)").value == "gp_per_10k"
    spec = _specs(at)[0]
    flemish = [lyr for lyr in spec["layer"] if lyr["mark"].get("color") == "#c0392b"]
    years = [r["date"][:4] for r in flemish[-1]["data"]["values"]]
    expected = store.available_years(marts, "gp_per_10k", level="vlaanderen")
    assert sorted(int(y) for y in years) == sorted(expected)
    _widget(at, "radio", "Opsplitsen").set_value("provincie").run()
    assert not at.exception
    assert at.query_params["split"] == "provincie"
    groups = {
        r.get("group")
        for lyr in _specs(at)[0]["layer"]
        for r in lyr.get("data", {}).get("values", [])
        if "group" in r
    }
    provinces = marts.areas.filter(pl.col("level") == "provincie")["area_name"].to_list()
    assert groups == set(provinces)


# --- links --------------------------------------------------------------------------------


def test_link_restores_the_view(state: Path, marts: store.Marts) -> None:
    code = _wilson_indicator(marts)
    year = store.available_years(marts, code, level="gemeente")[-1]
    at = _open(view="trechter", indicator=code, level="gemeente", year=str(year), od="1")
    assert not at.exception
    assert _widget(at, "radio", "Weergave").value == "trechter"
    assert _widget(at, "selectbox", "Indicator (per thema)").value == code
    assert _widget(at, "selectbox", "Niveau").value == "gemeente"
    assert _widget(at, "selectbox", "Jaar").value == year
    assert at.toggle[0].value is True
    assert not [w for w in at.warning if "link" in str(w.value)]
    assert "Methode: " in _texts(at)


def test_unknown_values_in_a_link_get_a_dutch_message(state: Path) -> None:
    at = _open(view="taart", indicator="bestaat_niet", year="1900", level="wijk")
    assert not at.exception
    warnings = " ".join(str(w.value) for w in at.warning)
    assert "De link bevat waarden die deze app niet kent" in warnings
    assert "onbekende weergave 'taart'" in warnings
    assert "onbekende indicator 'bestaat_niet'" in warnings
    assert "onbekende niveau 'wijk'" in warnings
    assert _widget(at, "radio", "Weergave").value == "trend"
    assert at.query_params["indicator"] == "gp_per_10k"  # the link now shows what is shown
    at.run()  # the message belongs to the link, not to later runs
    assert "De link bevat" not in " ".join(str(w.value) for w in at.warning)
    bad_year = _open(view="kaart", year="1900")
    assert "jaar '1900' niet beschikbaar" in " ".join(str(w.value) for w in bad_year.warning)


# --- funnel, comparison, payment ----------------------------------------------------------


def test_funnel_view_names_outliers_and_adjusts(state: Path, marts: store.Marts) -> None:
    code = _wilson_indicator(marts)
    at = _open(view="trechter", indicator=code)
    text = _texts(at)
    assert "Buiten de grenzen" in text or "liggen binnen de 95%-grenzen" in text
    assert "trechterdiagram" in _specs(at)[0]["usermeta"]["title"]
    # Issue 15: the comparisons mart's method and phi beside the funnel, adjusted by
    # default (the old default was the unadjusted exact funnel, "niet verbreed").
    assert "Methode: " in text
    assert at.toggle[0].value is True
    at.toggle[0].set_value(False).run()
    assert not at.exception
    assert at.query_params["od"] == "0"
    text = _texts(at)
    assert "Methode: " in text
    assert any("Secundaire weergave" in e.label for e in at.expander)


def test_compare_view_has_flemish_change(state: Path, marts: store.Marts) -> None:
    years = store.available_years(marts, "gp_per_10k", level="zone")
    at = _open(view="vergelijking", **{"from": str(years[-1]), "year": str(years[0])})
    assert not at.exception
    assert f"Vlaanderen, {years[-1]} → {years[0]}" in _texts(at)
    assert _widget(at, "selectbox", "Van jaar").value == years[-1]
    spec = _specs(at)[0]
    assert "verandering" in spec["usermeta"]["title"]


def test_payment_view_shows_both_shares(state: Path) -> None:
    at = _open(view="betaling")
    subheaders = [s.value for s in at.subheader]
    assert "Aandeel forfaitaire praktijken" in subheaders
    assert len(_specs(at)) == 4  # trend and zone x year for each share


# --- annotations --------------------------------------------------------------------------


def _open_as_department(**params: str) -> AppTest:
    """The monitor in demo mode with the demo role Departement Zorg (who writes markers)."""
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state[ui.ROLE_STATE] = "departement"
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _add(at: AppTest, day: date, label: str, scope: str = "alle") -> AppTest:
    at.date_input(key="monitor_ann_date").set_value(day)
    at.text_input(key="monitor_ann_label").set_value(label)
    at.radio(key="monitor_ann_scope").set_value(scope)
    button = [b for b in at.button if b.label == "Markering toevoegen"]
    assert len(button) == 1
    return button[0].click().run()


def test_annotation_is_drawn_shared_and_persistent(state: Path, built_data: Path) -> None:
    at = _open_as_department()
    at = _add(at, date(2020, 3, 1), "Start maatregel")
    assert not at.exception
    assert any("Markering toegevoegd: 01-03-2020 · Start maatregel" in s.value for s in at.success)
    assert _annotation_labels(at) == ["Start maatregel"]
    # Stored outside the data folder, in the state folder.
    assert (state / ann.DB_FILE).is_file()
    assert not list(built_data.glob("*.sqlite"))
    # Another session of the same server sees it, on the trend and on payment systems.
    other = _open()
    assert _annotation_labels(other) == ["Start maatregel"]
    payment = _open(view="betaling")
    assert _annotation_labels(payment) == ["Start maatregel"]
    # One indicator only: not on another indicator's chart.
    at = _add(at, date(2021, 1, 1), "Alleen huisartsen", scope="indicator")
    assert _annotation_labels(at) == ["Start maatregel", "Alleen huisartsen"]
    elsewhere = _open(indicator="ima_gmd")
    assert _annotation_labels(elsewhere) == ["Start maatregel"]
    # Delete through the page.
    first = ann.list_annotations(state / ann.DB_FILE)[0]
    at.selectbox(key="monitor_ann_delete").set_value(first.id)
    at.button(key="monitor_ann_delete_btn").click().run()
    assert any("Markering verwijderd" in s.value for s in at.success)
    assert _annotation_labels(at) == ["Alleen huisartsen"]


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("   ", "Geef een label op"),
        ("tab\tin het label", "stuurtekens"),
    ],
)
def test_bad_annotation_is_refused(state: Path, label: str, message: str) -> None:
    at = _add(_open_as_department(), date(2020, 3, 1), label)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(message in e for e in errors), errors
    assert ann.list_annotations(state / ann.DB_FILE) == []
    assert _annotation_labels(at) == []


# --- GP-poor page -------------------------------------------------------------------------


def test_gp_poor_page(state: Path, marts: store.Marts) -> None:
    at = _open(GP_PAGE)
    assert not at.exception
    assert not at.error
    assert [t.value for t in at.title] == ["Huisartsarme gebieden"]
    text = _texts(at)
    assert "minder dan 90 huisartsen jonger dan 65 per 100.000 inwoners" in text
    assert "125 inwoners per km²" in text
    assert "Grenzen 2025" in text
    table = at.dataframe[0].value
    assert "Marge t.o.v. drempel (per 100.000)" in table.columns
    assert "Marge in huisartsen" in table.columns
    n_municipalities = marts.areas.filter(pl.col("level") == "gemeente").height
    assert len(table) == n_municipalities
    features = _features(at)
    assert len(features) == n_municipalities
    assert {f["properties"]["margin_class"] for f in features} <= set(gppoor_display.MARGIN_CLASSES)
    assert all("drempel" in f["properties"]["tt_rate"] for f in features)
    spec = _specs(at)[0]
    assert spec["usermeta"]["title"] == "Aantal huisartsarme gemeenten per jaar"
    assert {"CSV voor Excel", "CSV voor analisten", "Excel (XLSX)"} <= set(_downloads(at))
    assert at.query_params["level"] == "gemeente"
    metric = at.metric[0]
    assert " van " in metric.value


def test_gp_poor_page_says_how_gps_under_65_are_counted(state: Path, marts: store.Marts) -> None:
    """The newest year uses the build's gp_under65_per_100k when present (its definition is
    shown); a year without it says it is an approximation over all ages."""
    years = sorted(
        marts.values.filter(pl.col("indicator_code") == "gp_per_10k")["year"].unique().to_list()
    )
    measured = set(
        marts.values.filter(pl.col("indicator_code") == gppoor.UNDER65_INDICATOR)["year"].to_list()
    )
    newest = _open(GP_PAGE, year=str(years[-1]))
    text = _texts(newest)
    if years[-1] in measured:
        assert f"Telling in {years[-1]}" in text
        assert any(e.label.startswith("Definitie: ") for e in newest.expander)
    older = next((y for y in years if y not in measured), None)
    if older is not None:
        at = _open(GP_PAGE, year=str(older))
        assert f"Benadering in {older}" in _texts(at)
        assert "benadering (alle leeftijden)" in _texts(at)


def test_gp_poor_zone_link_and_unknown_level(state: Path, marts: store.Marts) -> None:
    year = store.available_years(marts, "gp_per_10k", level="zone")[-1]
    at = _open(GP_PAGE, level="zone", year=str(year))
    assert _widget(at, "radio", "Niveau").value == "zone"
    assert _widget(at, "selectbox", "Jaar").value == year
    n_zones = marts.areas.filter(pl.col("level") == "zone").height
    assert len(_features(at)) == n_zones
    bad = _open(GP_PAGE, level="provincie", year="abc")
    warnings = " ".join(str(w.value) for w in bad.warning)
    assert "onbekend niveau 'provincie'" in warnings
    assert "jaar 'abc' niet beschikbaar" in warnings


def test_gp_poor_page_without_the_build_indicator(
    built_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given marts without gp_under65_per_100k, the page falls back to the zone's share of
    GPs aged 65+ (survey years) and says so."""
    folder = tmp_path / "data"
    shutil.copytree(built_data, folder)
    values = pl.read_parquet(folder / "indicator_values.parquet")
    values.filter(pl.col("indicator_code") != gppoor.UNDER65_INDICATOR).write_parquet(
        folder / "indicator_values.parquet"
    )
    monkeypatch.setenv("POPMGMT_DATA", str(folder))
    monkeypatch.setenv(ann.STATE_ENV, str(tmp_path / "state"))
    survey = sorted(
        values.filter(pl.col("indicator_code") == gppoor.GP_65PLUS_INDICATOR)["year"].unique()
    )
    at = _open(GP_PAGE, year=str(survey[-1]))
    assert not at.exception
    text = _texts(at)
    assert f"Benadering in {survey[-1]}" in text
    assert "schatting (aandeel 65+ van de zone)" in text
    assert "gp_under65_per_100k" in text
