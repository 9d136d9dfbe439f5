"""The fixed-meaning parts of a report: what the model is and is not, and provenance."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sim.report import text as tx
from sim.report.data import ReportData
from sim.report.page import Section, esc, table


def model_is(data: ReportData, lang: str) -> Section:
    """What the model is and is not, with the sizes of this directory's runs."""
    fin = data.finished
    cfg = data.manifest(fin["run_dir"].iloc[0]).get("config", {})
    res = cfg.get("neighbourhood", {}).get("residents", "?")
    nb = cfg.get("neighbourhood", {}).get("buurten", "?")
    co = cfg.get("cohort", {})
    lo, hi, age = co.get("min_age", 0), co.get("max_age", 12), co.get("outcome_age", 25)
    burn = cfg.get("years", {}).get("burn_in", "?")
    seeds = int(fin.groupby(data.by)["seed"].nunique().min())
    if lang == "en":
        is_ = [
            f"An agent-based simulation of one fictional, typical deprived Dutch wijk of {res} "
            f"residents in {nb} buurten, after a burn-in of {burn} years: households, schools, "
            "jobs, moves, youth crime and criminal networks, landlords, and the street-level "
            "professionals a programme pays for.",
            f"It follows every child aged {lo}-{hi} at the programme start to age {age}, wherever "
            "they move, and reports their outcomes by origin and by place.",
            "Each mechanism and number is documented with its source in docs/model.md, or marked "
            "as an estimate.",
            f"A comparison of scenarios under the same {seeds} random histories (seeds): the "
            "difference between two scenarios is what their settings change, not luck.",
        ]
        not_ = [
            "Not a forecast for any real neighbourhood, and not calibrated to one.",
            "Not a measure of uncertainty about the real world: the intervals show how much "
            "the model's own average moves between random histories, not whether its "
            "assumptions are right.",
            "Not a cost-benefit analysis: money enters as capacity, and many effect sizes are "
            "estimates bounded by the literature.",
            "Not a verdict on people or places: the neighbourhood is where deprivation is found, "
            "not its cause.",
        ]
        heads = ("The model is", "The model is not")
    else:
        is_ = [
            f"Een agentgebaseerde simulatie van één fictieve, typerende Nederlandse "
            f"achterstandswijk met {res} inwoners in {nb} buurten, na een inloopperiode van "
            f"{burn} jaar: huishoudens, scholen, werk, verhuizingen, jeugdcriminaliteit en "
            "criminele netwerken, verhuurders, en de professionals in de wijk die een programma "
            "betaalt.",
            f"Het volgt elk kind dat bij de start van het programma {lo} tot {hi} jaar oud is tot "
            f"de leeftijd van {age}, waar het ook heen verhuist, en rapporteert de uitkomsten "
            "naar herkomst en naar woonplek.",
            "Elk mechanisme en elk getal is met bron beschreven in docs/model.md, of gemarkeerd "
            "als schatting.",
            f"Een vergelijking van scenario's onder dezelfde {seeds} toevallige geschiedenissen "
            "(seeds): het verschil tussen twee scenario's komt door hun instellingen, niet door "
            "toeval.",
        ]
        not_ = [
            "Geen voorspelling voor een echte wijk, en niet op een echte wijk afgesteld.",
            "Geen maat voor onzekerheid over de werkelijkheid: de intervallen tonen hoeveel het "
            "eigen gemiddelde van het model verschuift tussen toevallige geschiedenissen, niet "
            "of de aannames kloppen.",
            "Geen kosten-batenanalyse: geld werkt via capaciteit, en veel effectgroottes zijn "
            "schattingen binnen de grenzen van de literatuur.",
            "Geen oordeel over mensen of plekken: de wijk is waar achterstand wordt gevonden, "
            "niet de oorzaak ervan.",
        ]
        heads = ("Het model is", "Het model is niet")
    body = (f"<h3>{esc(heads[0])}</h3><ul>" + "".join(f"<li>{esc(x)}</li>" for x in is_)
            + f"</ul><h3>{esc(heads[1])}</h3><ul>" + "".join(f"<li>{esc(x)}</li>" for x in not_)
            + "</ul>")
    return Section("model", tx.t("model", lang), body)


def provenance(data: ReportData, lang: str) -> Section:
    """Code version, config fingerprints, seeds and dates of the runs behind the page."""
    fin = data.finished
    manifests = [data.manifest(rd) for rd in fin["run_dir"]]
    codes = Counter()
    ended = []
    for m in manifests:
        c = m.get("code") or {}
        codes[(c.get("commit") or "unknown", c.get("dirty"))] += 1
        if m.get("ended"):
            ended.append(str(m["ended"]))
    code_text = "; ".join(f"{commit[:12]}" + (f" ({tx.t('dirty', lang)})" if dirty else "")
                          + f" × {n}" for (commit, dirty), n in codes.items())
    fps = []
    for n in data.scenarios:
        sub = fin[fin[data.by] == n]
        col = sub["config_fingerprint"] if "config_fingerprint" in sub.columns else \
            [m.get("config_fingerprint") for m, (_, r) in zip(manifests, fin.iterrows(),
                                                                 strict=True) if r[data.by] == n]
        vals = sorted({str(v)[:12] for v in col if v is not None and str(v) != "nan"})
        seeds = sorted(int(s) for s in sub["seed"])
        fps.append([(str(n), ""), (", ".join(vals) or "-", ""),
                    (", ".join(map(str, seeds)), "num")])
    pk = (manifests[0].get("packages") or {}) if manifests else {}
    rows = [
        [(tx.t("directory", lang), ""), (str(data.directory), "")],
        [(tx.t("code", lang), ""), (code_text, "")],
        [(tx.t("runs_when", lang), ""), ((f"{min(ended)[:19]} … {max(ended)[:19]} UTC"
                                          if ended else "-"), "")],
        [(tx.t("generated", lang), ""), (datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "")],
        [(tx.t("packages", lang), ""), (", ".join(f"{k} {v}" for k, v in pk.items()), "")],
    ]
    body = table(["", ""], rows) + table(
        [tx.t("scenario", lang), tx.t("fingerprints", lang), tx.t("seeds", lang)], fps)
    return Section("provenance", tx.t("provenance", lang), body)
