"""Helpers to run the project's Hydra apps in a subprocess, as a user would (tests, benchmarks)."""

from __future__ import annotations

import os
import subprocess
import sys
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
