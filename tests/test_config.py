"""Configs: every preset composes and validates; bad input gets one clear message and no results."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.compose import CONFIG_DIR, load_config
from sim.config import ConfigError, validate
from sim.simulate import simulate

GROUPS = ["neighbourhood", "funding", "staffing", "politics", "governance", "scenario"]


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


@pytest.mark.parametrize("group,option", [(g, o) for g in GROUPS for o in _options(g)])
def test_every_group_option_composes_and_validates(group, option):
    cfg = load_config([f"{group}={option}"])
    validate(cfg)


@pytest.mark.parametrize("experiment", _options("experiment"))
def test_every_experiment_composes_and_validates(experiment):
    validate(load_config([f"experiment={experiment}"]))


def test_required_knobs_exist_with_defaults():
    cfg = validate(load_config())
    assert cfg.neighbourhood.residents == 15000
    assert cfg.years.burn_in >= 10
    assert cfg.years.after_start is None  # null = until the youngest tracked child reaches 25
    assert 6 <= cfg.neighbourhood.buurten <= 10


# (description, override dict, text the message must contain)
BAD = [
    ("zero residents", {"neighbourhood": {"residents": 0}}, "neighbourhood.residents = 0"),
    ("too many residents", {"neighbourhood": {"residents": 10**7}}, "[1000, 200000]"),
    ("negative rate", {"moving": {"leave_home_rate": -0.1}}, "moving.leave_home_rate = -0.1"),
    ("probability 1.5", {"moving": {"leave_home_local_share": 1.5}}, "[0.0, 1.0]"),
    ("unknown top key", {"seeed": 3}, "seeed: unknown key"),
    ("unknown nested key", {"school": {"quality": 1}}, "school.quality: unknown key"),
    ("string for a number", {"years": {"step": "quarter"}}, "years.step = 'quarter'"),
    ("fractional integer", {"neighbourhood": {"buurten": 7.5}}, "whole number"),
    ("bool for a number", {"neighbourhood": {"residents": True}}, "neighbourhood.residents = True"),
    ("too few buurten", {"neighbourhood": {"buurten": 3}}, "neighbourhood.buurten = 3"),
    ("step too long", {"years": {"step": 2.0}}, "years.step = 2.0"),
    ("negative burn-in", {"years": {"burn_in": -5}}, "years.burn_in = -5"),
    ("cohort ages reversed", {"cohort": {"min_age": 10, "max_age": 4}}, "cohort.min_age = 10"),
    ("infinite value", {"work": {"job_loss_rate": float("inf")}}, "must be finite"),
    ("null for a number", {"seed": None}, "seed = null"),
    ("group given a scalar", {"school": 3}, "school = 3: expected a group"),
]


@pytest.mark.parametrize("label,bad,needle", BAD, ids=[b[0] for b in BAD])
def test_bad_values_give_one_clear_message_and_write_nothing(tmp_path, label, bad, needle):
    out = tmp_path / "run"
    with pytest.raises(ConfigError) as exc:
        simulate(bad, out)
    msg = str(exc.value)
    assert needle in msg
    assert "Traceback" not in msg
    assert len(msg.splitlines()) == 2  # the heading and exactly one problem line
    assert not out.exists()


CLI_BAD = [
    ("neighbourhood.residents=0", "neighbourhood.residents = 0"),
    ("moving.leave_home_local_share=1.5", "moving.leave_home_local_share = 1.5"),
    ("years.step=abc", "years.step"),
    ("+neighbourhood.colour=red", "colour"),
    ("cohort.max_age=30", "cohort.max_age = 30"),
]


@pytest.mark.parametrize("override,needle", CLI_BAD)
def test_cli_rejects_bad_values_without_traceback_or_output(tmp_path, override, needle):
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    res = subprocess.run(
        [sys.executable, "-m", "sim.run", override, f"hydra.run.dir={tmp_path}/run"],
        capture_output=True, text=True, cwd=Path(__file__).parent.parent, env=env, timeout=120)
    assert res.returncode != 0
    err = res.stderr
    assert needle in err
    assert "Traceback" not in err
    assert not (tmp_path / "run").exists() or not any((tmp_path / "run").iterdir())


def test_partial_dict_fills_defaults():
    cfg = validate({"neighbourhood": {"residents": 5000}})
    assert cfg.neighbourhood.residents == 5000
    assert cfg.neighbourhood.buurten == 8
