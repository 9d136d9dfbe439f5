"""Movers vs stayers, and the buurten over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.charts._style import chart_style, new_figure, scenario_colours, word
from sim.units import KINDS, VIEWS, kind_of, label_of

GROUPS = ("movers", "stayers")


def movers_stayers_data(runs: pd.DataFrame, outcomes: Sequence[str], *,
                        by: str = "scenario_name") -> pd.DataFrame:
    """Per scenario, group (movers, stayers) and outcome: mean over seeds, 5 and 95 % over seeds.

    ``runs``: ``runs.parquet`` with ``generation.movers.<outcome>`` and ``generation.stayers.*``.
    Values in the outcome's own units (shares 0-1).
    """
    fin = runs[runs["status"] == "finished"] if "status" in runs.columns else runs
    rows = []
    for o in outcomes:
        for g in GROUPS:
            col = f"generation.{g}.{o}"
            if col not in fin.columns:
                raise ValueError(f"outcome {o!r}: runs has no column {col!r}")
            vals = pd.to_numeric(fin[col], errors="coerce")
            for name, v in vals.groupby(fin[by], sort=False):
                v = v.dropna()
                rows.append({by: name, "group": g, "outcome": o, "mean": v.mean(),
                             "q05": v.quantile(0.05), "q95": v.quantile(0.95), "n": len(v)})
    return pd.DataFrame(rows)


def movers_stayers_chart(runs: pd.DataFrame, outcomes: Sequence[str] = ("start_qualification",
                                                                        "income_rank"), *,
                         by: str = "scenario_name", scenarios: Sequence[Any] | None = None,
                         reference: Any = None, lang: str = "en", width: float = 7.5) -> Figure:
    """Children who moved out of the wijk vs those who stayed, per scenario: mean over seeds
    (bar) and the range of 90 % of seeds (line); one panel per outcome, in its unit."""
    d = movers_stayers_data(runs, outcomes, by=by)
    names = list(scenarios) if scenarios is not None else list(dict.fromkeys(d[by]))
    colours = scenario_colours(names, reference)
    with chart_style():
        fig, axes = new_figure(width, 0.8 + 0.42 * len(names), ncols=len(outcomes),
                               sharey=True, squeeze=False)
        for j, o in enumerate(outcomes):
            ax = axes[0][j]
            f = KINDS[kind_of(o)].factor
            for k, name in enumerate(names):
                for gi, g in enumerate(GROUPS):
                    r = d[(d[by] == name) & (d["group"] == g) & (d["outcome"] == o)]
                    if r.empty:
                        continue
                    r = r.iloc[0]
                    y = len(names) - 1 - k + (0.2 if gi == 0 else -0.2)
                    ax.barh(y, r["mean"] * f, height=0.36, color=colours[name],
                            alpha=0.95 if g == "movers" else 0.45, edgecolor="white")
                    ax.plot([r["q05"] * f, r["q95"] * f], [y, y], color="black", lw=0.9)
                    if k == 0:
                        ax.text(0, y, f" {VIEWS[g][lang]}", va="center", fontsize=7,
                                color="white" if g == "movers" else "black")
            ax.set_yticks(range(len(names)), [str(n) for n in reversed(names)])
            unit = KINDS[kind_of(o)].level_unit[lang]
            ax.set_xlabel(unit, fontsize=8)
            ax.set_title(label_of(o, lang), loc="left")
            ax.grid(axis="y", visible=False)
    return fig


def buurten_chart(buurten: pd.DataFrame | Mapping[Any, pd.DataFrame],
                  column: str = "liveability", *, lang: str = "en", width: float = 7.5,
                  cmap: str = "viridis") -> Figure:
    """The buurten over time: one heat strip per buurt (rows) by year (columns), one panel per
    scenario, one colour scale for all panels.

    ``buurten``: one run's ``buurten.parquet`` (``year``, ``buurt``, ``column``), or a mapping
    from scenario name to such a table (for example the same seed of each scenario).
    """
    frames = dict(buurten) if isinstance(buurten, Mapping) else {"": buurten}
    for name, b in frames.items():
        for col in ("year", "buurt", column):
            if col not in b.columns:
                raise ValueError(f"buurten table {name!r}: no column {col!r}")
    grids = {n: b.pivot_table(index="buurt", columns="year", values=column, aggfunc="mean")
             for n, b in frames.items()}
    f = KINDS[kind_of(column)].factor
    lo = min(float(np.nanmin(g.to_numpy())) for g in grids.values()) * f
    hi = max(float(np.nanmax(g.to_numpy())) for g in grids.values()) * f
    n = len(grids)
    with chart_style():
        nb = max(len(g.index) for g in grids.values())
        fig, axes = new_figure(width, 0.7 + n * (0.25 + 0.17 * nb), nrows=n, sharex=True,
                               squeeze=False)
        im = None
        for i, (name, g) in enumerate(grids.items()):
            ax = axes[i][0]
            years = g.columns.to_numpy(dtype=float)
            step = float(np.median(np.diff(years))) if len(years) > 1 else 1.0
            edges = np.append(years - step, years[-1]) if len(years) else years
            im = ax.pcolormesh(edges, np.arange(len(g.index) + 1) - 0.5, g.to_numpy() * f,
                               vmin=lo, vmax=hi, cmap=cmap, shading="flat")
            ax.set_yticks(range(len(g.index)), [str(b) for b in g.index], fontsize=7)
            ax.set_ylabel(word("buurt", lang), fontsize=8)
            ax.grid(False)
            if name != "":
                ax.set_title(str(name), loc="left", fontsize=9)
            ax.axvline(0, color="white", lw=1, ls=":")
        axes[-1][0].set_xlabel(word("year", lang))
        if im is not None:
            fig.colorbar(im, ax=axes[:, 0].tolist(), label=label_of(column, lang), shrink=0.9)
    return fig
