"""Paired over 30 seeds: each arm differs from long_term only through its condition (slow).

Every arm of the designed set and a test-only copy of ``long_term`` (identical knobs, another
name) run with the same 30 seeds (common random numbers) on a small wijk. Asserted, seed by seed:
the copy's outcomes equal long_term's exactly (paired difference 0, sd 0); every arm shares
long_term's burn-in and tagged generation; the processes an arm's knobs do not touch (the political
calendar, budget cuts, visitations) are those of long_term; and each arm's knobs reach the
generation (its outcomes differ from long_term's in some seed).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from joblib import Parallel, delayed

from sim import conditions as cond
from sim.collect import flatten
from sim.compare import paired_differences
from sim.compose import load_config
from sim.simulate import simulate

pytestmark = pytest.mark.slow

SEEDS = range(30)
SMALL = ["neighbourhood=small", "years.burn_in=5"]
COPY = "long_term_copy"
ARMS = [c.arm for c in cond.CONDITIONS]
OUTCOMES = [f"generation.by_origin.{m}" for m in (
    "start_qualification", "higher_education", "employed", "income_rank", "ever_suspect",
    "network_member", "trust", "deprived_area")]


def _run(name: str, seed: int, out: Path) -> dict:
    scenario = "long_term" if name == COPY else name
    extra = [f"scenario_name={COPY}"] if name == COPY else []
    summary = simulate(load_config([f"scenario={scenario}", f"seed={seed}", *SMALL, *extra]), out)
    ts = pd.read_parquet(out / "timeseries.parquet")
    ids = pd.read_parquet(out / "cohort.parquet", columns=["person_id"])["person_id"]
    before = ts[ts["year"] < 0]
    return {"scenario_name": name, "seed": seed, "status": "finished", **flatten(summary),
            "burn_in_hash": hashlib.sha1(pd.util.hash_pandas_object(before).values).hexdigest(),
            "cohort_hash": hashlib.sha1(ids.to_numpy().tobytes()).hexdigest(),
            "summary_json": json.dumps({k: v for k, v in summary.items() if k != "scenario"},
                                       sort_keys=True)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("arms")
    plan = [(n, s) for n in ("long_term", COPY, *ARMS) for s in SEEDS]
    rows = Parallel(n_jobs=2)(delayed(_run)(n, s, root / n / f"seed_{s}") for n, s in plan)
    return pd.DataFrame(rows)


def _by(runs: pd.DataFrame, name: str, col: str) -> pd.Series:
    return runs[runs["scenario_name"] == name].set_index("seed")[col]


def test_a_copy_of_long_term_gives_exactly_zero_paired_difference(runs):
    diffs = paired_differences(runs[runs["scenario_name"].isin(["long_term", COPY])], OUTCOMES,
                               reference="long_term")
    assert len(diffs) == len(OUTCOMES) and (diffs["n_pairs"] == len(SEEDS)).all()
    assert (diffs["difference"] == 0).all() and (diffs["sd_difference"] == 0).all()
    # Not only the headline: the whole summary is identical, seed by seed.
    assert _by(runs, COPY, "summary_json").equals(_by(runs, "long_term", "summary_json"))


@pytest.mark.parametrize("arm", ARMS)
def test_each_arm_shares_burn_in_and_generation_with_long_term(runs, arm):
    for col in ("burn_in_hash", "cohort_hash", "cohort_counts.tagged"):
        assert _by(runs, arm, col).equals(_by(runs, "long_term", col)), col


# Process counters each arm may change; every other arm must leave them exactly as long_term has.
TOUCHES = {
    "programme.counts.political_events": {"long_term_short_horizon"},
    "programme.counts.cuts": {"long_term_short_horizon", "long_term_exposed_to_politics"},
    "programme.counts.visitations": {"long_term_short_horizon", "long_term_no_visitations"},
}


@pytest.mark.parametrize("counter", sorted(TOUCHES))
def test_arms_leave_untouched_processes_as_long_term_has_them(runs, counter):
    col = counter
    ref = _by(runs, "long_term", col)
    assert ref.sum() > 0, col  # the counter is live in long_term
    for arm in ARMS:
        same = _by(runs, arm, col).equals(ref)
        assert same == (arm not in TOUCHES[counter]), (counter, arm)


@pytest.mark.parametrize("arm", ARMS)
def test_each_arms_knobs_reach_the_generation(runs, arm):
    diffs = paired_differences(runs[runs["scenario_name"].isin(["long_term", arm])], OUTCOMES,
                               reference="long_term")
    assert (diffs["sd_difference"] > 0).any(), arm
