"""Sweeps: a heatmap over two knobs, and bars of sensitivity indices."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.charts._style import PALETTE, chart_style, new_figure
from sim.units import KINDS, kind_of, label_of

# Index columns of sim.sensitivity.analyze per method, with their interval column.
INDEX_COLUMNS = (("S1", "S1_conf"), ("ST", "ST_conf"), ("mu_star", "mu_star_conf"))


def heatmap_data(runs: pd.DataFrame, x: str, y: str, outcome: str) -> pd.DataFrame:
    """Mean of ``outcome`` over finished seeds for every (``y``, ``x``) pair: rows y, columns x."""
    fin = runs[runs["status"] == "finished"] if "status" in runs.columns else runs
    for col in (x, y, outcome):
        if col not in fin.columns:
            raise ValueError(f"column {col!r} is not in runs; columns: {', '.join(fin.columns)}")
    v = fin.assign(_v=pd.to_numeric(fin[outcome], errors="coerce"))
    return v.pivot_table(index=y, columns=x, values="_v", aggfunc="mean").sort_index()


def heatmap_chart(runs: pd.DataFrame, x: str, y: str, outcome: str, *, lang: str = "en",
                  width: float = 6.5, cmap: str | None = None) -> Figure:
    """Two-knob sweep: the mean of ``outcome`` over seeds in each cell (value written in it).

    ``runs``: ``runs.parquet`` of a grid sweep over ``x`` and ``y`` (columns of the overrides).
    Colours run from worse to better for the generation when the outcome's direction is known.
    """
    from sim.units import OUTCOMES

    grid = heatmap_data(runs, x, y, outcome)
    f = KINDS[kind_of(outcome)].factor
    key = outcome.rsplit(".", 1)[-1]
    lower_better = key in OUTCOMES and OUTCOMES[key].better == "lower"
    cmap = cmap or ("RdYlGn_r" if lower_better else "RdYlGn")
    vals = grid.to_numpy(dtype=float) * f
    with chart_style():
        fig, ax = new_figure(width, 1.2 + 0.45 * max(len(grid.index), 2))
        im = ax.imshow(vals, cmap=cmap, aspect="auto", origin="lower")
        ax.set_xticks(range(len(grid.columns)), [str(c) for c in grid.columns])
        ax.set_yticks(range(len(grid.index)), [str(i) for i in grid.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.grid(False)
        dec = KINDS[kind_of(outcome)].decimals
        mid = np.nanmean(vals) if np.isfinite(vals).any() else 0.0
        for (i, j), v in np.ndenumerate(vals):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.{dec}f}", ha="center", va="center", fontsize=8,
                        color="black" if abs(v - mid) < np.nanstd(vals) + 1e-12 else "white")
        unit = KINDS[kind_of(outcome)].level_unit[lang]
        fig.colorbar(im, ax=ax, label=f"{label_of(outcome, lang)}" + (f" ({unit})" if unit else ""))
        ax.set_title(label_of(outcome, lang), loc="left")
    return fig


def sensitivity_chart(indices: pd.DataFrame, *, lang: str = "en", width: float = 7.0) -> Figure:
    """Bars of sensitivity indices per knob with their intervals, one panel per output.

    ``indices``: the table of :func:`sim.sensitivity.analyze` (``knob``, ``output`` and
    ``S1``/``S1_conf``, ``ST``/``ST_conf`` for Sobol, ``mu_star``/``mu_star_conf`` for Morris).
    """
    present = [(c, e) for c, e in INDEX_COLUMNS if c in indices.columns]
    if not present or "knob" not in indices.columns:
        raise ValueError("indices: need a 'knob' column and one of S1, ST, mu_star "
                         f"(the table of sim.sensitivity.analyze); got {list(indices.columns)}")
    outputs = list(dict.fromkeys(indices["output"])) if "output" in indices.columns else [""]
    knobs = list(dict.fromkeys(indices["knob"]))
    with chart_style():
        fig, axes = new_figure(width, 0.7 + len(outputs) * (0.5 + 0.3 * len(knobs)),
                               nrows=len(outputs), squeeze=False)
        for i, out in enumerate(outputs):
            ax = axes[i][0]
            sub = indices[indices["output"] == out] if out != "" else indices
            sub = sub.set_index("knob").reindex(knobs)
            h = 0.8 / len(present)
            for k, (col, err) in enumerate(present):
                ys = np.arange(len(knobs))[::-1] + (k - (len(present) - 1) / 2) * h
                xerr = sub[err].to_numpy(dtype=float) if err in sub.columns else None
                ax.barh(ys, sub[col].to_numpy(dtype=float), height=h * 0.9,
                        xerr=xerr, color=PALETTE[k], label=col, error_kw={"lw": 0.8})
            ax.set_yticks(np.arange(len(knobs))[::-1], knobs)
            ax.axvline(0, color="black", lw=0.6)
            ax.set_title(label_of(out, lang) if out else "", loc="left")
            ax.legend(loc="lower right", fontsize=7)
            ax.grid(axis="y", visible=False)
    return fig


def heatmap_ci_chart(cells: pd.DataFrame, x: str, y: str, *, value: str = "difference",
                     low: str = "ci_low", high: str = "ci_high", title: str = "",
                     unit: str = "", dec: int = 1, width: float = 6.5,
                     better: str = "higher") -> Figure:
    """Two-knob grid of a paired difference: each cell coloured by ``value`` and labelled with
    the value and its interval (``low``-``high``); a cell whose interval excludes zero is boxed.

    ``cells``: one row per (``x``, ``y``) with the three columns (e.g. one
    :func:`sim.compare.paired_differences` row per cell).
    """
    grid = cells.pivot_table(index=y, columns=x, values=value, aggfunc="first").sort_index()
    lo = cells.pivot_table(index=y, columns=x, values=low, aggfunc="first").reindex_like(grid)
    hi = cells.pivot_table(index=y, columns=x, values=high, aggfunc="first").reindex_like(grid)
    vals = grid.to_numpy(dtype=float)
    span = float(np.nanmax(np.abs(vals))) if np.isfinite(vals).any() else 1.0
    span = span or 1.0
    with chart_style():
        fig, ax = new_figure(width, 1.4 + 0.6 * max(len(grid.index), 2))
        im = ax.imshow(vals, cmap="RdYlGn" if better == "higher" else "RdYlGn_r",
                       vmin=-span, vmax=span, aspect="auto", origin="lower")
        ax.set_xticks(range(len(grid.columns)), [f"{c:g}" for c in grid.columns])
        ax.set_yticks(range(len(grid.index)), [f"{i:g}" for i in grid.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.grid(False)
        for (i, j), v in np.ndenumerate(vals):
            if not np.isfinite(v):
                continue
            a, b = lo.iat[i, j], hi.iat[i, j]
            ax.text(j, i, f"{v:+.{dec}f}\n[{a:+.{dec}f}, {b:+.{dec}f}]", ha="center",
                    va="center", fontsize=7.5)
            if np.isfinite(a) and np.isfinite(b) and (a > 0 or b < 0):
                ax.add_patch(__import__("matplotlib.patches", fromlist=["Rectangle"]).Rectangle(
                    (j - 0.48, i - 0.48), 0.96, 0.96, fill=False, lw=1.5, ec="black"))
        fig.colorbar(im, ax=ax, label=unit)
        ax.set_title(title, loc="left", fontsize=9)
    return fig


def prim_box_chart(limits: pd.DataFrame, *, title: str = "", width: float = 6.5) -> Figure:
    """A PRIM box (scenario discovery): each lever's swept range (grey) and the box's range on it.

    ``limits``: one row per lever with ``lever``, ``low``, ``high`` (the swept range) and
    ``box_low``, ``box_high`` (the box); a lever the box does not restrict spans the full bar.
    """
    n = len(limits)
    with chart_style():
        fig, ax = new_figure(width, 0.9 + 0.42 * max(n, 2))
        for i, (_, r) in enumerate(limits.iterrows()):
            y = n - 1 - i
            span = float(r["high"] - r["low"]) or 1.0
            a, b = (r["box_low"] - r["low"]) / span, (r["box_high"] - r["low"]) / span
            ax.barh(y, 1.0, left=0.0, height=0.6, color="#dddddd")
            restricted = a > 1e-9 or b < 1 - 1e-9
            ax.barh(y, b - a, left=a, height=0.6, color=PALETTE[0] if restricted else "#9ecae1")
            ax.text(-0.02, y, f"{r['low']:g}", ha="right", va="center", fontsize=7)
            ax.text(1.02, y, f"{r['high']:g}", ha="left", va="center", fontsize=7)
            if restricted:
                ax.text((a + b) / 2, y, f"{r['box_low']:.3g} – {r['box_high']:.3g}",
                        ha="center", va="center", fontsize=7, color="white")
        ax.set_yticks(range(n)[::-1], list(limits["lever"]))
        ax.set_xlim(-0.15, 1.15)
        ax.set_xticks([])
        ax.grid(False)
        # over the whole figure and wrapped: the long lever names leave the axes too narrow for a
        # title with coverage and density in it (it was cut off at the right edge)
        fig.suptitle(textwrap.fill(title, 80), x=0.01, ha="left", fontsize=9)
    return fig
