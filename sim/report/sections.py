"""The sections of a report, each computed from a :class:`sim.report.data.ReportData`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim import charts
from sim.conditions import CONDITIONS, describe, flat
from sim.report import text as tx
from sim.report.data import ReportData
from sim.report.page import Section, figure, para, table
from sim.units import OUTCOMES, fmt, label_of

FAN_SERIES = ("liveability", "youth_suspect_share", "mean_tenure")
# Scenarios drawn in the fan charts (the differences chart shows every scenario).
MAIN = ("project_carousel", "carousel_same_money", "long_term")
MAX_FAN = 4
DIFF_ROWS_PER_FIGURE = 9.0  # inches of panels per differences figure: fits one A4 page


def main_scenarios(data: ReportData) -> list[Any]:
    """The reference and up to three others for the busy charts (named presets first)."""
    others = [s for s in data.scenarios if s != data.reference]
    pick = [s for s in MAIN if s in others] + [s for s in others if s not in MAIN]
    return [data.reference, *pick[:MAX_FAN - 1]]


def n_seeds(data: ReportData) -> int:
    return int(data.finished.groupby(data.by)["seed"].nunique().min())


def outcome_age(data: ReportData) -> int:
    m = data.manifest(data.finished["run_dir"].iloc[0])
    return int(m.get("config", {}).get("cohort", {}).get("outcome_age", 25))


def headline(data: ReportData, diffs: pd.DataFrame, lang: str) -> Section:
    """Per view: rows = scenarios, columns = outcomes; mean over seeds and paired difference."""
    fin = data.finished
    keys = list(dict.fromkeys(diffs["key"]))
    age = outcome_age(data)
    body = [para(tx.t("how_to_read", lang, n=n_seeds(data), ref=data.reference), "note")]
    for view in ("by_origin", "by_place"):
        head = "by_origin_head" if view == "by_origin" else "by_place_head"
        body.append(para(tx.t(head, lang, age=age)))
        header = [tx.t("scenario", lang)] + [
            f"{label_of(k, lang)} ({tx.t('better_if', lang)} {tx.t(OUTCOMES[k].better, lang)})"
            for k in keys]
        rows = []
        for name in data.scenarios:
            row = [(str(name), "")]
            for k in keys:
                col = f"generation.{view}.{k}"
                mean = pd.to_numeric(fin.loc[fin[data.by] == name, col], errors="coerce").mean()
                cell = fmt(mean, col, lang=lang) + (" %" if OUTCOMES[k].kind == "share" else "")
                cls = "num"
                if name == data.reference:
                    cell += f" ({tx.t('reference', lang)})"
                else:
                    d = diffs[(diffs[data.by] == name) & (diffs["outcome"] == col)]
                    if len(d):
                        r = d.iloc[0]
                        cell += (f"\n{fmt(r['difference'], col, diff=True, lang=lang)} "
                                 f"[{fmt(r['ci_low'], col, diff=True, lang=lang)}"
                                 f"{', ' if lang == 'en' else '; '}"
                                 f"{fmt(r['ci_high'], col, diff=True, lang=lang)}]")
                        cls = f"num {r['verdict']}"
                row.append((cell, cls))
            rows.append(row)
        body.append(table(header, rows))
    return Section("headline", tx.t("headline", lang, age=age), "\n".join(body))


def differences(data: ReportData, diffs: pd.DataFrame, lang: str) -> Section:
    """The forest plots, split so each figure fits a page, with computed captions."""
    keys = list(dict.fromkeys(diffs["key"]))
    n_other = len(data.scenarios) - 1
    per = max(1, min(4, int(DIFF_ROWS_PER_FIGURE // (0.45 + 0.24 * n_other))))
    age = outcome_age(data)
    body = []
    for i in range(0, len(keys), per):
        chunk = keys[i:i + per]
        fig = charts.differences_chart(data.runs, chunk, by=data.by, reference=data.reference,
                                       scenarios=data.scenarios, lang=lang)
        caps, notes = [], []
        for k in chunk:
            for view in ("by_origin", "by_place"):
                row = tx.pick(diffs, k, view)
                if row is not None:
                    notes.append(tx.difference_sentence(row, data.by, data.reference, lang, age))
            caps.append(f"{label_of(k, lang)}: " + tx.tally(diffs, k, "by_origin", lang) + " ("
                        + ("by origin" if lang == "en" else "naar herkomst") + ")")
        body.append(figure(fig, f"differences-{i // per + 1}", caps,
                           tx.t("differences", lang, ref=data.reference), notes))
    return Section("differences", tx.t("differences", lang, ref=data.reference), "\n".join(body))


def over_time(data: ReportData, lang: str) -> Section | None:
    """Fan charts of the wijk's series for the main scenarios."""
    s = data.series
    if s is None:
        return None
    names = main_scenarios(data)
    s = s[s[data.by].isin(names)]
    body = []
    for col in FAN_SERIES:
        if col not in s.columns:
            continue
        fig = charts.fan_chart(s, col, by=data.by, scenarios=names, reference=data.reference,
                               lang=lang)
        d = charts.fan_data(s, col, by=data.by)
        body.append(figure(fig, f"fan-{col}", [tx.fan_caption(d, col, data.by, names,
                                                               data.reference, lang)],
                           label_of(col, lang)))
    return Section("over-time", tx.t("over_time", lang), "\n".join(body)) if body else None


def movers(data: ReportData, lang: str) -> Section | None:
    """Movers vs stayers for the main scenarios."""
    outs = [o for o in ("start_qualification", "income_rank")
            if f"generation.movers.{o}" in data.runs.columns]
    if not outs:
        return None
    names = main_scenarios(data)
    runs = data.runs[data.runs[data.by].isin(names)]
    fig = charts.movers_stayers_chart(runs, outs, by=data.by, scenarios=names,
                                      reference=data.reference, lang=lang)
    d = charts.movers_stayers_data(runs, outs, by=data.by)
    caps = [tx.movers_caption(d, runs, outs[0], data.by, n, lang) for n in names]
    return Section("movers", tx.t("movers", lang),
                   figure(fig, "movers", caps, tx.t("movers", lang)))


def buurten(data: ReportData, lang: str) -> Section | None:
    """One seed's buurten over time, per main scenario (same seed: common random numbers)."""
    fin = data.finished
    names = main_scenarios(data)[:3]
    seed = fin.loc[fin[data.by] == data.reference, "seed"].min()
    frames = {}
    for n in names:
        r = fin[(fin[data.by] == n) & (fin["seed"] == seed)]
        if r.empty:
            continue
        p = data.run_path(r["run_dir"].iloc[0]) / "buurten.parquet"
        if p.exists():
            frames[n] = pd.read_parquet(p)
    if not frames:
        return None
    col = "liveability"
    fig = charts.buurten_chart(frames, col, lang=lang)
    caps = []
    for n, b in frames.items():
        last = b["year"].max()
        start = b[b["year"] == b.loc[b["year"] >= 0, "year"].min()]
        end = b[b["year"] == last]
        lo0, hi0 = fmt(start[col].min(), col, lang=lang), fmt(start[col].max(), col, lang=lang)
        lo1, hi1 = fmt(end[col].min(), col, lang=lang), fmt(end[col].max(), col, lang=lang)
        caps.append(f"{n}: {label_of(col, lang)} {lo0}-{hi0} → {lo1}-{hi1} "
                    + (f"(year {start['year'].iloc[0]:.0f} → year {last:.0f})" if lang == "en"
                       else f"(jaar {start['year'].iloc[0]:.0f} → jaar {last:.0f})"))
    caps.insert(0, (f"Seed {seed}, the same random history in every panel; lowest → highest "
                    "buurt:") if lang == "en" else
                (f"Seed {seed}, in elk paneel dezelfde toevallige geschiedenis; laagste → "
                 "hoogste buurt:"))
    return Section("buurten", tx.t("buurten", lang), figure(fig, "buurten", caps,
                                                            tx.t("buurten", lang)))


def sweep(data: ReportData, lang: str) -> Section | None:
    """Two-knob sweeps: a heatmap of the headline outcome; designs: sensitivity indices."""
    body = []
    outcome = "generation.by_origin.start_qualification"
    if outcome not in data.runs.columns:
        return None
    fin = data.finished
    numeric = [k for k in data.knobs if pd.api.types.is_numeric_dtype(fin[k])]
    if data.design is None and len(numeric) == 2:
        x, y = numeric
        fig = charts.heatmap_chart(data.runs, x, y, outcome, lang=lang)
        g = charts.heatmap_data(data.runs, x, y, outcome).stack()
        best, worst = g.idxmax(), g.idxmin()
        cap = (f"Highest {label_of(outcome, lang)} at {y}={best[0]}, {x}={best[1]}: "
               f"{fmt(g.max(), outcome, lang=lang)} %; lowest at {y}={worst[0]}, {x}={worst[1]}: "
               f"{fmt(g.min(), outcome, lang=lang)} % (mean over seeds).") if lang == "en" else (
               f"Hoogste {label_of(outcome, lang)} bij {y}={best[0]}, {x}={best[1]}: "
               f"{fmt(g.max(), outcome, lang=lang)} %; laagste bij {y}={worst[0]}, "
               f"{x}={worst[1]}: {fmt(g.min(), outcome, lang=lang)} % (gemiddelde over seeds).")
        body.append(figure(fig, "heatmap", [cap], label_of(outcome, lang)))
    if data.design is not None:
        from sim.sensitivity import analyze

        idx = analyze(data.directory, [outcome], runs=data.runs)
        fig = charts.sensitivity_chart(idx, lang=lang)
        col = "ST" if "ST" in idx.columns else ("mu_star" if "mu_star" in idx.columns else "S1")
        top = idx.loc[idx[col].idxmax()]
        cap = (f"The knob with the largest index ({col}) for {label_of(outcome, lang)}: "
               f"{top['knob']} ({top[col]:.2f}); method {data.design.get('method')}."
               if lang == "en" else
               f"De knop met de grootste index ({col}) voor {label_of(outcome, lang)}: "
               f"{top['knob']} ({str(round(float(top[col]), 2)).replace('.', ',')}); "
               f"methode {data.design.get('method')}.")
        body.append(figure(fig, "sensitivity", [cap], tx.t("sensitivity", lang)))
    if not body:
        return None
    return Section("sweep", tx.t("sweep", lang), "\n".join(body))


def compared(data: ReportData, lang: str) -> Section:
    """The scenarios: a description of each designed one (``sim.conditions.describe``: the
    reference, the seven leave-one-out arms, the comparators), and the settings that differ."""
    descriptions = {n: _describe(n) for n in data.scenarios}
    fin = data.finished
    configs = {}
    for n in data.scenarios:
        rd = fin.loc[fin[data.by] == n, "run_dir"].iloc[0]
        configs[n] = flat(data.manifest(rd).get("config", {}))
    ref = configs.get(data.reference, {})
    rows = []
    for n in data.scenarios:
        c = configs[n]
        diff = [f"{k} = {c.get(k)}" for k in sorted(set(c) | set(ref))
                if k not in ("seed", "scenario_name", "replicates") and c.get(k) != ref.get(k)]
        seeds = sorted(fin.loc[fin[data.by] == n, "seed"].tolist())
        what = descriptions.get(n, "") if lang == "en" else ""
        rows.append([(str(n), ""), (what, ""), ("; ".join(diff) if n != data.reference else
                                                tx.t("reference", lang), ""),
                     (_ranges(seeds), "num")])
    header = [tx.t("scenario", lang), "", tx.t("changes", lang, ref=data.reference),
              tx.t("seeds", lang)]
    if not any(r[1][0] for r in rows):
        header.pop(1)
        rows = [[r[0], r[2], r[3]] for r in rows]
    body = [table(header, rows)]
    bad = data.runs[data.runs["status"] != "finished"]
    if len(bad):
        which = ", ".join(f"{r['run_dir']} ({r['status']})" for _, r in bad.head(10).iterrows())
        body.append(para(tx.t("not_finished", lang, n=len(bad), which=which), "note"))
    return Section("compared", tx.t("compared", lang), "\n".join(body))


def _describe(scenario: Any) -> str:
    """``sim.conditions.describe`` of a designed scenario; "" for any other name or sweep value."""
    try:
        return describe(str(scenario))
    except KeyError:
        return ""


def _ranges(seeds: list[int]) -> str:
    """0,1,2,3,7 -> "0-3, 7"."""
    out, i = [], 0
    while i < len(seeds):
        j = i
        while j + 1 < len(seeds) and seeds[j + 1] == seeds[j] + 1:
            j += 1
        out.append(f"{seeds[i]}" if i == j else f"{seeds[i]}-{seeds[j]}")
        i = j + 1
    return ", ".join(out)


def conditions(lang: str) -> Section:
    """The seven conditions, each one's leave-one-out arm, what that arm takes away and the knobs
    it changes (``sim.conditions.CONDITIONS``, the one place of that map)."""
    rows = [[(c.label, ""), (c.arm, ""), (c.without, ""), (", ".join(c.knobs), "")]
            for c in CONDITIONS]
    head = (["condition", "arm without it", "what the arm takes away", "knobs"] if lang == "en"
            else ["voorwaarde", "variant zonder", "wat de variant weglaat", "knoppen"])
    return Section("conditions", tx.t("conditions", lang), table(head, rows))
