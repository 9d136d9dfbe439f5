"""Outcomes: population flows, selective migration, the tracked generation and the output tables.

The generation (DESIGN.md §2.4) is every child aged ``cohort.min_age``-``max_age`` living in the wijk
at the programme start (optionally those born there in its first years), followed wherever they move
until ``cohort.outcome_age``. Its outcomes are reported three ways:

* **by origin** - every tagged child, wherever they live at the outcome age;
* **by place** - everyone who reaches the outcome age while living in the wijk during the programme
  period, whatever their origin (what a neighbourhood monitor sees);
* **movers vs stayers** - tagged children who left the wijk before the outcome age vs those who did not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.agents.criminal_networks import CriminalNetwork, leave_network
from sim.agents.landlords import Slumlord
from sim.config_programme import DOMAINS
from sim.mechanisms.moving import CBS_AGES, cbs_rate, place_quality_elsewhere
from sim.population import EDU_HIGHER, EDU_START, TENURE_NAMES

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
            p.place_quality[tracked] = place_quality_elsewhere(self.model, tracked)
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
    "income_rank_at_25", "ever_suspect", "network_member_ever", "trust_at_25",
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
        # One rule for everyone: a place is deprived when its liveability is below the threshold
        # (the wijk's buurten can climb out of it).
        q = np.where(inw, m.env.liveability[np.maximum(p.buurt[rows], 0)], p.place_quality[rows])
        deprived = q < m.cfg.moving.deprived_threshold
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
            for k in ("income_rank_at_25", "trust_at_25"):
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


class Recorder:
    """Per-step and per-year series of the wijk."""

    def __init__(self, model: Neighbourhood) -> None:
        self.model = model
        self.rows: list[dict[str, float]] = []
        self.buurt_rows: list[dict[str, np.ndarray]] = []

    def record_step(self) -> None:
        """One row of the time series; per-buurt head counts are the environment's of this step."""
        m = self.model
        p = m.pop.p
        env = m.env
        age = p.age
        inw = p.buurt >= 0
        adults = env.adults.sum()
        lf = env.labour_force.sum()
        a25 = age >= 25
        y2534 = inw & a25 & (age < 35)
        n2534 = np.count_nonzero(y2534)
        a12 = age >= 12
        youth = inw & a12 & (age < 25)
        n_youth = np.count_nonzero(youth)
        recent = np.count_nonzero(youth & (p.suspect_last > m.year - 1.0))
        wa = inw & a25 & (age < 65)
        n_wa = np.count_nonzero(wa)
        occupant = m.pop.occupant
        mig = m.migration
        fl = m.flows.step_counts
        means = env.wijk_means(env.liveability, env.crime_rate, env.disorder, env.collective_efficacy,
                               env.school_quality, env.dealing, env.reputation)
        self.rows.append({
            "step": m.steps,
            "year": m.year,
            "population": int(env.population.sum()),
            "tracked_elsewhere": np.count_nonzero(p.tracked & ~(inw | p.leave)),
            "households": np.count_nonzero(m.pop.h.alive),
            "vacancy_rate": np.count_nonzero(occupant < 0) / occupant.size,
            "births": fl["births"], "deaths": fl["deaths"], "arrivals": fl["arrivals"],
            "departures": fl["departures"], "local_moves": fl["local_moves"],
            "moves_between_buurten": fl["local_out"],
            "employment_rate": float(1.0 - env.unemployed.sum() / lf) if lf else np.nan,
            "mean_income_rank": float((env.mean_income_rank * env.adults).sum() / adults)
            if adults else np.nan,
            "startqual_25_34": np.count_nonzero(y2534 & (p.edu >= EDU_START)) / n2534 if n2534
            else np.nan,
            "higher_ed_25_34": np.count_nonzero(y2534 & (p.edu == EDU_HIGHER)) / n2534 if n2534
            else np.nan,
            "youth_suspect_share": recent / max(n_youth, 1),
            "liveability": means[0],
            "crime_rate": means[1],
            "disorder": means[2],
            "collective_efficacy": means[3],
            "school_quality": means[4],
            "trust": float((env.mean_trust * env.adults).sum() / adults) if adults else np.nan,
            "resident_mean_rank_25_64": float(p.income_rank.compress(wa).sum() / n_wa) if n_wa else np.nan,
            "leaver_mean_rank_25_64": mig.leaver_sum / mig.leaver_n if mig.leaver_n else np.nan,
            "newcomer_mean_rank_25_64": mig.newcomer_sum / mig.newcomer_n if mig.newcomer_n
            else np.nan,
            "leavers_25_64": mig.leaver_n,
            "newcomers_25_64": mig.newcomer_n,
            **process_series(m),
            **crime_series(m, inw, a12, dealing=means[5], reputation=means[6]),
        })
        mig.reset()
        m.flows.reset_step()

    def record_year(self) -> None:
        m = self.model
        env = m.env
        tenure = m.dwelling_tenure
        db = m.dwelling_buurt
        n = m.n_buurten
        corp = np.bincount(db, tenure == 0, minlength=n) / np.maximum(np.bincount(db, minlength=n),
                                                                        1)
        self.buurt_rows.append({
            "year": np.full(n, round(m.year, 6)), "buurt": np.arange(n),
            "population": env.population.copy(), "crime_rate": env.crime_rate.copy(),
            "disorder": env.disorder.copy(), "physical_disorder": env.physical_disorder.copy(),
            "social_disorder": env.social_disorder.copy(),
            "collective_efficacy": env.collective_efficacy.copy(),
            "liveability": env.liveability.copy(), "mean_income_rank": env.mean_income_rank.copy(),
            "mean_trust": env.mean_trust.copy(), "school_quality": env.school_quality.copy(),
            "dwelling_quality": env.dwelling_quality.copy(), "vacancy_rate": env.vacancy_rate.copy(),
            "corporation_share": corp,
            "reputation": env.reputation.copy(), "dealing": env.dealing.copy(),
            "sublet_share": env.sublet_share.copy(),
            "initiatives": np.bincount(np.array(m.initiatives.buurt, dtype=int), minlength=n),
            "participation": m.initiatives.participation.copy(),
            "network_members": np.bincount(
                m.pop.p.buurt[(m.pop.p.network >= 0) & (m.pop.p.buurt >= 0)].astype(int), minlength=n),
        })


def process_series(m: Neighbourhood) -> dict[str, float]:
    """Programme and staffing series for one step (DESIGN.md §2.4 process series)."""
    prog = m.programme
    money = prog.money if prog is not None else {"allocated": 0.0, "spent": 0.0, "unspent": 0.0}
    sv = m.services
    st = sv.post_stats  # gathered from the posts by this step's services update
    w = np.maximum(m.env.population, 1)
    # Population-weighted means (as ``np.average``) of the capped load of each role with any finite
    # load, and of familiarity, in one product: each row sums in the same order as on its own.
    finite = np.isfinite(sv.load_table).any(axis=1)
    rows = np.concatenate([sv.capped_load[finite], sv.familiarity[None, :]])
    avg = np.multiply(rows, w, dtype=np.float64).sum(axis=1) / w.sum(dtype=np.float64)
    return {
        "programme_active": bool(prog is not None and prog.active),
        "budget_year": float(prog.budget_year) if prog is not None and prog.active else 0.0,
        "money_allocated": money["allocated"],
        "money_spent": money["spent"],
        "money_unspent": money["unspent"],
        "resets": prog.counts["resets"] if prog is not None else 0,
        "cuts": prog.counts["cuts"] if prog is not None else 0,
        "staff": st["filled"],
        "posts": st["posts"],
        "programme_posts": st["programme_posts"],
        "vacancies": st["posts"] - st["filled"],
        "staff_hires": m.staff_ledger["hires"],
        "staff_leavers": m.staff_ledger["leavers"],
        "mean_tenure": st["mean_tenure"],
        "mean_knowledge": st["mean_knowledge"],
        "mean_load": float(avg[:-1].sum() / (avg.size - 1)) if avg.size > 1 else 0.0,  # = mean
        "familiarity": float(avg[-1]),
    }


def crime_series(m: Neighbourhood, inw: np.ndarray, a12: np.ndarray, dealing: float,
                 reputation: float) -> dict[str, float]:
    """Networks, slumlords and initiatives for one step.

    ``inw`` marks the persons living in the wijk, ``a12`` those aged 12 or more; ``dealing`` and
    ``reputation`` are the wijk means.
    """
    p = m.pop.p
    env = m.env
    member = inw & (p.network >= 0)
    youth = a12 & (p.age < 24)  # the environment's youths, counted per buurt
    led = m.network_ledger
    slum = m.agents_by_type.get(Slumlord)
    slum_dw = m.slumlord_dwellings
    nets = m.agents_by_type.get(CriminalNetwork)
    return {
        "networks": len(nets) if nets is not None else 0,
        "network_members": np.count_nonzero(member),
        "youth_network_share": np.count_nonzero(member & youth) / max(int(env.youths.sum()), 1),
        "network_recruits": led.get("joined", 0) - led.get("founders", 0),
        "network_arrests": led.get("arrested", 0),
        "dealing": dealing,
        "sublet_share_slumlord": np.count_nonzero(m.dwelling_sublet.take(slum_dw)) / slum_dw.size
        if slum_dw.size else 0.0,
        "sublet_dwellings": np.count_nonzero(m.dwelling_sublet),
        "inspections": sum(s.inspections for s in slum) if slum is not None else 0,
        "initiatives": len(m.initiatives.ids),
        "participation": np.count_nonzero(inw & (p.age >= 18) & (p.initiative >= 0))
        / max(int(env.adults.sum()), 1),
        "reputation": reputation,
    }


METRICS = {
    "start_qualification": "start_qualification",
    "higher_education": "education_level",
    "employed": "employed_at_25",
    "income_rank": "income_rank_at_25",
    "ever_suspect": "ever_suspect",
    "network_member": "network_member_ever",
    "trust": "trust_at_25",
    "deprived_area": "deprived_area_at_25",
}


def group_outcomes(df: pd.DataFrame) -> dict[str, float]:
    """Headline outcome means of a group of persons measured at the outcome age."""
    d = df[df["status"] == "outcome"] if "status" in df else df
    out: dict[str, float] = {"n": int(len(d))}
    for name, col in METRICS.items():
        if len(d) == 0:
            out[name] = float("nan")
        elif name == "higher_education":
            out[name] = float((d[col] == "higher").mean())
        else:
            out[name] = float(pd.to_numeric(d[col], errors="coerce").astype(float).mean())
    return out


def build_outputs(model: Neighbourhood) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The run's tables (timeseries, buurten, cohort, place) and its summary."""
    model.cohort.finish()
    ts = pd.DataFrame(model.recorder.rows)
    bu = pd.concat([pd.DataFrame(r) for r in model.recorder.buurt_rows], ignore_index=True) \
        if model.recorder.buurt_rows else pd.DataFrame()
    cohort = model.cohort.cohort_frame()
    place = model.cohort.place_frame()
    for col in ("in_wijk_at_25", "start_qualification", "employed_at_25", "ever_suspect",
                "network_member_ever", "deprived_area_at_25"):
        cohort[col] = cohort[col].astype("boolean")
    movers = cohort[cohort["moved_out"].astype(bool)]
    stayers = cohort[~cohort["moved_out"].astype(bool)]
    py = model.person_years_by_age
    rates = {}
    for a in CBS_AGES[:-1].astype(int):
        lo, hi = max(a - 1, 0), a + 2
        pyr = py[lo:hi].sum()
        rates[str(a)] = {
            "model_pct": float(100 * model.moves_by_age[lo:hi].sum() / pyr) if pyr else None,
            "cbs_pct": float(100 * cbs_rate(np.array([float(a)]))[0]),
            "person_years": float(pyr),
        }
    post = ts[ts["year"] >= 0]
    ages = np.arange(101)
    oc = model.offending_age_counts
    summary: dict[str, Any] = {
        "generation": {
            "by_origin": group_outcomes(cohort),
            "by_place": group_outcomes(place),
            "movers": group_outcomes(movers),
            "stayers": group_outcomes(stayers),
        },
        "by_origin_buurt": {str(int(b)): group_outcomes(g)
                            for b, g in cohort.groupby("origin_buurt")},
        "cohort_counts": {
            "tagged": int(model.cohort.n_tagged),
            "rows": int(len(cohort)),
            "outcome": int((cohort["status"] == "outcome").sum()),
            "died": int((cohort["status"] == "died").sum()),
            "censored": int((cohort["status"] == "censored").sum()),
            "moved_out": int(cohort["moved_out"].sum()),
        },
        "calibration": {
            "moving_rates_by_age": rates,
            "youth_suspect_share": float(post["youth_suspect_share"].mean()) if len(post) else None,
            "offending_peak_age": int(ages[12:25][np.argmax(oc[12:25] / np.maximum(py[12:25], 1e-9))])
            if oc[12:25].sum() else None,
            "employment_rate": float(post["employment_rate"].mean()) if len(post) else None,
            "mean_income_rank": float(post["mean_income_rank"].mean()) if len(post) else None,
            "startqual_25_34": float(post["startqual_25_34"].mean()) if len(post) else None,
        },
        "wijk_final": {k: float(ts[k].iloc[-1]) for k in
                       ("population", "liveability", "crime_rate", "collective_efficacy", "trust",
                        "employment_rate", "mean_income_rank")},
        "programme": {
            "enabled": model.programme is not None,
            **({"counts": dict(model.programme.counts), "money": dict(model.programme.money),
                "final_mix": {d: float(x) for d, x in zip(DOMAINS, model.programme.mix, strict=True)}}
               if model.programme is not None else {}),
            "staff": dict(model.staff_ledger),
        },
        "networks": dict(model.network_ledger),
        "steps": int(model.steps),
        "years": {"burn_in": model.cfg.years.burn_in, "after_start": model.after_start},
    }
    return {"timeseries": ts, "buurten": bu, "cohort": cohort, "place": place}, summary
