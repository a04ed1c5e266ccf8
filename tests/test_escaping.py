"""One escaping helper for every string from data: HTML and Markdown (no Streamlit)."""

from __future__ import annotations

import pytest

from popmgmt import labels

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
