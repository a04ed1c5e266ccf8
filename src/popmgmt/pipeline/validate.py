"""Validate a folder of raw input files against the data contract.

`validate_raw(folder, refdata)` reads every raw file of `docs/data-contract.md`,
checks it completely and either returns typed frames (`RawData`) or raises
`ValidationError` listing every problem found, in Dutch, with file, line and
column. It never returns partial data.

Conventions
- **Line numbers.** `Problem.row` is the line number in the CSV file as a text
  editor or spreadsheet shows it: the header is line 1, the first data row is
  line 2. (A quoted value that spans several lines shifts the count; the
  contract's files have none.) Problems about the file as a whole have no line;
  problems about the header have line 1.
- **Values.** Every cell is read as text first, so a bad value never stops the
  reader. Leading and trailing spaces are removed and an empty cell means
  "no value".
- **Types of the returned frames.** Integers `Int64`, decimals `Float64`, 0/1
  flags (`FLAGHMM`, `FF_MH`) `Boolean`, codes `String` (leading zeros kept).
- **Geography.** Every frame with a `REFNIS` column returns it mapped to the
  2025 municipality codes, with the code as delivered in `REFNIS_RAW`. In
  `bevolking.csv` and `atlas_waarden.csv`, rows of municipalities that merged on
  1 January 2025 collapse onto one key after mapping; their counts
  (`POPULATION`, `NUMERATOR`, `DENOMINATOR`) are summed and `REFNIS_RAW` lists
  the merged codes, sorted and separated by `;` (for example `44034;44073`).
- **Circle coverage.** `huisartsenkringen.csv` must hold every Flemish
  municipality (2025 borders, 285) exactly once: that is what the product needs
  to draw circles. `expected_municipalities` replaces that list, for tests or a
  pilot on part of Flanders.
- **Two stages.** Stage 1 checks each file's form and rows and the references
  between files; stage 2 (`popmgmt.pipeline.completeness`: no year holes, every expected
  municipality x year x sex, every Atlas indicator everywhere, totals within
  tolerance of the reference population) runs only when stage 1 found nothing,
  so its findings are never the echo of a bad row. `covered_municipalities`
  (default: `expected_municipalities`) is what the data files must cover; the
  build passes the block of a verified scaled demo.
- **Reading.** A file is read only when it is a regular file in the folder (a
  symbolic link may point inside the folder, never outside); a folder, a zip
  or Excel file, or an unreadable file where a CSV belongs is one problem
  saying so (`read_input`, `binary_format`).
- **Population.** `bevolking.csv`, or Statbel's `TF_SOC_POP_STRUCT_<year>`
  files as published (`popmgmt.pipeline.statbel`), summed over nationality and civil
  status; problems in a Statbel file name that file and its line.
- **How many problems.** At most `MAX_PROBLEMS_PER_FILE` problems per file are
  listed, chosen so that each kind of problem shows up, followed by one line
  counting the others per column.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import dataframely as dy
import polars as pl

from popmgmt.pipeline.completeness import (
    Finding,
    Reference,
    atlas_findings,
    ima_findings,
    population_findings,
)
from popmgmt.pipeline.cross_checks import _cross_checks, _Geo, _geo
from popmgmt.pipeline.problems import (
    _FIELDS,
    MAX_PROBLEMS_PER_FILE,
    ROW,
    Problem,
    ValidationError,
    _problems,
)
from popmgmt.pipeline.read_raw import (
    _SUMMED_COLUMNS,
    _load,
    _load_statbel,
    _Loaded,
    _statbel_files,
    _statbel_label,
    read_input,
)
from popmgmt.pipeline.refdata import RefData
from popmgmt.pipeline.schemas import (
    ATLAS_METADATA_FILE,
    ATLAS_VALUES_FILE,
    IMA_FILE,
    OPTIONAL_FILES,
    POPULATION_FILE,
    PROJECTION_FILE,
    PROVENANCE_FILE,
    RAW_FILES,
)


@dataclass(frozen=True)
class RawData:
    """The validated raw inputs, typed; `REFNIS` mapped to 2025 codes (see module doc)."""

    ima: pl.DataFrame
    register: pl.DataFrame
    survey_practices: pl.DataFrame
    survey_gps: pl.DataFrame
    atlas_values: pl.DataFrame
    atlas_metadata: pl.DataFrame
    population: pl.DataFrame
    circles: pl.DataFrame
    provenance: dict[str, object]
    """Contents of `herkomst.json`, or `{"demo": False}` when it is absent."""
    checksums: dict[str, str]
    """SHA-256 (hex) of every input file read, by file name."""
    projection: pl.DataFrame | None = None
    """`bevolkingsprojectie.csv` when delivered (optional): REFNIS x YEAR x SEX x AGE."""


# ----------------------------------------------------------------------------
# Provenance
# ----------------------------------------------------------------------------


def _provenance(folder: Path, checksums: dict[str, str]) -> tuple[dict[str, object], list[Problem]]:
    def problem(message: str, *, row: int | None = None, column: str | None = None) -> Problem:
        return Problem(file=PROVENANCE_FILE, row=row, column=column, message=message)

    data = read_input(folder, PROVENANCE_FILE)
    if data is None:
        return {"demo": False}, []
    if isinstance(data, str):
        return {}, [problem(data)]
    checksums[PROVENANCE_FILE] = hashlib.sha256(data).hexdigest()

    try:
        content = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return {}, [problem("het bestand is geen geldige UTF-8-tekst; sla het op als UTF-8")]
    except json.JSONDecodeError as err:
        return {}, [
            problem(
                f"geen geldige JSON ({err.msg}); verbeter het bestand of laat het "
                "weg (zonder herkomst.json gelden de gegevens als echte gegevens)",
                row=err.lineno,
            )
        ]
    if not isinstance(content, dict):
        return {}, [problem('het bestand moet één JSON-object bevatten, bv. {"demo": false}')]
    problems: list[Problem] = []
    if not isinstance(content.get("demo"), bool):
        problems.append(
            problem(
                f"veld 'demo' moet true of false zijn, niet {json.dumps(content.get('demo'))}",
                column="demo",
            )
        )
    if "generator" in content and not isinstance(content["generator"], str):
        problems.append(problem("veld 'generator' moet tekst zijn", column="generator"))
    if "seed" in content and (
        isinstance(content["seed"], bool) or not isinstance(content["seed"], int)
    ):
        problems.append(problem("veld 'seed' moet een geheel getal zijn", column="seed"))
    if "fingerprint" in content and not isinstance(content["fingerprint"], dict):
        problems.append(
            problem(
                "veld 'fingerprint' moet een object zijn (zoals de demogenerator het schrijft)",
                column="fingerprint",
            )
        )
    sources = content.get("sources", {})
    if not isinstance(sources, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in sources.items()
    ):
        problems.append(
            problem("veld 'sources' moet een object zijn van bronnaam naar tekst", column="sources")
        )
    return cast(dict[str, object], content), problems


# ----------------------------------------------------------------------------
# Output frames
# ----------------------------------------------------------------------------


def _finish(name: str, frame: pl.DataFrame, schema: type[dy.Schema], geo: _Geo) -> pl.DataFrame:
    """Drop the line numbers, map REFNIS to 2025 and sum rows of merged municipalities."""
    frame = frame.drop(ROW)
    if "REFNIS" not in frame.columns:
        return frame
    order = [*frame.columns]
    order.insert(order.index("REFNIS") + 1, "REFNIS_RAW")
    frame = frame.with_columns(
        pl.col("REFNIS").alias("REFNIS_RAW"),
        pl.col("REFNIS").replace_strict(geo.code_map, return_dtype=pl.String),
    ).select(order)
    summed = _SUMMED_COLUMNS.get(name)
    if summed is None:
        return frame
    merging = pl.col("REFNIS").is_in(geo.merge_targets.implode())
    kept = frame.filter(~merging)
    merged = (
        frame.filter(merging)
        .group_by(schema.primary_key(), maintain_order=True)
        .agg(
            pl.col("REFNIS_RAW").unique().sort().str.join(";"),
            *[pl.col(c).sum() for c in summed],
        )
        .select(order)
    )
    return pl.concat([kept, merged])


# ----------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------


def validate_raw(
    folder: Path,
    refdata: RefData,
    *,
    expected_municipalities: Iterable[str] | None = None,
    covered_municipalities: Iterable[str] | None = None,
) -> RawData:
    """Validate every raw file in `folder` and return the typed, 2025-mapped frames.

    Stage 1, per file: presence, readability (no folder, symbolic link out of
    `folder`, zip or Excel file where a CSV belongs), encoding, separator,
    header (missing, doubled and unexpected columns), values that do not parse
    as their type, the schema of `popmgmt.pipeline.schemas` (required values, ranges
    including plausibility bounds, code lists, formats, row rules, unique keys);
    across files and against `refdata`: known REFNIS codes, practice numbers in
    the register, Atlas indicators in the metadata, Atlas years not before the
    indicator's first year, numerator <= denominator for percentages, one code
    list per year for merged municipalities, and circle coverage of
    `expected_municipalities` (default: the 285 Flemish municipalities of 2025).

    Stage 2, only when stage 1 found nothing (`popmgmt.pipeline.completeness`): no year
    holes in any source, every municipality of `covered_municipalities` (default:
    `expected_municipalities`) x year x sex in the population (plus all of
    Brussels when any of it is there), population years covering the IMA years,
    every Atlas indicator for every covered municipality in each of its years,
    municipality, zone and Flanders totals within the stated tolerance of the
    2020 reference population, and GP patient totals against the population.

    The population is `bevolking.csv`, or Statbel's `TF_SOC_POP_STRUCT_<year>`
    files (`popmgmt.pipeline.statbel`), not both.

    After mapping REFNIS to 2025, rows of the population and `atlas_waarden.csv`
    that collapse onto the same key (municipalities merged on 1 January 2025)
    are summed; `REFNIS_RAW` then lists the merged codes joined by `;`.

    Raises:
        ValidationError: with every problem found (at most `MAX_PROBLEMS_PER_FILE`
            per file plus a count of the rest); no data are returned then.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValidationError(
            [
                Problem(
                    file=str(folder),
                    row=None,
                    column=None,
                    message=(
                        "de map met ruwe gegevens bestaat niet; geef de map met de "
                        "CSV-bestanden uit het datacontract op"
                    ),
                )
            ]
        )
    geo = _geo(refdata)
    checksums: dict[str, str] = {}
    problems: list[Problem] = []
    statbel_names = _statbel_files(folder)
    loaded: dict[str, _Loaded] = {}
    for name, schema in RAW_FILES.items():
        if name == POPULATION_FILE and statbel_names:
            if read_input(folder, POPULATION_FILE) is not None:
                problems.append(
                    Problem(
                        POPULATION_FILE,
                        None,
                        None,
                        "de bevolking is twee keer geleverd: als bevolking.csv en als Statbel-"
                        f"bestand(en) ({_statbel_label(statbel_names)}); lever ze in één vorm: "
                        "verwijder bevolking.csv of de Statbel-bestanden",
                    )
                )
            loaded[name], statbel_problems = _load_statbel(folder, statbel_names, geo, checksums)
            problems += statbel_problems
            continue
        loaded[name] = _load(folder, name, schema, checksums)
    for name, schema in OPTIONAL_FILES.items():
        if read_input(folder, name) is not None:
            loaded[name] = _load(folder, name, schema, checksums)
    expected = list(
        refdata.flemish_codes if expected_municipalities is None else expected_municipalities
    )
    covered = expected if covered_municipalities is None else list(covered_municipalities)
    cross = _cross_checks(loaded, geo, expected)
    for name, item in loaded.items():
        problems += _problems(item.shown, item.issues + cross[name])
    provenance, provenance_problems = _provenance(folder, checksums)
    problems += provenance_problems
    if problems:
        raise ValidationError(problems)
    frames = {
        _FIELDS[name]: _finish(name, cast(pl.DataFrame, item.frame), item.schema, geo)
        for name, item in loaded.items()
    }
    problems = _completeness(frames, covered, Reference.of(refdata), loaded[POPULATION_FILE].shown)
    if problems:
        raise ValidationError(problems)
    return RawData(**frames, provenance=provenance, checksums=checksums)


def _completeness(
    frames: dict[str, pl.DataFrame], covered: list[str], ref: Reference, population_file: str
) -> list[Problem]:
    """Stage 2: completeness and plausibility of the validated frames (see module doc)."""

    def problems(file: str, findings: list[Finding]) -> list[Problem]:
        shown = [Problem(file, None, f.column, f.message) for f in findings]
        if len(shown) <= MAX_PROBLEMS_PER_FILE:
            return shown
        rest = len(shown) - MAX_PROBLEMS_PER_FILE
        return [
            *shown[:MAX_PROBLEMS_PER_FILE],
            Problem(
                file,
                None,
                None,
                f"nog {rest} andere problemen niet getoond; in totaal {len(shown)}. Los eerst "
                "de getoonde problemen op en valideer opnieuw.",
            ),
        ]

    population = frames["population"]
    found = problems(
        population_file,
        population_findings(
            population,
            covered,
            ref,
            ima_years=frames["ima"]["YEAR"].unique().to_list(),
            ima_file=IMA_FILE,
        ),
    )
    found += problems(
        ATLAS_VALUES_FILE,
        atlas_findings(
            frames["atlas_values"],
            covered,
            ref,
            indicators=frames["atlas_metadata"]["INDICATOR_CODE"].to_list(),
            metadata_file=ATLAS_METADATA_FILE,
        ),
    )
    found += problems(IMA_FILE, ima_findings(frames["ima"], population, population_file))
    if frames.get("projection") is not None:
        found += problems(
            PROJECTION_FILE, projection_findings(frames["projection"], population, covered)
        )
    return found


def projection_findings(
    projection: pl.DataFrame, population: pl.DataFrame, covered: list[str]
) -> list[Finding]:
    """An optional projection must reach beyond the population's last year, cover every
    covered municipality in each of its years, and give both sexes."""
    found: list[Finding] = []
    last_observed = int(population["YEAR"].max())  # type: ignore[arg-type]
    last_projected = int(projection["YEAR"].max())  # type: ignore[arg-type]
    if last_projected <= last_observed:
        found.append(
            Finding(
                "YEAR",
                f"de projectie eindigt in {last_projected}, niet na het laatste "
                f"bevolkingsjaar ({last_observed}); lever jaren na {last_observed}",
            )
        )
    wanted = set(covered)
    for year in sorted(projection["YEAR"].unique().to_list()):
        part = projection.filter(pl.col("YEAR") == year)
        missing = sorted(wanted - set(part["REFNIS"].unique().to_list()))
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            found.append(
                Finding(
                    "REFNIS",
                    f"projectiejaar {year} mist {len(missing)} gemeenten ({shown}); lever "
                    "elke gemeente in elk projectiejaar",
                )
            )
        sexes = set(part["SEX"].unique().to_list())
        if sexes != {"M", "V"}:
            found.append(
                Finding("SEX", f"projectiejaar {year} heeft niet beide geslachten (M en V)")
            )
    return found
