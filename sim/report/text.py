"""The words of the report, in English and Dutch, and the sentences computed from the data.

Every number in a sentence comes from the tables (``differences_data`` rows, fan quantiles, runs);
nothing here is a fixed result. Text is returned unescaped: the page escapes it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.units import OUTCOMES, fmt, label_of

T: dict[str, dict[str, str]] = {
    "title": {"en": "Scenario report", "nl": "Scenariorapport"},
    "key": {"en": "Key message", "nl": "Kernboodschap"},
    "compared": {"en": "What was compared", "nl": "Wat is vergeleken"},
    "headline": {"en": "The generation at {age}: the numbers",
                 "nl": "De generatie op {age}-jarige leeftijd: de cijfers"},
    "differences": {"en": "Differences from {ref}", "nl": "Verschillen met {ref}"},
    "over_time": {"en": "The wijk over the years", "nl": "De wijk door de jaren heen"},
    "movers": {"en": "Children who moved out and children who stayed",
               "nl": "Kinderen die verhuisden en kinderen die bleven"},
    "buurten": {"en": "The buurten over time", "nl": "De buurten door de tijd"},
    "sweep": {"en": "The sweep", "nl": "De parametervariatie"},
    "sensitivity": {"en": "Which knobs matter", "nl": "Welke knoppen tellen"},
    "model": {"en": "What this model is, and what it is not", "nl": "Wat dit model is, en wat niet"},
    "conditions": {"en": "Conditions and the knobs that express them",
                   "nl": "Voorwaarden en de knoppen die ze uitdrukken"},
    "provenance": {"en": "Provenance", "nl": "Herkomst van de resultaten"},
    "scenario": {"en": "scenario", "nl": "scenario"},
    "seeds": {"en": "seeds", "nl": "seeds"},
    "changes": {"en": "settings that differ from {ref}", "nl": "instellingen die afwijken van {ref}"},
    "reference": {"en": "reference", "nl": "referentie"},
    "mean": {"en": "mean", "nl": "gemiddelde"},
    "diff_ci": {"en": "difference [95 % interval]", "nl": "verschil [95 %-interval]"},
    "outcome": {"en": "outcome", "nl": "uitkomst"},
    "better_if": {"en": "better if", "nl": "beter als"},
    "higher": {"en": "higher", "nl": "hoger"},
    "lower": {"en": "lower", "nl": "lager"},
    "by_origin_head": {"en": "By origin: everyone who lived in the wijk as a child when the "
                             "programme started, followed wherever they moved.",
                       "nl": "Naar herkomst: iedereen die bij de start van het programma als kind "
                             "in de wijk woonde, gevolgd waar die ook heen verhuisde."},
    "by_place_head": {"en": "By place: everyone of {age} who lives in the wijk at that moment, "
                            "wherever they grew up; what a neighbourhood monitor sees.",
                      "nl": "Naar woonplek: iedereen van {age} die op dat moment in de wijk "
                            "woont, waar die ook opgroeide; wat een wijkmonitor ziet."},
    "how_to_read": {"en": "Each scenario ran with the same {n} seeds (random histories) as {ref}; "
                          "a difference is computed seed by seed, so the two runs of a pair share "
                          "every chance event the scenarios do not change. The 95 % interval says "
                          "how sure the model is about its own average, not how sure we are about "
                          "the real world. pp = percentage points.",
                    "nl": "Elk scenario draaide met dezelfde {n} seeds (toevallige "
                          "geschiedenissen) als {ref}; een verschil wordt per seed berekend, zodat "
                          "de twee runs van een paar elke toevalsgebeurtenis delen die de "
                          "scenario's niet veranderen. Het 95 %-interval zegt hoe zeker het model "
                          "is over zijn eigen gemiddelde, niet hoe zeker wij zijn over de "
                          "werkelijkheid. %-punt = procentpunt."},
    "generated": {"en": "Report made", "nl": "Rapport gemaakt"},
    "code": {"en": "Code version", "nl": "Codeversie"},
    "fingerprints": {"en": "Config fingerprints", "nl": "Vingerafdrukken van de configuratie"},
    "runs_when": {"en": "Runs", "nl": "Runs"},
    "packages": {"en": "Packages", "nl": "Pakketten"},
    "directory": {"en": "Directory", "nl": "Map"},
    "not_finished": {"en": "{n} runs did not finish and are left out: {which}.",
                     "nl": "{n} runs zijn niet afgerond en tellen niet mee: {which}."},
    "dirty": {"en": "with uncommitted changes", "nl": "met niet-vastgelegde wijzigingen"},
}


def t(key: str, lang: str, **kw: Any) -> str:
    """A report phrase in ``lang``, formatted with ``kw``."""
    return T[key][lang].format(**kw)


# Dutch verb phrases with a slot for "onder S ongeveer N meer" (word order needs the split).
NL_SLOT = {
    "start_qualification": "halen er {x} een startkwalificatie",
    "higher_education": "ronden er {x} hoger onderwijs af",
    "employed": "hebben er {x} een baan",
    "ever_suspect": "worden er {x} tussen 12 en 24 jaar als verdachte geregistreerd",
    "network_member": "raken er {x} betrokken bij een crimineel netwerk",
    "deprived_area": "wonen er {x} in een achterstandsgebied",
}
SUBJECT = {
    "income_rank": {"en": "The income rank", "nl": "De inkomensrang"},
    "trust": {"en": "Trust in institutions", "nl": "Het vertrouwen in instanties"},
}
EN_VERB = {
    "start_qualification": "reach a start qualification",
    "higher_education": "complete higher education",
    "employed": "have a job",
    "ever_suspect": "are registered as a suspect between 12 and 24",
    "network_member": "are ever in a criminal network",
    "deprived_area": "live in a deprived area",
}


def _num(v: float, lang: str, decimals: int = 1) -> str:
    s = f"{v:.{decimals}f}"
    return s.replace(".", ",") if lang == "nl" else s


def difference_sentence(row: pd.Series, by: str, reference: Any, lang: str = "en",
                        age: int = 25) -> str:
    """One plain sentence for one scenario, outcome and view of ``differences_data``."""
    key, view, name = row["key"], row["view"], row[by]
    kind = row["kind"]
    col = row["outcome"]
    lo = fmt(row["ci_low"], col, diff=True, lang=lang)
    hi = fmt(row["ci_high"], col, diff=True, lang=lang)
    ci = (f"95 % interval {lo} to {hi}" if lang == "en" else f"95 %-interval: {lo} tot {hi}")
    if row.get("sd_difference") == 0 and row["difference"] == 0:
        return (f"{name} and {reference} give the same result in every seed "
                f"({label_of(key, lang)})." if lang == "en" else
                f"{name} en {reference} geven in elke seed dezelfde uitkomst "
                f"({label_of(key, lang)}).")
    d = float(row["shown_difference"])
    size = _num(abs(d), lang, 1 if kind != "scale" else 3)
    same = abs(d) < 0.05 if kind != "scale" else abs(d) < 0.0005
    if kind == "share" and key in EN_VERB:
        if lang == "en":
            who = ("Of every 100 children who grew up here" if view != "by_place" else
                   f"Of every 100 young adults of {age} living in the wijk")
            amount = "about as many" if same else f"about {size} {'more' if d > 0 else 'fewer'}"
            tail = "as" if same else "than"
            text = f"{who}, {amount} {EN_VERB[key]} under {name} {tail} under {reference} ({ci})."
        else:
            who = ("Van elke 100 kinderen die hier opgroeiden" if view != "by_place" else
                   f"Van elke 100 jongvolwassenen van {age} die in de wijk wonen")
            amount = ("ongeveer evenveel" if same else
                      f"ongeveer {size} {'meer' if d > 0 else 'minder'}")
            slot = NL_SLOT[key].format(x=f"onder {name} {amount}")
            text = f"{who}, {slot} {'als' if same else 'dan'} onder {reference} ({ci})."
    else:
        unit_en = {"rank": "rank points", "scale": "points on a 0-1 index"}.get(kind, "")
        unit_nl = {"rank": "rangpunten", "scale": "punten op een index van 0-1"}.get(kind, "")
        subject = SUBJECT.get(key, {}).get(lang) or label_of(key, lang).capitalize()
        if lang == "en":
            who = ("for children who grew up here" if view != "by_place" else
                   f"for young adults of {age} living in the wijk")
            way = "about the same" if same else f"about {size} {unit_en} {'higher' if d > 0 else 'lower'}"
            text = (f"{subject} {who} is {way} under {name} than under {reference} "
                    f"({ci}).")
        else:
            who = ("voor kinderen die hier opgroeiden" if view != "by_place" else
                   f"voor jongvolwassenen van {age} die in de wijk wonen")
            way = ("ongeveer gelijk" if same else
                   f"ongeveer {size} {unit_nl} {'hoger' if d > 0 else 'lager'}")
            text = (f"{subject} {who} ligt onder {name} {way} dan onder {reference} "
                    f"({ci}).")
    if row["verdict"] == "unclear":
        text += (" The interval includes zero: no clear difference." if lang == "en" else
                 " Het interval omvat nul: geen duidelijk verschil.")
    return text


def pick(diffs: pd.DataFrame, key: str, view: str) -> pd.Series | None:
    """The row to speak about for one outcome and view: the clearly better scenario with the
    largest benefit, else the one with the largest absolute difference."""
    sub = diffs[(diffs["key"] == key) & (diffs["view"] == view)].dropna(subset=["difference"])
    if sub.empty:
        return None
    sign = 1 if OUTCOMES.get(key) is None or OUTCOMES[key].better == "higher" else -1
    good = sub[sub["verdict"] == "better"]
    if len(good):
        return good.loc[(good["difference"] * sign).idxmax()]
    return sub.loc[sub["difference"].abs().idxmax()]


def tally(diffs: pd.DataFrame, key: str, view: str, lang: str) -> str:
    """"k of n scenarios clearly better, m clearly worse" for one outcome and view."""
    sub = diffs[(diffs["key"] == key) & (diffs["view"] == view)]
    n, b, w = len(sub), int((sub["verdict"] == "better").sum()), int((sub["verdict"] == "worse").sum())
    if lang == "en":
        return f"Of {n} scenarios, {b} are clearly better and {w} clearly worse than the reference."
    return f"Van de {n} scenario's zijn er {b} duidelijk beter en {w} duidelijk slechter dan de referentie."


def key_message(diffs: pd.DataFrame, by: str, reference: Any, n_seeds: int, lang: str = "en",
                age: int = 25) -> str:
    """The page's first sentence: what the best scenario does for the headline outcome."""
    keys = list(dict.fromkeys(diffs["key"]))
    key = "start_qualification" if "start_qualification" in keys else keys[0]
    sub = diffs[(diffs["key"] == key) & (diffs["view"] == "by_origin")]
    good = sub[sub["verdict"] == "better"]
    label = label_of(key, lang)
    if good.empty:
        gains = diffs[(diffs["view"] == "by_origin") & (diffs["verdict"] == "better")]
        extra = ""
        if len(gains):
            r = gains.loc[(gains["shown_difference"].abs()
                           / (gains["shown_ci_high"] - gains["shown_ci_low"])).idxmax()]
            said = difference_sentence(r, by, reference, lang, age)
            if said.startswith(("Het ", "De ", "Van ", "The ", "Of ")):
                said = said[0].lower() + said[1:]  # it follows a colon
            extra = (" The clearest gain elsewhere: " if lang == "en" else
                     " De duidelijkste winst elders: ") + said
        if lang == "en":
            return (f"With {n_seeds} seeds, no scenario clearly changes the {label} at {age} of "
                    f"the children who grew up here compared with {reference}: every 95 % "
                    f"interval includes zero." + extra)
        return (f"Met {n_seeds} seeds verandert geen enkel scenario duidelijk de {label} op "
                f"{age}-jarige leeftijd van de kinderen die hier opgroeiden, vergeleken met "
                f"{reference}: elk 95 %-interval omvat nul." + extra)
    row = pick(diffs, key, "by_origin")
    others = len(good) - 1
    sentence = difference_sentence(row, by, reference, lang, age)
    if lang == "en":
        lead = f"{row[by]} does most for the generation that grows up here (outcomes at {age}). "
        more = (f" {others} other scenario{'s' if others != 1 else ''} also clearly "
                f"improve{'s' if others == 1 else ''} it." if others else "")
    else:
        lead = (f"{row[by]} doet het meest voor de generatie die hier opgroeit (uitkomsten op "
                f"{age}-jarige leeftijd). ")
        more = (f" Nog {others} ander{'e' if others != 1 else ''} scenario{"'s" if others != 1 else ''} "
                f"verbeter{'en' if others != 1 else 't'} dit duidelijk." if others else "")
    return lead + sentence + more


def fan_caption(data: pd.DataFrame, column: str, by: str, names: list[Any], reference: Any,
                lang: str = "en") -> str:
    """Median of the series at the last year all scenarios share, per scenario, and the 90 %
    band of the reference."""
    common = data.groupby(by)["year"].max().min()
    year = int(min(common, 20)) if common >= 0 else int(common)
    at = data[data["year"] == year].set_index(by)
    parts = [f"{n} {fmt(at.loc[n, 'q50'], column, lang=lang)}" for n in names if n in at.index]
    label = label_of(column, lang)
    band = ""
    if reference in at.index:
        lo, hi = (fmt(at.loc[reference, q], column, lang=lang) for q in ("q05", "q95"))
        band = (f"; 90 % of the seeds of {reference} lie between {lo} and {hi}" if lang == "en"
                else f"; 90 % van de seeds van {reference} ligt tussen {lo} en {hi}")
    if lang == "en":
        return f"Median {label} in year {year} after the start: {', '.join(parts)}{band}."
    return f"Mediaan {label} in jaar {year} na de start: {', '.join(parts)}{band}."


def movers_caption(data: pd.DataFrame, runs: pd.DataFrame, outcome: str, by: str, name: Any,
                   lang: str = "en") -> str:
    """Movers vs stayers for one scenario, and the share of the generation that moved out."""
    d = data[(data[by] == name) & (data["outcome"] == outcome)].set_index("group")
    col = f"generation.movers.{outcome}"
    mv, st = (fmt(d.loc[g, "mean"], col, lang=lang) for g in ("movers", "stayers"))
    fin = runs[(runs["status"] == "finished") & (runs[by] == name)]
    moved = ""
    if {"cohort_counts.moved_out", "cohort_counts.tagged"} <= set(fin.columns):
        share = (pd.to_numeric(fin["cohort_counts.moved_out"]).sum()
                 / pd.to_numeric(fin["cohort_counts.tagged"]).sum())
        moved = (f" {_num(100 * share, lang, 0)} % of the generation moved out." if lang == "en"
                 else f" {_num(100 * share, lang, 0)} % van de generatie verhuisde de wijk uit.")
    unit = "%" if fmt(1, col) == "100.0" else ""
    label = label_of(outcome, lang)
    if lang == "en":
        return (f"Under {name}, {label}: {mv}{unit} of the children who moved out, {st}{unit} of "
                f"those who stayed (mean over seeds).{moved}")
    return (f"Onder {name}, {label}: {mv}{unit} van de kinderen die verhuisden, {st}{unit} van "
            f"wie bleef (gemiddelde over seeds).{moved}")
