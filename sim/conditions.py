"""The seven conditions as a designed set of scenarios: the one map condition -> arm -> knobs.

``long_term`` (``configs/scenario/long_term.yaml``) is the reference programme with all seven
conditions of a lasting neighbourhood approach (docs/model.md §7.18). Each condition has a
leave-one-out *arm*: a scenario that differs from ``long_term`` in that condition's knobs and in
nothing else (``tests/test_conditions.py`` composes every pair and checks the set of differing
keys). Three comparators complete the set: the ``project_carousel`` (all seven conditions weak),
the carousel on the same planned money as ``long_term`` (``carousel_same_money``) and
``no_programme``. ``baseline`` is an alias of ``no_programme`` (the root default).

This module is the only place the map lives; ``python -m sim.conditions`` prints it as markdown
(with each knob's value in ``long_term`` and in the arm, read from the composed configs), for
``docs/model.md`` and reports.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REFERENCE = "long_term"


@dataclass(frozen=True)
class Condition:
    """One condition of a lasting approach and its leave-one-out arm.

    ``key``: short id; ``label``: the condition in plain English; ``arm``: the scenario that
    lacks it; ``without``: what the arm does instead, in words; ``knobs``: the dotted config keys
    in which the arm differs from ``long_term`` (exactly these, no more).
    """

    key: str
    label: str
    arm: str
    without: str
    knobs: tuple[str, ...]


CONDITIONS: tuple[Condition, ...] = (
    Condition("horizon", "1. Long horizon", "long_term_short_horizon",
              "a 4-year programme on the same money per year (a fifth of the total; too short for "
              "its first visitation)",
              ("programme.horizon_years",)),
    Condition("politics", "2. Insensitivity to politics", "long_term_exposed_to_politics",
              "led by the municipality, so political events can reset it and a reset also breaks "
              "partners' commitments, on project money that swings from year to year and is cut",
              ("governance.insulation", "governance.commitments_kept", "funding.volatility",
               "funding.cut_rate")),
    Condition("support", "3. Facilitated street-level professionals",
              "long_term_unsupported_staff", "professionals get no extra time or means",
              ("staffing.support",)),
    Condition("stability", "4. Stability in execution", "long_term_unstable_staff",
              "higher staff turnover and job rotation every 2 years",
              ("staffing.turnover_rate", "staffing.rotation_years")),
    Condition("initiatives", "5. Attention to what goes well", "long_term_no_initiatives",
              "no support for residents' initiatives",
              ("programme.initiative_support",)),
    Condition("crime", "6. Subversive crime", "long_term_no_crime_approach",
              "no extra budget weight on enforcement and youth work, slumlord inspections at the "
              "regular rate",
              ("programme.mix_enforcement", "programme.mix_youth", "slumlords.inspection_rate")),
    Condition("knowledge", "7. Use of knowledge (visitations)", "long_term_no_visitations",
              "no visitations: what the programme learns lives in its staff",
              ("programme.visitation_interval_years",)),
)

# The comparators, with what they are in plain English.
COMPARATORS: dict[str, str] = {
    "project_carousel": "a short, politically exposed project: 4 years, volatile money with cuts, "
                        "municipality-led, rotation and high turnover, unsupported staff, no "
                        "visitations, some attention to initiatives (all seven conditions weak)",
    "carousel_same_money": "the project carousel on the same planned total money as long_term "
                           "(five times the money per year for a fifth of the time)",
    "no_programme": "regular provision only, no programme money",
}
REFERENCE_TEXT = ("the reference programme: all seven conditions (20 years of stable money, "
                  "network governance, supported and stable staff, initiatives, a crime "
                  "approach, visitations every 4 years)")
ALIASES = {"baseline": "no_programme"}

SCENARIO_SET: tuple[str, ...] = (REFERENCE, *(c.arm for c in CONDITIONS), *COMPARATORS)


def arm_of(key: str) -> str:
    """The leave-one-out arm of condition ``key`` (e.g. ``"stability"``)."""
    for c in CONDITIONS:
        if c.key == key:
            return c.arm
    raise KeyError(f"condition {key!r}: unknown; allowed: {', '.join(c.key for c in CONDITIONS)}")


def condition_of(arm: str) -> Condition:
    """The condition whose arm is ``arm``."""
    for c in CONDITIONS:
        if c.arm == arm:
            return c
    raise KeyError(f"arm {arm!r}: not a condition arm; arms: {', '.join(c.arm for c in CONDITIONS)}")


def knobs_of(arm: str) -> tuple[str, ...]:
    """The config keys in which ``arm`` differs from ``long_term`` (empty for ``long_term``)."""
    return () if arm == REFERENCE else condition_of(arm).knobs


def describe(scenario: str) -> str:
    """One line in plain English: what the scenario is."""
    scenario = ALIASES.get(scenario, scenario)
    if scenario == REFERENCE:
        return REFERENCE_TEXT
    if scenario in COMPARATORS:
        return COMPARATORS[scenario]
    c = condition_of(scenario)
    return f"long_term without condition {c.label}: {c.without}"


# -- resolved configs and their differences ---------------------------------------------------
def flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested dict as ``{dotted.key: value}``."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


@functools.cache
def resolved(scenario: str, overrides: tuple[str, ...] = ()) -> dict[str, Any]:
    """The validated config of ``scenario=<scenario>`` (plus ``overrides``) as dotted keys."""
    from sim.compose import load_config
    from sim.config import to_dict, validate

    return flat(to_dict(validate(load_config([f"scenario={scenario}", *overrides]))))


def differing_keys(a: str, b: str, overrides: Sequence[str] = ()) -> dict[str, tuple[Any, Any]]:
    """Keys whose resolved values differ between scenarios ``a`` and ``b``: ``{key: (a, b)}``.

    ``scenario_name`` is left out (it names a scenario, it changes nothing in a run).
    """
    ra, rb = resolved(a, tuple(overrides)), resolved(b, tuple(overrides))
    return {k: (ra[k], rb[k]) for k in ra if k != "scenario_name" and ra[k] != rb[k]}


def _num(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def changes_line(scenario: str, reference: str, overrides: Sequence[str] = ()) -> str:
    """``key ref -> value, ...``: what ``scenario`` changes relative to ``reference``."""
    diff = differing_keys(reference, scenario, overrides)
    if not diff:
        return "no knob (identical configuration)"
    return ", ".join(f"{k} {_num(r)} -> {_num(s)}" for k, (r, s) in sorted(diff.items()))


def _tag(knob: str) -> str:
    """The number of the condition a knob belongs to, or ``money`` (the budget level)."""
    for c in CONDITIONS:
        if knob in c.knobs:
            return c.label.split(".")[0]
    return "money" if knob == "funding.annual_budget_per_resident" else "other"


def markdown_table() -> str:
    """The condition -> arm -> knobs table (values from the composed configs), as markdown."""
    lines = ["| Condition | Arm (leave-one-out from `long_term`) | What the arm does instead | "
             "Knobs: `long_term` -> arm |",
             "|---|---|---|---|"]
    for c in CONDITIONS:
        diff = differing_keys(REFERENCE, c.arm)
        knobs = "; ".join(f"`{k}` {_num(diff[k][0])} -> {_num(diff[k][1])}" if k in diff
                          else f"`{k}` (no difference!)" for k in c.knobs)
        lines.append(f"| {c.label} | `{c.arm}` | {c.without} | {knobs} |")
    lines += ["", "| Comparator | What it is | Knobs that differ from `long_term` (condition) |",
              "|---|---|---|"]
    for name, what in COMPARATORS.items():
        diff = differing_keys(REFERENCE, name)
        keys = "; ".join(f"({_tag(k)}) `{k}` {_num(a)} -> {_num(b)}"
                         for k, (a, b) in sorted(diff.items(), key=lambda kv: (_tag(kv[0]), kv[0])))
        lines.append(f"| `{name}` | {what} | {keys} |")
    return "\n".join(lines)


DOCS = Path(__file__).resolve().parent.parent / "docs" / "model.md"
BEGIN = "<!-- conditions-table: begin"
END = "<!-- conditions-table: end -->"


def docs_table(text: str) -> str:
    """The table between the markers of a document (``docs/model.md`` §7.18)."""
    start = text.index("\n", text.index(BEGIN)) + 1
    return text[start:text.index(END)].strip("\n")


def write_docs(path: Path = DOCS) -> bool:
    """Put the generated table between the markers of ``path``; True if the file changed."""
    text = path.read_text()
    start = text.index("\n", text.index(BEGIN)) + 1
    new = text[:start] + markdown_table() + "\n" + text[text.index(END):]
    if new != text:
        path.write_text(new)
    return new != text


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.conditions``: print the map as a markdown table."""
    ap = argparse.ArgumentParser(prog="python -m sim.conditions", description=(
        "Print the seven conditions, their leave-one-out arms of long_term and the knobs each "
        "arm changes (markdown, values read from the composed configs)."))
    ap.add_argument("--write-docs", action="store_true",
                    help=f"also write the table into {DOCS.relative_to(DOCS.parent.parent)}")
    a = ap.parse_args(list(sys.argv[1:] if argv is None else argv))
    print(markdown_table())
    if a.write_docs:
        print(f"\n{DOCS}: {'updated' if write_docs() else 'already up to date'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
