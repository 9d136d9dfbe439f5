"""Offending: registration as a crime suspect along the age-crime curve.

The rate follows a bell-shaped age-crime curve peaking in the late teens (commonly reported 17-21;
peak 18 here), scaled by risk factors on the log scale: low parental rank, low school attainment/skill,
neighbourhood disorder, low trust in institutions, and a prior registration (state dependence).
Calibration target: about 2 % of Dutch 12-24-year-olds are registered suspects in a year (54,000 in
2022, CBS; our derivation), and much more in deprived wijken (we aim at ~4 %, est.). Criminal networks
(recruitment, enforcement) come with the crime issue and will feed ``network_ever``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtr

from sim.mechanisms.school import rank_z

if TYPE_CHECKING:
    from sim.model import Neighbourhood

MIN_AGE, MAX_AGE = 12.0, 25.0  # ages at which registrations are counted (12-24)


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
    disorder_term = np.append(c.disorder_effect * (model.env.disorder - 0.3), 0.0)[b]
    out = np.flatnonzero(b < 0)
    if out.size:
        disorder_term[out] = c.disorder_effect * ((1.0 - p.place_quality[young[out]]) - 0.3)
    pr = p.parent_rank[young]
    trust = p.trust[young]
    risk = (c.family_effect * (0.5 - pr / 100.0)
            + c.attainment_effect * -(0.7 * p.skill[young] + 0.3 * rank_z(pr))
            + disorder_term
            + c.trust_effect * (0.5 - trust)
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
    curve = np.exp(-0.5 * ((age[young] - c.peak_age) / c.curve_width) ** 2)
    rate = c.base_rate * curve * np.exp(risk)
    u = model.streams.uniform("offending", p.pid[young], model.steps)
    reg = young[u < -np.expm1(-rate * model.dt)]
    p.suspect_ever[reg] = True
    p.suspect_last[reg] = model.year
    rb = p.buurt[reg]
    # Registrations this step: those of the offending rule plus the networks' arrests.
    model.env.registrations[:] = np.bincount(rb[rb >= 0], minlength=model.n_buurten) \
        + model.arrests_by_buurt
    model.arrests_by_buurt[:] = 0
    if model.year >= 0:  # the calibration window: residents after burn-in
        inw = reg[rb >= 0]
        model.offending_age_counts += np.bincount(p.age[inw].astype(int), minlength=101)[:101]


def draw_history(model: Neighbourhood, rows: np.ndarray) -> None:
    """A registration history for people who arrive (or start) older than 12.

    Without it newcomers would arrive with a clean record and the wijk's by-place suspect share would
    be biased low. The chance of at least one registration between 12 and the person's current age
    (capped at 25) follows the same age-crime curve and background risk (family, skill), with
    disorder and trust at typical values and no state dependence (so slightly conservative).
    """
    c = model.cfg.offending
    p = model.pop.p
    old = rows[p.age[rows] > MIN_AGE]
    if old.size == 0:
        return
    upto = np.minimum(p.age[old], MAX_AGE)
    w = c.curve_width
    integral = w * np.sqrt(2 * np.pi) * (ndtr((upto - c.peak_age) / w) - ndtr((MIN_AGE - c.peak_age) / w))
    risk = (c.family_effect * (0.5 - p.parent_rank[old] / 100.0)
            + c.attainment_effect * -(0.7 * p.skill[old] + 0.3 * rank_z(p.parent_rank[old])))
    prob = -np.expm1(-c.base_rate * np.exp(risk) * integral)
    u = model.streams.uniform("offending_history", p.pid[old], 0)
    p.suspect_ever[old] = u < prob
