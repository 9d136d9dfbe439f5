"""Sweeps: replicate seeds, deterministic sweep directories, resume, validation, local = serial,
and kill -9 of a running sweep followed by a rerun (issue 5). Mostly on the Ishigami stand-in,
which runs through the same job, sweeper and collect code as the model."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from hydra_plugins.wijksim_design_sweeper.sweeper import Job, name_jobs, sweep_identity
from sim.jobs import replicate_seeds
from sim.standins.testing import app_env, run_app, sweep_dir_of

ISH = "sim.standins.ishigami"
SERIAL = "hydra/launcher=serial"
SMALL_MODEL = ["neighbourhood.residents=1000", "years.burn_in=0", "years.after_start=2"]


def snapshot(sweep: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime_ns) of every file inside every run directory of a sweep."""
    out = {}
    for manifest in sweep.rglob("manifest.json"):
        for f in manifest.parent.rglob("*"):
            if f.is_file():
                st = f.stat()
                out[str(f.relative_to(sweep))] = (st.st_ino, st.st_mtime_ns)
    return out


def statuses(sweep: Path) -> dict[str, str]:
    return {str(m.parent.relative_to(sweep)): json.loads(m.read_text())["status"]
            for m in sweep.rglob("manifest.json")}


# -- units ---------------------------------------------------------------------------------
def test_replicate_seeds_do_not_depend_on_blocking():
    one_block = replicate_seeds(0, 30)
    blocks = [s for start in range(0, 30, 10) for s in replicate_seeds(start, 10)]
    assert one_block == blocks == list(range(30))
    with pytest.raises(ValueError, match="replicates = 0"):
        replicate_seeds(0, 0)


def test_job_names_show_what_varies_and_identity_ignores_order_and_replicates():
    jobs = [Job(["a=1", "b=x", "replicates=3"]), Job(["a=2", "b=x", "replicates=3"])]
    name_jobs(jobs)
    assert [j.subdir for j in jobs] == ["a=1", "a=2"]
    design = [Job(["s=p", "x=0.1"], point=0, n_grid=1), Job(["s=q", "x=0.1"], point=0, n_grid=1)]
    name_jobs(design)
    assert [j.subdir for j in design] == ["s=p/point_00000", "s=q/point_00000"]
    long = [Job([f"k{i}=" + "v" * 60 for i in range(4)] + [f"z={n}"]) for n in range(2)]
    for j in long:
        j.overrides[0] = j.overrides[0] + str(j.overrides[-1])
    name_jobs(long)
    assert all(len(j.subdir) <= 120 for j in long) and long[0].subdir != long[1].subdir
    a = sweep_identity("app", [Job(["a=1", "replicates=2"]), Job(["a=2", "replicates=2"])])
    b = sweep_identity("app", [Job(["a=2", "replicates=9"]), Job(["a=1", "replicates=9"])])
    c = sweep_identity("app", [Job(["a=1"]), Job(["a=3"])])
    assert a == b != c


# -- end to end on the stand-in --------------------------------------------------------------
def test_sweep_layout_progress_and_resume_never_rewrites(tmp_path):
    args = ["-m", SERIAL, "x1=0.5,1.0", "replicates=3", "noise_sd=1"]
    p = run_app(ISH, *args, cwd=tmp_path, check=True)
    sweep = sweep_dir_of(p)
    assert sweep.parent == tmp_path / "multirun" / "ishigami"
    assert statuses(sweep) == {f"x1={x}/seed_{s}": "finished" for x in (0.5, 1.0) for s in (0, 1, 2)}
    # stderr is a pipe, not a terminal: plain progress lines (no redrawn bar), the last at 100 %
    lines = [ln for ln in p.stderr.splitlines() if ln.startswith("wijksim sweep: ")
             and " of 6 runs" in ln]
    assert lines and lines[-1].startswith("wijksim sweep: 6 of 6 runs (100 %)"), p.stderr
    assert "\r" not in p.stderr
    runs = pd.read_parquet(sweep / "runs.parquet")
    assert len(runs) == 6 and set(runs["status"]) == {"finished"}
    assert sorted(runs["x1"].unique()) == [0.5, 1.0] and runs["x1"].dtype == float
    # common random numbers: the same seed gives the same noise in both scenarios
    wide = runs.pivot(index="seed", columns="x1", values="y")
    diff = (wide[1.0] - wide[0.5]).to_numpy()
    assert diff == pytest.approx([0.8414709848 - 0.4794255386] * 3)
    assert wide[0.5].nunique() == 3  # ... and different seeds differ
    before = snapshot(sweep)

    again = run_app(ISH, *args, cwd=tmp_path, check=True)
    assert sweep_dir_of(again) == sweep
    assert "6 already finished" in again.stderr and "launching 0 jobs" in again.stderr
    assert snapshot(sweep) == before

    more = run_app(ISH, *[a.replace("replicates=3", "replicates=4") for a in args],
                   cwd=tmp_path, check=True)
    assert sweep_dir_of(more) == sweep and "6 already finished" in more.stderr
    after = snapshot(sweep)
    assert {k: after[k] for k in before} == before
    assert statuses(sweep)["x1=0.5/seed_3"] == "finished"


def test_broken_runs_are_redone_and_finished_ones_kept(tmp_path):
    args = ["-m", SERIAL, "replicates=3", "hydra.sweep.dir=multirun/broken"]
    run_app(ISH, *args, cwd=tmp_path, check=True)
    sweep = tmp_path / "multirun" / "broken"
    job = sweep / "default"
    m1 = json.loads((job / "seed_1" / "manifest.json").read_text())
    m1["status"] = "running"  # as left by a kill -9 mid-run
    (job / "seed_1" / "manifest.json").write_text(json.dumps(m1))
    (job / "seed_1" / "summary.json").unlink()
    (job / "seed_1" / ".summary.json.abc.tmp").write_text("{half")
    import shutil

    shutil.rmtree(job / "seed_2")
    kept = {k: v for k, v in snapshot(sweep).items() if "seed_0" in k}
    p = run_app(ISH, *args, cwd=tmp_path, check=True)
    assert "1 already finished" in p.stderr
    assert statuses(sweep) == {"default/seed_0": "finished", "default/seed_1": "finished",
                               "default/seed_2": "finished"}
    assert {k: v for k, v in snapshot(sweep).items() if "seed_0" in k} == kept
    assert not list(sweep.rglob("*.tmp"))


def test_finished_run_of_another_config_is_never_overwritten(tmp_path):
    args = ["-m", SERIAL, "replicates=2", "hydra.sweep.dir=multirun/conflict"]
    run_app(ISH, *args, cwd=tmp_path, check=True)
    run = tmp_path / "multirun" / "conflict" / "default" / "seed_1"
    m = json.loads((run / "manifest.json").read_text())
    m["config_fingerprint"] = "0123456789abcdef"
    (run / "manifest.json").write_text(json.dumps(m))
    before = {f.name: f.read_bytes() for f in run.iterdir() if f.is_file()}
    p = run_app(ISH, *args, cwd=tmp_path)
    assert p.returncode != 0
    assert "never rewritten" in p.stderr and "seed 1" in p.stderr
    assert {f.name: f.read_bytes() for f in run.iterdir() if f.is_file()} == before


def test_failed_runs_are_reported_and_the_rest_completes(tmp_path):
    p = run_app(ISH, "-m", SERIAL, "x1=0.5,1.0", "replicates=3", "fail_seed=1", cwd=tmp_path)
    assert p.returncode == 1
    assert "2 of 2 jobs failed" in p.stderr and "fail_seed = 1" in p.stderr
    sweep = sweep_dir_of(p)
    runs = pd.read_parquet(sweep / "runs.parquet").set_index("run_dir")
    assert runs.loc["x1=0.5/seed_1", "status"] == "failed"
    assert "this run fails on purpose" in runs.loc["x1=0.5/seed_1", "reason"]
    assert (runs.drop(index=["x1=0.5/seed_1", "x1=1.0/seed_1"])["status"] == "finished").all()


@pytest.mark.parametrize("app,args,needle", [
    ("sim.run", ["neighbourhood.residents=5"], "neighbourhood.residents = 5"),
    ("sim.run", ["-m", "seed=0,1", "neighbourhood.residents=5"], "neighbourhood.residents = 5"),
    (ISH, ["x1=9"], "x1 = 9"),
    (ISH, ["-m", "x2=0,9"], "x2 = 9"),
])
def test_invalid_config_one_message_exit_2_no_directory(tmp_path, app, args, needle):
    p = run_app(app, *args, cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith("wijksim: invalid configuration")
    assert needle in p.stderr and "allowed" in p.stderr
    assert "Traceback" not in p.stderr
    leftovers = [x for x in tmp_path.rglob("*") if x.is_file()]
    assert leftovers == []


def test_invalid_design_names_key_value_and_allowed(tmp_path):
    p = run_app(ISH, "-m", "hydra.sweeper.design.method=sobol", "hydra.sweeper.design.n=6",
                "+hydra.sweeper.design.knobs.x1=[0,1]", cwd=tmp_path)
    assert p.returncode == 2 and "design.n = 6" in p.stderr and "power of 2" in p.stderr
    p = run_app(ISH, "-m", "hydra.sweeper.design.method=grid", cwd=tmp_path)
    assert p.returncode == 2 and "design.method = 'grid'" in p.stderr and "sobol" in p.stderr


def test_worker_death_is_reported_and_rerun_completes(tmp_path):
    args = ["-m", "seed=range(0,6)", "hydra.launcher.n_jobs=2", "hydra.sweep.dir=multirun/died"]
    p = run_app(ISH, *args, "exit_seed=2", cwd=tmp_path)
    assert p.returncode == 1 and "worker process failed" in p.stderr
    sweep = tmp_path / "multirun" / "died"
    runs = pd.read_parquet(sweep / "runs.parquet").set_index("seed")
    assert runs.loc[2, "status"] == "running"  # killed mid-run: listed, not dropped
    assert len(runs) == 6
    again = run_app(ISH, *args, cwd=tmp_path, check=True)  # exit_seed does not change results
    assert "already finished" in again.stderr
    assert set(statuses(sweep).values()) == {"finished"} and len(statuses(sweep)) == 6


OUTCOMES = ["y", "y_clean", "by_origin.y", "by_place.y"]


def _outcomes(sweep: Path, keys: list[str], cols: list[str]) -> pd.DataFrame:
    runs = pd.read_parquet(sweep / "runs.parquet")
    assert (runs["status"] == "finished").all()
    return runs.sort_values(keys)[keys + cols].reset_index(drop=True)


def test_local_launcher_gives_the_same_runs_as_serial(tmp_path):
    args = ["-m", "x1=0.5,1.0", "seed=0,3", "replicates=2", "noise_sd=1"]
    s = run_app(ISH, *args, SERIAL, "hydra.sweep.dir=multirun/serial", cwd=tmp_path, check=True)
    loc = run_app(ISH, *args, "hydra/launcher=local", "hydra.launcher.n_jobs=2",
                  "hydra.sweep.dir=multirun/local", cwd=tmp_path, check=True)
    a = _outcomes(sweep_dir_of(s), ["x1", "seed"], OUTCOMES)
    b = _outcomes(sweep_dir_of(loc), ["x1", "seed"], OUTCOMES)
    assert len(a) == 8
    pd.testing.assert_frame_equal(a, b)


def test_model_sweep_local_equals_serial_and_mesa_is_quiet(tmp_path):
    args = ["-m", *SMALL_MODEL, "seed=0", "replicates=2", "neighbourhood.buurten=6,7"]
    s = run_app("sim.run", *args, SERIAL, "hydra.sweep.dir=multirun/serial", cwd=tmp_path,
                check=True)
    loc = run_app("sim.run", *args, "hydra.launcher.n_jobs=2", "hydra.sweep.dir=multirun/local",
                  cwd=tmp_path, check=True)
    ra = pd.read_parquet(sweep_dir_of(s) / "runs.parquet")
    outcome_cols = [c for c in ra.columns if c.startswith(("generation.", "by_"))]
    assert outcome_cols and len(ra) == 4
    keys = ["neighbourhood.buurten", "seed"]
    a = _outcomes(sweep_dir_of(s), keys, outcome_cols)
    b = _outcomes(sweep_dir_of(loc), keys, outcome_cols)
    pd.testing.assert_frame_equal(a, b)
    sa = pd.read_parquet(sweep_dir_of(s) / "series.parquet").sort_values(["run_dir", "year"])
    sb = pd.read_parquet(sweep_dir_of(loc) / "series.parquet").sort_values(["run_dir", "year"])
    pd.testing.assert_frame_equal(sa.reset_index(drop=True), sb.reset_index(drop=True))
    assert sorted(sa["year"].unique()) == [0.0, 1.0, 2.0]  # one row per run and whole year
    for text in (s.stdout, s.stderr, loc.stdout, loc.stderr,
                 *(f.read_text() for f in tmp_path.rglob("*.log"))):
        assert "[MESA" not in text and "[mesa" not in text


def _wait_group_gone(pgid: int, timeout: float = 20) -> bool:
    """True once no live (non-zombie) process is left in the process group."""
    end = time.time() + timeout
    while time.time() < end:
        ps = subprocess.run(["ps", "-eo", "pgid=,stat="], capture_output=True, text=True).stdout
        if not [ln for ln in ps.splitlines()
                if ln.split()[0] == str(pgid) and not ln.split()[1].startswith("Z")]:
            return True
        time.sleep(0.2)
    return False


def test_kill_9_mid_sweep_then_rerun_completes_each_run_written_once(tmp_path):
    args = ["-m", "seed=range(0,24,2)", "replicates=2", "busy_seconds=0.3",
            "hydra.launcher.n_jobs=2", "hydra.sweep.dir=multirun/killed"]
    sweep = tmp_path / "multirun" / "killed"
    log = open(tmp_path / "first.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", ISH, *args], cwd=tmp_path, env=app_env(),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if sum(s == "finished" for s in statuses(sweep).values()) >= 6 if sweep.exists() else 0:
            break
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and every worker in its process group
    proc.wait()
    assert _wait_group_gone(proc.pid), "workers survived kill -9 of their process group"
    first = statuses(sweep)
    done_first = {k for k, v in first.items() if v == "finished"}
    assert 6 <= len(done_first) < 24, first
    kept = {k: v for k, v in snapshot(sweep).items() if k.rsplit("/", 1)[0] in done_first}

    p = run_app(ISH, *args, cwd=tmp_path, check=True)
    assert f"{len(done_first)} already finished" in p.stderr
    final = statuses(sweep)
    assert len(final) == 24 and set(final.values()) == {"finished"}
    now = snapshot(sweep)
    assert {k: now[k] for k in kept} == kept  # finished before the kill: never rewritten
    assert not list(sweep.rglob("*.tmp"))
    for f in sweep.rglob("*.parquet"):
        pq.read_table(f)  # nothing half-written
    runs = pd.read_parquet(sweep / "runs.parquet")
    assert len(runs) == 24 and sorted(runs["seed"]) == list(range(24))
