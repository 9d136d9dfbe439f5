"""Shared fixtures: small, fast runs reused across tests."""

from __future__ import annotations

import logging
import os

import pytest

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
logging.getLogger("mesa").setLevel(logging.WARNING)

# A small wijk with a short burn-in: ~1 s per run.
SMALL = {"neighbourhood": {"residents": 2000, "buurten": 6}, "years": {"burn_in": 5}}


def merged(base: dict, seed: int, groups: dict) -> dict:
    """A copy of ``base`` with ``seed`` and per-group overrides merged in."""
    cfg = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for k, v in groups.items():
        cfg.setdefault(k, {}).update(v)
    cfg["seed"] = seed
    return cfg


def small(seed: int = 0, **groups: dict) -> dict:
    """The SMALL config with ``seed`` and per-group overrides merged in."""
    return merged(SMALL, seed, groups)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """One finished small run directory (seed 1) and its summary."""
    from sim.simulate import simulate

    out = tmp_path_factory.mktemp("runs") / "small_seed1"
    summary = simulate(small(1), out)
    return out, summary


@pytest.fixture(scope="session")
def slurm(tmp_path_factory):
    """One local single-node Slurm for every cluster test of the session (tests/test_cluster.py,
    tests/test_experiments_cluster.py); its environment (``SLURM_CONF``)."""
    from sim.standins.testing import local_slurm

    with local_slurm(tmp_path_factory.mktemp("slurm")) as env:
        yield env
