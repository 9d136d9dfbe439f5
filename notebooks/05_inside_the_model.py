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
# # Inside the model: one child's life in the columns, and a mechanism of your own
#
# The earlier notebooks used wijksim from the outside: configs in, run directories out. Here you
# open the model. You will
#
# 1. build the Mesa model (`sim.model.Neighbourhood`) yourself and step it quarter by quarter;
# 2. follow one child of the tracked generation through the **columns** where every resident's state
#    lives (and through the Mesa agent that is a handle on that row);
# 3. add a small mechanism of your own, vectorised over the columns, and write its tests.
#
# How the model is built (`docs/model.md` has the full description): residents are Mesa agents, but
# their numbers live in numpy columns owned by `model.pop` (one row per person), and every rule is
# written once for all rows at the same time, with masks. That is what keeps a wijk of 15,000 people
# fast: no Python loop over residents.
#
# Runtime: under half a minute.

# %%
import logging

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.compose import load_config
from sim.config import validate
from sim.model import Neighbourhood

logging.getLogger("mesa").setLevel(logging.WARNING)

# The tutorial wijk: 2,000 residents, 5 years of burn-in, the long-term programme.
cfg = validate(load_config(["scenario=long_term", "neighbourhood=small", "years.burn_in=5",
                            "seed=3"]))
model = Neighbourhood(cfg)
model.run_for(model.start_step)  # the burn-in: 20 quarters; year 0 is the programme start
p = model.pop.p  # the person columns
print(f"year {model.year:.2f}; {p.n} rows, columns: {', '.join(list(p.spec)[:12])}, ...")
print(f"tagged generation: {np.count_nonzero(p.tracked)} children aged "
      f"{cfg.cohort.min_age}-{cfg.cohort.max_age}")

# %% [markdown]
# ## 1. One child's life in the columns
#
# Pick a tagged child aged about 8 at the start. Rows move when people leave (the columns are
# compacted now and then), so we keep the person's id (`pid`) and look up the row every time:
# `model.pop.row_of[pid]`. The Mesa agent for the person, `model.resident(pid)`, does the same
# lookup for you: its attributes read the row.

# %%
candidates = np.flatnonzero(p.tracked & (p.age >= 8) & (p.age < 9))
pid = int(p.pid[candidates[0]])
child = model.resident(pid)
print(f"person {pid}: age {child.age:.2f}, buurt {child.buurt}, parents' income rank "
      f"{child.parent_rank:.0f}, skill {child.skill:+.2f}, trust {child.trust:.2f}, "
      f"Mesa agent {type(child).__name__} (unique_id {child.unique_id})")

COLUMNS = ["age", "buurt", "in_school", "attain", "exposure", "edu", "employed", "income_rank",
           "trust", "suspect_ever", "network", "moved_out"]
life = []
while True:
    row = int(model.pop.row_of[pid])
    if row < 0 or model.pop.p.leave[row]:
        break  # left the model (after 25 outside the wijk, or died)
    pp = model.pop.p
    life.append({"year": model.year, **{c: getattr(pp, c)[row].item() for c in COLUMNS}})
    if pp.age[row] >= 25.25 or model.steps >= model.total_steps:
        break
    model.step()
life = pd.DataFrame(life)
print(f"followed for {len(life)} quarters, to age {life['age'].iloc[-1]:.1f}")
print("one child's life, once a year:")
print(life.iloc[::4].round(2).to_string(index=False))

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
axes[0].plot(life["age"], life["exposure"])
axes[0].set_title("neighbourhood exposure (age-weighted)", fontsize=10)
axes[1].plot(life["age"], life["attain"])
axes[1].set_title("school attainment", fontsize=10)
axes[2].plot(life["age"], life["trust"])
axes[2].set_title("trust in professionals", fontsize=10)
for ax in axes:
    ax.set_xlabel("age")
plt.show()

# %% [markdown]
# What you see: **exposure** adds up the liveability of where the child lives relative to the
# national mean, weighted by age (full weight in childhood, fading to zero by ~23; Chetty & Hendren
# 2018), so it stops changing in the early twenties. **Attainment** grows with the quality of the
# school while the child is a pupil, and together with skill, family background and exposure it
# decides the education level at the decision age (`edu`: -1 undecided, 0 none, 1 start
# qualification, 2 higher). **Trust** follows contacts with professionals, better with familiar
# faces. When the child turns 25 the tracker writes one row into `cohort.parquet`; here is that
# row, the same one a run directory would contain:

# %%
cohort = model.cohort.cohort_frame()
print(cohort[cohort["person_id"] == pid].T.to_string(header=False))

# %% [markdown]
# ## 2. A mechanism of your own: a homework club
#
# Suppose the programme runs a homework club: while the programme is active, children aged 8-11
# who live in the wijk gain `boost` extra units of school attainment per year. (An illustration:
# the size is our estimate *(est.)*, not from a source; a real mechanism in `sim/mechanisms/` needs
# a source or an *(est.)* mark and a section in `docs/model.md`.)
#
# The rule is written once for everyone, with a mask, and it only touches the rows it should.

# %%
def homework_club(model, boost):
    """Children aged 8-11 in the wijk gain ``boost`` attainment per year while the programme runs."""
    if model.programme is None or not model.programme.active or boost == 0:
        return
    pp = model.pop.p
    eligible = (pp.buurt >= 0) & (pp.age >= 8) & (pp.age < 12) & ~pp.leave
    np.add(pp.attain, boost * model.dt, out=pp.attain, where=eligible)


class WithHomeworkClub(Neighbourhood):
    """The model with the homework club after every step (no change to the package)."""

    def __init__(self, cfg, boost=0.1):
        super().__init__(cfg)
        self.homework_boost = boost

    def step(self):
        super().step()
        homework_club(self, self.homework_boost)


# %% [markdown]
# ### Its tests
#
# Good tests assert behaviour that could fail. Two here: the rule adds exactly `boost * dt` to the
# eligible rows and nothing anywhere else; and with `boost = 0` the model is *identical* to the
# model without the club under the same seed (a degenerate setting changes nothing, and the new
# rule draws no random numbers that would shift the others). In the project they would live in
# `tests/test_homework_club.py` and run with `make test`; here a few lines call them.

# %%
def test_homework_club_touches_only_eligible_children():
    m = Neighbourhood(cfg)
    m.run_for(m.start_step + 1)  # the programme is active
    pp = m.pop.p
    before = pp.attain.copy()
    homework_club(m, 0.2)
    eligible = (pp.buurt >= 0) & (pp.age >= 8) & (pp.age < 12) & ~pp.leave
    assert eligible.any()
    np.testing.assert_allclose(pp.attain[eligible] - before[eligible], 0.2 * m.dt)
    assert np.array_equal(pp.attain[~eligible], before[~eligible])


def test_zero_boost_is_the_model_without_the_club():
    a, b = Neighbourhood(cfg), WithHomeworkClub(cfg, boost=0.0)
    for m in (a, b):
        m.run_for(m.start_step + 8)
    assert np.array_equal(a.pop.p.pid, b.pop.p.pid)
    for col in ("attain", "trust", "income_rank", "buurt"):
        assert np.array_equal(getattr(a.pop.p, col), getattr(b.pop.p, col)), col


for test in (test_homework_club_touches_only_eligible_children,
             test_zero_boost_is_the_model_without_the_club):
    test()
    print(f"{test.__name__}: passed")

# %% [markdown]
# ## 3. The interactive view, inside this notebook
#
# `python -m sim.app` serves an interactive view of a small wijk in the browser (see the README,
# "For students"). The same view runs inside a notebook: the last line of a cell is `Page()`. Press
# *Step* to move one quarter, choose what colours the buurten, watch the posts fall vacant and
# filled again, then open the menu (top left) to change the sliders and press *Reset*. It is built
# from the same `Neighbourhood` you used above (the class `sim.app_model.WijkView` adds the
# sliders); each `Page()` has a model of its own.

# %%
from sim.app import Page  # noqa: E402

Page()

# %% [markdown]
# ## Try it yourself
#
# 1. Follow a child who **moves out** of the wijk. What do the columns `buurt`, `moved_out` and
#    `place_pct` show after the move, and why is the child still in the model?
# 2. Make the club depend on trust: children gain `boost * trust` per year (families who trust the
#    professionals use it more). Change the first test so that it checks the new rule.
# 3. Does the club (boost 0.1) change the generation's start qualification? Compare
#    `WithHomeworkClub` with the plain model over three seeds, paired by seed.
#
# ## Worked answers

# %% jupyter={"source_hidden": true}
# Answer 1: a tagged child who has moved out, in a fresh model stepped 6 years into the programme.
m1 = Neighbourhood(cfg)
m1.run_for(m1.start_step + 24)
q = m1.pop.p
movers = np.flatnonzero(q.tracked & q.moved_out & ~q.leave)
r = movers[0]
print(f"{movers.size} tagged children live outside the wijk now; person {q.pid[r]}: buurt "
      f"{q.buurt[r]}, moved_out {q.moved_out[r]}, place_pct {q.place_pct[r]:.2f}, "
      f"household {q.hh[r]}")

# %% [markdown]
# **1.** After the move `buurt` is -1 (elsewhere), `moved_out` is True and `place_pct` holds where
# the place the family went to stands among all Dutch neighbourhoods (a national percentile: one
# national scale for the wijk's buurten and every place elsewhere, see `docs/model.md`). The child
# stays in the model because the generation is followed *wherever it moves*: that is what makes the
# *by origin* outcomes possible. Untracked residents who move out simply leave the model.

# %% jupyter={"source_hidden": true}
# Answer 2: the club scaled by trust, and its test.
def homework_club_trust(model, boost):
    """Children aged 8-11 in the wijk gain ``boost * trust`` per year while the programme runs."""
    if model.programme is None or not model.programme.active or boost == 0:
        return
    pp = model.pop.p
    eligible = (pp.buurt >= 0) & (pp.age >= 8) & (pp.age < 12) & ~pp.leave
    np.add(pp.attain, boost * pp.trust * model.dt, out=pp.attain, where=eligible)


def test_trust_club_scales_with_trust():
    m = Neighbourhood(cfg)
    m.run_for(m.start_step + 1)
    pp = m.pop.p
    before = pp.attain.copy()
    homework_club_trust(m, 0.2)
    eligible = (pp.buurt >= 0) & (pp.age >= 8) & (pp.age < 12) & ~pp.leave
    np.testing.assert_allclose(pp.attain[eligible] - before[eligible],
                               0.2 * pp.trust[eligible] * m.dt)
    assert np.array_equal(pp.attain[~eligible], before[~eligible])


test_trust_club_scales_with_trust()
print("test_trust_club_scales_with_trust: passed")

# %% [markdown]
# **2.** Only the amount added changes (`boost * pp.trust * model.dt`, still one vectorised
# expression); the test now compares with the trust of each eligible child. Note that the
# degenerate test (`boost = 0` is the plain model) still holds without any change.

# %% jupyter={"source_hidden": true}
# Answer 3: three paired seeds, to the end of the run, start qualification of the generation by origin.
from sim.outcomes import build_outputs  # noqa: E402


def start_qualification(model_class, seed, **kw):
    c = validate(load_config(["scenario=long_term", "neighbourhood=small", "years.burn_in=5",
                              f"seed={seed}"]))
    m = model_class(c, **kw)
    m.run()
    _, summary = build_outputs(m)
    return summary["generation"]["by_origin"]["start_qualification"]


pairs = pd.DataFrame([{"seed": s, "plain": start_qualification(Neighbourhood, s),
                       "club": start_qualification(WithHomeworkClub, s, boost=0.1)}
                      for s in range(3)])
pairs["difference"] = pairs["club"] - pairs["plain"]
print(pairs.round(4).to_string(index=False))
print(f"mean paired difference {pairs['difference'].mean():+.4f}")

# %% [markdown]
# **3.** Read the paired differences: if they are all of one sign the club moves the start
# qualification in that direction for this wijk; their size is set by `boost`, which we invented,
# so the number says how the model responds, not what a real homework club does. To make a claim,
# the size needs a source, the comparison needs many more seeds (notebook 03), and a sensitivity
# analysis over the plausible range of `boost` (notebook 04).
