"""The GP-circle page (`pages/circle.py`) in AppTest: choosing a circle (and the link that
restores it), each tab, the public and the circle's own view, the downloads, and proof
that no GP-level field or identifier reaches the page or a download."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pytest
from appkit import page_texts
from conftest import ROOT
from pypdf import PdfReader
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from popmgmt.app import roles, ui
from popmgmt.app.store import Marts
from popmgmt.views import circle, circle_summary, circle_tables, labels

PAGE = str(ROOT / "pages" / "circle.py")
TIMEOUT = 60
TAB_KEY = "weergave"
TABS = (
    "Praktijken",
    "Trechterdiagram",
    "GMD en VTE",
    "Betalingssysteem",
    "Kaart",
    "Kring en Vlaanderen",
    "Evolutie",
)


@pytest.fixture
def page(built_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    # No role file at all (demo mode needs none: a configured role file turns the demo
    # role switch off, docs/access.md).
    monkeypatch.delenv(roles.ROLES_ENV, raising=False)
    monkeypatch.setattr(roles, "DEFAULT_ROLES_FILE", tmp_path / "geen" / "roles.toml")
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    return AppTest.from_file(PAGE, default_timeout=TIMEOUT)


@pytest.fixture
def circles(marts: Marts) -> list[str]:
    """The circles in the order the page lists them (by name)."""
    codes: list[str] = circle.circle_list(marts.areas)["circle_code"].to_list()
    with_practices = set(marts.practices["circle_code"].drop_nulls().to_list())
    return [c for c in codes if c in with_practices]


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What the page offers for download, by file name (a deferred callable is called)."""
    captured: dict[str, bytes] = {}
    original = DeltaGenerator.download_button

    def spy(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        content = data() if callable(data) else data
        captured[str(kwargs.get("file_name"))] = content
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    return captured


def _open(
    at: AppTest, *, kring: str | None = None, role: str | None = None, tab: str | None = None
) -> AppTest:
    if kring is not None:
        at.query_params["kring"] = kring
    if role is not None:
        at.session_state[ui.ROLE_STATE] = role
    if tab is not None:
        at.session_state[TAB_KEY] = tab
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _selectbox(at: AppTest, label: str) -> Any:
    matches = [s for s in at.selectbox if s.label == label]
    assert len(matches) == 1, [s.label for s in at.selectbox]
    return matches[0]


def _radio(at: AppTest, label: str) -> Any:
    matches = [r for r in at.radio if r.label == label]
    assert len(matches) == 1, [r.label for r in at.radio]
    return matches[0]


def _charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def _subtitle(spec: dict[str, Any]) -> str:
    return " ".join(spec["title"]["subtitle"])


def _decks(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(d.proto.json) for d in at.get("deck_gl_json_chart")]


def _table(at: AppTest) -> Any:
    """The practice table (the dataframe whose first column is 'Praktijk')."""
    tables = [d.value for d in at.dataframe if list(d.value.columns)[:1] == ["Praktijk"]]
    assert len(tables) == 1
    return tables[0]


# --------------------------------------------------------------------------- the circle
def test_page_opens_on_the_first_circle_for_the_public(page: AppTest, circles: list[str]) -> None:
    """Given no link, the page shows the first circle: its area, map and public practices."""
    _open(page)
    assert [t.value for t in page.title] == ["Praktijken van de kring"]
    assert [w.value for w in page.warning].count(labels.DEMO_BANNER) == 1
    assert _selectbox(page, "Huisartsenkring").value == circles[0]
    assert page.query_params["kring"] == circles[0]
    text = page_texts(page)
    assert "omvat" in text
    assert "eerstelijnszone" in text
    assert circle_tables.PUBLIC_NOTE in text
    assert "league" not in text
    assert "Grenzen 2025" in text
    decks = _decks(page)
    assert len(decks) == 1
    assert decks[0]["layers"][0]["data"]["features"]
    table = _table(page)
    assert list(table.columns) == circle.practice_columns(False)
    # The circle's indicator table, the practice table, then the PDF.
    formats = ["Excel (XLSX)", "CSV voor Excel", "CSV voor analisten"]
    assert [b.proto.label for b in page.get("download_button")] == [
        *formats,
        *formats,
        "Omgevingsanalyse (PDF)",
    ]


def test_link_restores_the_circle(page: AppTest, circles: list[str], marts: Marts) -> None:
    other = circles[-1]
    _open(page, kring=other)
    assert _selectbox(page, "Huisartsenkring").value == other
    name = circle.circle_list(marts.areas).filter(pl.col("circle_code") == other)["circle_name"]
    assert f"**{name[0]}** ({other})" in page_texts(page)
    expected = marts.practices.filter(
        (pl.col("circle_code") == other) & (pl.col("year") == marts.practices["year"].max())
    ).height
    assert len(_table(page)) == expected


def test_unknown_circle_in_the_link(page: AppTest, circles: list[str]) -> None:
    _open(page, kring="hak999")
    assert circle_tables.unknown_circle_message("hak999") in [w.value for w in page.warning]
    assert _selectbox(page, "Huisartsenkring").value == circles[0]
    assert page.query_params["kring"] == circles[0]


def test_picking_a_circle_updates_the_link(page: AppTest, circles: list[str]) -> None:
    _open(page)
    _selectbox(page, "Huisartsenkring").set_value(circles[1]).run()
    assert not page.exception
    assert page.query_params["kring"] == circles[1]
    assert f"({circles[1]})" in page_texts(page)


def test_picking_a_year(page: AppTest, circles: list[str]) -> None:
    _open(page, kring=circles[0], role=f"kring:{circles[0]}")
    year = _selectbox(page, "Jaar")
    options = [int(y) for y in year.options]
    assert year.value == max(options)
    oldest = min(options)
    year.set_value(oldest).run()
    assert not page.exception
    assert set(_table(page)["Jaar"]) == {str(oldest)}
    assert circle_tables.NOT_SURVEYED_TEXT in set(_table(page)["Praktijkvorm"])


# --------------------------------------------------------------------------- practice table
def test_the_circle_sees_its_practice_details(page: AppTest, circles: list[str]) -> None:
    own = circles[0]
    _open(page, kring=own, role=f"kring:{own}")
    text = page_texts(page)
    assert circle_tables.PUBLIC_NOTE not in text
    table = _table(page)
    assert list(table.columns) == circle.practice_columns(True)
    cells = {str(v) for column in table.columns for v in table[column]}
    assert circle_tables.SUPPRESSED_TEXT in cells
    assert all(v.startswith("PR-") for v in table["Praktijk"])
    assert list(table["Praktijk"]) == sorted(table["Praktijk"])  # not a league table


def test_flat_rate_contacts_read_not_billed(page: AppTest, marts: Marts) -> None:
    year = int(marts.practices["year"].max())  # type: ignore[arg-type]
    flat = marts.practices.filter(
        (pl.col("payment_system") == "forfait") & (pl.col("year") == year)
    )
    if flat.height == 0:
        pytest.skip("no flat-rate practice in the test build")
    own = str(flat["circle_code"][0])
    _open(page, kring=own, role=f"kring:{own}")
    table = _table(page)
    row = table[table["Praktijk"] == flat["practice_id"][0]].iloc[0]
    assert row["Betalingssysteem"] == "Forfaitaire betaling"
    assert row["Raadplegingen per 100 toegewezen patiënten"] == circle_tables.NOT_BILLED_TEXT


def test_another_circle_is_public_for_a_circle(page: AppTest, circles: list[str]) -> None:
    own, other = circles[0], circles[1]
    _open(page, kring=other, role=f"kring:{own}")
    assert list(_table(page).columns) == circle.practice_columns(False)
    assert circle_tables.PUBLIC_NOTE in page_texts(page)


def test_downloads_are_the_table(
    page: AppTest, circles: list[str], downloads: dict[str, bytes]
) -> None:
    own = circles[0]
    _open(page, kring=own, role=f"kring:{own}")
    table = _table(page)
    year = table["Jaar"].iloc[0]
    csv = downloads[f"praktijken_{own}_{year}.csv"]
    back = pl.read_csv(io.BytesIO(csv[3:]), infer_schema=False)
    assert back.columns == list(table.columns)
    assert back.rows() == [tuple(str(v) for v in row) for row in table.itertuples(index=False)]
    xlsx = downloads[f"praktijken_{own}_{year}.xlsx"]
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        strings = archive.read("xl/sharedStrings.xml").decode("utf-8")
    assert circle_tables.SUPPRESSED_TEXT.replace("<", "&lt;") in strings
    assert "DEMODATA" in strings
    excel = downloads[f"praktijken_{own}_{year}_excel.csv"]
    assert excel.startswith(b"\xef\xbb\xbf")
    back_excel = pl.read_csv(io.BytesIO(excel), separator=";", infer_schema=False)
    assert back_excel.columns == list(table.columns)


# --------------------------------------------------------------------------- tabs
def test_funnel_plot(page: AppTest, circles: list[str]) -> None:
    own = circles[0]
    _open(page, kring=own, role=f"kring:{own}", tab="Trechterdiagram")
    (spec,) = _charts(page)
    assert spec["title"]["text"] == "Individuele huisbezoeken per 100 toegewezen patiënten"
    subtitle = _subtitle(spec)
    assert "Spiegelhalter 2005" in subtitle
    assert "95% en 99,8%" in subtitle
    assert "rond de kring" in subtitle
    assert "Enkel praktijken met betaling per prestatie." in subtitle

    _selectbox(page, "Soort contact").set_value("bezavond").run()
    (spec,) = _charts(page)
    assert spec["title"]["text"].startswith("Huisbezoeken avond/weekend")

    _radio(page, "Grenzen rond de waarde van").set_value("vlaanderen").run()
    (spec,) = _charts(page)
    assert "rond Vlaanderen" in _subtitle(spec)

    _selectbox(page, "Overdispersie").set_value("nooit").run()
    (spec,) = _charts(page)
    assert "verbreed voor overdispersie (φ" not in _subtitle(spec)
    assert any("binnen de 95%-grenzen" in c.value for c in page.caption)


def test_tabs_need_sign_in_for_the_public(page: AppTest, circles: list[str]) -> None:
    for tab in ("Trechterdiagram", "GMD en VTE", "Betalingssysteem"):
        _open(page, kring=circles[0], tab=tab)
        assert circle_tables.PUBLIC_NOTE in [i.value for i in page.info]
        assert not page.get("vega_lite_chart")


def test_gmd_fte_scatter(page: AppTest, circles: list[str]) -> None:
    own = circles[0]
    _open(page, kring=own, role=f"kring:{own}", tab="GMD en VTE")
    (spec,) = _charts(page)
    assert spec["title"]["text"] == "GMD-patiënten en VTE per praktijk"
    # The Flemish ratio comes from the aggregate indicator gmd_per_fte, which
    # every role sees: a circle gets the Flemish line without other circles' practices.
    assert "De Vlaamse verhouding ontbreekt" not in _subtitle(spec)
    assert "in Vlaanderen (rood)" in _subtitle(spec)

    # The Departement sees it too.
    department = _open(
        AppTest.from_file(PAGE, default_timeout=TIMEOUT),
        kring=own,
        role="departement",
        tab="GMD en VTE",
    )
    (spec,) = _charts(department)
    assert "De Vlaamse verhouding ontbreekt" not in _subtitle(spec)


def test_distribution_per_payment_system(page: AppTest, circles: list[str]) -> None:
    own = circles[0]
    _open(page, kring=own, role=f"kring:{own}", tab="Betalingssysteem")
    (spec,) = _charts(page)
    assert spec["title"]["text"] == "Toegewezen patiënten per VTE"
    _selectbox(page, "Maat").set_value("bezoekind_per_100").run()
    (spec,) = _charts(page)
    assert "Enkel praktijken met betaling per prestatie." in _subtitle(spec)


def test_practice_map(page: AppTest, circles: list[str]) -> None:
    _open(page, kring=circles[0], tab="Kaart")
    decks = _decks(page)
    assert len(decks) == 2
    practice_deck = decks[1]
    layer = next(layer for layer in practice_deck["layers"] if layer["id"] == "praktijken")
    assert layer["data"]
    first = layer["data"][0]
    assert set(first) == {
        "lon",
        "lat",
        "fill_color",
        "tt_name",
        "tt_line1",
        "tt_line2",
        "tt_line3",
        "tt_line4",
    }
    colours = {tuple(p["fill_color"]) for p in layer["data"]}
    _radio(page, "Kleur volgens").set_value("payment_system").run()
    layer = next(x for x in _decks(page)[1]["layers"] if x["id"] == "praktijken")
    assert {tuple(p["fill_color"]) for p in layer["data"]} != colours or len(colours) == 1
    assert "nooit gegevens over individuele huisartsen" in page_texts(page)


def test_circle_against_flanders_and_other_circles(page: AppTest, circles: list[str]) -> None:
    _open(page, kring=circles[0], tab="Kring en Vlaanderen")
    tables = [d.value for d in page.dataframe if "Verschil met Vlaanderen" in d.value.columns]
    assert len(tables) == 1
    assert len(tables[0]) >= 10
    (spec,) = _charts(page)
    assert spec["title"]["text"].endswith(": alle kringen")
    assert "rond Vlaanderen" in _subtitle(spec)
    assert "Zwarte ring" in _subtitle(spec)
    _selectbox(page, "Indicator voor alle kringen").set_value("practices_flat_rate").run()
    (spec,) = _charts(page)
    assert "Wilson-scoregrenzen" in _subtitle(spec)


def test_trend(page: AppTest, circles: list[str]) -> None:
    _open(page, kring=circles[0], tab="Evolutie")
    trend, bars = _charts(page)
    assert trend["title"]["text"] == "Aandeel forfaitaire praktijken"
    assert "Groei van de forfaitaire praktijken" in _subtitle(trend)
    assert "betalingssysteem" in bars["title"]["text"]
    _selectbox(page, "Indicator").set_value("gp_per_10k").run()
    trend, _ = _charts(page)
    assert trend["title"]["text"] == "Huisartsen per 10.000 inwoners"


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_runs_for_every_role(page: AppTest, circles: list[str], tab: str) -> None:
    del page  # sets the data folder and role file
    for role in ("publiek", f"kring:{circles[0]}", "departement"):
        at = _open(
            AppTest.from_file(PAGE, default_timeout=TIMEOUT), kring=circles[0], role=role, tab=tab
        )
        assert not at.error
        details = role != "publiek"
        if tab == "Praktijken":
            assert list(_table(at).columns) == circle.practice_columns(details)
        if tab in ("Trechterdiagram", "GMD en VTE", "Betalingssysteem"):
            assert len(at.get("vega_lite_chart")) == int(details)


# --------------------------------------------------------------------------- privacy
GP_LEVEL_COLUMNS = {
    "riziv_id": "99887766",
    "gp_name": "Dr. Sentinel Huisarts",
    "birth_year_text": "geboren-1899",
    "hours_per_week_text": "uren-66-per-week",
    "workload_text": "werklast-zeer-hoog",
}


@pytest.fixture
def leaky_data(built_data: Path, tmp_path: Path) -> Path:
    """The test build with GP-level fields and identifiers added to the practices mart."""
    out = tmp_path / "leaky"
    shutil.copytree(built_data, out)
    path = out / "practices.parquet"
    frame = pl.read_parquet(path).with_columns(
        pl.lit(value).alias(name) for name, value in GP_LEVEL_COLUMNS.items()
    )
    frame.write_parquet(path)
    return out


def _serialised(node: Any) -> Iterator[bytes]:
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "SerializeToString"):
        yield proto.SerializeToString()
    for child in getattr(node, "children", {}).values():
        yield from _serialised(child)


def test_no_gp_level_field_or_identifier_reaches_the_page_or_a_download(
    leaky_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    downloads: dict[str, bytes],
    circles: list[str],
) -> None:
    """Given a practices mart that carries GP-level fields and an identifier, when the
    Departement (who sees everything) opens every tab, then none of them appears in any
    element on the page (tables, charts, maps, texts) nor in a download."""
    # No role file at all (demo mode needs none: a configured role file turns the demo
    # role switch off, docs/access.md).
    monkeypatch.delenv(roles.ROLES_ENV, raising=False)
    monkeypatch.setattr(roles, "DEFAULT_ROLES_FILE", tmp_path / "geen" / "roles.toml")
    monkeypatch.setenv("POPMGMT_DATA", str(leaky_data))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    seen: list[bytes] = []
    for tab in TABS:
        _open(at, kring=circles[0], role="departement", tab=tab)
        seen += list(_serialised(at._tree))
    seen += list(downloads.values())
    # XLSX, CSV for Excel, CSV for analysts of the indicator and practice tables; the PDF.
    year = max(circle.practice_years(pl.read_parquet(leaky_data / "practices.parquet"), circles[0]))
    assert set(downloads) == {
        *(f"kring_{circles[0]}_indicatoren{ext}" for ext in (".xlsx", "_excel.csv", ".csv")),
        *(f"praktijken_{circles[0]}_{year}{ext}" for ext in (".xlsx", "_excel.csv", ".csv")),
        f"omgevingsanalyse_kring_{circles[0]}.pdf",
    }
    # The PDF's streams are compressed: read its text.
    pdf = PdfReader(io.BytesIO(downloads[f"omgevingsanalyse_kring_{circles[0]}.pdf"]))
    seen += [(p.extract_text() or "").encode() for p in pdf.pages]
    blob = b"\n".join(seen)
    assert b"PR-" in blob  # the practices are there, by pseudonym
    for name, value in GP_LEVEL_COLUMNS.items():
        assert value.encode() not in blob, value
        assert name.encode() not in blob, name
    for word in (b"RIZIV_ID", b"RIZIV_HCI", b"BIRTH_YEAR", b"HOURS_PER_WEEK", b"WELLBEING"):
        assert word not in blob


# --------------------------------------------------------------------------- summary, PDF


def _in_order(block: Any) -> Iterator[Any]:
    """The page's elements in document order (blocks walked depth-first)."""
    for node in block.children.values():
        if hasattr(node, "children") and node.children:
            yield from _in_order(node)
        else:
            yield node


def _anchors(at: AppTest) -> set[str]:
    return {e.anchor for e in [*at.header, *at.subheader] if e.anchor}


def _summary_links(at: AppTest) -> list[str]:
    boxes = [m.value for m in at.markdown if "[→ grafiek](" in m.value]
    assert len(boxes) == 1
    return re.findall(r"\[→ grafiek\]\(([^)]*)\)", boxes[0])


def _circle_with_trend_link(marts: Marts, circles: list[str]) -> str:
    """A circle whose summary links a worsening trend to the tab 'Evolutie'."""
    available = circle_summary.trend_indicators(marts.values, marts.indicators)
    for code in circles:
        spine = circle_summary.circle_spine(
            marts.values, marts.indicators, code, comparisons=marts.comparisons, trends=marts.trends
        )
        sentences = circle_summary.summary_sentences(spine, available)
        if any(s.anchor == circle_summary.ANCHOR_TREND for s in sentences):
            return code
    raise AssertionError("no circle of the demo has a worsening trend in the trend tab")


def test_summary_comes_first_and_its_links_reach_existing_anchors(
    page: AppTest, circles: list[str], marts: Marts
) -> None:
    """Given a circle with a worsening trend, the first heading under the title is "Wat
    valt op in …"; every "#…" link names an anchor of this run, and every link to the tab
    "Evolutie" opens that tab with its indicator chosen and an anchor of that name."""
    code = _circle_with_trend_link(marts, circles)
    _open(page, kring=code, role=f"kring:{code}")
    headings = [e for e in _in_order(page.main) if e.type in ("header", "subheader", "title")]
    assert headings[0].type == "title"
    assert headings[1].value.startswith("Wat valt op in ")
    assert headings[1].anchor == circle_summary.ANCHOR_SUMMARY
    links = _summary_links(page)
    assert any(link.startswith("#") for link in links)
    trend_links = [link for link in links if link.startswith("?")]
    assert trend_links
    anchors = _anchors(page)
    assert circle_summary.ANCHOR_INDICATORS in anchors
    for link in links:
        if link.startswith("#"):
            assert link[1:] in anchors, link
    for link in trend_links:
        parts = urlsplit(link)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert query["kring"] == code
        at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
        at.query_params["indicator"] = query["indicator"]
        _open(at, kring=query["kring"], role=f"kring:{code}", tab=query[TAB_KEY])
        assert parts.fragment in _anchors(at), link
        assert _selectbox(at, "Indicator").value == query["indicator"]


def test_indicator_table_of_the_circle(page: AppTest, circles: list[str], marts: Marts) -> None:
    """Given a circle, the section "Indicatoren" holds the circle's value of every
    indicator published at circle level, against Flanders."""
    _open(page, kring=circles[0])
    tables = [d.value for d in page.dataframe if "Laagste – hoogste kring" in d.value.columns]
    assert len(tables) == 1
    at_level = marts.values.filter(
        (pl.col("level") == "kring") & (pl.col("area_code") == circles[0])
    )
    assert len(tables[0]) == at_level["indicator_code"].n_unique()


def _pdf_texts(at: AppTest, monkeypatch: pytest.MonkeyPatch, *, kring: str, role: str) -> list[str]:
    made: dict[str, bytes] = {}
    original = DeltaGenerator.download_button

    def spy(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        if label == "Omgevingsanalyse (PDF)":
            assert callable(data)  # generated on click, not on every run
            made[str(kwargs["file_name"])] = data()
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    _open(at, kring=kring, role=role)
    monkeypatch.setattr(DeltaGenerator, "download_button", original)
    assert list(made) == [f"omgevingsanalyse_kring_{kring}.pdf"]
    reader = PdfReader(io.BytesIO(made[f"omgevingsanalyse_kring_{kring}.pdf"]))
    return [p.extract_text() or "" for p in reader.pages]


def test_pdf_button_gives_the_omgevingsanalyse_of_the_circle(
    page: AppTest, circles: list[str], marts: Marts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a circle, the page offers "Omgevingsanalyse (PDF)"; the file (made on click)
    opens, has several pages, names the circle, has the summary and the demo label on
    every page, and holds the practice counts for the circle itself only."""
    own, other = circles[0], circles[1]
    texts = _pdf_texts(page, monkeypatch, kring=own, role=f"kring:{own}")
    name = marts.areas.filter(pl.col("area_code") == own)["area_name"][0]
    assert len(texts) > 1
    assert f"Omgevingsanalyse {name} ({own})" in texts[0]
    assert "Wat valt op" in texts[0]
    assert all(labels.DEMO_BADGE in t for t in texts)
    squashed = "".join("".join(t.split()) for t in texts)
    assert "VTE(schatting)" in squashed
    assert "Gemeentenvandekring" in squashed
    assert "Evolutie" in "".join(texts)
    public = _pdf_texts(
        AppTest.from_file(PAGE, default_timeout=TIMEOUT),
        monkeypatch,
        kring=own,
        role=f"kring:{other}",
    )
    squashed_public = "".join("".join(t.split()) for t in public)
    assert "VTE(schatting)" not in squashed_public
    assert "Praktijkvorm" in squashed_public
