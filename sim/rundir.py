"""The run-directory contract (DESIGN.md §3): atomic files, a manifest with a status.

A run directory holds ``manifest.json``, ``timeseries.parquet``, ``buurten.parquet``,
``cohort.parquet``, ``summary.json`` (and Hydra's ``.hydra/``). Every file is written to a temporary
name in the same directory and renamed into place, so a reader never sees half a file. The manifest is
written first with ``status: "running"`` and last with ``"finished"`` (or ``"failed"`` and the error),
so a run killed mid-way is recognisable as broken; a finished run is never rewritten.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

MANIFEST = "manifest.json"
OUTPUT_FILES = ("timeseries.parquet", "buurten.parquet", "cohort.parquet", "place.parquet",
                "summary.json")
STATUS_RUNNING, STATUS_FINISHED, STATUS_FAILED = "running", "finished", "failed"


class RunExistsError(RuntimeError):
    """Refusal to rewrite a finished run directory."""


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (temp file + rename)."""
    _atomic_write_bytes(Path(path), (json.dumps(obj, indent=2, default=_json_default) + "\n").encode())


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    """Write a parquet file atomically (temp file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def read_manifest(run_dir: Path) -> dict | None:
    """The manifest of a run directory, or None if absent or unreadable."""
    p = Path(run_dir) / MANIFEST
    try:
        return json.loads(p.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def is_finished(run_dir: Path) -> bool:
    """True when the manifest says finished and every output file is present."""
    m = read_manifest(run_dir)
    return bool(m and m.get("status") == STATUS_FINISHED) and all(
        (Path(run_dir) / f).exists() for f in OUTPUT_FILES
    )


@functools.cache
def git_state() -> dict[str, Any]:
    """Commit and dirtiness of the source tree, when it is a git checkout."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, timeout=5).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                    cwd=root, capture_output=True, text=True,
                                    timeout=5).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": dirty if commit else None}


@functools.cache
def package_versions() -> dict[str, str]:
    """Versions of the packages a result depends on."""
    out = {"python": platform.python_version()}
    for name in ("wijksim", "mesa", "hydra-core", "numpy", "pandas", "pyarrow", "scipy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def base_manifest(seed: int, config: dict, fingerprint: str) -> dict[str, Any]:
    """What every manifest records before the run starts."""
    return {
        "seed": int(seed),
        "status": STATUS_RUNNING,
        "config_fingerprint": fingerprint,
        "code": dict(git_state()),  # cached per process: the code does not change under a run
        "packages": dict(package_versions()),
        "argv": sys.argv,
        "host": platform.node(),
        "config": config,
    }


def close_manifest(out: Path, manifest: dict[str, Any], started: float, status: str,
                   error: BaseException | None = None, **extra: Any) -> None:
    """Record how a run ended (status, error, end time, wall seconds) and write the manifest last."""
    manifest.update(status=status, ended=datetime.now(UTC).isoformat(),
                    wall_seconds=round(time.time() - started, 3), **extra)
    if error is not None:
        manifest["error"] = f"{type(error).__name__}: {error}"
    write_json(Path(out) / MANIFEST, manifest)
