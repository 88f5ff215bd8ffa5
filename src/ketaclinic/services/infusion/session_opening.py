"""Opening an infusion session: from a booked appointment, or unscheduled by a prescriber.

A session is the clinical record of one visit in one chair. It opens when the patient arrives for
a booked appointment (front desk or nurse "check in" on the schedule or today's arrivals): the
session takes the appointment's course, protocol session number and chair. Without an appointment
a session opens only as an unscheduled visit that a prescriber authorises with a reason, recorded
in the audit trail. :func:`open_session` is the one gate every entry point goes through (web, API,
CLI and the demo seeder). Two check-ins of one appointment end in one session and a ``Conflict``
(the database holds one session per appointment).

The session opens in ``scheduled`` (arrived, waiting for the check-in checklist at the chair); the
state machine (``domain.infusion.session``) then runs as before. Source: seed 000 steps 4-5;
clinical.md §3.1 (the induction series), §4 (infusion day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ketaclinic.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import PRESCRIBER_ROLES, Permission
from ketaclinic.domain.identity.staff import Actor, Chair
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.scheduling.booking import (
    Booking,
    BookingKind,
    BookingStatus,
    next_open_day,
)
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.infusion.board import chair_event
from ketaclinic.services.infusion.ports import LiveEvents
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published
from ketaclinic.services.scheduling.calendar import ChairRoutine, shape_for
from ketaclinic.services.scheduling.course_kind import kat_course_ids
from ketaclinic.services.scheduling.occupancy import ChairUse, chair_uses

_NOT_TREATABLE = frozenset(
    {CourseState.INELIGIBLE, CourseState.COMPLETED, CourseState.DISCONTINUED}
)
MAX_REASON_CHARS = 500
RULE_APPOINTMENT = "session.needs_appointment"
RULE_SAME_DAY = "session.check_in_same_day"
RULE_CHAIR_FREE = "session.chair_free"
#: How far ahead the next clinic day with infusion appointments is looked for.
NEXT_DAY_HORIZON = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Opening:
    """What a session opens for: an appointment, or an unscheduled visit with its reason."""

    course_id: int
    chair_id: int
    appointment: Booking | None = None
    unscheduled_reason: str = ""
    prescriber_id: int | None = None


@dataclass(frozen=True, slots=True)
class Arrival:
    """One appointment of the day for the arrivals list, with its session once checked in."""

    booking: Booking
    patient_name: str
    chair_name: str
    session: InfusionSession | None
    kat: bool = False  # the course is KAT (SL, IN or IM dosing): its sessions read "KAT session n"

    @property
    def visit(self) -> str:
        """What the appointment is, in its course's words ("KAT session 1", "Induction session
        1", "Maintenance booster 1")."""
        return self.booking.words_for(kat=self.kat)


def open_session(uow: UnitOfWork, clock: Clock, actor: Actor, opening: Opening) -> InfusionSession:
    """Open the session inside the caller's unit of work (no commit here); audited.

    Refused (naming the rule) without an appointment unless a prescriber gives a reason; refused
    for a cancelled or missed appointment, a coaching appointment, an appointment of another day,
    an untreatable course, a chair out of service, an appointment already checked in, or an
    appointment whose chair has another patient's session open in it (rule
    ``session.chair_free``, naming the free chairs to move it to). An
    unscheduled visit is refused (rule ``session.chair_free``) in a chair booked for another
    patient during the protocol's chair time from now, or with a session open in it.
    """
    assert actor.staff_id is not None
    booking = opening.appointment
    reason = opening.unscheduled_reason.strip()
    if booking is None:
        _check_unscheduled(actor, reason)
    else:
        _check_appointment(uow, clock, actor, booking)
    course = get_course(uow, actor.clinic_id, opening.course_id)
    if course.state in _NOT_TREATABLE:
        raise Conflict(f"the course is {course.state.value}", field="course_id")
    _check_chair(uow, actor.clinic_id, opening.chair_id)
    if booking is None:
        _check_chair_free(uow, clock, course, opening.chair_id)
    else:
        _check_nobody_in_chair(uow, clock, booking)
    if opening.prescriber_id is not None:
        _check_staff(uow, actor.clinic_id, opening.prescriber_id, "prescriber_id")
    if booking is not None and uow.sessions.for_appointment(actor.clinic_id, booking.id):
        raise Conflict("this appointment is already checked in", field="appointment_id")
    s = uow.sessions.add(
        actor.clinic_id,
        course_id=course.id,
        patient_id=course.patient_id,
        chair_id=opening.chair_id,
        by=actor.staff_id,
        at=clock.now(),
        scheduled_for=booking.start_at if booking else None,
        prescriber_id=opening.prescriber_id,
        appointment_id=booking.id if booking else None,
        session_number=booking.session_number if booking else None,
        unscheduled_reason=None if booking else reason,
    )
    detail = (
        f"appointment={booking.id} session_number={booking.session_number} chair={s.chair_id}"
        if booking
        else f"unscheduled chair={s.chair_id}: {reason}"
    )
    record(
        uow,
        clock,
        actor,
        "session.open",
        object_type="session",
        object_id=s.id,
        patient_id=s.patient_id,
        detail=detail,
    )
    return s


def _check_unscheduled(actor: Actor, reason: str) -> None:
    if actor.role not in PRESCRIBER_ROLES:
        raise PermissionDenied(
            f"{RULE_APPOINTMENT}: a session opens from a booked appointment; "
            "only a prescriber may open an unscheduled visit"
        )
    if not reason:
        raise ValidationFailed({"reason": "an unscheduled visit needs the prescriber's reason"})
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationFailed({"reason": f"at most {MAX_REASON_CHARS} characters"})


def _check_appointment(uow: UnitOfWork, clock: Clock, actor: Actor, booking: Booking) -> None:
    if booking.clinic_id != actor.clinic_id:
        raise NotFound("no such appointment in this clinic", field="appointment_id")
    if booking.kind is BookingKind.COACHING:
        raise ValidationFailed({"appointment_id": "a coaching appointment has no infusion session"})
    if booking.status in {BookingStatus.CANCELLED, BookingStatus.MISSED}:
        raise Conflict(f"the appointment is {booking.status.value}", field="appointment_id")
    if booking.status is not BookingStatus.CONFIRMED:
        raise Conflict(
            "the appointment is only proposed: confirm the series first", field="appointment_id"
        )
    today = local_day(uow, actor.clinic_id, clock.now())
    if local_day(uow, actor.clinic_id, booking.start_at) != today:
        raise Conflict(
            f"{RULE_SAME_DAY}: the appointment is not today; move it first", field="appointment_id"
        )


def local_day(uow: UnitOfWork, clinic_id: int, at: datetime) -> date:
    clinic = uow.clinics.get(clinic_id)
    if clinic is None:
        raise NotFound("no such clinic", field="clinic_id")
    return at.astimezone(ZoneInfo(clinic.timezone)).date()


def _check_chair(uow: UnitOfWork, clinic_id: int, chair_id: int) -> None:
    chair = next((c for c in uow.clinics.chairs(clinic_id) if c.id == chair_id), None)
    if chair is None or not chair.in_service:
        raise NotFound("no such chair in service in this clinic", field="chair_id")


def _check_chair_free(uow: UnitOfWork, clock: Clock, course: Course, chair_id: int) -> None:
    """The unscheduled visit's chair is free from now for the protocol's chair time (the same
    occupancy the scheduler holds: ``scheduling.occupancy.chair_uses``)."""
    taken = chair_taken(uow, clock, course, chair_id)
    if taken is not None:
        raise Conflict(f"{RULE_CHAIR_FREE}: {taken}; choose a free chair", field="chair_id")


def chair_taken(uow: UnitOfWork, clock: Clock, course: Course, chair_id: int) -> str | None:
    """Who or what holds ``chair_id`` while an unscheduled visit of ``course`` opened now would
    (clinic local time; another patient is never named), or None when the chair is free. The
    patient's own booking in the chair is no clash (their appointment is checked in instead)."""
    protocol = load_published(uow, course.clinic_id, course.protocol_version_id).protocol
    routine = ChairRoutine()
    now = clock.now()
    end = now + timedelta(minutes=shape_for(protocol, routine).chair_min)
    uses = chair_uses(uow, course.clinic_id, chair_id, routine, start=now, end=end, now=now)
    clash = next((u for u in uses if not u.booked or u.patient_id != course.patient_id), None)
    if clash is None:
        return None
    clinic = uow.clinics.get(course.clinic_id)
    zone = ZoneInfo(clinic.timezone if clinic else "UTC")
    chair = next((c.name for c in uow.clinics.chairs(course.clinic_id) if c.id == chair_id), "")
    return _said(clash, chair or f"chair {chair_id}", course.patient_id, zone, now)


def _said(use: ChairUse, chair: str, patient_id: int, zone: ZoneInfo, now: datetime) -> str:
    start, end = use.start_at.astimezone(zone), use.end_at.astimezone(zone)
    day = "" if start.date() == now.astimezone(zone).date() else f" on {start:%a %-d %b}"
    if use.booked:
        return f"{chair} is booked{day} from {start:%H:%M} to {end:%H:%M} for another patient"
    who = "this patient" if use.patient_id == patient_id else "another patient"
    return f"{chair} has {who} in it: a session open since {start:%H:%M}{day}"


def _others_in_chair(
    uow: UnitOfWork, booking: Booking, chair_id: int, start: datetime, end: datetime
) -> list[ChairUse]:
    """What holds ``chair_id`` over ``[start, end)`` for a patient other than the booking's:
    a session open in it, or (for another chair than the booking's) another booking."""
    uses = chair_uses(
        uow, booking.clinic_id, chair_id, ChairRoutine(), start=start, end=end, now=start
    )
    mine = chair_id == booking.chair_id
    return [u for u in uses if u.patient_id != booking.patient_id and not (mine and u.booked)]


def _check_nobody_in_chair(uow: UnitOfWork, clock: Clock, booking: Booking) -> None:
    """The appointment's chair has no other patient's session open in it (the scheduler's
    occupancy: ``scheduling.occupancy.chair_uses``); else refused, naming the chairs free for
    the rest of the appointment to move it to."""
    now = clock.now()
    end = max(booking.end_at, now + (booking.end_at - booking.start_at))
    clash = next(iter(_others_in_chair(uow, booking, booking.chair_id, now, end)), None)
    if clash is None:
        return
    clinic = uow.clinics.get(booking.clinic_id)
    zone = ZoneInfo(clinic.timezone if clinic else "UTC")
    chairs = [c for c in uow.clinics.chairs(booking.clinic_id) if c.in_service]
    name = next((c.name for c in chairs if c.id == booking.chair_id), f"chair {booking.chair_id}")
    free = [
        c.name
        for c in chairs
        if c.id != booking.chair_id and not _others_in_chair(uow, booking, c.id, now, end)
    ]
    move = (
        f"move the appointment to a free chair ({', '.join(free)}) first"
        if free
        else "no other chair is free: wait until the chair is free"
    )
    said = _said(clash, name, booking.patient_id, zone, now)
    raise Conflict(f"{RULE_CHAIR_FREE}: {said}; {move}", field="chair_id")


def free_chairs(uow: UnitOfWork, clock: Clock, course: Course) -> list[Chair]:
    """The chairs in service an unscheduled visit of ``course`` may open in now."""
    return [
        c
        for c in uow.clinics.chairs(course.clinic_id)
        if c.in_service and chair_taken(uow, clock, course, c.id) is None
    ]


def _check_staff(uow: UnitOfWork, clinic_id: int, staff_id: int, field: str) -> None:
    if not any(m.clinic_id == clinic_id for m in uow.staff.memberships(staff_id)):
        raise NotFound("no such staff member in this clinic", field=field)


class SessionOpeningService:
    """Check in a booked appointment; open an unscheduled visit; list today's arrivals."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, events: LiveEvents) -> None:
        self._uow, self._clock, self._events = uow_factory, clock, events

    def check_in(self, actor: Actor, appointment_id: int) -> InfusionSession:
        """The patient arrived for ``appointment_id``: open its session (front desk or nurse)."""
        require(actor, Permission.SESSION_CHECK_IN)
        with self._uow() as uow:
            booking = uow.schedule.get(actor.clinic_id, appointment_id)
            if booking is None:
                raise NotFound("no such appointment in this clinic", field="appointment_id")
            opening = Opening(booking.course_id, booking.chair_id, appointment=booking)
            s = open_session(uow, self._clock, actor, opening)
            event = chair_event(uow, s)
            uow.commit()
        self._events.publish(actor.clinic_id, event)
        return s

    def open_unscheduled(
        self,
        actor: Actor,
        course_id: int,
        chair_id: int,
        *,
        reason: str,
        prescriber_id: int | None = None,
    ) -> InfusionSession:
        """A visit without an appointment, authorised by the prescriber ``actor`` with a reason."""
        require(actor, Permission.SESSION_RUN)
        opening = Opening(
            course_id, chair_id, unscheduled_reason=reason, prescriber_id=prescriber_id
        )
        with self._uow() as uow:
            s = open_session(uow, self._clock, actor, opening)
            event = chair_event(uow, s)
            uow.commit()
        self._events.publish(actor.clinic_id, event)
        return s

    def chairs_for_visit(self, actor: Actor, course_id: int) -> list[tuple[Chair, bool]]:
        """The chairs in service for an unscheduled visit of ``course_id`` now, each with
        whether it is free (nothing booked or open in it for the protocol's chair time)."""
        require(actor, Permission.SESSION_RUN)
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            free = {c.id for c in free_chairs(uow, self._clock, course)}
            chairs = [c for c in uow.clinics.chairs(actor.clinic_id) if c.in_service]
        return [(c, c.id in free) for c in chairs]

    def arrivals(self, actor: Actor, day: date) -> list[Arrival]:
        """Today's infusion appointments (active or checked in) with their sessions, by time."""
        require(actor, Permission.SCHEDULE_READ)
        with self._uow() as uow:
            clinic = uow.clinics.get(actor.clinic_id)
            if clinic is None:
                raise NotFound("no such clinic", field="clinic_id")
            zone = ZoneInfo(clinic.timezone)
            start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
            end = datetime.combine(day, datetime.max.time(), tzinfo=zone)
            chairs = {c.id: c.name for c in uow.clinics.chairs(actor.clinic_id)}
            found = [
                b
                for b in uow.schedule.active_between(actor.clinic_id, start, end)
                if b.kind is not BookingKind.COACHING
            ]
            kat = kat_course_ids(uow, actor.clinic_id, (b.course_id for b in found))
            result = []
            for b in sorted(found, key=lambda b: (b.start_at, b.id)):
                patient = uow.patients.get(actor.clinic_id, b.patient_id)
                name = patient.display_name if patient else f"patient {b.patient_id}"
                session = uow.sessions.for_appointment(actor.clinic_id, b.id)
                chair = chairs.get(b.chair_id, "?")
                result.append(Arrival(b, name, chair, session, kat=b.course_id in kat))
        return result

    def next_day(self, actor: Actor, after: date) -> date | None:
        """The next clinic day after ``after`` (within two weeks): the first day the clinic has
        opening hours (and is not closed); without opening hours, the first day with an
        infusion appointment."""
        require(actor, Permission.SCHEDULE_READ)
        with self._uow() as uow:
            clinic = uow.clinics.get(actor.clinic_id)
            if clinic is None:
                raise NotFound("no such clinic", field="clinic_id")
            hours = uow.schedule.hours(actor.clinic_id)
            closures = uow.schedule.closures(actor.clinic_id)
            opens = next_open_day(after, hours, closures, within_days=NEXT_DAY_HORIZON.days)
            if opens is not None:
                return opens
            zone = ZoneInfo(clinic.timezone)
            start = datetime.combine(after + timedelta(days=1), datetime.min.time(), tzinfo=zone)
            found = uow.schedule.active_between(actor.clinic_id, start, start + NEXT_DAY_HORIZON)
        starts = [b.start_at for b in found if b.kind is not BookingKind.COACHING]
        return min(starts).astimezone(zone).date() if starts else None
