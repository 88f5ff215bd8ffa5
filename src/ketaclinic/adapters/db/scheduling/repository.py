"""Calendar resources and appointments of one clinic (every query scoped by ``clinic_id``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from ketaclinic.adapters.db.scheduling.tables import (
    appointment_resources,
    appointments,
    chair_outages,
    closures,
    opening_hours,
    patient_availability,
    patient_preferences,
    staff_shifts,
)
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.scheduling.booking import (
    ACTIVE,
    Availability,
    BookedShape,
    Booking,
    BookingKind,
    BookingStatus,
    ChairOutage,
    Closure,
    NewBooking,
    OpeningHours,
    Shift,
    ShiftRole,
)


def _insert_id(conn: Connection, table: Table, /, **values: object) -> int:
    """Insert one row into ``table`` and return its new ``id`` (``INSERT ... RETURNING id``)."""
    return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())


def _booking(m: Any) -> Booking:
    return Booking(
        id=m["id"],
        clinic_id=m["clinic_id"],
        course_id=m["course_id"],
        patient_id=m["patient_id"],
        chair_id=m["chair_id"],
        nurse_id=m["nurse_id"],
        start_at=m["start_at"],
        end_at=m["end_at"],
        kind=BookingKind(m["kind"]),
        status=BookingStatus(m["status"]),
        session_number=m["session_number"],
        shape=BookedShape(
            m["precheck_min"], m["dosing_min"], m["recovery_min"], m["nurse_setup_min"]
        ),
        note=m["note"],
        updated_at=m["updated_at"],
    )


class SqlScheduleRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def set_hours(self, clinic_id: int, hours: Sequence[OpeningHours]) -> None:
        """Replace the weekly hours; two spans on one weekday are a Conflict."""
        if len({h.weekday for h in hours}) != len(hours):
            raise Conflict("one opening span per weekday", field="weekday")
        self._conn.execute(delete(opening_hours).where(opening_hours.c.clinic_id == clinic_id))
        for h in hours:
            self._conn.execute(
                insert(opening_hours).values(
                    clinic_id=clinic_id,
                    weekday=h.weekday,
                    open_min=h.open_min,
                    close_min=h.close_min,
                )
            )

    def hours(self, clinic_id: int) -> list[OpeningHours]:
        rows = self._conn.execute(
            select(opening_hours)
            .where(opening_hours.c.clinic_id == clinic_id)
            .order_by(opening_hours.c.weekday)
        ).mappings()
        return [OpeningHours(r["weekday"], r["open_min"], r["close_min"]) for r in rows]

    def add_closure(self, clinic_id: int, closure: Closure) -> None:
        """Close the clinic for a day; a second closure of the same day is a Conflict."""
        stmt = insert(closures).values(clinic_id=clinic_id, day=closure.day, reason=closure.reason)
        try:
            with self._conn.begin_nested():
                self._conn.execute(stmt)
        except IntegrityError as exc:
            raise Conflict("the clinic is already closed that day", field="day") from exc

    def closures(self, clinic_id: int) -> list[Closure]:
        rows = self._conn.execute(
            select(closures).where(closures.c.clinic_id == clinic_id).order_by(closures.c.day)
        ).mappings()
        return [Closure(r["day"], r["reason"]) for r in rows]

    def add_outage(
        self, clinic_id: int, chair_id: int, start_at: datetime, end_at: datetime, reason: str
    ) -> ChairOutage:
        new_id = _insert_id(
            self._conn,
            chair_outages,
            clinic_id=clinic_id,
            chair_id=chair_id,
            start_at=start_at,
            end_at=end_at,
            reason=reason,
        )
        return ChairOutage(new_id, chair_id, start_at, end_at, reason)

    def outages(self, clinic_id: int) -> list[ChairOutage]:
        rows = self._conn.execute(
            select(chair_outages)
            .where(chair_outages.c.clinic_id == clinic_id)
            .order_by(chair_outages.c.start_at, chair_outages.c.id)
        ).mappings()
        return [
            ChairOutage(r["id"], r["chair_id"], r["start_at"], r["end_at"], r["reason"])
            for r in rows
        ]

    def add_shift(
        self, clinic_id: int, staff_id: int, role: ShiftRole, start_at: datetime, end_at: datetime
    ) -> Shift:
        new_id = _insert_id(
            self._conn,
            staff_shifts,
            clinic_id=clinic_id,
            staff_id=staff_id,
            role=role.value,
            start_at=start_at,
            end_at=end_at,
        )
        return Shift(new_id, staff_id, role, start_at, end_at)

    def shifts(self, clinic_id: int, start: datetime, end: datetime) -> list[Shift]:
        t = staff_shifts.c
        rows = self._conn.execute(
            select(staff_shifts)
            .where(t.clinic_id == clinic_id, t.end_at > start, t.start_at < end)
            .order_by(t.start_at, t.staff_id, t.id)
        ).mappings()
        return [
            Shift(r["id"], r["staff_id"], ShiftRole(r["role"]), r["start_at"], r["end_at"])
            for r in rows
        ]

    def remove_shift(self, clinic_id: int, shift_id: int) -> None:
        t = staff_shifts.c
        self._conn.execute(delete(staff_shifts).where(t.clinic_id == clinic_id, t.id == shift_id))

    def set_availability(
        self, clinic_id: int, patient_id: int, windows: Sequence[Availability]
    ) -> None:
        t = patient_availability.c
        self._conn.execute(
            delete(patient_availability).where(t.clinic_id == clinic_id, t.patient_id == patient_id)
        )
        for w in windows:
            self._conn.execute(
                insert(patient_availability).values(
                    clinic_id=clinic_id,
                    patient_id=patient_id,
                    weekday=w.weekday,
                    start_min=w.start_min,
                    end_min=w.end_min,
                )
            )

    def availability(self, clinic_id: int, patient_id: int) -> list[Availability]:
        t = patient_availability.c
        rows = self._conn.execute(
            select(patient_availability)
            .where(t.clinic_id == clinic_id, t.patient_id == patient_id)
            .order_by(t.weekday, t.start_min, t.end_min)
        ).mappings()
        return [Availability(r["weekday"], r["start_min"], r["end_min"]) for r in rows]

    def set_preference(self, clinic_id: int, patient_id: int, start_min: int | None) -> None:
        t = patient_preferences.c
        self._conn.execute(
            delete(patient_preferences).where(t.clinic_id == clinic_id, t.patient_id == patient_id)
        )
        self._conn.execute(
            insert(patient_preferences).values(
                clinic_id=clinic_id, patient_id=patient_id, preferred_start_min=start_min
            )
        )

    def preference(self, clinic_id: int, patient_id: int) -> int | None:
        t = patient_preferences.c
        value = self._conn.execute(
            select(t.preferred_start_min).where(
                t.clinic_id == clinic_id, t.patient_id == patient_id
            )
        ).scalar_one_or_none()
        return None if value is None else int(value)

    def add_bookings(
        self, clinic_id: int, new: Sequence[NewBooking], *, at: datetime
    ) -> list[Booking]:
        ids = []
        for b in new:
            ids.append(
                _insert_id(
                    self._conn,
                    appointments,
                    clinic_id=clinic_id,
                    course_id=b.course_id,
                    patient_id=b.patient_id,
                    chair_id=b.chair_id,
                    nurse_id=b.nurse_id,
                    start_at=b.start_at,
                    end_at=b.end_at,
                    kind=b.kind.value,
                    status=b.status.value,
                    session_number=b.session_number,
                    precheck_min=b.shape.precheck_min,
                    dosing_min=b.shape.dosing_min,
                    recovery_min=b.shape.recovery_min,
                    nurse_setup_min=b.shape.nurse_setup_min,
                    note="",
                    updated_at=at,
                )
            )
        stored = [b for b in self._where(appointments.c.id.in_(ids), clinic_id=clinic_id)]
        for booking in stored:
            self._occupy(clinic_id, booking)
        return stored

    def _where(self, *conditions: Any, clinic_id: int) -> list[Booking]:
        t = appointments.c
        rows = self._conn.execute(
            select(appointments)
            .where(t.clinic_id == clinic_id, *conditions)
            .order_by(t.start_at, t.id)
        ).mappings()
        return [_booking(r) for r in rows]

    def get(self, clinic_id: int, booking_id: int) -> Booking | None:
        found = self._where(appointments.c.id == booking_id, clinic_id=clinic_id)
        return found[0] if found else None

    def active_between(self, clinic_id: int, start: datetime, end: datetime) -> list[Booking]:
        t = appointments.c
        statuses = [s.value for s in ACTIVE]
        return self._where(
            t.end_at > start, t.start_at < end, t.status.in_(statuses), clinic_id=clinic_id
        )

    def for_course(self, clinic_id: int, course_id: int) -> list[Booking]:
        return self._where(appointments.c.course_id == course_id, clinic_id=clinic_id)

    def for_patient(self, clinic_id: int, patient_id: int) -> list[Booking]:
        return self._where(appointments.c.patient_id == patient_id, clinic_id=clinic_id)

    def for_nurse(self, clinic_id: int, staff_id: int) -> list[Booking]:
        return self._where(appointments.c.nurse_id == staff_id, clinic_id=clinic_id)

    def update(self, clinic_id: int, booking: Booking, *, at: datetime) -> Booking:
        t = appointments.c
        changed = self._conn.execute(
            update(appointments)
            .where(t.clinic_id == clinic_id, t.id == booking.id)
            .values(
                chair_id=booking.chair_id,
                nurse_id=booking.nurse_id,
                start_at=booking.start_at,
                end_at=booking.end_at,
                status=booking.status.value,
                note=booking.note,
                session_number=booking.session_number,
                updated_at=at,
            )
        )
        if changed.rowcount:  # another clinic's appointment is neither changed nor occupied
            self._occupy(clinic_id, booking)
        return replace(booking, updated_at=at)

    def lock_clinic(self, clinic_id: int) -> None:
        """Serialise schedule changes of one clinic until this transaction ends.

        PostgreSQL: a transaction-scoped advisory lock, taken before the schedule is read, so the
        next writer reads what this one committed. SQLite: writers are already serial (BEGIN
        IMMEDIATE). The exclusion constraint on ``appointment_resources`` backs this up.
        """
        if self._conn.dialect.name == "postgresql":
            self._conn.execute(
                text("SELECT pg_advisory_xact_lock(:ns, :clinic)"),
                {"ns": SCHEDULE_LOCK_NAMESPACE, "clinic": clinic_id},
            )

    def _occupy(self, clinic_id: int, booking: Booking) -> None:
        """Rewrite what ``booking`` occupies; a clash with another appointment is a 409."""
        t = appointment_resources.c
        self._conn.execute(
            delete(appointment_resources).where(
                t.clinic_id == clinic_id, t.appointment_id == booking.id
            )
        )
        if booking.status not in ACTIVE:
            return
        rows = [("chair", booking.chair_id, booking.start_at, booking.end_at)]
        staff_end = (
            booking.end_at
            if booking.kind is BookingKind.COACHING
            else booking.start_at + timedelta(minutes=booking.shape.nurse_setup_min)
        )
        if staff_end > booking.start_at:
            rows.append(("staff", booking.nurse_id, booking.start_at, staff_end))
        for resource, resource_id, start, end in rows:
            self._conn.execute(
                insert(appointment_resources).values(
                    clinic_id=clinic_id,
                    appointment_id=booking.id,
                    resource=resource,
                    resource_id=resource_id,
                    start_at=start,
                    end_at=end,
                )
            )


SCHEDULE_LOCK_NAMESPACE = 0x4B53  # "KS"
OCCUPANCY_CONSTRAINT = "ex_appointment_resources_no_overlap"
