"""Opening a session as a use case on the in-memory fakes: a booked appointment is checked in by
the front desk or a nurse (one commit, audited, the appointment's course, number and chair), a
second check-in is a Conflict, refusals name the rule and store nothing; hand-entered vitals are
parsed into readings and a silent monitor is reported."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest

from ketaclinic.domain.errors import Conflict, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.records import StoredReading
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.scheduling.booking import (
    BookedShape,
    Booking,
    BookingKind,
    BookingStatus,
    NewBooking,
)
from ketaclinic.services.infusion.bedside_vitals import (
    VitalsDue,
    flowsheet,
    monitor_silence_min,
    readings_from_fields,
    vitals_due,
)
from ketaclinic.services.infusion.dose_team import assigned_nurse, attendant_at_check_in
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord
from ketaclinic.services.infusion.session_opening import SessionOpeningService
from tests.unit.services.test_infusion_services import RecordingEvents
from tests.unit.services.world import FakeWorld

SHAPE = BookedShape(precheck_min=20, dosing_min=40, recovery_min=60, nurse_setup_min=20)


def _book(
    w: FakeWorld, *, hours: float = 1, status: BookingStatus = BookingStatus.CONFIRMED
) -> Booking:
    start = w.clock.now() + timedelta(hours=hours)
    new = NewBooking(
        course_id=w.course.id,
        patient_id=w.patient_id,
        chair_id=w.chairs[1],
        nurse_id=w.staff(Role.NURSE),
        start_at=start,
        end_at=start + timedelta(minutes=120),
        kind=BookingKind.INDUCTION,
        status=status,
        session_number=2,
        shape=SHAPE,
    )
    with w.uow() as uow:
        [booking] = uow.schedule.add_bookings(w.clinic.id, [new], at=w.clock.now())
        uow.commit()
    return booking


@pytest.fixture
def arrivals(fake_world: FakeWorld) -> SessionOpeningService:
    fake_world.move_course(CourseState.CONSENTED)
    return SessionOpeningService(fake_world.uow, fake_world.clock, RecordingEvents())


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.NURSE])
def test_checking_in_opens_the_appointments_session_in_one_commit(
    fake_world: FakeWorld, arrivals: SessionOpeningService, role: Role
) -> None:
    w = fake_world
    booking = _book(w)
    before = w.db.commits
    s = arrivals.check_in(w.actor(role), booking.id)
    assert (s.appointment_id, s.session_number, s.chair_id, s.course_id) == (
        booking.id,
        2,
        w.chairs[1],
        w.course.id,
    )
    assert s.state is SessionState.SCHEDULED and s.scheduled_for == booking.start_at
    assert w.db.commits == before + 1
    assert w.audit()[-1].action == "session.open"
    with pytest.raises(Conflict) as twice:
        arrivals.check_in(w.actor(Role.NURSE), booking.id)
    assert twice.value.field == "appointment_id"
    assert len(w.committed.infusion.sessions) == 1


def test_refusals_name_the_rule_and_store_nothing(
    fake_world: FakeWorld, arrivals: SessionOpeningService
) -> None:
    w = fake_world
    tomorrow = _book(w, hours=30)
    proposed = _book(w, status=BookingStatus.PROPOSED)
    with pytest.raises(Conflict) as other_day:
        arrivals.check_in(w.actor(Role.FRONT_DESK), tomorrow.id)
    assert "session.check_in_same_day" in other_day.value.detail
    with pytest.raises(Conflict) as unconfirmed:
        arrivals.check_in(w.actor(Role.FRONT_DESK), proposed.id)
    assert "confirm the series first" in unconfirmed.value.detail
    with pytest.raises(PermissionDenied):
        arrivals.check_in(w.actor(Role.AUDITOR), proposed.id)
    with pytest.raises(PermissionDenied) as nurse:
        arrivals.open_unscheduled(w.actor(Role.NURSE), w.course.id, w.chairs[0], reason="walk-in")
    assert "session.needs_appointment" in str(nurse.value)
    assert w.committed.infusion.sessions == {} and "session.open" not in w.actions()


def test_hand_entry_parses_every_field_and_names_each_bad_one(fake_world: FakeWorld) -> None:
    at = fake_world.clock.now()
    readings = readings_from_fields(
        {"sbp_mmhg": "128", "spo2_pct": "97.5", "rr_per_min": ""}, at=at
    )
    assert [(r.parameter, r.value, r.unit, r.source) for r in readings] == [
        (Parameter.SBP, 128, "mm[Hg]", ReadingSource.STAFF),
        (Parameter.SPO2, Decimal("97.5"), "%", ReadingSource.STAFF),
    ]
    with pytest.raises(ValidationFailed) as bad:
        readings_from_fields({"sbp_mmhg": "1e9", "hr_per_min": "fast", "temp_c": "NaN"}, at=at)
    assert set(bad.value.errors) == {"sbp_mmhg", "hr_per_min", "temp_c"}
    with pytest.raises(ValidationFailed):
        readings_from_fields({}, at=at)


def test_a_silent_monitor_is_reported_only_when_vitals_are_overdue(
    fake_world: FakeWorld, arrivals: SessionOpeningService
) -> None:
    w = fake_world
    booking = _book(w, hours=0)
    s = arrivals.check_in(w.actor(Role.NURSE), booking.id)
    start = w.clock.now()
    infusing = replace(s, state=SessionState.INFUSING, dosing_started_at=start)
    monitoring = w.protocol.monitoring
    later = start + timedelta(minutes=monitoring.vitals_every_min + 2)
    silence = partial(monitor_silence_min, monitoring=monitoring, monitored=True)
    assert silence(s, readings=(), now=later) is None  # not dosing yet
    assert silence(infusing, readings=(), now=start) is None
    assert silence(infusing, readings=(), now=later) == monitoring.vitals_every_min + 2
    unmonitored = monitor_silence_min(infusing, monitoring, (), later, monitored=False)
    assert unmonitored is None  # no monitor assigned: nothing can go silent
    reading = VitalReading(Parameter.SBP, Decimal(120), "mm[Hg]", later, ReadingSource.STAFF)
    by_hand = StoredReading(1, s.id, reading, later, True, None)
    assert silence(infusing, readings=(by_hand,), now=later) is None


def test_vitals_due_follows_the_protocols_interval_from_the_latest_reading(
    fake_world: FakeWorld, arrivals: SessionOpeningService
) -> None:
    w = fake_world
    s = arrivals.check_in(w.actor(Role.NURSE), _book(w, hours=0).id)
    start = w.clock.now()
    monitoring = w.protocol.monitoring
    every = timedelta(minutes=monitoring.vitals_every_min)
    assert vitals_due(s, monitoring, ()) is None  # not dosing yet
    infusing = replace(s, state=SessionState.INFUSING, dosing_started_at=start)
    assert vitals_due(infusing, monitoring, ()) == VitalsDue(
        start + every, monitoring.vitals_every_min
    )
    taken = start + timedelta(minutes=4)
    reading = VitalReading(Parameter.SBP, Decimal(120), "mm[Hg]", taken, ReadingSource.STAFF)
    due = vitals_due(infusing, monitoring, (StoredReading(1, s.id, reading, taken, True, None),))
    assert due is not None and due.at == taken + every
    assert not due.overdue(taken + every) and due.overdue(taken + every + timedelta(seconds=1))


def test_the_flowsheet_lists_the_pre_dose_checklists_vitals_with_their_phase(
    fake_world: FakeWorld, arrivals: SessionOpeningService
) -> None:
    """The pre-dose checklist's BP, heart rate and SpO2 (and its BP recheck, on its own row)
    are rows of the vitals table, phase "pre-dose"; readings while dosing say "dosing"."""
    w = fake_world
    s = arrivals.check_in(w.actor(Role.NURSE), _book(w, hours=0).id)
    checked = w.clock.now()
    payload = {"sbp_mmhg": 152, "dbp_mmhg": "96", "hr_per_min": 80, "spo2_pct": 97}
    payload |= {"recheck_sbp_mmhg": "146", "recheck_dbp_mmhg": 92, "symptom_check": "none"}
    record = SessionRecord(
        1, s.clinic_id, s.id, s.patient_id, RecordKind.PRE_DOSE, payload, checked, 1
    )
    other = SessionRecord(
        2, s.clinic_id, s.id, s.patient_id, RecordKind.OBSERVATION, {"note": "calm"}, checked, 1
    )
    start = checked + timedelta(minutes=10)
    infusing = replace(s, state=SessionState.INFUSING, dosing_started_at=start)
    taken = start + timedelta(minutes=5)
    reading = VitalReading(Parameter.SBP, Decimal(131), "mm[Hg]", taken, ReadingSource.MONITOR)
    stored = StoredReading(1, s.id, reading, taken, True, None)
    rows = flowsheet((stored,), session=infusing, records=(record, other))
    assert [(r.at, r.phase, dict(r.values)) for r in rows] == [
        (taken, "dosing", {Parameter.SBP: Decimal(131)}),
        (
            checked,
            "pre-dose",
            {
                Parameter.SBP: Decimal(152),
                Parameter.DBP: Decimal(96),
                Parameter.HR: Decimal(80),
                Parameter.SPO2: Decimal(97),
            },
        ),
        (checked, "pre-dose recheck", {Parameter.SBP: Decimal(146), Parameter.DBP: Decimal(92)}),
    ]
    assert {r.source for r in rows[1:]} == {ReadingSource.STAFF}


def test_the_assigned_nurse_is_the_attendant_else_the_appointments_nurse(
    fake_world: FakeWorld, arrivals: SessionOpeningService
) -> None:
    w = fake_world
    booking = _book(w, hours=0)
    s = arrivals.check_in(w.actor(Role.FRONT_DESK), booking.id)
    assert s.attendant_id is None and booking.nurse_id == w.staff(Role.NURSE)
    with w.uow() as uow:
        assert assigned_nurse(uow, s) == booking.nurse_id  # the nurse it was booked with
        other = w.staff(Role.PHYSICIAN)
        assert assigned_nurse(uow, replace(s, attendant_id=other)) == other  # reassigned
        walk_in = replace(s, appointment_id=None)
        assert assigned_nurse(uow, walk_in) is None  # nobody assigned: the form asks
        desk_nurse = w.actor(Role.APP)  # a colleague checks the patient in
        attends = attendant_at_check_in(uow, desk_nurse, s, w.protocol)
        assert attends == booking.nurse_id  # the nurse it was booked with attends
        assert attendant_at_check_in(uow, desk_nurse, walk_in, w.protocol) == desk_nurse.staff_id
        coach_only = replace(
            w.protocol,
            integration=replace(w.protocol.integration, attendant_roles=("physician", "coach")),
        )
        here = attendant_at_check_in(uow, desk_nurse, s, coach_only)
        assert here == desk_nurse.staff_id  # a nurse may not attend there: whoever checks in
