"""The GP circle's summary and PDF (`popmgmt.views.circle_summary`).

Given tiny spine frames with a known comparison and trend, when the circle's summary is
made, then exactly the expected sentences come out, each anchored where the circle page
has a section ("#indicatoren", or the tab "Evolutie" with the indicator chosen); given
the demo marts, the circle's spine carries the comparisons mart's label at circle level;
the printable map colours the circle's municipalities by zone; the PDF opens, names the
circle, has the demo label on every page and holds only the practice columns the role's
page shows.
"""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pytest
from pypdf import PdfReader

from popmgmt.app import access, store
from popmgmt.views import circle, circle_map, circle_summary, circle_tables, labels
from popmgmt.views.summary import Sentence

SPINE_SCHEMA: dict[str, Any] = {
    "indicator_code": pl.String,
    "name_nl": pl.String,
    "unit": pl.String,
    "direction": pl.String,
    "interval_method": pl.String,
    "area_code": pl.String,
    "year": pl.Int64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "suppressed": pl.Boolean,
    "flanders_value": pl.Float64,
    "comparison": pl.String,
    "comparison_level": pl.String,
    "comparison_method": pl.String,
    "comparison_adjusted": pl.Boolean,
    "trend_direction": pl.String,
    "trend_p_value": pl.Float64,
    "trend_last_year": pl.Int64,
}


def _row(code: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "indicator_code": code,
        "name_nl": f"Indicator {code}",
        "unit": "%",
        "direction": "hoger_beter",
        "interval_method": "wilson",
        "area_code": "hak01",
        "year": 2024,
        "numerator": None,
        "denominator": None,
        "value": 50.0,
        "ci_low": 49.0,
        "ci_high": 51.0,
        "suppressed": False,
        "flanders_value": 50.0,
        "comparison": "vergelijkbaar",
        "comparison_level": None,
        "comparison_method": "additief",
        "comparison_adjusted": True,
        "trend_direction": "geen_significante_verandering",
        "trend_p_value": 0.5,
        "trend_last_year": 2024,
    }
    base.update(kw)
    return base


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SPINE_SCHEMA, orient="row")


def test_circle_sentences_name_the_circle_and_anchor_on_the_circle_page() -> None:
    """Given one indicator worse than Flanders, one worsening in the trend tab's list and
    one worsening outside it, then the sentences read "de kring" and link to
    #indicatoren, to the tab "Evolutie" with the indicator, and to #indicatoren."""
    spine = _frame(
        [
            _row("a", value=40.0, ci_low=38.0, ci_high=42.0, comparison="slechter"),
            _row(
                "gp_per_10k",
                unit="per 10.000",
                value=7.0,
                ci_low=6.0,
                ci_high=8.0,
                flanders_value=7.5,
                trend_direction="dalend",
                trend_p_value=0.01,
            ),
            _row("b", direction="lager_beter", trend_direction="stijgend", trend_p_value=0.02),
            _row("c", direction="neutraal", value=10.0, comparison="slechter"),
        ]
    )
    got = circle_summary.summary_sentences(spine, ["gp_per_10k"])
    assert got == [
        Sentence(
            "methode",
            "Slechter dan Vlaanderen betekent significant slechter op 95%, getoetst met "
            "Spiegelhalter-z tegenover Vlaanderen met correctie voor overdispersie: een verschil "
            "telt pas als het groter is dan de gewone verschillen tussen gebieden. Trends: de "
            "laatste 5 jaren samen getoetst (p < 0,05). Enkel indicatoren waar hoger of lager "
            "beter is; beschrijvende indicatoren zijn nooit 'slechter'.",
            "indicatoren",
        ),
        Sentence(
            "vlaanderen",
            "Indicator a: 40,0 % in de kring tegenover 50,0 % in Vlaanderen (2024; 95%-BI "
            "38,0 – 42,0 %).",
            "indicatoren",
            "a",
        ),
        Sentence(
            "trend",
            "Indicator gp_per_10k daalt significant in de kring over de laatste 5 jaren tot "
            "2024 (een verslechtering; nu 7,0 per 10.000).",
            "evolutie",
            "gp_per_10k",
        ),
        Sentence(
            "trend",
            "Indicator b stijgt significant in de kring over de laatste 5 jaren tot 2024 (een "
            "verslechtering; nu 50,0 %).",
            "indicatoren",
            "b",
        ),
    ]
    assert {s.anchor for s in got} <= circle_summary.CIRCLE_ANCHORS


def test_nothing_stands_out_for_a_circle_names_only_what_was_checked() -> None:
    """Given two directional indicators, neither worse nor worsening, then one sentence
    says nothing stands out, names the comparison and the trend test, and neither
    similar circles nor the GP-poor rule (not assessed for circles)."""
    spine = _frame([_row("a"), _row("b", direction="lager_beter")])
    got = [s for s in circle_summary.summary_sentences(spine, []) if s.kind != "methode"]
    assert got == [
        Sentence(
            "niets",
            "Niets valt op: geen enkele indicator is significant slechter of verslechtert "
            "significant (2 indicatoren met een richting vergeleken met Vlaanderen, op trend "
            "getoetst). Bekijk de indicatoren hieronder voor de kleinere verschillen.",
            "indicatoren",
        )
    ]


def test_href_opens_the_trend_tab_with_the_indicator_or_points_at_the_table() -> None:
    trend = Sentence("trend", "t", "evolutie", "gp_per_10k")
    link = circle_summary.href(trend, "hak 01")
    parts = urlsplit(link)
    assert parts.fragment == "evolutie"
    assert parse_qs(parts.query) == {
        "kring": ["hak 01"],
        "weergave": ["Evolutie"],
        "indicator": ["gp_per_10k"],
    }
    assert circle_summary.href(Sentence("vlaanderen", "t", "indicatoren", "a"), "x") == (
        "#indicatoren"
    )


def test_summary_markdown_escapes_the_text_and_uses_the_circle_links() -> None:
    sentences = [
        Sentence("vlaanderen", "Naam *met* [link](http://x) <b>", "indicatoren", "a"),
        Sentence("trend", "Daalt", "evolutie", "gp_per_10k"),
    ]
    text = circle_summary.summary_markdown(sentences, "hak01")
    assert f"- {labels.md_text(sentences[0].text)} [→ grafiek](#indicatoren)" in text
    assert (
        "- Daalt [→ grafiek](?kring=hak01&weergave=Evolutie&indicator=gp_per_10k#evolutie)" in text
    )
    assert "[link](http" not in text


@pytest.mark.parametrize(
    ("asked", "expected"),
    [("GP_PER_10K ", "gp_per_10k"), ("onbekend", None), (None, None), ("", None)],
)
def test_trend_choice(asked: str | None, expected: str | None) -> None:
    assert circle_summary.trend_choice(asked, ["ima_gmd", "gp_per_10k"]) == expected


def test_indicator_table_is_named_for_a_circle() -> None:
    spine = _frame([_row("a")]).with_columns(
        pl.lit("kwaliteit").alias("aim_domain"),
        pl.lit(None, pl.String).alias("suppression_reason"),
        pl.lit("vergelijkbaar").alias("position"),
        pl.lit(None, pl.Float64).alias("comparison_phi"),
        pl.lit(40.0).alias("range_min"),
        pl.lit(60.0).alias("range_max"),
    )
    table = circle_summary.indicator_display(spine)
    assert "Kring" in table.columns
    assert "Laagste – hoogste kring" in table.columns
    assert not {"Zone", "Laagste – hoogste zone"} & set(table.columns)
    assert table["Laagste – hoogste kring"].to_list() == ["40,0 % – 60,0 %"]


# --------------------------------------------------------------------------- demo marts


def _circle_with_practices(marts: store.Marts) -> str:
    codes = circle.circle_list(marts.areas)["circle_code"].to_list()
    with_practices = set(marts.practices["circle_code"].drop_nulls().to_list())
    return str(next(c for c in codes if c in with_practices))


def test_circle_spine_carries_the_comparisons_mart_at_circle_level(marts: store.Marts) -> None:
    """Given the demo marts, the circle's spine has one row per indicator with circle
    values, each with the comparisons mart's circle-level label for that year."""
    code = _circle_with_practices(marts)
    spine = circle_summary.circle_spine(
        marts.values, marts.indicators, code, comparisons=marts.comparisons, trends=marts.trends
    )
    at_level = marts.values.filter(pl.col("level") == "kring")
    assert set(spine["indicator_code"]) == set(at_level["indicator_code"]) & set(
        marts.indicators["indicator_code"]
    )
    assert (spine["area_code"] == code).all()
    mart = marts.comparisons.filter(
        (pl.col("level") == "kring")
        & (pl.col("area_code") == code)
        & (pl.col("reference") == "vlaanderen")
    )
    assert mart.height > 0
    joined = spine.join(
        mart.select("indicator_code", "year"), on=["indicator_code", "year"], how="inner"
    )
    assert joined.height > 0
    assert joined["comparison_method"].is_not_null().any()
    trends = marts.trends.filter((pl.col("level") == "kring") & (pl.col("area_code") == code))
    assert spine["trend_direction"].is_not_null().sum() == trends.height


def test_coverage_map_colours_the_circle_by_zone_and_the_rest_grey(marts: store.Marts) -> None:
    code = _circle_with_practices(marts)
    names = dict(circle.circle_list(marts.areas).iter_rows())
    geo = store.load_geojson(marts, "gemeente")
    coverage = circle_map.coverage_features(geo, marts.areas, code, names)
    zones = circle.circle_zones(marts.areas, code)
    spec = circle_summary.coverage_map_spec(coverage, [], zones, marts.areas, circle_name="K")
    assert spec is not None
    shapes = spec["layer"][0]["data"]["values"]
    legend = [i.text for i in circle_map.zone_legend(zones)]
    inside = {str(f["properties"]["area_code"]) for f in coverage if f["properties"]["inside"]}
    muni = marts.areas.filter(pl.col("level") == "gemeente")
    zone_of = dict(zip(muni["area_code"], muni["zone_code"], strict=True))
    zone_text = dict(zip(zones["zone_code"], legend, strict=False))
    for f, shape in zip(coverage, shapes, strict=True):
        c = str(f["properties"]["area_code"])
        expected = zone_text[zone_of[c]] if c in inside else legend[-1]
        assert shape["properties"]["klasse"] == expected
    assert circle_summary.coverage_map_spec([], [], zones, marts.areas, circle_name="K") is None


def _pdf(marts: store.Marts, code: str, role: access.Role) -> list[str]:
    scoped = access.scope_marts(marts, role)
    year = circle.practice_years(scoped.practices, code)[0]
    rows = circle.circle_practices(scoped.practices, code, year)
    details = circle.has_details(rows)
    spine = circle_summary.circle_spine(
        marts.values, marts.indicators, code, comparisons=marts.comparisons, trends=marts.trends
    )
    zones = circle.circle_zones(marts.areas, code)
    names = dict(circle.circle_list(marts.areas).iter_rows())
    coverage = circle_map.coverage_features(
        store.load_geojson(marts, "gemeente"), marts.areas, code, names
    )
    content = circle_summary.CirclePdf(
        circle_code=code,
        circle_name=names[code],
        year=year,
        coverage_text="Tekst",
        municipalities=pl.DataFrame({"Gemeente": ["A"]}),
        zones=circle.zones_table(zones, names),
        spine=spine,
        practices=circle_tables.practice_table(rows, marts.areas, details=details),
        practice_counts=circle_tables.practice_counts_text(rows),
        details=details,
        aggregates=None,
        coverage_map=circle_summary.coverage_map_spec(
            coverage, [], zones, marts.areas, circle_name=names[code]
        ),
    )
    meta = circle_summary.pdf_meta(
        names[code],
        code,
        demo=True,
        vintage="v",
        boundary_version="2025",
        built_at="b",
        attribution="a",
    )
    pdf = circle_summary.circle_pdf(content, indicators=marts.indicators, trend_codes=[], meta=meta)
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def test_circle_pdf_own_circle_in_detail_other_circle_public(marts: store.Marts) -> None:
    """Given the circle's own role, its PDF holds the practice counts; given another
    circle's role, the same circle's PDF holds the public practice facts only and says so.
    Both open, name the circle, carry the summary and the demo label on every page."""
    code = _circle_with_practices(marts)
    other = next(c for c in circle.circle_list(marts.areas)["circle_code"] if c != code)
    own = _pdf(marts, code, access.Role("kring", circle_code=code))
    public = _pdf(marts, code, access.Role("kring", circle_code=other))
    name = dict(circle.circle_list(marts.areas).iter_rows())[code]
    for texts in (own, public):
        assert len(texts) > 1
        assert f"Omgevingsanalyse {name} ({code})" in texts[0]
        assert "Wat valt op" in texts[0]
        assert all(labels.DEMO_BADGE in t for t in texts)
        assert "Definities" in "".join(texts)
    squash = "".join("".join(t.split()) for t in own)
    squash_public = "".join("".join(t.split()) for t in public)
    assert "VTE(schatting)" in squash
    assert "VTE(schatting)" not in squash_public
    assert "".join(circle_tables.PUBLIC_NOTE.split())[:40] in squash_public


def test_pdf_charts_follow_what_the_role_sees(marts: store.Marts) -> None:
    """Given the circle's own practice rows, the PDF gets the GMD-against-FTE chart; given
    the public rows of the same circle, it gets none; the trend charts come only with the
    flat-rate indicator's metadata. Every chart is a Vega-Lite dict in the Dutch locale."""
    code = _circle_with_practices(marts)
    meta = marts.indicators.filter(pl.col("indicator_code") == circle.FLAT_RATE_SHARE)
    flat_meta = meta.row(0, named=True)
    for role, detail in (
        (access.Role("kring", circle_code=code), True),
        (access.Role("publiek"), False),
    ):
        scoped = access.scope_marts(marts, role)
        year = circle.practice_years(scoped.practices, code)[0]
        rows = circle.circle_practices(scoped.practices, code, year)
        assert circle.has_details(rows) is detail
        practice, trend = circle_summary.pdf_charts(
            rows,
            values=marts.values,
            practices=scoped.practices,
            circle_code=code,
            circle_name="K",
            year=year,
            details=circle.has_details(rows),
            flat_rate_meta=flat_meta,
        )
        # the GMD-against-FTE chart and the funnels of consultations and home visits
        assert len(practice) == (3 if detail else 0)
        assert len(trend) == 2
        for figure, contact in zip(practice[1:], circle_summary.PDF_FUNNEL_CONTACTS, strict=False):
            assert circle_tables.LEARNING_NOTE in figure.caption
            title = f"{circle.CONTACT_NAMES[contact]} per 100 toegewezen patiënten"
            assert title in json.dumps(figure.spec, ensure_ascii=False)
        for figure in [*practice, *trend]:
            assert figure.spec["config"]["locale"]["number"]["decimal"] == ","
    practice, trend = circle_summary.pdf_charts(
        rows,
        values=marts.values,
        practices=marts.practices,
        circle_code=code,
        circle_name="K",
        year=year,
        details=False,
        flat_rate_meta=None,
    )
    assert (practice, trend) == ([], [])
