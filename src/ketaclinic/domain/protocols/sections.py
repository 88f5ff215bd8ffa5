"""The typed sections of a clinic protocol.

A protocol pack (``src/ketaclinic/protocols/<id>.yaml``) is parsed at the edge into these frozen
structures. Every number carries an explicit unit in its field name (``_mg_per_kg``, ``_min``,
``_mmhg``...). Where a numeric default comes from the clinical reference the pack records
its source key in :attr:`Sourced.sources`, and defaults marked UNCONFIRMED there are listed in
:attr:`Sourced.needs_signoff` so that a physician must confirm or change them before first use.

This module is the contract between the protocol loader and every rule that consumes a protocol
(eligibility, dosing, series, vitals, discharge, reassessment). It is pure: stdlib only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Route(StrEnum):
    """Routes of ketamine administration the packs may use."""

    IV = "iv"
    IM = "im"
    IN = "in"  # intranasal
    SL = "sl"  # sublingual


class Severity(StrEnum):
    """How a contraindication finding weighs on the eligibility decision."""

    HARD_STOP = "hard_stop"  # cannot be overridden by anyone
    RELATIVE = "relative"  # needs an override by the named role with a written reason
    CAUTION = "caution"  # shown and acknowledged, never blocks


class WeightBasis(StrEnum):
    """Which body weight a mg/kg dose is multiplied by."""

    ACTUAL = "actual"
    IDEAL = "ideal"  # Devine ideal body weight
    ADJUSTED = "adjusted"  # IBW + factor x (actual - IBW)
    CLINICIAN = "clinician"  # chosen by the prescriber for one order, with a reason (never a pack)


class Comparison(StrEnum):
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="


class AlertAction(StrEnum):
    """What an alert rule asks the team to do when it fires."""

    NOTIFY = "notify"
    PAUSE = "pause"  # pause the infusion and notify the prescriber
    STOP = "stop"  # stop dosing
    HOLD = "hold"  # pre-dose: do not start dosing; recheck (the session cannot become ready)
    CHECK_SENSOR = "check_sensor"  # technical: check the probe, cuff or leads; not a patient value


class AlertSeverity(StrEnum):
    """Alarm priority in the style of IEC 60601-1-8: high = immediate response, medium = prompt
    response, low = awareness."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AlertKind(StrEnum):
    """What an alert rule watches.

    ``threshold`` (physiological): readings compare true against the threshold. ``signal_lost``
    (technical): the newest reading of the parameter is a probe-off or sentinel value, not a
    patient measurement. ``data_missing`` (technical): no patient reading of the parameter for
    more than ``threshold`` seconds as of the evaluation time.
    """

    THRESHOLD = "threshold"
    SIGNAL_LOST = "signal_lost"
    DATA_MISSING = "data_missing"


class MonitoringPhase(StrEnum):
    """The part of a session a rule applies to (a session's state maps onto one of these)."""

    PRE_DOSE = "pre_dose"  # checked in, before dosing starts
    INFUSING = "infusing"  # dosing (infusing or paused)
    RECOVERY = "recovery"  # after dosing (ended or stopped early), until discharge


ALL_PHASES: tuple[MonitoringPhase, ...] = tuple(MonitoringPhase)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a default came from: a source key of ``clinical.md`` and whether it is UNCONFIRMED."""

    key: str
    needs_signoff: bool = False


@dataclass(frozen=True, slots=True)
class Sourced:
    """Mixin data for a section: field name -> source of its default."""

    sources: dict[str, SourceRef] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AgeRange:
    """Inclusive age bounds in whole years."""

    min_years: int
    max_years: int

    def contains(self, age_years: int) -> bool:
        return self.min_years <= age_years <= self.max_years


@dataclass(frozen=True, slots=True)
class Population:
    age: AgeRange
    conditions: tuple[str, ...]
    sources: dict[str, SourceRef] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RequiredTest:
    """A test required at evaluation, e.g. a pregnancy test for people who can become pregnant."""

    id: str
    title: str
    applies_to: str = "all"  # "all" or "can_become_pregnant"
    max_age_days: int = 30


@dataclass(frozen=True, slots=True)
class Evaluation:
    baseline_instruments: tuple[str, ...]
    required_tests: tuple[RequiredTest, ...]
    contraindication_rule_set: str
    max_weight_age_days: int
    sources: dict[str, SourceRef] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ContraindicationRule:
    """One rule of the contraindication set.

    ``condition`` is the id of a predicate known to ``domain.evaluation.eligibility`` (for example
    ``uncontrolled_hypertension``) and ``params`` its numeric parameters (for example
    ``{"sbp_mmhg": 160, "dbp_mmhg": 100}``).
    """

    id: str
    condition: str
    severity: Severity
    override_role: str | None
    source: str
    title: str = ""
    params: dict[str, Decimal] = field(default_factory=dict)
    needs_signoff: bool = False


@dataclass(frozen=True, slots=True)
class ConsentDocument:
    id: str
    version: str
    title: str
    signer: str  # "patient", "guardian" (permission) or "assent" (the minor's own assent)
    witness_required: bool = False


@dataclass(frozen=True, slots=True)
class Consent:
    documents: tuple[ConsentDocument, ...]
    guardian_permission_below_age: int  # guardian permission + assent required below this age
    sources: dict[str, SourceRef] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RouteDosing:
    """Dosing parameters for one route.

    Exactly one of ``start_mg_per_kg`` or ``start_fixed_mg`` is set. Ceilings always apply;
    ``max_mg_per_kg_per_h`` is the pump limit for IV plans.
    """

    route: Route
    start_mg_per_kg: Decimal | None
    start_fixed_mg: Decimal | None
    duration_min: int
    weight_basis: WeightBasis
    adjusted_above_bmi: Decimal | None  # use weight_basis only above this BMI; actual below
    adjusted_weight_factor: Decimal
    titration_step_mg_per_kg: Decimal | None
    titration_step_mg: Decimal | None
    max_mg_per_kg: Decimal
    max_mg: Decimal
    rounding_mg: Decimal
    concentrations_mg_per_ml: tuple[Decimal, ...]
    max_mg_per_kg_per_h: Decimal | None = None
    max_rate_ml_per_h: Decimal | None = None
    sources: dict[str, SourceRef] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Premedication:
    drug: str
    dose_mg: Decimal
    route: str
    optional: bool = True
    source: str = ""
    needs_signoff: bool = False


@dataclass(frozen=True, slots=True)
class TitrationRules:
    """Thresholds the between-session recommendation uses (all defaults need sign-off)."""

    excessive_cadss6_total: int
    insufficient_cadss6_total: int
    step_up_after_session: int
    no_response_pct_drop_below: Decimal
    min_sleep_hours: Decimal
    sources: dict[str, SourceRef] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Dosing:
    """``rescue``: the standing rescue (PRN) drugs a nurse may give during a session without a
    per-session order, signed off with the protocol (each flagged ``needs_signoff`` while its
    dose is UNCONFIRMED); any other rescue drug needs a prescriber's order."""

    routes: dict[Route, RouteDosing]
    premedications: tuple[Premedication, ...]
    titration: TitrationRules
    rescue: tuple[Premedication, ...] = ()


@dataclass(frozen=True, slots=True)
class Series:
    sessions: int
    window_min_days: int
    window_max_days: int
    min_hours_between: int
    preferred_weekdays: tuple[int, ...]  # 0 = Monday
    session_minutes: int  # pre-checks + dosing + recovery minimum, chair time
    sources: dict[str, SourceRef] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AlertRule:
    """A server-side alarm rule on one vital-sign parameter.

    A ``threshold`` rule fires when ``consecutive`` readings of ``parameter`` compare true against
    ``threshold``, the first and last of them at least ``span_min`` minutes apart (0 = any
    spacing); ``consecutive: 1`` fires at once on a single reading. A ``signal_lost`` rule fires
    when the newest reading is a probe-off or sentinel value; a ``data_missing`` rule when no
    patient reading of the parameter arrived for more than ``threshold`` seconds (unit ``s``).
    Rules on ``hr`` read the oximeter's pulse rate when no ECG heart rate is present. ``severity``
    is the alarm priority; ``phases`` the parts of the session the rule applies to.
    """

    id: str
    parameter: str  # sbp, dbp, hr, spo2, rr, map, overdue
    comparison: Comparison
    threshold: Decimal
    unit: str
    consecutive: int
    span_min: int
    severity: AlertSeverity
    action: AlertAction
    source: str
    needs_signoff: bool = False
    kind: AlertKind = AlertKind.THRESHOLD
    phases: tuple[MonitoringPhase, ...] = ALL_PHASES


@dataclass(frozen=True, slots=True)
class ScaleSchedule:
    """When a scale is due; ``routes``: the routes whose time course it follows (empty: every
    route), one entry per route where they peak at different times (IV, SL, IN, IM)."""

    instrument: str  # cadss6, cadss, mobility/sedation scale id
    at_minutes: tuple[int, ...]  # minutes from start of dosing
    routes: tuple[Route, ...] = ()
    source: str = ""
    needs_signoff: bool = False

    def applies_to(self, route: Route | None) -> bool:  # None: route not known yet
        return not self.routes or (route is not None and route in self.routes)


@dataclass(frozen=True, slots=True)
class Monitoring:
    vitals_every_min: int
    recovery_vitals_every_min: int
    alert_rules: tuple[AlertRule, ...]
    scales: tuple[ScaleSchedule, ...]
    predose_hold_sbp_mmhg: Decimal
    predose_hold_dbp_mmhg: Decimal
    sources: dict[str, SourceRef] = field(default_factory=dict)
    # instruments given at every visit before anything else (e.g. C-SSRS in the adolescent pack)
    every_visit_instruments: tuple[str, ...] = ()
    # parameters monitored continuously while dosing and in recovery: each needs a data_missing
    # and a signal_lost rule (clinical.md §4.1: continuous SpO2 during IV infusion, HR)
    continuous_parameters: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Discharge:
    min_observation_min: int
    aldrete_min_score: int
    escort_required: bool
    safety_flags_resolved: bool
    sources: dict[str, SourceRef] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutcomeDefinition:
    """Response definitions on one instrument, as fractions of the baseline and absolute scores."""

    instrument: str
    response_pct_drop: Decimal  # e.g. 50
    partial_response_pct_drop: Decimal  # e.g. 25
    remission_max_score: int  # e.g. PHQ-9 <= 4 -> remission when score < 5
    source: str
    needs_signoff: bool = False

    def classifiable_from(self, baseline: int) -> bool:
        """Remission and response can be judged only from a baseline at or above the remission
        threshold (``remission_max_score + 1``): a course that starts in the remission range
        cannot reach remission, and a percent drop from it says nothing about response."""
        return baseline > self.remission_max_score


BASELINE_BELOW_REMISSION = (
    "baseline already below the remission threshold: remission does not apply"
)


@dataclass(frozen=True, slots=True)
class Reassessment:
    after_sessions: tuple[int, ...]
    followup_days: int
    instruments: tuple[str, ...]
    primary_instrument: str
    outcomes: tuple[OutcomeDefinition, ...]
    futility_review_after_session: int
    futility_pct_drop_below: Decimal
    sources: dict[str, SourceRef] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RelapseRule:
    instrument: str
    threshold: int
    consecutive: int
    min_gap_days: int
    after: str  # "remission" or "response"
    source: str
    needs_signoff: bool = False
    response_pct_drop: int | None = None
    """With it set, a score counts only once the response is lost too: it is less than this
    percentage below the course's baseline of the rule's instrument (clinical.md §9.1 response
    = >= 50 % drop). A responder sitting at 11 of a baseline 24 has not relapsed at PHQ-9 >= 10."""


@dataclass(frozen=True, slots=True)
class Maintenance:
    booster_intervals_days: tuple[
        int, ...
    ]  # e.g. (7, 7, 7, 7, 14, 28) widening while response holds
    relapse_watch_instrument: str
    relapse_watch_every_days: int
    relapse_rules: tuple[RelapseRule, ...]
    sources: dict[str, SourceRef] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IntegrationDomain:
    id: str
    title: str
    practices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Integration:
    framework: str  # "ROOT", "KAT", "family"
    domains: tuple[IntegrationDomain, ...]
    preparatory_sessions_min: int
    integration_after_each_session: bool
    family_sessions: bool
    attendant_roles: tuple[str, ...]
