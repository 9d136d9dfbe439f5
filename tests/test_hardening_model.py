"""Issue 14: configs anywhere in the schema either are rejected in wijksim's voice or run cleanly.

* A property-based test (hypothesis) over the whole schema: each example draws every knob (mostly
  inside its declared range, boundaries included; sometimes outside it, of the wrong type or null).
  ``validate`` must either reject it with a message naming a key, or the model must run a short
  horizon with people, staff and money conserved at every step and no NaN or inf in any output
  (undefined quantities such as the mean rank of zero leavers are null, not NaN).
* Extreme but valid configs: a 100-year run, every knob at its lower or upper bound at once, and
  (slow) every knob at each of its bounds on its own and a 180-year run.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import rundir
from sim.config import ConfigError, validate
from sim.knobs import all_knobs
from sim.model import Neighbourhood
from sim.outcomes import build_outputs

# Keys whose draw is pinned so an example is a *short* run of a small wijk (the rest is free).
SHORT = {"neighbourhood.residents": st.integers(1000, 1500), "neighbourhood.buurten": st.just(6),
         "years.burn_in": st.integers(0, 2), "years.after_start": st.integers(1, 3),
         "years.step": st.sampled_from([0.25, 0.5, 1.0]), "replicates": st.just(1),
         "scenario_name": st.sampled_from(["prop", "a-b_c.1"]),
         # within their ranges, drawn so that most examples pass the cross-key rules and run
         "programme.start_year": st.floats(0.0, 0.99), "cohort.min_age": st.integers(0, 5),
         "cohort.max_age": st.integers(5, 17), "school.exposure_full_age": st.floats(0, 13),
         "school.exposure_zero_age": st.floats(13, 30),
         "school.start_qual_threshold": st.floats(-5, 0),
         "school.higher_ed_threshold": st.floats(0, 5)}
OUTCOMES: dict[str, int] = {"rejected": 0, "ran": 0}
MESSAGE = re.compile(r"^invalid configuration:\n  [a-z_.]+(?: = .+)?: .+", re.S)


def _set(d: dict, key: str, v) -> None:
    parts = key.split(".")
    for p in parts[:-1]:
        d = d.setdefault(p, {})
    d[parts[-1]] = v


def _valid(k) -> st.SearchStrategy:
    if k.type == "bool":
        return st.booleans()
    if k.type == "str":
        return st.just(k.default)
    lo = k.lo if k.lo is not None else -1e6
    hi = k.hi if k.hi is not None else 1e6
    if k.type == "int":
        inner = st.one_of(st.sampled_from([int(lo), int(hi)]), st.integers(int(lo), int(hi)))
    else:
        inner = st.one_of(st.sampled_from([lo, hi]), st.floats(lo, hi, exclude_min=k.lo_open))
        if k.lo_open:
            inner = st.one_of(st.just(hi), st.floats(lo, hi, exclude_min=True))
    return st.one_of(st.none(), inner) if k.optional else inner


def _invalid(k) -> st.SearchStrategy:
    opts = [st.just("abc"), st.just([1, 2])]
    if not k.optional:
        opts.append(st.none())
    if k.type in ("float", "int"):
        if k.hi is not None:
            opts.append(st.just(k.hi + 1 if k.type == "int" else k.hi * 2 + 1))
        if k.lo is not None:
            opts.append(st.just(k.lo - 1))
        opts.append(st.just(float("nan")))
    if k.type == "bool":
        opts.append(st.just(2))
    return st.one_of(opts)


@st.composite
def configs(draw, p_bad: float = 0.3) -> dict:
    """A whole config: every knob drawn (pinned short-run keys aside); with probability
    ``p_bad`` one to three knobs get a value outside what they allow."""
    knobs = all_knobs()
    bad: set[str] = set()
    if draw(st.floats(0, 1)) < p_bad:
        bad = set(draw(st.lists(st.sampled_from([k.key for k in knobs]), min_size=1,
                                max_size=3)))
    cfg: dict = {}
    for k in knobs:
        if k.key in bad:
            _set(cfg, k.key, draw(_invalid(k)))
        elif k.key in SHORT:
            _set(cfg, k.key, draw(SHORT[k.key]))
        elif k.key == "seed":
            _set(cfg, k.key, draw(st.integers(0, 2**63 - 1)))
        else:
            _set(cfg, k.key, draw(_valid(k)))
    return cfg


def run_checked(cfg) -> tuple[dict, dict]:
    """Run ``cfg`` step by step checking conservation; return (tables, summary)."""
    m = Neighbourhood(cfg)
    staff0 = m.staff()
    problems: list = []
    while m.steps < m.total_steps:
        m.step()
        p = m.pop.p
        actual = np.bincount(p.buurt[p.buurt >= 0].astype(int), minlength=m.n_buurten)
        if not np.array_equal(actual, m.flows.expected_population()):
            problems.append(("people", m.steps))
        led = m.staff_ledger
        if m.staff() - staff0 != led["hires"] - led["leavers"]:
            problems.append(("staff", m.steps))
        if m.programme is None:  # programme.enabled = false: no money moves
            continue
        mo = m.programme.money
        if not all(math.isfinite(v) for v in mo.values()) or min(mo.values()) < -1e-6 or \
                not np.isclose(mo["allocated"], mo["spent"] + mo["unspent"], rtol=1e-9, atol=1e-6):
            problems.append(("money", m.steps, dict(mo)))
        if len(problems) > 5:
            break
    assert problems == [], problems
    return build_outputs(m)


def assert_clean_outputs(tables: dict, summary: dict) -> None:
    """No NaN or inf in any output as written (parquet via pyarrow, JSON strict)."""
    for name, df in tables.items():
        t = pa.Table.from_pandas(df, preserve_index=False)  # what write_parquet stores
        for col in t.column_names:
            c = t[col]
            if pa.types.is_floating(c.type):
                assert not pc.any(pc.is_nan(c)).as_py(), (name, col, "NaN")
                assert not pc.any(pc.is_inf(c)).as_py(), (name, col, "inf")
    text = rundir.dumps(summary)  # raises on NaN/inf that strict_json did not turn into null
    assert "NaN" not in text and "Infinity" not in text
    flat = json.loads(text)
    assert isinstance(flat, dict)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(configs())
def test_any_config_is_rejected_clearly_or_runs_cleanly(cfg):
    _check_one(cfg)


@pytest.mark.slow
# Derandomized like the everyday one: CI explores the same 150 configs every time, so a red CI names a
# reproducible config (widen the search locally with a different seed or without derandomize).
@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(configs())
def test_any_config_is_rejected_clearly_or_runs_cleanly_many(cfg):
    _check_one(cfg)


def _check_one(cfg: dict) -> None:
    try:
        typed = validate(cfg)
    except ConfigError as exc:
        msg = str(exc)
        assert MESSAGE.match(msg), msg
        assert "Traceback" not in msg
        OUTCOMES["rejected"] += 1
        return
    OUTCOMES["ran"] += 1
    tables, summary = run_checked(typed)
    assert_clean_outputs(tables, summary)


def _at_bounds(side: str, base: dict) -> dict:
    """Every knob at its lower (or upper) bound at once; keys that a cross-key rule rejects
    in that combination are put back to their default (the message names them)."""
    cfg = json.loads(json.dumps(base))
    for k in all_knobs():
        if k.key in SHORT or k.key == "seed" or k.type == "str":
            continue
        v = (k.lo if side == "lo" else k.hi) if k.type != "bool" else side == "hi"
        if v is None or (k.lo_open and side == "lo"):
            continue
        if k.key not in _flat(base):
            _set(cfg, k.key, v)
    for _ in range(10):
        try:
            validate(cfg)
            return cfg
        except ConfigError as exc:
            for key in re.findall(r"^  ([a-z_.]+) = ", str(exc), re.M):
                node = cfg
                parts = key.split(".")
                for p in parts[:-1]:
                    node = node[p]
                node.pop(parts[-1], None)
    raise AssertionError("could not make a valid extreme config")


def _flat(d: dict, prefix: str = "") -> set[str]:
    out = set()
    for k, v in d.items():
        out |= _flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}"}
    return out


SMALL = {"neighbourhood": {"residents": 1000, "buurten": 6}, "years": {"burn_in": 1,
                                                                       "after_start": 3}}


@pytest.mark.parametrize("side", ["lo", "hi"])
def test_every_knob_at_its_bound_at_once_runs_cleanly(side):
    cfg = _at_bounds(side, SMALL)
    tables, summary = run_checked(validate(cfg))
    assert_clean_outputs(tables, summary)


def test_a_100_year_run_with_a_programme_runs_cleanly():
    cfg = {"neighbourhood": {"residents": 1000, "buurten": 6},
           "years": {"burn_in": 20, "after_start": 80, "step": 0.5},
           "programme": {"horizon_years": 60, "visitation_interval_years": 4},
           "funding": {"annual_budget_per_resident": 400, "volatility": 0.5, "cut_rate": 0.5},
           "politics": {"cabinet_change_rate": 2.0}}
    tables, summary = run_checked(validate(cfg))
    assert tables["timeseries"]["year"].max() == 80
    assert_clean_outputs(tables, summary)


@pytest.mark.slow
def test_a_180_year_run_at_full_scale_of_time_runs_cleanly():
    cfg = {"neighbourhood": {"residents": 2000, "buurten": 6},
           "years": {"burn_in": 100, "after_start": 80},
           "programme": {"horizon_years": 60, "start_year": 10},
           "funding": {"annual_budget_per_resident": 1000}}
    tables, summary = run_checked(validate(cfg))
    assert_clean_outputs(tables, summary)


@pytest.mark.slow
@pytest.mark.parametrize("side", ["lo", "hi"])
def test_each_knob_at_each_bound_on_its_own_runs_cleanly(side):
    failures = []
    for k in all_knobs():
        if k.key in SHORT or k.key == "seed" or k.type == "str":
            continue
        v = (k.lo if side == "lo" else k.hi) if k.type != "bool" else side == "hi"
        if v is None:
            continue
        cfg = json.loads(json.dumps(SMALL))
        _set(cfg, k.key, v)
        try:
            typed = validate(cfg)
        except ConfigError as exc:  # a cross-key rule: rejected in our words is fine
            assert MESSAGE.match(str(exc)), str(exc)
            continue
        try:
            assert_clean_outputs(*run_checked(typed))
        except AssertionError as exc:
            failures.append((k.key, v, str(exc)[:200]))
    assert failures == []
