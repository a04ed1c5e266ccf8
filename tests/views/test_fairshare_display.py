"""Need vs supply shown (popmgmt.views.fairshare_display): link parameters, tables, charts."""

from __future__ import annotations

import pytest

from popmgmt.metrics import fairshare
from popmgmt.views import fairshare_display


def test_need_params_checked_and_in_the_url() -> None:
    with pytest.raises(ValueError, match="tussen 0 en 2"):
        fairshare.check_params(fairshare.NeedWeightParams(deprivation=3.0))
    params = fairshare.NeedWeightParams(age_sex=False, deprivation=1.2, morbidity=0.0)
    text = fairshare_display.params_to_query(params)
    assert text == "leeftijd:0,dep:1.2,morb:0"
    assert fairshare_display.params_from_query(text) == (params, [])
    parsed, problems = fairshare_display.params_from_query("leeftijd:0.5,dep:9")
    assert parsed == fairshare.NeedWeightParams()
    assert len(problems) == 2
