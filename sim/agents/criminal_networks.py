"""Criminal (drug) networks: Mesa agents whose members are resident rows (DESIGN.md §2.3, condition 6).

A network has a territory (buurten), members in three roles (leaders, facilitators, runners), revenue,
a wage offer and limited recruiter capacity. Youths (12-23) in its territory join when the offer
(money and status, peers already in, family involved) beats their legitimate prospects and the
expected sanction; trust in institutions protects, and so does youth work beyond regular levels
(prevention). Enforcement - police capacity (wijkagent service: posts, local knowledge, load) times
residents' willingness to report (trust) - arrests members, who are registered as suspects, leave and
are not recruited again for a year; members also quit, age out, move away or die, and the network
replaces them from the runner pool. Open dealing (runners per resident) raises social disorder and
pushes upwardly mobile households out (``sim.mechanisms.moving``). Functional forms and sizes are our
estimates; registered-suspect shares and the age-crime curve are the calibration targets.

Membership lives in the person columns ``network`` (id or -1) and ``net_role``; ``network_ever`` is
set on joining and never cleared. Every exit path goes through ``leave_network`` so a removed member
is never counted again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.mechanisms.school import rank_z

if TYPE_CHECKING:
    from sim.model import Neighbourhood

RUNNER, FACILITATOR, LEADER = 0, 1, 2
REVENUE_PER_RUNNER = 20000.0  # euro per runner per year (est.)
YOUTH_AGES = (12.0, 24.0)


def network_context(model: Neighbourhood) -> dict[str, np.ndarray]:
    """What every network's step needs, computed once per step (members, youths, peers, family)."""
    p = model.pop.p
    member_rows = np.flatnonzero(p.network >= 0)
    inw_members = member_rows[p.buurt[member_rows] >= 0]
    family = np.zeros(model.pop.h.n + 1, dtype=bool)  # index -1 (no household) stays False
    hh = p.hh[member_rows]
    family[hh[hh >= 0]] = True
    youth_rows = np.flatnonzero((p.age >= YOUTH_AGES[0]) & (p.age < YOUTH_AGES[1]) & (p.buurt >= 0))
    return {
        "member_rows": member_rows,
        "members_b": np.bincount(p.buurt[inw_members].astype(int), minlength=model.n_buurten),
        "family": family,
        "youth_rows": youth_rows,
    }


def leave_network(model: Neighbourhood, rows: np.ndarray, reason: str) -> None:
    """End the membership of ``rows`` (arrest, quit, age-out, moved, died) and count it once."""
    p = model.pop.p
    rows = rows[p.network[rows] >= 0]
    if rows.size == 0:
        return
    p.network[rows] = -1
    p.net_role[rows] = -1
    model.network_ledger[reason] = model.network_ledger.get(reason, 0) + int(rows.size)


def join_network(model: Neighbourhood, rows: np.ndarray, net_id: int, role: int,
                 founders: bool = False) -> None:
    """Make ``rows`` members; counted as ``joined`` (and, at a network's founding, ``founders``)."""
    p = model.pop.p
    p.network[rows] = net_id
    p.net_role[rows] = role
    p.network_ever[rows] = True
    led = model.network_ledger
    led["joined"] = led.get("joined", 0) + int(rows.size)
    if founders:
        led["founders"] = led.get("founders", 0) + int(rows.size)


class CriminalNetwork(mesa.Agent):
    """A drug network with a territory in the wijk."""

    def __init__(self, model: Neighbourhood, net_id: int, territory: list[int]) -> None:
        super().__init__(model)
        self.net_id = net_id
        self.territory = list(territory)
        self.revenue = 0.0
        self.pressure = 0.0  # smoothed arrests per member per year
        self.recruited = 0

    # -- membership -----------------------------------------------------------------------------
    def members(self) -> np.ndarray:
        """Rows of this network's members (searched among this step's member rows when known)."""
        p = self.model.pop.p
        ctx = self.model.network_context
        if ctx is None:
            return np.flatnonzero(p.network == self.net_id)
        rows = ctx["member_rows"]
        return rows[p.network[rows] == self.net_id]

    def seed_members(self, n: int) -> None:
        """Founders: two leaders and two facilitators (adults 22-40 with low rank), the rest
        runners (youths at risk)."""
        m = self.model
        p = m.pop.p
        inw = np.isin(p.buurt, self.territory) & ~p.leave & (p.network < 0)
        rng = m.streams.gen("networks")
        adults = np.flatnonzero(inw & (p.age >= 22) & (p.age < 40))
        if adults.size:
            order = np.argsort(p.income_rank[adults] + rng.uniform(0, 20, adults.size))
            join_network(m, adults[order[:2]], self.net_id, LEADER, founders=True)
            join_network(m, adults[order[2:4]], self.net_id, FACILITATOR, founders=True)
        youths = np.flatnonzero(inw & (p.age >= 15) & (p.age < 24) & (p.network < 0))
        if youths.size:
            risk = -(p.skill[youths] + rank_z(p.parent_rank[youths])) + rng.normal(0, 1, youths.size)
            join_network(m, youths[np.argsort(-risk)[: max(n - 4, 0)]], self.net_id, RUNNER,
                         founders=True)

    # -- the step -------------------------------------------------------------------------------
    def step(self) -> None:
        m = self.model
        c = m.cfg.networks
        p = m.pop.p
        dt = m.dt
        mem = self.members()
        # Runners age out; leadership passes on if a leader is gone.
        old = mem[(p.net_role[mem] == RUNNER) & (p.age[mem] >= c.age_out)]
        leave_network(m, old, "aged_out")
        mem = self.members()
        if mem.size and not (p.net_role[mem] == LEADER).any():
            heir = mem[np.argmax(p.age[mem])]
            p.net_role[heir] = LEADER
        # Enforcement: arrests at policing x reporting in the member's buurt.
        if mem.size:
            b = p.buurt[mem]
            pressure = m.services.level["wijkagent"][b] * (0.5 + m.env.mean_trust[b])
            rate = c.arrest_rate * pressure
            # One draw per member: arrested when u < p_arrest; a runner not arrested quits when
            # p_arrest <= u < p_arrest + p_quit (competing exits in one step).
            u = m.streams.uniform("arrest", p.pid[mem], m.steps)
            p_arrest = -np.expm1(-rate * dt)
            caught = mem[u < p_arrest]
            quits = mem[(u >= p_arrest) & (u < p_arrest - np.expm1(-c.quit_rate * dt))
                        & (p.net_role[mem] == RUNNER)]
            if caught.size:
                p.suspect_ever[caught] = True
                p.suspect_last[caught] = m.year
                m.arrests_by_buurt += np.bincount(p.buurt[caught].astype(int), minlength=m.n_buurten)
                if m.year >= 0:  # the age-crime calibration counts arrests as registrations too
                    young = caught[p.age[caught] < 25]
                    m.offending_age_counts += np.bincount(p.age[young].astype(int), minlength=101)[:101]
                leave_network(m, caught, "arrested")
            self.pressure += (caught.size / max(mem.size, 1) / dt - self.pressure) * -np.expm1(-dt)
            leave_network(m, quits, "quit")
        mem = self.members()
        runners = int((p.net_role[mem] == RUNNER).sum())
        self.revenue = runners * REVENUE_PER_RUNNER
        if mem.size == 0:
            m.dissolve_network(self)
            return
        self._recruit()
        self._maybe_expand()

    def _recruit(self) -> None:
        """Youths in the territory join when the offer beats prospects and expected sanction."""
        m = self.model
        c = m.cfg.networks
        p = m.pop.p
        ctx = m.network_context
        terr = np.zeros(m.n_buurten + 1, dtype=bool)
        terr[self.territory] = True
        youth = ctx["youth_rows"]
        # Not recruited: members, and youths arrested in the past year (custody, supervision).
        cand = youth[terr[p.buurt[youth]] & (p.network[youth] < 0) & (p.suspect_last[youth] < m.year - 1.0)]
        if cand.size == 0:
            return
        b = p.buurt[cand]
        peers = ctx["members_b"][b] / np.maximum(m.env.youths, 1)[b]
        family = ctx["family"][p.hh[cand]]
        prospects = (0.7 * p.skill[cand] + 0.3 * rank_z(p.parent_rank[cand])
                     + 0.5 * p.employed[cand] + 0.5 * p.in_school[cand])
        sanction = m.services.level["wijkagent"][b] * (0.5 + m.env.mean_trust[b])
        offer = c.wage_offer * (1.0 - 0.5 * min(self.pressure, 1.0))
        logit = (c.join_base + offer + c.peer_effect * peers + c.family_effect * family
                 - c.legit_prospects_effect * prospects - c.sanction_effect * sanction
                 - c.trust_protection * (p.trust[cand] - 0.5)
                 - c.prevention_effect * m.services.relative("youth_worker")[b])
        prob = -np.expm1(-np.exp(logit) * m.dt)
        # Limited recruiter capacity: scale down when more would join than recruiters can take.
        cap = c.recruit_capacity * m.dt
        if prob.sum() > cap > 0:
            prob *= cap / prob.sum()
        elif cap <= 0:
            return
        u = m.streams.uniform("recruit", p.pid[cand], m.steps)
        joiners = cand[u < prob]
        if joiners.size:
            join_network(m, joiners, self.net_id, RUNNER)
            self.recruited += int(joiners.size)

    def _maybe_expand(self) -> None:
        """A network with many members per buurt takes on an adjacent buurt without a network."""
        m = self.model
        n_mem = self.members().size
        if n_mem <= m.cfg.networks.expand_members_per_buurt * len(self.territory):
            return
        taken = {b for net in m.networks() for b in net.territory}
        for b in self.territory:
            for nb in np.flatnonzero(m.buurt_adjacency[b]):
                if int(nb) not in taken:
                    self.territory.append(int(nb))
                    return
