"""End to end: ``python -m sim.run`` writes the run directory of docs/model.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).parent.parent
MIN_COLUMNS = {
    "timeseries.parquet": ["year", "population", "employment_rate", "mean_income_rank",
                           "startqual_25_34", "liveability", "crime_rate", "trust"],
    "buurten.parquet": ["year", "buurt", "population", "crime_rate", "disorder",
                        "collective_efficacy", "liveability", "mean_income_rank"],
    "cohort.parquet": ["person_id", "origin_buurt", "age_at_start", "parent_income_rank",
                       "moved_out", "years_in_wijk", "in_wijk_at_25", "died", "start_qualification",
                       "education_level", "employed_at_25", "income_rank_at_25", "ever_suspect",
                       "network_member_ever", "trust_at_25", "deprived_area_at_25"],
}


def test_cli_run_writes_the_run_directory(tmp_path):
    out = tmp_path / "run"
    res = subprocess.run(
        [sys.executable, "-m", "sim.run", "neighbourhood=small", "years.burn_in=3", "seed=4",
         f"hydra.run.dir={out}"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "by origin" in res.stdout and f"run directory: {out}" in res.stdout  # the headline
    assert (out / ".hydra" / "config.yaml").exists() and (out / ".hydra" / "overrides.yaml").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "finished" and manifest["seed"] == 4
    assert manifest["wall_seconds"] > 0 and "mesa" in manifest["packages"]
    for name, cols in MIN_COLUMNS.items():
        df = pd.read_parquet(out / name)
        missing = set(cols) - set(df.columns)
        assert not missing, (name, missing)
        assert len(df) > 0
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert ts["year"].min() == -3 and ts["year"].max() == 25  # burn-in, then to the youngest's 25
    summary = json.loads((out / "summary.json").read_text())
    for group in ("by_origin", "by_place", "movers", "stayers"):
        assert summary["generation"][group]["n"] > 0
    assert not list(out.glob(".*.tmp"))  # no temp files left behind


def test_finished_run_is_never_rewritten(small_run):
    from sim.rundir import RunExistsError
    from sim.simulate import simulate

    out, _ = small_run
    before = (out / "cohort.parquet").stat().st_mtime_ns
    try:
        simulate({"seed": 1}, out)
        raise AssertionError("a finished run was rewritten")
    except RunExistsError:
        pass
    assert (out / "cohort.parquet").stat().st_mtime_ns == before


def test_failed_run_is_marked_failed(tmp_path, monkeypatch):
    from sim import model as model_mod
    from sim.simulate import simulate

    def boom(self):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(model_mod.Neighbourhood, "run", boom)
    out = tmp_path / "broken"
    try:
        simulate({"seed": 1, "neighbourhood": {"residents": 1000, "buurten": 6}}, out)
    except RuntimeError:
        pass
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "disk on fire" in manifest["error"]
    assert not (out / "cohort.parquet").exists()


TINY = ["neighbourhood.residents=1000", "neighbourhood.buurten=6", "years.burn_in=0",
        "years.after_start=1"]


def test_cli_in_process_claims_a_fresh_directory_per_run(tmp_path, monkeypatch, capsys):
    from sim.preflight import claim_run_dir
    from sim.run import cli

    monkeypatch.chdir(tmp_path)
    assert cli([*TINY, "seed=7"]) == 0
    runs = sorted(m.parent for m in (tmp_path / "outputs").rglob("manifest.json"))
    assert len(runs) == 1
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["status"] == "finished" and set(manifest["files"]) == {
        "timeseries.parquet", "buurten.parquet", "cohort.parquet", "place.parquet",
        "summary.json"}
    # a second run wanting the same time-stamped name gets its own directory
    other = claim_run_dir(runs[0], unique=True)
    assert other.path == runs[0].with_name(runs[0].name + "-2")
    # a named directory that holds the finished run: said, not rewritten
    before = (runs[0] / "cohort.parquet").stat().st_mtime_ns
    assert cli([*TINY, "seed=7", f"hydra.run.dir={runs[0]}"]) == 0
    assert "nothing to do" in capsys.readouterr().err
    assert (runs[0] / "cohort.parquet").stat().st_mtime_ns == before


def test_failed_single_run_is_one_message_exit_1(tmp_path, monkeypatch, capsys):
    from sim import model as model_mod
    from sim.run import cli

    def boom(self):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(model_mod.Neighbourhood, "run", boom)
    monkeypatch.chdir(tmp_path)
    assert cli([*TINY, "hydra.run.dir=broken"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("wijksim: 1 of 1 runs") and "RuntimeError: disk on fire" in err
    assert "Traceback" not in err and "hydra.sweep.dir" not in err
    manifest = json.loads((tmp_path / "broken" / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "Traceback" in (tmp_path / "broken" / "run.log").read_text()  # details in the log
