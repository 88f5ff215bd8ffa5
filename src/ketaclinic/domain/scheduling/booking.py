"""Stored calendar records: what the clinic has booked and the resources it books against.

These are the persisted counterparts of the engine's minute-grid types (``calendar.py``,
``model.py``). All instants are timezone-aware UTC; opening hours and patient availability are
minutes after the clinic's local midnight, because they repeat weekly in local time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import Route

MINUTES_PER_DAY = 1440


class BookingKind(StrEnum):
    INDUCTION = "induction"
    BOOSTER = "booster"
    COACHING = "coaching"


class BookingStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    MISSED = "missed"


ACTIVE = frozenset({BookingStatus.PROPOSED, BookingStatus.CONFIRMED})
"""Statuses that hold a chair and a nurse."""


class ShiftRole(StrEnum):
    NURSE = "nurse"
    PRESCRIBER = "prescriber"


def _check_weekly_window(
    weekday: int, start_min: int, end_min: int, error: tuple[str, str]
) -> None:
    """A weekday 0-6 (Monday first) and a window within one local day, naming the bad field."""
    if not 0 <= weekday <= 6:
        raise ValidationFailed({"weekday": "weekday must be 0 (Monday) to 6 (Sunday)"})
    if not 0 <= start_min < end_min <= MINUTES_PER_DAY:
        raise ValidationFailed({error[0]: error[1]})


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Weekly opening of one weekday, minutes after local midnight."""

    weekday: int
    open_min: int
    close_min: int

    def __post_init__(self) -> None:
        _check_weekly_window(
            self.weekday,
            self.open_min,
            self.close_min,
            ("close_min", "closing must follow opening within one day"),
        )


@dataclass(frozen=True, slots=True)
class Closure:
    day: date
    reason: str


@dataclass(frozen=True, slots=True)
class ChairOutage:
    id: int
    chair_id: int
    start_at: datetime
    end_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Shift:
    """One on-site shift of one staff member (UTC)."""

    id: int
    staff_id: int
    role: ShiftRole
    start_at: datetime
    end_at: datetime


@dataclass(frozen=True, slots=True)
class Availability:
    """A weekly window when the patient can attend, minutes after local midnight."""

    weekday: int
    start_min: int
    end_min: int

    def __post_init__(self) -> None:
        _check_weekly_window(
            self.weekday,
            self.start_min,
            self.end_min,
            ("end_min", "the window must end after it starts"),
        )


@dataclass(frozen=True, slots=True)
class BookedShape:
    """Minutes of each phase of a booked session (see ``model.SessionShape``)."""

    precheck_min: int
    dosing_min: int
    recovery_min: int
    nurse_setup_min: int


_BOOKING_WORDS = {
    BookingKind.INDUCTION: "Induction session {n}",
    BookingKind.BOOSTER: "Maintenance booster {n}",
    BookingKind.COACHING: "Coaching session",
}
#: A ketamine-assisted therapy course (SL, IN or IM dosing: no infusion) names its series
#: sessions so; boosters and coaching read the same whatever the route.
_KAT_WORDS = {**_BOOKING_WORDS, BookingKind.INDUCTION: "KAT session {n}"}


def is_kat(routes: Iterable[Route]) -> bool:
    """Whether a course doses by SL, IN or IM only (ketamine-assisted therapy, no infusion):
    ``routes`` are its orders' routes, else its protocol's. No route known: not KAT."""
    found = set(routes)
    return bool(found) and Route.IV not in found


def kat_course(order_routes: Sequence[Route], protocol_routes: Iterable[Route]) -> bool:
    """Whether a course is KAT: by the route of its latest order (``order_routes`` oldest
    first), else by its protocol's routes when nothing is ordered yet."""
    return is_kat(order_routes[-1:] or protocol_routes)


@dataclass(frozen=True, slots=True)
class Booking:
    """One stored appointment of a course."""

    id: int
    clinic_id: int
    course_id: int
    patient_id: int
    chair_id: int
    nurse_id: int
    start_at: datetime
    end_at: datetime
    kind: BookingKind
    status: BookingStatus
    session_number: int
    shape: BookedShape
    note: str
    updated_at: datetime

    @property
    def active(self) -> bool:
        """True while the booking holds a chair and a nurse."""
        return self.status in ACTIVE

    @property
    def words(self) -> str:
        """What the appointment is, in plain words ("Induction session 3", "Maintenance
        booster 1", "Coaching session")."""
        return self.words_for(kat=False)

    def words_for(self, *, kat: bool) -> str:
        """The appointment's words for its course's route: a KAT course's series session
        reads "KAT session 3" (see :func:`is_kat`), an IV course's "Induction session 3"."""
        return (_KAT_WORDS if kat else _BOOKING_WORDS)[self.kind].format(n=self.session_number)


@dataclass(frozen=True, slots=True)
class NewBooking:
    """An appointment to store (the repository assigns the id)."""

    course_id: int
    patient_id: int
    chair_id: int
    nurse_id: int
    start_at: datetime
    end_at: datetime
    kind: BookingKind
    status: BookingStatus
    session_number: int
    shape: BookedShape


def visit_words(booking: Booking | None, session_number: int | None, *, kat: bool = False) -> str:
    """What a session's visit was, in plain words: its appointment's words ("Induction session
    3", "KAT session 3" for a KAT course, "Maintenance booster 1"), "session 3" when only the
    number is known, else "unscheduled visit". Never the session's row id."""
    if booking is not None:
        return booking.words_for(kat=kat)
    if session_number is not None:
        return f"{'KAT session' if kat else 'session'} {session_number}"
    return "unscheduled visit"


def next_open_day(
    after: date, hours: Sequence[OpeningHours], closures: Sequence[Closure], *, within_days: int
) -> date | None:
    """The first day after ``after`` (within ``within_days``) with opening hours that is not a
    closure; None when the clinic keeps no opening hours or opens on none of those days."""
    open_weekdays = {h.weekday for h in hours}
    closed = {c.day for c in closures}
    for offset in range(1, within_days + 1):
        day = after + timedelta(days=offset)
        if day.weekday() in open_weekdays and day not in closed:
            return day
    return None
