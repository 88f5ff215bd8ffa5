"""What booking answers: the proposed series or booster (or why it cannot be placed, with the
nearest options for a clinician), the outcome of a manual move (accepted, or refused with every
new violation of the solver's hard constraints), and which appointments may be moved or dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ketaclinic.domain.errors import Conflict, NotFound
from ketaclinic.domain.scheduling import (
    Appointment,
    Constraint,
    Infeasibility,
    Option,
    Schedule,
    Violation,
)
from ketaclinic.domain.scheduling.booking import Booking, BookingKind
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.scheduling.calendar import Frame
from ketaclinic.services.scheduling.occupancy import HOLD_PREFIX


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


def plain_clashes(
    uow: UnitOfWork,
    clinic_id: int,
    frame: Frame,
    schedule: Schedule,
    moved_id: str,
    violations: Sequence[Violation],
) -> tuple[Violation, ...]:
    """``violations`` with every chair clash said in plain words: the chair's name, when it is
    taken (clinic local time) and by what (another booked session, or a patient in the chair
    without an appointment). Other patients are never named."""
    chairs = {str(c.id): c.name for c in uow.clinics.chairs(clinic_id)}
    by_id = {a.id: a for a in schedule.appointments}
    out = []
    for v in violations:
        other = next((by_id[i] for i in v.appointment_ids if i != moved_id and i in by_id), None)
        if v.rule is Constraint.CHAIR_CAPACITY and other is not None:
            v = replace(v, message=_chair_taken(frame, chairs, other))
        out.append(v)
    return tuple(out)


def _chair_taken(frame: Frame, chairs: dict[str, str], other: Appointment) -> str:
    start = frame.grid.to_datetime(other.start_min).astimezone(frame.zone)
    end = frame.grid.to_datetime(other.end_min).astimezone(frame.zone)
    by = (
        "a patient in the chair without an appointment (a session in progress)"
        if other.id.startswith(HOLD_PREFIX)
        else "another patient's booked session"
    )
    chair = chairs.get(other.chair_id, f"chair {other.chair_id}")
    return f"{chair} is taken on {start:%a %-d %b %Y} from {start:%H:%M} to {end:%H:%M} by {by}"
