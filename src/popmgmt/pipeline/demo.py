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

import hashlib
import io
import json
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from popmgmt import __version__
from popmgmt.metrics import projection
from popmgmt.pipeline import codes
from popmgmt.pipeline.demo_atlas import (
    BIM_BREAKDOWN,
    BIM_RATE_RATIO,
    BREAKDOWNS,
    INDICATORS,
    _Cells,
    _cells,
    _denominator,
    _Indicator,
    _mask,
    _models,
    _probabilities,
    bim_split,
)
from popmgmt.pipeline.demo_gps import (
    _build_gps,
    _gp_years,
    _GpWorld,
    _GpYears,
    _register,
    _survey_gps,
    _survey_practices,
)
from popmgmt.pipeline.demo_world import (
    DEFAULT_SEED,
    FLEMISH_GP_PER_10K,
    GENERATOR,
    YEARS,
    FloatArray,
    IntArray,
    _Geo,
    _km,
    _latents,
    _load_geo,
    _population,
    _select_zones,
    _zone_centroids,
)
from popmgmt.pipeline.refdata import RefData, load_refdata
from popmgmt.pipeline.schemas import (
    ATLAS_METADATA_FILE,
    ATLAS_VALUES_FILE,
    CIRCLES_FILE,
    IMA_FILE,
    POPULATION_FILE,
    PROJECTION_FILE,
    PROVENANCE_FILE,
    REGISTER_FILE,
    SURVEY_GPS_FILE,
    SURVEY_PRACTICES_FILE,
)

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


# The demo's "official" projection: the cohort model of metrics.projection with a
# slightly higher life expectancy than the build's own assumption, every fifth year
# (the build interpolates between them). Synthetic, like the rest of the demo.
DEMO_PROJECTION_YEARS: Final = (2025, 2030, 2035)
DEMO_LIFE_EXPECTANCY: Final = {"M": 81.5, "V": 85.5}


def _projection(bevolking: pl.DataFrame) -> pl.DataFrame:
    history = bevolking.select(
        pl.col("REFNIS").alias("area_code"),
        pl.col("YEAR").alias("year"),
        pl.col("SEX").alias("sex"),
        pl.col("AGE").alias("age"),
        pl.col("POPULATION").cast(pl.Float64).alias("population"),
    )
    last = int(history["year"].max())  # type: ignore[arg-type]
    assumptions = projection.estimate_assumptions(history, life_expectancy=DEMO_LIFE_EXPECTANCY)
    ahead = projection.project_population(
        history.filter(pl.col("year") == last), assumptions, last_year=max(DEMO_PROJECTION_YEARS)
    )
    return (
        ahead.filter(pl.col("year").is_in(DEMO_PROJECTION_YEARS))
        .select(
            pl.col("area_code").alias("REFNIS"),
            pl.col("year").alias("YEAR"),
            pl.col("sex").alias("SEX"),
            pl.col("age").alias("AGE"),
            pl.col("population").round(0).cast(pl.Int64).alias("POPULATION"),
        )
        .sort("YEAR", "REFNIS", "SEX", "AGE")
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


# The update rhythm of the real Atlas sheets (seed 004): yearly in Q4, calendar year - 2.
ATLAS_RHYTHM: Final = "jaarlijks in het 4e kwartaal (gegevens van kalenderjaar - 2)"


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
                (BREAKDOWNS if len(i.sexes) == 2 else "leeftijdscategorie per 10 jaar")
                + (f"; {BIM_BREAKDOWN}" if i.code in BIM_RATE_RATIO else "")
                for i in INDICATORS
            ],
            "SOURCE": [i.source for i in INDICATORS],
            "KEYWORDS": [i.keywords for i in INDICATORS],
            "UPDATE_RHYTHM": [ATLAS_RHYTHM] * len(INDICATORS),
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
            "bevolkingsprojectie": f"{synthetic}: een bevolkingsprojectie per gemeente, jaar, "
            "geslacht en leeftijd in de vorm van de Vlaamse projecties, gemaakt met het "
            "cohortmodel van popmgmt onder iets andere aannames.",
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
    # the 8th stream (VT/BIM split, issue 15) leaves the first seven as they were
    rng_geo, rng_pop, rng_atlas, rng_gp, rng_rows, rng_survey, rng_draw, rng_bim = (
        np.random.default_rng(seed).spawn(8)
    )

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
    frames[ATLAS_VALUES_FILE] = bim_split(
        pl.concat(
            [
                _atlas_values(geo, ind, probs[ind.code], _denominator(cells, ind), rng_draw)
                for ind in INDICATORS
            ]
        ),
        geo,
        rng_bim,
    )
    frames[ATLAS_METADATA_FILE] = _atlas_metadata()
    frames[POPULATION_FILE] = _bevolking(geo, pop)
    frames[CIRCLES_FILE] = _circles(geo, mpop_2024)
    frames[PROJECTION_FILE] = _projection(frames[POPULATION_FILE])
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
