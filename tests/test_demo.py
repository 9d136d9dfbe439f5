"""``make demo`` (``sim.demo``): the presets, paired by seed, printed by origin and by place."""

from __future__ import annotations

import json
import re

import pandas as pd

SCENARIOS = ("no_programme", "project_carousel", "carousel_same_money", "long_term")


def test_demo_compares_the_presets(tmp_path, capsys, monkeypatch):
    from sim import demo

    monkeypatch.chdir(tmp_path)
    code = demo.main(["neighbourhood=small", "years.burn_in=2", "--seeds", "3"])
    text = capsys.readouterr().out
    assert code == 0, text
    for name in SCENARIOS:
        assert name in text
    assert "BY ORIGIN" in text and "BY PLACE" in text
    assert "by origin" in text and "by place" in text
    assert "difference from no_programme [95 % CI]" in text and "verdict" in text
    assert "common random numbers" in text and "start qualification" in text
    # one table row per outcome and scenario, in each of the two views
    for name in SCENARIOS:
        rows = [ln for ln in text.splitlines() if re.search(rf"  {name}  .*(\[|\(reference\))", ln)]
        assert len(rows) == 2 * len(demo.OUTCOMES), (name, rows)

    (root,) = list((tmp_path / "outputs" / "demo").iterdir())
    assert f"output directory: {root.relative_to(tmp_path)}" in text
    for name in SCENARIOS:
        for k in range(3):
            run = root / name / f"seed_{k}"
            manifest = json.loads((run / "manifest.json").read_text())
            assert manifest["status"] == "finished" and manifest["seed"] == k
            assert json.loads((run / "summary.json").read_text())["scenario"] == name
    runs = pd.read_parquet(root / "runs.parquet")
    assert len(runs) == 12 and set(runs["scenario_name"]) == set(SCENARIOS)
    assert (runs["status"] == "finished").all()
    assert "generation.by_origin.employed" in runs.columns
    diffs = pd.read_csv(root / "differences.csv")
    assert set(diffs["scenario_name"]) == {"project_carousel", "carousel_same_money", "long_term"}
    assert (diffs["n_pairs"] == 3).all()

    # Like with like: the start is measured before any programme step, so it is the same figure
    # in every scenario; the knobs each scenario changes are named; the money is shown.
    start = [ln for ln in text.splitlines() if "wijk liveability" in ln]
    assert len(start) == 4 and len({ln.split("wijk liveability")[1][:7] for ln in start}) == 1
    assert "NOTE: the scenarios already differ" not in text
    knobs = text.split("Knobs each scenario changes relative to no_programme")[1]
    assert "carousel_same_money" in knobs and "funding.annual_budget_per_resident 0 -> 750" in knobs
    assert "funding.annual_budget_per_resident 0 -> 150" in knobs
    money = {ln.split()[0]: float(ln.split("money allocated")[1].split()[0]) for ln in start}
    assert money["no_programme"] == 0 and money["long_term"] > money["project_carousel"] > 0
    assert money["carousel_same_money"] > 3 * money["project_carousel"]


def test_demo_arms_compares_the_designed_set_with_long_term(tmp_path, capsys, monkeypatch):
    from sim import conditions, demo

    monkeypatch.chdir(tmp_path)
    code = demo.main(["--arms", "--seeds", "2", "--no-report", "neighbourhood.residents=1000",
                      "years.burn_in=2", "years.after_start=14", "cohort.max_age=11"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "difference from long_term [95 % CI]" in text
    block = text.split("Knobs each scenario changes relative to long_term")[1].split("done in")[0]
    entries = dict(re.findall(r"^  (\S+) +(.*(?:\n {33}.*)*)", block, flags=re.M))
    assert set(entries) == set(conditions.SCENARIO_SET) - {"long_term"}
    for c in conditions.CONDITIONS:
        named = set(re.findall(r"([a-z_]+\.[a-z_]+) \S+ ->", entries[c.arm]))
        assert named == set(c.knobs), (c.arm, named)
    (root,) = list((tmp_path / "outputs" / "demo").iterdir())
    diffs = pd.read_csv(root / "differences.csv")
    assert set(diffs["scenario_name"]) == set(conditions.SCENARIO_SET) - {"long_term"}


def test_demo_rejects_bad_input_before_running(tmp_path, capsys, monkeypatch):
    from sim import demo

    monkeypatch.chdir(tmp_path)
    assert demo.main(["neighbourhood.residents=-5"]) == 2
    assert "residents" in capsys.readouterr().err
    assert not (tmp_path / "outputs").exists()
