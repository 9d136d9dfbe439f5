"""The seven conditions as mechanisms that can be cut: each lever moves the generation, and with
the lever's effect set to zero the difference is gone.

``long_term`` (the preset's knobs, small wijk) against each leave-one-out arm, paired over 30 seeds
with common random numbers. Each direction test is a one-sided paired t-test on the generation's
outcome at 25 by origin (the children 0-12 at the start, followed wherever they move) and a stated
minimum mean difference, about half of what was measured on the model when the test was written
(the measured values are in the comments and the issue's closing note). Where a condition's lever
does not move the generation detectably, the test asserts the effect where it does act and says so.

Each zero test sets the mechanism's effect to zero and asserts that the arm and ``long_term`` then
produce identical cohort tables (exactly zero paired difference) over 5 seeds; condition 4 has no
single switch, so its test bounds what is left when a departure costs (almost) nothing, and
condition 6's zero test takes its inspection part (its start mix acts through all programme money).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from joblib import Parallel, delayed
from scipy import stats

from sim.conditions import CONDITIONS, REFERENCE, knobs_of, resolved
from sim.config import validate
from sim.model import Neighbourhood
from sim.outcomes import build_outputs

pytestmark = pytest.mark.slow
SEEDS = range(30)
ZERO_SEEDS = range(5)
SIZE = ("neighbourhood.residents=3000", "neighbourhood.buurten=6", "years.burn_in=10")
# Condition -> its leave-one-out arm of long_term (sim/conditions.py, the one place of the map).
ARMS = {c.key: c.arm for c in CONDITIONS}
# Condition -> knobs that set the lever's effect to zero (applied to both sides of the pair).
ZERO = {
    # The programme changes nothing: no money, no levers. Its length then cannot matter.
    "horizon": {"funding": {"annual_budget_per_resident": 0},
                "staffing": {"turnover_rate": 0.10, "support": 0.0},
                "slumlords": {"inspection_rate": 0.1}, "programme": {"initiative_support": 0.0}},
    # A reset breaks nothing.
    "politics": {"politics": {"budget_shock": 0.0, "reassign_share": 0.0, "reorganise_share": 0.0,
                              "memory_loss": 0.0, "commitment_loss": 0.0},
                 "programme": {"relabel_effectiveness": 1.0, "trust_penalty": 0.0}},
    # Overload costs neither quality nor staff: there is nothing for support to halve.
    "support": {"staffing": {"overload_quality_effect": 0.0, "overload_quit_effect": 0.0}},
    # Initiatives do nothing for efficacy or disorder.
    "initiatives": {"initiatives": {"efficacy_effect": 0.0, "disorder_effect": 0.0}},
    # Nothing to inspect: no slumlord sublets (the inspection part of condition 6).
    "crime": {"slumlords": {"sublet_rate": 0.0}},
    # A visitation's reading weighs nothing and its report writes nothing down.
    "knowledge": {"programme": {"visitation_weight": 0.0, "visitation_codifies": 0.0}},
}
# The zero tests' arm knobs: the arm's own, except where an arm also changes something the zeroed
# mechanism does not cover - condition 2's arm also has volatile money with cuts (zero test: its
# governance part), condition 6's its start mix, which acts through all programme money (zero test:
# its inspection part).
ZERO_PART = {"politics": ("governance.insulation", "governance.commitments_kept"),
             "crime": ("slumlords.inspection_rate",)}
# Stability has no single switch: a departure's costs made (almost) nil.
CHEAP_DEPARTURES = {"staffing": {"vacancy_months": 0.0, "learning_years": 0.05,
                                 "relationship_years": 0.05}}
OUTCOMES = ("income_rank", "ever_suspect", "start_qualification", "trust")


def _nested(flat_cfg: dict) -> dict:
    out: dict = {}
    for key, v in flat_cfg.items():
        *groups, name = key.split(".")
        d = out
        for g in groups:
            d = d.setdefault(g, {})
        d[name] = v
    return out


def _cfg(seed: int, scenario: str, *overrides: dict) -> dict:
    """The composed preset at the test size, with ``overrides`` (nested dicts) on top."""
    cfg = _nested(resolved(scenario, SIZE))
    for o in overrides:
        for k, v in o.items():
            cfg.setdefault(k, {}).update(v)
    cfg["seed"] = seed
    return cfg


def _part(condition: str) -> dict:
    """long_term with the arm's knobs of ``ZERO_PART`` (or all its knobs) set to the arm's values."""
    arm = resolved(ARMS[condition], SIZE)
    return _nested({k: arm[k] for k in ZERO_PART.get(condition, knobs_of(ARMS[condition]))})


def _run(seed: int, scenario: str, *overrides: dict) -> dict[str, float]:
    """The generation's outcomes by origin, and what the levers act on before the generation."""
    m = Neighbourhood(validate(_cfg(seed, scenario, *overrides)))
    m.run_for(m.start_step + round(19 / m.dt) + 1)  # the last yearly cycle of a 20-year horizon
    kn = m.programme.knowledge
    known = float((kn.tacit + kn.documented)[1].sum())
    m.run()
    tables, summary = build_outputs(m)
    out = {k: summary["generation"]["by_origin"][k] for k in OUTCOMES}
    ts = tables["timeseries"]
    during = ts[(ts["year"] >= 0) & (ts["year"] < 20)]
    out["sublet"] = float(during["sublet_share_slumlord"].mean())
    out["knowledge_at_19"] = known
    return out


def _pairs(scenario: str, *overrides: dict) -> list[dict[str, float]]:
    return Parallel(n_jobs=2)(delayed(_run)(s, scenario, *overrides) for s in SEEDS)


@pytest.fixture(scope="module")
def runs() -> dict[str, list[dict[str, float]]]:
    """long_term and every leave-one-out arm over the same seeds."""
    out = {"long_term": _pairs(REFERENCE)}
    for name, arm in ARMS.items():
        out[name] = _pairs(arm)
    return out


def _diff(runs: dict, arm: str, key: str) -> np.ndarray:
    return np.array([r[key] for r in runs["long_term"]]) - np.array([r[key] for r in runs[arm]])


def _check(runs: dict, arm: str, key: str, sign: int, minimum: float, alpha: float = 0.01) -> None:
    """long_term beats the arm on ``key`` (sign +1: higher is better) by more than ``minimum``."""
    d = sign * _diff(runs, arm, key)
    p = stats.ttest_1samp(d, 0.0, alternative="greater").pvalue if d.std() > 0 else 1.0
    se = d.std(ddof=1) / np.sqrt(d.size)
    print(f"\n{arm}: long_term better on {key} by {d.mean():.4f} (se {se:.4f}, p = {p:.2g}, "
          f"n = {d.size}); stated minimum {minimum}")
    assert p < alpha and d.mean() > minimum


# -- direction: each condition's lever moves the generation ---------------------------------------
def test_condition_1_a_long_horizon_raises_the_generations_income(runs):
    _check(runs, "horizon", "income_rank", +1, 0.35)  # measured 0.739 (se 0.060)
    _check(runs, "horizon", "ever_suspect", -1, 0.012)  # measured 0.0246 (se 0.0023)


def test_condition_2_insulation_from_politics_raises_the_generations_income(runs):
    _check(runs, "politics", "income_rank", +1, 0.15)  # measured 0.326 (se 0.061)
    _check(runs, "politics", "ever_suspect", -1, 0.005)  # measured 0.0117 (se 0.0021)


def test_condition_3_facilitated_professionals_raise_the_generations_income(runs):
    _check(runs, "support", "income_rank", +1, 0.15)  # measured 0.322 (se 0.032)


def test_condition_4_stable_staff_raise_the_generations_income(runs):
    _check(runs, "stability", "income_rank", +1, 1.0)  # measured 2.19 (se 0.10)
    _check(runs, "stability", "ever_suspect", -1, 0.04)  # measured 0.082 (se 0.004)


def test_condition_5_initiatives_lower_the_generations_offending(runs):
    # The weakest of the five: measured 0.0036 (se 0.0012) fewer ever suspects, 0.09 rank points.
    _check(runs, "initiatives", "ever_suspect", -1, 0.001, alpha=0.05)


def test_condition_6_the_crime_approach_cuts_subletting(runs):
    """Inspections and a crime-weighted start mix act on slumlords' subletting. On the generation
    at 25 the model shows no detectable effect (income rank +0.035, se 0.047; ever suspect -0.001,
    se 0.0016, at the time of writing), so the test asserts where the lever acts."""
    _check(runs, "crime", "sublet", -1, 0.05)  # measured 0.114 (se 0.005) of slumlord dwellings
    d = _diff(runs, "crime", "income_rank")
    print(f"\ncrime: generation income rank difference {d.mean():.4f} "
          f"(se {d.std(ddof=1) / np.sqrt(d.size):.4f}) - reported, not asserted")


def test_condition_7_visitations_keep_what_was_learned(runs):
    """Visitations keep and add knowledge (the programme's evidence at year 19). On the generation at
    25 the model shows no detectable effect (income rank -0.004, se 0.033 at the time of writing)."""
    _check(runs, "knowledge", "knowledge_at_19", +1, 1.5)  # measured 3.12 (se 0.18), S_dd units
    d = _diff(runs, "knowledge", "income_rank")
    print(f"\nvisitations: generation income rank difference {d.mean():.4f} "
          f"(se {d.std(ddof=1) / np.sqrt(d.size):.4f}) - reported, not asserted")


# -- zero: with the lever's effect set to zero, the difference is exactly gone ------------------
def _cohort(seed: int, *overrides: dict) -> pd.DataFrame:
    m = Neighbourhood(validate(_cfg(seed, REFERENCE, *overrides)))
    m.run()
    return build_outputs(m)[0]["cohort"]


@pytest.mark.parametrize("condition", list(ZERO))
def test_a_lever_without_effect_changes_nothing(condition):
    zero, arm = ZERO[condition], _part(condition)
    jobs = [(s, o) for s in ZERO_SEEDS for o in ((zero,), (zero, arm))]
    frames = Parallel(n_jobs=2)(delayed(_cohort)(s, *o) for s, o in jobs)
    for a, b in zip(frames[::2], frames[1::2], strict=True):
        assert len(a) > 100
        pd.testing.assert_frame_equal(a, b)


def test_condition_4_cheap_departures_shrink_what_stability_does(runs):
    """When a departure costs (almost) nothing - no vacancy beyond the quarter before the next hire,
    a newcomer knows the wijk within a quarter - about half of what stable staff do for the generation
    is gone (measured: 2.19 -> 1.16 income rank points, ratio 0.53). What remains has no switch in the
    code: the one-quarter gap before a hire, initiatives that end with their contact professional,
    the programme's tacit knowledge that leaves with staff, and first-year attrition of newcomers."""
    full = _diff(runs, "stability", "income_rank")
    cheap_lt = _pairs(REFERENCE, CHEAP_DEPARTURES)
    cheap_arm = _pairs(ARMS["stability"], CHEAP_DEPARTURES)
    cheap = np.array([r["income_rank"] for r in cheap_lt]) - np.array([r["income_rank"]
                                                                       for r in cheap_arm])
    print(f"\nstability: income rank effect {full.mean():.4f} with costly departures, "
          f"{cheap.mean():.4f} (se {cheap.std(ddof=1) / np.sqrt(cheap.size):.4f}) with cheap ones")
    assert abs(cheap.mean()) < 0.75 * full.mean()
