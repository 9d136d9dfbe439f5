"""Two-knob grid studies: the generation's gain of ``long_term`` over ``no_programme`` per cell.

Both scenarios run in every cell on the same seeds, so the gain in a cell is a paired difference
(:func:`sim.compare.paired_differences`, 95 % t-interval over seeds). Used by
``experiments.funding_x_turnover`` and ``experiments.politics``.
"""

from __future__ import annotations

import pandas as pd

from experiments._study import (
    Args,
    Sweep,
    fmt_ci,
    parse,
    run_sweep,
    save,
    warn_constant,
    write_findings,
    write_report,
)

OUTCOME = "generation.by_origin.income_rank"


def gains(runs: pd.DataFrame, x: str, y: str, outcome: str = OUTCOME) -> pd.DataFrame:
    """One row per (x, y): the paired gain of long_term over no_programme with its interval."""
    from sim.compare import paired_differences

    rows = []
    for (xv, yv), cell in runs.groupby([x, y]):
        d = paired_differences(cell, outcome, by="scenario", reference="no_programme")
        d = d[d["scenario"] == "long_term"]
        rows.append({x: xv, y: yv, **d.iloc[0].drop("scenario").to_dict()})
    return pd.DataFrame(rows)


def run_grid_study(name: str, doc: str, x: str, xs: list, y: str, ys: list, title: str,
                   argv: list[str] | None) -> int:
    """Parse, sweep, tabulate (``OUT/gains.csv``), draw the heatmap, write report and findings."""
    from sim.charts import heatmap_ci_chart
    from sim.report.page import Section, figure, para

    args: Args = parse(name, doc.splitlines()[0], argv)
    sw = Sweep("runs", {"scenario": ["long_term", "no_programme"], x: xs, y: ys})
    runs = run_sweep(sw, args)
    g = gains(runs, x, y)
    g.to_csv(args.out / "gains.csv", index=False)
    caption = (f"{title}: gain of long_term over no_programme in the generation's income rank by "
               "origin (rank points), paired by seed; [95 % interval]; boxed = interval excludes 0")
    fig = heatmap_ci_chart(g, x, y, title=caption if len(caption) < 90 else title,
                           unit="income rank points (gain)")
    png = save(fig, args, name)
    best, worst = g.loc[g["difference"].idxmax()], g.loc[g["difference"].idxmin()]
    lines = [f"# {title} ({args.seeds} seeds, size {args.size})", "", caption + ":", ""]
    lines += [f"- {x} = {r[x]:g}, {y} = {r[y]:g}: "
              f"{fmt_ci(r['difference'], r['ci_low'], r['ci_high'], 'rank points')}"
              for _, r in g.iterrows()]
    warn = warn_constant(runs, OUTCOME, lines)
    write_findings(args, lines)
    key = (f"The programme's gain is largest at {x} = {best[x]:g}, {y} = {best[y]:g} "
           f"({fmt_ci(best['difference'], best['ci_low'], best['ci_high'], 'rank points')}) and "
           f"smallest at {x} = {worst[x]:g}, {y} = {worst[y]:g} "
           f"({fmt_ci(worst['difference'], worst['ci_low'], worst['ci_high'], 'rank points')}); "
           "the model's result.")
    fig2 = heatmap_ci_chart(g, x, y, title=title, unit="income rank points (gain)")
    write_report(args, title, key, [Section(name, title, para(caption) + figure(
        fig2, name, [caption], title))], warn)
    print(f"experiments: {name}: {args.out}/report.html, {png}")
    return 0
