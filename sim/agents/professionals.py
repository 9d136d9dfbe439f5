"""Street-level professionals: one Mesa agent per post (wijkagent, teacher, youth worker, caretaker,
social-team worker), with its occupant's tenure, local knowledge, relationships, load and stress.

Figures (DESIGN.md §2.5; carried here with their sources):
* wijkagent norm 1 per 5,000 residents with 80 % of time in the wijk; measured 65 % (Politie/Inspectie).
* Youth care caseload norm 12-14 per FTE, over 20 in practice; 12-22 % of new workers leave within 2
  years. Teacher attrition: secondary teachers under 30 ~20 % leave within a year, ~3-5 %/year after
  year 1 (DUO). Teacher shortage 15-26 % in deprived city districts vs 8.6 % nationally.
* Lipsky (1980): when demand exceeds capacity, street-level workers ration contacts and their
  effect per contact drops; overload raises stress and the quit hazard.
Per-role regular staffing levels and caseloads not listed above are our estimates.

A departure resets the post's local knowledge and relationships; the post is vacant until filled
(vacancy duration exponential, longer in deprived areas). Each post draws from its own random stream,
keyed by its post id, so regular posts meet the same luck in every scenario (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import Neighbourhood


@dataclass(frozen=True)
class Role:
    """A kind of street-level professional."""

    name: str
    domain: str  # the programme domain that funds extra posts of this role
    caseload: float  # clients one FTE serves at the norm
    regular_load: float  # load of regular provision in a deprived wijk (demand / capacity)
    contact: bool  # residents meet this role in person (familiar faces build trust)
    wijk_wide: bool = False  # posts serve the whole wijk (few posts) rather than one buurt


ROLES = {
    # 1 per 5,000 residents at 80 % time in the wijk; measured 65 % -> regular load 0.8/0.65 ~ 1.2.
    "wijkagent": Role("wijkagent", "enforcement", 5000.0 * 0.8, 1.2, True, wijk_wide=True),
    # Class of ~22 pupils per teacher FTE (est.); shortage in deprived districts -> load ~1.1.
    "teacher": Role("teacher", "school", 22.0, 1.1, False),
    # Youth care norm 13 cases per FTE; >20 in practice -> regular load ~1.6.
    "youth_worker": Role("youth_worker", "youth", 13.0, 1.6, True),
    # Buurtconcierge: one per ~800 dwellings (est.); none in regular provision.
    "caretaker": Role("caretaker", "clean_intact_safe", 800.0, math.inf, True),
    # Social-team / work coach: 40 clients per FTE (est.); regular load ~1.5 (est.).
    "social_worker": Role("social_worker", "work", 40.0, 1.5, True, wijk_wide=True),
}


@dataclass(frozen=True)
class StaffStep:
    """Per-step constants of the professionals' rules (from the staffing levers in force)."""

    year: float
    dt: float
    learn: float  # share of the knowledge gap closed this step
    relate: float  # share of the relationship gap closed this step
    settle: float  # share of the stress gap closed this step
    unsupported: float  # share of overload felt (support halves it at 1)
    turnover: float
    first_year: float
    overload_quit: float
    rotation: float

    @classmethod
    def of(cls, model: Neighbourhood) -> StaffStep:
        c, dt = model.staffing, model.dt
        return cls(year=model.year, dt=dt, learn=-math.expm1(-dt / c.learning_years),
                   relate=-math.expm1(-dt / c.relationship_years), settle=-math.expm1(-2.0 * dt),
                   unsupported=1.0 - 0.5 * c.support, turnover=c.turnover_rate,
                   first_year=c.first_year_multiplier, overload_quit=c.overload_quit_effect,
                   rotation=c.rotation_years)


class Professional(mesa.Agent):
    """One post and its current occupant (if any)."""

    def __init__(self, model: Neighbourhood, role: str, buurt: int, funded_by: str) -> None:
        super().__init__(model)
        self.role = role
        self.buurt = int(buurt)
        self.funded_by = funded_by  # "regular" or "programme"
        self.post_id = model.next_post_id
        model.next_post_id += 1
        self._rng = np.random.default_rng(
            np.random.SeedSequence(model.cfg.seed, spawn_key=(0x5057, self.post_id)))
        self.filled = False
        self.tenure = 0.0
        self.knowledge = 0.0
        self.relationships = 0.0
        self.load = 1.0
        self.stress = 0.0
        self.vacant_until = model.year + self._vacancy_duration()

    # -- occupancy ------------------------------------------------------------------------------
    def _vacancy_duration(self) -> float:
        c = self.model.staffing
        mean = c.vacancy_months / 12.0 * c.deprived_vacancy_multiplier
        return float(self._rng.exponential(mean)) if mean > 0 else 0.0

    def hire(self) -> None:
        """A new occupant starts: no local knowledge, no relationships yet."""
        self.filled = True
        self.tenure = self.knowledge = self.relationships = self.stress = 0.0
        self.model.staff_ledger["hires"] += 1

    def vacate(self, reason: str) -> None:
        """The occupant leaves (quit, rotation, reassignment, post abolished)."""
        if not self.filled:
            return
        self.filled = False
        self.tenure = self.knowledge = self.relationships = self.stress = 0.0
        self.vacant_until = self.model.year + self._vacancy_duration()
        self.model.staff_ledger["leavers"] += 1
        self.model.staff_ledger[reason] = self.model.staff_ledger.get(reason, 0) + 1
        if self.funded_by == "programme":
            self.model.programme.staff_left()
        self.model.initiatives.contact_left(self.post_id)

    def abolish(self) -> None:
        """Remove the post (budget cut or end of the programme)."""
        self.vacate("abolished")
        self.remove()

    @property
    def effectiveness(self) -> float:
        """A newcomer is 30 % as effective as a fully familiar professional (est.)."""
        return 0.3 + 0.7 * self.knowledge if self.filled else 0.0

    # -- the step -----------------------------------------------------------------------------
    def step(self) -> None:
        k = self.model.staff_step  # this step's constants (StaffStep), computed once per step
        if not self.filled:
            if k.year >= self.vacant_until:
                self.hire()
            return
        self.tenure += k.dt
        self.knowledge += (1.0 - self.knowledge) * k.learn
        self.relationships += (1.0 - self.relationships) * k.relate
        overload = (self.load - 1.0) * k.unsupported if self.load > 1.0 else 0.0
        self.stress += (overload - self.stress) * k.settle
        rate = k.turnover * (k.first_year if self.tenure < 1.0 else 1.0)
        if self.stress > 0.0:
            rate *= math.exp(k.overload_quit * self.stress)
        if self._rng.random() < -math.expm1(-rate * k.dt):
            self.vacate("quits")
        elif 0.0 < k.rotation <= self.tenure:
            self.vacate("rotations")
