"""sim.compare.paired_differences: pairing by seed, intervals, and clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.compare import CompareError, main, paired_differences


def crn_runs(n: int = 40, effect: float = 0.5, rng_seed: int = 1) -> pd.DataFrame:
    """Two scenarios sharing a large per-seed component (common random numbers)."""
    rng = np.random.default_rng(rng_seed)
    shared = rng.normal(0, 5, n)
    rows = []
    for s in range(n):
        rows.append({"seed": s, "scenario_name": "baseline", "status": "finished",
                     "y": shared[s] + rng.normal(0, 0.1)})
        rows.append({"seed": s, "scenario_name": "programme", "status": "finished",
                     "y": shared[s] + effect + rng.normal(0, 0.1)})
    return pd.DataFrame(rows)


def test_paired_difference_recovers_effect_and_beats_unpaired():
    res = paired_differences(crn_runs(), "y", by="scenario_name", reference="baseline")
    r = res.iloc[0]
    assert r["scenario_name"] == "programme" and r["n_pairs"] == 40 and r["n_unpaired"] == 0
    assert r["ci_low"] < 0.5 < r["ci_high"]
    assert r["ci_high"] - r["ci_low"] < 0.15
    assert r["se_paired"] * 10 < r["se_unpaired"]  # what common random numbers buy
    assert r["p_value"] < 1e-6


def test_interval_coverage_is_nominal():
    hits = 0
    for k in range(300):
        res = paired_differences(crn_runs(n=8, effect=0.3, rng_seed=100 + k), "y")
        hits += res["ci_low"].iloc[0] <= 0.3 <= res["ci_high"].iloc[0]
    assert 0.91 <= hits / 300 <= 0.99


def test_unpaired_and_failed_runs_are_counted_not_used():
    df = crn_runs(10)
    df.loc[(df.scenario_name == "programme") & (df.seed == 3), "status"] = "failed"
    df = df[~((df.scenario_name == "baseline") & (df.seed == 7))]
    r = paired_differences(df, "y").iloc[0]
    assert r["n_pairs"] == 8 and r["n_unpaired"] == 2


def test_several_scenarios_and_outcomes_and_tuple_reference():
    df = crn_runs(10)
    df["budget"] = np.where(df.scenario_name == "baseline", 0, 1)
    extra = crn_runs(10, effect=-1.0)
    extra = extra[extra.scenario_name == "programme"].assign(scenario_name="carousel", budget=1)
    df = pd.concat([df, extra])
    df["z"] = 2 * df["y"]
    res = paired_differences(df, ["y", "z"], by=["scenario_name", "budget"],
                             reference=("baseline", 0))
    assert len(res) == 4
    z = res[(res.scenario_name == "programme") & (res.outcome == "z")].iloc[0]
    assert z["difference"] == pytest.approx(1.0, abs=0.15)


@pytest.mark.parametrize("kwargs,needle", [
    ({"by": "scenario"}, "by = ['scenario']: not columns of runs; allowed: seed, scenario_name"),
    ({"reference": "nope"}, "reference = 'nope': no finished run"),
    ({"conf_level": 1.5}, "conf_level = 1.5"),
    ({"outcomes": "w"}, "outcomes = ['w']"),
])
def test_bad_input_names_argument_value_allowed(kwargs, needle):
    args = {"outcomes": "y", **kwargs}
    with pytest.raises(CompareError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        paired_differences(crn_runs(4), **args)


def test_duplicate_pairs_name_the_column_that_separates_them():
    df = crn_runs(4)
    df2 = df.assign(**{"funding.budget": 2.0})
    both = pd.concat([df.assign(**{"funding.budget": 1.0}), df2])
    with pytest.raises(CompareError, match="funding.budget"):
        paired_differences(both, "y")
    ok = paired_differences(both, "y", pair_on=["seed", "funding.budget"])
    assert ok["n_pairs"].iloc[0] == 8


def test_cli(tmp_path, capsys):
    crn_runs(6).to_parquet(tmp_path / "runs.parquet")
    assert main([str(tmp_path), "-o", "y"]) == 0
    assert "programme" in capsys.readouterr().out
    assert main([str(tmp_path), "-o", "y", "--reference", "nope"]) == 2
    assert main([str(tmp_path / "missing.parquet"), "-o", "y"]) == 2
