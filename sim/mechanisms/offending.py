"""Offending: registration as a crime suspect, by sex and age from CBS hazards.

The base hazard of a 12-24-year-old is the Dutch registration rate for their sex and single year of
age (``CBS_TOTAL`` x sex shares, below), so the age-crime curve and its peak come from the data: boys
peak at 19 (3.7 % a year; the CBS Jeugdmonitor 2018 reports 3.8 % at 18-19), girls at 16-17
(0.8 %; Jeugdmonitor: 0.9 % at 15-17). The hazard is scaled by risk factors on the log scale: low
parental rank, low skill/background (attachment), the disorder of the place the person lives (on the
national scale of ``sim.places``), low trust, a prior registration (state dependence) and network
membership. Each factor is centred on the national average person, and the base is divided by the
national mean of the risk multiplier (background spread and prior registrations), so an average
Dutch youth meets the CBS rate. A deprived wijk then comes out above it through its residents'
risks, not through a typed-in level (pattern 3 of docs/model.md: about 2-3x, est.).

Sources: CBS StatLine 81997NED (registered suspects per 10,000 by single year of age, 2022: 12: 34,
13: 91, 14: 153, 15: 184, 16: 199, 17: 200, 18: 206, 19: 218); CBS 2024 (178 per 10,000 aged 18-22
in 2023; persons in low-income households are registered >3x as often as average); CBS 2019 (2018:
3.2 % of men vs 0.6 % of women aged 18-24); CBS Jeugdmonitor 2018 (girls' share of suspects).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms.school import rank_z
from sim.rates import step_prob

if TYPE_CHECKING:
    from sim.model import Neighbourhood

MIN_AGE, MAX_AGE = 12.0, 25.0  # ages at which registrations are counted (12-24)
AGES = np.arange(12, 25)
# Registered suspects per 10,000 residents by single year of age, both sexes. 12-19: CBS 81997NED
# (2022). 20-24 (est.): 20-22 average 155 so that 18-22 averages 178 (CBS, 2023), falling by ~10
# per year of age after the peak, as the CBS age curve does.
CBS_TOTAL = np.array([34, 91, 153, 184, 199, 200, 206, 218, 165, 155, 145, 135, 125], float)
# Girls' share of suspects: 0.20 at 12-17 (Jeugdmonitor 2018: girls peak at 0.9 % at 15-17 when
# both sexes are ~2.2 %), 0.16 at 18-24 (CBS 2018: 0.6 % of women vs 3.2 % of men).
FEMALE_SHARE = np.where(AGES < 18, 0.20, 0.16)
# Per person-year, by sex (row 0 male, row 1 female); equal numbers of boys and girls assumed.
CBS_RATE = np.stack([2 * CBS_TOTAL * (1 - FEMALE_SHARE), 2 * CBS_TOTAL * FEMALE_SHARE]) / 1e4
NATIONAL_DISORDER = 0.2  # disorder of the median Dutch place (``sim.places`` at u = 0.5, ~0.2)
NATIONAL_TRUST = 0.5  # trust at which the trust term is zero


def national_youth_rate() -> float:
    """Registrations per 12-24-year-old per year, both sexes (the CBS table's mean)."""
    return float(CBS_RATE.mean())


def national_hazard(age: np.ndarray, female: np.ndarray) -> np.ndarray:
    """The CBS registration rate per year at ``age`` (12-24) for each sex."""
    a = np.clip(age, MIN_AGE, MAX_AGE - 1e-9).astype(int) - 12
    return CBS_RATE[female.astype(np.intp), a]


@functools.cache
def _prior_share(prior_effect: float) -> np.ndarray:
    """Share of each sex and age with a prior registration, and the mean multiplier it implies.

    Returns ``1 / (1 + s (e^prior - 1))``: dividing the CBS rate by it makes the national mean hazard,
    with state dependence, equal the CBS rate (s = chance of a registration before this age).
    """
    cum = np.concatenate([np.zeros((2, 1)), np.cumsum(CBS_RATE, axis=1)[:, :-1]], axis=1)
    s = step_prob(cum, 1.0)
    return 1.0 / (1.0 + s * np.expm1(prior_effect))


def _background(c: object, model: Neighbourhood, rows: np.ndarray) -> np.ndarray:
    """Family and attainment terms (zero on average nationally)."""
    p = model.pop.p
    pr = p.parent_rank[rows]
    return (c.family_effect * (0.5 - pr / 100.0)
            + c.attainment_effect * -(0.7 * p.skill[rows] + 0.3 * rank_z(pr)))


def background_spread(model: Neighbourhood) -> float:
    """Mean of exp(background) over the national population (normal approximation)."""
    c = model.cfg.offending
    rho = model.cfg.work.skill_family_correlation
    # background = -(0.2887 f + a (0.7 rho + 0.3)) z(pr) - 0.7 a sqrt(1 - rho^2) e, z and e unit variance
    b = 0.2887 * c.family_effect + c.attainment_effect * (0.7 * rho + 0.3)
    var = b * b + (0.7 * c.attainment_effect) ** 2 * (1 - rho * rho)
    return float(np.exp(0.5 * var))


def step(model: Neighbourhood) -> None:
    """Register suspects among 12-24-year-olds; count registrations per buurt."""
    c = model.cfg.offending
    p = model.pop.p
    age = p.age
    young = np.flatnonzero((age >= MIN_AGE) & (age < MAX_AGE) & ~p.leave)
    if young.size == 0:
        model.env.registrations[:] = model.arrests_by_buurt
        model.arrests_by_buurt[:] = 0
        return
    b = p.buurt[young]
    # Per-buurt terms are computed on the buurt arrays and looked up (the same arithmetic as per
    # person), with a last entry for people elsewhere (buurt -1): their disorder is that of their
    # own place, and no wijk services reach them (a term of exactly 0).
    disorder_term = np.append(c.disorder_effect * (model.env.disorder - NATIONAL_DISORDER), 0.0)[b]
    out = np.flatnonzero(b < 0)
    if out.size:
        disorder_term[out] = c.disorder_effect * (
            model.places.at(model.places.disorder, p.place_pct[young[out]]) - NATIONAL_DISORDER)
    trust = p.trust[young]
    risk = (_background(c, model, young) + disorder_term
            + c.trust_effect * (NATIONAL_TRUST - trust)
            + c.prior_effect * p.suspect_ever[young]
            + model.cfg.networks.member_offending_effect * (p.network[young] >= 0))
    # Street-level services in the wijk: policing deters (more where residents cooperate, i.e.
    # trust), youth work prevents (taken up in proportion to trust). Effects are zero at the
    # service level of regular provision.
    sv, sc = model.services, model.cfg.services
    police = sc.enforcement_offending_effect * sv.relative("wijkagent") * (0.5 + model.env.mean_trust)
    youth = sc.youth_offending_effect * sv.relative("youth_worker")
    trust += 0.5  # uptake
    trust *= np.append(youth, 0.0)[b]
    trust += np.append(police, 0.0)[b]
    risk -= trust
    age_i = age[young].astype(np.intp) - 12
    sex = p.female[young].view(np.uint8)
    base = (c.hazard_multiplier / background_spread(model)) * (
        CBS_RATE * _prior_share(c.prior_effect))[sex, age_i]
    rate = base * np.exp(risk)
    u = model.streams.uniform("offending", p.pid[young], model.steps)
    reg = young[u < step_prob(rate, model.dt)]
    p.suspect_ever[reg] = True
    p.suspect_last[reg] = model.year
    rb = p.buurt[reg]
    # Registrations this step: those of the offending rule plus the networks' arrests.
    model.env.registrations[:] = np.bincount(rb[rb >= 0], minlength=model.n_buurten) \
        + model.arrests_by_buurt
    model.arrests_by_buurt[:] = 0
    if model.year >= 0:  # the calibration window: residents after burn-in
        inw = reg[rb >= 0]
        key = p.age[inw].astype(np.intp) + 101 * p.female[inw]
        model.offending_age_counts += np.bincount(key, minlength=202).reshape(2, 101)


def draw_history(model: Neighbourhood, rows: np.ndarray) -> None:
    """A registration history for people who arrive (or start) older than 12.

    Without it newcomers would arrive with a clean record and the wijk's by-place suspect share would
    be biased low. The chance of at least one registration between 12 and the person's current age
    (capped at 25) integrates the same sex- and age-specific CBS hazard with the person's background
    risk (family, skill), disorder and trust at national values and no state dependence (so slightly
    conservative).
    """
    c = model.cfg.offending
    p = model.pop.p
    old = rows[p.age[rows] > MIN_AGE]
    if old.size == 0:
        return
    upto = np.minimum(p.age[old], MAX_AGE)
    cum = np.concatenate([np.zeros((2, 1)), np.cumsum(CBS_RATE * _prior_share(c.prior_effect),
                                                      axis=1)], axis=1)  # at ages 12, 13, ..., 25
    sex = p.female[old].view(np.uint8)
    x = upto - MIN_AGE
    i = np.minimum(x.astype(np.intp), 12)
    integral = cum[sex, i] + (x - i) * (cum[sex, np.minimum(i + 1, 13)] - cum[sex, i])
    risk = _background(c, model, old)
    prob = step_prob((c.hazard_multiplier / background_spread(model)) * np.exp(risk), integral)
    u = model.streams.uniform("offending_history", p.pid[old], 0)
    p.suspect_ever[old] = u < prob
