"""popmgmt: the Streamlit entry point. Only wires the pages together.

Run: `streamlit run app.py` (reads the marts from `data/` or `POPMGMT_DATA`).
Each page starts with `popmgmt.app.ui.page_start()` (data check, demo label): a page can
run without this file (deep link on a fresh server, AppTest's `switch_page`).
"""

import streamlit as st

from popmgmt.app.navigation import NAVIGATION

st.set_page_config(
    page_title="popmgmt: bevolkingsmanagement eerstelijnszones",
    layout="wide",
)

st.navigation(
    {
        section: [st.Page(page.path, title=page.title, default=page.default) for page in pages]
        for section, pages in NAVIGATION.items()
    }
).run()
