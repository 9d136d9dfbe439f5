"""Study: which knobs matter for the generation? Morris screening, then Sobol on the top few.

1. **Morris** (Campolongo et al. 2007, SALib) over every continuous knob of the schema
   (``sim.knobs``; model sections only: ``years``, ``cohort``, ``neighbourhood`` and the
   programme's start year set up the experiment, not the model). Ranges come from the schema:
   each knob's allowed range, narrowed to +-50 % around its value in ``long_term`` (a knob at 0
   gets the lowest tenth of its range), because the full validation ranges (e.g. a budget up to
   100,000 euro per resident) leave every calibrated regime. Knobs tied by a cross-check of the
   schema (``school.exposure_zero_age`` >= ``..._full_age``, the two school thresholds) are left
   at their values.
2. **Sobol** (Saltelli 2002/2010 estimators, SALib) on the ``--top`` knobs with the largest
   Morris ``mu_star``: ``S1`` and ``ST`` with bootstrap 95 % intervals.

Both designs run on ``scenario=long_term`` as dotted knob names
(``+hydra.sweeper.design.knobs.moving.riser_effect=[..]``) through the wijksim sweeper; output:
the generation's income rank by origin at the outcome age (mean over ``--seeds`` per point).

    python -m experiments.sensitivity [--seeds 2] [--morris-n 10] [--sobol-n 64] [--top 6]
        [--knobs GROUP,...] [--size small|default] [overrides...]

Writes ``OUT/morris.csv``, ``OUT/sobol.csv``, ``OUT/figures/sensitivity.png``,
``OUT/report.html``, ``OUT/findings.md``.
"""

from __future__ import annotations

import argparse

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

NAME = "sensitivity"
OUTCOME = "generation.by_origin.income_rank"
SETUP_SECTIONS = ("years", "cohort", "neighbourhood")
FIXED = ("programme.start_year", "programme.enabled", "school.exposure_zero_age",
         "school.exposure_full_age", "school.higher_ed_threshold", "school.start_qual_threshold")


def ranges(groups: list[str] | None = None, scenario: str = "long_term") -> dict[str, list[float]]:
    """``{dotted knob: [low, high]}`` for every continuous model knob (see module docstring)."""
    from sim.conditions import resolved
    from sim.knobs import all_knobs

    centre = resolved(scenario)
    out: dict[str, list[float]] = {}
    for k in all_knobs():
        if (k.type != "float" or k.lo is None or k.hi is None or k.group in SETUP_SECTIONS
                or not k.group or k.key in FIXED or k.optional):
            continue
        if groups and not any(k.key == g or k.key.startswith(g + ".") for g in groups):
            continue
        c = centre.get(k.key)
        if not isinstance(c, int | float):
            continue
        lo, hi = float(k.lo), float(k.hi)
        a, b = (c - 0.5 * abs(c), c + 0.5 * abs(c)) if c != 0 else (lo, lo + 0.1 * (hi - lo))
        a, b = max(lo, a), min(hi, b)
        if k.lo_open and a <= lo:
            a = lo + 1e-6 * (hi - lo)
        if b > a:
            out[k.key] = [round(a, 10), round(b, 10)]
    return out


def design_overrides(method: str, n: int, knobs: dict[str, list[float]], seed: int = 0,
                     **extra) -> list[str]:
    """Sweeper overrides of a design over dotted knob names."""
    ov = [f"hydra.sweeper.design.method={method}", f"hydra.sweeper.design.n={n}",
          f"hydra.sweeper.design.seed={seed}"]
    ov += [f"hydra.sweeper.design.{k}={v}" for k, v in extra.items()]
    ov += [f"+hydra.sweeper.design.knobs.{k}=[{a!r},{b!r}]" for k, (a, b) in knobs.items()]
    return ov


def _options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--morris-n", type=int, default=10, help="Morris trajectories (default 10)")
    ap.add_argument("--sobol-n", type=int, default=64, help="Sobol base points, a power of 2")
    ap.add_argument("--top", type=int, default=6, help="knobs taken from Morris to Sobol")
    ap.add_argument("--knobs", default=None,
                    help="only these sections or keys, comma-separated (default: every one)")


def main(argv: list[str] | None = None) -> int:
    from sim.charts import sensitivity_chart
    from sim.report.page import Section, figure, para
    from sim.sensitivity import analyze

    args: Args = parse(NAME, __doc__.splitlines()[0], argv, add=_options, default_seeds=2)
    o = args.options
    groups = o["knobs"].split(",") if o["knobs"] else None
    knobs = ranges(groups)
    if not knobs:
        raise SystemExit(f"experiments: --knobs = {o['knobs']!r}: no continuous knob matches")
    m_sw = Sweep("morris", {"scenario": ["long_term"]},
                 design_overrides("morris", o["morris_n"], knobs))
    m_runs = run_sweep(m_sw, args)
    morris = analyze(args.out / "morris", OUTCOME).sort_values("mu_star", ascending=False)
    morris.to_csv(args.out / "morris.csv", index=False)
    top = list(morris["knob"].head(o["top"]))
    s_sw = Sweep("sobol", {"scenario": ["long_term"]},
                 design_overrides("sobol", o["sobol_n"], {k: knobs[k] for k in top}))
    run_sweep(s_sw, args)
    sobol = analyze(args.out / "sobol", OUTCOME).sort_values("ST", ascending=False)
    sobol.to_csv(args.out / "sobol.csv", index=False)
    show = pd.concat([morris.head(o["top"] * 2)[["knob", "output", "mu_star", "mu_star_conf"]]
                      .assign(output="Morris mu* (rank points)")])
    fig_m = sensitivity_chart(show)
    fig_s = sensitivity_chart(sobol[["knob", "output", "S1", "S1_conf", "ST", "ST_conf"]]
                              .assign(output="Sobol indices (share of variance)"))
    save(fig_m, args, "sensitivity_morris")
    png = save(fig_s, args, NAME)
    lines = [f"# Sensitivity ({args.seeds} seeds per point, size {args.size})", "",
             f"Morris over {len(knobs)} knobs ({o['morris_n']} trajectories); top {len(top)} "
             "by mu* (income rank points, 95 % interval):", ""]
    lines += [f"- `{r['knob']}`: mu* {r['mu_star']:.3g} +- {r['mu_star_conf']:.3g}"
              for _, r in morris.head(o["top"]).iterrows()]
    lines += ["", f"Sobol (n = {o['sobol_n']}) on those knobs:", ""]
    lines += [f"- `{r['knob']}`: S1 {fmt_ci(r['S1'], r['S1'] - r['S1_conf'], r['S1'] + r['S1_conf'])}, "
              f"ST {fmt_ci(r['ST'], r['ST'] - r['ST_conf'], r['ST'] + r['ST_conf'])}"
              for _, r in sobol.iterrows()]
    warn = warn_constant(m_runs, OUTCOME, lines)
    write_findings(args, lines)
    first = sobol.iloc[0]
    key = (f"Of {len(knobs)} knobs screened, '{first['knob']}' explains the most variance in the "
           f"generation's income rank (total Sobol index {first['ST']:.2f} +- "
           f"{first['ST_conf']:.2f}; the model's result).")
    cap = "Morris mu* (screening) and Sobol S1/ST (95 % bootstrap intervals) of the top knobs."
    write_report(args, "Sensitivity: which knobs matter", key, [Section(
        NAME, "Sensitivity", para(cap) + figure(fig_m, "morris", ["Morris screening"], "morris")
        + figure(fig_s, "sobol", ["Sobol indices"], "sobol"))], warn)
    print(f"experiments: {NAME}: {args.out}/report.html, {png}")
    return 0


if __name__ == "__main__":
    main_guard(main)
