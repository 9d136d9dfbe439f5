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
  18-95 with the Dutch age structure (CBS ranks every person among all persons, not within a
  generation), drawn once per config with the same rules (parents' rank uniform, skill, education at
  an average school, employment at its steady state, partners as above, pensions). Households in the
  wijk are ranked the same way (``wijk_household_ranks``: the household rank, hence children's
  ``parent_rank``), so parents and children are on one scale.
* Mobility figures of the reference (children 25-42, ``Reference``): the rank-rank slope on these
  permanent incomes (Ravesteijn et al. 2024 average several years: 0.28 at 35), and the CBS 2023
  measure: one year's income for each generation (a transitory component, log sd ``TRANSITORY_SD``,
  est.) with parents ranked among all persons, where families with minors sit low (mean position 42,
  CBS 2023). docs/model.md §7.3a and §9 say why the measurement matters.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy.special import ndtr, ndtri

from sim.mechanisms import work
from sim.population import EDU_HIGHER, EDU_NONE, EDU_START
from sim.rates import steady_share

if TYPE_CHECKING:
    from sim.config import WijksimConfig
    from sim.model import Neighbourhood

EARNINGS_LOG_SD = 0.6  # sd of log earnings among earners, incl. part-time work (est.)
ADULT_WEIGHT = 0.4  # equivalence weight of each further adult (CBS scale: couple 1.37)
PARTNER_PLATEAU = 0.70  # share living with a partner from the mid-thirties (est., CBS households)
PARTNER_MID_AGE, PARTNER_SPREAD = 27.0, 3.5  # logistic rise of partnership with age (est.)
ASSORTATIVE = 0.4  # correlation of partners' earnings potential (est.)
PARTNER_EMPLOYED = 0.8  # partner has work (est.)
REFERENCE_AGES = (25.0, 43.0)  # the children's generation CBS 2023 follows (ages 25-42 in 2020)
REFERENCE_N = 120_000
# Dutch adults by age: (lower bound of the band, persons per year of age in millions), CBS population
# on 1 January 2020 (StatLine 7461bev), rounded: 18-24 1.5 M, 25-44 4.3 M, 45-64 4.9 M, 65-79 2.5 M,
# 80+ 0.8 M over 80-95.
AGE_BANDS = ((18.0, 0.21), (25.0, 0.215), (45.0, 0.245), (65.0, 0.167), (80.0, 0.05))
AGE_MAX = 95.0
# One year's income against the permanent level: log sd of the transitory component (est., set so the
# single-year rank-rank slope is ~0.2, the slope CBS 2023's figures imply: children of parents at the
# very bottom reach position ~50, of parents at the very top ~70).
TRANSITORY_SD = 0.4
# Parents' national position: families with minor children have a mean position of 42 among all
# persons (CBS 2023); a power transform of their percentile among parents gives that mean (u^1.38).
PARENT_NATIONAL_POWER = 100.0 / 42.0 - 1.0
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


class Reference(NamedTuple):
    """The national reference population, drawn once per config (see the module docstring)."""

    table: np.ndarray  # sorted standardised incomes of the national adult population (the ranking)
    slope: float  # rank-rank slope on permanent incomes (Ravesteijn et al. 2024's measure)
    slope_single_year: float  # the same on one year's incomes, parents ranked nationally (CBS 2023)
    bottom_bottom: float  # CBS measure: children of the poorest fifth: share in the poorest fifth
    bottom_top: float  # ... share in the top fifth
    top_bottom: float  # children of the richest fifth of parents: share in the poorest fifth
    child_mean: float  # the children's mean national rank (CBS 2023: 57)
    startqual: float  # national share with a start qualification (children's generation)
    higher: float  # national share with higher education (children's generation)


def national_ages(n: int, rng: np.random.Generator) -> np.ndarray:
    """Ages of ``n`` adults drawn from the Dutch adult age structure (``AGE_BANDS``)."""
    edges = np.array([a for a, _ in AGE_BANDS] + [AGE_MAX])
    w = np.array([d for _, d in AGE_BANDS]) * np.diff(edges)
    band = rng.choice(w.size, n, p=w / w.sum())
    return rng.uniform(edges[band], edges[band + 1])


@lru_cache(maxsize=8)
def _reference(key: tuple) -> Reference:
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
    employed = rng.random(n) < steady_share(f, s)
    pot = np.clip(base + per_level * edu + per_skill * skill + noise_sd * rng.standard_normal(n),
                  1.0, 99.0)
    age = national_ages(n, rng)
    retired = age >= retirement_age
    partnered = rng.random(n) < partner_share(age)
    partner = _virtual_partner(pot, rng.standard_normal(n), rng.random(n))
    benefit = float(earnings(np.array([benefit_rank]))[0])
    # Pensions as ``work`` sets them: between the benefit level and former earnings.
    pension = earnings(0.6 * pot + 0.4 * benefit_rank)
    own = np.where(retired, pension, np.where(employed, earnings(pot), 0.0))
    partner = np.where(retired, pension * partner / np.maximum(earnings(pot), 1e-9), partner)
    std = _standardised(own, partner, partnered, benefit)
    # The model's ranking: every adult by their household's standardised income among all adults
    # (CBS kwintielgroepen are of all households, not of one generation).
    table = np.sort(std)
    child = (age >= REFERENCE_AGES[0]) & (age < REFERENCE_AGES[1])
    # Ravesteijn et al. (2024) average incomes over several years: the permanent incomes above.
    rank = 100.0 * np.searchsorted(table, std, side="right") / n
    slope = float(np.polyfit(parent[child], rank[child], 1)[0])
    # CBS 2023 measures one year for both generations (parents 1995, children 2020): a transitory
    # component (log sd TRANSITORY_SD) on both sides, and parents ranked among all persons, where
    # families with minors sit low (mean position 42): national = 100 (u/100)^PARENT_NATIONAL_POWER.
    year = std * np.exp(TRANSITORY_SD * rng.standard_normal(n))
    table_year = np.sort(year)
    r = (100.0 * np.searchsorted(table_year, year, side="right") / n)[child]
    z_par = ndtri(np.clip(parent[child], 0.01, 99.99) / 100.0)
    u_par = ndtr((z_par + TRANSITORY_SD * rng.standard_normal(z_par.size))
                 / np.sqrt(1.0 + TRANSITORY_SD ** 2))
    par = 100.0 * u_par ** PARENT_NATIONAL_POWER
    slope_year = float(np.polyfit(par, r, 1)[0])
    poor, rich = r[par < 20.0], r[par >= 80.0]
    e = edu[child]
    return Reference(table, slope, slope_year, float((poor < 20).mean()),
                     float((poor >= 80).mean()), float((rich < 20).mean()), float(r.mean()),
                     float((e >= EDU_START).mean()), float((e == EDU_HIGHER).mean()))


def reference(cfg: WijksimConfig) -> Reference:
    """National reference population for ``cfg``: the ranking table and the mobility and education
    figures the scorecard compares with CBS, ESB and Ravesteijn et al."""
    s, w = cfg.school, cfg.work
    key = (s.skill_weight, s.family_weight, s.noise_sd, s.start_qual_threshold,
           s.higher_ed_threshold, w.skill_family_correlation, w.job_finding_rate,
           w.job_loss_rate, w.education_effect, w.skill_effect, w.rank_base, w.rank_per_level,
           w.rank_per_skill, w.rank_noise_sd, w.rank_benefit, w.retirement_age)
    return _reference(key)


def benefit_income(cfg: WijksimConfig) -> float:
    """The social minimum per equivalent adult (earnings at ``work.rank_benefit``)."""
    return float(earnings(np.array([cfg.work.rank_benefit]))[0])


def own_earnings(model: Neighbourhood, rows: slice | np.ndarray = slice(None)) -> np.ndarray:
    """Own earnings (work or pension; 0 without either) of persons ``rows`` (default: everyone)."""
    p = model.pop.p
    rank = p.income_rank[rows]
    working = p.employed[rows] | (p.age[rows] >= model.cfg.work.retirement_age)
    return np.where(working, earnings(rank), 0.0)


def rank_of(model: Neighbourhood, standardised: np.ndarray) -> np.ndarray:
    """National percentile (0-100) of standardised household incomes."""
    table = reference(model.cfg).table
    return 100.0 * np.searchsorted(table, standardised, side="right") / table.size


def single_rank(model: Neighbourhood, rows: np.ndarray) -> np.ndarray:
    """Household rank of persons ``rows`` living alone (own earnings, at least the social minimum)."""
    return rank_of(model, np.maximum(own_earnings(model, rows), benefit_income(model.cfg)))


def wijk_household_ranks(model: Neighbourhood, hids: np.ndarray | None = None,
                         rows: slice | np.ndarray | None = None) -> np.ndarray:
    """Household standardised income rank (its non-dependent members' earnings, at least the social
    minimum, over the equivalence scale) of households ``hids`` (default: every household, index =
    household id). ``rows``, when given, are exactly the members of ``hids`` (spares a search)."""
    p = model.pop.p
    n_h = model.pop.h.n
    if hids is None:
        sel: slice | np.ndarray = slice(None)
    else:
        sel = rows if rows is not None else np.flatnonzero(np.isin(p.hh, hids))
    hh = p.hh[sel]
    adult = (hh >= 0) & ~p.dependent[sel]
    own = own_earnings(model, sel)
    n_ad = np.bincount(hh[adult], minlength=n_h).astype(float)
    earn = np.bincount(hh[adult], weights=own[adult], minlength=n_h)
    if hids is not None:
        n_ad, earn = n_ad[hids], earn[hids]
    scale = 1.0 + ADULT_WEIGHT * np.maximum(n_ad - 1.0, 0.0)
    return rank_of(model, np.maximum(earn, benefit_income(model.cfg) * scale) / scale)


def household_rank(model: Neighbourhood, rows: np.ndarray) -> np.ndarray:
    """Household standardised income rank (national percentile, 0-100) of persons ``rows``: in the
    wijk their household's (``wijk_household_ranks``), elsewhere with a partner by the age rule."""
    p = model.pop.p
    benefit = benefit_income(model.cfg)
    own = own_earnings(model, rows)
    hh = p.hh[rows]
    inw = hh >= 0
    out = np.empty(rows.size)
    if inw.any():
        hids, at = np.unique(hh[inw], return_inverse=True)
        out[inw] = wijk_household_ranks(model, hids)[at]
    away = ~inw
    if away.any():
        # Elsewhere: a partner by the age rule (persistent draws keyed by person id).
        ra = rows[away]
        pid = p.pid[ra]
        partnered = model.streams.uniform("partner", pid, 0) < partner_share(p.age[ra])
        virtual = _virtual_partner(work.potential_rank(model, ra),
                                   model.streams.normal("partner_rank", pid, 0),
                                   model.streams.uniform("partner_work", pid, 0))
        out[away] = rank_of(model, _standardised(own[away], virtual, partnered, benefit))
    return out
