"""Trust in professionals and institutions (0-1).

Trust relaxes towards a target set by what a person experiences: the liveability of where they live
and whether they have work (both our estimates of size). Falls are faster than rises: a bad
experience weighs several times a good one (Skogan 2006 reports 4-14x for police contacts); here the
downward adjustment rate is 3x the upward one (est.). The programme issue adds contact with
familiar professionals, delivered results and broken promises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.rates import step_prob

if TYPE_CHECKING:
    from sim.model import Neighbourhood

WIJK_LIVEABILITY = 0.5  # liveability (a deprived wijk's) at which trust sits at its initial mean (est.)
DOWN_MULTIPLIER = 3.0  # falls are faster than rises (Skogan 2006: 4-14x; est. 3x for a rate)


def target(model: Neighbourhood) -> np.ndarray:
    """Each person's trust target (all rows).

    In the wijk the target depends only on the buurt and employment, so it is computed once per
    (buurt, employed) pair and looked up (the same arithmetic, in the same order, as per person);
    people elsewhere, whose place is their own, are computed one by one.
    """
    c = model.cfg.trust
    sc = model.cfg.services
    p = model.pop.p
    # Per-buurt terms, with a leading entry for people elsewhere: familiar faces (relationships of
    # the professionals residents meet) and delivered results (liveability gained over the past
    # year) build trust in the wijk; the reverse lowers it. Elsewhere only the place counts.
    liv = np.concatenate(([0.0], model.env.liveability))
    contact = sc.contact_trust_effect * (model.services.familiarity - model.services.familiarity_ref)
    wijk_term = np.concatenate(([0.0], contact + sc.results_trust_effect * model.env.liveability_change))
    work_term = c.employment_effect * (np.array([False, True]) - 0.5)
    table = (c.initial_mean + c.liveability_effect * (liv - WIJK_LIVEABILITY))[:, None] + work_term
    table += wijk_term[:, None]
    np.clip(table, 0.0, 1.0, out=table)
    key = p.buurt.astype(np.int16)  # row 2 * (buurt + 1) + employed of the flattened table
    key += 1
    key <<= 1
    key += p.employed
    t = table.take(key)
    out = np.flatnonzero(p.buurt < 0)
    if out.size:
        live = model.places.at(model.places.liveability, p.place_pct[out])
        t[out] = np.clip(c.initial_mean + c.liveability_effect * (live - WIJK_LIVEABILITY)
                         + c.employment_effect * (p.employed[out] - 0.5) + wijk_term[0], 0.0, 1.0)
    return t


def step(model: Neighbourhood) -> None:
    """Trust moves towards its target, falling faster than it rises (everyone, children too: by 12
    a child's trust reflects the place and the services it grew up with)."""
    p = model.pop.p
    if p.n == 0:
        return
    tgt = target(model)
    cur = p.trust
    k_up = step_prob(model.cfg.trust.adjust_rate, model.dt)
    k_down = step_prob(model.cfg.trust.adjust_rate * DOWN_MULTIPLIER, model.dt)
    down = tgt < cur
    tgt -= cur
    tgt *= np.where(down, k_down, k_up)
    cur += tgt
