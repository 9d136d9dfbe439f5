"""Directions of the crime, landlord and initiative levers over 30 paired seeds (CRN), with tests.

More police capacity lowers youth registrations (and does not raise recruitment); more
inspections lower illegal subletting; support for initiatives raises participation. Each is a
one-sided paired t-test that must find the expected direction (p < 0.01; police 0.05) by a stated
minimum (about half the effect measured when the test was written, in the comments): a disconnected
lever gives a zero difference and fails, which the old "does not worsen" form of these tests passed.
Participation is lower in high-crime buurten than in low-crime ones (a paired test over seeds that
must find it).
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
    start_recruits = start_arrests = None
    while m.steps < m.total_steps:
        m.step()
        if start_recruits is None and m.year >= 0:
            start_recruits = m.network_ledger.get("joined", 0)
            start_arrests = m.network_ledger.get("arrested", 0)
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
        "arrests": m.network_ledger.get("arrested", 0) - (start_arrests or 0),
        "sublet": float(post["sublet_share_slumlord"].mean()),
        "participation": float(post["participation"].mean()),
        "youth_suspects": float(post["youth_suspect_share"].mean()),
        "part_low_crime": float(by_b.loc[order[:half], "participation"].mean()),
        "part_high_crime": float(by_b.loc[order[-half:], "participation"].mean()),
    }


def _pair(a: dict, b: dict, *keys: str) -> np.ndarray:
    """Paired differences ``b - a`` per seed, one row per key."""
    ra = Parallel(n_jobs=2)(delayed(_run)(s, a) for s in SEEDS)
    rb = Parallel(n_jobs=2)(delayed(_run)(s, b) for s in SEEDS)
    out = []
    for key in keys:
        d = np.array([x[key] for x in rb]) - np.array([x[key] for x in ra])
        print(f"\n{key}: mean paired difference {d.mean():.4f} (sd {d.std():.4f}, n={d.size})")
        out.append(d)
    return out[0] if len(out) == 1 else np.array(out)


def _assert_gain(d: np.ndarray, minimum: float, alpha: float = 0.01) -> None:
    """``d`` (better minus worse, signed so that a gain is positive) is a significant gain."""
    p = float(stats.ttest_1samp(d, 0.0, alternative="greater").pvalue) if d.std() > 0 else 1.0
    print(f"gain {d.mean():.4f} (se {d.std(ddof=1) / np.sqrt(d.size):.4f}), p = {p:.3g}")
    assert p < alpha and d.mean() > minimum


def test_more_police_capacity_lowers_youth_registrations_and_does_not_raise_recruitment():
    """Three times the regular wijkagent posts: fewer 12-24-year-olds registered as suspects per year
    (measured -0.0024, se 0.0008, over years 0-15). Recruitment into networks falls by 7.4 (se 7.1,
    p = 0.16) and network arrests by 7.1 (se 4.2): not detectably - recruitment binds at the
    networks' capacity (docs/model.md §10) and a small wijk's wijkagent service is already at full
    coverage - so recruitment stays a check that it does not rise."""
    suspects, recruits = _pair({"staffing": {"police_capacity": 1.0}},
                               {"staffing": {"police_capacity": 3.0}}, "youth_suspects", "recruits")
    _assert_gain(-suspects, 0.001, alpha=0.05)
    assert stats.ttest_1samp(recruits, 0.0, alternative="greater").pvalue > 0.05


def test_more_inspections_lower_subletting():
    d = _pair({"slumlords": {"inspection_rate": 0.1}}, {"slumlords": {"inspection_rate": 1.0}},
              "sublet")
    _assert_gain(-d, 0.08)  # measured 0.159 (se 0.006) of slumlord dwellings


def test_support_for_initiatives_raises_participation():
    d = _pair({"programme": {"initiative_support": 0.0}}, {"programme": {"initiative_support": 1.0}},
              "participation")
    _assert_gain(d, 0.07)  # measured 0.138 (se 0.006) of adults


def test_participation_lower_in_high_crime_buurten():
    runs = Parallel(n_jobs=2)(delayed(_run)(s, {}) for s in SEEDS)
    low = np.array([r["part_low_crime"] for r in runs])
    high = np.array([r["part_high_crime"] for r in runs])
    print(f"\nparticipation low-crime {low.mean():.4f} vs high-crime {high.mean():.4f}")
    assert stats.ttest_rel(high, low, alternative="less").pvalue < 0.01
