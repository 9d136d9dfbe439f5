"""Directions of the crime, landlord and initiative levers over 30 paired seeds (CRN), with tests.

More police capacity does not raise youth recruitment into networks; more inspections do not raise
illegal subletting; support for initiatives does not lower participation (one-sided paired t-tests
that must not find the forbidden direction). Participation is lower in high-crime buurten than in
low-crime ones (a paired test over seeds that must find it).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import merged
from joblib import Parallel, delayed
from scipy import stats

from sim.config import validate
from sim.model import Neighbourhood
from sim.outcomes import build_outputs

pytestmark = pytest.mark.slow
SEEDS = range(30)
BASE = {
    "neighbourhood": {"residents": 3000, "buurten": 6},
    "years": {"burn_in": 10, "after_start": 15},
    "programme": {"horizon_years": 15},
    "funding": {"annual_budget_per_resident": 150},
}


def _run(seed: int, override: dict) -> dict[str, float]:
    m = Neighbourhood(validate(merged(BASE, seed, override)))
    start_recruits = None
    while m.steps < m.total_steps:
        m.step()
        if start_recruits is None and m.year >= 0:
            start_recruits = m.network_ledger.get("joined", 0)
    tables, _ = build_outputs(m)
    ts = tables["timeseries"]
    post = ts[ts["year"] >= 0]
    bu = tables["buurten"]
    bu = bu[bu["year"] >= 1]
    by_b = bu.groupby("buurt")[["crime_rate", "participation"]].mean()
    order = by_b["crime_rate"].sort_values().index
    half = len(order) // 2
    return {
        "recruits": m.network_ledger.get("joined", 0) - (start_recruits or 0),
        "sublet": float(post["sublet_share_slumlord"].mean()),
        "participation": float(post["participation"].mean()),
        "part_low_crime": float(by_b.loc[order[:half], "participation"].mean()),
        "part_high_crime": float(by_b.loc[order[-half:], "participation"].mean()),
    }


def _pair(a: dict, b: dict, key: str) -> np.ndarray:
    ra = Parallel(n_jobs=2)(delayed(_run)(s, a) for s in SEEDS)
    rb = Parallel(n_jobs=2)(delayed(_run)(s, b) for s in SEEDS)
    d = np.array([x[key] for x in rb]) - np.array([x[key] for x in ra])
    print(f"\n{key}: mean paired difference {d.mean():.4f} (sd {d.std():.4f}, n={d.size})")
    return d


def _p_greater(d: np.ndarray) -> float:
    return float(stats.ttest_1samp(d, 0.0, alternative="greater").pvalue) if d.std() > 0 else 1.0


def test_more_police_capacity_does_not_raise_recruitment():
    d = _pair({"staffing": {"police_capacity": 1.0}}, {"staffing": {"police_capacity": 3.0}},
              "recruits")
    assert _p_greater(d) > 0.05


def test_more_inspections_do_not_raise_subletting():
    d = _pair({"slumlords": {"inspection_rate": 0.1}}, {"slumlords": {"inspection_rate": 1.0}},
              "sublet")
    assert _p_greater(d) > 0.05


def test_support_for_initiatives_does_not_lower_participation():
    d = _pair({"programme": {"initiative_support": 0.0}}, {"programme": {"initiative_support": 1.0}},
              "participation")
    assert _p_greater(-d) > 0.05


def test_participation_lower_in_high_crime_buurten():
    runs = Parallel(n_jobs=2)(delayed(_run)(s, {}) for s in SEEDS)
    low = np.array([r["part_low_crime"] for r in runs])
    high = np.array([r["part_high_crime"] for r in runs])
    print(f"\nparticipation low-crime {low.mean():.4f} vs high-crime {high.mean():.4f}")
    assert stats.ttest_rel(high, low, alternative="less").pvalue < 0.01
