"""Study: political events x governance insulation — the programme's gain for the generation.

``long_term`` and ``no_programme`` on the same seeds in every cell of a grid of
``politics.cabinet_change_rate`` (cabinet changes per year; municipal elections stay every 4
years) x ``governance.insulation`` (0 = led by the municipality, 1 = a network no single partner
leads); each event resets the programme with probability ``politics.reset_probability x (1 -
insulation)``. The cell's value is the gain (income rank at the outcome age, by origin) of the
programme over no programme, with its paired 95 % interval.

    python -m experiments.politics [--seeds 20] [--size small|default] [overrides...]

Writes ``OUT/gains.csv``, ``OUT/figures/politics.png``, ``OUT/report.html``, ``OUT/findings.md``.
"""

from __future__ import annotations

from experiments._grid import run_grid_study
from experiments._study import main_guard

NAME = "politics"
X, XS = "politics.cabinet_change_rate", [0.0, 0.35, 1.0]
Y, YS = "governance.insulation", [0.1, 0.5, 0.9]


def main(argv: list[str] | None = None) -> int:
    return run_grid_study(NAME, __doc__, X, XS, Y, YS, "Political events x insulation", argv)


if __name__ == "__main__":
    main_guard(main)
