"""The build's own attacker: what can be recovered from everything published together.

Each mart is protected by `popmgmt.pipeline.transform` with the relations it knows; this
module checks the result as an outsider would, from the published marts alone
(`docs/privacy.md`, "The build's own audit"). It writes every published figure
of every mart as a variable (known, or unknown where hidden) and every relation
an outsider can know as a linear equation:

- totals and parts over the geography (municipality -> zone, circle, province
  -> Flanders), read from the published areas mart, for every indicator's
  numerator and denominator and every population cell;
- sexes and age bands that add up to their total, and the 65+/75+/85+
  population indicators as sums of bands;
- figures that are the same quantity under two names (a denominator that is
  the population total, the shared denominator of the contact indicators, the
  GP count behind two age indicators), found by comparing the published
  columns, not listed by hand, so that a new indicator is covered too;
- GPs aged 60-64 as gp_60plus - gp_65plus (published nowhere);
- practice figures that add up to the municipality's; where every practice of
  a municipality states its GP count by its form (solo 1, duo 2), the
  municipality's GP count is their sum;
- GPs under 65 = GPs x (1 - share 65+), which is not linear: one unknown of
  the three follows from the other two;
- the capacity outlook's Flemish GP age bands (they add up to the known-age GPs, to
  gp_65plus from 65 and to gp_60plus from 60) and its trainees of the year before
  (gp_trainees_per_10k's numerator of that year);
- the survey mart (`pipeline.survey`): every additive survey quantity (respondents,
  GPs in the area, counts by category, sums of answers; a mean's sum as mean x n, its
  sum of squares from the t-interval) of every published area is the sum of the same
  quantity over the area's *pieces* (municipalities sharing zone, circle and province,
  unpublished unknowns), so zone, circle, province and Flanders are linked as the
  crossing partitions they are; respondents = the sum of the hours bands, of the
  appointment models, of the expansion plans; continuity answers add up too;
- the Atlas breakdowns (`indicator_breakdowns`): age bands add up to the sex's total,
  M + V = T per band, BIM yes + BIM no = the grand total (where the Atlas splits by
  increased reimbursement), the grand total is the indicator's published cell, and
  every cell over the geography (Flanders = its zones);
- the standardised figures (`standardised`, when given): a DSR is
  sum_i (w_i / W) d_i / n_i, linear in the band numerators d_i once the band
  denominators n_i are published; an expected count is sum_i n_i R_i with the
  published Flemish band rates R_i, linear in the n_i.

Then it solves: differencing (an equation with one unknown gives it) until
nothing changes, and an exact test on what is left (per independent block of
linked unknowns: a dense rank-revealing QR, `privacy._solve_block`, for small
blocks; presolve and a random null vector, `nullspace.fixed_unknowns`, for
large ones; both checked against a rank oracle in the tests), which also finds
values that
only a combination of several equations gives. A recovered figure is a leak
when it is the numerator of a cell hidden as primary, a denominator of such a
cell that is a sum of GPs' own data, any practice figure the build hid, or any
count of persons between 1 and 4, or any survey figure of a piece with fewer than
10 respondents. The build refuses to write when there is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.sparse.linalg
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from popmgmt.metrics.indicators import GP_PER_10K
from popmgmt.metrics.standardisation import esp2013_weights
from popmgmt.pipeline import codes, nullspace
from popmgmt.pipeline.marts import SURVEY
from popmgmt.pipeline.practices import CONTACT_COLUMNS, GP_COUNT_BY_FORM
from popmgmt.pipeline.privacy import (
    _DENSE_MAX,
    _PRESOLVE_MIN,
    MIN_COUNT,
    PRIMARY,
    _solve_block,
)
from popmgmt.pipeline.survey import (
    BAND_LABELS,
    PIECE,
    RESPONDENT_SERIES,
    SURVEY_MEANS,
    survey_pieces_from_areas,
)

# Denominators that are sums of GPs' own data (FTE, attributed patients): a
# primary cell of these indicators hides its denominator for the GPs' sake too.
GP_SUM_DENOMINATORS: Final = frozenset(
    {
        "attrib_per_fte",
        "gmd_per_fte",
        *(f"{c.lower()}_per_100_attrib" for c in CONTACT_COLUMNS),
    }
)
# Practices mart column -> (indicator, role) whose municipal figure is its sum
# over the municipality's practices (role "den" of the contact indicators: the
# attributed patients of fee-for-service practices only).
PRACTICE_SUM_OF: Final[dict[str, tuple[str, str]]] = {
    "pat_gmd": ("gmd_per_fte", "num"),
    "fte_estimate": ("gmd_per_fte", "den"),
    **{c.lower(): (f"{c.lower()}_per_100_attrib", "num") for c in CONTACT_COLUMNS},
}
PRACTICE_COLUMNS: Final = (*PRACTICE_SUM_OF, "pat_attrib")
# Equal published values over at least this many municipality-years make two
# columns "the same quantity" for the attacker.
MIN_EQUAL_OVERLAP: Final = 20
# Values closer than this are equal (sums are rounded to 6 decimals in the build).
_TOL: Final = 1e-6

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class AuditResult:
    """What the audit found: `leaks` (Dutch, one line each) must be empty to publish."""

    n_variables: int
    n_hidden: int
    n_equations: int
    recovered: int  # hidden figures whose value follows (leaks and harmless ones)
    leaks: list[str] = field(default_factory=list)
    # Hidden indicator cells (not primary) whose numerator and denominator both
    # follow from the published marts: `indicator_code`, `level`, `area_code`,
    # `year`, `numerator`, `denominator`. Hiding them protects nothing.
    recoverable_cells: pl.DataFrame = field(default_factory=pl.DataFrame)

    def summary(self) -> dict[str, int]:
        return {
            "variabelen": self.n_variables,
            "verborgen": self.n_hidden,
            "vergelijkingen": self.n_equations,
            "herleidbaar_niet_gevoelig": self.recovered - len(self.leaks),
            "herleidbare_cellen_gepubliceerd": self.recoverable_cells.height,
            "lekken": len(self.leaks),
        }


# --------------------------------------------------------------------------- variables

_SEP = "|"


def _key(prefix: str, *parts: pl.Expr | str) -> pl.Expr:
    """A variable or equation name: `prefix`, then columns (str) or expressions, joined."""
    exprs = [pl.lit(prefix), *(p if isinstance(p, pl.Expr) else pl.col(p) for p in parts)]
    return pl.concat_str([e.cast(pl.String) for e in exprs], separator=_SEP)


def _cell_columns(col: str, role: str) -> list[pl.Expr]:
    """The columns every variable of an indicator cell (or breakdown cell) carries, after
    its `var` and `series`: `col` is the numerator or denominator column."""
    return [
        pl.col("level"),
        pl.col("area_code").alias("area"),
        pl.col("year").cast(pl.Int64),
        pl.col(col).cast(pl.Float64).alias("value"),
        pl.col("suppressed").fill_null(False).alias("hidden"),
        (pl.col("suppression_reason") == PRIMARY).fill_null(False).alias("primary"),
        pl.col("indicator_code").alias("code"),
        pl.lit(role).alias("role"),
    ]


def _indicator_vars(values: pl.DataFrame) -> pl.DataFrame:
    """num and den of every indicator cell: var, series, level, area, year, value, flags."""
    frames = []
    for role, col in (("num", "numerator"), ("den", "denominator")):
        frames.append(
            values.select(
                _key("i", "indicator_code", pl.lit(role), "level", "area_code", "year").alias(
                    "var"
                ),
                _key("i", "indicator_code", pl.lit(role)).alias("series"),
                *_cell_columns(col, role),
            )
        )
    return pl.concat(frames)


def _population_vars(population: pl.DataFrame) -> pl.DataFrame:
    return population.select(
        _key("p", "sex", "age_band", "level", "area_code", "year").alias("var"),
        _key("p", "sex", "age_band").alias("series"),
        "level",
        pl.col("area_code").alias("area"),
        pl.col("year").cast(pl.Int64),
        pl.col("population").cast(pl.Float64).alias("value"),
        pl.col("suppressed").fill_null(False).alias("hidden"),
        (pl.col("suppression_reason") == PRIMARY).fill_null(False).alias("primary"),
        pl.lit(None, pl.String).alias("code"),
        pl.lit("pop").alias("role"),
    )


def _practice_vars(practices: pl.DataFrame) -> pl.DataFrame:
    frames = []
    for col in PRACTICE_COLUMNS:
        known = pl.col(col).cast(pl.Float64)
        frames.append(
            practices.select(
                _key("h", "practice_id", "year", pl.lit(col)).alias("var"),
                _key("h", pl.lit(col)).alias("series"),
                pl.lit("praktijk").alias("level"),
                pl.col("practice_id").alias("area"),
                pl.col("year").cast(pl.Int64),
                known.alias("value"),
                known.is_null().alias("hidden"),
                pl.lit(True).alias("primary"),  # every hidden practice figure is protected
                pl.lit(None, pl.String).alias("code"),
                pl.lit(col).alias("role"),
            )
        )
    return pl.concat(frames)


# --------------------------------------------------------------------------- equations


def _parent_links(areas: pl.DataFrame, present: pl.DataFrame) -> pl.DataFrame:
    """parent_level, parent_area, child_level, child_area of every published sum."""
    muni = areas.filter(pl.col("level") == "gemeente")
    frames = [
        muni.select(
            pl.lit(level).alias("parent_level"),
            pl.col(col).alias("parent_area"),
            pl.lit("gemeente").alias("child_level"),
            pl.col("area_code").alias("child_area"),
        ).drop_nulls()
        for level, col in (
            ("zone", "zone_code"),
            ("kring", "circle_code"),
            ("provincie", "province_code"),
        )
    ]
    flanders = present.filter(pl.col("level") == "vlaanderen")["area"].unique().to_list()
    frames.extend(
        present.filter(pl.col("level") == level)
        .select(
            pl.lit("vlaanderen").alias("parent_level"),
            pl.lit(code).alias("parent_area"),
            pl.lit(level).alias("child_level"),
            pl.col("area").alias("child_area"),
        )
        .unique()
        for code in flanders
        for level in ("zone", "kring", "provincie")
    )
    return pl.concat(frames)


def _hierarchy_terms(vars_: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """For every series and year: parent - sum of children = 0."""
    cells = vars_.select("var", "series", "level", "area", "year")
    eq = _key("s", "series", "year", "parent_level", "parent_area", "child_level")
    children = cells.join(
        links, left_on=["level", "area"], right_on=["child_level", "child_area"]
    ).select(
        _key("s", "series", "year", "parent_level", "parent_area", pl.col("level")).alias("eq"),
        "var",
        pl.lit(-1.0).alias("coef"),
    )
    parents = (
        cells.join(
            links.select("parent_level", "parent_area", "child_level").unique(),
            left_on=["level", "area"],
            right_on=["parent_level", "parent_area"],
        )
        .with_columns(pl.col("level").alias("parent_level"), pl.col("area").alias("parent_area"))
        .select(eq.alias("eq"), "var", pl.lit(1.0).alias("coef"))
    )
    return _complete(parents, children)


def _complete(totals: pl.DataFrame, parts: pl.DataFrame) -> pl.DataFrame:
    """Equations that have both their total and at least one part."""
    both = totals.select("eq").unique().join(parts.select("eq").unique(), on="eq")
    return pl.concat([totals, parts]).join(both, on="eq", how="semi")


def _population_terms(pop: pl.DataFrame) -> pl.DataFrame:
    """Bands add up to the total per sex; M + V = T per band."""
    cell = pl.col("level"), pl.col("area"), pl.col("year")
    parsed = pop.with_columns(
        pl.col("series").str.split(_SEP).list.get(1).alias("sex"),
        pl.col("series").str.split(_SEP).list.get(2).alias("band"),
    )
    by_band = parsed.select(
        _key("pb", *cell, "sex").alias("eq"),
        "var",
        pl.when(pl.col("band") == "totaal").then(1.0).otherwise(-1.0).alias("coef"),
    )
    by_sex = parsed.select(
        _key("ps", *cell, "band").alias("eq"),
        "var",
        pl.when(pl.col("sex") == "T").then(1.0).otherwise(-1.0).alias("coef"),
    )
    return pl.concat([by_band, by_sex])


def _plus_band_terms(ind: pl.DataFrame, pop: pl.DataFrame) -> pl.DataFrame:
    """pop_65plus (75+, 85+) numerator = the sum of its bands."""
    frames = []
    for age in (65, 75, 85):
        bands = [b for b in codes.POP_AGE_BANDS if int(b.rstrip("+").split("-")[0]) >= age]
        code = f"pop_{age}plus"
        eq = _key("pa", pl.lit(code), "level", "area", "year")
        frames.append(
            ind.filter((pl.col("code") == code) & (pl.col("role") == "num")).select(
                eq.alias("eq"), "var", pl.lit(1.0).alias("coef")
            )
        )
        frames.append(
            pop.filter(pl.col("series").is_in([f"p{_SEP}T{_SEP}{b}" for b in bands])).select(
                eq.alias("eq"), "var", pl.lit(-1.0).alias("coef")
            )
        )
    return pl.concat(frames)


def equal_series(vars_: pl.DataFrame) -> list[tuple[str, str]]:
    """Pairs of published columns that hold the same quantity.

    Two series are the same when they agree on every municipality-year where
    both are published, over at least MIN_EQUAL_OVERLAP of them, and are not
    all zero there. The attacker can see this; so does the audit.
    """
    muni = vars_.filter((pl.col("level") == "gemeente") & pl.col("value").is_not_null())
    wide = muni.pivot(on="series", index=["area", "year"], values="value")
    names = [c for c in wide.columns if c not in ("area", "year")]
    matrix = wide.select(names).to_numpy().astype(np.float64)
    present = ~np.isnan(matrix)
    filled = np.where(present, matrix, 0.0)
    pairs: list[tuple[str, str]] = []
    for i in range(len(names)):
        both = present[:, i : i + 1] & present[:, i + 1 :]
        n = both.sum(axis=0)
        same = (np.abs(filled[:, i : i + 1] - filled[:, i + 1 :]) <= _TOL) | ~both
        nonzero = (both & (np.abs(filled[:, i : i + 1]) > _TOL)).any(axis=0)
        hits = np.flatnonzero(same.all(axis=0) & (n >= MIN_EQUAL_OVERLAP) & nonzero)
        pairs.extend((names[i], names[i + 1 + j]) for j in hits)
    return pairs


def _equality_terms(vars_: pl.DataFrame, pairs: list[tuple[str, str]]) -> pl.DataFrame:
    cells = vars_.select("var", "series", "level", "area", "year")
    frames = []
    for a, b in pairs:
        left = cells.filter(pl.col("series") == a)
        right = cells.filter(pl.col("series") == b)
        both = left.join(right, on=["level", "area", "year"], suffix="_b")
        eq = _key("eq", pl.lit(a), pl.lit(b), "level", "area", "year")
        frames.append(both.select(eq.alias("eq"), "var", pl.lit(1.0).alias("coef")))
        frames.append(
            both.select(eq.alias("eq"), pl.col("var_b").alias("var"), pl.lit(-1.0).alias("coef"))
        )
    if not frames:
        return pl.DataFrame(schema={"eq": pl.String, "var": pl.String, "coef": pl.Float64})
    return pl.concat(frames)


def _gp_age_terms(ind: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """GPs aged 60-64 = gp_60plus - gp_65plus: the unpublished variable and its equation."""
    num = ind.filter(pl.col("role") == "num")
    g60 = num.filter(pl.col("code") == "gp_60plus").select("level", "area", "year", "var")
    g65 = num.filter(pl.col("code") == "gp_65plus").select("level", "area", "year", "var")
    both = g60.join(g65, on=["level", "area", "year"], suffix="_65")
    derived = both.select(
        _key("d", pl.lit("gp60_64"), "level", "area", "year").alias("var"),
        pl.lit("d|gp60_64").alias("series"),
        "level",
        "area",
        "year",
        pl.lit(None, pl.Float64).alias("value"),
        pl.lit(True).alias("hidden"),
        pl.lit(False).alias("primary"),
        pl.lit(None, pl.String).alias("code"),
        pl.lit("gp60_64").alias("role"),
    )
    eq = _key("ga", "level", "area", "year")
    terms = pl.concat(
        [
            both.select(eq.alias("eq"), "var", pl.lit(1.0).alias("coef")),
            both.select(eq.alias("eq"), pl.col("var_65").alias("var"), pl.lit(-1.0).alias("coef")),
            derived.select(eq.alias("eq"), "var", pl.lit(-1.0).alias("coef")),
        ]
    )
    return derived, terms


def _practice_terms(ind: pl.DataFrame, practices: pl.DataFrame) -> pl.DataFrame:
    """A municipality's figure = the sum of its practices' (fee-for-service: attributed)."""
    frames = []
    muni = ind.filter(pl.col("level") == "gemeente")
    sources = [(col, code, role, False) for col, (code, role) in PRACTICE_SUM_OF.items()]
    sources += [("pat_attrib", f"{c.lower()}_per_100_attrib", "den", True) for c in CONTACT_COLUMNS]
    for col, code, role, ffs_only in sources:
        total = muni.filter((pl.col("code") == code) & (pl.col("role") == role)).select(
            _key("pr", pl.lit(col), pl.lit(code), "area", "year").alias("eq"),
            "var",
            pl.lit(1.0).alias("coef"),
        )
        rows = practices.filter(pl.col("payment_system") == "prestatie") if ffs_only else practices
        parts = rows.select(
            _key("pr", pl.lit(col), pl.lit(code), "refnis", "year").alias("eq"),
            _key("h", "practice_id", "year", pl.lit(col)).alias("var"),
            pl.lit(-1.0).alias("coef"),
        )
        frames.append(_complete(total, parts))
    # GPs counted from practice forms, where every practice states its count.
    counted = _form_counts(practices)
    gps = muni.filter((pl.col("code") == GP_PER_10K) & (pl.col("role") == "num"))
    both = gps.join(counted, left_on=["area", "year"], right_on=["refnis", "year"])
    frames.append(
        pl.concat(
            [
                both.select(
                    _key("pf", "area", "year").alias("eq"), "var", pl.lit(1.0).alias("coef")
                ),
                both.select(
                    _key("pf", "area", "year").alias("eq"),
                    _key("f", "area", "year").alias("var"),
                    pl.lit(-1.0).alias("coef"),
                ),
            ]
        )
    )
    return pl.concat(frames)


def _form_counts(practices: pl.DataFrame) -> pl.DataFrame:
    """`refnis`, `year`, `value`: the GPs that the practice forms state, where every
    practice of the municipality-year states its count (solo 1, duo 2)."""
    stated = pl.col("practice_form").replace_strict(
        GP_COUNT_BY_FORM, default=None, return_dtype=pl.Float64
    )
    return (
        practices.group_by("refnis", "year")
        .agg(stated.sum().alias("value"), stated.is_not_null().all().alias("_all"))
        .filter(pl.col("_all"))
        .drop("_all")
    )


def _form_count_vars(practices: pl.DataFrame) -> pl.DataFrame:
    """Known: GPs counted from practice forms (see `_practice_terms`)."""
    counted = _form_counts(practices)
    return counted.select(
        _key("f", "refnis", "year").alias("var"),
        pl.lit("f").alias("series"),
        pl.lit("formtelling").alias("level"),
        pl.col("refnis").alias("area"),
        pl.col("year").cast(pl.Int64),
        pl.col("value"),
        pl.lit(False).alias("hidden"),
        pl.lit(False).alias("primary"),
        pl.lit(None, pl.String).alias("code"),
        pl.lit("forms").alias("role"),
    )


# --------------------------------------------------------------------------- breakdowns

_GRAND = ("totaal", "T", "totaal")  # age band, sex, bim


def _with_bim(breakdowns: pl.DataFrame) -> pl.DataFrame:
    """The mart with its `bim` key (a release from before the BIM cells has none)."""
    if "bim" in breakdowns.columns:
        return breakdowns
    return breakdowns.with_columns(pl.lit(_GRAND[2]).alias("bim"))


def _breakdown_vars(breakdowns: pl.DataFrame) -> pl.DataFrame:
    """num and den of every breakdown cell (roles `bnum`, `bden`)."""
    breakdowns = _with_bim(breakdowns)
    frames = []
    for role, col in (("bnum", "numerator"), ("bden", "denominator")):
        frames.append(
            breakdowns.select(
                _key(
                    "b",
                    "indicator_code",
                    pl.lit(role),
                    "level",
                    "area_code",
                    "year",
                    "age_band",
                    "sex",
                    "bim",
                ).alias("var"),
                _key("b", "indicator_code", pl.lit(role), "age_band", "sex", "bim").alias("series"),
                *_cell_columns(col, role),
            )
        )
    return pl.concat(frames)


def _cell_var(role: str) -> pl.Expr:
    """The variable of a breakdown cell; the grand total is the indicator's cell."""
    grand = (
        (pl.col("age_band") == _GRAND[0])
        & (pl.col("sex") == _GRAND[1])
        & (pl.col("bim") == _GRAND[2])
    )
    return (
        pl.when(grand)
        .then(_key("i", "indicator_code", pl.lit(role[1:]), "level", "area_code", "year"))
        .otherwise(
            _key(
                "b",
                "indicator_code",
                pl.lit(role),
                "level",
                "area_code",
                "year",
                "age_band",
                "sex",
                "bim",
            )
        )
    )


def _breakdown_terms(breakdowns: pl.DataFrame) -> pl.DataFrame:
    """Bands add up to the sex's total, M + V = T per band, BIM yes + BIM no = the grand
    total (the grand total being the indicator's published cell)."""
    area = ["indicator_code", "level", "area_code", "year"]
    cells = _with_bim(breakdowns).select(*area, "age_band", "sex", "bim")
    # the grand total row is not in the mart: add it as a member of its sums
    grand = (
        cells.select(area)
        .unique()
        .with_columns(
            pl.lit(_GRAND[0]).alias("age_band"),
            pl.lit(_GRAND[1]).alias("sex"),
            pl.lit(_GRAND[2]).alias("bim"),
        )
    )
    cells = pl.concat([cells, grand])
    all_ages = cells.filter((pl.col("age_band") == _GRAND[0]) & (pl.col("sex") == _GRAND[1]))
    bim_split = all_ages.filter(pl.col("bim").n_unique().over(area) > 1)
    cells = cells.filter(pl.col("bim") == _GRAND[2])
    frames = []
    for role in ("bnum", "bden"):
        by_bim = bim_split.select(
            _key("bv", pl.lit(role), *area).alias("eq"),
            _cell_var(role).alias("var"),
            pl.when(pl.col("bim") == _GRAND[2]).then(1.0).otherwise(-1.0).alias("coef"),
        )
        frames.append(by_bim)
        by_band = cells.select(
            _key("bb", pl.lit(role), *area, "sex").alias("eq"),
            _cell_var(role).alias("var"),
            pl.when(pl.col("age_band") == _GRAND[0]).then(1.0).otherwise(-1.0).alias("coef"),
        )
        split = cells.filter(pl.col("sex").n_unique().over(*area, "age_band") > 1)
        by_sex = split.select(
            _key("bx", pl.lit(role), *area, "age_band").alias("eq"),
            _cell_var(role).alias("var"),
            pl.when(pl.col("sex") == _GRAND[1]).then(1.0).otherwise(-1.0).alias("coef"),
        )
        frames += [by_band, by_sex]
    return pl.concat(frames)


def _standardised_system(
    standardised: pl.DataFrame, breakdowns: pl.DataFrame, catalogue: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Published DSRs and expected counts as known variables and linear equations over
    the breakdown cells (see the module text). A DSR over a band whose denominator is
    hidden is not linear: `build.standardised_from_published` refuses it."""
    keys = ["indicator_code", "level", "area_code", "year"]
    weights = esp2013_weights([int(b.rstrip("+").split("-")[0]) for b in codes.ATLAS_AGE_BANDS])
    bands = _with_bim(breakdowns).filter(
        (pl.col("sex") == "T") & (pl.col("age_band") != _GRAND[0]) & (pl.col("bim") == _GRAND[2])
    )
    with_w = bands.with_columns(
        pl.col("age_band").replace_strict(weights, return_dtype=pl.Float64).alias("_w")
    ).with_columns((pl.col("_w") / pl.col("_w").sum().over(keys)).alias("_w"))
    multiplier = catalogue.select("indicator_code", pl.col("multiplier").cast(pl.Float64))
    dsr = (
        standardised.filter(pl.col("dsr").is_not_null())
        .join(multiplier, on="indicator_code")
        .select(*keys, (pl.col("dsr") / pl.col("multiplier")).alias("value"))
    )
    # only DSRs whose every band denominator is published are linear
    known_den = with_w.group_by(keys).agg(pl.col("denominator").is_not_null().all().alias("_ok"))
    dsr = dsr.join(known_den.filter(pl.col("_ok")), on=keys, how="semi")
    flemish = bands.filter(pl.col("level") == "vlaanderen").select(
        "indicator_code",
        "year",
        "age_band",
        (pl.col("numerator") / pl.col("denominator")).alias("_rate"),
    )
    expected = standardised.filter(pl.col("expected").is_not_null()).select(
        *keys, pl.col("expected").alias("value")
    )

    def known(frame: pl.DataFrame, what: str) -> pl.DataFrame:
        return frame.select(
            _key("z", "indicator_code", pl.lit(what), "level", "area_code", "year").alias("var"),
            _key("z", "indicator_code", pl.lit(what)).alias("series"),
            "level",
            pl.col("area_code").alias("area"),
            pl.col("year").cast(pl.Int64),
            pl.col("value").cast(pl.Float64),
            pl.lit(False).alias("hidden"),
            pl.lit(False).alias("primary"),
            "indicator_code",
            pl.lit(what).alias("role"),
        ).rename({"indicator_code": "code"})

    variables = pl.concat([known(dsr, "dsr"), known(expected, "exp")])
    cell = ("level", "area_code", "year", "age_band", "sex", "bim")
    band_var = _key("b", "indicator_code", pl.lit("bnum"), *cell)
    den_var = _key("b", "indicator_code", pl.lit("bden"), *cell)
    dsr_eq = _key("zd", *keys)
    exp_eq = _key("ze", *keys)
    terms = [
        dsr.select(
            dsr_eq.alias("eq"),
            _key("z", "indicator_code", pl.lit("dsr"), "level", "area_code", "year").alias("var"),
            pl.lit(-1.0).alias("coef"),
        ),
        with_w.join(dsr.select(keys), on=keys, how="semi").select(
            dsr_eq.alias("eq"),
            band_var.alias("var"),
            (pl.col("_w") / pl.col("denominator").cast(pl.Float64)).alias("coef"),
        ),
        expected.select(
            exp_eq.alias("eq"),
            _key("z", "indicator_code", pl.lit("exp"), "level", "area_code", "year").alias("var"),
            pl.lit(-1.0).alias("coef"),
        ),
        bands.join(expected.select(keys), on=keys, how="semi")
        .join(flemish, on=["indicator_code", "year", "age_band"])
        .select(exp_eq.alias("eq"), den_var.alias("var"), pl.col("_rate").alias("coef")),
    ]
    return variables, pl.concat(terms)


def _outlook_vars(marts: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """The outlook's published Flemish counts: GPs by age band, trainees and settled."""
    frames = []
    if "gp_age" in marts:
        frames.append(
            marts["gp_age"].select(
                _key("ga", "level", "area_code", "year", "age_from").alias("var"),
                pl.lit("ga").alias("series"),
                "level",
                pl.col("area_code").alias("area"),
                pl.col("year").cast(pl.Int64),
                pl.col("gps").cast(pl.Float64).alias("value"),
                pl.lit(False).alias("hidden"),
                pl.lit(False).alias("primary"),
                pl.col("age_from").cast(pl.String).alias("code"),
                pl.lit("gpage").alias("role"),
            )
        )
    if "gp_inflow" in marts:
        frames.extend(
            marts["gp_inflow"].select(
                _key("gi", "level", "area_code", "year", pl.lit(col)).alias("var"),
                pl.lit(f"gi|{col}").alias("series"),
                "level",
                pl.col("area_code").alias("area"),
                pl.col("year").cast(pl.Int64),
                pl.col(col).cast(pl.Float64).alias("value"),
                pl.lit(False).alias("hidden"),
                pl.lit(False).alias("primary"),
                pl.lit(None, pl.String).alias("code"),
                pl.lit(col).alias("role"),
            )
            for col in ("trainees_before", "settled")
        )
    if not frames:
        return pl.DataFrame(schema=_VAR_SCHEMA)
    return pl.concat(frames)


_VAR_SCHEMA: Final = {
    "var": pl.String,
    "series": pl.String,
    "level": pl.String,
    "area": pl.String,
    "year": pl.Int64,
    "value": pl.Float64,
    "hidden": pl.Boolean,
    "primary": pl.Boolean,
    "code": pl.String,
    "role": pl.String,
}


def _outlook_terms(ind: pl.DataFrame, outlook: pl.DataFrame) -> pl.DataFrame:
    """Age bands add up to the known-age GPs, bands from 65 to gp_65plus, bands from 60 to
    gp_60plus; trainees in year - 1 are gp_trainees_per_10k's numerator of that year."""
    frames = []
    bands = outlook.filter(pl.col("role") == "gpage").with_columns(
        pl.col("code").cast(pl.Int64).alias("age_from")
    )
    for name, code, role, minimum in (
        ("total", "gp_65plus", "den", 0),
        ("65", "gp_65plus", "num", 65),
        ("60", "gp_60plus", "num", 60),
    ):
        eq = _key("go", pl.lit(name), "level", "area", "year")
        frames.append(
            ind.filter((pl.col("code") == code) & (pl.col("role") == role)).select(
                eq.alias("eq"), "var", pl.lit(1.0).alias("coef")
            )
        )
        frames.append(
            bands.filter(pl.col("age_from") >= minimum).select(
                eq.alias("eq"), "var", pl.lit(-1.0).alias("coef")
            )
        )
    eq = _key("gt", "level", "area", "year")
    frames.append(
        ind.filter((pl.col("code") == "gp_trainees_per_10k") & (pl.col("role") == "num")).select(
            eq.alias("eq"), "var", pl.lit(1.0).alias("coef")
        )
    )
    frames.append(
        outlook.filter(pl.col("role") == "trainees_before")
        .with_columns(pl.col("year") - 1)
        .select(eq.alias("eq"), "var", pl.lit(-1.0).alias("coef"))
    )
    parts = [f for f in frames if f.height]
    if not parts:
        return pl.DataFrame(schema={"eq": pl.String, "var": pl.String, "coef": pl.Float64})
    # Only equations with both sides published.
    totals = pl.concat(parts).filter(pl.col("coef") > 0)
    rest = pl.concat(parts).filter(pl.col("coef") < 0)
    return _complete(totals, rest)


# --------------------------------------------------------------------------- the survey

# Roles of survey variables: respondents that are GPs (a count of persons; a piece with
# fewer than 10 is protected), respondents that are practices (a piece with fewer than
# 10 is protected), other counts of persons, and sums (protected where primary).
SURVEY_ROLES: Final = ("s_n", "s_np", "s_cnt", "s_sum")
# Survey rows that are not additive: the contact estimate (a ratio of a product) and
# payment system x patient stop (practice facts, public per practice).
SURVEY_NOT_ADDITIVE: Final = ("contact_share", "patient_stop_by_payment")


def _survey_quantities(survey: pl.DataFrame) -> pl.DataFrame:
    """Every additive quantity a survey row publishes: `series`, `role`, level, area,
    year, `value` (null where hidden) and the row's flags."""
    rows = survey.filter(~pl.col("indicator_code").is_in(list(SURVEY_NOT_ADDITIVE)))
    group = pl.col("indicator_code").replace_strict(RESPONDENT_SERIES, default="prac")
    is_gp = group.str.starts_with("gp")
    hidden = pl.col("suppressed").fill_null(False)
    primary = (pl.col("suppression_reason") == PRIMARY).fill_null(False)
    base = [pl.col("level"), pl.col("area_code").alias("area"), pl.col("year").cast(pl.Int64)]
    n = pl.col("respondents").cast(pl.Float64)
    mean = pl.col("value")
    # A mean is published with its n: its sum is mean x n (not read from `numerator`);
    # its interval half-width t(n-1) sd / sqrt(n) gives the sum of squares.
    half = (pl.col("ci_high") - pl.col("ci_low")) / 2.0
    tq = pl.col("_t")
    sumsq = (n - 1) * (half * n.sqrt() / tq) ** 2 + n * mean**2
    is_mean = pl.col("indicator_code").is_in(list(SURVEY_MEANS))
    counted = ~is_mean & ~(pl.col("indicator_code") == "staff_fte_per_gp")
    person_numerator = pl.col("indicator_code").is_in(["hours_band", "workload_high"])
    tvals = rows.select(
        pl.col("respondents")
        .cast(pl.Float64)
        .map_batches(lambda k: pl.Series(_t_quantiles(k.to_numpy())), return_dtype=pl.Float64)
        .alias("_t")
    )
    rows = pl.concat([rows, tvals], how="horizontal")
    frames = [
        rows.select(
            _key("sv", group, "level", "area_code", "year").alias("var"),
            _key("sv", group).alias("series"),
            *base,
            n.alias("value"),
            hidden.alias("hidden"),
            primary.alias("primary"),
            group.alias("code"),
            pl.when(is_gp).then(pl.lit("s_n")).otherwise(pl.lit("s_np")).alias("role"),
        ),
        rows.filter(is_gp).select(
            _key("sp", group, "level", "area_code", "year").alias("var"),
            _key("sp", group).alias("series"),
            *base,
            pl.col("population").cast(pl.Float64).alias("value"),
            pl.col("population").is_null().alias("hidden"),
            pl.lit(False).alias("primary"),
            group.alias("code"),
            pl.lit("s_cnt").alias("role"),
        ),
        rows.select(
            _key("sx", "indicator_code", "category", "level", "area_code", "year").alias("var"),
            _key("sx", "indicator_code", "category").alias("series"),
            *base,
            pl.when(is_mean).then(mean * n).otherwise(pl.col("numerator")).alias("value"),
            hidden.alias("hidden"),
            primary.alias("primary"),
            group.alias("code"),
            pl.when(person_numerator & counted)
            .then(pl.lit("s_cnt"))
            .otherwise(pl.lit("s_sum"))
            .alias("role"),
        ),
        rows.filter(is_mean).select(
            _key("sq", "indicator_code", "level", "area_code", "year").alias("var"),
            _key("sq", "indicator_code").alias("series"),
            *base,
            sumsq.alias("value"),
            hidden.alias("hidden"),
            primary.alias("primary"),
            group.alias("code"),
            pl.lit("s_sum").alias("role"),
        ),
        rows.filter(pl.col("indicator_code") == "staff_fte_per_gp").select(
            _key("sd", pl.lit("staff_gps"), "level", "area_code", "year").alias("var"),
            _key("sd", pl.lit("staff_gps")).alias("series"),
            *base,
            pl.col("denominator").alias("value"),
            hidden.alias("hidden"),
            primary.alias("primary"),
            group.alias("code"),
            pl.lit("s_cnt").alias("role"),
        ),
    ]
    # One variable per quantity: known when any row publishes it.
    return (
        pl.concat(frames)
        .group_by("var")
        .agg(
            pl.col("series", "level", "area", "year", "code", "role").first(),
            pl.col("value").drop_nulls().first(),
            pl.col("hidden").all(),
            pl.col("primary").any(),
        )
        .with_columns(pl.col("hidden") & pl.col("value").is_null())
        .sort("var")
    )


def _t_quantiles(n: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    from scipy import stats as sps  # noqa: PLC0415 (only the survey needs it)

    out = np.full(n.shape, np.nan)
    ok = np.isfinite(n) & (n >= 2)
    out[ok] = sps.t.ppf(0.975, n[ok] - 1)
    return out


def _survey_system(survey: pl.DataFrame, areas: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Survey variables (published quantities and the latent pieces) and equations."""
    published = _survey_quantities(survey)
    pieces = survey_pieces_from_areas(areas)  # piece, level, area_code
    series = published.select("series", "year", "code", "role").unique()
    latent = series.join(pieces.select("piece").unique(), how="cross").select(
        _key("L", "series", "piece", "year").alias("var"),
        "series",
        pl.lit(PIECE).alias("level"),
        pl.col("piece").alias("area"),
        "year",
        pl.lit(None, pl.Float64).alias("value"),
        pl.lit(True).alias("hidden"),
        pl.lit(False).alias("primary"),
        "code",
        "role",
    )
    variables = pl.concat([published.select(latent.columns), latent])
    # Area = the sum of its pieces, per series and year.
    eq = _key("se", "series", "level", "area", "year")
    totals = published.select(eq.alias("eq"), "var", pl.lit(1.0).alias("coef"))
    parts = (
        published.select("series", "level", "area", "year")
        .join(pieces, left_on=["level", "area"], right_on=["level", "area_code"])
        .join(
            latent.select("series", pl.col("area").alias("piece"), "year", "var"),
            on=["series", "piece", "year"],
        )
        .select(eq.alias("eq"), "var", pl.lit(-1.0).alias("coef"))
    )
    terms = [totals, parts]
    # Within a unit (area or piece): a total and its categories.
    sums_to = (
        ("gp", "hours_band", tuple(BAND_LABELS.values())),
        ("prac", "appointments", codes.APPOINTMENTS),
        ("prac", "expansion_plans", codes.EXPANSION_PLANS),
        ("prac_answered", "continuity", codes.CONTINUITY),
    )
    for group, code, categories in sums_to:
        total_series = f"sv{_SEP}{group}"
        part_series = [f"sx{_SEP}{code}{_SEP}{c}" for c in categories]
        weq = _key("sw", pl.lit(code), "level", "area", "year")
        terms.append(
            _complete(
                variables.filter(pl.col("series") == total_series).select(
                    weq.alias("eq"), "var", pl.lit(1.0).alias("coef")
                ),
                variables.filter(pl.col("series").is_in(part_series)).select(
                    weq.alias("eq"), "var", pl.lit(-1.0).alias("coef")
                ),
            )
        )
    return variables, pl.concat(terms)


def _survey_leaks() -> pl.Expr:
    """Leak rule for recovered survey variables (see the module docstring): a hidden
    primary figure, the respondents of a piece when fewer than 10, or any figure of
    such a piece (`_small_piece`)."""
    survey = pl.col("role").is_in(list(SURVEY_ROLES))
    small_piece = (
        (pl.col("level") == PIECE)
        & pl.col("role").is_in(["s_n", "s_np"])
        & (pl.col("recovered") > 0.5)
        & (pl.col("recovered") < codes.MIN_SURVEY_RESPONDENTS - 0.5)
    )
    return survey & (pl.col("primary") | small_piece | pl.col("_small_piece"))


# --------------------------------------------------------------------------- solving


@dataclass
class _System:
    matrix: sparse.csr_matrix  # equations x variables
    value: FloatArray  # NaN where unknown


def _system(variables: pl.DataFrame, terms: pl.DataFrame) -> _System:
    # One lazy query, so that the joined strings are never all in memory at once
    # (the system is the build's memory peak).
    index = variables.select("var").with_row_index("col")
    joined = (
        terms.lazy()
        .join(index.lazy(), on="var", how="inner", maintain_order="left")
        .select(
            (pl.col("eq").cast(pl.Categorical).to_physical().rank("dense") - 1)
            .cast(pl.Int64)
            .alias("row"),
            pl.col("col").cast(pl.Int64),
            "coef",
        )
        .collect()
    )
    rows = joined["row"].to_numpy()
    cols = joined["col"].to_numpy()
    n_eq = int(rows.max()) + 1 if rows.size else 0
    matrix = sparse.csr_matrix(
        (joined["coef"].to_numpy(), (rows, cols)), shape=(n_eq, variables.height)
    )
    del joined, rows, cols
    matrix.sum_duplicates()
    value = variables["value"].fill_null(np.nan).to_numpy().astype(np.float64)
    return _System(matrix=matrix, value=value)


def _peel(matrix: sparse.csr_matrix, value: FloatArray) -> None:
    """Differencing: while an equation has one unknown, solve it (in place)."""
    abs_pattern = abs(matrix).astype(bool).astype(np.float64).tocsr()
    while True:
        unknown = np.isnan(value)
        if not unknown.any():
            return
        count = abs_pattern @ unknown.astype(np.float64)
        single = np.flatnonzero(np.abs(count - 1.0) < 0.5)
        if single.size == 0:
            return
        sub = matrix[single]
        known_value = np.where(unknown, 0.0, value)
        rest = sub @ known_value
        only = sub.multiply(unknown.astype(np.float64)).tocsr()
        only.eliminate_zeros()
        coo = only.tocoo()
        # One unknown per row: solve c * x + rest = 0.
        solved = -rest[coo.row] / coo.data
        value[coo.col] = solved


def _dense(rows: IntArray, cols: IntArray, data: FloatArray, shape: tuple[int, int]) -> FloatArray:
    """A small block as a dense matrix, built at once (cheaper than a sparse matrix
    for the many small blocks; the system is canonical, no entry twice)."""
    out = np.zeros(shape)
    out[rows, cols] = data
    return out


def _rank_pass(matrix: sparse.csr_matrix, value: FloatArray) -> int:
    """Unknowns fixed only by several equations together (in place); returns how many."""
    unknown = np.isnan(value)
    sub = matrix[:, unknown].tocsr()
    live = np.flatnonzero(np.diff(sub.indptr) >= 2)
    if live.size == 0:
        return 0
    sub = sub[live].tocoo()
    rhs = -(matrix[live] @ np.where(unknown, 0.0, value))
    cols = np.flatnonzero(unknown)
    n_eq = live.size
    graph = sparse.coo_matrix(
        (np.ones(sub.nnz), (sub.row, n_eq + sub.col)), shape=(n_eq + cols.size,) * 2
    )
    _, label = connected_components(graph, directed=False)
    entry_block = label[sub.row]
    eqs_per_block = np.bincount(label[:n_eq], minlength=int(label.max()) + 1)
    # A block of one equation fixes none of its (two or more) unknowns.
    keep = eqs_per_block[entry_block] >= 2
    entries = np.flatnonzero(keep)
    entries = entries[np.argsort(entry_block[entries], kind="stable")]
    starts = np.flatnonzero(np.diff(entry_block[entries])) + 1
    found = 0
    for part in np.split(entries, starts) if entries.size else []:
        rows_b, r = np.unique(sub.row[part], return_inverse=True)
        cols_b, c = np.unique(sub.col[part], return_inverse=True)
        shape = (rows_b.size, cols_b.size)
        block: sparse.csr_matrix | None = None
        if cols_b.size <= _PRESOLVE_MIN:
            fixed, _ = _solve_block(_dense(r, c, sub.data[part], shape))
        else:
            block = sparse.csr_matrix((sub.data[part], (r, c)), shape=shape)
            fixed = nullspace.fixed_unknowns(block)
        if not fixed.any():
            continue
        # Every solution agrees on the fixed unknowns; least squares gives one.
        if cols_b.size <= _DENSE_MAX:
            dense = _dense(r, c, sub.data[part], shape)
            solution = np.linalg.lstsq(dense, rhs[rows_b], rcond=None)[0]
        else:
            solution = scipy.sparse.linalg.lsqr(
                block, rhs[rows_b], atol=1e-14, btol=1e-14, iter_lim=20_000
            )[0]
        value[cols[cols_b[fixed]]] = solution[fixed]
        found += int(fixed.sum())
    return found


def _under65(variables: pl.DataFrame, value: FloatArray) -> int:
    """u = g (1 - a / k): any two of u, g, a with k known give the third (in place)."""
    ind = variables.with_row_index("col").filter(pl.col("level") != "praktijk")

    def cols(code: str, role: str, name: str) -> pl.DataFrame:
        return ind.filter((pl.col("code") == code) & (pl.col("role") == role)).select(
            "level", "area", "year", pl.col("col").alias(name)
        )

    keys = ["level", "area", "year"]
    quad = (
        cols("gp_under65_per_100k", "num", "u")
        .join(cols("gp_per_10k", "num", "g"), on=keys)
        .join(cols("gp_65plus", "num", "a"), on=keys)
        .join(cols("gp_65plus", "den", "k"), on=keys)
    )
    if quad.height == 0:
        return 0
    u, g, a, k = (quad[c].to_numpy().astype(np.int64) for c in ("u", "g", "a", "k"))
    found = 0
    known = ~np.isnan(value)
    ok_k = known[k] & (value[k] > 0)
    # u from g, a
    m = ok_k & ~known[u] & known[g] & known[a]
    value[u[m]] = value[g[m]] * (1 - value[a[m]] / value[k[m]])
    found += int(m.sum())
    # g from u, a (a < k)
    known = ~np.isnan(value)
    m = ok_k & ~known[g] & known[u] & known[a]
    m &= np.abs(1 - np.where(m, value[a], 0) / np.where(ok_k, value[k], 1)) > _TOL
    value[g[m]] = value[u[m]] / (1 - value[a[m]] / value[k[m]])
    found += int(m.sum())
    # a from u, g (g > 0)
    known = ~np.isnan(value)
    m = ok_k & ~known[a] & known[u] & known[g]
    m &= np.abs(np.where(m, value[g], 0)) > _TOL
    value[a[m]] = value[k[m]] * (1 - value[u[m]] / value[g[m]])
    found += int(m.sum())
    return found


def solve(variables: pl.DataFrame, terms: pl.DataFrame) -> FloatArray:
    """Every variable's value as far as the published figures fix it (NaN: not fixed)."""
    return _solve(_system(variables, terms), variables)


def _solve(system: _System, variables: pl.DataFrame) -> FloatArray:
    """Differencing, the under-65 relation and the rank pass, until nothing changes.

    One rank pass gives every unknown the linear system fixes (each block of linked
    unknowns is solved whole, and filling in values the system fixes never fixes
    another), so a further rank pass is due only when the one nonlinear step
    (`_under65`, with the differencing it sets off) has fixed something since the last."""
    value = system.value.copy()
    rank_due = True
    for _ in range(20):
        before = int(np.isnan(value).sum())
        _peel(system.matrix, value)
        _under65(variables, value)
        _peel(system.matrix, value)
        if int(np.isnan(value).sum()) < before:
            rank_due = True
        if not rank_due:
            break
        _rank_pass(system.matrix, value)
        rank_due = False
    return value


# --------------------------------------------------------------------------- the audit


def published_system(marts: Mapping[str, pl.DataFrame]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All published figures as variables and all known relations as equation terms."""
    ind = _indicator_vars(marts["indicator_values"])
    pop = _population_vars(marts["population"])
    practices = marts["practices"]
    prac = _practice_vars(practices)
    present = pl.concat([ind.select("level", "area"), pop.select("level", "area")]).unique()
    links = _parent_links(marts["areas"], present)
    derived, age_terms = _gp_age_terms(ind)
    forms = _form_count_vars(practices)
    outlook = _outlook_vars(marts)
    extra_vars: list[pl.DataFrame] = []
    extra_terms: list[pl.DataFrame] = []
    breakdowns = marts.get("indicator_breakdowns")
    if breakdowns is not None and breakdowns.height:
        bvars = _breakdown_vars(breakdowns)
        extra_vars.append(bvars)
        extra_terms += [_hierarchy_terms(bvars, links), _breakdown_terms(breakdowns)]
        standardised = marts.get("standardised")
        if standardised is not None and standardised.height:
            svars, sterms = _standardised_system(standardised, breakdowns, marts["indicators"])
            extra_vars.append(svars)
            extra_terms.append(sterms)
    variables = pl.concat([ind, pop, prac, derived, forms, outlook, *extra_vars]).unique(
        "var", keep="first", maintain_order=True
    )
    base = pl.concat([ind, pop])
    terms = pl.concat(
        [
            *extra_terms,
            _hierarchy_terms(ind, links),
            _hierarchy_terms(pop, links),
            _population_terms(pop),
            _plus_band_terms(ind, pop),
            _equality_terms(base, equal_series(base)),
            age_terms,
            _practice_terms(ind, practices),
            _outlook_terms(ind, outlook),
        ]
    )
    survey = marts.get(SURVEY)
    if survey is not None and survey.height:
        survey_vars, survey_terms = _survey_system(survey, marts["areas"])
        variables = pl.concat([variables, survey_vars.select(variables.columns)])
        terms = pl.concat([terms, survey_terms])
    return variables, terms


def recovered_leaks(
    variables: pl.DataFrame, value: npt.NDArray[np.float64]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The hidden variables that `value` (from `solve`) fixes (`found`, with `recovered`)
    and those of them that are leaks (sorted by name)."""
    was_hidden = variables["value"].is_null().to_numpy()
    recovered = was_hidden & ~np.isnan(value)
    found = variables.with_columns(pl.Series("recovered", value)).filter(pl.Series(recovered))
    small = (pl.col("recovered") > 0.5) & (pl.col("recovered") < MIN_COUNT - 0.5)
    counts = pl.col("role").is_in(
        [
            "num",
            "den",
            "pop",
            "gp60_64",
            "gpage",
            "trainees_before",
            "settled",
            "s_n",
            "s_cnt",
            "bnum",
            "bden",
        ]
    )
    # A survey piece whose respondents follow and are fewer than 10: every other
    # recovered figure of that piece (same respondent group, year) is a leak too.
    small_pieces = (
        found.filter(
            (pl.col("level") == PIECE)
            & pl.col("role").is_in(["s_n", "s_np"])
            & (pl.col("recovered") < codes.MIN_SURVEY_RESPONDENTS - 0.5)
        )
        .select("area", "year", "code")
        .unique()
        .with_columns(pl.lit(True).alias("_small_piece"))
    )
    found = found.join(small_pieces, on=["area", "year", "code"], how="left").with_columns(
        pl.col("_small_piece").fill_null(False) & (pl.col("level") == PIECE)
    )
    # Every recovered figure was hidden; a practice figure is hidden only to protect it.
    leak = (
        (pl.col("level") == "praktijk")
        | (pl.col("primary") & (pl.col("role").is_in(["num", "pop", "bnum"])))
        | (
            pl.col("primary")
            & (pl.col("role") == "den")
            & pl.col("code").is_in(list(GP_SUM_DENOMINATORS))
        )
        | (counts & small)
        | _survey_leaks()
    )
    return found, found.filter(leak).sort("var")


def audit_marts(marts: Mapping[str, pl.DataFrame]) -> AuditResult:
    """Solve the published marts as an attacker would; list every leak (Dutch)."""
    variables, terms = published_system(marts)
    n_equations = int(terms["eq"].n_unique())
    system = _system(variables, terms)
    del terms  # (the memory peak of the build)
    value = _solve(system, variables)
    del system
    was_hidden = variables["value"].is_null().to_numpy()
    recovered = was_hidden & ~np.isnan(value)
    found, leaks = recovered_leaks(variables, value)
    lines = [
        f"{row['var']}: verborgen, maar af te leiden uit de gepubliceerde tabellen"
        f" (waarde {row['recovered']:.6g})"
        for row in leaks.head(50).iter_rows(named=True)
    ]
    if leaks.height > 50:
        lines.append(f"... en nog {leaks.height - 50} andere")
    both = found.filter(pl.col("role").is_in(["num", "den"]) & ~pl.col("primary")).pivot(
        on="role", index=["code", "level", "area", "year"], values="recovered"
    )
    cells = (
        both.filter(pl.col("num").is_not_null() & pl.col("den").is_not_null())
        .select(
            pl.col("code").alias("indicator_code"),
            "level",
            pl.col("area").alias("area_code"),
            "year",
            pl.col("num").alias("numerator"),
            pl.col("den").alias("denominator"),
        )
        .sort("indicator_code", "level", "area_code", "year")
        if {"num", "den"} <= set(both.columns)
        else pl.DataFrame()
    )
    return AuditResult(
        recoverable_cells=cells,
        n_variables=variables.height,
        n_hidden=int(was_hidden.sum()),
        n_equations=n_equations,
        recovered=int(recovered.sum()),
        leaks=lines if leaks.height else [],
    )
