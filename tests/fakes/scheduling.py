"""The clinic calendar and appointments in memory (``ScheduleRepository``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.scheduling.booking import (
    ACTIVE,
    Availability,
    Booking,
    ChairOutage,
    Closure,
    NewBooking,
    OpeningHours,
    Shift,
    ShiftRole,
)
from tests.fakes.tables import Tables


@dataclass
class ScheduleTables(Tables):
    hours: dict[tuple[int, int], OpeningHours] = field(default_factory=dict)
    closures: dict[tuple[int, date], Closure] = field(default_factory=dict)
    outages: dict[int, tuple[int, ChairOutage]] = field(default_factory=dict)
    shifts: dict[int, tuple[int, Shift]] = field(default_factory=dict)
    availability: dict[int, tuple[int, int, Availability]] = field(default_factory=dict)
    preferences: dict[tuple[int, int], int | None] = field(default_factory=dict)
    bookings: dict[int, Booking] = field(default_factory=dict)


class InMemoryScheduleRepository:
    def lock_clinic(self, clinic_id: int) -> None:
        """Nothing to take: the in-memory unit of work already refuses overlapping commits."""

    def __init__(self, tables: ScheduleTables) -> None:
        self._t = tables

    # -- opening hours and closures ----------------------------------------------------------
    def set_hours(self, clinic_id: int, hours: Sequence[OpeningHours]) -> None:
        if len({h.weekday for h in hours}) != len(hours):
            raise Conflict("one opening span per weekday", field="weekday")
        for key in [k for k in self._t.hours if k[0] == clinic_id]:
            del self._t.hours[key]
        for h in hours:
            self._t.hours[(clinic_id, h.weekday)] = h

    def hours(self, clinic_id: int) -> list[OpeningHours]:
        return [h for (c, _), h in sorted(self._t.hours.items()) if c == clinic_id]

    def add_closure(self, clinic_id: int, closure: Closure) -> None:
        if (clinic_id, closure.day) in self._t.closures:
            raise Conflict("the clinic is already closed that day", field="day")
        self._t.closures[(clinic_id, closure.day)] = closure

    def closures(self, clinic_id: int) -> list[Closure]:
        return [c for (clinic, _), c in sorted(self._t.closures.items()) if clinic == clinic_id]

    # -- chairs and staff ------------------------------------------------------------------
    def add_outage(
        self, clinic_id: int, chair_id: int, start_at: datetime, end_at: datetime, reason: str
    ) -> ChairOutage:
        outage = ChairOutage(self._t.next_id("outages"), chair_id, start_at, end_at, reason)
        self._t.outages[outage.id] = (clinic_id, outage)
        return outage

    def outages(self, clinic_id: int) -> list[ChairOutage]:
        found = [o for c, o in self._t.outages.values() if c == clinic_id]
        return sorted(found, key=lambda o: (o.start_at, o.id))

    def add_shift(
        self, clinic_id: int, staff_id: int, role: ShiftRole, start_at: datetime, end_at: datetime
    ) -> Shift:
        shift = Shift(self._t.next_id("shifts"), staff_id, role, start_at, end_at)
        self._t.shifts[shift.id] = (clinic_id, shift)
        return shift

    def shifts(self, clinic_id: int, start: datetime, end: datetime) -> list[Shift]:
        found = [
            s
            for c, s in self._t.shifts.values()
            if c == clinic_id and s.end_at > start and s.start_at < end
        ]
        return sorted(found, key=lambda s: (s.start_at, s.staff_id, s.id))

    def remove_shift(self, clinic_id: int, shift_id: int) -> None:
        found = self._t.shifts.get(shift_id)
        if found is not None and found[0] == clinic_id:
            del self._t.shifts[shift_id]

    # -- patients ----------------------------------------------------------------------------
    def set_availability(
        self, clinic_id: int, patient_id: int, windows: Sequence[Availability]
    ) -> None:
        for key, (c, p, _) in list(self._t.availability.items()):
            if (c, p) == (clinic_id, patient_id):
                del self._t.availability[key]
        for w in windows:
            self._t.availability[self._t.next_id("availability")] = (clinic_id, patient_id, w)

    def availability(self, clinic_id: int, patient_id: int) -> list[Availability]:
        found = [
            w for c, p, w in self._t.availability.values() if (c, p) == (clinic_id, patient_id)
        ]
        return sorted(found, key=lambda w: (w.weekday, w.start_min, w.end_min))

    def set_preference(self, clinic_id: int, patient_id: int, start_min: int | None) -> None:
        self._t.preferences[(clinic_id, patient_id)] = start_min

    def preference(self, clinic_id: int, patient_id: int) -> int | None:
        return self._t.preferences.get((clinic_id, patient_id))

    # -- appointments ------------------------------------------------------------------------
    def add_bookings(
        self, clinic_id: int, new: Sequence[NewBooking], *, at: datetime
    ) -> list[Booking]:
        added = []
        for b in new:
            booking = Booking(
                id=self._t.next_id("bookings"),
                clinic_id=clinic_id,
                course_id=b.course_id,
                patient_id=b.patient_id,
                chair_id=b.chair_id,
                nurse_id=b.nurse_id,
                start_at=b.start_at,
                end_at=b.end_at,
                kind=b.kind,
                status=b.status,
                session_number=b.session_number,
                shape=b.shape,
                note="",
                updated_at=at,
            )
            self._t.bookings[booking.id] = booking
            added.append(booking)
        return _in_time_order(added)

    def get(self, clinic_id: int, booking_id: int) -> Booking | None:
        found = self._t.bookings.get(booking_id)
        return found if found is not None and found.clinic_id == clinic_id else None

    def _of(self, clinic_id: int) -> list[Booking]:
        return [b for b in self._t.bookings.values() if b.clinic_id == clinic_id]

    def active_between(self, clinic_id: int, start: datetime, end: datetime) -> list[Booking]:
        return _in_time_order(
            b
            for b in self._of(clinic_id)
            if b.end_at > start and b.start_at < end and b.status in ACTIVE
        )

    def for_course(self, clinic_id: int, course_id: int) -> list[Booking]:
        return _in_time_order(b for b in self._of(clinic_id) if b.course_id == course_id)

    def for_patient(self, clinic_id: int, patient_id: int) -> list[Booking]:
        return _in_time_order(b for b in self._of(clinic_id) if b.patient_id == patient_id)

    def for_nurse(self, clinic_id: int, staff_id: int) -> list[Booking]:
        return _in_time_order(b for b in self._of(clinic_id) if b.nurse_id == staff_id)

    def update(self, clinic_id: int, booking: Booking, *, at: datetime) -> Booking:
        """Move, reassign or change the status of a booking of the clinic (others untouched)."""
        stored = self.get(clinic_id, booking.id)
        if stored is not None:
            self._t.bookings[booking.id] = replace(
                stored,
                chair_id=booking.chair_id,
                nurse_id=booking.nurse_id,
                start_at=booking.start_at,
                end_at=booking.end_at,
                status=booking.status,
                note=booking.note,
                session_number=booking.session_number,
                updated_at=at,
            )
        return replace(booking, updated_at=at)


def _in_time_order(bookings: Iterable[Booking]) -> list[Booking]:
    return sorted(bookings, key=lambda b: (b.start_at, b.id))
