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
  between files; stage 2 (`popmgmt.completeness`: no year holes, every expected
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
  files as published (`popmgmt.statbel`), summed over nationality and civil
  status; problems in a Statbel file name that file and its line.
- **How many problems.** At most `MAX_PROBLEMS_PER_FILE` problems per file are
  listed, chosen so that each kind of problem shows up, followed by one line
  counting the others per column.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import re
import stat
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

import dataframely as dy
import polars as pl

from popmgmt.pipeline import codes, statbel
from popmgmt.pipeline.completeness import (
    Finding,
    Reference,
    atlas_findings,
    ima_findings,
    population_findings,
)
from popmgmt.pipeline.refdata import MAPPING_2019_FILE, RefData
from popmgmt.pipeline.schemas import (
    ATLAS_METADATA_FILE,
    ATLAS_VALUES_FILE,
    CHECK_MESSAGES,
    CIRCLES_FILE,
    FILE_CONTENTS_NL,
    IMA_FILE,
    POPULATION_FILE,
    PROVENANCE_FILE,
    RAW_FILES,
    REGISTER_FILE,
    RULE_MESSAGES,
    SURVEY_GPS_FILE,
    SURVEY_PRACTICES_FILE,
    PopulationSchema,
)

MAX_PROBLEMS_PER_FILE: Final = 50

MAX_EVENTS_PER_PERSON: Final = 100
"""An Atlas 'per 1.000' indicator: at most this many events per entitled person in a year."""

ROW: Final = "__row"
"""Internal column: the line number of a data row in its file."""


_SUMMED_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    POPULATION_FILE: ("POPULATION",),
    ATLAS_VALUES_FILE: ("NUMERATOR", "DENOMINATOR"),
}
"""Files whose rows are summed when merged municipalities collapse onto one key."""

_MAX_MISSING_LISTED: Final = 10
"""Up to this many municipalities missing from the circles get one problem each."""


# ----------------------------------------------------------------------------
# Public types
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem in the raw data, as a data team member needs to fix it."""

    file: str
    """File name, e.g. `atlas_waarden.csv`."""
    row: int | None
    """Line in the file: header = line 1, first data row = line 2; None for the whole file."""
    column: str | None
    """Column concerned; for a duplicate key, the key columns joined by ', '."""
    message: str
    """Dutch: what is wrong (naming the bad value) and what to do."""

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"regel {self.row}")
        if self.column is not None:
            where.append(f"kolom {self.column}")
        head = f"{self.file}: {', '.join(where)}" if where else self.file
        return f"{head}: {self.message}"


class ValidationError(Exception):
    """The raw data do not follow the contract; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(problems)

    def __str__(self) -> str:
        count = len(self.problems)
        noun = "probleem" if count == 1 else "problemen"
        lines = [
            f"De ruwe gegevens volgen het datacontract niet ({count} {noun}; "
            "regelnummers tellen de kopregel als regel 1):"
        ]
        lines += [f"- {problem}" for problem in self.problems]
        return "\n".join(lines)


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


_FIELDS: Final[dict[str, str]] = {
    IMA_FILE: "ima",
    REGISTER_FILE: "register",
    SURVEY_PRACTICES_FILE: "survey_practices",
    SURVEY_GPS_FILE: "survey_gps",
    ATLAS_VALUES_FILE: "atlas_values",
    ATLAS_METADATA_FILE: "atlas_metadata",
    POPULATION_FILE: "population",
    CIRCLES_FILE: "circles",
}


# ----------------------------------------------------------------------------
# Issues: failing rows kept as frames; messages are built only for rows shown
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Issues:
    """All rows of one file with one kind of problem in one column.

    `rows` holds `ROW` (null for problems about the whole file) and whatever
    columns `message` needs; `message` is evaluated only on the rows that get
    listed, so a million bad rows cost a filter, not a million strings.
    """

    kind: str
    column: str | None
    rows: pl.DataFrame
    message: pl.Expr

    def without(self, rows: pl.Series) -> _Issues:
        """Drop the lines in `rows` (already reported for the same column)."""
        if rows.is_empty() or self.rows.is_empty():
            return self
        kept = self.rows.filter(~pl.col(ROW).is_in(rows.implode()))
        return _Issues(self.kind, self.column, kept, self.message)


def _file_issue(
    message: str, *, row: int | None = None, column: str | None = None, kind: str = "file"
) -> _Issues:
    return _fixed_issues([message], row=row, column=column, kind=kind)


def _fixed_issues(
    messages: list[str], *, row: int | None = None, column: str | None = None, kind: str = "file"
) -> _Issues:
    rows = pl.DataFrame(
        {ROW: [row] * len(messages), "_message": messages},
        schema={ROW: pl.Int64, "_message": pl.String},
    )
    return _Issues(kind, column, rows, pl.col("_message"))


def _row_issues(
    frame: pl.DataFrame, mask: pl.Expr, *, column: str, kind: str, message: pl.Expr
) -> _Issues:
    """The rows of `frame` where `mask` is true (null counts as false)."""
    return _Issues(kind, column, frame.filter(mask), message)


def _text(column: str, dtype: pl.DataType) -> pl.Expr:
    """A column's value as the user wrote it (flags as 0/1), `leeg` when empty."""
    col = pl.col(column)
    text: pl.Expr
    if dtype == pl.Boolean:
        text = pl.when(col).then(pl.lit("1")).when(~col).then(pl.lit("0"))
    else:
        text = col.cast(pl.String)
    return text.fill_null("leeg")


def _template(template: str, frame_schema: pl.Schema, value_column: str | None = None) -> pl.Expr:
    """Fill `{COLUMN}` (and `{value}`) placeholders of a Dutch message with row values."""
    parts: list[pl.Expr] = []
    for i, piece in enumerate(re.split(r"\{(\w+)\}", template)):
        if i % 2 == 0:
            if piece:
                parts.append(pl.lit(piece))
            continue
        name = value_column if piece == "value" and value_column is not None else piece
        parts.append(_text(name, frame_schema[name]))
    return pl.concat_str(parts) if parts else pl.lit("")


def _problems(file: str, issues: list[_Issues]) -> list[Problem]:
    """Turn one file's issues into problems, at most `MAX_PROBLEMS_PER_FILE` plus a summary.

    The shown problems are picked round-robin over the kinds of problem (first
    of each kind, then the second, ...), so one bad column does not hide the
    rest, and listed by line.
    """
    found = [issue for issue in issues if issue.rows.height > 0]
    if not found:
        return []
    heads = pl.concat(
        [
            issue.rows.head(MAX_PROBLEMS_PER_FILE).select(
                pl.col(ROW).alias("row"),
                pl.lit(issue.column, pl.String).alias("column"),
                pl.lit(issue.kind, pl.String).alias("kind"),
                issue.message.cast(pl.String).alias("message"),
            )
            for issue in found
        ]
    )
    shown = (
        heads.with_columns(pl.int_range(pl.len()).over("kind").alias("_rank"))
        .sort(["_rank", "row"], nulls_last=False)
        .head(MAX_PROBLEMS_PER_FILE)
        .sort(["row", "column", "message"], nulls_last=False)
    )
    problems = [
        Problem(file=file, row=row, column=column, message=message)
        for row, column, message in shown.select("row", "column", "message").iter_rows()
    ]
    total = sum(issue.rows.height for issue in found)
    if total > shown.height:
        hidden: dict[str, int] = {}
        for issue in found:
            name = issue.column or "bestand"
            hidden[name] = hidden.get(name, 0) + issue.rows.height
        for column in shown["column"].to_list():
            hidden[column or "bestand"] -= 1
        detail = "; ".join(
            f"kolom {name}: {count}"
            for name, count in sorted(hidden.items(), key=lambda item: (-item[1], item[0]))
            if count > 0
        )
        problems.append(
            Problem(
                file=file,
                row=None,
                column=None,
                message=(
                    f"nog {total - shown.height} andere problemen niet getoond ({detail}); "
                    f"in totaal {total}. Los eerst de getoonde problemen op en valideer opnieuw."
                ),
            )
        )
    return problems


# ----------------------------------------------------------------------------
# Reading one file
# ----------------------------------------------------------------------------


@dataclass
class _Loaded:
    name: str
    schema: type[dy.Schema]
    frame: pl.DataFrame | None
    """Typed frame with `ROW`, every data row; None when rows cannot be checked."""
    issues: list[_Issues]
    reported: dict[str, pl.Series]
    """Lines already reported per column, so cross-file checks do not repeat them."""
    label: str | None = None
    """The file name shown in problems when it differs from `name` (Statbel files)."""

    @property
    def shown(self) -> str:
        return self.label or self.name


@functools.cache
def _with_row(schema: type[dy.Schema]) -> type[dy.Schema]:
    """The schema plus the internal line-number column, to trace failures back to lines."""
    extended = type(f"{schema.__name__}WithRow", (schema,), {"row_number": dy.Int64(alias=ROW)})
    return cast(type[dy.Schema], extended)


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _line_numbers(data: bytes, height: int) -> pl.Series | pl.Expr:
    """The line on which each data record starts (header = line 1).

    Normally record i is on line i + 2; when quoted values span lines (a
    description copied with its paragraphs), the lines are counted with the
    csv module instead.
    """
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines == height + 1:
        return pl.int_range(2, pl.len() + 2, dtype=pl.Int64)
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    starts: list[int] = []
    previous = 0
    for _ in reader:
        starts.append(previous + 1)
        previous = reader.line_num
    if len(starts) - 1 != height:  # unexpected shape: fall back to counting records
        return pl.int_range(2, pl.len() + 2, dtype=pl.Int64)
    return pl.Series(ROW, starts[1:], dtype=pl.Int64)


def _read_header(data: bytes) -> list[str]:
    first = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").rstrip("\r")
    return [name.strip() for name in next(csv.reader([first]), [])]


def _ragged_lines(data: bytes, n_fields: int) -> list[int]:
    """Lines with more fields than the header (only on the error path)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace"), newline=""))
    return [reader.line_num for record in reader if len(record) > n_fields]


def _header_issues(name: str, header: list[str], expected: Sequence[str]) -> list[_Issues]:
    issues: list[_Issues] = []
    seen: set[str] = set()
    for column in header:
        if column in seen:
            issues.append(
                _file_issue(
                    f"kolom '{column}' komt meer dan eens voor in de kopregel; laat er één over",
                    row=1,
                    column=column,
                    kind="header",
                )
            )
        seen.add(column)
    by_lower = {column.lower(): column for column in header}
    for column in expected:
        if column in seen:
            continue
        hint = ""
        if (found := by_lower.get(column.lower())) is not None:
            hint = f" (de kopregel heeft '{found}': kolomnamen zijn hoofdlettergevoelig)"
        issues.append(
            _file_issue(
                f"kolom '{column}' ontbreekt in de kopregel{hint}; voeg de kolom toe "
                f"(verwachte kolommen: {', '.join(expected)})",
                row=1,
                column=column,
                kind="header",
            )
        )
    expected_lower = {column.lower() for column in expected}
    for column in dict.fromkeys(header):
        if column in expected:
            continue
        if column.lower() in expected_lower:
            continue  # already explained as a case mismatch above
        issues.append(
            _file_issue(
                f"onverwachte kolom '{column}'; verwijder ze of hernoem ze naar een kolom uit het "
                f"datacontract (verwachte kolommen: {', '.join(expected)})",
                row=1,
                column=column or None,
                kind="header",
            )
        )
    return issues


def _separator_message(header: str, data: bytes) -> str:
    """How to re-save a file that Excel wrote with ';' (or a tab) as separator."""
    if ";" not in header:
        return (
            "het bestand gebruikt een tab als scheidingsteken; het datacontract vraagt komma's: "
            "open het in Excel en kies Bestand > Opslaan als > bestandstype 'CSV UTF-8 (door "
            "komma's gescheiden) (*.csv)'"
        )
    decimal_commas = re.search(rb"(?:^|;)-?\d+,\d+(?:;|\r?$)", data[:1_000_000], re.MULTILINE)
    commas = " en komma's als decimaalteken" if decimal_commas else ""
    return (
        f"het bestand gebruikt ';' als scheidingsteken{commas}, zoals Excel met Belgische of "
        "Nederlandse landinstellingen opslaat; het datacontract vraagt komma's als "
        "scheidingsteken en een punt als decimaalteken. Zo sla je het opnieuw op: open het in "
        "LibreOffice Calc, kies Bestand > Opslaan als > 'Tekst CSV (.csv)', vink "
        "'Filterinstellingen bewerken' aan en kies tekenset 'Unicode (UTF-8)' en "
        "veldscheidingsteken ','; of zet in "
        "Windows (Instellingen > Tijd en taal > Regio > Aanvullende instellingen) het "
        "decimaalteken op '.' en het lijstscheidingsteken op ',' en kies in Excel Bestand > "
        "Opslaan als > 'CSV UTF-8 (door komma's gescheiden) (*.csv)'. Laat kolommen met codes "
        "(REFNIS, RIZIV-nummers) als tekst staan zodat voorloopnullen blijven"
    )


def _read_csv(
    name: str, data: bytes, expected: Sequence[str]
) -> tuple[pl.DataFrame | None, list[_Issues]]:
    """Read a CSV as text; check encoding, separator, header and line shape."""
    if not data.strip():
        return None, [
            _file_issue(
                f"het bestand is leeg; het moet een kopregel en gegevens bevatten met "
                f"{FILE_CONTENTS_NL[name]}"
            )
        ]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = _line_of_offset(data, err.start)
        return None, [
            _file_issue(
                "het bestand is geen geldige UTF-8-tekst (bv. opgeslagen als ANSI/Windows-1252); "
                "sla het op als 'CSV UTF-8 (door komma's gescheiden)'",
                row=line,
            )
        ]
    header = _read_header(data)
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        return None, [_file_issue(_separator_message(header[0], data), row=1)]
    issues = _header_issues(name, header, expected)
    if any(issue.kind == "header" and issue.column in expected for issue in issues):
        return None, issues  # missing or doubled columns: rows cannot be checked
    try:
        frame = pl.read_csv(
            io.BytesIO(data), infer_schema=False, columns=list(expected), encoding="utf8"
        )
    except pl.exceptions.PolarsError as err:
        lines = _ragged_lines(data, len(header))
        if lines:
            issues += [
                _file_issue(
                    f"deze regel heeft meer velden dan de kopregel ({len(header)}); controleer "
                    "komma's in waarden (zet zulke waarden tussen dubbele aanhalingstekens)",
                    row=line,
                    kind="ragged",
                )
                for line in lines
            ]
        else:
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            issues.append(
                _file_issue(
                    f"het bestand kan niet als CSV gelezen worden ({reason}); controleer "
                    "aanhalingstekens en scheidingstekens"
                )
            )
        return None, issues
    if frame.height == 0:
        issues.append(
            _file_issue(
                f"het bestand heeft alleen een kopregel; het moet gegevens bevatten met "
                f"{FILE_CONTENTS_NL[name]}"
            )
        )
        return None, issues
    # Trim spaces and treat empty text as "no value"; skipped (it is the slowest
    # step of reading) when the file has no spaces, tabs or quoted empty values.
    needs_trim = any(token in data for token in (b" ", b"\t", b'""'))
    frame = frame.select(
        _line_numbers(data, frame.height).alias(ROW),
        *[
            pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars()).alias(c)
            if needs_trim
            else pl.col(c)
            for c in expected
        ],
    ).filter(pl.any_horizontal(pl.col(expected).is_not_null()))  # blank lines carry no data
    return frame, issues


_PARSE_MESSAGES: Final[dict[type[dy.Column], str]] = {
    dy.Int64: (
        "waarde '{raw}' is geen geheel getal; schrijf een getal zonder decimalen, spaties of "
        "scheidingstekens voor duizendtallen"
    ),
    dy.Float64: (
        "waarde '{raw}' is geen getal; gebruik een punt als decimaalteken (bv. 2.5) en geen "
        "scheidingstekens voor duizendtallen"
    ),
    dy.Bool: "waarde '{raw}' is geen 0 of 1; deze kolom is een vlag: 1 = ja, 0 = nee",
}


def _parse(frame: pl.DataFrame, schema: type[dy.Schema]) -> tuple[pl.DataFrame, list[_Issues]]:
    """Cast text columns to the schema's types; report values that do not parse."""
    casts: dict[str, pl.Expr] = {}
    for name, column in schema.columns().items():
        src = pl.col(name)
        if isinstance(column, dy.Bool):
            casts[name] = pl.when(src == "1").then(True).when(src == "0").then(False)
        elif isinstance(column, dy.Int64):
            casts[name] = src.cast(pl.Int64, strict=False)
        elif isinstance(column, dy.Float64):
            number = src.cast(pl.Float64, strict=False)
            casts[name] = pl.when(number.is_finite()).then(number)  # 'nan' and 'inf' do not count
    # Keep the text next to the parsed value to report what did not parse.
    frame = frame.with_columns(expr.alias(f"{name}\x00typed") for name, expr in casts.items())
    issues: list[_Issues] = []
    for name in casts:
        before, after = _PARSE_MESSAGES[type(schema.columns()[name])].split("{raw}")
        issues.append(
            _row_issues(
                frame,
                pl.col(name).is_not_null() & pl.col(f"{name}\x00typed").is_null(),
                column=name,
                kind=f"{name}|parse",
                message=pl.concat_str(pl.lit(before), pl.col(name), pl.lit(after)),
            )
        )
    typed = frame.select(
        ROW,
        *[
            pl.col(f"{name}\x00typed").alias(name) if name in casts else pl.col(name)
            for name in schema.column_names()
        ],
    )
    return typed, issues


def _codes_message(column: dy.Column, value: pl.Expr) -> pl.Expr:
    allowed: tuple[str, ...] = (column.metadata or {}).get("codes", ())
    message = pl.concat_str(
        pl.lit("waarde '"),
        value,
        pl.lit(f"' is geen toegelaten code; gebruik een van: {', '.join(allowed)}"),
    )
    width = len(allowed[0]) if allowed else 0
    if allowed and all(code.isdigit() and len(code) == width for code in allowed):
        padded = value.str.zfill(width)
        hint = pl.concat_str(
            pl.lit(" (voorloopnul weggevallen? schrijf '"),
            padded,
            pl.lit("' en bewaar de kolom als tekst)"),
        )
        return (
            pl.when(value.str.contains(r"^\d+$") & padded.is_in(list(allowed)))
            .then(pl.concat_str(message, hint))
            .otherwise(message)
        )
    return message


def _column_rule_message(
    column_name: str, column: dy.Column, kind: str, frame_schema: pl.Schema
) -> pl.Expr:
    value = _text(column_name, frame_schema[column_name])
    low: Any = getattr(column, "min", None)
    high: Any = getattr(column, "max", None)
    if kind == "nullability":
        return pl.lit("waarde ontbreekt; deze kolom is verplicht: vul een waarde in")
    if kind in ("min", "max"):
        if low is not None and high is not None:
            rule = f"ligt buiten het toegelaten bereik van {low} tot en met {high}"
        elif kind == "min":
            rule = f"is kleiner dan het minimum {low}"
        else:
            rule = f"is groter dan het maximum {high}"
        if kind == "min" and low == 0:
            rule += ": een aantal kan niet negatief zijn"
        note = (column.metadata or {}).get("max_note")
        if kind == "max" and isinstance(note, str):
            rule += f": {note}"
        return pl.concat_str(pl.lit("waarde "), value, pl.lit(f" {rule}; corrigeer de waarde"))
    if kind == "regex":
        metadata = column.metadata or {}
        expected = metadata.get("format", "de vorm uit het datacontract")
        message = pl.concat_str(
            pl.lit("waarde '"), value, pl.lit(f"' heeft niet de juiste vorm: verwacht {expected}")
        )
        digits = metadata.get("digits")
        if isinstance(digits, int):
            short = value.str.contains(r"^\d+$") & (value.str.len_chars() < digits)
            return (
                pl.when(short)
                .then(
                    pl.concat_str(
                        message,
                        pl.lit(
                            "; voorloopnullen weggevallen? Excel laat ze vallen: "
                            "bewaar de kolom als tekst"
                        ),
                    )
                )
                .otherwise(message)
            )
        return message
    if kind in ("nan", "inf"):
        return pl.concat_str(pl.lit("waarde '"), value, pl.lit("' is geen geldig getal"))
    if kind == "check__in_codes":
        return _codes_message(column, value)
    if kind.startswith("check__") and kind.removeprefix("check__") in CHECK_MESSAGES:
        return _template(CHECK_MESSAGES[kind.removeprefix("check__")], frame_schema, column_name)
    return pl.concat_str(
        pl.lit("waarde '"), value, pl.lit(f"' voldoet niet aan regel '{kind}' van het datacontract")
    )


def _duplicate_issues(failed: pl.DataFrame, key: list[str]) -> _Issues:
    """One issue per duplicated key: at its second line, naming the key and all its lines."""
    duplicated = failed.filter(
        pl.col("primary_key") == "invalid", pl.all_horizontal(pl.col(key).is_not_null())
    )
    groups = duplicated.group_by(key, maintain_order=True).agg(pl.col(ROW).sort().alias("_rows"))
    key_text = pl.concat_str(
        [pl.concat_str(pl.lit(f"{c}="), _text(c, failed.schema[c])) for c in key], separator=", "
    )
    message = pl.concat_str(
        pl.lit("sleutel ("),
        key_text,
        pl.lit(") komt meer dan eens voor, op regels "),
        pl.col("_rows").list.head(10).cast(pl.List(pl.String)).list.join(", "),
        pl.when(pl.col("_rows").list.len() > 10)
        .then(pl.format(" ... ({} regels in totaal)", pl.col("_rows").list.len()))
        .otherwise(pl.lit("")),
        pl.lit(
            f"; elke combinatie van {', '.join(key)} mag maar één keer voorkomen: "
            "verwijder de dubbele regel of corrigeer de sleutel"
        ),
    )
    rows = groups.with_columns(pl.col("_rows").list.get(1).alias(ROW))
    return _Issues("primary_key", ", ".join(key), rows, message)


def _check_schema(frame: pl.DataFrame, schema: type[dy.Schema]) -> list[_Issues]:
    """Run the dataframely schema; turn every failed rule into issues."""
    result = _with_row(schema).filter(frame)
    failed_rules = result.failure.counts()
    if not failed_rules:
        return []
    details = result.failure.details()
    columns = schema.columns()
    issues: list[_Issues] = []
    for rule in failed_rules:
        if rule == "primary_key":
            issues.append(_duplicate_issues(details, schema.primary_key()))
            continue
        column_name: str | None
        if "|" in rule:
            column_name, kind = rule.split("|", 1)
            message = _column_rule_message(column_name, columns[column_name], kind, details.schema)
        elif rule in RULE_MESSAGES:
            column_name = RULE_MESSAGES[rule].column
            message = _template(RULE_MESSAGES[rule].template, details.schema)
        else:
            column_name = None
            message = pl.lit(f"rij voldoet niet aan regel '{rule}' van het datacontract")
        issues.append(
            _Issues(rule, column_name, details.filter(pl.col(rule) == "invalid"), message)
        )
    return issues


def _reported(issues: list[_Issues]) -> dict[str, pl.Series]:
    """Lines with an issue, per column."""
    by_column: dict[str, list[pl.Series]] = {}
    for issue in issues:
        if issue.column is not None and issue.rows.height > 0:
            by_column.setdefault(issue.column, []).append(issue.rows[ROW])
    return {column: pl.concat(rows) for column, rows in by_column.items()}


def _read_bytes(path: Path) -> bytes:
    """Read a whole input file (one place, so tests can simulate a read error)."""
    with path.open("rb") as handle:
        return handle.read()


def read_input(folder: Path, name: str) -> bytes | str | None:
    """The bytes of `folder/name`, a Dutch reason why it cannot be read, or None if absent.

    Refused without reading: a symbolic link that leads outside `folder` (its
    target is neither read nor named), a folder, anything that is not a regular
    file (a pipe or device could block the build). A file without read
    permission gets a message instead of a traceback.
    """
    path = folder / name
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return (
                "is een symbolische koppeling naar een bestand dat niet bestaat; zet het "
                "bestand zelf in de invoermap"
            )
        if not target.is_relative_to(folder.resolve()):
            return (
                "is een symbolische koppeling naar een bestand buiten de invoermap; de build "
                "leest om veiligheidsredenen alleen bestanden in de invoermap zelf: kopieer het "
                "bestand in de map in plaats van ernaar te verwijzen"
            )
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except PermissionError:
        return _permission_message()
    except OSError as exc:
        return f"kan niet gelezen worden ({exc.strerror or exc}); controleer de schijf en de map"
    if stat.S_ISDIR(info.st_mode):
        return (
            "is een map, geen bestand; zet op deze plaats het bestand zelf (met precies deze "
            "naam), niet een map met die naam"
        )
    if not stat.S_ISREG(info.st_mode):
        return (
            "is geen gewoon bestand (bv. een pipe of apparaat); zet op deze plaats een gewoon "
            "bestand"
        )
    try:
        return _read_bytes(path)
    except PermissionError:
        return _permission_message()
    except OSError as exc:
        return f"kan niet gelezen worden ({exc.strerror or exc}); controleer de schijf en de map"


def _permission_message() -> str:
    return (
        "kan niet gelezen worden: geen leesrechten voor de gebruiker die de build draait; "
        "geef die gebruiker leesrecht op het bestand en de map (bv. chmod o+r of pas de "
        "eigenaar aan) en start de build opnieuw"
    )


_EXCEL_RESAVE: Final = (
    "open het in Excel en kies Bestand > Opslaan als > bestandstype 'CSV UTF-8 (door "
    "komma's gescheiden) (*.csv)', met precies deze bestandsnaam; laat kolommen met codes "
    "(REFNIS, RIZIV-nummers) als tekst staan zodat voorloopnullen blijven"
)


def binary_format(name: str, data: bytes) -> str | None:
    """A Dutch message when `data` is a zip, Excel workbook or other binary file, not text."""
    head = data[:8]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            members = []
        if any(member.startswith("xl/") for member in members):
            return f"het bestand is een Excel-werkmap (.xlsx), geen CSV-tekst; {_EXCEL_RESAVE}"
        shown = ", ".join(members[:5]) + (" ..." if len(members) > 5 else "")
        inside = f" (met {shown})" if shown else ""
        return (
            f"het bestand is een zip-archief{inside}, geen CSV-tekst, ook al eindigt de naam "
            f"op '{Path(name).suffix}'; pak het archief uit en zet het bestand zelf in de "
            f"invoermap als {name}"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return f"het bestand is een oude Excel-werkmap (.xls), geen CSV-tekst; {_EXCEL_RESAVE}"
    if head.startswith(b"\x1f\x8b"):
        return (
            "het bestand is met gzip ingepakt, geen CSV-tekst; pak het uit (gunzip) en zet het "
            f"bestand zelf in de invoermap als {name}"
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            "het bestand is opgeslagen als 'Unicode-tekst' (UTF-16), niet als UTF-8; "
            f"{_EXCEL_RESAVE}"
        )
    if b"\x00" in data[:65536]:
        return (
            "het bestand bevat binaire gegevens (nul-bytes), geen CSV-tekst; lever het als "
            "tekstbestand: " + _EXCEL_RESAVE
        )
    return None


def _load(folder: Path, name: str, schema: type[dy.Schema], checksums: dict[str, str]) -> _Loaded:
    data = read_input(folder, name)
    if data is None:
        message = (
            f"bestand ontbreekt in {folder}; het moet {FILE_CONTENTS_NL[name]} bevatten, "
            f"met de kolommen {', '.join(schema.column_names())} (zie docs/data-contract.md)"
        )
        if name == POPULATION_FILE:
            message += (
                "; of lever Statbel's bestanden TF_SOC_POP_STRUCT_<jaar>.txt (of .zip) zoals "
                "gepubliceerd"
            )
            other = _statbel_other_formats(folder)
            if other:
                message += (
                    f" (gevonden: {', '.join(other)}: dat formaat wordt niet gelezen; download "
                    "de .txt- of .zip-versie bij Statbel)"
                )
        return _Loaded(name, schema, None, [_file_issue(message)], {})
    if isinstance(data, str):
        return _Loaded(name, schema, None, [_file_issue(data)], {})
    checksums[name] = hashlib.sha256(data).hexdigest()
    if (binary := binary_format(name, data)) is not None:
        return _Loaded(name, schema, None, [_file_issue(binary)], {})
    raw, issues = _read_csv(name, data, schema.column_names())
    if raw is None:
        return _Loaded(name, schema, None, issues, {})
    return _check_rows(name, raw, schema, issues)


def _check_rows(
    name: str, raw: pl.DataFrame, schema: type[dy.Schema], issues: list[_Issues]
) -> _Loaded:
    """Parse the text frame `raw` (with `ROW`) and run the schema's checks."""
    typed, parse_issues = _parse(raw, schema)
    # A value that did not parse is null now: do not also report it as missing.
    unparsed = _reported(parse_issues)
    rule_issues = [
        issue.without(unparsed[issue.column])
        if issue.column in unparsed and issue.column is not None
        else issue
        for issue in _check_schema(typed, schema)
    ]
    issues = issues + parse_issues + rule_issues
    return _Loaded(name, schema, typed, issues, _reported(parse_issues + rule_issues))


# ----------------------------------------------------------------------------
# Statbel population files (TF_SOC_POP_STRUCT_<year>), an alternative to bevolking.csv
# ----------------------------------------------------------------------------


def _statbel_other_formats(folder: Path) -> list[str]:
    """Statbel population files in a format the build does not read (e.g. .xlsx)."""
    try:
        names = [entry.name for entry in folder.iterdir()]
    except OSError:
        return []
    pattern = re.compile(r"TF_SOC_POP_STRUCT_\d{4}\.\w+", re.IGNORECASE)
    return sorted(
        n for n in names if pattern.fullmatch(n) and not statbel.FILE_PATTERN.fullmatch(n)
    )


def _statbel_files(folder: Path) -> list[str]:
    try:
        names = [entry.name for entry in folder.iterdir()]
    except OSError:
        return []
    return sorted(n for n in names if statbel.FILE_PATTERN.fullmatch(n))


def _load_statbel(
    folder: Path, names: list[str], geo: _Geo, checksums: dict[str, str]
) -> tuple[_Loaded, list[Problem]]:
    """Read Statbel's population files into the frame of `bevolking.csv`.

    Each file is checked on its own lines (problems name that file); the rows are
    then summed over nationality and civil status (and ages above the contract's
    maximum) per year, municipality, sex and age. Rows of municipalities outside
    Flanders and Brussels are left out.
    """
    problems: list[Problem] = []
    frames: list[pl.DataFrame] = []
    years: dict[int, str] = {}
    for name in names:
        data = read_input(folder, name)
        if data is None:
            continue
        if isinstance(data, str):
            problems.append(Problem(name, None, None, data))
            continue
        checksums[name] = hashlib.sha256(data).hexdigest()
        if name.lower().endswith(".txt") and (binary := binary_format(name, data)) is not None:
            problems.append(Problem(name, None, None, binary))
            continue
        read = statbel.read(name, data)
        if isinstance(read, statbel.Failure):
            problems += [Problem(name, f.row, f.column, f.message) for f in read.problems]
            continue
        if read.year in years:
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    f"jaar {read.year} staat ook al in {years[read.year]}; lever elk jaar "
                    "één keer: verwijder een van beide bestanden",
                )
            )
            continue
        years[read.year] = name
        text = read.frame.filter(
            ~pl.col("REFNIS").str.contains(r"^\d{5}$") | pl.col("REFNIS").is_in(geo.known.implode())
        ).filter(~pl.col("REFNIS").is_in(list(codes.PSEUDO_REFNIS)))
        typed, parse_issues = _parse(text, PopulationSchema)
        if any(issue.rows.height for issue in parse_issues):
            problems += _problems(name, parse_issues)
            continue
        summed = (
            typed.with_columns(pl.col("AGE").clip(upper_bound=codes.MAX_AGE))
            .group_by("YEAR", "REFNIS", "SEX", "AGE", maintain_order=True)
            .agg(pl.col(ROW).min(), pl.col("POPULATION").sum())
            .select(ROW, *PopulationSchema.column_names())
        )
        issues = _check_schema(summed, PopulationSchema)
        if any(issue.rows.height for issue in issues):
            problems += _problems(name, issues)
            continue
        frames.append(summed)
    label = _statbel_label(names)
    if problems or not frames:
        return _Loaded(POPULATION_FILE, PopulationSchema, None, [], {}, label), problems
    frame = pl.concat(frames)
    return _Loaded(POPULATION_FILE, PopulationSchema, frame, [], {}, label), problems


def _statbel_label(names: list[str]) -> str:
    if len(names) <= 3:
        return ", ".join(names)
    return f"{names[0]} ... {names[-1]} ({len(names)} Statbel-bestanden)"


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
    joined = values.select(
        ROW, "INDICATOR_CODE", "YEAR", "NUMERATOR", "DENOMINATOR", mixed_sex.alias("_mixed_sex")
    ).join(indicators, on="INDICATOR_CODE", how="left", maintain_order="left")
    code = pl.col("INDICATOR_CODE")
    return [
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
    for name in (ATLAS_VALUES_FILE, POPULATION_FILE):
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
    as their type, the schema of `popmgmt.schemas` (required values, ranges
    including plausibility bounds, code lists, formats, row rules, unique keys);
    across files and against `refdata`: known REFNIS codes, practice numbers in
    the register, Atlas indicators in the metadata, Atlas years not before the
    indicator's first year, numerator <= denominator for percentages, one code
    list per year for merged municipalities, and circle coverage of
    `expected_municipalities` (default: the 285 Flemish municipalities of 2025).

    Stage 2, only when stage 1 found nothing (`popmgmt.completeness`): no year
    holes in any source, every municipality of `covered_municipalities` (default:
    `expected_municipalities`) x year x sex in the population (plus all of
    Brussels when any of it is there), population years covering the IMA years,
    every Atlas indicator for every covered municipality in each of its years,
    municipality, zone and Flanders totals within the stated tolerance of the
    2020 reference population, and GP patient totals against the population.

    The population is `bevolking.csv`, or Statbel's `TF_SOC_POP_STRUCT_<year>`
    files (`popmgmt.statbel`), not both.

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
    return found
