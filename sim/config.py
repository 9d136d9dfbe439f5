"""Structured configuration: the schema of every knob, its type, default and allowed range.

The dataclasses below are registered with Hydra's ConfigStore (``sim.run``) and are also the single
place validation reads from: each field carries ``metadata`` with its allowed range, so a value out of
range produces one message that names the key, the value and what is allowed.

All rates are **per year**; the model converts them to per-step probabilities with
``p = 1 - exp(-rate * dt)`` so the step length can change without re-tuning (docs/model.md).
Defaults marked *(est.)* in ``docs/model.md`` are our estimates; the rest cite a source there.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import typing
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config_crime import InitiativesConfig, NetworksConfig, SlumlordsConfig
from sim.config_fields import _f
from sim.config_programme import (
    FundingConfig,
    GovernanceConfig,
    PoliticsConfig,
    ProgrammeConfig,
    ServicesConfig,
    StaffingConfig,
)


class ConfigError(ValueError):
    """A configuration value is missing, unknown, of the wrong type or out of range."""


@functools.cache
def _hints(dc_type: type) -> dict[str, Any]:
    return typing.get_type_hints(dc_type)


@dataclass
class NeighbourhoodConfig:
    """The focal wijk: size, buurten, housing stock and who lives there at the start."""

    residents: int = _f(15000, 1000, 200000, "residents at the start (1:1 scale)")
    buurten: int = _f(8, 6, 10, "number of buurten (blocks of the dwelling grid)")
    initial_vacancy: float = _f(0.02, 0.0, 0.2, "share of dwellings empty at the start")
    corporation_share: float = _f(0.65, 0.0, 1.0, "wijk-wide share of dwellings owned by the corporation")
    corporation_share_spread: float = _f(0.15, 0.0, 0.5, "sd of the corporation share across buurten")
    income_rank_mean: float = _f(22.0, 5.0, 95.0, "mean parental-background rank of residents at start")
    income_rank_concentration: float = _f(6.0, 1.0, 100.0, "Beta concentration of that rank")


@dataclass
class YearsConfig:
    """Time: step length, burn-in and the programme/follow-up period."""

    step: float = _f(0.25, 1 / 12, 1.0, "step length in years (0.25 = a quarter)")
    burn_in: int = _f(30, 0, 100,
                      "years simulated before the programme starts (long enough for a steady state)")
    after_start: int | None = _f(
        None, 1, 80,
        "years after the programme start; null = until the youngest tracked child reaches outcome age")


@dataclass
class CohortConfig:
    """The tracked generation (docs/model.md)."""

    min_age: int = _f(0, 0, 17, "youngest age (at programme start) tagged")
    max_age: int = _f(12, 0, 17, "oldest age (at programme start) tagged")
    born_years: int = _f(0, 0, 20, "also tag children born in the wijk in the first N years")
    outcome_age: int = _f(25, 18, 40, "age at which outcomes are measured")


@dataclass
class DemographyConfig:
    """Births and deaths."""

    total_fertility: float = _f(1.7, 0.0, 6.0, "births per woman over her life (TFR)")
    fertility_peak_age: float = _f(31.0, 18.0, 45.0, "age of peak fertility")
    fertility_sd: float = _f(5.5, 1.0, 15.0, "sd (years) of the fertility curve")
    mortality_gompertz_a: float = _f(-10.7, -20.0, -2.0, "log mortality rate at age 0 (Gompertz)")
    mortality_gompertz_b: float = _f(0.095, 0.0, 0.3, "Gompertz slope per year of age")
    max_age: float = _f(100.0, 60.0, 120.0, "age at which everyone dies")


@dataclass
class SchoolConfig:
    """School progress from early childhood to qualification."""

    start_age: float = _f(4.0, 2.0, 7.0, "age school starts")
    decision_age: float = _f(17.0, 14.0, 20.0, "age at which the start qualification is decided")
    higher_ed_years: float = _f(5.0, 0.0, 10.0, "extra years in school for higher education")
    skill_weight: float = _f(0.9, 0.0, 3.0, "effect of skill (sd) on attainment")
    family_weight: float = _f(0.3, 0.0, 3.0, "effect of parents' rank (z) on attainment")
    school_quality_weight: float = _f(0.3, 0.0, 3.0, "effect of school quality (z) on attainment")
    exposure_weight: float = _f(0.6, 0.0, 5.0,
                                "effect of age-weighted neighbourhood exposure on attainment")
    exposure_full_age: float = _f(13.0, 0.0, 25.0, "exposure counts fully up to this age")
    exposure_zero_age: float = _f(23.0, 0.0, 30.0, "exposure no longer counts from this age")
    start_qual_threshold: float = _f(-1.48, -5.0, 5.0, "attainment above which a start qualification")
    higher_ed_threshold: float = _f(0.1, -5.0, 5.0, "attainment above which higher education")
    noise_sd: float = _f(0.6, 0.0, 3.0, "sd of idiosyncratic attainment noise")


@dataclass
class WorkConfig:
    """Labour-market entry, employment and income rank."""

    job_finding_rate: float = _f(0.9, 0.0, 10.0, "job-finding rate per year (median person)")
    job_loss_rate: float = _f(0.12, 0.0, 10.0, "job-loss rate per year (median person)")
    education_effect: float = _f(0.7, 0.0, 3.0, "log-rate effect per education level")
    skill_effect: float = _f(0.35, 0.0, 3.0, "log-rate effect per sd of skill")
    retirement_age: float = _f(67.0, 55.0, 75.0, "state pension age")
    rank_base: float = _f(38.0, 0.0, 100.0, "income rank of an employed median worker, level 0")
    rank_per_level: float = _f(17.0, 0.0, 50.0, "income rank points per education level")
    rank_per_skill: float = _f(9.0, 0.0, 50.0, "income rank points per sd of skill")
    rank_benefit: float = _f(10.0, 0.0, 50.0, "income rank on benefits / no work")
    rank_noise_sd: float = _f(10.0, 0.0, 40.0, "sd of a person's persistent rank component")
    rank_per_exposure: float = _f(1.0, 0.0, 20.0,
                                  "income rank points per quality-year of childhood exposure")
    skill_family_correlation: float = _f(0.35, 0.0, 0.95,
                                         "correlation of skill with parents' rank (z)")


@dataclass
class MovingConfig:
    """Residential mobility, selective migration and inflow (calibrated to CBS 2020)."""

    deprived_area_multiplier: float = _f(0.85, 0.1, 5.0,
                                         "moving rates in a deprived rental wijk vs national")
    family_multiplier: float = _f(0.6, 0.1, 2.0, "move rate of households with children vs others")
    private_rent_multiplier: float = _f(1.3, 0.1, 5.0, "move rate of private tenants vs corporation")
    riser_effect: float = _f(0.9, 0.0, 5.0, "log move-rate per 50 rank points above 30 (typical resident)")
    liveability_effect: float = _f(1.0, 0.0, 5.0, "log move-rate per unit of liveability below 0.5")
    leave_wijk_base: float = _f(0.55, 0.0, 1.0, "share of moves leaving the wijk at rank 30")
    leave_wijk_rank_effect: float = _f(1.5, 0.0, 10.0,
                                       "logit effect of rank/50 on leaving the wijk when moving")
    leave_home_rate: float = _f(0.16, 0.0, 2.0,
                                "rate at which adult children (18+) leave the parental home")
    leave_home_age: float = _f(18.0, 15.0, 30.0, "age from which children leave home")
    leave_home_local_share: float = _f(0.25, 0.0, 1.0,
                                       "share of home-leavers who find a dwelling in the wijk")
    vacancy_fill_rate: float = _f(4.0, 0.1, 52.0, "rate per year at which a vacancy is let")
    applicant_rank_mean: float = _f(24.0, 1.0, 99.0,
                                    "mean background rank of applicant households (corporation)")
    private_applicant_rank_mean: float = _f(33.0, 1.0, 99.0,
                                            "mean background rank of private-rental applicants")
    applicant_rank_concentration: float = _f(6.0, 1.0, 100.0, "Beta concentration of those ranks")
    elsewhere_move_rate: float = _f(0.1, 0.0, 2.0,
                                    "rate at which tracked persons elsewhere change neighbourhood")
    place_sorting: float = _f(0.5, 0.0, 0.99,
                              "correlation of a mover's income rank with the national percentile "
                              "of the place elsewhere they land in")


@dataclass
class OffendingConfig:
    """Registered youth suspects: CBS hazards by sex and age, scaled by risk factors."""

    hazard_multiplier: float = _f(1.0, 0.0, 20.0,
                                  "multiplier on the CBS registration rates (1 = the national table)")
    family_effect: float = _f(0.8, 0.0, 5.0, "log-rate effect of low parental rank (per 100 pts)")
    attainment_effect: float = _f(0.5, 0.0, 5.0, "log-rate per sd of low skill/background (attachment)")
    disorder_effect: float = _f(1.0, 0.0, 5.0, "log-rate effect of neighbourhood disorder (0-1)")
    trust_effect: float = _f(0.8, 0.0, 5.0, "log-rate effect of trust below 0.5")
    prior_effect: float = _f(1.2, 0.0, 5.0, "log-rate effect of a prior registration")


@dataclass
class TrustConfig:
    """Trust in professionals and institutions (the programme issue adds contact and delivery)."""

    initial_mean: float = _f(0.45, 0.0, 1.0, "mean trust at the start")
    adjust_rate: float = _f(0.3, 0.0, 10.0, "rate per year at which trust moves to its target")
    liveability_effect: float = _f(0.5, 0.0, 3.0, "trust target per unit of liveability")
    employment_effect: float = _f(0.1, 0.0, 1.0, "trust target bonus for the employed")


@dataclass
class EnvironmentConfig:
    """Buurt environment: disorder, collective efficacy and liveability (docs/model.md)."""

    adjust_rate: float = _f(0.5, 0.0, 10.0, "rate per year at which buurt stocks move to target")
    efficacy_rank_weight: float = _f(0.5, 0.0, 3.0, "collective efficacy per unit of mean rank/100")
    efficacy_stability_weight: float = _f(0.015, 0.0, 1.0,
                                          "collective efficacy per mean year in the dwelling")
    efficacy_trust_weight: float = _f(0.3, 0.0, 3.0, "collective efficacy per unit of mean trust")
    crime_scale: float = _f(20.0, 1.0, 1000.0, "suspects per 1000 residents that count as crime=1")
    spillover: float = _f(0.2, 0.0, 1.0, "share of disorder that spills over from adjacent buurten")


@dataclass
class PlacesConfig:
    """The national distribution of places (``sim.places``): one scale for the wijk and elsewhere."""

    income_rank_sd: float = _f(12.0, 0.0, 30.0,
                               "sd across Dutch neighbourhoods of their residents' mean income rank")
    crime_log_sd: float = _f(0.6, 0.0, 3.0, "sd of log youth crime across neighbourhoods")
    dwelling_quality_mean: float = _f(0.7, 0.0, 1.0, "dwelling quality of the median place")
    dwelling_quality_sd: float = _f(0.08, 0.0, 0.5, "its sd across neighbourhoods")
    vacancy_rate: float = _f(0.02, 0.0, 0.5, "share of dwellings empty")
    turnover: float = _f(0.10, 0.0, 1.0, "moves per resident per year (CBS 2020 all ages: ~0.1)")
    years_in_dwelling: float = _f(12.0, 0.0, 50.0, "mean years households have lived in their dwelling")
    employment_rate: float = _f(0.75, 0.0, 1.0, "employment rate of the labour force")
    deprived_share: float = _f(0.10, 0.001, 0.5,
                               "a place is deprived when in this bottom share of the distribution")


@dataclass
class HousingConfig:
    """Landlords and dwelling quality (slumlords come with the crime/landlord issue)."""

    quality_decay_rate: float = _f(0.04, 0.0, 1.0, "loss of dwelling quality per year unmaintained")
    corporation_maintenance: float = _f(0.05, 0.0, 1.0,
                                        "quality restored per year by the housing corporation")
    private_maintenance: float = _f(0.035, 0.0, 1.0, "quality restored per year by private landlords")
    private_landlords: int = _f(6, 1, 1000, "number of private landlords in the wijk")
    initial_quality_mean: float = _f(0.6, 0.0, 1.0, "mean dwelling quality at the start")


@dataclass
class WijksimConfig:
    """The whole run. ``seed`` is the root of every random stream."""

    seed: int = _f(0, 0, 2**63 - 1, "root seed")
    replicates: int = _f(1, 1, 100000, "seeds run one after another by one job")
    scenario_name: str = _f("baseline", doc="name of the scenario (used in output paths)",
                            pattern=r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}",
                            pattern_doc="1-64 letters, digits, '_', '-' or '.', starting with a "
                                        "letter or digit (it names output directories)")
    neighbourhood: NeighbourhoodConfig = field(default_factory=NeighbourhoodConfig)
    years: YearsConfig = field(default_factory=YearsConfig)
    cohort: CohortConfig = field(default_factory=CohortConfig)
    demography: DemographyConfig = field(default_factory=DemographyConfig)
    school: SchoolConfig = field(default_factory=SchoolConfig)
    work: WorkConfig = field(default_factory=WorkConfig)
    moving: MovingConfig = field(default_factory=MovingConfig)
    offending: OffendingConfig = field(default_factory=OffendingConfig)
    trust: TrustConfig = field(default_factory=TrustConfig)
    environment: EnvironmentConfig = field(default_factory=EnvironmentConfig)
    places: PlacesConfig = field(default_factory=PlacesConfig)
    housing: HousingConfig = field(default_factory=HousingConfig)
    programme: ProgrammeConfig = field(default_factory=ProgrammeConfig)
    funding: FundingConfig = field(default_factory=FundingConfig)
    staffing: StaffingConfig = field(default_factory=StaffingConfig)
    politics: PoliticsConfig = field(default_factory=PoliticsConfig)
    governance: GovernanceConfig = field(default_factory=GovernanceConfig)
    services: ServicesConfig = field(default_factory=ServicesConfig)
    networks: NetworksConfig = field(default_factory=NetworksConfig)
    slumlords: SlumlordsConfig = field(default_factory=SlumlordsConfig)
    initiatives: InitiativesConfig = field(default_factory=InitiativesConfig)


# Top-level keys Hydra adds or that belong to the launcher, not to the model.
_IGNORED_TOP = {"hydra"}


def allowed_text(meta: dict, type_name: str = "float") -> str:
    """What a field allows, in words: a range, a pattern, true/false or the declared type."""
    if type_name == "bool":
        return "true or false"
    if meta.get("pattern"):
        return meta.get("pattern_doc") or f"text matching {meta['pattern']}"
    lo, hi = meta.get("lo"), meta.get("hi")
    kind = "a whole number" if type_name == "int" else "a number"
    left = "(" if meta.get("lo_open") else "["
    if lo is not None and hi is not None:
        return f"{kind} in {left}{lo}, {hi}]"
    if lo is not None:
        return f"{kind} >= {lo}"
    if hi is not None:
        return f"{kind} <= {hi}"
    return "text" if type_name == "str" else f"any {type_name}"


def _allowed(meta: dict) -> str:
    return allowed_text(meta)


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp)).replace("NoneType", "null")


def _show(v: Any) -> str:
    """A value as a message shows it (a 5000-digit number is shortened, not printed whole)."""
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 200:
        return f"a {int(v.bit_length() * 0.30103) + 1}-digit number"
    text = repr(v)
    return text if len(text) <= 60 else f"{text[:25]}...{text[-10:]} ({len(text)} characters)"


def check_value(key: str, ftype: Any, meta: dict, v: Any) -> str | None:
    """The problem with value ``v`` for a leaf field (None when it is allowed)."""
    optional = type(None) in getattr(ftype, "__args__", ())
    base = next(a for a in ftype.__args__ if a is not type(None)) if optional else ftype
    allowed = allowed_text(meta, _type_name(base))
    if v is None:
        return None if optional else f"{key} = null: a value is required; allowed: {allowed}"
    if base is bool:
        return None if isinstance(v, bool) else f"{key} = {_show(v)}: must be true or false"
    if base is str:
        if not isinstance(v, str):
            return f"{key} = {_show(v)}: must be text; allowed: {allowed}"
        pat = meta.get("pattern")
        if pat and not re.fullmatch(pat, v):
            return f"{key} = {_show(v)}: not allowed; allowed: {allowed}"
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        return f"{key} = {_show(v)}: must be {'a whole number' if base is int else 'a number'}; " \
               f"allowed: {allowed}"
    if isinstance(v, float) and not math.isfinite(v):
        return f"{key} = {_show(v)}: must be finite; allowed: {allowed}"
    if base is int and isinstance(v, float) and not v.is_integer():
        return f"{key} = {_show(v)}: must be a whole number; allowed: {allowed}"
    lo, hi = meta.get("lo"), meta.get("hi")
    if (lo is not None and (v < lo or (meta.get("lo_open") and v == lo))) or (
        hi is not None and v > hi
    ):
        return f"{key} = {_show(v)}: out of range; allowed: {allowed}"
    return None


def _check(dc_type: type, values: Any, prefix: str, errors: list[str]) -> None:
    """Walk a dataclass schema and the user's values together; collect one message per problem."""
    if not isinstance(values, dict):
        errors.append(f"{prefix.rstrip('.') or 'config'} = {_show(values)}: expected a group of "
                      "keys")
        return
    fields = {f.name: f for f in dataclasses.fields(dc_type)}
    for key in values:
        if key not in fields and not (prefix == "" and key in _IGNORED_TOP):
            from sim.knobs import all_knobs, did_you_mean, sections

            full = f"{prefix}{key}"
            cands = [k.key for k in all_knobs()] + list(sections())
            errors.append(f"{full}: unknown key{did_you_mean(full, cands)} (allowed keys here: "
                          f"{', '.join(sorted(fields))}; `python -m sim.run knobs` lists all)")
    for name, f in fields.items():
        if name not in values:
            continue
        v = values[name]
        key = f"{prefix}{name}"
        ftype = _hints(dc_type)[name]
        if dataclasses.is_dataclass(ftype):
            _check(ftype, v, key + ".", errors)
            continue
        problem = check_value(key, ftype, dict(f.metadata), v)
        if problem:
            errors.append(problem)


def _cross_checks(c: dict, errors: list[str]) -> None:
    """Constraints between keys."""
    co = c["cohort"]
    if co["min_age"] > co["max_age"]:
        errors.append(
            f"cohort.min_age = {co['min_age']}: must not exceed cohort.max_age = {co['max_age']}"
        )
    if co["max_age"] >= co["outcome_age"]:
        errors.append(f"cohort.max_age = {co['max_age']}: must be below cohort.outcome_age")
    sc = c["school"]
    if sc["exposure_zero_age"] < sc["exposure_full_age"]:
        errors.append(
            f"school.exposure_zero_age = {sc['exposure_zero_age']}: must be >= "
            f"school.exposure_full_age = {sc['exposure_full_age']}"
        )
    if sc["higher_ed_threshold"] < sc["start_qual_threshold"]:
        errors.append(
            f"school.higher_ed_threshold = {sc['higher_ed_threshold']}: must be >= "
            f"school.start_qual_threshold = {sc['start_qual_threshold']}"
        )
    y, pr = c["years"], c["programme"]
    after = y["after_start"]
    if after is None:
        after = co["outcome_age"] - co["min_age"] + co["born_years"]
    if pr["start_year"] >= after:
        errors.append(
            f"programme.start_year = {pr['start_year']}: the run ends {after} years after the "
            "generation is tagged (years.after_start"
            + (f" = {y['after_start']}" if y["after_start"] is not None else
               " = null: cohort.outcome_age - cohort.min_age + cohort.born_years")
            + f"), so the programme would never start; allowed: a number in [0, {after})")
    ei = c["politics"]["election_interval_years"]
    if 0 < ei < y["step"]:  # found by the property test: 1e-300 years scheduled ~1e302 elections
        errors.append(f"politics.election_interval_years = {ei}: shorter than one step "
                      f"(years.step = {y['step']}); allowed: 0 (no elections) or a number in "
                      f"[{y['step']}, 20.0]")
    n = c["neighbourhood"]
    dwellings = n["residents"] / 2.3
    if dwellings < 10 * n["buurten"]:
        errors.append(
            f"neighbourhood.residents = {n['residents']}: too few for "
            f"{n['buurten']} buurten (need at least 10 dwellings per buurt)"
        )


def validate(cfg: Any) -> WijksimConfig:
    """Check a config (DictConfig, dict or WijksimConfig) and return it as typed dataclasses.

    Raises ``ConfigError`` whose message lists every problem, one per line, each naming the key,
    the value and what is allowed. Nothing is written before this passes.
    """
    if isinstance(cfg, WijksimConfig):
        raw = dataclasses.asdict(cfg)
    elif isinstance(cfg, DictConfig):
        try:
            raw = OmegaConf.to_container(cfg, resolve=True)
        except OmegaConfBaseException as exc:  # interpolation errors and the like
            raise ConfigError(f"config could not be resolved: {exc}") from None
    elif isinstance(cfg, dict):
        raw = cfg
    else:
        raise ConfigError(f"config must be a mapping, got {type(cfg).__name__}")
    # Start from the defaults so partial dicts (tests, notebooks) are allowed.
    full = dataclasses.asdict(WijksimConfig())
    errors: list[str] = []
    _check(WijksimConfig, raw, "", errors)
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
    _deep_update(full, {k: v for k, v in raw.items() if k not in _IGNORED_TOP})
    _cross_checks(full, errors)
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
    return _build(WijksimConfig, full)


def _deep_update(base: dict, upd: dict) -> None:
    for k, v in upd.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _deep_update(base[k], v)
        else:
            base[k] = v


def _build(dc_type: type, values: dict) -> Any:
    kwargs = {}
    for f in dataclasses.fields(dc_type):
        ftype = _hints(dc_type)[f.name]
        v = values[f.name]
        if dataclasses.is_dataclass(ftype):
            kwargs[f.name] = _build(ftype, v)
        elif ftype is float and v is not None:
            kwargs[f.name] = float(v)
        elif (ftype is int or int in getattr(ftype, "__args__", ())) and v is not None:
            kwargs[f.name] = int(v)
        else:
            kwargs[f.name] = v
    return dc_type(**kwargs)


def to_dict(cfg: WijksimConfig) -> dict:
    """Plain nested dict of a validated config (for manifests and hashing)."""
    return dataclasses.asdict(cfg)
