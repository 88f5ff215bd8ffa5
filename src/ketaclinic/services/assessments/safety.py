"""The suicide-risk safety gate: one service-level check every capability calls.

``ensure_clear`` refuses with every open task's reason; it is called by eligibility sign-off,
booking, session start and course transitions. Tasks are opened by positive screens and closed
only by a physician or APP documenting an assessment (``domain.assessments.safety``); each step is
audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketaclinic.domain.assessments.records import Notice
from ketaclinic.domain.assessments.safety import (
    DISPOSITION_RULE,
    ClosureEffect,
    SafetyAssessment,
    SafetyTask,
    Urgency,
    closure_effect,
    disposition_hold_reason,
    validate_assessment,
    worklist_order,
)
from ketaclinic.domain.errors import NotFound, PermissionDenied, SafetyBlock
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.people import Patient
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import allowed, require
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class SafetyFlag:
    rule_id: str
    reason: str
    urgency: Urgency


def open_reasons(uow: UnitOfWork, clinic_id: int, patient_id: int) -> tuple[str, ...]:
    return tuple(t.describe() for t in uow.safety_tasks.open_for_patient(clinic_id, patient_id))


def ensure_clear(uow: UnitOfWork, clinic_id: int, patient_id: int) -> None:
    """Raise :class:`SafetyBlock` naming every open safety task of the patient."""
    reasons = open_reasons(uow, clinic_id, patient_id)
    if reasons:
        raise SafetyBlock(
            "an open suicide-risk safety task must be assessed by a physician or APP first",
            reasons=reasons,
            field="safety_gate",
        )


def open_tasks(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    patient_id: int,
    flags: Sequence[SafetyFlag],
    *,
    source: str,
) -> list[SafetyTask]:
    """Open one task per flag inside the caller's unit of work (same transaction as the answer)."""
    opened = []
    for flag in flags:
        task = uow.safety_tasks.open_task(
            actor.clinic_id,
            patient_id,
            source=source,
            rule_id=flag.rule_id,
            reason=flag.reason,
            urgency=flag.urgency,
            at=clock.now(),
        )
        record(
            uow,
            clock,
            actor,
            "safety_task.open",
            object_type="safety_task",
            object_id=task.id,
            patient_id=patient_id,
            detail=f"rule={flag.rule_id} urgency={flag.urgency.value}",
        )
        opened.append(task)
    return opened


class SafetyService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def worklist(self, actor: Actor) -> Sequence[SafetyTask]:
        """Every open task in the clinic: urgent first, then oldest first."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            return worklist_order(uow.safety_tasks.open_in_clinic(actor.clinic_id))

    def worklist_entries(self, actor: Actor) -> list[tuple[SafetyTask, Patient]]:
        """The worklist with each task's patient (for the clinic's worklist page)."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            tasks = worklist_order(uow.safety_tasks.open_in_clinic(actor.clinic_id))
            patients = {
                t.patient_id: uow.patients.get(actor.clinic_id, t.patient_id) for t in tasks
            }
        return [(t, p) for t in tasks if (p := patients[t.patient_id]) is not None]

    def for_patient(self, actor: Actor, patient_id: int) -> Sequence[SafetyTask]:
        """Every task of the patient, newest first; 404 for a patient of another clinic."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            if uow.patients.get(actor.clinic_id, patient_id) is None:
                raise NotFound("no such patient in this clinic", field="patient_id")
            return uow.safety_tasks.for_patient(actor.clinic_id, patient_id)

    def task(self, actor: Actor, task_id: int) -> SafetyTask:
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            task = uow.safety_tasks.get(actor.clinic_id, task_id)
        if task is None:
            raise NotFound("no such safety task in this clinic", field="task_id")
        return task

    def notices(self, actor: Actor) -> Sequence[Notice]:
        """In-app notices to the prescribers on duty (newest first); physicians and APPs only."""
        require(actor, Permission.SAFETY_ASSESS)
        with self._uow() as uow:
            return uow.notices.for_audience(actor.clinic_id, "prescribers")

    def assess(self, actor: Actor, task_id: int, assessment: SafetyAssessment) -> SafetyTask:
        """Close a task with a documented assessment (physician or APP; SAFETY_ASSESS).

        The disposition governs what the closure unblocks (rule ``safety_disposition``): only
        ``continue_treatment`` lifts the gate, and only a physician (SAFETY_CLEAR) may document
        it. A hold, admission or referral closes the task and opens a follow-up gate in the same
        transaction, so treatment stays blocked until a physician documents safe to continue.
        """
        require(actor, Permission.SAFETY_ASSESS)
        validate_assessment(assessment)
        may_clear = allowed(actor, Permission.SAFETY_CLEAR)
        effect = closure_effect(assessment.disposition, may_clear=may_clear)
        if effect is ClosureEffect.REFUSED:
            raise PermissionDenied(
                f"{DISPOSITION_RULE}: only a physician documents safe to continue treatment; "
                "choose a hold, referral or admission, which keeps treatment blocked",
                field="disposition",
            )
        assert actor.staff_id is not None
        with self._uow() as uow:
            task = uow.safety_tasks.get(actor.clinic_id, task_id)
            if task is None:
                raise NotFound("no such safety task in this clinic", field="task_id")
            resolved = uow.safety_tasks.resolve(
                task, assessment, by=actor.staff_id, at=self._clock.now()
            )
            record(
                uow,
                self._clock,
                actor,
                "safety_task.assess",
                object_type="safety_task",
                object_id=task_id,
                patient_id=task.patient_id,
                detail=f"risk={assessment.risk_level.value} "
                f"disposition={assessment.disposition.value}",
            )
            if effect is ClosureEffect.KEEPS_BLOCKED:
                reason = disposition_hold_reason(task_id, assessment.disposition)
                flag = SafetyFlag(DISPOSITION_RULE, reason, task.urgency)
                open_tasks(
                    uow, self._clock, actor, task.patient_id, [flag], source=f"task:{task_id}"
                )
            uow.commit()
        return resolved
