"""Street-level professionals: one Mesa agent per post (wijkagent, teacher, youth worker, caretaker,
social-team worker), with its occupant's tenure, local knowledge, relationships, load and stress.

Figures (with their sources; see docs/model.md):
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

from sim.rates import step_prob

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
    # Effectiveness of a newcomer without local knowledge, as a share of a familiar colleague's
    # (est. 0.3: casework, policing and teaching lean on knowing the people and the place).
    newcomer: float = 0.3


ROLES = {
    # 1 per 5,000 residents at 80 % time in the wijk; measured 65 % -> regular load 0.8/0.65 ~ 1.2.
    "wijkagent": Role("wijkagent", "enforcement", 5000.0 * 0.8, 1.2, True, wijk_wide=True),
    # Class of ~22 pupils per teacher FTE (est.); shortage in deprived districts -> load ~1.1.
    "teacher": Role("teacher", "school", 22.0, 1.1, False),
    # Youth care norm 13 cases per FTE; >20 in practice -> regular load ~1.6.
    "youth_worker": Role("youth_worker", "youth", 13.0, 1.6, True),
    # Buurtconcierge: one per ~800 dwellings (est.); none in regular provision. Cleaning up and
    # repairing need little local knowledge (est. 0.8): clean-intact-safe acts within months
    # (Branas et al. 2018, PNAS 115(12): vacant-lot remediation cut gun violence within the trial).
    "caretaker": Role("caretaker", "clean_intact_safe", 800.0, math.inf, True, newcomer=0.8),
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
        return cls(year=model.year, dt=dt, learn=step_prob(1.0 / c.learning_years, dt),
                   relate=step_prob(1.0 / c.relationship_years, dt), settle=step_prob(2.0, dt),
                   unsupported=1.0 - 0.5 * c.support, turnover=c.turnover_rate,
                   first_year=c.first_year_multiplier, overload_quit=c.overload_quit_effect,
                   rotation=c.rotation_years)


POST_COLUMNS: dict[str, tuple[type, object]] = {
    "post_id": (np.int64, -1),
    "role_i": (np.intp, 0),  # index into ROLES
    "buurt": (np.intp, 0),
    "programme": (np.bool_, False),  # funded by the programme (else regular provision)
    "alive": (np.bool_, True),  # False once the post is abolished
    "filled": (np.bool_, False),
    "tenure": (np.float64, 0.0),
    "knowledge": (np.float64, 0.0),
    "relationships": (np.float64, 0.0),
    "load": (np.float64, 1.0),
    "stress": (np.float64, 0.0),
    "vacant_until": (np.float64, 0.0),
    "fte": (np.float64, 1.0),  # full-time equivalents of the post (regular posts: see _regular_posts)
}
ROLE_NAMES = list(ROLES)


def _column(name: str) -> property:
    def get(self: Professional) -> object:
        return getattr(self.model.posts, name)[self.slot].item()

    def put(self: Professional, value: object) -> None:
        getattr(self.model.posts, name)[self.slot] = value

    return property(get, put, doc=f"This post's ``{name}`` (a column of ``model.posts``).")


class Professional(mesa.Agent):
    """One post and its current occupant (if any): a handle on a row of ``model.posts``.

    As with residents, the numeric state lives in columns and the rules are vectorised over all
    posts (``step_posts``); the agent carries the post's identity and its one-off actions (hire,
    vacate, abolish).
    """

    def __init__(self, model: Neighbourhood, role: str, buurt: int, funded_by: str) -> None:
        super().__init__(model)
        self.role = role
        self.buurt = int(buurt)
        self.funded_by = funded_by  # "regular" or "programme"
        self.post_id = model.next_post_id
        model.next_post_id += 1
        sl = model.posts.grow(1)
        self.slot = sl.start
        P = model.posts
        P.post_id[self.slot] = self.post_id
        P.role_i[self.slot] = ROLE_NAMES.index(role)
        P.buurt[self.slot] = self.buurt
        P.programme[self.slot] = funded_by == "programme"
        P.vacant_until[self.slot] = model.year + vacancy_durations(model, np.array([self.post_id]))[0]

    filled = _column("filled")
    tenure = _column("tenure")
    knowledge = _column("knowledge")
    relationships = _column("relationships")
    load = _column("load")
    stress = _column("stress")
    vacant_until = _column("vacant_until")
    fte = _column("fte")

    def vacate(self, reason: str) -> None:
        """The occupant leaves (quit, rotation, reassignment, post abolished)."""
        vacate_slots(self.model, np.array([self.slot]), reason)

    def abolish(self) -> None:
        """Remove the post (budget cut or end of the programme)."""
        self.vacate("abolished")
        self.model.posts.alive[self.slot] = False
        self.remove()

    @property
    def effectiveness(self) -> float:
        """A newcomer is ``Role.newcomer`` (mostly 30 %) as effective as a fully familiar
        professional (est.)."""
        n0 = ROLES[ROLE_NAMES[self.model.posts.role_i[self.slot]]].newcomer
        return n0 + (1.0 - n0) * self.knowledge if self.filled else 0.0


def vacancy_durations(model: Neighbourhood, post_ids: np.ndarray) -> np.ndarray:
    """Years until each vacancy is filled: exponential, longer in deprived areas (counter-based draw)."""
    c = model.staffing
    mean = c.vacancy_months / 12.0 * c.deprived_vacancy_multiplier
    if mean <= 0:
        return np.zeros(post_ids.size)
    u = model.streams.uniform("vacancy", post_ids, model.steps)
    return -mean * np.log1p(-u)


def vacate_slots(model: Neighbourhood, slots: np.ndarray, reason: str) -> None:
    """Occupants of ``slots`` leave: knowledge and relationships go with them; vacancies open."""
    P = model.posts
    slots = slots[P.filled[slots]]
    if slots.size == 0:
        return
    P.filled[slots] = False
    P.tenure[slots] = P.knowledge[slots] = P.relationships[slots] = P.stress[slots] = 0.0
    P.vacant_until[slots] = model.year + vacancy_durations(model, P.post_id[slots])
    led = model.staff_ledger
    led["leavers"] += int(slots.size)
    led[reason] = led.get(reason, 0) + int(slots.size)
    for slot in slots.tolist():
        if P.programme[slot]:
            model.programme.staff_left()
        model.initiatives.contact_left(int(P.post_id[slot]))


def step_posts(model: Neighbourhood) -> None:
    """All posts at once: vacancies filled; occupants learn, build relationships, feel overload
    (Lipsky), and may quit or rotate. Same rules as a per-post step, vectorised."""
    k = StaffStep.of(model)
    P = model.posts
    live = P.alive
    occupied = live & P.filled  # occupants at the start of the step (new hires start next step)
    hire = live & ~P.filled & (k.year >= P.vacant_until)
    if hire.any():
        P.filled[hire] = True
        P.tenure[hire] = P.knowledge[hire] = P.relationships[hire] = P.stress[hire] = 0.0
        model.staff_ledger["hires"] += int(hire.sum())
    occ = np.flatnonzero(occupied)
    if occ.size == 0:
        return
    P.tenure[occ] += k.dt
    P.knowledge[occ] += (1.0 - P.knowledge[occ]) * k.learn
    P.relationships[occ] += (1.0 - P.relationships[occ]) * k.relate
    overload = np.maximum(P.load[occ] - 1.0, 0.0) * k.unsupported
    P.stress[occ] += (overload - P.stress[occ]) * k.settle
    tenure = P.tenure[occ]
    rate = k.turnover * np.where(tenure < 1.0, k.first_year, 1.0) * np.exp(k.overload_quit * P.stress[occ])
    u = model.streams.uniform("staff_quit", P.post_id[occ], model.steps)
    quits = u < step_prob(rate, k.dt)
    rotates = ~quits & (k.rotation > 0.0) & (tenure >= k.rotation)
    vacate_slots(model, occ[quits], "quits")
    vacate_slots(model, occ[rotates], "rotations")
