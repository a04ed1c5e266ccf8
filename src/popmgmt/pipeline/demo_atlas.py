"""The demo's IMA Atlas: indicator definitions, logistic models per indicator (age, sex,
latents, year trend) calibrated to Flemish targets, and binomial draws per municipality x
year x age band x sex.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl

from popmgmt.pipeline import codes
from popmgmt.pipeline.demo_world import (
    GMD_FLANDERS,
    N_AGES,
    N_BANDS,
    N_YEARS,
    YEARS,
    BoolArray,
    FloatArray,
    IntArray,
    _calibrate,
    _expit,
    _Geo,
    _linear,
)

# ----------------------------------------------------------------------------
# Atlas: cells, models and draws
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Indicator:
    code: str
    name: str
    description: str
    unit: str
    formula: str
    first_year: int
    keywords: str
    aim: str
    theme: str
    need: str | None
    direction: str
    bands: tuple[int, ...]  # ATLAS_AGE_BANDS indices where defined
    sexes: tuple[int, ...] = (0, 1)
    partial: str | None = None  # "65+" or "75+": the lowest band covers only part of it
    source: str = "IMA-AIM Atlas (demo: synthetische gegevens)"


ALL_BANDS: Final = tuple(range(N_BANDS))
BANDS_65: Final = (6, 7, 8, 9)
BANDS_75: Final = (7, 8, 9)
DEMO_NOTE: Final = " Demo: synthetische gegevens, geen echte cijfers."
BREAKDOWNS: Final = "leeftijdscategorie per 10 jaar; geslacht"
RESIDENCE: Final = (
    " Woonplaats op 31 december van het referentiejaar (anders 30 juni); personen zonder "
    "gekend adres tellen enkel op Belgisch niveau."
)

INDICATORS: Final = (
    _Indicator(
        "cube_013_021_At", "Interventioneel diagnostisch onderzoek met medische beeldvorming",
        "Percentage van de rechthebbenden van de Belgische ziekteverzekering bij wie in het "
        "referentiejaar een interventioneel diagnostisch onderzoek met gebruik van medische "
        "beeldvorming werd uitgevoerd, naar leeftijdscategorie." + RESIDENCE
        + " Demo: de metadata volgen de echte Atlas-fiche; de cijfers zijn synthetisch.",
        "%", "Aantal patiënten met minstens één interventioneel diagnostisch onderzoek / "
        "(Aantal rechthebbenden / 100)", 2015, "Zorgverstrekkingen; Zorgverleners",
        "waarde", "gebruik", None, "neutraal", ALL_BANDS,
        source="IMA_AIM (17/11/2025), cube_013_021, Atlas IMA_AIM (accessed on 25/06/2026)",
    ),
    _Indicator(
        "ima_gmd", "Inwoners met een globaal medisch dossier (GMD)",
        "Percentage van de rechthebbenden met een globaal medisch dossier (GMD) bij een "
        "huisarts; ingeschrevenen in een forfaitaire praktijk tellen mee. De kernindicator "
        "voor de band met een vaste huisarts." + RESIDENCE + DEMO_NOTE,
        "%", "Aantal rechthebbenden met een GMD / (Aantal rechthebbenden / 100)", 2015,
        "GMD; huisarts; continuïteit; toegang", "ervaring", "toegang", None, "hoger_beter",
        ALL_BANDS,
    ),
    _Indicator(
        "ima_mh", "Ingeschreven in een forfaitaire praktijk (medisch huis)",
        "Percentage van de rechthebbenden dat ingeschreven is in een forfaitair gefinancierde "
        "praktijk (medisch huis, wijkgezondheidscentrum). Hun contacten worden niet per "
        "prestatie aangerekend." + RESIDENCE + DEMO_NOTE,
        "%", "Aantal rechthebbenden ingeschreven in een medisch huis / (Aantal rechthebbenden "
        "/ 100)", 2015, "forfait; medisch huis; wijkgezondheidscentrum", "waarde", "toegang",
        None, "neutraal", ALL_BANDS,
    ),
    _Indicator(
        "ima_vt", "Rechthebbenden op een verhoogde tegemoetkoming",
        "Percentage van de rechthebbenden met een verhoogde tegemoetkoming (VT/BIM), een "
        "benaderende maat voor een laag inkomen." + RESIDENCE + DEMO_NOTE,
        "%", "Aantal rechthebbenden met verhoogde tegemoetkoming / (Aantal rechthebbenden / "
        "100)", 2015, "verhoogde tegemoetkoming; armoede; kwetsbaarheid", "gelijkheid", "nood",
        "sociaaleconomisch", "neutraal", ALL_BANDS,
    ),
    _Indicator(
        "ima_chron", "Statuut chronische aandoening",
        "Percentage van de rechthebbenden met het statuut 'persoon met een chronische "
        "aandoening' (hoge medische kosten of forfait chronisch zieken)." + RESIDENCE
        + DEMO_NOTE,
        "%", "Aantal rechthebbenden met het statuut chronische aandoening / (Aantal "
        "rechthebbenden / 100)", 2015, "chronische aandoening; zorgnood", "gezondheid",
        "nood", "gezondheid", "neutraal", ALL_BANDS,
    ),
    _Indicator(
        "ima_diab", "Geneesmiddelen voor diabetes",
        "Percentage van de rechthebbenden met minstens één aflevering van een geneesmiddel "
        "tegen diabetes (ATC A10) in het referentiejaar." + RESIDENCE + DEMO_NOTE,
        "%", "Aantal rechthebbenden met een antidiabeticum / (Aantal rechthebbenden / 100)",
        2015, "diabetes; geneesmiddelen; chronische aandoening", "gezondheid", "nood",
        "gezondheid", "neutraal", ALL_BANDS,
    ),
    _Indicator(
        "ima_polyph75", "Polyfarmacie bij 75-plussers",
        "Percentage van de rechthebbenden van 75 jaar en ouder met chronisch gebruik van "
        "minstens vijf verschillende geneesmiddelen (ATC-niveau 4) in het referentiejaar. "
        "Enkel gedefinieerd vanaf 75 jaar: de categorie 70-79 bevat alleen de 75- tot "
        "79-jarigen (teller en noemer)." + RESIDENCE + DEMO_NOTE,
        "%", "Aantal rechthebbenden van 75+ met minstens 5 chronische geneesmiddelen / "
        "(Aantal rechthebbenden van 75+ / 100)", 2016, "polyfarmacie; ouderen; geneesmiddelen",
        "waarde", "gebruik", "gezondheid", "lager_beter", BANDS_75, partial="75+",
    ),
    _Indicator(
        "ima_gpcontact", "Minstens één contact met de huisarts",
        "Percentage van de rechthebbenden met minstens één contact met een huisarts "
        "(raadpleging, huisbezoek of contact op afstand) in het referentiejaar; "
        "ingeschrevenen in een medisch huis tellen mee." + RESIDENCE + DEMO_NOTE,
        "%", "Aantal rechthebbenden met minstens één huisartscontact / (Aantal "
        "rechthebbenden / 100)", 2015, "huisarts; contact; toegang", "ervaring", "toegang",
        None, "hoger_beter", ALL_BANDS,
    ),
    _Indicator(
        "ima_flu65", "Griepvaccinatie bij 65-plussers",
        "Percentage van de rechthebbenden van 65 jaar en ouder met een afgeleverd "
        "griepvaccin in het referentiejaar. Enkel gedefinieerd vanaf 65 jaar: de categorie "
        "60-69 bevat alleen de 65- tot 69-jarigen." + RESIDENCE + DEMO_NOTE,
        "%", "Aantal rechthebbenden van 65+ met een griepvaccin / (Aantal rechthebbenden van "
        "65+ / 100)", 2015, "griep; vaccinatie; preventie; ouderen", "gezondheid", "gebruik",
        None, "hoger_beter", BANDS_65, partial="65+",
    ),
    _Indicator(
        "ima_mammo", "Borstkankerscreening bij vrouwen van 50-69 jaar",
        "Percentage van de vrouwen van 50 tot 69 jaar met een mammografie (screening of "
        "diagnostisch) in het referentiejaar of het jaar ervoor." + RESIDENCE + DEMO_NOTE,
        "%", "Aantal vrouwen van 50-69 jaar met een mammografie in 2 jaar / (Aantal "
        "rechthebbende vrouwen van 50-69 jaar / 100)", 2015,
        "borstkanker; screening; preventie", "gezondheid", "gebruik", None, "hoger_beter",
        (5, 6), sexes=(1,),
    ),
    _Indicator(
        "ima_ab", "Minstens één antibioticum",
        "Percentage van de rechthebbenden met minstens één aflevering van een antibioticum "
        "(ATC J01) in de openbare apotheek in het referentiejaar." + RESIDENCE + DEMO_NOTE,
        "%", "Aantal rechthebbenden met minstens één antibioticum / (Aantal rechthebbenden / "
        "100)", 2015, "antibiotica; geneesmiddelen; voorschrijfgedrag", "waarde", "gebruik",
        None, "lager_beter", ALL_BANDS,
    ),
    _Indicator(
        "ima_rvt", "Verblijf in een woonzorgcentrum (65+)",
        "Percentage van de rechthebbenden van 65 jaar en ouder dat in een woonzorgcentrum "
        "(ROB/RVT) verblijft. Enkel gedefinieerd vanaf 65 jaar: de categorie 60-69 bevat "
        "alleen de 65- tot 69-jarigen." + RESIDENCE + DEMO_NOTE,
        "%", "Aantal rechthebbenden van 65+ in een woonzorgcentrum / (Aantal rechthebbenden "
        "van 65+ / 100)", 2015, "woonzorgcentrum; ouderen; zorgafhankelijkheid", "ervaring",
        "nood", "gezondheid", "neutraal", BANDS_65, partial="65+",
    ),
    _Indicator(
        "ima_migr", "Inwoners met een migratieachtergrond",
        "Percentage van de rechthebbenden met een niet-Belgische nationaliteit of herkomst "
        "(huidige of eerste nationaliteit van de persoon of van een ouder)." + RESIDENCE
        + DEMO_NOTE,
        "%", "Aantal rechthebbenden met een niet-Belgische herkomst / (Aantal rechthebbenden "
        "/ 100)", 2017, "migratie; herkomst; nationaliteit; diversiteit", "gelijkheid", "nood",
        "cultureel", "neutraal", ALL_BANDS,
    ),
    _Indicator(
        "ima_alone", "Alleenwonende 65-plussers",
        "Percentage van de rechthebbenden van 65 jaar en ouder dat alleen woont "
        "(eenpersoonshuishouden; bewoners van een woonzorgcentrum tellen niet als "
        "alleenwonend). Enkel gedefinieerd vanaf 65 jaar: de categorie 60-69 bevat alleen de "
        "65- tot 69-jarigen." + RESIDENCE + DEMO_NOTE,
        "%", "Aantal alleenwonende rechthebbenden van 65+ / (Aantal rechthebbenden van 65+ / "
        "100)", 2015, "alleenwonend; eenzaamheid; ouderen; huishouden", "gelijkheid", "nood",
        "sociaaleconomisch", "neutraal", BANDS_65, partial="65+",
    ),
    _Indicator(
        "ima_pall", "Palliatief statuut",
        "Aantal rechthebbenden per 1.000 met een palliatief statuut (palliatief forfait "
        "thuis) in het referentiejaar." + RESIDENCE + DEMO_NOTE,
        "per 1.000", "Aantal rechthebbenden met een palliatief statuut / (Aantal "
        "rechthebbenden / 1.000)", 2015, "palliatieve zorg; levenseinde; complexe zorg",
        "ervaring", "nood", "gezondheid", "neutraal", ALL_BANDS,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class _Model:
    """Logistic model: age/sex effects, latent slopes and a Flemish target per year."""

    age: tuple[float, ...]  # per ATLAS band
    target: FloatArray  # Flemish rate per year (over the cells where defined)
    female: float = 0.0
    female_old: float = 0.0  # extra for bands 70+
    deprivation: float = 0.0
    migration: float = 0.0
    urban: float = 0.0
    gp_supply: float = 0.0
    municipality_sd: float = 0.08
    zone_sd: float = 0.0


def _models() -> dict[str, _Model]:
    ab = np.array([0.39, 0.385, 0.38, 0.375, 0.37, 0.31, 0.29, 0.355, 0.365, 0.355])
    flu = np.array([0.58, 0.575, 0.59, 0.60, 0.605, 0.68, 0.72, 0.70, 0.675, 0.665])
    imaging = _linear(0.0150, 0.0180) * np.where(YEARS == 2020, 0.9, 1.0)
    return {
        "cube_013_021_At": _Model(
            (-2.6, -1.9, -1.2, -0.7, -0.2, 0.3, 0.7, 0.9, 0.6, -0.1),
            imaging,
            female=-0.08,
            deprivation=0.05,
            municipality_sd=0.05,
            zone_sd=0.15,
        ),
        "ima_vt": _Model(
            (0.45, 0.35, 0.05, -0.25, -0.4, -0.35, -0.05, 0.35, 0.95, 1.25),
            _linear(0.148, 0.170),
            female=0.05,
            female_old=0.25,
            deprivation=0.5,
        ),
        "ima_chron": _Model(
            (-2.2, -2.0, -1.8, -1.4, -0.9, -0.3, 0.3, 0.9, 1.6, 2.1),
            _linear(0.140, 0.172),
            female=0.05,
            deprivation=0.22,
        ),
        "ima_diab": _Model(
            (-4.5, -3.8, -3.0, -2.2, -1.3, -0.4, 0.35, 0.8, 0.85, 0.55),
            _linear(0.050, 0.063),
            female=-0.15,
            deprivation=0.28,
            migration=0.1,
        ),
        "ima_polyph75": _Model(
            (0, 0, 0, 0, 0, 0, 0, -0.25, 0.15, 0.3),
            _linear(0.52, 0.57),
            female=0.05,
            deprivation=0.18,
        ),
        "ima_gpcontact": _Model(
            (0.7, -0.1, -0.45, -0.35, -0.25, 0.05, 0.6, 1.5, 2.3, 2.8),
            _linear(0.842, 0.858),
            female=0.35,
            deprivation=0.04,
            migration=-0.12,
            gp_supply=0.06,
        ),
        "ima_flu65": _Model(
            (0, 0, 0, 0, 0, 0, -0.6, 0.0, 0.45, 0.4),
            flu,
            female=-0.05,
            deprivation=-0.18,
            migration=-0.22,
            municipality_sd=0.12,
        ),
        "ima_mammo": _Model(
            (0, 0, 0, 0, 0, 0.05, -0.05, 0, 0, 0),
            _linear(0.625, 0.600),
            deprivation=-0.22,
            migration=-0.2,
            municipality_sd=0.1,
        ),
        "ima_ab": _Model(
            (0.55, -0.1, -0.05, -0.05, -0.1, -0.05, 0.0, 0.15, 0.35, 0.45),
            ab,
            female=0.3,
            deprivation=0.12,
            municipality_sd=0.07,
            zone_sd=0.06,
        ),
        "ima_rvt": _Model(
            (0, 0, 0, 0, 0, 0, -5.1, -3.9, -2.2, -0.7),
            _linear(0.054, 0.048),
            female=0.35,
            deprivation=0.1,
            municipality_sd=0.3,
        ),
        "ima_migr": _Model(
            (0.75, 0.55, 0.45, 0.5, 0.25, -0.25, -0.7, -1.0, -1.2, -1.3),
            _linear(0.195, 0.26),
            deprivation=0.1,
            migration=0.62,
            municipality_sd=0.05,
        ),
        "ima_alone": _Model(
            (0, 0, 0, 0, 0, 0, -0.45, -0.15, 0.4, 0.1),
            _linear(0.285, 0.30),
            female=0.3,
            female_old=0.45,
            deprivation=0.12,
            urban=0.35,
        ),
        "ima_pall": _Model(
            (-4.0, -3.5, -3.0, -2.2, -1.3, -0.3, 0.55, 1.15, 1.75, 2.3),
            _linear(0.0017, 0.0023),
            female=-0.05,
            municipality_sd=0.15,
        ),
        "ima_gmd": _Model(
            (-0.45, -0.6, -1.1, -0.85, -0.45, 0.0, 0.55, 1.4, 2.1, 2.4),
            _linear(*GMD_FLANDERS),
            female=0.15,
            municipality_sd=0.1,
        ),
    }


@dataclass
class _Cells:
    """Atlas cells [year, municipality, band, sex] over all Flemish municipalities."""

    entitled: IntArray  # full 10-year bands
    entitled_65: IntArray  # band 60-69 holds only ages 65-69
    entitled_75: IntArray  # band 70-79 holds only ages 75-79


def _cells(pop: IntArray, rng: np.random.Generator) -> _Cells:
    """Entitled persons ~ population of the cell, slightly different (31 Dec vs 1 Jan)."""
    edges = [*range(0, 100, 10), N_AGES]
    bands = np.stack(
        [pop[..., lo:hi].sum(axis=-1) for lo, hi in itertools.pairwise(edges)], axis=-1
    )
    bands = np.moveaxis(bands, 2, 3)  # [year, municipality, band, sex]
    factor = 1.0 + rng.normal(0.002, 0.004, pop.shape[:2])[:, :, None, None]
    noise = 1.0 + rng.normal(0.0, 0.004, bands.shape)
    full = np.rint(bands * factor * noise).astype(np.int64)
    part65 = full.copy()
    part75 = full.copy()
    ages65 = pop[..., 65:70].sum(axis=-1)
    ages75 = pop[..., 75:80].sum(axis=-1)
    part65[:, :, 6, :] = np.minimum(
        np.rint(ages65 * factor[..., 0, :] * noise[:, :, 6]), full[:, :, 6]
    )
    part75[:, :, 7, :] = np.minimum(
        np.rint(ages75 * factor[..., 0, :] * noise[:, :, 7]), full[:, :, 7]
    )
    return _Cells(full, part65.astype(np.int64), part75.astype(np.int64))


def _denominator(cells: _Cells, ind: _Indicator) -> IntArray:
    if ind.partial == "65+":
        return cells.entitled_65
    if ind.partial == "75+":
        return cells.entitled_75
    return cells.entitled


def _mask(ind: _Indicator) -> BoolArray:
    mask = np.zeros((N_BANDS, 2), dtype=np.bool_)
    for b in ind.bands:
        for s in ind.sexes:
            mask[b, s] = True
    return mask


def _probabilities(
    geo: _Geo,
    model: _Model,
    weight: IntArray,
    mask: BoolArray,
    rng: np.random.Generator,
    *,
    supply: FloatArray,
    zone_target: FloatArray | None = None,
) -> FloatArray:
    """Cell probabilities [year, municipality, band, sex], calibrated to the targets."""
    age = np.array(model.age)
    sex = np.zeros((N_BANDS, 2))
    sex[:, 1] = model.female + model.female_old * (np.arange(N_BANDS) >= 7)
    muni = (
        model.deprivation * geo.deprivation
        + model.migration * geo.migration
        + model.urban * (geo.urban - 0.5)
        + model.gp_supply * supply[geo.zone]
        + rng.normal(0.0, model.municipality_sd, geo.n)
        + rng.normal(0.0, model.zone_sd or 1e-9, geo.n_zones)[geo.zone]
    )
    base = muni[None, :, None, None] + (age[:, None] + sex)[None, None]
    base = np.broadcast_to(base, weight.shape).copy()
    w = (weight * mask[None, None]).astype(np.float64)
    year_idx = np.broadcast_to(np.arange(N_YEARS)[:, None, None, None], weight.shape)
    if zone_target is None:
        shift = _calibrate(base.ravel(), w.ravel(), year_idx.ravel().astype(np.int64),
                           model.target)  # fmt: skip
        return _expit(base + shift[:, None, None, None])
    group = (year_idx * geo.n_zones + geo.zone[None, :, None, None]).ravel().astype(np.int64)
    shift = _calibrate(base.ravel(), w.ravel(), group, zone_target.T.ravel())
    return _expit(base + shift.reshape(N_YEARS, geo.n_zones)[:, geo.zone][:, :, None, None])


# ----------------------------------------------------------------------------
# Atlas: the breakdown by increased reimbursement (VT/BIM)
# ----------------------------------------------------------------------------

BIM_RATE_RATIO: Final = {"ima_gmd": 1.04, "ima_gpcontact": 1.08, "ima_flu65": 0.85}
"""The demo indicators the Atlas splits by increased reimbursement (raw column `BIM`),
with the ratio of the rate with VT/BIM to the rate without (all three are `%`)."""
BIM_SHARE: Final = (0.20, 0.17, 0.15, 0.13, 0.12, 0.13, 0.15, 0.19, 0.27, 0.33)
"""Share of entitled persons with VT/BIM per 10-year band, at average deprivation."""
BIM_BREAKDOWN: Final = "verhoogde tegemoetkoming"


def bim_split(values: pl.DataFrame, geo: _Geo, rng: np.random.Generator) -> pl.DataFrame:
    """`values` (atlas_waarden rows without BIM) with a `BIM` column: the rows of the
    BIM_RATE_RATIO indicators each split into J and N (their sums unchanged), every
    other row `T`. The J share grows with the municipality's deprivation; numerators
    are split by the rate ratio and kept within each part's denominator."""
    values = values.with_row_index("_row")
    split = values.filter(pl.col("INDICATOR_CODE").is_in(list(BIM_RATE_RATIO)))
    deprivation = dict(zip(geo.codes, geo.deprivation.tolist(), strict=True))
    band = split["AGE_BAND"].replace_strict(
        {b: i for i, b in enumerate(codes.ATLAS_AGE_BANDS)}, return_dtype=pl.Int64
    )
    share = np.clip(
        np.asarray(BIM_SHARE)[band.to_numpy()]
        * np.exp(0.4 * split["REFNIS"].replace_strict(deprivation).to_numpy()),
        0.02,
        0.7,
    )
    den = split["DENOMINATOR"].to_numpy()
    num = split["NUMERATOR"].to_numpy()
    ratio = split["INDICATOR_CODE"].replace_strict(BIM_RATE_RATIO).to_numpy()
    den_j = rng.binomial(den, share)
    den_n = den - den_j
    weight = den_j * ratio
    p_j = np.divide(weight, weight + den_n, out=np.zeros(den.size), where=(weight + den_n) > 0)
    num_j = np.clip(rng.binomial(num, p_j), np.maximum(num - den_n, 0), den_j)
    parts = [
        split.with_columns(
            pl.lit(code).alias("BIM"),
            pl.Series("NUMERATOR", n, dtype=pl.Int64),
            pl.Series("DENOMINATOR", d, dtype=pl.Int64),
        )
        for code, n, d in (("J", num_j, den_j), ("N", num - num_j, den_n))
    ]
    rest = values.filter(~pl.col("INDICATOR_CODE").is_in(list(BIM_RATE_RATIO)))
    order = ["INDICATOR_CODE", "YEAR", "REFNIS", "AGE_BAND", "SEX", "BIM"]
    return (
        pl.concat([rest.with_columns(pl.lit("T").alias("BIM")), *parts])
        .sort("_row", "BIM")
        .select(*order, "NUMERATOR", "DENOMINATOR")
    )
