"""Units and plain-language labels of the outcomes and series wijksim writes (English and Dutch).

One place that says what a number *is*: a share (0-1, shown in % and its differences in percentage
points, pp), an income rank (national percentile 0-100, differences in rank points), a 0-1 index
(trust, liveability), a rate per 1000 residents, or a count. Tables (``sim.compare``,
``differences.csv``), charts (:mod:`sim.charts`) and the report (:mod:`sim.report`) all read it, so a
column never mixes income rank points with fractions again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

LANGS = ("en", "nl")


@dataclass(frozen=True)
class Kind:
    """How a kind of number is scaled and named: ``value * factor`` is shown in ``unit``."""

    name: str
    factor: float
    level_unit: dict[str, str]  # unit of a level (mean), per language
    diff_unit: dict[str, str]  # unit of a difference of two levels
    suffix: str  # column-name suffix of a difference in this unit
    decimals: int


KINDS = {
    "share": Kind("share", 100.0, {"en": "%", "nl": "%"},
                  {"en": "percentage points", "nl": "procentpunt"}, "pp", 1),
    "rank": Kind("rank", 1.0, {"en": "national percentile (0-100)",
                               "nl": "landelijk percentiel (0-100)"},
                 {"en": "rank points", "nl": "rangpunten"}, "rank_points", 1),
    "scale": Kind("scale", 1.0, {"en": "index 0-1", "nl": "index 0-1"},
                  {"en": "points on a 0-1 index", "nl": "punten op een index van 0-1"},
                  "index_0_1", 3),
    "rate": Kind("rate", 1.0, {"en": "per 1000 residents per year",
                               "nl": "per 1000 inwoners per jaar"},
                 {"en": "per 1000 residents per year", "nl": "per 1000 inwoners per jaar"},
                 "per_1000", 1),
    "count": Kind("count", 1.0, {"en": "", "nl": ""}, {"en": "", "nl": ""}, "count", 1),
    "euro": Kind("euro", 1.0, {"en": "euro", "nl": "euro"}, {"en": "euro", "nl": "euro"},
                 "euro", 0),
}


@dataclass(frozen=True)
class Outcome:
    """A generation outcome at the outcome age: its kind, which direction is good, its labels."""

    key: str
    kind: str
    better: str  # "higher" or "lower"
    label: dict[str, str]
    # "Of 100 children ..., about N more <verb>" (shares only)
    verb: dict[str, str]


OUTCOMES: dict[str, Outcome] = {o.key: o for o in (
    Outcome("start_qualification", "share", "higher",
            {"en": "start qualification", "nl": "startkwalificatie"},
            {"en": "reach a start qualification", "nl": "halen een startkwalificatie"}),
    Outcome("higher_education", "share", "higher",
            {"en": "higher education", "nl": "hoger onderwijs"},
            {"en": "complete higher education", "nl": "ronden hoger onderwijs af"}),
    Outcome("employed", "share", "higher", {"en": "employed", "nl": "heeft werk"},
            {"en": "have a job", "nl": "hebben werk"}),
    Outcome("income_rank", "rank", "higher",
            {"en": "income rank (national percentile)", "nl": "inkomensrang (landelijk percentiel)"},
            {"en": "", "nl": ""}),
    Outcome("ever_suspect", "share", "lower",
            {"en": "ever a registered suspect, age 12-24",
             "nl": "ooit geregistreerd als verdachte, 12-24 jaar"},
            {"en": "are ever registered as a suspect between 12 and 24",
             "nl": "worden tussen 12 en 24 jaar ooit als verdachte geregistreerd"}),
    Outcome("network_member", "share", "lower",
            {"en": "ever in a criminal network", "nl": "ooit lid van een crimineel netwerk"},
            {"en": "are ever in a criminal network", "nl": "zijn ooit lid van een crimineel netwerk"}),
    Outcome("trust", "scale", "higher",
            {"en": "trust in institutions (0-1)", "nl": "vertrouwen in instanties (0-1)"},
            {"en": "", "nl": ""}),
    Outcome("deprived_area", "share", "lower",
            {"en": "lives in a deprived area", "nl": "woont in een achterstandsgebied"},
            {"en": "live in a deprived area", "nl": "wonen in een achterstandsgebied"}),
)}

# Series of timeseries.parquet / series.parquet / buurten.parquet: kind and labels.
SERIES: dict[str, tuple[str, dict[str, str]]] = {
    "liveability": ("scale", {"en": "liveability (0-1)", "nl": "leefbaarheid (0-1)"}),
    "crime_rate": ("rate", {"en": "registered suspects per 1000 residents",
                            "nl": "geregistreerde verdachten per 1000 inwoners"}),
    "disorder": ("scale", {"en": "disorder (0-1)", "nl": "verloedering (0-1)"}),
    "collective_efficacy": ("scale", {"en": "collective efficacy (0-1)",
                                      "nl": "collectieve redzaamheid (0-1)"}),
    "school_quality": ("scale", {"en": "school quality (0-1)", "nl": "schoolkwaliteit (0-1)"}),
    "trust": ("scale", {"en": "trust of residents (0-1)", "nl": "vertrouwen van bewoners (0-1)"}),
    "mean_trust": ("scale", {"en": "trust of residents (0-1)", "nl": "vertrouwen van bewoners (0-1)"}),
    "employment_rate": ("share", {"en": "residents in work", "nl": "bewoners met werk"}),
    "mean_income_rank": ("rank", {"en": "mean income rank of residents",
                                  "nl": "gemiddelde inkomensrang van bewoners"}),
    "startqual_25_34": ("share", {"en": "residents 25-34 with a start qualification",
                                  "nl": "bewoners van 25-34 met een startkwalificatie"}),
    "higher_ed_25_34": ("share", {"en": "residents 25-34 with higher education",
                                  "nl": "bewoners van 25-34 met hoger onderwijs"}),
    "youth_suspect_share": ("share", {"en": "young residents registered as suspects",
                                      "nl": "jonge bewoners geregistreerd als verdachte"}),
    "participation": ("share", {"en": "residents taking part in initiatives",
                                "nl": "bewoners die meedoen aan initiatieven"}),
    "reputation": ("scale", {"en": "reputation (0-1)", "nl": "reputatie (0-1)"}),
    "mean_tenure": ("count", {"en": "mean years in post of professionals",
                              "nl": "gemiddeld aantal jaren op de post van professionals"}),
    "vacancies": ("count", {"en": "vacant posts", "nl": "vacatures"}),
    "budget_year": ("euro", {"en": "programme budget per year (euro)",
                             "nl": "programmabudget per jaar (euro)"}),
    "population": ("count", {"en": "residents", "nl": "inwoners"}),
    "initiatives": ("count", {"en": "residents' initiatives", "nl": "bewonersinitiatieven"}),
}

VIEWS = {
    "by_origin": {"en": "by origin", "nl": "naar herkomst"},
    "by_place": {"en": "by place", "nl": "naar woonplek"},
    "movers": {"en": "movers", "nl": "verhuisd"},
    "stayers": {"en": "stayers", "nl": "gebleven"},
}


def kind_of(column: str) -> str:
    """The kind of a column of runs.parquet or of a series: ``share``, ``rank``, ``scale``, ...

    Looks at the last ``.``-part (``generation.by_origin.employed`` -> ``employed``); unknown
    columns are ``count`` (shown as they are, no unit claimed).
    """
    key = str(column).rsplit(".", 1)[-1]
    if key in OUTCOMES:
        return OUTCOMES[key].kind
    if key in SERIES:
        return SERIES[key][0]
    if key.endswith(("_share", "_rate")) and key != "crime_rate":
        return "share"
    if key.endswith("_rank") or "income_rank" in key:
        return "rank"
    return "count"


def label_of(column: str, lang: str = "en") -> str:
    """Plain-language label of an outcome or series column (the column name when unknown)."""
    key = str(column).rsplit(".", 1)[-1]
    if key in OUTCOMES:
        return OUTCOMES[key].label[lang]
    if key in SERIES:
        return SERIES[key][1][lang]
    return str(column)


def scaled(values: pd.Series | float, column: str) -> pd.Series | float:
    """Values in the unit they are shown in (shares x 100)."""
    return values * KINDS[kind_of(column)].factor


def diff_unit(column: str, lang: str = "en", short: bool = False) -> str:
    """Unit of a difference of this column: ``pp`` / ``percentage points``, ``rank points``, ..."""
    k = KINDS[kind_of(column)]
    if short and k.name == "share":
        return "pp" if lang == "en" else "%-punt"
    return k.diff_unit[lang]


def fmt(value: float, column: str, *, diff: bool = False, lang: str = "en") -> str:
    """A number as shown (shares in % or pp, ranks in points, indices to 3 decimals)."""
    if value is None or pd.isna(value):
        return "n/a" if lang == "en" else "n.b."
    k = KINDS[kind_of(column)]
    text = f"{value * k.factor:{'+' if diff else ''}.{k.decimals}f}"
    if lang == "nl":
        text = text.replace(".", ",")
    return text.replace("-", "\u2212") if diff else text
