"""Demography: ageing, deaths and births.

Mortality is Gompertz, ``m(a) = exp(A + B a)`` per year, plus an infant term; the defaults
(A = -10.7, B = 0.095) give a life expectancy at birth of 81.4 (CBS 2019: 82; deprived areas lower).
Fertility is a bell curve over the mother's age scaled to a total fertility rate; mean age at birth
~31 (CBS 2020). A deprived urban TFR of 1.7 (national 1.6) is our estimate. Births happen in the wijk
only: the newborn joins the mother's household.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import school
from sim.rates import step_prob

if TYPE_CHECKING:
    from sim.model import Neighbourhood

INFANT_MORTALITY = 0.0035  # per year in the first year of life (CBS 2020: ~3.6 per 1000 births)


def mortality(age: np.ndarray, a: float, b: float) -> np.ndarray:
    """Death rate per year at ``age`` (Gompertz plus infant term)."""
    return np.exp(a + b * age) + np.where(age < 1.0, INFANT_MORTALITY, 0.0)


def cumulative_hazard(age: np.ndarray, a: float, b: float) -> np.ndarray:
    """Integral of ``mortality`` from birth to ``age``."""
    gomp = np.exp(a) / b * np.expm1(b * age) if b > 0 else np.exp(a) * age
    return gomp + INFANT_MORTALITY * np.minimum(age, 1.0)


@functools.cache
def _first_year_hazard(a: float, b: float) -> float:
    return float(cumulative_hazard(np.array(1.0), a, b))


def _inverse_hazard(h: np.ndarray, a: float, b: float) -> np.ndarray:
    """Age at which the cumulative hazard reaches ``h`` (exact inverse of ``cumulative_hazard``)."""
    infant = INFANT_MORTALITY
    first = h < _first_year_hazard(a, b)
    # Past the first year the infant term is a constant; solve the Gompertz part in closed form.
    if not first.any():  # (the usual case: no gathers needed)
        g = h - infant
        return np.log1p(g * b / np.exp(a)) / b if b > 0 else g / np.exp(a)
    out = np.empty_like(h)
    later = ~first
    g = h[later] - infant
    out[later] = np.log1p(g * b / np.exp(a)) / b if b > 0 else g / np.exp(a)
    # Within the first year solve by bisection (both terms grow monotonically).
    n = np.count_nonzero(first)
    lo, hi = np.zeros(n), np.ones(n)
    hf = h[first]
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        below = cumulative_hazard(mid, a, b) < hf
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    out[first] = 0.5 * (lo + hi)
    return out


def draw_death_ages(model: Neighbourhood, rows: np.ndarray) -> None:
    """Each person's age at death, drawn once given survival to their current age.

    With a unit-exponential draw ``E`` per person (counter-based, so identical across scenarios),
    death comes at the age where the cumulative hazard exceeds ``H(current age) + E``. This is the
    same distribution as a per-step Bernoulli draw, without a random number per person per step.
    """
    c = model.cfg.demography
    p = model.pop.p
    if rows.size == 0:
        return
    u = model.streams.uniform("death", p.pid[rows], 0)
    e = -np.log1p(-u)
    age = p.age[rows]
    # At birth the hazard so far is exactly 0.0, and 0.0 + e == e: skip it (newborns).
    h = cumulative_hazard(age, c.mortality_gompertz_a, c.mortality_gompertz_b) + e if age.any() else e
    p.death_age[rows] = np.minimum(_inverse_hazard(h, c.mortality_gompertz_a,
                                                   c.mortality_gompertz_b), c.max_age)


def fertility(age: np.ndarray, tfr: float, peak: float, sd: float) -> np.ndarray:
    """Births per woman per year at ``age``; integrates to ``tfr`` over ages."""
    return tfr * np.exp(-0.5 * ((age - peak) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))


def step(model: Neighbourhood) -> None:
    """Age everyone by one step, then deaths, then births."""
    c = model.cfg.demography
    p = model.pop.p
    dt = model.dt
    age = p.age
    age += dt
    # Deaths (everyone in the model: residents and tracked persons elsewhere).
    dead = np.flatnonzero((age >= p.death_age) & ~p.leave)
    model.cohort.record_deaths(dead)
    model.flows.leave(dead, "deaths")
    # Births to women living in the wijk.
    fertile = (age >= 15) & (age < 50)
    fertile &= p.female
    fertile &= p.buurt >= 0  # (rows that left the model have buurt -1)
    mothers = np.flatnonzero(fertile)
    if mothers.size == 0:
        return
    rate = fertility(p.age[mothers], c.total_fertility, c.fertility_peak_age, c.fertility_sd)
    ub = model.streams.uniform("birth", p.pid[mothers], model.steps)
    mothers = mothers[ub < step_prob(rate, dt)]
    k = mothers.size
    if k == 0:
        return
    pop = model.pop
    rows = pop.add_persons(k)
    p = pop.p  # views changed after growth
    p.age[rows] = 0.0
    # Sex ratio at birth ~1.05 boys per girl (CBS): 0.488 girls.
    p.female[rows] = model.streams.uniform("sex", p.pid[rows], 0) < 0.488
    p.hh[rows] = p.hh[mothers]
    p.dependent[rows] = True
    p.buurt[rows] = p.buurt[mothers]
    p.parent_rank[rows] = pop.h.rank[p.hh[mothers]]
    p.trust[rows] = model.cfg.trust.initial_mean
    idx = np.arange(rows.start, rows.stop)
    school.redraw_skill(model, idx)
    draw_death_ages(model, idx)
    p.rank_noise[idx] = model.cfg.work.rank_noise_sd * model.streams.normal(
        "rank_noise", p.pid[idx], 0)
    model.flows.enter(idx, "births")
    model.cohort.tag_newborns(idx)
