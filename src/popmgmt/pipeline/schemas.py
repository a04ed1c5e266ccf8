"""Raw input schemas: one dataframely schema per raw CSV file of the data contract.

`docs/data-contract.md` is the source of truth; these schemas encode it:
column names, types, primary keys, ranges, code lists (from `codes.py`),
formats and row rules. Checks that need the reference geography or another
file (known REFNIS codes, practice numbers in the register, indicator codes in
the metadata, circle coverage) live in `validate.py`.

Types of the validated frames: integers `Int64`, decimals `Float64`, 0/1 flags
`Boolean`, and every code (RIZIV numbers, REFNIS, code lists) `String`, so
leading zeros survive.

Every column carries a Dutch `description`. `metadata` holds what `validate.py`
needs to explain a failure to a user: `format` (a Dutch description of the
expected form) and `digits` for fixed-length numeric codes, `codes` for code
lists. `RULE_MESSAGES` and `CHECK_MESSAGES` hold the Dutch message of every
row rule and custom column check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import dataframely as dy
import polars as pl

from popmgmt.pipeline import codes

# ----------------------------------------------------------------------------
# Plausibility bounds (docs/data-contract.md, "Completeness and plausibility")
# ----------------------------------------------------------------------------

MAX_GP_PATIENTS: Final = 20_000
"""Patients (GMD or attributed) of one GP in one year; real lists are 500-5,000."""
MAX_GP_CONTACTS: Final = 50_000
"""Contacts of one kind of one GP in one year (a full-time GP has about 5,000-15,000)."""
MAX_POPULATION_CELL: Final = 25_000
"""Inhabitants of one municipality, sex and single age (Antwerp's largest is about 5,500)."""
MAX_ATLAS_COUNT: Final = 10_000_000
"""Numerator or denominator of one Atlas cell (municipality x year x age band x sex)."""

# ----------------------------------------------------------------------------
# Column builders
# ----------------------------------------------------------------------------


def _digits(n: int, description: str, *, primary_key: bool = False) -> dy.String:
    """A code of exactly `n` digits, kept as text (leading zeros matter)."""
    return dy.String(
        primary_key=primary_key,
        regex=rf"^\d{{{n}}}$",
        description=description,
        metadata={"format": f"precies {n} cijfers (als tekst, met voorloopnullen)", "digits": n},
    )


def _in_codes(allowed: Sequence[str]) -> Callable[[pl.Expr], pl.Expr]:
    values = list(allowed)

    def in_codes(col: pl.Expr) -> pl.Expr:
        return col.is_in(values)

    return in_codes


def _code(
    allowed: Sequence[str],
    description: str,
    *,
    primary_key: bool = False,
    nullable: bool = False,
) -> dy.String:
    """A value from a fixed code list."""
    return dy.String(
        primary_key=primary_key,
        nullable=nullable,
        check={"in_codes": _in_codes(allowed)},
        description=description,
        metadata={"codes": tuple(allowed)},
    )


def _count(description: str, maximum: int, *, nullable: bool = False) -> dy.Int64:
    """A count of at least 0 and at most `maximum`: a plausibility bound far above any
    real value, so a typo such as 10^12 is caught at its line."""
    return dy.Int64(
        nullable=nullable,
        min=0,
        max=maximum,
        description=description,
        metadata={"max_note": "onwaarschijnlijk groot (controleer of er cijfers te veel staan)"},
    )


def _contacts(description: str) -> dy.Int64:
    """A yearly contact count: empty (not recorded) only for flat-rate practices."""

    def required_unless_forfait(col: pl.Expr) -> pl.Expr:
        return col.is_not_null() | pl.col("FF_MH")

    return dy.Int64(
        nullable=True,
        min=0,
        max=MAX_GP_CONTACTS,
        check={"required_unless_forfait": required_unless_forfait},
        description=description,
        metadata={"max_note": "onwaarschijnlijk veel contacten voor één huisarts in één jaar"},
    )


_ONE_DISCIPLINE = "(?:" + "|".join(codes.DISCIPLINES) + ")"


def _discipline_list(col: pl.Expr) -> pl.Expr:
    """`;`-separated discipline codes, without spaces or empty entries."""
    return col.str.contains(f"^{_ONE_DISCIPLINE}(?:;{_ONE_DISCIPLINE})*$")


# ----------------------------------------------------------------------------
# Messages for rules and custom checks
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleMessage:
    """The Dutch message of a row rule and the column a user should look at.

    `template` may name columns of the same file in braces (`{PAT_GMD}`); they
    are filled with that row's values.
    """

    column: str
    template: str


RULE_MESSAGES: Final[dict[str, RuleMessage]] = {
    "pat_attrib_at_least_pat_gmd": RuleMessage(
        "PAT_ATTRIB",
        "PAT_ATTRIB ({PAT_ATTRIB}) is kleiner dan PAT_GMD ({PAT_GMD}); de toegewezen "
        "patiënten omvatten de GMD-patiënten, dus PAT_ATTRIB moet minstens PAT_GMD zijn",
    ),
    "last_year_not_before_first_year": RuleMessage(
        "LAST_YEAR",
        "LAST_YEAR ({LAST_YEAR}) ligt vóór FIRST_YEAR ({FIRST_YEAR}); corrigeer een van "
        "beide jaren of laat LAST_YEAR leeg als de praktijk nog actief is",
    ),
    "one_name_per_circle": RuleMessage(
        "CIRCLE_NAME",
        "kring {CIRCLE_CODE} heeft in dit bestand meer dan één naam (hier '{CIRCLE_NAME}'); "
        "gebruik voor elke CIRCLE_CODE overal dezelfde CIRCLE_NAME",
    ),
}
"""Messages of the `@dy.rule` row rules, by rule name (unique over all schemas)."""

CHECK_MESSAGES: Final[dict[str, str]] = {
    "required_unless_forfait": (
        "waarde ontbreekt terwijl FF_MH = 0; een lege waarde (niet geregistreerd) mag "
        "alleen bij forfaitaire financiering (FF_MH = 1): vul het aantal in (0 als er geen waren)"
    ),
    "discipline_list": (
        "waarde '{value}' bevat een onbekende discipline; gebruik codes gescheiden door ';' "
        "zonder spaties, uit: " + ", ".join(codes.DISCIPLINES)
    ),
}
"""Messages of the custom column checks (`check={name: ...}`), by check name.

`{value}` is the checked value; other names in braces are columns of the row.
Code-list checks (`in_codes`) get a generic message built from `metadata["codes"]`.
"""


# ----------------------------------------------------------------------------
# Schemas
# ----------------------------------------------------------------------------

_CONTACTS_NOTE = "; leeg = niet geregistreerd (alleen bij FF_MH = 1)"


class ImaGpSchema(dy.Schema):
    """`ima_patienteel_huisartsen.csv`: IMA patient lists, one row per GP per year."""

    YEAR = dy.Int64(
        primary_key=True, min=codes.FIRST_YEAR, max=codes.LAST_YEAR, description="Kalenderjaar"
    )
    RIZIV_ID = _digits(8, "RIZIV-nummer van de huisarts, zonder kwalificatiecode", primary_key=True)
    RIZIV_SPEC = _code(
        codes.RIZIV_SPEC,
        "RIZIV-kwalificatiecode: 003/004 huisarts, 005/006 huisarts in opleiding",
    )
    RIZIV_HCI = _digits(8, "RIZIV-nummer van de praktijk; moet in het praktijkregister staan")
    HCI_TYPE = _code(
        codes.HCI_TYPES, "Praktijktype: IND individueel, GRP groepspraktijk, MH medisch huis"
    )
    FLAGHMM = dy.Bool(description="1 = medisch huis / wijkgezondheidscentrum, anders 0")
    FF_MH = dy.Bool(description="1 = forfaitaire financiering, anders 0")
    PAT_GMD = _count(
        "Patiënten met een GMD, of ingeschreven patiënten bij forfait", MAX_GP_PATIENTS
    )
    PAT_ATTRIB = _count(
        "Toegewezen patiënten (GMD-houders plus toegewezen zonder GMD)", MAX_GP_PATIENTS
    )
    RAADPL = _contacts("Raadplegingen in de praktijk" + _CONTACTS_NOTE)
    BEZAVOND = _contacts("Huisbezoeken 's avonds en in het weekend" + _CONTACTS_NOTE)
    BEZOEKIND = _contacts("Individuele huisbezoeken" + _CONTACTS_NOTE)
    INSTEL = _contacts("Bezoeken in instellingen (bv. woonzorgcentra)" + _CONTACTS_NOTE)
    DIGICONT = _contacts("Digitale contacten en contacten op afstand" + _CONTACTS_NOTE)
    ADVIES = _contacts("Adviezen, o.a. telefonisch" + _CONTACTS_NOTE)

    @dy.rule()
    def pat_attrib_at_least_pat_gmd(cls) -> pl.Expr:  # noqa: N805
        return pl.col("PAT_ATTRIB") >= pl.col("PAT_GMD")


class PracticeRegisterSchema(dy.Schema):
    """`praktijkregister.csv`: address and active years of each practice."""

    RIZIV_HCI = _digits(8, "RIZIV-nummer van de praktijk", primary_key=True)
    REFNIS = _digits(5, "REFNIS-code van de gemeente (2019-2024 of 2025), Vlaams of Brussels")
    LAT = dy.Float64(min=49.4, max=51.6, description="Breedtegraad (WGS84)")
    LON = dy.Float64(min=2.5, max=6.5, description="Lengtegraad (WGS84)")
    FIRST_YEAR = dy.Int64(min=1900, max=2100, description="Eerste actieve jaar")
    LAST_YEAR = dy.Int64(
        nullable=True, min=1900, max=2100, description="Laatste actieve jaar; leeg = nog actief"
    )

    @dy.rule()
    def last_year_not_before_first_year(cls) -> pl.Expr:  # noqa: N805
        return pl.col("LAST_YEAR") >= pl.col("FIRST_YEAR")


class SurveyPracticeSchema(dy.Schema):
    """`enquete_praktijken.csv`: Departement Zorg survey, one row per practice."""

    SURVEY_YEAR = dy.Int64(
        primary_key=True,
        min=codes.SURVEY_YEARS_ALLOWED[0],
        max=codes.SURVEY_YEARS_ALLOWED[-1],
        description="Jaar van de bevraging",
    )
    RIZIV_HCI = _digits(
        8, "RIZIV-nummer van de praktijk; moet in het praktijkregister staan", primary_key=True
    )
    PRACTICE_FORM = _code(codes.PRACTICE_FORMS, "Praktijkvorm")
    PAYMENT_SYSTEM = _code(codes.PAYMENT_SYSTEMS, "Betalingssysteem: prestatie of forfait")
    PATIENT_STOP = _code(codes.PATIENT_STOP, "Patiëntenstop")
    APPOINTMENTS = _code(codes.APPOINTMENTS, "Werken op afspraak")
    FTE_NURSE = dy.Float64(min=0, max=50, description="VTE verpleegkundigen")
    FTE_ADMIN = dy.Float64(min=0, max=50, description="VTE administratieve medewerkers")
    FTE_OTHER = dy.Float64(min=0, max=50, description="VTE andere medewerkers")
    DISCIPLINES = dy.String(
        nullable=True,
        check={"discipline_list": _discipline_list},
        description="Aanwezige disciplines, gescheiden door ';'; leeg = geen",
        metadata={"codes": codes.DISCIPLINES},
    )
    EXPANSION_PLANS = _code(codes.EXPANSION_PLANS, "Plannen om de capaciteit uit te breiden")
    CONTINUITY = _code(
        codes.CONTINUITY,
        "Continuïteit van zorg bij afwezigheid van de eigen huisarts of buiten de openingsuren "
        "(decreet art. 23 §2, h); optionele kolom, leeg = niet beantwoord",
        nullable=True,
    )


class SurveyGpSchema(dy.Schema):
    """`enquete_huisartsen.csv`: survey, one row per GP (never shown below zone level)."""

    SURVEY_YEAR = dy.Int64(
        primary_key=True,
        min=codes.SURVEY_YEARS_ALLOWED[0],
        max=codes.SURVEY_YEARS_ALLOWED[-1],
        description="Jaar van de bevraging",
    )
    RIZIV_ID = _digits(8, "RIZIV-nummer van de huisarts", primary_key=True)
    RIZIV_HCI = _digits(8, "RIZIV-nummer van de praktijk; moet in het praktijkregister staan")
    BIRTH_YEAR = dy.Int64(min=1935, max=2005, description="Geboortejaar")
    STATUS = _code(codes.GP_STATUS, "Statuut: huisarts of haio (huisarts in opleiding)")
    HOURS_PER_WEEK = dy.Float64(min=0, max=100, description="Gewerkte uren per week")
    WORKLOAD = dy.Int64(min=1, max=5, description="Ervaren werkdruk, 1-5 (5 = veel te hoog)")
    WELLBEING = dy.Int64(min=0, max=10, description="Welbevinden, 0-10")


class AtlasValueSchema(dy.Schema):
    """`atlas_waarden.csv`: IMA Atlas teller en noemer per cel, lang formaat."""

    INDICATOR_CODE = dy.String(
        primary_key=True,
        regex=r"^[A-Za-z0-9_]+$",
        description="Indicatorcode; moet in atlas_metadata.csv staan",
        metadata={"format": "letters, cijfers en '_' (bv. cube_013_021_At)"},
    )
    YEAR = dy.Int64(primary_key=True, min=1990, max=2100, description="Jaar; niet vóór FIRST_YEAR")
    REFNIS = _digits(5, "REFNIS-code van de woonplaats (2019-2024 of 2025)", primary_key=True)
    AGE_BAND = _code(codes.ATLAS_AGE_BANDS, "Leeftijdsklasse per 10 jaar", primary_key=True)
    SEX = _code(
        codes.ATLAS_SEXES,
        "Geslacht: M of V; T voor een indicator zonder uitsplitsing naar geslacht",
        primary_key=True,
    )
    BIM = _code(
        codes.ATLAS_BIM,
        "Verhoogde tegemoetkoming (VT/BIM): J met, N zonder; T voor een cel zonder die "
        "uitsplitsing; optionele kolom (zonder kolom: overal T)",
        primary_key=True,
    )
    NUMERATOR = _count("Teller; hoogstens de noemer als de eenheid % is", MAX_ATLAS_COUNT)
    DENOMINATOR = _count("Noemer: rechthebbenden in de cel", MAX_ATLAS_COUNT)


class AtlasMetadataSchema(dy.Schema):
    """`atlas_metadata.csv`: one row per indicator, the fields of an IMA Atlas sheet."""

    INDICATOR_CODE = dy.String(
        primary_key=True,
        regex=r"^[A-Za-z0-9_]+$",
        description="Indicatorcode (bv. cube_013_021_At)",
        metadata={"format": "letters, cijfers en '_' (bv. cube_013_021_At)"},
    )
    NAME_NL = dy.String(description="Naam van de indicator")
    DESCRIPTION_NL = dy.String(description="Beschrijving")
    UNIT = _code(codes.ATLAS_UNITS, "Eenheid: % of per 1.000")
    FORMULA_NL = dy.String(description="Berekeningswijze")
    FIRST_YEAR = dy.Int64(min=1990, max=2100, description="Eerste beschikbare jaar")
    SMALLEST_LEVEL = _code(("gemeente",), "Kleinst beschikbare geografische niveau")
    BREAKDOWNS = dy.String(nullable=True, description="Kenmerken (uitsplitsingen); mag leeg")
    SOURCE = dy.String(description="Aanbevolen referentie")
    KEYWORDS = dy.String(nullable=True, description="Trefwoorden; mag leeg")
    UPDATE_RHYTHM = dy.String(
        nullable=True,
        description="Actualisatie (bv. jaarlijks in het 4e kwartaal, kalenderjaar - 2); "
        "optionele kolom, mag leeg",
    )
    AIM_DOMAIN = _code(codes.AIM_DOMAINS, "Domein van de Quintuple Aim")
    THEME = _code(codes.THEMES, "Thema")
    NEED_FAMILY = _code(
        codes.NEED_FAMILIES, "Familie van nood-indicatoren; mag leeg", nullable=True
    )
    DIRECTION = _code(codes.DIRECTIONS, "Richting: hoger_beter, lager_beter of neutraal")


PROJECTION_LAST_YEAR: Final = 2070
"""The latest year a population projection may hold."""


class PopulationSchema(dy.Schema):
    """`bevolking.csv`: Statbel population on 1 January."""

    YEAR = dy.Int64(
        primary_key=True, min=codes.FIRST_YEAR, max=codes.LAST_YEAR, description="Jaar (1 januari)"
    )
    REFNIS = _digits(5, "REFNIS-code van de gemeente (2019-2024 of 2025)", primary_key=True)
    SEX = _code(codes.SEXES, "Geslacht: M of V", primary_key=True)
    AGE = dy.Int64(primary_key=True, min=0, max=codes.MAX_AGE, description="Leeftijd in jaren")
    POPULATION = _count("Aantal inwoners", MAX_POPULATION_CELL)


class PopulationProjectionSchema(dy.Schema):
    """`bevolkingsprojectie.csv` (optional): an official population projection per
    municipality, in the shape of the Flemish projections (Statistiek Vlaanderen)."""

    REFNIS = _digits(5, "REFNIS-code van de gemeente (2019-2024 of 2025)", primary_key=True)
    YEAR = dy.Int64(
        primary_key=True,
        min=codes.FIRST_YEAR,
        max=PROJECTION_LAST_YEAR,
        description="Jaar van de projectie (1 januari)",
    )
    SEX = _code(codes.SEXES, "Geslacht: M of V", primary_key=True)
    AGE = dy.Int64(primary_key=True, min=0, max=codes.MAX_AGE, description="Leeftijd in jaren")
    POPULATION = _count("Geprojecteerd aantal inwoners (geheel getal)", MAX_POPULATION_CELL)


class GpCircleSchema(dy.Schema):
    """`huisartsenkringen.csv`: Flemish municipality (2025) -> GP circle."""

    REFNIS = _digits(5, "REFNIS-code 2025 van een Vlaamse gemeente", primary_key=True)
    CIRCLE_CODE = dy.String(
        regex=r"^hak\d+$",
        description="Code van de huisartsenkring: 'hak' gevolgd door cijfers",
        metadata={"format": "'hak' gevolgd door cijfers (bv. hak12)"},
    )
    CIRCLE_NAME = dy.String(description="Naam van de huisartsenkring")

    @dy.rule()
    def one_name_per_circle(cls) -> pl.Expr:  # noqa: N805
        return pl.col("CIRCLE_NAME").n_unique().over("CIRCLE_CODE") == 1


# The raw file names (docs/data-contract.md): one definition for the demo,
# the validator and the build.
IMA_FILE: Final = "ima_patienteel_huisartsen.csv"
REGISTER_FILE: Final = "praktijkregister.csv"
SURVEY_PRACTICES_FILE: Final = "enquete_praktijken.csv"
SURVEY_GPS_FILE: Final = "enquete_huisartsen.csv"
ATLAS_VALUES_FILE: Final = "atlas_waarden.csv"
ATLAS_METADATA_FILE: Final = "atlas_metadata.csv"
POPULATION_FILE: Final = "bevolking.csv"
CIRCLES_FILE: Final = "huisartsenkringen.csv"

RAW_FILES: Final[dict[str, type[dy.Schema]]] = {
    IMA_FILE: ImaGpSchema,
    REGISTER_FILE: PracticeRegisterSchema,
    SURVEY_PRACTICES_FILE: SurveyPracticeSchema,
    SURVEY_GPS_FILE: SurveyGpSchema,
    ATLAS_VALUES_FILE: AtlasValueSchema,
    ATLAS_METADATA_FILE: AtlasMetadataSchema,
    POPULATION_FILE: PopulationSchema,
    CIRCLES_FILE: GpCircleSchema,
}
"""Every required raw file of the contract and its schema."""

PROJECTION_FILE: Final = "bevolkingsprojectie.csv"
OPTIONAL_FILES: Final[dict[str, type[dy.Schema]]] = {
    PROJECTION_FILE: PopulationProjectionSchema,
}
"""Raw files the contract allows but does not require, and their schemas. Without
`bevolkingsprojectie.csv` the build projects the population itself (cohort model)."""
DEMO_FILES: Final[dict[str, type[dy.Schema]]] = {**RAW_FILES, **OPTIONAL_FILES}
"""Every data file the demo generator writes."""
OPTIONAL_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    SURVEY_PRACTICES_FILE: ("CONTINUITY",),
    ATLAS_METADATA_FILE: ("UPDATE_RHYTHM",),
    ATLAS_VALUES_FILE: ("BIM",),
}
"""Columns a file may leave out of its header (older deliveries): read as empty, or as
their value in `OPTIONAL_COLUMN_DEFAULTS`."""
OPTIONAL_COLUMN_DEFAULTS: Final[dict[str, dict[str, str]]] = {
    ATLAS_VALUES_FILE: {"BIM": codes.ATLAS_BIM_TOTAL},
}
"""The value an absent optional column is read as, where it is not empty: an Atlas file
without `BIM` has no breakdown by increased reimbursement (every cell `T`)."""

PROVENANCE_FILE: Final = "herkomst.json"
"""Optional provenance file: `{"demo": bool, "generator": str, "seed": int, "sources": {},
"fingerprint": {...}}`; `"demo": true` counts only for the generator's verified output
(`popmgmt.pipeline.provenance`)."""

FILE_CONTENTS_NL: Final[dict[str, str]] = {
    IMA_FILE: "het IMA-patiënteel per huisarts en per jaar",
    REGISTER_FILE: "het praktijkregister (adres en actieve jaren per praktijk)",
    SURVEY_PRACTICES_FILE: "de bevraging van Departement Zorg op praktijkniveau",
    SURVEY_GPS_FILE: "de bevraging van Departement Zorg op huisartsniveau",
    ATLAS_VALUES_FILE: "de IMA Atlas-waarden (teller en noemer per cel)",
    ATLAS_METADATA_FILE: "de metadata van de IMA Atlas-indicatoren",
    POPULATION_FILE: "de Statbel-bevolking per gemeente, jaar, geslacht en leeftijd",
    CIRCLES_FILE: "de indeling van de Vlaamse gemeenten in huisartsenkringen",
    PROJECTION_FILE: "een bevolkingsprojectie per gemeente, jaar, geslacht en leeftijd",
}
"""What each raw file holds, in Dutch, for messages about a missing file."""
