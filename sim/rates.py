"""Rates to probabilities: the one conversion every per-year rate goes through (docs/model.md, conventions).

Every rate in the configs is per year; over a step of ``dt`` years an event with hazard ``rate``
happens with probability ``1 - exp(-rate * dt)``, and a stock relaxing towards its target at ``rate``
closes that same share of the gap. Writing it once keeps the step length a free choice.
"""

from __future__ import annotations

import math

import numpy as np


def step_prob(rate: np.ndarray | float, dt: float) -> np.ndarray | float:
    """Probability that an event with hazard ``rate`` (per year) happens within ``dt`` years.

    Scalars give a float, arrays an array (``-expm1(-rate*dt)``, exact for small ``rate*dt``).
    """
    if isinstance(rate, np.ndarray):
        x = rate * -dt
        np.expm1(x, out=x)
        np.negative(x, out=x)
        return x
    return -math.expm1(-rate * dt)


def steady_share(inflow: np.ndarray, outflow: np.ndarray) -> np.ndarray:
    """Steady-state share in a state entered at rate ``inflow`` and left at ``outflow``:
    ``inflow / (inflow + outflow)``, 0 where both rates are 0 (a knob at its bound: nobody enters)."""
    total = inflow + outflow
    return np.divide(inflow, total, out=np.zeros(np.shape(total)), where=total > 0)
