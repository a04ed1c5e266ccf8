"""AppTest: every page's zone or circle selector opens on the role's own area.

A care council lands on its zone (zone profile, need page) and on the circle covering
most of its zone (circle page); a GP circle on its circle and on its zone; the
department and the public on the Flemish view (no zone chosen on the zone profile); a
link overrides the role, and the user can still look elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from popmgmt.app import access, defaults, roles, ui
from popmgmt.app.store import Marts

ZONE_PAGE = str(ROOT / "pages" / "zone.py")
NEED_PAGE = str(ROOT / "pages" / "need.py")
CIRCLE_PAGE = str(ROOT / "pages" / "circle.py")
ZONE_KEY = "zone_profile_zone"
NEED_KEY = "need_zone"
CIRCLE_KEY = "circle_kring"
TIMEOUT = 120


@pytest.fixture
def demo_env(built_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo data, no sign-in: the demo role (session state) decides the role."""
    monkeypatch.delenv(roles.ROLES_ENV, raising=False)
    monkeypatch.setattr(roles, "DEFAULT_ROLES_FILE", tmp_path / "geen" / "roles.toml")
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))


@pytest.fixture
def own(marts: Marts) -> dict[str, str]:
    """A council's zone and a circle that are not first alphabetically, and their
    crossing areas."""
    zones = list(access.area_names(marts, "zone"))
    circles = list(access.area_names(marts, "kring"))
    cross = defaults.crossing(marts.areas, marts.population)
    zone, circle = zones[-1], circles[-1]
    return {
        "zone": zone,
        "circle": circle,
        "zone_circle": str(
            defaults.role_area(access.Role("zorgraad", zone_code=zone), "kring", circles, cross)
        ),
        "circle_zone": str(
            defaults.role_area(access.Role("kring", circle_code=circle), "zone", zones, cross)
        ),
        "first_zone": zones[0],
        "other_zone": zones[1],
    }


def _open(page: str, role: str, **params: str) -> AppTest:
    at = AppTest.from_file(page, default_timeout=TIMEOUT)
    at.session_state[ui.ROLE_STATE] = role
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _value(at: AppTest, key: str) -> object:
    return at.selectbox(key=key).value


@pytest.mark.usefixtures("demo_env")
def test_a_council_lands_on_its_zone_on_every_page(own: dict[str, str]) -> None:
    role = f"zorgraad:{own['zone']}"
    zone_page = _open(ZONE_PAGE, role)
    assert _value(zone_page, ZONE_KEY) == own["zone"]
    assert zone_page.query_params["zone"] == own["zone"]  # the link names it
    assert _value(_open(NEED_PAGE, role), NEED_KEY) == own["zone"]
    assert _value(_open(CIRCLE_PAGE, role), CIRCLE_KEY) == own["zone_circle"]


@pytest.mark.usefixtures("demo_env")
def test_a_circle_lands_on_its_circle_and_its_zone(own: dict[str, str]) -> None:
    role = f"kring:{own['circle']}"
    assert _value(_open(CIRCLE_PAGE, role), CIRCLE_KEY) == own["circle"]
    assert _value(_open(NEED_PAGE, role), NEED_KEY) == own["circle_zone"]


@pytest.mark.usefixtures("demo_env")
def test_the_department_lands_on_flanders(own: dict[str, str]) -> None:
    """No zone of its own: the zone profile asks for a zone, the need page keeps its
    Flemish map with the first zone for the breakdown."""
    zone_page = _open(ZONE_PAGE, "departement")
    assert _value(zone_page, ZONE_KEY) is None
    assert "zone" not in zone_page.query_params
    assert _value(_open(NEED_PAGE, "departement"), NEED_KEY) == own["first_zone"]


@pytest.mark.usefixtures("demo_env")
def test_a_link_overrides_the_role_and_the_user_can_look_elsewhere(own: dict[str, str]) -> None:
    role = f"zorgraad:{own['zone']}"
    linked = _open(ZONE_PAGE, role, zone=own["other_zone"])
    assert _value(linked, ZONE_KEY) == own["other_zone"]
    need = _open(NEED_PAGE, role, zone=own["other_zone"])
    assert _value(need, NEED_KEY) == own["other_zone"]
    need.selectbox(key=NEED_KEY).set_value(own["first_zone"]).run()
    assert _value(need, NEED_KEY) == own["first_zone"]  # the role does not pull it back
    assert need.query_params["zone"] == own["first_zone"]


def test_a_signed_in_council_lands_on_its_zone(
    built_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own: dict[str, str]
) -> None:
    """Real sign-in (role file, not the demo switch): the same landing."""
    path = tmp_path / "roles.toml"
    path.write_text(
        f'[[rule]]\nemail = "raad@zone.example"\nrole = "zorgraad"\nzone = "{own["zone"]}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv(roles.ROLES_ENV, str(path))
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    at = AppTest.from_file(NEED_PAGE, default_timeout=TIMEOUT)
    at.user = {"is_logged_in": True, "email": "raad@zone.example", "email_verified": True}
    at.run()
    assert not at.exception
    assert _value(at, NEED_KEY) == own["zone"]
    assert "Zorgraad van zone" in "\n".join(str(m.value) for m in at.sidebar.markdown)


def test_crossing_is_complete(marts: Marts) -> None:
    """Every zone has a circle and every circle a zone in the demo build."""
    cross = defaults.crossing(marts.areas, marts.population)
    zones = set(access.area_names(marts, "zone"))
    circles = set(access.area_names(marts, "kring"))
    assert set(cross["zone_code"]) == zones
    assert set(cross["circle_code"]) == circles
    assert cross.filter(pl.col("population") <= 0).height == 0
