"""A study through the real single-node Slurm (slurmctld + slurmd on 127.0.0.1: the session's
``slurm`` fixture of tests/conftest.py, shared with tests/test_cluster.py): ``python -m
experiments.politics ... hydra/launcher=slurm`` gives the same table as the local launcher."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.standins.testing import app_env, run_app

pytestmark = pytest.mark.cluster

TINY = ["--seeds", "2", "--size", "small", "--quiet", "years.burn_in=0",
        "neighbourhood.residents=1000", "cohort.min_age=12", "cohort.max_age=14",
        "cohort.outcome_age=25"]
GRID = ["politics.cabinet_change_rate=0,2", "governance.insulation=0.9"]


def test_politics_study_on_slurm_equals_local(tmp_path, slurm):
    env = app_env(SLURM_CONF=slurm["SLURM_CONF"])
    run_app("experiments.politics", *TINY, "--out", str(tmp_path / "local"), *GRID,
            cwd=tmp_path, check=True, timeout=900)
    run_app("experiments.politics", *TINY, "--out", str(tmp_path / "slurm"), *GRID,
            "hydra/launcher=slurm", cwd=tmp_path, env=env, check=True, timeout=1500)
    sweep = tmp_path / "slurm" / "runs"
    results = list((sweep / ".submitit").rglob("*_result.pkl"))
    assert len(results) == 4  # 2 cells x 2 scenarios, one Slurm array task each
    a = pd.read_csv(tmp_path / "local" / "gains.csv")
    b = pd.read_csv(tmp_path / "slurm" / "gains.csv")
    assert (a["difference"] != 0).any()  # a table of real gains, not the zeros of an empty outcome
    pd.testing.assert_frame_equal(a, b)
    assert (tmp_path / "slurm" / "figures" / "politics.png").stat().st_size > 10_000
