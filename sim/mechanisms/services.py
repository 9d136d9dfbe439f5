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

if TYPE_CHECKING:
    from sim.model import Neighbourhood

AT_RISK_SHARE = 0.2  # share of 12-23-year-olds who are youth-work clients (est.)
WORK_CLIENT_SHARE = 0.3  # share of the unemployed in a support trajectory (est.)
INPUT_HALF = 50.0  # euro per resident per year giving 63 % of an input's full effect (est.)
# Service levels of regular provision (no programme, default staffing), measured as the
# population-weighted mean over the last 5 burn-in years of seeds 0-3 (``benchmarks``-style check in
# tests/test_programme.py). Effects of services are zero here, so a wijk with regular provision only
# behaves like the calibrated foundation; better or worse service moves outcomes from there.
CONTACT = np.array([role.contact for role in ROLES.values()])
REFERENCE = {"wijkagent": 0.452, "teacher": 0.456, "youth_worker": 0.146, "caretaker": 0.0,
             "social_worker": 0.200}
FAMILIARITY_REF = 0.214  # familiarity of regular provision, measured the same way


class Services:
    """Per-buurt service levels, recomputed every step from the professionals and the people."""

    def __init__(self, model: Neighbourhood) -> None:
        self.model = model
        n = model.n_buurten
        self.level = {r: np.zeros(n) for r in ROLES}
        self.load = {r: np.ones(n) for r in ROLES}
        self.familiarity = np.full(n, FAMILIARITY_REF)
        self.housing = np.zeros(n)
        self.clean = np.zeros(n)
        self.visibility = np.zeros(n)
        self.post_stats = {"posts": 0, "filled": 0, "programme_posts": 0, "mean_tenure": 0.0,
                           "mean_knowledge": 0.0}
        self._demand = {r: np.zeros(n) for r in ROLES}

    def demand_by_role(self) -> dict[str, np.ndarray]:
        """Clients per buurt for each role (from the last environment update)."""
        m = self.model
        e = m.env
        return {
            "wijkagent": e.population.astype(float),
            "teacher": e.pupils.astype(float),
            "youth_worker": AT_RISK_SHARE * e.youths,
            "caretaker": np.bincount(m.dwelling_buurt, minlength=m.n_buurten).astype(float),
            "social_worker": WORK_CLIENT_SHARE * e.unemployed,
        }

    def update(self) -> None:
        m = self.model
        c = m.cfg
        n = m.n_buurten
        demand = self._demand = self.demand_by_role()
        prog_eff = m.programme.effectiveness if m.programme is not None else 1.0
        P = m.posts  # the posts' columns (sim.agents.professionals); sums by (role, buurt)
        live = np.flatnonzero(P.alive)
        role_i, where = P.role_i[live], P.buurt[live]
        is_filled, is_prog = P.filled[live], P.programme[live]
        know, rels, tenure = P.knowledge[live], P.relationships[live], P.tenure[live]
        n_filled = int(is_filled.sum())
        self.post_stats = {
            "posts": int(live.size), "filled": n_filled, "programme_posts": int(is_prog.sum()),
            "mean_tenure": float(tenure[is_filled].mean()) if n_filled else 0.0,
            "mean_knowledge": float(know[is_filled].mean()) if n_filled else 0.0,
        }
        key = role_i * n + where
        size = len(ROLES) * n
        w_eff = np.where(is_filled, (0.3 + 0.7 * know) * np.where(is_prog, prog_eff, 1.0), 0.0)
        filled_rb = np.bincount(key, is_filled, minlength=size).reshape(len(ROLES), n)
        eff_rb = np.bincount(key, w_eff, minlength=size).reshape(len(ROLES), n)
        rel_rb = np.bincount(key, np.where(is_filled, rels, 0.0), minlength=size).reshape(len(ROLES), n)
        filled = {r: filled_rb[i] for i, r in enumerate(ROLES)}
        eff = {r: eff_rb[i] for i, r in enumerate(ROLES)}
        rel = {r: rel_rb[i] for i, r in enumerate(ROLES)}
        contact = CONTACT[role_i] & is_filled
        contact_all = np.bincount(where[contact], minlength=n).astype(float)
        contact_prog = np.bincount(where[contact & is_prog], minlength=n).astype(float)
        # How visible the programme is to residents: its share of the professionals they meet.
        self.visibility = np.divide(contact_prog, contact_all, out=np.zeros(n), where=contact_all > 0)
        support = m.staffing.support
        fam = np.zeros(n)
        n_contact = 0
        for r, role in ROLES.items():
            d = demand[r]
            if role.wijk_wide:  # pool posts and demand over the wijk, then broadcast
                d = np.full(n, d.sum())
                filled[r], eff[r], rel[r] = (np.full(n, x[r].sum()) for x in (filled, eff, rel))
            cap_posts = filled[r] * role.caseload
            load = np.divide(d, cap_posts, out=np.full(n, np.inf), where=cap_posts > 0)
            load = np.where(d <= 0, 0.0, load)
            self.load[r] = load
            coverage = np.divide(eff[r] * role.caseload, d, out=np.zeros(n), where=d > 0).clip(0, 1)
            over = np.clip(load - 1.0, 0.0, 9.0) * (1.0 - 0.5 * support)  # an empty post counts as 10
            quality = 1.0 / (1.0 + c.staffing.overload_quality_effect * over)
            self.level[r] = coverage * quality
            if role.contact:
                mean_rel = np.divide(rel[r], filled[r], out=np.zeros(n), where=filled[r] > 0)
                fam += coverage * mean_rel
                n_contact += 1
        self.familiarity = fam / max(n_contact, 1)
        P.load[live] = np.minimum(np.stack([self.load[r] for r in ROLES]), 10.0)[role_i, where]
        # Non-staff programme money per resident, by domain, saturating.
        per_res = m.programme.input_per_resident(int(m.env.population.sum())) if m.programme \
            else {}
        def boost(domain: str) -> float:
            return 1.0 - math.exp(-per_res.get(domain, 0.0) / INPUT_HALF)
        for r, role in ROLES.items():
            self.level[r] = self.level[r] + 0.5 * boost(role.domain)
        self.housing = np.full(n, boost("housing"))
        self.clean = self.level["caretaker"]

    # -- effects (our estimates; see ServicesConfig) --------------------------------------------
    def relative(self, role: str) -> np.ndarray:
        """Service level relative to regular provision (``regular_service``; zero there)."""
        return self.level[role] - REFERENCE[role]
