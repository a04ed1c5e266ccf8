"""The marts: what the app reads. Their columns and each column's kind.

Kinds: `key`, `count` (a count of persons or events: never 0 < x < 5 when
published), `value`, `interval`, `flag`, `label`, `measure` (a non-person
quantity such as FTE, an area or a coordinate).
"""

from __future__ import annotations

from typing import Final

import polars as pl

AREAS: Final = "areas"
INDICATORS: Final = "indicators"
INDICATOR_VALUES: Final = "indicator_values"
POPULATION: Final = "population"
PRACTICES: Final = "practices"
COMPARISONS: Final = "comparisons"
TRENDS: Final = "trends"
GP_AGE: Final = "gp_age"
GP_INFLOW: Final = "gp_inflow"
OUTLOOK_POPULATION: Final = "outlook_population"
# The capacity outlook's marts (pipeline/outlook.py): optional for the app (a build
# before issue 13 has none; the outlook page then asks for a new build).
OUTLOOK: Final = (GP_AGE, GP_INFLOW, OUTLOOK_POPULATION)
SURVEY: Final = "survey"
# The Atlas age x sex cells and, where delivered, the cells by increased reimbursement
# (VT/BIM; `bim` ja/nee, else totaal) (pipeline/breakdowns.py): controlled and audited.
BREAKDOWNS: Final = "indicator_breakdowns"
# Age-standardised Atlas figures, derived from the published breakdowns.
STANDARDISED: Final = "standardised"
# Derived from the published indicator values after disclosure control
# (pipeline/published.py): not part of the privacy audit.
DERIVED: Final = (COMPARISONS, TRENDS, STANDARDISED)

MART_COLUMNS: Final[dict[str, dict[str, str]]] = {
    AREAS: {
        "level": "key",
        "area_code": "key",
        "area_name": "label",
        "zone_code": "label",
        "circle_code": "label",
        "province_code": "label",
        "area_km2": "measure",
        "centroid_lat": "measure",
        "centroid_lon": "measure",
    },
    INDICATORS: {
        "indicator_code": "key",
        "name_nl": "label",
        "description_nl": "label",
        "unit": "label",
        "multiplier": "measure",
        "formula_nl": "label",
        "source": "label",
        "first_year": "measure",
        "smallest_level": "label",
        "breakdowns": "label",
        "keywords": "label",
        "update_rhythm": "label",
        "aim_domain": "label",
        "theme": "label",
        "need_family": "label",
        "direction": "label",
        "interval_method": "label",
        "origin": "label",
        "numerator_label": "label",
        "denominator_label": "label",
        "count_unit": "label",
        "denominator_unit": "label",
    },
    INDICATOR_VALUES: {
        "indicator_code": "key",
        "level": "key",
        "area_code": "key",
        "year": "key",
        "numerator": "count",
        "denominator": "count",
        "value": "value",
        "ci_low": "interval",
        "ci_high": "interval",
        "suppressed": "flag",
        "suppression_reason": "label",
    },
    POPULATION: {
        "level": "key",
        "area_code": "key",
        "year": "key",
        "sex": "key",
        "age_band": "key",
        "population": "count",
        "suppressed": "flag",
        "suppression_reason": "label",
    },
    PRACTICES: {
        "practice_id": "key",
        "year": "key",
        "refnis": "label",
        "zone_code": "label",
        "circle_code": "label",
        "lat": "measure",
        "lon": "measure",
        "practice_form": "label",
        "payment_system": "label",
        "patient_stop": "label",
        "size_class": "label",
        "fte_estimate": "measure",
        "pat_gmd": "count",
        "pat_attrib": "count",
        "raadpl": "count",
        "bezavond": "count",
        "bezoekind": "count",
        "instel": "count",
        "digicont": "count",
        "advies": "count",
        "suppressed": "flag",
        "suppressed_columns": "label",
    },
    BREAKDOWNS: {
        "indicator_code": "key",
        "level": "key",
        "area_code": "key",
        "year": "key",
        "age_band": "key",
        "sex": "key",
        "bim": "key",
        "numerator": "count",
        "denominator": "count",
        "value": "value",
        "ci_low": "interval",
        "ci_high": "interval",
        "suppressed": "flag",
        "suppression_reason": "label",
    },
    STANDARDISED: {
        "indicator_code": "key",
        "level": "key",
        "area_code": "key",
        "year": "key",
        "crude": "value",
        "events": "count",
        "dsr": "value",
        "dsr_ci_low": "interval",
        "dsr_ci_high": "interval",
        "expected": "measure",
        "isr": "value",
        "isr_ci_low": "interval",
        "isr_ci_high": "interval",
        "indirect_rate": "value",
        "standard": "label",
    },
    COMPARISONS: {
        "indicator_code": "key",
        "level": "key",
        "area_code": "key",
        "year": "key",
        "reference": "key",
        "target": "value",
        "value": "value",
        "z": "value",
        "z_adjusted": "value",
        "phi": "value",
        "tau2": "value",
        "method": "label",
        "lo_95": "interval",
        "hi_95": "interval",
        "lo_998": "interval",
        "hi_998": "interval",
        "label": "label",
        "label_unadjusted": "label",
        "basis": "label",
    },
    # Flemish GPs (active, of known age) by age band, survey years; bands merged so that
    # none holds 1-4 GPs. In the audit (pipeline/audit.py).
    GP_AGE: {
        "level": "key",
        "area_code": "key",
        "year": "key",
        "age_from": "key",
        "age_to": "key",
        "gps": "count",
    },
    # Flemish GPs in training in year - 1 and how many of them were active GPs in year.
    GP_INFLOW: {
        "level": "key",
        "area_code": "key",
        "year": "key",
        "trainees_before": "count",
        "settled": "count",
    },
    # Projected inhabitants per zone and Flanders (model output or an official
    # projection, not a count of persons): years after the latest population year.
    OUTLOOK_POPULATION: {
        "level": "key",
        "area_code": "key",
        "year": "key",
        "sex": "key",
        "age_band": "key",
        "population": "measure",
        "source": "label",
    },
    SURVEY: {
        "indicator_code": "key",
        "category": "key",
        "level": "key",
        "area_code": "key",
        "year": "key",
        "respondents": "count",
        "population": "count",
        "population_year": "measure",
        "response_rate": "value",
        "numerator": "measure",
        "denominator": "measure",
        "value": "value",
        "ci_low": "interval",
        "ci_high": "interval",
        "suppressed": "flag",
        "suppression_reason": "label",
    },
    TRENDS: {
        "indicator_code": "key",
        "level": "key",
        "area_code": "key",
        "direction": "label",
        "p_value": "value",
        "n_points": "measure",
        "method": "label",
        "slope": "value",
        "last_year": "measure",
    },
}


_INTEGER_COLUMNS: Final = ("year", "n_points", "last_year")


def empty_derived(name: str) -> pl.DataFrame:
    """An empty frame with the columns of a derived mart (`DERIVED`): integers for
    years and counts of points, floats for values and intervals, else text."""
    schema: dict[str, pl.DataType] = {}
    for col, kind in MART_COLUMNS[name].items():
        if col in _INTEGER_COLUMNS:
            schema[col] = pl.Int64()
        elif kind in ("value", "interval", "count", "measure"):
            schema[col] = pl.Float64()
        else:
            schema[col] = pl.String()
    return pl.DataFrame(schema=schema)
