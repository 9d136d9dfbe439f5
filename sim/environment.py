"""The buurt environment: disorder, crime, collective efficacy, school quality and liveability.

One value per buurt, updated every step from the people and dwellings in it (docs/model.md).
Functional forms are our estimates, in the spirit of the Leefbaarometer (liveability combines
physical and social conditions) and of collective-efficacy theory (Sampson, Raudenbush & Earls 1997:
efficacy grows with residential stability and shared trust, and falls with concentrated disadvantage).
Stocks (social disorder, collective efficacy, smoothed crime) move towards their targets at
``environment.adjust_rate`` per year, so a change shows within quarters to years, not at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.rates import step_prob

if TYPE_CHECKING:
    from sim.model import Neighbourhood

REPUTATION_RATE = 0.2  # per year (est.)
TURNOVER_SCALE = 0.4  # moves per resident per year that count as maximal turnover (est.)
CRIME_SMOOTHING = 2.0  # per year: registered crime is read as a ~6-month moving average (est.)
# Person categories of ``Environment.update``: 5 age bands x in school x employed x runner.
K_CODES = 40


def liveability_index(disorder: np.ndarray, efficacy: np.ndarray, crime_norm: np.ndarray
                      ) -> np.ndarray:
    """Liveability (0-1) from disorder, collective efficacy and crime (weights est., in the spirit
    of the Leefbaarometer's physical, social and safety dimensions). Used for the wijk's buurten
    and for every place of the national distribution (``sim.places``): one scale."""
    return np.clip(0.35 * (1 - disorder) + 0.35 * efficacy + 0.3 * (1 - crime_norm), 0.0, 1.0)


def physical_disorder_base(dwelling_quality: np.ndarray, vacancy_rate: np.ndarray | float
                           ) -> np.ndarray:
    """Physical disorder from dwelling quality and vacancies, before clean-up and initiatives."""
    return 0.7 * (1 - dwelling_quality) + 0.3 * np.minimum(1.0, 5 * vacancy_rate)


def collective_efficacy_target(c: object, mean_rank: np.ndarray, years_in_dwelling: np.ndarray | float,
                               mean_trust: np.ndarray) -> np.ndarray:
    """Collective efficacy a place tends to (Sampson et al. 1997): rank, stability and trust."""
    return (c.efficacy_rank_weight * mean_rank / 100.0
            + c.efficacy_stability_weight * np.minimum(years_in_dwelling, 15.0)
            + c.efficacy_trust_weight * mean_trust)


def school_composition(mean_parent_rank: np.ndarray) -> np.ndarray:
    """School quality from pupils' family background: 0.5 at the national mean (est. +-0.15 over
    the range of ranks). The wijk's schools add the teacher service term on top."""
    return 0.5 + 0.3 * (mean_parent_rank / 100.0 - 0.5)


class Environment:
    """Per-buurt state arrays (index = buurt number)."""

    def __init__(self, n: int, adjacency: np.ndarray) -> None:
        self.n = n
        self.adjacency = adjacency.astype(float)
        deg = self.adjacency.sum(axis=1, keepdims=True)
        self._neighbour_mean = np.divide(self.adjacency, deg, out=np.zeros_like(self.adjacency),
                                         where=deg > 0)
        self.liveability = np.full(n, 0.45)
        self.disorder = np.full(n, 0.35)
        self.physical_disorder = np.full(n, 0.35)
        self.social_disorder = np.full(n, 0.35)
        self.collective_efficacy = np.full(n, 0.4)
        self.crime_rate = np.zeros(n)  # registered suspects per 1000 residents per year
        self.school_quality = np.full(n, 0.45)
        self.turnover = np.full(n, 0.15)
        self.registrations = np.zeros(n, dtype=np.int64)  # this step, set by offending
        self.population = np.zeros(n, dtype=np.int64)
        self.mean_income_rank = np.zeros(n)
        self.mean_trust = np.zeros(n)
        self.dwelling_quality = np.zeros(n)
        self.vacancy_rate = np.zeros(n)
        self.liveability_change = np.zeros(n)  # over the past year (delivered results)
        self.percentile = np.full(n, 0.05)  # national percentile of the buurt's liveability
        self._dwellings_per_buurt = np.ones(n, dtype=np.int64)
        self._dwelling_key: tuple[np.ndarray, np.ndarray] | None = None
        self._band_cache: tuple[float, tuple[float, ...], np.ndarray] | None = None
        self._history: list[np.ndarray] = []
        self.pupils = np.zeros(n, dtype=np.int64)
        self.dealing = np.zeros(n)  # open dealing: runners per 1000 residents / dealing_scale, <= 1
        self.sublet_share = np.zeros(n)  # share of dwellings illegally sublet
        self.reputation = np.full(n, 0.55)  # how outsiders see the buurt: slow-moving liveability
        self.youths = np.zeros(n, dtype=np.int64)  # aged 12-23
        self.unemployed = np.zeros(n, dtype=np.int64)  # labour force without work
        self.labour_force = np.zeros(n, dtype=np.int64)  # adults out of school below pension age
        self.adults = np.zeros(n, dtype=np.int64)

    def update(self, model: Neighbourhood) -> None:
        """Recompute every buurt's state from its residents and dwellings."""
        c = model.cfg.environment
        p = model.pop.p
        dt = model.dt
        n = self.n
        # Sums per buurt over all rows at once: bin 0 collects the rows with buurt -1 (the dead,
        # the departed and people elsewhere) and is dropped. No gathers, few passes: this is hot.
        b1 = p.buurt.astype(np.intp) + 1
        m1 = n + 1
        age = p.age
        adult_b = age >= 18
        # Every head count in one bincount: each person gets one of K_CODES disjoint categories
        # (age band x in school x employed x runner), counted per buurt, then summed into the counts.
        band, counts_of = self._bands(model.cfg.work.retirement_age)
        code = (age >= band[0]).view(np.uint8) + (age >= band[1]).view(np.uint8)
        code += (age >= band[2]).view(np.uint8)
        code += (age >= band[3]).view(np.uint8)
        code *= 8
        code += p.in_school.view(np.uint8) * np.uint8(4)
        code += p.employed.view(np.uint8) * np.uint8(2)
        code += (p.net_role == 0).view(np.uint8)
        key = b1 * K_CODES
        key += code
        tally = np.bincount(key, minlength=m1 * K_CODES).reshape(m1, K_CODES)[1:]
        pop, adults, pupils, youths, labour, unemployed, runners = counts_of @ tally.T
        self.population = pop
        safe = np.maximum(pop, 1)
        self.adults = adults
        na = np.maximum(adults, 1)
        self.pupils = pupils
        # Float sums over adults and over pupils, by (buurt, group) with group 1 adults, 2 pupils,
        # 0 the others: each sum adds the same values in the same order as a sum over all rows
        # with weight 0 for the others (adding +0.0 changes nothing), so results are unchanged.
        pupil_b = p.in_school & ~adult_b
        group = b1 * 4
        group += adult_b.view(np.uint8) + pupil_b.view(np.uint8) * np.uint8(2)
        m4 = 4 * m1
        self.mean_income_rank = np.bincount(group, p.income_rank, minlength=m4)[5::4] / na
        self.mean_trust = np.bincount(group, p.trust, minlength=m4)[5::4] / na
        # Pupils' family background sets school composition (est.: +-0.15 quality over the range).
        mean_parent = np.bincount(group, p.parent_rank, minlength=m4)[6::4] / np.maximum(pupils, 1)
        self.youths = youths
        self.labour_force = labour
        self.unemployed = unemployed
        sv = model.services
        self.school_quality = np.clip(school_composition(mean_parent)
                                      + model.cfg.services.school_quality_effect * sv.relative("teacher"),
                                      0.0, 1.0)
        # Dwellings: the buurt of each dwelling never changes, so its counts are cached.
        if self._dwelling_key is None:
            db = model.dwelling_buurt.astype(np.intp)
            self._dwellings_per_buurt = np.maximum(np.bincount(db, minlength=n), 1)
            self._dwelling_key = (db, db * 4)
        db, db4 = self._dwelling_key
        ndw = self._dwellings_per_buurt
        self.dwelling_quality = np.bincount(db, model.dwelling_quality, minlength=n) / ndw
        occ = model.pop.occupant
        occupied = occ >= 0
        # Occupied and sublet dwellings counted in one pass: (buurt, occupied, sublet) cells.
        cells = np.bincount(db4 + (occupied.view(np.uint8) * np.uint8(2)
                                   + model.dwelling_sublet.view(np.uint8)),
                            minlength=4 * n).reshape(n, 4)
        n_occupied = cells[:, 2] + cells[:, 3]
        self.vacancy_rate = 1.0 - n_occupied / ndw
        # Mean years households have lived in their dwelling (residential stability); a vacant
        # dwelling's value (that of some household, x 0) adds +0.0, as ``np.where`` did.
        years = model.year - model.pop.h.moved_in.take(occ)
        years *= occupied
        stay = np.bincount(db, years, minlength=n) / np.maximum(n_occupied, 1)
        # Smoothed stocks.
        k = step_prob(c.adjust_rate, dt)
        ks = step_prob(CRIME_SMOOTHING, dt)
        crime_now = 1000.0 * self.registrations / safe / dt
        self.crime_rate += ks * (crime_now - self.crime_rate)
        moves_now = model.flows.step_out_by_buurt / safe / dt
        self.turnover += ks * (moves_now - self.turnover)
        crime_norm = np.minimum(1.0, self.crime_rate / c.crime_scale)
        per_1000 = 1000.0 * runners / safe
        self.dealing = np.minimum(1.0, per_1000 / model.cfg.networks.dealing_scale)
        self.sublet_share = (cells[:, 1] + cells[:, 3]) / ndw
        # Initiatives' effect saturates (est.: at most 0.1 of collective efficacy and 0.05 of
        # disorder however many there are): a ceiling on what residents' own efforts can carry.
        dens = model.initiatives.per_1000()
        ic = model.cfg.initiatives
        efficacy_gain = 0.1 * step_prob(dens, ic.efficacy_effect / 0.1)
        disorder_cut = 0.05 * step_prob(dens, ic.disorder_effect / 0.05)
        # Clean/intact/safe (caretakers and their budget) removes disorder within quarters.
        self.physical_disorder = np.clip(physical_disorder_base(self.dwelling_quality,
                                                                self.vacancy_rate)
                                         - model.cfg.services.clean_disorder_effect * sv.clean
                                         - disorder_cut, 0, 1)
        social_target = np.clip(0.6 * crime_norm + 0.4 * np.minimum(1.0, self.turnover
                                                                     / TURNOVER_SCALE)
                                + model.cfg.networks.dealing_disorder_effect * self.dealing, 0, 1)
        self.social_disorder += k * (social_target - self.social_disorder)
        ce_target = np.clip(collective_efficacy_target(c, self.mean_income_rank, stay, self.mean_trust)
                            - model.cfg.slumlords.efficacy_effect * self.sublet_share
                            + efficacy_gain, 0.0, 1.0)
        self.collective_efficacy += k * (ce_target - self.collective_efficacy)
        raw = 0.5 * self.physical_disorder + 0.5 * self.social_disorder
        self.disorder = (1 - c.spillover) * raw + c.spillover * (self._neighbour_mean @ raw)
        self.liveability = liveability_index(self.disorder, self.collective_efficacy, crime_norm)
        self.percentile = model.places.percentile_of(self.liveability)
        # Reputation follows liveability slowly (outsiders update their image over years; est.).
        self.reputation += (self.liveability - self.reputation) * step_prob(REPUTATION_RATE, dt)
        self._history.append(self.liveability)
        if len(self._history) > model.steps_per_year + 1:  # keep now and one year ago
            self._history.pop(0)
        self.liveability_change = self.liveability - self._history[0]

    def _bands(self, retirement_age: float) -> tuple[tuple[float, ...], np.ndarray]:
        """Age-band thresholds, and which categories each head count of ``update`` sums.

        A category's code is band * 8 + in_school * 4 + employed * 2 + runner, with band the number
        of thresholds (12, 18, 24 and the pension age, sorted) at or below the age. Every age limit
        of a count is a threshold, so a band lies wholly inside or outside it: testing the band's
        lower bound decides. Rows of the matrix: population, adults, pupils, youths (12-23),
        labour force, unemployed, runners.
        """
        if self._band_cache is not None and self._band_cache[0] == retirement_age:
            return self._band_cache[1], self._band_cache[2]
        t = tuple(sorted((12.0, 18.0, 24.0, float(retirement_age))))
        rows = []
        for code in range(K_CODES):
            band, school, employed, runner = code // 8, code >> 2 & 1, code >> 1 & 1, code & 1
            low = -np.inf if band == 0 else t[band - 1]
            adult = low >= 18
            labour = adult and not school and not low >= retirement_age
            rows.append((1, adult, school and not adult, 12 <= low < 24, labour,
                         labour and not employed, runner))
        counts_of = np.array(rows, dtype=np.int64).T.copy()
        self._band_cache = (retirement_age, t, counts_of)
        return t, counts_of

    def wijk_mean(self, values: np.ndarray) -> float:
        """Population-weighted mean over buurten."""
        return self.wijk_means(values)[0]

    def wijk_means(self, *values: np.ndarray) -> list[float]:
        """``wijk_mean`` of several arrays at once (each row sums in the same order as alone)."""
        w = self.population
        return ((np.stack(values) * w).sum(axis=1) / max(w.sum(), 1)).tolist()
