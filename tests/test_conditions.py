"""The designed set: each arm differs from long_term by exactly its condition's knobs."""

from __future__ import annotations

import pytest

from sim import conditions as cond
from sim.compose import CONFIG_DIR

ARMS = [c.arm for c in cond.CONDITIONS]


def test_the_set_is_the_reference_seven_arms_and_three_comparators():
    assert cond.SCENARIO_SET == (
        "long_term", "long_term_short_horizon", "long_term_exposed_to_politics",
        "long_term_unsupported_staff", "long_term_unstable_staff", "long_term_no_initiatives",
        "long_term_no_crime_approach", "long_term_no_visitations", "project_carousel",
        "carousel_same_money", "no_programme")
    files = {p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml")}
    assert files == set(cond.SCENARIO_SET) | set(cond.ALIASES)
    assert len({c.key for c in cond.CONDITIONS}) == 7
    # No knob belongs to two conditions.
    knobs = [k for c in cond.CONDITIONS for k in c.knobs]
    assert len(knobs) == len(set(knobs))


@pytest.mark.parametrize("arm", ARMS)
def test_each_arm_differs_from_long_term_in_exactly_its_knobs(arm):
    diff = cond.differing_keys(cond.REFERENCE, arm)
    assert set(diff) == set(cond.knobs_of(arm))
    assert cond.resolved(arm)["scenario_name"] == arm


def test_helpers_map_both_ways():
    for c in cond.CONDITIONS:
        assert cond.arm_of(c.key) == c.arm and cond.condition_of(c.arm) is c
    assert cond.knobs_of("long_term") == ()
    assert cond.knobs_of("long_term_unstable_staff") == ("staffing.turnover_rate",
                                                         "staffing.rotation_years")
    with pytest.raises(KeyError, match="allowed: horizon"):
        cond.arm_of("money")
    with pytest.raises(KeyError, match="not a condition arm"):
        cond.knobs_of("project_carousel")


def test_baseline_is_an_alias_of_no_programme():
    assert cond.differing_keys("baseline", "no_programme") == {}


def test_carousel_same_money_differs_from_the_carousel_only_in_money_and_matches_long_term():
    diff = cond.differing_keys("project_carousel", "carousel_same_money")
    assert set(diff) == {"funding.annual_budget_per_resident"}
    total = {s: cond.resolved(s)["funding.annual_budget_per_resident"]
             * cond.resolved(s)["programme.horizon_years"]
             for s in ("long_term", "carousel_same_money", "project_carousel")}
    assert total["carousel_same_money"] == total["long_term"] == 5 * total["project_carousel"]


def test_the_carousel_touches_every_condition():
    diff = set(cond.differing_keys(cond.REFERENCE, "project_carousel"))
    for c in cond.CONDITIONS:
        assert diff & set(c.knobs), c.key


def test_changes_line_names_the_knobs():
    line = cond.changes_line("long_term_no_visitations", "long_term")
    assert line == "programme.visitation_interval_years 4 -> 0"
    assert cond.changes_line("baseline", "no_programme") == "no knob (identical configuration)"


def test_docs_table_is_the_generated_one(capsys):
    assert cond.main([]) == 0
    printed = capsys.readouterr().out.strip("\n")
    assert printed == cond.markdown_table()
    assert cond.docs_table(cond.DOCS.read_text()) == printed, (
        "docs/model.md §7.18 is out of date: run `python -m sim.conditions --write-docs`")
    for c in cond.CONDITIONS:
        assert f"`{c.arm}`" in printed and all(f"`{k}`" in printed for k in c.knobs)
