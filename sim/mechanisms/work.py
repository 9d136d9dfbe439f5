"""Work: labour-market entry, employment transitions and income rank.

Employment follows a two-state hazard model: job finding ``f`` and job loss ``s`` per year, both
shifted by education level and skill (log-linear, our estimates), so the steady-state employment
share is f/(f+s). The income rank (a national percentile, 0-100) of a worker rises with education,
skill and a persistent personal component; people without work sit near the bottom (benefits). The
parameters are estimates; the household income built on them (``sim.mechanisms.income``) is checked
against CBS 2023's intergenerational transitions and Ravesteijn et al.'s rank-rank slope on a national
reference population (docs/model.md §7.3a, §9).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import EDU_UNDECIDED
from sim.rates import steady_share, step_prob

if TYPE_CHECKING:
    from sim.model import Neighbourhood


def _rates(model: Neighbourhood, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = model.cfg.work
    p = model.pop.p
    edu = np.maximum(p.edu[idx], 0).astype(float)
    x = c.education_effect * (edu - 1.0) + c.skill_effect * p.skill[idx]
    return c.job_finding_rate * np.exp(x), c.job_loss_rate * np.exp(-x)


def potential_rank(model: Neighbourhood, idx: np.ndarray) -> np.ndarray:
    """Income rank a person earns when employed."""
    c = model.cfg.work
    p = model.pop.p
    edu = np.maximum(p.edu[idx], 0)
    r = (c.rank_base + c.rank_per_level * edu + c.rank_per_skill * p.skill[idx]
         + p.rank_noise[idx] + c.rank_per_exposure * p.exposure[idx])
    return np.clip(r, 1.0, 99.0)


def _set_ranks(model: Neighbourhood, idx: np.ndarray) -> None:
    c = model.cfg.work
    p = model.pop.p
    pot = potential_rank(model, idx)
    retired = p.age[idx] >= c.retirement_age
    low = np.clip(c.rank_benefit + 0.3 * p.rank_noise[idx], 1.0, 99.0)
    rank = np.where(p.employed[idx], pot, low)
    # Pensions: between benefit level and former earnings (est.).
    rank = np.where(retired, 0.6 * pot + 0.4 * low, rank)
    p.income_rank[idx] = rank


def labour_force(model: Neighbourhood) -> np.ndarray:
    """Rows of adults out of school below retirement age (the labour force)."""
    p = model.pop.p
    return np.flatnonzero((p.age >= 16) & (p.age < model.cfg.work.retirement_age)
                          & ~p.in_school & (p.edu != EDU_UNDECIDED))


def init_labour(model: Neighbourhood, idx: np.ndarray, rng: np.random.Generator) -> None:
    """Initial employment at its steady-state probability; personal rank component."""
    p = model.pop.p
    c = model.cfg.work
    p.rank_noise[idx] = c.rank_noise_sd * model.streams.normal("rank_noise", p.pid[idx], 0)
    lf = idx[(p.age[idx] >= 16) & (p.age[idx] < c.retirement_age) & ~p.in_school[idx]
             & (p.edu[idx] != EDU_UNDECIDED)]
    f, s = _rates(model, lf)
    p.employed[idx] = False
    p.employed[lf] = rng.random(lf.size) < steady_share(f, s)
    _set_ranks(model, idx)


def step(model: Neighbourhood) -> None:
    """Employment transitions for the labour force; everyone's income rank updated."""
    p = model.pop.p
    c = model.cfg.work
    lf = labour_force(model)
    switch = np.zeros(lf.size, dtype=bool)
    if lf.size:
        f, s = _rates(model, lf)
        # Work coaching by the social team raises job finding in the wijk, with uptake ~ trust.
        b = p.buurt[lf]
        inw = b >= 0
        if inw.any():
            rel = model.services.relative("social_worker")[b[inw]]
            f[inw] *= np.exp(model.cfg.services.work_effect * rel * (0.5 + p.trust[lf[inw]]))
        u = model.streams.uniform("work", p.pid[lf], model.steps)
        emp = p.employed[lf]
        hazard = np.where(emp, s, f)
        switch = u < step_prob(hazard, model.dt)
        p.employed[lf] = emp ^ switch
    # Retirement ends employment (only the labour force can find work, so only those crossing the
    # pension age this step need it). Ranks change only with employment, retirement, school
    # leaving and (for the young) the still-growing exposure term: recompute those rows only.
    age = p.age
    dt = model.dt
    retiring = (age >= c.retirement_age) & (age < c.retirement_age + dt)
    p.employed[retiring] = False
    changed = (age < model.cfg.school.exposure_zero_age + dt) | retiring | (
        (age >= p.school_end_age) & (age < p.school_end_age + dt))
    changed &= (age >= 16) & (p.edu != EDU_UNDECIDED)
    changed[lf[switch]] = True if lf.size else False
    _set_ranks(model, np.flatnonzero(changed))
