"""Study: scenario discovery — which combinations of the programme's levers keep the generation's
gain above a threshold?

A Latin-hypercube sweep (SALib, through the wijksim sweeper) of ``long_term`` over its levers
(:data:`LEVERS`: horizon, budget, funding volatility and cuts, staff turnover and support,
governance insulation, initiative support, visitation interval), plus ``no_programme`` on the
same seeds. A point's gain is the mean over seeds of its paired difference from
``no_programme`` in the generation's income rank by origin at the outcome age. PRIM (Friedman &
Fisher 1999; the maintained implementation of ema-workbench 3.0, ``analysis.prim``) then finds
the box of lever values in which the points with a gain above ``--threshold`` (default: the
median gain of the sweep) are concentrated (of PRIM's peeling trajectory, the box with the
largest coverage among those with a density of at least 0.8): *coverage* = the share of all such
points that lie in the box; *density* = the share of the points in the box that are such points.

    python -m experiments.discovery [--seeds 2] [--points 200] [--threshold T]
        [--size small|default] [overrides...]

Writes ``OUT/points.csv``, ``OUT/box.csv``, ``OUT/figures/discovery.png``, ``OUT/report.html``,
``OUT/findings.md``.
"""

from __future__ import annotations

import argparse
import logging
import warnings

import numpy as np
import pandas as pd

from experiments._study import (
    Args,
    Sweep,
    main_guard,
    parse,
    run_sweep,
    save,
    warn_constant,
    write_findings,
    write_report,
)
from experiments.sensitivity import design_overrides

NAME = "discovery"
OUTCOME = "generation.by_origin.income_rank"
LEVERS: dict[str, list[float]] = {
    "programme.horizon_years": [4.0, 30.0],
    "funding.annual_budget_per_resident": [50.0, 300.0],
    "funding.volatility": [0.0, 0.6],
    "funding.cut_rate": [0.0, 0.3],
    "staffing.turnover_rate": [0.05, 0.4],
    "staffing.support": [0.0, 1.0],
    "governance.insulation": [0.0, 1.0],
    "programme.initiative_support": [0.0, 1.0],
    "programme.visitation_interval_years": [0.0, 8.0],
}


def point_gains(runs: pd.DataFrame, ref: pd.DataFrame, levers: list[str]) -> pd.DataFrame:
    """One row per design point: its lever values and mean paired gain over seeds."""
    r = ref.set_index("seed")[OUTCOME]
    d = runs.assign(gain=runs[OUTCOME].to_numpy() - r.reindex(runs["seed"]).to_numpy())
    return d.groupby("design_point").agg({**{k: "first" for k in levers}, "gain": "mean"})


def find_box(points: pd.DataFrame, levers: list[str], threshold: float,
             mass_min: float = 0.05, density_threshold: float = 0.8):
    """PRIM (ema-workbench) on ``gain > threshold``: the box and its lever limits."""
    logging.getLogger("EMA").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis.prim import Prim
    x = points[levers].astype(float).reset_index(drop=True)
    y = (points["gain"].to_numpy() > threshold)
    prim = Prim(x, y, mass_min=mass_min)
    box = prim.find_box()
    if box is None:
        raise SystemExit("experiments: PRIM found no box (too few points above the threshold); "
                         "run more --points or lower --threshold")
    # PRIM peels a trajectory of ever smaller boxes; take the one with the largest coverage among
    # those with a density of at least density_threshold (else the densest), the usual choice.
    traj = box.peeling_trajectory
    ok = traj[traj["density"] >= density_threshold]
    i = int(ok["coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    box.select(i)
    lim = box.box_lim  # DataFrame: row 0 = lower, row 1 = upper limit per lever
    return box, y, lim


def _options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--points", type=int, default=200, help="Latin-hypercube points (default 200)")
    ap.add_argument("--threshold", type=float, default=None,
                    help="gain (income rank points) to stay above; default the sweep's median")


def main(argv: list[str] | None = None) -> int:
    from sim.charts import prim_box_chart
    from sim.report.page import Section, figure, para

    args: Args = parse(NAME, __doc__.splitlines()[0], argv, add=_options, default_seeds=2)
    o = args.options
    levers = list(LEVERS)
    lhs = Sweep("lhs", {"scenario": ["long_term"]}, design_overrides("lhs", o["points"], LEVERS))
    runs = run_sweep(lhs, args)
    ref = run_sweep(Sweep("no_programme", {"scenario": ["no_programme"]}), args)
    pts = point_gains(runs, ref, levers)
    thr = float(np.median(pts["gain"])) if o["threshold"] is None else o["threshold"]
    box, y, lim = find_box(pts, levers, thr)
    pts.assign(above=y).to_csv(args.out / "points.csv")
    lo_pt, hi_pt = pts[levers].min(), pts[levers].max()
    box_lo = [float(lim[k].iloc[0]) for k in levers]
    box_hi = [float(lim[k].iloc[1]) for k in levers]
    # PRIM starts from the points' own min/max: a limit still there is no restriction, shown as
    # the whole swept range
    box_lo = [LEVERS[k][0] if b <= lo_pt[k] + 1e-12 else b for k, b in zip(levers, box_lo, strict=True)]
    box_hi = [LEVERS[k][1] if b >= hi_pt[k] - 1e-12 else b for k, b in zip(levers, box_hi, strict=True)]
    limits = pd.DataFrame({"lever": levers, "low": [LEVERS[k][0] for k in levers],
                           "high": [LEVERS[k][1] for k in levers],
                           "box_low": box_lo, "box_high": box_hi})
    limits.to_csv(args.out / "box.csv", index=False)
    row = box.peeling_trajectory.iloc[box._cur_box]
    cov, dens, mass = float(row["coverage"]), float(row["density"]), float(row["mass"])
    restricted = limits[(limits["box_low"] > limits["low"] + 1e-9)
                        | (limits["box_high"] < limits["high"] - 1e-9)]
    words = "; ".join(f"{r['lever']} between {r['box_low']:.3g} and {r['box_high']:.3g}"
                      for _, r in restricted.iterrows()) or "no lever restricted"
    plain = (f"Of the {len(pts)} lever combinations tried, {int(y.sum())} kept the generation's "
             f"gain above {thr:.2f} income rank points. The box ({words}) holds "
             f"{cov:.0%} of them (coverage), and {dens:.0%} of the combinations inside the box "
             f"are such successes (density); the box covers {mass:.0%} of all combinations tried.")
    title = f"Levers that keep the gain above {thr:.2f} rank points (coverage {cov:.0%}, density {dens:.0%})"
    fig = prim_box_chart(limits, title=title)
    png = save(fig, args, NAME)
    lines = [f"# Discovery ({len(pts)} points x {args.seeds} seeds, size {args.size})",
             "", plain, "", "Mean gain over all points: "
             f"{pts['gain'].mean():.3f} rank points (sd {pts['gain'].std():.3f})."]
    warn = warn_constant(pd.concat([runs, ref]), OUTCOME, lines)
    write_findings(args, lines)
    write_report(args, "Scenario discovery: what keeps the gain", plain, [Section(
        NAME, "PRIM box", para(plain) + figure(prim_box_chart(limits, title=title), NAME,
                                               [title], "PRIM box"))], warn)
    print(f"experiments: {NAME}: {args.out}/report.html, {png}")
    return 0


if __name__ == "__main__":
    main_guard(main)
