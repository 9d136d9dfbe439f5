"""Compose a run's config with Hydra's compose API (for tests, notebooks and the demo).

``load_config(["neighbourhood=small", "seed=3"])`` returns the same DictConfig that
``python -m sim.run neighbourhood=small seed=3`` would run, without starting a Hydra app.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig

from sim.composition import check_overrides
from sim.config import WijksimConfig

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


def load_config(overrides: Sequence[str] = (), config_name: str = "config") -> DictConfig:
    """The composed config for ``overrides`` (Hydra override syntax).

    Raises ``ConfigError`` (one message naming both) where a preset's own value would silently
    beat a group given in ``overrides`` (:func:`sim.composition.check_overrides`).
    """
    check_overrides(overrides)
    ConfigStore.instance().store(name="wijksim_schema", node=WijksimConfig)
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name=config_name, overrides=list(overrides))
