"""Resident initiatives: active residents and attention to what goes well (docs/model.md, condition 5).

Adults start initiatives at a rate that rises with trust, attachment (years in the dwelling),
safety and facilitation (the programme's ``initiative_support`` and familiar professionals) and
falls with crime and disorder - so participation is lowest where crime is highest (Van Noije 2016).
Starting and ending are evaluated once a year (a recurring Mesa event). An initiative draws
``participants`` adults of its buurt (their ``initiative`` column), is linked to a contact
professional of the buurt when there is one, raises collective efficacy and lowers physical disorder
while it lives, and ends at ``death_rate`` (less with support) or at once when its contact
professional leaves. Sizes are our estimates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.professionals import ROLE_NAMES, ROLES
from sim.rates import step_prob

if TYPE_CHECKING:
    from sim.model import Neighbourhood

_CONTACT_ROLE = np.array([ROLES[r].contact for r in ROLE_NAMES])  # by ``role_i``


class Initiatives:
    """The live initiatives of the wijk (columns: buurt, contact post id, start year)."""

    def __init__(self, model: Neighbourhood) -> None:
        self.model = model
        self.ids: list[int] = []
        self.buurt: list[int] = []
        self.contact: list[int] = []  # post_id of the contact professional, -1 if none
        self.next_id = 0
        self.started = 0
        self.ended = 0
        self.per_buurt = np.zeros(model.n_buurten)
        self.participation = np.zeros(model.n_buurten)

    def support(self) -> float:
        """The programme's attention to what goes well, while it is active."""
        prog = self.model.programme
        return self.model.cfg.programme.initiative_support if prog is not None and prog.active else 0.0

    def step(self) -> None:
        """Yearly (a Mesa recurring event): initiatives end and start; participation is measured."""
        m = self.model
        c = m.cfg.initiatives
        p = m.pop.p
        dt = 1.0
        support = self.support()
        # Ending: unsupported initiatives fade; support protects.
        if self.ids:
            rate = c.death_rate * (1.0 - c.support_protection * support)
            ids = np.array(self.ids)
            u = m.streams.uniform("initiative_end", ids, m.steps)
            self._end(ids[u < step_prob(rate, dt)])
        # Starting: one draw per adult resident.
        adults = np.flatnonzero((p.buurt >= 0) & (p.age >= 18) & (p.initiative < 0))  # buurt -1 if left
        if adults.size:
            b = p.buurt[adults]
            h = m.pop.h
            years = np.minimum(m.year - h.moved_in[np.maximum(p.hh[adults], 0)], 15.0)
            env = m.env
            unsafe = np.minimum(1.0, env.crime_rate / m.cfg.environment.crime_scale) + env.disorder
            facil = 0.5 * support + 0.5 * np.clip(m.services.familiarity, 0, 1)
            log_rate = (np.log(max(c.start_rate, 1e-12)) + c.trust_effect * (p.trust[adults] - 0.45)
                        + c.attachment_effect * years - c.safety_effect * (unsafe[b] - 0.5)
                        + c.facilitation_effect * facil[b])
            u = m.streams.uniform("initiative_start", p.pid[adults], m.steps)
            starters = adults[u < step_prob(np.exp(log_rate), dt)]
            if starters.size:
                self._start_all(starters, adults, b)
        self._measure()

    def _start_all(self, starters: np.ndarray, adults: np.ndarray, adult_buurt: np.ndarray) -> None:
        """Start one initiative per starter; each recruits co-participants from its buurt.

        Per buurt, the eligible adults (not starters, not yet active) are shuffled once and dealt
        out in turn, so no one joins two initiatives started in the same year.
        """
        m = self.model
        p = m.pop.p
        rng = m.streams.gen("initiatives")
        k = m.cfg.initiatives.participants - 1
        contacts: dict[int, list[int]] = {}
        # Filled contact posts in creation order (live post rows are the registered agents).
        P = m.posts
        sel = np.flatnonzero(P.alive & P.filled & _CONTACT_ROLE[P.role_i])
        for b, post_id in zip(P.buurt[sel].tolist(), P.post_id[sel].tolist(), strict=True):
            contacts.setdefault(b, []).append(post_id)
        is_starter = np.zeros(p.n, dtype=bool)
        is_starter[starters] = True
        # Eligible co-participants grouped by buurt, in row order within each (a stable sort).
        elig = ~is_starter[adults]
        eligible, eb = adults[elig], adult_buurt[elig]
        order = np.argsort(eb, kind="stable")
        eligible, eb = eligible[order], eb[order]
        bounds = np.searchsorted(eb, np.arange(m.n_buurten + 1))
        starter_b = p.buurt[starters]
        for bb in np.unique(starter_b).tolist():
            here = starters[starter_b == bb]
            here = here[np.argsort(p.pid[here])]
            pool = eligible[bounds[bb]:bounds[bb + 1]]
            pool = rng.permutation(pool[p.initiative[pool] < 0])
            posts = contacts.get(bb, [])
            # Starter j (in id order) gets initiative next_id + j and pool[j*k:(j+1)*k].
            n = here.size
            iids = np.arange(self.next_id, self.next_id + n)
            self.next_id += n
            p.initiative[here] = iids
            dealt = min(pool.size, n * k)
            p.initiative[pool[:dealt]] = np.repeat(iids, k)[:dealt]
            self.ids.extend(iids.tolist())
            self.buurt.extend([int(bb)] * n)
            # One contact per starter, in turn (same draws as one scalar draw each).
            self.contact.extend(np.asarray(posts)[rng.integers(len(posts), size=n)].tolist()
                                if posts else [-1] * n)
            self.started += n

    def _end(self, ids: np.ndarray) -> None:
        if ids.size == 0:
            return
        p = self.model.pop.p
        gone = set(ids.tolist())
        ending = np.zeros(self.next_id + 1, dtype=bool)  # the spare last entry serves -1 (none)
        ending[ids] = True
        p.initiative[ending[p.initiative]] = -1
        keep = [i for i, x in enumerate(self.ids) if x not in gone]
        self.ended += len(self.ids) - len(keep)
        self.ids = [self.ids[i] for i in keep]
        self.buurt = [self.buurt[i] for i in keep]
        self.contact = [self.contact[i] for i in keep]

    def contact_left(self, post_id: int) -> None:
        """The contact professional left: their initiatives end (docs/model.md, condition 5)."""
        ids = [i for i, c in zip(self.ids, self.contact, strict=True) if c == post_id]
        if ids:
            self._end(np.array(ids))

    def _measure(self) -> None:
        m = self.model
        p = m.pop.p
        n = m.n_buurten
        self.per_buurt = np.bincount(np.array(self.buurt, dtype=int), minlength=n).astype(float)
        adult = (p.buurt >= 0) & (p.age >= 18)
        na = np.maximum(np.bincount(p.buurt[adult].astype(int), minlength=n), 1)
        active = adult & (p.initiative >= 0)
        self.participation = np.bincount(p.buurt[active].astype(int), minlength=n) / na

    def per_1000(self) -> np.ndarray:
        """Live initiatives per 1000 residents, by buurt (current, incl. contact losses)."""
        per_buurt = np.bincount(np.array(self.buurt, dtype=int), minlength=self.model.n_buurten)
        return 1000.0 * per_buurt / np.maximum(self.model.env.population, 1)
