"""Resident-level submodels, one module per mechanism, each vectorised over the person columns.

Every module exposes ``step(model)``; ``sim.model.Neighbourhood.step`` calls them in a fixed order.
Per-person randomness comes from ``model.streams.uniform(name, pid, step)`` (counter-based, so the
same person meets the same luck in paired scenarios).
"""
