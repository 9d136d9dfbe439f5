"""Hydra entry point: ``python -m sim.run [overrides]`` -> one run directory per seed.

The model knows nothing of Hydra: this module composes the config and hands it to the shared job
code (:mod:`sim.jobs`), which validates it, runs ``replicates`` seeds (``seed, seed+1, ...``) each
into its own run directory through ``sim.simulate.simulate``, skips runs that are already finished
with the same config, and never rewrites a finished run. A bad value stops the run before it
starts with one message naming the key, the value and what is allowed (exit code 2), and removes
the directory Hydra created.

``python -m sim.run -m ...`` is a sweep: the ``wijksim`` sweeper (grids and SALib designs) with the
``local`` launcher by default (``hydra/launcher=slurm`` or ``ray`` for clusters); rerunning the same
command resumes it. See ``docs/sweeps.md``.
"""

from __future__ import annotations

import dataclasses
import logging

import hydra
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig

from sim.composition import validate_job
from sim.config import ConfigError, WijksimConfig, to_dict
from sim.jobs import ModelSpec, hydra_task, silence_chatty_loggers
from sim.simulate import fingerprint, simulate

silence_chatty_loggers()
log = logging.getLogger("wijksim")

ConfigStore.instance().store(name="wijksim_schema", node=WijksimConfig)


def with_seed(cfg: WijksimConfig, seed: int) -> WijksimConfig:
    """The typed config of the run with this seed (a single replicate)."""
    return dataclasses.replace(cfg, seed=int(seed), replicates=1)


# validate_job: the job's overrides are checked against its presets first (sim.composition).
SPEC = ModelSpec(name="wijksim", validate=validate_job, with_seed=with_seed, fingerprint=fingerprint,
                 simulate=simulate, to_dict=to_dict, error_type=ConfigError)


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> dict | None:
    """Validate the config and run its block of replicate seeds (see :func:`sim.jobs.run_block`)."""
    return hydra_task(cfg, SPEC)


if __name__ == "__main__":
    main()
