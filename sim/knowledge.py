"""What the programme knows about what works: learned from the wijk's own monitor (condition 7).

DESIGN.md §2.3 condition 7 ("use of knowledge"). The programme does not know how well each domain
works; it reads it off the wijk, as a programme office reads its neighbourhood monitor:

* **Indicators.** Each domain is judged by one wijk indicator (population-weighted wijk mean), signed
  so that higher is better: clean/intact/safe by physical disorder, school by school quality, youth by
  the share of 12-24-year-olds registered as a suspect in the past year, work by the employment rate,
  housing by dwelling quality, enforcement by registered crime per 1,000 residents. Wijk monitors
  publish such figures with a delay (``programme.observation_lag_years``, 1 year, est.; CBS's
  *Kerncijfers wijken en buurten* appear one to two years after their reference year).
* **Attribution.** The programme credits a domain with the relative change of its own indicator since
  the programme start and relates it to the money it spent there in the year behind the reading (the
  dose, in 100 euro per resident per year). Its estimate of a domain's value is the slope of gain on
  dose through the origin, with a prior of no effect: ``estimate = S_gd / (S_dd + PRIOR_DOSE^2)``,
  where ``S_gd`` and ``S_dd`` sum ``w x gain x dose`` and ``w x dose^2`` over what it has seen (the
  posterior mean of a normal dose-response slope with a zero-mean prior). This is the before-after
  attribution of a monitor: a change caused by another domain, by the wijk's own drift or by chance
  is credited to the domain whose indicator moved (a bias no one in the model corrects), and a domain
  given little money says little about itself. The monitor's error is ``programme.learning_noise``
  (sd as a share of the indicator's level, est.) on top of the wijk's own chance variation.
* **Learning.** Each yearly reading (published ``observation_lag_years`` late) enters with weight
  ``programme.learning_rate``. What is learned lives in staff (tacit): a programme professional who
  leaves takes ``1/n`` of the tacit sums (``staff_left``), a political reset ``politics.memory_loss``.
* **Visitations.** A panel every ``visitation_interval_years`` reads the current figures (no lag) with
  ``visitation_noise_share`` of the monitor's error (it has more sources and time); its reading enters
  with weight ``visitation_weight`` and its report writes down ``visitation_codifies`` of the tacit
  knowledge, which then no longer leaves with staff (DESIGN.md §2.3: without visitations learning
  "lives in individual staff and leaves with them").
The equal weight of a relative improvement in each indicator is the programme's value judgement
(est.); the mix then follows the estimates (``sim.programme``). Sizes are our estimates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.config_programme import DOMAINS

if TYPE_CHECKING:
    from sim.model import Neighbourhood

PRIOR_DOSE = 0.25  # prior of no effect, as strong as one reading at 25 euro per resident (est.)
LEVEL_FLOOR = 1e-3  # indicators are divided by their start level; this keeps it off zero


def wijk_indicators(model: Neighbourhood) -> np.ndarray:
    """The monitor's reading of the wijk, one signed indicator per domain (higher is better)."""
    env = model.env
    row = model.recorder.rows[-1]  # this step's wijk figures
    phys, school, crime, dq = env.wijk_means(env.physical_disorder, env.school_quality,
                                             env.crime_rate, env.dwelling_quality)
    by_domain = {"clean_intact_safe": -phys, "school": school,
                 "youth": -float(row["youth_suspect_share"]),
                 "work": float(row["employment_rate"]), "housing": dq, "enforcement": -crime}
    return np.array([by_domain[d] for d in DOMAINS], dtype=float)


class Knowledge:
    """The programme's estimate of each domain's value, learned from the wijk's monitor."""

    def __init__(self, model: Neighbourhood) -> None:
        self.model = model
        n = len(DOMAINS)
        self.tacit = np.zeros((2, n))  # (S_gd, S_dd) held by staff
        self.documented = np.zeros((2, n))  # (S_gd, S_dd) written down by visitations
        self.baseline: np.ndarray | None = None
        self.readings: list[tuple[float, np.ndarray, np.ndarray]] = []  # (year, indicators, dose)
        self.rng = model.streams.gen("knowledge")
        self.rng_panel = model.streams.gen("visitation")  # own stream: a panel leaves others intact

    @property
    def estimate(self) -> np.ndarray:
        """Posterior mean value of each domain: relative gain per 100 euro per resident per year."""
        s = self.tacit + self.documented
        return s[0] / (s[1] + PRIOR_DOSE ** 2)

    def record(self, year: float, dose: np.ndarray) -> None:
        """This year's reading of the wijk and the money (euro per resident per year) behind it."""
        x = wijk_indicators(self.model)
        if self.baseline is None:
            self.baseline = x.copy()
        self.readings.append((year, x, dose / 100.0))

    def _evidence(self, reading: tuple[float, np.ndarray, np.ndarray], noise_sd: float,
                  rng: np.random.Generator, weight: float) -> np.ndarray:
        """(w gain dose, w dose^2) of one reading, the gain seen with ``noise_sd`` error."""
        _, x, dose = reading
        scale = np.maximum(np.abs(self.baseline), LEVEL_FLOOR)
        gain = (x - self.baseline) / scale + noise_sd * rng.normal(size=x.size)  # always drawn
        return weight * np.stack([gain * dose, dose * dose])

    def learn(self, year: float) -> None:
        """Yearly: add the reading the monitor publishes now (``observation_lag_years`` old)."""
        pc = self.model.cfg.programme
        due = year - pc.observation_lag_years + 1e-9
        seen = [r for r in self.readings[1:] if due - 1.0 < r[0] <= due]  # one per year
        for r in seen:
            self.tacit += self._evidence(r, pc.learning_noise, self.rng, pc.learning_rate)

    def visit(self) -> None:
        """A visitation: the panel's current, sharper reading, and a report of what is known."""
        pc = self.model.cfg.programme
        ev = self._evidence(self.readings[-1], pc.learning_noise * pc.visitation_noise_share,
                            self.rng_panel, pc.visitation_weight)
        written = pc.visitation_codifies * self.tacit
        self.tacit -= written
        self.documented += written + ev

    def staff_left(self, share: float) -> None:
        """Staff leave: ``share`` of the tacit knowledge goes with them."""
        self.tacit *= 1.0 - share

    def reset(self, share: float) -> None:
        """A political reset: ``share`` of the tacit knowledge is lost (reports survive)."""
        self.tacit *= 1.0 - share
