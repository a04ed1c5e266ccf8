"""Statbel's open-data population file, as published, read into `bevolking.csv` columns.

Statbel publishes the population on 1 January per municipality, sex, age,
nationality and civil status as `TF_SOC_POP_STRUCT_<year>`: one file per year,
text separated by `|`, with a header row. The columns this reader needs are
`CD_REFNIS` (municipality), `CD_SEX` (`M`/`F`), `CD_AGE` (age in years) and
`MS_POPULATION` (count); the others (`TX_*` descriptions, `CD_NATLTY`,
`CD_CIV_STS`, district/province/region codes, `DT_REFDAT`) may be present and
are ignored, except that `DT_REFDAT`, when present, must be in the file's year.

Accepted as the data manager downloads them: `TF_SOC_POP_STRUCT_<year>.txt`, or
the `.zip` that holds that one `.txt`. The year comes from the file name.
`validate.py` sums the rows over nationality and civil status.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Final

import polars as pl

from popmgmt.pipeline import codes

FILE_PATTERN: Final = re.compile(r"TF_SOC_POP_STRUCT_(\d{4})\.(txt|zip)", re.IGNORECASE)
"""Names of Statbel population files in the raw folder."""
REQUIRED: Final = ("CD_REFNIS", "CD_SEX", "CD_AGE", "MS_POPULATION")
SEX_CODES: Final = {"M": "M", "F": "V", "V": "V"}
"""Statbel writes F (femme) for women; the contract uses V (vrouw)."""
ROW: Final = "__row"
MAX_UNZIPPED: Final = 500_000_000
"""Largest .txt accepted inside a zip (a real year is about 40 MB): no zip bombs."""


@dataclass(frozen=True)
class Issue:
    row: int | None
    column: str | None
    message: str


@dataclass(frozen=True)
class Failure:
    """The file cannot be read as a Statbel population file."""

    problems: list[Issue]


@dataclass(frozen=True)
class Read:
    year: int
    frame: pl.DataFrame
    """Text columns YEAR, REFNIS, SEX (M/V), AGE, POPULATION plus `ROW` (line in the file)."""


def _unzip(name: str, data: bytes) -> bytes | Failure:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".txt")]
            if len(members) != 1:
                return Failure(
                    [
                        Issue(
                            None,
                            None,
                            f"het zip-archief moet precies één .txt-bestand van Statbel bevatten "
                            f"(gevonden: {len(members)}); lever het archief zoals gedownload of "
                            "pak het .txt-bestand uit in de invoermap",
                        )
                    ]
                )
            info = archive.getinfo(members[0])
            if info.file_size > MAX_UNZIPPED:
                return Failure(
                    [
                        Issue(
                            None,
                            None,
                            f"het .txt-bestand in het archief is {info.file_size // 1_000_000} MB "
                            f"groot, meer dan een Statbel-bevolkingsbestand ooit is "
                            f"({MAX_UNZIPPED // 1_000_000} MB); controleer of dit het juiste "
                            "bestand is",
                        )
                    ]
                )
            return archive.read(members[0])
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return Failure(
            [
                Issue(
                    None,
                    None,
                    f"{name} is geen leesbaar zip-archief; download het bestand opnieuw bij "
                    "Statbel of pak het .txt-bestand uit in de invoermap",
                )
            ]
        )


def read(name: str, data: bytes) -> Read | Failure:
    """Read one Statbel file (bytes of the .txt or .zip) into contract columns as text."""
    match = FILE_PATTERN.fullmatch(name)
    if match is None:  # pragma: no cover - callers pass matching names only
        raise ValueError(name)
    year = int(match.group(1))
    if year not in codes.YEARS:
        return Failure(
            [
                Issue(
                    None,
                    None,
                    f"jaar {year} (uit de bestandsnaam) ligt buiten {codes.FIRST_YEAR}-"
                    f"{codes.LAST_YEAR}, de jaren van het datacontract; laat dit bestand weg",
                )
            ]
        )
    if match.group(2).lower() == "zip":
        unpacked = _unzip(name, data)
        if isinstance(unpacked, Failure):
            return unpacked
        data = unpacked
    elif data[:4] == b"PK\x03\x04":
        return Failure(
            [
                Issue(
                    None,
                    None,
                    "het bestand is een zip-archief, geen tekst; geef het de naam "
                    f"TF_SOC_POP_STRUCT_{year}.zip of pak het .txt-bestand uit",
                )
            ]
        )
    text = data.decode("utf-8-sig", errors="replace")
    first = text.split("\n", 1)[0].rstrip("\r")
    if "|" not in first:
        found = ";" if ";" in first else "," if "," in first else None
        how = f" (gevonden: '{found}')" if found else ""
        return Failure(
            [
                Issue(
                    1,
                    None,
                    "een Statbel-bevolkingsbestand is tekst met '|' als scheidingsteken en een "
                    f"kopregel{how}; lever het bestand zoals Statbel het publiceert, zonder het "
                    "in Excel te openen en opnieuw op te slaan",
                )
            ]
        )
    header = [column.strip() for column in first.split("|")]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        return Failure(
            [
                Issue(
                    1,
                    column,
                    f"kolom '{column}' ontbreekt in de kopregel; een Statbel-bevolkingsbestand "
                    f"heeft de kolommen {', '.join(REQUIRED)} (en beschrijvende kolommen): "
                    "lever het bestand zoals gepubliceerd",
                )
                for column in missing
            ]
        )
    wanted = [*REQUIRED, *(["DT_REFDAT"] if "DT_REFDAT" in header else [])]
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator="|",
            quote_char=None,
            infer_schema=False,
            columns=wanted,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return Failure(
            [
                Issue(
                    None,
                    None,
                    f"het bestand kan niet als Statbel-tekstbestand gelezen worden ({reason}); "
                    "download het opnieuw bij Statbel",
                )
            ]
        )
    frame = frame.with_columns(pl.all().str.strip_chars()).with_row_index(ROW, offset=2)
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    frame = frame.filter(pl.any_horizontal(pl.col(list(REQUIRED)).is_not_null()))
    if frame.height == 0:
        return Failure([Issue(None, None, "het bestand heeft geen gegevens, alleen een kopregel")])
    if "DT_REFDAT" in frame.columns:
        wrong = frame.filter(
            pl.col("DT_REFDAT").is_not_null()
            & ~pl.col("DT_REFDAT").str.contains(str(year), literal=True)
        )
        if wrong.height:
            row, value = wrong.select(ROW, "DT_REFDAT").row(0)
            return Failure(
                [
                    Issue(
                        row,
                        "DT_REFDAT",
                        f"referentiedatum '{value}' ligt niet in {year}, het jaar uit de "
                        f"bestandsnaam; geef het bestand de naam met het juiste jaar",
                    )
                ]
            )
    sex = pl.col("CD_SEX").str.to_uppercase()
    return Read(
        year=year,
        frame=frame.select(
            ROW,
            pl.lit(str(year)).alias("YEAR"),
            pl.col("CD_REFNIS").alias("REFNIS"),
            sex.replace(SEX_CODES).alias("SEX"),
            pl.col("CD_AGE").alias("AGE"),
            pl.col("MS_POPULATION").alias("POPULATION"),
        ),
    )
