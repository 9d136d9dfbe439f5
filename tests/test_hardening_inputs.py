"""Issue 14: every bad input is answered in wijksim's voice, and nothing is left behind.

A table of bad command lines (every case the issue lists, plus generated ones: one out-of-range
value per section, wrong types, typos of keys and presets, bad syntax, sweep-only forms, Hydra
settings, designs). Each goes through ``sim.run.cli`` in-process (the same code path as
``python -m sim.run``, which only adds the interpreter) and must: exit 2; print exactly one
``wijksim:`` message naming the key and value with what is allowed (and the closest valid names for
a typo); print no traceback; and leave the file tree exactly as it was. The model-only cases are
also fed to ``load_config`` (it must reject them with the same message), a representative subset
runs through the real CLI in a subprocess, and bad dicts go through ``simulate()``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import ConfigError
from sim.knobs import CONFIG_DIR, all_knobs, sections
from sim.standins.testing import app_env

ROOT = Path(__file__).resolve().parent.parent
HUGE = "9" * 5000

# (argv, needles that must all appear in the message). ``{tmp}`` is the test's working directory,
# which holds a user's files (see _user_files) that must survive every case untouched.
ISSUE_CASES: list[tuple[list[str], list[str]]] = [
    (["staffing.turnover_rate=-1", "hydra.run.dir={tmp}/x"],
     ["staffing.turnover_rate = -1", "allowed: a number in [0.0, 5.0]"]),
    (["hydra.run.dir={tmp}/x"], ["hydra.run.dir", "did not write", "notes.log"]),
    (["hydra.run.dir=."], ["hydra.run.dir = '.'", "did not write"]),
    (["hydra.run.dir="], ["hydra.run.dir = ''", "must name a directory"]),
    (["staffing.turnover_rate=abc"], ["staffing.turnover_rate = 'abc'", "a number in [0.0, 5.0]"]),
    (["-m", "staffing.turnover_rate=abc,0.1"], ["staffing.turnover_rate = 'abc'", "[0.0, 5.0]"]),
    (["staffing.turnover_rat=0.2"], ["staffing.turnover_rat", "did you mean: staffing.turnover_rate"]),
    (["hydra.run.dir=/etc/hostname"], ["hydra.run.dir = '/etc/hostname'", "is a file"]),
    ([f"seed={HUGE}"], ["seed", "cannot be read as a number"]),
    ([f"neighbourhood.residents={HUGE[:400]}"], ["neighbourhood.residents", "digit number",
                                                 "out of range"]),
    (["-m", "hydra.sweeper.design.method=file", "hydra.sweeper.design.file={tmp}/notes.txt"],
     ["hydra.sweeper.design", "not a usable design"]),
    (["-m", "seed=0,1", "hydra.launcher.start_method=bogus"],
     ["hydra.launcher.start_method = 'bogus'", "fork, forkserver, spawn"]),
    (["programme.enabled=2"], ["programme.enabled = 2", "true or false"]),
    (["~seed"], ["~seed", "removing a key is not allowed"]),
    (["scenario_name=../../x"], ["scenario_name = '../../x'", "letters, digits"]),
    (["programme.start_year=60"], ["programme.start_year = 60", "never start", "[0, 25)"]),
    (["hydra.sweeper.model=this:x"], ["hydra.sweeper.model = 'this:x'", "sim.run:SPEC"]),
    (["-m", "seed=0,1", "hydra.sweeper.model=os:system"], ["hydra.sweeper.model = 'os:system'"]),
    (["-m", "seed=0,1", "hydra.sweeper.model=sim.nope:SPEC"], ["no module sim.nope"]),
    (["-m", "seed=0,1", "hydra.sweeper.model=sim.config:ConfigError"], ["not a ModelSpec"]),
]

PRESET_TYPOS = [("scenario", "long_trm", "long_term"), ("neighbourhood", "smal", "small"),
                ("funding", "volatil", "volatile"), ("staffing", "rotatio", "rotation"),
                ("politics", "dutc", "dutch"), ("governance", "netwrk", "network"),
                ("experiment", "quik", "quick")]
KEY_TYPOS = [("staffing.turnover_rat", "staffing.turnover_rate"),
             ("funding.annual_budget_per_residnt", "funding.annual_budget_per_resident"),
             ("programme.horizon_year", "programme.horizon_years"),
             ("politics.reset_probabilty", "politics.reset_probability"),
             ("governance.insulaton", "governance.insulation"),
             ("neighbourhood.resident", "neighbourhood.residents"),
             ("stafing.turnover_rate", "staffing"), ("sed", "seed"),
             ("turnover_rate", "staffing.turnover_rate"),
             ("years.burnin", "years.burn_in")]


def _first_numeric(section: str):
    return next(k for k in all_knobs() if k.group == section and k.type in ("float", "int")
                and k.hi is not None)


def _generated() -> list[tuple[list[str], list[str]]]:
    cases: list[tuple[list[str], list[str]]] = []
    for sec in sections():  # one value above the range in every section
        k = _first_numeric(sec)
        bad = k.hi * 10 + 1 if k.type == "float" else int(k.hi) * 10 + 1
        cases.append(([f"{k.key}={bad}"], [f"{k.key} = {bad}", "out of range", "allowed"]))
    for group, typo, right in PRESET_TYPOS:
        cases.append(([f"{group}={typo}"], [f"{group} = '{typo}'", "no such preset", right]))
    for typo, right in KEY_TYPOS:
        cases.append(([f"{typo}=1"], [typo, "unknown key", f"did you mean: {right}"]))
    for value, needle in [("abc", "must be a number"), ("[1,2]", "must be a number"),
                          ("{a:1}", "must be a number"), ("null", "a value is required"),
                          ("nan", "must be finite"), ("inf", "must be finite"),
                          ("-inf", "must be finite"), ("true", "must be a number"),
                          ("''", "must be a number"), ("${oops}", "must be a number")]:
        cases.append(([f"politics.reset_probability={value}"],
                      ["politics.reset_probability", needle, "[0.0, 1.0]"]))
    for value, needle in [("-1", "out of range"), (str(2**63), "out of range"),
                          ("1.5", "whole number"), ("abc", "whole number"),
                          ("true", "whole number"), ("null", "a value is required")]:
        cases.append(([f"seed={value}"], ["seed = ", needle]))
    for value in ("0", "1.5", "-3"):
        cases.append(([f"replicates={value}"], ["replicates = ", "allowed"]))
    for value, needle in [("0", "out of range"), ("2", "out of range")]:
        cases.append(([f"years.step={value}"], [f"years.step = {value}", needle]))
    cases += [
        (["years.after_start=0"], ["years.after_start = 0", "out of range"]),
        (["years.burn_in=-1"], ["years.burn_in = -1", "out of range"]),
        (["years.burn_in=2.5"], ["years.burn_in = 2.5", "whole number"]),
        (["programme.enabled=yes"], ["programme.enabled = 'yes'", "true or false"]),
        (["programme.enabled=0"], ["programme.enabled = 0", "true or false"]),
        (["scenario_name="], ["scenario_name = ''", "letters, digits"]),
        (["scenario_name=a/b"], ["scenario_name = 'a/b'", "letters, digits"]),
        (["scenario_name=" + "a" * 100], ["scenario_name", "1-64"]),
        (["scenario_name=123"], ["scenario_name = 123", "must be text"]),
        (["cohort.min_age=10", "cohort.max_age=5"], ["cohort.min_age = 10", "cohort.max_age"]),
        (["school.exposure_zero_age=5"], ["school.exposure_zero_age = 5", "exposure_full_age"]),
        (["years.after_start=3", "programme.start_year=3"], ["programme.start_year = 3",
                                                             "[0, 3)"]),
        (["cohort.outcome_age=17"], ["cohort.outcome_age = 17", "out of range"]),
        (["+seed=1"], ["+seed=1", "already in the config", "without '+'"]),
        (["+scenario=long_term"], ["+scenario=long_term", "without '+'"]),
        (["+staffing.turnover_rate=0.2"], ["staffing.turnover_rate", "without '+'"]),
        (["+staffing.turnover_rat=0.2"], ["staffing.turnover_rat", "did you mean"]),
        (["++staffing.turnover_rat=0.2"], ["staffing.turnover_rat", "did you mean"]),
        (["~staffing.turnover_rate"], ["~staffing.turnover_rate", "not allowed"]),
        (["~scenario"], ["~scenario", "not allowed"]),
        (["~hydra.run.dir"], ["~hydra.run.dir", "not allowed"]),
        (["staffing=0.5"], ["staffing = 0.5", "no such preset", "regular"]),
        (["staffing.turnover_rate@foo=1"], ["staffing.turnover_rate@foo=1"]),
        (["programme=1"], ["programme", "group of keys"]),
        (["seed"], ["'seed'", "cannot be read as an override", "KEY=VALUE"]),
        (["seed==1"], ["'seed==1'", "cannot be read as an override"]),
        (["=3"], ["'=3'", "no key"]),
        (["a b=1"], ["'a b=1'", "cannot be read as an override"]),
        (["seed=[1,"], ["'seed=[1,'", "cannot be read as an override"]),
        (["scenario_name='abc"], ["cannot be read as an override"]),
        (["seed=0,1"], ["seed=0,1", "add -m"]),
        (["seed=range(0,3)"], ["add -m"]),
        (["-m", "seed=interval(0,1)"], ["interval()", "design"]),
        (["-m", "scenario=glob(zzz*)"], ["matches no preset", "baseline"]),
        (["-m", "seed=glob(*)"], ["glob() selects presets"]),
        (["-m", "seed=range(-2,2)"], ["seed = -2", "out of range"]),
        (["-m", "scenario=baseline,nope"], ["scenario = 'nope'", "no such preset"]),
        (["-m", "scenario=baseline,long_term", "programme.start_year=30"],
         ["programme.start_year = 30", "never start"]),
        (["-m", "staffing.support=0,2"], ["staffing.support = 2", "[0.0, 1.0]"]),
        (["-m", "seed=0,1", "hydra.launcher.n_jobs=abc"], ["hydra.launcher.n_jobs = 'abc'"]),
        (["-m", "seed=0,1", "hydra.launcher.n_jobs=-5"], ["hydra.launcher.n_jobs = -5"]),
        (["-m", "seed=0,1", "hydra.sweeper.progress=maybe"], ["hydra.sweeper.progress"]),
        (["-m", "seed=0,1", "hydra.sweeper.poll_seconds=0"], ["hydra.sweeper.poll_seconds = 0"]),
        (["-m", "seed=0,1", "hydra.sweeper.max_batch_size=0"], ["max_batch_size = 0"]),
        (["-m", "seed=0,1", "hydra.sweeper.collect=2"], ["hydra.sweeper.collect = 2"]),
        (["hydra.foo=1"], ["hydra.foo", "unknown key"]),
        (["hydra/launcher=locl"], ["hydra/launcher = 'locl'", "no such preset", "local"]),
        (["hydra/sweeper=nope"], ["hydra/sweeper = 'nope'", "no such preset"]),
        (["-m", "hydra.sweeper.design.method=grid"], ["design.method = 'grid'", "sobol"]),
        (["-m", "hydra.sweeper.design.method=sobol", "hydra.sweeper.design.n=6",
          "+hydra.sweeper.design.knobs.staffing.turnover_rate=[0,1]"],
         ["design.n = 6", "power of 2"]),
        (["-m", "hydra.sweeper.design.method=lhs", "hydra.sweeper.design.n=8",
          "+hydra.sweeper.design.knobs.staffing.turnover_rat=[0,1]"],
         ["staffing.turnover_rat", "did you mean: staffing.turnover_rate"]),
        (["-m", "hydra.sweeper.design.method=lhs", "hydra.sweeper.design.n=8",
          "+hydra.sweeper.design.knobs.staffing.support=[0,5]"],
         ["staffing.support", "out of range", "[0.0, 1.0]"]),
        (["-m", "hydra.sweeper.design.method=lhs", "hydra.sweeper.design.n=8"],
         ["design.knobs", "empty"]),
        (["-m", "hydra.sweeper.design.method=file", "hydra.sweeper.design.file={tmp}/nope.csv"],
         ["design.file", "no such file"]),
        (["-m", "seed=0,1", "hydra.sweep.dir={tmp}/notes.txt"],
         ["hydra.sweep.dir", "is a file"]),
        (["-m", "seed=0,1", "hydra.sweep.dir={tmp}/x"], ["hydra.sweep.dir", "not a wijksim sweep"]),
        (["-m", "seed=0,1", "hydra.sweep.dir="], ["hydra.sweep.dir = ''"]),
        (["--foo"], ["--foo", "not an option"]),
        (["-cp", "elsewhere"], ["-cp", "not an option"]),
        (["--config-name=other"], ["--config-name=other", "not an option"]),
    ]
    return cases


CASES = ISSUE_CASES + _generated()


def _user_files(root: Path) -> None:
    """What a user already has in the directory they run from (it must never change)."""
    (root / "x" / "sub.log").mkdir(parents=True)
    (root / "x" / "notes.log").write_text("notes\n")
    (root / "x" / "sub.log" / "data.csv").write_text("d\n")
    (root / "notes.txt").write_text("this is not a design\n\x00\x01")


def tree(root: Path) -> dict[str, tuple]:
    """Every path under ``root`` with its kind, size, mode and mtime."""
    out = {}
    for p in [root, *root.rglob("*")]:
        st = p.lstat()
        out[str(p.relative_to(root))] = (p.is_dir(), st.st_size, st.st_mode, st.st_mtime_ns)
    return out


def _fill(argv: list[str], tmp: Path) -> list[str]:
    return [a.replace("{tmp}", str(tmp)) for a in argv]


def test_the_table_has_at_least_100_bad_inputs_and_every_issue_case():
    assert len(CASES) >= 100
    joined = [" ".join(a) for a, _ in CASES]
    for needle in ("programme.enabled=2", "~seed", "scenario_name=../../x",
                   "programme.start_year=60", "hydra.run.dir=/etc/hostname", "seed=9999",
                   "start_method=bogus", "hydra.sweeper.model=this:x", "hydra.run.dir=.",
                   "hydra.run.dir=", "staffing.turnover_rate=abc", "staffing.turnover_rat=",
                   "design.file", "staffing.turnover_rate=-1 hydra.run.dir="):
        assert any(needle in j for j in joined), needle


@pytest.mark.parametrize("argv,needles", CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_one_message_exit_2_nothing_written(argv, needles, tmp_path, monkeypatch,
                                                      capsys):
    from sim.run import cli

    _user_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    code = cli(_fill(argv, tmp_path))
    out, err = capsys.readouterr()
    assert code == 2, (code, err)
    assert err.startswith("wijksim: ") and err.count("wijksim:") == 1, err
    for n in needles:
        assert n.replace("{tmp}", str(tmp_path)) in err, (n, err)
    assert "Traceback" not in err + out and "Error executing job" not in err
    assert "full_key" not in err and "could not be converted" not in err  # not OmegaConf's words
    assert tree(tmp_path) == before


ALL_MODEL_ONLY = [(a, n) for a, n in CASES
                  if not any(x.startswith(("-", "hydra", "~hydra", "+hydra")) for x in a)
                  and not any(("," in x and "[" not in x and "{" not in x) or "range(" in x
                              for x in a)]
MODEL_ONLY = ALL_MODEL_ONLY[::3]  # the same code path: a third of them keeps the suite fast


@pytest.mark.parametrize("argv,needles", MODEL_ONLY, ids=[" ".join(a)[:60] for a, _ in MODEL_ONLY])
def test_load_config_rejects_what_the_cli_rejects(argv, needles, tmp_path, monkeypatch):
    from sim.compose import load_config

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(argv)
    msg = str(info.value)
    for n in needles:
        assert n in msg, (n, msg)
    assert list(tmp_path.iterdir()) == []


BAD_DICTS = [
    ({"programme": {"enabled": 2}}, "programme.enabled = 2"),
    ({"seed": -1}, "seed = -1"),
    ({"seed": 10**5000}, "5001-digit number"),
    ({"seed": float("nan")}, "must be finite"),
    ({"staffing": {"turnover_rate": "abc"}}, "staffing.turnover_rate = 'abc'"),
    ({"staffing": {"turnover_rat": 0.1}}, "did you mean: staffing.turnover_rate"),
    ({"staffing": 3}, "expected a group of keys"),
    ({"scenario_name": "../../x"}, "scenario_name = '../../x'"),
    ({"programme": {"start_year": 60}}, "programme.start_year = 60"),
    ({"years": {"step": 0}}, "years.step = 0"),
    ({"neighbourhood": {"residents": 1.5}}, "whole number"),
    ({"cohort": {"min_age": 10, "max_age": 5}}, "cohort.min_age = 10"),
    ({"nonsense": 1}, "nonsense: unknown key"),
]


@pytest.mark.parametrize("cfg,needle", BAD_DICTS, ids=[n[:40] for _, n in BAD_DICTS])
def test_simulate_rejects_bad_dicts_before_writing(cfg, needle, tmp_path):
    from sim.simulate import simulate

    with pytest.raises(ConfigError) as info:
        simulate(cfg, tmp_path / "run")
    assert needle in str(info.value)
    assert not (tmp_path / "run").exists()


SUBPROCESS = [0, 7, 8, 13]  # through the real CLI: a user's dir, a file, 5000 digits, ~seed


@pytest.mark.parametrize("i", SUBPROCESS, ids=[" ".join(CASES[i][0])[:40] for i in SUBPROCESS])
def test_bad_input_through_the_real_cli(i, tmp_path):
    argv, needles = CASES[i]
    _user_files(tmp_path)
    before = tree(tmp_path)
    p = subprocess.run([sys.executable, "-m", "sim.run", *_fill(argv, tmp_path)], cwd=tmp_path,
                       env=app_env(), capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith("wijksim: ") and "Traceback" not in p.stderr + p.stdout
    for n in needles:
        assert n in p.stderr, (n, p.stderr)
    assert tree(tmp_path) == before


def test_knobs_and_help_list_every_knob_with_group_default_range_and_meaning(capsys):
    from sim.run import cli

    assert cli(["knobs"]) == 0
    listing = capsys.readouterr().out
    for k in all_knobs():
        assert f"  {k.key}  " in listing, k.key
        if k.doc:
            assert k.doc in listing
    assert "staffing.turnover_rate  float  default 0.1  allowed a number in [0.0, 5.0]" in listing
    staffing = "|".join(sorted(p.stem for p in (CONFIG_DIR / "staffing").glob("*.yaml")))
    assert f"[staffing   (presets: staffing={staffing})]" in listing
    assert cli(["--help"]) == 0
    help_ = capsys.readouterr().out
    assert "usage: python -m sim.run" in help_ and "scenario: baseline" in help_
    assert all(f"  {k.key}  " in help_ for k in all_knobs())
    assert cli(["knobs", "turnover"]) == 0
    assert "staffing.turnover_rate" in capsys.readouterr().out


def test_real_cli_help_exits_0_without_writing(tmp_path):
    p = subprocess.run([sys.executable, "-m", "sim.run", "--help"], cwd=tmp_path, env=app_env(),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "politics.reset_probability" in p.stdout
    assert list(tmp_path.iterdir()) == []


def test_ray_preset_turns_usage_statistics_off(tmp_path):
    env = {k: v for k, v in app_env().items() if k != "RAY_USAGE_STATS_ENABLED"}
    code = "import os, sim.run; print(os.environ['RAY_USAGE_STATS_ENABLED'])"
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       cwd=tmp_path, timeout=120)
    assert p.stdout.strip() == "0"
    from sim.preflight import compose_config

    cfg = compose_config(["hydra/launcher=ray"], hydra_cfg=True)
    assert cfg.hydra.launcher.ray.init.runtime_env.env_vars.RAY_USAGE_STATS_ENABLED == "0"
