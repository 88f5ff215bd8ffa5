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
    ManualMove,
    Option,
    Problem,
    Schedule,
    SeriesRequest,
    Violation,
)
from ketaclinic.domain.scheduling.booking import Booking, BookingKind
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.scheduling.calendar import Frame
from ketaclinic.services.scheduling.dropping import ensure_no_open_visit
from ketaclinic.services.scheduling.occupancy import HOLD_PREFIX

PRIOR = "prior"  # the checker's id for the last session given before the series' bookings
DAY, DAY_TIME = "%a %-d %b", "%a %-d %b at %H:%M"


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
    cannot be moved (unknown, no longer active, a booster, or its visit open:
    ``schedule.session_open``)."""
    booking = uow.schedule.get(clinic_id, booking_id)
    if booking is None:
        raise NotFound("no such appointment in this clinic", field="appointment_id")
    if not booking.active:
        raise Conflict(f"the appointment is {booking.status.value}", field="appointment_id")
    if booking.kind is not BookingKind.INDUCTION:
        raise Conflict(
            "boosters are changed by cancelling and booking again", field="appointment_id"
        )
    ensure_no_open_visit(uow, booking)
    return booking


def plain_violations(
    uow: UnitOfWork,
    clinic_id: int,
    frame: Frame,
    problem: Problem,
    schedule: Schedule,
    move: ManualMove,
    violations: Sequence[Violation],
) -> tuple[Violation, ...]:
    """``violations`` of a manual move said in plain words, in clinic local time: a chair clash
    names the chair, when it is taken and by what (another booked session, or a patient in the
    chair without an appointment); a spacing breach names the sessions, the minimum gap and the
    earliest (or latest) day allowed. Other patients are never named; rule ids stay on ``rule``."""
    chairs = {str(c.id): c.name for c in uow.clinics.chairs(clinic_id)}
    by_id = {a.id: a for a in schedule.appointments}
    moved = by_id.get(move.appointment_id)
    if moved is not None:
        by_id[moved.id] = replace(moved, start_min=move.start_min)
    out = []
    for v in violations:
        other = next(
            (by_id[i] for i in v.appointment_ids if i != move.appointment_id and i in by_id), None
        )
        if v.rule is Constraint.CHAIR_CAPACITY and other is not None:
            v = replace(v, message=_chair_taken(frame, chairs, other))
        elif v.rule is Constraint.SPACING and len(v.appointment_ids) == 2:
            request = next((r for r in problem.requests if r.id == v.series_id), None)
            if request is not None:
                v = replace(v, message=_too_close(frame, request, by_id, move, v.appointment_ids))
        elif moved is not None and v.appointment_ids == (moved.id,):
            v = replace(v, message=_own_words(frame, by_id[moved.id], v))
        out.append(v)
    return tuple(out)


#: What a single appointment breaks, after "Session 3 on Wed 9 Dec at 10:15".
_OWN = {
    Constraint.GRID: "does not start on the booking grid",
    Constraint.OPENING_HOURS: "is outside the clinic's opening hours",
    Constraint.NURSE_SHIFT: "falls outside the nurse's shift",
    Constraint.PRESCRIBER_ON_SITE: "has no prescriber on site during dosing",
    Constraint.CHAIR_FEATURE: "needs a chair feature this chair lacks",
    Constraint.CHAIR_OUT_OF_SERVICE: "falls while the chair is out of service",
}


def _own_words(frame: Frame, a: Appointment, v: Violation) -> str:
    """A rule the moved appointment breaks on its own, naming it by session number and local
    day and time rather than by its internal id."""
    when = frame.grid.to_datetime(a.start_min).astimezone(frame.zone)
    what = f"Session {a.index} on {when:%a %-d %b at %H:%M}"
    broken = _OWN.get(v.rule)
    if broken is not None:
        return f"{what} {broken}"
    rest = v.message.removeprefix(a.id).lstrip(": ")
    return f"{what}: {rest}"


def _too_close(
    frame: Frame,
    request: SeriesRequest,
    by_id: dict[str, Appointment],
    move: ManualMove,
    pair: tuple[str, ...],
) -> str:
    """ "Session 4 must be at least 2 days after session 3 (Tue 3 Mar); earliest Thu 5 Mar at
    09:00" (the later one moved), or "... before session 5 (...); latest ..." (the earlier)."""
    first, second = pair
    gap = request.min_gap_min
    later = by_id[second]
    earlier_name = "the last session given" if first == PRIOR else f"session {by_id[first].index}"
    earlier_min = request.prior_start_min if first == PRIOR else by_id[first].start_min

    def at(minute: int | None, fmt: str) -> str:
        return format(frame.grid.to_datetime(minute or 0).astimezone(frame.zone), fmt)

    if first != PRIOR and move.appointment_id == first:
        return (
            f"Session {by_id[first].index} must be at least {_span(gap)} before session "
            f"{later.index} ({at(later.start_min, DAY)}); latest "
            f"{at(later.start_min - gap, DAY_TIME)}"
        )
    return (
        f"Session {later.index} must be at least {_span(gap)} after {earlier_name} "
        f"({at(earlier_min, DAY)}); earliest {at((earlier_min or 0) + gap, DAY_TIME)}"
    )


def _span(minutes: int) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        return f"{minutes // 60} hours"
    return f"{minutes} minutes"


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
