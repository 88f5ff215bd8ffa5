"""The infusion-session state machine: states, guarded transitions and the pre-dose BP rule.

``scheduled → checked_in → ready → infusing ⇄ paused → recovery → discharged``, plus ``cancelled``
and ``no_show`` before dosing and ``stopped`` (dosing ended early for safety). A stopped session
still goes through recovery and the discharge criteria: a patient is never left unattended
(seed 000 step 4; clinical.md §4.6).

:data:`TRANSITIONS` is the table (docs render Mermaid from it); :data:`GUARDS` lists, per guard
label, the checks that must all pass. :func:`transition` raises
:class:`~ketaclinic.domain.errors.InvalidTransition` with every failed check. The service gathers
the :class:`SessionFacts` (all of them default to "not done", so a missing fact fails closed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ketaclinic.domain.errors import InvalidTransition
from ketaclinic.domain.protocols.sections import ContraindicationRule, Monitoring, Route, Severity


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    CHECKED_IN = "checked_in"
    READY = "ready"
    INFUSING = "infusing"  # dosing, whatever the route
    PAUSED = "paused"
    RECOVERY = "recovery"
    DISCHARGED = "discharged"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    STOPPED = "stopped"  # dosing ended early for safety


_STATE_WORDS = {"checked_in": "checked in", "no_show": "no-show", "infusing": "dosing"}


def state_words(state: str) -> str:
    """A state as plain words for a refusal: ``checked_in`` -> ``checked in``."""
    return _STATE_WORDS.get(str(state), str(state).replace("_", " "))


#: Where a patient whose visit is open stands, as the front desk and nurses say it.
_VISIT_WORDS = {
    "scheduled": "arrived and waiting for the nurse's check-in",
    "checked_in": "checked in",
    "ready": "ready to dose",
    "infusing": "dosing",
    "paused": "dosing, paused",
    "recovery": "in recovery",
}


def visit_words(state: str) -> str:
    """Where the patient of an open visit stands: ``scheduled`` (opened on arrival) ->
    ``arrived and waiting for the nurse's check-in``, ``ready`` -> ``ready to dose``."""
    return _VISIT_WORDS.get(str(state), state_words(state))


#: (from, to, guard label). The one source of truth for the diagram and for :func:`transition`.
TRANSITIONS: tuple[tuple[str, str, str], ...] = (
    ("scheduled", "checked_in", "check_in_complete"),
    ("scheduled", "cancelled", "reason_given"),
    ("scheduled", "no_show", "reason_given"),
    ("checked_in", "ready", "pre_dose_checklist_complete"),
    ("checked_in", "cancelled", "reason_given"),
    ("ready", "infusing", "dosing_may_start"),
    ("ready", "cancelled", "reason_given"),
    ("infusing", "paused", "reason_given"),
    ("paused", "infusing", "resume_cleared"),
    ("infusing", "recovery", "dosing_ended"),
    ("infusing", "stopped", "reason_given"),
    ("paused", "stopped", "reason_given"),
    ("stopped", "recovery", "attended_recovery"),
    ("recovery", "discharged", "discharge_criteria_met"),
)

TERMINAL = frozenset({SessionState.DISCHARGED, SessionState.CANCELLED, SessionState.NO_SHOW})


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What the service knows when a transition is asked for. Defaults fail closed."""

    identity_confirmed: bool = False
    escort_named: bool = False
    escort_reachable: bool = False
    fasting_confirmed: bool = False
    pregnancy_test_required: bool = True
    pregnancy_test_negative: bool = False
    checkin_reviewed: bool = False  # the between-session check-in was reviewed
    open_safety_gates: tuple[str, ...] = ()  # reason of each open gate
    predose_hold: tuple[str, ...] = ()  # from :func:`predose_bp_hold`
    predose_vitals_hold: tuple[str, ...] = ()  # pre-dose hold rules (SpO2, HR) tripped
    predose_hard_stop: tuple[str, ...] = ()  # from :func:`predose_bp_hard_stop`: never overridden
    predose_bp_decided_by: str = ""  # the signed-in prescriber who decided to proceed (record)
    baseline_vitals_recorded: bool = False
    symptom_check_done: bool = False
    premedication_required: bool = True
    premedication_recorded: bool = False  # drug, dose, route, time, lot, who
    route: Route | None = None
    iv_placement_recorded: bool = False  # site, gauge, attempts, who
    verified_order: bool = False
    attendant_present: bool = False
    prescriber_on_site_by: str = ""  # the physician or APP named on site (checked by role)
    reason: str = ""  # for cancel, no-show, pause and stop
    resume_approved_by: str = ""  # signed-in prescriber whose approval of this pause is recorded
    unacknowledged_alarms: tuple[str, ...] = ()
    open_stop_alarms: tuple[str, ...] = ()
    dosing_end_recorded: bool = False
    discharge_unmet: tuple[str, ...] | None = None  # None = criteria not evaluated


@dataclass(frozen=True, slots=True)
class GuardCheck:
    """One check of a guard: ``failed`` returns the reasons it fails (empty when it passes)."""

    id: str
    failed: Callable[[SessionFacts], tuple[str, ...]]


def _require(check_id: str, message: str, test: Callable[[SessionFacts], bool]) -> GuardCheck:
    return GuardCheck(check_id, lambda f: () if test(f) else (f"{check_id}: {message}",))


def _each(check_id: str, items: Callable[[SessionFacts], tuple[str, ...]]) -> GuardCheck:
    return GuardCheck(check_id, lambda f: tuple(f"{check_id}: {item}" for item in items(f)))


def _each_alarm(check_id: str, items: Callable[[SessionFacts], tuple[str, ...]]) -> GuardCheck:
    """One reason per alarm: an item ``rule: words`` reads ``check[rule]: words``, so the words
    are shown and the check and the alarm's rule sit behind them together."""

    def reason(item: str) -> str:
        rule, sep, words = item.partition(": ")
        return f"{check_id}[{rule}]: {words}" if sep else f"{check_id}: {item}"

    return GuardCheck(check_id, lambda f: tuple(reason(item) for item in items(f)))


_SAFETY_GATES = _each("safety_gates_clear", lambda f: f.open_safety_gates)
_REASON = _require("reason_given", "a reason is required", lambda f: bool(f.reason.strip()))
_ATTENDANT = _require("attendant_present", "no attendant recorded", lambda f: f.attendant_present)


def _predose_bp(f: SessionFacts) -> tuple[str, ...]:
    """A BP at or above the hold passes only with a decision to proceed recorded by a signed-in
    prescriber (physician or APP) after the recheck; never text typed on the checklist. Above
    the hard-stop limit no decision is asked for (:func:`_predose_hard_stop` alone speaks)."""
    if f.predose_hold and not f.predose_hard_stop and not f.predose_bp_decided_by.strip():
        return tuple(
            f"predose_bp: {reason}; recheck done, a prescriber (physician or APP) must decide"
            for reason in f.predose_hold
        )
    return ()


def _predose_hard_stop(f: SessionFacts) -> tuple[str, ...]:
    """A BP above the protocol's hard-stop limit: no start, by anyone (no override exists)."""
    return tuple(
        f"predose_bp_hard_stop: {reason}; hard stop, no dose today"
        for reason in f.predose_hard_stop
    )


#: Guard label -> the checks that must all pass (clinical.md §4).
GUARDS: dict[str, tuple[GuardCheck, ...]] = {
    "check_in_complete": (
        _require("identity_confirmed", "identity not confirmed", lambda f: f.identity_confirmed),
        _require("escort_named", "no escort named for discharge", lambda f: f.escort_named),
        _require(
            "escort_reachable", "escort not confirmed reachable", lambda f: f.escort_reachable
        ),
        _require(
            "fasting_confirmed", "fasting status not confirmed", lambda f: f.fasting_confirmed
        ),
        _require(
            "pregnancy_test",
            "negative pregnancy test required by the protocol is missing",
            lambda f: not f.pregnancy_test_required or f.pregnancy_test_negative,
        ),
        _require(
            "checkin_reviewed",
            "between-session check-in not reviewed",
            lambda f: f.checkin_reviewed,
        ),
        _SAFETY_GATES,
    ),
    "pre_dose_checklist_complete": (
        _require(
            "baseline_vitals", "baseline vitals not recorded", lambda f: f.baseline_vitals_recorded
        ),
        GuardCheck("predose_bp_hard_stop", _predose_hard_stop),
        GuardCheck("predose_bp", _predose_bp),
        _each("predose_vitals", lambda f: f.predose_vitals_hold),
        _require("symptom_check", "symptom check not done", lambda f: f.symptom_check_done),
        _require(
            "premedication",
            "premedication not recorded (drug, dose, route, time, lot)",
            lambda f: not f.premedication_required or f.premedication_recorded,
        ),
        _require(
            "iv_placement",
            "IV placement not recorded (site, gauge, attempts, who)",
            lambda f: f.route is not Route.IV or f.iv_placement_recorded,
        ),
        _require("route_known", "route of administration unknown", lambda f: f.route is not None),
        _require("verified_order", "no verified dose order", lambda f: f.verified_order),
        _SAFETY_GATES,
    ),
    "dosing_may_start": (
        GuardCheck("predose_bp_hard_stop", _predose_hard_stop),
        _require("verified_order", "no verified dose order", lambda f: f.verified_order),
        _ATTENDANT,
        _require(
            "prescriber_on_site",
            "no prescriber (physician or APP) of this clinic named as on site",
            lambda f: bool(f.prescriber_on_site_by.strip()),
        ),
        _SAFETY_GATES,
    ),
    "reason_given": (_REASON,),
    "resume_cleared": (
        _REASON,
        _require(
            "resume_approved",
            "a signed-in prescriber (physician or APP) must approve resuming after this pause",
            lambda f: bool(f.resume_approved_by.strip()),
        ),
        _each_alarm("alarms_acknowledged", lambda f: f.unacknowledged_alarms),
        _each_alarm("no_stop_alarm", lambda f: f.open_stop_alarms),
        _SAFETY_GATES,
    ),
    "dosing_ended": (
        _require(
            "dosing_end_recorded", "end of dosing not recorded", lambda f: f.dosing_end_recorded
        ),
    ),
    "attended_recovery": (_ATTENDANT,),
    "discharge_criteria_met": (
        _require(
            "discharge_evaluated",
            "discharge criteria not evaluated",
            lambda f: f.discharge_unmet is not None,
        ),
        _each("discharge_criteria", lambda f: f.discharge_unmet or ()),
    ),
}


def allowed_targets(state: SessionState) -> tuple[SessionState, ...]:
    """States reachable from ``state`` in one step (guards not evaluated)."""
    return tuple(SessionState(to) for frm, to, _ in TRANSITIONS if frm == state)


def guard_failures(state: SessionState, to: SessionState, facts: SessionFacts) -> tuple[str, ...]:
    """Every failed check of the guard on ``state -> to`` (empty when it may proceed).

    Raises InvalidTransition when the table has no such transition.
    """
    label = next((g for frm, dst, g in TRANSITIONS if frm == state and dst == to), None)
    if label is None:
        raise InvalidTransition(
            f"a session cannot go from {state} to {to}",
            reasons=(f"allowed from {state}: {', '.join(allowed_targets(state)) or 'none'}",),
            field="state",
        )
    return tuple(reason for check in GUARDS[label] for reason in check.failed(facts))


def transition(state: SessionState, to: SessionState, facts: SessionFacts) -> SessionState:
    """Return ``to`` when the transition exists and its guard passes; else raise with every reason.

    Contract: pure; raises :class:`InvalidTransition` (field ``state``) listing each failed check
    as ``"<check id>: <reason>"``. Sources: seed 000 steps 4-5, clinical.md §4, DESIGN lifecycles.
    """
    failures = guard_failures(state, to, facts)
    if failures:
        raise InvalidTransition(
            f"The session cannot move from {state_words(state)} to {state_words(to)} yet",
            reasons=failures,
            field="state",
        )
    return to


@dataclass(frozen=True, slots=True)
class PredoseHold:
    """Reasons the pre-dose BP is at or above the protocol's hold threshold (empty = none)."""

    reasons: tuple[str, ...]
    source: str

    @property
    def held(self) -> bool:
        return bool(self.reasons)


def predose_bp_hold(sbp_mmhg: Decimal, dbp_mmhg: Decimal, monitoring: Monitoring) -> PredoseHold:
    """Pre-dose BP hold: SBP >= ``predose_hold_sbp_mmhg`` or DBP >= ``predose_hold_dbp_mmhg``.

    Units mmHg. Default thresholds 180/110 are clinical.md §4.3's suggested (UNCONFIRMED,
    needs_signoff) rule: hold, recheck in 5-10 min, then a prescriber decides.
    """
    reasons: list[str] = []
    if sbp_mmhg >= monitoring.predose_hold_sbp_mmhg:
        reasons.append(
            f"systolic {sbp_mmhg} mmHg is at or above the hold of "
            f"{monitoring.predose_hold_sbp_mmhg} mmHg"
        )
    if dbp_mmhg >= monitoring.predose_hold_dbp_mmhg:
        reasons.append(
            f"diastolic {dbp_mmhg} mmHg is at or above the hold of "
            f"{monitoring.predose_hold_dbp_mmhg} mmHg"
        )
    source = monitoring.sources.get("predose_hold_sbp_mmhg")
    return PredoseHold(tuple(reasons), source.key if source else "clinical.md §4.3")


#: The eligibility predicate whose hard-stop rule is also the infusion-day BP hard stop.
BP_HARD_STOP_CONDITION = "uncontrolled_hypertension"


def predose_bp_hard_stop(
    sbp_mmhg: Decimal, dbp_mmhg: Decimal, rules: tuple[ContraindicationRule, ...]
) -> PredoseHold:
    """Pre-dose BP above the protocol's hard-stop limit: the same rule as eligibility.

    The limit is the pack's ``uncontrolled_hypertension`` contraindication with severity
    ``hard_stop`` (clinical.md §1.2, Swiss label: resting BP above 180/100 contraindicated);
    strictly greater than ``sbp_mmhg`` or ``dbp_mmhg`` in mmHg, as eligibility reads it. No role
    can override it. A pack without such a rule has no infusion-day hard stop beyond the hold.
    """
    reasons: list[str] = []
    sources: list[str] = []
    for rule in rules:
        if rule.condition != BP_HARD_STOP_CONDITION or rule.severity is not Severity.HARD_STOP:
            continue
        sbp_limit, dbp_limit = rule.params.get("sbp_mmhg"), rule.params.get("dbp_mmhg")
        over = [
            f"{name} {value} mmHg is above the hard-stop limit of {limit} mmHg"
            for name, value, limit in (
                ("systolic", sbp_mmhg, sbp_limit),
                ("diastolic", dbp_mmhg, dbp_limit),
            )
            if limit is not None and value > limit
        ]
        if over:
            reasons.extend(over)
            sources.append(f"{rule.source}, rule {rule.id}")
    return PredoseHold(tuple(reasons), "; ".join(sources) or "clinical.md §1.2")


def to_mermaid() -> str:
    """The state diagram as Mermaid ``stateDiagram-v2`` text, generated from :data:`TRANSITIONS`."""
    lines = ["stateDiagram-v2", "    [*] --> scheduled"]
    lines += [f"    {frm} --> {to}: {guard}" for frm, to, guard in TRANSITIONS]
    lines += [f"    {state} --> [*]" for state in sorted(TERMINAL)]
    return "\n".join(lines)
