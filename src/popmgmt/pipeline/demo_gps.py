"""The demo's GPs and practices: GP density per zone, practices by form, careers with
training, entries, moves, retirements, openings and closures; the GP-year rows (patients
and contacts) and the 2024 surveys.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import polars as pl

from popmgmt.pipeline import codes
from popmgmt.pipeline.demo_world import (
    ATTRIB_RATE,
    DUO,
    FIRST,
    FLEMISH_GP_PER_10K,
    FORMS,
    GMD_FLANDERS,
    GROEP,
    HCI_BY_FORM,
    LAST,
    MULTI,
    N_YEARS,
    PROVINCE_GMD,
    SOLO,
    SURVEY_YEAR,
    TRAINEE_SHARE,
    WGC,
    WGC_2024,
    YEARS,
    BoolArray,
    FloatArray,
    IntArray,
    _draw,
    _Geo,
    _linear,
    _numbers,
)

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
# Continuity of care (codes.CONTINUITY: eigen_praktijk, vaste_collegas, enkel_wachtdienst,
# geen_regeling) per practice form; CONTINUITY_EMPTY_P: the optional question left empty.
CONTINUITY_P: Final = (
    (0.05, 0.55, 0.3, 0.1), (0.55, 0.3, 0.1, 0.05), (0.85, 0.1, 0.04, 0.01),
    (0.9, 0.07, 0.02, 0.01), (0.95, 0.04, 0.01, 0.0),
)  # fmt: skip
CONTINUITY_EMPTY_P: Final = 0.08
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
    # The optional continuity question draws from its own stream, so that adding it left
    # every other answer of the demo as it was.
    rng_continuity = rng.spawn(1)[0]
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
        continuity = None
        if rng_continuity.random() >= CONTINUITY_EMPTY_P:
            continuity = codes.CONTINUITY[_draw(rng_continuity, CONTINUITY_P[form])]
        records.append((
            SURVEY_YEAR, rows.riziv_hci[p], FORMS[form], "forfait" if flat[p] else "prestatie",
            stop, appointments, nurse, admin, other, disciplines,
            codes.EXPANSION_PLANS[_draw(rng, plans)], continuity,
        ))  # fmt: skip
    schema = {
        "SURVEY_YEAR": pl.Int64, "RIZIV_HCI": pl.String, "PRACTICE_FORM": pl.String,
        "PAYMENT_SYSTEM": pl.String, "PATIENT_STOP": pl.String, "APPOINTMENTS": pl.String,
        "FTE_NURSE": pl.Float64, "FTE_ADMIN": pl.Float64, "FTE_OTHER": pl.Float64,
        "DISCIPLINES": pl.String, "EXPANSION_PLANS": pl.String, "CONTINUITY": pl.String,
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
