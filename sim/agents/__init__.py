"""Mesa agents with their own ``step()``: the few actors that are not vectorised residents."""

from sim.agents.criminal_networks import CriminalNetwork
from sim.agents.landlords import HousingCorporation, Landlord, PrivateLandlord, Slumlord
from sim.agents.professionals import Professional

__all__ = ["Landlord", "HousingCorporation", "PrivateLandlord", "Slumlord", "Professional",
           "CriminalNetwork"]
