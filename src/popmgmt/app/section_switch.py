"""The section switch of a long page (Streamlit glue for `popmgmt.views.sections`).

A horizontal radio chooses the one section that runs and is drawn; the choice is kept in
the link (`?deel=`), as the page's other choices. A link (first load, or a link followed
within the session) sets the switch; after that the switch drives the link.
"""

from __future__ import annotations

from typing import Any, Final

import streamlit as st

from popmgmt.views import sections as sec

LABEL: Final = "Onderdeel van de pagina"
HELP: Final = (
    "Alleen het gekozen onderdeel wordt getoond, zodat de pagina snel laadt. "
    "'Alles' toont de hele pagina. De link in de adresbalk bewaart de keuze."
)


def choose(sections: sec.Sections, key: str, *, messages: Any = None) -> str:
    """Draw the switch and return the chosen section's code. An unknown section in the
    link gives a Dutch warning (in `messages`, a container, if given) and the default.
    The link's `deel` is updated to the choice (absent for the default section)."""
    synced_key = f"{key}_synced_url"
    url = st.query_params.get(sec.PARAM)
    code, problem = sections.resolve(url)
    if key not in st.session_state or st.session_state.get(synced_key, "") != url:
        st.session_state[key] = code
    if problem:
        (messages if messages is not None else st).warning(problem, icon=":material/link_off:")
    chosen = str(
        st.radio(
            LABEL,
            sections.codes,
            format_func=sections.labels.__getitem__,
            horizontal=True,
            key=key,
            help=HELP,
        )
    )
    value = sections.param_value(chosen)
    if value is None:
        if sec.PARAM in st.query_params:
            del st.query_params[sec.PARAM]
    elif url != value:
        st.query_params[sec.PARAM] = value
    st.session_state[synced_key] = value
    return chosen
