"""``make gallery``: run every study at a *preview* size and copy one figure of each into
``docs/img/gallery/`` (the README's gallery).

Preview size, so that the whole gallery runs in minutes, not hours: a 1,000-resident wijk, no
burn-in, a generation of 12-14-year-olds measured at 25 (runs of 13 years), 2 seeds, the full
grids of the grid studies, horizons 2-8 years (runs of 18 years), Morris over the funding,
staffing, governance and politics knobs (2 trajectories, 1 seed) then Sobol (n = 4) on the top
4, and 20 Latin-hypercube points for discovery. The figures show what each study draws; their
numbers are not findings (run the studies at their real size for those: README, "Experiments").
The outcome age stays 25, not 18 (shorter runs): at 18 nobody in the generation works yet, so
their income rank is the benefit level in every scenario and every gain came out exactly 0.
Each study resumes from ``multirun/gallery/<study>``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEST = REPO / "docs" / "img" / "gallery"
PREVIEW = ["--seeds", "2", "--size", "small", "--quiet", "years.burn_in=0",
           "neighbourhood.residents=1000", "cohort.min_age=12", "cohort.max_age=14",
           "cohort.outcome_age=25"]
STUDIES: dict[str, list[str]] = {
    "seven_conditions": [],
    "funding_x_turnover": [],
    "politics": [],
    "horizon": ["programme.horizon_years=2,4,8", "years.after_start=18"],
    "sensitivity": ["--seeds", "1", "--knobs", "funding,staffing,governance,politics",
                    "--morris-n", "2",
                    "--sobol-n", "4", "--top", "4"],
    "discovery": ["--points", "20"],
}


def main(argv: list[str] | None = None) -> int:
    names = list(sys.argv[1:] if argv is None else argv) or list(STUDIES)
    DEST.mkdir(parents=True, exist_ok=True)
    for name in names:
        out = REPO / "multirun" / "gallery" / name
        cmd = [sys.executable, "-m", f"experiments.{name}", *PREVIEW, "--out", str(out),
               *STUDIES[name]]
        print(f"gallery: {' '.join(cmd[1:])}", flush=True)
        subprocess.run(cmd, check=True, cwd=REPO)
        shutil.copyfile(out / "figures" / f"{name}.png", DEST / f"{name}.png")
        shutil.copyfile(out / "findings.md", DEST / f"{name}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
