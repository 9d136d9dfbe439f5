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
# # The seven conditions, one at a time
#
# A well-known list names seven conditions for a neighbourhood approach that works: a long
# horizon, insensitivity to politics, facilitated street-level professionals, stability in
# execution, attention to what goes well, an approach to subversive crime, and the use of knowledge
# (visitations). The `long_term` scenario has all seven. For each condition wijksim has an **arm**:
# `long_term` *without* that one condition, and otherwise identical (a leave-one-out design). The
# map from condition to arm to knobs lives in one place, `sim/conditions.py`.
#
# Comparing each arm with `long_term`, seed by seed, answers: *what does the generation lose when
# this one condition is missing?* You run the arms for real, then read them with the chart module
# (`sim.charts`).
#
# Runtime: 27 small runs (9 scenarios x 3 seeds, 2,000 residents, 5 years of burn-in) and 6 more
# in the answers.

# %%
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from IPython.display import Image, display

from sim.charts import differences_chart, differences_data, fan_chart
from sim.conditions import CONDITIONS


def show(fig):
    """Show a figure of sim.charts (a plain matplotlib Figure, not drawn by pyplot) as a PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    display(Image(buf.getvalue()))


print("condition -> arm (what the arm does instead)")
for c in CONDITIONS:
    print(f"{c.label}: {c.arm}\n    without it: {c.without}\n    knobs: {', '.join(c.knobs)}")

# %%
WORK = Path(tempfile.mkdtemp(prefix="wijksim_02_"))
SWEEP = WORK / "arms"
SCENARIOS = ["long_term", *[c.arm for c in CONDITIONS], "no_programme"]
command = [sys.executable, "-m", "sim.run", "-m", "scenario=" + ",".join(SCENARIOS), "seed=0",
           "replicates=3", "neighbourhood=small", "years.burn_in=5", f"hydra.sweep.dir={SWEEP}"]
print("$ python", " ".join(command[1:]).replace(str(WORK), "$WORK"))
res = subprocess.run(command, cwd=WORK, capture_output=True, text=True)
if res.returncode != 0:
    raise RuntimeError(res.stderr[-3000:])
print(res.stderr.strip().replace(str(WORK), "$WORK"))
runs = pd.read_parquet(SWEEP / "runs.parquet")
series = pd.read_parquet(SWEEP / "series.parquet")

# %% [markdown]
# ## 1. What each arm loses, paired by seed
#
# `differences_data` (from `sim.charts`, built on `sim.compare.paired_differences`) subtracts
# `long_term` from each arm seed by seed, by origin (the children who grew up here, wherever they
# live at 25) and by place (who lives here at 25). `verdict` reads the 95 % interval: *better* or
# *worse* for the generation when the whole interval is on one side of zero, else *unclear*.

# %%
OUTCOMES = ["start_qualification", "employed", "income_rank", "ever_suspect", "trust"]
arms = runs[runs["scenario"] != "no_programme"]
d = differences_data(arms, OUTCOMES, by="scenario", reference="long_term")
print("each arm minus long_term, paired by seed (3 seeds)")
print(d[["scenario", "view", "key", "difference", "ci_low", "ci_high", "verdict"]]
      .round(4).to_string(index=False))

# %% [markdown]
# The same numbers as a chart: one row per outcome in its own unit (percentage points for shares,
# rank points for income), by origin and by place side by side. Green: the generation is clearly
# better off than under `long_term`; red: clearly worse; grey: the interval includes zero.

# %%
show(differences_chart(arms, ["start_qualification", "employed", "trust"], by="scenario",
                       reference="long_term"))

# %% [markdown]
# ## 2. Over time: one condition, the whole programme, and nothing
#
# `fan_chart` draws a series of `series.parquet` per scenario: the median over seeds with bands,
# the programme period shaded, and beneath it a strip with political resets and budget cuts. Here
# residents' trust under `long_term`, without stable staff, and without any programme.

# %%
show(fan_chart(series, "trust", by="scenario",
               scenarios=["long_term", "long_term_unstable_staff", "no_programme"],
               reference="no_programme"))

# %% [markdown]
# ## 3. And the whole programme against nothing
#
# For scale: `long_term` minus `no_programme`. An arm's loss is only meaningful next to what the
# whole programme achieves.

# %%
whole = differences_data(runs[runs["scenario"].isin(["long_term", "no_programme"])], OUTCOMES,
                         by="scenario", reference="no_programme")
print(whole[["view", "key", "difference", "ci_low", "ci_high", "verdict"]].round(4)
      .to_string(index=False))

# %% [markdown]
# **Reading it.** Three seeds are few: many intervals will include zero, which says *this run
# cannot tell*, not *the condition does not matter*. Conditions also act on different clocks: the
# "clean, intact, safe" work and trust respond within quarters to years, school and work for a
# generation only over the long run, and what a programme changes ends with it unless a lasting
# reform is named (`docs/model.md`). The size of each effect comes from the sources and estimates
# in `docs/model.md`; treat the model's answers as *how these mechanisms combine*, not as a
# forecast for a real wijk.
#
# ## Try it yourself
#
# 1. Without which condition does the generation's trust (by origin) fall most? Is that
#    difference clear with three seeds?
# 2. Is the `project_carousel` (all seven conditions weak) better than no programme? And
#    `carousel_same_money`, the carousel with the same total money as `long_term`?
# 3. How many seeds would make the employment difference of `long_term_unstable_staff` clear, if
#    its mean difference stayed what it is now?
#
# ## Worked answers

# %% jupyter={"source_hidden": true}
# Answer 1: the arms sorted by their difference in trust (by origin) from long_term.
t = d[(d["key"] == "trust") & (d["view"] == "by_origin")].sort_values("difference")
print(t[["scenario", "difference", "ci_low", "ci_high", "verdict"]].round(4).to_string(index=False))
first = t.iloc[0]
print(f"largest loss of trust: {first['scenario']} ({first['difference']:+.4f}; "
      f"{'clear' if first['verdict'] != 'unclear' else 'not clear'} with 3 seeds)")

# %% [markdown]
# **1.** The first row is the arm whose absence costs most trust. Trust grows with familiar faces
# and delivered results and falls fast with failures, so the arms that touch the professionals
# (stability, support) and the programme's continuity (politics, horizon) are where to look; the
# verdict says whether three seeds are enough to be sure of the order.

# %% jupyter={"source_hidden": true}
# Answer 2: the two carousels against no programme, with the same three seeds.
CAROUSEL = WORK / "carousels"
command2 = [sys.executable, "-m", "sim.run", "-m", "scenario=project_carousel,carousel_same_money",
            "seed=0", "replicates=3", "neighbourhood=small", "years.burn_in=5",
            f"hydra.sweep.dir={CAROUSEL}"]
res2 = subprocess.run(command2, cwd=WORK, capture_output=True, text=True)
if res2.returncode != 0:
    raise RuntimeError(res2.stderr[-3000:])
both = pd.concat([runs[runs["scenario"] == "no_programme"],
                  pd.read_parquet(CAROUSEL / "runs.parquet")], ignore_index=True)
c = differences_data(both, ["start_qualification", "employed", "trust"], by="scenario",
                     reference="no_programme", views=["by_origin"])
print(c[["scenario", "key", "difference", "ci_low", "ci_high", "verdict"]].round(4)
      .to_string(index=False))

# %% [markdown]
# **2.** Read the verdicts against `no_programme`: a carousel that is *unclear* on every outcome is,
# for this generation, not distinguishable from doing nothing, even when it spends as much money
# as the long-term programme (`carousel_same_money`: five times the money per year for a fifth of
# the time). Money spent in four years on a programme that is reset, relabelled and staffed by
# rotating professionals builds little of the slow stocks (relationships, school quality,
# collective efficacy) that a generation's outcomes depend on.

# %% jupyter={"source_hidden": true}
# Answer 3: seeds needed so that the 95 % interval excludes zero.
from sim.compare import paired_differences  # noqa: E402

u = paired_differences(arms[arms["scenario"].isin(["long_term", "long_term_unstable_staff"])],
                       ["generation.by_origin.employed"], by="scenario",
                       reference="long_term").iloc[0]
from scipy import stats  # noqa: E402

# The smallest n whose t-interval half-width, t(n-1) * sd / sqrt(n), is below the mean difference.
need = next((n for n in range(2, 10_001) if stats.t.ppf(0.975, n - 1) * u["sd_difference"]
             / n**0.5 < abs(u["difference"])), None)
print(f"mean difference {u['difference']:+.4f}, sd of the paired differences "
      f"{u['sd_difference']:.4f}: about {need} seeds" if need else "more than 10,000 seeds")

# %% [markdown]
# **3.** The interval's half-width is $t_{n-1}\,\mathrm{sd}/\sqrt{n}$; it excludes zero once that
# is smaller than the mean difference (for large $n$, $n \approx (1.96\,\mathrm{sd}/|\bar d|)^2$;
# with few seeds the t-quantile, 4.3 at three seeds, matters). Both the mean and the sd here come
# from three seeds and are themselves rough: plan with more, and run them as a sweep (notebook 03).
