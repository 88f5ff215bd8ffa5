"""Eligibility: the findings of a course's stored evaluation, and the signed decision.

The findings are ``assess_protocol`` over the latest evaluation version with the course's pinned
protocol (domain.evaluation.eligibility, clinical.md §1). Signing follows ``sign_eligibility``:
physician or APP; relative findings overridden only by the rule's override role (physician) with a
written reason; cautions acknowledged; hard stops and missing evidence never overridden; an open
safety gate blocks a decision that lets treatment go ahead (services.assessments.safety). The signed
decision, every override with its reason, is stored and audited in one unit of work.

A decision counts for the course only while it was made on the latest evaluation version:
editing the evaluation afterwards means signing again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketaclinic.domain.errors import Conflict, ValidationFailed
from ketaclinic.domain.evaluation.eligibility import EligibilityResult, Override, assess_protocol
from ketaclinic.domain.evaluation.eligibility.signoff import sign_eligibility
from ketaclinic.domain.evaluation.records import StoredDecision, StoredEvaluation
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.course import CourseState, EligibilityFacts
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.assessments.safety import ensure_clear, open_reasons
from ketaclinic.services.audit.trail import record
from ketaclinic.services.evaluation.evaluations import CourseContext, course_context
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class OverrideRequest:
    """A prescriber's override of one relative finding, with the written reason."""

    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class SignRequest:
    """What the sign-off dialog submits.

    ``evaluation_version`` is the version the signer reviewed; signing is refused if the
    evaluation changed meanwhile.
    """

    evaluation_version: int
    overrides: tuple[OverrideRequest, ...] = ()
    acknowledged: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EligibilityView:
    """The findings now, the evaluation they were computed on, and the signed decision."""

    context: CourseContext
    evaluation: StoredEvaluation | None
    result: EligibilityResult | None
    decision: StoredDecision | None
    open_safety_gates: tuple[str, ...]

    @property
    def decision_current(self) -> bool:
        """The signed decision was made on the latest evaluation version."""
        return (
            self.decision is not None
            and self.evaluation is not None
            and self.decision.evaluation_version == self.evaluation.version
        )

    @property
    def can_sign(self) -> bool:
        return self.result is not None and self.context.course.state is CourseState.EVALUATING


def current_decision(uow: UnitOfWork, clinic_id: int, course_id: int) -> StoredDecision | None:
    """The signed decision if it was made on the latest evaluation version, else ``None``."""
    decision = uow.eligibility.latest(clinic_id, course_id)
    latest = uow.evaluations.latest(clinic_id, course_id)
    if decision is None or latest is None or decision.evaluation_version != latest.version:
        return None
    return decision


def eligibility_facts(uow: UnitOfWork, course: Course, protocol: Protocol) -> EligibilityFacts:
    """Course fact provider: ``eligibility`` is the current signed decision (or ``None``)."""
    decision = current_decision(uow, course.clinic_id, course.id)
    return EligibilityFacts(decision.decision if decision is not None else None)


class EligibilityService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def view(self, actor: Actor, course_id: int) -> EligibilityView:
        """Every finding (rule, severity, evidence, source) of the latest evaluation, now."""
        require(actor, Permission.CHART_READ)
        now = self._clock.now()
        with self._uow() as uow:
            ctx = course_context(uow, actor.clinic_id, course_id, now)
            evaluation = uow.evaluations.latest(actor.clinic_id, course_id)
            decision = uow.eligibility.latest(actor.clinic_id, course_id)
            gates = open_reasons(uow, actor.clinic_id, ctx.course.patient_id)
        result = None
        if evaluation is not None:
            result = assess_protocol(evaluation.evaluation, ctx.protocol, at=now, zone=ctx.zone)
        return EligibilityView(ctx, evaluation, result, decision, gates)

    def sign(self, actor: Actor, course_id: int, request: SignRequest) -> StoredDecision:
        """Sign the eligibility decision of the course's latest evaluation (see module doc).

        Raises ``SignOffRefused`` with every reason, ``Conflict`` when the course is not being
        evaluated or the evaluation changed since it was reviewed, ``PermissionDenied`` for an
        override without ELIGIBILITY_OVERRIDE.
        """
        require(actor, Permission.ELIGIBILITY_SIGN)
        if request.overrides:
            require(actor, Permission.ELIGIBILITY_OVERRIDE)
        assert actor.staff_id is not None and actor.role is not None
        now = self._clock.now()
        with self._uow() as uow:
            ctx = course_context(uow, actor.clinic_id, course_id, now)
            evaluation = _reviewed_evaluation(uow, ctx, request)
            result = assess_protocol(evaluation.evaluation, ctx.protocol, at=now, zone=ctx.zone)
            signer = f"staff/{actor.staff_id}"
            signed = sign_eligibility(
                result,
                signed_by=signer,
                signer_role=actor.role.value,
                at=now,
                overrides=[
                    Override(o.rule, actor.role.value, o.reason, signer) for o in request.overrides
                ],
                acknowledged=request.acknowledged,
                open_safety_gates=open_reasons(uow, actor.clinic_id, ctx.course.patient_id),
            )
            if signed.permits_treatment:
                ensure_clear(uow, actor.clinic_id, ctx.course.patient_id)
            stored = uow.eligibility.add(ctx.course, evaluation.version, signed, by=actor.staff_id)
            self._audit(uow, actor, stored)
            uow.commit()
        return stored

    def _audit(self, uow: UnitOfWork, actor: Actor, stored: StoredDecision) -> None:
        """One event per override (rule, role, reason) and one for the signature."""
        d = stored.decision
        for o in d.overrides:
            self._event(
                uow,
                actor,
                stored,
                "eligibility.override",
                f"rule={o.rule} role={o.role} reason={o.reason}",
            )
        acks = ",".join(sorted(d.acknowledged)) or "-"
        self._event(
            uow,
            actor,
            stored,
            "eligibility.sign",
            f"decision={d.decision.value} evaluation_version={stored.evaluation_version} "
            f"findings={len(d.findings)} overrides={len(d.overrides)} acknowledged={acks}",
        )

    def _event(
        self, uow: UnitOfWork, actor: Actor, stored: StoredDecision, action: str, detail: str
    ) -> None:
        record(
            uow,
            self._clock,
            actor,
            action,
            object_type="eligibility_decision",
            object_id=stored.id,
            patient_id=stored.patient_id,
            detail=detail,
        )


def _reviewed_evaluation(
    uow: UnitOfWork, ctx: CourseContext, request: SignRequest
) -> StoredEvaluation:
    if ctx.course.state is not CourseState.EVALUATING:
        raise Conflict(
            f"eligibility is signed while the course is evaluating, not {ctx.course.state.value}",
            field="state",
        )
    evaluation = uow.evaluations.latest(ctx.course.clinic_id, ctx.course.id)
    if evaluation is None:
        raise ValidationFailed({"evaluation": "record the evaluation before signing eligibility"})
    if evaluation.version != request.evaluation_version:
        raise Conflict(
            f"the evaluation changed (now version {evaluation.version}); review the findings again",
            field="evaluation_version",
        )
    return evaluation


def decisions_for(
    uow: UnitOfWork, clinic_id: int, courses: Sequence[Course]
) -> list[StoredDecision]:
    """The latest signed decision of each course that has one (for exports)."""
    found = (uow.eligibility.latest(clinic_id, c.id) for c in courses)
    return [d for d in found if d is not None]
