"""The national distribution of places: one scale for the wijk and everywhere else.

Every place a person can live - the wijk's buurten and the places elsewhere that movers go to - sits
on one scale of liveability, school quality, disorder, crime and income (docs/model.md §7.19, "one national
scale"). A place elsewhere is a *percentile* ``u`` of the population-weighted distribution of Dutch
neighbourhoods (0 = the worst, 1 = the best). One latent deprivation score ``z = Phi^-1(u)`` sets its
mean income rank, dwelling quality and (youth) crime; disorder, collective efficacy, school quality
and liveability then follow from **the same formulas the wijk's buurten use** (``sim.environment``)
at those inputs, with trust at the fixed point of the trust rule. So a child's school, disorder and
liveability are read on the same scale wherever the child lives, and the wijk's own buurten get a
national percentile by where their liveability falls in this distribution.

Inputs and sources (``PlacesConfig``):

* crime: the national youth registration rate is the CBS age table of ``sim.mechanisms.offending``
  (CBS StatLine 81997NED) times the share of 12-24-year-olds in the population (~15 %, CBS); it
  varies log-normally across neighbourhoods (sd ``crime_log_sd``, est.; for scale: CBS 2018 ranks
  Rotterdam and Den Haag at 159 suspects per 10,000 against ~90 nationally and Dinkelland at 27).
* deprived: a place is deprived when it lies in the bottom ``deprived_share`` of the distribution
  (default 0.10, est.: the Leefbaarometer 2018 puts 4.0 % of residents in areas scoring 'onvoldoende'
  or worse - Leidelmeijer, Middeldorp & Marlet 2019 - and the decile adds the 'zwak' class above it).
* the mean income rank, dwelling quality, turnover and years in the dwelling are our estimates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtr, ndtri

from sim.environment import (
    TURNOVER_SCALE,
    collective_efficacy_target,
    liveability_index,
    physical_disorder_base,
    school_composition,
)
from sim.mechanisms import offending

if TYPE_CHECKING:
    from sim.config import WijksimConfig

GRID = 2001  # percentiles tabulated (lookups interpolate)
YOUTH_SHARE = 0.15  # share of 12-24-year-olds in the Dutch population (CBS, ~2.6 M of 17.6 M)


class NationalPlaces:
    """Tabulated national distribution of places; lookups by percentile ``u`` in (0, 1)."""

    def __init__(self, cfg: WijksimConfig) -> None:
        c = cfg.places
        e = cfg.environment
        self.deprived_share = c.deprived_share
        self.u = (np.arange(GRID) + 0.5) / GRID
        z = ndtri(self.u)
        self.income_rank = np.clip(50.0 + c.income_rank_sd * z, 1.0, 99.0)
        self.crime_rate = (1000.0 * YOUTH_SHARE * offending.national_youth_rate()
                           * np.exp(-c.crime_log_sd * z - 0.5 * c.crime_log_sd ** 2))
        crime_norm = np.minimum(1.0, self.crime_rate / e.crime_scale)
        dwelling_quality = np.clip(c.dwelling_quality_mean + c.dwelling_quality_sd * z, 0.0, 1.0)
        physical = np.clip(physical_disorder_base(dwelling_quality, c.vacancy_rate), 0.0, 1.0)
        social = np.clip(0.6 * crime_norm + 0.4 * min(1.0, c.turnover / TURNOVER_SCALE), 0.0, 1.0)
        self.disorder = 0.5 * physical + 0.5 * social
        self.school_quality = school_composition(self.income_rank)
        # Trust and liveability depend on each other (trust follows liveability, collective
        # efficacy follows trust): iterate to the fixed point (a contraction; 30 rounds is exact
        # to float precision).
        t = cfg.trust
        trust = np.full(GRID, t.initial_mean)
        from sim.mechanisms.trust import WIJK_LIVEABILITY  # (trust imports services; avoid a cycle)
        for _ in range(30):
            ce = np.clip(collective_efficacy_target(e, self.income_rank, c.years_in_dwelling,
                                                    trust), 0.0, 1.0)
            live = liveability_index(self.disorder, ce, crime_norm)
            trust = np.clip(t.initial_mean + t.liveability_effect * (live - WIJK_LIVEABILITY)
                            + 0.5 * t.employment_effect * (2 * c.employment_rate - 1), 0.0, 1.0)
        self.collective_efficacy = ce
        self.liveability = live
        self.trust = trust
        # Liveability rises with u (every input improves with z); keep it monotone for inversion.
        self.liveability = np.maximum.accumulate(self.liveability)
        self.mean_liveability = float(self.liveability.mean())
        self.deprived_liveability = float(np.interp(self.deprived_share, self.u, self.liveability))

    # -- lookups ---------------------------------------------------------------------------------
    def at(self, table: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Value of a tabulated column at percentiles ``u``."""
        return np.interp(u, self.u, table)

    def percentile_of(self, liveability: np.ndarray) -> np.ndarray:
        """National percentile of places with the given liveability (the wijk's buurten)."""
        return np.interp(liveability, self.liveability, self.u)

    def deprived(self, u: np.ndarray) -> np.ndarray:
        """True where a place lies in the deprived tail (bottom ``deprived_share``)."""
        return u < self.deprived_share


def draw_percentile(rank: np.ndarray, z: np.ndarray, sorting: float) -> np.ndarray:
    """Percentile of the place a person of income ``rank`` lands in (``z`` a standard normal draw).

    Sorting: the latent place score correlates ``sorting`` with the person's rank (as a normal
    score), so better-off movers land in better places on average, with a wide spread (est.).
    """
    zr = ndtri(np.clip(rank / 100.0, 0.005, 0.995))
    return np.clip(ndtr(sorting * zr + np.sqrt(1.0 - sorting ** 2) * z), 1e-4, 1 - 1e-4)
