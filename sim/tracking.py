"""Tracking: population flows, selective migration and the tracked generation (one row per person).

The generation (docs/model.md §7.10) is every child aged ``cohort.min_age``-
``max_age`` living in the wijk at the programme start (optionally those born there in its first years),
followed wherever they move until ``cohort.outcome_age``. ``CohortTracker`` records each tracked
person's outcome row (and the rows of the wijk's own residents reaching the outcome age, for outcomes
by place); ``Flows`` is the per-buurt conservation ledger; ``Migration`` the ranks of leavers and
newcomers (Permentier, Das & Wittebrood 2011). The output tables are built in ``sim.outcomes``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.agents.criminal_networks import leave_network
from sim.mechanisms import income
from sim.mechanisms.moving import place_elsewhere
from sim.population import EDU_START, TENURE_NAMES

if TYPE_CHECKING:
    from sim.model import Neighbourhood

FLOW_KINDS = ("start", "births", "arrivals", "deaths", "departures", "local_in", "local_out")
STEP_ONLY = ("local_moves",)  # counted per step, not part of the per-buurt ledger
EDU_NAMES = {-1: "undecided", 0: "below_start_qualification", 1: "start_qualification",
             2: "higher"}


class Flows:
    """Counts of people entering and leaving each buurt (the conservation ledger)."""

    def __init__(self, model: Neighbourhood) -> None:
        self.model = model
        self.by_buurt = {k: np.zeros(model.n_buurten, dtype=np.int64) for k in FLOW_KINDS}
        self.step_counts = {k: 0 for k in FLOW_KINDS + STEP_ONLY}
        self.step_out_by_buurt = np.zeros(model.n_buurten)
        self.deaths_elsewhere = 0

    def _count(self, kind: str, buurt: np.ndarray) -> None:
        b = buurt[buurt >= 0].astype(np.int64)
        self.by_buurt[kind] += np.bincount(b, minlength=self.model.n_buurten)
        self.step_counts[kind] += b.size

    def start(self, rows: np.ndarray) -> None:
        self._count("start", self.model.pop.p.buurt[rows])

    def begin_moves(self) -> None:
        self.step_out_by_buurt[:] = 0

    def reset_step(self) -> None:
        self.step_counts = {k: 0 for k in FLOW_KINDS + STEP_ONLY}

    def enter(self, rows: np.ndarray, kind: str) -> None:
        """Newborns (``births``) or newcomers (``arrivals``) now living in the wijk."""
        self._count(kind, self.model.pop.p.buurt[rows])

    def leave(self, rows: np.ndarray, kind: str) -> None:
        """Persons leaving the model (``deaths``): counted where they lived, then removed."""
        p = self.model.pop.p
        b = p.buurt[rows]
        self._count(kind, b)
        self.deaths_elsewhere += int((b < 0).sum())
        leave_network(self.model, rows, "died")
        p.leave[rows] = True
        p.buurt[rows] = -1
        p.hh[rows] = -1

    def depart(self, rows: np.ndarray) -> None:
        """Residents moving out of the wijk: tracked persons go elsewhere, others leave the model."""
        p = self.model.pop.p
        b = p.buurt[rows]
        self._count("departures", b)
        self.step_out_by_buurt += np.bincount(b.astype(np.int64), minlength=self.model.n_buurten)
        tracked = rows[p.tracked[rows]]
        if tracked.size:
            p.moved_out[tracked] = True
            p.place_pct[tracked] = place_elsewhere(self.model, tracked)
        p.leave[rows[~p.tracked[rows]]] = True
        leave_network(self.model, rows, "moved_out")
        p.initiative[rows] = -1
        p.buurt[rows] = -1
        p.hh[rows] = -1
        p.dependent[rows] = False

    def relocate(self, rows: np.ndarray, old_buurt: np.ndarray) -> None:
        """Moves within the wijk; a change of buurt counts out of the old and into the new."""
        p = self.model.pop.p
        new = p.buurt[rows]
        self.step_out_by_buurt += np.bincount(old_buurt.astype(np.int64),
                                              minlength=self.model.n_buurten)
        self.step_counts["local_moves"] += rows.size
        changed = new != old_buurt
        self._count("local_out", old_buurt[changed])
        self._count("local_in", new[changed])

    def expected_population(self) -> np.ndarray:
        """start + births + arrivals - deaths - departures (+ local in - out), per buurt."""
        f = self.by_buurt
        return (f["start"] + f["births"] + f["arrivals"] + f["local_in"]
                - f["deaths"] - f["departures"] - f["local_out"])


WORKING_AGES = (25.0, 65.0)  # ages compared in the selective-migration statistics


class Migration:
    """Income ranks of leavers, newcomers and stayers (Permentier, Das & Wittebrood 2011)."""

    def __init__(self, model: Neighbourhood) -> None:
        self.model = model
        self.reset()

    def reset(self) -> None:
        self.leaver_sum = self.leaver_n = 0.0
        self.newcomer_sum = self.newcomer_n = 0.0

    def _sel(self, rows: np.ndarray) -> np.ndarray:
        p = self.model.pop.p
        a = p.age[rows]
        return p.income_rank[rows[(a >= WORKING_AGES[0]) & (a < WORKING_AGES[1])]]

    def leavers(self, rows: np.ndarray) -> None:
        r = self._sel(rows)
        self.leaver_sum += r.sum()
        self.leaver_n += r.size

    def newcomers(self, rows: np.ndarray) -> None:
        r = self._sel(rows)
        self.newcomer_sum += r.sum()
        self.newcomer_n += r.size


OUTCOME_COLUMNS = (
    "person_id", "origin_buurt", "age_at_start", "parent_income_rank", "moved_out", "years_in_wijk",
    "in_wijk_at_25", "died", "status", "start_qualification", "education_level", "employed_at_25",
    "income_rank_at_25", "household_income_rank_at_25", "ever_suspect", "network_member_ever", "trust_at_25",
    "deprived_area_at_25", "buurt_at_25", "tenure_at_25", "exposure", "year_at_outcome",
)


class CohortTracker:
    """Tags the generation, follows it, and records one outcome row per tracked person."""

    def __init__(self, model: Neighbourhood) -> None:
        self.model = model
        self.cohort_chunks: list[dict[str, np.ndarray]] = []
        self.place_chunks: list[dict[str, np.ndarray]] = []
        self.n_tagged = 0

    def _tag(self, rows: np.ndarray) -> None:
        p = self.model.pop.p
        rows = rows[~p.tracked[rows]]  # a child born at the start step is tagged once
        p.tracked[rows] = True
        p.origin_buurt[rows] = p.buurt[rows]
        p.age_at_start[rows] = p.age[rows] - max(self.model.year, 0.0)
        p.years_in_wijk[rows] = np.minimum(p.years_in_wijk[rows], 18.0)
        self.n_tagged += rows.size

    def tag_start(self) -> None:
        """Tag every child of the configured ages living in the wijk at the programme start."""
        c = self.model.cfg.cohort
        p = self.model.pop.p
        rows = np.flatnonzero((p.buurt >= 0) & (p.age >= c.min_age) & (p.age < c.max_age + 1)
                              & ~p.leave)
        self._tag(rows)

    def tag_newborns(self, rows: np.ndarray) -> None:
        y = self.model.year
        if 0 <= y < self.model.cfg.cohort.born_years:
            self._tag(rows)

    def _snapshot(self, rows: np.ndarray, died: bool, status: str) -> dict[str, np.ndarray]:
        m = self.model
        p = m.pop.p
        inw = p.buurt[rows] >= 0
        nan = np.full(rows.size, np.nan)
        hh = p.hh[rows]
        tenure = np.where(inw, np.where(p.dependent[rows], "with_parents", "?"), "elsewhere")
        if inw.any():
            t = m.pop.h.tenure[np.maximum(hh, 0)]
            named = np.array([TENURE_NAMES[int(x)] for x in range(3)])[t]
            tenure = np.where(tenure == "?", named, tenure)
        # One rule for everyone: a place is deprived when it lies in the deprived tail of the
        # national distribution of places (``sim.places``); the wijk's buurten are placed in it by
        # their liveability, so they climb out only by overtaking real Dutch neighbourhoods.
        u = np.where(inw, m.env.percentile[np.maximum(p.buurt[rows], 0)], p.place_pct[rows])
        deprived = m.places.deprived(u)
        rec = {
            "person_id": p.pid[rows].copy(),
            "origin_buurt": p.origin_buurt[rows].astype(np.int16),
            "age_at_start": p.age_at_start[rows].copy(),
            "parent_income_rank": p.parent_rank[rows].copy(),
            "moved_out": p.moved_out[rows].copy(),
            "years_in_wijk": p.years_in_wijk[rows].copy(),
            "in_wijk_at_25": np.where(died, False, inw),
            "died": np.full(rows.size, died),
            "status": np.full(rows.size, status, dtype=object),
            "start_qualification": p.edu[rows] >= EDU_START,
            "education_level": np.array([EDU_NAMES[int(e)] for e in p.edu[rows]], dtype=object),
            "employed_at_25": p.employed[rows].copy(),
            "income_rank_at_25": p.income_rank[rows].copy(),
            "household_income_rank_at_25": income.household_rank(m, rows),
            "ever_suspect": p.suspect_ever[rows].copy(),
            "network_member_ever": p.network_ever[rows].copy(),
            "trust_at_25": p.trust[rows].copy(),
            "deprived_area_at_25": deprived,
            "buurt_at_25": np.where(inw, p.buurt[rows], -1).astype(np.int16),
            "tenure_at_25": tenure.astype(object),
            "exposure": p.exposure[rows].copy(),
            "year_at_outcome": np.full(rows.size, m.year),
        }
        if died or status == "censored":
            for k in ("start_qualification", "employed_at_25", "ever_suspect",
                      "network_member_ever", "deprived_area_at_25", "in_wijk_at_25"):
                rec[k] = rec[k].astype(object)
                rec[k][:] = None
            for k in ("income_rank_at_25", "household_income_rank_at_25", "trust_at_25"):
                rec[k] = nan.copy()
            rec["education_level"][:] = None
            rec["tenure_at_25"][:] = None
            rec["buurt_at_25"][:] = -1
        return rec

    def record_deaths(self, rows: np.ndarray) -> None:
        p = self.model.pop.p
        t = rows[p.tracked[rows]]
        if t.size:
            self.cohort_chunks.append(self._snapshot(t, died=True, status="died"))
            p.tracked[t] = False

    def step(self) -> None:
        """Record those reaching the outcome age: the generation, and the wijk's own residents."""
        m = self.model
        p = m.pop.p
        oa = m.cfg.cohort.outcome_age
        crossing = (p.age >= oa) & (p.age - m.dt < oa) & ~p.leave
        if m.year >= 0:
            place = np.flatnonzero(crossing & (p.buurt >= 0))
            if place.size:
                rec = self._snapshot(place, died=False, status="outcome")
                rec["tracked"] = p.tracked[place].copy()
                self.place_chunks.append(rec)
        done = np.flatnonzero(p.tracked & (p.age >= oa) & ~p.leave)
        if done.size:
            self.cohort_chunks.append(self._snapshot(done, died=False, status="outcome"))
            p.tracked[done] = False
            # Out of the wijk and no longer tracked: they leave the model.
            p.leave[done[p.buurt[done] < 0]] = True

    def finish(self) -> None:
        """Tracked persons still short of the outcome age at the end are recorded as censored."""
        p = self.model.pop.p
        left = np.flatnonzero(p.tracked & ~p.leave)
        if left.size:
            self.cohort_chunks.append(self._snapshot(left, died=False, status="censored"))
            p.tracked[left] = False

    @staticmethod
    def _frame(chunks: list[dict[str, np.ndarray]], columns: tuple[str, ...]) -> pd.DataFrame:
        if not chunks:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        keys = chunks[0].keys()
        return pd.DataFrame({k: np.concatenate([c[k] for c in chunks]) for k in keys})

    def cohort_frame(self) -> pd.DataFrame:
        df = self._frame(self.cohort_chunks, OUTCOME_COLUMNS)
        return df.sort_values("person_id", kind="stable").reset_index(drop=True)

    def place_frame(self) -> pd.DataFrame:
        return self._frame(self.place_chunks, OUTCOME_COLUMNS + ("tracked",))
