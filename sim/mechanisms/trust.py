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

from sim.mechanisms.services import FAMILIARITY_REF

if TYPE_CHECKING:
    from sim.model import Neighbourhood

WIJK_LIVEABILITY = 0.5  # liveability (a deprived wijk's) at which trust sits at its initial mean (est.)
DOWN_MULTIPLIER = 3.0  # falls are faster than rises (Skogan 2006: 4-14x; est. 3x for a rate)


def target(model: Neighbourhood) -> np.ndarray:
    """Each person's trust target (all rows; computed on whole columns, no gathers by mask)."""
    c = model.cfg.trust
    sc = model.cfg.services
    p = model.pop.p
    b1 = p.buurt.astype(np.intp) + 1  # 0 = not in the wijk
    # Per-buurt terms, with a leading entry for people elsewhere: familiar faces (relationships of
    # the professionals residents meet) and delivered results (liveability gained over the past
    # year) build trust in the wijk; the reverse lowers it. Elsewhere only the place counts.
    liv = np.concatenate(([0.0], model.env.liveability))
    contact = sc.contact_trust_effect * (model.services.familiarity - FAMILIARITY_REF)
    wijk_term = np.concatenate(([0.0], contact + sc.results_trust_effect * model.env.liveability_change))
    place = np.where(b1 > 0, liv[b1], p.place_quality)
    t = (c.initial_mean + c.liveability_effect * (place - WIJK_LIVEABILITY)
         + c.employment_effect * (p.employed - 0.5) + wijk_term[b1])
    return np.clip(t, 0.0, 1.0)


def step(model: Neighbourhood) -> None:
    """Trust moves towards its target, falling faster than it rises (everyone, children too: by 12
    a child's trust reflects the place and the services it grew up with)."""
    p = model.pop.p
    if p.n == 0:
        return
    tgt = target(model)
    cur = p.trust
    k_up = -np.expm1(-model.cfg.trust.adjust_rate * model.dt)
    k_down = -np.expm1(-model.cfg.trust.adjust_rate * DOWN_MULTIPLIER * model.dt)
    cur += (tgt - cur) * np.where(tgt < cur, k_down, k_up)
