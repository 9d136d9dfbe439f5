"""Hydra entry point: ``python -m sim.run [overrides]`` -> one run directory per seed.

The model knows nothing of Hydra: this module checks the command line (:mod:`sim.preflight`),
claims the run directory, composes the config with Hydra and hands it to the shared job code
(:mod:`sim.jobs`), which runs ``replicates`` seeds (``seed, seed+1, ...``) each into its own run
directory through ``sim.simulate.simulate``, skips runs that are already finished with the same
config, and never rewrites a finished run.

Every bad input is answered before anything is written, with one message naming the key, the
value, what is allowed and (for a typo) the closest valid names; exit code 2. A run directory is
claimed atomically (a fresh name, or an exclusive lock on one the user named) and a directory
holding files wijksim did not write is refused, never cleaned. Ctrl-C or SIGTERM stop a run
within seconds (exit 130/143); its manifest says ``failed`` and a rerun redoes it.

``python -m sim.run knobs [GROUP|WORD]`` lists every knob with its group, default, range and
meaning; ``--help`` prints the usage, the presets and the same list.

``python -m sim.run -m ...`` is a sweep: the ``wijksim`` sweeper (grids and SALib designs) with the
``local`` launcher by default (``hydra/launcher=slurm`` or ``ray`` for clusters); rerunning the same
command resumes it. See ``docs/sweeps.md``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig

from sim.composition import validate_job
from sim.config import ConfigError, WijksimConfig, to_dict, validate
from sim.jobs import ModelSpec, hydra_task, silence_chatty_loggers
from sim.simulate import Terminated, fingerprint, simulate

silence_chatty_loggers()
log = logging.getLogger("wijksim")
# Ray (hydra/launcher=ray) reports usage statistics unless told not to; a run makes no network
# call of its own, so neither should the launcher (https://docs.ray.io/en/latest/cluster/usage-stats.html).
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

ConfigStore.instance().store(name="wijksim_schema", node=WijksimConfig)


def with_seed(cfg: WijksimConfig, seed: int) -> WijksimConfig:
    """The typed config of the run with this seed (a single replicate)."""
    return dataclasses.replace(cfg, seed=int(seed), replicates=1)


# validate_job: the job's overrides are checked against its presets first (sim.composition).
SPEC = ModelSpec(name="wijksim", validate=validate_job, with_seed=with_seed, fingerprint=fingerprint,
                 simulate=simulate, to_dict=to_dict, error_type=ConfigError)


# An absolute path: the same configs whether this runs as ``python -m sim.run`` or in-process.
@hydra.main(version_base="1.3", config_path=str(Path(__file__).resolve().parent.parent / "configs"),
            config_name="config")
def main(cfg: DictConfig) -> dict | None:
    """Validate the config and run its block of replicate seeds (see :func:`sim.jobs.run_block`);
    a single run (not a sweep) then prints its headline and run directory."""
    result = hydra_task(cfg, SPEC)
    _print_headlines(result)
    return result


def _print_headlines(result: dict | None) -> None:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.headline import headline
    from sim.jobs import run_dir_name

    hc = HydraConfig.get()
    if hc.mode == RunMode.MULTIRUN or not result:
        return  # a sweep shows its progress bar; sim.collect and sim.report summarise it
    out = Path(hc.runtime.output_dir)
    seeds = [*result.get("finished", []), *result.get("skipped", [])]
    runs = [out] if (out / "summary.json").exists() else [out / run_dir_name(s) for s in seeds]
    for run in runs:
        print(headline(run))


_PASS_THROUGH = ("--hydra-help", "--version", "--cfg", "-c", "--info", "-i",
                 "--shell-completion", "-sc")
_REFUSED = ("--config-path", "-cp", "--config-dir", "-cd", "--config-name", "-cn",
            "--experimental-rerun", "--package", "-p", "--resolve")


@dataclass
class Plan:
    """What ``cli`` hands to Hydra, or the answer it gives without Hydra."""

    argv: list[str]
    done: str | None = None  # nothing to run: this is the message
    claim: object | None = None
    finished: Path | None = None  # the finished run that made it nothing to do


def _quote(path: Path) -> str:
    text = str(path)
    if "'" in text or "\\" in text:
        raise ConfigError(f"invalid configuration:\n  hydra.run.dir = {text!r}: quotes and "
                          "backslashes are not allowed in output paths")
    return f"'{text}'"


def plan(args: list[str]) -> Plan:
    """Check ``args`` (raises ``ConfigError``) and, for a single run, claim its directory."""
    from omegaconf import OmegaConf

    from sim import preflight, rundir
    from sim.knobs import PRESET_GROUPS, did_you_mean

    if any(a.split("=", 1)[0] in _PASS_THROUGH for a in args):
        return Plan(args)  # Hydra prints something and exits; nothing is written
    flags = [a for a in args if a.startswith("-")]
    refused = [a for a in flags if a.split("=", 1)[0] in _REFUSED]
    known = {"-m", "--multirun", "--run", "-r"}
    unknown = [a for a in flags if a not in known and a not in refused]
    if refused or unknown:
        bad = (refused + unknown)[0]
        raise ConfigError(f"invalid command line:\n  {bad}: not an option of python -m sim.run"
                          f"{did_you_mean(bad, sorted(known) + ['--help', '--cfg', '--info'])}; "
                          "allowed: -m (a sweep), --help, knobs, --cfg job, --info, --hydra-help; "
                          "presets are chosen with GROUP=PRESET")
    multirun = "-m" in args or "--multirun" in args
    overrides = [a for a in args if not a.startswith("-")]
    parsed, errors = preflight.parse(overrides)
    preflight._fail(errors)
    preflight._fail(preflight.check_overrides(parsed, multirun))
    sweeps = [o for o in parsed if o.is_sweep_override()]
    base = [o.input_line for o in parsed if not o.is_sweep_override()]
    user = {o.key_or_group: (o.value() if not o.is_sweep_override() else None) for o in parsed}
    user_keys = set(user)
    cfg = preflight.compose_config(base, hydra_cfg=True)
    errors = preflight.check_hydra(cfg, multirun, user)
    model_cfg = OmegaConf.masked_copy(cfg, [k for k in cfg.keys() if k != "hydra"])
    try:
        typed = validate(model_cfg)
    except ConfigError as exc:
        errors += str(exc).split("\n  ")[1:]
    for o in sweeps:  # each value of a preset sweep composes on its own
        if o.key_or_group in PRESET_GROUPS:
            for v in preflight._values(o):
                try:
                    validate(preflight.compose_config(base + [f"{o.key_or_group}={v}"]))
                except ConfigError as exc:
                    errors += [f"{line} (with {o.key_or_group}={v})"
                               for line in str(exc).split("\n  ")[1:]]
    preflight._fail(errors)
    if multirun:
        if "hydra.sweep.dir" in user_keys:
            p = Path(os.path.abspath(str(cfg.hydra.sweep.dir)))
            if p.exists() and not p.is_dir():
                preflight._fail([f"hydra.sweep.dir = {str(cfg.hydra.sweep.dir)!r}: is a file, "
                                 "not a directory; name a new directory"])
            own = {".wijksim.lock", "multirun.yaml", "design.parquet"}  # a sweep killed early
            if p.is_dir() and not (p / "sweep.json").exists() and \
                    not {c.name for c in p.iterdir()} <= own:
                preflight._fail([f"hydra.sweep.dir = {str(cfg.hydra.sweep.dir)!r}: already "
                                 "holds files that are not a wijksim sweep; name a new directory"])
        return Plan(args)
    user_dir = "hydra.run.dir" in user_keys
    text = str(cfg.hydra.run.dir)
    path, problem = preflight.check_run_dir(text)
    if problem and user_dir:
        preflight._fail([problem])
    if user_dir and typed.replicates == 1 and rundir.read_manifest(path) is not None:
        status, _ = rundir.check_run(path, checksums=True)
        old = (rundir.read_manifest(path) or {}).get("config_fingerprint")
        fp = fingerprint(with_seed(typed, typed.seed))
        if status == rundir.STATUS_FINISHED and old == fp:
            return Plan(args, done=f"wijksim: {path} already holds this finished run (seed "
                                   f"{typed.seed}); nothing to do", finished=path)
        if status == rundir.STATUS_FINISHED:
            preflight._fail([f"hydra.run.dir = {text!r}: holds a finished run of another config "
                             f"(fingerprint {old}, this one {fp}); a finished run is never "
                             "rewritten: name a new directory"])
    claim = preflight.claim_run_dir(path, unique=not user_dir)
    rest = [a for a in args if not a.startswith("hydra.run.dir=")]
    return Plan(rest + [f"hydra.run.dir={_quote(claim.path)}"], claim=claim)


def _release(claim: object | None, ok: bool) -> None:
    """Unlock a claimed run directory; after a failure to start, remove it if it is still
    exactly as the claim left it (only our lock file in it, created by this invocation)."""
    from sim import rundir

    if claim is None:
        return
    rundir.unlock_run(claim.lock_fd)
    rundir.forget_lock(claim.path)
    if ok:
        return
    try:
        if {p.name for p in claim.path.iterdir()} == {rundir.LOCK_FILE} and claim.created:
            (claim.path / rundir.LOCK_FILE).unlink()
            for d in claim.created:
                d.rmdir()
    except OSError:
        pass


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signum)


def cli(argv: list[str] | None = None) -> int:
    """``python -m sim.run``: the exit code (0 done, 1 a run failed, 2 bad input, 130/143
    interrupted). Usable in-process: ``cli(["seed=3"])``."""
    from sim.knobs import help_text, table

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["knobs"]:
        print(table(args[1] if len(args) > 1 else None))
        return 0
    if "--help" in args or "-h" in args:
        print(help_text())
        return 0
    try:
        p = plan(args)
    except ConfigError as exc:
        print(f"wijksim: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wijksim: stopped by SIGINT before anything was written", file=sys.stderr)
        return 130
    if p.done:
        print(p.done, file=sys.stderr)
        if p.finished is not None:
            from sim.headline import headline

            print(headline(p.finished))
        return 0
    saved_argv = sys.argv
    sys.argv = [saved_argv[0] if saved_argv else "sim.run", *p.argv]
    old_term = signal.getsignal(signal.SIGTERM)
    code: int = 0
    try:
        signal.signal(signal.SIGTERM, _interrupted)
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except (KeyboardInterrupt, Terminated) as exc:
        signum = exc.args[0] if exc.args and isinstance(exc.args[0], int) else signal.SIGINT
        if isinstance(exc, Terminated):
            signum = signal.SIGTERM
        where = f" in {p.claim.path}" if p.claim is not None else ""
        print(f"wijksim: stopped by {signal.Signals(signum).name}{where}; what was not finished "
              "is marked failed and a rerun of the same command redoes it", file=sys.stderr)
        code = 128 + int(signum)
    finally:
        signal.signal(signal.SIGTERM, old_term)
        sys.argv = saved_argv
        _release(p.claim, ok=code == 0)
    return code


if __name__ == "__main__":
    sys.exit(cli())
