"""``make demo`` (``sim.demo``): the three presets, paired by seed, printed by origin and by place."""

from __future__ import annotations

import json
import re

import pandas as pd

SCENARIOS = ("no_programme", "project_carousel", "long_term")


def test_demo_compares_the_three_presets(tmp_path, capsys, monkeypatch):
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
    assert len(runs) == 9 and set(runs["scenario_name"]) == set(SCENARIOS)
    assert (runs["status"] == "finished").all()
    assert "generation.by_origin.employed" in runs.columns
    diffs = pd.read_csv(root / "differences.csv")
    assert set(diffs["scenario_name"]) == {"project_carousel", "long_term"}
    assert (diffs["n_pairs"] == 3).all()


def test_demo_rejects_bad_input_before_running(tmp_path, capsys, monkeypatch):
    from sim import demo

    monkeypatch.chdir(tmp_path)
    assert demo.main(["neighbourhood.residents=-5"]) == 2
    assert "residents" in capsys.readouterr().err
    assert not (tmp_path / "outputs").exists()
