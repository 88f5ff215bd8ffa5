"""What booking answers: the proposed series or booster (or why it cannot be placed, with the
nearest options for a clinician), the outcome of a manual move (accepted, or refused with every
new violation of the solver's hard constraints), and which appointments may be moved or dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.domain.errors import Conflict, NotFound
from ketaclinic.domain.scheduling import Infeasibility, Option, Violation
from ketaclinic.domain.scheduling.booking import Booking, BookingKind
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.scheduling.calendar import Frame


@dataclass(frozen=True, slots=True)
class Proposal:
    """The booked series, or why it cannot be booked with the nearest options outside it."""

    course_id: int
    bookings: tuple[Booking, ...]
    explanation: Infeasibility | None = None
    options: tuple[Option, ...] = ()
    frame: Frame | None = None

    @property
    def booked(self) -> bool:
        return bool(self.bookings)


@dataclass(frozen=True, slots=True)
class MoveOutcome:
    """A manual move: accepted (the stored booking) or refused with every new violation."""

    accepted: bool
    booking: Booking
    violations: tuple[Violation, ...]


def changeable_booking(uow: UnitOfWork, clinic_id: int, booking_id: int) -> Booking:
    """The clinic's active induction appointment ``booking_id``, or the refusal naming why it
    cannot be moved or dropped (unknown, no longer active, or a booster)."""
    booking = uow.schedule.get(clinic_id, booking_id)
    if booking is None:
        raise NotFound("no such appointment in this clinic", field="appointment_id")
    if not booking.active:
        raise Conflict(f"the appointment is {booking.status.value}", field="appointment_id")
    if booking.kind is not BookingKind.INDUCTION:
        raise Conflict(
            "boosters are changed by cancelling and booking again", field="appointment_id"
        )
    return booking
