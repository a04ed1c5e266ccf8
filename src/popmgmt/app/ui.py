"""Streamlit glue shared by the pages: cached loading, access, demo banner, footer, figures.

Only layout and caching here; everything computed lives in `store`, `maps`, `charts`.
Access (docs/access.md): `load_marts` returns the marts scoped to the current user's
role by `access.scope_marts`; this is the only loader a page may use. The unscoped
marts stay private to this module (`_raw_marts`).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Final

import polars as pl
import streamlit as st

from popmgmt.app import access, defaults, roles, store
from popmgmt.app import annotations as ann
from popmgmt.config import data_dir
from popmgmt.views import downloads, labels, maps

logger = logging.getLogger(access.LOGGER_NAME)

ACCESS_LOG_ENV: Final = "POPMGMT_ACCESS_LOG"
"""A file to append the access log to; unset: the server's standard error."""


def _setup_access_log() -> None:
    """Give the access logger a handler (once, at import): sign-ins at INFO, links
    beyond the role at INFO, refusals at WARNING, a faulty role file at ERROR."""
    if any(getattr(h, "_popmgmt", False) for h in logger.handlers):
        return
    path = os.environ.get(ACCESS_LOG_ENV)
    handler: logging.Handler = (
        logging.FileHandler(path, encoding="utf-8") if path else logging.StreamHandler()
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._popmgmt = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


_setup_access_log()

ROLE_STATE: Final = "popmgmt_demo_role"
"""Session key of the chosen demo role (`Role.key`); read only when the data are demo data."""
_LOGGED_STATE: Final = "popmgmt_access_logged"
DEMO_ROLE_LABEL: Final = "Demorol"
DEMO_ZONE_LABEL: Final = "Zone van de demorol"
DEMO_CIRCLE_LABEL: Final = "Huisartsenkring van de demorol"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _manifest_mtime(folder: Path) -> float:
    return _mtime(folder / store.MANIFEST_FILE)


@st.cache_resource(show_spinner="Gegevens laden…", max_entries=4)
def _load_cached(folder: str, manifest_mtime: float) -> store.Marts:
    """Load once per data folder and build (`manifest_mtime` keys a rebuild). Unscoped."""
    del manifest_mtime
    return store.load_marts(Path(folder))


@st.cache_resource(max_entries=32)
def _scoped_cached(folder: str, manifest_mtime: float, role_key: str) -> store.Marts:
    """The marts scoped to one role (one entry per role in use)."""
    marts = _load_cached(folder, manifest_mtime)
    return access.scope_marts(marts, access.Role.from_key(role_key))


@st.cache_resource(max_entries=8)
def _role_config_cached(
    path: str, file_mtime: float, folder: str, manifest_mtime: float
) -> roles.RoleConfig:
    del file_mtime
    marts = _load_cached(folder, manifest_mtime)
    return roles.load_role_config(
        Path(path),
        zones=access.area_names(marts, "zone"),
        circles=access.area_names(marts, "kring"),
    )


@st.cache_resource(max_entries=8)
def _area_names_cached(folder: str, manifest_mtime: float, level: str) -> dict[str, str]:
    return access.area_names(_load_cached(folder, manifest_mtime), level)


def area_names(level: str) -> dict[str, str]:
    """Code -> name of the areas of `level` (`zone`, `kring`, `gemeente`): public, cached."""
    folder = data_dir().resolve()
    return _area_names_cached(str(folder), _manifest_mtime(folder), level)


@st.cache_resource(max_entries=8)
def _geojson_cached(folder: str, manifest_mtime: float, level: str) -> dict[str, Any]:
    return store.load_geojson(_load_cached(folder, manifest_mtime), level)


@st.cache_resource(max_entries=4)
def _crossing_cached(folder: str, manifest_mtime: float) -> pl.DataFrame:
    marts = _load_cached(folder, manifest_mtime)
    return defaults.crossing(marts.areas, marts.population)


def _raw_marts() -> store.Marts:
    """The unscoped marts (private: pages use `load_marts`); stops if there are none."""
    folder = data_dir().resolve()
    try:
        return _load_cached(str(folder), _manifest_mtime(folder))
    except store.DataMissingError as exc:
        st.error(str(exc), icon=":material/database_off:")
        st.stop()


def load_marts() -> store.Marts:
    """The marts of the configured data folder, scoped to the current role.

    Shows how to build the data and stops if there are none; stops with a message
    naming the faulty entry if the role file is wrong (never opens up access).
    """
    role = current_role()
    folder = data_dir().resolve()
    try:
        return _scoped_cached(str(folder), _manifest_mtime(folder), role.key)
    except store.DataMissingError as exc:
        st.error(str(exc), icon=":material/database_off:")
        st.stop()


@st.cache_resource(max_entries=8)
def _geometry_cached(folder: str, manifest_mtime: float, level: str) -> dict[str, str]:
    return maps.display_geometry(_geojson_cached(folder, manifest_mtime, level))


def load_geometry(level: str = "zone") -> dict[str, str]:
    """The cached geometry texts of a level, for `maps.fast_choropleth`."""
    folder = data_dir().resolve()
    try:
        return _geometry_cached(str(folder), _manifest_mtime(folder), level)
    except store.DataMissingError as exc:
        st.error(str(exc), icon=":material/database_off:")
        st.stop()


def load_geojson(level: str = "zone") -> dict[str, Any]:
    """The cached boundaries of a level (do not modify the returned dict)."""
    folder = data_dir().resolve()
    try:
        return _geojson_cached(str(folder), _manifest_mtime(folder), level)
    except store.DataMissingError as exc:
        st.error(str(exc), icon=":material/database_off:")
        st.stop()


def page_start(*, link_scope: Collection[str] = tuple(access.LINK_PARAMS)) -> store.Marts:
    """Start every page: load the marts for the user's role (or explain how to build
    them), label demo data, show the role and what it allows, answer links that ask
    for detail beyond the role.

    Each page calls this itself rather than relying on `app.py`: a page opened directly
    (a deep link on a fresh server, or AppTest's `switch_page` with a `pages/` folder)
    runs without the entry point.

    `link_scope` names the query parameters that ask this page for role-bound
    detail (`kring`, `zone`); a page that shows only aggregates passes `()`, so a
    `?zone=` that merely picks a zone raises no access notice there.
    """
    _raw_marts()
    role_config()  # a faulty role file stops every page here
    mode = access_mode()
    if mode.demo_switch:
        demo_role_switch()
    marts = load_marts()
    demo_banner(marts)
    role = current_role()
    role_panel(marts, role)
    link_notices(marts, role, link_scope)
    return marts


# --- access ---------------------------------------------------------------------------------


def role_config() -> roles.RoleConfig:
    """The checked role file (empty when the default file is absent).

    A faulty file shows a message naming every faulty entry and stops the page.
    """
    path, explicit = roles.roles_path()
    if not explicit and not path.is_file():
        return roles.RoleConfig()
    folder = data_dir().resolve()
    try:
        return _role_config_cached(str(path), _mtime(path), str(folder), _manifest_mtime(folder))
    except roles.RoleConfigError as exc:
        logger.error("role file rejected (%s): %s", exc.path, "; ".join(exc.problems))
        st.error(str(exc), icon=":material/gpp_bad:")
        st.stop()


_MODES_LOGGED: set[str] = set()
"""Access modes already logged by this server process (the log says the mode at start)."""


def role_file_configured() -> bool:
    """Is a role file configured: named in `POPMGMT_ROLES` (present or not) or present
    at the default place?"""
    path, explicit = roles.roles_path()
    return explicit or path.is_file()


def access_mode() -> access.AccessMode:
    """Demo or real access (`access.AccessMode`) for this server; logged once per process
    and mode: `access mode: demo data=demo sign-in=no demo-switch=yes`."""
    mode = access.access_mode(
        demo_data=access.manifest_is_demo(_raw_marts().manifest),
        # An unreadable secrets file may hold an [auth] section: fail closed (no demo switch).
        auth_configured=_auth_state() is not False,
        role_file=role_file_configured(),
    )
    line = mode.log_text()
    if line not in _MODES_LOGGED:
        _MODES_LOGGED.add(line)
        (logger.warning if mode.demo_data and not mode.demo_switch else logger.info)(line)
    return mode


def _auth_state() -> bool | None:
    """Does `.streamlit/secrets.toml` have an `[auth]` section? None: a secrets file
    that cannot be read (invalid TOML, no permission)."""
    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except (OSError, KeyError, ValueError, st.errors.StreamlitAPIException) as exc:
        if _first_process_time(f"secrets unreadable: {type(exc).__name__}"):
            logger.warning("secrets unreadable (%s): sign-in counts as configured", exc)
        return None


def auth_configured() -> bool:
    """True when `.streamlit/secrets.toml` has an `[auth]` section (sign-in is set up)."""
    return _auth_state() is True


def _first_process_time(token: str) -> bool:
    """True the first time this server process sees `token` (log a fact once)."""
    if token in _MODES_LOGGED:
        return False
    _MODES_LOGGED.add(token)
    return True


def _login_providers() -> list[str | None]:
    """`[None]` for the default provider, else the names of `[auth.<name>]` sections."""
    section = st.secrets.get("auth", {})
    if not hasattr(section, "keys"):
        return []
    if "client_id" in section:
        return [None]
    return [str(k) for k in section if hasattr(section[k], "keys") and "client_id" in section[k]]


def signed_in_claims() -> dict[str, Any] | None:
    """The identity-token claims of the signed-in user, or None when not signed in (also
    when the secrets cannot be read: nobody is signed in then)."""
    try:
        if not st.user.get("is_logged_in"):
            return None
        return dict(st.user.to_dict())
    except (OSError, KeyError, ValueError, st.errors.StreamlitAPIException):
        return None


def _who() -> str | None:
    claims = signed_in_claims()
    if claims is None:
        return None
    return str(claims.get("email") or claims.get("sub") or "aangemeld")


DEMO_WHO: Final = "demo (niet aangemeld)"
ANONYMOUS_WHO: Final = "-"


def annotation_writer() -> ann.Writer:
    """Who writes annotations in this session: the role and the signed-in identity (in
    demo mode "demo (niet aangemeld)"; not signed in "-"). Whether the role may write
    is `annotations.can_write`'s to say."""
    who = _who()
    if who is None:
        who = DEMO_WHO if access_mode().demo_switch else ANONYMOUS_WHO
    return ann.Writer(role=current_role(), who=who)


def _demo_role() -> access.Role:
    key = st.session_state.get(ROLE_STATE, access.PUBLIC.key)
    try:
        role = access.Role.from_key(str(key))
    except access.RoleError:
        return access.PUBLIC
    area = role.zone_code or role.circle_code
    if area is None:
        return role
    names = area_names("zone" if role.kind == "zorgraad" else "kring")
    if area not in names:
        return access.PUBLIC
    return access.Role.from_key(role.key, label=names[area])


def current_role() -> access.Role:
    """The role of this session.

    Demo mode (demo data and no sign-in configured, `access.AccessMode`): the demo
    role chosen in the sidebar (default publiek). Otherwise: the role file's rule for
    the signed-in identity; publiek when not signed in or when no rule matches. Query
    parameters and session state never decide a role outside demo mode.
    """
    config = role_config()  # a faulty file always stops
    if access_mode().demo_switch:
        return _demo_role()
    claims = signed_in_claims()
    if claims is None:
        return access.PUBLIC
    match = config.resolve(claims)
    if _first_time(f"sign-in {_who()} -> {match.role.key}"):
        logger.info(
            "signed in: user=%s role=%s rule=%s",
            _who(),
            match.role.key,
            match.rule.entry if match.rule else "geen (publiek)",
        )
    return match.role


ROLE_DEFAULTS_STATE: Final = "popmgmt_role_defaults"
"""Session key: per widget key, the role default last applied (`defaults.Applied`)."""


def role_default(
    key: str,
    level: str,
    options: Sequence[str],
    *,
    fallback: str | None = None,
    link: str | None = None,
) -> str | None:
    """Put the area a page opens on into the widget state `key`, before the widget is
    drawn: the shared helper behind every page's zone (`level="zone"`) and circle
    (`level="kring"`) selector.

    `link` is the valid area a query parameter names (the page reads and checks its own
    parameter; pass it only when the page applies the link). Without a link the user's
    choice in this session is kept, else the role's own area is used (a council's zone,
    a circle's circle, or their crossing area, `defaults.role_area`), else `fallback`.
    Returns the area the widget will show.
    """
    role = current_role()
    folder = data_dir().resolve()
    cross = _crossing_cached(str(folder), _manifest_mtime(folder))
    applied: dict[str, defaults.Applied] = st.session_state.setdefault(ROLE_DEFAULTS_STATE, {})
    choice = defaults.initial_choice(
        role_key=role.key,
        role_default=defaults.role_area(role, level, options, cross),
        fallback=fallback,
        has_state=key in st.session_state,
        state=st.session_state.get(key),
        previous=applied.get(key),
        link=link,
    )
    if choice.set:
        st.session_state[key] = choice.value
    applied[key] = choice.applied
    return choice.value


def _first_time(token: str) -> bool:
    """True the first time this session sees `token` (reruns repeat page code: log once)."""
    seen: set[str] = st.session_state.setdefault(_LOGGED_STATE, set())
    if token in seen:
        return False
    seen.add(token)
    return True


def demo_role_switch() -> access.Role:
    """The sidebar switch "Demorol" (demo mode only): pick a role to see what it sees."""
    if not access_mode().demo_switch:
        return current_role()
    current = _demo_role()
    kinds = list(access.ROLE_KINDS)
    zones = area_names("zone")
    circles = area_names("kring")
    with st.sidebar:
        st.markdown(f"**{DEMO_ROLE_LABEL}** · :orange-badge[{labels.DEMO_BADGE}]")
        kind = st.selectbox(
            DEMO_ROLE_LABEL,
            kinds,
            index=kinds.index(current.kind),
            format_func=access.KIND_TEXT.__getitem__,
            key="_demo_role_kind",
            label_visibility="collapsed",
            help="Alleen in de demo: kies een rol om te zien wat die rol ziet.",
        )
        role = access.PUBLIC if kind in ("zorgraad", "kring") else access.Role(kind)
        if kind == "zorgraad" and zones:
            codes = list(zones)
            zone = st.selectbox(
                DEMO_ZONE_LABEL,
                codes,
                index=codes.index(current.zone_code) if current.zone_code in zones else 0,
                format_func=lambda c: f"{zones[c]} ({c})",
                key="_demo_role_zone",
            )
            role = access.Role(kind, zone_code=zone, label=zones[zone])
        elif kind == "kring" and circles:
            codes = list(circles)
            circle = st.selectbox(
                DEMO_CIRCLE_LABEL,
                codes,
                index=codes.index(current.circle_code) if current.circle_code in circles else 0,
                format_func=lambda c: f"{circles[c]} ({c})",
                key="_demo_role_circle",
            )
            role = access.Role(kind, circle_code=circle, label=circles[circle])
        st.caption(
            "Deze keuze bestaat alleen omdat de gegevens demodata zijn. Met echte gegevens "
            "bepaalt de aanmelding uw rol."
        )
    st.session_state[ROLE_STATE] = role.key
    return role


def role_panel(marts: store.Marts, role: access.Role) -> None:
    """The sidebar: the current role, what it allows, sign-in/sign-out, and the access
    mode (so an operator sees at once whether the demo switch is live)."""
    del marts
    mode = access_mode()
    demo = mode.demo_switch
    with st.sidebar:
        st.markdown(f"**Uw rol:** {labels.md_text(access.role_title(role))}")
        st.caption(labels.md_text(access.role_allows(role)))
        claims = signed_in_claims()
        if claims is not None:
            who = str(claims.get("name") or claims.get("email") or "aangemeld")
            extra = " In de demo bepaalt de demorol wat u ziet." if demo else ""
            st.caption(f"Aangemeld als {labels.md_text(who)}.{extra}")
            if st.button("Afmelden", key="_logout", icon=":material/logout:"):
                st.logout()
        elif auth_configured():
            for provider in _login_providers():
                text = "Aanmelden" if provider is None else f"Aanmelden via {provider}"
                if st.button(text, key=f"_login_{provider}", icon=":material/login:"):
                    st.login(provider)
        elif not demo:
            st.caption(
                "Aanmelden is op deze server niet ingesteld: iedereen ziet de publieke weergave."
            )
        st.caption(mode.sidebar_text())


def link_notices(
    marts: store.Marts, role: access.Role, scope: Collection[str] = tuple(access.LINK_PARAMS)
) -> None:
    """A link (`?kring=`, `?zone=`) that asks for detail beyond the role: say so, log it."""
    params = {k: st.query_params.get(k, "") for k in access.LINK_PARAMS if k in scope}
    notices = access.link_notices(
        role,
        params,
        circles=area_names("kring"),
        zones=area_names("zone"),
    )
    for what, text in notices:
        st.info(labels.md_text(text), icon=":material/lock:")
        if _first_time(f"{role.key} {what}"):
            access.log_limited(role, what, who=_who())


def practice_detail(
    marts: store.Marts, circle_code: str, *, year: int | None = None
) -> pl.DataFrame | None:
    """The practice rows of a circle for its table, funnel plots and downloads; None
    (with a Dutch refusal on the page and a log line) when the role may not see them."""
    rows = access.practice_detail(marts, current_role(), circle_code, year=year, who=_who())
    if rows is None:
        st.info(
            access.refusal_text(
                f"Praktijktabel en downloads van kring {labels.md_text(circle_code)}"
            ),
            icon=":material/lock:",
        )
    return rows


def practice_counts(
    marts: store.Marts, zone_code: str, *, year: int | None = None
) -> pl.DataFrame | None:
    """Practice counts per municipality of a zone (care council detail); None with a
    Dutch refusal and a log line outside the role's remit."""
    rows = access.practice_counts_by_municipality(
        marts, current_role(), zone_code, year=year, who=_who()
    )
    if rows is None:
        st.info(
            access.refusal_text(f"Praktijken per gemeente van zone {labels.md_text(zone_code)}"),
            icon=":material/lock:",
        )
    return rows


def demo_banner(marts: store.Marts) -> None:
    """A visible demo label (badge + warning) when the build is demo data; with sign-in
    configured also a warning that demo data are loaded on a real deployment."""
    if store.is_demo(marts):
        st.badge(labels.DEMO_BADGE, icon=":material/science:", color="orange")
        st.warning(labels.DEMO_BANNER, icon=":material/warning:")
        mode = access_mode()
        if mode.demo_data and mode.sign_in:
            st.warning(access.DEMO_WITH_SIGN_IN_WARNING, icon=":material/gpp_maybe:")


def figure_metric(row: dict[str, Any]) -> None:
    """One headline figure: value (or "onderdrukt (...)"), interval, denominator, year, source."""
    texts = store.figure_texts(row)
    details = [
        t
        for t in (
            texts["interval_text"],
            texts["denominator_text"],
            texts["year_text"],
            texts["source_text"],
        )
        if t
    ]
    st.metric(
        label=labels.md_text(row["label"]),
        value=texts["value_text"],
        help=labels.md_text("; ".join(details)) if details else None,
        border=True,
    )
    st.caption(labels.md_text(" · ".join(details)))


# --- markdown from the data, escaped ----------------------------------------------------------

_MD_SKIP: Final = frozenset({"indicator_code"})


def md_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A copy of a metadata row with every text value `labels.md_text`-escaped (the
    indicator code is kept: it is a code, shown in a code span)."""
    return {
        key: labels.md_text(value) if isinstance(value, str) and key not in _MD_SKIP else value
        for key, value in row.items()
    }


def _md_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy of a (small) metadata frame with every text cell escaped (`md_fields`)."""
    return pl.DataFrame(
        [md_fields(row) for row in frame.iter_rows(named=True)], schema=frame.schema, orient="row"
    )


def _md_marts(marts: store.Marts, indicator_code: str | None = None) -> store.Marts:
    """The marts with the indicator metadata's texts Markdown-escaped (only the row of
    `indicator_code` when given), for the store's helpers that return Markdown."""
    frame = marts.indicators
    if indicator_code is not None:
        frame = frame.filter(pl.col("indicator_code") == indicator_code)
    return dataclasses.replace(marts, indicators=_md_frame(frame))


def md_columns(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """`frame` with the named text columns `labels.md_text`-escaped, for helpers that
    write Markdown from a frame's names (a copy; tables and charts keep the raw frame)."""
    return frame.with_columns(
        pl.Series(c, [labels.md_text(v) if v is not None else None for v in frame[c]], pl.String)
        for c in columns
    )


@st.cache_resource(max_entries=4, show_spinner=False)
def _md_indicators_cached(key: tuple[str, str], _indicators: pl.DataFrame) -> pl.DataFrame:
    del key
    return _md_frame(_indicators)


def md_indicators(marts: store.Marts) -> pl.DataFrame:
    """The indicator metadata with every text escaped for Markdown (cached per build),
    for helpers that write Markdown from it (`zone_tables.definitions_markdown`)."""
    key = (str(marts.folder), str(marts.manifest.get("built_at")))
    return _md_indicators_cached(key, marts.indicators)


def flanders_summary(marts: store.Marts, indicator_code: str, year: int) -> str | None:
    """`store.flanders_summary` with the indicator's texts (source, labels) escaped: the
    Markdown line pages show. Pages use this, not the store's."""
    return store.flanders_summary(_md_marts(marts, indicator_code), indicator_code, year)


def definition_markdown(meta: dict[str, Any]) -> str:
    """`store.indicator_definition_markdown` of escaped metadata (name, description,
    formula, source, unit, labels from atlas_metadata.csv). Pages use this."""
    escaped = md_fields(meta)
    escaped["indicator_code"] = str(meta.get("indicator_code") or "").replace("`", "")
    return store.indicator_definition_markdown(escaped)


def footer(marts: store.Marts) -> None:
    """Vintage, boundary version, build and attribution, at the foot of every page."""
    st.divider()
    demo = f" · **{labels.DEMO_BADGE}**" if store.is_demo(marts) else ""
    st.caption(
        f"Gegevens: {labels.md_text(store.vintage_text(marts))} · Grenzen "
        f"{labels.md_text(store.boundary_version(marts))}"
        f" · Gebouwd: {labels.md_text(store.built_at_text(marts))}{demo}"
    )
    st.caption(f"Bronvermelding: {labels.md_text(store.attribution_text(marts))}")
    st.caption(access_mode().sidebar_text())


# --- charts and downloads -------------------------------------------------------------------

XLSX_MIME = downloads.XLSX_MIME


def vega_chart(spec: dict[str, Any]) -> None:
    """A Vega-Lite chart with its title above and its reading notes below (from the
    spec's `usermeta`)."""
    meta = spec.get("usermeta") or {}
    if meta.get("title"):
        st.markdown(f"**{labels.md_text(meta['title'])}**")
    st.vega_lite_chart(spec=spec, width="stretch")
    if meta.get("notes"):
        st.caption(labels.md_text(" ".join(meta["notes"])))


def download_buttons(
    frame: pl.DataFrame,
    stem: str,
    key: str,
    *,
    sheet: str = "Tabel",
    notes: Sequence[str] = (),
    what: str = "",
) -> None:
    """The downloads of exactly the table shown, in the formats of `downloads.FORMATS`
    (built only when clicked): Excel (XLSX, the default: first in the row, with `notes` on
    a sheet "Toelichting"), "CSV voor Excel" (`;`, decimal comma) and "CSV voor analisten"
    (`,`, decimal point). Keys `{key}_xlsx`, `{key}_csv_excel`, `{key}_csv`; `what`
    prefixes the labels when a page offers several tables side by side."""
    row = st.container(horizontal=True)
    for fmt in downloads.FORMATS:
        row.download_button(
            f"{what} {fmt.label}".strip(),
            data=functools.partial(
                downloads.format_bytes, fmt.key, frame, sheet=sheet, notes=tuple(notes)
            ),
            file_name=downloads.file_name(stem, fmt.key),
            mime=fmt.mime,
            key=f"{key}_{fmt.key}",
            on_click="ignore",
            icon=":material/download:",
            help=fmt.help,
        )
