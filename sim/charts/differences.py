"""Paired differences from a reference scenario, one panel per outcome in its own unit."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.charts._style import BETTER, UNCLEAR, WORSE, chart_style, new_figure, word
from sim.compare import paired_differences
from sim.units import KINDS, OUTCOMES, VIEWS, diff_unit, kind_of, label_of

DEFAULT_VIEWS = ("by_origin", "by_place")


def outcomes_in(runs: pd.DataFrame, views: Sequence[str] = DEFAULT_VIEWS) -> list[str]:
    """The known generation outcomes (``sim.units.OUTCOMES``) that ``runs`` has for every view."""
    return [o for o in OUTCOMES if all(f"generation.{v}.{o}" in runs.columns for v in views)]


def verdict(row: pd.Series, better: str) -> str:
    """``better`` / ``worse`` when the whole interval lies on one side of zero, else ``unclear``."""
    lo, hi = row["ci_low"], row["ci_high"]
    if pd.isna(lo) or pd.isna(hi) or lo <= 0 <= hi:
        return "unclear"
    return "better" if (lo > 0) == (better == "higher") else "worse"


def differences_data(runs: pd.DataFrame, outcomes: Sequence[str] | None = None, *,
                     by: str = "scenario_name", reference: Any = "no_programme",
                     views: Sequence[str] = DEFAULT_VIEWS, conf_level: float = 0.95) -> pd.DataFrame:
    """:func:`sim.compare.paired_differences` of ``generation.<view>.<outcome>`` for each view,
    with ``view``, ``key`` (outcome name), ``kind``, ``verdict`` and the shown values ``shown_*``
    (difference and interval in the unit of the chart: pp for shares). ``runs``: ``runs.parquet``.
    """
    outcomes = list(outcomes) if outcomes is not None else outcomes_in(runs, views)
    cols = [f"generation.{v}.{o}" for v in views for o in outcomes]
    d = paired_differences(runs, cols, by=by, reference=reference, conf_level=conf_level)
    parts = d["outcome"].str.split(".", expand=True)
    d["view"], d["key"] = parts[1], parts[2]
    d["kind"] = d["outcome"].map(kind_of)
    factor = d["kind"].map(lambda k: KINDS[k].factor)
    for c in ("difference", "ci_low", "ci_high"):
        d[f"shown_{c}"] = d[c] * factor
    d["verdict"] = [verdict(r, OUTCOMES[r["key"]].better if r["key"] in OUTCOMES else "higher")
                    for _, r in d.iterrows()]
    return d


def differences_chart(runs: pd.DataFrame, outcomes: Sequence[str] | None = None, *,
                      by: str = "scenario_name", reference: Any = "no_programme",
                      views: Sequence[str] = DEFAULT_VIEWS, scenarios: Sequence[Any] | None = None,
                      conf_level: float = 0.95, lang: str = "en", width: float = 7.5) -> Figure:
    """Each scenario's paired difference from ``reference`` with its ``conf_level`` interval.

    One row of panels per outcome (its own unit on the x-axis: percentage points for shares,
    rank points for income rank, points for 0-1 indices), one column per view (by origin, by
    place), side by side on a shared axis. Green = clearly better for the generation, red =
    clearly worse, grey = the interval includes zero. ``runs``: ``runs.parquet``; the numbers are
    exactly those of :func:`differences_data` (i.e. of ``sim.compare``).
    """
    d = differences_data(runs, outcomes, by=by, reference=reference, views=views,
                         conf_level=conf_level)
    keys = list(dict.fromkeys(d["key"]))
    names = list(scenarios) if scenarios is not None else list(dict.fromkeys(d[by]))
    names = [n for n in names if n != reference]
    colour = {"better": BETTER, "worse": WORSE, "unclear": UNCLEAR}
    per_row = 0.45 + 0.24 * len(names)
    with chart_style():
        fig, axes = new_figure(width, 0.5 + per_row * len(keys), nrows=len(keys),
                               ncols=len(views), sharey=True, squeeze=False)
        # room between the side-by-side panels, so their edge tick labels do not touch
        fig.get_layout_engine().set(wspace=0.06)
        for i, key in enumerate(keys):
            lim = d.loc[d["key"] == key, ["shown_ci_low", "shown_ci_high", "shown_difference"]]
            span = np.nanmax(np.abs(lim.to_numpy(dtype=float))) if lim.notna().any().any() else 1
            span = span * 1.1 if span > 0 else 1.0
            for j, view in enumerate(views):
                ax = axes[i][j]
                sub = d[(d["key"] == key) & (d["view"] == view)].set_index(by)
                ax.axvline(0, color="black", lw=0.8)
                for k, name in enumerate(names):
                    if name not in sub.index:
                        continue
                    r = sub.loc[name]
                    y = len(names) - 1 - k
                    c = colour[r["verdict"]]
                    ax.plot([r["shown_ci_low"], r["shown_ci_high"]], [y, y], color=c, lw=2.2,
                            solid_capstyle="butt")
                    ax.plot([r["shown_difference"]], [y], "o", color=c, ms=5)
                ax.set_xlim(-span, span)
                ax.set_yticks(range(len(names)), [str(n) for n in reversed(names)])
                ax.set_ylim(-0.7, len(names) - 0.3)
                ax.grid(axis="y", visible=False)
                ax.set_xlabel(diff_unit(f"x.{key}", lang), fontsize=8, labelpad=1)
                head = label_of(key, lang)
                title = f"{head}: {VIEWS[view][lang]}" if len(views) > 1 else head
                # wrapped: two panels side by side leave ~36 characters per line at 9 pt
                ax.set_title("\n".join(textwrap.wrap(title, 36)), loc="left", fontsize=9)
        from matplotlib.lines import Line2D

        fig.legend(handles=[Line2D([], [], color=colour[v], marker="o", lw=2, label=word(v, lang))
                            for v in ("better", "worse", "unclear")],
                   loc="upper right", ncols=3, fontsize=8, bbox_to_anchor=(1.0, 1.0))
        fig.suptitle(f"{word('diff_from', lang, ref=reference)} "
                     f"({word('interval', lang, p=round(conf_level * 100))})",
                     x=0.01, ha="left", fontsize=10)
    return fig
