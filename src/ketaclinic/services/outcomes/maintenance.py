"""Maintenance after induction: the booster plan proposed from the protocol, edited and stored.

The plan is a proposal (``domain.outcomes.maintenance.propose_booster_plan``): dated windows from
the protocol's spacing ladder, kept at the shortest interval when the response is not holding,
ending in a clinician review, never a "forever schedule" (clinical.md §3.3, CANMAT 2021 Level 3).
A stored plan fills the ``maintenance_planned`` course fact. Booking the windows belongs to the
scheduling engine; this service stores the dated windows it books from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ketaclinic.domain.errors import Conflict, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.outcomes.maintenance import (
    BoosterPlan,
    propose_booster_plan,
    reschedule_booster,
)
from ketaclinic.domain.outcomes.records import StoredBoosterPlan
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.outcomes.review import build_review
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

PLANNABLE = (CourseState.REASSESSMENT, CourseState.MAINTENANCE)


@dataclass(frozen=True, slots=True)
class BoosterEdit:
    """A clinician's move of booster ``number`` to ``target_on``, with the written reason."""

    number: int
    target_on: date
    reason: str


class MaintenanceService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def propose(self, actor: Actor, course_id: int, start_on: date | None = None) -> BoosterPlan:
        """The protocol's booster ladder from ``start_on`` (default: today, clinic calendar in
        UTC); widening only while the response holds between the two reassessments."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            protocol = load_published(uow, actor.clinic_id, course.protocol_version_id).protocol
            review = build_review(uow, course, protocol, at=self._clock.now())
        stability = review.outcome.stability
        holds = stability.holds if stability is not None else True
        start = start_on or self._clock.now().date()
        return propose_booster_plan(protocol.maintenance, start_on=start, response_holds=holds)

    def store(
        self, actor: Actor, course_id: int, start_on: date, edits: Sequence[BoosterEdit] = ()
    ) -> StoredBoosterPlan:
        """Store the proposed plan with the clinician's edits applied in order (each needs a
        reason). Only for a course in reassessment or maintenance; audited in the same unit."""
        require(actor, Permission.COURSE_MANAGE)
        assert actor.staff_id is not None
        today = self._clock.now().date()
        if start_on < today:
            raise ValidationFailed({"start_on": "the plan cannot start in the past"})
        plan = self.propose(actor, course_id, start_on)
        for edit in edits:
            plan = reschedule_booster(plan, edit.number, edit.target_on, reason=edit.reason)
        if plan.windows[0].target_on <= today:
            raise ValidationFailed({"target_on": "the first booster must fall after today"})
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            if course.state not in PLANNABLE:
                raise Conflict(
                    f"a booster plan needs a course in reassessment or maintenance, "
                    f"not {course.state.value}",
                    field="course_id",
                )
            stored = uow.outcomes.add_plan(
                actor.clinic_id, course_id, start_on, plan, by=actor.staff_id, at=self._clock.now()
            )
            record(
                uow,
                self._clock,
                actor,
                "maintenance.plan",
                object_type="booster_plan",
                object_id=stored.id,
                patient_id=course.patient_id,
                detail=f"course={course_id} boosters={len(plan.windows)} edits={len(edits)}",
            )
            uow.commit()
        return stored

    def plan(self, actor: Actor, course_id: int) -> StoredBoosterPlan | None:
        """The plan in force for the course (the latest stored), if any."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            get_course(uow, actor.clinic_id, course_id)
            return uow.outcomes.latest_plan(actor.clinic_id, course_id)
