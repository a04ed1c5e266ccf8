"""Hostile text from the data, end to end: a build whose zone, municipality, circle and
indicator names (and the indicator descriptions, formulas and sources of
atlas_metadata.csv) and a policy marker carry HTML, Markdown and spreadsheet-formula
payloads; every page rendered with AppTest as Departement Zorg (who sees everything).

The payloads must reach the page (so the test can fail) but only as inert text:
Markdown sources hold them backslash-escaped, HTML blocks and map tooltips hold them as
entities, and every CSV/XLSX cell that starts with a formula character starts with `'`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import streamlit as st
from conftest import ROOT
from google.protobuf.json_format import MessageToDict
from pypdf import PdfReader
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from popmgmt.app import annotations as ann
from popmgmt.app import roles
from popmgmt.app.access import Role
from popmgmt.app.navigation import NAVIGATION
from popmgmt.config import refdata_dir
from popmgmt.pipeline.build import PSEUDONYM_KEY_ENV, build
from popmgmt.pipeline.demo import write_demo
from popmgmt.pipeline.refdata import load_refdata
from popmgmt.pipeline.schemas import ATLAS_METADATA_FILE, CIRCLES_FILE

TIMEOUT = 120
STYLE = "<style>body{display:none}</style>"
LINK = "<a href=http://evil>x</a>"
IMG = "<img src=x onerror=alert(1)>"
MD_LINK = "[klik](http://evil)"
FORMULA = '=HYPERLINK("http://x")'

ZONE = "elz13"
ZONE_NAME = f"{FORMULA} {LINK} Gent"
MUNICIPALITY = "44021"
MUNICIPALITY_NAME = f"{IMG} {MD_LINK} Gent"
CIRCLE_NAME = f"{STYLE} :red[kring] {MD_LINK}"
MARKER = f"{FORMULA} {IMG} {MD_LINK}"
ANALYST = "analist@departement-zorg.example"
ATLAS = "ima_gmd"  # an Atlas indicator: its name, description, formula and source are hostile

# A payload rendered live: an unescaped tag or link in Markdown, a tag in HTML.
MD_LIVE = re.compile(
    r"(?<!\\)<(style|a\s|img\s)|(?<!\\)\[klik(?<!\\)\]\(|(?<!\\):red(?<!\\)\[|http(?!\u2060)\S?://evil"
)
MD_INERT = (r"\<style\>", "\\<a href=http\u2060\\://evil\\>", r"\<img src=x onerror=alert(1)\>")
BAD_TAGS = {"style", "a", "img", "script", "iframe"}


def _set(frame: pl.DataFrame, column: str, where: pl.Expr, value: str) -> pl.DataFrame:
    assert frame.filter(where).height, f"nothing to change in {column}"
    return frame.with_columns(
        pl.when(where).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Raw demo files and a reference geography with hostile names, built."""
    base = tmp_path_factory.mktemp("hostile")
    refdir = base / "refdata"
    shutil.copytree(refdata_dir(), refdir)
    for name, code_col, zone_col in (
        ("municipalities_2025.csv", "nis_code_2025", "elz_code_pinc"),
        ("elz_municipality_2025.csv", "nis_code_2025", "elz_code_pinc"),
    ):
        path = refdir / name
        frame = pl.read_csv(path, infer_schema=False)
        frame = _set(frame, "elz_name", pl.col(zone_col) == ZONE, ZONE_NAME)
        muni_col = "name_nl" if "name_nl" in frame.columns else "municipality_nl"
        frame = _set(frame, muni_col, pl.col(code_col) == MUNICIPALITY, MUNICIPALITY_NAME)
        frame.write_csv(path)
    refdata = load_refdata(refdir)
    raw = base / "raw"
    # Edited demo files are no longer the generator's: the build treats them as a
    # real delivery, which must cover all of Flanders and bring a pseudonym key.
    write_demo(raw, refdata=refdata, scale=1.0)
    meta = pl.read_csv(raw / ATLAS_METADATA_FILE, infer_schema=False)
    meta = meta.with_columns(
        (pl.lit(f"{STYLE} ") + pl.col("NAME_NL")).alias("NAME_NL"),
        pl.lit(f"{LINK} {MD_LINK}").alias("DESCRIPTION_NL"),
        pl.lit(f"{MD_LINK} **vet** :red[rood]").alias("FORMULA_NL"),
        pl.lit(f"{IMG} {FORMULA}").alias("SOURCE"),
    )
    meta.write_csv(raw / ATLAS_METADATA_FILE)
    circles = pl.read_csv(raw / CIRCLES_FILE, infer_schema=False)
    circle = circles.filter(pl.col("REFNIS") == MUNICIPALITY)["CIRCLE_CODE"][0]
    _set(circles, "CIRCLE_NAME", pl.col("CIRCLE_CODE") == circle, CIRCLE_NAME).write_csv(
        raw / CIRCLES_FILE
    )
    out = base / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PSEUDONYM_KEY_ENV, "hostile-test-key-of-enough-length")
        build(raw, out, refdata=refdata)
    (base / "circle.txt").write_text(circle, encoding="utf-8")
    return out


@pytest.fixture
def signed_in(hostile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Departement Zorg signed in (a role file with its domain; real access mode, so this
    holds whatever the manifest's demo flag says), and a hostile Flemish marker."""
    rules = tmp_path / "roles.toml"
    rules.write_text(
        '[[rule]]\ndomain = "departement-zorg.example"\nrole = "departement"\n', encoding="utf-8"
    )
    monkeypatch.setenv(roles.ROLES_ENV, str(rules))
    monkeypatch.setenv("POPMGMT_DATA", str(hostile))
    state = tmp_path / "state"
    monkeypatch.setenv(ann.STATE_ENV, str(state))
    writer = ann.Writer(Role("departement"), ANALYST)
    ann.add_annotation(state / ann.DB_FILE, date(2020, 3, 1), MARKER, writer=writer)
    return hostile


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What the pages offer for download, by file name (a deferred callable is called)."""
    captured: dict[str, bytes] = {}
    original = DeltaGenerator.download_button
    original_main = st.download_button

    def keep(data: Any, kwargs: dict[str, Any]) -> None:
        content = data() if callable(data) else data
        captured[str(kwargs.get("file_name"))] = (
            content.encode("utf-8") if isinstance(content, str) else bytes(content)
        )

    def spy(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        keep(data, kwargs)
        return original(self, label, data, *args, **kwargs)

    def spy_main(label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        keep(data, kwargs)
        return original_main(label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    monkeypatch.setattr(st, "download_button", spy_main)
    return captured


def _run(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT)
    at.user = {"is_logged_in": True, "email": ANALYST, "email_verified": True}
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# --- what the page holds, by kind ------------------------------------------------------------


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _nodes(child)


def _elements(at: AppTest) -> Iterator[tuple[str, dict[str, Any]]]:
    """(element type, proto as a dict) for every element of the page."""
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        yield str(getattr(node, "type", "")), MessageToDict(proto)


def _texts(at: AppTest) -> tuple[list[str], list[str], list[str]]:
    """(Markdown sources, HTML bodies, map tooltip texts) of the page."""
    markdown: list[str] = []
    html_bodies: list[str] = []
    tooltips: list[str] = []
    for kind, proto in _elements(at):
        if kind == "html":
            html_bodies.append(str(proto.get("body", "")))
        elif kind == "deck_gl_json_chart":
            deck = json.loads(proto.get("json", "{}"))
            for layer in deck.get("layers", []):
                data = layer.get("data")
                rows = data.get("features", []) if isinstance(data, dict) else data or []
                for row in rows:
                    fields = row.get("properties", row) if isinstance(row, dict) else {}
                    tooltips += [str(v) for k, v in fields.items() if k.startswith("tt_")]
        elif kind in {"arrow_data_frame", "arrow_vega_lite_chart", "vega_lite_chart"}:
            continue  # tables and charts show text as text
        else:
            markdown += [
                proto[key] for key in ("body", "label", "help") if isinstance(proto.get(key), str)
            ]
            if kind == "radio":
                markdown += [str(o) for o in proto.get("options", [])]
    return markdown, html_bodies, tooltips


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]


def _tags(text: str) -> _Tags:
    parser = _Tags()
    parser.feed(text)
    return parser


def _assert_inert(at: AppTest, *, expect_markdown: bool = True) -> tuple[list[str], list[str]]:
    markdown, bodies, tooltips = _texts(at)
    live = [m for m in markdown if MD_LIVE.search(m)]
    assert not live, live
    if expect_markdown:
        assert any(inert in m for m in markdown for inert in MD_INERT), "payload not rendered"
    for body in bodies:
        found = _tags(body)
        assert not BAD_TAGS & set(found.tags), (found.tags, body)
        assert not any(a.startswith("on") for a in found.attributes), body
    for tip in tooltips:
        assert not BAD_TAGS & set(_tags(tip).tags), tip
    return bodies, tooltips


# --- the pages --------------------------------------------------------------------------------


def test_overview_renders_hostile_names_as_text(signed_in: Path) -> None:
    at = _run("app.py")
    assert "**Uw rol:** Departement Zorg" in "\n".join(m.value for m in at.sidebar.markdown)
    bodies, tooltips = _assert_inert(at)
    assert any("&lt;style&gt;" in b for b in bodies)  # the legend's indicator name
    assert any("&lt;a href=http://evil&gt;" in t for t in tooltips)  # the zone's tooltip


def test_monitor_renders_the_hostile_marker_as_text(
    signed_in: Path, downloads: dict[str, bytes]
) -> None:
    at = _run("pages/monitor.py", indicator=ATLAS)
    _assert_inert(at)
    tables = [d.value for d in at.dataframe if "Label" in d.value.columns]
    assert [MARKER] in [t["Label"].to_list() for t in tables]  # stored and shown as given
    csv_name = next(
        n
        for n in downloads
        if n.startswith("markeringen") and n.endswith(".csv") and not n.endswith("_excel.csv")
    )
    rows = list(csv.reader(io.StringIO(downloads[csv_name].decode("utf-8-sig"))))
    assert rows[1][1] == f"'{MARKER}"
    xlsx_name = csv_name.removesuffix(".csv") + ".xlsx"
    assert f"'{html.escape(MARKER, quote=False)}" in _xlsx_strings(downloads[xlsx_name])
    _assert_no_formula_cells(downloads)


def test_monitor_map_legend_and_tooltips(signed_in: Path) -> None:
    at = _run("pages/monitor.py", view="kaart", indicator=ATLAS)
    bodies, tooltips = _assert_inert(at)
    assert any("&lt;style&gt;" in b for b in bodies)
    assert any("&lt;a href=http://evil&gt;" in t for t in tooltips)


def test_zone_page_report_and_downloads(signed_in: Path, downloads: dict[str, bytes]) -> None:
    at = _run("pages/zone.py", zone=ZONE, deel="alles")
    markdown, _, _ = _texts(at)
    assert any("\\<a href=http\u2060\\://evil\\>" in m for m in markdown)
    _, tooltips = _assert_inert(at)
    assert any("&lt;img src=x onerror=alert(1)&gt;" in t for t in tooltips)  # a municipality
    report = downloads[f"zoneprofiel_{ZONE}.html"].decode("utf-8")
    found = _tags(report)
    assert found.tags.count("style") == 1  # the report's own stylesheet only
    assert not {"a", "img", "script", "iframe"} & set(found.tags)
    assert "&lt;a href=http://evil&gt;" in report
    # The PDF: the hostile zone name is typeset as the characters typed.
    pdf = PdfReader(io.BytesIO(downloads[f"omgevingsanalyse_zone_{ZONE}.pdf"]))
    first = re.sub(r"\s+", "", pdf.pages[0].extract_text() or "")
    assert re.sub(r"\s+", "", ZONE_NAME) in first
    _assert_no_formula_cells(downloads)
    zone_cells = [
        c for name, data in downloads.items() if name.endswith(".csv") for c in _csv_cells(data)
    ]
    assert any(c.startswith("'=HYPERLINK") for c in zone_cells)


def test_circle_page_renders_the_hostile_circle_as_text(
    signed_in: Path, downloads: dict[str, bytes]
) -> None:
    circle = (signed_in.parent / "circle.txt").read_text(encoding="utf-8")
    at = _run("pages/circle.py", kring=circle)
    markdown, bodies, _ = _texts(at)
    assert not [m for m in markdown if MD_LIVE.search(m)]
    assert any(r"\<style\>body{display\:none}\</style\> \:red\[kring\]" in m for m in markdown)
    for body in bodies:
        assert not BAD_TAGS & set(_tags(body).tags)
    _assert_no_formula_cells(downloads)
    # The circle's PDF: the hostile circle name is typeset as the characters typed.
    pdf = PdfReader(io.BytesIO(downloads[f"omgevingsanalyse_kring_{circle}.pdf"]))
    first = re.sub(r"\s+", "", pdf.pages[0].extract_text() or "")
    assert re.sub(r"\s+", "", CIRCLE_NAME) in first


def test_catalogue_renders_hostile_metadata_as_text(
    signed_in: Path, downloads: dict[str, bytes]
) -> None:
    """The catalogue shows every field of the hostile indicator (name, description,
    formula, source) in expander labels and Markdown cards: as the characters typed."""
    at = _run("pages/catalogue.py", zoek=ATLAS)
    _assert_inert(at)
    _assert_no_formula_cells(downloads)


@pytest.mark.parametrize(
    "page",
    [
        p.path
        for pages in NAVIGATION.values()
        for p in pages
        if p.path
        not in {"pages/overview.py", "pages/monitor.py", "pages/zone.py", "pages/circle.py"}
    ],
)
def test_every_other_page_renders_hostile_names_as_text(
    signed_in: Path, page: str, downloads: dict[str, bytes]
) -> None:
    at = _run(page, zone=ZONE, deel="alles")  # every section of a page that has them
    _assert_inert(at, expect_markdown=False)
    _assert_no_formula_cells(downloads)


# --- downloads --------------------------------------------------------------------------------


def _csv_cells(data: bytes, delimiter: str = ",") -> list[str]:
    text = data.decode("utf-8-sig")
    return [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]


def _xlsx_strings(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = book.namelist()
        strings = (
            book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in names else ""
        )
        sheets = [book.read(n).decode() for n in names if n.startswith("xl/worksheets/")]
    assert not any("<f>" in s for s in sheets), "a formula cell"
    return re.findall(r"<t[^>]*>(.*?)</t>", strings, re.DOTALL)


def _assert_no_formula_cells(downloads: dict[str, bytes]) -> None:
    """No CSV or XLSX text cell starts with `=`, `+`, `@`, a tab or CR (those start with
    `'`); a leading `-` is allowed only on a number."""
    assert downloads, "the page offered no download"
    for name, data in downloads.items():
        if name.endswith("_excel.csv"):  # CSV for Excel: `;` and decimal commas
            cells = [c.replace(",", ".", 1) for c in _csv_cells(data, ";")]
        elif name.endswith(".csv"):
            cells = _csv_cells(data)
        elif name.endswith(".xlsx"):
            cells = [html.unescape(c) for c in _xlsx_strings(data)]
        else:
            continue
        for cell in cells:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name, cell)
            if cell.startswith("-"):
                float(cell)  # a plain number, written by the CSV writer
