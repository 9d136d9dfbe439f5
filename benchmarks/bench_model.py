"""Benchmark: the full model vs Mesa's bare activation of empty agents, and scaling with size.

Usage: ``python benchmarks/bench_model.py [--quick] [--json PATH]``

1. Times a full run (15,000 residents, full horizon; ``--scenario``, default ``long_term`` with
   programme, professionals, networks, slumlords and initiatives all on; ``baseline`` is the
   default config) and, in the same process, Mesa activating
   the same number of *empty* agents (``shuffle_do`` of a no-op ``step``) for the same number of
   steps; prints person-steps per second for both and their ratio (goal: model >= 1x Mesa).
2. The scaling series 1,500 / 15,000 / 150,000 residents, each in a fresh subprocess so that peak
   memory (ru_maxrss) belongs to that run alone (goal: 150,000 costs <= 12x the 15,000 run).

Person-steps count every person the model simulates in a step (residents and tracked persons who
live elsewhere). Timings are wall-clock, best of ``--repeats``.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import time

import mesa

logging.getLogger("mesa").setLevel(logging.WARNING)


class EmptyAgent(mesa.Agent):
    """An agent whose step does nothing: the floor of Mesa's per-agent activation cost."""

    def step(self) -> None:
        pass


def time_model(residents: int, seed: int = 0, scenario: str = "baseline") -> dict:
    from sim.compose import load_config
    from sim.config import validate
    from sim.model import Neighbourhood

    cfg = validate(load_config([f"scenario={scenario}", f"seed={seed}",
                                f"neighbourhood.residents={residents}"]))
    t0 = time.perf_counter()
    model = Neighbourhood(cfg)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    return {"residents": residents, "scenario": scenario, "steps": model.steps,
            "person_steps": int(model.person_steps),
            "init_s": t1 - t0, "run_s": t2 - t1, "total_s": t2 - t0,
            "mean_persons": model.person_steps / model.steps}


def time_mesa_empty(n_agents: int, steps: int) -> float:
    """Seconds for ``steps`` rounds of ``shuffle_do('step')`` over ``n_agents`` empty agents."""
    m = mesa.Model(rng=1)
    EmptyAgent.create_agents(m, n_agents)
    agents = m.agents_by_type[EmptyAgent]
    t0 = time.perf_counter()
    for _ in range(steps):
        agents.shuffle_do("step")
    return time.perf_counter() - t0


def compare(repeats: int, scenario: str) -> dict:
    """Model and Mesa timed alternately (so a noisy neighbour hits both alike); best of each."""
    models, mesas = [], []
    for s in range(repeats):
        models.append(time_model(15000, seed=s, scenario=scenario))
        n = round(models[-1]["mean_persons"])
        mesas.append((time_mesa_empty(n, models[-1]["steps"]), n, models[-1]["steps"]))
    best_model = max(models, key=lambda r: r["person_steps"] / r["total_s"])
    mesa_s, n, steps = min(mesas, key=lambda x: x[0] / (x[1] * x[2]))
    model_rate = best_model["person_steps"] / best_model["total_s"]
    mesa_rate = n * steps / mesa_s
    return {"model": best_model, "mesa_empty_s": mesa_s, "mesa_agents": n,
            "model_person_steps_per_s": model_rate, "mesa_person_steps_per_s": mesa_rate,
            "ratio": model_rate / mesa_rate}


def _child(residents: int, scenario: str) -> None:
    r = time_model(residents, scenario=scenario)
    r["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(r))


def scaling(sizes: list[int], scenario: str) -> list[dict]:
    out = []
    for n in sizes:
        res = subprocess.run([sys.executable, __file__, "--child", str(n), "--scenario", scenario],
                             capture_output=True, text=True, check=True)
        out.append(json.loads(res.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one repeat, skip 150,000")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--scenario", default="long_term",
                    help="scenario preset to time (default long_term: everything on)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        _child(a.child, a.scenario)
        return
    repeats = 2 if a.quick else a.repeats
    c = compare(repeats, a.scenario)
    m = c["model"]
    print(f"scenario {a.scenario}: {m['residents']} residents, {m['steps']} steps, "
          f"{m['person_steps']:,} person-steps in {m['total_s']:.2f} s "
          f"(init {m['init_s']:.2f} s)")
    print(f"  model:      {c['model_person_steps_per_s']:>12,.0f} person-steps/s")
    print(f"  mesa empty: {c['mesa_person_steps_per_s']:>12,.0f} person-steps/s "
          f"({c['mesa_agents']} agents x {m['steps']} steps of shuffle_do in "
          f"{c['mesa_empty_s']:.2f} s)")
    print(f"  ratio model / mesa-empty: {c['ratio']:.2f}x  (goal >= 1x)")
    sizes = [1500, 15000] if a.quick else [1500, 15000, 150000]
    sc = scaling(sizes, a.scenario)
    print("scaling (fresh process each):")
    for r in sc:
        print(f"  {r['residents']:>7} residents: {r['total_s']:7.2f} s, "
              f"{r['person_steps'] / r['total_s']:>12,.0f} person-steps/s, "
              f"peak RSS {r['peak_rss_mib']:.0f} MiB")
    by = {r["residents"]: r for r in sc}
    if 150000 in by:
        cost = by[150000]["total_s"] / by[15000]["total_s"]
        print(f"  150,000 / 15,000 cost: {cost:.1f}x  (goal <= 12x)")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"compare": c, "scaling": sc}, fh, indent=2)


if __name__ == "__main__":
    main()
