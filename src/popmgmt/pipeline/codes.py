"""Code lists shared by the raw schemas, the demo generator, the build and the UI.

One name for one thing: a code defined here is used verbatim in raw files,
marts and labels (`labels.py` maps codes to Dutch UI text).
"""

from __future__ import annotations

from typing import Final

FIRST_YEAR: Final = 2015
LAST_YEAR: Final = 2024
YEARS: Final = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
SURVEY_YEARS_ALLOWED: Final = tuple(range(2024, 2031))
BOUNDARY_VERSION: Final = "2025"

# RIZIV qualification codes of GPs and GPs in training.
RIZIV_SPEC_GP: Final = ("003", "004")
RIZIV_SPEC_TRAINEE: Final = ("005", "006")
RIZIV_SPEC: Final = RIZIV_SPEC_GP + RIZIV_SPEC_TRAINEE

HCI_TYPES: Final = ("IND", "GRP", "MH")
PRACTICE_FORMS: Final = ("solo", "duo", "groep", "multidisciplinair", "wgc")
PAYMENT_SYSTEMS: Final = ("prestatie", "forfait")
PATIENT_STOP: Final = ("ja", "gedeeltelijk", "nee")
APPOINTMENTS: Final = ("enkel_afspraak", "gemengd", "vrij_spreekuur")
EXPANSION_PLANS: Final = ("ja", "nee", "onbeslist")
DISCIPLINES: Final = (
    "verpleegkundige",
    "kinesitherapeut",
    "dietist",
    "psycholoog",
    "maatschappelijk_werker",
    "tandarts",
    "vroedvrouw",
)
GP_STATUS: Final = ("huisarts", "haio")
# Continuity of care in the practice (decree of 26 April 2019, art. 23 §2, 2° h): how
# the practice's patients are cared for when their own GP is absent or outside opening
# hours (besides the out-of-hours service of the GP cooperative, which every practice has).
CONTINUITY: Final = (
    "eigen_praktijk",  # the practice's own GPs cover each other (shared records)
    "vaste_collegas",  # a fixed arrangement with GPs of other practices
    "enkel_wachtdienst",  # only the out-of-hours service (huisartsenwachtpost)
    "geen_regeling",  # no arrangement
)

# GP survey indicators (docs/gp-capacity.md): hours-per-week bands (lower bounds; the
# last is open), the workload answers that count as "(far) too high", and the minimum
# number of respondents behind any published survey cell.
HOURS_BANDS: Final = ((0, "< 40"), (40, "40-49"), (50, "50-59"), (60, ">= 60"))
WORKLOAD_TOO_HIGH: Final = 4
MIN_SURVEY_RESPONDENTS: Final = 10
SURVEY_LEVELS: Final = ("vlaanderen", "provincie", "zone", "kring")

SEXES: Final = ("M", "V")
# Atlas cubes without a breakdown by sex deliver T (total) instead of M and V.
ATLAS_SEXES: Final = (*SEXES, "T")
# Atlas cells by increased reimbursement (verhoogde tegemoetkoming, VT/BIM): J with, N
# without; T for a cell without that breakdown (also when the optional column is absent).
ATLAS_BIM: Final = ("J", "N", "T")
ATLAS_BIM_TOTAL: Final = "T"
ATLAS_AGE_BANDS: Final = (
    "0-9",
    "10-19",
    "20-29",
    "30-39",
    "40-49",
    "50-59",
    "60-69",
    "70-79",
    "80-89",
    "90+",
)
# Population mart bands: the 2013 European Standard Population's 5-year bands
# with 0 and 1-4 merged, open-ended at 95+.
POP_AGE_BANDS: Final = (*(f"{a}-{a + 4}" for a in range(0, 95, 5)), "95+")
MAX_AGE: Final = 110

ATLAS_UNITS: Final = ("%", "per 1.000")
AIM_DOMAINS: Final = ("ervaring", "gezondheid", "waarde", "zorgverleners", "gelijkheid")
THEMES: Final = ("nood", "gebruik", "toegang", "aanbod", "demografie")
NEED_FAMILIES: Final = ("gezondheid", "demografie", "sociaaleconomisch", "cultureel")
DIRECTIONS: Final = ("hoger_beter", "lager_beter", "neutraal")

LEVELS: Final = ("vlaanderen", "provincie", "zone", "kring", "gemeente")
FLANDERS_CODE: Final = "02000"
BRUSSELS_ZONE: Final = "elz7"
ANTWERP_ZONE: Final = "elz2"
PSEUDO_REFNIS: Final = ("99991", "99992", "99993", "99999")

# IMA counts a GP as active from 1,250 contacts a year in regular hours.
ACTIVE_CONTACTS_THRESHOLD: Final = 1250
