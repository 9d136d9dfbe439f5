"""Composition is explicit: a preset plus a group or key gives what the user asked for, or stops."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
import yaml

from sim.compose import CONFIG_DIR, load_config
from sim.composition import check_overrides, config_groups, preset_problems, validate_job
from sim.config import ConfigError, WijksimConfig, validate

GROUPS = config_groups()
SCENARIOS = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


def _expected(group: str, option: str) -> dict:
    """What ``group=option`` means: the schema defaults of the group with the file's values."""
    out = dataclasses.asdict(getattr(WijksimConfig(), group))
    out.update(yaml.safe_load((CONFIG_DIR / group / f"{option}.yaml").read_text()) or {})
    return out


def _section(cfg, group: str) -> dict:
    return dataclasses.asdict(getattr(validate(cfg), group))


def _scenario_choices(scenario: str) -> dict[str, str]:
    body = yaml.safe_load((CONFIG_DIR / "scenario" / f"{scenario}.yaml").read_text())
    out = {}
    for entry in body.get("defaults", []):
        for k, v in entry.items():
            out[k.removeprefix("override /")] = v
    return out


def test_groups_are_the_model_groups():
    assert GROUPS == ["funding", "governance", "neighbourhood", "politics", "staffing"]


def test_shipped_presets_choose_groups_and_set_no_group_key_directly():
    assert preset_problems() == []


@pytest.mark.parametrize("group,option", [(g, o) for g in GROUPS for o in _options(g)])
def test_a_group_on_the_command_line_beats_the_preset(group, option):
    """long_term chooses funding, staffing and governance; every option of every group wins."""
    cfg = load_config(["scenario=long_term", f"{group}={option}"])
    assert _section(cfg, group) == _expected(group, option)
    # The preset's own (non-group) keys are kept.
    typed = validate(cfg)
    assert typed.programme.horizon_years == 20 and typed.slumlords.inspection_rate == 0.5


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_preset_yields_every_group_it_chooses(scenario):
    """Each group the preset chooses is replaced by another option given on the command line."""
    choices = _scenario_choices(scenario)
    assert choices, f"{scenario} chooses no group"
    other = {g: next(o for o in _options(g) if o != c) for g, c in choices.items()}
    cfg = load_config([f"scenario={scenario}", *(f"{g}={o}" for g, o in other.items())])
    for g, o in other.items():
        assert _section(cfg, g) == _expected(g, o), (scenario, g, o)
    plain = load_config([f"scenario={scenario}"])
    for g, c in choices.items():
        assert _section(plain, g) == _expected(g, c), (scenario, g, c)


def test_a_key_on_the_command_line_beats_preset_and_group():
    keys = {"funding.annual_budget_per_resident": 0.0, "staffing.rotation_years": 3.0,
            "governance.insulation": 0.33, "politics.reset_probability": 0.11,
            "neighbourhood.buurten": 7, "programme.horizon_years": 9.0,
            "slumlords.inspection_rate": 0.7}
    cfg = validate(load_config(["scenario=project_carousel", "funding=stable", "staffing=supported",
                                *(f"{k}={v}" for k, v in keys.items())]))
    for k, v in keys.items():
        group, name = k.split(".")
        assert getattr(getattr(cfg, group), name) == v, k
    assert cfg.funding.volatility == 0.05 and cfg.staffing.support == 0.8  # the groups' other keys


@pytest.fixture()
def bad_configs(tmp_path):
    """A copy of configs/ with a user preset that sets group keys itself."""
    d = tmp_path / "configs"
    shutil.copytree(CONFIG_DIR, d)
    (d / "scenario" / "mine.yaml").write_text(
        "# @package _global_\nscenario_name: mine\nfunding:\n  annual_budget_per_resident: 300\n"
        "  volatility: 0.2\nprogramme:\n  horizon_years: 10\n")
    (d / "experiment" / "long.yaml").write_text(
        "# @package _global_\nprogramme:\n  horizon_years: 30\n")
    return d


def test_a_preset_setting_a_group_key_stops_with_one_message_naming_both(bad_configs):
    assert preset_problems(bad_configs) == [
        "scenario/mine.yaml: sets funding.annual_budget_per_resident directly; choose the "
        "funding group in its defaults list instead",
        "scenario/mine.yaml: sets funding.volatility directly; choose the funding group in its "
        "defaults list instead"]
    with pytest.raises(ConfigError) as exc:
        check_overrides(["scenario=mine", "funding=stable"], bad_configs)
    msg = str(exc.value)
    assert len(msg.splitlines()) == 2  # the heading and one problem
    assert "scenario=mine" in msg and "funding=stable" in msg
    assert "funding.annual_budget_per_resident = 300" in msg and "funding.volatility = 0.2" in msg
    # A sweep over scenarios checks each; without the group, or with a key, there is no conflict.
    with pytest.raises(ConfigError, match="scenario=mine"):
        check_overrides(["scenario=long_term,mine", "funding=none"], bad_configs)
    check_overrides(["scenario=mine"], bad_configs)
    check_overrides(["scenario=mine", "funding.annual_budget_per_resident=5"], bad_configs)
    check_overrides(["scenario=long_term", "funding=none", "staffing=rotation"], bad_configs)


def test_two_presets_setting_one_key_differently_stop(bad_configs):
    with pytest.raises(ConfigError) as exc:
        check_overrides(["scenario=mine", "experiment=long"], bad_configs)
    msg = str(exc.value)
    assert "scenario=mine sets programme.horizon_years = 10" in msg
    assert "experiment=long sets programme.horizon_years = 30" in msg
    check_overrides(["scenario=mine", "experiment=quick"], bad_configs)


def test_the_hydra_job_path_checks_its_overrides(bad_configs, monkeypatch):
    import sim.composition as comp

    monkeypatch.setattr(comp, "CONFIG_DIR", bad_configs)
    cfg = load_config(["scenario=long_term"])
    with pytest.raises(ConfigError, match="funding=stable"):
        validate_job(cfg, overrides=["scenario=mine", "funding=stable"])
    assert validate_job(cfg, overrides=["scenario=mine"]).programme.horizon_years == 20
