"""Config schema of subversive crime, slumlords and resident initiatives (docs/model.md, 5-6).

All sizes are our estimates unless ``docs/model.md`` gives a source. Rates are per year.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.config_fields import _f


@dataclass
class NetworksConfig:
    """Criminal (drug) networks recruiting youths in the wijk."""

    initial_networks: int = _f(2, 0, 20, "networks active at the start")
    initial_members: int = _f(12, 1, 200,
                              "members per network at the start, per buurt of 1,875 residents (2 leaders)")
    recruit_capacity: float = _f(8.0, 0.0, 100.0,
                                 "recruits a network can take on per year, per buurt of 1,875 residents")
    wage_offer: float = _f(1.0, 0.0, 5.0, "attraction of the network's money and status (log-rate units)")
    join_base: float = _f(-3.0, -10.0, 5.0, "log joining rate per year for a median youth, nothing else")
    legit_prospects_effect: float = _f(1.0, 0.0, 5.0, "log-rate per sd of legit prospects")
    peer_effect: float = _f(4.0, 0.0, 20.0, "log-rate per unit share of members among the youths")
    family_effect: float = _f(1.5, 0.0, 5.0, "log-rate if a household member is in a network")
    trust_protection: float = _f(2.0, 0.0, 10.0, "log-rate per unit of trust above 0.5 (protective)")
    prevention_effect: float = _f(2.0, 0.0, 10.0, "log-rate per unit of youth work above regular")
    sanction_effect: float = _f(2.0, 0.0, 10.0, "log-rate per unit of expected sanction")
    arrest_rate: float = _f(0.6, 0.0, 10.0, "arrests per member per year at full policing and reporting")
    quit_rate: float = _f(0.25, 0.0, 10.0, "members leaving a network of their own accord per year")
    abandon_years: float = _f(1.0, 0.0, 20.0,
                              "years a network without members in the wijk keeps recruiting "
                              "before it gives up its territory (est.)")
    age_out: float = _f(30.0, 18.0, 60.0, "runners leave networks at this age")
    dealing_scale: float = _f(4.0, 0.1, 100.0, "runners per 1000 residents that count as open dealing = 1")
    dealing_disorder_effect: float = _f(0.3, 0.0, 1.0, "social disorder added by open dealing")
    dealing_riser_effect: float = _f(0.8, 0.0, 5.0, "log move rate added for risers by open dealing")
    member_offending_effect: float = _f(1.5, 0.0, 5.0, "log registration rate added for network members")
    expand_members_per_buurt: float = _f(20.0, 1.0, 1000.0,
                                         "members per buurt (of 1,875 residents) above which "
                                         "a network takes another")
    founding_rate: float = _f(0.05, 0.0, 5.0, "rate per year at which a new network settles in the wijk")
    max_networks: int = _f(3, 0, 50, "most networks the wijk's market sustains")


@dataclass
class SlumlordsConfig:
    """Slumlords (huisjesmelkers): neglect and illegal subletting; inspections and fines.

    ``inspection_rate`` is a programme lever: it acts while the programme runs; before and after
    it inspections run at its default (0.1), unless ``reform`` is true.
    """

    share_of_private: float = _f(0.2, 0.0, 1.0, "share of private rental dwellings owned by slumlords")
    landlords: int = _f(3, 1, 100, "number of slumlords")
    maintenance: float = _f(0.01, 0.0, 1.0, "quality a slumlord restores per year")
    applicant_rank_offset: float = _f(-6.0, -50.0, 50.0,
                                      "slumlords' applicants vs the corporation's (rank points)")
    sublet_rate: float = _f(0.4, 0.0, 10.0, "rate per year at which a tolerated dwelling is sublet")
    tolerance: float = _f(0.8, 0.0, 1.0, "initial tolerance of illegal subletting")
    lodgers: int = _f(3, 0, 10, "extra adults housed in a sublet dwelling (overcrowding)")
    transience_multiplier: float = _f(3.0, 1.0, 20.0, "moving rate of sublet households vs others")
    inspection_rate: float = _f(0.1, 0.0, 20.0, "municipal inspections per slumlord dwelling per year")
    programme_inspection_rate: float = _f(1.0, 0.0, 20.0, "extra inspections at full programme housing")
    detection: float = _f(0.7, 0.0, 1.0, "chance an inspection detects subletting")
    fine_deterrence: float = _f(0.3, 0.0, 1.0, "share of tolerance a fine removes")
    tolerance_recovery: float = _f(0.1, 0.0, 5.0, "rate per year at which tolerance creeps back")
    efficacy_effect: float = _f(0.3, 0.0, 2.0, "collective efficacy lost per unit share of sublet dwellings")
    reform: bool = _f(False, doc="inspection_rate outlives the programme: a lasting reform of "
                      "municipal inspections from programme.start_year on")


@dataclass
class InitiativesConfig:
    """Active residents and their initiatives (attention to what goes well)."""

    start_rate: float = _f(0.002, 0.0, 1.0, "initiatives started per adult per year at median conditions")
    trust_effect: float = _f(3.0, 0.0, 10.0, "log start rate per unit of trust above 0.45")
    attachment_effect: float = _f(0.08, 0.0, 1.0, "log start rate per year lived in the dwelling (max 15)")
    safety_effect: float = _f(1.5, 0.0, 10.0, "log start rate per unit of crime (negative) and disorder")
    facilitation_effect: float = _f(1.0, 0.0, 10.0, "log start rate at full facilitation")
    participants: int = _f(8, 1, 100, "residents taking part in an initiative")
    death_rate: float = _f(0.5, 0.0, 10.0, "rate per year an unsupported initiative ends")
    support_protection: float = _f(0.8, 0.0, 1.0, "share of the death rate support removes at full support")
    efficacy_effect: float = _f(0.01, 0.0, 1.0, "collective efficacy per initiative per 1000 residents")
    disorder_effect: float = _f(0.005, 0.0, 1.0, "physical disorder removed per initiative per 1000")
