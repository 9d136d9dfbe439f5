"""The few lines a single ``python -m sim.run`` prints: the generation by origin and by place."""

from __future__ import annotations

import json
from pathlib import Path

from sim.units import OUTCOMES, fmt

HEADLINE = ("start_qualification", "employed", "income_rank", "ever_suspect")


def headline(run_dir: str | Path) -> str:
    """A short plain-text headline of one finished run directory (its summary and manifest)."""
    run = Path(run_dir)
    try:
        s = json.loads((run / "summary.json").read_text())
        m = json.loads((run / "manifest.json").read_text())
    except (OSError, ValueError):
        return f"wijksim: no finished run in {run}"
    g = s.get("generation", {})
    cfg = m.get("config", {})
    co = cfg.get("cohort", {})
    age = co.get("outcome_age", 25)
    o, p = g.get("by_origin", {}), g.get("by_place", {})
    lines = [f"wijksim: {s.get('scenario', cfg.get('scenario_name', '?'))}, seed "
             f"{m.get('seed')}, {m.get('status')} in {m.get('wall_seconds', 0):.1f} s",
             f"  the generation at {age}. by origin: the {o.get('n', 0):,} children aged "
             f"{co.get('min_age', 0)}-{co.get('max_age', 12)} at the start, wherever they live;",
             f"  by place: the {p.get('n', 0):,} people aged {age} living in the wijk",
             f"  {'':<38}{'by origin':>10}  {'by place':>9}"]
    for k in HEADLINE:
        if k in o:
            unit = " %" if OUTCOMES[k].kind == "share" else "  "
            lines.append(f"  {OUTCOMES[k].label['en']:<38}{fmt(o[k], k) + unit:>10}  "
                         f"{fmt(p.get(k), k) + unit:>9}")
    lines.append(f"  run directory: {run}")
    return "\n".join(lines)
