# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: jupyter,tags,-all
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Sensitivity analysis: Morris, then Sobol
#
# A scenario comparison asks *what difference does this package of settings make?* A sensitivity
# analysis asks *which of the knobs matter, over the ranges we are unsure about?* Two standard
# methods, both in `sim.sensitivity` (on SALib) and run through the same Hydra sweeps as any other
# study (`docs/sweeps.md`, "Designs that are not grids"):
#
# * **Morris** (elementary effects): cheap screening. Each knob is moved one step at a time along
#   a few random trajectories; `mu_star` is the mean *absolute* change of the output per step, `mu`
#   the mean signed change, `sigma` their spread. Use it to sort knobs into "matters" and "does not".
# * **Sobol** (variance decomposition): expensive, quantitative. `S1` is the share of the output's
#   variance that a knob explains on its own; `ST` the share it is involved in, alone or in
#   interaction with others. $\sum S1 \le 1$; `ST - S1` is the knob's interactions.
#
# First Morris on the model itself (a small design, for real), then Sobol on a function whose
# answer is known exactly, to see what the indices mean and do not mean, then how to run Sobol on
# the model.
#
# Runtime: 16 small model runs plus a few thousand evaluations of a formula.

# %%
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from sim.sensitivity import analyze, make_design, problem_of
from sim.standins.ishigami import analytic_indices

WORK = Path(tempfile.mkdtemp(prefix="wijksim_04_"))
KNOBS = {"staffing.turnover_rate": [0.02, 0.4],  # quits per year
         "funding.volatility": [0.0, 0.5],  # sd of the log of next year's budget
         "governance.insulation": [0.0, 1.0]}  # 0 municipality-led, 1 network organisation
MORRIS = [sys.executable, "-m", "sim.run", "-m", "scenario=long_term", "neighbourhood=small",
          "years.burn_in=5", "seed=0", "replicates=1", f"hydra.sweep.dir={WORK / 'morris'}",
          "hydra.sweeper.design.method=morris", "hydra.sweeper.design.n=4",
          # Knob names with dots go in one dictionary: `+...knobs.staffing.turnover_rate=[a,b]`
          # would make Hydra nest `turnover_rate` under a knob called `staffing`.
          "+hydra.sweeper.design.knobs={" + ",".join(f"{k}:[{lo},{hi}]" for k, (lo, hi)
                                                     in KNOBS.items()) + "}"]
print("$ python", " ".join(MORRIS[1:]).replace(str(WORK), "$WORK"))
res = subprocess.run(MORRIS, cwd=WORK, capture_output=True, text=True)
print(res.stdout[-400:].replace(str(WORK), "$WORK"))
if res.returncode != 0:
    raise RuntimeError(res.stderr[-3000:])

# %% [markdown]
# ## 1. Morris on the model
#
# `n=4` trajectories of `D + 1 = 4` points: 16 runs of the `long_term` scenario, each with the
# knobs at one point of the design (`design.parquet`). All points use seed 0: the design points
# share their random numbers, so an elementary effect compares two runs that differ only in one
# knob's value (common random numbers again, as in notebook 03).

# %%
design = pd.read_parquet(WORK / "morris" / "design.parquet")
print(design.round(3).head(8).to_string(index=False))
OUTPUTS = ["generation.by_origin.employed", "generation.by_origin.trust", "wijk_final.trust"]
morris = analyze(WORK / "morris", OUTPUTS)
print(morris[["output", "knob", "mu", "mu_star", "mu_star_conf", "sigma"]].round(4)
      .to_string(index=False))

# %% [markdown]
# **What `mu_star` means.** The average size of the output's change when the knob moves one step
# (a quarter of its range here), whatever the other knobs are. Sort by it: knobs near zero can be
# fixed in later studies. `mu` keeps the sign: `mu` close to `mu_star` in size means the knob always
# pushes the same way; `mu` near zero with a large `mu_star` means the direction depends on where
# the other knobs are. A `sigma` as large as `mu_star` or larger flags interactions or
# non-linearity.
#
# **What it does not mean.** `mu_star` is not a share of variance and not a causal effect size in
# the real world; it is the model's response over the ranges *we chose*: halve a range and its
# `mu_star` roughly halves. With 4 trajectories and one seed per point, it is also noisy: read the
# confidence interval `mu_star_conf` before you rank two knobs, and remember that a single seed's
# noise is part of every elementary effect (replicates average it away).

# %% [markdown]
# ## 2. Sobol on a function with a known answer
#
# The Ishigami function $f(x) = \sin x_1 + 7 \sin^2 x_2 + 0.1\, x_3^4 \sin x_1$, with
# $x_i \sim U(-\pi, \pi)$, is the textbook test of sensitivity methods: its indices are known in
# closed form (Sobol' & Levitan 1999; Saltelli et al. 2008, *Global Sensitivity Analysis. The
# Primer*, §4.9). wijksim keeps it as a stand-in model (`sim/standins/ishigami.py`) so that the
# whole sweep machinery can be checked against it. Here it is evaluated directly, on the same
# design that a sweep would use (`make_design`), and analysed with SALib.

# %%
from SALib.analyze import morris as morris_analyze  # noqa: E402
from SALib.analyze import sobol as sobol_analyze  # noqa: E402


def ishigami(x):
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


ISHIGAMI_KNOBS = {f"x{i}": [-np.pi, np.pi] for i in (1, 2, 3)}
knobs, x = make_design("sobol", ISHIGAMI_KNOBS, 1024, seed=0)
s = sobol_analyze.analyze(problem_of(knobs), ishigami(x), calc_second_order=False, seed=0)
exact = analytic_indices()
sobol_table = pd.DataFrame({"knob": ["x1", "x2", "x3"], "S1": s["S1"], "S1_exact": exact["S1"],
                            "ST": s["ST"], "ST_exact": exact["ST"], "ST_conf": s["ST_conf"]})
print(f"Ishigami, Sobol with n=1024 base points ({len(x)} evaluations)")
print(sobol_table.round(3).to_string(index=False))

# %%
knobs_m, xm = make_design("morris", ISHIGAMI_KNOBS, 50, seed=0)
m = morris_analyze.analyze(problem_of(knobs_m), xm, ishigami(xm), seed=0)
print(f"Ishigami, Morris with 50 trajectories ({len(xm)} evaluations)")
print(pd.DataFrame({"knob": ["x1", "x2", "x3"], "mu": m["mu"], "mu_star": m["mu_star"],
                    "sigma": m["sigma"]}).round(3).to_string(index=False))

# %% [markdown]
# **Reading the two tables together.**
#
# * `x3` has `S1 = 0`: on its own it explains none of the variance. Yet its `ST` is 0.24 and its
#   Morris `mu_star` is far from zero: it acts only *through* `x1` (the $x_3^4 \sin x_1$ term). A
#   screening that looked only at first-order effects would fix `x3` wrongly; `ST` and `mu_star`
#   both catch it, and its large `sigma` says "interaction".
# * `x2` has `S1 = ST`: it acts alone (no interactions).
# * `mu_star` ranks the knobs much as `ST` does, which is why Morris is used to screen before an
#   expensive Sobol analysis; but its values are in the output's units per step, not shares.
# * The estimates carry sampling error (`ST_conf`): with fewer base points they scatter around the
#   exact values. On the model, seed noise adds to that, so a Sobol analysis of a stochastic model
#   averages replicates per point (`replicates=...`; `sim.sensitivity` uses the mean over seeds).
#
# **What Sobol indices do not mean.** They decompose the variance *of the model's output* over the
# ranges and distributions you put in: a knob with a narrow range gets a small index even if it
# matters a lot in reality, and a knob the model does not include gets none. They say nothing about
# the direction of an effect (look at `mu` or at scatter plots for that).

# %% [markdown]
# ## 3. Sobol on the model
#
# The same sweep command with `method=sobol` (`n` a power of 2; `n * (D + 2)` points). For three
# knobs and `n=256`, that is 1,280 points; with 5 replicates each, 6,400 small runs: a job for a
# cluster (`hydra/launcher=slurm`) or a long night on a workstation, not for this notebook:
#
# ```bash
# python -m sim.run -m scenario=long_term neighbourhood=small seed=0 replicates=5 \
#     hydra.sweeper.design.method=sobol hydra.sweeper.design.n=256 \
#     '+hydra.sweeper.design.knobs={staffing.turnover_rate:[0.02,0.4],'\
# 'funding.volatility:[0.0,0.5],governance.insulation:[0.0,1.0]}'
# python -m sim.sensitivity multirun/run/<id> --output generation.by_origin.employed
# ```
#
# ## Try it yourself
#
# 1. In the Morris table of the model, which knob would you drop first from a Sobol study, and how
#    sure are you (look at `mu_star_conf`)?
# 2. Rerun the Ishigami Sobol analysis with `n=64` instead of 1024. How far are the estimates from
#    the exact values, and do the confidence intervals cover them?
# 3. Narrow `x3`'s range to $[-\pi/2, \pi/2]$. What happens to its `ST`, and why does that not
#    mean that $x_3$ became less important "in reality"?
#
# ## Worked answers

# %% jupyter={"source_hidden": true}
# Answer 1: the knob with the smallest mu_star, per output, with its interval.
for out, g in morris.groupby("output"):
    low = g.sort_values("mu_star").iloc[0]
    high = g.sort_values("mu_star").iloc[-1]
    overlap = low["mu_star"] + low["mu_star_conf"] >= high["mu_star"] - high["mu_star_conf"]
    print(f"{out}: smallest mu_star {low['knob']} ({low['mu_star']:.4f} +/- "
          f"{low['mu_star_conf']:.4f}); largest {high['knob']} ({high['mu_star']:.4f} +/- "
          f"{high['mu_star_conf']:.4f}); intervals {'overlap' if overlap else 'are apart'}")

# %% [markdown]
# **1.** The candidate to drop is the knob with the smallest `mu_star` for the outputs you care
# about. With only four trajectories and one seed per point the intervals are wide: when they
# overlap with the largest knob's, the ranking is not yet established, and the honest next step is
# more trajectories (`design.n`) or replicates, not dropping the knob.

# %% jupyter={"source_hidden": true}
# Answer 2: the same analysis with 64 base points.
k64, x64 = make_design("sobol", ISHIGAMI_KNOBS, 64, seed=0)
s64 = sobol_analyze.analyze(problem_of(k64), ishigami(x64), calc_second_order=False, seed=0)
t64 = pd.DataFrame({"knob": ["x1", "x2", "x3"], "ST": s64["ST"], "ST_conf": s64["ST_conf"],
                    "ST_exact": exact["ST"]})
t64["covered"] = (t64["ST"] - t64["ST_conf"] <= t64["ST_exact"]) & \
                 (t64["ST_exact"] <= t64["ST"] + t64["ST_conf"])
print(f"n=64 ({len(x64)} evaluations)")
print(t64.round(3).to_string(index=False))

# %% [markdown]
# **2.** With 64 base points (320 evaluations) the estimates are off by several hundredths to a
# tenth and the intervals are wide; a 95 % interval should cover the exact value in most, not all,
# cases. This is the cost Sobol needs even for a function without noise.

# %% jupyter={"source_hidden": true}
# Answer 3: x3 on a narrower range.
narrow = {"x1": [-np.pi, np.pi], "x2": [-np.pi, np.pi], "x3": [-np.pi / 2, np.pi / 2]}
kn, xn = make_design("sobol", narrow, 1024, seed=0)
sn = sobol_analyze.analyze(problem_of(kn), ishigami(xn), calc_second_order=False, seed=0)
print("x3 on [-pi/2, pi/2]: ST =", np.round(sn["ST"], 3), "(was", np.round(s["ST"], 3), ")")

# %% [markdown]
# **3.** `x3` enters as $x_3^4$: on half the range its largest contribution is $2^4 = 16$ times
# smaller, so its `ST` nearly vanishes. Nothing about the function changed, only our statement of
# how uncertain `x3` is. Sensitivity indices answer "which of *our uncertainties* drive the
# output's variance", so the ranges (and for the model: which knobs you include at all) must come
# from what is actually uncertain, with their sources, as in `docs/model.md`.
