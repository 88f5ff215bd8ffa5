"""Read models for the coach: a course's integration workspace and the coach's caseload worklist.

The caseload lists, per course of the clinic still in treatment: preparatory sessions still
required before the first journey and a missing integration session after a journey (the KAT
guard's reasons, seed 004), the signed-in coach's unsigned notes, coaching appointments, and active
goals whose patient ratings or practice log fell off (nothing for
:data:`RATINGS_FELL_OFF_DAYS`). A course the coach attends (its protocol names the coach's role
among the attendants, or the coach is booked on it or attends one of its sessions) also lists its
booked treatment visits, and never drops out: with nothing due it still has a "next" row. The
fall-off interval is a worklist reminder, not a clinical threshold (clinical.md names none for
this area).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ketaclinic.domain.errors import NotFound
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.integration.plans import CoachingNote, GoalStatus, Practice
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import Patient
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.scheduling.booking import Booking, BookingKind, kat_course, visit_words
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.integration.coaching_booking import COACHING_ROLES
from ketaclinic.services.integration.plans import IntegrationService, PlanView, experiential_check
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

RATINGS_FELL_OFF_DAYS = 14
_IN_TREATMENT = (
    CourseState.REFERRED,
    CourseState.EVALUATING,
    CourseState.ELIGIBLE,
    CourseState.CONSENTED,
    CourseState.INDUCTION,
    CourseState.REASSESSMENT,
    CourseState.MAINTENANCE,
)


@dataclass(frozen=True, slots=True)
class Attendant:
    staff_id: int
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Workspace:
    patient: Patient
    view: PlanView
    notes: Sequence[CoachingNote]
    library: Sequence[Practice]
    attendants: Sequence[Attendant]
    staff_names: dict[int, str]
    bookings: Sequence[Booking] = ()
    rooms: Sequence[tuple[int, str]] = ()
    coaches: Sequence[Attendant] = ()


@dataclass(frozen=True, slots=True)
class CaseloadItem:
    course: Course
    patient: Patient
    kind: str  # preparation_due, integration_due, note_unsigned, session_due, next, *_fell_off
    detail: str
    due_at: datetime | None = None
    session_id: int | None = None  # the session page of a session row, when one exists
    attended: bool = False  # a session the coach may attend (protocol) or attends
    state: str = ""  # a session row's state in words ("booked", "dosing", "in recovery")
    closed_at: datetime | None = None  # a closed session row: when it was closed


#: A session row closed in the last day (discharged, or closed without a dose): on Today's
#: sessions with the time it closed, never on the worklist.
SESSION_CLOSED = "session_closed"


def _coaching_bookings(uow: UnitOfWork, course: Course) -> list[Booking]:
    return [
        b
        for b in uow.schedule.for_course(course.clinic_id, course.id)
        if b.kind is BookingKind.COACHING and b.active
    ]


def _rooms(uow: UnitOfWork, clinic_id: int) -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in uow.clinics.chairs(clinic_id) if c.in_service]


def _coaches(uow: UnitOfWork, clinic_id: int) -> list[Attendant]:
    return [
        Attendant(m.id, m.name, r.value)
        for m, r in uow.staff.list_for_clinic(clinic_id)
        if r in COACHING_ROLES and m.active
    ]


def _names(uow: UnitOfWork, clinic_id: int) -> dict[int, str]:
    return {m.id: m.name for m, _ in uow.staff.list_for_clinic(clinic_id)}


class CaseloadService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, integration: IntegrationService
    ) -> None:
        self._uow, self._clock, self._integration = uow_factory, clock, integration

    def workspace(self, actor: Actor, course_id: int) -> Workspace:
        """Everything the course's integration page shows (no private note text)."""
        view = self._integration.plan(actor, course_id)
        library = self._integration.library(actor)
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            patient = uow.patients.get(actor.clinic_id, course.patient_id)
            if patient is None:
                raise NotFound("no such patient in this clinic", field="patient_id")
            roles = load_published(uow, actor.clinic_id, course.protocol_version_id).protocol
            allowed_roles = set(roles.integration.attendant_roles)
            attendants = [
                Attendant(m.id, m.name, r.value)
                for m, r in uow.staff.list_for_clinic(actor.clinic_id)
                if r.value in allowed_roles and m.active
            ]
            notes = uow.coaching_notes.for_course(actor.clinic_id, course_id)
            return Workspace(
                patient,
                view,
                notes,
                library,
                attendants,
                _names(uow, actor.clinic_id),
                _coaching_bookings(uow, course),
                _rooms(uow, actor.clinic_id),
                _coaches(uow, actor.clinic_id),
            )

    def for_patient(self, actor: Actor, patient_id: int) -> Sequence[tuple[PlanView, int]]:
        """Each course's plan view with its number of coaching notes (for the chart panel)."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            if uow.patients.get(actor.clinic_id, patient_id) is None:
                raise NotFound("no such patient in this clinic", field="patient_id")
            courses = uow.courses.for_patient(actor.clinic_id, patient_id)
            counts = {
                c.id: len(uow.coaching_notes.for_course(actor.clinic_id, c.id)) for c in courses
            }
        return [(self._integration.plan(actor, c.id), counts[c.id]) for c in courses]

    def caseload(self, actor: Actor, *, closed: bool = False) -> Sequence[CaseloadItem]:
        """The signed-in coach's worklist, most actionable first; ``closed`` adds the attended
        sessions closed in the last day (``SESSION_CLOSED`` rows, last) for Today's sessions."""
        require(actor, Permission.COACHING_WRITE)
        now = self._clock.now()
        items: list[CaseloadItem] = []
        with self._uow() as uow:
            for course in uow.courses.in_states(actor.clinic_id, _IN_TREATMENT):
                patient = uow.patients.get(actor.clinic_id, course.patient_id)
                if patient is not None:
                    items += _course_items(uow, actor, course, patient, now)
        order = (
            "preparation_due",
            "integration_due",
            "note_unsigned",
            "in_session",
            "session_due",
            "next",
            "ratings_fell_off",
            "practice_log_fell_off",
            SESSION_CLOSED,
        )
        items = [i for i in items if closed or i.kind != SESSION_CLOSED]
        return sorted(items, key=lambda i: (order.index(i.kind), i.course.id))

    def sessions_today(
        self, actor: Actor, items: Sequence[CaseloadItem] | None = None
    ) -> list[CaseloadItem]:
        """The coach's sessions of the clinic day (clinic time zone): the caseload's session rows
        the coach attends that are due today, with the session page once one is open. ``items``:
        the caseload already read for this request with ``closed=True`` (read again when None).
        A session under way (checked in to recovery) is listed with its state; a closed one
        (discharged, or closed without a dose) stays listed with the time it closed."""
        found = self.caseload(actor, closed=True) if items is None else items
        with self._uow() as uow:
            clinic = uow.clinics.get(actor.clinic_id)
        zone = ZoneInfo(clinic.timezone if clinic else "UTC")
        day = self._clock.now().astimezone(zone).date()
        return [
            i
            for i in found
            if i.kind in ("session_due", "in_session", SESSION_CLOSED)
            and i.attended
            and i.due_at is not None
            and i.due_at.astimezone(zone).date() == day
        ]


def _course_items(
    uow: UnitOfWork, actor: Actor, course: Course, patient: Patient, now: datetime
) -> list[CaseloadItem]:
    """The course's rows. A course the coach attends (its protocol lets a coach attend, or the
    coach is booked on it or attends one of its sessions) always has at least one row: what is
    next, even when nothing is due."""
    coaching = sorted(
        (b for b in _coaching_bookings(uow, course) if b.end_at >= now), key=lambda b: b.start_at
    )
    visits = _upcoming_visits(uow, course, now)
    sessions = [
        s
        for s in uow.sessions.for_patient(course.clinic_id, course.patient_id)
        if s.course_id == course.id
    ]
    protocol = load_published(uow, course.clinic_id, course.protocol_version_id).protocol
    ordered = sorted(uow.dosing.orders_for_course(course.clinic_id, course.id), key=lambda o: o.id)
    kat = kat_course([o.content.route for o in ordered], protocol.dosing.routes)
    attends = actor.role is not None and actor.role.value in protocol.integration.attendant_roles
    attends = attends or any(b.nurse_id == actor.staff_id for b in coaching)
    attends = attends or any(s.attendant_id == actor.staff_id for s in sessions)
    first_visit = visits[0].start_at if visits else None
    decision = experiential_check(uow, course)
    items = [
        CaseloadItem(course, patient, "preparation_due", r, first_visit) for r in decision.blocks
    ]
    items += [
        CaseloadItem(course, patient, "integration_due", r, first_visit) for r in decision.flags
    ]
    items += [
        CaseloadItem(course, patient, "note_unsigned", f"{n.kind.value} note", n.session_at)
        for n in uow.coaching_notes.for_course(actor.clinic_id, course.id)
        if n.author_id == actor.staff_id and not n.signed
    ]
    if attends:
        booked = {s.appointment_id for s in sessions if s.appointment_id is not None}
        for s in sessions:
            if s.state is SessionState.SCHEDULED or s.active:
                items.append(_session_item(uow, course, patient, s, kat=kat))
            elif s.closed_at is not None and s.closed_at > now - timedelta(days=1):
                items.append(_closed_item(uow, course, patient, s, kat=kat))
        items += [_visit_item(course, patient, b, kat=kat) for b in visits if b.id not in booked]
    items += [
        CaseloadItem(course, patient, "session_due", b.words, b.start_at, attended=True)
        for b in coaching
    ]
    items += _fell_off(uow, course, patient, now)
    if attends and not items:
        items.append(CaseloadItem(course, patient, "next", _NOTHING_BOOKED))
    return items


_NOTHING_BOOKED = "no session booked: book the next coaching session"


def _upcoming_visits(uow: UnitOfWork, course: Course, now: datetime) -> list[Booking]:
    """The course's booked treatment visits (not coaching) not yet over, soonest first."""
    return sorted(
        (
            b
            for b in uow.schedule.for_course(course.clinic_id, course.id)
            if b.kind is not BookingKind.COACHING and b.active and b.end_at >= now
        ),
        key=lambda b: b.start_at,
    )


def _session_item(
    uow: UnitOfWork, course: Course, patient: Patient, s: InfusionSession, *, kat: bool
) -> CaseloadItem:
    """A session opened for a visit: due while the patient has only arrived, in session from
    check-in to discharge (with its state in words)."""
    when = s.scheduled_for or s.checked_in_at or s.created_at
    words = _session_words(uow, s, kat=kat)
    kind = "session_due" if s.state is SessionState.SCHEDULED else "in_session"
    state = _STATE_WORDS.get(s.state, s.state.value.replace("_", " "))
    return CaseloadItem(course, patient, kind, words, when, s.id, attended=True, state=state)


def _closed_item(
    uow: UnitOfWork, course: Course, patient: Patient, s: InfusionSession, *, kat: bool
) -> CaseloadItem:
    """A session closed in the last day, with how and when it closed."""
    when = s.scheduled_for or s.checked_in_at or s.created_at
    state = _CLOSED_WORDS.get(s.state, "closed")
    return CaseloadItem(
        course,
        patient,
        SESSION_CLOSED,
        _session_words(uow, s, kat=kat),
        when,
        s.id,
        attended=True,
        state=state,
        closed_at=s.closed_at,
    )


#: How a closed session ended, as the coach's lists say it (the time follows).
_CLOSED_WORDS = {
    SessionState.DISCHARGED: "discharged",
    SessionState.CANCELLED: "closed without a dose",
    SessionState.NO_SHOW: "no-show",
}


#: A session's state as the coach's lists say it.
_STATE_WORDS = {
    SessionState.SCHEDULED: "arrived, waiting for check-in",
    SessionState.CHECKED_IN: "checked in",
    SessionState.READY: "ready to dose",
    SessionState.INFUSING: "dosing",
    SessionState.PAUSED: "dosing paused",
    SessionState.STOPPED: "dosing stopped early",
    SessionState.RECOVERY: "in recovery",
}


def _visit_item(course: Course, patient: Patient, booking: Booking, *, kat: bool) -> CaseloadItem:
    """A booked visit no session has been opened for yet."""
    when, words = booking.start_at, booking.words_for(kat=kat)
    return CaseloadItem(course, patient, "session_due", words, when, attended=True, state="booked")


def _session_words(uow: UnitOfWork, s: InfusionSession, *, kat: bool) -> str:
    """A session as the protocol names it ("Induction session 3", "KAT session 3" on an SL, IN
    or IM course, "Maintenance booster 1"), never by its row id."""
    booking = (
        uow.schedule.get(s.clinic_id, s.appointment_id) if s.appointment_id is not None else None
    )
    return visit_words(booking, s.session_number, kat=kat)


def _fell_off(
    uow: UnitOfWork, course: Course, patient: Patient, now: datetime
) -> list[CaseloadItem]:
    active = [
        g
        for g in uow.integration.goals(course.clinic_id, course.id)
        if g.status is GoalStatus.ACTIVE
    ]
    if not active:
        return []
    last: dict[int, datetime] = {}
    for r in uow.integration.ratings(course.clinic_id, course.id):
        last[r.goal_id] = r.at
    cutoff = now - timedelta(days=RATINGS_FELL_OFF_DAYS)
    stale = [g for g in active if last.get(g.id, g.updated_at) < cutoff]
    items = [
        CaseloadItem(
            course,
            patient,
            "ratings_fell_off",
            f"no rating for {RATINGS_FELL_OFF_DAYS} days: {g.text[:60]}",
            last.get(g.id, g.updated_at),
        )
        for g in stale
    ]
    logs = uow.integration.practice_logs(course.clinic_id, course.id)
    last_log = logs[-1].at if logs else min(g.updated_at for g in active)
    if any(g.practices for g in active) and last_log < cutoff:
        items.append(
            CaseloadItem(
                course,
                patient,
                "practice_log_fell_off",
                f"no practice logged for {RATINGS_FELL_OFF_DAYS} days",
                last_log,
            )
        )
    return items
