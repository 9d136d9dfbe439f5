"""Study: what each of the seven conditions is worth to the generation.

``long_term`` (all seven conditions), its seven leave-one-out arms, the project carousel (also on
the same money) and ``no_programme``, all on the same seeds (common random numbers). For every arm:
the generation's difference from ``long_term`` at the outcome age, by origin (the children who
lived there at the start, wherever they live now) and by place (who lives there then), paired by
seed with 95 % t-intervals (:mod:`sim.compare`), ranked by the by-origin difference.

    python -m experiments.seven_conditions [--seeds 20] [--size small|default] [overrides...]

Writes ``OUT/differences.csv`` (every arm x outcome x view), ``OUT/ranking.csv``,
``OUT/figures/seven_conditions.png``, ``OUT/report.html`` and ``OUT/findings.md``.
"""

from __future__ import annotations

import pandas as pd

from experiments._study import (
    Args,
    Sweep,
    fmt_ci,
    main_guard,
    parse,
    run_sweep,
    save,
    warn_constant,
    write_findings,
    write_report,
)
from sim.conditions import REFERENCE, SCENARIO_SET, describe

NAME = "seven_conditions"
OUTCOME = "income_rank"  # the ranking's outcome (rank points): the brief's "income" chance
CHART_OUTCOMES = ("income_rank", "start_qualification", "employed", "ever_suspect")


def sweep() -> Sweep:
    return Sweep("runs", {"scenario": list(SCENARIO_SET)})


def analyse(runs: pd.DataFrame, args: Args) -> dict:
    """Differences from long_term per arm, outcome and view; the ranking; the figure."""
    from sim.charts import differences_chart, differences_data

    present = [o for o in CHART_OUTCOMES if f"generation.by_origin.{o}" in runs.columns]
    d = differences_data(runs, present, by="scenario", reference=REFERENCE)
    d.to_csv(args.out / "differences.csv", index=False)
    rank = (d[(d["key"] == OUTCOME) & (d["view"] == "by_origin")]
            .sort_values("difference").reset_index(drop=True))
    rank.insert(0, "rank", range(1, len(rank) + 1))
    rank["what"] = rank["scenario"].map(describe)
    rank.to_csv(args.out / "ranking.csv", index=False)
    # wider than the chart's default: the arms' long names narrow the panels, and the panel
    # titles ("ever a registered suspect, age 12-24: by origin") ran into each other
    fig = differences_chart(runs, present, by="scenario", reference=REFERENCE,
                            scenarios=list(rank["scenario"]), width=10.0)
    png = save(fig, args, NAME)
    return {"differences": d, "ranking": rank, "figure": png, "runs": runs}


def report(res: dict, args: Args) -> None:
    from sim.report.page import Section, para, table

    rank = res["ranking"]
    lines = [f"# Seven conditions ({args.seeds} seeds, size {args.size})", "",
             f"Difference of each arm from `{REFERENCE}` in the generation's income rank at the "
             "outcome age, by origin, paired by seed (95 % interval); most harmful first:", ""]
    rows = []
    for _, r in rank.iterrows():
        ci = fmt_ci(r["difference"], r["ci_low"], r["ci_high"], "rank points")
        lines.append(f"{int(r['rank'])}. `{r['scenario']}`: {ci} ({r['verdict']})")
        rows.append([(str(int(r["rank"])), ""), (str(r["scenario"]), ""), (ci, "num"),
                     (r["verdict"], r["verdict"])])
    warn = warn_constant(res["runs"], f"generation.by_origin.{OUTCOME}", lines)
    write_findings(args, lines)
    worst = rank.iloc[0]
    key = (f"Losing '{worst['scenario']}' costs the generation most: "
           f"{fmt_ci(worst['difference'], worst['ci_low'], worst['ci_high'], 'income rank points')}"
           " compared with the programme that meets all seven conditions (the model's result).")
    body = para("Each arm differs from long_term in one condition's knobs only; runs share seeds "
                "(common random numbers) and differences are paired by seed.") + \
        table(["rank", "arm", "difference by origin (95 % CI)", "verdict"], rows)
    write_report(args, "Seven conditions: what each is worth", key,
                 [Section("seven-conditions", "Differences from long_term", body)], warn)


def main(argv: list[str] | None = None) -> int:
    args = parse(NAME, __doc__.splitlines()[0], argv)
    runs = run_sweep(sweep(), args)
    res = analyse(runs, args)
    report(res, args)
    print(f"experiments: {NAME}: {args.out}/report.html, {res['figure']}")
    return 0


if __name__ == "__main__":
    main_guard(main)
