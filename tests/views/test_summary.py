"""The zone summary (`popmgmt.views.summary`): exact sentences from tiny spine frames.

Given a few indicator rows with a known comparison, trend, similar-zone values, GP-poor
rule and GMD coverage, when the summary is made, then exactly the expected sentences
(text, kind, anchor, indicator) come out, neutral indicators are never "worse", and a
zone where nothing is worse says so.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from popmgmt.metrics import gppoor
from popmgmt.views import summary
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
        "area_code": "elz1",
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


def _kind(sentences: list[Sentence], kind: str) -> list[Sentence]:
    return [s for s in sentences if s.kind == kind]


def test_worse_than_flanders_exact_sentence_and_neutral_never_worse() -> None:
    """Given a hoger_beter indicator labelled worse, a lager_beter one worse outside the
    99.8% limits and a neutral one marked worse by mistake, then the two directional ones
    are listed (99.8% first), the neutral one never."""
    spine = _frame(
        [
            _row(
                "a",
                value=40.0,
                ci_low=39.0,
                ci_high=41.0,
                comparison="slechter",
                comparison_level="95",
            ),
            _row(
                "b",
                direction="lager_beter",
                unit="per 1.000",
                value=12.0,
                ci_low=11.5,
                ci_high=12.5,
                flanders_value=10.0,
                comparison="slechter",
                comparison_level="998",
            ),
            _row("c", direction="neutraal", value=80.0, comparison="slechter"),
            _row("d", value=60.0, comparison="beter"),
        ]
    )
    out = summary.summarise(spine)
    worse = _kind(out, "vlaanderen")
    assert [s.indicator_code for s in worse] == ["b", "a"]
    assert worse[0] == Sentence(
        "vlaanderen",
        "Indicator b: 12,0 per 1.000 in de zone tegenover 10,0 per 1.000 in Vlaanderen "
        "(2024; 95%-BI 11,5 – 12,5 per 1.000, ook buiten de 99,8%-grens).",
        "indicatoren",
        "b",
    )
    assert worse[1].text == (
        "Indicator a: 40,0 % in de zone tegenover 50,0 % in Vlaanderen "
        "(2024; 95%-BI 39,0 – 41,0 %)."
    )
    assert all(s.indicator_code != "c" for s in out)
    assert _kind(out, "niets") == []
    assert out[0].kind == "methode"
    assert "met correctie voor overdispersie" in out[0].text


def test_unadjusted_method_is_named() -> None:
    spine = _frame([_row("a", comparison="slechter", comparison_adjusted=False)])
    assert "zonder correctie voor overdispersie" in summary.summarise(spine)[0].text


def test_more_than_the_limit_is_counted() -> None:
    rows = [
        _row(f"i{n}", value=40.0 - n, ci_low=39.0 - n, ci_high=41.0 - n, comparison="slechter")
        for n in range(7)
    ]
    worse = _kind(summary.summarise(_frame(rows)), "vlaanderen")
    assert [s.indicator_code for s in worse] == ["i6", "i5", "i4", "i3", "i2", None]
    assert worse[-1].text == "En nog 2 indicatoren: zie de tabel."
    one_more = _kind(summary.summarise(_frame(rows[:6])), "vlaanderen")
    assert one_more[-1].text == "En nog 1 indicator: zie de tabel."


def _peers(code: str, values: list[tuple[str, float, float, float]], **kw: Any) -> pl.DataFrame:
    return _frame(
        [_row(code, area_code=a, value=v, ci_low=lo, ci_high=hi, **kw) for a, v, lo, hi in values]
    )


def test_worse_than_every_similar_zone_and_demonstrably_than_the_closest() -> None:
    """Given the zone at 40 % (39-41) and three similar zones at 45-60 % with narrow
    intervals, then one sentence; with the closest at 41 % (40-42), the intervals of the
    difference include 0: no sentence; with one similar zone below the zone: none."""
    spine = _frame([_row("a", value=40.0, ci_low=39.0, ci_high=41.0)])
    clear = _peers(
        "a", [("elz2", 45.0, 44.0, 46.0), ("elz3", 60.0, 59.0, 61.0), ("elz4", 50.0, 49.0, 51.0)]
    )
    out = _kind(summary.summarise(spine, peers=clear), "vergelijkbaar")
    assert out == [
        Sentence(
            "vergelijkbaar",
            "Indicator a: 40,0 % in de zone, slechter dan elk van de 3 vergelijkbare zones "
            "(45,0 % tot 60,0 %; 2024), ook aantoonbaar slechter dan de dichtstbijzijnde.",
            "vergelijkbare-zones",
            "a",
        )
    ]
    close = _peers(
        "a", [("elz2", 41.0, 40.0, 42.0), ("elz3", 60.0, 59.0, 61.0), ("elz4", 50.0, 49.0, 51.0)]
    )
    assert _kind(summary.summarise(spine, peers=close), "vergelijkbaar") == []
    one_below = _peers(
        "a", [("elz2", 35.0, 34.0, 36.0), ("elz3", 60.0, 59.0, 61.0), ("elz4", 50.0, 49.0, 51.0)]
    )
    assert _kind(summary.summarise(spine, peers=one_below), "vergelijkbaar") == []
    too_few = clear.head(2)
    assert _kind(summary.summarise(spine, peers=too_few), "vergelijkbaar") == []


def test_lower_is_better_against_similar_zones() -> None:
    spine = _frame([_row("b", direction="lager_beter", value=60.0, ci_low=59.0, ci_high=61.0)])
    peers = _peers(
        "b",
        [("elz2", 50.0, 49.0, 51.0), ("elz3", 40.0, 39.0, 41.0), ("elz4", 55.0, 54.0, 56.0)],
        direction="lager_beter",
    )
    out = _kind(summary.summarise(spine, peers=peers), "vergelijkbaar")
    assert [s.indicator_code for s in out] == ["b"]
    assert "(40,0 % tot 55,0 %; 2024)" in out[0].text
    neutral = spine.with_columns(pl.lit("neutraal").alias("direction"))
    assert _kind(summary.summarise(neutral, peers=peers), "vergelijkbaar") == []


def test_worsening_trends_respect_the_direction() -> None:
    spine = _frame(
        [
            _row(
                "up_bad",
                direction="lager_beter",
                trend_direction="stijgend",
                trend_p_value=0.01,
                value=30.0,
            ),
            _row("down_bad", trend_direction="dalend", trend_p_value=0.001, value=20.0),
            _row("up_good", trend_direction="stijgend"),
            _row("neutral", direction="neutraal", trend_direction="stijgend"),
        ]
    )
    out = _kind(summary.summarise(spine), "trend")
    assert out == [
        Sentence(
            "trend",
            "Indicator down_bad daalt significant in de zone over de laatste 5 jaren tot 2024 "
            "(een verslechtering; nu 20,0 %).",
            "trends",
            "down_bad",
        ),
        Sentence(
            "trend",
            "Indicator up_bad stijgt significant in de zone over de laatste 5 jaren tot 2024 "
            "(een verslechtering; nu 30,0 %).",
            "trends",
            "up_bad",
        ),
    ]


def _gp_poor(rows: list[tuple[str, str, float, float, str, float]]) -> pl.DataFrame:
    """(code, name, population, GPs under 65, method, km²) -> the rule's output."""
    frame = pl.DataFrame(
        [
            {
                "area_code": c,
                "area_name": n,
                "zone_code": "elz1",
                "year": 2024,
                "population": p,
                "area_km2": km2,
                "gps_all": g,
                "share_65plus": None,
                "gps_under65": g,
                "gps_under65_max": None,
                "suppressed": False,
                "suppression_reason": None,
                "method": m,
            }
            for c, n, p, g, m, km2 in rows
        ],
        schema=gppoor.INPUT_SCHEMA,
        orient="row",
    )
    return gppoor.assess(frame)


def test_gp_capacity_gaps_zone_and_municipalities() -> None:
    """Given a zone of 100.000 inhabitants with 70 GPs under 65 (threshold 90) and three
    municipalities, two under their threshold, then the zone's shortfall (20 GPs) and the
    two municipalities, largest shortfall first."""
    gp = _gp_poor(
        [
            ("elz1", "Zone", 100_000.0, 70.0, "gemeten", 200.0),
            ("11001", "Aalst & Co", 50_000.0, 30.0, "gemeten", 100.0),
            ("11002", "Beveren", 30_000.0, 25.0, "gemeten", 60.0),
            ("11003", "Citta", 20_000.0, 20.0, "gemeten", 40.0),
        ]
    )
    spine = _frame(
        [
            _row(
                "gp_60plus",
                direction="lager_beter",
                comparison="slechter",
                value=40.0,
                flanders_value=30.0,
            )
        ]
    )
    out = _kind(summary.summarise(spine, gp_poor=gp), "capaciteit")
    assert out[0] == Sentence(
        "capaciteit",
        "De zone is huisartsarm volgens de Impulseo-regel: 70,0 huisartsen onder 65 per "
        "100.000 inwoners, onder de drempel van 90; er ontbreken 20 huisartsen om de drempel "
        "te halen (2024; indicator huisartsen < 65).",
        "huisartsarm",
        "gp_per_10k",
    )
    assert out[1].text == (
        "2 van de 3 gemeenten zijn huisartsarm; de grootste tekorten: Aalst & Co "
        "(15 huisartsen te weinig, 60,0 per 100.000), Beveren (2 huisartsen te weinig, "
        "83,3 per 100.000)."
    )
    assert out[2].indicator_code == "gp_60plus"
    assert out[2].anchor == "huisartsencapaciteit"
    assert _kind(summary.summarise(spine, gp_poor=gp), "vlaanderen") == []


def test_single_municipality_zone_has_no_municipality_sentence() -> None:
    gp = _gp_poor(
        [
            ("elz1", "Zone", 100_000.0, 70.0, "gemeten", 200.0),
            ("11001", "Stad", 100_000.0, 70.0, "gemeten", 200.0),
        ]
    )
    out = _kind(summary.summarise(_frame([_row("a")]), gp_poor=gp), "capaciteit")
    assert len(out) == 1
    assert out[0].text.startswith("De zone is huisartsarm")


def test_who_is_not_reached_from_gmd_coverage() -> None:
    spine = _frame(
        [
            _row(
                "ima_gmd",
                name_nl="GMD",
                numerator=80_000.0,
                denominator=100_000.0,
                value=80.0,
                ci_low=79.7,
                ci_high=80.3,
                flanders_value=84.0,
                comparison="slechter",
            ),
        ]
    )
    out = summary.summarise(spine)
    reach = _kind(out, "bereik")
    assert reach == [
        Sentence(
            "bereik",
            "20,0 % van de rechthebbende inwoners van de zone heeft geen GMD (globaal medisch "
            "dossier): 20.000 van 100.000 (2024; 95%-BI 19,7 – 20,3 %). In Vlaanderen: 16,0 %. "
            "Dat is significant meer dan in Vlaanderen.",
            "huisartsencapaciteit",
            "ima_gmd",
        )
    ]
    # GMD coverage is the reach sentence, not also a "worse than Flanders" one.
    assert _kind(out, "vlaanderen") == []
    suppressed = spine.with_columns(pl.lit(True).alias("suppressed"))
    assert _kind(summary.summarise(suppressed), "bereik") == []


def test_nothing_stands_out_says_so() -> None:
    spine = _frame([_row("a", comparison="beter"), _row("b", comparison="vergelijkbaar")])
    out = summary.summarise(spine)
    assert [s.kind for s in out] == ["methode", "niets"]
    assert out[1].text == (
        "Niets valt op: geen enkele indicator is significant slechter of verslechtert "
        "significant (2 indicatoren met een richting vergeleken met Vlaanderen, op trend "
        "getoetst). Bekijk de indicatoren hieronder voor de kleinere verschillen."
    )
    nothing = spine.with_columns(
        pl.lit(None, dtype=pl.String).alias(c) for c in ("comparison", "comparison_method")
    )
    out = summary.summarise(nothing)
    assert [s.kind for s in out] == ["niets"]
    assert out[0].text.startswith("Voor de zone is geen enkele indicator met een richting")


def test_markdown_escapes_data_and_links_to_the_charts() -> None:
    """Given a hostile indicator name, then the Markdown holds it inert, and each bullet
    links to its section (trend and similar zones with the indicator chosen)."""
    hostile = "[klik](http://evil) **vet** <b>x</b> #kop $x$ :red[y]"
    spine = _frame(
        [
            _row("a", name_nl=hostile, comparison="slechter"),
            _row("b&c", trend_direction="dalend"),
        ]
    )
    text = summary.markdown(summary.summarise(spine), {"zone": "elz1", "vergelijk": "elz2"})
    assert "[klik](http" not in text
    assert "\\[klik\\]" in text
    assert "\\*\\*vet\\*\\*" in text
    assert "\\<b\\>" in text
    assert "[→ grafiek](#indicatoren)" in text
    assert "[→ grafiek](?zone=elz1&vergelijk=elz2&indicator=b%26c#trends)" in text
    assert "**Slechter dan Vlaanderen**" in text
    assert "**Verslechterend**" in text


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [
        ("indicatoren", "#indicatoren"),
        ("huisartsarm", "#huisartsarm"),
        ("trends", "?zone=elz9&indicator=x#trends"),
        ("vergelijkbare-zones", "?zone=elz9&indicator=x#vergelijkbare-zones"),
    ],
)
def test_href(anchor: str, expected: str) -> None:
    assert summary.href(Sentence("trend", "t", anchor, "x"), {"zone": "elz9"}) == expected


def test_circle_words() -> None:
    spine = _frame([_row("a", comparison="slechter")])
    out = summary.summarise(spine, words=summary.CIRCLE_WORDS)
    assert "in de kring tegenover" in _kind(out, "vlaanderen")[0].text
