"""Validation scorecard: every calibration pattern and evidence bound, with target, source, tolerance.

Usage::

    python -m sim.validate [--seeds N] [--jobs J] [--write-doc docs/model.md]

Runs the default config (regular provision, no programme) for seeds 0..N-1 with one change:
``cohort.outcome_age = 33``, so the generation's mobility is compared with CBS at matching ages (CBS
2023 measured in 2020 the incomes of children who were minors in 1995: ages 25-42, mid-point ~33).
Figures pool the seeds (sums of events over sums of person-years, or means over seeds). Prints one
markdown table - statistic, model, target, tolerance, source, pass/fail - and exits with status 1
when any row fails. ``--write-doc`` replaces docs/model.md §9's generated block with the table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from sim.agents.professionals import ROLES
from sim.config import validate as validate_config
from sim.mechanisms import income, offending
from sim.mechanisms.moving import CBS_AGES, cbs_rate
from sim.model import Neighbourhood
from sim.outcomes import build_outputs
from sim.validate_shapes import (
    FAST_MIN,
    MOVE_BINS,
    SLOW_MAX,
    MoveAges,
    dose_response,
    pooled_gains,
    response_shares,
    run_pair,
)

OUTCOME_AGE = 33  # CBS 2023's adult children: minors in 1995, measured in 2020 (ages 25-42)
FIFTH = 20.0
BEGIN, END = "<!-- scorecard:begin -->", "<!-- scorecard:end -->"
DRIFT_VARS = ("liveability", "crime_rate", "mean_income_rank", "population")


@dataclass(frozen=True)
class Row:
    """One line of the scorecard: what is compared, with what, and how close it must be."""

    key: str
    statistic: str
    target: str
    tolerance: str
    source: str
    check: Callable[[float], bool]
    fmt: str = "{:.3f}"


def run_seed(seed: int, residents: int = 15000, overrides: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    """One default run (outcome age 33): the raw quantities the scorecard pools. ``overrides``
    (config group -> keys) serve tests that cut a mechanism."""
    raw: dict[str, Any] = {"seed": seed, "neighbourhood": {"residents": residents},
                           "cohort": {"outcome_age": OUTCOME_AGE}}
    for group, keys in (overrides or {}).items():
        raw.setdefault(group, {}).update(keys)
    cfg = validate_config(raw)
    m = Neighbourhood(cfg)
    levels = {r: [] for r in ROLES}
    fam = []
    moves = MoveAges()
    while m.steps < m.total_steps:
        m.step()
        moves.update(m)
        if -5.0 <= m.year < 0.0:  # regular provision in the last 5 burn-in years
            w = np.maximum(m.env.population, 1)
            for r in ROLES:
                levels[r].append(float(np.average(m.services.level[r], weights=w)))
            fam.append(float(np.average(m.services.familiarity, weights=w)))
    tables, summary = build_outputs(m)
    ts = tables["timeseries"]
    post = ts[ts["year"] >= 0]
    burn = ts[(ts["year"] >= -5.0) & (ts["year"] < 0.0)]
    first, last = burn[burn["year"] < -4.0], burn[burn["year"] >= -1.0]
    drift = {v: (float(first[v].mean()), float(last[v].mean())) for v in DRIFT_VARS}
    sel = {}
    for key, col in (("leavers", "leaver"), ("newcomers", "newcomer")):
        w = post[f"{key}_25_64"]
        sel[key] = float((post[f"{col}_mean_rank_25_64"].fillna(0) * w).sum() / w.sum())
    sel["stayers"] = float(post["resident_mean_rank_25_64"].mean())
    cohort = tables["cohort"]
    out = cohort[cohort["status"] == "outcome"]
    poor = out.loc[out["parent_income_rank"] < FIFTH, "household_income_rank_at_25"].astype(float)
    b = tables["buurten"]
    b = b[b["year"] >= 0]
    year0 = ts.loc[ts["year"] >= 0, "liveability"].iloc[0]
    filled_years = float(ts["staff"].sum() * m.dt)
    return {
        "seed": seed,
        "moves": m.moves_by_age.copy(), "person_years": m.person_years_by_age.copy(),
        "off_counts": m.offending_age_counts.copy(), "off_py": m.person_years_by_sex.copy(),
        "youth_share": float(post["youth_suspect_share"].mean()),
        "startqual": float(post["startqual_25_34"].mean()),
        "selective": sel,
        "poor_n": int(poor.size), "poor_bottom": int((poor < FIFTH).sum()),
        "poor_top": int((poor >= 100 - FIFTH).sum()),
        "exposure_rank": float((cfg.work.rank_per_exposure * out["exposure"]).mean()),
        "quits": int(m.staff_ledger.get("quits", 0)), "filled_years": filled_years,
        "levels": {r: float(np.mean(v)) for r, v in levels.items()},
        "reference": dict(m.services.reference),
        "familiarity": float(np.mean(fam)), "familiarity_ref": m.services.familiarity_ref,
        "drift": drift,
        "percentile_year0": float(m.places.percentile_of(np.array([year0]))[0]),
        "participation_corr": float(np.corrcoef(b["participation"], b["crime_rate"])[0, 1]),
        "dose": dose_response(cohort, moves.table(), cfg.work.rank_per_exposure),
    }


def _peak(counts: np.ndarray, py: np.ndarray) -> int:
    return int(12 + np.argmax(counts[12:25] / np.maximum(py[12:25], 1e-9)))


def shape_rows(runs: list[dict[str, Any]], pairs: list[dict[str, Any]]) -> list[tuple[Row, float]]:
    """Rows on response shapes (``sim.validate_shapes``): exposure dose-response, fast vs slow."""
    out: list[tuple[Row, float]] = []
    if runs:
        g = pooled_gains(runs)
        ch = "Chetty & Hendren 2018 (QJE): ~4 %/yr of the place difference until ~23, none after"
        out.append((Row("dose_early", "Dose-response: movers at 0-5 vs stayers, childhood "
                        "neighbourhood's term in income rank (rank points)", "> 0 (they move to better "
                        "places)", "> 0", ch, lambda v: v > 0, "{:.2f}"), float(g[0])))
        falls = int(sum(g[i + 1] >= g[i] for i in range(3)))
        out.append((Row("dose_decreasing", "Dose-response: gain falls with age at moving out "
                        "(0-5, 6-11, 12-17, 18-22): bins out of order", "0", "0", ch,
                        lambda v: v == 0, "{:.0f}"), float(falls)))
        out.append((Row("dose_after23", "Dose-response: gain of moving at 23-27 / gain at 0-5", "0",
                        "abs(x) <= 0.1", ch, lambda v: abs(v) <= 0.1),
                    float(g[-1] / g[0]) if g[0] > 0 else float("nan")))
        lo, hi = MOVE_BINS[2]
        out.append((Row("dose_teen", f"Dose-response: gain of moving at {lo:.0f}-{hi - 1:.0f} / gain "
                        "at 0-5 (reported: linear exposure to 23 gives ~0.4; the model weighs years "
                        "before 13 fully and fades to 23, which gives less)", "~0.4 (linear)",
                        "reported", ch, lambda v: True), float(g[2] / g[0]) if g[0] > 0 else float("nan")))
    if not pairs:
        return out
    sh = response_shares(pairs)
    br = ("Branas et al. 2018 (PNAS 115(12)): vacant-lot remediation cut gun violence 29 % within "
          "a 38-month trial; fast = share >= 0.4 (est.)")
    out.append((Row("fast_crime", "Programme (long_term - baseline, paired): share of the year "
                    "8-10 crime effect reached in years 1-2", ">= 0.4 (fast)",
                    f">= {FAST_MIN} and the year 8-10 effect < 0", br,
                    lambda v, late=sh["crime_late"]: late < 0 and v >= FAST_MIN), sh["crime"]))
    out.append((Row("fast_cleanup", "Programme: share of the year 8-10 effect on disorder removed "
                    "by clean-up (caretakers, initiatives) reached in years 1-2", ">= 0.4 (fast)",
                    f">= {FAST_MIN} and the year 8-10 effect > 0", br,
                    lambda v, late=sh["cleaned_late"]: late > 0 and v >= FAST_MIN), sh["cleaned"]))
    out.append((Row("physical_disorder", "Programme: the same for all physical disorder (clean-up "
                    "and dwelling repairs, which take years)", "reported", "reported", br,
                    lambda v: True), sh["physical"]))
    out.append((Row("employment_response", "Programme: the same for the employment rate (job "
                    "coaching acts on job finding at once)", "reported", "reported",
                    "Card, Kluve & Weber 2018 (JEEA): job-search assistance works in the short "
                    "run, human-capital programmes after 2-3 years", lambda v: True),
                sh["employment"]))
    out.append((Row("slow_education", "Programme: share of the year 8-10 effect on the start "
                    "qualification of those deciding (aged 17) reached in years 1-2", "<= 0.3 (slow)",
                    f"<= {SLOW_MAX} and the year 8-10 effect > 0", "education responds only as a "
                    "generation grows up in the better wijk (est.; Chetty & Hendren 2018)",
                    lambda v, late=sh["education_late"]: late > 0 and v <= SLOW_MAX), sh["education"]))
    return out


def rows_and_values(runs: list[dict[str, Any]], pairs: list[dict[str, Any]] | None = None
                    ) -> list[tuple[Row, float]]:
    """Pool the seeds and evaluate every row (the shape rows on programme pairs when given)."""
    out: list[tuple[Row, float]] = []
    moves = sum(r["moves"] for r in runs)
    py = sum(r["person_years"] for r in runs)
    for a in CBS_AGES[:-1].astype(int):
        lo, hi = max(a - 1, 0), a + 2
        ratio = moves[lo:hi].sum() / py[lo:hi].sum() / cbs_rate(np.array([float(a)]))[0]
        out.append((Row(f"moving_{a}", f"Moving rate at age {a} (band {lo}-{hi - 1}), model / CBS",
                        f"1 (CBS {100 * cbs_rate(np.array([float(a)]))[0]:.1f} %/yr)",
                        "[0.67, 1.5]", "CBS 2020 (NL 2017, within + between municipalities)",
                        lambda v: 0.67 <= v <= 1.5, "{:.2f}"), float(ratio)))
    sel = {k: np.array([r["selective"][k] for r in runs]) for k in ("leavers", "newcomers", "stayers")}
    for name, a, b in (("leavers - newcomers", "leavers", "newcomers"),
                       ("leavers - stayers", "leavers", "stayers")):
        d = sel[a] - sel[b]
        p = stats.ttest_1samp(d, 0.0, alternative="greater").pvalue if len(d) > 2 else 0.0
        out.append((Row(f"selective_{a}_{b}", f"Selective migration: income rank {name}, 25-64 "
                        "(mean over seeds)", "> 0", "mean > 0 and one-sided p < 0.01 over seeds",
                        "Permentier, Das & Wittebrood 2011",
                        lambda v, p=p: v > 0 and p < 0.01, "{:.1f}"), float(d.mean())))
    oc = sum(r["off_counts"] for r in runs)
    opy = sum(r["off_py"] for r in runs)
    out.append((Row("peak_male", "Peak age of registrations, boys (rate per person-year, 12-24)",
                    "19 (3.7 %/yr)", "17-21", "CBS 81997NED 2022; Jeugdmonitor 2018 (18-19)",
                    lambda v: 17 <= v <= 21, "{:.0f}"), float(_peak(oc[0], opy[0]))))
    out.append((Row("peak_female", "Peak age of registrations, girls", "16-17", "14-19",
                    "CBS 81997NED 2022; Jeugdmonitor 2018 (15-17)",
                    lambda v: 14 <= v <= 19, "{:.0f}"), float(_peak(oc[1], opy[1]))))
    ratio_sex = (oc[0, 12:25].sum() / opy[0, 12:25].sum()) / (oc[1, 12:25].sum() / opy[1, 12:25].sum())
    out.append((Row("sex_ratio", "Boys' / girls' registration rate, 12-24", "4.5 (CBS table)",
                    "[3, 7]", "CBS 2019 (3.2 % vs 0.6 % at 18-24); Jeugdmonitor 2018",
                    lambda v: 3.0 <= v <= 7.0, "{:.2f}"), float(ratio_sex)))
    nat = offending.national_youth_rate()
    ys = float(np.mean([r["youth_share"] for r in runs]))
    out.append((Row("youth_share", "Youth suspect share (12-24 residents registered in the past "
                    "year, incl. arrests) / national", f"~2 (national {100 * nat:.2f} %)",
                    "[1.3, 3.5]", "CBS 81997NED (national); deprived wijk est. (Rotterdam city-wide "
                    "1.8x, CBS 2019)", lambda v: 1.3 <= v <= 3.5, "{:.2f}"), ys / nat))
    sq = float(np.mean([r["startqual"] for r in runs]))
    out.append((Row("startqual", "Start qualification, residents 25-34", "0.75-0.80",
                    "[0.68, 0.87]", "CBS (national ~0.85); deprived wijk est.",
                    lambda v: 0.68 <= v <= 0.87), sq))
    ref = income.reference(validate_config({}))
    cbs = ("CBS 2023 (children minors in 1995, incomes 2020 at 25-42; standardised household "
           "income, fifths of all persons)")
    out.append((Row("mobility_bottom", "National reference, CBS measure: children of the poorest "
                    "fifth in the poorest fifth", "0.21", "[0.13, 0.29]",
                    f"{cbs}; ESB 2018 (Tilburg/CPB/SZW, own definition) finds 0.27 (2005) - 0.33 "
                    "(2015)", lambda v: 0.13 <= v <= 0.29), ref.bottom_bottom))
    out.append((Row("mobility_top", "National reference, CBS measure: children of the poorest "
                    "fifth in the top fifth", "0.15", "[0.08, 0.27]",
                    f"{cbs}: 'bijna 15 procent' (press: 'een vijfde')",
                    lambda v: 0.08 <= v <= 0.27), ref.bottom_top))
    out.append((Row("mobility_top_bottom", "National reference, CBS measure: children of the "
                    "richest fifth in the poorest fifth", "0.094", "[0.05, 0.14] (est.)",
                    f"{cbs}: 9.4 %", lambda v: 0.05 <= v <= 0.14), ref.top_bottom))
    out.append((Row("national_slope_year", "National reference, CBS measure (one year, parents "
                    "ranked among all persons): rank-rank slope", "~0.20", "[0.14, 0.26] (est.)",
                    f"{cbs}: children of the lowest parents reach ~50, of the highest ~70",
                    lambda v: 0.14 <= v <= 0.26), ref.slope_single_year))
    out.append((Row("national_slope", "National reference, permanent incomes: rank-rank slope "
                    "(children 25-42 on parents)", "0.28", "[0.20, 0.36]", "Ravesteijn et al. 2024 "
                    "(NL, multi-year incomes, children at 35)", lambda v: 0.20 <= v <= 0.36),
                ref.slope))
    out.append((Row("national_child_mean", "National reference, CBS measure: children's mean "
                    "position among all persons (reported; see §9 'open gap')", "57", "reported",
                    cbs, lambda v: True, "{:.1f}"), ref.child_mean))
    n = sum(r["poor_n"] for r in runs)
    bottom = sum(r["poor_bottom"] for r in runs) / max(n, 1)
    top = sum(r["poor_top"] for r in runs) / max(n, 1)
    out.append((Row("generation_bottom", f"Wijk generation from the poorest fifth (parents' household "
                    f"rank < 20): in poorest fifth at {OUTCOME_AGE} (model result)",
                    "stickier than national", "reported (no source bounds a deprived wijk's figure)",
                    "model result", lambda v: True), bottom))
    out.append((Row("generation_top", f"Wijk generation from the poorest fifth: in top fifth at "
                    f"{OUTCOME_AGE} (model result)", "below national", "reported", "model result",
                    lambda v: True), top))
    nat_sq, nat_hi = ref.startqual, ref.higher
    out.append((Row("national_startqual", "National reference: share with a start qualification",
                    "~0.87", "[0.82, 0.92]", "CBS/SCP Sociale Staat van Nederland 2018-2020 (25-64: "
                    "~21 % below start qualification, falling; younger cohorts ~13 %)",
                    lambda v: 0.82 <= v <= 0.92), nat_sq))
    out.append((Row("national_higher", "National reference: share with higher education",
                    "~0.47", "[0.40, 0.54]", "CBS 2016 / SCP 2018: 'bijna de helft' of 30-39-year-"
                    "olds hold an hbo/wo degree", lambda v: 0.40 <= v <= 0.54), nat_hi))
    quit_rate = sum(r["quits"] for r in runs) / sum(r["filled_years"] for r in runs)
    out.append((Row("attrition", "Professionals' quits per filled post-year", "0.05-0.15",
                    "[0.05, 0.15]", "DUO (teachers: ~20 % in year 1, 3-5 %/yr after); youth care "
                    "12-22 % within 2 years", lambda v: 0.05 <= v <= 0.15), quit_rate))
    ex = float(np.mean([r["exposure_rank"] for r in runs]))
    out.append((Row("neighbourhood_effect", "Childhood neighbourhood's term in the generation's "
                    "income rank (rank points, mean)", "a few ranks", "abs(x) <= 4",
                    "van Ham, Boschman & Vogel 2018; Troost, van Ham & Janssen 2021",
                    lambda v: abs(v) <= 4.0, "{:.2f}"), ex))
    for role in ROLES:
        if ROLES[role].regular_load == np.inf:
            continue
        d = float(np.mean([r["levels"][role] - r["reference"][role] for r in runs]))
        out.append((Row(f"reference_{role}", f"Regular {role} service level - computed reference "
                        "(last 5 burn-in years)", "0", "abs(x) <= 0.1", "norm staffing (ROLES; "
                        "wijkagent 1 per 5,000)", lambda v: abs(v) <= 0.1), d))
    d = float(np.mean([r["familiarity"] - r["familiarity_ref"] for r in runs]))
    out.append((Row("reference_familiarity", "Familiarity - computed reference", "0", "abs(x) <= 0.1",
                    "as above", lambda v: abs(v) <= 0.1), d))
    tol = {"liveability": 0.02, "crime_rate": 0.15, "mean_income_rank": 1.5, "population": 0.03}
    for v in DRIFT_VARS:
        a = np.array([r["drift"][v][0] for r in runs])
        b = np.array([r["drift"][v][1] for r in runs])
        rel = v in ("crime_rate", "population")
        x = float((b.mean() - a.mean()) / a.mean()) if rel else float(b.mean() - a.mean())
        t = tol[v]
        out.append((Row(f"drift_{v}", f"Burn-in drift of {v}: year -1 vs year -5"
                        + (" (relative)" if rel else ""), "0 (steady state)", f"abs(x) <= {t}",
                        "steady state required (issue 10)", lambda x, t=t: abs(x) <= t), x))
    pct = float(np.mean([r["percentile_year0"] for r in runs]))
    out.append((Row("deprived_tail", "Wijk's national percentile of liveability at year 0",
                    "bottom decile", "< 0.10", "Leefbaarometer 2018 classes (4.0 % 'onvoldoende' "
                    "or worse); decile est.", lambda v: v < 0.10), pct))
    corr = float(np.mean([r["participation_corr"] for r in runs]))
    out.append((Row("participation", "Correlation of initiative participation with crime over "
                    "buurt-years", "< 0", "< 0", "Van Noije 2016", lambda v: v < 0), corr))
    out.extend(shape_rows(runs, pairs or []))
    return out


def table(results: list[tuple[Row, float]], seeds: int) -> str:
    """The scorecard as markdown."""
    lines = [f"Scorecard of `python -m sim.validate --seeds {seeds}` (default config, "
             f"`cohort.outcome_age = {OUTCOME_AGE}`; seeds 0-{seeds - 1} pooled).", "",
             "| Statistic | Model | Target | Tolerance | Source | Pass |", "|---|---|---|---|---|---|"]
    for row, v in results:
        ok = "reported" if row.tolerance.startswith("reported") else (
            "pass" if row.check(v) else "**FAIL**")
        lines.append(f"| {row.statistic} | {row.fmt.format(v)} | {row.target} | {row.tolerance} "
                     f"| {row.source} | {ok} |")
    return "\n".join(lines)


def write_doc(path: Path, text: str) -> None:
    """Replace the generated block of docs/model.md §9 (between the scorecard markers)."""
    doc = path.read_text()
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"{path}: no '{BEGIN}' ... '{END}' block to replace")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.validate", description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=20, help="seeds 0..N-1 (default 20)")
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel processes (default 1)")
    ap.add_argument("--write-doc", type=Path, default=None, help="update docs/model.md §9")
    a = ap.parse_args(argv)
    if a.seeds < 1 or a.jobs < 1:
        ap.error(f"--seeds = {a.seeds}, --jobs = {a.jobs}: both must be at least 1")
    if a.jobs > 1:
        with ProcessPoolExecutor(a.jobs) as ex:
            runs = list(ex.map(run_seed, range(a.seeds)))
            pairs = list(ex.map(run_pair, range(a.seeds)))
    else:
        runs = [run_seed(s) for s in range(a.seeds)]
        pairs = [run_pair(s) for s in range(a.seeds)]
    results = rows_and_values(runs, pairs)
    text = table(results, a.seeds)
    print(text)
    if a.write_doc is not None:
        write_doc(a.write_doc, text)
    failed = [row.key for row, v in results if not row.check(v)]
    if failed:
        print(f"\n{len(failed)} row(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
