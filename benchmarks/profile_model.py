"""Where a step's time goes: milliseconds per step for each submodel of a default-sized run.

Usage: ``python benchmarks/profile_model.py [--scenario long_term] [--residents 15000] [--seed 0]``

Wraps each submodel's entry point with a wall-clock timer (a microsecond of overhead per call) and
prints ms per step, largest first. Nested entries (``moving.step`` inside ``Neighbourhood.step``)
overlap. For line-level detail use ``line_profiler`` on the function this points at.
"""

from __future__ import annotations

import argparse
import collections
import functools
import logging
import time
from collections.abc import Callable

logging.getLogger("mesa").setLevel(logging.WARNING)

TIMES: collections.Counter[str] = collections.Counter()


def _timed(f: Callable, label: str) -> Callable:
    @functools.wraps(f)
    def g(*a: object, **k: object) -> object:
        t = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            TIMES[label] += time.perf_counter() - t
    return g


def instrument() -> None:
    """Wrap the submodels' entry points (module functions are looked up at call time)."""
    import sim.agents.criminal_networks as cn
    import sim.model as model
    from sim.mechanisms import demography, moving, offending, school, trust, work

    for mod, names in [(demography, ["step"]), (work, ["step"]), (offending, ["step"]),
                       (trust, ["step"]), (moving, ["step", "fill_vacancies"]), (school, ["step"])]:
        for n in names:
            setattr(mod, n, _timed(getattr(mod, n), f"{mod.__name__.split('.')[-1]}.{n}"))
    for n in ["step_posts", "step_landlords", "network_context", "step_networks"]:
        if hasattr(model, n):
            setattr(model, n, _timed(getattr(model, n), n))
    classes = [(model.Neighbourhood, ["step", "_yearly", "_close_households", "_account_exposure",
                                      "_sync_agents"]),
               (model.Environment, ["update"]), (model.Services, ["update"]),
               (model.CohortTracker, ["step"]), (model.Recorder, ["record_step", "record_year"]),
               (model.Initiatives, ["step"]), (cn.CriminalNetwork, ["step"])]
    for cls, names in classes:
        for n in names:
            if n in cls.__dict__:
                setattr(cls, n, _timed(cls.__dict__[n], f"{cls.__name__}.{n}"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="long_term")
    ap.add_argument("--residents", type=int, default=15000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    instrument()
    from sim.compose import load_config
    from sim.config import validate
    from sim.model import Neighbourhood

    cfg = validate(load_config([f"scenario={a.scenario}", f"seed={a.seed}",
                                f"neighbourhood.residents={a.residents}"]))
    t0 = time.perf_counter()
    m = Neighbourhood(cfg)
    TIMES.clear()
    t1 = time.perf_counter()
    m.run()
    t2 = time.perf_counter()
    print(f"{a.scenario}: init {t1 - t0:.3f} s, run {t2 - t1:.3f} s, {m.steps} steps, "
          f"{m.person_steps / m.steps:.0f} persons per step, {(t2 - t1) / m.steps * 1e3:.3f} ms/step")
    for k, v in TIMES.most_common():
        print(f"  {k:34s} {v / m.steps * 1e3:7.3f} ms/step")


if __name__ == "__main__":
    main()
