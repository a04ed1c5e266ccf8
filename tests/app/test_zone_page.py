"""The zone profile page (`pages/zone.py`) with AppTest: zone and indicator choice,
query parameters, messages, the section switch, and figures that equal the marts (no
browser). The page draws one section at a time (`?deel=`, `views.sections.ZONE`): a test
of a section's content opens that section (or "alles", the whole page)."""

from __future__ import annotations

import io
import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from appkit import page_texts
from conftest import ROOT, write_synthetic_marts
from pypdf import PdfReader
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from popmgmt.app import store, ui
from popmgmt.views import labels, sections, summary, zone, zone_model, zone_tables

PAGE = str(ROOT / "pages" / "zone.py")
TIMEOUT = 90
ZONE_LABEL = "Eerstelijnszone"
INDICATOR_LABEL = "Indicator voor de kaart, de vergelijking met andere zones en de trend"
SECTION_KEY = "zone_profile_section"


@pytest.fixture
def page(built_data: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    return AppTest.from_file(PAGE, default_timeout=TIMEOUT)


def _zones(marts: store.Marts) -> list[str]:
    return sorted(marts.areas.filter(pl.col("level") == "zone")["area_code"].to_list())


def _texts(at: AppTest) -> str:
    return page_texts(
        at, ("markdown", "caption", "warning", "info", "error", "title", "header", "subheader")
    )


def _selectbox(at: AppTest, label: str) -> Any:
    matches = [s for s in at.selectbox if s.label == label]
    assert len(matches) == 1, [s.label for s in at.selectbox]
    return matches[0]


def _features(at: AppTest) -> list[dict[str, Any]]:
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    spec = json.loads(decks[0].proto.json)
    features: list[dict[str, Any]] = spec["layers"][0]["data"]["features"]
    return features


def _table(at: AppTest, first_column: str) -> Any:
    """The shown dataframe whose first column is `first_column` (a pandas frame)."""
    found = [d.value for d in at.dataframe if list(d.value.columns)[:1] == [first_column]]
    assert found, [list(d.value.columns)[:1] for d in at.dataframe]
    return found[0]


def _params(at: AppTest) -> dict[str, str]:
    return {k: str(v) for k, v in dict(at.query_params).items()}


def test_page_without_zone_asks_for_one(page: AppTest) -> None:
    """Given no link, the page shows the demo label, asks for a zone, and the footer."""
    page.run()
    assert not page.exception
    assert not page.error
    assert [t.value for t in page.title] == ["Zoneprofiel"]
    assert _selectbox(page, ZONE_LABEL).value is None
    assert _selectbox(page, INDICATOR_LABEL).value == zone.DEFAULT_INDICATOR
    text = _texts(page)
    assert "Kies hierboven uw eerstelijnszone" in text
    assert labels.DEMO_BANNER in [w.value for w in page.warning]
    assert "Bronvermelding:" in text
    assert not page.get("deck_gl_json_chart")


def test_zone_link_restores_the_view(page: AppTest, marts: store.Marts) -> None:
    """Given a link with zone and indicator, the widgets, map, spine chart and tables show
    that zone and indicator, and the link keeps both."""
    code = _zones(marts)[1]
    page.query_params["zone"] = code
    page.query_params["indicator"] = "gp_per_10k"
    page.query_params["deel"] = "alles"
    page.run()
    assert not page.exception
    assert not page.error
    assert _selectbox(page, ZONE_LABEL).value == code
    assert _selectbox(page, INDICATOR_LABEL).value == "gp_per_10k"
    assert page.radio(key=SECTION_KEY).value == "alles"
    assert _params(page) == {"zone": code, "indicator": "gp_per_10k", "deel": "alles"}
    name = marts.areas.filter(pl.col("area_code") == code)["area_name"][0]
    headers = [h.value for h in page.header]
    assert headers[0] == f"Wat valt op in {name} ({code})"
    assert headers[1] == f"{name} ({code}) in één oogopslag"
    for expected in ("Indicatoren: de zone tegenover Vlaanderen", "Huisartsencapaciteit", "Trends"):
        assert expected in headers
    # the map: exactly the zone's municipalities, with Dutch tooltips of the indicator
    munis = marts.areas.filter((pl.col("level") == "gemeente") & (pl.col("zone_code") == code))
    features = _features(page)
    assert sorted(f["properties"]["area_code"] for f in features) == sorted(
        munis["area_code"].to_list()
    )
    assert all(f["properties"]["tt_year"].startswith("jaar ") for f in features)
    # spine charts, one per Quintuple Aim domain, plus the other charts
    specs = [json.loads(c.proto.spec) for c in page.get("vega_lite_chart")]
    titles = [s.get("title", {}).get("text", "") for s in specs]
    for domain in ("Ervaring van zorg", "Gelijkheid (equity)"):
        assert domain in titles
    text = _texts(page)
    assert zone_tables.BOUNDARY_NOTE in text
    assert "Wilson" in text  # the significance method is named
    assert "niet te scheiden" not in text  # not Antwerp
    labels_ = [e.label for e in page.expander]
    assert any(lbl.startswith("Definities: ") for lbl in labels_)
    assert len(page.get("download_button")) >= 2 * 8 + 1


def test_figures_on_the_page_equal_the_marts(page: AppTest, marts: store.Marts) -> None:
    """For two zones and three indicators, the page's indicator table shows the mart's
    value and interval, and the municipality table the mart's municipal values."""
    for code in _zones(marts)[:2]:
        at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
        at.query_params["zone"] = code
        at.query_params["indicator"] = "ima_gmd"
        at.query_params["deel"] = "alles"
        at.run()
        assert not at.exception
        spine = _table(at, "Domein (Quintuple Aim)")
        shown = {row["Indicator"]: row for row in spine.to_dict("records")}
        for indicator in ("ima_gmd", "gp_per_10k", "pop_65plus"):
            meta = store.indicator_meta(marts, indicator)
            year = store.latest_year(marts, indicator, level="zone")
            assert year is not None
            row = (
                store.indicator_map_values(marts, indicator, year, level="zone")
                .filter(pl.col("area_code") == code)
                .row(0, named=True)
            )
            texts = labels.value_texts(
                value=row["value"],
                ci_low=row["ci_low"],
                ci_high=row["ci_high"],
                denominator=row["denominator"],
                suppressed=row["suppressed"],
                reason=row["suppression_reason"],
                unit=meta["unit"],
                denominator_label=None,
                year=year,
                # pop_65plus: a complete count, "volledige telling" (issue 15)
                interval_method=meta["interval_method"],
            )
            cell = shown[meta["name_nl"]]
            assert cell["Zone"] == texts["value_text"]
            assert cell["95%-betrouwbaarheidsinterval"] == texts["interval_text"]
            assert cell["Jaar"] == str(year)
            flemish = store.flanders_value(marts, indicator, year)
            assert flemish is not None
            assert cell["Vlaanderen"] == labels.fmt_value(flemish["value"], meta["unit"])
        munis = _table(at, "Gemeente")
        year = store.latest_year(marts, "ima_gmd", level="gemeente")
        assert year is not None
        expected = store.indicator_map_values(marts, "ima_gmd", year, level="gemeente").filter(
            pl.col("area_code").is_in(
                marts.areas.filter(pl.col("zone_code") == code)["area_code"].implode()
            )
        )
        by_name = {r["Gemeente"]: r for r in munis.to_dict("records")}
        for r in expected.iter_rows(named=True):
            cell = by_name[f"{r['area_name']} ({r['area_code']})"]
            assert cell["Inwoners met een globaal medisch dossier (GMD)"] == (
                labels.suppressed_text(r["suppression_reason"])
                if r["suppressed"]
                else labels.fmt_value(r["value"], "%")
            )


def test_suppressed_municipal_cell_shows_reason(page: AppTest, marts: store.Marts) -> None:
    """A municipal cell the build suppressed reads "onderdrukt (...)" in the table and is
    grey on the map, never 0."""
    latest = zone_model.latest_years(marts.values, level="gemeente")
    hidden = (
        marts.values.filter((pl.col("level") == "gemeente") & pl.col("suppressed"))
        .join(latest, on=["indicator_code", "year"], how="semi")
        .join(
            marts.areas.filter(pl.col("level") == "gemeente").select("area_code", "zone_code"),
            on="area_code",
        )
        .sort("indicator_code", "area_code")
    )
    if hidden.height == 0:
        pytest.skip("no suppressed municipal cell in the latest year of this build")
    cell = hidden.row(0, named=True)
    page.query_params["zone"] = cell["zone_code"]
    page.query_params["indicator"] = cell["indicator_code"]
    page.query_params["deel"] = "gemeenten"
    page.run()
    assert not page.exception
    name = store.indicator_meta(marts, cell["indicator_code"])["name_nl"]
    munis = _table(page, "Gemeente")
    row = next(
        r for r in munis.to_dict("records") if r["Gemeente"].endswith(f"({cell['area_code']})")
    )
    assert row[name] == labels.suppressed_text(cell["suppression_reason"])
    assert row["Teller"] == ""
    feature = next(f for f in _features(page) if f["properties"]["area_code"] == cell["area_code"])
    assert feature["properties"]["class_index"] == -1
    assert feature["properties"]["tt_value"].startswith("onderdrukt (")


def test_unknown_zone_in_link(page: AppTest) -> None:
    """Given a link with an unknown zone, a clear Dutch message names it; no traceback,
    no map; the bad code leaves the link."""
    page.query_params["zone"] = "elz999"
    page.run()
    assert not page.exception
    errors = [e.value for e in page.error]
    assert len(errors) == 1
    assert "'elz999'" in errors[0]
    assert "bestaat niet" in errors[0]
    assert _selectbox(page, ZONE_LABEL).value is None
    assert not page.get("deck_gl_json_chart")
    assert "zone" not in _params(page)


def test_unknown_indicator_in_link(page: AppTest, marts: store.Marts) -> None:
    code = _zones(marts)[0]
    page.query_params["zone"] = code
    page.query_params["indicator"] = "bestaat_niet"
    page.query_params["deel"] = "gemeenten"
    page.run()
    assert not page.exception
    assert any("'bestaat_niet'" in w.value for w in page.warning)
    assert _selectbox(page, INDICATOR_LABEL).value == zone.DEFAULT_INDICATOR
    assert _params(page) == {
        "zone": code,
        "indicator": zone.DEFAULT_INDICATOR,
        "deel": "gemeenten",
    }
    assert _features(page)


def test_choosing_zone_and_indicator_updates_view_and_link(
    page: AppTest, marts: store.Marts
) -> None:
    """When the user picks a zone, then an indicator, then another zone, the page and
    the link follow each choice."""
    first, second = _zones(marts)[:2]
    page.run()
    _selectbox(page, ZONE_LABEL).set_value(first).run()
    assert not page.exception
    assert _params(page) == {"zone": first, "indicator": zone.DEFAULT_INDICATOR}
    page.radio(key=SECTION_KEY).set_value("alles").run()
    assert _params(page) == {"zone": first, "indicator": zone.DEFAULT_INDICATOR, "deel": "alles"}
    before = [(f["properties"]["tt_name"], f["properties"]["tt_value"]) for f in _features(page)]

    _selectbox(page, INDICATOR_LABEL).set_value("gp_per_10k").run()
    assert not page.exception
    assert _params(page) == {"zone": first, "indicator": "gp_per_10k", "deel": "alles"}
    after = [(f["properties"]["tt_name"], f["properties"]["tt_value"]) for f in _features(page)]
    assert after != before
    assert any(
        "Huisartsen per 10.000 inwoners: trend"
        in json.loads(c.proto.spec).get("title", {}).get("text", "")
        for c in page.get("vega_lite_chart")
    )

    _selectbox(page, ZONE_LABEL).set_value(second).run()
    assert not page.exception
    assert _params(page) == {"zone": second, "indicator": "gp_per_10k", "deel": "alles"}
    names = {f["properties"]["area_code"] for f in _features(page)}
    assert names == set(
        marts.areas.filter((pl.col("level") == "gemeente") & (pl.col("zone_code") == second))[
            "area_code"
        ].to_list()
    )


def test_care_council_role_sees_practices_per_municipality(
    page: AppTest, marts: store.Marts
) -> None:
    """The demo role of the zone's care council sees practice counts per municipality;
    the public role is told they are reserved."""
    code = _zones(marts)[0]
    page.query_params["zone"] = code
    page.query_params["deel"] = "huisartsen"
    page.run()
    assert not any(e.label.startswith("Praktijken per gemeente") for e in page.expander)
    assert "Praktijken per gemeente: voorbehouden aan de zorgraad" in _texts(page)

    council = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    council.session_state[ui.ROLE_STATE] = f"zorgraad:{code}"
    council.query_params["zone"] = code
    council.query_params["deel"] = "huisartsen"
    council.run()
    assert not council.exception
    assert any(e.label.startswith("Praktijken per gemeente") for e in council.expander)
    tables = [d.value for d in council.dataframe if "Praktijken" in d.value.columns]
    assert len(tables) == 1
    munis = marts.areas.filter((pl.col("level") == "gemeente") & (pl.col("zone_code") == code))
    assert len(tables[0]) == munis.height


def test_antwerp_note_on_minimal_marts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given minimal contract-shaped marts and a link to elz2, the page says that
    Antwerp's four city zones cannot be separated, and survives missing parts."""
    data = write_synthetic_marts(tmp_path / "data")
    monkeypatch.setenv("POPMGMT_DATA", str(data))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.query_params["zone"] = "elz2"
    at.run()
    assert not at.exception
    assert not at.error
    assert labels.ANTWERP_NOTE in [i.value for i in at.info]
    other = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    other.query_params["zone"] = "elz1"
    other.run()
    assert not other.exception
    assert labels.ANTWERP_NOTE not in [i.value for i in other.info]


def test_summary_at_the_top_links_to_the_page_sections(page: AppTest, marts: store.Marts) -> None:
    """Given a zone, the summary ("Wat valt op") comes first, holds at least one sentence
    under a known heading, and every link opens the section that holds its chart: the
    page opened with the link's query has the link's anchor."""
    code = _zones(marts)[0]
    page.query_params["zone"] = code
    page.run()
    assert not page.exception
    boxes = [m.value for m in page.markdown if "[→ grafiek](" in m.value]
    assert len(boxes) == 1
    text = boxes[0]
    assert any(f"**{heading}**" in text for heading in summary.KINDS.values())
    everything = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    everything.query_params["zone"] = code
    everything.query_params["deel"] = "alles"
    everything.run()
    anchors = {e.anchor for e in [*everything.header, *everything.subheader] if e.anchor}
    assert set(sections.ZONE_ANCHORS) <= anchors
    links = re.findall(r"\[→ grafiek\]\(([^)]*)\)", text)
    assert links
    opened: dict[str, set[str]] = {}
    for link in links:
        query, target = link.removeprefix("?").split("#", 1)
        params = dict(urllib.parse.parse_qsl(query))
        assert params["zone"] == code
        assert params["deel"] == sections.ZONE_ANCHORS[target], link
        if target in summary.INDICATOR_ANCHORS:
            assert "indicator" in params
        if query not in opened:
            at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
            for key, value in params.items():
                at.query_params[key] = value
            at.run()
            assert not at.exception
            assert at.radio(key=SECTION_KEY).value == params["deel"]
            opened[query] = {e.anchor for e in [*at.header, *at.subheader] if e.anchor}
        assert target in opened[query], link


def test_pdf_button_gives_the_omgevingsanalyse(
    page: AppTest, marts: store.Marts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a zone, the page offers "Omgevingsanalyse (PDF)"; the file it gives (made on
    demand) opens, has several pages, names the zone and carries the demo label."""
    made: dict[str, bytes] = {}
    original = DeltaGenerator.download_button

    def spy(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        if label == "Omgevingsanalyse (PDF)":
            assert callable(data)  # generated on click, not on every run
            made[str(kwargs["file_name"])] = data()
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    code = _zones(marts)[0]
    page.query_params["zone"] = code
    page.run()
    assert not page.exception
    assert list(made) == [f"omgevingsanalyse_zone_{code}.pdf"]
    reader = PdfReader(io.BytesIO(made[f"omgevingsanalyse_zone_{code}.pdf"]))
    texts = [p.extract_text() or "" for p in reader.pages]
    assert len(texts) > 1
    name = marts.areas.filter(pl.col("area_code") == code)["area_name"][0]
    assert f"Omgevingsanalyse {name} ({code})" in texts[0]
    assert all(labels.DEMO_BADGE in t for t in texts)
    assert "Wat valt op" in texts[0]


def test_not_reached_section_equals_the_atlas_complements(
    page: AppTest, marts: store.Marts
) -> None:
    """Given a zone, the 'Wie bereiken we niet?' table shows denominator - numerator of the
    published GMD and GP-contact cells of the zone and each municipality (or their
    suppression), for the latest year."""
    code = _zones(marts)[0]
    page.query_params["zone"] = code
    page.query_params["deel"] = "huisartsen"
    page.run()
    assert not page.exception
    assert "Wie bereiken we niet?" in [s.value for s in page.subheader]
    found = [d.value for d in page.dataframe if list(d.value.columns)[:2] == ["Gebied", "Wie"]]
    assert len(found) == 1
    table = found[0]
    rows = {(r["Gebied"], r["Wie"]): r for r in table.to_dict("records")}
    names = dict(marts.areas.select("area_code", "area_name").iter_rows())
    munis = marts.areas.filter((pl.col("level") == "gemeente") & (pl.col("zone_code") == code))
    checked = 0
    for indicator, who in (
        ("ima_gmd", "Zonder GMD"),
        ("ima_gpcontact", "Zonder huisartscontact in het jaar"),
    ):
        for level, area in [("zone", code)] + [("gemeente", c) for c in munis["area_code"]]:
            year = store.latest_year(marts, indicator, level=level)
            cell = marts.values.filter(
                (pl.col("indicator_code") == indicator)
                & (pl.col("level") == level)
                & (pl.col("area_code") == area)
                & (pl.col("year") == year)
            ).row(0, named=True)
            shown = rows[(f"{names[area]} ({area}, {level})", who)]
            assert shown["Jaar"] == str(year)
            if cell["suppressed"]:
                assert shown["Aantal inwoners"].startswith("onderdrukt")
                continue
            missing = cell["denominator"] - cell["numerator"]
            if 0 < missing < 5:
                assert shown["Aantal inwoners"] == "niet getoond (1 tot 4 personen)"
            else:
                assert shown["Aantal inwoners"] == labels.fmt_number(missing)
                assert shown["Aandeel (%)"] == labels.fmt_number(
                    missing / cell["denominator"] * 100, 1
                )
            checked += 1
    assert checked >= 4
