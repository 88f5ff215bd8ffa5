"""Integration/KAT test setup on a ``World``: a signed-off pack, a chair, a synthetic patient and
a course on it, through the real services."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.integration.plans import NoteContent, NoteKind, RiskLevel
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.domain.scheduling.booking import (
    BookedShape,
    Booking,
    BookingKind,
    BookingStatus,
    NewBooking,
)
from ketaclinic.services.patients.courses import get_course
from tests.conftest import World

CALM = NoteContent(
    "intentions for the first journey", ("Paced breathing",), "journal daily", RiskLevel.NONE, ""
)


def course_on(world: World, pack: str, *, given: str = "Kestrel") -> tuple[int, int]:
    """(course id, chair id) of a new synthetic patient on the signed-off ``pack``."""
    physician = world.actor(Role.PHYSICIAN)
    with world.services.uow() as uow:
        published = next(
            (p for p in uow.protocols.list(world.clinic.id) if p.protocol_id == pack), None
        )
    if published is None:
        published = world.services.protocols.publish(world.clinic.id, [shipped_protocol(pack)])[0]
        items = world.services.protocols.signoff_items(physician, published.id)
        world.services.protocols.sign_off(physician, published.id, [i.path for i in items])
    with world.services.uow() as uow:
        chair = uow.clinics.add_chair(world.clinic.id, f"Room {given}", ("monitor",))
        uow.commit()
    patient = world.services.patients.register(
        world.actor(Role.FRONT_DESK),
        PatientDetails(given, "Demo-Integration", date(1985, 3, 4), SexAtBirth.FEMALE),
    )
    course = world.services.courses.open(physician, patient.id, published.id)
    return course.id, chair


def signed_note(world: World, course_id: int, kind: NoteKind, private: str = "") -> int:
    coach = world.actor(Role.COACH)
    note = world.services.coaching.record_note(
        coach, course_id, kind, world.clock.now(), CALM, private
    )
    world.services.coaching.sign(coach, note.id)
    return note.id


def booked_visit(
    world: World,
    course_id: int,
    chair: int,
    start: datetime,
    kind: BookingKind = BookingKind.INDUCTION,
    staff_id: int | None = None,
) -> Booking:
    """A confirmed appointment of the course at ``start`` (treatment visits with the nurse;
    pass ``staff_id`` for a coaching appointment's coach)."""
    with world.services.uow() as uow:
        course = get_course(uow, world.clinic.id, course_id)
        new = NewBooking(
            course_id,
            course.patient_id,
            chair,
            staff_id if staff_id is not None else world.actor(Role.NURSE).staff_id,
            start,
            start + timedelta(hours=2 if kind is not BookingKind.COACHING else 1),
            kind,
            BookingStatus.CONFIRMED,
            1,
            BookedShape(15, 40, 60, 10),
        )
        [booking] = uow.schedule.add_bookings(world.clinic.id, [new], at=world.clock.now())
        uow.commit()
    return booking
