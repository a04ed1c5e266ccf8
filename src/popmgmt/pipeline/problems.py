"""Validation problems: `Problem`, `ValidationError`, and failing rows kept as frames.

Messages are built only for the rows shown: at most `MAX_PROBLEMS_PER_FILE` problems per
file, chosen so that each kind of problem shows up, then one line counting the others
per column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import polars as pl

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

MAX_PROBLEMS_PER_FILE: Final = 50

ROW: Final = "__row"
"""Internal column: the line number of a data row in its file."""


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


_FIELDS: Final[dict[str, str]] = {
    IMA_FILE: "ima",
    REGISTER_FILE: "register",
    SURVEY_PRACTICES_FILE: "survey_practices",
    SURVEY_GPS_FILE: "survey_gps",
    ATLAS_VALUES_FILE: "atlas_values",
    ATLAS_METADATA_FILE: "atlas_metadata",
    POPULATION_FILE: "population",
    CIRCLES_FILE: "circles",
    PROJECTION_FILE: "projection",
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
