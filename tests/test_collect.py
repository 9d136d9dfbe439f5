"""sim.collect: every run becomes a row (finished or with the reason it is not), streaming."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim import rundir
from sim.collect import collect, flatten, main

OUTS = ("timeseries.parquet", "buurten.parquet", "cohort.parquet", "place.parquet")


def make_run(run: Path, seed: int, status: str = "finished", summary: dict | None = None,
             config: dict | None = None, years=(0.0, 0.25, 0.5, 0.75, 1.0), error: str = ""):
    """A synthetic run directory that follows the run-directory contract."""
    run.mkdir(parents=True, exist_ok=True)
    m = rundir.base_manifest(seed, config or {"x": {"rate": 0.5}, "seed": seed}, f"fp{seed}")
    m.update(status=status, wall_seconds=1.5)
    if error:
        m["error"] = error
    rundir.write_json(run / "manifest.json", m)
    if status == "finished":
        rundir.write_parquet(run / "timeseries.parquet",
                             pd.DataFrame({"year": list(years), "pop": range(len(years))}))
        for f in OUTS[1:]:
            rundir.write_parquet(run / f, pd.DataFrame({"a": [1]}))
        rundir.write_json(run / "summary.json", summary if summary is not None else
                          {"gen": {"by_origin": {"emp": 0.5 + seed / 100}}, "n": seed})


def make_job(job: Path, seeds: list[int], overrides: list[str]):
    rundir.write_json(job / "job.json", {"overrides": overrides, "seeds": seeds,
                                         "runs": [f"seed_{s}" for s in seeds]})


def test_flatten_joins_nested_keys():
    assert flatten({"a": {"b": {"c": 1}, "d": 2}, "e": [1, 2]}) == {"a.b.c": 1, "a.d": 2,
                                                                  "e": "[1, 2]"}


def test_every_run_is_a_row_with_status_and_reason(tmp_path, capsys):
    sd = tmp_path / "sweep"
    ok = sd / "x.rate=0.5"
    make_job(ok, [0, 1, 2, 3, 4, 5], ["x.rate=0.5", "seed=0", "replicates=6"])
    make_run(ok / "seed_0", 0)
    make_run(ok / "seed_1", 1, status="failed", error="ValueError: boom")
    make_run(ok / "seed_2", 2, status="running")
    make_run(ok / "seed_3", 3)
    (ok / "seed_3" / "cohort.parquet").unlink()  # finished manifest but an output missing
    make_run(ok / "seed_4", 4)
    (ok / "seed_4" / "summary.json").write_text("{not json")
    # seed_5: listed in job.json, never started
    rundir.write_json(sd / "sweep.json", {"jobs": [
        {"dir": "x.rate=0.5", "overrides": ["x.rate=0.5"], "point": None},
        {"dir": "x.rate=0.9", "overrides": ["x.rate=0.9"], "point": None}]})  # never started
    stray = sd / "extra" / "seed_9"  # not in any plan: still collected
    make_run(stray, 9)
    (sd / "extra" / "seed_9" / ".hydra").mkdir()
    (sd / "extra" / "seed_9" / ".hydra" / "overrides.yaml").write_text("- x.rate=0.7\n")

    rep = collect(sd, quiet=True)
    runs = pd.read_parquet(sd / "runs.parquet").set_index("run_dir")
    st = runs["status"].to_dict()
    assert st == {"x.rate=0.5/seed_0": "finished", "x.rate=0.5/seed_1": "failed",
                  "x.rate=0.5/seed_2": "running", "x.rate=0.5/seed_3": "incomplete",
                  "x.rate=0.5/seed_4": "incomplete", "x.rate=0.5/seed_5": "missing",
                  "x.rate=0.9": "missing", "extra/seed_9": "finished"}
    assert runs.loc["x.rate=0.5/seed_1", "reason"] == "ValueError: boom"
    assert "cohort.parquet missing" in runs.loc["x.rate=0.5/seed_3", "reason"]
    assert "unreadable" in runs.loc["x.rate=0.5/seed_4", "reason"]
    assert "running" in runs.loc["x.rate=0.5/seed_2", "reason"]
    assert runs.loc["x.rate=0.5/seed_0", "x.rate"] == 0.5  # typed value from the config
    assert runs.loc["extra/seed_9", "x.rate"] == 0.5  # its manifest config wins over text
    assert runs.loc["x.rate=0.9", "x.rate"] == 0.9  # never-started job: typed from overrides
    assert runs.loc["x.rate=0.5/seed_0", "gen.by_origin.emp"] == pytest.approx(0.5)
    assert runs.loc["x.rate=0.5/seed_5", "seed"] == 5
    assert rep.counts == {"finished": 2, "failed": 1, "running": 1, "incomplete": 2,
                          "missing": 2}
    assert len(rep.problems) == 6
    text = rep.text()
    assert "6 runs are not finished" in text and "ValueError: boom" in text
    series = pd.read_parquet(sd / "series.parquet")
    assert sorted(series["run_dir"].unique()) == ["extra/seed_9", "x.rate=0.5/seed_0"]
    assert sorted(series["year"].unique()) == [0.0, 1.0]  # whole years only
    assert {"seed", "x.rate"} <= set(series.columns)

    assert main([str(sd)]) == 1  # anything not finished: listed, and exit non-zero
    assert main([str(sd), "--allow-unfinished"]) == 0
    assert "ValueError: boom" in capsys.readouterr().out
    assert main([str(tmp_path / "nope")]) == 2


def test_streaming_batches_and_schema_unification(tmp_path):
    sd = tmp_path / "sweep"
    for s in range(23):
        summary = {"n": s, "v": float(s) if s % 2 else s,  # int in some runs, float in others
                   **({"only_some": "yes"} if s % 5 == 0 else {})}
        make_run(sd / f"job/seed_{s}", s, summary=summary)
    make_job(sd / "job", list(range(23)), ["k=1"])
    collect(sd, batch_rows=4, quiet=True)
    small = pd.read_parquet(sd / "runs.parquet")
    collect(sd, batch_rows=1000, quiet=True)
    big = pd.read_parquet(sd / "runs.parquet")
    pd.testing.assert_frame_equal(small, big)
    assert len(small) == 23 and small["v"].dtype == float
    assert small["only_some"].notna().sum() == 5
    assert not list(sd.glob(".*tmp"))  # part files cleaned up


def test_all_steps_keeps_every_step_and_nan_summary_is_null(tmp_path):
    sd = tmp_path / "s"
    make_run(sd / "j" / "seed_0", 0, summary={"a": float("nan"), "b": 1.0})
    make_job(sd / "j", [0], [])
    collect(sd, all_steps=True, quiet=True)
    assert len(pd.read_parquet(sd / "series.parquet")) == 5
    runs = pd.read_parquet(sd / "runs.parquet")
    assert runs["a"].isna().all() and runs["b"].iloc[0] == 1.0


def test_single_run_directory_layout_is_collected(tmp_path):
    run = tmp_path / "outputs" / "seed0"
    make_run(run, 0)
    (run / ".hydra").mkdir()
    (run / ".hydra" / "overrides.yaml").write_text("- x.rate=0.5\n")
    rep = collect(tmp_path / "outputs", quiet=True)
    assert rep.counts == {"finished": 1}
    assert json.loads((run / "manifest.json").read_text())["status"] == "finished"
