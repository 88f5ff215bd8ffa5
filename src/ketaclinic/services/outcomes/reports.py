"""The per-course report for the referring clinician: doses, sessions, scores, adverse events,
outcome and plan, gathered in one unit of work (rendered to PDF by ``adapters.pdf.report``).

Read-only and audited: printing a patient summary is a disclosure, so it writes a
``report.course`` audit event (ids only) in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ketaclinic.domain.dosing.records import Administration
from ketaclinic.domain.errors import NotFound
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.outcomes.standing import Overdue
from ketaclinic.domain.patients.course import TERMINAL, CourseState
from ketaclinic.domain.patients.people import Patient
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.infusion.adverse_events import (
    RecordedAdverseEvent,
    course_adverse_events,
    with_recorded_events,
)
from ketaclinic.services.infusion.facts import order_of
from ketaclinic.services.outcomes.overdue import boosters_given, clinic_today, course_overdue
from ketaclinic.services.outcomes.review import CourseReview, build_review
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published


@dataclass(frozen=True, slots=True)
class CourseDecision:
    """The recorded decision that moved the course to its outcome state: what, why, who, when."""

    to_state: CourseState
    reason: str
    by: str  # the physician's or APP's name
    at: datetime


DECIDED_STATES = frozenset({CourseState.MAINTENANCE, *TERMINAL})
"""States a prescriber's outcome decision moves a course to (maintenance, complete, discontinue)."""


def last_decision(uow: UnitOfWork, course: Course) -> CourseDecision | None:
    """The decision that moved the course to its present outcome state, or ``None``."""
    if course.state not in DECIDED_STATES:
        return None
    history = uow.courses.history(course.clinic_id, course.id)
    move = next((t for t in reversed(history) if t.to_state is course.state), None)
    if move is None:
        return None
    staff = uow.staff.get(move.by_staff)
    return CourseDecision(move.to_state, move.reason, staff.name if staff else "", move.at)


@dataclass(frozen=True, slots=True)
class CourseReport:
    clinic_name: str
    patient: Patient
    protocol_ref: str
    protocol_title: str
    review: CourseReview
    administrations: Sequence[Administration]
    printed_at: datetime
    adverse_events: Sequence[RecordedAdverseEvent] = ()
    clinic_timezone: str = "UTC"
    signer: str = ""
    boosters_given: Mapping[int, datetime] = field(default_factory=dict)
    """When each given booster's dosing started, by booster number."""
    overdue: tuple[Overdue, ...] = ()
    """Missed boosters and an overdue relapse-watch check when printed (``course_overdue``)."""
    protocol_signed_off_by: str = ""
    """Who signed off the course's protocol version (its clinic defaults); "" when not yet."""
    protocol_signed_off_at: datetime | None = None
    decision: CourseDecision | None = None
    """The prescriber's recorded outcome decision on the course, when there is one."""
    protocol_version: str = ""
    dosing_started: Mapping[int, datetime] = field(default_factory=dict)
    """When dosing started in the session that gave each order, by order id (the session's
    time, as its page shows it; the administration is recorded when dosing ends)."""


class ReportService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def course_report(self, actor: Actor, course_id: int) -> CourseReport:
        """Everything the referring clinician's summary prints (404 for another clinic)."""
        require(actor, Permission.CHART_READ)
        now = self._clock.now()
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            patient = uow.patients.get(actor.clinic_id, course.patient_id)
            clinic = uow.clinics.get(actor.clinic_id)
            if patient is None or clinic is None:
                raise NotFound("no such course in this clinic", field="course_id")
            loaded = load_published(uow, actor.clinic_id, course.protocol_version_id)
            review = build_review(uow, course, loaded.protocol, at=now)
            events = course_adverse_events(uow, actor.clinic_id, course_id, course.patient_id)
            given = with_recorded_events(
                uow.dosing.administrations(actor.clinic_id, course_id), events
            )
            signer = _signer(uow, actor)
            decision = last_decision(uow, course)
            started = _dosing_started(uow, course)
            boosters = boosters_given(uow, course)
            overdue = course_overdue(uow, review, today=clinic_today(uow, actor.clinic_id, now))
            published = loaded.published
            approver = (
                uow.staff.get(published.signed_off_by)
                if published.signed_off_by is not None
                else None
            )
            record(
                uow,
                self._clock,
                actor,
                "report.course",
                object_type="course",
                object_id=course_id,
                patient_id=course.patient_id,
            )
            uow.commit()
        return CourseReport(
            clinic.name,
            patient,
            loaded.published.ref,
            loaded.published.title,
            review,
            given,
            now,
            adverse_events=events,
            clinic_timezone=clinic.timezone,
            signer=signer,
            boosters_given=boosters,
            overdue=overdue,
            protocol_signed_off_by=approver.name if approver is not None else "",
            protocol_signed_off_at=published.signed_off_at,
            decision=decision,
            protocol_version=published.version,
            dosing_started=started,
        )


def _dosing_started(uow: UnitOfWork, course: Course) -> dict[int, datetime]:
    """Order id -> start of dosing of the course's session that gave it."""
    started: dict[int, datetime] = {}
    for s in uow.sessions.for_patient(course.clinic_id, course.patient_id):
        if s.course_id != course.id or s.dosing_started_at is None:
            continue
        order = order_of(uow, s, uow.session_records.for_session(course.clinic_id, s.id))
        if order is not None:
            started[order.id] = s.dosing_started_at
    return started


def _signer(uow: UnitOfWork, actor: Actor) -> str:
    """The person who prints and signs the summary: name and role."""
    member = uow.staff.get(actor.staff_id) if actor.staff_id is not None else None
    role = actor.role.value.replace("_", " ") if actor.role is not None else "staff"
    return f"{member.name} ({role})" if member is not None else role
