"""Similar zones shown (popmgmt.views.peers_display): the Dutch table and method text."""

from __future__ import annotations

import polars as pl
from frames import PEERS_FEATURES

from popmgmt.metrics import peers
from popmgmt.views import peers_display


def test_peers_display_and_method() -> None:
    own = PEERS_FEATURES.filter(pl.col("zone_code") == "a")
    table = peers_display.peers_display(own, peers.similar_zones(PEERS_FEATURES, "a", k=2))
    assert table.columns[0] == "Rang"
    assert table["Rang"].to_list() == ["deze zone", "1", "2"]
    assert table["Zone"].to_list() == ["A (a)", "D (d)", "B (b)"]
    assert table["Verhoogde tegemoetkoming (%)"][0] == "10,0 %"
    assert table["Afstand (z-scores)"][0] == ""
    text = peers_display.method_text(5)
    for word in ("grootte", "verstedelijking", "kansarmoede", "verhoogde tegemoetkoming"):
        assert word in text
    assert "geen rangschikking" in text
