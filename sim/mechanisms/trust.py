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

from sim.mechanisms.school import local_quality
from sim.mechanisms.services import FAMILIARITY_REF

if TYPE_CHECKING:
    from sim.model import Neighbourhood

WIJK_LIVEABILITY = 0.5  # liveability (a deprived wijk's) at which trust sits at its initial mean (est.)
DOWN_MULTIPLIER = 3.0  # falls are faster than rises (Skogan 2006: 4-14x; est. 3x for a rate)


def target(model: Neighbourhood, rows: np.ndarray) -> np.ndarray:
    c = model.cfg.trust
    p = model.pop.p
    t = (c.initial_mean + c.liveability_effect * (local_quality(model, rows) - WIJK_LIVEABILITY)
         + c.employment_effect * (p.employed[rows] - 0.5))
    # In the wijk: familiar faces (relationships of professionals residents meet) and delivered
    # results (liveability gained over the past year) build trust; the reverse lowers it.
    b = p.buurt[rows]
    inw = b >= 0
    if inw.any():
        sc = model.cfg.services
        bi = b[inw]
        t[inw] += (sc.contact_trust_effect * (model.services.familiarity[bi] - FAMILIARITY_REF)
                   + sc.results_trust_effect * model.env.liveability_change[bi])
    return np.clip(t, 0.0, 1.0)


def step(model: Neighbourhood) -> None:
    p = model.pop.p
    rows = np.flatnonzero(p.age >= 12)
    if rows.size == 0:
        return
    tgt = target(model, rows)
    cur = p.trust[rows]
    rate = model.cfg.trust.adjust_rate * np.where(tgt < cur, DOWN_MULTIPLIER, 1.0)
    p.trust[rows] = cur + (tgt - cur) * -np.expm1(-rate * model.dt)
