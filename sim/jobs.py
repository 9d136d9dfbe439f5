"""One Hydra job = a block of replicate runs, each into its own run directory, with resume.

This is the code path shared by every Hydra app of the project (``python -m sim.run`` for the model,
``python -m sim.standins.ishigami`` for the test stand-in), so a design is launched and collected
the same way whatever the model is.

Seeds. A job's config holds one ``seed`` (the sweep seed) and ``replicates`` = R; the job runs the
seeds ``seed, seed + 1, ..., seed + R - 1`` into ``<job dir>/seed_<n>/``. A run's seed therefore
depends only on the config, never on the worker, node or order it ran in, and
``seed=range(0,1000,10) replicates=10`` runs exactly the same 1,000 seeds as ``seed=0
replicates=1000``. Each model turns its integer seed into independent streams with
``numpy.random.SeedSequence``, so neighbouring integers give unrelated draws. Scenarios run with
the same seeds share their random numbers (common random numbers, docs/model.md), which is what
:mod:`sim.compare` pairs on.

Resume. Before a run starts, its directory is checked: a finished run with the same config
fingerprint is skipped; a finished run of a *different* config is never touched (the job reports a
conflict and fails); anything else (no manifest, ``running`` left by a killed job, ``failed``) is
run again from scratch. Every file is written atomically by :mod:`sim.rundir`, so a killed job
leaves a run whose manifest says ``running`` and no half-written output file.

Each job writes ``job.json`` (its overrides, seeds and run directories) into its job directory at
start, so :mod:`sim.collect` can list runs that never started.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim import rundir

log = logging.getLogger("wijksim.jobs")
_STARTED = time.time()

JOB_FILE = "job.json"
RUN_PREFIX = "seed_"
# Loggers that talk per step or per job; a sweep shows one progress bar instead.
QUIET_LOGGERS = ("mesa", "MESA")


def silence_chatty_loggers() -> None:
    """Mesa logs every step at INFO; keep its loggers at WARNING in every process."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


class JobFailed(RuntimeError):
    """Some runs of a job failed or conflicted; the message lists them (the others completed)."""


@dataclass(frozen=True)
class ModelSpec:
    """How the shared job code talks to one model.

    ``validate`` turns a composed config into a typed one (raising ``error_type`` with a message
    naming key, value and what is allowed); ``with_seed`` returns the typed config of one run;
    ``fingerprint`` hashes everything that determines a run's results; ``simulate`` writes one run
    directory (refusing to rewrite a finished one) and returns its summary.
    """

    name: str
    validate: Callable[[Any], Any]
    with_seed: Callable[[Any, int], Any]
    fingerprint: Callable[[Any], str]
    simulate: Callable[[Any, Path], dict]
    to_dict: Callable[[Any], dict]
    error_type: type[Exception] = ValueError


@dataclass
class JobResult:
    """What one job did, returned to Hydra (and so to the sweeper) as a plain dict."""

    finished: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"finished": self.finished, "skipped": self.skipped,
                "failed": {str(k): v for k, v in self.failed.items()}}


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """Seeds of a job's block: ``seed + r`` for ``r`` in ``0..replicates-1``."""
    if replicates < 1:
        raise ValueError(f"replicates = {replicates}: must be a whole number >= 1")
    return [int(seed) + r for r in range(int(replicates))]


def run_dir_name(seed: int) -> str:
    """Directory name of the run with this seed inside its job directory."""
    return f"{RUN_PREFIX}{int(seed)}"


def remove_fresh_hydra_files(out: Path) -> None:
    """Undo what Hydra wrote into ``out`` in *this* invocation before the config was rejected
    (apps without :mod:`sim.preflight`, e.g. the stand-ins): its ``.hydra/*.yaml`` files written
    since this process started, then ``.hydra`` and ``out`` only if they are left empty. Nothing
    else is touched, whatever its name: a user's files are never deleted."""
    hd = out / ".hydra"
    for name in ("config.yaml", "hydra.yaml", "overrides.yaml"):
        f = hd / name
        try:
            if f.is_file() and f.stat().st_mtime >= _STARTED - 1:
                f.unlink()
        except OSError:
            pass
    for d in (hd, out):
        try:
            d.rmdir()  # only succeeds when empty
        except OSError:
            pass


def _clean_broken(run: Path) -> None:
    """Remove leftovers of a killed attempt (temporary files) before a run is redone."""
    for tmp in run.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    hydra_dir = run / ".hydra"
    if hydra_dir.is_dir():
        for tmp in hydra_dir.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)


def _write_run_hydra(run: Path, config: dict, overrides: list[str]) -> None:
    """The run's own ``.hydra/config.yaml`` and ``overrides.yaml`` (its resolved config)."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    hd = run / ".hydra"
    for name, obj in (("config.yaml", config), ("overrides.yaml", overrides)):
        rundir._atomic_write_bytes(hd / name, yaml.dump(obj, Dumper=dumper,
                                                        sort_keys=False).encode())


def task_overrides() -> list[str]:
    """The job's task overrides as Hydra recorded them (empty outside Hydra)."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return []
    return list(OmegaConf.to_container(HydraConfig.get().overrides.task, resolve=True))


def run_block(typed: Any, spec: ModelSpec, out: Path, *, overrides: list[str] | None = None,
              single_dir: bool = False) -> JobResult:
    """Run every replicate seed of ``typed`` under ``out``; skip finished runs; never rewrite one.

    With ``single_dir`` (a plain ``python -m sim.run`` with one replicate) the job directory is the
    run directory; otherwise run ``n`` goes to ``out/seed_<n>``. Raises ``JobFailed`` at the end
    when any run failed or conflicted with a finished run of another config (the others are done).
    """
    overrides = list(overrides or [])
    seeds = replicate_seeds(typed.seed, typed.replicates)
    runs = [out] if single_dir else [out / run_dir_name(s) for s in seeds]
    if not single_dir:
        rundir.write_json(out / JOB_FILE, {
            "model": spec.name, "overrides": overrides, "seeds": seeds,
            "runs": [r.name for r in runs], "written": time.time(),
        })
    result = JobResult()
    for s, run in zip(seeds, runs, strict=True):
        if rundir.is_finished(run):  # decided without touching the directory
            _run_one_seed(typed, spec, s, run, overrides, single_dir, result)
            continue
        try:
            with rundir.holding(run):  # nobody else runs this directory while we do
                _run_one_seed(typed, spec, s, run, overrides, single_dir, result)
        except rundir.RunBusyError as exc:
            result.failed[s] = f"{exc}; it was left alone"
            log.info("seed %d: %s", s, exc)
    if result.failed:
        lines = "\n  ".join(f"seed {k}: {v}" for k, v in sorted(result.failed.items()))
        raise JobFailed(f"{len(result.failed)} of {len(seeds)} runs of job {out} failed:\n"
                        f"  {lines}")
    return result


def _run_one_seed(typed: Any, spec: ModelSpec, s: int, run: Path, overrides: list[str],
                  single_dir: bool, result: JobResult) -> None:
    """One seed of a block, with its directory locked: skip, refuse or (re)run it."""
    cfg_s = spec.with_seed(typed, s)
    fp = spec.fingerprint(cfg_s)
    if rundir.is_finished(run):
        old = (rundir.read_manifest(run) or {}).get("config_fingerprint")
        if old == fp:
            result.skipped.append(s)
            log.info("seed %d: already finished in %s, skipped", s, run)
        else:
            result.failed[s] = (f"{run} holds a finished run of another config (fingerprint "
                                f"{old} != {fp}); a finished run is never rewritten: name "
                                "another output directory")
            log.info("seed %d: %s", s, result.failed[s])
        return
    _clean_broken(run)
    if not single_dir:
        _write_run_hydra(run, spec.to_dict(cfg_s), overrides + [f"seed={s}"])
    try:
        spec.simulate(cfg_s, run)
    except rundir.RunExistsError as exc:  # another process finished it meanwhile
        result.skipped.append(s)
        log.info("seed %d: %s", s, exc)
    except Exception as exc:  # the manifest already says failed, with the error
        result.failed[s] = f"{type(exc).__name__}: {exc}"
        log.info("seed %d failed in %s", s, run, exc_info=True)  # the log file; the console gets one message
    else:
        result.finished.append(s)
        log.info("seed %d: finished in %s", s, run)


def hydra_task(cfg: DictConfig, spec: ModelSpec) -> dict[str, Any]:
    """The body of every project Hydra task function: validate, then run the replicate block.

    A bad config prints one ``wijksim: invalid configuration: ...`` message and exits with code 2
    (``sim.run`` checks everything before Hydra starts, and the sweeper validates every job
    before launching, so this is the path of the stand-ins); only the files Hydra wrote in this
    invocation are removed. A failed single run prints one message and exits with code 1.
    """
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    silence_chatty_loggers()
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    try:
        typed = spec.validate(cfg)
    except spec.error_type as exc:
        if hc.mode != RunMode.MULTIRUN:
            remove_fresh_hydra_files(out)
        msg = str(exc)
        if not msg.startswith("invalid configuration"):
            msg = f"invalid configuration: {msg}"
        print(f"wijksim: {msg}", file=sys.stderr)
        if hc.mode == RunMode.MULTIRUN:
            raise
        sys.exit(2)
    single = hc.mode != RunMode.MULTIRUN and typed.replicates == 1
    try:
        return run_block(typed, spec, out, overrides=task_overrides(),
                         single_dir=single).as_dict()
    except JobFailed as exc:
        if hc.mode == RunMode.MULTIRUN:
            raise
        print(f"wijksim: {exc}\n  (details: {out}/manifest.json and the log in {out})",
              file=sys.stderr)
        sys.exit(1)
