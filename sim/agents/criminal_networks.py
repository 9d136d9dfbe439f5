"""Criminal (drug) networks: Mesa agents whose members are resident rows (docs/model.md, condition 6).

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

As with residents and posts, the rules are vectorised: ``step_networks`` steps all networks in one
pass over their members (grouped by network position), and the ``CriminalNetwork`` agents are handles
holding each network's own state (territory, pressure, revenue, recruits) and its one-off actions
(founding, expanding, dissolving). The pass gives the same results as stepping the networks one by one
in agent order (age-out, heir, arrests and quits, revenue, dissolve if empty, recruit, expand):
territories are disjoint and draws are counter-based per person, so networks interact only through
youths who left a later network this step (not yet free when an earlier network recruited), the
ledger's key order and the buurten taken when a network expands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.mechanisms.school import rank_z
from sim.rates import step_prob

if TYPE_CHECKING:
    from sim.model import Neighbourhood

RUNNER, FACILITATOR, LEADER = 0, 1, 2
REVENUE_PER_RUNNER = 20000.0  # euro per runner per year (est.)
YOUTH_AGES = (12.0, 24.0)


def network_context(model: Neighbourhood) -> dict[str, np.ndarray]:
    """What the networks' step needs from the start of the step (members, peers, family)."""
    p = model.pop.p
    member_rows = np.flatnonzero(p.network >= 0)
    inw_members = member_rows[p.buurt[member_rows] >= 0]
    family = np.zeros(model.pop.h.n + 1, dtype=bool)  # index -1 (no household) stays False
    hh = p.hh[member_rows]
    family[hh[hh >= 0]] = True
    return {
        "member_rows": member_rows,
        "members_b": np.bincount(p.buurt[inw_members].astype(int), minlength=model.n_buurten),
        "family": family,
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


def join_network(model: Neighbourhood, rows: np.ndarray, net_id: int | np.ndarray, role: int,
                 founders: bool = False) -> None:
    """Make ``rows`` members of ``net_id`` (one id, or one per row); counted as ``joined`` (and, at a
    network's founding, ``founders``)."""
    p = model.pop.p
    p.network[rows] = net_id
    p.net_role[rows] = role
    p.network_ever[rows] = True
    led = model.network_ledger
    led["joined"] = led.get("joined", 0) + int(rows.size)
    if founders:
        led["founders"] = led.get("founders", 0) + int(rows.size)


class CriminalNetwork(mesa.Agent):
    """A drug network with a territory in the wijk (its members are rows with ``network == net_id``)."""

    def __init__(self, model: Neighbourhood, net_id: int, territory: list[int]) -> None:
        super().__init__(model)
        self.net_id = net_id
        self.territory = list(territory)
        self.revenue = 0.0
        self.pressure = 0.0  # smoothed arrests per member per year
        self.recruited = 0
        self.empty_since: float | None = None  # year the network last had no members in the wijk

    def members(self) -> np.ndarray:
        """Rows of this network's members."""
        return np.flatnonzero(self.model.pop.p.network == self.net_id)

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

    def step(self) -> None:
        """Step this network alone (the model steps all networks at once with ``step_networks``)."""
        _step_group(self.model, [self], network_context(self.model))

    def maybe_expand(self, n_mem: int) -> None:
        """A network with many members per buurt takes on an adjacent buurt without a network."""
        m = self.model
        if n_mem <= m.cfg.networks.expand_members_per_buurt * m.buurt_scale * len(self.territory):
            return
        taken = {b for net in m.networks() for b in net.territory}
        for b in self.territory:
            for nb in np.flatnonzero(m.buurt_adjacency[b]):
                if int(nb) not in taken:
                    self.territory.append(int(nb))
                    return


def step_networks(model: Neighbourhood) -> None:
    """One step of every network, in one vectorised pass (same results as one by one in agent order)."""
    nets = model.networks()
    if nets:
        _step_group(model, nets, network_context(model))


def _step_group(m: Neighbourhood, nets: list[CriminalNetwork], ctx: dict[str, np.ndarray]) -> None:
    """Step the networks ``nets`` (in this order) from the start-of-step ``ctx``, all at once."""
    c = m.cfg.networks
    p = m.pop.p
    dt = m.dt
    k_nets = len(nets)
    ids = np.array([net.net_id for net in nets])
    pos_of = np.full(m.next_network_id + 1, -1, dtype=np.intp)  # net id -> position; -1 -> -1
    pos_of[ids] = np.arange(k_nets)
    # Members at the start of the step (the ones each network's own step would see), by position.
    rows = ctx["member_rows"]
    net = pos_of[p.network[rows]]
    mine = net >= 0
    rows, net = rows[mine], net[mine]
    role = p.net_role[rows]
    # Runners age out.
    old = (role == RUNNER) & (p.age[rows] >= c.age_out)
    aged, aged_net = rows[old], net[old]
    stay = ~old
    rows, net, role = rows[stay], net[stay], role[stay]
    n_mem = np.bincount(net, minlength=k_nets)
    # Leadership passes to the oldest member (first in row order) when no leader is left; rare.
    has_leader = np.zeros(k_nets, dtype=bool)
    has_leader[net[role == LEADER]] = True
    for k in np.flatnonzero((n_mem > 0) & ~has_leader).tolist():
        at = np.flatnonzero(net == k)
        heir = at[np.argmax(p.age[rows[at]])]
        role[heir] = p.net_role[rows[heir]] = LEADER
    # Enforcement: arrests at policing x reporting in the member's buurt. One draw per member:
    # arrested when u < p_arrest; a runner not arrested quits when p_arrest <= u < p_arrest + p_quit.
    policing = m.services.level["wijkagent"] * (0.5 + m.env.mean_trust)  # per buurt
    p_arrest = step_prob(c.arrest_rate * policing, dt)
    b = p.buurt[rows]
    u = m.streams.uniform("arrest", p.pid[rows], m.steps)
    is_caught = u < p_arrest[b]
    is_quit = (~is_caught & (u < (p_arrest + step_prob(c.quit_rate, dt))[b])) & (role == RUNNER)
    caught, quits, quit_net = rows[is_caught], rows[is_quit], net[is_quit]
    n_caught = np.bincount(net[is_caught], minlength=k_nets)
    n_left = n_mem - n_caught - np.bincount(quit_net, minlength=k_nets)
    runners = np.bincount(net[~(is_caught | is_quit) & (role == RUNNER)], minlength=k_nets)
    leave_network(m, aged, "aged_out")
    if caught.size:
        p.suspect_ever[caught] = True
        p.suspect_last[caught] = m.year
        m.arrests_by_buurt += np.bincount(p.buurt[caught].astype(int), minlength=m.n_buurten)
        if m.year >= 0:  # the age-crime calibration counts arrests as registrations too
            young = caught[p.age[caught] < 25]
            m.offending_age_counts += np.bincount(p.age[young].astype(int), minlength=101)[:101]
        leave_network(m, caught, "arrested")
    leave_network(m, quits, "quit")
    # Per network: smoothed pressure (when it had members after the age-out), revenue, wage offer.
    offer = np.empty(k_nets)
    decay = step_prob(1.0, dt)
    per_net = zip(nets, n_mem.tolist(), n_caught.tolist(), runners.tolist(), strict=True)
    for k, (nw, n, n_c, n_r) in enumerate(per_net):
        if n:
            nw.pressure += (n_c / max(n, 1) / dt - nw.pressure) * decay
        nw.revenue = n_r * REVENUE_PER_RUNNER
        offer[k] = c.wage_offer * (1.0 - 0.5 * min(nw.pressure, 1.0))
    left = [(aged, aged_net), (quits, quit_net)] if k_nets > 1 else []
    # Every network recruits, also one whose members are all gone: its market and organisation
    # (mostly outside the wijk) remain, so it is abandoned only after ``abandon_years`` without
    # members. Without this a network in a small wijk, a handful of members, died out by chance and
    # the same wijk at a smaller size had no networks (not size-invariant).
    joined, rejoined = _recruit(m, nets, ctx, ids, np.ones(k_nets, dtype=bool), offer, policing, left)
    # In agent order: a network without members for ``abandon_years`` dissolves; the others may
    # expand. Expansion counts the start-of-step members now in the network: those still in, and
    # leavers (of any network) it recruited this step; its other recruits count from the next step.
    for nw, n, j, r in zip(nets, n_left.tolist(), joined.tolist(), rejoined.tolist(), strict=True):
        nw.recruited += j
        if n + j == 0:
            if nw.empty_since is None:
                nw.empty_since = m.year
            if m.year - nw.empty_since >= c.abandon_years - 1e-9:
                m.dissolve_network(nw)
            continue
        nw.empty_since = None
        if n:
            nw.maybe_expand(n + r)


def _recruit(m: Neighbourhood, nets: list[CriminalNetwork], ctx: dict[str, np.ndarray], ids: np.ndarray,
             active: np.ndarray, offer: np.ndarray, policing: np.ndarray,
             left: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Youths in the territory of an ``active`` network join it when the offer beats prospects and
    expected sanction (``policing`` per buurt). ``left`` holds (rows, network position) of this
    step's age-outs and quits. Returns the joiners per network, and how many of them were members at
    the start of the step."""
    c = m.cfg.networks
    p = m.pop.p
    k_nets = len(nets)
    joined = rejoined = np.zeros(k_nets, dtype=np.int64)
    cap = c.recruit_capacity * m.buurt_scale * m.dt
    if cap <= 0 or not active.any():
        return joined, rejoined
    owner = np.full(m.n_buurten + 1, -1, dtype=np.intp)  # buurt -> position of the network holding it
    recruiting = np.flatnonzero(active).tolist()
    for k in recruiting:
        owner[nets[k].territory] = k
    terr = [b for k in recruiting for b in nets[k].territory]
    # Youths in the territories (one comparison per buurt: cheaper than a lookup by buurt), except
    # members and youths arrested in the past year (custody, supervision).
    bu = p.buurt
    ok = bu == terr[0]
    for b in terr[1:]:
        ok |= bu == b
    ok &= p.age >= YOUTH_AGES[0]
    ok &= p.age < YOUTH_AGES[1]
    ok &= p.network < 0
    ok &= p.suspect_last < m.year - 1.0
    # Nor youths who left a network stepped after their territory's network (still members when it
    # recruited one by one); arrested leavers are already out by suspect_last.
    for rows, net in left:
        if rows.size:
            o = owner[bu[rows]]
            ok[rows[(o >= 0) & (o < net)]] = False
    cand = np.flatnonzero(ok)
    own = owner[bu[cand]]
    if cand.size == 0:
        return joined, rejoined
    b = p.buurt[cand]
    # Buurt-level terms once per buurt (a buurt has one network, hence one offer), then per youth; the
    # sum keeps its left-to-right order, so every youth's logit is the same float as term by term.
    peers = ctx["members_b"] / np.maximum(m.env.youths, 1)
    logit = ((c.join_base + offer[owner[:-1]]) + c.peer_effect * peers)[b]
    logit += c.family_effect * ctx["family"][p.hh[cand]]
    prospects = (0.7 * p.skill[cand] + 0.3 * rank_z(p.parent_rank[cand])
                 + 0.5 * p.employed[cand] + 0.5 * p.in_school[cand])
    logit -= c.legit_prospects_effect * prospects
    logit -= (c.sanction_effect * policing)[b]
    logit -= c.trust_protection * (p.trust[cand] - 0.5)
    logit -= (c.prevention_effect * m.services.relative("youth_worker"))[b]
    prob = step_prob(np.exp(logit, out=logit), m.dt)
    # Limited recruiter capacity: scale a network's probabilities down when more would join than its
    # recruiters can take (each sum over the network's candidates in row order, as one by one).
    if len(recruiting) == 1:
        total = prob.sum()
        if total > cap:
            prob *= cap / total
    else:
        scale = None
        for k in recruiting:
            total = prob[own == k].sum()
            if total > cap:
                if scale is None:
                    scale = np.ones(k_nets)
                scale[k] = cap / total
        if scale is not None:
            prob *= scale[own]
    u = m.streams.uniform("recruit", p.pid[cand], m.steps)
    win = u < prob
    if win.any():
        joiners, to = cand[win], own[win]
        join_network(m, joiners, ids[to], RUNNER)
        joined = np.bincount(to, minlength=k_nets)
        was = ctx["member_rows"]
        if was.size:
            at = np.minimum(np.searchsorted(was, joiners), was.size - 1)
            rejoined = np.bincount(to[was[at] == joiners], minlength=k_nets)
    return joined, rejoined
