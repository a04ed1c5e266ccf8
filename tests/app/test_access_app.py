"""Access in the running app (AppTest, no browser): the demo role switch, sign-in, the
role shown on every page, a faulty role file, and attempts to cross the lines through
links, widget state and direct requests for a practice table or download."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from browserkit import free_port, launch, require_chromium, serve
from conftest import APP, ROOT
from playwright.sync_api import expect
from streamlit.testing.v1 import AppTest

from popmgmt.app import access, roles, ui
from popmgmt.app.store import Marts

TIMEOUT = 60
AUTH_SECRETS = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-secret-test-secret-test-secret",
    "client_id": "popmgmt",
    "client_secret": "x",
    "server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
}


@pytest.fixture(scope="session")
def real_data(built_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo build relabelled as real data (manifest `demo: false`)."""
    out = tmp_path_factory.mktemp("real") / "data"
    shutil.copytree(built_data, out)
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["demo"] = False
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    return out


@pytest.fixture
def roles_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty role file (no rules) named in POPMGMT_ROLES; tests write rules into it."""
    path = tmp_path / "roles.toml"
    path.write_text("", encoding="utf-8")
    monkeypatch.setenv(roles.ROLES_ENV, str(path))
    return path


@pytest.fixture
def no_roles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No role file: POPMGMT_ROLES unset and the default file absent (demo mode needs it)."""
    monkeypatch.delenv(roles.ROLES_ENV, raising=False)
    monkeypatch.setattr(roles, "DEFAULT_ROLES_FILE", tmp_path / "geen" / "roles.toml")


@pytest.fixture
def demo_app(built_data: Path, no_roles: None, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """Demo data on a server without sign-in: the demo role switch is there."""
    del no_roles
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


@pytest.fixture
def real_app(real_data: Path, roles_file: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    del roles_file
    monkeypatch.setenv("POPMGMT_DATA", str(real_data))
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


@pytest.fixture
def detail_circle(marts: Marts) -> str:
    return sorted(c for c in marts.practices["circle_code"].unique().to_list() if c)[0]


@pytest.fixture
def circles(marts: Marts) -> list[str]:
    """Two circles with practices in the build: (own, other)."""
    codes = sorted(c for c in marts.practices["circle_code"].unique().to_list() if c)
    assert len(codes) >= 2
    return codes[:2]


@pytest.fixture
def zones(marts: Marts) -> list[str]:
    codes = sorted(c for c in marts.practices["zone_code"].unique().to_list() if c)
    assert len(codes) >= 2
    return codes[:2]


def _sidebar_text(at: AppTest) -> str:
    parts = [str(m.value) for m in at.sidebar.markdown]
    parts += [str(c.value) for c in at.sidebar.caption]
    return "\n".join(parts)


def _sidebar_selectbox(at: AppTest, label: str) -> Any:
    matches = [s for s in at.sidebar.selectbox if s.label == label]
    assert len(matches) == 1, [s.label for s in at.sidebar.selectbox]
    return matches[0]


def _choose_demo_role(at: AppTest, kind: str, area: str | None = None) -> None:
    _sidebar_selectbox(at, ui.DEMO_ROLE_LABEL).set_value(kind).run()
    if kind == "zorgraad":
        _sidebar_selectbox(at, ui.DEMO_ZONE_LABEL).set_value(area).run()
    elif kind == "kring":
        _sidebar_selectbox(at, ui.DEMO_CIRCLE_LABEL).set_value(area).run()
    assert not at.exception


def _denials(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Refusals logged since the last `caplog.clear()`."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == access.LOGGER_NAME and r.levelno == logging.WARNING
    ]


def _limited(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Links beyond the role (answered with aggregates) logged since `caplog.clear()`."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == access.LOGGER_NAME and r.getMessage().startswith("access limited")
    ]


def _button_labels(at: AppTest) -> list[str]:
    return [b.label for b in at.sidebar.button]


# --- the demo switch ----------------------------------------------------------------------


def test_demo_switch_exists_in_demo_mode(demo_app: AppTest, circles: list[str]) -> None:
    """Given demo data, the sidebar has a clearly labelled demo role switch; choosing a
    role changes the role shown and what it allows."""
    demo_app.run()
    assert not demo_app.exception
    switch = _sidebar_selectbox(demo_app, ui.DEMO_ROLE_LABEL)
    assert switch.options == [access.KIND_TEXT[k] for k in access.ROLE_KINDS]
    text = _sidebar_text(demo_app)
    assert "DEMODATA" in text
    assert "alleen omdat de gegevens demodata zijn" in text
    assert "**Uw rol:** Publiek (niet aangemeld)" in text

    _choose_demo_role(demo_app, "kring", circles[0])
    text = _sidebar_text(demo_app)
    assert re.search(rf"\*\*Uw rol:\*\* Huisartsenkring .*\({circles[0]}\)", text)
    assert f"praktijken van uw kring {circles[0]}" in text
    _choose_demo_role(demo_app, "departement")
    assert "**Uw rol:** Departement Zorg" in _sidebar_text(demo_app)


def test_demo_role_survives_a_page_switch(demo_app: AppTest, zones: list[str]) -> None:
    demo_app.run()
    _choose_demo_role(demo_app, "zorgraad", zones[0])
    demo_app.switch_page("pages/overview.py").run()
    assert not demo_app.exception
    assert "Zorgraad van zone" in _sidebar_text(demo_app)
    assert _sidebar_selectbox(demo_app, ui.DEMO_ZONE_LABEL).value == zones[0]


# --- demo-flag tampering: demo data on a server with sign-in ---------------------------------


@pytest.fixture
def demo_data_with_sign_in(
    built_data: Path, no_roles: None, monkeypatch: pytest.MonkeyPatch
) -> AppTest:
    """Demo-flagged data (manifest `demo: true`) on a server whose sign-in is configured."""
    del no_roles
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def _assert_real_mode_with_demo_warning(at: AppTest) -> None:
    assert not at.exception
    assert [s.label for s in at.sidebar.selectbox] == []  # no Demorol switch
    text = _sidebar_text(at)
    assert "**Uw rol:** Publiek (niet aangemeld)" in text
    assert "Toegangsmodus: aanmelding" in text
    assert "alleen omdat de gegevens demodata zijn" not in text
    warnings = [w.value for w in at.warning]
    assert any("Demodata op een server met aanmelding" in w for w in warnings), warnings


def test_demo_flag_with_auth_section_gives_no_switch(
    demo_data_with_sign_in: AppTest, caplog: pytest.LogCaptureFixture
) -> None:
    """Given demo-flagged data and an `[auth]` section, the app runs in real access mode:
    no role switch, the visitor is public, a warning says demo data are loaded, and the
    log says the mode."""
    at = demo_data_with_sign_in
    at.secrets["auth"] = AUTH_SECRETS
    at.user = {"is_logged_in": False}
    ui._MODES_LOGGED.clear()
    with caplog.at_level(logging.INFO, logger=access.LOGGER_NAME):
        at.run()
    _assert_real_mode_with_demo_warning(at)
    assert "Aanmelden" in _button_labels(at)
    assert any(
        "access mode: aanmelding data=demo sign-in=yes demo-switch=no" in r.getMessage()
        for r in caplog.records
    )


def test_demo_flag_with_a_named_role_file_gives_no_switch(
    demo_data_with_sign_in: AppTest, roles_file: Path
) -> None:
    del roles_file
    demo_data_with_sign_in.run()
    _assert_real_mode_with_demo_warning(demo_data_with_sign_in)


def test_demo_flag_with_the_default_role_file_present_gives_no_switch(
    demo_data_with_sign_in: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = tmp_path / "config" / "roles.toml"
    default.parent.mkdir()
    default.write_text("", encoding="utf-8")
    monkeypatch.setattr(roles, "DEFAULT_ROLES_FILE", default)
    demo_data_with_sign_in.run()
    _assert_real_mode_with_demo_warning(demo_data_with_sign_in)


def test_demo_role_in_session_state_is_ignored_with_sign_in(
    demo_data_with_sign_in: AppTest, detail_circle: str
) -> None:
    """Given a session that carries a demo role (state from before, a crafted widget
    value), with sign-in configured the role still comes from sign-in only: public."""
    at = demo_data_with_sign_in
    at.secrets["auth"] = AUTH_SECRETS
    at.user = {"is_logged_in": False}
    at.session_state[ui.ROLE_STATE] = "departement"
    at.session_state["_demo_role_kind"] = "departement"
    at.query_params["kring"] = detail_circle
    at.run()
    _assert_real_mode_with_demo_warning(at)


def test_demo_flag_as_text_is_not_demo(
    real_data: Path, no_roles: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manifest whose `demo` is the text "false" (or any non-boolean) is not demo data:
    no switch."""
    del no_roles
    out = tmp_path / "data"
    shutil.copytree(real_data, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["demo"] = "false"
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv("POPMGMT_DATA", str(out))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [s.label for s in at.sidebar.selectbox] == []


def test_demo_mode_is_shown_in_the_sidebar(demo_app: AppTest) -> None:
    demo_app.run()
    assert "Toegangsmodus: demo" in _sidebar_text(demo_app)


def test_no_demo_switch_outside_demo_mode(real_app: AppTest) -> None:
    """Given real (non-demo) data, there is no role switch; without sign-in set up the
    user is public and told so."""
    real_app.run()
    assert not real_app.exception
    assert not real_app.error
    assert [s.label for s in real_app.sidebar.selectbox] == []
    text = _sidebar_text(real_app)
    assert "**Uw rol:** Publiek (niet aangemeld)" in text
    assert "Aanmelden is op deze server niet ingesteld" in text
    assert "praktijkvorm" in text


def test_widget_state_and_links_cannot_choose_a_role(real_app: AppTest) -> None:
    """Outside demo mode, neither a session-state value nor a query parameter gives a role."""
    real_app.session_state[ui.ROLE_STATE] = "departement"
    real_app.query_params["rol"] = "departement"
    real_app.query_params["demorol"] = "departement"
    real_app.run()
    assert not real_app.exception
    assert "**Uw rol:** Publiek (niet aangemeld)" in _sidebar_text(real_app)


# --- sign-in ------------------------------------------------------------------------------


def test_signed_in_user_gets_the_role_of_the_file(
    real_app: AppTest, roles_file: Path, circles: list[str]
) -> None:
    roles_file.write_text(
        f'[[rule]]\nemail = "arts@kring.example"\nrole = "kring"\ncircle = "{circles[0]}"\n',
        encoding="utf-8",
    )
    real_app.user = {
        "is_logged_in": True,
        "email": "arts@kring.example",
        "email_verified": True,
        "name": "Dr. Arts",
    }
    real_app.run()
    assert not real_app.exception
    text = _sidebar_text(real_app)
    assert re.search(rf"\*\*Uw rol:\*\* Huisartsenkring .*\({circles[0]}\)", text)
    assert "Aangemeld als Dr. Arts." in text
    assert "Afmelden" in _button_labels(real_app)


def test_signed_in_user_without_rule_is_public(real_app: AppTest) -> None:
    real_app.user = {"is_logged_in": True, "email": "iemand@elders.example"}
    real_app.run()
    assert "**Uw rol:** Publiek (niet aangemeld)" in _sidebar_text(real_app)


def test_login_button_when_auth_is_configured(real_app: AppTest) -> None:
    real_app.secrets["auth"] = AUTH_SECRETS
    real_app.user = {"is_logged_in": False}
    real_app.run()
    assert not real_app.exception
    assert _button_labels(real_app) == ["Aanmelden"]
    assert "Aanmelden is op deze server niet ingesteld" not in _sidebar_text(real_app)


def test_one_login_button_per_named_provider(real_app: AppTest) -> None:
    shared = {k: AUTH_SECRETS[k] for k in ("redirect_uri", "cookie_secret")}
    provider = {k: AUTH_SECRETS[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    real_app.secrets["auth"] = {**shared, "entra": provider, "keycloak": provider}
    real_app.user = {"is_logged_in": False}
    real_app.run()
    assert _button_labels(real_app) == ["Aanmelden via entra", "Aanmelden via keycloak"]


# --- a faulty role file ---------------------------------------------------------------------


@pytest.mark.parametrize("which", ["demo_app", "real_app"])
def test_faulty_role_file_stops_the_app_naming_the_entry(
    which: str,
    roles_file: Path,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a role file with an unknown zone, the app opens on an error that names the
    entry, and shows no data (it does not fall back to any role)."""
    roles_file.write_text(
        '[[rule]]\ngroup = "g"\nrole = "departement"\n\n'
        '[[rule]]\nemail = "a@b.example"\nrole = "zorgraad"\nzone = "elz999"\n',
        encoding="utf-8",
    )
    at: AppTest = request.getfixturevalue(which)
    monkeypatch.setenv(roles.ROLES_ENV, str(roles_file))  # demo_app unsets it
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger=access.LOGGER_NAME):
        at.run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert f"`{roles_file.name}`" in message
    assert str(roles_file.parent) not in message  # no server path on the page; the log has it
    assert any(str(roles_file) in r.getMessage() for r in caplog.records)
    assert '[[rule]] nr. 2 (lijn 5, email = "a@b.example"): onbekende zone `elz999`' in message
    assert not at.title
    assert not at.metric
    assert not at.get("deck_gl_json_chart")
    assert any("elz999" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


def test_missing_named_role_file_stops_the_app(
    real_app: AppTest, roles_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(roles.ROLES_ENV, str(roles_file.with_name("weg.toml")))
    real_app.run()
    assert not real_app.exception
    assert len(real_app.error) == 1
    assert "bestaat niet" in real_app.error[0].value
    assert not real_app.metric


# --- crossing the lines through links -----------------------------------------------------------


def test_circle_asking_another_circle_through_the_url(
    demo_app: AppTest, circles: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Given circle A, a link `?kring=B` on the overview shows only aggregates, says so,
    and the attempt is logged (once per session)."""
    own, other = circles
    demo_app.run()
    _choose_demo_role(demo_app, "kring", own)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=access.LOGGER_NAME):
        demo_app.query_params["kring"] = other
        demo_app.run()
        demo_app.run()
    assert not demo_app.exception
    notices = [i.value for i in demo_app.info if "alleen als geaggregeerde cijfers" in i.value]
    assert len(notices) == 1
    assert f"({other})" in notices[0]
    assert _limited(caplog) == [
        f"access limited: role=kring:{own} user=- asked=link kring={other} -> aggregates only"
    ]
    assert demo_app.title[0].value == "Overzicht Vlaanderen"  # the aggregates still show


def test_own_circle_in_the_url_is_not_a_crossing(
    demo_app: AppTest, circles: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    demo_app.run()
    _choose_demo_role(demo_app, "kring", circles[0])
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=access.LOGGER_NAME):
        demo_app.query_params["kring"] = circles[0]
        demo_app.run()
    assert not [i for i in demo_app.info if "geaggregeerde" in i.value]
    assert _limited(caplog) == []
    assert _denials(caplog) == []


def test_council_asking_another_zones_detail_through_the_url(
    demo_app: AppTest, zones: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    own, other = zones
    demo_app.run()
    _choose_demo_role(demo_app, "zorgraad", own)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=access.LOGGER_NAME):
        demo_app.query_params["zone"] = other
        demo_app.run()
    notices = [i.value for i in demo_app.info if "gemeenteweergave" in i.value]
    assert len(notices) == 1
    assert _limited(caplog) == [
        f"access limited: role=zorgraad:{own} user=- asked=link zone={other} -> aggregates only"
    ]


def test_signed_in_circle_user_crossing_is_logged_with_identity(
    real_app: AppTest, roles_file: Path, circles: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    own, other = circles
    roles_file.write_text(
        f'[[rule]]\ngroup = "hak-a"\nrole = "kring"\ncircle = "{own}"\n', encoding="utf-8"
    )
    real_app.user = {"is_logged_in": True, "email": "arts@kring.example", "groups": ["hak-a"]}
    real_app.query_params["kring"] = other
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=access.LOGGER_NAME):
        real_app.run()
    assert not real_app.exception
    assert _limited(caplog) == [
        f"access limited: role=kring:{own} user=arts@kring.example asked=link kring={other}"
        " -> aggregates only"
    ]
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any(
        m.startswith(f"signed in: user=arts@kring.example role=kring:{own} rule=[[rule]] nr. 1")
        for m in infos
    )


# --- a page asking a practice table or download directly ------------------------------------


def _detail_page() -> None:
    """A minimal page with a practice table and download for `?kring=`, the way a circle
    page builds one (through ui.practice_detail), plus what the scoped frame holds."""
    import streamlit as st  # noqa: PLC0415 (AppTest runs the function's source)

    from popmgmt.app import ui  # noqa: PLC0415

    marts = ui.page_start()
    st.markdown("KOLOMMEN=" + ",".join(sorted(marts.practices.columns)))
    circle = st.query_params.get("kring", "")
    rows = ui.practice_detail(marts, circle)
    if rows is not None:
        st.dataframe(rows)
        st.download_button("Download CSV", rows.write_csv(), file_name=f"{circle}.csv")
    zone = st.query_params.get("zone")
    if zone:
        counts = ui.practice_counts(marts, zone)
        if counts is not None:
            st.dataframe(counts)


@pytest.fixture
def detail_page(built_data: Path, no_roles: None, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    del no_roles
    monkeypatch.setenv("POPMGMT_DATA", str(built_data))
    return AppTest.from_function(_detail_page, default_timeout=TIMEOUT)


def _columns(at: AppTest) -> set[str]:
    text = next(m.value for m in at.markdown if m.value.startswith("KOLOMMEN="))
    return set(text.removeprefix("KOLOMMEN=").split(","))


def test_circle_gets_its_own_table_and_download(
    detail_page: AppTest, circles: list[str], marts: Marts, caplog: pytest.LogCaptureFixture
) -> None:
    own = circles[0]
    detail_page.query_params["kring"] = own
    detail_page.run()
    _choose_demo_role(detail_page, "kring", own)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=access.LOGGER_NAME):
        detail_page.run()
    assert not detail_page.exception
    assert len(detail_page.get("download_button")) == 1
    table = detail_page.dataframe[0].value
    assert len(table) == marts.practices.filter(pl.col("circle_code") == own).height
    assert "pat_gmd" in table.columns
    assert _denials(caplog) == []


def test_circle_asking_another_circles_download_directly_is_refused(
    detail_page: AppTest, circles: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    own, other = circles
    detail_page.run()
    _choose_demo_role(detail_page, "kring", own)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=access.LOGGER_NAME):
        detail_page.query_params["kring"] = other
        detail_page.run()
    assert not detail_page.exception
    assert not detail_page.get("download_button")
    assert not detail_page.dataframe
    refusals = [i.value for i in detail_page.info if "niet beschikbaar voor uw rol" in i.value]
    assert refusals == [
        f"Praktijktabel en downloads van kring {other}: niet beschikbaar voor uw rol. U ziet "
        "hier enkel geaggregeerde cijfers (zie 'Uw rol' in de zijbalk)."
    ]
    assert f"access denied: role=kring:{own} user=- asked=praktijkdetail kring={other}" in (
        _denials(caplog)
    )


def test_public_asking_a_practice_table_is_refused(
    detail_page: AppTest, circles: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    detail_page.query_params["kring"] = circles[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=access.LOGGER_NAME):
        detail_page.run()
    assert not detail_page.exception
    assert not detail_page.get("download_button")
    assert any("niet beschikbaar voor uw rol" in i.value for i in detail_page.info)
    assert _columns(detail_page) == set(access.PUBLIC_PRACTICE_COLUMNS)
    assert f"access denied: role=publiek user=- asked=praktijkdetail kring={circles[0]}" in (
        _denials(caplog)
    )


def test_council_gets_counts_of_its_zone_only(
    detail_page: AppTest, zones: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    own, other = zones
    detail_page.run()
    _choose_demo_role(detail_page, "zorgraad", own)
    detail_page.query_params["zone"] = own
    detail_page.run()
    assert len(detail_page.dataframe) == 1
    assert set(detail_page.dataframe[0].value["zone_code"]) == {own}
    assert _columns(detail_page) == set(access.PUBLIC_PRACTICE_COLUMNS)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=access.LOGGER_NAME):
        detail_page.query_params["zone"] = other
        detail_page.run()
    assert not detail_page.dataframe
    assert any(
        f"Praktijken per gemeente van zone {other}: niet beschikbaar" in i.value
        for i in detail_page.info
    )
    assert f"access denied: role=zorgraad:{own} user=- asked=gemeentedetail zone={other}" in (
        _denials(caplog)
    )


def test_department_gets_every_column(detail_page: AppTest, circles: list[str]) -> None:
    detail_page.run()
    _choose_demo_role(detail_page, "departement")
    detail_page.query_params["kring"] = circles[1]
    detail_page.run()
    assert _columns(detail_page) == set(access.PUBLIC_PRACTICE_COLUMNS) | set(
        access.DETAIL_PRACTICE_COLUMNS
    )
    assert len(detail_page.get("download_button")) == 1


# --- pages load data only through ui ------------------------------------------------------------

FORBIDDEN = (
    "store.load_marts",
    "load_marts(Path",
    "_load_cached",
    "_raw_marts",
    "_scoped_cached",
    "read_parquet",
    "scan_parquet",
    "data_dir(",
)


@pytest.mark.parametrize("page", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_get_data_only_through_ui(page: Path) -> None:
    """A page cannot bypass the role filter: it never reads the marts itself."""
    source = page.read_text(encoding="utf-8")
    assert "ui.page_start(" in source
    for pattern in FORBIDDEN:
        assert pattern not in source, f"{page.name} uses {pattern}"


# --- sign-in end to end: a real server, Chromium and a small local OIDC provider -----------


class _FakeProvider:
    """A minimal OpenID Connect provider on localhost: discovery, an authorize endpoint
    that signs the user in at once, a token endpoint issuing an RS256 id_token, JWKS."""

    def __init__(self, claims: dict[str, Any], client_id: str) -> None:
        from joserfc.jwk import RSAKey  # noqa: PLC0415 (test-only dependency of Authlib)

        self.claims = claims
        self.client_id = client_id
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.nonces: dict[str, str] = {}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _FakeProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.base,
            "authorization_endpoint": f"{self.base}/authorize",
            "token_endpoint": f"{self.base}/token",
            "jwks_uri": f"{self.base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def id_token(self, nonce: str) -> str:
        from joserfc import jwt  # noqa: PLC0415

        now = int(time.time())
        claims = {
            "iss": self.base,
            "sub": "user-1",
            "aud": self.client_id,
            "iat": now,
            "exp": now + 600,
            "nonce": nonce,
            **self.claims,
        }
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                del format, args

            def _json(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                provider.requests.append(url.path)
                if url.path == "/.well-known/openid-configuration":
                    self._json(provider.metadata())
                elif url.path == "/jwks":
                    self._json({"keys": [provider.key.as_dict(private=False)]})
                elif url.path == "/authorize":
                    query = dict(urllib.parse.parse_qsl(url.query))
                    code = f"code-{len(provider.nonces)}"
                    provider.nonces[code] = query.get("nonce", "")
                    back = urllib.parse.urlencode({"code": code, "state": query["state"]})
                    self.send_response(302)
                    self.send_header("Location", f"{query['redirect_uri']}?{back}")
                    self.end_headers()
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                provider.requests.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                nonce = provider.nonces.get(form.get("code", ""))
                if self.path != "/token" or nonce is None:
                    self.send_error(400)
                    return
                self._json(
                    {
                        "access_token": "access",
                        "token_type": "Bearer",
                        "expires_in": 600,
                        "id_token": provider.id_token(nonce),
                    }
                )

        return Handler


@pytest.mark.browser
def test_sign_in_with_oidc_gives_the_role_of_the_file(
    real_data: Path, tmp_path: Path, circles: list[str]
) -> None:
    """Given a provider and a role file mapping a group to circle A, when the user clicks
    "Aanmelden" and the provider signs them in, then the page shows circle A's role,
    the access log names the user, and "Afmelden" signs them out to public."""
    require_chromium()

    own = circles[0]
    port = free_port()
    roles_path = tmp_path / "roles.toml"
    roles_path.write_text(
        f'[[rule]]\ngroup = "hak-a"\nrole = "kring"\ncircle = "{own}"\n', encoding="utf-8"
    )
    access_log = tmp_path / "access.log"
    claims = {"email": "arts@kring.example", "email_verified": True, "name": "Dr. Arts"}
    with _FakeProvider({**claims, "groups": ["hak-a"]}, client_id="popmgmt") as provider:
        secrets = tmp_path / ".streamlit" / "secrets.toml"
        secrets.parent.mkdir()
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            f'cookie_secret = "{"s" * 48}"\n'
            'client_id = "popmgmt"\n'
            'client_secret = "geheim"\n'
            f'server_metadata_url = "{provider.base}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "POPMGMT_DATA": str(real_data),
            roles.ROLES_ENV: str(roles_path),
            ui.ACCESS_LOG_ENV: str(access_log),
            "NO_PROXY": "127.0.0.1,localhost",
        }
        log = tmp_path / "streamlit.log"
        with (
            serve(APP, log, env=env, cwd=tmp_path, port=port, host="localhost") as url,
            launch() as browser,
        ):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(url)
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar).to_contain_text("Uw rol: Publiek (niet aangemeld)", timeout=60_000)
            sidebar.get_by_role("button", name="Aanmelden").click()
            expect(sidebar).to_contain_text(f"({own})", timeout=60_000)
            expect(sidebar).to_contain_text("Aangemeld als Dr. Arts.", timeout=30_000)
            page.screenshot(path=str(tmp_path / "signed-in.png"))
            assert "/token" in provider.requests
            sidebar.get_by_role("button", name="Afmelden").click()
            expect(sidebar).to_contain_text("Uw rol: Publiek (niet aangemeld)", timeout=60_000)
    log_text = access_log.read_text(encoding="utf-8")
    assert f"signed in: user=arts@kring.example role=kring:{own} rule=[[rule]] nr. 1" in log_text


LOADERS = ("store.load_marts(", "read_parquet(", "scan_parquet(", "_load_cached(", "_raw_marts(")


@pytest.mark.parametrize(
    "module",
    sorted(
        p
        for p in (ROOT / "src" / "popmgmt").rglob("*.py")
        # the loader and its one caller; the build, which reads the release it replaces
        if p.name not in {"store.py", "ui.py", "build.py"}
    ),
    ids=lambda p: p.name,
)
def test_no_module_reads_the_marts_around_the_filter(module: Path) -> None:
    """The page helpers in the package cannot read the marts unscoped either."""
    source = module.read_text(encoding="utf-8")
    for pattern in LOADERS:
        assert pattern not in source, f"{module.name} uses {pattern}"


def test_unreadable_secrets_turn_the_demo_switch_off(
    demo_app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given demo data and a secrets file that cannot be read (it may hold an `[auth]`
    section), the app fails closed: no demo role switch, the visitor is public."""
    from streamlit.runtime.secrets import Secrets  # noqa: PLC0415

    def unreadable(self: Secrets) -> bool:
        del self
        raise ValueError("ongeldige TOML")

    monkeypatch.setattr(Secrets, "load_if_toml_exists", unreadable)
    demo_app.run()
    assert not demo_app.exception
    assert [s.label for s in demo_app.sidebar.selectbox] == []
    assert "Toegangsmodus: aanmelding" in _sidebar_text(demo_app)
    assert "**Uw rol:** Publiek (niet aangemeld)" in _sidebar_text(demo_app)
