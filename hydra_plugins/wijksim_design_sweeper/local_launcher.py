"""``hydra/launcher=local``: a process pool that ships Hydra's context to each worker once.

Why not hydra-joblib-launcher (still available as ``hydra/launcher=joblib``): it pickles the config
loader, the master config and every registered schema with *every* job and returns both composed
configs with every result. Measured here that costs ~0.3 s of CPU per job, so 2 workers on 2
cores ran ~1 s jobs only 1.3x faster than one after another. This launcher starts ``n_jobs``
workers once per sweep (``fork`` by default: they inherit the loaded modules and the context,
so they start in milliseconds; the sweeper starts them before any other thread exists), hands
them the context once, sends each job only its overrides, and returns a slim result. Each worker still
composes its job's config with Hydra (``load_sweep_config``) and runs it through ``run_job``,
exactly like the other launchers, so outputs are identical.

Workers die with their driver: each asks the kernel for SIGTERM when its parent dies
(``PR_SET_PDEATHSIG``, Linux) and a watchdog thread checks its parent every half second
(elsewhere), so a driver killed by SIGKILL, OOM or CI leaves no worker running queued jobs. A
worker ignores SIGINT (Ctrl-C reaches the whole process group; the driver decides), and SIGTERM
stops it: a run in progress is marked ``failed`` (``sim.simulate`` turns SIGTERM into an
exception) and the worker exits. On Ctrl-C or SIGTERM the driver cancels queued jobs, sends
SIGTERM to its workers, gives them ``STOP_GRACE`` seconds and then SIGKILLs what is left.
"""

import ctypes
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, configure_log, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, open_dict

log = logging.getLogger(__name__)
_WORKER: dict[str, Any] = {}
STOP_GRACE = 5.0  # seconds workers get to mark their runs failed after SIGTERM
_PR_SET_PDEATHSIG = 1


def _on_sigterm(signum: int, frame: Any) -> None:  # pragma: no cover - runs in a worker
    """Idle: exit now. Running a job: raise, so the run's manifest says failed (every
    ``simulate`` marks a run failed on any exception) and ``_run_one`` then exits."""
    if _WORKER.get("busy"):
        from sim.simulate import Terminated

        raise Terminated(f"terminated by signal {signum}")
    os._exit(128 + signum)


def _die_with_parent(parent: int) -> None:
    """Make this worker end when ``parent`` (the driver) ends, however it ends."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the watchdog below does it
        pass
    if os.getppid() != parent:  # the driver died before prctl took effect
        os._exit(143)

    def watch() -> None:  # pragma: no cover - runs in a worker
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGTERM)  # same path as PDEATHSIG
                time.sleep(STOP_GRACE)
                os._exit(143)

    threading.Thread(target=watch, daemon=True, name="wijksim-parent-watch").start()


@dataclass
class LocalLauncherConf:
    """``n_jobs``: worker processes (-1 = one per core); ``start_method``: ``fork`` (default,
    fastest), ``forkserver`` (modules preloaded once in a clean server) or ``spawn``."""

    _target_: str = "hydra_plugins.wijksim_design_sweeper.local_launcher.LocalLauncher"
    n_jobs: int = -1
    start_method: str = "fork"


ConfigStore.instance().store(group="hydra/launcher", name="wijksim_local",
                             node=LocalLauncherConf, provider="wijksim")


def _dumps(obj: Any) -> bytes:
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - joblib vendors it
        from joblib.externals import cloudpickle
    return cloudpickle.dumps(obj)


def _init_worker(payload: bytes | tuple, parent: int) -> None:
    """Runs once per worker: die with the driver, leave Ctrl-C to it, restore Hydra's
    singletons and keep the context for every job."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    _die_with_parent(parent)
    ctx, config, task, singleton_state = (pickle.loads(payload) if isinstance(payload, bytes)
                                          else payload)
    setup_globals()
    Singleton.set_state(singleton_state)
    _WORKER.update(ctx=ctx, config=config, task=task)


def _run_one(idx: int, overrides: list[str]) -> JobReturn:
    ctx: HydraContext = _WORKER["ctx"]
    sweep_config = ctx.config_loader.load_sweep_config(_WORKER["config"], list(overrides))
    with open_dict(sweep_config):
        sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{idx}"
        sweep_config.hydra.job.num = idx
    HydraConfig.instance().set_config(sweep_config)
    try:
        _WORKER["busy"] = True
        ret = run_job(hydra_context=ctx, config=sweep_config, task_function=_WORKER["task"],
                      job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir")
    except BaseException:  # SIGTERM (run marked failed) or interrupt: this worker is done
        logging.shutdown()
        os._exit(143)
    finally:
        _WORKER["busy"] = False
    ret.cfg = None  # the parent does not need the composed configs back
    ret.hydra_cfg = None
    try:
        pickle.dumps(ret._return_value)
    except Exception:  # an exception that cannot travel: send its text
        ret._return_value = RuntimeError(repr(ret._return_value))
    return ret


class LocalLauncher(Launcher):
    """Jobs in a pool of local worker processes (see module docstring)."""

    def __init__(self, n_jobs: int = -1, start_method: str = "fork") -> None:
        self.n_jobs = n_jobs
        self.start_method = start_method
        self._pool: ProcessPoolExecutor | None = None
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.task_function: TaskFunction | None = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction,
              config: DictConfig) -> None:
        self.config = config
        self.hydra_context = hydra_context
        self.task_function = task_function

    def prestart(self, n_jobs_total: int) -> None:
        """Start the workers now (the sweeper calls this before it starts its progress thread,
        so ``fork`` happens while the driver has a single thread)."""
        if self._pool is not None:
            return
        assert self.config is not None and self.hydra_context is not None
        if self.start_method not in ("fork", "forkserver", "spawn"):
            raise ValueError(f"hydra.launcher.start_method = {self.start_method!r}: allowed: "
                             "fork, forkserver, spawn")
        n = (os.cpu_count() or 1) if self.n_jobs in (-1, 0, None) else int(self.n_jobs)
        n = max(1, min(n, n_jobs_total))
        mp = multiprocessing.get_context(self.start_method)
        state = (self.hydra_context, self.config, self.task_function, Singleton.get_state())
        if self.start_method == "forkserver":
            main = sys.modules.get("__main__")
            preload = ["__main__"] if getattr(main, "__spec__", None) else []
            mp.set_forkserver_preload(preload + ["numpy", "pandas", "pyarrow.parquet",
                                                 "hydra.core.utils", "sim.jobs"])
        payload = state if self.start_method == "fork" else _dumps(state)
        self._pool = ProcessPoolExecutor(max_workers=n, mp_context=mp,
                                         initializer=_init_worker,
                                         initargs=(payload, os.getpid()))
        for _ in range(n):  # fork every worker now
            self._pool.submit(os.getpid).result()

    def shutdown(self) -> None:
        """Stop the workers (the sweeper calls this at the end)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def stop(self) -> None:
        """Interrupted: cancel queued jobs, SIGTERM the workers (their runs are marked failed),
        wait up to ``STOP_GRACE`` seconds, then SIGKILL what is left."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except (ProcessLookupError, TypeError):
                pass
        end = time.monotonic() + STOP_GRACE
        for p in procs:
            p.join(max(0.0, end - time.monotonic()))
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join(1.0)

    def launch(self, job_overrides: Sequence[Sequence[str]],
               initial_job_idx: int) -> Sequence[JobReturn]:
        assert self.config is not None and self.hydra_context is not None
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        own = self._pool is None
        self.prestart(len(job_overrides))
        pool = self._pool
        assert pool is not None
        results: list[JobReturn] = []
        try:
            futures = [pool.submit(_run_one, initial_job_idx + i, list(ov))
                       for i, ov in enumerate(job_overrides)]
            for ov, fut in zip(job_overrides, futures, strict=True):
                try:
                    results.append(fut.result())
                except Exception as exc:  # a worker died (killed, out of memory, ...)
                    ret = JobReturn(overrides=list(ov), status=JobStatus.FAILED)
                    ret._return_value = RuntimeError(f"worker process failed: {exc!r}")
                    results.append(ret)
        except BaseException:  # Ctrl-C / SIGTERM in the driver: stop the workers now
            self.stop()
            raise
        finally:
            if own:
                self.shutdown()
        return results
