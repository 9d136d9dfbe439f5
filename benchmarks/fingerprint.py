"""Fingerprint of a model run's outputs, to check that a speed change leaves results identical.

Usage: ``python benchmarks/fingerprint.py [--scenario baseline] [--seeds 0 1] [--residents 15000]``

Runs the model in-process and prints one SHA-256 prefix per (scenario, seed) over every output table
(``sim.outcomes.build_outputs``: time series, buurten, cohort, place) and the summary. A refactoring
that only changes speed must print the same hashes before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging

import pandas as pd

logging.getLogger("mesa").setLevel(logging.WARNING)


def fingerprint(scenario: str, seed: int, residents: int) -> str:
    from sim.compose import load_config
    from sim.config import validate
    from sim.model import Neighbourhood
    from sim.outcomes import build_outputs

    cfg = validate(load_config([f"scenario={scenario}", f"seed={seed}",
                                f"neighbourhood.residents={residents}"]))
    model = Neighbourhood(cfg)
    model.run()
    tables, summary = build_outputs(model)
    h = hashlib.sha256()
    for name in sorted(tables):
        df = tables[name]
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(df, index=True).values.tobytes())
        h.update(",".join(map(str, df.columns)).encode())
    h.update(json.dumps(summary, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", nargs="+", default=["baseline", "long_term"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--residents", type=int, default=15000)
    a = ap.parse_args()
    for sc in a.scenario:
        for s in a.seeds:
            print(f"{sc} seed={s} residents={a.residents}: {fingerprint(sc, s, a.residents)}", flush=True)


if __name__ == "__main__":
    main()
