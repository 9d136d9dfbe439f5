"""Household standardised income rank: the measure CBS uses for intergenerational mobility.

A person's ``income_rank`` (``sim.mechanisms.work``) is their own earnings position. CBS ranks
people by the *standardised disposable income of their household* (CBS 2023, "Inkomensmobiliteit
tussen familiegeneraties": parents' household income in 1995 against the adult children's in 2020),
so a partner's earnings count and the social minimum is a floor. This module turns the persons'
ranks into that measure:

* earnings of an adult with work (or a pension) are log-normal in their rank,
  ``exp(EARNINGS_LOG_SD * Phi^-1(rank / 100))`` (sd 0.6 of log earnings among earners, est.);
* a household's income is its adults' earnings, but at least the social minimum
  ``benefit * scale`` (Participatiewet norms: a couple gets 100 % of the norm, a single 70 %, so
  the minimum *per equivalent adult* is about the same for both);
* standardised income = income / scale, with scale ``1 + 0.4 * (adults - 1)`` (CBS equivalence
  scale: a couple without children 1.37; children are left out on both sides of the comparison);
* in the wijk the adults are the household's real adults; a person living elsewhere has a partner
  with probability ``PARTNER_SHARE(age)`` (est. from CBS household statistics: ~70 % of people in
  their thirties live with a partner), whose earnings potential correlates ``ASSORTATIVE`` with
  theirs (est.; educational homogamy) and who has work with probability ``PARTNER_EMPLOYED`` (est.;
  CBS net participation of 25-45-year-olds ~80-85 %);
* the rank is the percentile of that income among a **national reference population** of adults
  25-64, drawn once with the same rules (parents' rank uniform, skill, education at an average
  school, employment at its steady state, partners as above). The same population gives the
  national rank-rank slope the scorecard compares with Ravesteijn et al. (2024): 0.28 at age 35.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

from sim.mechanisms import work
from sim.population import EDU_HIGHER, EDU_NONE, EDU_START

if TYPE_CHECKING:
    from sim.config import WijksimConfig
    from sim.model import Neighbourhood

EARNINGS_LOG_SD = 0.6  # sd of log earnings among earners, incl. part-time work (est.)
ADULT_WEIGHT = 0.4  # equivalence weight of each further adult (CBS scale: couple 1.37)
PARTNER_PLATEAU = 0.70  # share living with a partner from the mid-thirties (est., CBS households)
PARTNER_MID_AGE, PARTNER_SPREAD = 27.0, 3.5  # logistic rise of partnership with age (est.)
ASSORTATIVE = 0.4  # correlation of partners' earnings potential (est.)
PARTNER_EMPLOYED = 0.8  # partner has work (est.)
REFERENCE_AGES = (25.0, 42.0)  # the children's generation as CBS 2023 ranks it (ages 25-42 in 2020)
REFERENCE_N = 60_000
REFERENCE_SEED = 20230316  # the national table is a property of the config, not of a run's seed


def partner_share(age: np.ndarray) -> np.ndarray:
    """Share of people of ``age`` living with a partner (est.)."""
    return PARTNER_PLATEAU / (1.0 + np.exp(-(np.asarray(age) - PARTNER_MID_AGE) / PARTNER_SPREAD))


def earnings(rank: np.ndarray) -> np.ndarray:
    """Earnings (median earner = 1) of a person at own income rank ``rank``."""
    return np.exp(EARNINGS_LOG_SD * ndtri(np.clip(rank, 0.5, 99.5) / 100.0))


def _standardised(own: np.ndarray, partner: np.ndarray, partnered: np.ndarray,
                  benefit: float) -> np.ndarray:
    scale = 1.0 + ADULT_WEIGHT * partnered
    return np.maximum(own + partner * partnered, benefit * scale) / scale


def _virtual_partner(own_potential: np.ndarray, z: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Earnings of a partner: potential correlated with the person's, work with PARTNER_EMPLOYED."""
    zp = ASSORTATIVE * ndtri(np.clip(own_potential, 0.5, 99.5) / 100.0) + np.sqrt(
        1 - ASSORTATIVE ** 2) * z
    return np.where(u < PARTNER_EMPLOYED, np.exp(EARNINGS_LOG_SD * zp), 0.0)


@lru_cache(maxsize=8)
def _reference(key: tuple) -> tuple[np.ndarray, float, float, float, float, float]:
    """Sorted standardised incomes of the national reference population; its rank-rank slope and
    the shares of children of the poorest fifth in the poorest and the top fifth; the national
    shares with a start qualification and with higher education."""
    (sw, fw, noise, thr_sq, thr_hi, rho, f0, s0, ee, se, base, per_level, per_skill, noise_sd,
     benefit_rank, retirement_age) = key
    rng = np.random.default_rng(REFERENCE_SEED)
    n = REFERENCE_N
    parent = rng.uniform(0, 100, n)
    zp = (parent - 50.0) / (100.0 / np.sqrt(12.0))
    skill = rho * zp + np.sqrt(1 - rho * rho) * rng.standard_normal(n)
    score = sw * skill + fw * zp + noise * rng.standard_normal(n)
    edu = np.where(score >= thr_hi, EDU_HIGHER, np.where(score >= thr_sq, EDU_START, EDU_NONE))
    x = ee * (edu - 1.0) + se * skill
    f, s = f0 * np.exp(x), s0 * np.exp(-x)
    employed = rng.random(n) < f / (f + s)
    pot = np.clip(base + per_level * edu + per_skill * skill + noise_sd * rng.standard_normal(n),
                  1.0, 99.0)
    age = rng.uniform(REFERENCE_AGES[0], REFERENCE_AGES[1], n)
    retired = age >= retirement_age
    partnered = rng.random(n) < partner_share(age)
    partner = _virtual_partner(pot, rng.standard_normal(n), rng.random(n))
    benefit = float(earnings(np.array([benefit_rank]))[0])
    # Pensions as ``work`` sets them: between the benefit level and former earnings.
    pension = earnings(0.6 * pot + 0.4 * benefit_rank)
    own = np.where(retired, pension, np.where(employed, earnings(pot), 0.0))
    partner = np.where(retired, pension * partner / np.maximum(earnings(pot), 1e-9), partner)
    std = _standardised(own, partner, partnered, benefit)
    table = np.sort(std)
    child_rank = 100.0 * np.searchsorted(table, std, side="right") / n
    # Mobility as CBS and Ravesteijn et al. measure it: children in their late twenties to forties.
    at = age >= REFERENCE_AGES[0]
    parent, child_rank = parent[at], child_rank[at]
    slope = float(np.polyfit(parent, child_rank, 1)[0])
    poor = child_rank[parent < 20.0]
    return table, slope, float((poor < 20).mean()), float((poor >= 80).mean()), \
        float((edu >= EDU_START).mean()), float((edu == EDU_HIGHER).mean())


def reference(cfg: WijksimConfig) -> tuple[np.ndarray, float, float, float, float, float]:
    """National reference table (sorted standardised incomes), rank-rank slope and the poorest
    fifth's children in the poorest and top fifth, national education shares, for ``cfg``."""
    s, w = cfg.school, cfg.work
    key = (s.skill_weight, s.family_weight, s.noise_sd, s.start_qual_threshold,
           s.higher_ed_threshold, w.skill_family_correlation, w.job_finding_rate,
           w.job_loss_rate, w.education_effect, w.skill_effect, w.rank_base, w.rank_per_level,
           w.rank_per_skill, w.rank_noise_sd, w.rank_benefit, w.retirement_age)
    return _reference(key)


def household_rank(model: Neighbourhood, rows: np.ndarray) -> np.ndarray:
    """Household standardised income rank (national percentile, 0-100) of persons ``rows``."""
    p = model.pop.p
    c = model.cfg.work
    table = reference(model.cfg)[0]
    benefit = float(earnings(np.array([c.rank_benefit]))[0])
    working = p.employed | (p.age >= c.retirement_age)
    own_all = np.where(working, earnings(p.income_rank), 0.0)
    own = own_all[rows]
    hh = p.hh[rows]
    inw = hh >= 0
    # In the wijk: the household's other adults are the real ones.
    adult = (p.hh >= 0) & ~p.dependent & (p.age >= 18)
    n_h = model.pop.h.n
    adults_h = np.bincount(p.hh[adult], minlength=n_h).astype(float)
    earn_h = np.bincount(p.hh[adult], weights=own_all[adult], minlength=n_h)
    self_adult = adult[rows]
    hh0 = np.maximum(hh, 0)
    others_n = adults_h[hh0] - self_adult
    others_e = earn_h[hh0] - np.where(self_adult, own, 0.0)
    # Elsewhere: a partner by the age rule (persistent draws keyed by person id).
    pid = p.pid[rows]
    partnered = model.streams.uniform("partner", pid, 0) < partner_share(p.age[rows])
    potential = work.potential_rank(model, rows)
    virtual = _virtual_partner(potential, model.streams.normal("partner_rank", pid, 0),
                               model.streams.uniform("partner_work", pid, 0))
    extra_n = np.where(inw, others_n, partnered.astype(float))
    extra_e = np.where(inw, others_e, virtual * partnered)
    scale = 1.0 + ADULT_WEIGHT * extra_n
    std = np.maximum(own + extra_e, benefit * scale) / scale
    return 100.0 * np.searchsorted(table, std, side="right") / table.size
