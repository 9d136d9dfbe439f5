"""Compose a run's config with Hydra's compose API (for tests, notebooks and the demo).

``load_config(["neighbourhood=small", "seed=3"])`` returns the same DictConfig that
``python -m sim.run neighbourhood=small seed=3`` would run, without starting a Hydra app. It checks
the overrides exactly as the command line does (:mod:`sim.preflight`) and validates the result
with :func:`sim.config.validate`, so it rejects what ``simulate()`` would reject, with the same
``ConfigError`` message (key, value, what is allowed, closest valid names).
"""

from __future__ import annotations

from collections.abc import Sequence

from omegaconf import DictConfig

from sim.composition import check_overrides as check_presets
from sim.config import validate
from sim.knobs import CONFIG_DIR

__all__ = ["CONFIG_DIR", "load_config"]


def load_config(overrides: Sequence[str] = (), config_name: str = "config") -> DictConfig:
    """The composed config for ``overrides`` (Hydra override syntax); ``ConfigError`` if bad.

    Also stops, with one message naming both, a preset whose own value would silently beat a group
    given in ``overrides`` (:func:`sim.composition.check_overrides`).
    """
    from sim import preflight

    overrides = [str(o) for o in overrides]
    parsed, errors = preflight.parse(overrides)
    preflight._fail(errors)
    preflight._fail(preflight.check_overrides(parsed, multirun=False))
    check_presets(overrides)
    cfg = preflight.compose_config(overrides, config_name)
    validate(cfg)
    return cfg
