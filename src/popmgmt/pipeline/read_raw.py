"""Reading one raw file for validation: regular files only, CSV dialect and header
checks, every cell as text, parsing to the contract's types, dataframely schema checks;
and Statbel's `TF_SOC_POP_STRUCT_<year>` files as an alternative to `bevolking.csv`.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import stat
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

import dataframely as dy
import polars as pl

from popmgmt.pipeline import codes, statbel
from popmgmt.pipeline.problems import (
    ROW,
    Problem,
    _file_issue,
    _Issues,
    _problems,
    _row_issues,
    _template,
    _text,
)
from popmgmt.pipeline.schemas import (
    ATLAS_VALUES_FILE,
    CHECK_MESSAGES,
    FILE_CONTENTS_NL,
    OPTIONAL_COLUMN_DEFAULTS,
    OPTIONAL_COLUMNS,
    POPULATION_FILE,
    PROJECTION_FILE,
    RULE_MESSAGES,
    PopulationSchema,
)

if TYPE_CHECKING:
    from popmgmt.pipeline.cross_checks import _Geo

_SUMMED_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    POPULATION_FILE: ("POPULATION",),
    ATLAS_VALUES_FILE: ("NUMERATOR", "DENOMINATOR"),
    PROJECTION_FILE: ("POPULATION",),
}
"""Files whose rows are summed when merged municipalities collapse onto one key."""


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
    # An optional column (OPTIONAL_COLUMNS) may be left out of the header entirely (an
    # older delivery); it is then read as empty. Spelled with other capitals, it is an error.
    present_lower = {column.lower() for column in header}
    absent = [
        column
        for column in OPTIONAL_COLUMNS.get(name, ())
        if column in expected and column.lower() not in present_lower
    ]
    read_cols = [column for column in expected if column not in absent]
    issues = _header_issues(name, header, read_cols)
    if any(issue.kind == "header" and issue.column in read_cols for issue in issues):
        return None, issues  # missing or doubled columns: rows cannot be checked
    try:
        frame = pl.read_csv(
            io.BytesIO(data), infer_schema=False, columns=read_cols, encoding="utf8"
        ).with_columns(
            pl.lit(OPTIONAL_COLUMN_DEFAULTS.get(name, {}).get(column), pl.String).alias(column)
            for column in absent
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
    ).filter(pl.any_horizontal(pl.col(read_cols).is_not_null()))  # blank lines carry no data
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
