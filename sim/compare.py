"""Paired comparisons: each scenario's difference from a reference, paired by seed (CRN).

Runs of different scenarios with the same seed share every random draw that the difference between
them does not touch (common random numbers, docs/model.md), so the per-seed difference
``d_s = y(scenario, s) - y(reference, s)`` has a much smaller variance than the difference of two
independent means. :func:`paired_differences` forms those pairs from ``runs.parquet`` and returns,
per scenario and outcome, the mean difference with a Student-t confidence interval over pairs
(and, for contrast, the unpaired standard error), in the outcome's own scale (shares 0-1).
:func:`with_units` restates such a table with the unit in every column name (``difference_pp``
for shares, ``*_rank_points``, ``*_index_0_1``), as ``differences.csv`` and the CLI show it. It
is the one function experiments, notebooks and reports use. CLI (one block per unit)::

    python -m sim.compare SWEEP_DIR/runs.parquet --by scenario_name --reference baseline \\
        --outcome generation.by_origin.employed
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

# Columns of a paired_differences result that carry the outcome's unit, and the suffix of the
# unit each gets in :func:`with_units` (a level is a mean; the rest are differences).
LEVEL_COLUMNS = ("reference_mean", "scenario_mean")
DIFF_COLUMNS = ("difference", "ci_low", "ci_high", "sd_difference", "se_paired", "se_unpaired")
RESULT_COLUMNS = ("outcome", "n_pairs", "reference_mean", "scenario_mean", "difference",
                  "ci_low", "ci_high", "sd_difference", "se_paired", "se_unpaired", "p_value",
                  "n_unpaired")


class CompareError(ValueError):
    """Bad input to a comparison; the message names the argument, its value and what is allowed."""


def _as_list(x: str | Sequence[str]) -> list[str]:
    return [x] if isinstance(x, str) else list(x)


def paired_differences(runs: pd.DataFrame | str | Path, outcomes: str | Sequence[str], *,
                       by: str | Sequence[str] = "scenario_name", reference: Any = "baseline",
                       pair_on: str | Sequence[str] = "seed", conf_level: float = 0.95,
                       finished_only: bool = True) -> pd.DataFrame:
    """Difference of every other value of ``by`` from ``reference``, per outcome, paired by seed.

    ``runs``: a ``runs.parquet`` table (or its path). ``by``: the column(s) that define a
    scenario (``reference`` is a value, or a tuple for several columns). ``pair_on``: column(s)
    that identify a pair (the seed, plus any other swept column held equal within a pair).
    Returns one row per (scenario, outcome) with the columns ``by`` + :data:`RESULT_COLUMNS`:
    mean difference, its ``conf_level`` t-interval, the paired and unpaired standard errors, a
    paired t-test p-value and how many runs had no partner (reported, not silently dropped).
    Raises ``CompareError`` for unknown columns, a missing reference or duplicate pairs.
    """
    df = pd.read_parquet(runs) if isinstance(runs, str | Path) else runs
    by, pair_on, outcomes = _as_list(by), _as_list(pair_on), _as_list(outcomes)
    if not 0 < conf_level < 1:
        raise CompareError(f"conf_level = {conf_level!r}: must be in (0, 1)")
    for arg, cols in (("by", by), ("pair_on", pair_on), ("outcomes", outcomes)):
        unknown = [c for c in cols if c not in df.columns]
        if unknown:
            raise CompareError(f"{arg} = {unknown}: not columns of runs; allowed: "
                               f"{', '.join(map(str, df.columns))}")
    if finished_only and "status" in df.columns:
        df = df[df["status"] == "finished"]
    ref = tuple(reference) if isinstance(reference, tuple | list) else (reference,)
    if len(ref) != len(by):
        raise CompareError(f"reference = {reference!r}: give one value per 'by' column {by}")
    keys = df[by].apply(tuple, axis=1) if len(df) else pd.Series([], dtype=object)
    values = sorted(set(keys), key=str)
    if ref not in values:
        raise CompareError(f"reference = {reference!r}: no finished run has {by} = {reference!r};"
                           f" values present: {', '.join(map(str, values)) or 'none'}")
    dup = df.assign(_k=keys).duplicated(["_k", *pair_on], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        others = [c for c in df.columns if c not in (*by, *pair_on) and df[dup][c].nunique() > 1
                  and not str(c).startswith(("run_dir", "job_dir", "config_fingerprint"))]
        raise CompareError(
            f"pair_on = {pair_on}: {int(dup.sum())} runs share a scenario and "
            f"{dict(first[pair_on])}; add the column that tells them apart to by or pair_on "
            f"(columns that vary among them: {', '.join(map(str, others[:8])) or 'none'})")
    df = df.assign(_k=keys)
    refdf = df[df["_k"] == ref].set_index(pair_on)
    rows = []
    for val in values:
        if val == ref:
            continue
        sc = df[df["_k"] == val].set_index(pair_on)
        common = refdf.index.intersection(sc.index)
        n_unpaired = len(refdf.index.difference(sc.index)) + len(sc.index.difference(refdf.index))
        for out in outcomes:
            a = pd.to_numeric(sc.loc[common, out], errors="coerce")
            b = pd.to_numeric(refdf.loc[common, out], errors="coerce")
            ok = a.notna().to_numpy() & b.notna().to_numpy()
            a, b = a.to_numpy(dtype=float)[ok], b.to_numpy(dtype=float)[ok]
            d = a - b
            n = d.size
            row = dict(zip(by, val, strict=True))
            row.update(outcome=out, n_pairs=n, n_unpaired=int(n_unpaired + (~ok).sum()))
            if n == 0:
                rows.append(row)
                continue
            mean = float(d.mean())
            sd = float(d.std(ddof=1)) if n > 1 else float("nan")
            se = sd / np.sqrt(n) if n > 1 else float("nan")
            se_u = (np.sqrt(a.var(ddof=1) / n + b.var(ddof=1) / n) if n > 1 else float("nan"))
            t_q = stats.t.ppf(0.5 + conf_level / 2, df=n - 1) if n > 1 else float("nan")
            if n > 1 and se > 0:
                p = float(2 * stats.t.sf(abs(mean / se), df=n - 1))
            else:
                p = float("nan") if n < 2 else (0.0 if mean != 0 else 1.0)
            row.update(reference_mean=float(b.mean()), scenario_mean=float(a.mean()),
                       difference=mean, ci_low=mean - t_q * se, ci_high=mean + t_q * se,
                       sd_difference=sd, se_paired=se, se_unpaired=float(se_u), p_value=p)
            rows.append(row)
    cols = [*by, *RESULT_COLUMNS]
    return pd.DataFrame(rows, columns=cols)


def with_units(diffs: pd.DataFrame) -> pd.DataFrame:
    """The result of :func:`paired_differences` with every number in its unit, named in the column.

    Shares (0-1) become percentages (means, ``*_pct``) and percentage points (differences,
    ``*_pp``); income ranks stay rank points (``*_rank_points``); 0-1 indices ``*_index_0_1``;
    rates ``*_per_1000``; anything else ``*_count``. A row fills only the columns of its own unit,
    so one column never mixes units (a forest plot of ``difference_pp`` is all in pp). A ``unit``
    column follows ``outcome``. The unit of an outcome comes from :func:`sim.units.kind_of`.
    """
    from sim.units import KINDS, kind_of

    kinds = diffs["outcome"].map(kind_of) if len(diffs) else pd.Series([], dtype=object)
    out = diffs.drop(columns=[c for c in (*LEVEL_COLUMNS, *DIFF_COLUMNS) if c in diffs.columns])
    out.insert(out.columns.get_loc("outcome") + 1, "unit",
               kinds.map(lambda k: KINDS[k].suffix).to_numpy())
    for k in dict.fromkeys(kinds):
        spec = KINDS[k]
        rows = (kinds == k).to_numpy()
        for col in (*LEVEL_COLUMNS, *DIFF_COLUMNS):
            if col not in diffs.columns:
                continue
            suffix = "pct" if (col in LEVEL_COLUMNS and k == "share") else spec.suffix
            values = pd.to_numeric(diffs[col], errors="coerce") * spec.factor
            out[f"{col}_{suffix}"] = values.where(rows)
    return out


def _print_by_unit(res: pd.DataFrame) -> None:
    """One block per unit, each with only its own columns (headers name the unit)."""
    table = with_units(res)
    for unit, block in table.groupby("unit", sort=False):
        block = block.dropna(axis=1, how="all")
        print(f"\n[{unit}]")
        with pd.option_context("display.width", 250, "display.max_columns", 40):
            print(block.to_string(index=False, float_format=lambda v: f"{v:.4g}"))


def main(argv: list[str] | None = None) -> int:
    """CLI: print the paired differences (exit 2 on bad input)."""
    ap = argparse.ArgumentParser(prog="python -m sim.compare",
                                 description="Paired (by seed) differences from a reference.")
    ap.add_argument("runs", help="runs.parquet (or a sweep directory holding one)")
    ap.add_argument("--outcome", "-o", action="append", required=True)
    ap.add_argument("--by", action="append", help="scenario column(s); default scenario_name")
    ap.add_argument("--reference", action="append",
                    help="reference value (one per --by; typed like the column)")
    ap.add_argument("--pair-on", action="append", help="pairing column(s); default seed")
    ap.add_argument("--conf-level", type=float, default=0.95)
    a = ap.parse_args(argv)
    path = Path(a.runs)
    if path.is_dir():
        path = path / "runs.parquet"
    if not path.exists():
        print(f"wijksim: {path} does not exist (run python -m sim.collect first)", file=sys.stderr)
        return 2
    df = pd.read_parquet(path)
    by = a.by or ["scenario_name"]
    refs = a.reference or ["baseline"]
    typed = []
    for col, r in zip(by, refs, strict=False):
        typed.append(_typed_like(df[col], r) if col in df.columns else r)
    try:
        res = paired_differences(df, a.outcome, by=by, reference=tuple(typed),
                                 pair_on=a.pair_on or ["seed"], conf_level=a.conf_level)
    except CompareError as exc:
        print(f"wijksim: {exc}", file=sys.stderr)
        return 2
    _print_by_unit(res)
    return 0


def _typed_like(col: pd.Series, text: str) -> Any:
    if pd.api.types.is_integer_dtype(col):
        return int(text)
    if pd.api.types.is_float_dtype(col):
        return float(text)
    if pd.api.types.is_bool_dtype(col):
        return text.lower() == "true"
    return text


if __name__ == "__main__":
    sys.exit(main())
