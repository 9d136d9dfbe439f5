"""Landlords: the housing corporation and private landlords, each owning dwellings.

A landlord maintains its dwellings (quality decays by ``housing.quality_decay_rate`` per year and is
restored by the landlord's maintenance effort) and lets its vacancies to applicants from its own pool:
the corporation allocates social housing by need (a poorer pool), private landlords let to a somewhat
better-off, younger pool (``moving.applicant_rank_mean`` / ``private_applicant_rank_mean``; est.).
Slumlords neglect maintenance and tolerate illegal subletting (``Slumlord``). Landlords are Mesa agents
that hold their policy; ``step_landlords`` maintains every dwelling in one vectorised pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.population import TENURE_CORPORATION, TENURE_PRIVATE
from sim.rates import step_prob

if TYPE_CHECKING:
    from sim.model import Neighbourhood


class Landlord(mesa.Agent):
    """Owner of a set of dwellings (indices into the model's dwelling arrays)."""

    tenure: int = TENURE_PRIVATE

    def __init__(self, model: Neighbourhood, dwellings: np.ndarray, maintenance: float,
                 applicant_rank_mean: float) -> None:
        super().__init__(model)
        self.dwellings = np.asarray(dwellings, dtype=np.int64)
        self.maintenance = maintenance
        self.applicant_rank_mean = float(applicant_rank_mean)
        model.dwelling_owner[self.dwellings] = self.unique_id
        model.dwelling_tenure[self.dwellings] = self.tenure
        model.applicant_rank_mean[self.dwellings] = self.applicant_rank_mean

    @property
    def maintenance(self) -> float:
        """Maintenance effort per year (written through to the model's per-dwelling array)."""
        return self._maintenance

    @maintenance.setter
    def maintenance(self, value: float) -> None:
        self._maintenance = float(value)
        self.model.dwelling_maintenance[self.dwellings] = self._maintenance

    @property
    def vacancies(self) -> int:
        return int((self.model.pop.occupant[self.dwellings] < 0).sum())


def step_landlords(model: Neighbourhood) -> None:
    """Every landlord's maintenance in one pass over the dwellings, then slumlords' subletting.

    Quality decays and maintenance (the owner's effort, held per dwelling in
    ``model.dwelling_maintenance``, plus programme housing money) restores it towards 1 with
    diminishing returns. Landlords own disjoint dwellings, so one vectorised pass is the same as
    one pass per landlord.
    """
    dt = model.dt
    q = model.dwelling_quality
    decay = model.cfg.housing.quality_decay_rate * q
    # Programme housing money (maintenance agreements, subsidies) adds to the landlord's own.
    boost = model.cfg.services.housing_maintenance_effect * model.services.housing[model.dwelling_buurt]
    repair = (model.dwelling_maintenance + boost) * (1.0 - q)
    model.dwelling_quality[:] = np.clip(q + dt * (repair - decay), 0.0, 1.0)
    if Slumlord in model.agents_by_type:
        model.agents_by_type[Slumlord].do("step")


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
        """Subletting starts, inspections detect and fine it (maintenance: ``step_landlords``)."""
        m = self.model
        c = m.slumlord_policy
        dt = m.dt
        dw = self.dwellings
        if dw.size == 0:
            return
        sub = m.dwelling_sublet[dw]
        u = m.streams.uniform("sublet", dw, m.steps)
        start = ~sub & (u < step_prob(c.sublet_rate * self.tolerance, dt))
        inspect_rate = c.inspection_rate + c.programme_inspection_rate * m.services.housing[
            m.dwelling_buurt[dw]]
        # One draw decides inspection and detection: inspected when u < p, caught when also sublet
        # and u < p x detection (so detection given inspection has probability ``detection``).
        ui = m.streams.uniform("inspection", dw, m.steps)
        p_inspect = step_prob(inspect_rate, dt)
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
