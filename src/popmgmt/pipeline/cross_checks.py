"""Cross-file and reference checks of the raw files: known REFNIS codes and their
border versions, practices in the register, indicator codes in the metadata, every
Flemish municipality in exactly one GP circle.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import polars as pl

from popmgmt.pipeline import codes
from popmgmt.pipeline.problems import ROW, _fixed_issues, _Issues, _row_issues
from popmgmt.pipeline.read_raw import _Loaded
from popmgmt.pipeline.refdata import MAPPING_2019_FILE, RefData
from popmgmt.pipeline.schemas import (
    ATLAS_METADATA_FILE,
    ATLAS_VALUES_FILE,
    CIRCLES_FILE,
    IMA_FILE,
    POPULATION_FILE,
    PROJECTION_FILE,
    REGISTER_FILE,
    SURVEY_GPS_FILE,
    SURVEY_PRACTICES_FILE,
)

MAX_EVENTS_PER_PERSON: Final = 100
"""An Atlas 'per 1.000' indicator: at most this many events per entitled person in a year."""

_MAX_MISSING_LISTED: Final = 10
"""Up to this many municipalities missing from the circles get one problem each."""


# ----------------------------------------------------------------------------
# Cross-file and reference checks
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geo:
    code_map: dict[str, str]
    """Every known code (2019-2024, 2025, pseudo) -> 2025 code."""
    known: pl.Series
    flemish_2025: pl.Series
    old_only: pl.Series
    """Codes of the 2019-2024 list that no longer exist in 2025."""
    new_only: pl.Series
    """Codes of the 2025 list that did not exist in 2019-2024 (mergers)."""
    merge_targets: pl.Series
    """2025 codes that another code maps onto: where rows may have to be summed."""
    names: dict[str, str]


def _geo(refdata: RefData) -> _Geo:
    code_map = dict(
        zip(
            refdata.code_map["refnis"].to_list(),
            refdata.code_map["nis_code_2025"].to_list(),
            strict=True,
        )
    )
    codes_2025 = set(code_map.values())
    mapping_file = refdata.folder / MAPPING_2019_FILE
    codes_2019 = set(pl.read_csv(mapping_file, infer_schema=False)["nis_code_2019_2024"].to_list())
    targets = {new for old, new in code_map.items() if old != new}
    return _Geo(
        code_map=code_map,
        known=pl.Series(sorted(code_map), dtype=pl.String),
        flemish_2025=pl.Series(sorted(refdata.flemish_codes), dtype=pl.String),
        old_only=pl.Series(sorted(codes_2019 - codes_2025), dtype=pl.String),
        new_only=pl.Series(sorted(codes_2025 - codes_2019), dtype=pl.String),
        merge_targets=pl.Series(sorted(targets), dtype=pl.String),
        names=dict(
            zip(
                refdata.municipalities["nis_code_2025"].to_list(),
                refdata.municipalities["name_nl"].to_list(),
                strict=True,
            )
        ),
    )


def _unknown_refnis(frame: pl.DataFrame, geo: _Geo) -> _Issues:
    return _row_issues(
        frame,
        ~pl.col("REFNIS").is_in(geo.known.implode()),
        column="REFNIS",
        kind="refnis_unknown",
        message=pl.concat_str(
            pl.lit("waarde '"),
            pl.col("REFNIS"),
            pl.lit(
                "' is geen gekende REFNIS-code; gebruik een code uit de 2019-2024- of "
                "2025-lijst (5 cijfers, bv. 11002 voor Antwerpen)"
            ),
        ),
    )


def _register_refnis(frame: pl.DataFrame, geo: _Geo) -> list[_Issues]:
    pseudo = pl.col("REFNIS").is_in(list(codes.PSEUDO_REFNIS))
    return [
        _unknown_refnis(frame, geo),
        _row_issues(
            frame,
            pseudo,
            column="REFNIS",
            kind="refnis_pseudo",
            message=pl.concat_str(
                pl.lit("waarde '"),
                pl.col("REFNIS"),
                pl.lit(
                    "' is een pseudocode (niet te lokaliseren of buiten Vlaanderen en "
                    "Brussel); een praktijk moet een adres in een Vlaamse of Brusselse "
                    "gemeente hebben: gebruik de REFNIS-code van die gemeente"
                ),
            ),
        ),
    ]


def _circle_refnis(frame: pl.DataFrame, geo: _Geo) -> _Issues:
    code = pl.col("REFNIS")
    successor = code.replace_strict(geo.code_map, default=None, return_dtype=pl.String)
    message = (
        pl.when(code.is_in(geo.known.implode()) & (successor != code))
        .then(
            pl.concat_str(
                pl.lit("waarde '"),
                code,
                pl.lit("' is een code van vóór 2025; dit bestand gebruikt de 2025-codes: gebruik "),
                successor,
            )
        )
        .when(code.is_in(geo.known.implode()))
        .then(
            pl.concat_str(
                pl.lit("waarde '"),
                code,
                pl.lit(
                    "' is geen Vlaamse gemeente; dit bestand bevat alleen de Vlaamse gemeenten "
                    "(2025-codes)"
                ),
            )
        )
        .otherwise(
            pl.concat_str(
                pl.lit("waarde '"),
                code,
                pl.lit(
                    "' is geen gekende REFNIS-code; gebruik de 2025-code van een Vlaamse gemeente"
                ),
            )
        )
    )
    return _row_issues(
        frame,
        ~code.is_in(geo.flemish_2025.implode()),
        column="REFNIS",
        kind="refnis_not_flemish_2025",
        message=message,
    )


def _mixed_versions(frame: pl.DataFrame, geo: _Geo) -> _Issues:
    """A merged municipality delivered with both its 2025 code and an old code in one year."""
    rows = frame.select(ROW, "YEAR", "REFNIS").filter(
        pl.col("REFNIS").is_in(geo.old_only.implode())
        | pl.col("REFNIS").is_in(geo.new_only.implode()),
        pl.col("YEAR").is_not_null(),
    )
    grouped = (
        rows.with_columns(
            pl.col("REFNIS").replace_strict(geo.code_map, return_dtype=pl.String).alias("_target"),
            pl.col("REFNIS").is_in(geo.old_only.implode()).alias("_old"),
        )
        .group_by("YEAR", "_target", maintain_order=True)
        .agg(
            pl.col(ROW).filter(pl.col("_old")).min(),
            pl.col("REFNIS").filter(pl.col("_old")).unique().sort().str.join(", ").alias("_olds"),
            pl.col("_old").all().alias("_all_old"),
            pl.col("_old").any().alias("_any_old"),
        )
        .filter(pl.col("_any_old") & ~pl.col("_all_old"))
    )
    message = pl.concat_str(
        pl.lit("jaar "),
        pl.col("YEAR").cast(pl.String),
        pl.lit(": gemeente "),
        pl.col("_target"),
        pl.lit(" staat er zowel met haar 2025-code als met de oude code(s) "),
        pl.col("_olds"),
        pl.lit(
            " in, zodat ze dubbel geteld wordt; gebruik per jaar één codelijst (2019-2024 of 2025)"
        ),
    )
    return _Issues("refnis_mixed_versions", "REFNIS", grouped, message)


def _hci_in_register(frame: pl.DataFrame, register_hci: pl.Series) -> _Issues:
    return _row_issues(
        frame,
        ~pl.col("RIZIV_HCI").is_in(register_hci.implode()),
        column="RIZIV_HCI",
        kind="hci_not_in_register",
        message=pl.concat_str(
            pl.lit("praktijknummer '"),
            pl.col("RIZIV_HCI"),
            pl.lit(
                f"' staat niet in {REGISTER_FILE}; voeg de praktijk toe aan het register "
                "of corrigeer het nummer"
            ),
        ),
    )


def _atlas_checks(values: pl.DataFrame, metadata: pl.DataFrame) -> list[_Issues]:
    indicators = (
        metadata.select("INDICATOR_CODE", "FIRST_YEAR", "UNIT")
        .filter(pl.col("INDICATOR_CODE").is_not_null())
        .unique("INDICATOR_CODE", keep="first")
        .rename({"FIRST_YEAR": "_first_year", "UNIT": "_unit"})
    )
    cell = ["INDICATOR_CODE", "YEAR", "REFNIS", "AGE_BAND"]
    mixed_sex = (pl.col("SEX") == "T") & (pl.col("SEX") != "T").any().over(cell)
    # VT/BIM: per indicator x year every cell split into J and N, or none (docs/data-contract.md)
    bim = pl.col("BIM")
    split = bim != codes.ATLAS_BIM_TOTAL
    mixed_bim = (~split & split.any().over("INDICATOR_CODE", "YEAR")) | (
        split & (~split).any().over("INDICATOR_CODE", "YEAR")
    )
    lone_bim = split & (bim.n_unique().over(*cell, "SEX") < 2)
    joined = values.select(
        ROW,
        "INDICATOR_CODE",
        "YEAR",
        "NUMERATOR",
        "DENOMINATOR",
        bim.alias("_bim"),
        mixed_sex.alias("_mixed_sex"),
        mixed_bim.alias("_mixed_bim"),
        lone_bim.alias("_lone_bim"),
    ).join(indicators, on="INDICATOR_CODE", how="left", maintain_order="left")
    code = pl.col("INDICATOR_CODE")
    return [
        _row_issues(
            joined,
            pl.col("_mixed_bim").fill_null(False),
            column="BIM",
            kind="bim_split_incomplete",
            message=pl.concat_str(
                pl.lit("BIM '"),
                pl.col("_bim"),
                pl.lit("' bij indicator "),
                code,
                pl.lit(", jaar "),
                pl.col("YEAR").cast(pl.String),
                pl.lit(
                    ": die indicator is in dat jaar voor een deel van de cellen uitgesplitst naar "
                    "verhoogde tegemoetkoming (J/N) en voor een ander deel niet (T); lever per "
                    "indicator en jaar ofwel voor elke gemeente, leeftijdsklasse en geslacht J en "
                    "N, ofwel overal T"
                ),
            ),
        ),
        _row_issues(
            joined,
            pl.col("_lone_bim").fill_null(False),
            column="BIM",
            kind="bim_partner_missing",
            message=pl.concat_str(
                pl.lit("BIM '"),
                pl.col("_bim"),
                pl.lit("' bij indicator "),
                code,
                pl.lit(", jaar "),
                pl.col("YEAR").cast(pl.String),
                pl.lit(
                    " zonder de rij met de andere waarde (J of N) voor dezelfde gemeente, "
                    "leeftijdsklasse en geslacht; lever beide rijen (ook met teller en noemer 0)"
                ),
            ),
        ),
        _row_issues(
            joined,
            pl.col("_mixed_sex").fill_null(False),
            column="SEX",
            kind="sex_total_mixed",
            message=pl.lit(
                "geslacht 'T' (totaal) staat naast 'M'/'V' voor dezelfde indicator, jaar, gemeente "
                "en leeftijdsklasse: lever per indicator ofwel M en V, ofwel enkel T, niet beide"
            ),
        ),
        _row_issues(
            joined,
            code.is_not_null() & ~code.is_in(indicators["INDICATOR_CODE"].implode()),
            column="INDICATOR_CODE",
            kind="indicator_unknown",
            message=pl.concat_str(
                pl.lit("indicatorcode '"),
                code,
                pl.lit(
                    f"' staat niet in {ATLAS_METADATA_FILE}; voeg de indicator toe aan de "
                    "metadata of corrigeer de code"
                ),
            ),
        ),
        _row_issues(
            joined,
            pl.col("YEAR") < pl.col("_first_year"),
            column="YEAR",
            kind="year_before_first_year",
            message=pl.concat_str(
                pl.lit("jaar "),
                pl.col("YEAR").cast(pl.String),
                pl.lit(" ligt vóór het eerste jaar ("),
                pl.col("_first_year").cast(pl.String),
                pl.lit(") van indicator "),
                code,
                pl.lit(
                    f" volgens {ATLAS_METADATA_FILE}; verwijder de rij of corrigeer "
                    "FIRST_YEAR in de metadata"
                ),
            ),
        ),
        _row_issues(
            joined,
            (pl.col("_unit") == "%") & (pl.col("NUMERATOR") > pl.col("DENOMINATOR")),
            column="NUMERATOR",
            kind="numerator_above_denominator",
            message=pl.concat_str(
                pl.lit("NUMERATOR ("),
                pl.col("NUMERATOR").cast(pl.String),
                pl.lit(") is groter dan DENOMINATOR ("),
                pl.col("DENOMINATOR").cast(pl.String),
                pl.lit(") bij indicator "),
                code,
                pl.lit(
                    " met eenheid %; bij een percentage kan de teller niet groter zijn dan de "
                    "noemer: corrigeer teller of noemer"
                ),
            ),
        ),
        _row_issues(
            joined,
            (pl.col("_unit") == "per 1.000")
            & (pl.col("NUMERATOR") > MAX_EVENTS_PER_PERSON * pl.col("DENOMINATOR")),
            column="NUMERATOR",
            kind="numerator_implausible",
            message=pl.concat_str(
                pl.lit("NUMERATOR ("),
                pl.col("NUMERATOR").cast(pl.String),
                pl.lit(") is meer dan "),
                pl.lit(str(MAX_EVENTS_PER_PERSON)),
                pl.lit(" keer DENOMINATOR ("),
                pl.col("DENOMINATOR").cast(pl.String),
                pl.lit(") bij indicator "),
                code,
                pl.lit(
                    f" met eenheid per 1.000: meer dan {MAX_EVENTS_PER_PERSON} per rechthebbende "
                    "per jaar is niet plausibel (cijfers te veel, of een noemer 0?): corrigeer "
                    "teller of noemer"
                ),
            ),
        ),
    ]


def _circle_coverage(circles: pl.DataFrame, expected: Iterable[str], geo: _Geo) -> _Issues:
    """Municipalities without a circle: one issue each, or one summary when many are missing."""
    wanted = set(expected)
    missing = sorted(wanted - set(circles["REFNIS"].drop_nulls().to_list()))
    rule = (
        "elke Vlaamse gemeente (grenzen 2025) moet precies één keer voorkomen met haar "
        "huisartsenkring"
    )
    if len(missing) > _MAX_MISSING_LISTED:
        listed = ", ".join(f"{code} ({geo.names.get(code, '?')})" for code in missing[:10])
        messages = [
            f"{len(missing)} van de {len(wanted)} gemeenten ontbreken, o.a. {listed}; {rule}: "
            "is dit het juiste bestand?"
        ]
    else:
        messages = [
            f"gemeente {code} ({geo.names.get(code, 'onbekende naam')}) ontbreekt; {rule}: "
            "voeg een regel toe"
            for code in missing
        ]
    return _fixed_issues(messages, column="REFNIS", kind="circle_coverage")


def _cross_checks(
    loaded: dict[str, _Loaded], geo: _Geo, expected_municipalities: Iterable[str]
) -> dict[str, list[_Issues]]:
    frames = {name: item.frame for name, item in loaded.items() if item.frame is not None}
    found: dict[str, list[_Issues]] = {name: [] for name in loaded}

    if REGISTER_FILE in frames:
        found[REGISTER_FILE] += _register_refnis(frames[REGISTER_FILE], geo)
        register_hci = frames[REGISTER_FILE]["RIZIV_HCI"].drop_nulls().unique()
        for name in (IMA_FILE, SURVEY_PRACTICES_FILE, SURVEY_GPS_FILE):
            if name in frames:
                found[name].append(_hci_in_register(frames[name], register_hci))
    for name in (ATLAS_VALUES_FILE, POPULATION_FILE, PROJECTION_FILE):
        if name in frames:
            found[name] += [_unknown_refnis(frames[name], geo), _mixed_versions(frames[name], geo)]
    if ATLAS_VALUES_FILE in frames and ATLAS_METADATA_FILE in frames:
        found[ATLAS_VALUES_FILE] += _atlas_checks(
            frames[ATLAS_VALUES_FILE], frames[ATLAS_METADATA_FILE]
        )
    if CIRCLES_FILE in frames:
        found[CIRCLES_FILE] += [
            _circle_refnis(frames[CIRCLES_FILE], geo),
            _circle_coverage(frames[CIRCLES_FILE], expected_municipalities, geo),
        ]
    # A cell already reported by its own file's checks is not reported again.
    for name, issues in found.items():
        reported = loaded[name].reported
        found[name] = [
            issue.without(reported[issue.column])
            if issue.column is not None and issue.column in reported
            else issue
            for issue in issues
        ]
    return found
