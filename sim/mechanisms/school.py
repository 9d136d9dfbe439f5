"""School: skill, attainment, neighbourhood exposure and the start qualification.

Attainment at the decision age combines skill, family background (parents' income rank), the quality
of the schools attended and age-weighted neighbourhood exposure. The age weighting follows Chetty &
Hendren (2018): exposure counts fully in childhood (to ~13) and its effect fades to zero by ~23; the
size of the neighbourhood effect is set small, as Dutch studies find once selection is accounted for
(van Ham et al. 2018). Weights and thresholds are our estimates, tuned so ~75-80 % of a deprived
wijk's young adults hold a start qualification (national ~85 %; CBS, est. for deprived wijken).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import EDU_HIGHER, EDU_NONE, EDU_START, EDU_UNDECIDED

if TYPE_CHECKING:
    from sim.model import Neighbourhood

RANK_SD = 100.0 / np.sqrt(12.0)  # sd of a uniform percentile rank
SCHOOL_QUALITY_REF = 0.5  # an average Dutch school (``environment.school_composition`` at rank 50)
QUALITY_SD = 0.1  # spread of school quality that counts as one z-unit (est.)
EXPOSURE_SCALE = 10.0  # quality-years per unit of the exposure term (est.)


def rank_z(rank: np.ndarray) -> np.ndarray:
    """Percentile rank (0-100) as a z-like score (uniform -> unit variance)."""
    return (rank - 50.0) / RANK_SD


def redraw_skill(model: Neighbourhood, idx: np.ndarray, rng: np.random.Generator | None = None
                 ) -> None:
    """Skill = rho * z(parents' rank) + sqrt(1 - rho^2) * personal draw (est. rho = 0.35)."""
    p = model.pop.p
    if idx.size == 0:
        return
    rho = model.cfg.work.skill_family_correlation
    e = model.streams.normal("skill", p.pid[idx], 0)
    p.skill[idx] = rho * rank_z(p.parent_rank[idx]) + np.sqrt(1 - rho * rho) * e


def exposure_weight(age: np.ndarray, full: float, zero: float) -> np.ndarray:
    """1 up to ``full`` years of age, falling linearly to 0 at ``zero`` (Chetty & Hendren 2018)."""
    if zero <= full:
        return (age < full).astype(float)
    return np.clip((zero - age) / (zero - full), 0.0, 1.0)


def _by_place(model: Neighbourhood, rows: np.ndarray, wijk: np.ndarray, national: np.ndarray
              ) -> np.ndarray:
    """A place attribute for each person: their buurt's, or (elsewhere) the national table's at
    their place's percentile - one scale wherever they live (``sim.places``)."""
    p = model.pop.p
    b = p.buurt[rows]
    out = wijk[np.maximum(b, 0)]
    away = np.flatnonzero(b < 0)
    if away.size:
        out[away] = model.places.at(national, p.place_pct[rows[away]])
    return out


def local_quality(model: Neighbourhood, rows: np.ndarray) -> np.ndarray:
    """Liveability of the place each person lives: their buurt, or their place elsewhere."""
    return _by_place(model, rows, model.env.liveability, model.places.liveability)


def school_quality(model: Neighbourhood, rows: np.ndarray) -> np.ndarray:
    """Quality of the school a pupil attends: the buurt's school, or the place elsewhere's."""
    return _by_place(model, rows, model.env.school_quality, model.places.school_quality)


def decide(model: Neighbourhood, idx: np.ndarray, rng: np.random.Generator | None = None) -> None:
    """Fix education level and the age school ends for persons reaching the decision age."""
    if idx.size == 0:
        return
    c = model.cfg.school
    p = model.pop.p
    noise = model.streams.normal("school_noise", p.pid[idx], 0)
    score = (c.skill_weight * p.skill[idx] + c.family_weight * rank_z(p.parent_rank[idx])
             + p.attain[idx] + c.exposure_weight * p.exposure[idx] / EXPOSURE_SCALE
             + c.noise_sd * noise)
    edu = np.where(score >= c.higher_ed_threshold, EDU_HIGHER,
                   np.where(score >= c.start_qual_threshold, EDU_START, EDU_NONE))
    p.edu[idx] = edu
    # Leaving ages: early leavers at the decision age, MBO/HAVO/VWO ~1.5 years later (est.),
    # higher education after ``higher_ed_years``.
    end = np.where(edu == EDU_HIGHER, c.decision_age + c.higher_ed_years,
                   np.where(edu == EDU_START, c.decision_age + 1.5, c.decision_age))
    p.school_end_age[idx] = end


def step(model: Neighbourhood, dt: float | None = None) -> None:
    """Exposure, school quality and progress over ``dt`` years; decisions at the decision age.

    Run once a year (the school year; a recurring Mesa event in ``Neighbourhood``): children's
    exposure and attainment accumulate over the year from where they live and go to school at its
    end, pupils start, decide and leave school at the year's turn.
    """
    c = model.cfg.school
    p = model.pop.p
    dt = model.dt if dt is None else dt
    age = p.age
    young = np.flatnonzero(age < c.exposure_zero_age)
    if young.size:
        w = exposure_weight(age[young], c.exposure_full_age, c.exposure_zero_age)
        p.exposure[young] += dt * w * (local_quality(model, young) - model.places.mean_liveability)
    undecided = p.edu[young] == EDU_UNDECIDED
    pupils = young[undecided & (age[young] >= c.start_age)]
    if pupils.size:
        span = max(c.decision_age - c.start_age, dt)
        zq = (school_quality(model, pupils) - SCHOOL_QUALITY_REF) / QUALITY_SD
        p.attain[pupils] += dt / span * c.school_quality_weight * zq
        # Youth work keeps teenagers attached to school (uptake ~ trust).
        teen = pupils[(age[pupils] >= 12) & (p.buurt[pupils] >= 0)]
        if teen.size:
            rel = model.services.relative("youth_worker")[p.buurt[teen]]
            p.attain[teen] += dt * model.cfg.services.youth_attainment_effect * rel * (0.5 + p.trust[teen])
    p.in_school[pupils] = True
    deciding = pupils[age[pupils] >= c.decision_age]
    decide(model, deciding)
    # Leave school once past the end age.
    leavers = p.in_school & (age >= p.school_end_age) & (p.edu != EDU_UNDECIDED)
    p.in_school[leavers] = False


__all__ = ["EDU_NONE", "EDU_START", "EDU_HIGHER", "step", "decide", "redraw_skill"]
