"""A study through the real single-node Slurm (slurmctld + slurmd on 127.0.0.1, started with
scripts/local-slurm.sh as in tests/test_cluster.py): ``python -m experiments.politics ...
hydra/launcher=slurm`` gives the same table as with the local launcher."""

from __future__ import annotations

import os
import shutil
import subprocess

import pandas as pd
import pytest

from sim.standins.testing import REPO, app_env, run_app

pytestmark = pytest.mark.cluster

TINY = ["--seeds", "2", "--size", "small", "--quiet", "years.burn_in=0",
        "neighbourhood.residents=1000", "cohort.min_age=12", "cohort.max_age=14",
        "cohort.outcome_age=18"]
GRID = ["politics.cabinet_change_rate=0,2", "governance.insulation=0.9"]


def _need(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"cluster prerequisite missing in CI: {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    _need(shutil.which("slurmctld") is not None and shutil.which("munged") is not None,
          "slurm-wlm and munge are not installed (.ci/system-deps installs them)")
    _need(os.geteuid() == 0, "the local Slurm runs as root")
    d = tmp_path_factory.mktemp("slurm")
    env = dict(os.environ, WIJKSIM_SLURM_DIR=str(d), WIJKSIM_SLURMCTLD_PORT="6847",
               WIJKSIM_SLURMD_PORT="6848", SLURM_CONF=str(d / "slurm.conf"))
    script = str(REPO / "scripts" / "local-slurm.sh")
    p = subprocess.run([script, "start"], env=env, capture_output=True, text=True, timeout=180)
    try:
        _need(p.returncode == 0, f"local Slurm did not come up:\n{p.stdout}\n{p.stderr}")
        yield env
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=120)


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
    pd.testing.assert_frame_equal(a, b)
    assert (tmp_path / "slurm" / "figures" / "politics.png").stat().st_size > 10_000
