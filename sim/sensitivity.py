"""Designs that are not grids (Latin hypercube, Sobol, Morris; SALib) and their analysis.

A *design* is a set of knobs with ranges plus a method; :func:`make_design` turns it into a matrix
of points (one row per point, one column per knob). The ``wijksim`` Hydra sweeper
(``hydra_plugins/wijksim_design_sweeper``) expands it into jobs, writes the matrix to
``SWEEP_DIR/design.parquet`` and its description to ``SWEEP_DIR/sweep.json``; ``sim.collect``
tags every run with its ``design_point``; :func:`analyze` reads those back and computes

* Sobol: first-order ``S1`` and total ``ST`` indices with bootstrap confidence intervals
  (Saltelli 2002; Saltelli et al. 2010 estimators, as implemented in SALib);
* Morris: ``mu``, ``mu_star`` (with confidence interval) and ``sigma`` (Campolongo et al. 2007);
* Latin hypercube (or a design file): first-order indices by RBD-FAST (Tarantola et al. 2006,
  Plischke 2010), which works on any space-filling sample,

for any output column of ``runs.parquet``. When a point has several replicate seeds, their mean is
the point's output. CLI: ``python -m sim.sensitivity SWEEP_DIR --output COLUMN [--output ...]``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

METHODS = ("sobol", "morris", "lhs", "file")
DESIGN_FILE = "design.parquet"
SWEEP_FILE = "sweep.json"


class DesignError(ValueError):
    """A design description or its runs are not usable; the message names key, value, allowed."""


@dataclass(frozen=True)
class Knob:
    """One design input: its config key, range and type (``float`` or ``int``)."""

    name: str
    low: float
    high: float
    kind: str = "float"

    def format(self, value: float) -> str:
        """The value as a Hydra override string (``repr`` round-trips floats exactly)."""
        if self.kind == "int":
            return str(int(round(value)))
        return repr(float(value))


def parse_knobs(knobs: dict[str, Any]) -> list[Knob]:
    """Knobs from ``{key: [low, high]}`` or ``{key: {bounds: [low, high], type: int|float}}``."""
    if not knobs:
        raise DesignError("design.knobs: empty; give at least one knob, e.g. {x1: [0.0, 1.0]}")
    out = []
    for name, spec in dict(knobs).items():
        kind = "float"
        if isinstance(spec, dict):
            kind = str(spec.get("type", "float"))
            bounds = spec.get("bounds")
            if kind not in ("float", "int"):
                raise DesignError(f"design.knobs.{name}.type = {kind!r}: allowed: float, int")
        else:
            bounds = spec
        try:
            low, high = (float(b) for b in bounds)
        except (TypeError, ValueError):
            raise DesignError(f"design.knobs.{name} = {spec!r}: must be [low, high] or "
                              "{bounds: [low, high], type: float|int}") from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise DesignError(f"design.knobs.{name} = [{low}, {high}]: need finite low < high")
        out.append(Knob(str(name), low, high, kind))
    return out


def problem_of(knobs: list[Knob]) -> dict[str, Any]:
    """The SALib problem dictionary."""
    return {"num_vars": len(knobs), "names": [k.name for k in knobs],
            "bounds": [[k.low, k.high] for k in knobs]}


def make_design(method: str, knobs: dict[str, Any], n: int, seed: int = 0, *,
                second_order: bool = False, num_levels: int = 4,
                file: str | None = None) -> tuple[list[Knob], np.ndarray]:
    """The design matrix (points x knobs) of ``method``; integer knobs are rounded.

    ``sobol``: Saltelli's scheme on a scrambled Sobol' sequence, ``n`` (a power of 2) base points
    -> ``n * (D + 2)`` points (``n * (2D + 2)`` with ``second_order``). ``morris``: ``n``
    trajectories of ``D + 1`` points on a ``num_levels`` grid. ``lhs``: ``n`` points.
    ``file``: the rows of a CSV or parquet file whose columns are the knob names.
    """
    if method not in METHODS:
        raise DesignError(f"design.method = {method!r}: allowed: {', '.join(METHODS)}")
    if method == "file":
        if not file:
            raise DesignError("design.file = null: method 'file' needs a CSV or parquet path")
        p = Path(file)
        if not p.is_file():
            raise DesignError(f"design.file = {file!r}: no such file")
        df = pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p)
        if not knobs:
            knobs = {c: [float(df[c].min()), float(df[c].max()) + 1e-12] for c in df.columns}
        ks = parse_knobs(knobs)
        missing = [k.name for k in ks if k.name not in df.columns]
        if missing:
            raise DesignError(f"design.file = {file!r}: missing columns {missing}; "
                              f"has {list(df.columns)}")
        x = df[[k.name for k in ks]].to_numpy(dtype=float)
    else:
        ks = parse_knobs(knobs)
        if not isinstance(n, int) or isinstance(n, bool) or n < 2:
            raise DesignError(f"design.n = {n!r}: must be a whole number >= 2")
        prob = problem_of(ks)
        if method == "sobol":
            if n & (n - 1):
                raise DesignError(f"design.n = {n}: Sobol designs need a power of 2 "
                                  f"(e.g. {1 << (n - 1).bit_length()})")
            from SALib.sample import sobol as sobol_sample

            x = sobol_sample.sample(prob, n, calc_second_order=second_order, seed=seed)
        elif method == "morris":
            if num_levels < 2 or num_levels % 2:
                raise DesignError(f"design.num_levels = {num_levels}: must be an even number >= 2")
            from SALib.sample import morris as morris_sample

            x = morris_sample.sample(prob, n, num_levels=num_levels, seed=seed)
        else:
            from SALib.sample import latin

            x = latin.sample(prob, n, seed=seed)
    for j, k in enumerate(ks):
        if k.kind == "int":
            x[:, j] = np.round(x[:, j])
    return ks, np.asarray(x, dtype=float)


def _analyze_one(method: str, meta: dict, x: np.ndarray, y: np.ndarray, conf_level: float,
                 seed: int) -> pd.DataFrame:
    prob = meta["problem"]
    if method == "sobol":
        from SALib.analyze import sobol

        # SALib's sobol.analyze seeds its bootstrap only `if seed:`, so seed 0 (our default)
        # drew from numpy's global RNG and the intervals changed from call to call; a Generator
        # is always truthy and SALib's default_rng(seed) passes it through.
        r = sobol.analyze(prob, y, calc_second_order=bool(meta.get("second_order")),
                          conf_level=conf_level, seed=np.random.default_rng(seed))
        cols = ["S1", "S1_conf", "ST", "ST_conf"]
    elif method == "morris":
        from SALib.analyze import morris

        r = morris.analyze(prob, x, y, conf_level=conf_level, seed=seed,
                           num_levels=int(meta.get("num_levels", 4)))
        cols = ["mu", "mu_star", "mu_star_conf", "sigma"]
    else:
        from SALib.analyze import rbd_fast

        r = rbd_fast.analyze(prob, x, y, conf_level=conf_level, seed=seed)
        cols = ["S1", "S1_conf"]
    out = pd.DataFrame({c: np.asarray(r[c], dtype=float) for c in cols})
    out.insert(0, "knob", prob["names"])
    return out


def load_design(sweep_dir: str | Path) -> tuple[dict, np.ndarray]:
    """The design description (from ``sweep.json``) and matrix (``design.parquet``) of a sweep."""
    sd = Path(sweep_dir)
    try:
        meta = json.loads((sd / SWEEP_FILE).read_text()).get("design")
    except (OSError, json.JSONDecodeError) as exc:
        raise DesignError(f"{sd}: no readable {SWEEP_FILE} ({exc}); was it run with the "
                          "wijksim sweeper?") from None
    if not meta:
        raise DesignError(f"{sd}: this sweep has no design (hydra.sweeper.design.method was null)")
    x = pd.read_parquet(sd / DESIGN_FILE).drop(columns=["design_point"]).to_numpy(dtype=float)
    return meta, x


def analyze(sweep_dir: str | Path, outputs: str | list[str], *, runs: pd.DataFrame | None = None,
            conf_level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Sensitivity indices of each output column, per combination of the sweep's grid keys.

    Uses only finished runs; every design point needs at least one (their mean over seeds is the
    point's output), else ``DesignError`` says which points are missing and how to resume.
    """
    sd = Path(sweep_dir)
    meta, x = load_design(sd)
    if runs is None:
        path = sd / "runs.parquet"
        if not path.exists():
            from sim.collect import collect

            collect(sd, quiet=True)
        runs = pd.read_parquet(path)
    outputs = [outputs] if isinstance(outputs, str) else list(outputs)
    missing_cols = [o for o in outputs if o not in runs.columns]
    if missing_cols:
        numeric = [c for c in runs.columns if pd.api.types.is_numeric_dtype(runs[c])]
        raise DesignError(f"output {missing_cols}: not a column of runs.parquet; numeric columns: "
                          f"{', '.join(numeric)}")
    done = runs[runs["status"] == "finished"]
    grid_keys = [k for k in meta.get("grid_keys", []) if k in done.columns]
    groups = done.groupby(grid_keys, dropna=False) if grid_keys else [((), done)]
    frames = []
    npts = x.shape[0]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        for out in outputs:
            y_pt = g.groupby("design_point")[out].mean().reindex(range(npts))
            miss = np.flatnonzero(y_pt.isna().to_numpy())
            if miss.size:
                raise DesignError(
                    f"{sd}: {miss.size} of {npts} design points have no finished run with "
                    f"'{out}' (first: {miss[:10].tolist()}); rerun the same sweep command to "
                    "resume, then collect again")
            res = _analyze_one(meta["method"], meta, x, y_pt.to_numpy(dtype=float),
                               conf_level, seed)
            res.insert(0, "output", out)
            for k, v in zip(reversed(grid_keys), reversed(key), strict=True):
                res.insert(0, k, v)
            res.insert(len(grid_keys) + 1, "method", meta["method"])
            frames.append(res)
    return pd.concat(frames, ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    """CLI: print (and write ``SWEEP_DIR/sensitivity.csv``) the indices of each output."""
    ap = argparse.ArgumentParser(prog="python -m sim.sensitivity",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("sweep_dir")
    ap.add_argument("--output", "-o", action="append", required=True,
                    help="output column of runs.parquet (repeatable)")
    ap.add_argument("--conf-level", type=float, default=0.95)
    ap.add_argument("--seed", type=int, default=0, help="seed of the bootstrap")
    a = ap.parse_args(argv)
    try:
        res = analyze(a.sweep_dir, a.output, conf_level=a.conf_level, seed=a.seed)
    except DesignError as exc:
        print(f"wijksim: {exc}", file=sys.stderr)
        return 2
    res.to_csv(Path(a.sweep_dir) / "sensitivity.csv", index=False)
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(res.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
