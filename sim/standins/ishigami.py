"""The Ishigami function as a stand-in model: ``python -m sim.standins.ishigami [overrides]``.

``f(x) = sin x1 + a sin^2 x2 + b x3^4 sin x1`` (Ishigami & Homma 1990), with ``x_i ~ U(-pi, pi)``.
For ``a = 7, b = 0.1`` its Sobol indices are known in closed form (Sobol' & Levitan 1999;
Saltelli et al. 2008, "Global Sensitivity Analysis. The Primer", §4.9):
S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437) — see :func:`analytic_indices`.

It writes the same run directory as the model (``manifest.json`` with status and fingerprint,
``timeseries.parquet`` with a ``year`` column, ``buurten.parquet``, ``cohort.parquet`` and a
``summary.json`` with nested groups) through :mod:`sim.rundir`, and runs through
:mod:`sim.jobs`, so a test of design -> launch -> collect on it exercises the model's path.
Knobs for tests and benchmarks: ``noise_sd`` (seeded noise, so seeds matter), ``busy_seconds``
(CPU work per run), ``fail_seed`` (this seed raises, to test failure reporting), ``exit_seed``
(this seed kills its process mid-run).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hydra
import numpy as np
import pandas as pd
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim import rundir
from sim.jobs import ModelSpec, hydra_task


class IshigamiConfigError(ValueError):
    """A stand-in config value is unknown, of the wrong type or out of range."""


def _f(default: Any, lo: float | None = None, hi: float | None = None) -> Any:
    return field(default=default, metadata={"lo": lo, "hi": hi})


@dataclass
class IshigamiConfig:
    """Inputs of one Ishigami run; ``seed``/``replicates`` mean what they mean for the model."""

    seed: int = _f(0, 0, 2**63 - 1)
    replicates: int = _f(1, 1, 100000)
    scenario_name: str = "ishigami"
    x1: float = _f(0.0, -math.pi, math.pi)
    x2: float = _f(0.0, -math.pi, math.pi)
    x3: float = _f(0.0, -math.pi, math.pi)
    a: float = _f(7.0, -100.0, 100.0)
    b: float = _f(0.1, -100.0, 100.0)
    noise_sd: float = _f(0.0, 0.0, 100.0)
    busy_seconds: float = _f(0.0, 0.0, 3600.0)
    fail_seed: int = _f(-1, -1, 2**63 - 1)
    exit_seed: int = _f(-1, -1, 2**63 - 1)


ConfigStore.instance().store(name="ishigami_schema", node=IshigamiConfig)

# Knobs that do not change what a run computes (test and benchmark levers).
_NON_SEMANTIC = ("replicates", "busy_seconds", "fail_seed", "exit_seed")


def validate(cfg: Any) -> IshigamiConfig:
    """Typed config, or ``IshigamiConfigError`` naming each bad key, its value and the range."""
    if isinstance(cfg, IshigamiConfig):
        return cfg
    raw = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
    raw.pop("hydra", None)
    fields = {f.name: f for f in dataclasses.fields(IshigamiConfig)}
    errors = []
    for k, v in raw.items():
        if k not in fields:
            errors.append(f"{k}: unknown key (allowed keys here: {', '.join(sorted(fields))})")
            continue
        lo, hi = fields[k].metadata.get("lo"), fields[k].metadata.get("hi")
        if lo is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            errors.append(f"{k} = {v!r}: must be a number in [{lo}, {hi}]")
        elif fields[k].type in ("int", int) and not float(v).is_integer():
            errors.append(f"{k} = {v!r}: must be a whole number in [{lo}, {hi}]")
        elif not lo <= v <= hi:
            errors.append(f"{k} = {v!r}: out of range; allowed: a number in [{lo}, {hi}]")
    if errors:
        raise IshigamiConfigError("invalid configuration:\n  " + "\n  ".join(errors))
    conv = {"int": int, "float": float, "str": str}
    kw = {k: conv.get(str(fields[k].type), lambda x: x)(v) for k, v in raw.items()}
    return IshigamiConfig(**kw)


def with_seed(cfg: IshigamiConfig, seed: int) -> IshigamiConfig:
    """The config of the run with this seed (one replicate)."""
    return dataclasses.replace(cfg, seed=int(seed), replicates=1)


def fingerprint(cfg: IshigamiConfig) -> str:
    """Hash of everything that determines the results (config incl. seed)."""
    d = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in _NON_SEMANTIC}
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def ishigami(x1: float, x2: float, x3: float, a: float = 7.0, b: float = 0.1) -> float:
    """The Ishigami function."""
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)


def analytic_indices(a: float = 7.0, b: float = 0.1) -> dict[str, list[float]]:
    """Closed-form first-order and total Sobol indices of the Ishigami function."""
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {"S1": [v1 / var, v2 / var, 0.0], "ST": [(v1 + v13) / var, v2 / var, v13 / var]}


def _busy(seconds: float) -> None:
    """Burn CPU (not sleep) for ``seconds``, so parallel speed-up is measured honestly."""
    end = time.perf_counter() + seconds
    x = np.arange(20000, dtype=float)
    while time.perf_counter() < end:
        np.sqrt(x).sum()


def simulate(cfg: IshigamiConfig, out_dir: Path) -> dict[str, Any]:
    """Evaluate the function for one seed and write a run directory (never rewriting a finished)."""
    out = Path(out_dir)
    if rundir.is_finished(out):
        raise rundir.RunExistsError(f"{out} already holds a finished run; it is never rewritten")
    for f in rundir.OUTPUT_FILES:
        (out / f).unlink(missing_ok=True)
    manifest = rundir.base_manifest(cfg.seed, dataclasses.asdict(cfg), fingerprint(cfg))
    started = time.time()
    manifest["started"] = datetime.now(UTC).isoformat()
    rundir.write_json(out / rundir.MANIFEST, manifest)
    try:
        _busy(cfg.busy_seconds)
        if cfg.seed == cfg.exit_seed:  # the process dies mid-run, as under an OOM kill
            os._exit(17)
        if cfg.seed == cfg.fail_seed:
            raise RuntimeError(f"fail_seed = {cfg.fail_seed}: this run fails on purpose")
        rng = np.random.default_rng(np.random.SeedSequence(cfg.seed))
        noise = rng.normal(0.0, cfg.noise_sd, size=4) if cfg.noise_sd > 0 else np.zeros(4)
        y = ishigami(cfg.x1, cfg.x2, cfg.x3, cfg.a, cfg.b)
        years = np.arange(-1, 3)
        ts = pd.DataFrame({"year": years.astype(float), "y": y + noise,
                           "population": np.full(4, 100, dtype=np.int64)})
        buurten = pd.DataFrame({"year": [0], "buurt": [0], "population": [100],
                                "crime_rate": [0.0], "disorder": [0.0],
                                "collective_efficacy": [0.5], "liveability": [0.5],
                                "mean_income_rank": [50.0]})
        cohort = pd.DataFrame({"person_id": [0, 1], "y": [y, y]})
        summary = {"y": float(y + noise[-1]), "y_clean": float(y), "seed": cfg.seed,
                   "scenario": cfg.scenario_name,
                   "by_origin": {"y": float(y + noise[-1]), "n": 2},
                   "by_place": {"y": float(y), "n": 2}}
        rundir.write_parquet(out / "timeseries.parquet", ts)
        rundir.write_parquet(out / "buurten.parquet", buurten)
        rundir.write_parquet(out / "cohort.parquet", cohort)
        rundir.write_parquet(out / "place.parquet", cohort)
        rundir.write_json(out / "summary.json", summary)
    except BaseException as exc:
        rundir.close_manifest(out, manifest, started, rundir.STATUS_FAILED, error=exc)
        raise
    rundir.close_manifest(out, manifest, started, rundir.STATUS_FINISHED)
    return summary


SPEC = ModelSpec(name="ishigami", validate=validate, with_seed=with_seed, fingerprint=fingerprint,
                 simulate=simulate, to_dict=dataclasses.asdict, error_type=IshigamiConfigError)


@hydra.main(version_base="1.3", config_path="../../configs", config_name="standins/ishigami")
def main(cfg: DictConfig) -> dict | None:
    """Hydra task: the same job code as ``sim.run``, with the stand-in model."""
    return hydra_task(cfg, SPEC)


if __name__ == "__main__":
    main()
