"""Study: how long must a programme last — and what remains of it after the money stops?

``long_term`` with ``programme.horizon_years`` = 4, 8, 12, 20, 30 (everything else as
``long_term``) and ``no_programme``, on the same seeds. For each horizon: the generation's gain at
the outcome age (income rank by origin, paired by seed, 95 % interval), and the wijk's indicators
(liveability, collective efficacy, school quality, trust, crime) as a paired difference from
``no_programme`` in the programme's last year and 5 and 10 years after its funding stops
(``remains.csv``; a year beyond the run is reported as not reached). The runs last
``years.after_start=40`` so that 30 + 10 is inside them.

The gain is each person's own income rank when they reach ``cohort.outcome_age`` (recorded then,
wherever they live, after the programme had its years), against ``no_programme`` on the same seed.
Measure it at 25 (the default), not earlier: at 18 nobody in the generation works yet, so each
one's income rank is the benefit level plus their own seeded component (``sim.mechanisms.work``),
identical in every scenario, and every gain comes out exactly 0.00 (the first gallery preview,
measured at 18, showed that; the study now says so in its findings when the outcome is the same
in every run of a seed, :func:`experiments._study.constant_outcome`).

    python -m experiments.horizon [--seeds 20] [--size small|default] [overrides...]

Writes ``OUT/gains.csv``, ``OUT/remains.csv``, ``OUT/figures/horizon.png``, ``OUT/report.html``,
``OUT/findings.md``.
"""

from __future__ import annotations

import numpy as np
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

NAME = "horizon"
KEY = "programme.horizon_years"
HORIZONS = [4, 8, 12, 20, 30]
AFTER = (0, 5, 10)  # years after the programme's funding stops (0 = its last year)
INDICATORS = ("liveability", "collective_efficacy", "school_quality", "trust", "crime_rate")
OUTCOME = "generation.by_origin.income_rank"


def _paired(prog: pd.Series, ref: pd.Series) -> dict:
    """Mean paired difference (aligned on the index = seed) and its 95 % t-interval."""
    from scipy import stats

    d = (prog - ref).dropna()
    n = len(d)
    if n == 0:
        return {"n_pairs": 0, "difference": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    m = float(d.mean())
    h = float(stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    return {"n_pairs": n, "difference": m, "ci_low": m - h, "ci_high": m + h}


def analyse(prog: pd.DataFrame, ref: pd.DataFrame, sprog: pd.DataFrame, sref: pd.DataFrame,
            after: tuple[int, ...] = AFTER) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``gains`` (one row per horizon) and ``remains`` (horizon x indicator x years after)."""
    r0 = ref.set_index("seed")[OUTCOME]
    gains = pd.DataFrame([{KEY: h, **_paired(g.set_index("seed")[OUTCOME], r0)}
                          for h, g in prog.groupby(KEY)])
    rows = []
    last = sref["year"].max()
    for h, g in sprog.groupby(KEY):
        for k in after:
            year = float(h) + k
            for ind in INDICATORS:
                if ind not in g.columns:
                    continue
                row = {KEY: h, "indicator": ind, "years_after_funding_stops": k, "year": year}
                if year > last:
                    rows.append({**row, "n_pairs": 0, "difference": np.nan, "ci_low": np.nan,
                                 "ci_high": np.nan, "note": "beyond the run"})
                    continue
                p = g[g["year"] == year].set_index("seed")[ind]
                r = sref[sref["year"] == year].set_index("seed")[ind]
                rows.append({**row, **_paired(p, r), "note": ""})
    return gains, pd.DataFrame(rows)


def chart(gains: pd.DataFrame, remains: pd.DataFrame):
    """Left: the gain at the outcome age by horizon; right: liveability gap at 0/5/10 years after."""
    from sim.charts._style import PALETTE, chart_style, new_figure

    with chart_style():
        fig, (a, b) = new_figure(8.0, 3.4, ncols=2)
        x = gains[KEY].to_numpy(dtype=float)
        y = gains["difference"].to_numpy(dtype=float)
        err = np.vstack([y - gains["ci_low"], gains["ci_high"] - y])
        a.errorbar(x, y, yerr=err, fmt="o-", color=PALETTE[0], capsize=3)
        a.axhline(0, color="black", lw=0.7)
        a.set_xlabel("programme horizon (years)")
        a.set_ylabel("gain, income rank points")
        a.set_title("Generation's gain at the outcome age (by origin)", loc="left", fontsize=9)
        liv = remains[remains["indicator"] == "liveability"]
        for i, k in enumerate(sorted(liv["years_after_funding_stops"].unique())):
            s = liv[liv["years_after_funding_stops"] == k].sort_values(KEY)
            yy = s["difference"].to_numpy(dtype=float)
            e = np.vstack([yy - s["ci_low"], s["ci_high"] - yy])
            b.errorbar(s[KEY].to_numpy(dtype=float) + (i - 1) * 0.4, yy, yerr=e, fmt="o",
                       color=PALETTE[i + 1], capsize=3,
                       label="last programme year" if k == 0 else f"{k} years after")
        b.axhline(0, color="black", lw=0.7)
        b.set_xlabel("programme horizon (years)")
        b.set_ylabel("liveability vs no programme (0-1 index)")
        b.set_title("What remains of the wijk's liveability", loc="left", fontsize=9)
        b.legend(fontsize=7)
    return fig


def main(argv: list[str] | None = None) -> int:
    args: Args = parse(NAME, __doc__.splitlines()[0], argv)
    extra = ["years.after_start=40"]
    prog_sw = Sweep("long_term", {"scenario": ["long_term"], KEY: HORIZONS}, extra)
    ref_sw = Sweep("no_programme", {"scenario": ["no_programme"]}, extra)
    # a user's horizon values apply to the programme sweep only
    user_keys = {o.split("=", 1)[0] for o in args.overrides}
    prog = run_sweep(prog_sw, args)
    if KEY in user_keys:
        args_ref = Args(args.seeds, args.size, args.out,
                        [o for o in args.overrides if o.split("=", 1)[0] != KEY],
                        args.quiet, args.options)
    else:
        args_ref = args
    ref = run_sweep(ref_sw, args_ref)
    sprog = pd.read_parquet(args.out / prog_sw.name / "series.parquet")
    sref = pd.read_parquet(args.out / ref_sw.name / "series.parquet")
    gains, remains = analyse(prog, ref, sprog, sref)
    gains.to_csv(args.out / "gains.csv", index=False)
    remains.to_csv(args.out / "remains.csv", index=False)
    png = save(chart(gains, remains), args, NAME)
    lines = [f"# Horizon ({args.seeds} seeds, size {args.size})", "",
             "Gain of long_term (by horizon) over no_programme, income rank by origin at the "
             "outcome age, paired by seed:", ""]
    lines += [f"- {r[KEY]:g} years: {fmt_ci(r['difference'], r['ci_low'], r['ci_high'], 'rank points')}"
              for _, r in gains.iterrows()]
    lines += ["", "Liveability (0-1 index) vs no_programme after the funding stops:", ""]
    liv = remains[remains["indicator"] == "liveability"]
    lines += [f"- horizon {r[KEY]:g}, +{r['years_after_funding_stops']} years: "
              + (fmt_ci(r["difference"], r["ci_low"], r["ci_high"], dec=3)
                 if r["n_pairs"] else "not reached (beyond the run)")
              for _, r in liv.iterrows()]
    warn = warn_constant(pd.concat([prog, ref]), OUTCOME, lines)
    write_findings(args, lines)
    from sim.report.page import Section, figure, para

    best = gains.loc[gains["difference"].idxmax()]
    key = (f"Of the horizons run, {best[KEY]:g} years gives the generation the largest gain: "
           f"{fmt_ci(best['difference'], best['ci_low'], best['ci_high'], 'rank points')} "
           "(the model's result).")
    cap = ("Left: gain over no programme at the outcome age by horizon (95 % intervals, paired by "
           "seed). Right: liveability compared with no programme in the programme's last year and "
           "5 and 10 years after its funding stops.")
    write_report(args, "Horizon: how long, and what remains", key,
                 [Section(NAME, "Horizon", para(cap) + figure(chart(gains, remains), NAME, [cap],
                                                              "horizon chart"))], warn)
    print(f"experiments: {NAME}: {args.out}/report.html, {png}")
    return 0


if __name__ == "__main__":
    main_guard(main)
