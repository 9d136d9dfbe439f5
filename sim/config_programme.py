"""Config schema of the programme: funding, street-level staff, politics, governance, service effects.

These are the levers of DESIGN.md §2.3 conditions 1-4 and 7. Rates are per year. Defaults describe a
wijk with regular provision only (no programme money); the ``scenario/`` presets set the programme.
Sources of the staffing figures are in ``sim.agents.professionals``; effect sizes are our estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.config_fields import _f

DOMAINS = ("clean_intact_safe", "school", "youth", "work", "housing", "enforcement")


@dataclass
class ProgrammeConfig:
    """The programme: horizon, initial budget mix, learning, visitations, relabelling."""

    enabled: bool = True
    start_year: float = _f(0.0, 0.0, 60.0, "years after the generation is tagged that the programme starts")
    horizon_years: float = _f(0.0, 0.0, 60.0, "programme length in years (0 = no programme)")
    visitation_interval_years: float = _f(0.0, 0.0, 30.0, "years between expert visitations (0 = none)")
    mix_clean_intact_safe: float = _f(1.0, 0.0, 100.0, "initial budget weight: clean/intact/safe")
    mix_school: float = _f(1.0, 0.0, 100.0, "initial budget weight: school")
    mix_youth: float = _f(1.0, 0.0, 100.0, "initial budget weight: youth work")
    mix_work: float = _f(1.0, 0.0, 100.0, "initial budget weight: work and income")
    mix_housing: float = _f(1.0, 0.0, 100.0, "initial budget weight: housing (landlord maintenance)")
    mix_enforcement: float = _f(1.0, 0.0, 100.0, "initial budget weight: enforcement (wijkagent)")
    staff_share: float = _f(0.7, 0.0, 1.0, "share of a domain's money spent on professionals")
    learning_rate: float = _f(0.3, 0.0, 5.0, "weight of a year's monitor reading in what is learned")
    learning_noise: float = _f(0.05, 0.0, 5.0,
                               "sd of the monitor's error on a domain indicator (share of its level)")
    observation_lag_years: float = _f(1.0, 0.0, 5.0, "years before the monitor shows the wijk's figures")
    visitation_weight: float = _f(1.0, 0.0, 20.0, "weight of a visitation's own reading")
    visitation_noise_share: float = _f(0.25, 0.0, 1.0, "a visitation's error relative to the monitor's")
    visitation_codifies: float = _f(1.0, 0.0, 1.0,
                                    "share of staff's tacit knowledge a visitation's report writes down")
    mix_adjust_rate: float = _f(0.4, 0.0, 5.0, "rate per year at which the mix follows what is learned")
    relabel_years: float = _f(0.5, 0.0, 2.0, "years of reduced effectiveness after a relabelling reset")
    relabel_effectiveness: float = _f(0.5, 0.0, 1.0, "effectiveness of programme staff while relabelling")
    trust_penalty: float = _f(0.08, 0.0, 1.0, "share of trust lost by residents at a reset (broken promises)")
    partner_share: float = _f(0.3, 0.0, 1.0,
                              "share of programme staff's effect that rests on partners' commitments")
    commitment_rebuild_rate: float = _f(0.25, 0.0, 5.0,
                                        "rate per year at which partners' broken commitment is rebuilt")
    initiative_support: float = _f(0.0, 0.0, 1.0, "attention and budget for residents' initiatives (0-1)")


@dataclass
class FundingConfig:
    """Money: a yearly budget with volatility, random cuts and a hard stop at the horizon."""

    annual_budget_per_resident: float = _f(0.0, 0.0, 100000.0,
                                           "programme budget, euro per resident per year (0 = none)")
    volatility: float = _f(0.0, 0.0, 2.0, "sd of the log of next year's budget around its level")
    cut_rate: float = _f(0.0, 0.0, 10.0, "rate per year of budget cuts")
    cut_size: float = _f(0.3, 0.0, 1.0, "share of the budget level a cut removes (for good)")
    fte_cost: float = _f(80000.0, 1000.0, 1e6, "yearly cost of one professional (FTE), euro")


@dataclass
class StaffingConfig:
    """Street-level professionals: turnover, rotation, vacancies, learning, support.

    ``turnover_rate``, ``first_year_multiplier``, ``rotation_years`` and ``support`` are programme
    levers: their values here act while the programme runs (on regular and programme posts);
    before and after it regular provision runs on their defaults, unless ``reform`` is true.
    """

    turnover_rate: float = _f(0.10, 0.0, 5.0, "rate per year at which a professional quits (after year 1)")
    first_year_multiplier: float = _f(2.0, 1.0, 10.0, "quit-rate multiplier in a professional's first year")
    rotation_years: float = _f(0.0, 0.0, 30.0, "job rotation after this many years in a post (0 = none)")
    vacancy_months: float = _f(3.0, 0.0, 60.0, "mean months to fill a vacancy (national)")
    deprived_vacancy_multiplier: float = _f(2.0, 1.0, 10.0, "vacancies last this much longer in the wijk")
    learning_years: float = _f(2.0, 0.05, 20.0, "time constant (years) of a newcomer's local knowledge")
    relationship_years: float = _f(3.0, 0.05, 20.0, "time constant (years) of relationships with residents")
    overload_quit_effect: float = _f(0.7, 0.0, 5.0, "log quit-rate per unit of load above 1")
    overload_quality_effect: float = _f(0.8, 0.0, 5.0, "loss of contact quality per unit of load above 1")
    support: float = _f(0.0, 0.0, 1.0, "facilitation of professionals (time, means): halves overload at 1")
    police_capacity: float = _f(1.0, 0.1, 10.0, "regular wijkagent posts relative to the norm-based level")
    reform: bool = _f(False, doc="turnover, first-year multiplier, rotation and support outlive the "
                      "programme: a lasting reform of regular provision from programme.start_year on")


@dataclass
class PoliticsConfig:
    """Municipal elections and national cabinet changes that may reset the programme."""

    election_interval_years: float = _f(4.0, 0.0, 20.0, "years between municipal elections (0 = none)")
    cabinet_change_rate: float = _f(0.35, 0.0, 10.0, "rate per year of cabinet changes")
    reset_probability: float = _f(0.6, 0.0, 1.0, "chance a political event resets an uninsulated programme")
    budget_shock: float = _f(0.25, 0.0, 1.0, "share of the budget level a reset removes")
    reassign_share: float = _f(0.3, 0.0, 1.0, "share of programme professionals reassigned at a reset")
    reorganise_share: float = _f(0.3, 0.0, 1.0,
                                 "share of the budget mix a reset re-plans to new political priorities")
    memory_loss: float = _f(0.5, 0.0, 1.0, "share of what the programme learned that a reset loses")
    commitment_loss: float = _f(0.5, 0.0, 1.0, "share of partners' commitment a reset breaks")


@dataclass
class GovernanceConfig:
    """Governance: a network organisation insulates the programme from political turnover.

    ``insulation`` lowers the chance that a political event resets the programme at all;
    ``commitments_kept`` is what a network of partners adds when a reset does happen: partners keep
    their commitments and the agreed plan, so only the municipality's own part is reset.
    """

    insulation: float = _f(0.1, 0.0, 1.0, "insulation from politics (0 municipality-led, 1 network)")
    commitments_kept: float = _f(0.0, 0.0, 1.0,
                                 "share of partners' commitments and plan that survive a reset")


@dataclass
class ServicesConfig:
    """Effect sizes of street-level services on residents and buurten (all our estimates)."""

    clean_disorder_effect: float = _f(0.25, 0.0, 1.0, "physical disorder removed at full clean/intact/safe")
    school_quality_effect: float = _f(0.06, 0.0, 1.0, "school quality added at full school service")
    youth_offending_effect: float = _f(0.6, 0.0, 5.0, "log offending rate removed at full youth service")
    youth_attainment_effect: float = _f(0.12, 0.0, 3.0, "attainment (sd) per year of full youth service")
    enforcement_offending_effect: float = _f(0.6, 0.0, 5.0, "log offending rate removed at full policing")
    work_effect: float = _f(0.5, 0.0, 5.0, "log job-finding rate added at full work service")
    housing_maintenance_effect: float = _f(0.06, 0.0, 1.0, "dwelling quality restored per year, full housing")
    contact_trust_effect: float = _f(0.25, 0.0, 2.0, "trust target per unit of familiar-professional contact")
    results_trust_effect: float = _f(1.5, 0.0, 10.0, "trust target per unit of liveability gained in a year")
