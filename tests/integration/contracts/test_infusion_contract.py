"""Infusion-day repository contracts (sessions, monitors, notifications, the session record):
in-memory fakes, SQLite and PostgreSQL behave the same."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.infusion.records import InfusionSession, SessionTransition
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.infusion.ports import RecordKind
from ketaclinic.services.ports import UnitOfWork
from tests.integration.contracts.conftest import AT, Backend, ClinicRows
from tests.integration.contracts.test_scheduling_contract import new_booking


def open_session(
    uow: UnitOfWork, rows: ClinicRows, *, second: bool = False, chair: int | None = None
) -> InfusionSession:
    return uow.sessions.add(
        rows.clinic_id,
        course_id=rows.second_course_id if second else rows.course_id,
        patient_id=rows.second_patient_id if second else rows.patient_id,
        chair_id=chair or (rows.second_chair_id if second else rows.chair_id),
        by=rows.staff_id,
        at=AT,
        scheduled_for=AT + timedelta(hours=1),
        prescriber_id=rows.second_staff_id,
    )


def checked_in(uow: UnitOfWork, rows: ClinicRows, **kw: bool) -> InfusionSession:
    s = open_session(uow, rows, **kw)
    return uow.sessions.move(s, SessionState.CHECKED_IN, by=rows.staff_id, at=AT, reason="")


# -- sessions ------------------------------------------------------------------------------
def test_a_new_session_round_trips_scheduled(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        s = open_session(uow, h)
        uow.commit()
    with backend.uow() as uow:
        assert uow.sessions.get(h.clinic_id, s.id) == s
    assert (s.state, s.version, s.created_at, s.prescriber_id) == (
        SessionState.SCHEDULED,
        1,
        AT,
        h.second_staff_id,
    )
    assert (s.monitor_device_id, s.attendant_id, s.checked_in_at) == (None, None, None)


def test_a_session_is_not_found_in_another_clinic(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        s = checked_in(uow, h)
        assert uow.sessions.get(a.clinic_id, s.id) is None
        assert uow.sessions.get(h.clinic_id, s.id + 1000) is None
        assert uow.sessions.active(a.clinic_id) == []
        assert uow.sessions.for_patient(a.clinic_id, h.patient_id) == []
        assert uow.sessions.active_on_chair(a.clinic_id, h.chair_id) is None
        assert uow.sessions.history(a.clinic_id, s.id) == []


def test_moves_stamp_their_time_bump_the_version_and_keep_history(backend: Backend) -> None:
    h = backend.home
    t = [AT + timedelta(minutes=n) for n in range(5)]
    path = [
        SessionState.CHECKED_IN,
        SessionState.READY,
        SessionState.INFUSING,
        SessionState.PAUSED,
        SessionState.INFUSING,
    ]
    with backend.uow() as uow:
        s = open_session(uow, h)
        for to, at in zip(path, t, strict=True):
            s = uow.sessions.move(s, to, by=h.staff_id, at=at, reason=f"to {to}")
        s = uow.sessions.move(s, SessionState.RECOVERY, by=h.staff_id, at=t[4], reason="done")
        uow.commit()
    with backend.uow() as uow:
        stored = uow.sessions.get(h.clinic_id, s.id)
        history = uow.sessions.history(h.clinic_id, s.id)
    assert stored == s
    assert s.version == 7
    assert (s.checked_in_at, s.ready_at, s.dosing_started_at) == (t[0], t[1], t[2])
    assert (s.paused_at, s.resumed_at, s.dosing_ended_at, s.recovery_started_at) == (
        None,
        t[4],
        t[4],
        t[4],
    )
    assert history[0] == SessionTransition(
        SessionState.SCHEDULED, SessionState.CHECKED_IN, t[0], h.staff_id, "to checked_in"
    )
    assert [x.to_state for x in history] == [*path, SessionState.RECOVERY]


def test_moving_a_stale_session_is_a_conflict(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        stale = open_session(uow, h)
        uow.sessions.move(stale, SessionState.CHECKED_IN, by=h.staff_id, at=AT, reason="")
        with pytest.raises(Conflict) as err:
            uow.sessions.move(stale, SessionState.CANCELLED, by=h.staff_id, at=AT, reason="")
        assert len(uow.sessions.history(h.clinic_id, stale.id)) == 1
    assert err.value.field == "version"


def test_active_sessions_list_by_chair_and_leave_out_finished_ones(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        on_second_chair = checked_in(uow, h, second=True)
        on_first_chair = checked_in(uow, h)
        done = uow.sessions.move(
            open_session(uow, h), SessionState.CANCELLED, by=h.staff_id, at=AT, reason="cancelled"
        )
        never_started = open_session(uow, h)
        active = uow.sessions.active(h.clinic_id)
        mine = uow.sessions.for_patient(h.clinic_id, h.patient_id)
        assert uow.sessions.active_on_chair(h.clinic_id, h.second_chair_id) == on_second_chair
        assert uow.sessions.active_for_patient(h.clinic_id, h.patient_id) == on_first_chair
        assert uow.sessions.active_for_patient(h.clinic_id, h.second_patient_id) == on_second_chair
    assert [s.id for s in active] == [on_first_chair.id, on_second_chair.id]
    assert [s.id for s in mine] == [on_first_chair.id, done.id, never_started.id]


def test_people_at_the_chair_are_set_and_cleared(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        s = open_session(uow, h)
        s = uow.sessions.set_people(s, attendant_id=h.staff_id, device_id="0011AABB", at=AT)
        uow.commit()
    with backend.uow() as uow:
        assert uow.sessions.get(h.clinic_id, s.id) == s
        cleared = uow.sessions.set_people(s, attendant_id=None, device_id=None, at=AT)
    assert (s.attendant_id, s.monitor_device_id) == (h.staff_id, "0011AABB")
    assert (cleared.attendant_id, cleared.monitor_device_id, cleared.version) == (None, None, 1)


# -- monitors ------------------------------------------------------------------------------
def test_a_monitor_is_assigned_and_moved_between_chairs(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        uow.monitors.assign(h.clinic_id, "00AA", h.chair_id, at=AT)
        uow.monitors.assign(h.clinic_id, "00BB", h.chair_id, at=AT)
        uow.monitors.assign(h.clinic_id, "00AA", h.second_chair_id, at=AT)
        uow.commit()
    with backend.uow() as uow:
        assert uow.monitors.chair_of(h.clinic_id, "00AA") == h.second_chair_id
        assert uow.monitors.chair_of(h.clinic_id, "00CC") is None
        assert uow.monitors.devices(h.clinic_id) == {"00AA": h.second_chair_id, "00BB": h.chair_id}


def test_a_monitor_of_another_clinic_is_invisible_and_cannot_be_taken(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        uow.monitors.assign(h.clinic_id, "00AA", h.chair_id, at=AT)
        assert uow.monitors.chair_of(a.clinic_id, "00AA") is None
        assert uow.monitors.devices(a.clinic_id) == {}
        with pytest.raises(Conflict) as err:
            uow.monitors.assign(a.clinic_id, "00AA", a.chair_id, at=AT)
    assert err.value.field == "device_id"


# -- notifications -------------------------------------------------------------------------
def test_notifications_round_trip_newest_first_within_the_clinic(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        sent = [
            uow.notifications.add(
                h.clinic_id,
                recipient_id=h.second_staff_id if n else None,
                recipient_role="physician",
                kind="alarm",
                object_type="alarm",
                object_id=str(n),
                patient_id=h.patient_id,
                message=f"message {n}",
                at=AT + timedelta(minutes=n),
            )
            for n in range(3)
        ]
        uow.commit()
    with backend.uow() as uow:
        assert uow.notifications.for_clinic(h.clinic_id) == sent[::-1]
        assert uow.notifications.for_clinic(h.clinic_id, limit=2) == sent[:0:-1]
        assert uow.notifications.for_clinic(a.clinic_id) == []
    assert (sent[0].recipient_id, sent[0].read_at, sent[1].message) == (None, None, "message 1")


# -- the session record --------------------------------------------------------------------
def test_session_records_round_trip_in_the_order_written(backend: Backend) -> None:
    h, a = backend.home, backend.away
    payload = {"total": 9, "items": (1, 2), "note": "calm", "nested": {"ok": True}}
    with backend.uow() as uow:
        s = open_session(uow, h)
        first = uow.session_records.add(
            h.clinic_id, s.id, h.patient_id, RecordKind.SCALE, payload, by=h.staff_id, at=AT
        )
        second = uow.session_records.add(
            h.clinic_id, s.id, h.patient_id, RecordKind.CHECK_IN, {}, by=h.second_staff_id, at=AT
        )
        uow.commit()
    with backend.uow() as uow:
        assert uow.session_records.for_session(h.clinic_id, s.id) == [first, second]
        assert uow.session_records.for_session(a.clinic_id, s.id) == []
    assert dict(first.payload) == {
        "total": 9,
        "items": [1, 2],
        "note": "calm",
        "nested": {"ok": True},
    }
    assert (first.kind, first.recorded_by, first.recorded_at) == (RecordKind.SCALE, h.staff_id, AT)


def test_one_session_per_appointment_and_found_by_it(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        (booking,) = uow.schedule.add_bookings(h.clinic_id, [new_booking(h, 0)], at=AT)
        s = uow.sessions.add(
            h.clinic_id,
            course_id=h.course_id,
            patient_id=h.patient_id,
            chair_id=h.chair_id,
            by=h.staff_id,
            at=AT,
            appointment_id=booking.id,
            session_number=3,
        )
        uow.commit()
    assert (s.appointment_id, s.session_number, s.unscheduled_reason) == (booking.id, 3, None)
    with backend.uow() as uow:
        assert uow.sessions.for_appointment(h.clinic_id, booking.id) == s
        assert uow.sessions.for_appointment(a.clinic_id, booking.id) is None
        with pytest.raises(Conflict) as twice:
            uow.sessions.add(
                h.clinic_id,
                course_id=h.course_id,
                patient_id=h.patient_id,
                chair_id=h.chair_id,
                by=h.staff_id,
                at=AT,
                appointment_id=booking.id,
            )
    assert twice.value.field == "appointment_id"


def test_unscheduled_sessions_hold_their_chair_until_closed(backend: Backend) -> None:
    """Open unscheduled sessions are listed whatever their age; closed ones only when they closed
    at or after ``since``; sessions of an appointment and of another clinic never."""
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        (booking,) = uow.schedule.add_bookings(h.clinic_id, [new_booking(h, 0)], at=AT)
        old_open = open_session(uow, h)
        closed_early = open_session(uow, h, second=True)
        closed_early = uow.sessions.move(
            closed_early,
            SessionState.CANCELLED,
            by=h.staff_id,
            at=AT + timedelta(hours=1),
            reason="x",
        )
        closed_late = open_session(uow, h, chair=h.chair_id)
        closed_late = uow.sessions.move(
            closed_late,
            SessionState.CANCELLED,
            by=h.staff_id,
            at=AT + timedelta(hours=5),
            reason="x",
        )
        uow.sessions.add(
            h.clinic_id,
            course_id=h.course_id,
            patient_id=h.patient_id,
            chair_id=h.chair_id,
            by=h.staff_id,
            at=AT,
            appointment_id=booking.id,
        )
        open_session(uow, a)
        uow.commit()
    since = AT + timedelta(hours=3)
    with backend.uow() as uow:
        found = uow.sessions.unscheduled_since(h.clinic_id, since)
    assert [s.id for s in found] == [old_open.id, closed_late.id]
    assert [s.closed_at for s in found] == [None, AT + timedelta(hours=5)]
    assert closed_early.closed_at == AT + timedelta(hours=1)


def test_sessions_of_a_set_of_appointments_are_read_at_once_within_the_clinic(
    backend: Backend,
) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        first, second, untouched = uow.schedule.add_bookings(
            h.clinic_id, [new_booking(h, n) for n in (0, 3, 6)], at=AT
        )
        opened = [
            uow.sessions.add(
                h.clinic_id,
                course_id=h.course_id,
                patient_id=h.patient_id,
                chair_id=h.chair_id,
                by=h.staff_id,
                at=AT,
                appointment_id=booking.id,
            )
            for booking in (first, second)
        ]
        uow.commit()
    with backend.uow() as uow:
        found = uow.sessions.for_appointments(h.clinic_id, {first.id, second.id, untouched.id})
        assert list(found) == opened
        assert list(uow.sessions.for_appointments(a.clinic_id, {first.id, second.id})) == []
        assert list(uow.sessions.for_appointments(h.clinic_id, set())) == []
