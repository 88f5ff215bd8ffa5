"""The treatment-course state machine (DESIGN.md "The lifecycles").

``referred → evaluating → eligible | ineligible → consented → induction → reassessment →
maintenance | completed | discontinued``. Transitions and their guards are data:
:data:`TRANSITIONS` lists ``(from, to, guard label)`` string tuples (docs render Mermaid from it)
and :data:`GUARDS` holds each guard's check over :class:`CourseFacts`. The service layer gathers
the facts and calls :func:`transition`, which refuses with every failed guard's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from ketaclinic.domain.consent.signatures import ConsentStatus
from ketaclinic.domain.errors import InvalidTransition
from ketaclinic.domain.evaluation.eligibility.signoff import SignedDecision


class CourseState(StrEnum):
    REFERRED = "referred"
    EVALUATING = "evaluating"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    CONSENTED = "consented"
    INDUCTION = "induction"
    REASSESSMENT = "reassessment"
    MAINTENANCE = "maintenance"
    COMPLETED = "completed"
    DISCONTINUED = "discontinued"


TERMINAL = frozenset({CourseState.COMPLETED, CourseState.DISCONTINUED})


@dataclass(frozen=True, slots=True)
class CourseFacts:
    """What the guards read; the service fills in what it knows, the rest stays empty.

    ``open_safety_gates`` describes each open safety gate (empty when clear).
    """

    protocol_ref: str | None = None
    eligibility: SignedDecision | None = None
    consent: ConsentStatus | None = None
    open_safety_gates: tuple[str, ...] = ()
    induction_sessions_done: int = 0
    induction_sessions_planned: int = 0
    reassessment_recorded: bool = False
    maintenance_planned: bool = False
    reason: str = ""


@dataclass(frozen=True, slots=True)
class EligibilityFacts:
    """What the eligibility area knows: the current signed decision (``None``: none signed)."""

    eligibility: SignedDecision | None

    def merge(self, facts: CourseFacts) -> CourseFacts:
        return replace(facts, eligibility=self.eligibility)


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    """What the consent area knows: the course's consent status now."""

    consent: ConsentStatus | None

    def merge(self, facts: CourseFacts) -> CourseFacts:
        return replace(facts, consent=self.consent)


@dataclass(frozen=True, slots=True)
class InductionFacts:
    """What the infusion area knows: induction sessions completed of those the protocol plans."""

    sessions_done: int
    sessions_planned: int

    def merge(self, facts: CourseFacts) -> CourseFacts:
        return replace(
            facts,
            induction_sessions_done=self.sessions_done,
            induction_sessions_planned=self.sessions_planned,
        )


@dataclass(frozen=True, slots=True)
class OutcomeFacts:
    """What the outcomes area knows: reassessment recorded, maintenance planned."""

    reassessment_recorded: bool
    maintenance_planned: bool

    def merge(self, facts: CourseFacts) -> CourseFacts:
        return replace(
            facts,
            reassessment_recorded=self.reassessment_recorded,
            maintenance_planned=self.maintenance_planned,
        )


AreaFacts = EligibilityFacts | ConsentFacts | InductionFacts | OutcomeFacts
"""The part of :class:`CourseFacts` one clinical area fills in (merged by ``merge``)."""


def merge_facts(facts: CourseFacts, *areas: AreaFacts) -> CourseFacts:
    """``facts`` with each area's part filled in, in order (a later area's value wins)."""
    for area in areas:
        facts = area.merge(facts)
    return facts


@dataclass(frozen=True, slots=True)
class Guard:
    """A named guard: ``check`` returns ``None`` when satisfied, else the reason it fails."""

    id: str
    label: str
    check: Callable[[CourseFacts], str | None]


def _protocol_pinned(f: CourseFacts) -> str | None:
    return None if f.protocol_ref else "no signed-off protocol version pinned"


def _eligible_signed(f: CourseFacts) -> str | None:
    if f.eligibility is None:
        return "eligibility decision not signed"
    if not f.eligibility.permits_treatment:
        return "signed eligibility decision is not eligible"
    return None


def _ineligible_signed(f: CourseFacts) -> str | None:
    if f.eligibility is None:
        return "eligibility decision not signed"
    if f.eligibility.permits_treatment:
        return "signed eligibility decision is eligible"
    return None


def _consent_complete(f: CourseFacts) -> str | None:
    if f.consent is None:
        return "consent not recorded"
    if not f.consent.complete:
        return "consent incomplete: " + "; ".join(f.consent.reasons)
    return None


def _safety_gate_clear(f: CourseFacts) -> str | None:
    if f.open_safety_gates:
        return "open safety gate: " + "; ".join(f.open_safety_gates)
    return None


def _induction_done(f: CourseFacts) -> str | None:
    """The series is done, or a prescriber (the only role that moves courses) ends induction
    early with a written reason (clinical.md §3.2: futility review; §9.2 reassessment)."""
    if f.reason.strip():
        return None
    if f.induction_sessions_planned <= 0:
        return "induction series not planned"
    if f.induction_sessions_done < f.induction_sessions_planned:
        return (
            f"induction {f.induction_sessions_done} of {f.induction_sessions_planned} sessions "
            "done (a prescriber may end induction early with a written reason)"
        )
    return None


def _reassessed(f: CourseFacts) -> str | None:
    return None if f.reassessment_recorded else "reassessment not recorded"


def _maintenance_planned(f: CourseFacts) -> str | None:
    return None if f.maintenance_planned else "no maintenance plan recorded"


def _reason_given(f: CourseFacts) -> str | None:
    return None if f.reason.strip() else "a written reason is required"


GUARDS: Mapping[str, Guard] = {
    g.id: g
    for g in (
        Guard("protocol_pinned", "protocol version pinned", _protocol_pinned),
        Guard("eligibility_signed_eligible", "eligibility signed: eligible", _eligible_signed),
        Guard(
            "eligibility_signed_ineligible", "eligibility signed: not eligible", _ineligible_signed
        ),
        Guard("consent_complete", "consent and assent present", _consent_complete),
        Guard("safety_gate_clear", "safety gate clear", _safety_gate_clear),
        Guard("induction_done", "induction series done", _induction_done),
        Guard("reassessed", "reassessment recorded", _reassessed),
        Guard("maintenance_planned", "maintenance planned", _maintenance_planned),
        Guard("reason_given", "reason given", _reason_given),
    )
}

S = CourseState
_RULES: tuple[tuple[CourseState, CourseState, tuple[str, ...]], ...] = (
    (S.REFERRED, S.EVALUATING, ("protocol_pinned",)),
    (S.EVALUATING, S.ELIGIBLE, ("eligibility_signed_eligible",)),
    (S.EVALUATING, S.INELIGIBLE, ("eligibility_signed_ineligible",)),
    (S.INELIGIBLE, S.EVALUATING, ("reason_given",)),
    (S.ELIGIBLE, S.CONSENTED, ("eligibility_signed_eligible", "consent_complete")),
    (
        S.CONSENTED,
        S.INDUCTION,
        ("eligibility_signed_eligible", "consent_complete", "safety_gate_clear"),
    ),
    (S.INDUCTION, S.REASSESSMENT, ("induction_done",)),
    (S.REASSESSMENT, S.MAINTENANCE, ("reassessed", "maintenance_planned", "consent_complete")),
    (S.REASSESSMENT, S.COMPLETED, ("reassessed",)),
    (S.MAINTENANCE, S.COMPLETED, ("reason_given",)),
    *((state, S.DISCONTINUED, ("reason_given",)) for state in CourseState if state not in TERMINAL),
)

TRANSITION_GUARDS: Mapping[tuple[CourseState, CourseState], tuple[Guard, ...]] = {
    (src, dst): tuple(GUARDS[g] for g in guards) for src, dst, guards in _RULES
}

TRANSITIONS: tuple[tuple[str, str, str], ...] = tuple(
    (src.value, dst.value, " and ".join(GUARDS[g].label for g in guards))
    for src, dst, guards in _RULES
)
"""``(from, to, guard label)`` for every allowed transition, for docs and diagrams."""


def allowed_targets(state: CourseState) -> tuple[CourseState, ...]:
    """The states reachable from ``state`` in one transition (guards not evaluated)."""
    return tuple(dst for src, dst in TRANSITION_GUARDS if src is state)


def failed_guards(state: CourseState, to: CourseState, facts: CourseFacts) -> tuple[str, ...]:
    """Every reason the move ``state → to`` is refused, empty when it is allowed."""
    guards = TRANSITION_GUARDS.get((state, to))
    if guards is None:
        return (f"no transition from {state.value} to {to.value}",)
    return tuple(f"{g.id}: {reason}" for g in guards if (reason := g.check(facts)) is not None)


def transition(state: CourseState, to: CourseState, facts: CourseFacts) -> CourseState:
    """Move the course to ``to`` or raise :class:`InvalidTransition` with every failed guard."""
    reasons = failed_guards(state, to, facts)
    if reasons:
        raise InvalidTransition(
            f"course cannot move from {state.value} to {to.value}", reasons=reasons, field="state"
        )
    return to
