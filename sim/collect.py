"""``python -m sim.collect SWEEP_DIR``: a sweep directory -> ``runs.parquet`` and ``series.parquet``.

* ``runs.parquet``: one row per run — ``run_dir``, ``job_dir``, ``status``, ``reason``, ``seed``,
  ``config_fingerprint``, ``wall_seconds``, ``design_point`` (design sweeps), one column per
  override of the run's job (its resolved, typed value; group choices as their name) and the
  run's ``summary.json`` flattened with ``.``-joined keys (``generation.by_origin.employed``).
* ``series.parquet``: one row per finished run and whole year of its ``timeseries.parquet`` (the
  state at the start of each year; ``--all-steps`` keeps every step), with the same identifying
  columns (``run_dir``, ``seed``, overrides, ``design_point``) in front.

Nothing is dropped silently: a run that is not finished is a row with its ``status`` —
``failed`` (the error from its manifest), ``running`` (killed mid-way, or still running),
``incomplete`` (finished manifest but an output file missing, unreadable, truncated or not of
the size and checksum the manifest recorded), ``missing`` (planned
by ``sweep.json`` / ``job.json`` but never started) — and a ``reason``, and the CLI lists them.

Streaming: rows are written in batches to part files with a pyarrow writer and merged at the end
under one unified schema, so memory does not grow with the number of runs. This reads run
directories only (no Hydra callback), so it works on sweeps whose jobs died.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.jobs import JOB_FILE
from sim.rundir import MANIFEST, check_run

RUNS_FILE, SERIES_FILE, SWEEP_FILE = "runs.parquet", "series.parquet", "sweep.json"
_SKIP_DIRS = {".hydra", ".submitit", "__pycache__"}
_SKIP_KEYS = {"replicates", "seed"}
BASE_COLUMNS = ("run_dir", "job_dir", "status", "reason", "seed", "config_fingerprint",
                "wall_seconds", "design_point")


@dataclass
class CollectReport:
    """What ``collect`` found: counts by status and every run that is not finished."""

    sweep_dir: Path
    counts: Counter = field(default_factory=Counter)
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    series_rows: int = 0

    @property
    def n_runs(self) -> int:
        return sum(self.counts.values())

    def text(self, limit: int = 50) -> str:
        """Human summary: counts, then up to ``limit`` problem runs with their reason."""
        head = ", ".join(f"{n} {s}" for s, n in sorted(self.counts.items()))
        lines = [f"{self.sweep_dir}: {self.n_runs} runs ({head or 'none'}); wrote {RUNS_FILE}"
                 f" and {SERIES_FILE} ({self.series_rows} rows)"]
        if self.problems:
            lines.append(f"{len(self.problems)} runs are not finished:")
            for run, status, reason in self.problems[:limit]:
                lines.append(f"  {run}: {status}: {reason}")
            if len(self.problems) > limit:
                lines.append(f"  ... {len(self.problems) - limit} more: see {RUNS_FILE} "
                             "(status != 'finished')")
        return "\n".join(lines)


class _PartWriter:
    """Append rows/tables in batches to part files; ``finish`` merges them into one parquet file
    under a unified schema (missing columns as nulls; int/float promoted; conflicts as text)."""

    def __init__(self, target: Path, batch_rows: int) -> None:
        self.target = target
        self.batch_rows = batch_rows
        self.rows: list[dict] = []
        self.tables: list[pa.Table] = []
        self.buffered = 0
        self.parts: list[Path] = []
        self.total = 0

    def add_row(self, row: dict) -> None:
        self.rows.append(row)
        self.buffered += 1
        if self.buffered >= self.batch_rows:
            self.flush()

    def add_table(self, table: pa.Table) -> None:
        self.tables.append(table)
        self.buffered += table.num_rows
        # many tiny tables cost far more than their rows (buffers per column): bound both
        if self.buffered >= self.batch_rows or len(self.tables) >= 200:
            self.flush()

    def flush(self) -> None:
        tables = list(self.tables)
        if self.rows:
            tables.append(_rows_to_table(self.rows))
        if tables:
            t = pa.concat_tables(tables, promote_options="permissive")
            part = self.target.with_name(f".{self.target.name}.part{len(self.parts):05d}.tmp")
            pq.write_table(t, part)
            self.parts.append(part)
            self.total += t.num_rows
        self.rows, self.tables, self.buffered = [], [], 0

    def _schema(self) -> pa.Schema:
        schemas = [pq.read_schema(p) for p in self.parts]
        try:
            return pa.unify_schemas(schemas, promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            names: dict[str, pa.DataType] = {}
            for s in schemas:
                for f in s:
                    old = names.get(f.name)
                    if old is None or pa.types.is_null(old):
                        names[f.name] = f.type
                    elif not pa.types.is_null(f.type) and old != f.type:
                        num = pa.types.is_integer, pa.types.is_floating
                        both_num = any(t(old) for t in num) and any(t(f.type) for t in num)
                        names[f.name] = pa.float64() if both_num else pa.string()
            return pa.schema([pa.field(n, t) for n, t in names.items()])

    def finish(self) -> int:
        self.flush()
        tmp = self.target.with_name(f".{self.target.name}.tmp")
        try:
            schema = self._schema() if self.parts else pa.schema([("run_dir", pa.string())])
            with pq.ParquetWriter(tmp, schema) as w:
                for part in self.parts:
                    t = pq.read_table(part)
                    cols = []
                    for f in schema:
                        if f.name in t.column_names:
                            c = t[f.name]
                            cols.append(c if c.type == f.type else _cast(c, f.type))
                        else:
                            cols.append(pa.nulls(t.num_rows, f.type))
                    w.write_table(pa.Table.from_arrays(cols, schema=schema))
                    part.unlink()
            os.replace(tmp, self.target)
        finally:
            tmp.unlink(missing_ok=True)
            for part in self.parts:
                part.unlink(missing_ok=True)
        return self.total


def _rows_to_table(rows: list[dict]) -> pa.Table:
    """Rows with possibly different keys -> one table (union of keys, in first-seen order)."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    cols = {}
    for k in keys:
        vals = [r.get(k) for r in rows]
        try:
            cols[k] = pa.array(vals)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed kinds: keep them as text
            cols[k] = pa.array([None if v is None else v if isinstance(v, str) else json.dumps(v)
                                for v in vals], pa.string())
    return pa.table(cols)


def _cast(col: pa.ChunkedArray, to: pa.DataType) -> pa.ChunkedArray:
    if pa.types.is_string(to) and not pa.types.is_string(col.type):
        return pa.chunked_array([pa.array([None if v is None else json.dumps(v)
                                           for v in col.to_pylist()], pa.string())])
    return col.cast(to)


def flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    """Nested dicts -> one level with ``.``-joined keys; lists become JSON text."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        elif isinstance(v, list | tuple):
            out[key] = json.dumps(v)
        else:
            out[key] = v
    return out


def _read_json(path: Path) -> dict | None:
    try:
        obj = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def _literal(text: str) -> Any:
    """An override value as Hydra would type it (int, float, bool, null or text)."""
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    if t.lower() == "null":
        return None
    for conv in (int, float):
        try:
            return conv(t)
        except ValueError:
            pass
    return t.strip("'\"")


def _lookup(config: dict | None, dotted: str) -> tuple[bool, Any]:
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _override_columns(overrides: list[str], config: dict | None) -> dict[str, Any]:
    cols: dict[str, Any] = {}
    for o in overrides:
        if "=" not in o or o.startswith("~"):
            continue
        key, value = o.split("=", 1)
        key = key.lstrip("+")
        if key in _SKIP_KEYS or key.startswith("hydra.") or "@" in key:
            continue
        found, typed = _lookup(config, key)
        v = typed if found and not isinstance(typed, dict) else _literal(value)
        cols[key] = json.dumps(v) if isinstance(v, list | dict) else v
    return cols


def _discover(sweep_dir: Path) -> tuple[list[Path], list[Path]]:
    """(job dirs holding ``job.json``, run dirs holding a manifest), pruned walk, sorted."""
    jobs, runs = [], []
    for root, dirs, files in os.walk(sweep_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        if MANIFEST in files:
            runs.append(Path(root))
            dirs[:] = []
        elif JOB_FILE in files:
            jobs.append(Path(root))
    return sorted(jobs), sorted(runs)


def _run_status(run: Path, manifest: dict | None,
                checksums: bool = True) -> tuple[str, str, dict | None]:
    """(status, reason, summary) of one run directory (see :func:`sim.rundir.check_run`)."""
    if manifest is None and not (run / MANIFEST).exists():
        return "missing", "never started (its job was killed, failed early or is still queued)", None
    status, reason = check_run(run, checksums=checksums, manifest=manifest)
    if status != "finished":
        return status, reason, None
    summary = _read_json(run / "summary.json")
    if summary is None:
        return "incomplete", "summary.json is unreadable", None
    return "finished", "", summary


def _iter_runs(sweep_dir: Path) -> Iterator[tuple[Path, Path | None, list[str], int | None,
                                                  int | None]]:
    """Every run the sweep knows of: (run dir, job dir, overrides, design point, planned seed)."""
    plan = _read_json(sweep_dir / SWEEP_FILE) or {}
    planned = {j["dir"]: j for j in plan.get("jobs", [])}
    job_dirs, run_dirs = _discover(sweep_dir)
    seen: set[Path] = set()
    for jd in job_dirs:
        job = _read_json(jd / JOB_FILE) or {}
        rel = jd.relative_to(sweep_dir).as_posix()
        point = planned.get(rel, {}).get("point")
        for name, seed in zip(job.get("runs", []), job.get("seeds", []), strict=False):
            seen.add(jd / name)
            yield jd / name, jd, list(job.get("overrides", [])), point, seed
    for rel, job in planned.items():  # jobs that never wrote job.json: never started
        jd = sweep_dir / rel
        if not (jd / JOB_FILE).exists():
            seen.add(jd)
            yield jd, jd, list(job.get("overrides", [])), job.get("point"), None
    for rd in run_dirs:
        if rd in seen:
            continue
        ov = _read_overrides(rd)
        point = planned.get(rd.parent.relative_to(sweep_dir).as_posix() if rd != sweep_dir
                            else "", {}).get("point")
        yield rd, (rd.parent if rd != sweep_dir else None), ov, point, None


def _read_overrides(run: Path) -> list[str]:
    for p in (run / ".hydra" / "overrides.yaml", run.parent / ".hydra" / "overrides.yaml"):
        if p.exists():
            import yaml

            try:
                return [str(x) for x in (yaml.safe_load(p.read_text()) or [])]
            except yaml.YAMLError:
                return []
    return []


def _series_table(run: Path, ident: dict[str, Any], all_steps: bool) -> pa.Table | None:
    try:  # ParquetFile.read without threads: ~1 ms for a small file, read_table ~3-9 ms
        t = pq.ParquetFile(run / "timeseries.parquet").read(use_threads=False)
    except (OSError, pa.ArrowInvalid):
        return None
    if not all_steps and "year" in t.column_names and t.num_rows:
        import pyarrow.compute as pc

        year = t["year"].cast(pa.float64())
        whole = pc.less(pc.abs(pc.subtract(year, pc.round(year))), 1e-6)
        if pc.any(whole).as_py():
            t = t.filter(whole)
    for i, (k, v) in enumerate(ident.items()):
        if k in t.column_names:
            continue
        t = t.add_column(i, k, pa.array([v] * t.num_rows))
    return t


def _chunks(it: Iterator, n: int) -> Iterator[list]:
    chunk: list = []
    for x in it:
        chunk.append(x)
        if len(chunk) == n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _load_run(sd: Path, item: tuple, all_steps: bool) -> tuple[dict, str, str, pa.Table | None]:
    """Read one run: its ``runs.parquet`` row, status, reason and its series table."""
    run, job_dir, overrides, point, planned_seed = item
    manifest = _read_json(run / MANIFEST)
    status, reason, summary = _run_status(run, manifest)
    m = manifest or {}
    seed = m.get("seed", planned_seed)
    rel = run.relative_to(sd).as_posix() or "."
    row: dict[str, Any] = {
        "run_dir": rel, "job_dir": job_dir.relative_to(sd).as_posix() if job_dir else None,
        "status": status, "reason": reason, "seed": seed,
        "config_fingerprint": m.get("config_fingerprint"),
        "wall_seconds": m.get("wall_seconds"), "design_point": point,
    }
    ident = {"run_dir": rel, "seed": seed, "design_point": point}
    for k, v in _override_columns(overrides, m.get("config")).items():
        row.setdefault(k, v)
        ident.setdefault(k, v)
    for k, v in flatten(summary or {}).items():
        if k not in row:
            row[k] = None if isinstance(v, float) and math.isnan(v) else v
    table = _series_table(run, ident, all_steps) if status == "finished" else None
    if status == "finished" and table is None:  # never dropped silently from series.parquet
        status, reason = "incomplete", "timeseries.parquet could not be read"
        row.update(status=status, reason=reason)
    return row, status, reason, table


def collect(sweep_dir: str | Path, *, all_steps: bool = False, batch_rows: int = 1000,
            quiet: bool = False) -> CollectReport:
    """Write ``runs.parquet`` and ``series.parquet`` into ``sweep_dir``; return the report.

    Streams (batches of ``batch_rows``), so memory does not grow with the number of runs; every
    run that is not finished is a row with its status and reason and is listed in the report.
    """
    sd = Path(sweep_dir).absolute()
    if not sd.is_dir():
        raise FileNotFoundError(f"sweep directory {sd} does not exist")
    report = CollectReport(sd)
    runs_w = _PartWriter(sd / RUNS_FILE, batch_rows)
    series_w = _PartWriter(sd / SERIES_FILE, batch_rows * 10)
    with ThreadPoolExecutor(max_workers=4) as pool:  # file reads release the GIL
        for chunk in _chunks(_iter_runs(sd), 64):  # bounded look-ahead: memory stays flat
            loaded = pool.map(lambda item: _load_run(sd, item, all_steps), chunk)
            for row, status, reason, table in loaded:
                runs_w.add_row(row)
                report.counts[status] += 1
                if status != "finished":
                    report.problems.append((row["run_dir"], status, reason))
                elif table is not None:
                    series_w.add_table(table)
    runs_w.finish()
    report.series_rows = series_w.finish()
    if not quiet:
        print(report.text())
    return report


def main(argv: list[str] | None = None) -> int:
    """CLI. Exit 0 when every run is finished and whole, 1 when any is not (it is listed), 2 for
    a bad directory; ``--allow-unfinished`` exits 0 in the second case."""
    ap = argparse.ArgumentParser(prog="python -m sim.collect",
                                 description="Collect a sweep directory into runs.parquet and "
                                             "series.parquet, listing unfinished runs.")
    ap.add_argument("sweep_dir")
    ap.add_argument("--all-steps", action="store_true",
                    help="series.parquet keeps every step, not only whole years")
    ap.add_argument("--strict", action="store_true",
                    help="exit 1 when any run is not finished (the default; kept for old scripts)")
    ap.add_argument("--allow-unfinished", action="store_true",
                    help="exit 0 even when some run is not finished (they are still listed)")
    ap.add_argument("--limit", type=int, default=50, help="problem runs to list (default 50)")
    a = ap.parse_args(argv)
    try:
        report = collect(a.sweep_dir, all_steps=a.all_steps, quiet=True)
    except FileNotFoundError as exc:
        print(f"wijksim: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. a read-only sweep directory: runs.parquet cannot be written
        print(f"wijksim: cannot write the collected tables into {a.sweep_dir}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 2
    print(report.text(a.limit))
    return 1 if (report.problems and not a.allow_unfinished) else 0


if __name__ == "__main__":
    sys.exit(main())
