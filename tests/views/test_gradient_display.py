"""The social gradient shown (popmgmt.views.gradient_display): tables, texts, charts."""

from __future__ import annotations

import polars as pl

from popmgmt.metrics import gradient
from popmgmt.views import gradient_display


def test_small_quintile_numerator_is_suppressed() -> None:
    counts = pl.DataFrame(
        {
            "area_code": ["a", "b"],
            "year": [2024, 2024],
            "numerator": [3.0, 50.0],
            "denominator": [100.0, 100.0],
            "imputed": [False, False],
        }
    )
    quintiles = pl.DataFrame(
        {
            "area_code": ["a", "b"],
            "year": [2024, 2024],
            "quintile": [1, 2],
            "population": [1.0, 1.0],
        }
    )
    out = gradient.quintile_values(counts, quintiles, interval_method="wilson", multiplier=100.0)
    first = out.row(0, named=True)
    assert first["suppressed"] is True
    assert first["value"] is None
    assert first["numerator"] is None
    table = gradient_display.quintile_display_table(out, unit="%", denominator_label="inwoners")
    assert table["Waarde"][0] == "onderdrukt (< 5)"
    assert table["Kwintiel"].to_list() == ["Q1 minst achtergesteld", "Q2"]


def test_sii_text() -> None:
    assert gradient_display.sii_text(None, unit="%").startswith("niet te berekenen")
    text = gradient_display.sii_text({"sii": 3.2, "sii_low": 1.1, "sii_high": 5.3}, unit="%")
    assert text == "+3,2 % (95%-BI 1,1 – 5,3 %)"
