"""AppTest tests of the 'Nood en aanbod' pages: need index and pyramid, need vs supply and
the allocation simulator, the social gradient. Each page runs on its own (as the lead's
navigation will run it) against the demo build; choices travel through the URL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from appkit import page_texts
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from popmgmt.app import store
from popmgmt.metrics import fairshare, pyramid
from popmgmt.views import fairshare_display, labels, need_display, pyramid_display, standardised

NEED_PAGE = str(ROOT / "pages" / "need.py")
FAIR_PAGE = str(ROOT / "pages" / "fair_share.py")
GRADIENT_PAGE = str(ROOT / "pages" / "fair_gradient.py")
PAGES = {
    NEED_PAGE: "Zorgnood per zone",
    FAIR_PAGE: "Nood en aanbod",
    GRADIENT_PAGE: "Sociale gradiënt",
}
TIMEOUT = 90
DEFAULT_FW = "gezondheid:35,demografie:25,sociaaleconomisch:25,cultureel:15"
# The need page's weights and method expanders are drawn only once opened.
OPEN = {"need_weights_open": True, "need_method_open": True}


@pytest.fixture
def data_env(built_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    return built_data


def _open(page: str, *, state: dict[str, Any] | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(page, default_timeout=TIMEOUT)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def _spec_titled(at: AppTest, start: str) -> dict[str, Any]:
    for spec in _specs(at):
        title = spec.get("title", {})
        if isinstance(title, dict) and str(title.get("text", "")).startswith(start):
            return spec
    raise AssertionError(f"no chart titled {start!r}: {[s.get('title') for s in _specs(at)]}")


def _layer_values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = spec["layer"][0]["data"]["values"]
    return values


def _deck_features(at: AppTest) -> list[dict[str, Any]]:
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    features: list[dict[str, Any]] = json.loads(decks[0].proto.json)["layers"][0]["data"][
        "features"
    ]
    return features


def _frame(at: AppTest, column: str) -> Any:
    """The first dataframe on the page that has `column` (a pandas DataFrame)."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with column {column!r}")


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("page", list(PAGES))
def test_page_runs_with_demo_label_and_footer(data_env: Path, page: str) -> None:
    """Given the demo build, when a page opens (the need page on all its sections), then it
    runs, says demo and cites sources."""
    at = _open(page, **({"deel": "alles"} if page == NEED_PAGE else {}))
    _ok(at)
    assert [t.value for t in at.title] == [PAGES[page]]
    assert [w.value for w in at.warning].count(labels.DEMO_BANNER) == 1
    text = page_texts(at)
    assert "Grenzen 2025" in text
    assert "Bronvermelding:" in text
    assert at.get("vega_lite_chart")
    labels_seen = [b.proto.label for b in at.get("download_button")]
    assert any("CSV" in label for label in labels_seen)
    assert any("Excel" in label for label in labels_seen)


# --------------------------------------------------------------------------- need index


def test_need_page_writes_every_choice_to_the_url(data_env: Path, marts: store.Marts) -> None:
    at = _open(NEED_PAGE)
    _ok(at)
    qp = at.query_params
    assert set(qp) == {"jaar", "zone", "kaart", "fw", "iw", "pp"}
    assert qp["fw"] == DEFAULT_FW
    assert qp["kaart"] == "zone"
    assert qp["pp"] == pyramid_display.params_to_query(pyramid.PyramidParams())
    zones = marts.areas.filter(pl.col("level") == "zone")
    features = _deck_features(at)
    assert len(features) == zones.height
    assert all(f["properties"]["class_index"] >= 0 for f in features)
    assert "Nood-index" in features[0]["properties"]["tt_value"]


def test_need_link_restores_the_view(data_env: Path, marts: store.Marts) -> None:
    """Given a shared link (older year, second zone, municipalities, health only), then the
    page opens on exactly that view."""
    first = _open(NEED_PAGE)
    years = first.selectbox(key="need_year").options
    zone_codes = [o.split("(")[-1].rstrip(")") for o in first.selectbox(key="need_zone").options]
    year, zone = years[-1], zone_codes[1]
    at = _open(
        NEED_PAGE,
        jaar=str(year),
        zone=zone,
        kaart="gemeente",
        fw="gezondheid:100,demografie:0,sociaaleconomisch:0,cultureel:0",
        pp="f_poly:0.3",
        deel="alles",
        state=OPEN,
    )
    _ok(at)
    assert at.radio(key="need_section").value == "alles"
    assert str(at.selectbox(key="need_year").value) == str(year)
    assert at.selectbox(key="need_zone").value == zone
    assert at.radio(key="need_map").value == "gemeente"
    assert at.slider(key="need_fw_gezondheid").value == 100
    assert at.slider(key="need_fw_demografie").value == 0
    assert at.slider(key="need_pp_f_poly").value == pytest.approx(0.3)
    assert "gezondheid 100 %" in page_texts(at)
    n_mun = marts.areas.filter(pl.col("level") == "gemeente").height
    assert len(_deck_features(at)) == n_mun
    assert at.query_params["zone"] == zone
    assert at.query_params["fw"].startswith("gezondheid:100,")
    assert at.query_params["deel"] == "alles"


def test_need_unknown_codes_in_a_link_are_explained(data_env: Path) -> None:
    at = _open(NEED_PAGE, zone="elz999", jaar="1900", fw="gezondheid:abc,planeet:3")
    _ok(at)
    warning = next(w.value for w in at.warning if "link" in w.value)
    assert "Zonecode 'elz999' uit de link bestaat niet" in warning
    assert "Jaar '1900'" in warning
    assert "onbekende code 'planeet'" in warning
    assert at.query_params["fw"] == DEFAULT_FW  # defaults used and written back


def test_changing_weights_changes_the_index_and_the_url(data_env: Path) -> None:
    at = _open(NEED_PAGE, state=OPEN)
    before = _layer_values(_spec_titled(at, "Opsplitsing van de nood-index"))
    at.slider(key="need_fw_cultureel").set_value(0).run()
    at.slider(key="need_iw_pop_85plus").set_value(3.0).run()
    _ok(at)
    after = _layer_values(_spec_titled(at, "Opsplitsing van de nood-index"))
    assert [r["contribution"] for r in after] != [r["contribution"] for r in before]
    migr = [r for r in after if r["family"] == "Cultureel"]
    assert all(r["contribution"] == 0.0 for r in migr)
    assert "cultureel:0" in at.query_params["fw"]
    assert "pop_85plus:3" in at.query_params["iw"]
    # The weights shown still add up to 100 %.
    table = _frame(at, "Gewicht (%)")
    assert sum(_numbers(table["Gewicht (%)"])) == pytest.approx(100.0, abs=0.2)
    # Back to the defaults with one button.
    at.button(key="need_reset_w").click().run()
    assert at.query_params["fw"] == DEFAULT_FW


def test_all_weights_zero_gives_a_clear_message(data_env: Path) -> None:
    at = _open(NEED_PAGE, fw="gezondheid:0,demografie:0,sociaaleconomisch:0,cultureel:0")
    assert not at.exception
    assert any("Alle gewichten staan op 0" in e.value for e in at.error)


def test_pyramid_tiers_and_assumptions(data_env: Path) -> None:
    at = _open(NEED_PAGE, deel="piramide")
    _ok(at)
    table = _frame(at, "Kaiser-piramide")
    assert table["Niveau"].tolist() == [pyramid_display.TIER_LABELS[t] for t in pyramid.TIERS]
    assert table["Kaiser-piramide"].tolist() == ["1 – 5 %", "20 – 30 %", "65 – 80 %"]
    shares = [float(s.replace(" %", "").replace(",", ".")) for s in table["Aandeel"]]
    assert sum(shares) == pytest.approx(100.0, abs=0.15)
    assert "nooit een lijst van personen" in page_texts(at)
    before = table["Inwoners (schatting)"].tolist()
    at.slider(key="need_pp_f_poly").set_value(0.3).run()
    _ok(at)
    after = _frame(at, "Kaiser-piramide")["Inwoners (schatting)"].tolist()
    assert after != before
    assert "f_poly:0.3" in at.query_params["pp"]


def test_zone_choice_drives_decomposition_and_pyramid(data_env: Path) -> None:
    at = _open(NEED_PAGE, deel="alles")
    options = at.selectbox(key="need_zone").options
    code = options[-1].split("(")[-1].rstrip(")")
    at.selectbox(key="need_zone").set_value(code).run()
    _ok(at)
    assert at.query_params["zone"] == code
    assert f"({code})" in _spec_titled(at, "Opsplitsing")["title"]["text"]
    assert any(f"({code})" in s.value for s in at.subheader)


# --------------------------------------------------------------------------- need vs supply


def _numbers(column: Any) -> list[float]:
    """Numbers shown in Belgian Dutch style ("1.234,5") back as floats."""
    return [float(str(x).replace(".", "").replace(",", ".")) for x in column.tolist()]


def test_fair_share_page_defaults_and_url(data_env: Path) -> None:
    at = _open(FAIR_PAGE)
    _ok(at)
    assert dict(at.query_params) == {
        "jaar": at.query_params["jaar"],
        "nood": fairshare_display.params_to_query(fairshare.NeedWeightParams()),
        "modus": "budget",
        "bedrag": "1000000",
        "universeel": "50",
    }
    alloc = _frame(at, "Toewijzing (euro)")
    assert sum(_numbers(alloc["Toewijzing (euro)"])) == pytest.approx(1_000_000.0)
    shares = _frame(at, "Aandeel nood")
    assert "Aanbod volgt nood niet" in shares.columns
    assert "95%-BI" in shares.columns


def test_universal_share_moves_the_allocation(data_env: Path) -> None:
    """All by need: every zone gets exactly its fair share; all universal: by population."""
    at = _open(FAIR_PAGE)
    at.slider(key="fair_universal").set_value(0).run()
    _ok(at)
    alloc = _frame(at, "Toewijzing (euro)")
    assert max(abs(x) for x in _numbers(alloc["Afstand tot eerlijk aandeel (euro)"])) <= 1.0
    assert at.query_params["universeel"] == "0"
    at.slider(key="fair_universal").set_value(100).run()
    alloc = _frame(at, "Toewijzing (euro)")
    # The shown share has 3 decimals (in %): up to 5 euro apart, plus 1 for rounding.
    expected = [p / 100 * 1_000_000 for p in _numbers(alloc["Aandeel bevolking (%)"])]
    assert _numbers(alloc["Toewijzing (euro)"]) == pytest.approx(expected, abs=6.0)


def test_fte_mode_and_amount_from_a_link(data_env: Path) -> None:
    at = _open(FAIR_PAGE, modus="vte", bedrag="40", universeel="25", nood="leeftijd:0,dep:0,morb:0")
    _ok(at)
    assert at.radio(key="fair_mode").value == "vte"
    assert at.number_input(key="fair_total_vte").value == pytest.approx(40.0)
    alloc = _frame(at, "Toewijzing (VTE)")
    assert sum(_numbers(alloc["Toewijzing (VTE)"])) == pytest.approx(40.0)
    assert "Huisartsen-VTE na toewijzing" in alloc.columns
    # No age weights and no uplifts: need share = population share.
    assert _numbers(alloc["Aandeel nood (%)"]) == pytest.approx(
        _numbers(alloc["Aandeel bevolking (%)"]), abs=1e-3
    )
    assert at.toggle(key="fair_age").value is False
    assert at.query_params["nood"] == "leeftijd:0,dep:0,morb:0"


def test_changing_need_weights_changes_the_need_shares(data_env: Path) -> None:
    at = _open(FAIR_PAGE)
    before = _numbers(_frame(at, "Toewijzing (euro)")["Aandeel nood (%)"])
    at.slider(key="fair_dep").set_value(2.0).run()
    _ok(at)
    after = _numbers(_frame(at, "Toewijzing (euro)")["Aandeel nood (%)"])
    assert after != before
    assert "dep:2" in at.query_params["nood"]


def test_fair_share_unknown_link_values(data_env: Path) -> None:
    at = _open(FAIR_PAGE, modus="lotto", universeel="150", nood="dep:x")
    _ok(at)
    warning = next(w.value for w in at.warning if "link" in w.value)
    assert "Modus 'lotto'" in warning
    assert "Universeel deel '150'" in warning
    assert at.query_params["modus"] == "budget"


# --------------------------------------------------------------------------- gradient


def test_gradient_shows_five_quintiles_and_the_sii(data_env: Path) -> None:
    at = _open(GRADIENT_PAGE)
    _ok(at)
    assert at.query_params["indicator"] == "ima_chron"
    table = _frame(at, "Kwintiel")
    assert table["Kwintiel"].tolist()[:1] == ["Q1 minst achtergesteld"]
    assert len(table) == 5
    assert any(m.label.startswith("Hellingsindex") for m in at.metric)
    spec = _spec_titled(at, "Evolutie van de kloof")
    assert len(_layer_values(spec)) >= 2
    quintile_spec = _spec_titled(at, f"{'Statuut chronische aandoening'}")
    assert len(_layer_values(quintile_spec)) == 5


def test_gradient_link_and_indicator_choice(data_env: Path, marts: store.Marts) -> None:
    years = store.available_years(marts, "ima_gmd", level="gemeente")
    at = _open(GRADIENT_PAGE, indicator="ima_gmd", jaar=str(years[-1]))
    _ok(at)
    assert at.selectbox(key="gradient_indicator").value == "ima_gmd"
    assert at.query_params["jaar"] == str(years[-1])
    at.selectbox(key="gradient_indicator").set_value("ima_vt").run()
    _ok(at)
    assert at.query_params["indicator"] == "ima_vt"
    assert any("per definitie stijgend" in i.value for i in at.info)


def test_gradient_unknown_indicator_is_explained(data_env: Path) -> None:
    at = _open(GRADIENT_PAGE, indicator="onbestaand")
    _ok(at)
    assert any("Indicator 'onbestaand' uit de link bestaat niet" in w.value for w in at.warning)
    assert at.query_params["indicator"] == "ima_chron"


def test_need_module_helpers_used_by_the_pages_exist() -> None:
    """Names the pages rely on (a rename would otherwise only fail at run time)."""
    for name in ("choropleth_deck", "index_map_features", "to_csv_bytes", "to_xlsx_bytes"):
        assert callable(getattr(need_display, name))


def test_need_page_shows_crude_beside_standardised_for_the_zone(
    data_env: Path, marts: store.Marts
) -> None:
    """Given the demo build, the need page shows, for the chosen zone and year, its need
    indicators crude beside age-standardised, the values of the standardised mart."""
    at = _open(NEED_PAGE)
    _ok(at)
    zone_code = at.query_params["zone"]
    year = int(at.query_params["jaar"])
    table = _frame(at, "Zone: leeftijdsgestandaardiseerd (ESP2013)")
    assert list(table.columns) == list(standardised.COLUMNS)
    assert len(table) > 0
    assert set(table["Jaar"]) == {str(year)}
    names = dict(marts.indicators.select("name_nl", "indicator_code").iter_rows())
    first = table.iloc[0]
    row = marts.standardised.filter(
        (pl.col("indicator_code") == names[first["Indicator"]])
        & (pl.col("area_code") == zone_code)
        & (pl.col("year") == year)
    ).row(0, named=True)
    unit = marts.indicators.filter(pl.col("indicator_code") == names[first["Indicator"]])["unit"][0]
    assert first["Zone: ruw"] == labels.fmt_value(row["crude"], unit)
    assert first["Zone: leeftijdsgestandaardiseerd (ESP2013)"] == labels.fmt_value(row["dsr"], unit)
    expanders = [e.label for e in at.expander]
    assert any(label.startswith("Ruw en leeftijdsgestandaardiseerd") for label in expanders)
