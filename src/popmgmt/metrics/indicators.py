"""The product's own (derived) indicators and the roles some indicators play.

Atlas indicators come with their metadata sheet; the indicators defined here
are computed in the build from the IMA GP file, the practice register, the
survey and the population. Each carries the same metadata fields.
"""

from __future__ import annotations

from typing import Final

# Indicators shown as headline figures on the Flanders overview, in order.
# Atlas codes are data: a data team with other codes edits this tuple only.
GP_PER_10K: Final = "gp_per_10k"
GP_UNDER65_PER_100K: Final = "gp_under65_per_100k"
GMD_COVERAGE: Final = "ima_gmd"
FLAT_RATE_POPULATION: Final = "ima_mh"
HEADLINE_INDICATORS: Final = (GP_PER_10K, GMD_COVERAGE, FLAT_RATE_POPULATION)

# Assumptions of the activity-based FTE estimate (documented in docs/methods.md).
# A fee-for-service GP with this many billed contacts a year counts as one FTE;
# a flat-rate GP (contacts are not billed) with this many enrolled patients.
FULL_TIME_CONTACTS: Final = 5000
FULL_TIME_ENROLLED: Final = 1500

# What the numerator counts: the disclosure rule (1-4 suppressed) protects
# persons and their contacts; counts of practices are practice-level facts,
# which are public (DOMAIN 4), so they are not suppressed.
COUNT_UNITS: Final = ("personen", "contacten", "vte", "praktijken")

_IMA_SOURCE = "IMA-AIM, Patiënteel huisartsen (per RIZIV-nummer), bewerking popmgmt"
_SURVEY_SOURCE = "Departement Zorg, bevraging huisartsenpraktijken, bewerking popmgmt"
# How often each source of a derived indicator is renewed (DOMAIN 3): shown in the
# indicator catalogue beside the Atlas sheets' own update rhythm.
UPDATE_RHYTHM: Final[dict[str, str]] = {
    "ima": "jaarlijks; een afgesloten jaar X is er in juli van X + 2 (IMA)",
    "enquete": "per bevragingsronde van Departement Zorg (eerste in 2024)",
    "statbel": "jaarlijks (bevolking op 1 januari, Statbel)",
}
_POP_SOURCE = "Statbel, bevolking op 1 januari, bewerking popmgmt"

CONTACT_TYPES: Final = {
    "raadpl": ("Raadplegingen", "raadplegingen in de praktijk (RAADPL)"),
    "bezavond": (
        "Huisbezoeken avond/weekend",
        "huisbezoeken 's avonds en in het weekend (BEZAVOND)",
    ),
    "bezoekind": ("Individuele huisbezoeken", "individuele huisbezoeken (BEZOEKIND)"),
    "instel": (
        "Bezoeken in instellingen",
        "bezoeken in instellingen zoals woonzorgcentra (INSTEL)",
    ),
    "digicont": ("Contacten op afstand", "digitale contacten en contacten op afstand (DIGICONT)"),
    "advies": ("Adviezen", "adviezen, onder meer telefonisch (ADVIES)"),
}


def _derived(
    code: str,
    name: str,
    description: str,
    formula: str,
    *,
    unit: str,
    multiplier: float,
    method: str,
    theme: str,
    aim: str,
    direction: str,
    source: str,
    origin: str,
    numerator_label: str,
    denominator_label: str,
    count_unit: str,
    denominator_unit: str = "personen",
    first_year: int = 2015,
    need_family: str | None = None,
    keywords: str = "",
) -> dict[str, object]:
    return {
        "indicator_code": code,
        "name_nl": name,
        "description_nl": description,
        "unit": unit,
        "multiplier": multiplier,
        "formula_nl": formula,
        "source": source,
        "first_year": first_year,
        "smallest_level": "gemeente",
        "breakdowns": "",
        "keywords": keywords,
        "update_rhythm": UPDATE_RHYTHM[origin],
        "aim_domain": aim,
        "theme": theme,
        "need_family": need_family,
        "direction": direction,
        "interval_method": method,
        "origin": origin,
        "numerator_label": numerator_label,
        "denominator_label": denominator_label,
        "count_unit": count_unit,
        "denominator_unit": denominator_unit,
    }


def derived_catalogue(survey_year: int | None) -> list[dict[str, object]]:
    """Metadata of every indicator the build derives itself."""
    pop = "inwoners (1 januari)"
    rows = [
        _derived(
            GP_PER_10K,
            "Huisartsen per 10.000 inwoners",
            "Aantal actieve huisartsen (erkend, zonder huisartsen in opleiding) met hun praktijk "
            "in het gebied, per 10.000 inwoners. Actief: minstens 1.250 contacten in de reguliere "
            "uren (raadplegingen, individuele huisbezoeken, bezoeken in instellingen), of "
            "ingeschreven patiënten in een forfaitaire praktijk.",
            "Aantal actieve huisartsen / (aantal inwoners / 10.000)",
            unit="per 10.000",
            multiplier=10_000,
            method="poisson",
            theme="aanbod",
            aim="gelijkheid",
            direction="hoger_beter",
            source=_IMA_SOURCE,
            origin="ima",
            numerator_label="actieve huisartsen",
            denominator_label=pop,
            count_unit="personen",
            keywords="huisartsen; capaciteit",
        ),
        _derived(
            "gp_fte_per_10k",
            "Huisartsen-VTE per 10.000 inwoners",
            "Geschatte voltijdse equivalenten (VTE) huisartsgeneeskunde per 10.000 inwoners, op "
            f"basis van activiteit: {FULL_TIME_CONTACTS:,} contacten per jaar of "
            f"{FULL_TIME_ENROLLED:,} ingeschreven patiënten (forfait) tellen als 1 VTE, "
            "begrensd op 1 per huisarts. Een schatting, geen gemeten werktijd.".replace(",", "."),
            "Som van de VTE-schattingen van de actieve huisartsen / (aantal inwoners / 10.000)",
            unit="per 10.000",
            multiplier=10_000,
            method="none",  # FTE: a Poisson interval would depend on the unit
            theme="aanbod",
            aim="gelijkheid",
            direction="hoger_beter",
            source=_IMA_SOURCE,
            origin="ima",
            numerator_label="VTE huisartsen (schatting)",
            denominator_label=pop,
            count_unit="vte",
            keywords="huisartsen; capaciteit; VTE",
        ),
        _derived(
            "gp_trainees_per_10k",
            "Huisartsen in opleiding per 10.000 inwoners",
            "Aantal huisartsen in opleiding (RIZIV-kwalificatie 005/006) met hun praktijk in het "
            "gebied, per 10.000 inwoners.",
            "Aantal huisartsen in opleiding / (aantal inwoners / 10.000)",
            unit="per 10.000",
            multiplier=10_000,
            method="poisson",
            theme="aanbod",
            aim="zorgverleners",
            direction="neutraal",
            source=_IMA_SOURCE,
            origin="ima",
            numerator_label="huisartsen in opleiding",
            denominator_label=pop,
            count_unit="personen",
            keywords="huisartsen in opleiding; capaciteit",
        ),
        _derived(
            "gp_60plus",
            "Aandeel huisartsen van 60 jaar en ouder",
            "Aandeel actieve huisartsen van 60 jaar of ouder, onder de actieve huisartsen van wie "
            "het geboortejaar gekend is uit de bevraging; daarom enkel "
            "voor de bevragingsjaren.",
            "Aantal actieve huisartsen van 60+ / aantal actieve huisartsen met gekende "
            "leeftijd x 100",
            unit="%",
            multiplier=100,
            method="wilson",
            theme="aanbod",
            aim="zorgverleners",
            direction="neutraal",
            source=f"{_IMA_SOURCE}; {_SURVEY_SOURCE}",
            origin="ima",
            numerator_label="huisartsen van 60+",
            denominator_label="huisartsen met gekende leeftijd",
            count_unit="personen",
            first_year=survey_year or 2015,
            keywords="huisartsen; leeftijd; vervanging",
        ),
        _derived(
            "gp_65plus",
            "Aandeel huisartsen van 65 jaar en ouder",
            "Aandeel actieve huisartsen van 65 jaar of ouder, onder de actieve huisartsen van wie "
            "het geboortejaar gekend is uit de bevraging; daarom enkel "
            "voor de bevragingsjaren.",
            "Aantal actieve huisartsen van 65+ / aantal actieve huisartsen met gekende "
            "leeftijd x 100",
            unit="%",
            multiplier=100,
            method="wilson",
            theme="aanbod",
            aim="zorgverleners",
            direction="neutraal",
            source=f"{_IMA_SOURCE}; {_SURVEY_SOURCE}",
            origin="ima",
            numerator_label="huisartsen van 65+",
            denominator_label="huisartsen met gekende leeftijd",
            count_unit="personen",
            first_year=survey_year or 2015,
            keywords="huisartsen; leeftijd; vervanging",
        ),
        _derived(
            GP_UNDER65_PER_100K,
            "Huisartsen jonger dan 65 per 100.000 inwoners",
            "Geschat aantal actieve huisartsen jonger dan 65 jaar met hun praktijk in het gebied, "
            "per 100.000 inwoners: de telling van de Impulseo-regel voor huisartsarme gebieden. "
            "Het aandeel 65-plussers komt uit de bevraging (huisartsen met gekend geboortejaar) "
            "en wordt per gemeente toegepast op alle actieve huisartsen; daarom enkel voor de "
            "bevragingsjaren.",
            "(Actieve huisartsen - actieve huisartsen x aandeel 65+ onder wie de leeftijd gekend "
            "is) / (aantal inwoners / 100.000)",
            unit="per 100.000",
            multiplier=100_000,
            method="poisson",
            theme="aanbod",
            aim="gelijkheid",
            direction="hoger_beter",
            source=f"{_IMA_SOURCE}; {_SURVEY_SOURCE}",
            origin="ima",
            numerator_label="huisartsen jonger dan 65 (schatting)",
            denominator_label=pop,
            count_unit="vte",
            first_year=survey_year or 2015,
            keywords="huisartsarm; Impulseo; capaciteit",
        ),
        _derived(
            "attrib_per_fte",
            "Toegewezen patiënten per huisarts-VTE",
            "Aantal toegewezen patiënten (GMD-houders plus patiënten zonder GMD toegewezen aan de "
            "huisarts die ze het meest raadpleegden) per geschatte VTE huisarts, naar plaats van "
            "de praktijk.",
            "Som van de toegewezen patiënten / som van de VTE-schattingen",
            unit="per VTE",
            multiplier=1,
            method="none",  # FTE: a Poisson interval would depend on the unit
            theme="aanbod",
            aim="zorgverleners",
            direction="neutraal",
            source=_IMA_SOURCE,
            origin="ima",
            numerator_label="toegewezen patiënten",
            denominator_label="VTE huisartsen (schatting)",
            count_unit="personen",
            denominator_unit="vte",
            keywords="praktijkgrootte; werklast",
        ),
        _derived(
            "gmd_per_fte",
            "GMD-patiënten per huisarts-VTE",
            "Aantal patiënten met een globaal medisch dossier (of ingeschreven patiënten in "
            "forfaitaire praktijken) per geschatte VTE, over alle huisartsen en huisartsen in "
            "opleiding met hun praktijk in het gebied: dezelfde telling als in de praktijktabel.",
            "Som van PAT_GMD / som van de VTE-schattingen",
            unit="per VTE",
            multiplier=1,
            method="none",  # FTE: a Poisson interval would depend on the unit
            theme="aanbod",
            aim="zorgverleners",
            direction="neutraal",
            source=_IMA_SOURCE,
            origin="ima",
            numerator_label="GMD-patiënten",
            denominator_label="VTE huisartsen (schatting)",
            count_unit="personen",
            denominator_unit="vte",
            keywords="praktijkgrootte; werklast; GMD",
        ),
    ]
    for col, (name, what) in CONTACT_TYPES.items():
        rows.append(
            _derived(
                f"{col}_per_100_attrib",
                f"{name} per 100 toegewezen patiënten",
                f"Aantal {what} per 100 toegewezen patiënten, in praktijken met betaling per "
                "prestatie. Forfaitaire praktijken tellen niet mee: hun contacten worden niet per "
                "prestatie aangerekend en zijn dus niet gekend.",
                f"Aantal {what} / (toegewezen patiënten in prestatiepraktijken / 100)",
                unit="per 100",
                multiplier=100,
                method="poisson",
                theme="gebruik",
                aim="ervaring",
                direction="neutraal",
                source=_IMA_SOURCE,
                origin="ima",
                numerator_label=name.lower(),
                denominator_label="toegewezen patiënten (prestatiepraktijken)",
                count_unit="contacten",
                keywords="contacten; activiteit",
            )
        )
    rows.append(
        _derived(
            "practices_flat_rate",
            "Aandeel forfaitaire praktijken",
            "Aandeel van de actieve huisartsenpraktijken dat forfaitair gefinancierd wordt "
            "(FF_MH = 1), naar plaats van de praktijk.",
            "Aantal forfaitaire praktijken / aantal actieve praktijken x 100",
            unit="%",
            multiplier=100,
            method="wilson",
            theme="aanbod",
            aim="waarde",
            direction="neutraal",
            source=_IMA_SOURCE,
            origin="ima",
            numerator_label="forfaitaire praktijken",
            denominator_label="actieve praktijken",
            count_unit="praktijken",
            denominator_unit="praktijken",
            keywords="financiering; forfait; medisch huis",
        )
    )
    if survey_year is not None:
        rows.append(
            _derived(
                "practices_patient_stop",
                "Aandeel praktijken met patiëntenstop",
                "Aandeel van de praktijken die de bevraging beantwoordden met een volledige of "
                "gedeeltelijke patiëntenstop (geen nieuwe patiënten).",
                "Aantal praktijken met (gedeeltelijke) patiëntenstop / aantal antwoordende "
                "praktijken x 100",
                unit="%",
                multiplier=100,
                method="wilson",
                theme="toegang",
                aim="gelijkheid",
                direction="lager_beter",
                source=_SURVEY_SOURCE,
                origin="enquete",
                numerator_label="praktijken met patiëntenstop",
                denominator_label="antwoordende praktijken",
                count_unit="praktijken",
                denominator_unit="praktijken",
                first_year=survey_year,
                keywords="toegang; patiëntenstop",
            )
        )
    for age in (65, 75, 85):
        rows.append(  # noqa: PERF401
            _derived(
                f"pop_{age}plus",
                f"Aandeel inwoners van {age} jaar en ouder",
                f"Aandeel van de inwoners op 1 januari dat {age} jaar of ouder is.",
                f"Aantal inwoners van {age}+ / aantal inwoners x 100",
                unit="%",
                multiplier=100,
                # the whole register, not a sample: no sampling interval
                method="volledig",
                theme="demografie",
                aim="gezondheid",
                direction="neutraal",
                source=_POP_SOURCE,
                origin="statbel",
                numerator_label=f"inwoners van {age}+",
                denominator_label=pop,
                count_unit="personen",
                need_family="demografie",
                keywords="vergrijzing; leeftijd",
            )
        )
    return rows
