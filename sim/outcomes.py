"""Outcomes: the output tables (time series, buurten, cohort, place) and the run's summary.

Tracking (flows, migration, the tracked generation) lives in ``sim.tracking``.

The generation (docs/model.md §7.10) is every child aged ``cohort.min_age``-``max_age`` living in the wijk
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

from sim.agents.criminal_networks import CriminalNetwork
from sim.agents.landlords import Slumlord
from sim.config_programme import DOMAINS
from sim.mechanisms.moving import CBS_AGES, cbs_rate
from sim.population import EDU_HIGHER, EDU_START
from sim.tracking import (  # noqa: F401  (re-exported for code that imported them from here)
    EDU_NAMES,
    OUTCOME_COLUMNS,
    CohortTracker,
    Flows,
    Migration,
)

if TYPE_CHECKING:
    from sim.model import Neighbourhood


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
    """Programme and staffing series for one step (docs/model.md process series)."""
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


def _peak(counts: np.ndarray, person_years: np.ndarray) -> int | None:
    """Age 12-24 with the highest registration rate per person-year (None without registrations)."""
    if not counts[12:25].sum():
        return None
    return int(12 + np.argmax(counts[12:25] / np.maximum(person_years[12:25], 1e-9)))


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
            "offending_peak_age": _peak(oc.sum(axis=0), py),
            "offending_peak_age_male": _peak(oc[0], model.person_years_by_sex[0]),
            "offending_peak_age_female": _peak(oc[1], model.person_years_by_sex[1]),
            "offending_rate_by_sex_age": {
                sex: {str(a): float(oc[i, a] / model.person_years_by_sex[i, a])
                      if model.person_years_by_sex[i, a] else None for a in range(12, 25)}
                for i, sex in enumerate(("male", "female"))},
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
