"""Huisartsenenquête: the Departement Zorg survey of GPs and practices for a zone, circle or
province beside Flanders, with respondents and response rate beside every figure, and the
response rate per zone.

Layout only; the figures come from the survey mart (`popmgmt.pipeline.survey`) through
`popmgmt.views.survey`.
"""

from __future__ import annotations

import streamlit as st

from popmgmt.app import ui
from popmgmt.views import labels
from popmgmt.views import survey as view

marts = ui.page_start(link_scope=())  # data check and demo label, on every page
survey = marts.survey

st.title("Huisartsenenquête")
st.caption(
    "Werkuren, ervaren werkdruk en welbevinden van huisartsen, en de organisatie van hun "
    "praktijken, uit de bevraging van Departement Zorg: per zone, kring of provincie naast "
    "Vlaanderen."
)
st.markdown(view.NOT_A_SAMPLE)
st.caption(view.LEVEL_NOTE)

if survey.height == 0:
    st.info(
        "Deze gegevens bevatten geen enquêteresultaten. Lever enquete_huisartsen.csv en "
        "enquete_praktijken.csv aan en bouw de gegevens opnieuw."
    )
    ui.footer(marts)
    st.stop()

levels = view.levels_in(survey)
left, middle, right = st.columns([1, 2, 1])
level = left.radio("Niveau", levels, format_func=lambda v: view.LEVELS[v], key="survey_level")
options = view.area_options(survey, marts.areas, level)
area = middle.selectbox(
    view.LEVELS[level], list(options), format_func=lambda c: options[c], key="survey_area"
)
year = right.selectbox("Jaar van de bevraging", view.years(survey), key="survey_year")
name = labels.md_text(options[area])

st.subheader(f"Huisartsen: {name} naast Vlaanderen")
gp_table = view.comparison_table(survey, level, area, year, view.GP_SECTION)
st.dataframe(gp_table, hide_index=True, width="stretch")
st.markdown(view.CONTACT_ASSUMPTIONS)
ui.download_buttons(
    gp_table,
    f"huisartsenenquete_huisartsen_{level}_{area}_{year}",
    "survey_gp",
    notes=view.download_notes(year),
)

st.subheader(f"Praktijken: {name} naast Vlaanderen")
practice_codes = tuple(c for c in view.INDICATORS if c not in view.GP_SECTION)
practice_table = view.comparison_table(survey, level, area, year, practice_codes)
st.dataframe(practice_table, hide_index=True, width="stretch")
st.caption(
    "Patiëntenstop naar betalingssysteem: betalingssysteem zoals in het IMA-bestand "
    "(forfaitair als een huisarts van de praktijk forfaitair werkt). Minder dan 10 praktijken "
    "van een betalingssysteem in het gebied: niet getoond."
)
ui.download_buttons(
    practice_table,
    f"huisartsenenquete_praktijken_{level}_{area}_{year}",
    "survey_practice",
    notes=view.download_notes(year),
)

st.subheader("Respons per zone")
response = view.response_by_zone(survey, marts.areas, year)
ui.vega_chart(view.response_chart(response, year))
ui.download_buttons(
    view.response_table(response),
    f"huisartsenenquete_respons_{year}",
    "survey_response",
    notes=view.download_notes(year),
)
ui.footer(marts)
