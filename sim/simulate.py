"""``simulate(cfg, out_dir)``: one run of the model into one run directory. No Hydra in here.

Tests, notebooks and the Hydra entry point (``sim.run``) all call this function. It validates the
config before anything is written, refuses to rewrite a finished run, writes every file atomically and
records ``status`` in ``manifest.json`` so a broken run is never mistaken for a finished one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim import rundir
from sim.config import ConfigError, WijksimConfig, to_dict, validate

logging.getLogger("mesa").setLevel(logging.WARNING)

# Keys that do not change what a run computes (excluded from the fingerprint used by resume).
_NON_SEMANTIC = ("replicates",)


def fingerprint(cfg: WijksimConfig) -> str:
    """Stable hash of everything that determines a run's results (config incl. seed)."""
    d = {k: v for k, v in to_dict(cfg).items() if k not in _NON_SEMANTIC}
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


class Terminated(BaseException):  # noqa: N818 - like KeyboardInterrupt: not an Exception
    """SIGTERM arrived while a run was going: the manifest says failed, and nothing catches
    this on the way up as an ordinary error, so the job stops instead of starting its next seed."""


def _raise_terminated(signum: int, frame: Any) -> None:  # pragma: no cover - signal path
    raise Terminated(f"terminated by signal {signum}")


def simulate(cfg: Any, out_dir: str | Path, *, overwrite_failed: bool = True) -> dict[str, Any]:
    """Run one simulation and write its run directory; return the summary dict.

    ``cfg`` may be a Hydra DictConfig, a plain (partial) dict or a ``WijksimConfig``. Raises
    ``ConfigError`` (nothing written) for bad input and ``RunExistsError`` if ``out_dir`` already
    holds a finished run.
    """
    config = validate(cfg)  # raises ConfigError before any file exists
    out = Path(out_dir)
    if rundir.is_finished(out):  # checked before the lock too: a finished run is not touched
        raise rundir.RunExistsError(f"{out} already holds a finished run; it is never rewritten")
    with rundir.holding(out):  # RunBusyError when another process is running this directory
        return _simulate_locked(config, out, overwrite_failed)


def _simulate_locked(config: WijksimConfig, out: Path, overwrite_failed: bool) -> dict[str, Any]:
    if rundir.is_finished(out):
        raise rundir.RunExistsError(f"{out} already holds a finished run; it is never rewritten")
    if rundir.read_manifest(out) is not None and not overwrite_failed:
        raise rundir.RunExistsError(f"{out} holds a broken run and overwrite_failed is False")
    # A broken earlier attempt: clear its outputs so nothing stale mixes with the new run.
    for f in rundir.OUTPUT_FILES:
        (out / f).unlink(missing_ok=True)

    from sim.model import Neighbourhood  # imported late: config errors should be instant
    from sim.outcomes import build_outputs

    fp = fingerprint(config)
    manifest = rundir.base_manifest(config.seed, to_dict(config), fp)
    started = time.time()
    manifest["started"] = datetime.now(UTC).isoformat()
    rundir.write_json(out / rundir.MANIFEST, manifest)

    old_handler = None
    try:
        try:
            old_handler = signal.signal(signal.SIGTERM, _raise_terminated)
        except ValueError:  # not the main thread (e.g. some launchers): no handler
            old_handler = None
        model = Neighbourhood(config)
        model.run()
        tables, summary = build_outputs(model)
        summary["seed"] = config.seed
        summary["scenario"] = config.scenario_name
        for name, df in tables.items():
            rundir.write_parquet(out / f"{name}.parquet", df)
        rundir.write_json(out / "summary.json", summary)
    except BaseException as exc:
        rundir.close_manifest(out, manifest, started, rundir.STATUS_FAILED, error=exc)
        raise
    finally:
        if old_handler is not None:
            signal.signal(signal.SIGTERM, old_handler)
    rundir.close_manifest(out, manifest, started, rundir.STATUS_FINISHED, steps=model.steps,
                          person_steps=int(model.person_steps))
    return summary


__all__ = ["simulate", "fingerprint", "ConfigError"]
