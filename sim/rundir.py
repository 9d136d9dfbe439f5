"""The run-directory contract (docs/model.md): atomic files, a manifest with a status.

A run directory holds ``manifest.json``, ``timeseries.parquet``, ``buurten.parquet``,
``cohort.parquet``, ``summary.json`` (and Hydra's ``.hydra/``). Every file is written to a temporary
name in the same directory and renamed into place, so a reader never sees half a file. The manifest is
written first with ``status: "running"`` and last with ``"finished"`` (or ``"failed"`` and the error),
so a run killed mid-way is recognisable as broken; a finished run is never rewritten.

A finished manifest records every output file's size and SHA-256 (``files``); a run is finished
only when the manifest says so *and* every file is present, of that size, readable (a parquet
footer, a JSON object) and, when asked (:func:`check_run` with ``checksums=True``), of that
checksum. JSON is strict (``NaN``/``inf`` are written as ``null``). Files get the permissions the
process umask allows (``mkstemp`` would make them 0600). A run directory is claimed by an
exclusive ``flock`` on ``.wijksim.lock`` while a process writes it (:func:`lock_run`), so two
processes never run the same directory at once.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: rejecting a bad input should not wait for pandas
    import pandas as pd

MANIFEST = "manifest.json"
OUTPUT_FILES = ("timeseries.parquet", "buurten.parquet", "cohort.parquet", "place.parquet",
                "summary.json")
STATUS_RUNNING, STATUS_FINISHED, STATUS_FAILED = "running", "finished", "failed"


LOCK_FILE = ".wijksim.lock"
_PARQUET_MAGIC = b"PAR1"


class RunExistsError(RuntimeError):
    """Refusal to rewrite a finished run directory."""


class RunBusyError(RuntimeError):
    """Another process holds the run directory's lock (it is running that run right now)."""


@functools.cache
def file_mode() -> int:
    """Mode of new output files: ``0o666`` minus the process umask (read once per process)."""
    old = os.umask(0o022)
    os.umask(old)
    return 0o666 & ~old


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), file_mode())
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def strict_json(obj: Any) -> Any:
    """``obj`` with every non-finite float (NaN, inf) replaced by None, numpy scalars as Python."""
    if isinstance(obj, dict):
        return {str(k): strict_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [strict_json(v) for v in obj]
    if type(obj).__module__ == "numpy":  # numpy scalars and arrays, without importing numpy
        obj = obj.tolist() if hasattr(obj, "tolist") else obj.item()
        if isinstance(obj, list):
            return strict_json(obj)
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def dumps(obj: Any) -> str:
    """Strict JSON text (never ``NaN``): what every JSON file of a run holds."""
    return json.dumps(strict_json(obj), indent=2, allow_nan=False, default=_json_default) + "\n"


def write_json(path: Path, obj: Any) -> None:
    """Write strict JSON atomically (temp file + rename); NaN/inf become null."""
    _atomic_write_bytes(Path(path), dumps(obj).encode())


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    """Write a parquet file atomically (temp file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.chmod(tmp, file_mode())
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
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
    """The manifest of a run directory, or None if absent, unreadable or not a JSON object."""
    p = Path(run_dir) / MANIFEST
    try:
        m = json.loads(p.read_text())
    except (OSError, ValueError, RecursionError):
        return None
    return m if isinstance(m, dict) else None


def sha256_file(path: Path) -> str:
    """SHA-256 of a file (read in 1 MiB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def file_records(run_dir: Path) -> dict[str, dict[str, Any]]:
    """``{name: {bytes, sha256}}`` of the output files present in a run directory."""
    out = {}
    for name in OUTPUT_FILES:
        p = Path(run_dir) / name
        if p.exists():
            out[name] = {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
    return out


def _readable(path: Path) -> str:
    """'' when ``path`` looks whole (parquet: magic at both ends and a footer that fits; JSON:
    an object), else why not."""
    try:
        size = path.stat().st_size
        if path.suffix == ".parquet":
            with open(path, "rb") as fh:
                head = fh.read(4)
                if size < 12 or head != _PARQUET_MAGIC:
                    return "not a parquet file (truncated or overwritten)"
                fh.seek(size - 8)
                tail = fh.read(8)
            footer = int.from_bytes(tail[:4], "little")
            if tail[4:] != _PARQUET_MAGIC or footer + 12 > size:
                return "parquet footer missing or damaged (truncated?)"
        elif path.suffix == ".json":
            if not isinstance(json.loads(path.read_text()), dict):
                return "not a JSON object"
    except (OSError, ValueError, RecursionError) as exc:
        return f"unreadable ({type(exc).__name__})"
    return ""


def check_run(run_dir: Path, *, checksums: bool = False,
              manifest: dict | None = None) -> tuple[str, str]:
    """``(status, reason)`` of a run directory: ``finished`` only when the manifest says so and
    every output file is present, readable and of the size (and, with ``checksums``, the
    SHA-256) the manifest recorded; ``incomplete`` otherwise; ``running``/``failed``/``missing``
    as the manifest (or its absence) says."""
    run = Path(run_dir)
    m = manifest if manifest is not None else read_manifest(run)
    if m is None:
        if (run / MANIFEST).exists():
            return "incomplete", f"{MANIFEST} is unreadable or not a JSON object"
        return "missing", "no manifest: never started"
    status = m.get("status")
    if status == STATUS_FAILED:
        return "failed", str(m.get("error", "failed (no error recorded)"))
    if status == STATUS_RUNNING:
        return "running", (f"unfinished: manifest says running since {m.get('started', '?')} "
                           "(killed, or still running)")
    if status != STATUS_FINISHED:
        return "incomplete", f"unknown manifest status {status!r}"
    absent = [f for f in OUTPUT_FILES if not (run / f).exists()]
    if absent:
        return "incomplete", f"manifest says finished but {', '.join(absent)} missing"
    records = m.get("files") if isinstance(m.get("files"), dict) else {}
    for name in OUTPUT_FILES:
        p = run / name
        rec = records.get(name) if isinstance(records.get(name), dict) else None
        if rec is not None and p.stat().st_size != rec.get("bytes"):
            return "incomplete", (f"{name} has {p.stat().st_size} bytes, the manifest recorded "
                                  f"{rec.get('bytes')} (truncated or changed)")
        why = _readable(p)
        if why:
            return "incomplete", f"{name}: {why}"
        if checksums and rec is not None and sha256_file(p) != rec.get("sha256"):
            return "incomplete", f"{name}: checksum differs from the manifest (changed or damaged)"
    return STATUS_FINISHED, ""


def is_finished(run_dir: Path, *, checksums: bool = True) -> bool:
    """True when the run is finished and whole (see :func:`check_run`)."""
    return check_run(run_dir, checksums=checksums)[0] == STATUS_FINISHED


_HELD: dict[str, int] = {}  # run directories this process holds locked -> descriptor


def _held_key(run: Path) -> str:
    return os.path.realpath(run)


def lock_run(run_dir: Path) -> int:
    """Claim a run directory: create it if needed and take an exclusive, non-blocking ``flock``
    on its ``.wijksim.lock``. Returns the open descriptor (the lock lasts until it is closed or the
    process dies, so a killed run never leaves a stale lock). Raises ``RunBusyError`` when
    another process holds it."""
    run = Path(run_dir)
    run.mkdir(parents=True, exist_ok=True)
    fd = os.open(run / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, file_mode())
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise RunBusyError(f"{run} is being run by another wijksim process right now") from None
        raise
    _HELD[_held_key(run)] = fd
    return fd


def forget_lock(run_dir: Path) -> None:
    """Drop a run directory from this process's table of held locks."""
    _HELD.pop(_held_key(Path(run_dir)), None)


class holding:  # noqa: N801 - used as a context manager, like open()
    """``with holding(run):`` the run directory is locked by this process (re-entrant: a
    directory this process already claimed is not locked twice). Raises ``RunBusyError``."""

    def __init__(self, run_dir: Path) -> None:
        self.run = Path(run_dir)
        self.fd: int | None = None

    def __enter__(self) -> holding:
        if _HELD.get(_held_key(self.run)) is None:
            self.fd = lock_run(self.run)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.fd is not None:
            forget_lock(self.run)
            unlock_run(self.fd)


def unlock_run(fd: int | None) -> None:
    """Release a lock taken by :func:`lock_run` (the lock file stays: removing it would race)."""
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass


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
    if status == STATUS_FINISHED:  # what "finished" promises: these files, whole
        manifest["files"] = file_records(Path(out))
    write_json(Path(out) / MANIFEST, manifest)
