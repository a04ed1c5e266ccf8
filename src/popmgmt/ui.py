"""Streamlit glue shared by the pages: cached loading, demo banner, footer, figures.

Only layout and caching here; everything computed lives in `store`, `maps`, `charts`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from popmgmt import labels, store
from popmgmt.config import data_dir


def _manifest_mtime(folder: Path) -> float:
    try:
        return (folder / store.MANIFEST_FILE).stat().st_mtime
    except OSError:
        return 0.0


@st.cache_resource(show_spinner="Gegevens laden…", max_entries=4)
def _load_cached(folder: str, manifest_mtime: float) -> store.Marts:
    """Load once per data folder and build (`manifest_mtime` keys a rebuild)."""
    del manifest_mtime
    return store.load_marts(Path(folder))


@st.cache_resource(max_entries=8)
def _geojson_cached(folder: str, manifest_mtime: float, level: str) -> dict[str, Any]:
    return store.load_geojson(_load_cached(folder, manifest_mtime), level)


def load_marts() -> store.Marts:
    """The marts of the configured data folder; shows how to build them and stops if absent."""
    folder = data_dir().resolve()
    try:
        return _load_cached(str(folder), _manifest_mtime(folder))
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


def page_start() -> store.Marts:
    """Start every page: load the marts (or explain how to build them) and label demo data.

    Each page calls this itself rather than relying on `app.py`: a page opened directly
    (a deep link on a fresh server, or AppTest's `switch_page` with a `pages/` folder)
    runs without the entry point.
    """
    marts = load_marts()
    demo_banner(marts)
    return marts


def demo_banner(marts: store.Marts) -> None:
    """A visible demo label (badge + warning) when the build is demo data."""
    if store.is_demo(marts):
        st.badge(labels.DEMO_BADGE, icon=":material/science:", color="orange")
        st.warning(labels.DEMO_BANNER, icon=":material/warning:")


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
        label=str(row["label"]),
        value=texts["value_text"],
        help="; ".join(details) if details else None,
        border=True,
    )
    st.caption(" · ".join(details))


def footer(marts: store.Marts) -> None:
    """Vintage, boundary version, build and attribution, at the foot of every page."""
    st.divider()
    demo = f" · **{labels.DEMO_BADGE}**" if store.is_demo(marts) else ""
    st.caption(
        f"Gegevens: {store.vintage_text(marts)} · Grenzen {store.boundary_version(marts)}"
        f" · Gebouwd: {store.built_at_text(marts)}{demo}"
    )
    st.caption(f"Bronvermelding: {store.attribution_text(marts)}")
