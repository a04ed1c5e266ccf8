"""popmgmt: the Streamlit entry point. Only wires the pages together.

Run: `streamlit run app.py` (reads the marts from `data/` or `POPMGMT_DATA`).
Each page starts with `popmgmt.ui.page_start()` (data check, demo label): a page can
run without this file (deep link on a fresh server, AppTest's `switch_page`).
"""

import streamlit as st

st.set_page_config(
    page_title="popmgmt: bevolkingsmanagement eerstelijnszones",
    layout="wide",
)

# One section per kind of user. Later views slot in as new sections ("Mijn zone",
# "Huisartsenkring", "Departement Zorg", "Nood en aanbod") once they exist.
PAGES = {
    "Vlaanderen": [
        st.Page("pages/overview.py", title="Overzicht Vlaanderen", default=True),
    ],
}

st.navigation(PAGES).run()
