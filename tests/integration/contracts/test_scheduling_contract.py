"""``ScheduleRepository`` contract: in-memory fake, SQLite and PostgreSQL behave the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.scheduling.booking import (
    Availability,
    BookedShape,
    BookingKind,
    BookingStatus,
    Closure,
    NewBooking,
    OpeningHours,
    ShiftRole,
)
from tests.integration.contracts.conftest import AT, Backend, ClinicRows

SHAPE = BookedShape(precheck_min=15, dosing_min=40, recovery_min=60, nurse_setup_min=10)


def new_booking(
    rows: ClinicRows,
    hours: float,
    *,
    second: bool = False,
    status: BookingStatus = BookingStatus.CONFIRMED,
    session_number: int = 1,
) -> NewBooking:
    start = AT + timedelta(hours=hours)
    return NewBooking(
        course_id=rows.second_course_id if second else rows.course_id,
        patient_id=rows.second_patient_id if second else rows.patient_id,
        chair_id=rows.second_chair_id if second else rows.chair_id,
        nurse_id=rows.second_staff_id if second else rows.staff_id,
        start_at=start,
        end_at=start + timedelta(minutes=125),
        kind=BookingKind.INDUCTION,
        status=status,
        session_number=session_number,
        shape=SHAPE,
    )


# -- opening hours and closures ------------------------------------------------------------
def test_opening_hours_are_replaced_and_listed_by_weekday(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        uow.schedule.set_hours(h.clinic_id, [OpeningHours(2, 480, 1020), OpeningHours(0, 540, 960)])
        uow.schedule.set_hours(a.clinic_id, [OpeningHours(5, 600, 700)])
        uow.commit()
    with backend.uow() as uow:
        assert uow.schedule.hours(h.clinic_id) == [
            OpeningHours(0, 540, 960),
            OpeningHours(2, 480, 1020),
        ]
        uow.schedule.set_hours(h.clinic_id, [OpeningHours(4, 600, 720)])
        assert uow.schedule.hours(h.clinic_id) == [OpeningHours(4, 600, 720)]
        assert uow.schedule.hours(a.clinic_id) == [OpeningHours(5, 600, 700)]


def test_two_spans_on_one_weekday_are_a_conflict(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow, pytest.raises(Conflict) as err:
        uow.schedule.set_hours(h.clinic_id, [OpeningHours(1, 480, 600), OpeningHours(1, 700, 800)])
    assert err.value.field == "weekday"


def test_closures_list_by_day_per_clinic_and_a_day_closes_once(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        uow.schedule.add_closure(h.clinic_id, Closure(date(2026, 12, 25), "Holiday"))
        uow.schedule.add_closure(h.clinic_id, Closure(date(2026, 7, 4), "Holiday"))
        uow.schedule.add_closure(a.clinic_id, Closure(date(2026, 12, 25), "Holiday"))
        with pytest.raises(Conflict) as err:
            uow.schedule.add_closure(h.clinic_id, Closure(date(2026, 7, 4), "Again"))
        uow.commit()
    with backend.uow() as uow:
        assert [c.day for c in uow.schedule.closures(h.clinic_id)] == [
            date(2026, 7, 4),
            date(2026, 12, 25),
        ]
        assert uow.schedule.closures(a.clinic_id) == [Closure(date(2026, 12, 25), "Holiday")]
    assert err.value.field == "day"


# -- chairs and staff ------------------------------------------------------------------------
def test_chair_outages_round_trip_in_time_order_per_clinic(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        later = uow.schedule.add_outage(
            h.clinic_id, h.chair_id, AT + timedelta(days=2), AT + timedelta(days=3), "Pump"
        )
        sooner = uow.schedule.add_outage(
            h.clinic_id, h.second_chair_id, AT, AT + timedelta(hours=4), "Cleaning"
        )
        uow.commit()
    with backend.uow() as uow:
        assert uow.schedule.outages(h.clinic_id) == [sooner, later]
        assert uow.schedule.outages(a.clinic_id) == []
    assert (sooner.chair_id, sooner.reason, sooner.start_at) == (h.second_chair_id, "Cleaning", AT)


def test_shifts_overlapping_a_window_list_by_start_and_can_be_removed(backend: Backend) -> None:
    h, a = backend.home, backend.away
    day = timedelta(days=1)
    with backend.uow() as uow:
        early = uow.schedule.add_shift(
            h.clinic_id, h.second_staff_id, ShiftRole.NURSE, AT, AT + 8 * day / 24
        )
        prescriber = uow.schedule.add_shift(
            h.clinic_id, h.staff_id, ShiftRole.PRESCRIBER, AT, AT + 4 * day / 24
        )
        tomorrow = uow.schedule.add_shift(
            h.clinic_id, h.staff_id, ShiftRole.NURSE, AT + day, AT + 1.25 * day
        )
        uow.commit()
    with backend.uow() as uow:
        today = uow.schedule.shifts(h.clinic_id, AT - day / 2, AT + day / 2)
        # a shift ending exactly at the window start is outside it
        edge = uow.schedule.shifts(h.clinic_id, AT + 8 * day / 24, AT + day)
        assert uow.schedule.shifts(a.clinic_id, AT - day, AT + 2 * day) == []
        uow.schedule.remove_shift(a.clinic_id, early.id)  # another clinic's: no effect
        uow.schedule.remove_shift(h.clinic_id, prescriber.id)
        uow.commit()
    with backend.uow() as uow:
        left = uow.schedule.shifts(h.clinic_id, AT - day, AT + 2 * day)
    expected_order = sorted([early, prescriber], key=lambda s: (s.start_at, s.staff_id, s.id))
    assert today == expected_order
    assert edge == []
    assert left == [early, tomorrow]
    assert (prescriber.role, prescriber.staff_id) == (ShiftRole.PRESCRIBER, h.staff_id)


# -- patients --------------------------------------------------------------------------------
def test_patient_availability_is_replaced_and_scoped(backend: Backend) -> None:
    h, a = backend.home, backend.away
    windows = [Availability(3, 600, 900), Availability(1, 480, 720), Availability(1, 780, 900)]
    with backend.uow() as uow:
        uow.schedule.set_availability(h.clinic_id, h.patient_id, windows)
        uow.schedule.set_availability(h.clinic_id, h.second_patient_id, [Availability(0, 1, 2)])
        uow.commit()
    with backend.uow() as uow:
        assert uow.schedule.availability(h.clinic_id, h.patient_id) == sorted(
            windows, key=lambda w: (w.weekday, w.start_min)
        )
        assert uow.schedule.availability(a.clinic_id, h.patient_id) == []
        uow.schedule.set_availability(h.clinic_id, h.patient_id, [])
        assert uow.schedule.availability(h.clinic_id, h.patient_id) == []
        assert uow.schedule.availability(h.clinic_id, h.second_patient_id) == [
            Availability(0, 1, 2)
        ]


def test_a_start_time_preference_is_set_replaced_and_cleared(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        assert uow.schedule.preference(h.clinic_id, h.patient_id) is None
        uow.schedule.set_preference(h.clinic_id, h.patient_id, 540)
        uow.schedule.set_preference(h.clinic_id, h.patient_id, 600)
        uow.commit()
    with backend.uow() as uow:
        assert uow.schedule.preference(h.clinic_id, h.patient_id) == 600
        assert uow.schedule.preference(a.clinic_id, h.patient_id) is None
        uow.schedule.set_preference(h.clinic_id, h.patient_id, None)
        assert uow.schedule.preference(h.clinic_id, h.patient_id) is None


# -- appointments ----------------------------------------------------------------------------
def test_bookings_round_trip_in_time_order(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        added = uow.schedule.add_bookings(
            h.clinic_id, [new_booking(h, 48, session_number=2), new_booking(h, 0)], at=AT
        )
        uow.commit()
    with backend.uow() as uow:
        assert uow.schedule.for_course(h.clinic_id, h.course_id) == added
        assert uow.schedule.get(h.clinic_id, added[0].id) == added[0]
    first = added[0]
    assert [b.session_number for b in added] == [1, 2]
    assert (first.start_at, first.shape, first.note, first.updated_at) == (AT, SHAPE, "", AT)
    assert (first.kind, first.status, first.clinic_id) == (
        BookingKind.INDUCTION,
        BookingStatus.CONFIRMED,
        h.clinic_id,
    )


def test_bookings_are_invisible_to_another_clinic(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        (booking,) = uow.schedule.add_bookings(h.clinic_id, [new_booking(h, 0)], at=AT)
        assert uow.schedule.get(a.clinic_id, booking.id) is None
        assert uow.schedule.get(h.clinic_id, booking.id + 1000) is None
        assert uow.schedule.for_course(a.clinic_id, h.course_id) == []
        assert uow.schedule.for_patient(a.clinic_id, h.patient_id) == []
        assert uow.schedule.for_nurse(a.clinic_id, h.staff_id) == []
        assert (
            uow.schedule.active_between(a.clinic_id, AT - timedelta(days=1), AT + timedelta(days=1))
            == []
        )
        moved = replace(booking, start_at=AT + timedelta(hours=3))
        uow.schedule.update(a.clinic_id, moved, at=AT)  # another clinic's: no effect
        assert uow.schedule.get(h.clinic_id, booking.id) == booking


def test_active_between_keeps_overlapping_proposed_and_confirmed(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        added = uow.schedule.add_bookings(
            h.clinic_id,
            [
                new_booking(h, 0),
                new_booking(h, 1, second=True, status=BookingStatus.PROPOSED),
                new_booking(h, 2, status=BookingStatus.CANCELLED),
                new_booking(h, 3, second=True, status=BookingStatus.MISSED),
                new_booking(h, 30),
            ],
            at=AT,
        )
        window = uow.schedule.active_between(
            h.clinic_id, AT + timedelta(minutes=30), AT + timedelta(hours=24)
        )
        # touching the end of a booking is not an overlap
        touching = uow.schedule.active_between(
            h.clinic_id, AT + timedelta(hours=1, minutes=125), AT + timedelta(hours=2)
        )
        mine = uow.schedule.for_patient(h.clinic_id, h.second_patient_id)
        nurse = uow.schedule.for_nurse(h.clinic_id, h.second_staff_id)
    assert [b.id for b in window] == [added[0].id, added[1].id]
    assert touching == []
    assert [b.id for b in mine] == [added[1].id, added[3].id] == [b.id for b in nurse]


def test_update_moves_and_cancels_a_booking(backend: Backend) -> None:
    h = backend.home
    later = AT + timedelta(minutes=5)
    with backend.uow() as uow:
        (booking,) = uow.schedule.add_bookings(h.clinic_id, [new_booking(h, 0)], at=AT)
        changed = replace(
            booking,
            start_at=AT + timedelta(hours=2),
            end_at=AT + timedelta(hours=4),
            chair_id=h.second_chair_id,
            nurse_id=h.second_staff_id,
            note="moved by phone",
            status=BookingStatus.CANCELLED,
            session_number=3,
        )
        returned = uow.schedule.update(h.clinic_id, changed, at=later)
        uow.commit()
    with backend.uow() as uow:
        stored = uow.schedule.get(h.clinic_id, booking.id)
        assert uow.schedule.active_between(h.clinic_id, AT, AT + timedelta(days=1)) == []
    assert returned == replace(changed, updated_at=later) == stored
