"""Completeness and plausibility of validated raw data (stage 2 of `validate_raw`).

These checks look at a file as a whole and against the reference geography and
the other files: every year between the first and the last (no holes), every
expected municipality x year x sex in the population, every Atlas indicator for
every municipality in each of its years, population totals of municipalities,
zones and Flanders within a stated tolerance of the Statbel reference
population (1 January 2020, 2025 borders), and GP patient totals against the
population. `docs/data-contract.md` ("Completeness and plausibility") states
every rule and tolerance; the constants below are the same numbers.

They run only on frames that passed every row check (stage 1), already mapped
to 2025 codes (`REFNIS`, with the delivered codes in `REFNIS_RAW`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from popmgmt.pipeline import codes
from popmgmt.pipeline.refdata import RefData

REFERENCE_YEAR: Final = 2020
"""Year of the Statbel reference population in refdata."""
FLANDERS_TOLERANCE: Final = (0.01, 0.01)
"""Flanders total: 1 % in 2020, plus 1 percentage point per year from 2020."""
ZONE_TOLERANCE: Final = (0.03, 0.015)
"""A zone's total: 3 % in 2020, plus 1.5 percentage points per year from 2020."""
MUNICIPALITY_TOLERANCE: Final = (0.25, 0.02)
"""A municipality's total: 25 % in 2020, plus 2 percentage points per year from 2020."""
MIN_MUNICIPALITY: Final = 10
"""Fewest inhabitants of a municipality in a year (the smallest, Herstappe, has about 80)."""
MAX_MUNICIPALITY: Final = 1_000_000
"""Most inhabitants of a municipality in a year (the largest, Antwerpen, has about 550,000)."""
MAX_ENTITLED_PER_INHABITANT: Final = 1.5
"""An Atlas indicator's denominator summed over a municipality's cells in a year, per
inhabitant of the municipality on 1 January 2020 (plus `ENTITLED_MARGIN`)."""
ENTITLED_MARGIN: Final = 100
MAX_PATIENTS_PER_INHABITANT: Final = 1.5
"""Attributed patients of all GPs together, per inhabitant of the delivered municipalities."""
MAX_PATIENT_DROP: Final = 0.25
"""Largest fall of all GPs' attributed patients from one year to the next (a cut export)."""
MAX_LISTED: Final = 8
"""Municipalities named in one message; the rest are counted."""


@dataclass(frozen=True)
class Finding:
    """One completeness or plausibility problem about a file as a whole."""

    column: str
    message: str


def _nl(n: float, decimals: int = 0) -> str:
    """A number in Dutch notation: 1.234.567 or 12,5."""
    text = f"{n:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _years_text(years: Sequence[int]) -> str:
    """2015-2018, 2020, 2022-2024."""
    parts: list[str] = []
    ordered = sorted(years)
    start = prev = ordered[0]
    for year in [*ordered[1:], None]:
        if year is not None and year == prev + 1:
            prev = year
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if year is not None:
            start = prev = year
    return ", ".join(parts)


@dataclass(frozen=True)
class Reference:
    """What the checks need from the reference geography."""

    names: dict[str, str]
    """2025 code -> Dutch name."""
    old_names: dict[str, str]
    """2019-2024 code -> Dutch name."""
    zone_of: dict[str, str]
    """2025 code -> zone code (Flemish and Brussels)."""
    zone_names: dict[str, str]
    brussels: frozenset[str]
    flemish: frozenset[str]
    successor: dict[str, str]
    """Every 2019-2024 code -> its 2025 code."""
    old_only: frozenset[str]
    """2019-2024 codes that no longer exist in 2025."""
    population_2020: dict[str, int]
    """Flemish 2025 code -> inhabitants on 1 January 2020."""

    @classmethod
    def of(cls, refdata: RefData) -> Reference:
        muni = refdata.municipalities
        mapping = pl.read_csv(refdata.folder / "elz_municipality_2019_2024.csv", infer_schema=False)
        mapping = mapping.filter(~pl.col("nis_code_2019_2024").is_in(list(codes.PSEUDO_REFNIS)))
        codes_2025 = set(muni["nis_code_2025"].to_list())
        old = dict(
            zip(
                mapping["nis_code_2019_2024"].to_list(),
                mapping["nis_code_2025"].to_list(),
                strict=True,
            )
        )
        pop = refdata.population_2020.group_by("nis_code_2025").agg(pl.col("population_2020").sum())
        return cls(
            names=dict(zip(muni["nis_code_2025"], muni["name_nl"], strict=True)),
            old_names=dict(
                zip(mapping["nis_code_2019_2024"], mapping["municipality_nl"], strict=True)
            ),
            zone_of=dict(zip(muni["nis_code_2025"], muni["elz_code_pinc"], strict=True)),
            zone_names=dict(
                zip(refdata.zones["zone_code"], refdata.zones["zone_name"], strict=True)
            ),
            brussels=frozenset(
                muni.filter(pl.col("elz_code_pinc") == codes.BRUSSELS_ZONE)["nis_code_2025"]
            ),
            flemish=frozenset(refdata.flemish_codes),
            successor=old,
            old_only=frozenset(set(old) - codes_2025),
            population_2020=dict(
                zip(pop["nis_code_2025"], pop["population_2020"].cast(pl.Int64), strict=True)
            ),
        )

    def label(self, code: str) -> str:
        return f"{code} ({self.names.get(code) or self.old_names.get(code) or 'onbekende naam'})"


# ----------------------------------------------------------------------------
# Years
# ----------------------------------------------------------------------------


def year_holes(years: Iterable[int], what: str) -> list[Finding]:
    """Every year between the first and the last present must be there."""
    present = sorted(set(years))
    if not present:
        return []
    missing = sorted(set(range(present[0], present[-1] + 1)) - set(present))
    return [
        Finding(
            "YEAR",
            f"{what}jaar {year} ontbreekt: het bestand bevat {_years_text(present)}; lever elk "
            f"jaar tussen het eerste ({present[0]}) en het laatste ({present[-1]}), zonder gaten "
            "(is een jaar weggevallen bij het samenvoegen of exporteren?)",
        )
        for year in missing
    ]


# ----------------------------------------------------------------------------
# Municipalities
# ----------------------------------------------------------------------------


def _expected_old_codes(ref: Reference, expected: Iterable[str]) -> set[str]:
    wanted = set(expected)
    return {old for old, new in ref.successor.items() if new in wanted}


def missing_municipalities(
    frame: pl.DataFrame,
    expected: Sequence[str],
    ref: Reference,
    *,
    group: str,
    by_sex: bool,
) -> pl.DataFrame:
    """Per value of `group` (e.g. year): the expected municipalities (and sexes) not present.

    `frame` has `group`, `REFNIS` (2025), `REFNIS_RAW` (delivered, `;`-joined when
    merged) and, when `by_sex`, `SEX`. A group delivered with 2019-2024 codes
    must also hold every old code that maps onto an expected municipality (a
    missing Borsbeek inside Antwerpen is a missing municipality too).

    Returns rows `group`, `code` (2025 or old code), `sexes` (text, empty when
    the whole municipality is missing or `by_sex` is off).
    """
    sexes = list(codes.SEXES) if by_sex else []
    keys = [group, "REFNIS", *(["SEX"] if by_sex else [])]
    present = frame.select(keys).unique()
    groups = present.select(group).unique()
    wanted = pl.DataFrame({"REFNIS": list(expected)}, schema={"REFNIS": pl.String})
    grid = groups.join(wanted, how="cross")
    if by_sex:
        grid = grid.join(pl.DataFrame({"SEX": sexes}), how="cross")
    gaps = grid.join(present, on=keys, how="anti")
    if by_sex:
        gaps = (
            gaps.group_by(group, "REFNIS")
            .agg(pl.col("SEX").sort().alias("_sexes"))
            .with_columns(
                pl.when(pl.col("_sexes").list.len() == len(sexes))
                .then(pl.lit(""))
                .otherwise(pl.col("_sexes").list.join(" en "))
                .alias("sexes")
            )
            .drop("_sexes")
        )
    else:
        gaps = gaps.with_columns(pl.lit("").alias("sexes"))
    gaps = gaps.rename({"REFNIS": "code"})
    # Years delivered on 2019-2024 codes: every old code of an expected municipality.
    raw = frame.select(group, pl.col("REFNIS_RAW").str.split(";").alias("_raw")).explode("_raw")
    old_groups = raw.filter(pl.col("_raw").is_in(list(ref.old_only))).select(group).unique()
    if old_groups.height:
        wanted_old = sorted(_expected_old_codes(ref, expected) & ref.old_only)
        delivered = raw.select(group, pl.col("_raw").alias("code")).unique()
        old_gaps = (
            old_groups.join(
                pl.DataFrame({"code": wanted_old}, schema={"code": pl.String}), how="cross"
            )
            .join(delivered, on=[group, "code"], how="anti")
            .with_columns(pl.lit("").alias("sexes"))
        )
        gaps = pl.concat([gaps, old_gaps.select(gaps.columns)])
    return gaps.unique().sort(group, "code")


def describe_missing(
    gaps: pl.DataFrame,
    group: str,
    expected_count: int,
    ref: Reference,
    what: str,
    todo: str,
    *,
    by_sex: bool = False,
) -> list[Finding]:
    """One finding per group value, naming up to `MAX_LISTED` municipalities."""
    findings: list[Finding] = []
    for (value,), rows in gaps.group_by([group], maintain_order=True):
        items = []
        for code, sexes in rows.select("code", "sexes").iter_rows():
            name = ref.names.get(code) or ref.old_names.get(code) or "onbekende naam"
            detail = f"{name}" if not sexes else f"{name}, geslacht {sexes}"
            if code in ref.old_only:
                detail += f", code 2019-2024, nu deel van {ref.label(ref.successor[code])}"
            items.append(f"{code} ({detail})")
        count = len(items)
        listed = "; ".join(items[:MAX_LISTED])
        more = f" en nog {count - MAX_LISTED} andere" if count > MAX_LISTED else ""
        noun = "gemeente ontbreekt" if count == 1 else "gemeenten ontbreken"
        partly = " (geheel of voor één geslacht)" if by_sex else ""
        findings.append(
            Finding(
                "REFNIS",
                f"{what} {value}: {count} {noun}{partly} van de {expected_count} verwachte: "
                f"{listed}{more}; {todo}",
            )
        )
    return findings


# ----------------------------------------------------------------------------
# Population
# ----------------------------------------------------------------------------


def expected_population_municipalities(
    population: pl.DataFrame, covered: Iterable[str], ref: Reference
) -> list[str]:
    """The covered Flemish municipalities, plus all of Brussels when any of it is delivered."""
    expected = set(covered)
    if population.filter(pl.col("REFNIS").is_in(list(ref.brussels))).height:
        expected |= ref.brussels
    return sorted(expected)


def population_findings(
    population: pl.DataFrame,
    covered: Sequence[str],
    ref: Reference,
    *,
    ima_years: Iterable[int],
    ima_file: str,
) -> list[Finding]:
    findings = year_holes(population["YEAR"].to_list(), "")
    present_years = set(population["YEAR"].to_list())
    holes = set(range(min(present_years), max(present_years) + 1)) if present_years else set()
    for year in sorted(set(ima_years) - holes):
        findings.append(
            Finding(
                "YEAR",
                f"jaar {year} ontbreekt, terwijl {ima_file} dat jaar wel bevat: zonder de "
                f"bevolking van {year} kunnen de cijfers per inwoner niet berekend worden; "
                f"lever de bevolking op 1 januari {year}",
            )
        )
    expected = expected_population_municipalities(population, covered, ref)
    gaps = missing_municipalities(population, expected, ref, group="YEAR", by_sex=True)
    findings += describe_missing(
        gaps,
        "YEAR",
        len(expected),
        ref,
        "jaar",
        "lever voor elk jaar elke gemeente, met mannen (M) en vrouwen (V); is het bestand "
        "volledig geëxporteerd (niet afgebroken of gefilterd)?",
        by_sex=True,
    )
    if findings:
        return findings  # totals of an incomplete file say nothing more
    totals = population.group_by("YEAR", "REFNIS").agg(pl.col("POPULATION").sum())
    for year, code, total in totals.sort("YEAR", "REFNIS").iter_rows():
        if not MIN_MUNICIPALITY <= total <= MAX_MUNICIPALITY:
            findings.append(
                Finding(
                    "POPULATION",
                    f"jaar {year}: gemeente {ref.label(code)} telt samen {_nl(total)} inwoners; "
                    f"een gemeente telt tussen {_nl(MIN_MUNICIPALITY)} en "
                    f"{_nl(MAX_MUNICIPALITY)} inwoners: controleer de aantallen van deze "
                    "gemeente (ontbrekende leeftijden, cijfers te veel of te weinig)",
                )
            )
    return findings + reference_findings(totals, covered, ref)


def _tolerance(rule: tuple[float, float], year: int) -> float:
    return rule[0] + rule[1] * abs(year - REFERENCE_YEAR)


def _deviation(
    what: str, year: int, total: int, reference: int, rule: tuple[float, float], todo: str
) -> Finding | None:
    if reference <= 0:
        return None
    deviation = total / reference - 1
    allowed = _tolerance(rule, year)
    if abs(deviation) <= allowed:
        return None
    return Finding(
        "POPULATION",
        f"jaar {year}: {what} telt {_nl(total)} inwoners; de Statbel-referentie op 1 januari "
        f"{REFERENCE_YEAR} (grenzen 2025) is {_nl(reference)}: een afwijking van "
        f"{'+' if deviation > 0 else ''}{_nl(100 * deviation, 1)} %, meer dan de toegelaten "
        f"{_nl(100 * allowed, 1)} % voor {year}; {todo}",
    )


def reference_findings(
    totals: pl.DataFrame, covered: Sequence[str], ref: Reference
) -> list[Finding]:
    """Totals against the 2020 reference, for zones (and Flanders) covered completely."""
    covered_set = set(covered)
    zone_members: dict[str, list[str]] = {}
    for code, zone in ref.zone_of.items():
        if code in ref.flemish:
            zone_members.setdefault(zone, []).append(code)
    full_zones = {z for z, members in zone_members.items() if set(members) <= covered_set}
    frame = totals.with_columns(
        pl.col("REFNIS").replace_strict(ref.zone_of, default=None).alias("zone")
    ).filter(pl.col("zone").is_in(list(full_zones)))
    findings: list[Finding] = []
    check = "controleer of alle gemeenten, geslachten en leeftijden volledig geleverd zijn"
    if ref.flemish <= covered_set:
        for year, total in (
            frame.group_by("YEAR").agg(pl.col("POPULATION").sum()).sort("YEAR").iter_rows()
        ):
            reference = sum(ref.population_2020.values())
            found = _deviation("Vlaanderen", year, total, reference, FLANDERS_TOLERANCE, check)
            if found:
                findings.append(found)
    for year, zone, total in (
        frame.group_by("YEAR", "zone").agg(pl.col("POPULATION").sum()).sort("YEAR", "zone")
    ).iter_rows():
        reference = sum(ref.population_2020.get(c, 0) for c in zone_members[zone])
        what = f"zone {zone} ({ref.zone_names.get(zone, '?')})"
        found = _deviation(what, year, total, reference, ZONE_TOLERANCE, check)
        if found:
            findings.append(found)
    for year, code, total, _zone in frame.sort("YEAR", "REFNIS").iter_rows():
        reference = ref.population_2020.get(code, 0)
        what = f"gemeente {ref.label(code)}"
        found = _deviation(what, year, total, reference, MUNICIPALITY_TOLERANCE, check)
        if found:
            findings.append(found)
    return findings


# ----------------------------------------------------------------------------
# Atlas and IMA
# ----------------------------------------------------------------------------


def atlas_findings(
    values: pl.DataFrame,
    covered: Sequence[str],
    ref: Reference,
    *,
    indicators: Sequence[str],
    metadata_file: str,
) -> list[Finding]:
    """Per indicator of the metadata: values present, up to the file's last year, no year
    holes, every covered Flemish municipality in each of its years, and no municipality
    with far more entitled persons than inhabitants."""
    present = set(values["INDICATOR_CODE"].to_list())
    findings = [
        Finding(
            "INDICATOR_CODE",
            f"indicator {code} staat in {metadata_file} maar heeft geen enkele waarde; "
            "lever haar tellers en noemers, of haal de indicator uit de metadata "
            "(is het bestand afgebroken?)",
        )
        for code in indicators
        if code not in present
    ]
    ends = values.group_by("INDICATOR_CODE").agg(pl.col("YEAR").max()).sort("INDICATOR_CODE")
    last: int = max(ends["YEAR"].to_list(), default=0)
    for code, year in ends.iter_rows():
        if year != last:
            findings.append(
                Finding(
                    "YEAR",
                    f"indicator {code} stopt in {year}, terwijl het bestand tot {last} loopt; "
                    f"lever ook {year + 1}-{last} (is het bestand afgebroken?), of haal een "
                    "stopgezette indicator uit de levering",
                )
            )
    findings += _entitled_findings(values, ref)
    expected = sorted(set(covered) & ref.flemish) or sorted(covered)
    for (indicator,), rows in values.group_by(["INDICATOR_CODE"], maintain_order=True):
        findings += year_holes(rows["YEAR"].to_list(), f"indicator {indicator}: ")
        gaps = missing_municipalities(rows, expected, ref, group="YEAR", by_sex=False)
        findings += describe_missing(
            gaps,
            "YEAR",
            len(expected),
            ref,
            f"indicator {indicator}, jaar",
            "lever elke indicator voor elke gemeente in elk jaar waarin ze voorkomt (is de "
            "export per indicator of per jaar volledig?)",
        )
    return findings


def _entitled_findings(values: pl.DataFrame, ref: Reference) -> list[Finding]:
    reference = pl.DataFrame(
        {
            "REFNIS": list(ref.population_2020),
            "_ref": list(ref.population_2020.values()),
        },
        schema={"REFNIS": pl.String, "_ref": pl.Int64},
    )
    totals = (
        values.group_by("INDICATOR_CODE", "YEAR", "REFNIS")
        .agg(pl.col("DENOMINATOR").sum())
        .join(reference, on="REFNIS", how="inner")
        .filter(
            pl.col("DENOMINATOR") > MAX_ENTITLED_PER_INHABITANT * pl.col("_ref") + ENTITLED_MARGIN
        )
        .sort("INDICATOR_CODE", "YEAR", "REFNIS")
    )
    return [
        Finding(
            "DENOMINATOR",
            f"indicator {indicator}, jaar {year}: gemeente {ref.label(code)} heeft samen "
            f"{_nl(total)} rechthebbenden (DENOMINATOR over alle cellen), meer dan "
            f"{_nl(MAX_ENTITLED_PER_INHABITANT, 1)} keer haar {_nl(inhabitants)} inwoners "
            f"(Statbel, 1 januari {REFERENCE_YEAR}); controleer de noemers van deze gemeente "
            "(cijfers te veel, dubbel geleverde cellen)",
        )
        for indicator, year, code, total, inhabitants in totals.iter_rows()
    ]


def ima_findings(
    ima: pl.DataFrame, population: pl.DataFrame, population_file: str
) -> list[Finding]:
    """No year holes; all GPs' attributed patients not far above the inhabitants."""
    findings = year_holes(ima["YEAR"].to_list(), "")
    inhabitants = dict(population.group_by("YEAR").agg(pl.col("POPULATION").sum()).iter_rows())
    per_year = ima.group_by("YEAR").agg(pl.col("PAT_ATTRIB").sum()).sort("YEAR")
    previous: tuple[int, int] | None = None
    for year, patients in per_year.iter_rows():
        if previous is not None and patients < (1 - MAX_PATIENT_DROP) * previous[1]:
            findings.append(
                Finding(
                    "PAT_ATTRIB",
                    f"jaar {year}: de huisartsen hebben samen {_nl(patients)} toegewezen "
                    f"patiënten, {_nl(100 * (1 - patients / previous[1]), 1)} % minder dan in "
                    f"{previous[0]} ({_nl(previous[1])}); zo'n daling is niet plausibel: "
                    "ontbreken er huisartsen of praktijken in dit jaar (afgebroken export)?",
                )
            )
        previous = (year, patients)
        people = inhabitants.get(year)
        if people and patients > MAX_PATIENTS_PER_INHABITANT * people:
            findings.append(
                Finding(
                    "PAT_ATTRIB",
                    f"jaar {year}: de huisartsen hebben samen {_nl(patients)} toegewezen "
                    f"patiënten, meer dan {_nl(MAX_PATIENTS_PER_INHABITANT, 1)} keer de "
                    f"{_nl(people)} inwoners in {population_file}; controleer PAT_ATTRIB "
                    "(dubbel geleverde regels, cijfers te veel) of de bevolking",
                )
            )
    return findings
