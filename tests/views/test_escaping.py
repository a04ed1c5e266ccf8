"""One escaping helper for every string from data: HTML and Markdown (no Streamlit)."""

from __future__ import annotations

import pytest

from popmgmt.views import labels

PAYLOADS = [
    "<style>body{display:none}</style>",
    "<a href=http://evil>x</a>",
    "<img src=x onerror=alert(1)>",
    "[klik](http://evil)",
    '=HYPERLINK("http://x")',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_text_leaves_no_tag(payload: str) -> None:
    out = labels.html_text(payload)
    assert "<" not in out
    assert ">" not in out
    assert '"' not in out


def test_html_text_round_trips_to_the_same_characters() -> None:
    import html  # noqa: PLC0415

    for payload in PAYLOADS:
        assert html.unescape(labels.html_text(payload)) == payload
    assert labels.html_text(None) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[klik](http://evil)", "\\[klik\\](http\u2060\\://evil)"),
        ("**vet**", r"\*\*vet\*\*"),
        ("_nadruk_ en __vet__", r"\_nadruk\_ en \_\_vet\_\_"),
        ("gp_per_10k", "gp_per_10k"),
        ("<style>x</style>", r"\<style\>x\</style\>"),
        (":red[rood]", r"\:red\[rood\]"),
        (":material/home:", r"\:material/home:"),
        ("$x^2$", r"\$x^2\$"),
        ("# kop", r"\# kop"),
        ("- lijst", r"\- lijst"),
        ("1. lijst", r"1\. lijst"),
        ("a\n\n# b", r"a \# b"),
        ("www.evil.example", "www\u2060\\.evil.example"),
        ("a@b.example", "a\u2060\\@b.example"),
        ("`code`", r"\`code\`"),
        ("~~weg~~", r"\~\~weg\~\~"),
        ("a | b", r"a \| b"),
        ("back\\slash", r"back\\slash"),
        # ordinary text stays readable
        ("Huisartsen per 10.000 inwoners", "Huisartsen per 10.000 inwoners"),
        ("Zone Gent (elz13)", "Zone Gent (elz13)"),
        ("Bron: IMA Atlas", "Bron: IMA Atlas"),
        (None, ""),
    ],
)
def test_md_text(text: str | None, expected: str) -> None:
    assert labels.md_text(text) == expected


def test_map_legend_escapes_its_title_and_texts() -> None:
    from popmgmt.views import maps  # noqa: PLC0415

    items = [
        maps.LegendItem(colour="#ff0000", text="<img src=x onerror=alert(1)>", rgb=(255, 0, 0)),
        maps.LegendItem(colour="red;background:url(x)", text="b", rgb=(0, 0, 0)),
    ]
    block = maps.legend_html(items, title="<style>body{display:none}</style>")
    assert "<style" not in block
    assert "<img" not in block
    assert "&lt;style&gt;" in block
    assert "url(x)" not in block  # a colour that is not a colour is not passed on


def test_tooltip_fields_escape_only_the_tooltip_texts() -> None:
    from popmgmt.views import maps  # noqa: PLC0415

    fields = maps.tooltip_fields(
        {"tt_name": "<a href=http://evil>x</a> (elz1)", "area_code": "<b>", "fill_color": [1]}
    )
    assert fields["tt_name"] == "&lt;a href=http://evil&gt;x&lt;/a&gt; (elz1)"
    assert fields["area_code"] == "<b>"  # not shown as HTML: left alone
    assert fields["fill_color"] == [1]


def test_pages_use_the_escaping_helpers() -> None:
    """Pages never let raw HTML through Markdown, and take the Flemish summary and the
    indicator definition from `ui` (escaped), not from the store (raw)."""
    from pathlib import Path  # noqa: PLC0415

    root = Path(__file__).resolve().parents[2]
    forbidden = (
        "unsafe_allow_html",
        "store.flanders_summary(",
        "store.indicator_definition_markdown(",
        "zone_tables.definitions_markdown(part, marts.indicators)",
    )
    files = [
        *(root / "pages").glob("*.py"),
        root / "src" / "popmgmt" / "app" / "ui.py",
        root / "app.py",
    ]
    offenders = [
        f"{path.name}: {pattern}"
        for path in files
        for pattern in forbidden
        if pattern in path.read_text(encoding="utf-8")
        and not (path.name == "ui.py" and pattern.startswith("store."))
    ]
    assert offenders == []
