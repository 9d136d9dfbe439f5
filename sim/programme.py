"""The programme: funding, politics and governance, staffing of programme posts, learning, visitations.

docs/model.md conditions 1, 2, 4 and 7:
* **Horizon and funding.** A yearly budget (euro per resident at the start x residents) with volatility
  (log-normal year-to-year noise), cuts at random times (each removes ``cut_size`` of the level for
  good) and a hard stop at ``start_year + horizon_years``. Money buys programme posts (per domain:
  ``staff_share`` of its money / ``fte_cost``, rounded down so spending never exceeds the allocation)
  and domain inputs. Accounting: allocated = spent + unspent (vacancies leave money unspent).
* **Politics.** Municipal elections every ``election_interval_years`` (random phase) and cabinet
  changes as a Poisson process, scheduled as Mesa events. Each event resets an active programme with
  probability ``reset_probability x (1 - insulation)``. What a reset breaks (``reset``): money (a
  budget shock), the label (staff work at ``relabel_effectiveness`` for ``relabel_years``: new names,
  new procedures; UK reorganisations disrupt for up to two years, White & Dunleavy 2010), staff
  (``reassign_share`` of programme professionals reassigned), memory (``memory_loss`` of what was
  learned), the plan (``reorganise_share`` of the mix re-planned to new priorities, so posts are
  abolished and created elsewhere), partners' commitments (``commitment_loss``; the staff's effect
  that rests on partners, ``partner_share``, falls and is rebuilt at ``commitment_rebuild_rate``) and
  promises to residents (trust falls by ``trust_penalty`` x the programme's visibility in the buurt;
  a broken promise weighs more than a kept one, Skogan 2006).
* **Governance.** ``insulation`` lowers the chance of a reset; a network organisation also keeps
  partners to their commitments and to the agreed plan when a reset does come (``commitments_kept``
  scales the plan and commitment losses; NPRZ holds partners to their agreements and does not let
  them opt out when results are slow, Dol/RELOCAL on Rotterdam Zuid; Van Rijn 2022). The
  municipality's own losses (money, label, its staff, memory, trust) remain.
* **Knowledge.** The programme splits money over six domains and learns their value from the wijk's
  own monitor (``sim.knowledge``); visitations every V years sharpen what is learned. The mix
  follows the estimates.
Functional forms and sizes are our estimates unless a source is named.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.professionals import ROLES, Professional
from sim.config_programme import DOMAINS
from sim.knowledge import Knowledge
from sim.rates import step_prob

if TYPE_CHECKING:
    from sim.model import Neighbourhood

# How sharply the mix favours the domains believed best, in the estimate's units (relative gain of a
# domain's indicator per 100 euro per resident per year): a domain credited 0.25 more gets e times
# the weight (est.).
MIX_TEMPERATURE = 0.25
# Every domain keeps at least this share of the money: the plan commits every partner, and a domain
# that gets nothing can show nothing (est.).
MIX_FLOOR = 0.05
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
        self.knowledge = Knowledge(model)
        self.inputs = np.zeros(len(DOMAINS))  # euro per year per domain (non-staff money)
        self.last_money = np.zeros(len(DOMAINS))  # last cycle's money per domain (euro per year)
        self.relabel_until = -math.inf
        self.commitment = 1.0  # partners' commitment to the joint plan (1 = as agreed)
        self.counts = {"resets": 0, "political_events": 0, "cuts": 0, "visitations": 0}
        self.money = {"allocated": 0.0, "spent": 0.0, "unspent": 0.0}
        self.rng_funding = model.streams.gen("funding")
        self.rng_politics = model.streams.gen("politics")
        self.rng_reassign = model.streams.gen("reassign")  # staff reassigned at a reset
        self.rng_reorganise = model.streams.gen("reorganise")  # the plan re-drawn at a reset
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
    def estimate(self) -> np.ndarray:
        """The programme's learned value of each domain (``sim.knowledge``)."""
        return self.knowledge.estimate

    @property
    def effectiveness(self) -> float:
        """Effectiveness of programme staff: reduced while relabelling and when partners withdraw."""
        pc = self.model.cfg.programme
        relabel = pc.relabel_effectiveness if self.model.year < self.relabel_until else 1.0
        return relabel * (1.0 - pc.partner_share * (1.0 - self.commitment))

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
        residents = max(int(m.env.population.sum()), 1)
        kn = self.knowledge
        if self.started:
            f = m.cfg.funding
            if self.rng_funding.random() < step_prob(f.cut_rate, 1.0):
                self.level *= 1.0 - f.cut_size
                self.counts["cuts"] += 1
            noise = self.rng_funding.normal()
            # Learning from the wijk's monitor: this year's reading, the money that was behind it.
            kn.record(m.year, self.last_money / residents)
            kn.learn(m.year)
            vi = pc.visitation_interval_years
            years_in = round(m.year - self.start, 6)
            if vi > 0 and years_in > 0 and (years_in + 1e-9) % vi < 1e-6:
                kn.visit()
                self.counts["visitations"] += 1
            # Partners' broken commitments are rebuilt over years (est.).
            self.commitment += step_prob(pc.commitment_rebuild_rate, 1.0) * (1.0 - self.commitment)
        else:
            noise = 0.0
            self.started = True
            self.base_budget = m.cfg.funding.annual_budget_per_resident * residents
            kn.record(m.year, np.zeros(len(DOMAINS)))  # the baseline reading at the start
        vol = m.cfg.funding.volatility
        self.budget_year = self.base_budget * self.level * math.exp(vol * noise - 0.5 * vol * vol)
        target = np.exp((self.estimate - self.estimate.max()) / MIX_TEMPERATURE)
        target = MIX_FLOOR + (1.0 - MIX_FLOOR * target.size) * target / target.sum()
        self.mix += step_prob(pc.mix_adjust_rate, 1.0) * (target - self.mix)
        self.mix /= self.mix.sum()
        self._staff_to_budget()
        self.last_money = self.budget_year * self.mix

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
        """A political reset: what it breaks besides money (module docstring; all sizes est.).

        The municipality's own part: budget shock, relabelling, reassignment of its programme staff,
        lost learning, broken promises to residents. The partners' part (commitments, the agreed
        plan) is kept in proportion to ``governance.commitments_kept`` (a network organisation).
        """
        m = self.model
        pol, pc = m.cfg.politics, m.cfg.programme
        partners_break = 1.0 - m.cfg.governance.commitments_kept
        self.counts["resets"] += 1
        self.level *= 1.0 - pol.budget_shock
        self.budget_year *= 1.0 - pol.budget_shock
        if pc.relabel_effectiveness < 1.0:
            self.relabel_until = m.year + pc.relabel_years
        self.knowledge.reset(pol.memory_loss)
        # Per-purpose streams: the politics stream draws only the calendar and the reset decisions,
        # so arms with different numbers of posts stay paired on every later political event.
        for post in self.posts():
            if post.filled and self.rng_reassign.random() < pol.reassign_share:
                post.vacate("reassigned")
        # New priorities: part of the plan is re-drawn, unless the partners hold to it.
        new = self.rng_reorganise.dirichlet(np.ones(len(DOMAINS)))  # one draw per reset
        r = pol.reorganise_share * partners_break
        self.commitment *= 1.0 - pol.commitment_loss * partners_break
        if r > 0 or pol.budget_shock > 0:
            self.mix = (1.0 - r) * self.mix + r * new
            self.mix /= self.mix.sum()
            self._staff_to_budget()
        # Broken promises cost trust in proportion to how visible the programme was in the buurt.
        if pc.trust_penalty > 0:
            p = m.pop.p
            inw = np.flatnonzero(p.buurt >= 0)
            p.trust[inw] *= 1.0 - pc.trust_penalty * m.services.visibility[p.buurt[inw]]

    def staff_left(self) -> None:
        """A programme professional left: their share of what was learned leaves with them."""
        P = self.model.posts
        n = max(int((P.alive & P.programme).sum()), 1)
        self.knowledge.staff_left(1.0 / n)

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
