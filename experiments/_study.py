"""The shared runner of the studies in ``experiments/``: one command, one sweep directory, figures
and a report section each.

Every study is ``python -m experiments.NAME [--seeds N] [--size small|default] [--out DIR]
[hydra overrides...]``. A study declares one or more :class:`Sweep` s (a grid of overrides and,
optionally, a design); :func:`run_sweep` launches each through the real ``python -m sim.run -m``
(the project's Hydra sweeper and launchers, so ``hydra/launcher=slurm`` works unchanged), which
validates every job, runs ``seed=0 replicates=N`` seeds per job, resumes finished runs and
collects ``runs.parquet``. The study then computes its tables (paired by seed, common random
numbers: :mod:`sim.compare`), draws its figures (:mod:`sim.charts`) into ``OUT/figures/`` and
writes ``OUT/report.html`` (:mod:`sim.report.page`) and ``OUT/findings.md``.

An override on the command line whose key the study sweeps (``programme.horizon_years=4,8``)
replaces the study's values for that key; any other override is passed to every sweep.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
SIZES = ("small", "default")


class StudyError(RuntimeError):
    """A sweep of a study failed; the message names the sweep, the exit code and the command."""


@dataclass
class Sweep:
    """One sweep of a study: ``grid`` (key -> values, crossed), fixed ``extra`` overrides."""

    name: str
    grid: dict[str, list] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)


@dataclass
class Args:
    """A study's parsed command line."""

    seeds: int
    size: str
    out: Path
    overrides: list[str]
    quiet: bool
    options: dict


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def parse(name: str, description: str, argv: Sequence[str] | None = None,
          add: Callable[[argparse.ArgumentParser], None] | None = None,
          default_seeds: int = 20) -> Args:
    """The common command line (plus study options from ``add``)."""
    ap = argparse.ArgumentParser(prog=f"python -m experiments.{name}", description=description,
                                 epilog="Any other argument is a Hydra override passed to every "
                                        "sweep (e.g. hydra/launcher=slurm years.burn_in=10).")
    ap.add_argument("--seeds", type=int, default=default_seeds,
                    help=f"seeds per scenario or design point (default {default_seeds})")
    ap.add_argument("--size", choices=SIZES, default="default",
                    help="the wijk: small (2,000 residents) or default (~15,000)")
    ap.add_argument("--out", type=Path, default=None,
                    help=f"study directory (default multirun/experiments/{name})")
    ap.add_argument("--quiet", action="store_true", help="do not echo the sweeps' output")
    if add is not None:
        add(ap)
    ns, overrides = ap.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    bad = [o for o in overrides if o.startswith("-") or "=" not in o]
    if bad:
        ap.error(f"unrecognised argument {bad[0]!r}: options are --seeds, --size, --out, --quiet"
                 " (and the study's own); anything else must be a Hydra override key=value")
    if ns.seeds < 1:
        ap.error(f"--seeds = {ns.seeds}: must be at least 1")
    out = (ns.out or Path("multirun") / "experiments" / name).resolve()
    opts = {k: v for k, v in vars(ns).items() if k not in ("seeds", "size", "out", "quiet")}
    return Args(ns.seeds, ns.size, out, list(overrides), ns.quiet, opts)


def command(sweep: Sweep, args: Args, sweep_dir: Path) -> list[str]:
    """The ``python -m sim.run -m ...`` command of one sweep (the user's grid values win)."""
    user = {_key(o): o for o in args.overrides}
    grid = [user.pop(k, f"{k}={','.join(map(str, v))}") for k, v in sweep.grid.items()]
    extra = [o for o in sweep.extra if _key(o) not in user]
    size = [] if args.size == "default" or "neighbourhood" in user else [
        f"neighbourhood={args.size}"]
    seeds = [f"seed={user.pop('seed').split('=', 1)[1]}" if "seed" in user else "seed=0",
             f"replicates={args.seeds}"]
    user.pop("replicates", None)
    return [sys.executable, "-m", "sim.run", "-m", *size, *grid, *extra, *seeds,
            *user.values(), f"hydra.sweep.dir={sweep_dir}"]


def run_sweep(sweep: Sweep, args: Args) -> pd.DataFrame:
    """Run (or resume) one sweep into ``OUT/<sweep.name>``; return its ``runs.parquet``."""
    sweep_dir = args.out / sweep.name
    cmd = command(sweep, args, sweep_dir)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    print(f"experiments: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    kw = {"capture_output": True, "text": True} if args.quiet else {}
    proc = subprocess.run(cmd, env=env, check=False, **kw)
    if proc.returncode != 0:
        tail = ((proc.stderr or "")[-2000:]) if args.quiet else ""
        raise StudyError(f"sweep {sweep.name!r} exited {proc.returncode}; rerun the same command "
                         f"to resume it.\n{' '.join(cmd)}\n{tail}")
    runs = pd.read_parquet(sweep_dir / "runs.parquet")
    unfinished = runs[runs["status"] != "finished"]
    if len(unfinished):
        raise StudyError(f"sweep {sweep.name!r}: {len(unfinished)} runs not finished "
                         f"({', '.join(sorted(set(unfinished['status'])))}); rerun to resume")
    return runs


def save(fig, args: Args, name: str) -> Path:
    """Write a figure to ``OUT/figures/<name>.png`` (and return the path)."""
    d = args.out / "figures"
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{name}.png"
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)
    return path


def write_report(args: Args, title: str, key_message: str, sections: list,
                 warning: str | None = None) -> Path:
    """``OUT/report.html`` (one self-contained page, :mod:`sim.report.page`). A ``warning``
    (:func:`constant_outcome`) leads the key message and closes the first section, so the page
    never presents differences that are 0 by construction as the model's result."""
    from sim.report.page import Section, page, para

    if warning:
        key_message = f"Warning: {warning} {key_message}"
        s0 = sections[0]
        sections = [Section(s0.sid, s0.title, s0.body + para("Warning: " + warning)),
                    *sections[1:]]

    path = args.out / "report.html"
    sub = (f"{args.seeds} seeds per arm, wijk size {args.size}; overrides: "
           f"{' '.join(args.overrides) or 'none'}")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(page(title, sub, key_message, sections, "en"))
    tmp.replace(path)
    return path


def write_findings(args: Args, lines: list[str]) -> Path:
    """``OUT/findings.md``: the study's findings in plain words (with intervals)."""
    path = args.out / "findings.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def constant_outcome(runs: pd.DataFrame, outcome: str) -> str | None:
    """A plain-words warning when ``outcome`` is the same in every run of each seed, whatever the
    scenario or knob values (else None).

    Then every paired difference is exactly 0 and every sensitivity index 0 or undefined: an
    artefact of the set-up, not a finding. The known case: a generation measured at
    ``cohort.outcome_age`` 18, when nobody in it works yet, so each person's income rank is the
    benefit level plus their own (seeded, common-random-number) component, whatever the programme
    does (``sim.mechanisms.work``); seeds differ, scenarios do not."""
    if outcome not in runs.columns:
        return None
    d = runs.assign(_v=pd.to_numeric(runs[outcome], errors="coerce")).dropna(subset=["_v"])
    seeds = d.groupby("seed")["_v"] if "seed" in d.columns else d.assign(seed=0).groupby("seed")["_v"]
    if len(d) < 2 or seeds.size().max() < 2 or seeds.nunique().max() > 1:
        return None
    what = (f"is {d['_v'].iloc[0]:.4g} in all {len(d)} runs" if d["_v"].nunique() == 1 else
            f"is the same in every run of a seed, whatever the scenario or knobs ({len(d)} runs)")
    why = ""
    emp = "generation.by_origin.employed"
    if outcome.endswith("income_rank") and emp in d.columns and (d[emp] == 0).all():
        why = (" Nobody in the generation has work at the outcome age in any run, so each "
               "person's income rank is the benefit level, which no scenario changes; measure "
               "at an age when they work (cohort.outcome_age=25, the default).")
    return f"{outcome} {what}: every difference below is 0 by construction, not a finding.{why}"


def warn_constant(runs: pd.DataFrame, outcome: str, lines: list[str]) -> str | None:
    """:func:`constant_outcome`, echoed to stderr and added to the findings ``lines``."""
    w = constant_outcome(runs, outcome)
    if w:
        print(f"experiments: warning: {w}", file=sys.stderr, flush=True)
        lines += ["", f"**Warning:** {w}"]
    return w


def fmt_ci(d: float, lo: float, hi: float, unit: str = "", dec: int = 2) -> str:
    """``+1.23 (95 % CI -0.10 to +2.50) unit``."""
    return f"{d:+.{dec}f} (95 % CI {lo:+.{dec}f} to {hi:+.{dec}f}){' ' + unit if unit else ''}"


def main_guard(fn: Callable[[list[str] | None], int]) -> None:
    """Run a study's ``main`` with clean errors (no traceback for a failed sweep)."""
    try:
        sys.exit(fn(None))
    except StudyError as exc:
        print(f"experiments: {exc}", file=sys.stderr)
        sys.exit(1)
