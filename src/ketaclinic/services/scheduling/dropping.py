"""Dropping one appointment (cancelled, missed, postponed): which may be dropped, how a booster
is dropped (nothing else moves: the booster is booked again from the prescriber's plan, its
missed or cancelled row kept), and the audit event every drop writes. The series re-plan of
an induction session is :class:`ketaclinic.services.scheduling.replan.ReplanService`."""

from __future__ import annotations

from dataclasses import replace

from ketaclinic.domain.errors import Conflict, NotFound
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.session import TERMINAL, visit_words
from ketaclinic.domain.scheduling.booking import Booking, BookingKind, BookingStatus
from ketaclinic.services.audit.trail import record
from ketaclinic.services.ports import Clock, UnitOfWork
from ketaclinic.services.scheduling.inputs import DropReason, DropRequest

RULE_SESSION_OPEN = "schedule.session_open"


def droppable_booking(uow: UnitOfWork, clinic_id: int, booking_id: int) -> Booking:
    """The clinic's active infusion or booster appointment ``booking_id``, or the refusal
    naming why it cannot be dropped (unknown, no longer active, a coaching appointment, or a
    session already open on it: ``schedule.session_open``, so a visit in a chair never loses
    its appointment behind the nurse's back)."""
    booking = uow.schedule.get(clinic_id, booking_id)
    if booking is None:
        raise NotFound("no such appointment in this clinic", field="appointment_id")
    if not booking.active:
        raise Conflict(f"the appointment is {booking.status.value}", field="appointment_id")
    if booking.kind is BookingKind.COACHING:
        raise Conflict(
            "a coaching appointment is changed on the coaching schedule", field="appointment_id"
        )
    session = uow.sessions.for_appointment(clinic_id, booking.id)
    if session is not None and session.state not in TERMINAL:
        raise Conflict(
            f"{RULE_SESSION_OPEN}: the patient is here, {visit_words(session.state)}; "
            "the nurse closes the visit on the session page "
            '("Close the visit without a dose"), which gives the appointment back',
            field="appointment_id",
        )
    return booking


def dropped_status(request: DropRequest) -> BookingStatus:
    return BookingStatus.MISSED if request.why is DropReason.MISSED else BookingStatus.CANCELLED


def drop_booster(
    uow: UnitOfWork, clock: Clock, actor: Actor, booking: Booking, request: DropRequest
) -> Booking:
    """Mark the booster missed or cancelled (the row stays, with why): its number is free to
    book again from the booster plan while its window is open (``BoosterBookingService``)."""
    note = f"{request.why.value}: {request.reason.strip()}"
    gone = replace(booking, status=dropped_status(request), note=note)
    dropped = uow.schedule.update(booking.clinic_id, gone, at=clock.now())
    audit_drop(uow, clock, actor, booking, request, "booster: book it again from the plan")
    return dropped


def audit_drop(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    booking: Booking,
    request: DropRequest,
    what: str,
) -> None:
    record(
        uow,
        clock,
        actor,
        f"schedule.{request.why.value}",
        object_type="appointment",
        object_id=booking.id,
        patient_id=booking.patient_id,
        detail=f"{request.reason.strip()}; {what}",
    )
