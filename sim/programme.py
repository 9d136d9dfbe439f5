"""The programme: funding, politics and governance, staffing of programme posts, learning, visitations.

DESIGN.md §2.3 conditions 1, 2, 4 and 7:
* **Horizon and funding.** A yearly budget (euro per resident at the start x residents) with volatility
  (log-normal year-to-year noise), cuts at random times (each removes ``cut_size`` of the level for
  good) and a hard stop at ``start_year + horizon_years``. Money buys programme posts (per domain:
  ``staff_share`` of its money / ``fte_cost``, rounded down so spending never exceeds the allocation)
  and domain inputs. Accounting: allocated = spent + unspent (vacancies leave money unspent).
* **Politics.** Municipal elections every ``election_interval_years`` (random phase) and cabinet
  changes as a Poisson process, scheduled as Mesa events. Each event resets an active programme with
  probability ``reset_probability x (1 - insulation)``: a budget shock, relabelling (programme staff
  work at ``relabel_effectiveness`` for ``relabel_years``), reassignment of a share of programme
  professionals, half of what was learned is lost, and residents lose ``trust_penalty`` of their
  trust times the programme's visibility in their buurt (its share of the professionals they meet):
  broken promises. Network governance = high ``insulation``.
* **Knowledge.** The programme splits money over six domains and learns their value from noisy
  yearly observations; that learning lives in staff (each programme professional who leaves takes a
  share of it) unless visitations (every V years) restore it and move the estimate halfway to the
  truth. The mix follows what is learned. Domain values are our estimates (``DOMAIN_VALUE``).
Functional forms and sizes are our estimates.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.professionals import ROLES, Professional
from sim.config_programme import DOMAINS
from sim.rates import step_prob

if TYPE_CHECKING:
    from sim.model import Neighbourhood

# What a euro achieves in each domain, relative (est.): the programme does not know these and learns
# them. Youth, school and clean/intact/safe pay off most for a growing generation (our estimate).
DOMAIN_VALUE = {"clean_intact_safe": 1.2, "school": 1.3, "youth": 1.4, "work": 1.0, "housing": 0.7,
                "enforcement": 0.9}
MIX_TEMPERATURE = 0.3  # how sharply the mix favours the domains believed best (est.)
DOMAIN_ROLE = {r.domain: name for name, r in ROLES.items()}


class Programme:
    """Model component (not an agent): the programme's money, politics and learning."""

    def __init__(self, model: Neighbourhood) -> None:
        self.model = model
        c = model.cfg
        pc = c.programme
        self.enabled = pc.enabled
        self.start = pc.start_year
        self.end = pc.start_year + pc.horizon_years
        self.base_budget = 0.0  # set at the start: euro per resident x residents then
        self.level = 1.0
        self.budget_year = 0.0
        w = np.array([getattr(pc, f"mix_{d}") for d in DOMAINS], dtype=float)
        self.mix = w / w.sum() if w.sum() > 0 else np.full(len(DOMAINS), 1 / len(DOMAINS))
        self.value = np.array([DOMAIN_VALUE[d] for d in DOMAINS])
        self.prior = np.full(len(DOMAINS), self.value.mean())
        self.estimate = self.prior.copy()
        self.inputs = np.zeros(len(DOMAINS))  # euro per year per domain (non-staff money)
        self.relabel_until = -math.inf
        self.counts = {"resets": 0, "political_events": 0, "cuts": 0, "visitations": 0}
        self.money = {"allocated": 0.0, "spent": 0.0, "unspent": 0.0}
        self.rng_funding = model.streams.gen("funding")
        self.rng_politics = model.streams.gen("politics")
        self.rng_knowledge = model.streams.gen("knowledge")
        self.started = False
        if self.enabled and pc.horizon_years > 0:
            self._schedule()

    # -- state ---------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        y = self.model.year
        return (self.enabled and self.model.cfg.funding.annual_budget_per_resident > 0
                and self.start <= y < self.end)

    @property
    def effectiveness(self) -> float:
        """Effectiveness of programme staff: reduced while the programme is being relabelled."""
        return self.model.cfg.programme.relabel_effectiveness if self.model.year < self.relabel_until \
            else 1.0

    def posts(self) -> list[Professional]:
        return [p for p in self.model.professionals() if p.funded_by == "programme"]

    # -- scheduling ----------------------------------------------------------------------------
    def _at(self, year: float) -> float:
        """Mesa time of a model year."""
        m = self.model
        return float(round(m.start_step + year / m.dt))

    def _schedule(self) -> None:
        m = self.model
        end_time = self._at(self.end)
        t = self._at(self.start)
        while t <= end_time and t <= m.total_steps:
            m.schedule_event(self._yearly, at=max(t, m.time))
            t += m.steps_per_year
        pol = m.cfg.politics
        times = []
        if pol.election_interval_years > 0:
            y = self.start + self.rng_politics.uniform(0, pol.election_interval_years)
            while y < self.end:
                times.append(y)
                y += pol.election_interval_years
        if pol.cabinet_change_rate > 0:
            y = self.start + self.rng_politics.exponential(1 / pol.cabinet_change_rate)
            while y < self.end:
                times.append(y)
                y += self.rng_politics.exponential(1 / pol.cabinet_change_rate)
        for y in sorted(times):
            at = self._at(y)
            if at <= m.total_steps:
                m.schedule_event(self._political_event, at=max(at, m.time))

    # -- yearly programme cycle ----------------------------------------------------------------
    def _yearly(self) -> None:
        m = self.model
        pc = m.cfg.programme
        if not self.active:
            self.budget_year = 0.0
            self.inputs[:] = 0.0
            for post in self.posts():
                post.abolish()
            return
        if self.started:
            f = m.cfg.funding
            if self.rng_funding.random() < step_prob(f.cut_rate, 1.0):
                self.level *= 1.0 - f.cut_size
                self.counts["cuts"] += 1
            noise = self.rng_funding.normal()
            # Learning from a noisy yearly look at each domain.
            obs = self.value + pc.learning_noise * self.rng_knowledge.normal(size=self.value.size)
            self.estimate += step_prob(pc.learning_rate, 1.0) * (obs - self.estimate)
            vi = pc.visitation_interval_years
            years_in = round(m.year - self.start, 6)
            if vi > 0 and years_in > 0 and (years_in + 1e-9) % vi < 1e-6:
                self.estimate += 0.5 * (self.value - self.estimate)
                self.counts["visitations"] += 1
        else:
            noise = 0.0
            self.started = True
            self.base_budget = m.cfg.funding.annual_budget_per_resident * int(m.env.population.sum())
        vol = m.cfg.funding.volatility
        self.budget_year = self.base_budget * self.level * math.exp(vol * noise - 0.5 * vol * vol)
        target = np.exp((self.estimate - self.estimate.max()) / MIX_TEMPERATURE)
        target /= target.sum()
        self.mix += step_prob(pc.mix_adjust_rate, 1.0) * (target - self.mix)
        self.mix /= self.mix.sum()
        self._staff_to_budget()

    def _staff_to_budget(self) -> None:
        """Create or abolish programme posts so each domain's staff fits its money."""
        m = self.model
        pc, f = m.cfg.programme, m.cfg.funding
        domain_money = self.budget_year * self.mix
        self.inputs = domain_money * (1.0 - pc.staff_share)
        demand = m.services.demand_by_role()
        # Whole posts: the staff money of all domains buys floor(total / cost) posts, shared over
        # the domains by their money (largest remainder), so spending never exceeds the allocation.
        staffed = np.array([DOMAIN_ROLE.get(d) is not None for d in DOMAINS])
        staff_money = np.where(staffed, domain_money * pc.staff_share, 0.0)
        n_posts = _apportion(int(staff_money.sum() // f.fte_cost), staff_money)
        for d_i, domain in enumerate(DOMAINS):
            role = DOMAIN_ROLE.get(domain)
            if role is None:  # housing: no posts, all money is input
                self.inputs[d_i] = domain_money[d_i]
                continue
            per_buurt = _apportion(int(n_posts[d_i]), demand[role])
            current = [p for p in self.posts() if p.role == role]
            by_buurt: dict[int, list[Professional]] = {}
            for p in current:
                by_buurt.setdefault(p.buurt, []).append(p)
            for b in range(m.n_buurten):
                have = by_buurt.get(b, [])
                for _ in range(per_buurt[b] - len(have)):
                    Professional(m, role, b, "programme")
                if len(have) > per_buurt[b]:
                    # Abolish vacant posts first, then those with the shortest tenure.
                    have.sort(key=lambda p: (p.filled, p.tenure))
                    for p in have[: len(have) - per_buurt[b]]:
                        p.abolish()

    # -- politics ------------------------------------------------------------------------------
    def _political_event(self) -> None:
        m = self.model
        self.counts["political_events"] += 1
        p_reset = m.cfg.politics.reset_probability * (1.0 - m.cfg.governance.insulation)
        draw = self.rng_politics.random()  # always drawn, so the stream stays aligned
        if self.active and draw < p_reset:
            self.reset()

    def reset(self) -> None:
        """A political reset: budget shock, relabelling, reassignment, lost learning, broken trust."""
        m = self.model
        pol, pc = m.cfg.politics, m.cfg.programme
        self.counts["resets"] += 1
        self.level *= 1.0 - pol.budget_shock
        self.budget_year *= 1.0 - pol.budget_shock
        self.relabel_until = m.year + pc.relabel_years
        self.estimate += 0.5 * (self.prior - self.estimate)
        for post in self.posts():
            if post.filled and self.rng_politics.random() < pol.reassign_share:
                post.vacate("reassigned")
        self._staff_to_budget()
        # Broken promises cost trust in proportion to how visible the programme was in the buurt.
        p = m.pop.p
        inw = np.flatnonzero(p.buurt >= 0)
        p.trust[inw] *= 1.0 - pc.trust_penalty * m.services.visibility[p.buurt[inw]]

    def staff_left(self) -> None:
        """A programme professional left: their share of what was learned leaves with them."""
        P = self.model.posts
        n = max(int((P.alive & P.programme).sum()), 1)
        self.estimate -= (self.estimate - self.prior) / n

    # -- money ---------------------------------------------------------------------------------
    def account(self) -> None:
        """Allocate this step's money; spend it on filled posts and inputs; the rest is unspent."""
        if not self.active:
            return
        m = self.model
        dt = m.dt
        allocated = self.budget_year * dt
        P = m.posts
        staff = int((P.alive & P.programme & P.filled).sum()) * m.cfg.funding.fte_cost * dt
        spent = min(allocated, staff + self.inputs.sum() * dt)
        self.money["allocated"] += allocated
        self.money["spent"] += spent
        self.money["unspent"] += allocated - spent

    def input_per_resident(self, population: int) -> dict[str, float]:
        """Yearly non-staff money per resident by domain (0 when the programme is not active)."""
        if not self.active:
            return dict.fromkeys(DOMAINS, 0.0)
        return {d: self.inputs[i] / max(population, 1) for i, d in enumerate(DOMAINS)}


def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` whole posts over buurten in proportion to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    n = w.size
    if total <= 0 or w.sum() <= 0:
        return np.zeros(n, dtype=int)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(int)
    rest = total - base.sum()
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return base
