"""The omgevingsanalyse as a PDF (`popmgmt.views.pdf_report`, `zone.zone_pdf`).

Given hostile names, the typst escape keeps them text (compiled and read back). Given the
built demo data, a zone's PDF opens, has several pages, names the zone, holds the summary
sentences, "DEMODATA" on every page, and vector charts and a map (form XObjects).
"""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from popmgmt.app import store
from popmgmt.metrics import peers
from popmgmt.views import (
    labels,
    maps,
    pdca_display,
    pdf_report,
    report,
    zone,
    zone_charts,
    zone_model,
    zone_tables,
)
from popmgmt.views.summary import Sentence

HOSTILE = [
    "#let x = 1",
    "*vet* _schuin_",
    "$x^2$",
    "@ref <label>",
    "a]b[c",
    "back\\slash \\u{41}",
    "// geen commentaar /* ook niet */",
    "= kop",
    "- lijst",
    "1. genummerd",
    "`code` ~ 'aan' \"hal\" http://evil.example",
    "Sint-Niklaas & Co (€ 5)",
]
META = pdf_report.Meta(
    title="Omgevingsanalyse #test",
    subtitle="ondertitel",
    demo=True,
    vintage="IMA 2024",
    boundary_version="2025",
    built_at="2026-01-01",
    attribution="bron",
)
FIXED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _text(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [page.extract_text() or "" for page in reader.pages]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("name", HOSTILE)
def test_typst_text_leaves_only_letters_digits_spaces_and_escapes(name: str) -> None:
    escaped = pdf_report.typst_text(name)
    assert re.fullmatch(r"([\w ]|\\u\{[0-9a-f]+\})*", escaped), escaped
    assert not re.search(r"[#*_$@<>\[\]`/=]", escaped.replace("\\u{", "").replace("}", ""))


def test_typst_text_line_breaks_and_none() -> None:
    assert pdf_report.typst_text(None) == ""
    assert pdf_report.typst_text("a\nb\r\nc") == "a b c"


def test_hostile_names_compile_and_read_back_as_typed() -> None:
    """Given every hostile name as a bullet, a table cell and a section title, when the
    PDF is made, then each reads back exactly as typed (no markup took effect)."""
    table = pl.DataFrame({"Naam": HOSTILE, "Waarde": [str(i) for i in range(len(HOSTILE))]})
    sections = [
        pdf_report.Section(
            HOSTILE[0],
            intro=HOSTILE[1],
            bullets=HOSTILE,
            tables=[report.ReportSection(HOSTILE[2], table)],
        )
    ]
    pdf = pdf_report.render(META, sections, timestamp=FIXED)
    text = _squash("".join(_text(pdf)))
    for name in HOSTILE:
        assert _squash(name) in text, name
    assert "Omgevingsanalyse#test" in text


def test_same_content_same_bytes() -> None:
    sections = [pdf_report.Section("Titel", bullets=["een", "twee"])]
    first = pdf_report.render(META, sections, timestamp=FIXED)
    assert first == pdf_report.render(META, sections, timestamp=FIXED)
    assert first.startswith(b"%PDF-")


def test_summary_section_groups_by_kind() -> None:
    sentences = [
        Sentence("methode", "Zo gelezen.", "indicatoren"),
        Sentence("trend", "B daalt.", "trends", "b"),
        Sentence("vlaanderen", "A is slechter.", "indicatoren", "a"),
    ]
    section = pdf_report.summary_section(sentences)
    assert section.intro == "Zo gelezen."
    assert list(section.bullets) == [
        "Slechter dan Vlaanderen: A is slechter.",
        "Verslechterend: B daalt.",
    ]


def test_column_widths_short_columns_natural_long_ones_shared() -> None:
    frame = pl.DataFrame({"Jaar": ["2024"], "Definitie": ["x" * 100], "Naam": ["y" * 30]})
    assert pdf_report.column_widths(frame) == "(auto, 60.0fr, 30.0fr,)"


def test_map_spec_reverses_rings_for_d3_and_colours_by_class() -> None:
    ring = [[4.0, 51.0], [4.1, 51.0], [4.1, 51.1], [4.0, 51.1], [4.0, 51.0]]
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"area_code": "11001", "area_name": "A<b>"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]},
            "properties": {"area_code": "11002", "area_name": "B"},
        },
    ]
    breaks = [0.0, 10.0, 20.0]
    legend = maps.legend_items(breaks, unit="%")
    values = pl.DataFrame(
        {"area_code": ["11001", "11002"], "value": [5.0, None], "suppressed": [False, True]}
    )
    classes = pdf_report.indicator_classes(values, breaks, legend)
    assert classes == {"11001": legend[0].text}
    spec = pdf_report.map_spec(
        features, classes=classes, legend=legend, legend_title="t", title="kaart"
    )
    shapes = spec["layer"][0]["data"]["values"]
    assert shapes[0]["geometry"]["coordinates"][0] == list(reversed(ring))
    assert shapes[1]["geometry"]["coordinates"][0][0] == list(reversed(ring))
    assert [s["properties"]["klasse"] for s in shapes] == [legend[0].text, legend[-1].text]
    assert spec["layer"][0]["encoding"]["color"]["scale"]["range"] == [i.colour for i in legend]
    assert [n["naam"] for n in spec["layer"][-1]["data"]["values"]] == ["A<b>", "B"]
    svg = pdf_report.chart_svg(spec, 400)
    assert "<path" in svg
    assert "A&lt;b&gt;" in svg


def _zone_pdf(marts: store.Marts, code: str, indicator: str) -> tuple[bytes, Any, float]:
    values = marts.values
    profile = zone.build_profile(
        code,
        values=values,
        indicators=marts.indicators,
        areas=marts.areas,
        population=marts.population,
        practices=marts.practices,
        ranges=zone_model.zone_ranges(values),
        features=peers.zone_features(marts.areas, marts.population, values),
        adjacency=peers.zone_adjacency(store.load_geojson(marts, "zone")),
        comparisons=marts.comparisons,
        trends=marts.trends,
    )
    meta_row = store.indicator_meta(marts, indicator)
    unit = meta_row.get("unit")
    name = str(meta_row["name_nl"])
    year = store.latest_year(marts, indicator, level="gemeente")
    assert year is not None
    all_munis = store.indicator_map_values(marts, indicator, year, level="gemeente")
    munis = all_munis.filter(
        pl.col("area_code").is_in(profile.municipalities["area_code"].implode())
    )
    breaks = maps.class_breaks(all_munis.filter(~pl.col("suppressed"))["value"], n=5)
    legend = maps.legend_items(breaks, unit=unit)
    geo = zone_model.select_features(
        store.load_geojson(marts, "gemeente"), profile.municipalities["area_code"].to_list()
    )
    names = dict(
        marts.areas.filter(pl.col("level") == "zone").select("area_code", "area_name").iter_rows()
    )
    series = zone_model.trend_series(values, indicator, code, profile.peer_codes, names)
    figures = zone.PdfFigures(
        population_index=zone_charts.population_index_spec(profile.trend, profile.zone_name),
        pyramid=zone_charts.pyramid_spec(
            profile.pyramid, profile.zone_name, profile.pyramid_year or 0
        ),
        municipality_map=pdf_report.map_spec(
            geo["features"],
            classes=pdf_report.indicator_classes(munis, breaks, legend),
            legend=legend,
            legend_title=name,
            title=f"Gemeenten: {name}",
        ),
        spines=[
            zone_charts.spine_spec(
                profile.spine.filter(pl.col("aim_domain") == d), labels.label("aim_domain", d)
            )
            for d in zone_model.domains_present(profile.spine)
        ],
        comparison=None,
        trend=zone_charts.trend_spec(series, unit=unit, indicator_name=name),
    )
    meta = pdf_report.Meta(
        title=f"Omgevingsanalyse {profile.zone_name} ({code})",
        subtitle="Zoneprofiel",
        demo=store.is_demo(marts),
        vintage=store.vintage_text(marts),
        boundary_version=store.boundary_version(marts),
        built_at=store.built_at_text(marts),
        attribution=store.attribution_text(marts),
    )
    start = time.perf_counter()
    pdf = zone.zone_pdf(
        profile,
        figures=figures,
        municipality_table=zone_tables.municipality_display(
            profile.municipalities, munis, unit=unit, indicator_name=name
        ),
        trend_table=zone_tables.trend_display(series, unit=unit),
        indicator_name=name,
        indicators=marts.indicators,
        meta=meta,
    )
    return pdf, profile, time.perf_counter() - start


def _drawing(reader: PdfReader, page: Any) -> Counter[str]:
    """The page's drawing operators: curves (`c`) and XObjects (`Do`) come only from the
    charts and the map (typst draws an SVG as paths; tables and text have no curves);
    lines (`l`) from tables too."""
    ops = ContentStream(page.get_contents(), reader).operations
    return Counter(op.decode() for _, op in ops if op in (b"c", b"l", b"Do"))


def test_zone_pdf_opens_with_summary_charts_map_and_demo_label(marts: store.Marts) -> None:
    """Given the built demo data and a zone, when its PDF is made, then it opens, has more
    than one page, names the zone, holds every summary sentence, says DEMODATA on every
    page, and draws charts and the map as embedded vector graphics."""
    code = "elz13"
    pdf, profile, seconds = _zone_pdf(marts, code, "ima_gmd")
    reader = PdfReader(io.BytesIO(pdf))
    pages = [p.extract_text() or "" for p in reader.pages]
    assert len(pages) > 1
    assert f"{profile.zone_name} ({code})" in pages[0]
    whole = _squash("".join(pages))
    sentences = zone.summary_sentences(profile)
    assert sentences
    for sentence in sentences:
        assert _squash(sentence.text) in whole, sentence.text
    assert all(labels.DEMO_BADGE in p for p in pages)
    drawn = [_drawing(reader, p) for p in reader.pages]
    with_charts = [i for i, d in enumerate(drawn) if d["c"] + d["Do"] > 0]
    assert len(with_charts) >= 4  # index and pyramid, map, spines, trend
    assert drawn[0]["c"] + drawn[0]["Do"] == 0  # the first page is text
    map_page = next(i for i, p in enumerate(pages) if "Gemeenten van de zone" in p)
    assert map_page in with_charts
    assert drawn[map_page]["l"] > 100  # the municipality's outline
    for title in ("Wat valt op", "Definities van de indicatoren", "Bronnen en jaargang"):
        assert title in "".join(pages)
    assert seconds < 60  # generous: the machine is shared; docs/report.md has the timing


def test_the_pdca_chapter_prints_the_actions_and_their_chart() -> None:
    """The zone's log as printed: the action's title and verdict are in the PDF text,
    its chart is drawn (the page has vector paths), a hostile title prints as typed."""

    @dataclass(frozen=True)
    class Action:
        id: int = 1
        title: str = 'Huisbezoeken 75+ #[x] "quote"'
        day: date = date(2020, 6, 1)
        indicator_code: str = "ima_gmd"
        target_value: float = 64.0
        target_year: int = 2022
        owner: str = "Coördinator"
        status: str = "lopend"

    values = pl.DataFrame(
        {
            "indicator_code": ["ima_gmd"] * 3,
            "level": ["zone"] * 3,
            "area_code": ["elz13"] * 3,
            "year": [2019, 2021, 2022],
            "numerator": [600, 640, 660],
            "denominator": [1000] * 3,
            "value": [60.0, 64.0, 66.0],
            "ci_low": [57.0, 61.0, 63.0],
            "ci_high": [63.0, 67.0, 69.0],
            "suppressed": [False] * 3,
        }
    )
    meta_row = {"unit": "%", "direction": "hoger_beter", "interval_method": "wilson"}
    action = Action()
    section = pdca_display.pdf_section(
        [action],
        {1: pdca_display.evaluate_action(action, values, meta_row, "elz13")},
        {"ima_gmd": {**meta_row, "name_nl": "Inwoners met een GMD"}},
        zone_label="Gent (elz13)",
        source="IMA-Atlas (demo)",
    )
    meta = pdf_report.Meta(
        title="Omgevingsanalyse Gent (elz13)",
        subtitle="Zoneprofiel",
        demo=True,
        vintage="demo",
        boundary_version="2025",
        built_at="vandaag",
        attribution="demo",
    )
    pdf = pdf_report.render(meta, [section], timestamp=datetime(2026, 1, 1, tzinfo=UTC))
    text = _squash(" ".join(_text(pdf)))
    assert _squash("Acties en opvolging (PDCA)") in text
    assert _squash('Huisbezoeken 75+ #[x] "quote"') in text
    assert _squash("doel bereikt") in text
    reader = PdfReader(io.BytesIO(pdf))
    drawn = Counter[str]()
    for page in reader.pages:
        drawn += _drawing(reader, page)
    assert drawn["c"] + drawn["Do"] > 0  # the chart (tables draw lines only)
