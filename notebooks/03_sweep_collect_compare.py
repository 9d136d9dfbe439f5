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
# # A sweep, `collect` and `compare`: what common random numbers buy
#
# In notebook 01 you ran a few runs one by one from Python. A real study runs hundreds: every
# scenario with many seeds, perhaps on a cluster. wijksim does that with **Hydra's multirun**
# (`python -m sim.run -m ...`), the same command on a laptop or on Slurm (see `docs/sweeps.md`).
# This notebook runs a small sweep for real, turns its directory into tables with `sim.collect`,
# and compares the scenarios with `sim.compare`, paired by seed.
#
# The point to take away: because both scenarios run with the **same seeds**, run `s` of
# `long_term` and run `s` of `no_programme` share every random draw that the programme does not
# change: the same families, the same births, the same movers before the start. Their difference is
# mostly the programme. That is called *common random numbers* (CRN), and below you measure how many
# runs it saves.
#
# Runtime: 16 small runs (2,000 residents, 5 years of burn-in), and 4 more in the answers.

# %%
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from sim.collect import collect
from sim.compare import paired_differences

# Everything this notebook writes goes to a fresh temporary directory.
WORK = Path(tempfile.mkdtemp(prefix="wijksim_03_"))
SWEEP = WORK / "sweep"
SEEDS = 8
SWEEP_COMMAND = [sys.executable, "-m", "sim.run", "-m", "scenario=no_programme,long_term",
                 "seed=0", f"replicates={SEEDS}", "neighbourhood=small", "years.burn_in=5",
                 f"hydra.sweep.dir={SWEEP}"]


def sweep(command):
    """Run a sweep command in WORK; show the end of its report; stop on failure."""
    print("$ python", " ".join(command[1:]).replace(str(WORK), "$WORK"))
    res = subprocess.run(command, cwd=WORK, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    print(res.stderr.strip().replace(str(WORK), "$WORK"))  # the sweep's report goes to stderr


# %% [markdown]
# ## 1. The sweep
#
# `-m` turns `scenario=no_programme,long_term` into two jobs; each job runs `replicates=8` seeds
# (`seed=0` is the first), each seed into its own run directory. `hydra.sweep.dir` names the sweep
# directory (by default it is `multirun/run/<hash of the command>`). The local launcher runs the
# jobs in one worker process per core.

# %%
sweep(SWEEP_COMMAND)
print(sorted(p.name for p in SWEEP.iterdir()))

# %% [markdown]
# **Rerunning the same command resumes it.** Finished runs are recognised by their config
# fingerprint and skipped, so a sweep that crashed, was killed or had failing jobs is completed by
# typing the same command again. Here nothing is left to do:

# %%
sweep(SWEEP_COMMAND)

# %% [markdown]
# ## 2. `collect`: the sweep directory as two tables
#
# The sweep already collected itself at the end; `collect` can be run any time (also while a
# cluster sweep is still going). `runs.parquet` has one row per run: its status, seed, every
# override of its job as a column, and its `summary.json` flattened (e.g.
# `generation.by_origin.employed`). `series.parquet` has one row per run and year.

# %%
report = collect(SWEEP, quiet=True)
runs = pd.read_parquet(SWEEP / "runs.parquet")
series = pd.read_parquet(SWEEP / "series.parquet")
print(f"runs.parquet: {runs.shape[0]} rows x {runs.shape[1]} columns; status counts:",
      runs["status"].value_counts().to_dict())
print(f"series.parquet: {series.shape[0]} rows x {series.shape[1]} columns")
print(runs[["scenario", "seed", "status", "wall_seconds", "generation.by_origin.employed",
            "generation.by_origin.trust"]].round(3).to_string(index=False))

# %%
colors = {"no_programme": "tab:gray", "long_term": "tab:green"}
fig, ax = plt.subplots(figsize=(7, 3.5))
for scenario, df in series.groupby("scenario"):
    mean = df.groupby("year")["trust"].mean()
    ax.plot(mean.index, mean.values, color=colors[scenario], lw=2, label=scenario)
ax.axvspan(0, 20, color="0.93", zorder=0)
ax.set_xlabel("years since the programme start")
ax.set_title("Residents' trust, mean over 8 seeds (series.parquet)")
ax.legend()
plt.show()

# %% [markdown]
# ## 3. The runs move together, seed by seed
#
# Each line joins the two runs of one seed. If the seeds were independent, the lines would cross
# at random; with common random numbers, a seed that is high without the programme tends to be
# high with it, too. Pairing removes that shared part from the comparison.

# %%
OUTCOME = "generation.by_origin.employed"
wide = runs.pivot(index="seed", columns="scenario", values=OUTCOME)
fig, ax = plt.subplots(figsize=(4.5, 4))
for _, row in wide.iterrows():
    ax.plot([0, 1], [row["no_programme"], row["long_term"]], "o-", color="tab:blue", alpha=0.6)
ax.set_xticks([0, 1], ["no_programme", "long_term"])
ax.set_xlim(-0.3, 1.3)
ax.set_title("employed at 25 (by origin), one line per seed", fontsize=10)
plt.show()
print(f"correlation between the two scenarios over seeds: "
      f"{wide['no_programme'].corr(wide['long_term']):.2f}")

# %% [markdown]
# ## 4. `compare`: paired differences, and the standard errors side by side
#
# `paired_differences` subtracts `no_programme` from `long_term` seed by seed and reports the mean
# difference with its 95 % interval. Next to `se_paired` (the standard error of that mean over
# pairs) it reports `se_unpaired`, the standard error the same number of runs would give **if the
# two scenarios had been run with independent seeds**. Since
# $\mathrm{Var}(a - b) = \mathrm{Var}(a) + \mathrm{Var}(b) - 2\,\mathrm{Cov}(a, b)$, pairing wins
# exactly as much as the runs of a seed are correlated. The number of runs needed without CRN for
# the same precision grows with the square of the ratio.

# %%
OUTCOMES = [f"generation.{view}.{m}" for view in ("by_origin", "by_place")
            for m in ("start_qualification", "employed", "income_rank", "ever_suspect", "trust")]
diff = paired_differences(runs, OUTCOMES, by="scenario", reference="no_programme", pair_on="seed")
diff["ratio"] = diff["se_unpaired"] / diff["se_paired"]
diff["runs_without_crn"] = (SEEDS * diff["ratio"] ** 2).round().astype(int)
show = diff[["outcome", "difference", "ci_low", "ci_high", "se_paired", "se_unpaired", "ratio",
             "runs_without_crn"]]
print(f"long_term minus no_programme, {SEEDS} pairs; runs needed without common random numbers "
      f"for the precision of {SEEDS} paired runs, per scenario:")
print(show.round(4).to_string(index=False))

# %% [markdown]
# ## 5. Break the pairs on purpose
#
# The same 16 runs, but each `long_term` seed is now compared with a *different*
# `no_programme` seed (seed `s` with seed `s + 1`). The runs are identical; only the pairing is
# wrong, so the shared part no longer cancels and the "paired" standard error jumps towards the
# unpaired one. That is the whole of what common random numbers buy: nothing about the means
# changes, only how precisely you know their difference.

# %%
shifted = runs.copy()
lt = shifted["scenario"] == "long_term"
shifted.loc[lt, "seed"] = (shifted.loc[lt, "seed"] + 1) % SEEDS
wrong = paired_differences(shifted, [OUTCOME], by="scenario", reference="no_programme",
                           pair_on="seed")
right = diff[diff["outcome"] == OUTCOME].iloc[0]
print(f"{OUTCOME}: se_paired with the right pairs {right['se_paired']:.4f}, with shifted pairs "
      f"{wrong['se_paired'].iloc[0]:.4f}; se_unpaired {right['se_unpaired']:.4f}")

# %% [markdown]
# ## Try it yourself
#
# 1. Which outcomes gain most from pairing, and which least? Why might outcomes measured *by
#    place* gain less than those *by origin*?
# 2. Raise `replicates` to 10 and rerun the sweep command. How many runs does it actually run?
#    (Look at the report.) Collect again and check that the intervals shrink.
# 3. You want the difference in employment at 25 to within +/- 0.002 (a 95 % half-width). Using
#    `sd_difference` from the table, how many paired seeds do you need? How many without CRN?
#
# ## Worked answers
#
# Open the collapsed cells below after trying.

# %% jupyter={"source_hidden": true}
# Answer 1: sort the outcomes by how much pairing shrinks the standard error.
print(diff.sort_values("ratio", ascending=False)[["outcome", "ratio", "runs_without_crn"]]
      .round(2).to_string(index=False))

# %% [markdown]
# **1.** The ratio is large where the two runs of a seed share most of what decides the outcome
# (the order can change with the seeds; the pattern below is the usual one).
# *By origin* follows the same tagged children in both scenarios (they were the same children at
# the start, thanks to the shared burn-in), so much of their fate is common to both runs. *By
# place* measures whoever lives in the wijk at 25, and who moves in and out depends on the
# programme's own effects on the wijk, so the two runs share less and pairing mostly removes less.

# %% jupyter={"source_hidden": true}
# Answer 2: the same command with replicates=10 is a new job list only in `replicates`, which is not
# part of the sweep's identity: the directory is reused and only the 2 new seeds per scenario run.
sweep([*SWEEP_COMMAND[:6], "replicates=10", *SWEEP_COMMAND[7:]])
runs10 = pd.read_parquet(SWEEP / "runs.parquet")
d10 = paired_differences(runs10, [OUTCOME], by="scenario", reference="no_programme",
                         pair_on="seed").iloc[0]
print(f"{len(runs10)} runs now; {OUTCOME}: 95 % interval half-width "
      f"{(right['ci_high'] - right['ci_low']) / 2:.4f} with 8 pairs, "
      f"{(d10['ci_high'] - d10['ci_low']) / 2:.4f} with 10 pairs")

# %% [markdown]
# **2.** The report says 20 runs, 16 of them already finished: only the 4 new seeds ran. With 10 pairs the
# interval usually narrows (its expected width falls like $t_{n-1}/\sqrt{n}$), but with so few
# pairs the estimated standard deviation itself moves, so it can occasionally widen.

# %% jupyter={"source_hidden": true}
# Answer 3: n = (1.96 * sd / 0.002)^2 pairs (normal approximation, fine for n above ~30).
sd_paired = right["sd_difference"]
n_paired = int((1.96 * sd_paired / 0.002) ** 2) + 1
n_unpaired = int(n_paired * right["ratio"] ** 2) + 1
print(f"sd of the paired differences {sd_paired:.4f}: about {n_paired} paired seeds "
      f"({2 * n_paired} runs); without CRN about {n_unpaired} seeds per scenario "
      f"({2 * n_unpaired} runs)")

# %% [markdown]
# **3.** The half-width of a 95 % interval is about $1.96\,\mathrm{sd}/\sqrt{n}$, so
# $n = (1.96\,\mathrm{sd}/0.002)^2$. Without CRN the standard deviation is larger by `ratio`, so the
# number of runs is larger by `ratio` squared. For a precision like this one a cluster helps:
# `hydra/launcher=slurm` runs the same command there (`docs/sweeps.md`).
