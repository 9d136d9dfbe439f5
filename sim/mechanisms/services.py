"""Street-level services per buurt: demand, capacity, load (Lipsky), service levels and familiarity.

For each role and buurt: demand (clients), capacity (filled posts x caseload x effectiveness, where a
newcomer without local knowledge is less effective and programme staff lose effectiveness while the
programme is relabelled), load = demand / (filled posts x caseload). Above a load of 1 contacts are
rationed (coverage < 1) and each contact is worth less (Lipsky 1980), unless professionals are
supported (``staffing.support``). The service level of a role in a buurt is coverage x quality, plus
half the saturating effect of the domain's non-staff money. Familiarity (the basis of trust in
professionals) is the coverage-weighted relationship stock of the roles residents meet in person.

The effects of these service levels are applied where they act: school quality (environment),
offending (mechanisms.offending), job finding (mechanisms.work), physical disorder (environment),
maintenance (landlords) and trust (mechanisms.trust). Sizes are in ``services.*`` (our estimates).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.professionals import ROLES
from sim.rates import step_prob

if TYPE_CHECKING:
    from sim.model import Neighbourhood

AT_RISK_SHARE = 0.2  # share of 12-23-year-olds who are youth-work clients (est.)
WORK_CLIENT_SHARE = 0.3  # share of the unemployed in a support trajectory (est.)
INPUT_HALF = 50.0  # euro per resident per year giving 63 % of an input's full effect (est.)
# Effects of services are zero at the service level of regular provision (``regular_reference``,
# computed from the config), so a wijk with regular provision only behaves like the calibrated
# foundation at any size; better or worse service moves outcomes from there.
CONTACT = np.array([role.contact for role in ROLES.values()])
CONTACT_ROWS = np.flatnonzero(CONTACT)
CONTACT_F = CONTACT.astype(float)
NEWCOMER = np.array([role.newcomer for role in ROLES.values()])
ROW = {r: i for i, r in enumerate(ROLES)}
BOOST_DOMAINS = tuple(role.domain for role in ROLES.values()) + ("housing",)
WIJK_WIDE = np.array([role.wijk_wide for role in ROLES.values()])
CASELOAD = np.array([[role.caseload] for role in ROLES.values()])  # a column: one row per role
N_ROLES = len(ROLES)


def _occupancy(staffing: object, overload: float) -> tuple[float, float, float, float]:
    """Steady state of one post under the quit and vacancy process (renewal theory).

    Returns (share of time filled, mean knowledge, mean relationships, mean tenure) of occupants, for
    a quit hazard ``turnover * first_year_multiplier`` in year 1 and ``turnover`` after, both times
    ``exp(overload_quit_effect * overload)``, rotation after ``rotation_years``, and vacancies of
    mean ``vacancy_months / 12 * deprived_vacancy_multiplier``.
    """
    c = staffing
    t = np.linspace(0.0, 80.0, 16001)
    dt = t[1] - t[0]
    q = c.turnover_rate * math.exp(c.overload_quit_effect * overload)
    hazard = np.where(t < 1.0, q * c.first_year_multiplier, q)
    survive = np.exp(-np.concatenate(([0.0], np.cumsum(hazard[:-1]) * dt)))
    if c.rotation_years > 0:
        survive = np.where(t < c.rotation_years, survive, 0.0)
    w = survive * dt
    mean_tenure = float(w.sum())
    vacancy = c.vacancy_months / 12.0 * c.deprived_vacancy_multiplier
    filled = mean_tenure / (mean_tenure + vacancy)
    know = float((w * step_prob(t, 1.0 / c.learning_years)).sum() / mean_tenure)
    rel = float((w * step_prob(t, 1.0 / c.relationship_years)).sum() / mean_tenure)
    occ_tenure = float((w * t).sum() / mean_tenure)
    return filled, know, rel, occ_tenure


def regular_reference(staffing: object, overload_quality_effect: float
                      ) -> tuple[dict[str, float], float]:
    """Service level of each role, and familiarity, that regular provision at the norm delivers.

    Computed from the config, not measured: a role staffed at its norm (``ROLES``: FTE = demand /
    (caseload x regular load), e.g. one wijkagent per 5,000 residents at 80 % of time) with posts
    in the steady state of the quit and vacancy process (``_occupancy``) has load = regular load /
    filled share, coverage = filled share x (n0 + (1 - n0) knowledge) / regular load (at most 1;
    n0 = ``Role.newcomer``, 0.3 for the roles with regular posts) and
    quality = 1 / (1 + e x overload), as ``Services.update`` computes them. Support is 0 in regular
    provision. Roles without regular posts (caretakers) have level 0.
    """
    levels: dict[str, float] = {}
    fam = 0.0
    for name, role in ROLES.items():
        if not math.isfinite(role.regular_load):
            levels[name] = 0.0
            continue
        filled = 1.0
        for _ in range(20):  # load -> stress -> quits -> filled share -> load: a fixed point
            load = role.regular_load / filled
            filled, know, rel, _ = _occupancy(staffing, min(max(load - 1.0, 0.0), 9.0))
        load = role.regular_load / filled
        coverage = min(1.0, filled * (role.newcomer + (1.0 - role.newcomer) * know)
                       / role.regular_load)
        quality = 1.0 / (1.0 + overload_quality_effect * min(max(load - 1.0, 0.0), 9.0))
        levels[name] = coverage * quality
        if role.contact:
            fam += coverage * rel
    return levels, fam / max(CONTACT_ROWS.size, 1)


class Services:
    """Per-buurt service levels, recomputed every step from the professionals and the people."""

    def __init__(self, model: Neighbourhood) -> None:
        self.model = model
        n = model.n_buurten
        self.level = {r: np.zeros(n) for r in ROLES}
        self.load = {r: np.ones(n) for r in ROLES}
        levels, self.familiarity_ref = regular_reference(model._pre_staffing,
                                                         model.cfg.staffing.overload_quality_effect)
        self.reference = levels
        self.pooled = WIJK_WIDE.copy()  # roles whose posts and demand are pooled over the wijk
        self.familiarity = np.full(n, self.familiarity_ref)
        self.housing = np.zeros(n)
        self.clean = np.zeros(n)
        self.visibility = np.zeros(n)
        self.post_stats = {"posts": 0, "filled": 0, "programme_posts": 0, "mean_tenure": 0.0,
                           "mean_knowledge": 0.0}
        self.load_table = np.ones((N_ROLES, n))  # ``load`` as one array: a row per role
        self.capped_load = np.ones((N_ROLES, n))  # the same, at most 10
        self._dwellings = np.bincount(model.dwelling_buurt, minlength=n).astype(float)
        self._boost_inputs: tuple[float, ...] | None = None  # cache key of the input boosts
        self._boosts = np.zeros((N_ROLES, 1))
        self._housing = np.zeros(n)

    def demand_by_role(self) -> dict[str, np.ndarray]:
        """Clients per buurt for each role (from the last environment update)."""
        return dict(zip(ROLES, self._demand_table(), strict=True))

    def _demand_table(self) -> np.ndarray:
        """``demand_by_role`` as one array, a row per role (in ROLES order)."""
        e = self.model.env
        d = np.empty((N_ROLES, self.model.n_buurten))
        d[ROW["wijkagent"]] = e.population
        d[ROW["teacher"]] = e.pupils
        d[ROW["youth_worker"]] = AT_RISK_SHARE * e.youths
        d[ROW["caretaker"]] = self._dwellings
        d[ROW["social_worker"]] = WORK_CLIENT_SHARE * e.unemployed
        return d

    def update(self) -> None:
        """Recompute loads, service levels, familiarity and visibility; all roles at once."""
        m = self.model
        c = m.cfg
        n = m.n_buurten
        demand = self._demand_table()
        prog_eff = m.programme.effectiveness if m.programme is not None else 1.0
        P = m.posts  # the posts' columns (sim.agents.professionals); sums by (role, buurt)
        live = P.alive.nonzero()[0]
        role_i, where = P.role_i[live], P.buurt[live]
        is_filled, is_prog = P.filled[live], P.programme[live]
        know, rels, tenure = P.knowledge[live], P.relationships[live], P.tenure[live]
        n_filled = np.count_nonzero(is_filled)
        self.post_stats = {  # sum / count: what ``mean`` computes
            "posts": live.size, "filled": n_filled, "programme_posts": np.count_nonzero(is_prog),
            "mean_tenure": float(tenure.compress(is_filled).sum() / n_filled) if n_filled else 0.0,
            "mean_knowledge": float(know.compress(is_filled).sum() / n_filled) if n_filled else 0.0,
        }
        key = role_i * n + where
        size = N_ROLES * n
        fte = np.where(is_filled, P.fte[live], 0.0)  # filled full-time equivalents
        n0 = NEWCOMER[role_i]
        w_eff = fte * (n0 + (1.0 - n0) * know) * np.where(is_prog, prog_eff, 1.0)
        # Sums by (role, buurt) in one array: demand, filled FTE, effective capacity, relationships.
        t = np.empty((4, N_ROLES, n))
        t[0] = demand
        # Filled FTE by (role, buurt, programme).
        filled_rbp = np.bincount(key * 2 + is_prog, fte, minlength=2 * size).reshape(N_ROLES, n, 2)
        np.add(filled_rbp[..., 0], filled_rbp[..., 1], out=t[1])
        t[2] = np.bincount(key, w_eff, minlength=size).reshape(N_ROLES, n)
        t[3] = np.bincount(key, fte * rels, minlength=size).reshape(N_ROLES, n)
        # How visible the programme is to residents: its share of the professionals they meet
        # (counted where the posts are, before wijk-wide pooling).
        contact_all = CONTACT_F @ t[1]
        contact_prog = CONTACT_F @ filled_rbp[..., 1]
        self.visibility = np.divide(contact_prog, contact_all, out=np.zeros(n), where=contact_all > 0)
        # Wijk-wide roles pool posts and demand over the wijk, then broadcast.
        pooled = self.pooled
        t[:, pooled] = t[:, pooled].sum(axis=2, keepdims=True)
        d, filled, eff, rel = t
        cap_posts = filled * CASELOAD
        load = np.divide(d, cap_posts, out=np.full((N_ROLES, n), np.inf), where=cap_posts > 0)
        load[d <= 0] = 0.0
        coverage = np.minimum(np.maximum(np.divide(eff * CASELOAD, d, out=np.zeros((N_ROLES, n)),
                                                   where=d > 0), 0.0), 1.0)
        over = np.minimum(np.maximum(load - 1.0, 0.0), 9.0)  # an empty post counts as 10
        over *= 1.0 - 0.5 * m.staffing.support
        quality = 1.0 / (1.0 + c.staffing.overload_quality_effect * over)
        met = coverage * np.divide(rel, filled, out=np.zeros((N_ROLES, n)), where=filled > 0)
        fam = np.zeros(n)
        for i in CONTACT_ROWS:  # role by role, in ROLES order, as the sum was always taken
            fam += met[i]
        self.familiarity = fam / max(CONTACT_ROWS.size, 1)
        self.load_table = load
        self.load = dict(zip(ROLES, load, strict=True))
        self.capped_load = np.minimum(load, 10.0)
        P.load[live] = self.capped_load[role_i, where]
        # Non-staff programme money per resident, by domain, saturating.
        per_res = m.programme.input_per_resident(int(m.env.population.sum())) if m.programme \
            else {}
        inputs = tuple(per_res.get(d, 0.0) for d in BOOST_DOMAINS)
        if inputs != self._boost_inputs:
            self._boost_inputs = inputs
            boost = [1.0 - math.exp(-x / INPUT_HALF) for x in inputs]
            self._boosts = np.array([[0.5 * b] for b in boost[:-1]])
            self._housing = np.full(n, boost[-1])
        self.level = dict(zip(ROLES, coverage * quality + self._boosts, strict=True))
        self.housing = self._housing
        self.clean = self.level["caretaker"]

    def pool_small_roles(self) -> None:
        """Pool a role over the wijk when it has fewer regular posts than buurten.

        In a small wijk a buurt-based role (youth workers, teachers) has posts in some buurten and
        none in others; its workers then serve the whole wijk, as a small team would, instead of
        leaving buurten unserved while others are over-served (called once, after the regular posts
        are made; ``reference`` assumes demand and capacity meet in one pool).
        """
        P = self.model.posts
        regular = P.alive & ~P.programme
        counts = np.bincount(P.role_i[regular], minlength=N_ROLES)
        self.pooled = WIJK_WIDE | ((counts > 0) & (counts < self.model.n_buurten))

    def resize_regular(self) -> None:
        """Regular posts follow demand at the norm: each role's regular FTE is rescaled to demand /
        (caseload x regular load), spread evenly over its posts (which keep their buurt).

        Called yearly in burn-in (year < 0); regular provision is then frozen, the same in every
        scenario whenever its programme starts (a programme's effects must not be undone by regular
        provision shrinking).
        Without it posts sized on the initial population would fall behind a wijk whose demand
        grows in burn-in, and regular provision would sit far from ``reference``.
        """
        m = self.model
        P = m.posts
        regular = P.alive & ~P.programme
        demand = self._demand_table().sum(axis=1)
        for name, role in ROLES.items():
            if not math.isfinite(role.regular_load):
                continue
            i = ROW[name]
            posts = np.flatnonzero(regular & (P.role_i == i))
            if posts.size == 0:
                continue
            fte = demand[i] / (role.caseload * role.regular_load) \
                * (m._pre_staffing.police_capacity if name == "wijkagent" else 1.0)
            P.fte[posts] = fte / posts.size

    # -- effects (our estimates; see ServicesConfig) --------------------------------------------
    def relative(self, role: str) -> np.ndarray:
        """Service level relative to regular provision (``regular_reference``; zero there)."""
        return self.level[role] - self.reference[role]
