"""The model's invariants: people conserved, every tracked child accounted for, agents are handles."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small

from sim.config import validate
from sim.model import Neighbourhood
from sim.outcomes import build_outputs
from sim.population import Resident


@pytest.fixture(scope="module")
def stepped_model():
    """A small model stepped to the end while the per-buurt ledger is checked every step."""
    m = Neighbourhood(validate(small(3, cohort={"born_years": 2})))
    mismatches = []
    while m.steps < m.total_steps:
        m.step()
        p = m.pop.p
        actual = np.bincount(p.buurt[p.buurt >= 0].astype(int), minlength=m.n_buurten)
        expected = m.flows.expected_population()
        if not np.array_equal(actual, expected):
            mismatches.append((m.steps, actual.tolist(), expected.tolist()))
        # Rows that left the model live nowhere: rules rely on ``buurt >= 0`` excluding them.
        if (p.buurt[p.leave] >= 0).any():
            mismatches.append((m.steps, "a row that left the model has a buurt"))
    return m, mismatches


def test_people_conserved_per_buurt_every_step(stepped_model):
    _m, mismatches = stepped_model
    assert mismatches == []


def test_people_conserved_in_total(stepped_model):
    m, _ = stepped_model
    f = {k: int(v.sum()) for k, v in m.flows.by_buurt.items()}
    assert f["local_in"] == f["local_out"]  # moves between buurten cancel in the wijk total
    current = int((m.pop.p.buurt >= 0).sum())
    assert f["start"] + f["births"] + f["arrivals"] - f["deaths"] - f["departures"] == current
    assert f["births"] > 0 and f["arrivals"] > 0 and f["deaths"] > 0 and f["departures"] > 0


def test_every_tracked_child_has_exactly_one_outcome_row(stepped_model):
    m, _ = stepped_model
    tables, summary = build_outputs(m)
    cohort = tables["cohort"]
    assert cohort["person_id"].is_unique
    assert len(cohort) == m.cohort.n_tagged > 0
    # Full horizon: everyone reached the outcome age or died (with the reason recorded).
    assert set(cohort["status"]) <= {"outcome", "died"}
    died = cohort[cohort["status"] == "died"]
    assert died["died"].all() and cohort.loc[cohort["status"] == "outcome", "died"].eq(False).all()
    assert died["income_rank_at_25"].isna().all()
    # Children born in the wijk in the first two programme years are tracked too.
    assert (cohort["age_at_start"] < 0).any()
    assert summary["cohort_counts"]["rows"] == len(cohort)


def test_resident_agents_are_handles_on_the_columns(stepped_model):
    m, _ = stepped_model
    p = m.pop.p
    active = ~p.leave
    residents = m.agents_by_type[Resident]
    assert len(residents) == int(active.sum())
    row = int(np.flatnonzero(active & (p.age > 30))[0])
    agent = m.handles[p.slot[row]]
    assert agent.pid == p.pid[row]
    assert agent.age == pytest.approx(p.age[row])
    agent.set("trust", 0.123)
    assert p.trust[row] == pytest.approx(0.123)
    assert m.resident(int(p.pid[row])) is agent
    gone = np.flatnonzero(p.leave)
    if gone.size:
        with pytest.raises(KeyError):
            m.resident(int(p.pid[gone[0]]))
    # Every registered handle stands for its own active person, one handle per person.
    pids = np.array([a.pid for a in residents])
    assert np.array_equal(np.sort(pids), np.sort(p.pid[active]))
    assert np.array_equal(m.handle_pid[p.slot[active]], p.pid[active])
    assert (p.slot[p.leave] == -1).all()
    # Spare (unbound) handles are out of Mesa's agent sets.
    assert all(m.handles[s] not in residents for s in m._spare_slots)


def test_tracked_persons_elsewhere_keep_living():
    """Tracked persons elsewhere age, accumulate exposure from their own place on the national
    scale, go to school there and reach outcomes: their lives go on, read from ``sim.places``."""
    from sim.mechanisms import school
    from sim.mechanisms.school import exposure_weight

    m = Neighbourhood(validate(small(3)))
    m.run_for(m.start_step + 8 * m.steps_per_year)  # eight years into the programme period
    p = m.pop.p
    away = np.flatnonzero(p.tracked & (p.buurt < 0) & ~p.leave & (p.age < 16))
    assert away.size > 20
    pid, age0, exp0 = p.pid[away].copy(), p.age[away].copy(), p.exposure[away].copy()
    attain0 = p.attain[away].copy()
    u = p.place_pct[away].copy()
    c = m.cfg.school
    # The yearly school step adds dt x weight x (liveability of their place - national mean).
    school.step(m, dt=1.0)
    live = m.places.at(m.places.liveability, u)
    w = exposure_weight(age0, c.exposure_full_age, c.exposure_zero_age)
    np.testing.assert_allclose(p.exposure[away] - exp0, w * (live - m.places.mean_liveability))
    # Pupils elsewhere progress with their place's school quality, on the wijk's scale.
    pupils = (age0 >= c.start_age) & (age0 < c.decision_age)
    zq = (m.places.at(m.places.school_quality, u[pupils]) - school.SCHOOL_QUALITY_REF) / school.QUALITY_SD
    span = c.decision_age - c.start_age
    np.testing.assert_allclose(p.attain[away][pupils] - attain0[pupils],
                               c.school_quality_weight * zq / span)
    # A year of steps: they age with everyone else and stay out of the wijk.
    for _ in range(m.steps_per_year):
        m.step()
    p = m.pop.p
    rows = m.pop.row_of[pid]
    alive = (rows >= 0)
    alive[alive] = ~p.leave[rows[alive]]
    assert alive.mean() > 0.95
    np.testing.assert_allclose(p.age[rows[alive]], age0[alive] + 1.0, atol=1e-9)
    assert (p.buurt[rows[alive]] < 0).all() and p.tracked[rows[alive]].all()


def test_buurten_differ_in_housing_stock():
    m = Neighbourhood(validate(small(4)))
    db = m.dwelling_buurt
    corp = np.bincount(db, m.dwelling_tenure == 0) / np.bincount(db)
    assert corp.max() - corp.min() > 0.05
    assert set(np.unique(db)) == set(range(m.n_buurten))
    # Buurten are contiguous blocks: every buurt has at least one neighbour.
    assert m.buurt_adjacency.any(axis=1).all()


def test_household_sizes_and_vacancies_consistent(stepped_model):
    m, _ = stepped_model
    pop = m.pop
    h = pop.h
    alive = np.flatnonzero(h.alive)
    assert (pop.occupant[h.dwelling[alive]] == alive).all()
    occupied = np.flatnonzero(pop.occupant >= 0)
    assert h.alive[pop.occupant[occupied]].all()
    sizes = pop.household_sizes()
    assert (sizes[alive] > 0).all()


def test_household_rows_compacted_without_changing_anyone():
    """Ended households' rows are dropped and the rest renumbered in order: every person keeps their
    household (by its permanent ``key``) and dwellings their occupants."""
    m = Neighbourhood(validate(small(5)))
    pop = m.pop
    compactions = 0
    while m.steps < m.total_steps:
        n_before = pop.h.n
        m.step()
        compactions += pop.h.n < n_before
    assert compactions > 0
    assert pop.next_hkey > pop.h.n  # more households were ever made than rows are kept
    # An explicit compaction after ending every 7th household: only row numbers change.
    h, p = pop.h, pop.p
    h.alive[np.flatnonzero(h.alive)[::7]] = False
    has_hh = (p.hh >= 0) & ~p.leave
    kept = has_hh & h.alive[np.maximum(p.hh, 0)]
    keys = h.key[p.hh[kept]].copy()
    before = {c: getattr(h, c)[h.alive].copy() for c in ("key", "dwelling", "rank", "moved_in")}
    occ = pop.occupant.copy()
    occ_kept = (occ >= 0) & h.alive[np.maximum(occ, 0)]
    occ_keys = h.key[occ[occ_kept]].copy()
    pop.compact_households()
    h, p = pop.h, pop.p
    assert h.alive.all() and h.n == before["key"].size
    for c, v in before.items():
        assert np.array_equal(getattr(h, c), v), c
    assert np.array_equal(h.key[p.hh[kept]], keys)
    assert (p.hh[has_hh & ~kept] == -1).all()
    assert np.array_equal(h.key[pop.occupant[occ_kept]], occ_keys)
    assert (pop.occupant[~occ_kept] == -1).all()
