"""The model behind the interactive view (``python -m sim.app``): ``Neighbourhood`` with slider knobs.

Mesa's SolaraViz rebuilds a model on Reset as ``type(model)(**slider_values)``, so the view needs a
model class whose keyword arguments are the sliders. ``WijkView`` is that class: it starts from the
``long_term`` scenario on a small wijk, sets the five sliders, runs the burn-in while it is built (so
the view opens at the programme start, year 0) and records, each step, a few series of the tracked
generation that the run directory only reports at age 25. Nothing here imports solara, so the model
side of the view is tested without a browser.
"""

from __future__ import annotations

import copy
import logging
import threading
from typing import Any

import numpy as np
from omegaconf import OmegaConf

from sim.agents.professionals import ROLE_NAMES
from sim.config import WijksimConfig, validate
from sim.model import Neighbourhood

logging.getLogger("mesa").setLevel(logging.WARNING)

# Funding stability s in [0, 1] interpolates the two presets' funding: s = 0 is the project carousel's
# (volatility 0.3, cuts 0.2 per year), s = 1 the long-term programme's (0.05, 0.02); see
# configs/funding/volatile.yaml and stable.yaml.
VOLATILE = {"volatility": 0.3, "cut_rate": 0.2}
STABLE = {"volatility": 0.05, "cut_rate": 0.02}

# The slider knobs: name -> (config path, default, min, max, step, label). Defaults are long_term's.
SLIDERS: dict[str, tuple[str, float, float, float, float, str]] = {
    "funding_stability": ("funding (derived)", 1.0, 0.0, 1.0, 0.05,
                          "Funding stability (0-1)"),
    "turnover_rate": ("staffing.turnover_rate", 0.07, 0.0, 0.5, 0.01,
                      "Staff turnover (per year)"),
    "reset_probability": ("politics.reset_probability", 0.6, 0.0, 1.0, 0.05,
                          "Political reset chance"),
    "insulation": ("governance.insulation", 0.9, 0.0, 1.0, 0.05,
                   "Insulation from politics"),
    "horizon_years": ("programme.horizon_years", 20, 0, 30, 1, "Horizon (years)"),
}

# What the grid can be coloured by: label -> (per-buurt array on model.env, colour map, range, better).
COLOURINGS: dict[str, tuple[str, str, tuple[float, float], str]] = {
    "liveability": ("liveability", "RdYlGn", (0.3, 0.9), "higher is better"),
    "crime": ("crime_rate", "Reds", (0.0, 20.0), "registered suspects per 1000 residents per year"),
    "trust": ("mean_trust", "Blues", (0.2, 0.8), "residents' trust in professionals, 0-1"),
    "income": ("mean_income_rank", "Purples", (20.0, 60.0), "mean income rank of adults (percentile)"),
}

# Composing with Hydra takes ~0.3 s and Hydra's global state is not made for threads (one server
# serves many visitors): compose the base config once, then copy it per model.
_BASE: dict[str, Any] | None = None
_BASE_LOCK = threading.Lock()


def base_config(residents: int = 2000, buurten: int = 6, burn_in: int = 5) -> dict[str, Any]:
    """The ``long_term`` scenario on a small wijk (the tutorial's size), as a plain nested dict."""
    global _BASE
    with _BASE_LOCK:
        if _BASE is None:
            from sim.compose import load_config

            _BASE = OmegaConf.to_container(load_config(["scenario=long_term"]), resolve=True)
        cfg = copy.deepcopy(_BASE)
    cfg.pop("hydra", None)
    cfg["neighbourhood"]["residents"] = int(residents)
    cfg["neighbourhood"]["buurten"] = int(buurten)
    cfg["years"]["burn_in"] = int(burn_in)
    return cfg


def view_config(*, seed: int = 0, funding_stability: float = 1.0, turnover_rate: float = 0.07,
                reset_probability: float = 0.6, insulation: float = 0.9, horizon_years: float = 20,
                residents: int = 2000, buurten: int = 6, burn_in: int = 5) -> WijksimConfig:
    """The validated config for one set of slider values (a bad value raises ``ConfigError``)."""
    cfg = base_config(residents, buurten, burn_in)
    s = float(funding_stability)
    if not 0.0 <= s <= 1.0:
        from sim.config import ConfigError

        raise ConfigError(f"funding_stability = {s!r}: must be between 0 and 1")
    for k in ("volatility", "cut_rate"):
        cfg["funding"][k] = VOLATILE[k] + s * (STABLE[k] - VOLATILE[k])
    cfg["staffing"]["turnover_rate"] = float(turnover_rate)
    cfg["politics"]["reset_probability"] = float(reset_probability)
    cfg["governance"]["insulation"] = float(insulation)
    cfg["programme"]["horizon_years"] = float(horizon_years)
    cfg["seed"] = int(seed)
    cfg["scenario_name"] = "app"
    return validate(cfg)


class WijkView(Neighbourhood):
    """``Neighbourhood`` built from slider values, opened at the programme start (year 0).

    The keyword arguments are the sliders of the view (see ``SLIDERS``) plus the seed and the size
    of the wijk. ``running`` turns False when the tracked generation has reached 25.
    """

    def __init__(self, seed: int = 0, funding_stability: float = 1.0, turnover_rate: float = 0.07,
                 reset_probability: float = 0.6, insulation: float = 0.9, horizon_years: float = 20,
                 residents: int = 2000, buurten: int = 6, burn_in: int = 5) -> None:
        cfg = view_config(seed=seed, funding_stability=funding_stability,
                          turnover_rate=turnover_rate, reset_probability=reset_probability,
                          insulation=insulation, horizon_years=horizon_years, residents=residents,
                          buurten=buurten, burn_in=burn_in)
        super().__init__(cfg)
        self.funding_stability = float(funding_stability)
        self.generation_rows: list[dict[str, float]] = []
        # The burn-in runs here: the wijk settles before the programme, and the view opens at year 0.
        if self.start_step:
            self.run_for(self.start_step)
        self._record_generation()  # year 0: the generation is tagged by now

    def step(self) -> None:
        """One model step, then the generation's row; stop when the run would end."""
        super().step()
        if self.year > 0:  # year 0 is recorded once the tagging event has run (__init__)
            self._record_generation()
        if self.steps >= self.total_steps:
            self.running = False

    # -- what the view shows -----------------------------------------------------------------
    def _record_generation(self) -> None:
        """Series of the generation still being followed (tagged at year 0, under 25)."""
        p = self.pop.p
        t = p.tracked & ~p.leave
        n = int(np.count_nonzero(t))
        done = sum(len(c["person_id"]) for c in self.cohort.cohort_chunks)
        row = {"year": self.year, "followed": n, "reached_25_or_died": done}
        if n:
            row.update({
                "share_moved_out": float(np.count_nonzero(t & (p.buurt < 0)) / n),
                "share_ever_suspect": float(np.count_nonzero(t & p.suspect_ever) / n),
                "share_in_network": float(np.count_nonzero(t & (p.network >= 0)) / n),
                "mean_trust": float(p.trust[t].mean()),
                "mean_age": float(p.age[t].mean()),
            })
        self.generation_rows.append(row)

    def buurt_values(self, colouring: str) -> np.ndarray:
        """One value per buurt for ``colouring`` (a key of ``COLOURINGS``)."""
        if colouring not in COLOURINGS:
            raise KeyError(f"colouring {colouring!r}: must be one of {sorted(COLOURINGS)}")
        return np.asarray(getattr(self.env, COLOURINGS[colouring][0]), dtype=float).copy()

    def dwelling_image(self, colouring: str) -> np.ndarray:
        """The dwelling grid as a (height, width) array of buurt values; NaN where no dwelling."""
        img = np.full(self.grid_width * self.grid_height, np.nan)
        nd = self.dwelling_buurt.size
        img[:nd] = self.buurt_values(colouring)[self.dwelling_buurt]
        return img.reshape(self.grid_height, self.grid_width)

    def buurt_centres(self) -> np.ndarray:
        """(x, y) grid centre of each buurt's block of dwellings."""
        idx = np.arange(self.dwelling_buurt.size)
        x, y = idx % self.grid_width, idx // self.grid_width
        n = np.bincount(self.dwelling_buurt, minlength=self.n_buurten)
        return np.column_stack([np.bincount(self.dwelling_buurt, x, self.n_buurten) / n,
                                np.bincount(self.dwelling_buurt, y, self.n_buurten) / n])

    def post_table(self) -> dict[str, np.ndarray]:
        """Every open post: role name, buurt, filled, programme-funded (the professionals' layer)."""
        P = self.posts
        alive = P.alive.copy()
        return {"role": np.array(ROLE_NAMES, dtype=object)[P.role_i[alive]],
                "buurt": P.buurt[alive].copy(), "filled": P.filled[alive].copy(),
                "programme": P.programme[alive].copy()}

    def vacancies(self) -> tuple[int, int]:
        """(vacant posts, open posts)."""
        alive = self.posts.alive
        return int(np.count_nonzero(alive & ~self.posts.filled)), int(np.count_nonzero(alive))
