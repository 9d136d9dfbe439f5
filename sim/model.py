"""``Neighbourhood``: the Mesa model. Builds the world and orders the submodels in ``step()``.

Time: one Mesa time unit is one step of ``years.step`` years (a quarter by default). Model years run
from ``-burn_in`` to ``after_start``; the programme starts at year 0, when the generation is tagged.
Activation order per step (explicit, as in Mesa's wolf_sheep): demography -> work -> criminal
networks -> offending -> trust -> moving -> inflow -> landlords -> professionals -> money -> buurt
environment -> services -> outcomes. Yearly processes (school year, household incomes, initiatives,
network founding, the buurt record) are a recurring Mesa event; the programme's yearly cycle and
political events are scheduled by ``sim.programme``.
"""

from __future__ import annotations

import dataclasses
import logging
import math

import mesa
import numpy as np
from mesa.time import Schedule

from sim.agents.criminal_networks import CriminalNetwork, leave_network, step_networks
from sim.agents.landlords import HousingCorporation, PrivateLandlord, Slumlord, step_landlords
from sim.agents.professionals import POST_COLUMNS, ROLES, Professional, step_posts
from sim.config import WijksimConfig
from sim.config_crime import SlumlordsConfig
from sim.config_programme import StaffingConfig
from sim.environment import Environment
from sim.households import expected_household_size, make_households, update_household_ranks
from sim.mechanisms import demography, moving, offending, school, trust, work
from sim.mechanisms.initiatives import Initiatives
from sim.mechanisms.services import Services
from sim.outcomes import Recorder
from sim.places import NationalPlaces
from sim.population import Columns, Population, Resident
from sim.programme import Programme, _apportion
from sim.rates import step_prob
from sim.rng import Streams
from sim.tracking import CohortTracker, Flows, Migration

logging.getLogger("mesa").setLevel(logging.WARNING)

# Policy levers: the scenario's values act while the programme runs (``Neighbourhood.staffing``,
# ``slumlord_policy``); before and after it regular provision runs on the schema defaults. The
# world's own settings (every other knob) act throughout. What ends and what lasts: docs/model.md §7.20.
STAFFING_LEVERS = ("turnover_rate", "first_year_multiplier", "rotation_years", "support")
SLUMLORD_LEVERS = ("inspection_rate",)


def buurt_layout(n_dwellings: int, n_buurten: int) -> tuple[int, int, np.ndarray]:
    """A near-square dwelling grid cut into ``n_buurten`` blocks (two bands of blocks).

    Returns (width, height, buurt of each dwelling); dwelling ``i`` sits at (i % width, i // width).
    """
    width = math.ceil(math.sqrt(n_dwellings))
    height = math.ceil(n_dwellings / width)
    idx = np.arange(n_dwellings)
    x, y = idx % width, idx // width
    top = math.ceil(n_buurten / 2)
    bottom = n_buurten - top
    band = (y >= height / 2).astype(int)  # 0 = top band, 1 = bottom band
    per_band = np.where(band == 0, top, bottom)
    col = np.minimum((x * per_band) // width, per_band - 1)
    return width, height, np.where(band == 0, col, top + col).astype(np.int8)


def adjacency(width: int, buurt: np.ndarray, n: int) -> np.ndarray:
    """Buurten sharing an edge on the grid."""
    adj = np.zeros((n, n), dtype=bool)
    nd = buurt.size
    idx = np.arange(nd)
    right = idx[(idx % width) < width - 1]
    right = right[right + 1 < nd]
    down = idx[idx + width < nd]
    for a, b in ((buurt[right], buurt[right + 1]), (buurt[down], buurt[down + width])):
        diff = a != b
        adj[a[diff], b[diff]] = True
        adj[b[diff], a[diff]] = True
    return adj


class Neighbourhood(mesa.Model):
    """A focal wijk of buurten on a dwelling grid, its residents, landlords and environment."""

    def __init__(self, cfg: WijksimConfig) -> None:
        self.streams = Streams(cfg.seed)
        super().__init__(rng=self.streams.child_seed("mesa"))
        self.cfg = cfg
        # Regular provision's settings, in force before and after the programme (the levers at
        # their schema defaults; every other knob as configured).
        self._pre_staffing = dataclasses.replace(
            cfg.staffing, **{k: getattr(StaffingConfig(), k) for k in STAFFING_LEVERS})
        self._pre_slumlords = dataclasses.replace(
            cfg.slumlords, **{k: getattr(SlumlordsConfig(), k) for k in SLUMLORD_LEVERS})
        self.dt = cfg.years.step
        # Sizes given per default wijk of 15,000 residents scale with the wijk; a network's sizes
        # (founders, recruiters, members per buurt held) scale with the buurt it holds, whose
        # population is residents / buurten (default 15,000 / 8), so a wijk of any size and any
        # number of buurten is the same deprived wijk.
        self.size_scale = cfg.neighbourhood.residents / 15000.0
        self.buurt_scale = (cfg.neighbourhood.residents / cfg.neighbourhood.buurten) / (15000.0 / 8)
        self.steps_per_year = round(1.0 / self.dt)
        after = cfg.years.after_start
        if after is None:
            after = cfg.cohort.outcome_age - cfg.cohort.min_age + cfg.cohort.born_years
        self.after_start = int(after)
        self.start_step = round(cfg.years.burn_in / self.dt)
        self.total_steps = self.start_step + round(self.after_start / self.dt)
        self.person_steps = 0
        self.next_post_id = 0
        self.posts = Columns(POST_COLUMNS, 256)  # the professionals' state, one row per post
        self.staff_ledger: dict[str, int] = {"hires": 0, "leavers": 0}
        self._build_world()
        self.schedule_recurring(self._yearly, Schedule(interval=float(self.steps_per_year),
                                                       start=float(self.steps_per_year)))
        if self.start_step == 0:
            self.cohort.tag_start()
        else:
            self.schedule_event(self.cohort.tag_start, at=float(self.start_step))
        self.recorder.record_step()

    # -- levers: policy settings bound to the programme period -------------------------------
    @property
    def programme_running(self) -> bool:
        """True while the programme runs: enabled, funded and ``start_year <= year < start + horizon``."""
        return self.programme is not None and self.programme.active

    def _lever_in_force(self, reform: bool) -> bool:
        """A lever acts while the programme runs; a lever named as a lasting ``reform`` acts from
        the programme start to the end of the run (with or without a programme)."""
        if reform:
            return self.year >= self.cfg.programme.start_year
        return self.programme_running

    @property
    def staffing(self) -> StaffingConfig:
        """Staffing in force: the scenario's levers while the programme runs, regular provision's
        settings (the schema defaults of ``STAFFING_LEVERS``) before and after it.

        Turnover, first-year attrition, rotation and support are how a programme organises its
        work (conditions 3-4, docs/model.md §7.18) and end with it, unless ``staffing.reform`` makes
        them a lasting reform of regular provision. Before the start every scenario runs the same
        world, so paired scenarios share their burn-in and their tagged generation (common random
        numbers); after the end they differ only by what the programme left behind.
        """
        return self.cfg.staffing if self._lever_in_force(self.cfg.staffing.reform) \
            else self._pre_staffing

    @property
    def slumlord_policy(self) -> SlumlordsConfig:
        """Slumlord settings in force: the inspection lever acts while the programme runs (or
        from its start on, as a lasting reform, with ``slumlords.reform``)."""
        return self.cfg.slumlords if self._lever_in_force(self.cfg.slumlords.reform) \
            else self._pre_slumlords

    # -- time ---------------------------------------------------------------------------------
    @property
    def year(self) -> float:
        """Years since the programme start (negative during burn-in)."""
        return (self.steps - self.start_step) * self.dt

    # -- construction -------------------------------------------------------------------------
    def _build_world(self) -> None:
        cfg = self.cfg
        nb = cfg.neighbourhood
        rng = self.streams.gen("init")
        n_occupied = round(nb.residents / expected_household_size())
        n_dw = max(round(n_occupied / (1.0 - nb.initial_vacancy)), n_occupied)
        self.n_buurten = nb.buurten
        self.grid_width, self.grid_height, self.dwelling_buurt = buurt_layout(n_dw, nb.buurten)
        self.buurt_adjacency = adjacency(self.grid_width, self.dwelling_buurt, nb.buurten)
        self.places = NationalPlaces(cfg)
        self.env = Environment(nb.buurten, self.buurt_adjacency)
        self.dwelling_owner = np.full(n_dw, -1, dtype=np.int64)
        self.dwelling_maintenance = np.zeros(n_dw)  # the owning landlord's effort per year
        self.dwelling_tenure = np.zeros(n_dw, dtype=np.int8)
        self.applicant_rank_mean = np.zeros(n_dw)
        self.dwelling_sublet = np.zeros(n_dw, dtype=bool)
        # Buurten differ in stock: corporation share and quality vary by buurt (est.).
        corp_share = np.clip(rng.normal(nb.corporation_share, nb.corporation_share_spread,
                                        nb.buurten), 0.0, 1.0)
        qual_mean = np.clip(rng.normal(cfg.housing.initial_quality_mean, 0.08, nb.buurten),
                            0.05, 0.95)
        self.dwelling_quality = np.clip(qual_mean[self.dwelling_buurt]
                                        + rng.normal(0, 0.1, n_dw), 0.0, 1.0)
        is_corp = rng.random(n_dw) < corp_share[self.dwelling_buurt]
        h = cfg.housing
        HousingCorporation(self, np.flatnonzero(is_corp), h.corporation_maintenance,
                           cfg.moving.applicant_rank_mean)
        private = np.flatnonzero(~is_corp)
        # Slumlords own the worst private dwellings (est.), letting to the most vulnerable.
        sl = cfg.slumlords
        n_slum = round(sl.share_of_private * private.size)
        worst = private[np.argsort(self.dwelling_quality[private], kind="stable")[:n_slum]]
        private = np.setdiff1d(private, worst)
        slum_owner = rng.integers(0, sl.landlords, worst.size)
        for k in range(sl.landlords):
            Slumlord(self, worst[slum_owner == k], sl.maintenance,
                     cfg.moving.applicant_rank_mean + sl.applicant_rank_offset)
        self.slumlord_dwellings = worst
        owners = rng.integers(0, h.private_landlords, private.size)
        for k in range(h.private_landlords):
            PrivateLandlord(self, private[owners == k], h.private_maintenance,
                            cfg.moving.private_applicant_rank_mean)
        self.pop = Population(n_dw, capacity=int(nb.residents * 1.3))
        self.flows = Flows(self)
        self.migration = Migration(self)
        self.cohort = CohortTracker(self)
        self.recorder = Recorder(self)
        self.moves_by_age = np.zeros(101)
        self.person_years_by_age = np.zeros(101)
        self.offending_age_counts = np.zeros((2, 101))  # registrations by sex (0 male) and age
        self.person_years_by_sex = np.zeros((2, 101))  # residents' person-years by sex and age
        self._synced_upto = 0
        self.handles: list[Resident] = []  # Resident handles by slot (see _sync_agents)
        self.handle_pid = np.full(int(nb.residents * 1.5) + 16, -1, dtype=np.int64)
        self._spare_slots: list[int] = []
        occupied = np.sort(rng.choice(n_dw, size=n_occupied, replace=False))
        base = np.full(n_occupied, nb.income_rank_mean)
        # Households in private rental dwellings start slightly better off (est. +5 rank points).
        base = base + 5.0 * (self.dwelling_tenure[occupied] == 1)
        _, rows = make_households(self, occupied, base, applicant=False)
        p = self.pop.p
        p.trust[rows] = np.clip(rng.normal(cfg.trust.initial_mean, 0.12, rows.stop - rows.start),
                                0, 1)
        self.flows.start(np.arange(rows.start, rows.stop))
        self._sync_agents()
        self.services = Services(self)
        self.programme: Programme | None = None
        self.initiatives = Initiatives(self)
        self.network_ledger: dict[str, int] = {}
        self.next_network_id = 0
        self.arrests_by_buurt = np.zeros(self.n_buurten, dtype=np.int64)
        self.env.update(self)
        self._regular_posts()
        self.services.pool_small_roles()
        if cfg.programme.enabled:
            self.programme = Programme(self)
        self.services.update()
        self._seed_networks(cfg.networks.initial_networks)
        self.env.update(self)

    # -- the step -----------------------------------------------------------------------------
    def step(self) -> None:
        """One step of every submodel, in a fixed order."""
        demography.step(self)
        work.step(self)
        step_networks(self)
        offending.step(self)
        trust.step(self)
        self.flows.begin_moves()
        moving.step(self)
        moving.fill_vacancies(self)
        step_landlords(self)
        step_posts(self)
        if self.programme is not None:
            self.programme.account()
        self._close_households()
        self.env.update(self)
        self.services.update()
        self._account_exposure()
        self.cohort.step()
        self.recorder.record_step()
        self._sync_agents()

    def run(self) -> None:
        """Run burn-in and programme period to the end; record the final year."""
        self.run_for(self.total_steps - self.steps)

    # -- bookkeeping ----------------------------------------------------------------------------
    def record_moves(self, rows: np.ndarray) -> None:
        """Count address changes by age (for the CBS comparison), after burn-in."""
        if self.year >= 0 and rows.size:
            self.moves_by_age += np.bincount(np.minimum(self.pop.p.age[rows], 100).astype(int),
                                             minlength=101)

    def _account_exposure(self) -> None:
        p = self.pop.p
        inw = p.buurt >= 0
        child = inw & (p.age < 18)
        np.add(p.years_in_wijk, self.dt, out=p.years_in_wijk, where=child)
        if self.year >= 0:
            key = np.minimum(p.age[inw], 100).astype(np.intp) + 101 * p.female[inw]
            by_sex = self.dt * np.bincount(key, minlength=202).reshape(2, 101)
            self.person_years_by_sex += by_sex
            self.person_years_by_age += by_sex.sum(axis=0)
        self.person_steps += p.n - np.count_nonzero(p.leave)

    def _close_households(self) -> None:
        """Households left with no members free their dwelling; their rows are dropped in batches."""
        pop = self.pop
        p, h = pop.p, pop.h
        live = (p.hh >= 0) & ~p.leave
        size = np.bincount(p.hh[live], minlength=h.n)
        empty = np.flatnonzero(h.alive & (size == 0))
        if empty.size:
            pop.occupant[h.dwelling[empty]] = -1
            pop.vacant_since[h.dwelling[empty]] = self.year
            h.alive[empty] = False
            h.dwelling[empty] = -1
        # Ended households leave dead rows behind; drop them once they are half of all rows
        # (every pass over households, e.g. moving's, scans all rows).
        if h.n > 1000 and 2 * np.count_nonzero(h.alive) < h.n:
            pop.compact_households()

    def _sync_agents(self) -> None:
        """Drop rows of people who left; keep one registered Resident handle per person.

        Handles own fixed slots and are pooled: the slots freed by departures are re-bound to
        newcomers in one vectorised assignment (``handle_pid[slot] = pid``). Only the step's
        imbalance of arrivals and departures touches Mesa: spare handles are deregistered, and
        registered again when needed, which is far cheaper than creating and removing agents.
        """
        p = self.pop.p
        leaving = np.flatnonzero(p.leave)
        freed = p.slot[leaving]
        freed = freed[freed >= 0]
        p.slot[leaving] = -1
        # Rows of people who left stay as inert "ghost" rows (leave=True, buurt=-1) until they
        # are a tenth of all rows: compacting 30 columns costs more than carrying them.
        if leaving.size > 0.1 * p.n:
            self.pop.compact()
            p = self.pop.p
        # New persons get ever larger ids and are appended, so ``pid`` is sorted: the rows past
        # the mark are new. (A newborn whose family moved out in the same step is already gone.)
        start = int(np.searchsorted(p.pid, self._synced_upto))
        new_rows = start + np.flatnonzero(~p.leave[start:])
        k = min(freed.size, new_rows.size)
        if new_rows.size > k:
            slots = np.concatenate([freed[:k], self._take_slots(new_rows.size - k)])
        else:
            slots = freed[:k]
            self._release_slots(freed[k:])
        p.slot[new_rows] = slots
        self.handle_pid[slots] = p.pid[new_rows]
        self._synced_upto = self.pop.next_pid

    def _take_slots(self, n: int) -> np.ndarray:
        """``n`` slots of registered handles: spare handles first, then new ones."""
        spare = self._spare_slots
        cut = len(spare) - min(n, len(spare))
        reuse = spare[cut:]
        del spare[cut:]
        for s in reuse:
            self.register_agent(self.handles[s])
        first = len(self.handles)
        need = n - len(reuse)
        if first + need > self.handle_pid.size:
            grown = np.full(max(first + need, 2 * self.handle_pid.size), -1, dtype=np.int64)
            grown[: self.handle_pid.size] = self.handle_pid
            self.handle_pid = grown
        self.handles.extend(Resident(self, first + i) for i in range(need))
        return np.concatenate([np.array(reuse, dtype=np.int64), np.arange(first, first + need)])

    def _release_slots(self, slots: np.ndarray) -> None:
        """Unbind handles no longer needed and take them out of Mesa's agent sets."""
        if slots.size == 0:
            return
        self.handle_pid[slots] = -1
        for s in slots.tolist():
            self.deregister_agent(self.handles[s])
        self._spare_slots.extend(slots.tolist())

    def resident(self, pid: int) -> Resident:
        """The Resident handle of person ``pid`` (KeyError if no longer in the model)."""
        row = int(self.pop.row_of[pid]) if 0 <= pid < self.pop.next_pid else -1
        if row < 0 or self.pop.p.leave[row]:
            raise KeyError(f"person {pid} is not in the model")
        return self.handles[int(self.pop.p.slot[row])]

    # -- professionals -------------------------------------------------------------------------
    def professionals(self) -> list[Professional]:
        """All posts (regular and programme), in creation order."""
        ps = self.agents_by_type.get(Professional)
        return list(ps) if ps is not None else []

    def staff(self) -> int:
        """Filled posts."""
        return int((self.posts.alive & self.posts.filled).sum())

    def _regular_posts(self) -> None:
        """Regular provision: each role's full-time equivalents sized to demand at the regular load
        (ROLES), spread over whole posts of equal FTE. A wijk smaller than one post's catchment
        gets a part-time post (a wijkagent shared with adjacent areas), so regular provision per
        resident is the norm's at any size and ``Services.reference`` describes it exactly."""
        rng = self.streams.gen("staff_init")
        demand = self.services.demand_by_role()
        c = self._pre_staffing  # the world before any programme: the same in every scenario
        for name, role in ROLES.items():
            if not math.isfinite(role.regular_load):
                continue
            fte = demand[name].sum() / (role.caseload * role.regular_load) \
                * (c.police_capacity if name == "wijkagent" else 1.0)
            n_posts = max(int(round(fte)), 1)
            for b, k in enumerate(_apportion(n_posts, demand[name])):
                for _ in range(int(k)):
                    post = Professional(self, name, b, "regular")
                    post.fte = fte / n_posts
                    # Occupants in post for a while already (steady state of the quit process).
                    post.filled = True
                    post.tenure = float(rng.exponential(1.0 / max(c.turnover_rate, 1e-3)))
                    post.knowledge = step_prob(1.0 / c.learning_years, post.tenure)
                    post.relationships = step_prob(1.0 / c.relationship_years, post.tenure)
        self.staff_ledger["initial"] = self.staff()

    # -- criminal networks ---------------------------------------------------------------------
    def networks(self) -> list[CriminalNetwork]:
        ns = self.agents_by_type.get(CriminalNetwork)
        return list(ns) if ns is not None else []

    def _seed_networks(self, k: int) -> None:
        """Settle ``k`` networks in the poorest buurten not yet held by one."""
        taken = {b for net in self.networks() for b in net.territory}
        free = [b for b in np.argsort(self.env.mean_income_rank, kind="stable").tolist()
                if b not in taken]
        for b in free[:k]:
            net = CriminalNetwork(self, self.next_network_id, [int(b)])
            self.next_network_id += 1
            net.seed_members(max(1, round(self.cfg.networks.initial_members * self.buurt_scale)))

    def dissolve_network(self, net: CriminalNetwork) -> None:
        leave_network(self, net.members(), "dissolved")
        self.network_ledger["dissolved_networks"] = self.network_ledger.get("dissolved_networks", 0) + 1
        net.remove()

    def _yearly(self) -> None:
        # Processes on a yearly calendar: the school year, the annual income assessment of
        # households, residents' initiatives, the settling of new networks, the buurt record.
        school.step(self, dt=1.0)
        update_household_ranks(self)
        if self.year < 0:  # regular provision follows demand in burn-in, then is frozen
            self.services.resize_regular()
        self.initiatives.step()
        rng = self.streams.gen("networks")
        c = self.cfg.networks
        if rng.random() < step_prob(c.founding_rate, 1.0) and len(self.networks()) < c.max_networks:
            self._seed_networks(1)
        self.recorder.record_year()
