"""Issue 14: faults lose nothing, run nothing twice at once and leave no process behind.

Kill -9 of the driver only, of the driver and its workers, Ctrl-C and SIGTERM, then a rerun; two
simultaneous runs of the same seed (single runs with default and with the same named directory,
and the same sweep twice); a read-only and a full output filesystem (a small tmpfs mounted for
the test when running as root; otherwise those two are skipped, see docs/sweeps.md); truncated,
emptied and altered output files. Sweeps use the Ishigami stand-in (same job, launcher, sweeper
and collect code as the model, runs of a controllable length) where the model's run time would
only slow the test down; single runs and the SIGTERM test use the model.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import rundir
from sim.collect import main as collect_main
from sim.standins.testing import app_env, run_app

ISH = "sim.standins.ishigami"
TINY = ["neighbourhood.residents=1000", "neighbourhood.buurten=6", "years.burn_in=0",
        "years.after_start=2"]


def statuses(root: Path) -> dict[str, str]:
    out = {}
    for m in root.rglob("manifest.json"):
        out[str(m.parent.relative_to(root))] = (rundir.read_manifest(m.parent) or {}).get("status")
    return out


def snapshot(root: Path, runs: set[str]) -> dict[str, tuple[int, int]]:
    return {str(f.relative_to(root)): (f.stat().st_ino, f.stat().st_mtime_ns)
            for r in runs for f in (root / r).rglob("*") if f.is_file()}


def children(pid: int) -> list[int]:
    """Live descendants of ``pid`` (from /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        out += [int(k) for k in kids]
        todo += [int(k) for k in kids]
    return out


def alive(pids: list[int]) -> list[int]:
    live = []
    for p in pids:
        try:
            state = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            live.append(p)
    return live


def wait_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    end = time.time() + timeout
    while time.time() < end and alive(pids):
        time.sleep(0.1)
    return alive(pids)


def start(module: str, args: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", module, *args], cwd=cwd, env=app_env(),
                            stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_finished(sweep: Path, n: int, timeout: float = 180) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if sweep.exists() and sum(s == "finished" for s in statuses(sweep).values()) >= n:
            return
        time.sleep(0.1)
    raise AssertionError(f"fewer than {n} runs finished in {timeout} s")


def rerun_completes(module: str, args: list[str], cwd: Path, sweep: Path, kept: dict,
                    n: int) -> None:
    """Rerun: everything finished, what was finished before untouched, nothing half-written."""
    p = run_app(module, *args, cwd=cwd, check=True)
    assert "already finished" in p.stderr
    final = statuses(sweep)
    assert len(final) == n and set(final.values()) == {"finished"}, final
    now = snapshot(sweep, {k.rsplit("/", 1)[0] for k in kept})
    assert {k: now[k] for k in kept} == kept
    assert not list(sweep.rglob(".*.tmp"))
    assert all(rundir.is_finished(sweep / r) for r in final)


SWEEP = ["-m", "seed=range(0,16)", "busy_seconds=0.5", "hydra.launcher.n_jobs=2"]


@pytest.mark.slow
@pytest.mark.parametrize("who", ["driver", "group"])
def test_kill_9_then_rerun_no_orphans(tmp_path, who):
    args = [*SWEEP, f"hydra.sweep.dir=multirun/{who}"]
    sweep = tmp_path / "multirun" / who
    proc = start(ISH, args, tmp_path, tmp_path / "first.log")
    wait_finished(sweep, 4)
    workers = children(proc.pid)
    assert len(workers) >= 2
    if who == "driver":
        os.kill(proc.pid, signal.SIGKILL)  # OOM killer, CI: the workers are not told
    else:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert wait_gone(workers, 10.0) == [], "workers outlived their driver by 10 s"
    first = statuses(sweep)
    done = {k for k, v in first.items() if v == "finished"}
    assert 4 <= len(done) < 16
    if who == "driver":  # the workers were told: their runs in progress say failed, not running
        assert "running" not in set(first.values()), first
    kept = snapshot(sweep, done)
    rerun_completes(ISH, args, tmp_path, sweep, kept, 16)


@pytest.mark.slow
def test_ctrl_c_stops_a_sweep_within_seconds_then_rerun(tmp_path):
    args = [*SWEEP, "busy_seconds=2", "hydra.sweep.dir=multirun/ctrlc"]
    sweep = tmp_path / "multirun" / "ctrlc"
    log = tmp_path / "first.log"
    proc = start(ISH, args, tmp_path, log)
    wait_finished(sweep, 2)
    workers = children(proc.pid)
    t0 = time.time()
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the foreground group
    code = proc.wait(timeout=30)
    took = time.time() - t0
    assert took < 10, took
    assert code == 130
    text = log.read_text()
    assert "stopped by SIGINT" in text and "Traceback" not in text, text[-2000:]
    assert wait_gone(workers, 10.0) == []
    first = statuses(sweep)
    done = {k for k, v in first.items() if v == "finished"}
    # a run in progress when the workers were stopped says failed; none is left "running"
    assert set(first.values()) <= {"finished", "failed"}, first
    kept = snapshot(sweep, done)
    rerun_completes(ISH, args, tmp_path, sweep, kept, 16)


@pytest.mark.slow
def test_sigterm_to_the_driver_of_a_model_sweep(tmp_path):
    args = ["-m", *TINY, "seed=range(0,12)", "hydra.launcher.n_jobs=2",
            "hydra.sweep.dir=multirun/term"]
    sweep = tmp_path / "multirun" / "term"
    log = tmp_path / "first.log"
    proc = start("sim.run", args, tmp_path, log)
    wait_finished(sweep, 2)
    workers = children(proc.pid)
    t0 = time.time()
    os.kill(proc.pid, signal.SIGTERM)  # what `timeout` or a CI runner sends
    code = proc.wait(timeout=30)
    assert time.time() - t0 < 10 and code == 143, (code, log.read_text()[-2000:])
    assert "stopped by SIGTERM" in log.read_text()
    assert wait_gone(workers, 10.0) == []
    done = {k for k, v in statuses(sweep).items() if v == "finished"}
    kept = snapshot(sweep, done)
    rerun_completes("sim.run", args, tmp_path, sweep, kept, 12)


@pytest.mark.slow
def test_two_single_runs_of_the_same_seed_at_once(tmp_path):
    # default directories (named to the second): both run, each into its own directory
    procs = [start("sim.run", [*TINY, "seed=5"], tmp_path, tmp_path / f"d{i}.log")
             for i in range(2)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    dirs = sorted({m.parent for m in (tmp_path / "outputs").rglob("manifest.json")})
    assert len(dirs) == 2
    import yaml

    for d in dirs:
        assert rundir.is_finished(d)
        cfg = yaml.safe_load((d / ".hydra" / "config.yaml").read_text())
        assert cfg["seed"] == 5 == rundir.read_manifest(d)["seed"]
    # the same named directory: one runs it, the other says so and touches nothing
    procs = [start("sim.run", [*TINY, "seed=5", "hydra.run.dir=same"], tmp_path,
                   tmp_path / f"s{i}.log") for i in range(2)]
    codes = sorted(p.wait(timeout=300) for p in procs)
    logs = [(tmp_path / f"s{i}.log").read_text() for i in range(2)]
    assert codes in ([0, 0], [0, 2]), (codes, logs)
    assert any("being run by another wijksim process" in t or "nothing to do" in t
               for t in logs), logs
    assert rundir.is_finished(tmp_path / "same")
    assert rundir.read_manifest(tmp_path / "same")["seed"] == 5


@pytest.mark.slow
def test_the_same_sweep_twice_at_once_runs_each_seed_once(tmp_path):
    args = ["-m", "seed=range(0,12)", "busy_seconds=5", "hydra.launcher.n_jobs=2",
            "hydra.sweep.dir=multirun/twice"]
    first = start(ISH, args, tmp_path, tmp_path / "a.log")
    wait_finished(tmp_path / "multirun" / "twice", 1)
    second = run_app(ISH, *args, cwd=tmp_path)
    still_running = first.poll() is None
    assert still_running, "the first sweep ended before the second started: no overlap tested"
    assert second.returncode == 2, second.stderr
    assert "being run by another wijksim sweep" in second.stderr
    assert first.wait(timeout=300) == 0
    st = statuses(tmp_path / "multirun" / "twice")
    assert len(st) == 12 and set(st.values()) == {"finished"}
    # each run was written once: one manifest start per run, all by the first driver's workers
    starts = {rundir.read_manifest(tmp_path / "multirun" / "twice" / r)["started"] for r in st}
    assert len(starts) == 12


# -- filesystems -------------------------------------------------------------------------------
def _mount(where: Path, options: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    where.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                          capture_output=True).returncode == 0


def _umount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.fixture
def small_fs(tmp_path):
    """A 96 KiB tmpfs (root only): too small for a run's outputs."""
    mnt = tmp_path / "fs"
    if not _mount(mnt, "size=96k,mode=0777"):
        pytest.skip("needs root to mount a tmpfs (see docs/sweeps.md for the manual check)")
    yield mnt
    _umount(mnt)


@pytest.mark.slow
def test_full_filesystem_fails_cleanly_and_a_rerun_completes(tmp_path, small_fs):
    p = run_app("sim.run", *TINY, "seed=2", f"hydra.run.dir={small_fs}/run", cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    assert "No space left on device" in p.stderr and "Traceback" not in p.stderr
    run = small_fs / "run"
    assert not rundir.is_finished(run)
    assert not list(run.glob(".*.tmp"))  # no half-written file left behind
    assert (rundir.read_manifest(run) or {}).get("status") in (None, "running", "failed")
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_fs)], check=True)
    again = run_app("sim.run", *TINY, "seed=2", f"hydra.run.dir={small_fs}/run", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert rundir.is_finished(run)


@pytest.mark.slow
def test_read_only_filesystem_is_refused_in_our_words(tmp_path, small_fs):
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_fs)], check=True)
    ok = run_app("sim.run", *TINY, "seed=1", f"hydra.run.dir={small_fs}/done", cwd=tmp_path)
    assert ok.returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    before = {p: p.stat().st_mtime_ns for p in small_fs.rglob("*")}
    p = run_app("sim.run", *TINY, f"hydra.run.dir={small_fs}/new", cwd=tmp_path)
    assert p.returncode == 2 and "Read-only file system" in p.stderr
    assert p.stderr.startswith("wijksim: ") and "Traceback" not in p.stderr
    p = run_app("sim.run", "-m", *TINY, "seed=0,1", f"hydra.sweep.dir={small_fs}/sweep",
                cwd=tmp_path)
    assert p.returncode == 2 and "Read-only file system" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr
    same = run_app("sim.run", *TINY, "seed=1", f"hydra.run.dir={small_fs}/done", cwd=tmp_path)
    assert same.returncode == 0 and "nothing to do" in same.stderr  # a finished run: just read
    assert collect_main([str(small_fs)]) == 2  # cannot write runs.parquet: said, not raised
    assert {p: p.stat().st_mtime_ns for p in small_fs.rglob("*")} == before


# -- damaged outputs (fast) ------------------------------------------------------------------
def test_damaged_outputs_are_broken_for_collect_and_redone_on_rerun(tmp_path):
    args = ["-m", "seed=range(0,4)", "hydra/launcher=serial", "hydra.sweep.dir=multirun/dmg"]
    run_app(ISH, *args, cwd=tmp_path, check=True)
    sweep = tmp_path / "multirun" / "dmg"
    damaged = {"seed=0/seed_0": "truncate", "seed=1/seed_1": "empty", "seed=2/seed_2": "same_size"}
    for run, damage in damaged.items():
        victim = sweep / run / "timeseries.parquet"
        data = victim.read_bytes()
        victim.write_bytes({"truncate": data[: len(data) // 2], "empty": b"",
                            "same_size": data[:200] + bytes(len(data) - 200)}[damage])
        status, reason = rundir.check_run(victim.parent, checksums=True)
        assert status == "incomplete" and "timeseries.parquet" in reason, (damage, reason)
    assert collect_main([str(sweep)]) == 1  # broken: listed, exit non-zero
    runs = pd.read_parquet(sweep / "runs.parquet").set_index("run_dir")
    assert (runs.loc[list(damaged), "status"] == "incomplete").all()
    series = pd.read_parquet(sweep / "series.parquet")
    assert set(series["run_dir"]) == {"seed=3/seed_3"}  # the others left out, and said so above
    kept = snapshot(sweep, {"seed=3/seed_3"})
    p = run_app(ISH, *args, cwd=tmp_path, check=True)
    assert "1 already finished" in p.stderr
    assert all(rundir.is_finished(sweep / r) for r in damaged)
    assert snapshot(sweep, {"seed=3/seed_3"}) == kept
    assert collect_main([str(sweep)]) == 0


def test_manifest_that_is_json_but_not_an_object_is_broken_not_a_crash(tmp_path):
    run = tmp_path / "r"
    run.mkdir()
    for text in ("[1, 2]", "3", "null", '"finished"', "{bad"):
        (run / "manifest.json").write_text(text)
        assert rundir.read_manifest(run) is None
        assert not rundir.is_finished(run)
        assert rundir.check_run(run)[0] == "incomplete"


def test_strict_json_and_files_respect_the_umask(tmp_path):
    rundir.write_json(tmp_path / "a.json", {"x": float("nan"), "y": [float("inf"), 1.0],
                                            "z": {"w": -float("inf")}})
    text = (tmp_path / "a.json").read_text()
    assert json.loads(text) == {"x": None, "y": [None, 1.0], "z": {"w": None}}
    assert "NaN" not in text and "Infinity" not in text
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o666 & ~umask
    code = ("import os, sys, pandas as pd; os.umask(0o022); from sim import rundir; "
            "rundir.write_json(sys.argv[1] + '/b.json', {}); "
            "rundir.write_parquet(sys.argv[1] + '/b.parquet', pd.DataFrame({'a': [1]}))")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, env=app_env())
    assert (tmp_path / "b.json").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.parquet").stat().st_mode & 0o777 == 0o644


def test_claims_are_unique_and_exclusive(tmp_path):
    from sim.config import ConfigError
    from sim.preflight import claim_run_dir

    a = claim_run_dir(tmp_path / "out" / "seed0_now", unique=True)
    b = claim_run_dir(tmp_path / "out" / "seed0_now", unique=True)
    assert a.path != b.path and b.path.name == "seed0_now-2"
    code = ("import sys; from sim.preflight import claim_run_dir; "
            "claim_run_dir(__import__('pathlib').Path(sys.argv[1]), unique=False)")
    p = subprocess.run([sys.executable, "-c", code, str(a.path)], env=app_env(),
                       capture_output=True, text=True)
    assert p.returncode != 0 and "being run by another wijksim process" in p.stderr
    rundir.unlock_run(a.lock_fd)
    rundir.forget_lock(a.path)
    subprocess.run([sys.executable, "-c", code, str(a.path)], env=app_env(), check=True)
    with pytest.raises(ConfigError, match="cannot create it"):
        claim_run_dir(Path("/proc/nope/run"), unique=False)
