"""The printable zone report: one self-contained HTML file (no Streamlit, no network).

The page hands over the very tables it shows (Dutch text frames), so the report holds
the same figures. The file carries the data vintage, the boundary version, the source
attribution and, for demo builds, the demo label on every printed page. It needs no
scripts, fonts or images from elsewhere: print it to PDF from any browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import polars as pl

from popmgmt.views import labels

REPORT_CSS: Final = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #222; margin: 0 1em; }
h1 { font-size: 18pt; margin: 0.4em 0 0.2em; }
h2 { font-size: 13pt; margin: 1.2em 0 0.3em; border-bottom: 1px solid #999;
     page-break-after: avoid; break-after: avoid; }
p { margin: 0.3em 0; }
.meta { color: #444; font-size: 9pt; }
.demo { border: 2px solid #e67e22; background: #fff3e0; padding: 0.4em 0.6em; margin: 0.5em 0; }
.demo-badge { position: fixed; top: 0; right: 0; background: #e67e22; color: #fff;
              font-weight: bold; padding: 2px 8px; font-size: 9pt; }
.note { background: #f4f6f8; border-left: 3px solid #1f6f8b; padding: 0.3em 0.6em;
        margin: 0.4em 0; }
table { border-collapse: collapse; width: 100%; margin: 0.3em 0 0.6em; font-size: 8.5pt; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
th, td { border: 1px solid #bbb; padding: 2px 4px; text-align: left; vertical-align: top; }
th { background: #e8eef2; }
td.empty { color: #777; font-style: italic; }
footer { margin-top: 1.5em; font-size: 8.5pt; color: #444; border-top: 1px solid #999; }
@media print { .no-print { display: none; } section { break-inside: auto; } }
"""


@dataclass(frozen=True)
class ReportSection:
    """One section of the report: a title, an optional text and a table."""

    title: str
    table: pl.DataFrame | None = None
    intro: str = ""
    notes: Sequence[str] = field(default_factory=tuple)


def plain(text: str) -> str:
    """Markdown emphasis and code marks removed (the report is not Markdown)."""
    return text.replace("**", "").replace("`", "")


def _esc(text: object) -> str:
    """Every text in the report goes through the one escaping helper (names, labels and
    sources from the data included)."""
    return labels.html_text(text)


def table_html(frame: pl.DataFrame) -> str:
    """An HTML table of a (text) frame; empty frames say so."""
    if frame.height == 0:
        return f"<p class='empty'>{_esc(labels.NO_DATA)}</p>"
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.iter_rows():
        cells = "".join(
            f"<td class='empty'>{_esc(labels.NO_DATA)}</td>"
            if value is None
            else f"<td>{_esc(value)}</td>"
            for value in row
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def zone_report_html(
    *,
    zone_code: str,
    zone_name: str,
    sections: Sequence[ReportSection],
    demo: bool,
    vintage: str,
    attribution: str,
    boundary_version: str,
    built_at: str,
    notes: Sequence[str] = (),
) -> str:
    """The zone report as one HTML document (UTF-8 text)."""
    title = f"Zoneprofiel {zone_name} ({zone_code})"
    parts = [
        "<!DOCTYPE html>",
        "<html lang='nl'><head><meta charset='utf-8'>",
        f"<title>{_esc(title)}</title>",
        f"<style>{REPORT_CSS}</style></head><body>",
    ]
    if demo:
        parts.append(f"<div class='demo-badge'>{_esc(labels.DEMO_BADGE)}</div>")
    parts.append(f"<h1>{_esc(title)}</h1>")
    parts.append(
        "<p class='meta'>Omgevingsanalyse van een eerstelijnszone: wie woont er, welke "
        "noden, welk zorgaanbod, waar zitten de tekorten, hoe verhoudt de zone zich tot "
        "Vlaanderen en tot vergelijkbare zones.</p>"
    )
    if demo:
        parts.append(f"<div class='demo'>{_esc(plain(labels.DEMO_BANNER))}</div>")
    parts.append(
        "<p class='meta'>"
        f"Gegevens: {_esc(vintage)} · Grenzen {_esc(boundary_version)} · "
        f"Gebouwd: {_esc(built_at)}</p>"
    )
    parts.extend(f"<div class='note'>{_esc(plain(n))}</div>" for n in notes if n)
    for section in sections:
        parts.append(f"<section><h2>{_esc(section.title)}</h2>")
        if section.intro:
            parts.append(f"<p>{_esc(plain(section.intro))}</p>")
        if section.table is not None:
            parts.append(table_html(section.table))
        parts.extend(f"<p class='meta'>{_esc(plain(n))}</p>" for n in section.notes if n)
        parts.append("</section>")
    demo_text = f" · {_esc(labels.DEMO_BADGE)}" if demo else ""
    parts.append(
        "<footer>"
        f"<p>Gegevens: {_esc(vintage)} · Grenzen {_esc(boundary_version)}{demo_text}</p>"
        f"<p>Bronvermelding: {_esc(attribution)}</p>"
        "<p>Onderdrukte cellen (minder dan 5 personen, of afleidbaar uit andere cellen) "
        "staan als 'onderdrukt', nooit als 0.</p>"
        "</footer></body></html>"
    )
    return "\n".join(parts)


def report_file_name(zone_code: str) -> str:
    return f"zoneprofiel_{zone_code}.html"
