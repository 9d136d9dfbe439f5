"""Mesa agents with their own ``step()``: the few actors that are not vectorised residents."""

from sim.agents.landlords import HousingCorporation, Landlord, PrivateLandlord

__all__ = ["Landlord", "HousingCorporation", "PrivateLandlord"]
