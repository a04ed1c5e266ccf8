"""The omgevingsanalyse as a PDF, made without a browser (no Streamlit here).

The page hands over what it shows: the summary sentences, the Vega-Lite chart specs it
draws, the Dutch tables of the HTML report (`report.ReportSection`), definitions and the
build's vintage. Charts (and the map, a Vega-Lite geoshape chart) are turned into SVG by
vl-convert (`vl_convert`, Vega's own renderer in an embedded JavaScript engine), and
the document is typeset by typst (`typst`, the compiler as a Python extension) into an
A4 landscape PDF: vector charts, a running header with the title and, for demo data,
"DEMODATA" on every page, and a footer with the vintage and page numbers.

Every text from the data goes into the typst source through `typst_text`, which turns
all characters but letters, digits and spaces into typst escapes (`\\u{23}` for `#`),
so nothing in a name can become markup, code, a label or a reference. The SVGs reach
typst through `sys.inputs`, never through the source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import polars as pl

from popmgmt.metrics import peers
from popmgmt.views import labels, maps, report
from popmgmt.views.summary import KINDS, Sentence

PAGE_WIDTH_PT: Final = 770.0  # A4 landscape less the margins
CHART_WIDTH_PX: Final = 860
DEMO_COLOUR: Final = "#e67e22"
FONT: Final = "DejaVu Sans"
SHORT_COLUMN: Final = 16
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")


class ReportError(RuntimeError):
    """The PDF could not be made (a Dutch message for the page)."""


def typst_text(value: object) -> str:
    """`value` as inert typst markup: letters, digits and single spaces stay; every other
    character becomes a unicode escape (`#` -> `\\u{23}`), so `#`, `*`, `_`, `$`, `@`,
    `<`, `]`, `/`, `=` and backslashes are text, never syntax. Line breaks and control
    characters become a space. None becomes the empty text."""
    text = _CONTROL.sub(" ", "" if value is None else str(value))
    out: list[str] = []
    for ch in text:
        if ch == " " or (ch.isalnum() and ch.isprintable()):
            out.append(ch)
        else:
            out.append(f"\\u{{{ord(ch):x}}}")
    return "".join(out)


def plain(text: str) -> str:
    """Markdown emphasis and escapes of our own fixed texts removed (not data texts)."""
    return report.plain(text).replace("\\", "")


# --------------------------------------------------------------------------- content


@dataclass(frozen=True)
class Figure:
    """A chart (Vega-Lite spec) with an optional caption; `width` in points on the page."""

    spec: Mapping[str, Any]
    caption: str = ""
    width: float = PAGE_WIDTH_PT
    px_width: int = CHART_WIDTH_PX


@dataclass(frozen=True)
class Section:
    """One chapter of the PDF: text, bullets, figures (side by side when `columns` > 1),
    then tables (each a `report.ReportSection` with its own title, intro and notes)."""

    title: str
    intro: str = ""
    bullets: Sequence[str] = ()
    figures: Sequence[Figure] = ()
    columns: int = 1
    tables: Sequence[report.ReportSection] = ()
    notes: Sequence[str] = ()
    new_page: bool = False


@dataclass(frozen=True)
class Meta:
    """What every page says: title, demo, vintage, boundaries, build, attribution."""

    title: str
    subtitle: str
    demo: bool
    vintage: str
    boundary_version: str
    built_at: str
    attribution: str
    notes: Sequence[str] = field(default_factory=tuple)


def summary_section(sentences: Sequence[Sentence], *, title: str = "Wat valt op") -> Section:
    """The summary's sentences, by kind, as one section (method sentence as intro)."""
    intro = next((s.text for s in sentences if s.kind == "methode"), "")
    bullets = [
        f"{KINDS[s.kind]}: {s.text}" if s.kind not in ("niets",) else s.text
        for kind in KINDS
        for s in sentences
        if s.kind == kind and kind != "methode"
    ]
    return Section(title, intro=intro, bullets=bullets)


def definitions_table(indicators: pl.DataFrame, codes: Sequence[str]) -> pl.DataFrame:
    """Name, definition, formula, unit, direction, interval, source of each indicator."""
    meta = {r["indicator_code"]: r for r in indicators.iter_rows(named=True)}
    rows = []
    for code in codes:
        m = meta.get(code)
        if m is None:
            continue
        rows.append(
            [
                f"{m.get('name_nl') or code} ({code})",
                str(m.get("description_nl") or ""),
                str(m.get("formula_nl") or "onbekend"),
                str(m.get("unit") or "onbekend"),
                labels.label("direction", m.get("direction")),
                labels.label("interval_method", m.get("interval_method")),
                str(m.get("source") or "onbekend"),
            ]
        )
    columns = ["Indicator", "Definitie", "Formule", "Eenheid", "Richting", "Interval", "Bron"]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


# --------------------------------------------------------------------------- the map


def _centre(geometry: Mapping[str, Any] | None) -> tuple[float, float] | None:
    xs: list[float] = []
    ys: list[float] = []
    for ring in peers.polygon_rings(geometry):
        for point in ring:
            xs.append(float(point[0]))
            ys.append(float(point[1]))
    if not xs:
        return None
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _d3_geometry(geometry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The geometry with every ring reversed: the build writes RFC 7946 rings (exterior
    counter-clockwise), d3-geo (Vega) reads a counter-clockwise exterior on the sphere as
    "everything but the polygon" and would fill the whole map."""
    if not geometry:
        return None
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return {"type": kind, "coordinates": [list(reversed(r)) for r in coords]}
    if kind == "MultiPolygon":
        return {
            "type": kind,
            "coordinates": [[list(reversed(r)) for r in poly] for poly in coords],
        }
    return dict(geometry)


def map_spec(
    features: Sequence[Mapping[str, Any]],
    *,
    classes: Mapping[str, str],
    legend: Sequence[maps.LegendItem],
    legend_title: str,
    title: str,
    outlines: Sequence[Mapping[str, Any]] = (),
    width: int = 620,
    height: int = 360,
) -> dict[str, Any]:
    """A printable choropleth as a Vega-Lite spec: each feature (properties `area_code`,
    `area_name`) filled with the colour of its legend text `classes[area_code]` (grey,
    the legend's last item, when absent), its name at the centre of its box, optional
    zone outlines. Mercator, fitted to the features; no tiles, no network."""
    domain = [item.text for item in legend]
    colours = [item.colour for item in legend]
    missing = legend[-1].text if legend else maps.MISSING_LEGEND_TEXT
    shapes = []
    names = []
    for f in features:
        props = f.get("properties") or {}
        code = str(props.get("area_code", ""))
        name = str(props.get("area_name") or code)
        shapes.append(
            {
                "type": "Feature",
                "geometry": _d3_geometry(f.get("geometry")),
                "properties": {"naam": name, "klasse": classes.get(code, missing)},
            }
        )
        centre = _centre(f.get("geometry"))
        if centre is not None:
            names.append({"lon": centre[0], "lat": centre[1], "naam": name})
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": shapes, "format": {"type": "json"}},
            "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.8},
            "encoding": {
                "color": {
                    "field": "properties.klasse",
                    "type": "nominal",
                    "title": legend_title,
                    "scale": {"domain": domain, "range": colours},
                    "legend": {"orient": "right", "labelLimit": 260, "titleLimit": 260},
                }
            },
        }
    ]
    if outlines:
        layers.append(
            {
                "data": {
                    "values": [
                        {
                            "type": "Feature",
                            "geometry": _d3_geometry(o.get("geometry")),
                            "properties": {},
                        }
                        for o in outlines
                    ],
                    "format": {"type": "json"},
                },
                "mark": {
                    "type": "geoshape",
                    "filled": False,
                    "stroke": "#222222",
                    "strokeWidth": 1.6,
                },
            }
        )
    layers.append(
        {
            "data": {"values": names},
            "mark": {"type": "text", "fontSize": 9, "color": "#111111"},
            "encoding": {
                "longitude": {"field": "lon", "type": "quantitative"},
                "latitude": {"field": "lat", "type": "quantitative"},
                "text": {"field": "naam", "type": "nominal"},
            },
        }
    )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "anchor": "start"},
        "width": width,
        "height": height,
        "projection": {
            "type": "mercator",
            "fit": {"type": "FeatureCollection", "features": shapes},
        },
        "layer": layers,
    }


def indicator_classes(
    values: pl.DataFrame, breaks: Sequence[float], legend: Sequence[maps.LegendItem]
) -> dict[str, str]:
    """area_code -> legend text of its class (suppressed or missing: not in the dict)."""
    out: dict[str, str] = {}
    for r in values.iter_rows(named=True):
        if r.get("suppressed") or r.get("value") is None:
            continue
        index = maps.class_index(r["value"], breaks)
        if index is not None and index < len(legend) - 1:
            out[str(r["area_code"])] = legend[index].text
    return out


# --------------------------------------------------------------------------- rendering


def _for_print(spec: Mapping[str, Any], px_width: int) -> dict[str, Any]:
    """The page's spec with a fixed width (the page's charts fill their container)."""
    out = dict(spec)
    if not isinstance(out.get("width"), int | float):
        out["width"] = px_width
    out.setdefault("autosize", {"type": "fit-x", "contains": "padding"})
    # Vega measures the labels in the font typst draws them with (else they overflow).
    out["config"] = {**dict(out.get("config") or {}), "font": FONT}
    return out


def chart_svg(spec: Mapping[str, Any], px_width: int = CHART_WIDTH_PX) -> str:
    """A Vega-Lite spec as SVG text (vl-convert; fonts as the PDF's)."""
    import vl_convert as vlc  # noqa: PLC0415 (heavy: load on demand)

    try:
        return str(vlc.vegalite_to_svg(_for_print(spec, px_width)))
    except Exception as exc:  # vl-convert raises plain ValueError/RuntimeError
        raise ReportError(f"Een grafiek kon niet getekend worden: {exc}") from exc


def _cell(value: object) -> str:
    if value is None:
        return f"[#text(fill: luma(110))[{typst_text(labels.NO_DATA)}]]"
    return f"[{typst_text(value)}]"


def column_widths(frame: pl.DataFrame) -> str:
    """Typst column widths: columns of short texts (at most `SHORT_COLUMN` characters in
    every cell) take their natural width; the others share the rest of the page by their
    mean text length (between 8 and 60 characters), so long texts get room to wrap."""
    widths = []
    for col in frame.columns:
        lengths = frame[col].cast(pl.String).fill_null(labels.NO_DATA).str.len_chars()
        longest = int(lengths.max() or 0)  # type: ignore[arg-type]
        if longest <= SHORT_COLUMN:
            widths.append("auto")
        else:
            mean = float(lengths.mean() or 0.0)  # type: ignore[arg-type]
            widths.append(f"{min(max(mean, 8.0), 60.0):.1f}fr")
    return "(" + ", ".join(widths) + ",)"


def table_source(frame: pl.DataFrame) -> str:
    """A typst table of a (text) frame; header repeated on every page."""
    if frame.height == 0 or frame.width == 0:
        return f"#emph[{typst_text(labels.NO_DATA)}]\n"
    header = ", ".join(f"[*{typst_text(c)}*]" for c in frame.columns)
    body = ",\n".join(", ".join(_cell(v) for v in row) for row in frame.iter_rows())
    size = "7pt" if frame.width > 8 else "7.5pt"
    return (
        f"#block(width: 100%)[#set text(size: {size})\n"
        f"#table(columns: {column_widths(frame)}, stroke: 0.4pt + luma(170), inset: 2.5pt,\n"
        'fill: (x, y) => if y == 0 { rgb("#e8eef2") },\n'
        f"table.header({header}),\n{body})]\n"
    )


def _figure_source(key: str, figure: Figure) -> str:
    width = min(figure.width, PAGE_WIDTH_PT)
    caption = (
        f"\n#text(size: 7.5pt, fill: luma(70))[{typst_text(figure.caption)}]"
        if figure.caption
        else ""
    )
    return (
        f'#block(breakable: false)[#image(bytes(sys.inputs.at("{key}")), format: "svg", '
        f"width: {width:.0f}pt){caption}]\n"
    )


def _header(meta: Meta) -> str:
    demo = (
        f'#box(fill: rgb("{DEMO_COLOUR}"), inset: (x: 5pt, y: 2pt))'
        f'[#text(fill: white, weight: "bold")[{typst_text(labels.DEMO_BADGE)}]]'
        if meta.demo
        else ""
    )
    return f"#set text(size: 7.5pt, fill: luma(60))\n{typst_text(meta.title)} #h(1fr) {demo}"


def _footer(meta: Meta) -> str:
    demo = f" {typst_text('·')} {typst_text(labels.DEMO_BADGE)}" if meta.demo else ""
    return (
        "#set text(size: 7pt, fill: luma(60))\n"
        f"{typst_text('Gegevens: ' + meta.vintage + ' · Grenzen ' + meta.boundary_version)}"
        f"{demo} #h(1fr) Pagina #counter(page).display() van "
        "#counter(page).final().first()"
    )


def document_source(
    meta: Meta, sections: Sequence[Section]
) -> tuple[str, dict[str, tuple[Mapping[str, Any], int]]]:
    """The typst source of the report and its figures (key -> (spec, width in px)), in
    order; `render` passes each figure's SVG as `sys.inputs` under its key."""
    figures: dict[str, tuple[Mapping[str, Any], int]] = {}
    parts = [
        f'#set document(title: "{_string(meta.title)}", author: "popmgmt")',
        '#set page(paper: "a4", flipped: true, margin: (x: 13mm, top: 17mm, bottom: 15mm),',
        f"  header: context [{_header(meta)}],",
        f"  footer: context [{_footer(meta)}])",
        '#set text(lang: "nl", region: "be", size: 9.5pt, font: ("DejaVu Sans", '
        '"Libertinus Serif"))',
        "#set par(justify: false, leading: 0.55em)",
        "#show heading.where(level: 1): it => block(below: 0.6em)[#set text(size: 18pt); #it]",
        "#show heading.where(level: 2): it => block(above: 1.1em, below: 0.5em)"
        '[#set text(size: 13pt, fill: rgb("#1f4e66")); #it]',
        "#show heading.where(level: 3): set text(size: 10.5pt)",
        f"= {typst_text(meta.title)}",
        f"#text(fill: luma(60))[{typst_text(meta.subtitle)}]",
        "",
    ]
    if meta.demo:
        parts.append(
            f'#block(fill: rgb("#fff3e0"), stroke: 1.5pt + rgb("{DEMO_COLOUR}"), '
            f"inset: 6pt, width: 100%)[{typst_text(plain(labels.DEMO_BANNER))}]"
        )
    parts.append(
        f"#text(size: 8.5pt, fill: luma(60))[{typst_text('Gegevens: ' + meta.vintage)} "
        f"#linebreak() {typst_text(f'Grenzen {meta.boundary_version} · Gebouwd: {meta.built_at}')}]"
    )
    parts += [
        f"#block(fill: luma(245), inset: 5pt, width: 100%)[{typst_text(plain(n))}]"
        for n in meta.notes
        if n
    ]
    for section in sections:
        if section.new_page:
            parts.append("#pagebreak(weak: true)")
        parts.append(f"== {typst_text(section.title)}")
        if section.intro:
            parts.append(f"#text(size: 8.5pt)[{typst_text(plain(section.intro))}]\n")
        parts += [f"- {typst_text(plain(b))}" for b in section.bullets]
        if section.bullets:
            parts.append("")
        keys = []
        for figure in section.figures:
            key = f"fig{len(figures)}"
            figures[key] = (figure.spec, figure.px_width)
            keys.append((key, figure))
        if keys and section.columns > 1:
            cells = ", ".join(f"[{_figure_source(k, f)}]" for k, f in keys)
            parts.append(f"#grid(columns: {section.columns}, gutter: 8pt, {cells})")
        else:
            parts += [_figure_source(k, f) for k, f in keys]
        for t in section.tables:
            parts.append(f"=== {typst_text(t.title)}")
            if t.intro:
                parts.append(f"#text(size: 8pt)[{typst_text(plain(t.intro))}]\n")
            if t.table is not None:
                parts.append(table_source(t.table))
            parts += [
                f"#text(size: 7.5pt, fill: luma(60))[{typst_text(plain(n))}]\n"
                for n in t.notes
                if n
            ]
        parts += [
            f"#text(size: 7.5pt, fill: luma(60))[{typst_text(plain(n))}]\n"
            for n in section.notes
            if n
        ]
    parts += [
        "== Bronnen en jaargang",
        f"{typst_text('Gegevens: ' + meta.vintage)}",
        "",
        f"{typst_text('Grenzen: ' + meta.boundary_version + '. Gebouwd: ' + meta.built_at + '.')}",
        "",
        f"{typst_text('Bronvermelding: ' + meta.attribution)}",
        "",
        typst_text(
            "Onderdrukte cellen (minder dan 5 personen, of afleidbaar uit andere cellen) staan "
            "als 'onderdrukt', nooit als 0. Geen cijfer steunt op minder dan 3 huisartsen."
        ),
    ]
    return "\n".join(parts) + "\n", figures


def _string(text: str) -> str:
    """Text inside a typst string literal (document metadata)."""
    return _CONTROL.sub(" ", text).replace("\\", "\\\\").replace('"', '\\"')


def render(meta: Meta, sections: Sequence[Section], *, timestamp: datetime | None = None) -> bytes:
    """The PDF (bytes). Charts are drawn first (vl-convert), then typeset (typst).
    `timestamp` is the document's creation date (default: now); a fixed one gives the
    same bytes for the same content. ReportError with a Dutch message on failure."""
    import typst  # noqa: PLC0415 (heavy: load on demand)

    source, specs = document_source(meta, sections)
    inputs = {key: chart_svg(spec, px) for key, (spec, px) in specs.items()}
    try:
        pdf = typst.compile(
            source.encode("utf-8"),
            format="pdf",
            sys_inputs=inputs,
            timestamp=(timestamp or datetime.now(UTC)).replace(microsecond=0),
        )
    except Exception as exc:  # typst.TypstError and font/image errors
        raise ReportError(f"Het PDF-rapport kon niet gemaakt worden: {exc}") from exc
    if not isinstance(pdf, bytes):
        raise ReportError("Het PDF-rapport kon niet gemaakt worden (geen uitvoer).")
    return pdf


def file_name(kind: str, code: str) -> str:
    """ "omgevingsanalyse_zone_elz13.pdf"."""
    clean = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code)
    return f"omgevingsanalyse_{kind}_{clean}.pdf"
