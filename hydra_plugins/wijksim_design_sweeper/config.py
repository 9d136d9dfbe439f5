"""Structured config of the ``wijksim`` sweeper (``hydra/sweeper: wijksim``)."""


from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore


@dataclass
class DesignConf:
    """A design that is not a grid; ``method: null`` = grid only (like Hydra's basic sweeper).

    ``knobs`` maps a config key to ``[low, high]`` or ``{bounds: [low, high], type: int}``.
    ``n``: Sobol base points (a power of 2), Morris trajectories or LHS points.
    """

    method: str | None = None
    n: int = 64
    seed: int = 0
    knobs: dict[str, Any] = field(default_factory=dict)
    second_order: bool = False
    num_levels: int = 4
    file: str | None = None


@dataclass
class WijksimSweeperConf:
    """``max_batch_size`` streams big sweeps (jobs composed per batch); ``params`` is a grid like
    the basic sweeper's; ``model`` ("module:ATTR", a ``sim.jobs.ModelSpec``) lets the parent
    validate every job before launching and skip jobs whose runs are all finished; ``progress``
    over finished runs (null = a bar when stderr is a terminal, else a line every ~10 % of the
    runs; true = always a bar; false = none); ``collect``: write
    runs.parquet and series.parquet (``sim.collect``) at the end, also when jobs failed."""

    _target_: str = "hydra_plugins.wijksim_design_sweeper.sweeper.WijksimSweeper"
    max_batch_size: int | None = None
    params: dict[str, str] | None = None
    design: DesignConf = field(default_factory=DesignConf)
    model: str | None = None
    progress: bool | None = None
    poll_seconds: float = 1.0
    collect: bool = True


ConfigStore.instance().store(group="hydra/sweeper", name="wijksim", node=WijksimSweeperConf,
                             provider="wijksim")
