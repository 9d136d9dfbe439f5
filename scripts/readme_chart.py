"""Draw the README's scenario chart from a demo directory (``make readme-chart``).

Usage: ``python scripts/readme_chart.py [DEMO_DIR] [--out docs/img/scenario-differences.png]``;
without DEMO_DIR the newest ``outputs/demo/*`` is used (``make readme-chart`` runs ``make demo``
first). The chart is :func:`sim.charts.differences_chart` of four headline outcomes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sim.charts import differences_chart

OUTCOMES = ("start_qualification", "income_rank", "ever_suspect", "trust")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("demo_dir", nargs="?", help="a demo directory (default: the newest)")
    ap.add_argument("--out", default="docs/img/scenario-differences.png")
    a = ap.parse_args(argv)
    if a.demo_dir:
        root = Path(a.demo_dir)
    else:
        dirs = sorted(p for p in Path("outputs/demo").glob("*") if (p / "runs.parquet").exists())
        if not dirs:
            print("wijksim: no outputs/demo/*/runs.parquet: run make demo first", file=sys.stderr)
            return 2
        root = dirs[-1]
    runs = pd.read_parquet(root / "runs.parquet")
    fig = differences_chart(runs, OUTCOMES, reference="no_programme")
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, metadata={"Software": None})
    print(f"{out} (from {root})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
