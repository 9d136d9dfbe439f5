"""Levers belong to a period: what the programme changes acts while it runs and ends with it."""

from __future__ import annotations

import pytest
from conftest import merged, small

from sim.config import validate
from sim.model import Neighbourhood
from sim.simulate import simulate

LEVERS = {"staffing": {"turnover_rate": 0.3, "first_year_multiplier": 3.0, "rotation_years": 1.0,
                       "support": 0.6},
          "slumlords": {"inspection_rate": 4.0}}
SHORT = {"years": {"burn_in": 3, "after_start": 6}}


def cfg(seed: int = 0, horizon: float = 2.0, budget: float = 200.0, **groups: dict):
    base = small(seed, programme={"horizon_years": horizon},
                 funding={"annual_budget_per_resident": budget}, **SHORT)
    for g, v in LEVERS.items():
        base = merged(base, seed, {g: dict(v, **groups.get(g, {}))})
    return validate(base)


def levers_by_year(m: Neighbourhood) -> dict[float, tuple]:
    """Step through the run; the levers in force in each step, by model year."""
    seen = {}
    while m.steps < m.total_steps:
        m.step()
        s, sl = m.staffing, m.slumlord_policy
        seen[m.year] = (s.turnover_rate, s.first_year_multiplier, s.rotation_years, s.support,
                        sl.inspection_rate, m.programme_running)
    return seen


REGULAR = (0.10, 2.0, 0.0, 0.0, 0.1)
PROGRAMME = (0.3, 3.0, 1.0, 0.6, 4.0)


def test_levers_act_while_the_programme_runs_and_end_with_it():
    seen = levers_by_year(Neighbourhood(cfg(1)))
    for year, (*levers, running) in seen.items():
        assert running == (0 <= year < 2), year
        assert tuple(levers) == (PROGRAMME if running else REGULAR), year
    assert any(y >= 2 for y in seen) and any(y < 0 for y in seen)


def test_a_reform_outlives_the_programme():
    seen = levers_by_year(Neighbourhood(cfg(1, staffing={"reform": True})))
    for year, (*levers, _) in seen.items():
        staffing, inspections = tuple(levers[:4]), levers[4]
        assert staffing == (PROGRAMME[:4] if year >= 0 else REGULAR[:4]), year
        assert inspections == (PROGRAMME[4] if 0 <= year < 2 else REGULAR[4]), year


def test_rotation_stops_at_the_horizon():
    m = Neighbourhood(cfg(2, horizon=2.0))
    rotations = {}
    while m.steps < m.total_steps:
        m.step()
        rotations[m.year] = m.staff_ledger.get("rotations", 0)
    assert rotations[1.75] > 0  # rotation every year while the programme runs ...
    assert rotations[max(rotations)] == rotations[2.0]  # ... and none after it


@pytest.mark.parametrize("group", ["staffing", "slumlords"])
def test_levers_without_a_running_programme_change_nothing_unless_a_reform(tmp_path, group):
    """No money = no programme: its levers never act, byte for byte; a reform acts from the start."""
    plain = small(3, **SHORT)
    simulate(plain, tmp_path / "plain")
    simulate(cfg(3, horizon=20.0, budget=0.0), tmp_path / "levers")
    reform = cfg(3, horizon=20.0, budget=0.0, **{group: {"reform": True}})
    simulate(reform, tmp_path / "reform")
    for name in ("timeseries.parquet", "cohort.parquet", "buurten.parquet"):
        assert (tmp_path / "plain" / name).read_bytes() == \
            (tmp_path / "levers" / name).read_bytes(), name
    import pandas as pd

    a = pd.read_parquet(tmp_path / "plain" / "timeseries.parquet")
    b = pd.read_parquet(tmp_path / "reform" / "timeseries.parquet")
    pd.testing.assert_frame_equal(a[a["year"] < 0], b[b["year"] < 0])
    assert not a[a["year"] >= 1].equals(b[b["year"] >= 1].set_index(a[a["year"] >= 1].index))


def test_long_term_without_money_is_no_programme(tmp_path):
    """``scenario=long_term funding=none``: the group wins, and a programme without money does not
    run, so none of long_term's levers acts: the same world as no_programme, byte for byte."""
    from sim.compose import load_config

    over = ["neighbourhood=small", "years.burn_in=3", "years.after_start=8", "seed=4"]
    simulate(load_config(["scenario=long_term", "funding=none", *over]), tmp_path / "lt")
    simulate(load_config(["scenario=no_programme", *over]), tmp_path / "none")
    for name in ("timeseries.parquet", "cohort.parquet", "buurten.parquet", "place.parquet"):
        assert (tmp_path / "lt" / name).read_bytes() == (tmp_path / "none" / name).read_bytes(), name
