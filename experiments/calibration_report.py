"""Calibration report: every figure of ``docs/model.md`` §9, measured on one seed. Source of docs §9.

Usage::

    python experiments/calibration_report.py [--seed 0] [--residents 15000] [--out PATH.md] [overrides]

Runs, in this process, the default config and the scenario presets ``no_programme``,
``project_carousel`` and ``long_term`` for one seed (``load_config`` -> ``validate`` ->
``Neighbourhood.run`` -> ``build_outputs``, as ``sim.simulate`` does, without writing run directories)
and prints §9's tables as markdown, in §9's layout:

* moving rates by age against CBS 2020 (``summary.calibration.moving_rates_by_age``) and their ratio;
* the "Other figures" table: youth suspect share and peak age, selective migration (income ranks of
  leavers / newcomers / resident stayers 25-64), employment and income rank, start qualification,
  persistence of the poorest fifth, participation against crime, liveability, regular staff,
  criminal networks, subletting / inspections / initiatives;
* the generation's outcomes by origin, by place, movers and stayers (``summary.generation``);
* the scenario presets side by side;
* the burn-in and exposure figures quoted in §9's "Reading" paragraph.

Wijk figures are means over the time series rows with ``year >= 0`` (as ``build_outputs`` computes
``summary.calibration``) unless a label says otherwise; each table states its definitions. Optional
Hydra overrides (e.g. ``years.burn_in=5``) apply to every run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.compose import load_config
from sim.config import WijksimConfig, validate
from sim.mechanisms.school import EXPOSURE_SCALE
from sim.model import Neighbourhood
from sim.outcomes import build_outputs

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = "default"
SCENARIOS = ("no_programme", "project_carousel", "long_term")
FIFTH = 20.0  # income-rank points in a fifth of the national distribution
BURN_IN_YEARS = (-15.0, -5.0)  # burn-in years at which the Reading quotes the wijk's crime rate
GEN_ROWS = {  # summary.generation metric -> row label (as in §9)
    "start_qualification": "start qualification",
    "higher_education": "higher education",
    "employed": "employed at 25",
    "income_rank": "income rank at 25",
    "ever_suspect": "ever a registered suspect",
    "network_member": "ever a network member",
    "trust": "trust",
    "deprived_area": "lives in a deprived area at 25",
}
GEN_VIEWS = ("by_origin", "by_place", "movers", "stayers")


@dataclass
class Run:
    """One finished run: its config, output tables and summary."""

    name: str
    cfg: WijksimConfig
    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    seconds: float

    @property
    def ts(self) -> pd.DataFrame:
        return self.tables["timeseries"]

    @property
    def post(self) -> pd.DataFrame:
        """Time series rows after burn-in (``year >= 0``), as in ``build_outputs``."""
        return self.ts[self.ts["year"] >= 0]

    @property
    def outcomes(self) -> pd.DataFrame:
        """The generation's rows measured at the outcome age (status ``outcome``)."""
        c = self.tables["cohort"]
        return c[c["status"] == "outcome"]


def config_overrides(name: str, seed: int, residents: int, overrides: Sequence[str] = ()) -> list[str]:
    """The Hydra overrides of one run (``name`` = a preset or ``default``)."""
    scenario = [] if name == DEFAULT else [f"scenario={name}"]
    return [*scenario, f"seed={seed}", f"neighbourhood.residents={residents}", *overrides]


def run_one(name: str, seed: int, residents: int, overrides: Sequence[str] = ()) -> Run:
    """Compose, validate and run one config in this process (``name`` = preset or ``default``)."""
    cfg = validate(load_config(config_overrides(name, seed, residents, overrides)))
    t0 = time.perf_counter()
    model = Neighbourhood(cfg)
    model.run()
    tables, summary = build_outputs(model)
    return Run(name, cfg, tables, summary, time.perf_counter() - t0)


# -- figures -------------------------------------------------------------------------------------
def moving_rates(r: Run) -> pd.DataFrame:
    """Model and CBS moving rates per age band (from the summary) and their ratio."""
    rates = r.summary["calibration"]["moving_rates_by_age"]
    df = pd.DataFrame({"model": {a: v["model_pct"] for a, v in rates.items()},
                       "cbs": {a: v["cbs_pct"] for a, v in rates.items()}}, dtype=float)
    df["ratio"] = df["model"] / df["cbs"]
    return df


def selective_migration(r: Run) -> dict[str, float]:
    """Mean income rank of leavers / newcomers 25-64 (weighted by their numbers per step) and of
    resident 25-64s (mean over steps), year >= 0: as ``tests/test_calibration.py`` computes them."""
    p = r.post
    out = {}
    for key, col in (("leavers", "leaver"), ("newcomers", "newcomer")):
        w = p[f"{key}_25_64"]
        out[key] = float((p[f"{col}_mean_rank_25_64"].fillna(0) * w).sum() / w.sum())
    out["stayers"] = float(p["resident_mean_rank_25_64"].mean())
    return out


def poorest_fifth(r: Run) -> dict[str, float]:
    """Generation members (outcome rows) with parent rank < 20: shares by own rank at 25."""
    o = r.outcomes
    rank = o.loc[o["parent_income_rank"] < FIFTH, "income_rank_at_25"]
    return {"n": int(rank.size), "poorest": float((rank < FIFTH).mean()),
            "top": float((rank >= 100 - FIFTH).mean()),
            "top_two": float((rank >= 100 - 2 * FIFTH).mean())}


def participation_vs_crime(r: Run) -> dict[str, float]:
    """Buurt-year records with year >= 0: Pearson correlation of participation with crime; and the
    participation of each year's highest- and lowest-crime buurt, averaged over those years."""
    b = r.tables["buurten"]
    b = b[b["year"] >= 0]
    by_year = b.groupby("year")["crime_rate"]
    return {"corr": float(np.corrcoef(b["participation"], b["crime_rate"])[0, 1]),
            "highest": float(b.loc[by_year.idxmax(), "participation"].mean()),
            "lowest": float(b.loc[by_year.idxmin(), "participation"].mean()),
            "buurt_years": int(len(b))}


def at_year(r: Run, col: str, year: float) -> float:
    """A time series value at an exact model year (NaN if the run has no such row)."""
    v = r.ts.loc[np.isclose(r.ts["year"], year), col]
    return float(v.iloc[0]) if len(v) else float("nan")


def wijk(r: Run) -> dict[str, float]:
    """Wijk figures from the time series and the summary (means over year >= 0 unless named)."""
    p, ts, s = r.post, r.ts, r.summary
    f = {
        "live_step0": float(ts["liveability"].iloc[0]), "live_year0": at_year(r, "liveability", 0.0),
        "live_end": float(ts["liveability"].iloc[-1]), "live_mean": float(p["liveability"].mean()),
        "crime_year0": at_year(r, "crime_rate", 0.0), "crime_mean": float(p["crime_rate"].mean()),
        "inspections_end": int(ts["inspections"].iloc[-1]),
        "money_allocated": float(ts["money_allocated"].iloc[-1]),
        "money_spent": float(ts["money_spent"].iloc[-1]),
        "tagged": int(s["cohort_counts"]["tagged"]),
    }
    for col in ("posts", "programme_posts", "staff", "mean_load", "networks", "network_members",
                "youth_network_share", "sublet_dwellings", "sublet_share_slumlord", "initiatives",
                "participation", "familiarity", "mean_tenure", "trust", "youth_suspect_share"):
        f[col] = float(p[col].mean())
    for y in BURN_IN_YEARS:
        f[f"crime_{y:g}"] = at_year(r, "crime_rate", y)
    counts = s["programme"].get("counts", {})
    for k in ("political_events", "resets", "visitations"):
        f[k] = int(counts.get(k, 0))
    return f


def exposure(r: Run) -> dict[str, float]:
    """Mean accumulated exposure of the generation (outcome rows) and what it adds to the school
    score (``exposure_weight · exposure / EXPOSURE_SCALE``) and the potential income rank
    (``rank_per_exposure · exposure``) at that mean."""
    e = float(r.outcomes["exposure"].mean())
    return {"mean": e, "school": r.cfg.school.exposure_weight * e / EXPOSURE_SCALE,
            "rank": r.cfg.work.rank_per_exposure * e}


def same_run(a: Run, b: Run) -> bool:
    """Identical output tables (the summary's scenario name aside)."""
    return all(a.tables[k].equals(b.tables[k]) for k in a.tables)


def same_burn_in(a: Run, b: Run) -> bool:
    """Identical time series rows before the programme start (year < 0)."""
    return a.ts[a.ts["year"] < 0].equals(b.ts[b.ts["year"] < 0])


# -- markdown ----------------------------------------------------------------------------------
def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def pct(x: float, d: int = 1) -> str:
    return "n/a" if pd.isna(x) else f"{100 * x:.{d}f} %"


def num(x: float, d: int = 2) -> str:
    return "n/a" if pd.isna(x) else f"{x:,.{d}f}".replace("-", "−")


def commit() -> str:
    """Short HEAD hash ("unknown" outside a git checkout), flagged if sim/ or configs/ are modified."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sim", "configs"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes in sim/ or configs/)" if dirty else "")


def moving_table(r: Run) -> str:
    m = moving_rates(r)
    return table(["Age", *m.index],
                 [["model", *(num(v, 1) for v in m["model"])], ["CBS 2020", *(num(v, 1) for v in m["cbs"])],
                  ["ratio", *(num(v, 2) for v in m["ratio"])]])


def other_table(r: Run) -> str:
    c = r.summary["calibration"]
    s, pf, pc, w = selective_migration(r), poorest_fifth(r), participation_vs_crime(r), wijk(r)
    led = r.summary["networks"]
    gen = r.summary["generation"]["by_origin"]
    ret = r.cfg.work.retirement_age
    peak = c["offending_peak_age"]
    rows = [
        ["Youth registered as suspects per year, 12–24 residents (incl. arrests); peak age of "
         "registrations (offending per person-year, arrests not counted)",
         f"{pct(c['youth_suspect_share'])}; {peak if peak is not None else 'n/a'}",
         "~4 % (deprived wijk; 2 % national); 17–21", "*(est.)*, CBS 2022 (our derivation); DESIGN §2.5"],
        ["Mean income rank of leavers / newcomers / resident stayers, 25–64 (leavers and newcomers "
         "weighted by their numbers; stayers: mean over steps of the residents 25–64)",
         f"{num(s['leavers'], 1)} / {num(s['newcomers'], 1)} / {num(s['stayers'], 1)}",
         "leavers > newcomers, leavers > stayers", "Permentier, Das & Wittebrood 2011"],
        [f"Employment rate (18–{ret - 1:.0f}, not in school); mean income rank (18+)",
         f"{pct(c['employment_rate'])}; {num(c['mean_income_rank'], 1)}", "—; ~30",
         "—; *(est.)*, work.py"],
        ["Start qualification: residents 25–34 (by place); generation by origin at 25",
         f"{pct(c['startqual_25_34'])}; {pct(gen['start_qualification'])}", "75–80 %",
         "*(est.)*; national ~85 % CBS"],
        [f"Generation from the poorest fifth (parent rank < 20, n = {pf['n']:,}) at 25: in poorest fifth; "
         "in top fifth / top two fifths", f"{pct(pf['poorest'])}; {pct(pf['top'])} / {pct(pf['top_two'])}",
         "~21 %; ~1 in 5 top fifth (as adults)", "CBS 2023"],
        [f"Participation in initiatives: correlation with crime over buurt-years after the start "
         f"(n = {pc['buurt_years']}); each year's highest- vs lowest-crime buurt (mean over years)",
         f"{num(pc['corr'])}; {pct(pc['highest'])} vs {pct(pc['lowest'])}",
         "lowest where crime is highest", "Van Noije 2016"],
        ["Wijk liveability at step 0 / year 0 / end (mean after start)",
         f"{num(w['live_step0'])} / {num(w['live_year0'])} / {num(w['live_end'])} ({num(w['live_mean'])})",
         "deprived: below the national 0.72", "*(est.)*, environment.py"],
        [f"Regular staff: posts / filled / mean load (programme posts: {w['programme_posts']:g})",
         f"{w['posts']:,.0f} / {w['staff']:,.0f} / {num(w['mean_load'])}",
         "regular loads 1.1–1.6 per role", "§7.11"],
        ["Networks / members / youths 12–23 in a network; joined (founders included) / arrested / "
         "quit / moved out since construction",
         f"{w['networks']:.0f} / {w['network_members']:.0f} / {pct(w['youth_network_share'])}; "
         + " / ".join(f"{led.get(k, 0):,}" for k in ("joined", "arrested", "quit", "moved_out")),
         "— (no target)", "—"],
        ["Sublet dwellings (share of slumlord stock); inspections since construction; live initiatives",
         f"{w['sublet_dwellings']:,.0f} ({pct(w['sublet_share_slumlord'], 0)}); "
         f"{w['inspections_end']:,}; {w['initiatives']:.0f}", "—", "—"],
    ]
    return table(["Figure", f"Model (seed {r.cfg.seed})", "Target", "Source of target"], rows)


def generation_table(r: Run) -> tuple[str, str]:
    g, cc = r.summary["generation"], r.summary["cohort_counts"]
    rows = [[label, *(num(g[v][k], 1 if k == "income_rank" else 3) for v in GEN_VIEWS)]
            for k, label in GEN_ROWS.items()]
    rows.append(["persons", *(f"{g[v]['n']:,}" for v in GEN_VIEWS)])
    head = (f"seed {r.cfg.seed}; {cc['tagged']:,} tagged, {cc['moved_out']:,} moved out, {cc['died']:,} "
            f"died, {cc['censored']:,} censored")
    return head, table(["", "by origin", "by place", "movers", "stayers"], rows)


def presets_table(runs: dict[str, Run]) -> str:
    ws = {n: wijk(runs[n]) for n in SCENARIOS}
    gs = {n: runs[n].summary["generation"]["by_origin"] for n in SCENARIOS}
    pfs = {n: poorest_fifth(runs[n]) for n in SCENARIOS}

    def row(label: str, cell: Any) -> list[str]:
        return [label, *(cell(n) for n in SCENARIOS)]

    rows = [
        row("Liveability mean after start / end; adults' trust", lambda n: (
            f"{num(ws[n]['live_mean'])} / {num(ws[n]['live_end'])}; {num(ws[n]['trust'])}")),
        row("Youth suspect share; network members; sublet share of slumlord stock", lambda n: (
            f"{pct(ws[n]['youth_suspect_share'])}; {ws[n]['network_members']:.0f}; "
            f"{pct(ws[n]['sublet_share_slumlord'], 0)}")),
        row("Initiatives' participation (adults); familiarity; mean staff tenure (years)", lambda n: (
            f"{pct(ws[n]['participation'])}; {num(ws[n]['familiarity'])}; {num(ws[n]['mean_tenure'], 1)}")),
        row("Political events / resets / visitations; money allocated / spent (M euro)", lambda n: (
            f"{ws[n]['political_events']} / {ws[n]['resets']} / {ws[n]['visitations']}; "
            f"{num(ws[n]['money_allocated'] / 1e6, 1)} / {num(ws[n]['money_spent'] / 1e6, 1)}")),
        row("Start qualification / higher education / employed / income rank", lambda n: " / ".join(
            [*(num(gs[n][k], 3) for k in ("start_qualification", "higher_education", "employed")),
             num(gs[n]["income_rank"], 1)])),
        row("Ever suspect / network member / trust / deprived area at 25", lambda n: " / ".join(
            num(gs[n][k], 3) for k in ("ever_suspect", "network_member", "trust", "deprived_area"))),
        row("Poorest fifth: in poorest fifth / in top two fifths at 25",
            lambda n: f"{pct(pfs[n]['poorest'])} / {pct(pfs[n]['top_two'])}"),
        row("Shared start: tagged; liveability at year 0; burn-in (year < 0) identical to "
            "`no_programme`'s", lambda n: f"{ws[n]['tagged']:,}; {num(ws[n]['live_year0'])}; "
            f"{'yes' if same_burn_in(runs[n], runs['no_programme']) else 'no'}"),
    ]
    return table(["", *(f"`{n}`" for n in SCENARIOS)], rows)


def reading_table(r: Run) -> str:
    w, e = wijk(r), exposure(r)
    crime = " / ".join(num(w[f"crime_{y:g}"]) for y in BURN_IN_YEARS)
    years = " / ".join(f"{y:g}".replace("-", "−") for y in BURN_IN_YEARS)
    rows = [
        [f"Crime per 1000 residents at year {years} / 0 (mean after start)",
         f"{crime} / {num(w['crime_year0'])} ({num(w['crime_mean'])})"],
        ["Generation's mean exposure (quality-years vs 0.72); its term in the school score "
         f"(× {r.cfg.school.exposure_weight:g} / {EXPOSURE_SCALE:g}); in the potential income rank "
         f"(× {r.cfg.work.rank_per_exposure:g})",
         f"{num(e['mean'])}; {num(e['school'])}; {num(e['rank'])}"],
    ]
    return table(["Figure", f"Model (seed {r.cfg.seed})"], rows)


def report(runs: dict[str, Run], residents: int, overrides: Sequence[str] = ()) -> str:
    """The markdown report of finished runs (keys: ``default`` and the presets)."""
    d = runs[DEFAULT]
    b = d.cfg
    ov = str(config_overrides("<name>", b.seed, residents, overrides)).replace("'", '"')
    same = same_run(d, runs["no_programme"])
    gen_head, gen = generation_table(d)
    secs = ", ".join(f"{n} {r.seconds:.1f} s" for n, r in runs.items())
    out = [
        "# Calibration report (docs/model.md §9)",
        "",
        f"Commit `{commit()}`; seed {b.seed}; {residents:,} residents, {b.neighbourhood.buurten} buurten, "
        f"{b.years.burn_in:g} + {d.summary['years']['after_start']} years; produced by "
        f"`python experiments/calibration_report.py`. Run times: {secs}.",
        "",
        "**Moving rates by age** (address changes per 100 resident person-years, 3-year bands age−1 … "
        "age+1, after burn-in; ratio = model / CBS):",
        "",
        moving_table(d),
        "",
        "**Other figures** (means over year ≥ 0 unless stated):",
        "",
        other_table(d),
        "",
        f"**Generation outcomes** ({gen_head}; outcome rows only):",
        "",
        gen,
        "",
        f"**Scenario presets** (seed {b.seed}, `load_config({ov})`; "
        f"`no_programme` is {'identical' if same else 'NOT identical'} to the default run). "
        "Wijk figures: means over year ≥ 0; generation: by origin.",
        "",
        presets_table(runs),
        "",
        "**Burn-in and exposure** (figures quoted in §9's Reading):",
        "",
        reading_table(d),
        "",
    ]
    return "\n".join(out)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python experiments/calibration_report.py",
                                 description="Measure every figure of docs/model.md §9 on one seed.")
    ap.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    ap.add_argument("--residents", type=int, default=15000, help="initial residents (default 15000)")
    ap.add_argument("--out", type=Path, default=None, help="also write the markdown to this file")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides for every run, e.g. years.burn_in=5")
    a = ap.parse_args(list(argv))
    for o in a.overrides:
        key = o.split("=", 1)[0].lstrip("+~")
        if key in ("scenario", "seed", "neighbourhood.residents"):
            ap.error(f"override {o!r}: the report sets {key} itself")
    return a


def run_all(seed: int, residents: int, overrides: Sequence[str] = ()) -> dict[str, Run]:
    """The default config and the three presets, one after another in this process."""
    return {n: run_one(n, seed, residents, overrides) for n in (DEFAULT, *SCENARIOS)}


def main(argv: Sequence[str] | None = None) -> int:
    a = parse_args(sys.argv[1:] if argv is None else argv)
    text = report(run_all(a.seed, a.residents, a.overrides), a.residents, a.overrides)
    print(text)
    if a.out is not None:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
