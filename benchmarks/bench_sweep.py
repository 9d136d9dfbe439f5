"""Sweep benchmarks (issue 5): local vs serial speed-up, Hydra overhead per run, collect at scale.

    .venv/bin/python benchmarks/bench_sweep.py [--jobs 32] [--runs 10000] [--only speedup,...]

1. speedup  — the same sweep of 64 ~1 s CPU-bound jobs (Ishigami stand-in, busy_seconds=1) with the
   ``serial`` launcher and with ``local`` (joblib, 2 workers); target >= 1.8x on 2 cores.
2. overhead — Hydra's cost per job: wall time of a serial sweep minus the run time recorded in the
   manifests, per job; as a share of a ~1 s run and of a small model run, with 1 and 10 replicates
   per job (replicates amortise the per-job cost).
3. collect  — 10,000 synthetic run directories (copies of one real model run: same files and
   sizes, different seeds) collected by ``python -m sim.collect``; wall time and peak memory of
   the collecting process (targets: < 60 s, < 1 GiB).

Prints a table and writes benchmarks/results/sweep.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sim.standins.testing import app_env, run_app, sweep_dir_of  # noqa: E402

ISH = "sim.standins.ishigami"
SMALL_MODEL = ["neighbourhood.residents=1000", "years.burn_in=0", "years.after_start=2"]


def _timed(module: str, *args: str, cwd: Path) -> tuple[float, Path]:
    t = time.perf_counter()
    p = run_app(module, *args, cwd=cwd, check=True, timeout=3600)
    return time.perf_counter() - t, sweep_dir_of(p)


def _run_seconds(sweep: Path) -> list[float]:
    return [json.loads(m.read_text())["wall_seconds"] for m in sweep.rglob("manifest.json")]


def bench_speedup(work: Path, jobs: int) -> dict:
    args = ["-m", f"seed=range(0,{jobs})", "busy_seconds=1.0", "hydra.sweeper.collect=false"]
    serial, _ = _timed(ISH, *args, "hydra/launcher=serial", "hydra.sweep.dir=multirun/s",
                       cwd=work)
    local, _ = _timed(ISH, *args, "hydra.launcher.n_jobs=2", "hydra.sweep.dir=multirun/l",
                      cwd=work)
    return {"jobs": jobs, "job_seconds": 1.0, "serial_s": round(serial, 2),
            "local_2_workers_s": round(local, 2), "speedup": round(serial / local, 2)}


def bench_overhead(work: Path, jobs: int) -> dict:
    out = {}
    for label, module, base, rep in (
        ("ishigami_1s_x1", ISH, ["busy_seconds=1.0"], 1),
        ("ishigami_1s_x10", ISH, ["busy_seconds=1.0"], 10),
        ("model_small_x1", "sim.run", SMALL_MODEL, 1),
        ("model_small_x10", "sim.run", SMALL_MODEL, 10),
    ):
        n_jobs = max(2, jobs // rep) if rep == 1 else 2
        args = ["-m", f"seed=range(0,{n_jobs * rep},{rep})", f"replicates={rep}", *base,
                "hydra/launcher=serial", f"hydra.sweep.dir=multirun/o_{label}",
                "hydra.sweeper.collect=false"]
        # the fixed cost of starting Python + Hydra once, measured with an empty sweep
        wall, sweep = _timed(module, *args, cwd=work)
        runs = _run_seconds(sweep)
        t0 = time.perf_counter()
        run_app(module, *args, cwd=work, check=True)  # all finished: startup + planning only
        fixed = time.perf_counter() - t0
        per_job = (wall - fixed - sum(runs)) / n_jobs
        mean_run = sum(runs) / len(runs)
        out[label] = {"jobs": n_jobs, "replicates": rep, "mean_run_s": round(mean_run, 3),
                      "overhead_per_job_s": round(per_job, 3),
                      "overhead_share": round(per_job / (per_job + rep * mean_run), 3),
                      "startup_s": round(fixed, 2)}
    return out


def make_synthetic_sweep(root: Path, template: Path, n_runs: int, per_job: int = 100) -> None:
    """``n_runs`` run dirs in jobs of ``per_job`` seeds, copies of ``template`` with new seeds."""
    files = {f.name: f.read_bytes() for f in template.iterdir() if f.is_file()}
    manifest = json.loads(files.pop("manifest.json"))
    summary = json.loads(files.pop("summary.json"))
    jobs = []
    for j in range(n_runs // per_job):
        jd = root / f"funding.annual_budget_per_resident={j}"
        seeds = list(range(j * per_job, (j + 1) * per_job))
        jd.mkdir(parents=True)
        (jd / "job.json").write_text(json.dumps({
            "overrides": [f"funding.annual_budget_per_resident={j}", f"seed={seeds[0]}",
                          f"replicates={per_job}"],
            "seeds": seeds, "runs": [f"seed_{s}" for s in seeds]}))
        jobs.append({"dir": jd.name, "overrides": [f"funding.annual_budget_per_resident={j}"],
                     "point": None})
        for s in seeds:
            rd = jd / f"seed_{s}"
            rd.mkdir()
            for name, data in files.items():
                (rd / name).write_bytes(data)
            m = dict(manifest, seed=s, config=dict(manifest["config"], seed=s,
                                                   funding={"annual_budget_per_resident": float(j)}))
            (rd / "manifest.json").write_text(json.dumps(m))
            summary["seed"] = s
            (rd / "summary.json").write_text(json.dumps(summary))
    (root / "sweep.json").write_text(json.dumps({"jobs": jobs, "design": None}))


def bench_collect(work: Path, n_runs: int) -> dict:
    _, sweep = _timed("sim.run", "-m", *SMALL_MODEL, "hydra/launcher=serial",
                      "hydra.sweep.dir=multirun/template", "hydra.sweeper.collect=false",
                      cwd=work)
    template = next(sweep.rglob("manifest.json")).parent
    root = work / "synthetic"
    t = time.perf_counter()
    make_synthetic_sweep(root, template, n_runs)
    gen = time.perf_counter() - t
    size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    code = ("import resource, sys; from sim.collect import main; rc = main([sys.argv[1]]); "
            "print('PEAK_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); "
            "sys.exit(rc)")
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code, str(root)], env=app_env(),
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    peak_kib = int(p.stdout.split("PEAK_KIB")[1].split()[0])
    import pyarrow.parquet as pq

    runs = pq.read_metadata(root / "runs.parquet")
    series = pq.read_metadata(root / "series.parquet")
    return {"runs": n_runs, "bytes_on_disk": size, "generate_s": round(gen, 1),
            "collect_s": round(wall, 1), "peak_rss_mib": round(peak_kib / 1024, 1),
            "runs_rows": runs.num_rows, "runs_columns": runs.num_columns,
            "series_rows": series.num_rows, "note": "peak RSS of the collect process"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=64)
    ap.add_argument("--runs", type=int, default=10000)
    ap.add_argument("--only", default="speedup,overhead,collect")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wijksim-bench-sweep-"))
    results: dict = {"cores": os.cpu_count(), "load_before": os.getloadavg()}
    try:
        if "speedup" in a.only:
            results["speedup"] = bench_speedup(work, a.jobs)
            print("speedup", results["speedup"], flush=True)
        if "overhead" in a.only:
            results["overhead"] = bench_overhead(work, a.jobs // 2)
            print("overhead", json.dumps(results["overhead"], indent=1), flush=True)
        if "collect" in a.only:
            results["collect"] = bench_collect(work, a.runs)
            print("collect", results["collect"], flush=True)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["load_after"] = os.getloadavg()
    print("load average before/after", results["load_before"], results["load_after"])
    out = REPO / "benchmarks" / "results" / "sweep.json"
    out.parent.mkdir(exist_ok=True)
    old = json.loads(out.read_text()) if out.exists() else {}
    old.update(results)  # a partial run (--only) updates its own sections
    out.write_text(json.dumps(old, indent=2) + "\n")


if __name__ == "__main__":
    main()
