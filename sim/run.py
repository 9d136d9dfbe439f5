"""Hydra entry point: ``python -m sim.run [overrides]`` -> one run directory per seed.

The model knows nothing of Hydra: this module composes the config, validates it, and calls
``sim.simulate.simulate`` with Hydra's output directory. A bad value stops the run before it starts with
one message naming the key, the value and what is allowed, and removes the directory Hydra created.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.config import ConfigError, WijksimConfig, validate
from sim.rundir import RunExistsError
from sim.simulate import simulate

logging.getLogger("mesa").setLevel(logging.WARNING)
log = logging.getLogger("wijksim")

ConfigStore.instance().store(name="wijksim_schema", node=WijksimConfig)


def _remove_fresh_dir(out: Path) -> None:
    """Remove a directory Hydra just made for a run that never started (only Hydra's own files)."""
    allowed = {".hydra", "run.log", f"{Path(sys.argv[0]).stem}.log"}
    if out.is_dir() and all(p.name in allowed for p in out.iterdir()):
        shutil.rmtree(out, ignore_errors=True)


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> dict | None:
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        validate(cfg)
    except ConfigError as exc:
        _remove_fresh_dir(out)
        print(f"wijksim: {exc}", file=sys.stderr)
        sys.exit(2)
    try:
        summary = simulate(cfg, out)
    except RunExistsError as exc:
        log.info("skipped: %s", exc)
        return None
    log.info("finished run in %s", out)
    return summary


if __name__ == "__main__":
    main()
