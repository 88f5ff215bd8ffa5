"""Booking coaching sessions (preparatory, integration, family) in the clinic's schedule.

A coaching appointment is a :class:`Booking` of kind ``coaching`` holding two resources: a room
(a chair/room of the clinic, in service) and the coach (any staff member who may coach: the
``coach`` role, or a physician). Neither may be double-booked against any active booking of the
clinic (infusions included), nor against a patient's session in that chair without an
appointment (``scheduling.occupancy``). The booking then shows in the schedule's day and week
views and on the patient's portal. Source: seed 004 (preparatory and integration coaching
between sessions).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ketaclinic.domain.errors import Conflict, ValidationFailed
from ketaclinic.domain.identity.access import Permission, Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.integration.plans import NoteKind
from ketaclinic.domain.scheduling.booking import (
    BookedShape,
    Booking,
    BookingKind,
    BookingStatus,
    NewBooking,
)
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.scheduling.calendar import ChairRoutine
from ketaclinic.services.scheduling.occupancy import chair_holds

COACHING_ROLES = frozenset({Role.COACH, Role.PHYSICIAN})
MIN_DURATION_MIN, MAX_DURATION_MIN = 15, 180


def _check_resources(
    uow: UnitOfWork,
    clinic_id: int,
    room_id: int,
    coach_id: int,
    span: tuple[datetime, datetime],
    now: datetime,
) -> None:
    start, end = span
    errors: dict[str, str] = {}
    room = next((c for c in uow.clinics.chairs(clinic_id) if c.id == room_id), None)
    if room is None or not room.in_service:
        errors["room_id"] = "no such room in service in this clinic"
    role = next((m.role for m in uow.staff.memberships(coach_id) if m.clinic_id == clinic_id), None)
    if role not in COACHING_ROLES:
        errors["coach_id"] = "choose a coach or physician of this clinic"
    if errors:
        raise ValidationFailed(errors)
    for b in uow.schedule.active_between(clinic_id, start, end):
        if b.start_at < end and start < b.end_at:
            if b.chair_id == room_id:
                raise Conflict("the room is booked at that time", field="room_id")
            if b.nurse_id == coach_id:
                raise Conflict("the coach is booked at that time", field="coach_id")
    for hold in chair_holds(uow, clinic_id, ChairRoutine(), since=start, now=now):
        if hold.chair_id == room_id and hold.overlaps(start, end):
            until = _local(uow, clinic_id, hold.end_at)
            raise Conflict(
                f"{room.name if room else 'the room'} is taken until {until} "
                "by a patient's session without an appointment",
                field="room_id",
            )


def _local(uow: UnitOfWork, clinic_id: int, at: datetime) -> str:
    clinic = uow.clinics.get(clinic_id)
    zone = ZoneInfo(clinic.timezone) if clinic else UTC
    return f"{at.astimezone(zone):%a %-d %b %Y %H:%M}"


class CoachingBookingService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def book(
        self,
        actor: Actor,
        course_id: int,
        kind: NoteKind,
        start_at: datetime,
        duration_min: int,
        *,
        room_id: int,
        coach_id: int,
    ) -> Booking:
        """Book a confirmed coaching appointment (UTC start, minutes) with its room and coach."""
        require(actor, Permission.COACHING_WRITE)
        if start_at.tzinfo is None:
            raise ValidationFailed({"start_at": "a timezone-aware time"})
        if not MIN_DURATION_MIN <= duration_min <= MAX_DURATION_MIN:
            raise ValidationFailed(
                {"duration_min": f"{MIN_DURATION_MIN} to {MAX_DURATION_MIN} minutes"}
            )
        end_at = start_at + timedelta(minutes=duration_min)
        with self._uow() as uow:
            uow.schedule.lock_clinic(actor.clinic_id)
            course = get_course(uow, actor.clinic_id, course_id)
            span = (start_at, end_at)
            _check_resources(uow, actor.clinic_id, room_id, coach_id, span, self._clock.now())
            new = NewBooking(
                course.id,
                course.patient_id,
                room_id,
                coach_id,
                start_at,
                end_at,
                BookingKind.COACHING,
                BookingStatus.CONFIRMED,
                0,
                BookedShape(0, duration_min, 0, 0),
            )
            [booking] = uow.schedule.add_bookings(actor.clinic_id, [new], at=self._clock.now())
            record(
                uow,
                self._clock,
                actor,
                "coaching.book",
                object_type="booking",
                object_id=booking.id,
                patient_id=course.patient_id,
                detail=f"{kind.value} room={room_id} coach={coach_id}",
            )
            uow.commit()
        return booking

    def for_course(self, actor: Actor, course_id: int) -> list[Booking]:
        require(actor, Permission.PATIENT_READ)
        with self._uow() as uow:
            get_course(uow, actor.clinic_id, course_id)
            return [
                b
                for b in uow.schedule.for_course(actor.clinic_id, course_id)
                if b.kind is BookingKind.COACHING
            ]
