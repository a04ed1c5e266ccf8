"""The demo generator's world: constants, seeded numeric helpers, the geography with its
municipality latents (urbanity, deprivation, migration background) and the population by
single year of age. See `popmgmt.pipeline.demo` for how the pieces hang together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from popmgmt.pipeline import codes
from popmgmt.pipeline.refdata import RefData

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
