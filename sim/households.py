"""Synthetic households: the initial population and the applicants who fill vacancies.

Household types and the age of their head follow the composition of deprived Dutch urban rental
wijken: many singles and single parents, fewer couples (shares are our estimates, informed by CBS
household statistics for the G4 cities). A person's background is drawn as a national income-rank
percentile (Beta distribution with the configured mean); skill, education, employment and income rank
are then set by the same rules the life-course mechanisms use, so the start is consistent with the
dynamics (``sim.mechanisms.school`` and ``sim.mechanisms.work``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import demography, income, offending, school, work
from sim.population import EDU_UNDECIDED

if TYPE_CHECKING:
    from sim.model import Neighbourhood

# type: (share at start, share among applicants, adults, min kids, max kids)   *(est.)*
HOUSEHOLD_TYPES = {
    "single": (0.40, 0.42, 1, 0, 0),
    "couple": (0.17, 0.13, 2, 0, 0),
    "couple_kids": (0.23, 0.22, 2, 1, 3),
    "single_parent": (0.14, 0.18, 1, 1, 3),
    "other": (0.06, 0.05, 3, 0, 0),
}


_TYPE_TABLE = np.array(list(HOUSEHOLD_TYPES.values()), dtype=float)
_CUM_START = np.cumsum(_TYPE_TABLE[:, 0] / _TYPE_TABLE[:, 0].sum())
_CUM_APPLICANT = np.cumsum(_TYPE_TABLE[:, 1] / _TYPE_TABLE[:, 1].sum())
_ADULTS, _KIDS_MIN, _KIDS_MAX = (_TYPE_TABLE[:, i].astype(np.int64) for i in (2, 3, 4))


def expected_household_size(applicant: bool = False) -> float:
    """Mean persons per household of the type mix (kids uniform between min and max)."""
    col = 1 if applicant else 0
    return sum(v[col] * (v[2] + (v[3] + v[4]) / 2) for v in HOUSEHOLD_TYPES.values()) / sum(
        v[col] for v in HOUSEHOLD_TYPES.values())


def beta_ranks(rng: np.random.Generator, mean: float, concentration: float, n: int) -> np.ndarray:
    """Income-rank percentiles (0-100) from a Beta distribution with the given mean."""
    m = np.clip(mean / 100.0, 0.01, 0.99)
    return 100.0 * rng.beta(m * concentration, (1 - m) * concentration, size=n)


def _head_ages(rng: np.random.Generator, kind: np.ndarray, applicant: bool) -> np.ndarray:
    """Age of the household head by type; applicants are younger (est.)."""
    n = kind.size
    ages = np.empty(n)
    # Singles: young adults and the elderly both frequent in rental wijken.
    young = rng.random(n) < (0.65 if applicant else 0.45)
    ages[:] = np.where(young, rng.uniform(19, 35, n), rng.uniform(35, 88, n))
    couple = kind == 1
    ages[couple] = rng.uniform(22, 85, couple.sum()) if not applicant else rng.uniform(
        22, 50, couple.sum())
    fam = (kind == 2) | (kind == 3)
    ages[fam] = rng.normal(38 if not applicant else 33, 7, fam.sum()).clip(21, 60)
    other = kind == 4
    ages[other] = rng.uniform(20, 70, other.sum())
    return ages


def make_households(model: Neighbourhood, dwellings: np.ndarray, rank_means: np.ndarray,
                    applicant: bool) -> tuple[np.ndarray, slice]:
    """Create one household per dwelling in ``dwellings`` and its members.

    ``rank_means`` gives, per dwelling, the mean background rank of the household drawn for it (the
    landlord's applicant pool). Returns (household ids, row slice of the new persons).
    """
    cfg = model.cfg
    rng = model.streams.gen("inflow" if applicant else "init")
    pop = model.pop
    k = dwellings.size
    cum = _CUM_APPLICANT if applicant else _CUM_START
    kind = np.minimum(np.searchsorted(cum, rng.random(k), side="right"), len(HOUSEHOLD_TYPES) - 1)
    n_adults = _ADULTS[kind]
    # Illegally sublet dwellings house extra adult lodgers (overcrowding; sim.agents.landlords).
    base_adults = n_adults
    n_adults = n_adults + np.where(model.dwelling_sublet[dwellings], model.cfg.slumlords.lodgers, 0)
    kmin = _KIDS_MIN[kind]
    kmax = _KIDS_MAX[kind]
    n_kids = rng.integers(kmin, kmax + 1)
    head_age = _head_ages(rng, kind, applicant)
    conc = cfg.neighbourhood.income_rank_concentration if not applicant else \
        cfg.moving.applicant_rank_concentration
    m = np.clip(rank_means / 100.0, 0.01, 0.99)
    background = 100.0 * rng.beta(m * conc, (1 - m) * conc)

    hids = pop.add_households(k)
    h = pop.h
    h.dwelling[hids] = dwellings
    h.tenure[hids] = model.dwelling_tenure[dwellings]
    h.head_birth[hids] = model.year - head_age
    h.moved_in[hids] = model.year - (0.0 if applicant else rng.exponential(6.0, k).clip(0, head_age - 18))
    pop.occupant[dwellings] = hids

    size = n_adults + n_kids
    total = int(size.sum())
    rows = pop.add_persons(total)
    p = pop.p
    owner = np.repeat(np.arange(k), size)  # household index (0..k-1) of each new person
    first = np.cumsum(size) - size
    pos = np.arange(total) - first[owner]  # position within household: adults first
    is_adult = pos < n_adults[owner]
    # Adults: head, partner (+-3 years), further adults (younger or older relatives / lodgers).
    age = np.where(pos == 0, head_age[owner], head_age[owner] + rng.normal(-1.5, 3.0, total))
    age = np.where(is_adult & (pos >= 2), rng.uniform(18, 70, total), age).clip(18, 95)
    # Lodgers in illegally sublet dwellings are young adults (est. 18-40).
    lodger = is_adult & (pos >= base_adults[owner])
    age = np.where(lodger, rng.uniform(18, 40, total), age)
    # Children: ages spread over the head's childbearing years; a few adult children at home.
    kid_max = np.minimum(head_age[owner] - 19.0, 24.0).clip(0, None)
    kid_age = rng.uniform(0, 1, total) * kid_max
    age = np.where(is_adult, age, kid_age)
    p.age[rows] = age
    p.female[rows] = rng.random(total) < 0.5
    # A partner (second adult) is of the other sex than the head.
    partner = np.flatnonzero(is_adult & (pos == 1)) + rows.start
    p.female[partner] = ~p.female[partner - 1]
    # Single parents are mostly mothers.
    sp = (kind[owner] == 3) & (pos == 0)
    p.female[rows] = np.where(sp, rng.random(total) < 0.85, p.female[rows])
    p.hh[rows] = hids[owner]
    p.dependent[rows] = ~is_adult
    b = model.dwelling_buurt[dwellings][owner]
    p.buurt[rows] = b
    p.place_pct[rows] = model.env.percentile[b]
    p.years_in_wijk[rows] = 0.0
    # Adults' own parents' rank scatters around the household's background (est. sd 10).
    adult_parent = np.clip(background[owner] + rng.normal(0, 10, total), 0.5, 99.5)
    p.parent_rank[rows] = adult_parent
    init_persons(model, rows, rng)
    demography.draw_death_ages(model, np.arange(rows.start, rows.stop))
    offending.draw_history(model, np.arange(rows.start, rows.stop))
    # Children's parent rank = the household's income rank, known once adults have incomes.
    update_household_ranks(model, hids, rows)
    kids = np.flatnonzero(~is_adult) + rows.start
    p.parent_rank[kids] = h.rank[p.hh[kids]]
    school.redraw_skill(model, kids, rng)
    return hids, rows


def init_persons(model: Neighbourhood, rows: slice, rng: np.random.Generator) -> None:
    """Set skill, schooling, education, employment and income for persons of known age."""
    p = model.pop.p
    age = p.age[rows]
    school.redraw_skill(model, np.arange(rows.start, rows.stop), rng)
    # Everyone past the decision age gets the education their background and skill imply.
    done = age >= model.cfg.school.decision_age
    idx = np.arange(rows.start, rows.stop)
    p.edu[idx] = EDU_UNDECIDED
    school.decide(model, idx[done], rng=rng)
    p.in_school[idx] = age >= model.cfg.school.start_age  # undecided pupils; the rest below
    p.in_school[idx[done]] = age[done] < p.school_end_age[idx[done]]
    work.init_labour(model, idx, rng)


def update_household_ranks(model: Neighbourhood, hids: np.ndarray | None = None,
                           rows: slice | None = None) -> None:
    """Household rank = the household's standardised income rank (``income.wijk_household_ranks``:
    its adults' earnings, at least the social minimum, over the CBS equivalence scale), the measure
    the generation's outcome and CBS's mobility figures use.

    With ``hids`` and ``rows``: only those (new) households, whose members are exactly ``rows``.
    """
    h = model.pop.h
    if hids is None:
        h.rank[:] = income.wijk_household_ranks(model)
    else:
        h.rank[hids] = income.wijk_household_ranks(model, hids, rows)
