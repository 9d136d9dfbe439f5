# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: jupyter,tags,-all
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Your first wijksim runs: does a long-term programme help a generation?
#
# In this notebook you run a small Dutch neighbourhood (*wijk*) through time, twice: once with **no
# programme** (only the regular schools, police, youth work and social teams) and once with the
# **long-term programme** (20 years, stable money, insulated from politics, stable and supported
# street-level professionals, regular expert visitations). Then you compare what happens to the
# **children who grow up there**.
#
# You will meet three ideas that every wijksim study uses:
#
# 1. **The generation, followed wherever they move.** At the programme start, every child aged 0-12
#    living in the wijk is tagged. The model follows each of them until age 25 — also when their family
#    moves to another part of the city. Their school qualification, job, income, contact with the
#    police and trust are measured at 25.
# 2. **By origin vs by place.** *By origin* = everyone who grew up in the wijk, wherever they live at 25
#    (what the programme did for the children it reached). *By place* = everyone aged 25 who lives in
#    the wijk at that moment, wherever they grew up (what a neighbourhood monitor sees). The two differ
#    because families who do well tend to move out and poorer newcomers move in.
# 3. **Common random numbers.** A model run depends on its random *seed*. We run both scenarios with
#    the same seeds, so each pair of runs shares the same draws wherever the scenarios do not differ.
#    The difference within a pair is then mostly the programme, not luck.
#
# Runtime: well under a minute (a small wijk of 2,000 residents and a short burn-in of 5 years; a
# real study uses the default wijk of 15,000 residents and 30 years of burn-in, so that the wijk has
# settled before the programme starts).

# %%
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from sim.collect import flatten
from sim.compare import paired_differences
from sim.compose import load_config
from sim.simulate import simulate

warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm without ipywidgets

SCENARIOS = ["no_programme", "long_term"]
SEEDS = [0, 1, 2, 3]
# A small wijk and a short burn-in (years simulated before the programme starts) keep this fast.
# The same overrides work on the command line: python -m sim.run neighbourhood=small years.burn_in=5
OVERRIDES = ["neighbourhood=small", "years.burn_in=5"]

# Every run writes its own run directory (files: timeseries.parquet, cohort.parquet, summary.json, ...).
# They go to a fresh temporary directory, so the notebook leaves nothing behind in your copy of the
# project; look inside it, or set OUT to a folder of your own to keep the runs.
OUT = Path(tempfile.mkdtemp(prefix="wijksim_01_"))
print("run directories go to", OUT)

# %% [markdown]
# ## 1. Run the two scenarios with the same seeds
#
# `load_config` builds the same configuration that `python -m sim.run scenario=long_term seed=3` would
# use; `simulate(cfg, out_dir)` runs the model and writes the run directory. It returns the run's
# summary: the generation's outcomes by origin and by place.

# %%
rows, series = [], []
t0 = time.perf_counter()
for scenario in SCENARIOS:
    for seed in SEEDS:
        cfg = load_config([f"scenario={scenario}", f"seed={seed}", *OVERRIDES])
        run_dir = OUT / scenario / f"seed_{seed}"
        summary = simulate(cfg, run_dir)
        rows.append({"scenario_name": scenario, "seed": seed, **flatten(summary)})
        ts = pd.read_parquet(run_dir / "timeseries.parquet")
        series.append(ts.assign(scenario_name=scenario, seed=seed))
runs = pd.DataFrame(rows)        # one row per run
series = pd.concat(series)       # one row per run and quarter
print(f"{len(runs)} runs in {time.perf_counter() - t0:.0f} s; "
      f"{cfg.neighbourhood.residents} residents, generation of "
      f"~{runs['cohort_counts.tagged'].mean():.0f} children per run")

# %% [markdown]
# ## 2. The wijk over time
#
# `year` counts from the programme start: negative years are the burn-in. The **liveability** index
# (0-1) combines disorder, crime and collective efficacy in the buurten; **trust** is residents' mean
# trust in professionals and institutions (0-1). Thin lines are single seeds, thick lines their mean.
# The long-term programme runs from year 0 to year 20 (grey band).

# %%
colors = {"no_programme": "tab:gray", "long_term": "tab:green"}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharex=True)
for ax, col, title in zip(axes, ["liveability", "trust"],
                          ["Liveability of the wijk (0-1)", "Residents' trust (0-1)"], strict=True):
    ax.axvspan(0, 20, color="0.92", zorder=0)
    for scenario, df in series.groupby("scenario_name"):
        for _, one in df.groupby("seed"):
            ax.plot(one["year"], one[col], color=colors[scenario], lw=0.5, alpha=0.4)
        mean = df.groupby("year")[col].mean()
        ax.plot(mean.index, mean.values, color=colors[scenario], lw=2.2, label=scenario)
    ax.set_title(title)
    ax.set_xlabel("years since the programme start")
axes[0].legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. The generation at 25: by origin vs by place
#
# The table shows the mean over the seeds. Which direction is better: higher for start qualification,
# employment, income rank and trust; lower for *ever a registered suspect* (age 12-24). Look at the
# gap between **by origin** and **by place** *within* one scenario: that gap is selective migration,
# not the programme. In the chart, bars are means over seeds and the black lines one standard deviation
# between seeds.

# %%
OUTCOMES = {"start_qualification": "start qualification", "employed": "employed at 25",
            "income_rank": "income rank (percentile)", "ever_suspect": "ever a suspect 12-24",
            "trust": "trust (0-1)"}
table = pd.DataFrame({
    (view.replace("_", " "), scenario): {
        label: runs.loc[runs["scenario_name"] == scenario, f"generation.{view}.{m}"].mean()
        for m, label in OUTCOMES.items()}
    for view in ["by_origin", "by_place"] for scenario in SCENARIOS})
print("Generation at age 25, mean over seeds")
print(table.round(3).to_string())

# %%
fig, axes = plt.subplots(1, len(OUTCOMES), figsize=(13, 3.8), layout="constrained")
for ax, (m, label) in zip(axes, OUTCOMES.items(), strict=True):
    for i, view in enumerate(["by_origin", "by_place"]):
        for j, scenario in enumerate(SCENARIOS):
            v = runs.loc[runs["scenario_name"] == scenario, f"generation.{view}.{m}"]
            ax.bar(i * 3 + j, v.mean(), yerr=v.std(), color=colors[scenario],
                   label=scenario if (i, m) == (0, "start_qualification") else None)
    ax.set_xticks([0.5, 3.5], ["by origin", "by place"])
    ax.set_title(label, fontsize=10)
fig.legend(loc="outside lower center", ncol=2)
plt.show()

# %% [markdown]
# ## 4. How big is the programme's effect, and how sure are we?
#
# `paired_differences` subtracts the no-programme run from the long-term run **seed by seed** (common
# random numbers) and gives the mean difference with a 95 % confidence interval over the pairs. Compare
# `se_paired` with `se_unpaired`: pairing usually makes the estimate much more precise, so you need
# fewer runs. The interval says how sure the *model* is about its own average over seeds, not how sure
# we are about the real world.

# %%
cols = [f"generation.{view}.{m}" for view in ["by_origin", "by_place"] for m in OUTCOMES]
diff = paired_differences(runs, cols, by="scenario_name", reference="no_programme", pair_on="seed")
show = diff[["outcome", "reference_mean", "scenario_mean", "difference", "ci_low", "ci_high",
             "se_paired", "se_unpaired"]]
print("long_term minus no_programme, paired by seed")
print(show.round(3).to_string(index=False))

# %% [markdown]
# ## Try it yourself
#
# 1. Add `"project_carousel"` to `SCENARIOS` (a short, politically exposed programme with job
#    rotation) and give it a colour. Is it better than nothing?
# 2. Change the staff turnover of the long-term programme: add `"staffing.turnover_rate=0.2"` to
#    `OVERRIDES`. What happens to trust?
# 3. Use more seeds: how do the confidence intervals shrink?
#
# For the full comparison of the three presets in plain language, run `make demo` in a terminal;
# for hundreds of runs on a cluster, see `docs/sweeps.md`. The next notebooks take you further:
# `02` the seven conditions one at a time, `03` sweeps, `04` sensitivity analysis, `05` inside the
# model.
#
# ## Worked answers
#
# The cells below answer the exercises. Their code is collapsed in JupyterLab (click the bar on the
# left of a cell to open it); try the exercise yourself first.

# %% jupyter={"source_hidden": true}
# Answers 1 and 2: the carousel, and the long-term programme with turnover 0.2, with the same seeds.
def run_arm(name, overrides):
    """Run one arm for SEEDS into OUT/answers/<name>; one row per run, as in `runs`."""
    out = []
    for seed in SEEDS:
        cfg = load_config([*overrides, f"seed={seed}", *OVERRIDES])
        out.append({"scenario_name": name, "seed": seed,
                    **flatten(simulate(cfg, OUT / "answers" / name / f"seed_{seed}"))})
    return pd.DataFrame(out)


more = pd.concat([runs, run_arm("project_carousel", ["scenario=project_carousel"]),
                  run_arm("long_term_turnover_0.2", ["scenario=long_term",
                                                     "staffing.turnover_rate=0.2"])])
answer = paired_differences(more, ["generation.by_origin.employed", "generation.by_origin.trust"],
                            by="scenario_name", reference="no_programme", pair_on="seed")
print("Each arm minus no_programme, paired by seed")
print(answer[["scenario_name", "outcome", "difference", "ci_low", "ci_high"]].round(3)
      .to_string(index=False))
for _, r in answer.iterrows():
    verdict = ("better than no programme" if r.ci_low > 0 else
               "worse than no programme" if r.ci_high < 0 else
               "not distinguishable from no programme with these seeds")
    print(f"- {r.scenario_name}, {r.outcome.split('.')[-1]}: {verdict}")

# %% [markdown]
# **1.** Read the rows of `project_carousel`: when its interval contains 0, four seeds cannot tell
# the carousel from doing nothing, which is itself the answer for a small wijk: a short, interrupted
# programme leaves little that lasts for a generation. Compare its difference with `long_term`'s.
#
# **2.** `long_term_turnover_0.2` is the long-term programme with almost three times its staff
# turnover (0.2 instead of 0.07 per year). Each departure resets a post's local knowledge and
# relationships and leaves the post vacant for months, so trust, which grows with familiar faces,
# is the first place to look. Compare its trust difference with `long_term`'s trust difference
# above: the gap between the two is what stable staff buy (with four seeds, check whether the
# intervals overlap before you call it a difference).

# %% jupyter={"source_hidden": true}
# Answer 3: the half-width of a 95 % interval is t(n-1) * sd / sqrt(n); with the sd of the paired
# differences measured above, project it for more seeds.
from scipy import stats  # noqa: E402

row = diff[diff["outcome"] == "generation.by_origin.employed"].iloc[0]
sd = row["sd_difference"]
for n in (4, 16, 64, 256):
    print(f"{n:4d} seeds: 95 % interval = difference +/- {stats.t.ppf(0.975, n - 1) * sd / n**0.5:.4f}")

# %% [markdown]
# **3.** The interval shrinks like $1/\sqrt{n}$ (a little faster at first, because the t-quantile
# falls from 3.2 at 4 seeds towards 1.96): four times as many seeds halve it. Common random numbers
# make `sd` itself small, which is why paired comparisons need far fewer runs (notebook 03 measures
# how many).
