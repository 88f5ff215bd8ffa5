"""Dropping one appointment (cancelled, missed, postponed): which may be dropped, how a booster
is dropped (nothing else moves: the booster is booked again from the prescriber's plan, its
missed or cancelled row kept), and the audit event every drop writes. The series re-plan of
an induction session is :class:`ketaclinic.services.scheduling.replan.ReplanService`."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace

from ketaclinic.domain.errors import Conflict, NotFound
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import TERMINAL, SessionState, visit_words
from ketaclinic.domain.scheduling.booking import Booking, BookingKind, BookingStatus
from ketaclinic.services.audit.trail import record
from ketaclinic.services.ports import Clock, UnitOfWork
from ketaclinic.services.scheduling.inputs import DropReason, DropRequest

RULE_SESSION_OPEN = "schedule.session_open"
RULE_ATTENDED = "schedule.visit_attended"
#: Open visit states once dosing started: the dose is under way or given.
DOSE_STARTED = frozenset(
    {SessionState.INFUSING, SessionState.PAUSED, SessionState.STOPPED, SessionState.RECOVERY}
)


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
    ensure_no_open_visit(uow, booking)
    return booking


def ensure_no_open_visit(uow: UnitOfWork, booking: Booking) -> None:
    """Refuse (``schedule.session_open``) to move or drop an appointment whose visit is open:
    the patient is here, and the advice says what ends the visit in its state. An appointment
    the patient attended (the visit ended in discharge) is the record of that visit and is never
    moved or dropped either (``schedule.visit_attended``)."""
    session = uow.sessions.for_appointment(booking.clinic_id, booking.id)
    if session is not None and session.state is SessionState.DISCHARGED:
        raise Conflict(
            f"{RULE_ATTENDED}: the patient attended this appointment and was discharged; it "
            "stays as the record of the visit",
            field="appointment_id",
        )
    if session is not None and session.state not in TERMINAL:
        raise Conflict(
            f"{RULE_SESSION_OPEN}: {open_visit_advice(session.state)}", field="appointment_id"
        )


def open_visit_words(state: SessionState) -> str:
    """Where the patient of an open visit stands, as the schedule shows it."""
    return "dosing stopped early" if state is SessionState.STOPPED else visit_words(state)


def open_visit_advice(state: SessionState) -> str:
    """Why the appointment of an open visit stays, and what ends the visit, by its state:
    before dosing the nurse may close the visit without a dose (which gives the appointment
    back); once dosing started the dose is under way or given and the visit closes at
    discharge, keeping its appointment."""
    where = f"the patient is here, {open_visit_words(state)}"
    if state in DOSE_STARTED:
        return (
            f"{where}; the dose is under way or given, so the appointment stays: "
            "the visit closes when the nurse discharges the patient"
        )
    return (
        f"{where}; the nurse closes the visit on the session page "
        '("Close the visit without a dose"), which gives the appointment back'
    )


def visits_of_patient(uow: UnitOfWork, clinic_id: int, patient_id: int) -> dict[int, SessionState]:
    """The state of each visit of the patient that is open or was attended (discharged), by
    the appointment it was opened on: neither appointment is moved or dropped."""
    return _by_appointment(uow.sessions.for_patient(clinic_id, patient_id))


def visits_on(
    uow: UnitOfWork, clinic_id: int, appointment_ids: Collection[int]
) -> dict[int, SessionState]:
    """Like :func:`visits_of_patient` for the visits opened on one of ``appointment_ids`` (a
    schedule view's appointments): one read for the whole set."""
    return _by_appointment(uow.sessions.for_appointments(clinic_id, appointment_ids))


def _by_appointment(visits: Iterable[InfusionSession]) -> dict[int, SessionState]:
    return {
        v.appointment_id: v.state
        for v in visits
        if v.appointment_id is not None
        and (v.state not in TERMINAL or v.state is SessionState.DISCHARGED)
    }


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
