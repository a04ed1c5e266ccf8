"""Synthetic, seeded demo dataset in the exact raw formats of docs/data-contract.md.

The real sources (IMA GP patient lists, the Departement Zorg survey, the IMA
Atlas) are confidential or unreachable, so the product ships a demo dataset on
the real Flemish geography (`refdata`) with the columns, codes and orders of
magnitude of the real files. Everything except the geography and the 2020
population per coarse age band is invented; `herkomst.json` says so.

How the pieces hang together (all seeded, all vectorised where it matters):

* Municipality latents, computed once for all 285 Flemish municipalities:
  urbanity (from density), a deprivation score (urbanity plus known deprived
  cities, minus known affluent suburbs) and a migration-background score.
  Together with the real age structure (every rate is age- and sex-specific)
  they drive every indicator and every GP figure.
* Population: the real 2020 counts per municipality x sex x coarse band are
  spread smoothly over single ages (mass-preserving smoothing, a Gompertz
  tail from 90 to 105), then projected to 2015-2024 with age-specific growth
  (about +0.5% a year, older ages faster: ageing).
* GPs and practices per zone: a GP density per zone (GP-poor rural zones and
  deprived cities lower), practices by form (solo ... wgc), GP careers with
  training (haio), entries, moves, retirements, practice openings and
  closures; flat-rate community health centres (wgc) grow in number and size.
  Patient lists add up to the zone's inhabitants; contacts follow the lists,
  the zone's age and need, and the year (covid in 2020-2021).
* Atlas: logistic models per indicator (age, sex, latents, year trend),
  calibrated to Flemish targets per year (GMD coverage per zone and year),
  with binomial draws per municipality x year x age band x sex.
* GP circles: one per zone, except that small neighbouring zones merge and
  large zones split along their municipalities.

`scale` < 1 keeps a connected block of zones around Gent: population, Atlas,
practices and surveys cover those municipalities only, while the circle file
always partitions all 285 (a contract rule). Latents and calibrations are
computed on the whole of Flanders first, so a municipality gets the same
character at every scale.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from popmgmt import __version__
from popmgmt.pipeline import codes
from popmgmt.pipeline.refdata import RefData, load_refdata
from popmgmt.pipeline.schemas import (
    ATLAS_METADATA_FILE,
    ATLAS_VALUES_FILE,
    CIRCLES_FILE,
    IMA_FILE,
    POPULATION_FILE,
    PROVENANCE_FILE,
    REGISTER_FILE,
    SURVEY_GPS_FILE,
    SURVEY_PRACTICES_FILE,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


DEFAULT_SEED: Final = 20261123
GENERATOR: Final = "popmgmt demo"

YEARS: Final = np.array(codes.YEARS, dtype=np.int64)
N_YEARS: Final = len(codes.YEARS)
SURVEY_YEAR: Final = 2024
LAST: Final = codes.LAST_YEAR
FIRST: Final = codes.FIRST_YEAR
N_AGES: Final = codes.MAX_AGE + 1
N_BANDS: Final = len(codes.ATLAS_AGE_BANDS)

# The coarse 2020 bands of refdata: label, first age, last age (90+ spread to 105).
COARSE_BANDS: Final = (
    ("0-4", 0, 4), ("5-11", 5, 11), ("12-17", 12, 17), ("18-29", 18, 29),
    ("30-39", 30, 39), ("40-49", 40, 49), ("50-59", 50, 59), ("60-69", 60, 69),
    ("70-79", 70, 79), ("80-89", 80, 89), ("90-100+", 90, 105),
)  # fmt: skip
OLDEST_AGE: Final = 105

FLEMISH_GP_PER_10K: Final = 10.25  # 2024 headcount incl. trainees: ~7,000 GPs
TRAINEE_SHARE: Final = 0.13
WGC_2024: Final = 100  # community health centres in Flanders in 2024
GMD_FLANDERS: Final = (0.74, 0.84)  # GMD coverage by residence, 2015 and 2024
ATTRIB_RATE: Final = 0.955  # attributed patients per inhabitant
START_ZONE: Final = "elz13"  # Gent: the centre of the block kept when scale < 1

# Municipalities known for a high deprivation (Kind en Gezin, VT share) or a low one.
DEPRIVATION_BOOST: Final = {
    "11002": 1.6, "71016": 1.4, "44021": 1.0, "35013": 1.2, "12025": 0.9, "46021": 0.8,
    "23088": 1.2, "11005": 1.0, "73107": 1.2, "45041": 1.2, "34027": 0.9, "23047": 0.9,
    "34022": 0.5, "41002": 0.6, "13040": 0.7, "71004": 0.7, "71034": 0.8, "72039": 0.7,
    "24107": 0.6, "23027": 0.5, "41048": 0.4, "41011": 0.5, "43005": 0.6, "43018": 0.8,
    "31005": 0.3, "71072": 0.3, "36015": 0.3, "42006": 0.3, "12040": 0.6, "11018": 0.5,
    "11030": 0.5, "71070": 0.6, "23098": 0.5, "31004": 0.6, "73042": 0.4, "72020": 0.2,
    "13025": 0.2, "24062": 0.1,
    "11029": -0.4, "11013": -0.9, "23099": -0.8, "23103": -0.8, "24104": -1.0,
    "23062": -0.7, "23033": -0.7, "24048": -0.7, "44064": -1.1, "11039": -1.0,
    "11008": -0.6, "11024": -0.6, "11021": -0.7, "11004": -0.6, "23101": -0.5,
    "23100": -0.5, "24086": -0.9, "24009": -0.7, "24038": -0.6, "31043": -0.3,
    "11055": -0.5, "44013": -0.4, "11001": -0.5, "11025": -0.4, "23050": -0.4,
    "24066": -0.6, "24045": -0.6, "24011": -0.5, "11050": -0.3,
}  # fmt: skip
MIGRATION_BOOST: Final = {
    "71016": 1.8, "11002": 1.4, "23088": 1.3, "23047": 1.3, "73107": 1.4, "11005": 0.9,
    "12025": 0.8, "44021": 0.7, "23098": 1.3, "23099": 1.2, "23103": 1.2, "23100": 1.2,
    "23101": 1.0, "23094": 1.0, "24104": 1.0, "71070": 0.9, "71004": 0.8, "72039": 0.9,
    "71034": 0.7, "45041": 0.6, "34027": 0.6, "46021": 0.5, "35013": 0.5, "24062": 0.6,
    "13002": 1.8, "11016": 0.9, "11022": 0.6, "11053": 0.6, "13014": 0.7, "13035": 0.5,
    "72037": 0.9, "72020": 0.8, "73042": 1.2, "72018": 0.7, "72021": 0.6, "72041": 0.7,
    "73109": 1.2, "73066": 0.6, "33039": 0.3, "33016": 0.4, "34043": 0.5,
}  # fmt: skip
PROVINCE_GMD: Final = {"30000": 1.2, "40000": 0.5, "10000": -0.5, "20001": -0.6, "70000": -0.2}

FORMS: Final = codes.PRACTICE_FORMS  # solo, duo, groep, multidisciplinair, wgc
SOLO, DUO, GROEP, MULTI, WGC = range(5)
HCI_BY_FORM: Final = ("IND", "GRP", "GRP", "GRP", "MH")


# ----------------------------------------------------------------------------
# Small numeric helpers
# ----------------------------------------------------------------------------


def _expit(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def _weighted_z(x: FloatArray, w: FloatArray) -> FloatArray:
    mean = float(np.average(x, weights=w))
    sd = float(np.sqrt(np.average((x - mean) ** 2, weights=w)))
    return (x - mean) / sd


def _linear(first: float, last: float) -> FloatArray:
    """A value per year, linear from 2015 to 2024."""
    return np.linspace(first, last, N_YEARS)


def _draw(rng: np.random.Generator, p: FloatArray | tuple[float, ...]) -> int:
    """Index drawn with probabilities `p` (much faster than `rng.choice` for one draw)."""
    cum = np.cumsum(p)
    return min(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")), len(cum) - 1)


def _calibrate(
    base: FloatArray, weight: FloatArray, group: IntArray, target: FloatArray
) -> FloatArray:
    """Per group, the shift c with sum(w * expit(base + c)) / sum(w) = target (bisection)."""
    n = target.size
    lo = np.full(n, -14.0)
    hi = np.full(n, 14.0)
    wsum = np.maximum(np.bincount(group, weights=weight, minlength=n), 1e-12)
    odds = np.exp(base)
    for _ in range(32):
        mid = (lo + hi) / 2
        shifted = odds * np.exp(mid)[group]
        mean = np.bincount(group, weights=weight * shifted / (1 + shifted), minlength=n) / wsum
        high = mean > target
        hi = np.where(high, mid, hi)
        lo = np.where(high, lo, mid)
    return np.asarray((lo + hi) / 2, dtype=np.float64)


def _round_preserving(values: FloatArray, totals: IntArray) -> IntArray:
    """Round the last axis of `values` to integers that sum exactly to `totals`."""
    floor = np.floor(values)
    deficit = (totals - floor.sum(axis=-1)).astype(np.int64)
    order = np.argsort(-(values - floor), axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(values.shape[-1]), axis=-1)
    return np.asarray(floor + (rank < deficit[..., None]), dtype=np.int64)


def _check_digits(body: IntArray) -> IntArray:
    """Two RIZIV-style check digits: 97 - (number mod 97)."""
    return np.asarray(97 - body % 97, dtype=np.int64)


def _numbers(rng: np.random.Generator, n: int, prefix: int, order: IntArray) -> list[str]:
    """`n` unique 8-digit numbers `prefix` + 5 digits + 2 check digits, ascending in `order`."""
    serial = np.sort(rng.choice(np.arange(10_000, 100_000), size=n, replace=False))
    body = prefix * 100_000 + serial
    full = body * 100 + _check_digits(body)
    out = np.empty(n, dtype=np.int64)
    out[np.argsort(order, kind="stable")] = full
    return [f"{v:08d}" for v in out.tolist()]


# ----------------------------------------------------------------------------
# Geography and latents
# ----------------------------------------------------------------------------


@dataclass
class _Geo:
    """All 285 Flemish municipalities (2025), their zones, latents and selection."""

    codes: list[str]
    names: list[str]
    zone: IntArray  # zone index per municipality
    zone_codes: list[str]
    zone_province: list[str]
    lat: FloatArray
    lon: FloatArray
    area: FloatArray
    coarse_2020: IntArray  # [municipality, sex, coarse band]
    selected_zone: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    urban: FloatArray = field(default_factory=lambda: np.zeros(0))
    deprivation: FloatArray = field(default_factory=lambda: np.zeros(0))
    migration: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def n_zones(self) -> int:
        return len(self.zone_codes)

    @property
    def selected(self) -> BoolArray:
        return np.asarray(self.selected_zone[self.zone], dtype=np.bool_)

    def zone_sum(self, values: FloatArray) -> FloatArray:
        """Sum a per-municipality array (first axis) to zones."""
        out = np.zeros((self.n_zones, *values.shape[1:]))
        np.add.at(out, self.zone, values)
        return out


def _load_geo(ref: RefData) -> _Geo:
    muni = (
        ref.municipalities.filter(pl.col("region_nis") == "02000")
        .sort("nis_code_2025")
        .select("nis_code_2025", "name_nl", "elz_code_pinc", "centroid_lat", "centroid_lon",
                "area_km2")
    )  # fmt: skip
    zones = ref.zones.filter(pl.col("region_nis") == "02000")
    zone_codes = sorted(zones["zone_code"].to_list(), key=lambda z: int(z[3:]))
    province = dict(zip(zones["zone_code"].to_list(), zones["province_nis"].to_list(), strict=True))
    zone_index = {z: i for i, z in enumerate(zone_codes)}
    codes_ = muni["nis_code_2025"].to_list()
    muni_index = {c: i for i, c in enumerate(codes_)}
    band_index = {label: i for i, (label, _, _) in enumerate(COARSE_BANDS)}
    pop = ref.population_2020.filter(pl.col("nis_code_2025").is_in(codes_))
    coarse = np.zeros((len(codes_), 2, len(COARSE_BANDS)), dtype=np.int64)
    m = np.array([muni_index[c] for c in pop["nis_code_2025"].to_list()])
    s = np.array([codes.SEXES.index(x) for x in pop["sex"].to_list()])
    b = np.array([band_index[x] for x in pop["age_band"].to_list()])
    np.add.at(coarse, (m, s, b), pop["population_2020"].to_numpy().astype(np.int64))
    return _Geo(
        codes=codes_,
        names=muni["name_nl"].to_list(),
        zone=np.array([zone_index[z] for z in muni["elz_code_pinc"].to_list()], dtype=np.int64),
        zone_codes=zone_codes,
        zone_province=[province[z] for z in zone_codes],
        lat=muni["centroid_lat"].to_numpy().astype(np.float64),
        lon=muni["centroid_lon"].to_numpy().astype(np.float64),
        area=muni["area_km2"].to_numpy().astype(np.float64),
        coarse_2020=coarse,
    )


def _km(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Approximate distance in km (equirectangular; fine within Flanders)."""
    dy = (lat1 - lat2) * 111.2
    dx = (lon1 - lon2) * 111.2 * np.cos(np.radians(51.0))
    return np.asarray(np.sqrt(dx**2 + dy**2), dtype=np.float64)


def _zone_centroids(geo: _Geo, pop: FloatArray) -> tuple[FloatArray, FloatArray]:
    w = geo.zone_sum(pop)
    return geo.zone_sum(pop * geo.lat) / w, geo.zone_sum(pop * geo.lon) / w


def _select_zones(geo: _Geo, scale: float) -> BoolArray:
    """All zones at scale 1; else a connected block of zones around Gent."""
    keep = np.ones(geo.n_zones, dtype=np.bool_)
    if scale >= 1.0:
        return keep
    n = max(3, round(geo.n_zones * scale))
    pop = geo.coarse_2020.sum(axis=(1, 2)).astype(np.float64)
    zlat, zlon = _zone_centroids(geo, pop)
    start = geo.zone_codes.index(START_ZONE) if START_ZONE in geo.zone_codes else 0
    dist = _km(zlat, zlon, zlat[start], zlon[start])
    keep[:] = False
    keep[np.argsort(dist, kind="stable")[:n]] = True
    return keep


def _latents(geo: _Geo, rng: np.random.Generator) -> None:
    pop = geo.coarse_2020.sum(axis=(1, 2)).astype(np.float64)
    density = pop / geo.area
    geo.urban = np.clip((np.log(density) - np.log(150.0)) / (np.log(2000.0) - np.log(150.0)), 0, 1)
    dep_boost = np.array([DEPRIVATION_BOOST.get(c, 0.0) for c in geo.codes])
    mig_boost = np.array([MIGRATION_BOOST.get(c, 0.0) for c in geo.codes])
    dep_raw = 1.0 * geo.urban + dep_boost + rng.normal(0.0, 0.25, geo.n)
    mig_raw = 0.8 * geo.urban + 0.3 * dep_boost + mig_boost + rng.normal(0.0, 0.25, geo.n)
    geo.deprivation = _weighted_z(dep_raw, pop)
    geo.migration = _weighted_z(mig_raw, pop)


# ----------------------------------------------------------------------------
# Population (single years of age, 2015-2024)
# ----------------------------------------------------------------------------


def _tail_90() -> FloatArray:
    """Shape of ages 90-105: Gompertz mortality (hazard 0.115 at 90, +20% a year)."""
    hazard = 0.115 * np.exp(0.2 * np.arange(OLDEST_AGE - 89))
    survival = np.exp(-np.concatenate([[0.0], np.cumsum(hazard)[:-1]]))
    return np.asarray(survival / survival.sum(), dtype=np.float64)


def _band_scale(dens: FloatArray, coarse: FloatArray) -> FloatArray:
    """Rescale each coarse band of `dens` (ages 0-89) to the band total."""
    out = dens.copy()
    for b, (_, lo, hi) in enumerate(COARSE_BANDS[:10]):
        total = out[..., lo : hi + 1].sum(axis=-1, keepdims=True)
        uniform = coarse[..., b : b + 1] / (hi - lo + 1)
        scaled = out[..., lo : hi + 1] * coarse[..., b : b + 1] / np.maximum(total, 1e-12)
        out[..., lo : hi + 1] = np.where(total > 0, scaled, uniform)
    return out


def _single_ages_2020(coarse: IntArray) -> IntArray:
    """Spread coarse bands over single ages: [municipality, sex, age 0-110], sums kept.

    Ages 0-89: mass-preserving (pycnophylactic) smoothing, i.e. repeated
    3-point averaging with every band rescaled to its total, so the curve has
    no steps at the band edges. Ages 90-105: a Gompertz tail; 106-110 stay 0.
    """
    totals = coarse.astype(np.float64)
    tail = totals[..., 10:11] * _tail_90()
    widths = np.array([hi - lo + 1 for _, lo, hi in COARSE_BANDS[:10]])
    dens = np.repeat(totals[..., :10] / widths, widths, axis=-1)
    for _ in range(40):
        padded = np.concatenate([dens[..., :1], dens, tail[..., :1]], axis=-1)
        dens = _band_scale((padded[..., :-2] + padded[..., 1:-1] + padded[..., 2:]) / 3, totals)
    out = np.zeros((*coarse.shape[:2], N_AGES), dtype=np.int64)
    for b, (_, lo, hi) in enumerate(COARSE_BANDS):
        block = dens[..., lo : hi + 1] if b < 10 else tail
        out[..., lo : hi + 1] = _round_preserving(block, coarse[..., b])
    return out


def _population(geo: _Geo, rng: np.random.Generator) -> IntArray:
    """Population on 1 January: [year, municipality, sex, age]."""
    base = _single_ages_2020(geo.coarse_2020)
    knots_age = [0, 17, 25, 40, 50, 58, 66, 75, 85, 95, 110]
    knots_growth = [0.0, 0.0, 0.006, 0.006, -0.006, 0.002, 0.014, 0.017, 0.01, 0.028, 0.028]
    growth_age = np.interp(np.arange(N_AGES), knots_age, knots_growth)
    growth_muni = 0.0025 * (geo.urban - 0.4) + rng.normal(0.0, 0.0015, geo.n)
    growth = growth_age[None, None, :] + growth_muni[:, None, None]
    dt = (YEARS - 2020).astype(np.float64)[:, None, None, None]
    return np.rint(base[None] * np.exp(growth[None] * dt)).astype(np.int64)


# ----------------------------------------------------------------------------
# GP circles
# ----------------------------------------------------------------------------


def _circles(geo: _Geo, pop: FloatArray) -> pl.DataFrame:
    """Most circles = one zone; small neighbouring zones merge; large zones split.

    Always all 285 municipalities, whatever the scale: the contract requires
    every Flemish municipality in exactly one circle, and circle codes stay the
    same at every scale.
    """
    zones = list(range(geo.n_zones))
    zpop = geo.zone_sum(pop)
    zlat, zlon = _zone_centroids(geo, pop)
    members = {z: [int(m) for m in np.flatnonzero(geo.zone == z)] for z in zones}
    n_split, n_merge = 5, 6
    splittable = sorted((z for z in zones if len(members[z]) >= 2), key=lambda z: -zpop[z])
    split = set(splittable[:n_split])
    pairs: list[tuple[int, int]] = []
    used: set[int] = set(split)
    for z in sorted(zones, key=lambda z: zpop[z]):
        if len(pairs) >= n_merge:
            break
        if z in used:
            continue
        others = [o for o in zones if o not in used and o != z]
        if not others:
            break
        dist = _km(zlat[others], zlon[others], zlat[z], zlon[z])
        partner = others[int(np.argmin(dist))]
        if float(dist.min()) > 45.0:
            continue
        pairs.append((z, partner))
        used |= {z, partner}
    groups: list[tuple[int, list[int]]] = []  # (sort key, municipalities)
    for a, b in pairs:
        groups.append((min(a, b) * 10, members[a] + members[b]))
    for z in zones:
        if z in split:
            groups += [
                (z * 10 + i, part) for i, part in enumerate(_split_zone(geo, members[z], pop))
            ]
        elif z not in used:
            groups.append((z * 10, members[z]))
    groups.sort(key=lambda g: g[0])
    refnis: list[str] = []
    circle: list[str] = []
    name: list[str] = []
    for i, (_, munis) in enumerate(groups, start=1):
        main = max(munis, key=lambda m: pop[m])
        label = geo.names[main] if len(munis) == 1 else f"Regio {geo.names[main]}"
        for m in sorted(munis):
            refnis.append(geo.codes[m])
            circle.append(f"hak{i:02d}")
            name.append(f"Huisartsenkring {label}")
    return pl.DataFrame({"REFNIS": refnis, "CIRCLE_CODE": circle, "CIRCLE_NAME": name}).sort(
        "REFNIS"
    )


def _split_zone(geo: _Geo, munis: list[int], pop: FloatArray) -> list[list[int]]:
    """Two parts of about equal population along the zone's main axis."""
    weights = pop[munis]
    biggest = int(np.argmax(weights))
    if weights[biggest] > 0.5 * weights.sum():
        return [[munis[biggest]], [m for i, m in enumerate(munis) if i != biggest]]
    y = (geo.lat[munis] - np.average(geo.lat[munis], weights=weights)) * 111.2
    x = (geo.lon[munis] - np.average(geo.lon[munis], weights=weights)) * 70.0
    cov = np.cov(np.stack([x, y]), aweights=weights)
    axis = np.linalg.eigh(cov)[1][:, -1]
    order = np.argsort(x * axis[0] + y * axis[1], kind="stable")
    cum = np.cumsum(weights[order])
    cut = int(np.clip(np.searchsorted(cum, cum[-1] / 2) + 1, 1, len(munis) - 1))
    return [[munis[i] for i in order[:cut]], [munis[i] for i in order[cut:]]]


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
# GPs and practices
# ----------------------------------------------------------------------------


@dataclass
class _Practice:
    zone: int
    muni: int
    form: int
    first: int
    last: int | None = None
    ff_start: int | None = None  # first flat-rate year (wgc only)
    size_2024: float = 0.0  # enrolled patients at full size (flat-rate wgc)
    old_wgc: bool = False


@dataclass
class _Gp:
    birth: int
    career: int  # first year as a recognised GP (after 3 years of training)
    trainee_practice: int = -1
    segments: list[tuple[int, int, int]] = field(default_factory=list)  # practice, from, to
    train_from: int = 0
    train_to: int = -1
    leaves: int | None = None  # last active year if not active in 2024


@dataclass
class _GpWorld:
    practices: list[_Practice]
    gps: list[_Gp]
    supply: FloatArray  # GPs per 10,000 (2024), per zone
    flow: FloatArray  # attributed patients per inhabitant relative to 1, per zone
    gmd_target: FloatArray  # [zone, year]


# Age in 2024 of established GPs who finished training before 2012.
OLDER_AGE_WEIGHTS: Final = {
    **dict.fromkeys(range(41, 55), 0.75),
    **dict.fromkeys(range(55, 60), 0.9),
    **dict.fromkeys(range(60, 65), 1.15),
    65: 0.95, 66: 0.85, 67: 0.7, 68: 0.55, 69: 0.45, 70: 0.32, 71: 0.22, 72: 0.15, 73: 0.1,
    74: 0.07, 75: 0.04, 76: 0.04, 77: 0.03, 78: 0.03,
}  # fmt: skip
# Training cohorts 2012-2024 grow (quota raised); share of recent cohorts per practice form.
COHORTS: Final = np.arange(2012, LAST + 1)
COHORT_P: Final = (1 + 0.05 * (COHORTS - 2012)) / (1 + 0.05 * (COHORTS - 2012)).sum()
YOUNG_SHARE: Final = (0.2, 0.4, 0.45, 0.5, 0.5)
TRAINING_START_AGE: Final = (np.arange(24, 32), np.array([25, 30, 18, 10, 7, 5, 3, 2]) / 100)
FORM_AGE_TILT: Final = (0.05, 0.0, -0.01, -0.03, -0.035)


def _zone_parameters(
    geo: _Geo, pop: IntArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """GP supply per 10,000 (2024), patient flow and GMD target [zone, year]."""
    zpop = geo.zone_sum(pop[-1].sum(axis=(1, 2)).astype(np.float64))
    area = geo.zone_sum(geo.area)
    density = zpop / area
    mpop = pop[-1].sum(axis=(1, 2)).astype(np.float64)
    zdep = geo.zone_sum(mpop * geo.deprivation) / zpop
    zurb = geo.zone_sum(mpop * geo.urban) / zpop
    rural = np.clip((350.0 - density) / 250.0, 0, 1)
    leuven = np.array([1.6 if z == "elz19" else 0.0 for z in geo.zone_codes])
    raw = 10.3 + 0.85 * rng.normal(0, 1, geo.n_zones) - 0.7 * zdep - 1.4 * rural + leuven
    supply = np.clip(raw, 6.9, 13.2)
    for _ in range(3):
        supply = np.clip(supply * FLEMISH_GP_PER_10K / np.average(supply, weights=zpop), 6.9, 13.2)
    flow = np.clip(1 + 0.05 * (zurb - 0.45) / 0.2 + rng.normal(0, 0.025, geo.n_zones), 0.9, 1.1)
    flow /= np.average(flow, weights=zpop)
    prov = np.array([PROVINCE_GMD.get(p, 0.0) for p in geo.zone_province])
    offset = np.clip(0.012 * prov - 0.015 * zdep + rng.normal(0, 0.014, geo.n_zones), -0.033, 0.045)
    gmd = np.clip(_linear(*GMD_FLANDERS)[None, :] + offset[:, None], 0.705, 0.895)
    return supply, flow, gmd


@functools.cache
def _age_pmf(tilt: float) -> tuple[IntArray, FloatArray]:
    ages = np.array(sorted(OLDER_AGE_WEIGHTS), dtype=np.int64)
    w = np.array([OLDER_AGE_WEIGHTS[a] for a in ages.tolist()]) * np.exp(tilt * (ages - 55))
    return ages, w / w.sum()


def _new_gp(rng: np.random.Generator, form: int) -> _Gp:
    """An established GP of a 2024 practice: a recent cohort or an older GP."""
    start_ages, p = TRAINING_START_AGE
    career_age = int(start_ages[_draw(rng, p)]) + 3
    if rng.random() < YOUNG_SHARE[form]:
        career = int(COHORTS[_draw(rng, COHORT_P)])
        return _Gp(birth=career - career_age, career=career)
    ages, pmf = _age_pmf(FORM_AGE_TILT[form])
    birth = LAST - int(ages[_draw(rng, pmf)])
    return _Gp(birth=birth, career=birth + career_age)


def _wgc_practices(geo: _Geo, pop: IntArray, rng: np.random.Generator) -> list[_Practice]:
    """Community health centres: mostly in deprived cities; most flat-rate."""
    mpop = pop[-1].sum(axis=(1, 2)).astype(np.float64)
    weight = mpop * np.exp(1.0 * geo.deprivation) * geo.urban**1.5 * (geo.deprivation > -0.2)
    expected = WGC_2024 * weight / weight.sum()
    # At most ~14% of a municipality enrolled (Gent, Antwerpen: ~10%).
    for _ in range(5):
        cap = 0.14 * mpop / 4500.0
        over = expected > cap
        spare = float((expected - cap)[over].sum())
        expected = np.where(over, cap, expected)
        expected[~over] += spare * expected[~over] / expected[~over].sum()
    # Systematic sampling: integer counts with the exact expected total over Flanders.
    cum = np.concatenate([[0.0], np.cumsum(expected)])
    start = rng.random()
    counts = (np.floor(cum[1:] + start) - np.floor(cum[:-1] + start)).astype(np.int64)
    out: list[_Practice] = []
    for m in np.flatnonzero(geo.selected).tolist():
        for _ in range(int(counts[m])):
            flat_rate = rng.random() < 0.88
            size = float(np.clip(rng.lognormal(np.log(4500.0), 0.35), 1500, 11000))
            if not flat_rate:
                first = int(rng.integers(1990, 2021))
                out.append(_Practice(int(geo.zone[m]), m, WGC, first, size_2024=size))
                continue
            if rng.random() < 0.6:  # flat-rate since before 2015
                first = int(rng.integers(1978, 2015))
                ff = first if rng.random() < 0.85 else int(rng.integers(first, 2015))
                out.append(_Practice(int(geo.zone[m]), m, WGC, first, None, ff, size, True))
            else:
                ff = int(rng.integers(FIRST, LAST + 1))
                first = ff if rng.random() < 0.85 else int(rng.integers(2000, ff))
                out.append(_Practice(int(geo.zone[m]), m, WGC, first, None, ff, size, False))
    return out


def _enrolled(practices: list[_Practice]) -> FloatArray:
    """Enrolled (flat-rate) patients per practice x year; 0 when not flat-rate."""
    out = np.zeros((len(practices), N_YEARS))
    for i, p in enumerate(practices):
        if p.ff_start is None:
            continue
        if p.old_wgc:
            ramp = 0.85 + 0.15 * (YEARS - FIRST) / (LAST - FIRST)
        else:
            ramp = np.clip(0.3 + 0.175 * (YEARS - p.ff_start), 0, 1)
        out[i] = np.where(max(p.ff_start, p.first) <= YEARS, p.size_2024 * ramp, 0.0)
    return out


def _build_gps(geo: _Geo, pop: IntArray, rng: np.random.Generator) -> _GpWorld:
    supply, flow, gmd_target = _zone_parameters(geo, pop, rng)
    mpop = pop[-1].sum(axis=(1, 2)).astype(np.float64)
    zpop = geo.zone_sum(mpop)
    practices = _wgc_practices(geo, pop, rng)
    enrolled = _enrolled(practices)
    gps: list[_Gp] = []
    members: dict[int, list[int]] = {}  # practice -> established GPs in 2024

    def add_member(p: int, gp: _Gp) -> None:
        gps.append(gp)
        members.setdefault(p, []).append(len(gps) - 1)

    # wgc GPs: one per ~1,150-1,500 enrolled patients (flat-rate) or 2-5 GPs.
    for i, p in enumerate(practices):
        if p.ff_start is not None:
            n = max(2, round(enrolled[i, -1] / rng.uniform(1150, 1500)))
        else:
            n = int(rng.integers(2, 6))
        for _ in range(n):
            add_member(i, _new_gp(rng, WGC))

    form_p = np.array([0.47, 0.25, 0.21, 0.07])
    zones = np.flatnonzero(geo.selected_zone).tolist()
    trainees_2024: dict[int, int] = {}
    for z in zones:
        munis = np.flatnonzero(geo.zone == z)
        head = round(zpop[z] * supply[z] / 10_000)
        trainees = int(rng.binomial(head, TRAINEE_SHARE))
        trainees_2024[z] = trainees
        slots = head - trainees - sum(len(members.get(i, [])) for i, p in enumerate(practices)
                                      if p.zone == z)  # fmt: skip
        urban = float(np.average(geo.urban[munis], weights=mpop[munis]))
        probs = form_p * np.array([1.0 - 0.35 * (urban - 0.4), 1.0, 1.0 + 0.3 * (urban - 0.4),
                                   1.0 + 0.5 * (urban - 0.4)])  # fmt: skip
        probs /= probs.sum()
        while slots > 0:
            form = _draw(rng, probs)
            size = (1, 2, 3 + int(rng.poisson(0.8)), 3 + int(rng.poisson(1.8)))[form]
            size = min(size, 8 if form == GROEP else 12)
            if size > slots:
                size = slots
                form = SOLO if size == 1 else DUO if size == 2 else GROEP
            slots -= size
            power = (0.9, 1.05, 1.2, 1.25)[form]
            w = mpop[munis] ** power
            m = int(munis[_draw(rng, w)])
            practices.append(_Practice(z, m, form, 0))
            for _ in range(size):
                add_member(len(practices) - 1, _new_gp(rng, form))

    _founding_years(practices, gps, members, rng)
    index = _ZoneIndex.of(practices)
    _careers(geo, practices, gps, index, rng)
    n_est_2024 = len(gps)
    _trainees(practices, gps, index, trainees_2024, rng)
    _departures(practices, gps, index, rng, n_est_2024=n_est_2024, supply=supply)
    return _GpWorld(practices, gps, supply, flow, gmd_target)


def _founding_years(
    practices: list[_Practice],
    gps: list[_Gp],
    members: dict[int, list[int]],
    rng: np.random.Generator,
) -> None:
    """First year of each 2024 practice and the year each member joined it."""
    new_share = (0.0, 0.25, 0.3, 0.5, 0.0)
    for i, p in enumerate(practices):
        team = sorted(members.get(i, []), key=lambda g: gps[g].career)
        careers = [gps[g].career for g in team]
        if p.form == SOLO:
            p.first = careers[0]
        elif p.form == WGC:
            span = max(LAST - p.first, 1)
            joins = [max(c, p.first + round(k * span * 0.8 / max(len(team), 1)))
                     for k, c in enumerate(careers)]  # fmt: skip
            p.first = max(p.first, min(joins))
            if p.ff_start is not None:
                p.ff_start = max(p.ff_start, p.first)
            for g, j in zip(team, joins, strict=True):
                gps[g].segments = [(i, j, LAST)]
            continue
        elif rng.random() < new_share[p.form]:
            p.first = max(int(rng.integers(FIRST, LAST)), min(careers))  # new since 2015
        else:
            p.first = min(careers)
        for g in team:
            gps[g].segments = [(i, max(gps[g].career, p.first), LAST)]


@dataclass(frozen=True)
class _ZoneIndex:
    """The 2024 practices per zone (closed practices added later never qualify)."""

    teams: dict[int, list[int]]  # non-solo practices
    every: dict[int, list[int]]  # all practices

    @classmethod
    def of(cls, practices: list[_Practice]) -> _ZoneIndex:
        teams: dict[int, list[int]] = {}
        every: dict[int, list[int]] = {}
        for j, q in enumerate(practices):
            every.setdefault(q.zone, []).append(j)
            if q.form != SOLO:
                teams.setdefault(q.zone, []).append(j)
        return cls(teams, every)


def _pick(options: list[int], rng: np.random.Generator) -> int:
    return options[int(rng.integers(len(options)))]


def _careers(
    geo: _Geo,
    practices: list[_Practice],
    gps: list[_Gp],
    index: _ZoneIndex,
    rng: np.random.Generator,
) -> None:
    """Where GPs who joined their 2024 practice after 2015 worked before (moves)."""
    for gp in gps:
        p, join, _ = gp.segments[0]
        start = max(gp.career, FIRST)
        if join <= start:
            continue
        zone = practices[p].zone
        if gp.career >= 2010 or rng.random() < 0.5:  # from another team practice
            options = [
                j
                for j in index.teams.get(zone, [])
                if j != p and practices[j].first <= start and practices[j].ff_start is None
            ]
            if options:
                gp.segments.insert(0, (_pick(options, rng), start, join - 1))
                continue
        # From a solo practice that closed when its GP joined the new practice.
        m = int(rng.choice(np.flatnonzero(geo.zone == zone)))
        first = min(gp.career + int(rng.integers(0, 4)), start)
        practices.append(_Practice(zone, m, SOLO, first, join - 1))
        gp.segments.insert(0, (len(practices) - 1, start, join - 1))


def _training_practice(
    practices: list[_Practice],
    index: _ZoneIndex,
    zone: int,
    start: int,
    rng: np.random.Generator,
    *,
    prefer: int = -1,
) -> int:
    """A non-solo practice of the zone, active from `start` on (training practice)."""
    if (
        prefer >= 0
        and practices[prefer].form != SOLO
        and practices[prefer].first <= start
        and rng.random() < 0.45
    ):
        return prefer
    options = [j for j in index.teams.get(zone, []) if practices[j].first <= start]
    return _pick(options or index.every[zone], rng)


def _trainees(
    practices: list[_Practice],
    gps: list[_Gp],
    index: _ZoneIndex,
    per_zone: dict[int, int],
    rng: np.random.Generator,
) -> None:
    """Training years of established GPs, the 2024 trainees and a few drop-outs."""
    for gp in gps:
        p = gp.segments[-1][0]
        if gp.career - 1 >= FIRST:
            gp.train_from, gp.train_to = gp.career - 3, gp.career - 1
            start = max(gp.train_from, FIRST)
            zone = practices[p].zone
            gp.trainee_practice = _training_practice(practices, index, zone, start, rng, prefer=p)
    start_ages, pmf = TRAINING_START_AGE
    for z, n in per_zone.items():
        for _ in range(n):
            year = int(rng.integers(1, 4))  # 1st, 2nd or 3rd training year in 2024
            start = LAST - year + 1
            age = int(start_ages[_draw(rng, pmf)])
            gp = _Gp(birth=start - age, career=start + 3, train_from=start, train_to=LAST)
            gp.trainee_practice = _training_practice(practices, index, z, start, rng)
            gps.append(gp)
        for _ in range(int(rng.binomial(n, 0.07))):  # stopped the GP training
            start = int(rng.integers(2013, 2022))
            age = int(start_ages[_draw(rng, pmf)])
            stop = min(start + int(rng.integers(0, 3)), LAST - 1)
            gp = _Gp(birth=start - age, career=9999, train_from=start, train_to=stop, leaves=stop)
            if stop >= FIRST:
                first = max(start, FIRST)
                gp.trainee_practice = _training_practice(practices, index, z, first, rng)
                gps.append(gp)


def _departures(
    practices: list[_Practice],
    gps: list[_Gp],
    index: _ZoneIndex,
    rng: np.random.Generator,
    *,
    n_est_2024: int,
    supply: FloatArray,
) -> None:
    """Established GPs active in 2015-2023 only: retirements and early leavers."""
    active_2015 = sum(1 for gp in gps[:n_est_2024] if gp.segments[0][1] <= FIRST)
    n_depart = max(0, round(0.94 * n_est_2024) - active_2015)
    zones = sorted(index.every)
    zone_est = np.zeros(len(supply))
    for gp in gps[:n_est_2024]:
        zone_est[practices[gp.segments[-1][0]].zone] += 1
    weight = np.array([zone_est[z] * (1 + 0.25 * (FLEMISH_GP_PER_10K - supply[z])) for z in zones])
    weight = np.clip(weight, 1e-9, None)
    zone_of = rng.choice(zones, size=n_depart, p=weight / weight.sum())
    retire_age = np.arange(58, 76)
    retire_p = np.array([2, 3, 4, 5, 6, 8, 11, 13, 11, 9, 7, 6, 5, 4, 3, 2, 1, 1], dtype=np.float64)
    retire_p /= retire_p.sum()
    for z in zone_of.tolist():
        last = int(rng.integers(FIRST, LAST))
        if rng.random() < 0.86:
            age = int(retire_age[_draw(rng, retire_p)])
        else:  # left early: other career, abroad, illness
            age = int(rng.integers(34, 58))
        birth = last - age
        career = birth + int(rng.integers(27, 32))
        start = max(career, FIRST)
        gp = _Gp(birth=birth, career=career, leaves=last)
        options = [j for j in index.teams.get(z, []) if practices[j].first <= start]
        if options and rng.random() < 0.65:
            p = _pick(options, rng)
        else:  # a solo practice that closed with this GP's departure
            m = practices[_pick(index.every[z], rng)].muni
            first = min(career + int(rng.integers(0, 6)), start)
            practices.append(_Practice(z, m, SOLO, first, last))
            p = len(practices) - 1
        gp.segments = [(p, start, last)]
        if gp.career - 1 >= FIRST:  # a short career: also trained in the window
            gp.train_from, gp.train_to = gp.career - 3, gp.career - 1
            first = max(gp.train_from, FIRST)
            gp.trainee_practice = _training_practice(practices, index, z, first, rng)
        gps.append(gp)


# ----------------------------------------------------------------------------
# GP-year rows: patients and contacts
# ----------------------------------------------------------------------------


@dataclass
class _GpYears:
    frame: pl.DataFrame  # the IMA file
    practice: IntArray
    gp: IntArray
    year: IntArray
    trainee: BoolArray
    fte: FloatArray
    attrib: IntArray
    flat_rate: BoolArray
    riziv_id: list[str]
    riziv_hci: list[str]
    enrolled: FloatArray  # [practice, year]


def _gp_years(
    geo: _Geo, world: _GpWorld, pop: IntArray, rvt: FloatArray, rng: np.random.Generator
) -> _GpYears:
    practices, gps = world.practices, world.gps
    rows_gp: list[int] = []
    rows_p: list[int] = []
    rows_y: list[int] = []
    rows_t: list[bool] = []
    for g, gp in enumerate(gps):
        if gp.trainee_practice >= 0:
            for y in range(max(gp.train_from, FIRST), min(gp.train_to, LAST) + 1):
                rows_gp.append(g)
                rows_p.append(gp.trainee_practice)
                rows_y.append(y)
                rows_t.append(True)
        for p, a, b in gp.segments:
            for y in range(max(a, FIRST), min(b, LAST) + 1):
                rows_gp.append(g)
                rows_p.append(p)
                rows_y.append(y)
                rows_t.append(False)
    g_idx = np.array(rows_gp, dtype=np.int64)
    p_idx = np.array(rows_p, dtype=np.int64)
    year = np.array(rows_y, dtype=np.int64)
    trainee = np.array(rows_t, dtype=np.bool_)
    y_idx = year - FIRST
    n = g_idx.size
    n_gp = len(gps)
    zone = np.array([p.zone for p in practices], dtype=np.int64)[p_idx]
    form = np.array([p.form for p in practices], dtype=np.int64)[p_idx]
    birth = np.array([gp.birth for gp in gps], dtype=np.int64)
    career = np.array([gp.career for gp in gps], dtype=np.int64)
    leaves = np.array([gp.leaves if gp.leaves is not None else 9999 for gp in gps])
    age = year - birth[g_idx]

    # FTE: a stable personal level, less near retirement, partial in first / last year.
    kind = rng.random(n_gp)
    base = np.where(kind < 0.78, np.clip(rng.normal(1.0, 0.1, n_gp), 0.75, 1.25),
                    np.where(kind < 0.96, rng.uniform(0.45, 0.8, n_gp),
                             rng.uniform(0.12, 0.35, n_gp)))  # fmt: skip
    fte = base[g_idx] * np.clip(1 - 0.09 * (age - 62), 0.3, 1.0)
    fte = np.where(year == career[g_idx], fte * rng.uniform(0.35, 1.0, n), fte)
    fte = np.where(year == leaves[g_idx], fte * rng.uniform(0.12, 1.0, n), fte)
    fte = np.where(trainee, np.clip(rng.normal(0.92, 0.06, n), 0.6, 1.0), fte)
    list_pref = rng.lognormal(0.0, 0.25, n_gp)[g_idx]
    weight = fte * list_pref * np.where(trainee, 0.3, 1.0)

    # Flat-rate practices: enrolled patients split over the practice's GPs that year.
    enrolled = _enrolled(practices)
    ff_start = np.array([p.ff_start if p.ff_start is not None else 9999 for p in practices])
    flat_rate = year >= ff_start[p_idx]
    cell = p_idx * N_YEARS + y_idx
    wsum = np.bincount(cell, weights=weight, minlength=len(practices) * N_YEARS)
    share = weight / np.maximum(wsum[cell], 1e-12)
    ff_gmd = np.where(flat_rate, enrolled[p_idx, y_idx] * share, 0.0)
    ff_attrib = ff_gmd * rng.uniform(1.02, 1.06, n)

    # Fee-for-service: the zone's remaining attributed patients and GMDs.
    zpop = geo.zone_sum(pop.sum(axis=(2, 3)).T.astype(np.float64))  # [zone, year]
    zy = zone * N_YEARS + y_idx
    size = geo.n_zones * N_YEARS
    total_attrib = (zpop * ATTRIB_RATE * world.flow[:, None]).ravel()
    total_gmd = (zpop * world.gmd_target * world.flow[:, None]).ravel()
    ff_a = np.bincount(zy, weights=ff_attrib, minlength=size)
    ff_g = np.bincount(zy, weights=ff_gmd, minlength=size)
    ffs_w = np.where(flat_rate, 0.0, weight)
    ffs_wsum = np.bincount(zy, weights=ffs_w, minlength=size)
    attrib_rest = np.maximum(total_attrib - ff_a, 0.0)
    ratio = np.clip((total_gmd - ff_g) / np.maximum(attrib_rest, 1.0), 0.3, 0.97)
    ffs_attrib = attrib_rest[zy] * ffs_w / np.maximum(ffs_wsum[zy], 1e-12)
    gmd_ratio = ratio[zy] + rng.normal(0, 0.04, n) - np.where(trainee, 0.1, 0.0)
    gmd_ratio = np.clip(gmd_ratio, 0.35, 0.99)
    attrib = np.rint(np.where(flat_rate, ff_attrib, ffs_attrib)).astype(np.int64)
    gmd = np.where(flat_rate, np.rint(ff_gmd), np.rint(ffs_attrib * gmd_ratio)).astype(np.int64)
    gmd = np.minimum(gmd, attrib)

    # Contacts (fee-for-service only): follow the list, the zone's need and the year.
    mpop = pop.sum(axis=(2, 3)).T.astype(np.float64)  # [municipality, year]
    old75 = pop[..., 75:].sum(axis=(2, 3)).T.astype(np.float64)
    share75 = (geo.zone_sum(old75) / geo.zone_sum(mpop))[zone, y_idx]
    zdep = (geo.zone_sum(mpop[:, -1] * geo.deprivation) / geo.zone_sum(mpop[:, -1]))[zone]
    lists = attrib.astype(np.float64)
    covid_consult = np.array([1, 1, 1, 1, 1, 0.86, 0.95, 1, 1, 1])[y_idx]
    raadpl: FloatArray = lists * 3.3 * (1 + 0.07 * zdep) * covid_consult * rng.lognormal(0, 0.12, n)
    raadpl += np.where(trainee, 900.0 * fte, 0.0)
    visits_trend = np.linspace(1.0, 0.78, N_YEARS)[y_idx] * np.where(year == 2020, 0.9, 1.0)
    visits = lists * (0.04 + 2.6 * share75) * visits_trend * rng.lognormal(0, 0.3, n)
    evening = lists * np.linspace(0.035, 0.012, N_YEARS)[y_idx] * rng.lognormal(0, 0.5, n)
    digital_rate = np.array([0.004, 0.004, 0.005, 0.005, 0.006, 0.95, 0.75, 0.42, 0.35, 0.33])
    digital = lists * digital_rate[y_idx] * rng.lognormal(0, 0.35, n)
    advice = lists * 0.06 * rng.lognormal(0, 0.5, n)
    # Nursing-home visits: ~11 a year per resident, concentrated on some GPs.
    inst_w = np.where(flat_rate | trainee, 0.0, fte * rng.lognormal(0, 0.9, n_gp)[g_idx])
    inst_wsum = np.bincount(zy, weights=inst_w, minlength=size)
    instel = rvt.ravel()[zy] * 11.0 * inst_w / np.maximum(inst_wsum[zy], 1e-12)
    contacts = {
        "RAADPL": raadpl, "BEZAVOND": evening, "BEZOEKIND": visits, "INSTEL": instel,
        "DIGICONT": digital, "ADVIES": advice,
    }  # fmt: skip

    # Identifiers: RIZIV numbers ascending with the start of the career.
    first_seen = np.array([min([s[1] for s in gp.segments] + [gp.train_from or 9999])
                           for gp in gps])  # fmt: skip
    riziv_id = _numbers(rng, n_gp, 1, first_seen * 10_000 + birth - 1900)
    p_first = np.array([p.first for p in practices], dtype=np.int64)
    riziv_hci = _numbers(rng, len(practices), 8, p_first)
    accredited = rng.random(n_gp) < 0.8
    spec = np.where(
        trainee,
        np.where(rng.random(n_gp)[g_idx] < 0.8, "005", "006"),
        np.where(accredited[g_idx] & (year > career[g_idx]), "004", "003"),
    )
    hci_type = np.array(HCI_BY_FORM)[form]
    frame = pl.DataFrame(
        {
            "YEAR": year,
            "RIZIV_ID": pl.Series(riziv_id).gather(g_idx),
            "RIZIV_SPEC": spec.astype(str),
            "RIZIV_HCI": pl.Series(riziv_hci).gather(p_idx),
            "HCI_TYPE": hci_type.astype(str),
            "FLAGHMM": (form == WGC).astype(np.int64),
            "FF_MH": flat_rate.astype(np.int64),
            "PAT_GMD": gmd,
            "PAT_ATTRIB": attrib,
            **{
                name: pl.Series(name, rng.poisson(np.maximum(v, 0.0)).astype(np.int64))
                for name, v in contacts.items()
            },
        }
    ).with_columns(
        pl.when(pl.col("FF_MH") == 1).then(None).otherwise(pl.col(c)).alias(c) for c in contacts
    )
    order = np.lexsort((np.array(riziv_id)[g_idx], year))
    return _GpYears(
        frame=frame.select(pl.all().gather(order)),
        practice=p_idx[order],
        gp=g_idx[order],
        year=year[order],
        trainee=trainee[order],
        fte=fte[order],
        attrib=attrib[order],
        flat_rate=flat_rate[order],
        riziv_id=riziv_id,
        riziv_hci=riziv_hci,
        enrolled=enrolled,
    )


def _register(geo: _Geo, world: _GpWorld, rows: _GpYears, rng: np.random.Generator) -> pl.DataFrame:
    practices = world.practices
    used = np.unique(rows.practice)
    muni = np.array([p.muni for p in practices], dtype=np.int64)
    lat = geo.lat[muni] + np.clip(rng.normal(0, 0.008, len(practices)), -0.016, 0.016)
    lon = geo.lon[muni] + np.clip(rng.normal(0, 0.012, len(practices)), -0.024, 0.024)
    last = pl.Series([p.last for p in practices], dtype=pl.Int64)
    frame = pl.DataFrame(
        {
            "RIZIV_HCI": rows.riziv_hci,
            "REFNIS": [geo.codes[m] for m in muni.tolist()],
            "LAT": np.round(lat, 6),
            "LON": np.round(lon, 6),
            "FIRST_YEAR": np.array([p.first for p in practices], dtype=np.int64),
            "LAST_YEAR": last,
        }
    )
    return frame.select(pl.all().gather(used)).sort("RIZIV_HCI")


# ----------------------------------------------------------------------------
# Surveys (2024)
# ----------------------------------------------------------------------------


# Survey answer tables per practice form (solo, duo, groep, multidisciplinair, wgc).
APPOINTMENT_P: Final = (
    (0.35, 0.45, 0.2), (0.5, 0.4, 0.1), (0.65, 0.3, 0.05), (0.75, 0.22, 0.03), (0.55, 0.4, 0.05),
)  # fmt: skip
EXPANSION_P: Final = (
    (0.1, 0.65, 0.25), (0.25, 0.45, 0.3), (0.35, 0.35, 0.3), (0.35, 0.35, 0.3), (0.4, 0.3, 0.3),
)  # fmt: skip
NURSE_P: Final = (0.15, 0.35, 0.7, 0.95, 1.0)
# Other disciplines, in the order of codes.DISCIPLINES[1:] (kine ... vroedvrouw).
OTHER_DISCIPLINE_P: Final = (
    (0.02, 0.02, 0.03, 0.0, 0.0, 0.0),
    (0.06, 0.08, 0.08, 0.02, 0.0, 0.02),
    (0.15, 0.2, 0.25, 0.05, 0.02, 0.05),
    (0.6, 0.55, 0.7, 0.35, 0.08, 0.2),
    (0.85, 0.6, 0.7, 0.8, 0.25, 0.2),
)


def _staff(
    form: int, n_gp: int, rng: np.random.Generator
) -> tuple[float, float, float, str | None]:
    """FTE of nurses, administration and other disciplines, and the discipline list."""
    nurse = 0.0
    if rng.random() < NURSE_P[form]:
        low, high, per_gp = ((0.2, 0.6, 0), (0.3, 1.0, 0), (0.2, 0.6, 0.25), (0.4, 0.9, 0.3),
                             (0.5, 1.5, 0.5))[form]  # fmt: skip
        nurse = rng.uniform(low, high) + per_gp * n_gp * rng.uniform(0.6, 1.4)
    if form == SOLO:
        admin = 0.0 if rng.random() < 0.4 else rng.uniform(0.2, 0.8)
    else:
        low, high, per_gp = ((0, 0, 0), (0.3, 1.2, 0), (0, 0.8, 0.3), (0.2, 1.0, 0.35),
                             (0.5, 1.5, 0.5))[form]  # fmt: skip
        admin = per_gp * n_gp + rng.uniform(low, high)
    others = codes.DISCIPLINES[1:]
    draws = rng.random(len(others))
    chosen = [d for d, u, p in zip(others, draws, OTHER_DISCIPLINE_P[form], strict=True) if u < p]
    if form in (MULTI, WGC) and not chosen:
        chosen = [others[int(rng.integers(0, 3))]]
    low, high = (0.5, 2.0) if form == WGC else (0.3, 1.2)
    other = float(rng.uniform(low, high, len(chosen)).sum())
    present = ({"verpleegkundige"} if nurse > 0 else set()) | set(chosen)
    disciplines = ";".join(d for d in codes.DISCIPLINES if d in present) or None
    return round(nurse, 1), round(admin, 1), round(other, 1), disciplines


def _survey_practices(world: _GpWorld, rows: _GpYears, rng: np.random.Generator) -> pl.DataFrame:
    """About 85% of the practices active in 2024 answer; answers follow form and load."""
    practices = world.practices
    now = rows.year == SURVEY_YEAR
    p_now = rows.practice[now]
    active = np.unique(p_now)
    n_p = len(practices)
    attrib = np.bincount(p_now, weights=rows.attrib[now], minlength=n_p)
    fte = np.bincount(p_now, weights=rows.fte[now], minlength=n_p)
    est = np.bincount(p_now, weights=(~rows.trainee[now]).astype(np.float64), minlength=n_p)
    flat = np.zeros(n_p, dtype=np.bool_)
    flat[p_now[rows.flat_rate[now]]] = True
    per_fte = attrib / np.maximum(fte, 0.1)
    ffs = active[~flat[active]]
    ref = float(np.median(per_fte[ffs])) if ffs.size else 1400.0
    respond = np.sort(rng.permutation(active)[: round(0.85 * active.size)])
    records: list[tuple[object, ...]] = []
    for p in respond.tolist():
        q = practices[p]
        n_gp = max(int(est[p]), 1)
        form = q.form
        if form not in (WGC, MULTI):
            form = SOLO if n_gp == 1 else DUO if n_gp == 2 else GROEP
        # Patient stop: more in GP-poor zones, with long lists, and in (waiting-list) wgc.
        poor = (FLEMISH_GP_PER_10K - world.supply[q.zone]) / 1.5
        load = 0.3 if flat[p] else per_fte[p] / ref - 1.0
        x = -1.25 + 0.55 * poor + 1.8 * load + (0.9 if form == WGC else 0.0) + rng.normal(0, 0.6)
        stop = "nee"
        if rng.random() < 1.0 / (1.0 + np.exp(-x)):
            stop = "ja" if rng.random() < 0.4 else "gedeeltelijk"
        appointments = codes.APPOINTMENTS[_draw(rng, APPOINTMENT_P[form])]
        nurse, admin, other, disciplines = _staff(form, n_gp, rng)
        plans = EXPANSION_P[form]
        if stop != "nee":
            plans = (plans[0] + 0.1, plans[1] - 0.1, plans[2])
        records.append((
            SURVEY_YEAR, rows.riziv_hci[p], FORMS[form], "forfait" if flat[p] else "prestatie",
            stop, appointments, nurse, admin, other, disciplines,
            codes.EXPANSION_PLANS[_draw(rng, plans)],
        ))  # fmt: skip
    schema = {
        "SURVEY_YEAR": pl.Int64, "RIZIV_HCI": pl.String, "PRACTICE_FORM": pl.String,
        "PAYMENT_SYSTEM": pl.String, "PATIENT_STOP": pl.String, "APPOINTMENTS": pl.String,
        "FTE_NURSE": pl.Float64, "FTE_ADMIN": pl.Float64, "FTE_OTHER": pl.Float64,
        "DISCIPLINES": pl.String, "EXPANSION_PLANS": pl.String,
    }  # fmt: skip
    return pl.DataFrame(records, schema=schema, orient="row").sort("RIZIV_HCI")


def _survey_gps(world: _GpWorld, rows: _GpYears, rng: np.random.Generator) -> pl.DataFrame:
    now = np.flatnonzero(rows.year == SURVEY_YEAR)
    pick = np.sort(rng.permutation(now)[: round(0.75 * now.size)])
    n = pick.size
    gp = rows.gp[pick]
    trainee = rows.trainee[pick]
    fte = rows.fte[pick]
    zone = np.array([world.practices[p].zone for p in rows.practice[pick].tolist()], dtype=np.int64)
    birth = np.array([world.gps[g].birth for g in gp.tolist()], dtype=np.int64)
    age = SURVEY_YEAR - birth
    hours = np.where(trainee, rng.normal(46, 4, n), 24 + 27 * fte + rng.normal(0, 5, n))
    hours = np.round(np.clip(hours, 8, 80))
    per_fte = rows.attrib[pick] / np.maximum(fte, 0.2)
    ffs = ~rows.flat_rate[pick]
    ref = float(np.median(per_fte[ffs & ~trainee])) if np.any(ffs & ~trainee) else 1400.0
    poor = (FLEMISH_GP_PER_10K - world.supply[zone]) / 1.5
    latent = (0.5 * poor + 0.8 * np.where(ffs, per_fte / ref - 1, 0) + 0.02 * (hours - 48)
              + 0.15 * ((age >= 45) & (age < 62)) + rng.normal(0, 0.9, n))  # fmt: skip
    workload = 1 + np.searchsorted(np.array([-1.55, -0.85, 0.2, 1.1]), latent)
    wellbeing = np.clip(np.rint(7.4 - 0.75 * (workload - 3) + rng.normal(0, 1.3, n)), 0, 10)
    frame = pl.DataFrame(
        {
            "SURVEY_YEAR": np.full(n, SURVEY_YEAR, dtype=np.int64),
            "RIZIV_ID": pl.Series(rows.riziv_id).gather(gp),
            "RIZIV_HCI": pl.Series(rows.riziv_hci).gather(rows.practice[pick]),
            "BIRTH_YEAR": birth,
            "STATUS": np.where(trainee, "haio", "huisarts").astype(str),
            "HOURS_PER_WEEK": hours.astype(np.float64),
            "WORKLOAD": workload.astype(np.int64),
            "WELLBEING": wellbeing.astype(np.int64),
        }
    )
    return frame.sort("RIZIV_ID")


# ----------------------------------------------------------------------------
# Output frames
# ----------------------------------------------------------------------------


def _bevolking(geo: _Geo, pop: IntArray) -> pl.DataFrame:
    keep = np.flatnonzero(geo.selected)
    sub = pop[:, keep]  # [year, municipality, sex, age]
    y, m, s, a = (idx.ravel() for idx in np.indices(sub.shape))
    return pl.DataFrame(
        {
            "YEAR": YEARS[y],
            "REFNIS": pl.Series([geo.codes[k] for k in keep.tolist()]).gather(m),
            "SEX": pl.Series(codes.SEXES).gather(s),
            "AGE": a.astype(np.int64),
            "POPULATION": sub.ravel(),
        }
    )


def _atlas_values(
    geo: _Geo, ind: _Indicator, prob: FloatArray, denominator: IntArray, rng: np.random.Generator
) -> pl.DataFrame:
    keep = geo.selected
    years = ind.first_year <= YEARS
    mask = _mask(ind)
    den = denominator[years][:, keep]
    p = prob[years][:, keep]
    num = rng.binomial(den, np.clip(p, 0.0, 1.0))
    cell = np.broadcast_to(mask[None, None], den.shape) & (den > 0)
    y, m, b, s = np.nonzero(cell)
    kept_codes = pl.Series([c for c, k in zip(geo.codes, keep.tolist(), strict=True) if k])
    return pl.DataFrame(
        {
            "INDICATOR_CODE": pl.Series([ind.code]).gather(np.zeros(y.size, dtype=np.int64)),
            "YEAR": YEARS[years][y],
            "REFNIS": kept_codes.gather(m),
            "AGE_BAND": pl.Series(codes.ATLAS_AGE_BANDS).gather(b),
            "SEX": pl.Series(codes.SEXES).gather(s),
            "NUMERATOR": num[cell].astype(np.int64),
            "DENOMINATOR": den[cell].astype(np.int64),
        }
    )


def _atlas_metadata() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "INDICATOR_CODE": [i.code for i in INDICATORS],
            "NAME_NL": [i.name for i in INDICATORS],
            "DESCRIPTION_NL": [i.description for i in INDICATORS],
            "UNIT": [i.unit for i in INDICATORS],
            "FORMULA_NL": [i.formula for i in INDICATORS],
            "FIRST_YEAR": [i.first_year for i in INDICATORS],
            "SMALLEST_LEVEL": ["gemeente"] * len(INDICATORS),
            "BREAKDOWNS": [
                BREAKDOWNS if len(i.sexes) == 2 else "leeftijdscategorie per 10 jaar"
                for i in INDICATORS
            ],
            "SOURCE": [i.source for i in INDICATORS],
            "KEYWORDS": [i.keywords for i in INDICATORS],
            "AIM_DOMAIN": [i.aim for i in INDICATORS],
            "THEME": [i.theme for i in INDICATORS],
            "NEED_FAMILY": pl.Series([i.need for i in INDICATORS], dtype=pl.String),
            "DIRECTION": [i.direction for i in INDICATORS],
        },
        schema_overrides={"FIRST_YEAR": pl.Int64},
    )


def _mh_probabilities(
    geo: _Geo, world: _GpWorld, rows: _GpYears, cells: _Cells, pop: IntArray
) -> FloatArray:
    """Enrolment in a flat-rate practice by residence, consistent with the IMA file."""
    mpop = pop.sum(axis=(2, 3)).astype(np.float64)  # [year, municipality]
    expected = np.zeros_like(mpop)
    for i, p in enumerate(world.practices):
        flat = np.where((p.ff_start or 9999) <= YEARS, rows.enrolled[i], 0.0)
        if not flat.any():
            continue
        zone = geo.zone == p.zone
        spread = np.where(zone, mpop, 0.0)
        spread /= spread.sum(axis=1, keepdims=True)
        own = np.minimum(0.8 * flat, 0.12 * mpop[:, p.muni])  # rest: elsewhere in the zone
        expected += (flat - own)[:, None] * spread
        expected[:, p.muni] += own
    rate = np.clip(expected / np.maximum(mpop, 1.0), 0.0, 0.6)
    rr = np.array([1.25, 1.1, 1.3, 1.3, 1.05, 0.9, 0.75, 0.6, 0.5, 0.4])
    den = cells.entitled.astype(np.float64)
    norm = (den * rr[None, None, :, None]).sum(axis=(2, 3)) / np.maximum(den.sum(axis=(2, 3)), 1)
    prob = rate[:, :, None, None] * rr[None, None, :, None] / norm[:, :, None, None]
    return np.asarray(np.clip(prob, 0.0, 0.9), dtype=np.float64)


def _provenance(seed: int, scale: float) -> dict[str, object]:
    synthetic = "Synthetische demogegevens, geen echte cijfers"
    return {
        "demo": True,
        "generator": GENERATOR,
        "seed": seed,
        "scale": scale,
        "sources": {
            "ima_patienteel_huisartsen": f"{synthetic}: patiënteel en contacten per huisarts "
            "per jaar in het formaat van IMA 'Patiënteel huisartsen'.",
            "praktijkregister": f"{synthetic}: praktijken met gemeente en een verschoven "
            "ligging rond het centrum van de gemeente.",
            "enquete_praktijken": f"{synthetic}: antwoorden op praktijkniveau in het formaat "
            "van de bevraging van Departement Zorg (2024).",
            "enquete_huisartsen": f"{synthetic}: antwoorden op huisartsniveau in het formaat "
            "van de bevraging van Departement Zorg (2024).",
            "atlas_waarden": f"{synthetic}: tellers en noemers in het formaat van de IMA "
            "Atlas, per gemeente, jaar, leeftijdscategorie en geslacht.",
            "atlas_metadata": "Fiches in het formaat van de IMA Atlas; cube_013_021_At volgt "
            "de echte fiche, de ima_-indicatoren zijn demo-indicatoren.",
            "bevolking": f"{synthetic}: afgeleid van de echte Statbel-bevolking op 1 januari "
            "2020 per gemeente, geslacht en leeftijdsgroep; andere jaren en enkelvoudige "
            "leeftijden zijn geschat.",
            "huisartsenkringen": f"{synthetic}: een plausibele indeling in huisartsenkringen "
            "(er bestaat geen open dataset van de kringen).",
        },
    }


def _csv_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    return buffer.getvalue()


def fingerprint(files: dict[str, bytes]) -> dict[str, str]:
    """SHA-256 (hex) of each generated file, by file name."""
    return {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}


def demo_municipalities(refdata: RefData, scale: float) -> list[str]:
    """The 2025 REFNIS codes that the demo's data files cover at `scale` (sorted).

    The circle file always covers all 285 Flemish municipalities; population,
    Atlas, practices and surveys cover only these.
    """
    if not 0.0 < scale <= 1.0:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    geo = _load_geo(refdata)
    geo.selected_zone = _select_zones(geo, scale)
    return sorted(c for c, keep in zip(geo.codes, geo.selected.tolist(), strict=True) if keep)


def generate_demo(
    *,
    refdata: RefData | None = None,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
) -> dict[str, bytes]:
    """The demo's raw files as bytes, by file name, `herkomst.json` included.

    Deterministic: the same seed, scale, reference data and popmgmt version give
    the same bytes. `herkomst.json` records `fingerprint`: the version, seed,
    scale and the SHA-256 of every data file, which the build checks (and
    regenerates to compare) before it labels a build as demo.
    """
    return _generate(refdata, seed, scale)[0]


def _generate(
    refdata: RefData | None, seed: int, scale: float
) -> tuple[dict[str, bytes], dict[str, int]]:
    """`generate_demo`, plus the rows of each CSV file."""
    if not 0.0 < scale <= 1.0:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    ref = refdata if refdata is not None else load_refdata()
    rng_geo, rng_pop, rng_atlas, rng_gp, rng_rows, rng_survey, rng_draw = np.random.default_rng(
        seed
    ).spawn(7)

    geo = _load_geo(ref)
    _latents(geo, rng_geo)
    geo.selected_zone = _select_zones(geo, scale)
    pop = _population(geo, rng_pop)
    mpop_2024 = pop[-1].sum(axis=(1, 2)).astype(np.float64)

    world = _build_gps(geo, pop, rng_gp)
    cells = _cells(pop, rng_atlas)
    models = _models()
    probs: dict[str, FloatArray] = {}
    supply_dev = world.supply - FLEMISH_GP_PER_10K
    for ind in INDICATORS:
        if ind.code == "ima_mh":
            continue
        zone_target = world.gmd_target if ind.code == "ima_gmd" else None
        probs[ind.code] = _probabilities(
            geo, models[ind.code], _denominator(cells, ind), _mask(ind), rng_atlas,
            supply=supply_dev, zone_target=zone_target,
        )  # fmt: skip
    rvt_count = (probs["ima_rvt"] * cells.entitled_65)[:, :, 6:].sum(axis=(2, 3))  # [year, muni]
    rvt_zone = geo.zone_sum(rvt_count.T)  # [zone, year]
    rows = _gp_years(geo, world, pop, rvt_zone, rng_rows)
    probs["ima_mh"] = _mh_probabilities(geo, world, rows, cells, pop)

    frames: dict[str, pl.DataFrame] = {}
    frames[IMA_FILE] = rows.frame
    frames[REGISTER_FILE] = _register(geo, world, rows, rng_survey)
    frames[SURVEY_PRACTICES_FILE] = _survey_practices(world, rows, rng_survey)
    frames[SURVEY_GPS_FILE] = _survey_gps(world, rows, rng_survey)
    frames[ATLAS_VALUES_FILE] = pl.concat(
        [
            _atlas_values(geo, ind, probs[ind.code], _denominator(cells, ind), rng_draw)
            for ind in INDICATORS
        ]
    )
    frames[ATLAS_METADATA_FILE] = _atlas_metadata()
    frames[POPULATION_FILE] = _bevolking(geo, pop)
    frames[CIRCLES_FILE] = _circles(geo, mpop_2024)
    files = {name: _csv_bytes(frame) for name, frame in frames.items()}
    provenance = _provenance(seed, scale)
    provenance["fingerprint"] = {
        "generator": GENERATOR,
        "version": __version__,
        "seed": seed,
        "scale": scale,
        "files": fingerprint(files),
    }
    text = json.dumps(provenance, ensure_ascii=False, indent=2)
    files[PROVENANCE_FILE] = (text + "\n").encode("utf-8")
    return files, {name: frame.height for name, frame in frames.items()}


def write_demo(
    out: Path,
    *,
    refdata: RefData | None = None,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
) -> dict[str, int]:
    """Write the synthetic raw dataset of docs/data-contract.md into `out`.

    Same seed (and scale) -> byte-identical files. `scale` in (0, 1] keeps a
    connected block of about `scale` x 56 zones around Gent for the data files;
    `huisartsenkringen.csv` always covers all 285 Flemish municipalities.
    `herkomst.json` carries the fingerprint of the generated files (see
    `generate_demo`); only an unchanged set of files builds as demo.

    Returns:
        Rows written per CSV file (by file name); `herkomst.json` is not counted.
    """
    files, rows = _generate(refdata, seed, scale)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    return rows
