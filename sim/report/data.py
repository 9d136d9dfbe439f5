"""What a report reads: a demo or sweep directory -> runs, series, scenarios and their reference."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.collect import BASE_COLUMNS

RUNS, SERIES = "runs.parquet", "series.parquet"
LABEL_COLUMN = "scenario_label"
REFERENCE_NAMES = ("no_programme", "baseline")


class ReportError(ValueError):
    """A directory a report cannot be made of; the message says what is missing and what to do."""


@dataclass
class ReportData:
    """Everything the page is computed from (tables as wijksim writes them)."""

    directory: Path
    runs: pd.DataFrame  # runs.parquet, every row (finished or not)
    series: pd.DataFrame | None  # series.parquet (run x year), None when no run has one
    by: str  # the column that names a scenario
    reference: Any
    scenarios: list[Any]  # reference first
    knobs: list[str] = field(default_factory=list)  # override columns that vary across runs
    design: dict | None = None  # sweep.json "design" (Sobol, Morris, LHS), if any

    @property
    def finished(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "finished"]

    def run_path(self, run_dir: str) -> Path:
        """A run directory of ``runs.parquet`` as a path (collect writes it relative to the
        sweep directory; the demo relative to where it ran)."""
        return resolve_run_dir(self.directory, run_dir)

    def manifest(self, run_dir: str) -> dict:
        try:
            return json.loads((self.run_path(run_dir) / "manifest.json").read_text())
        except (OSError, ValueError):
            return {}


def resolve_run_dir(directory: Path, run_dir: str) -> Path:
    """``run_dir`` as written in a runs table -> an existing path (best effort)."""
    p = Path(str(run_dir))
    for cand in (p if p.is_absolute() else directory / p,):
        if cand.exists():
            return cand
    if directory.name in p.parts:  # "outputs/demo/<stamp>/x/seed_0" written from another cwd
        i = len(p.parts) - 1 - p.parts[::-1].index(directory.name)
        cand = directory.joinpath(*p.parts[i + 1:])
        if cand.exists():
            return cand
    return p


def _summary_columns(directory: Path, runs: pd.DataFrame) -> set[str]:
    """Columns that came from summary.json: every column under one of its nested top-level keys
    (``generation.*``, ``programme.*``; keys a run may lack included) and its plain scalars
    except ``scenario``, which is also the name of a swept config group."""
    fin = runs[runs["status"] == "finished"]
    nested = {"generation", "by_origin_buurt", "cohort_counts", "calibration", "wijk_final",
              "programme", "networks", "years"}
    scalars = {"steps"}
    for rd in fin["run_dir"].head(3):
        try:
            s = json.loads((resolve_run_dir(directory, rd) / "summary.json").read_text())
        except (OSError, ValueError):
            continue
        nested |= {k for k, v in s.items() if isinstance(v, dict)}
        scalars |= {k for k, v in s.items() if not isinstance(v, dict) and k != "scenario"}
        break
    return {c for c in runs.columns if c.split(".", 1)[0] in nested or c in scalars}


def varying_knobs(directory: Path, runs: pd.DataFrame) -> list[str]:
    """Override columns (not identification, not summary) with more than one value."""
    skip = set(BASE_COLUMNS) | _summary_columns(directory, runs) | {LABEL_COLUMN, "scenario_name"}
    fin = runs[runs["status"] == "finished"]
    return [c for c in runs.columns if c not in skip and fin[c].astype(str).nunique() > 1]


def _series_from_runs(directory: Path, runs: pd.DataFrame, by: str) -> pd.DataFrame | None:
    """series.parquet's content built from each finished run's timeseries.parquet (whole years)."""
    frames = []
    for _, r in runs[runs["status"] == "finished"].iterrows():
        path = resolve_run_dir(directory, r["run_dir"]) / "timeseries.parquet"
        if not path.exists():
            continue
        ts = pd.read_parquet(path)
        ts = ts[(ts["year"] - ts["year"].round()).abs() < 1e-6]
        frames.append(ts.assign(**{by: r[by], "seed": r["seed"], "run_dir": r["run_dir"]}))
    return pd.concat(frames, ignore_index=True) if frames else None


def _label(row: pd.Series, knobs: list[str]) -> str:
    return ", ".join(f"{k}={row[k]}" for k in knobs)


def load(directory: str | Path, *, by: str | None = None, reference: Any = None) -> ReportData:
    """Read a demo or sweep directory. ``by``: the scenario column (default ``scenario_name``
    when it varies, else the one varying override, else all varying overrides joined into
    ``scenario_label``). ``reference``: default ``no_programme`` or ``baseline`` if present,
    else the first scenario in sorted order."""
    d = Path(directory)
    if not (d / RUNS).exists():
        if not d.is_dir():
            raise ReportError(f"{d}: not a directory; give a demo or sweep directory")
        from sim.collect import collect  # a sweep that was never collected

        collect(d, quiet=True)
    runs = pd.read_parquet(d / RUNS)
    if "status" not in runs.columns:
        runs["status"] = "finished"
    if not (runs["status"] == "finished").any():
        raise ReportError(f"{d / RUNS}: no finished run; nothing to report")
    knobs = varying_knobs(d, runs)
    if by is None:
        if "scenario_name" in runs.columns and runs["scenario_name"].nunique() > 1:
            by = "scenario_name"
        elif len(knobs) == 1:
            by = knobs[0]
        elif knobs:
            runs[LABEL_COLUMN] = runs.apply(_label, axis=1, knobs=knobs)
            by = LABEL_COLUMN
        else:
            by = "scenario_name" if "scenario_name" in runs.columns else "scenario"
    if by not in runs.columns:
        raise ReportError(f"by = {by!r}: not a column of {RUNS}; varying columns: "
                          f"{', '.join(knobs) or 'none'}")
    fin = runs[runs["status"] == "finished"]
    values = list(dict.fromkeys(fin[by]))
    try:
        values = sorted(values)
    except TypeError:
        values = sorted(values, key=str)
    if reference is None:
        reference = next((r for r in REFERENCE_NAMES if r in values), values[0])
    elif reference not in values:
        typed = [v for v in values if str(v) == str(reference)]
        if not typed:
            raise ReportError(f"reference = {reference!r}: no finished run has {by} = "
                              f"{reference!r}; values present: {', '.join(map(str, values))}")
        reference = typed[0]
    order = [reference] + [v for v in dict.fromkeys(fin[by]) if v != reference]
    series = None
    if (d / SERIES).exists():
        series = pd.read_parquet(d / SERIES)
        if by not in series.columns:
            series = series.merge(runs[["run_dir", by]], on="run_dir", how="left")
    else:
        series = _series_from_runs(d, runs, by)
    design = None
    try:
        design = json.loads((d / "sweep.json").read_text()).get("design")
    except (OSError, ValueError):
        pass
    return ReportData(d, runs, series, by, reference, order, knobs, design or None)
