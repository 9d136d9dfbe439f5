"""Landlords: the housing corporation and private landlords, each owning dwellings.

A landlord maintains its dwellings (quality decays by ``housing.quality_decay_rate`` per year and is
restored by the landlord's maintenance effort) and lets its vacancies to applicants from its own pool:
the corporation allocates social housing by need (a poorer pool), private landlords let to a somewhat
better-off, younger pool (``moving.applicant_rank_mean`` / ``private_applicant_rank_mean``; est.).
Slumlords (illegal subletting, neglect) come with the crime and landlords issue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.population import TENURE_CORPORATION, TENURE_PRIVATE

if TYPE_CHECKING:
    from sim.model import Neighbourhood


class Landlord(mesa.Agent):
    """Owner of a set of dwellings (indices into the model's dwelling arrays)."""

    tenure: int = TENURE_PRIVATE

    def __init__(self, model: Neighbourhood, dwellings: np.ndarray, maintenance: float,
                 applicant_rank_mean: float) -> None:
        super().__init__(model)
        self.dwellings = np.asarray(dwellings, dtype=np.int64)
        self.maintenance = float(maintenance)
        self.applicant_rank_mean = float(applicant_rank_mean)
        model.dwelling_owner[self.dwellings] = self.unique_id
        model.dwelling_tenure[self.dwellings] = self.tenure
        model.applicant_rank_mean[self.dwellings] = self.applicant_rank_mean

    @property
    def vacancies(self) -> int:
        return int((self.model.pop.occupant[self.dwellings] < 0).sum())

    def step(self) -> None:
        """Quality decays; maintenance restores it towards 1 (diminishing returns)."""
        m = self.model
        dt = m.dt
        q = m.dwelling_quality[self.dwellings]
        decay = m.cfg.housing.quality_decay_rate * q
        # Programme housing money (maintenance agreements, subsidies) adds to the landlord's own.
        in_buurt = m.dwelling_buurt[self.dwellings]
        boost = m.cfg.services.housing_maintenance_effect * m.services.housing[in_buurt]
        repair = (self.maintenance + boost) * (1.0 - q)
        m.dwelling_quality[self.dwellings] = np.clip(q + dt * (repair - decay), 0.0, 1.0)


class HousingCorporation(Landlord):
    """The social-housing corporation: allocates by need, maintains at its policy level."""

    tenure = TENURE_CORPORATION


class PrivateLandlord(Landlord):
    """A private landlord letting at market rents."""

    tenure = TENURE_PRIVATE


class Slumlord(PrivateLandlord):
    """A huisjesmelker: neglects maintenance and tolerates (or organises) illegal subletting.

    Each of its dwellings becomes sublet at ``sublet_rate x tolerance`` per year; a sublet dwelling
    houses ``lodgers`` extra adults (overcrowding) and its households move ``transience_multiplier``
    times as often; vacancies go to the most vulnerable applicants. Municipal inspections (a base rate
    plus programme housing effort) detect subletting with probability ``detection``; a fine ends the
    subletting and cuts the slumlord's tolerance by ``fine_deterrence``, which creeps back over time.
    """

    def __init__(self, model: Neighbourhood, dwellings: np.ndarray, maintenance: float,
                 applicant_rank_mean: float) -> None:
        super().__init__(model, dwellings, maintenance, applicant_rank_mean)
        self.tolerance = model.cfg.slumlords.tolerance
        self.inspections = 0
        self.fines = 0

    def step(self) -> None:
        super().step()
        m = self.model
        c = m.slumlord_policy
        dt = m.dt
        dw = self.dwellings
        if dw.size == 0:
            return
        sub = m.dwelling_sublet[dw]
        u = m.streams.uniform("sublet", dw, m.steps)
        start = ~sub & (u < -np.expm1(-c.sublet_rate * self.tolerance * dt))
        inspect_rate = c.inspection_rate + c.programme_inspection_rate * m.services.housing[
            m.dwelling_buurt[dw]]
        # One draw decides inspection and detection: inspected when u < p, caught when also sublet
        # and u < p x detection (so detection given inspection has probability ``detection``).
        ui = m.streams.uniform("inspection", dw, m.steps)
        p_inspect = -np.expm1(-inspect_rate * dt)
        inspected = ui < p_inspect
        caught = sub & (ui < p_inspect * c.detection)
        self.inspections += int(inspected.sum())
        n_caught = int(caught.sum())
        if n_caught:
            self.fines += n_caught
            self.tolerance *= (1.0 - c.fine_deterrence) ** n_caught
        self.tolerance += (m.cfg.slumlords.tolerance - self.tolerance) * -np.expm1(
            -c.tolerance_recovery * dt)
        m.dwelling_sublet[dw] = (sub | start) & ~caught
