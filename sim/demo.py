"""``make demo``: scenario presets compared, paired by seed, in plain language.

Usage::

    python -m sim.demo [--seeds K] [--jobs N] [--arms] [hydra overrides]   # e.g. neighbourhood=small

Runs ``no_programme``, ``project_carousel``, ``carousel_same_money`` (the carousel on the same
planned money as long_term) and ``long_term`` (``configs/scenario/``) for the seeds ``0 .. K-1``
each (the same seeds for every scenario: common random numbers), each into
``outputs/demo/<timestamp>/<scenario>/seed_<k>/`` via :func:`sim.simulate.simulate`, on ``N``
processes. Then prints, for the tracked generation at age 25, each scenario's mean and its paired
difference from ``no_programme`` with a 95 % confidence interval, by origin and by place. With
``--arms`` it runs the whole designed set of :mod:`sim.conditions` (long_term, its seven
leave-one-out arms and the three comparators) and compares each with ``long_term``. Before the
tables: which knobs each scenario changes relative to the reference, the money it allocated, and
the wijk at the programme start (before its first step). The runs table (``runs.parquet``) and the
differences (``differences.csv``) are written next to the runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pandas as pd
from joblib import Parallel, delayed

from sim import conditions
from sim.collect import flatten
from sim.compare import paired_differences, with_units
from sim.compose import load_config
from sim.config import validate
from sim.progress import Progress
from sim.rundir import read_manifest, write_parquet
from sim.simulate import simulate
from sim.units import OUTCOMES as UNITS

REFERENCE = "no_programme"
DEMO_SET = ("no_programme", "project_carousel", "carousel_same_money", "long_term")
SCENARIOS = {name: conditions.describe(name) for name in DEMO_SET}
ARMS_REFERENCE = conditions.REFERENCE  # with --arms every scenario is compared with long_term
# The outcomes the demo prints; their labels, kinds and better directions live in one place,
# sim.units.OUTCOMES. outcome -> (label, kind, better); kind: share (shown in %), rank, scale (0-1)
DEMO_OUTCOMES = ("start_qualification", "higher_education", "employed", "income_rank",
                 "ever_suspect", "trust", "deprived_area")
OUTCOMES = {k: (UNITS[k].label["en"], UNITS[k].kind, UNITS[k].better) for k in DEMO_OUTCOMES}
VIEWS = {
    "by_origin": ("BY ORIGIN", "everyone who lived in the wijk as a child (aged 0-12) when the "
                  "programme started, followed wherever they moved: what the programme did for "
                  "the children it reached."),
    "by_place": ("BY PLACE", "everyone aged 25 who lives in the wijk at that moment, wherever they "
                 "grew up: what a neighbourhood monitor sees. Families who do well tend to move "
                 "out and poorer newcomers move in, so by place can look worse than by origin "
                 "even when the programme works."),
}


def _run_one(cfg: Any, out_dir: Path) -> dict[str, Any]:
    """One run in a worker process; failures are returned, not raised, so the others finish."""
    try:
        simulate(cfg, out_dir)
    except Exception as exc:  # reported in the table and the exit code
        return {"run_dir": str(out_dir), "error": f"{type(exc).__name__}: {exc}"}
    return {"run_dir": str(out_dir), "error": None}


def _out_root() -> Path:
    base = Path("outputs") / "demo" / time.strftime("%Y-%m-%d_%H-%M-%S")
    out, i = base, 1
    while out.exists():  # two demos in the same second
        i += 1
        out = base.with_name(f"{base.name}_{i}")
    return out


def runs_table(plan: list[tuple[str, int, Path]]) -> pd.DataFrame:
    """One row per run: scenario_name, seed, run_dir, status and the flattened summary."""
    rows = []
    for name, seed, out in plan:
        manifest = read_manifest(out) or {}
        row: dict[str, Any] = {"scenario_name": name, "seed": seed, "run_dir": str(out),
                               "status": manifest.get("status", "missing")}
        if row["status"] == "finished":
            row.update(flatten(json.loads((out / "summary.json").read_text())))
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(value: float, kind: str, diff: bool = False, unit: bool = True) -> str:
    if pd.isna(value):
        return "n/a"
    sign = "+" if diff else ""
    if kind == "share":
        return f"{100 * value:{sign}.1f}" + ((" pp" if diff else " %") if unit else "")
    if kind == "rank":
        return f"{value:{sign}.1f}"
    return f"{value:{sign}.3f}"


def _verdict(row: pd.Series, better: str) -> str:
    lo, hi = row["ci_low"], row["ci_high"]
    if row["n_pairs"] < 2 or pd.isna(lo) or pd.isna(hi):
        return "too few seeds"
    if row["sd_difference"] == 0 and row["difference"] == 0:
        return "identical in every seed"
    if lo <= 0 <= hi:
        return "no clear difference"
    return "better" if (lo > 0) == (better == "higher") else "worse"


def diff_col(reference: str = REFERENCE) -> str:
    return f"difference from {reference} [95 % CI]"


DIFF_COL = diff_col()


def comparison_table(runs: pd.DataFrame, diffs: pd.DataFrame, view: str,
                     scenarios: Any = None, reference: str = REFERENCE) -> pd.DataFrame:
    """Rows = outcome x scenario: mean over seeds, paired difference from the reference, verdict."""
    fin = runs[runs["status"] == "finished"]
    scenarios = list(SCENARIOS if scenarios is None else scenarios)
    dcol = diff_col(reference)
    rows = []
    present = set(runs["scenario_name"])
    for m, (label, kind, better) in OUTCOMES.items():
        col = f"generation.{view}.{m}"
        for i, name in enumerate(n for n in scenarios if n in present):
            mean = pd.to_numeric(fin.loc[fin["scenario_name"] == name, col], errors="coerce").mean()
            row = {"outcome at age 25 (better if)": f"{label} ({better})" if i == 0 else "",
                   "scenario": name, "mean": _fmt(mean, kind), dcol: "(reference)",
                   "verdict": ""}
            if name != reference:
                d = diffs[(diffs["scenario_name"] == name) & (diffs["outcome"] == col)].iloc[0]
                row[dcol] = (f"{_fmt(d['difference'], kind, True)} "
                                 f"[{_fmt(d['ci_low'], kind, True, False)}, "
                                 f"{_fmt(d['ci_high'], kind, True, False)}]")
                row["verdict"] = _verdict(d, better)
            rows.append(row)
    return pd.DataFrame(rows)


def render(table: pd.DataFrame) -> str:
    """Plain fixed-width text: text columns left-aligned, the mean right-aligned."""
    cols = list(table.columns)
    width = {c: max(len(c), *(len(str(v)) for v in table[c])) for c in cols}

    def line(values: dict) -> str:
        cells = [str(values[c]).rjust(width[c]) if c == "mean" else str(values[c]).ljust(width[c])
                 for c in cols]
        return "  ".join(cells).rstrip()

    out = [line({c: c for c in cols})]
    out += [line(r) for r in table.to_dict("records")]
    return "\n".join(out)


def _say(text: str) -> None:
    print(textwrap.fill(text, width=100))


def _print_view(runs: pd.DataFrame, diffs: pd.DataFrame, view: str, scenarios: Any = None,
                reference: str = REFERENCE) -> None:
    title, caption = VIEWS[view]
    print()
    _say(f"{title}: {caption}")
    print()
    print(render(comparison_table(runs, diffs, view, scenarios, reference)))
    if view == "by_place":
        col = "generation.by_place.deprived_area"
        vals = pd.to_numeric(runs.loc[runs["status"] == "finished", col], errors="coerce")
        if (vals == 1).all():
            _say("(By place, everyone lives in the wijk, which counts as a deprived area by "
                 "definition: 100 % in every scenario.)")


def start_figures(plan: list[tuple[str, int, Path]]) -> dict[str, float]:
    """Mean wijk liveability per scenario at the programme start, *before* its first step.

    The time-series row labelled year 0 is recorded after the first programme quarter; the last
    row before it (year < 0) is the state every scenario starts its programme from.
    """
    live: dict[str, list[float]] = {}
    for name, _, out in plan:
        if (out / "timeseries.parquet").exists():
            ts = pd.read_parquet(out / "timeseries.parquet", columns=["year", "liveability"])
            before = ts[ts["year"] < 0]
            if len(before):
                live.setdefault(name, []).append(float(before["liveability"].iloc[-1]))
    return {n: sum(v) / len(v) for n, v in live.items()}


def _print_start(plan: list[tuple[str, int, Path]], runs: pd.DataFrame,
                 scenarios: Any = None) -> None:
    """The wijk at the programme start per scenario: the presets may not differ there yet."""
    scenarios = list(SCENARIOS if scenarios is None else scenarios)
    fin = runs[runs["status"] == "finished"]
    size = fin.groupby("scenario_name")["cohort_counts.tagged"].mean()
    money = pd.to_numeric(fin.get("programme.money.allocated", pd.Series(dtype=float)),
                          errors="coerce").groupby(fin["scenario_name"]).mean()
    means = start_figures(plan)
    print("\nAt the programme start (before its first step), and the money each scenario "
          "allocated; means over seeds:")
    for n in scenarios:
        if n in means:
            m = money.get(n, float("nan"))
            print(f"  {n:<30} wijk liveability {means[n]:.3f}, generation tracked: "
                  f"{size.get(n, float('nan')):,.0f} children, money allocated "
                  f"{0.0 if pd.isna(m) else m / 1e6:.1f} M euro")
    if means and max(means.values()) != min(means.values()):
        _say("NOTE: the scenarios already differ before their programmes start, so the "
             "differences below are not the programme's effect alone.")


def _print_knobs(scenarios: Any, reference: str, overrides: list[str]) -> None:
    """One line per scenario: the knobs it changes relative to the reference (from the configs)."""
    print(f"\nKnobs each scenario changes relative to {reference} (everything else is equal):")
    for name in scenarios:
        if name == reference:
            continue
        print(textwrap.fill(conditions.changes_line(name, reference, overrides), width=100,
                            initial_indent=f"  {name:<30} ", subsequent_indent=" " * 33))


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m sim.demo",
        description="Compare the scenario presets no_programme, project_carousel, "
                    "carousel_same_money and long_term (or, with --arms, the designed set).")
    ap.add_argument("--seeds", type=int, default=6, help="seeds per scenario (0..K-1; default 6)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--arms", action="store_true",
                    help="run the designed set (long_term, its seven leave-one-out arms, "
                         "project_carousel, carousel_same_money, no_programme) and compare each "
                         "with long_term")
    ap.add_argument("--scenarios", help="comma-separated subset of the scenarios to run "
                                        "(default all; the reference is always included)")
    ap.add_argument("--lang", default="en", choices=("en", "nl"), help="language of the report")
    ap.add_argument("--no-report", action="store_true", help="skip the HTML report")
    ap.add_argument("overrides", nargs="*",
                    help="Hydra overrides for every run, e.g. neighbourhood=small years.burn_in=5")
    a = ap.parse_args(argv)
    if a.seeds < 1 or a.jobs < 1:
        ap.error(f"--seeds = {a.seeds}, --jobs = {a.jobs}: both must be at least 1")
    if a.arms:
        a.pool = {n: conditions.describe(n) for n in conditions.SCENARIO_SET}
        a.reference = ARMS_REFERENCE
    else:
        a.pool, a.reference = dict(SCENARIOS), REFERENCE
    a.names = list(a.pool)
    if a.scenarios:
        wanted = [x.strip() for x in a.scenarios.split(",") if x.strip()]
        unknown = [x for x in wanted if x not in a.pool]
        if unknown:
            ap.error(f"--scenarios {','.join(unknown)}: unknown; allowed: {', '.join(a.pool)}")
        a.names = [n for n in a.pool if n in wanted or n == a.reference]
    for o in a.overrides:
        key = o.split("=", 1)[0].lstrip("+~")
        if key in ("scenario", "seed", "scenario_name"):
            ap.error(f"override {o!r}: the demo sets {key} itself (use --seeds for the seed count)")
    return a


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print it; returns the exit code (0 ok, 1 a run failed, 2 bad input)."""
    a = parse_args(list(sys.argv[1:] if argv is None else argv))
    out_root = _out_root()
    seeds = list(range(a.seeds))
    plan, cfgs = [], []
    try:
        for name in a.names:
            base = load_config([f"scenario={name}", *a.overrides])  # composed once per scenario
            for k in seeds:
                cfg = base.copy()
                cfg.seed = k
                validate(cfg)
                cfgs.append(cfg)
                plan.append((name, k, out_root / name / f"seed_{k}"))
    except Exception as exc:  # ConfigError, and Hydra's override/compose errors (many types)
        print(f"wijksim: invalid configuration: {exc}", file=sys.stderr)
        return 2
    c0 = cfgs[0]
    print(f"wijksim demo: {len(a.names)} scenarios x {a.seeds} seeds = {len(plan)} runs on "
          f"{a.jobs} processes; {c0.neighbourhood.residents} residents, burn-in "
          f"{c0.years.burn_in} years; writing {out_root}")
    for name in a.names:
        what = a.pool[name] + (" (the reference)" if name == a.reference else "")
        print(textwrap.fill(what, width=100, initial_indent=f"  {name:<30} ",
                            subsequent_indent=" " * 33))
    _print_knobs(a.names, a.reference, a.overrides)
    t0 = time.perf_counter()
    results = []
    with Progress(len(plan), "wijksim demo") as bar:
        for r in Parallel(n_jobs=a.jobs, return_as="generator_unordered")(
                # Absolute paths: joblib reuses workers, whose working directory may be another's.
                delayed(_run_one)(cfg, out.absolute())
                for cfg, (_, _, out) in zip(cfgs, plan, strict=True)):
            results.append(r)
            bar.update(ok=r["error"] is None)
    wall = time.perf_counter() - t0
    failed = [r for r in results if r["error"]]
    runs = runs_table(plan)
    write_parquet(out_root / "runs.parquet", runs)
    print(f"done in {wall:.1f} s ({len(plan) - len(failed)} of {len(plan)} runs finished).")
    for r in failed:
        print(f"  FAILED {r['run_dir']}: {r['error']}")
    if not (runs["status"] == "finished").any():
        return 1
    counts = runs.loc[runs["status"] == "finished", "cohort_counts.tagged"]
    outcomes = [f"generation.{v}.{m}" for v in VIEWS for m in OUTCOMES]
    diffs = paired_differences(runs, outcomes, by="scenario_name", reference=a.reference,
                               pair_on="seed")
    with_units(diffs).to_csv(out_root / "differences.csv", index=False)
    _print_start(plan, runs, a.names)
    print()
    _say(f"THE GENERATION AT AGE 25: the ~{counts.mean():,.0f} children aged "
         f"{c0.cohort.min_age}-{c0.cohort.max_age} living in the wijk when the programme started, "
         f"measured when they are {c0.cohort.outcome_age}.")
    _say(f"mean = average over the {a.seeds} seeds (random histories) of a scenario. "
         f"difference = scenario minus {a.reference}, computed seed by seed: every scenario ran "
         f"with the same seeds, so the two runs of a pair share every random draw the scenarios "
         f"do not change (common random numbers), which makes the difference much more precise "
         f"than comparing two averages. 95 % CI = t-interval over the {a.seeds} paired seeds: "
         f"how sure the model is about its own average, not how sure we are about the real "
         f"world. pp = percentage points. 'better if' says which direction is good for the "
         f"generation; the verdict is better or worse only when the whole interval lies on one "
         f"side of zero.")
    for view in VIEWS:
        _print_view(runs, diffs, view, a.names, a.reference)
    print()
    _say("The gap between by origin and by place comes from who moves in and out (selective "
         "migration), not from the programme.")
    print(f"\noutput directory: {out_root}  (one run directory per scenario and seed, "
          f"runs.parquet, differences.csv)")
    if not a.no_report:
        return _report(out_root, a.lang, a.reference) or (1 if failed else 0)
    return 1 if failed else 0


def _report(out_root: Path, lang: str, reference: str = REFERENCE) -> int:
    """Write the HTML report (sim.report) and print its path; 1 if it could not be made."""
    from sim.report import build_report

    try:
        path = build_report(out_root, lang=lang, reference=reference)
    except Exception as exc:  # the runs are kept; say what went wrong
        print(f"wijksim: the report could not be made: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1
    print(f"report: {path}  (open it in a browser; PDF: python -m sim.report {out_root} --pdf)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
