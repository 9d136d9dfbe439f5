"""Study: funding volatility x staff turnover — the programme's gain for the generation per cell.

``long_term`` and ``no_programme`` on the same seeds in every cell of a grid of
``funding.volatility`` (sd of the log budget from year to year) x ``staffing.turnover_rate``
(per year); the cell's value is the generation's gain (income rank at the outcome age, by origin)
of the programme over no programme, with its paired 95 % interval. Budget cuts: run it again with
``funding.cut_rate=0.2`` (or ``funding.cut_rate=0,0.2`` is *not* a third axis: one value per run).

    python -m experiments.funding_x_turnover [--seeds 20] [--size small|default] [overrides...]

Writes ``OUT/gains.csv``, ``OUT/figures/funding_x_turnover.png``, ``OUT/report.html``,
``OUT/findings.md``.
"""

from __future__ import annotations

from experiments._grid import run_grid_study
from experiments._study import main_guard

NAME = "funding_x_turnover"
X, XS = "funding.volatility", [0.0, 0.3, 0.6]
Y, YS = "staffing.turnover_rate", [0.1, 0.25, 0.5]


def main(argv: list[str] | None = None) -> int:
    return run_grid_study(NAME, __doc__, X, XS, Y, YS, "Funding volatility x staff turnover", argv)


if __name__ == "__main__":
    main_guard(main)
