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
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig

from sim.config import ConfigError, WijksimConfig, to_dict, validate
from sim.jobs import ModelSpec, hydra_task, silence_chatty_loggers
from sim.simulate import fingerprint, simulate

silence_chatty_loggers()
log = logging.getLogger("wijksim")

ConfigStore.instance().store(name="wijksim_schema", node=WijksimConfig)


def with_seed(cfg: WijksimConfig, seed: int) -> WijksimConfig:
    """The typed config of the run with this seed (a single replicate)."""
    return dataclasses.replace(cfg, seed=int(seed), replicates=1)


SPEC = ModelSpec(name="wijksim", validate=validate, with_seed=with_seed, fingerprint=fingerprint,
                 simulate=simulate, to_dict=to_dict, error_type=ConfigError)


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> dict | None:
    """Validate the config and run its block of replicate seeds (see :func:`sim.jobs.run_block`);
    a single run (not a sweep) then prints its headline and run directory."""
    result = hydra_task(cfg, SPEC)
    _print_headlines(result)
    return result


def _print_headlines(result: dict | None) -> None:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.headline import headline
    from sim.jobs import run_dir_name

    hc = HydraConfig.get()
    if hc.mode == RunMode.MULTIRUN or not result:
        return  # a sweep shows its progress bar; sim.collect and sim.report summarise it
    out = Path(hc.runtime.output_dir)
    seeds = [*result.get("finished", []), *result.get("skipped", [])]
    runs = [out] if (out / "summary.json").exists() else [out / run_dir_name(s) for s in seeds]
    for run in runs:
        print(headline(run))


if __name__ == "__main__":
    main()
