"""The studies of experiments/ end to end at a tiny size (1,000 residents, no burn-in, a cohort of
12-14-year-olds measured at 25, 2 seeds): each runs real ``sim.run -m`` sweeps, and its tables and
figure are checked against the runs it produced. The everyday ones run a subset of each study's
grid (given on the command line, as a user would); the others run in ``slow``. Measured at 25, not
18: at 18 nobody in the generation works, the income rank is the same in every run, and every
paired difference is 0 = 0 (each test checks that its outcome varies, so its arithmetic checks
compare real numbers)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from experiments._study import Sweep, command, parse
from sim.standins.testing import app_env, run_app

TINY = ["--seeds", "2", "--size", "small", "--quiet", "years.burn_in=0",
        "neighbourhood.residents=1000", "cohort.min_age=12", "cohort.max_age=14",
        "cohort.outcome_age=25"]
OUT = "generation.by_origin.income_rank"


def study(name: str, out: Path, *extra: str, timeout: float = 900) -> None:
    run_app(f"experiments.{name}", *TINY, "--out", str(out), *extra, cwd=out.parent,
            timeout=timeout, check=True, env=app_env(PYTHONHASHSEED="0"))


def assert_png(path: Path) -> None:
    assert path.exists(), path
    with Image.open(path) as im:
        assert im.size[0] > 300 and im.size[1] > 150
        # not blank: a real chart has many colours
        assert len(im.convert("RGB").getcolors(1 << 20) or []) > 20


def paired(runs: pd.DataFrame, cell: dict, prog: str = "long_term") -> np.ndarray:
    sub = runs
    for k, v in cell.items():
        sub = sub[np.isclose(sub[k], v)]
    a = sub[sub["scenario"] == prog].set_index("seed")[OUT]
    b = sub[sub["scenario"] == "no_programme"].set_index("seed")[OUT]
    return (a - b).to_numpy()


# -- units: the shared command line ------------------------------------------------------------
def test_user_grid_values_replace_the_study_s_and_other_overrides_pass_through(tmp_path):
    args = parse("x", "d", ["--seeds", "3", "--size", "small", "--out", str(tmp_path),
                            "scenario=a,b", "years.burn_in=4", "seed=10"])
    cmd = command(Sweep("runs", {"scenario": ["p", "q", "r"], "k": [1, 2]}, ["e=1"]), args,
                  tmp_path / "runs")
    assert cmd[1:4] == ["-m", "sim.run", "-m"]
    assert "scenario=a,b" in cmd and "k=1,2" in cmd and "e=1" in cmd
    assert not any(c.startswith("scenario=p") for c in cmd)
    assert "neighbourhood=small" in cmd and "replicates=3" in cmd and "seed=10" in cmd
    assert "years.burn_in=4" in cmd and f"hydra.sweep.dir={tmp_path / 'runs'}" in cmd
    with pytest.raises(SystemExit):
        parse("x", "d", ["--sedes", "3"])


def test_an_outcome_equal_in_every_run_is_flagged_not_reported_as_a_finding():
    from experiments._study import constant_outcome

    emp = "generation.by_origin.employed"
    # two scenarios x two seeds: seeds differ, scenarios do not (the horizon preview at 18)
    flat = pd.DataFrame({"scenario": ["a", "a", "b", "b"], "seed": [0, 1, 0, 1],
                         OUT: [10.288103, 9.923457] * 2, emp: [0.0] * 4})
    w = constant_outcome(flat, OUT)
    assert w is not None and "the same in every run of a seed" in w
    assert "0 by construction" in w and "cohort.outcome_age=25" in w
    one = flat.assign(**{OUT: 10.288103})  # one value everywhere (the Sobol preview, 1 seed)
    assert "is 10.29 in all 4 runs" in constant_outcome(one, OUT)
    assert "outcome_age" not in constant_outcome(flat.assign(**{emp: [0, 0.1, 0, 0]}), OUT)
    assert constant_outcome(flat.assign(**{OUT: [10.3, 9.9, 10.3, 9.8]}), OUT) is None
    assert constant_outcome(flat[flat["scenario"] == "a"], OUT) is None  # one run per seed
    assert constant_outcome(flat, "generation.by_origin.trust") is None  # column absent


# -- studies, everyday at a subset of their grids -------------------------------------------------
def test_seven_conditions_ranks_arms_by_their_paired_difference_from_long_term(tmp_path):
    out = tmp_path / "sc"
    study("seven_conditions", out, "scenario=long_term,long_term_unstable_staff,no_programme")
    runs = pd.read_parquet(out / "runs" / "runs.parquet")
    assert set(runs["scenario"]) == {"long_term", "long_term_unstable_staff", "no_programme"}
    assert (runs["status"] == "finished").all() and len(runs) == 6
    assert runs[OUT].nunique() > 1
    rank = pd.read_csv(out / "ranking.csv")
    assert list(rank["rank"]) == [1, 2]
    assert list(rank["difference"]) == sorted(rank["difference"])
    for _, r in rank.iterrows():  # each difference is the seed-paired mean of the runs
        a = runs[runs["scenario"] == r["scenario"]].set_index("seed")[OUT]
        b = runs[runs["scenario"] == "long_term"].set_index("seed")[OUT]
        assert r["difference"] == pytest.approx((a - b).mean())
        assert r["ci_low"] <= r["difference"] <= r["ci_high"]
    diffs = pd.read_csv(out / "differences.csv")
    assert {"by_origin", "by_place"} <= set(diffs["view"])
    assert_png(out / "figures" / "seven_conditions.png")
    html = (out / "report.html").read_text()
    assert "long_term_unstable_staff" in html and "<table>" in html
    assert rank.iloc[0]["scenario"] in (out / "findings.md").read_text().splitlines()[4]


def test_politics_heatmap_cells_are_paired_gains_with_intervals(tmp_path):
    out = tmp_path / "po"
    study("politics", out, "politics.cabinet_change_rate=0,2", "governance.insulation=0.9")
    runs = pd.read_parquet(out / "runs" / "runs.parquet")
    assert len(runs) == 8 and (runs["status"] == "finished").all()
    assert runs[OUT].nunique() > 1
    g = pd.read_csv(out / "gains.csv")
    assert len(g) == 2 and set(g["politics.cabinet_change_rate"]) == {0, 2}
    for _, r in g.iterrows():
        d = paired(runs, {"politics.cabinet_change_rate": r["politics.cabinet_change_rate"],
                          "governance.insulation": 0.9})
        assert r["difference"] == pytest.approx(d.mean()) and r["n_pairs"] == 2
        assert r["ci_low"] <= r["difference"] <= r["ci_high"]
    assert_png(out / "figures" / "politics.png")
    assert "Political events x insulation" in (out / "report.html").read_text()


def test_horizon_reports_gain_per_horizon_and_what_remains_after_the_money_stops(tmp_path):
    out = tmp_path / "ho"
    study("horizon", out, "programme.horizon_years=1,4", "years.after_start=13")
    prog = pd.read_parquet(out / "long_term" / "runs.parquet")
    ref = pd.read_parquet(out / "no_programme" / "runs.parquet")
    assert sorted(set(prog["programme.horizon_years"])) == [1, 4] and len(ref) == 2
    assert pd.concat([prog, ref])[OUT].nunique() > 1
    assert "programme.horizon_years" not in ref.columns  # the reference keeps horizon 0
    gains = pd.read_csv(out / "gains.csv")
    for _, r in gains.iterrows():
        a = prog[prog["programme.horizon_years"] == r["programme.horizon_years"]]
        d = a.set_index("seed")[OUT] - ref.set_index("seed")[OUT]
        assert r["difference"] == pytest.approx(d.mean())
    rem = pd.read_csv(out / "remains.csv")
    liv = rem[rem["indicator"] == "liveability"].set_index(
        ["programme.horizon_years", "years_after_funding_stops"])
    assert liv.loc[(1, 5), "n_pairs"] == 2 and liv.loc[(1, 5), "year"] == 6
    assert liv.loc[(4, 10), "n_pairs"] == 0 and liv.loc[(4, 10), "note"] == "beyond the run"
    sp = pd.read_parquet(out / "long_term" / "series.parquet")
    sr = pd.read_parquet(out / "no_programme" / "series.parquet")
    a = sp[(sp["programme.horizon_years"] == 1) & (sp["year"] == 6)].set_index("seed")
    b = sr[sr["year"] == 6].set_index("seed")
    assert liv.loc[(1, 5), "difference"] == pytest.approx(
        (a["liveability"] - b["liveability"]).mean())
    assert_png(out / "figures" / "horizon.png")
    assert "**Warning:**" not in (out / "findings.md").read_text()


def test_dotted_knob_names_work_in_a_design(tmp_path):
    """``+hydra.sweeper.design.knobs.moving.riser_effect=[..]`` nests in Hydra; the sweeper
    flattens it back to the dotted knob, and every run gets its point's value."""
    proc = run_app("sim.run", "-m", "hydra.sweeper.design.method=lhs", "hydra.sweeper.design.n=2",
                   "+hydra.sweeper.design.knobs.moving.riser_effect=[0.5,1.5]",
                   "+hydra.sweeper.design.knobs.staffing.turnover_rate=[0.05,0.2]",
                   "neighbourhood.residents=1000", "years.burn_in=0", "years.after_start=2",
                   f"hydra.sweep.dir={tmp_path / 'd'}", cwd=tmp_path, check=True)
    assert proc.returncode == 0
    design = pd.read_parquet(tmp_path / "d" / "design.parquet")
    assert list(design.columns) == ["design_point", "moving.riser_effect",
                                    "staffing.turnover_rate"]
    runs = pd.read_parquet(tmp_path / "d" / "runs.parquet").sort_values("design_point")
    assert (runs["status"] == "finished").all()
    assert len(runs) == 2
    for _, r in runs.iterrows():
        run = Path(r["run_dir"])
        run = run if run.is_absolute() else tmp_path / "d" / run
        cfg = json.loads((run / "manifest.json").read_text())["config"]
        row = design.set_index("design_point").loc[r["design_point"]]
        assert r["moving.riser_effect"] == pytest.approx(row["moving.riser_effect"])
        assert cfg["moving"]["riser_effect"] == pytest.approx(row["moving.riser_effect"])
        assert cfg["staffing"]["turnover_rate"] == pytest.approx(row["staffing.turnover_rate"])


# -- slow: the other studies at a tiny size ----------------------------------------------------------
@pytest.mark.slow
def test_funding_x_turnover_grid(tmp_path):
    out = tmp_path / "fx"
    study("funding_x_turnover", out, "funding.volatility=0,0.6", "staffing.turnover_rate=0.1,0.5")
    runs = pd.read_parquet(out / "runs" / "runs.parquet")
    g = pd.read_csv(out / "gains.csv")
    assert len(g) == 4 and len(runs) == 16
    assert runs[OUT].nunique() > 1 and (g["difference"] != 0).any()
    for _, r in g.iterrows():
        d = paired(runs, {"funding.volatility": r["funding.volatility"],
                          "staffing.turnover_rate": r["staffing.turnover_rate"]})
        assert r["difference"] == pytest.approx(d.mean())
    assert_png(out / "figures" / "funding_x_turnover.png")


@pytest.mark.slow
def test_sensitivity_morris_then_sobol_on_the_top_knobs(tmp_path):
    out = tmp_path / "se"
    study("sensitivity", out, "--knobs", "moving.riser_effect,staffing.turnover_rate,"
          "governance.insulation", "--morris-n", "2", "--sobol-n", "2", "--top", "2")
    morris = pd.read_csv(out / "morris.csv")
    assert set(morris["knob"]) == {"moving.riser_effect", "staffing.turnover_rate",
                                   "governance.insulation"}
    assert list(morris["mu_star"]) == sorted(morris["mu_star"], reverse=True)
    assert (morris["mu_star"] > 0).any()
    sobol = pd.read_csv(out / "sobol.csv")
    assert set(sobol["knob"]) == set(morris["knob"].head(2))  # Sobol on Morris's top 2
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(sobol.columns)
    design = pd.read_parquet(out / "sobol" / "design.parquet")
    assert len(design) == 2 * (2 + 2)
    assert_png(out / "figures" / "sensitivity.png")
    assert_png(out / "figures" / "sensitivity_morris.png")


@pytest.mark.slow
def test_horizon_at_18_says_its_zero_gains_are_no_finding(tmp_path):
    """The first gallery preview measured the generation at 18 and every horizon's gain came out
    exactly 0.00: nobody in it works at 18, so each income rank is the benefit level plus the
    person's own seeded component, the same in every scenario. The study now says so."""
    out = tmp_path / "h18"
    study("horizon", out, "programme.horizon_years=1,2", "cohort.outcome_age=18",
          "years.after_start=6")
    prog = pd.read_parquet(out / "long_term" / "runs.parquet")
    ref = pd.read_parquet(out / "no_programme" / "runs.parquet")
    both = pd.concat([prog, ref])
    assert (both["generation.by_origin.employed"] == 0).all()
    assert (both.groupby("seed")[OUT].nunique() == 1).all()  # scenarios alike, seeds not
    assert (pd.read_csv(out / "gains.csv")["difference"] == 0).all()
    text = (out / "findings.md").read_text()
    assert "**Warning:**" in text and "0 by construction, not a finding" in text
    assert "cohort.outcome_age=25" in text
    html = (out / "report.html").read_text()
    assert 'id="key-message">Warning: ' in html  # the page's first sentence says it
    assert html.count("Warning: ") == 2  # ... and the section closes with it


@pytest.mark.slow
def test_discovery_prim_box_over_a_latin_hypercube(tmp_path):
    from experiments.discovery import LEVERS

    out = tmp_path / "di"
    study("discovery", out, "--points", "10")
    pts = pd.read_csv(out / "points.csv")
    assert len(pts) == 10 and (pts["gain"] != 0).any()
    thr = float(np.median(pts["gain"]))
    assert list(pts["above"]) == list(pts["gain"] > thr)
    box = pd.read_csv(out / "box.csv").set_index("lever")
    assert list(box.index) == list(LEVERS)
    assert ((box["box_low"] >= box["low"] - 1e-9) & (box["box_high"] <= box["high"] + 1e-9)).all()
    inside = np.ones(len(pts), bool)
    for k, r in box.iterrows():
        inside &= (pts[k] >= r["box_low"] - 1e-9) & (pts[k] <= r["box_high"] + 1e-9)
    # coverage and density in the findings are those of the box on these points
    cov = (inside & pts["above"]).sum() / max(pts["above"].sum(), 1)
    dens = (inside & pts["above"]).sum() / max(inside.sum(), 1)
    text = (out / "findings.md").read_text()
    assert f"{cov:.0%} of them (coverage)" in text and f"{dens:.0%} of the combinations" in text
    assert_png(out / "figures" / "discovery.png")

