"""Fan chart: a series over the decades per scenario, median with 50 % and 90 % bands over seeds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.charts._style import chart_style, new_figure, scenario_colours, word
from sim.units import KINDS, kind_of, label_of

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _finished(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["status"] == "finished"] if "status" in table.columns else table


def _order(values: Sequence[Any], scenarios: Sequence[Any] | None, reference: Any) -> list[Any]:
    present = list(dict.fromkeys(values))
    if scenarios is not None:
        missing = [s for s in scenarios if s not in present]
        if missing:
            raise ValueError(f"scenarios = {missing}: not in the table; present: {present}")
        return list(scenarios)
    return ([reference] if reference in present else []) + [v for v in present if v != reference]


def fan_data(series: pd.DataFrame, column: str, *, by: str = "scenario_name") -> pd.DataFrame:
    """Per scenario and year: the 5, 25, 50, 75 and 95 % quantiles of ``column`` over seeds.

    ``series``: ``series.parquet`` (one row per run and year, with ``by``, ``seed``, ``year``).
    Returns columns ``by``, ``year``, ``q05``, ``q25``, ``q50``, ``q75``, ``q95`` and ``n`` (seeds),
    in the column's own units (shares as 0-1).
    """
    for col in (by, "year", column):
        if col not in series.columns:
            raise ValueError(f"column {col!r} is not in the series table; columns: "
                             f"{', '.join(map(str, series.columns))}")
    df = series[[by, "year", column]].copy()
    df[column] = pd.to_numeric(df[column], errors="coerce")
    g = df.dropna(subset=[column]).groupby([by, "year"], sort=True)[column]
    out = g.quantile(list(QUANTILES)).unstack()
    out.columns = [f"q{int(round(q * 100)):02d}" for q in QUANTILES]
    out["n"] = g.size()
    return out.reset_index()


def _events(series: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per scenario and year: share of seeds with the programme running, mean resets and cuts."""
    cols = [c for c in ("programme_active", "resets", "cuts") if c in series.columns]
    if not cols:
        return pd.DataFrame()
    keys = [by, "seed"] if "seed" in series.columns else [by]
    df = series[[*keys, "year", *cols]].sort_values([*keys, "year"]).copy()
    for c in ("resets", "cuts"):
        if c in df.columns:  # cumulative counts -> events in the year before each row
            df[c] = df.groupby(keys)[c].diff().fillna(0).clip(lower=0)
    if "programme_active" in df.columns:
        df["programme_active"] = df["programme_active"].astype(float)
    return df.groupby([by, "year"])[cols].mean().reset_index()


def fan_chart(series: pd.DataFrame, column: str = "liveability", *, by: str = "scenario_name",
              scenarios: Sequence[Any] | None = None, reference: Any = None,
              lang: str = "en", width: float = 7.5, title: str | None = None) -> Figure:
    """A series over the years per scenario: median line, 50 % and 90 % bands over seeds.

    ``series``: the ``series.parquet`` table of ``sim.collect`` (or one run's ``timeseries.parquet``
    with a ``by`` column added). The programme period (years when the programme of most seeds of
    any scenario runs) is shaded; beneath, one strip row per scenario shows when its programme
    runs and marks political resets (triangles) and budget cuts (crosses), sized by the mean
    number per seed in that year, when the table has ``programme_active``/``resets``/``cuts``.
    Shares are shown in %. Returns the figure (nothing is drawn on screen).
    """
    series = _finished(series)
    data = fan_data(series, column, by=by)
    names = _order(data[by], scenarios, reference)
    colours = scenario_colours(names, reference)
    ev = _events(series, by)
    factor = KINDS[kind_of(column)].factor
    with chart_style():
        strip = not ev.empty
        rows = len(names) if strip else 0
        fig, axes = new_figure(width, 3.6 + 0.22 * rows, nrows=2 if strip else 1, sharex=True,
                               **({"height_ratios": [3.4, 0.3 + 0.22 * rows]} if strip else {}))
        ax = axes[0] if strip else axes
        if strip and "programme_active" in ev.columns:
            running = ev[ev["programme_active"] >= 0.5]["year"]
            if len(running):
                ax.axvspan(max(0.0, running.min()), running.max() + 1, color="#f2e6c9", lw=0,
                           zorder=0, label=word("programme", lang))
        for name in names:
            d = data[data[by] == name]
            c = colours[name]
            ax.fill_between(d["year"], d["q05"] * factor, d["q95"] * factor, color=c, alpha=0.12,
                            lw=0)
            ax.fill_between(d["year"], d["q25"] * factor, d["q75"] * factor, color=c, alpha=0.28,
                            lw=0)
            ax.plot(d["year"], d["q50"] * factor, color=c, lw=1.8,
                    ls="--" if name == reference else "-", label=str(name))
        unit = KINDS[kind_of(column)].level_unit[lang]
        ax.set_ylabel(f"{label_of(column, lang)}" + (f" ({unit})" if unit == "%" else ""))
        ax.set_title(title or label_of(column, lang), loc="left")
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
                  title=f"{word('median', lang)}; {word('band50', lang)} / {word('band90', lang)}",
                  title_fontsize=7)
        ax.set_xlim(data["year"].min(), data["year"].max())
        if strip:
            _strip(axes[1], ev, names, colours, by, lang)
            axes[1].set_xlabel(word("year", lang))
        else:
            ax.set_xlabel(word("year", lang))
    return fig


def _strip(ax: Any, ev: pd.DataFrame, names: list[Any], colours: dict, by: str, lang: str) -> None:
    """One row per scenario: programme running (bar, opacity = share of seeds), resets, cuts."""
    ax.grid(False)
    for i, name in enumerate(names):
        e = ev[ev[by] == name].sort_values("year")
        y = len(names) - 1 - i
        if "programme_active" in e.columns:
            yrs, share = e["year"].to_numpy(), e["programme_active"].to_numpy()
            for yr, s in zip(yrs, share, strict=True):
                if s > 0:
                    ax.add_patch(_rect(yr, y - 0.3, 1.0, 0.6, colours[name], 0.15 + 0.45 * s))
        for col, marker, size in (("resets", "v", 40), ("cuts", "x", 30)):
            if col in e.columns:
                hit = e[e[col] > 0]
                if len(hit):
                    ax.scatter(hit["year"] - 0.5, np.full(len(hit), y), marker=marker,
                               s=size * np.clip(hit[col].to_numpy(), 0.25, 2.0), color="black",
                               lw=1.0, zorder=3)
    ax.set_yticks(range(len(names)), [str(n) for n in reversed(names)], fontsize=7)
    ax.set_ylim(-0.6, len(names) - 0.4)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="v", ls="", color="black", label=word("reset", lang)),
               Line2D([], [], marker="x", ls="", color="black", label=word("cut", lang))]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    ax.set_title(word("running", lang), loc="left", fontsize=8)


def _rect(x: float, y: float, w: float, h: float, colour: str, alpha: float) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, color=colour, alpha=alpha, lw=0)
