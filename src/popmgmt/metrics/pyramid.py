"""Risk pyramid per zone: an area-level, rule-based estimate of three care-need tiers.

Pure functions, polars in / polars out, no Streamlit. This is an estimate for an
area, built from Atlas totals; it never identifies or lists people. The rules,
their defaults and their limits are in `docs/need-and-fair-shares.md`.

Tiers (DOMAIN 6; interfederal plan 002 L2291 for case management):

* `complex` (complex, needs case management) = `f_pall` x palliative status
  + `f_rvt` x nursing-home residents (65+)
  + `f_poly` x (75+ with polypharmacy - nursing-home residents), at least 0:
  nursing-home residents are assumed to be among the 75+ with polypharmacy.
* `risico` (at risk or chronic, needs support) = chronic-illness status
  + `f_diab` x diabetes medication + `f_age75` x inhabitants 75+
  + `f_vt` x increased reimbursement + `f_alone` x 65+ living alone,
  minus the complex tier (who are assumed to be in that group already),
  between 0 and what is left of the population.
* `gezond` (healthy / self-care) = the rest, so the three add up to the population.

The `f_` factors say which share of each group is *not yet counted* by the groups
before it (overlap) or belongs to the tier at all: they are assumptions, editable
on the page, with a plausible low-high range (`PARAM_SPECS`) that gives the
assumption range shown next to each estimate.

Every input is a rate (numerator / denominator at that level) applied to the
inhabitants it refers to (all, 65+ or 75+), so that the tiers add up to the
population of 1 January.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Final

import polars as pl

from popmgmt.metrics.need import area_rates

TIERS: Final = ("complex", "risico", "gezond")
# The Kaiser Permanente pyramid as quoted in DOMAIN 6: shares of the population.
KAISER_REFERENCE: Final[Mapping[str, tuple[float, float]]] = {
    "gezond": (0.65, 0.80),
    "risico": (0.20, 0.30),
    "complex": (0.01, 0.05),
}

# Input role -> (indicator code, inhabitants the rate refers to).
INPUTS: Final[Mapping[str, tuple[str, str]]] = {
    "palliatief": ("ima_pall", "totaal"),
    "woonzorgcentrum": ("ima_rvt", "65plus"),
    "polyfarmacie75": ("ima_polyph75", "75plus"),
    "chronisch": ("ima_chron", "totaal"),
    "diabetes": ("ima_diab", "totaal"),
    "leeftijd75": ("pop_75plus", "totaal"),
    "vt": ("ima_vt", "totaal"),
    "alleenwonend65": ("ima_alone", "65plus"),
}
AGE_65_BANDS: Final = ("65-69", "70-74", "75-79", "80-84", "85-89", "90-94", "95+")
AGE_75_BANDS: Final = ("75-79", "80-84", "85-89", "90-94", "95+")


@dataclass(frozen=True)
class PyramidParams:
    """The assumptions of the pyramid (shares between 0 and 1)."""

    f_pall: float = 1.0
    f_rvt: float = 1.0
    f_poly: float = 0.15
    f_diab: float = 0.3
    f_age75: float = 0.3
    f_vt: float = 0.1
    f_alone: float = 0.2


@dataclass(frozen=True)
class ParamSpec:
    """How one assumption is shown and bounded on the page."""

    name: str
    tier: str
    label: str
    help: str
    low: float
    high: float


PARAM_SPECS: Final[tuple[ParamSpec, ...]] = (
    ParamSpec(
        "f_pall",
        "complex",
        "Deel van de personen met palliatief statuut dat complex is",
        "Palliatieve zorg thuis vraagt bijna altijd afstemming tussen meerdere zorgverleners.",
        0.8,
        1.0,
    ),
    ParamSpec(
        "f_rvt",
        "complex",
        "Deel van de woonzorgcentrumbewoners (65+) dat complex is",
        "Bewoners hebben meestal meerdere aandoeningen en zorg van meerdere lijnen.",
        0.6,
        1.0,
    ),
    ParamSpec(
        "f_poly",
        "complex",
        "Deel van de thuiswonende 75-plussers met polyfarmacie dat complex is",
        "Polyfarmacie (5+ chronische geneesmiddelen) bij 75+ is een teken van multimorbiditeit; "
        "slechts een deel heeft casemanagement nodig. Bewoners van een woonzorgcentrum worden "
        "eerst afgetrokken.",
        0.05,
        0.3,
    ),
    ParamSpec(
        "f_diab",
        "risico",
        "Deel van de personen met diabetesmedicatie dat nog niet in het statuut chronische "
        "aandoening zit",
        "Veel personen met diabetes hebben al het statuut chronische aandoening (overlap).",
        0.1,
        0.5,
    ),
    ParamSpec(
        "f_age75",
        "risico",
        "Deel van de 75-plussers zonder statuut chronische aandoening dat ondersteuning "
        "nodig heeft",
        "Kwetsbaarheid op hoge leeftijd zonder erkend chronisch statuut.",
        0.1,
        0.5,
    ),
    ParamSpec(
        "f_vt",
        "risico",
        "Deel van de personen met verhoogde tegemoetkoming dat extra risico loopt (nog niet "
        "geteld)",
        "Niet-medische determinant: een laag inkomen verhoogt het risico bij elke leeftijd.",
        0.0,
        0.2,
    ),
    ParamSpec(
        "f_alone",
        "risico",
        "Deel van de alleenwonende 65-plussers dat extra risico loopt (nog niet geteld)",
        "Niet-medische determinant: alleen wonen op oudere leeftijd (sociaal isolement).",
        0.0,
        0.4,
    ),
)
PARAM_NAMES: Final = tuple(spec.name for spec in PARAM_SPECS)

INPUTS_SCHEMA: Final = pl.Schema(
    {
        "area_code": pl.String,
        "population": pl.Float64,
        "pop65": pl.Float64,
        "pop75": pl.Float64,
        **dict.fromkeys(INPUTS, pl.Float64),
        "n_imputed": pl.Int64,
        "missing": pl.String,
    }
)


def low_params() -> PyramidParams:
    """Every factor at the low end of its plausible range."""
    return PyramidParams(**{spec.name: spec.low for spec in PARAM_SPECS})


def high_params() -> PyramidParams:
    """Every factor at the high end of its plausible range."""
    return PyramidParams(**{spec.name: spec.high for spec in PARAM_SPECS})


def check_params(params: PyramidParams) -> None:
    """ValueError unless every factor lies in [0, 1]."""
    for field in fields(params):
        value = getattr(params, field.name)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{field.name} moet tussen 0 en 1 liggen, niet {value}")


# --------------------------------------------------------------------------- inputs


def base_populations(
    population: pl.DataFrame, *, level: str, year: int, area_codes: Sequence[str] | None = None
) -> pl.DataFrame:
    """Inhabitants, 65+ and 75+ per area: area_code, population, pop65, pop75.

    From the population mart's total row and its 5-year bands (sex `T`); a
    suppressed band makes that sum null (never a 0).
    """
    rows = population.filter(
        (pl.col("level") == level) & (pl.col("year") == year) & (pl.col("sex") == "T")
    )
    if area_codes is not None:
        rows = rows.filter(pl.col("area_code").is_in(list(area_codes)))
    pop = pl.when(pl.col("suppressed").fill_null(False)).then(None).otherwise(pl.col("population"))
    rows = rows.with_columns(pop.cast(pl.Float64).alias("_pop"))

    def _sum(bands: Sequence[str], name: str) -> pl.DataFrame:
        part = rows.filter(pl.col("age_band").is_in(list(bands)))
        return part.group_by("area_code").agg(
            pl.when(pl.col("_pop").null_count() > 0)
            .then(None)
            .otherwise(pl.col("_pop").sum())
            .first()
            .alias(name)
        )

    total = rows.filter(pl.col("age_band") == "totaal").select(
        "area_code", pl.col("_pop").alias("population")
    )
    return (
        total.join(_sum(AGE_65_BANDS, "pop65"), on="area_code", how="left")
        .join(_sum(AGE_75_BANDS, "pop75"), on="area_code", how="left")
        .sort("area_code")
    )


def pyramid_inputs(
    values: pl.DataFrame,
    areas: pl.DataFrame,
    population: pl.DataFrame,
    *,
    level: str,
    year: int,
) -> pl.DataFrame:
    """Persons per input role per area (rate x the inhabitants it refers to).

    `level` is `zone` or `vlaanderen`. A zone whose own cell is suppressed takes the
    Flemish rate (`n_imputed` counts those); an input without any rate leaves the
    role null and is named in `missing`. Columns: see `INPUTS_SCHEMA`.
    """
    codes = sorted({code for code, _ in INPUTS.values()})
    rates = area_rates(values, areas, level=level, codes=codes, years=[year])
    bases = base_populations(population, level=level, year=year)
    base_col = {"totaal": "population", "65plus": "pop65", "75plus": "pop75"}
    wide = rates.pivot(on="indicator_code", index="area_code", values="rate")
    imputed = rates.group_by("area_code").agg(
        pl.col("imputed_from").is_not_null().sum().cast(pl.Int64).alias("n_imputed")
    )
    frame = bases.join(wide, on="area_code", how="left").join(imputed, on="area_code", how="left")
    exprs = []
    for role, (code, base) in INPUTS.items():
        rate = pl.col(code) if code in frame.columns else pl.lit(None, dtype=pl.Float64)
        exprs.append((rate * pl.col(base_col[base])).alias(role))
    frame = frame.with_columns(exprs)
    missing = pl.concat_str(
        [pl.when(pl.col(role).is_null()).then(pl.lit(role)) for role in INPUTS],
        separator=", ",
        ignore_nulls=True,
    )
    return (
        frame.with_columns(
            missing.alias("missing"), pl.col("n_imputed").fill_null(0).cast(pl.Int64)
        )
        .with_columns(
            pl.when(pl.col("missing") == "")
            .then(None)
            .otherwise(pl.col("missing"))
            .alias("missing")
        )
        .select(list(INPUTS_SCHEMA))
        .cast(INPUTS_SCHEMA)
    )


# --------------------------------------------------------------------------- pyramid


def risk_pyramid(inputs: pl.DataFrame, params: PyramidParams | None = None) -> pl.DataFrame:
    """Persons per tier per area; the three tiers add up to the population.

    `inputs` as from `pyramid_inputs` (persons per role, population). Rows with a
    missing input or population give null tiers. Long output, one row per area x
    tier (order of `TIERS`): area_code, tier, persons, share, population.
    """
    params = params or PyramidParams()
    check_params(params)
    p = params
    pop = pl.col("population")
    complex_raw = (
        p.f_pall * pl.col("palliatief")
        + p.f_rvt * pl.col("woonzorgcentrum")
        + p.f_poly * (pl.col("polyfarmacie75") - pl.col("woonzorgcentrum")).clip(lower_bound=0)
    )
    at_risk_raw = (
        pl.col("chronisch")
        + p.f_diab * pl.col("diabetes")
        + p.f_age75 * pl.col("leeftijd75")
        + p.f_vt * pl.col("vt")
        + p.f_alone * pl.col("alleenwonend65")
    )
    wide = (
        inputs.with_columns(complex_raw.clip(0.0, pop).alias("complex"))
        .with_columns(
            (at_risk_raw - pl.col("complex")).clip(0.0, pop - pl.col("complex")).alias("risico")
        )
        .with_columns((pop - pl.col("complex") - pl.col("risico")).alias("gezond"))
    )
    long = wide.select("area_code", "population", *TIERS).unpivot(
        index=["area_code", "population"],
        on=list(TIERS),
        variable_name="tier",
        value_name="persons",
    )
    order = pl.DataFrame({"tier": list(TIERS), "_o": list(range(len(TIERS)))})
    return (
        long.join(order, on="tier")
        .with_columns(
            pl.when(pop > 0).then(pl.col("persons") / pop).alias("share"),
        )
        .sort("area_code", "_o")
        .select("area_code", "tier", "persons", "share", "population")
    )


def pyramid_with_range(inputs: pl.DataFrame, params: PyramidParams | None = None) -> pl.DataFrame:
    """`risk_pyramid` plus the assumption range of each tier.

    `persons_low` / `persons_high` are the smallest and largest estimate of the tier
    with every factor at the low end and at the high end of `PARAM_SPECS`.
    """
    base = risk_pyramid(inputs, params)
    lo = risk_pyramid(inputs, low_params()).select(
        "area_code", "tier", pl.col("persons").alias("_lo")
    )
    hi = risk_pyramid(inputs, high_params()).select(
        "area_code", "tier", pl.col("persons").alias("_hi")
    )
    return (
        base.join(lo, on=["area_code", "tier"], how="left", maintain_order="left")
        .join(hi, on=["area_code", "tier"], how="left", maintain_order="left")
        .with_columns(
            pl.min_horizontal("_lo", "_hi", "persons").alias("persons_low"),
            pl.max_horizontal("_lo", "_hi", "persons").alias("persons_high"),
        )
        .drop("_lo", "_hi")
    )
