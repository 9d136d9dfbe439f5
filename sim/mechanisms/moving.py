"""Residential mobility: household moves, leaving the parental home, inflow into vacancies.

Base moving rates by age are the CBS figures for the Netherlands in 2017 (within + between
municipalities, % per year; CBS 2020), applied to the age of the household head and scaled up for a
deprived rental wijk (``deprived_area_multiplier``, default 1.0: the wijk moves more through its tenure
mix and selectivity). Households with children move less (est. x0.6), private tenants more
(est. x1.3). Moves are *selective* (Permentier, Das & Wittebrood 2011): the rate rises with the
household's income rank (``riser_effect``) and falling liveability, and richer movers more often leave
the wijk (``leave_wijk_rank_effect``) while poorer ones move within it. Vacancies are let to applicant
households drawn from each landlord's pool, which is poorer than the leavers (``sim.households``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.households import make_households
from sim.mechanisms import income
from sim.places import draw_percentile
from sim.rates import step_prob

if TYPE_CHECKING:
    from sim.model import Neighbourhood

# CBS (2020): moves per 100 persons per year by age, NL 2017, within + between municipalities.
CBS_AGES = np.array([0, 10, 15, 20, 25, 30, 40, 60, 100], dtype=float)
CBS_RATES = np.array([7.3 + 5.8, 5.5 + 2.6, 4.1 + 2.6, 7.8 + 10.3, 14.2 + 13.0, 11.2 + 8.6,
                      6.3 + 4.0, 2.2 + 1.8, 2.2 + 1.8]) / 100.0
REPUTATION_REF = 0.55  # reputation of a typical deprived buurt: applicants as configured (est.)
REPUTATION_PULL = 20.0  # applicant rank points per unit of reputation (est.)
RANK_REF = 30.0  # rank of a typical resident of a deprived wijk: selectivity is relative to it


def cbs_rate(age: np.ndarray) -> np.ndarray:
    """National moving rate per year at ``age`` (linear between the CBS ages)."""
    return np.interp(age, CBS_AGES, CBS_RATES)


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def step(model: Neighbourhood) -> None:
    """Household moves, then home-leavers, then moves of tracked persons elsewhere."""
    _household_moves(model)
    _leave_home(model)
    _elsewhere_moves(model)


def _household_moves(model: Neighbourhood) -> None:
    c = model.cfg.moving
    pop = model.pop
    p, h = pop.p, pop.h
    hids = np.flatnonzero(h.alive)
    if hids.size == 0:
        return
    has_kids = np.zeros(h.n + 1, dtype=bool)  # hh == -1 lands in the spare last entry
    has_kids[p.hh[p.dependent & (p.age < 18)]] = True
    kids = has_kids[hids]
    dw = h.dwelling[hids]
    buurt = model.dwelling_buurt[dw]
    rank = h.rank[hids]
    rate = (cbs_rate(model.year - h.head_birth[hids]) * c.deprived_area_multiplier
            * np.where(kids, c.family_multiplier, 1.0)
            * np.where(h.tenure[hids] == 1, c.private_rent_multiplier, 1.0)
            * np.exp(c.riser_effect * (rank - RANK_REF) / 50.0)
            * np.exp(c.liveability_effect * (0.5 - model.env.liveability[buurt]))
            # Open dealing pushes the upwardly mobile out; sublet dwellings are transient.
            * np.exp(model.cfg.networks.dealing_riser_effect * model.env.dealing[buurt]
                     * np.maximum(0.0, rank - RANK_REF) / 50.0)
            * np.where(model.dwelling_sublet[dw],
                       model.cfg.slumlords.transience_multiplier, 1.0))
    u = model.streams.uniform("move_household", h.key[hids], model.steps)
    movers = hids[u < step_prob(rate, model.dt)]
    if movers.size == 0:
        return
    logit0 = np.log(c.leave_wijk_base / max(1e-9, 1 - c.leave_wijk_base)) if 0 < \
        c.leave_wijk_base < 1 else (50.0 if c.leave_wijk_base >= 1 else -50.0)
    p_leave = _logistic(logit0 + c.leave_wijk_rank_effect * (h.rank[movers] - RANK_REF) / 50.0)
    u2 = model.streams.uniform("move_destination", h.key[movers], model.steps)
    leaving = movers[u2 < p_leave]
    local = movers[u2 >= p_leave]
    # Local movers need a vacancy; those who find none leave the wijk.
    vac = np.flatnonzero(pop.occupant < 0)
    rng = model.streams.gen("housing")
    if local.size > vac.size:
        over = rng.permutation(local)
        local, extra = over[: vac.size], over[vac.size:]
        leaving = np.concatenate([leaving, extra])
    members = _members(model, np.concatenate([leaving, local]))
    leaves = np.zeros(h.n + 1, dtype=bool)
    leaves[leaving] = True
    going = leaves[p.hh[members]]
    _households_leave(model, leaving, members[going])
    if local.size:
        new = rng.choice(vac, size=local.size, replace=False)
        _relocate(model, local, new, members[~going])


def _members(model: Neighbourhood, hids: np.ndarray) -> np.ndarray:
    """Rows of the members of households ``hids``."""
    p, h = model.pop.p, model.pop.h
    flag = np.zeros(h.n + 1, dtype=bool)
    flag[hids] = True
    return np.flatnonzero(flag[p.hh] & ~p.leave)  # hh == -1 indexes the spare last slot


def _households_leave(model: Neighbourhood, hids: np.ndarray, rows: np.ndarray) -> None:
    """Households ``hids`` (members ``rows``) leave the wijk; their dwellings fall vacant."""
    if hids.size == 0:
        return
    pop = model.pop
    model.record_moves(rows)
    model.migration.leavers(rows)
    model.flows.depart(rows)
    pop.occupant[pop.h.dwelling[hids]] = -1
    pop.vacant_since[pop.h.dwelling[hids]] = model.year
    pop.h.alive[hids] = False
    pop.h.dwelling[hids] = -1


def _relocate(model: Neighbourhood, hids: np.ndarray, new_dwellings: np.ndarray,
              rows: np.ndarray) -> None:
    """Households ``hids`` (members ``rows``) move to ``new_dwellings`` within the wijk."""
    pop = model.pop
    p, h = pop.p, pop.h
    model.record_moves(rows)
    old = h.dwelling[hids]
    pop.occupant[old] = -1
    pop.vacant_since[old] = model.year
    pop.occupant[new_dwellings] = hids
    h.dwelling[hids] = new_dwellings
    h.tenure[hids] = model.dwelling_tenure[new_dwellings]
    h.moved_in[hids] = model.year
    old_buurt = p.buurt[rows].copy()
    p.buurt[rows] = model.dwelling_buurt[h.dwelling[p.hh[rows]]]
    model.flows.relocate(rows, old_buurt)


def _leave_home(model: Neighbourhood) -> None:
    """Adult children leave the parental home: a dwelling in the wijk if one is free, else away."""
    c = model.cfg.moving
    pop = model.pop
    p = pop.p
    # (Rows that left the model have buurt -1, so ``buurt >= 0`` also excludes them.)
    cand = np.flatnonzero(p.dependent & (p.age >= c.leave_home_age) & (p.buurt >= 0))
    if cand.size == 0:
        return
    # Home-leaving speeds up with age: half rate in the first two years, double after 30 (est.).
    age = p.age[cand]
    rate = c.leave_home_rate * np.where(age < c.leave_home_age + 2, 0.5,
                                        np.where(age >= 30, 2.0, 1.0))
    u = model.streams.uniform("leave_home", p.pid[cand], model.steps)
    go = cand[u < step_prob(rate, model.dt)]
    if go.size == 0:
        return
    model.record_moves(go)
    u2 = model.streams.uniform("leave_home_local", p.pid[go], model.steps)
    want_local = go[u2 < c.leave_home_local_share]
    # Scarce vacancies go to home-leavers in random order, not row order.
    want_local = model.streams.gen("housing").permutation(want_local)
    vac = np.flatnonzero(pop.occupant < 0)
    rng = model.streams.gen("housing")
    k = min(want_local.size, vac.size)
    local = want_local[:k]
    housed = np.zeros(p.n, dtype=bool)
    housed[local] = True
    away = go[~housed[go]]  # in the order of ``go``, as setdiff1d gave, without its sort
    p.dependent[go] = False
    if away.size:
        model.migration.leavers(away)
        model.flows.depart(away)
    if k:
        dw = rng.choice(vac, size=k, replace=False)
        hids = pop.add_households(k)
        h = pop.h
        h.dwelling[hids] = dw
        h.tenure[hids] = model.dwelling_tenure[dw]
        h.head_birth[hids] = model.year - p.age[local]
        h.moved_in[hids] = model.year
        h.rank[hids] = income.single_rank(model, local)
        pop.occupant[dw] = hids
        old_buurt = p.buurt[local].copy()
        p.hh[local] = hids
        p.buurt[local] = model.dwelling_buurt[dw]
        model.flows.relocate(local, old_buurt)


def _elsewhere_moves(model: Neighbourhood) -> None:
    """Tracked persons living elsewhere occasionally move to another place elsewhere."""
    c = model.cfg.moving
    p = model.pop.p
    away = np.flatnonzero(p.buurt < 0)
    if away.size == 0:
        return
    u = model.streams.uniform("move_elsewhere", p.pid[away], model.steps)
    go = away[u < step_prob(c.elsewhere_move_rate, model.dt)]
    if go.size:
        p.place_pct[go] = place_elsewhere(model, go)


def place_elsewhere(model: Neighbourhood, rows: np.ndarray) -> np.ndarray:
    """National percentile of the place elsewhere a person lands in (``sim.places``): better for
    higher ranks on average (``moving.place_sorting``, est.). Adults are placed by their household's
    standardised income rank (``income.household_rank``: the household they leave with, or a
    partner by the age rule), children by their parents'."""
    p = model.pop.p
    rank = np.where(p.age[rows] >= 18, income.household_rank(model, rows), p.parent_rank[rows])
    z = model.streams.normal("place_elsewhere", p.pid[rows], model.steps)
    return draw_percentile(rank, z, model.cfg.moving.place_sorting)


def fill_vacancies(model: Neighbourhood) -> None:
    """Let vacant dwellings to applicant households from the owning landlord's pool."""
    c = model.cfg.moving
    pop = model.pop
    vac = np.flatnonzero(pop.occupant < 0)
    if vac.size == 0:
        return
    rng = model.streams.gen("inflow")
    let = vac[rng.random(vac.size) < step_prob(c.vacancy_fill_rate, model.dt)]
    if let.size == 0:
        return
    # A buurt's reputation shifts who applies: a better name draws better-off applicants (est.).
    rep = model.env.reputation[model.dwelling_buurt[let]] - REPUTATION_REF
    rank_means = model.applicant_rank_mean[let] + REPUTATION_PULL * rep
    _hids, rows = make_households(model, let, rank_means, applicant=True)
    idx = np.arange(rows.start, rows.stop)
    model.pop.p.trust[idx] = model.cfg.trust.initial_mean
    model.flows.enter(idx, "arrivals")
    model.migration.newcomers(idx)
