"""Helpers to run the project's Hydra apps in a subprocess, as a user would (tests, benchmarks)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def app_env(**extra: str) -> dict[str, str]:
    """Environment for a child Python: the repo importable, Hydra errors short, no telemetry."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    env.setdefault("HYDRA_FULL_ERROR", "0")
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    env.update(extra)
    return env


def run_app(module: str, *args: str, cwd: str | Path, timeout: float = 600,
            python: str | None = None, check: bool = False,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m module args...`` in ``cwd``; returns the completed process (text output)."""
    proc = subprocess.run([python or sys.executable, "-m", module, *args], cwd=cwd,
                          env=env or app_env(), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{module} {' '.join(args)} exited {proc.returncode}:\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def sweep_dir_of(proc: subprocess.CompletedProcess) -> Path:
    """The sweep directory a ``-m`` run printed (``wijksim sweep: DIR``)."""
    for line in (proc.stderr + proc.stdout).splitlines():
        if line.startswith("wijksim sweep: /"):
            return Path(line.split(": ", 1)[1].strip())
    raise AssertionError(f"no sweep directory printed:\n{proc.stderr[-3000:]}")


def need(ok: bool, why: str) -> None:
    """Skip the test when a prerequisite is missing, with the reason; under ``CI`` fail instead,
    so that CI never passes by skipping."""
    if ok:
        return
    import pytest

    if os.environ.get("CI"):
        pytest.fail(f"cluster prerequisite missing in CI: {why}")
    pytest.skip(why)


@contextlib.contextmanager
def local_slurm(directory: Path, ctld_port: int = 6837, d_port: int = 6838) -> Iterator[dict[str, str]]:
    """A single-node Slurm on loopback (``scripts/local-slurm.sh``: munged, slurmctld, slurmd) for
    the duration of the block; yields the environment (``SLURM_CONF``) that reaches it. Skips
    (fails under CI) when slurm-wlm/munge are missing, when not root, or when it does not come up.
    """
    need(shutil.which("slurmctld") is not None and shutil.which("munged") is not None,
         "slurm-wlm and munge are not installed (.ci/system-deps installs them)")
    need(os.geteuid() == 0, "the local Slurm runs as root")
    env = dict(os.environ, WIJKSIM_SLURM_DIR=str(directory), WIJKSIM_SLURMCTLD_PORT=str(ctld_port),
               WIJKSIM_SLURMD_PORT=str(d_port), SLURM_CONF=str(directory / "slurm.conf"))
    script = str(REPO / "scripts" / "local-slurm.sh")
    p = subprocess.run([script, "start"], env=env, capture_output=True, text=True, timeout=180)
    try:
        need(p.returncode == 0, f"local Slurm did not come up:\n{p.stdout}\n{p.stderr}")
        yield env
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=120)
