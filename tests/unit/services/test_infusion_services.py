"""Infusion sessions and alarm acknowledgement as use cases, on the in-memory fakes.

Creating a session (the chair and people belong to the clinic, the course is treatable), the
bedside monitor (EUI-64, one clinic), the session state machine with its check-in guards, one
patient per chair, the safety gate before dosing, and acknowledging an alarm (once, with what was
done; a pause moves the session). One commit per use case, the audit event with it, board events
only after the commit; a refusal stores nothing. Source: seed 000 steps 4-5; clinical.md §4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.domain.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    SafetyBlock,
    ValidationFailed,
)
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.alarms import Alarm
from ketaclinic.domain.infusion.records import AckAction, InfusionSession, StoredAlarm
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.protocols.sections import AlertAction, AlertSeverity
from ketaclinic.services.infusion.alarm_response import AlarmService
from ketaclinic.services.infusion.ports import RecordKind
from ketaclinic.services.infusion.sessions import SessionService
from ketaclinic.services.ports import UnitOfWork
from tests.unit.services.world import FakeWorld

CHECK_IN = {
    "identity_confirmed": True,
    "escort_name": "Sam Demo-Escort",
    "escort_phone": "555-0100",
    "escort_reachable": True,
    "fasting_confirmed": True,
    "pregnancy_test": "negative",
    "checkin_reviewed": True,
}
DEVICE = "0011AABBCCDDEEFF"


@dataclass
class RecordingEvents:
    """Board events as published (after the commit)."""

    published: list[tuple[int, Mapping[str, Any]]] = field(default_factory=list)

    def publish(self, clinic_id: int, event: Mapping[str, Any]) -> None:
        self.published.append((clinic_id, event))

    def publish_with(
        self, uow: UnitOfWork, clinic_id: int, events: Sequence[Mapping[str, Any]]
    ) -> bool:
        return False


@dataclass
class Infusion:
    world: FakeWorld
    events: RecordingEvents
    sessions: SessionService
    alarms: AlarmService

    def create(self, chair: int = 0) -> InfusionSession:
        w = self.world
        return self.sessions.create(
            w.actor(Role.PHYSICIAN), w.course.id, w.chairs[chair], unscheduled_reason="walk-in"
        )

    def documented(self, s: InfusionSession) -> InfusionSession:
        """The check-in form as documented (the workflow's record): the move reads it."""
        w = self.world
        with w.uow() as uow:
            uow.session_records.add(
                s.clinic_id,
                s.id,
                s.patient_id,
                RecordKind.CHECK_IN,
                CHECK_IN,
                by=w.staff(Role.NURSE),
                at=w.clock.now(),
            )
            uow.commit()
        return s

    def checked_in(self) -> InfusionSession:
        s = self.documented(self.create())
        return self.sessions.move(self.world.actor(Role.NURSE), s.id, SessionState.CHECKED_IN)

    def raise_alarm(self, s: InfusionSession, action: AlertAction) -> StoredAlarm:
        reading = VitalReading(
            Parameter.SPO2, Decimal(86), "%", self.world.clock.now(), ReadingSource.MONITOR
        )
        alarm = Alarm(
            rule_id="alarm.spo2_low",
            dedup_key="spo2_low",
            parameter="spo2",
            severity=AlertSeverity.HIGH,
            action=action,
            triggering=(reading,),
            message="SpO2 86 %",
            source="clinical.md §4.4",
            needs_signoff=False,
            raised_at=self.world.clock.now(),
        )
        with self.world.uow() as uow:
            stored = uow.alarms.add(s.clinic_id, s.id, s.patient_id, alarm)
            uow.commit()
        return stored


@pytest.fixture
def infusion(fake_world: FakeWorld) -> Infusion:
    events = RecordingEvents()
    fake_world.move_course(CourseState.CONSENTED)
    return Infusion(
        fake_world,
        events,
        SessionService(fake_world.uow, fake_world.clock, events),
        AlarmService(fake_world.uow, fake_world.clock, events),
    )


def stored_sessions(w: FakeWorld) -> list[InfusionSession]:
    return list(w.committed.infusion.sessions.values())


# -- creating a session --------------------------------------------------------------------
def test_a_prescriber_opens_an_unscheduled_session_in_one_commit(infusion: Infusion) -> None:
    w, before = infusion.world, infusion.world.db.commits
    s = infusion.create()
    assert (s.state, s.chair_id, s.patient_id) == (
        SessionState.SCHEDULED,
        w.chairs[0],
        w.patient_id,
    )
    assert stored_sessions(w) == [s]
    assert w.db.commits == before + 1
    assert w.audit()[-1].action == "session.open"
    assert s.unscheduled_reason == "walk-in" and s.appointment_id is None


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.AUDITOR, Role.ADMIN])
def test_only_clinical_staff_run_sessions(infusion: Infusion, role: Role) -> None:
    w = infusion.world
    with pytest.raises(PermissionDenied):
        infusion.sessions.create(w.actor(role), w.course.id, w.chairs[0], unscheduled_reason="x")
    assert stored_sessions(w) == [] and w.actions() == []


def test_a_nurse_cannot_open_a_session_without_an_appointment(infusion: Infusion) -> None:
    w = infusion.world
    with pytest.raises(PermissionDenied) as err:
        infusion.sessions.create(
            w.actor(Role.NURSE), w.course.id, w.chairs[0], unscheduled_reason="walk-in"
        )
    assert "session.needs_appointment" in str(err.value)
    assert stored_sessions(w) == [] and w.actions() == []


def test_an_unscheduled_session_needs_the_prescribers_reason(infusion: Infusion) -> None:
    w = infusion.world
    with pytest.raises(ValidationFailed) as err:
        infusion.sessions.create(
            w.actor(Role.PHYSICIAN), w.course.id, w.chairs[0], unscheduled_reason="  "
        )
    assert err.value.field == "reason"
    assert stored_sessions(w) == []


def test_a_chair_or_prescriber_of_another_clinic_is_not_found(infusion: Infusion) -> None:
    w = infusion.world
    with w.uow() as uow:
        foreign_chair = uow.clinics.add_chair(w.other_clinic.id, "Chair 9", ())
        foreign = uow.staff.list_for_clinic(w.other_clinic.id)[0][0].id
        uow.commit()
    with pytest.raises(NotFound) as chair:
        infusion.sessions.create(
            w.actor(Role.PHYSICIAN), w.course.id, foreign_chair, unscheduled_reason="walk-in"
        )
    with pytest.raises(NotFound) as prescriber:
        infusion.sessions.create(
            w.actor(Role.PHYSICIAN),
            w.course.id,
            w.chairs[0],
            unscheduled_reason="walk-in",
            prescriber_id=foreign,
        )
    assert (chair.value.field, prescriber.value.field) == ("chair_id", "prescriber_id")
    assert stored_sessions(w) == []


def test_a_discontinued_course_gets_no_session(infusion: Infusion) -> None:
    infusion.world.move_course(CourseState.DISCONTINUED)
    with pytest.raises(Conflict) as err:
        infusion.create()
    assert err.value.field == "course_id" and stored_sessions(infusion.world) == []


def test_another_clinic_cannot_see_or_move_the_session(infusion: Infusion) -> None:
    s = infusion.create()
    outsider = infusion.world.outsider(Role.NURSE)
    with pytest.raises(NotFound):
        infusion.sessions.get(outsider, s.id)
    with pytest.raises(NotFound):
        infusion.sessions.move(outsider, s.id, SessionState.CANCELLED, reason="x")
    assert stored_sessions(infusion.world) == [s]


# -- people and monitor --------------------------------------------------------------------
def test_attendant_and_monitor_are_recorded_and_the_board_told_after_commit(
    infusion: Infusion,
) -> None:
    w = infusion.world
    s = infusion.create()
    before = w.db.commits
    s = infusion.sessions.assign(
        w.actor(Role.NURSE), s.id, attendant_id=w.staff(Role.COACH), device_id=DEVICE.lower()
    )
    assert (s.attendant_id, s.monitor_device_id) == (w.staff(Role.COACH), DEVICE)
    assert w.committed.infusion.monitors[DEVICE][:2] == (w.clinic.id, w.chairs[0])
    assert w.db.commits == before + 1
    assert w.audit()[-1].action == "session.assign"
    # a scheduled session (the patient arrived, not yet checked in) waits on its chair, not free
    [(clinic_id, event)] = infusion.events.published
    assert (clinic_id, event["chair_id"], event["state"]) == (w.clinic.id, w.chairs[0], "scheduled")
    assert (event["session_id"], event["active"]) == (s.id, False)


def test_a_malformed_monitor_id_names_the_field(infusion: Infusion) -> None:
    s = infusion.create()
    with pytest.raises(ValidationFailed) as err:
        infusion.sessions.assign(
            infusion.world.actor(Role.NURSE), s.id, attendant_id=None, device_id="not-a-monitor"
        )
    assert err.value.field == "device_id"


def test_a_monitor_of_another_clinic_is_refused_and_nothing_is_kept(infusion: Infusion) -> None:
    w = infusion.world
    s = infusion.create()
    with w.uow() as uow:
        uow.monitors.assign(w.other_clinic.id, DEVICE, 999, at=w.clock.now())
        uow.commit()
    before = w.db.commits
    with pytest.raises(Conflict) as err:
        infusion.sessions.assign(
            w.actor(Role.NURSE), s.id, attendant_id=w.staff(Role.COACH), device_id=DEVICE
        )
    assert err.value.field == "device_id"
    assert w.db.commits == before and infusion.events.published == []
    assert w.committed.infusion.sessions[s.id].attendant_id is None  # rolled back


# -- the state machine ---------------------------------------------------------------------
def test_check_in_needs_every_check_in_fact_named(infusion: Infusion) -> None:
    w = infusion.world
    s = infusion.create()
    with pytest.raises(InvalidTransition) as err:
        infusion.sessions.move(w.actor(Role.NURSE), s.id, SessionState.CHECKED_IN)
    assert "identity_confirmed" in str(err.value.reasons)
    assert "escort_named" in str(err.value.reasons)
    assert w.committed.infusion.sessions[s.id].state is SessionState.SCHEDULED
    assert w.committed.infusion.transitions == []


def test_check_in_moves_stamps_and_audits_in_one_commit(infusion: Infusion) -> None:
    w = infusion.world
    s = infusion.documented(infusion.create())
    before = w.db.commits
    moved = infusion.sessions.move(w.actor(Role.NURSE), s.id, SessionState.CHECKED_IN)
    assert (moved.state, moved.checked_in_at, moved.version) == (
        SessionState.CHECKED_IN,
        w.clock.now(),
        2,
    )
    assert w.db.commits == before + 1
    event = w.audit()[-1]
    assert (event.action, event.detail) == ("session.transition", "scheduled->checked_in")
    assert infusion.events.published[-1][1]["state"] == "checked_in"


def test_one_patient_per_chair(infusion: Infusion) -> None:
    w = infusion.world
    infusion.checked_in()
    with w.uow() as uow:  # a second patient booked on the same chair
        other = uow.patients.add(
            w.clinic.id,
            "UN000099",
            w.committed.people.patients[w.patient_id].details,
            at=w.clock.now(),
        )
        course = uow.courses.add(
            w.clinic.id,
            other.id,
            w.course.protocol_version_id,
            by=w.staff(Role.PHYSICIAN),
            at=w.clock.now(),
        )
        uow.commit()
    before = dict(w.committed.infusion.sessions)
    with pytest.raises(Conflict) as err:  # the chair has a patient in it: no second session
        infusion.sessions.create(
            w.actor(Role.PHYSICIAN), course.id, w.chairs[0], unscheduled_reason="walk-in"
        )
    assert err.value.field == "chair_id"
    assert err.value.detail.startswith("session.chair_free: ")
    assert "has another patient in it: a session open since" in err.value.detail
    assert w.committed.infusion.sessions == before
    free = infusion.sessions.create(
        w.actor(Role.PHYSICIAN), course.id, w.chairs[1], unscheduled_reason="walk-in"
    )
    assert free.chair_id == w.chairs[1]


def test_one_active_session_per_patient(infusion: Infusion) -> None:
    w = infusion.world
    infusion.checked_in()
    second = infusion.documented(infusion.create(chair=1))
    with pytest.raises(Conflict) as err:
        infusion.sessions.move(w.actor(Role.NURSE), second.id, SessionState.CHECKED_IN)
    assert err.value.field == "patient_id"


def test_a_documented_check_in_does_not_pass_an_open_safety_gate(infusion: Infusion) -> None:
    w = infusion.world
    s = infusion.documented(infusion.create())
    w.open_safety_task()
    with pytest.raises(InvalidTransition) as err:
        infusion.sessions.move(w.actor(Role.NURSE), s.id, SessionState.CHECKED_IN)
    assert "safety_gates_clear" in str(err.value.reasons)


def test_dosing_cannot_start_with_an_open_safety_task(infusion: Infusion) -> None:
    w = infusion.world
    s = infusion.checked_in()
    with w.uow() as uow:  # straight to ready in storage: the gate is what is under test
        current = uow.sessions.get(w.clinic.id, s.id)
        assert current is not None
        uow.sessions.move(
            current, SessionState.READY, by=w.staff(Role.NURSE), at=w.clock.now(), reason=""
        )
        uow.commit()
    w.open_safety_task()
    before = w.db.commits
    with pytest.raises(SafetyBlock) as err:
        infusion.sessions.move(w.actor(Role.NURSE), s.id, SessionState.INFUSING)
    assert err.value.field == "safety_gate"
    assert w.db.commits == before
    assert w.committed.infusion.sessions[s.id].state is SessionState.READY


def test_cancelling_needs_a_reason(infusion: Infusion) -> None:
    w = infusion.world
    s = infusion.create()
    with pytest.raises(InvalidTransition):
        infusion.sessions.move(w.actor(Role.NURSE), s.id, SessionState.CANCELLED, reason="  ")
    cancelled = infusion.sessions.move(
        w.actor(Role.NURSE), s.id, SessionState.CANCELLED, reason="unwell"
    )
    assert cancelled.state is SessionState.CANCELLED and cancelled.ended_at == w.clock.now()
    assert w.committed.infusion.transitions[-1][2].reason == "unwell"


# -- alarms --------------------------------------------------------------------------------
def test_acknowledging_a_notice_needs_no_note_and_happens_once(infusion: Infusion) -> None:
    w = infusion.world
    alarm = infusion.raise_alarm(infusion.checked_in(), AlertAction.NOTIFY)
    done = infusion.alarms.acknowledge(w.actor(Role.NURSE), alarm.id, AckAction.NONE, "")
    assert (done.acknowledged_by, done.ack_note) == (w.staff(Role.NURSE), "")
    with pytest.raises(Conflict):
        infusion.alarms.acknowledge(w.actor(Role.NURSE), alarm.id, AckAction.NONE, "again")
    assert w.actions().count("alarm.acknowledge") == 1


def test_a_front_desk_or_another_clinic_cannot_acknowledge(infusion: Infusion) -> None:
    w = infusion.world
    alarm = infusion.raise_alarm(infusion.checked_in(), AlertAction.NOTIFY)
    with pytest.raises(PermissionDenied):
        infusion.alarms.acknowledge(w.actor(Role.FRONT_DESK), alarm.id, AckAction.NONE, "x")
    with pytest.raises(NotFound):
        infusion.alarms.acknowledge(w.outsider(Role.NURSE), alarm.id, AckAction.NONE, "x")
    assert w.committed.vitals.alarms[alarm.id].acknowledged_at is None


def test_a_pause_acknowledgement_pauses_the_session_and_tells_the_prescriber(
    infusion: Infusion,
) -> None:
    w = infusion.world
    s = infusion.checked_in()
    with w.uow() as uow:
        current = uow.sessions.get(w.clinic.id, s.id)
        assert current is not None
        for to in (SessionState.READY, SessionState.INFUSING):
            current = uow.sessions.move(
                current, to, by=w.staff(Role.NURSE), at=w.clock.now(), reason=""
            )
        uow.commit()
    alarm = infusion.raise_alarm(s, AlertAction.PAUSE)
    w.clock.advance(minutes=2)
    before = w.db.commits
    infusion.alarms.acknowledge(w.actor(Role.NURSE), alarm.id, AckAction.PAUSE, "paused the pump")
    assert w.db.commits == before + 1
    paused = w.committed.infusion.sessions[s.id]
    assert (paused.state, paused.paused_at) == (SessionState.PAUSED, w.clock.now())
    [note] = w.committed.infusion.notifications.values()
    assert (note.recipient_role, note.object_id, note.patient_id) == (
        "physician",
        str(alarm.id),
        w.patient_id,
    ) or note.patient_id == w.patient_id
    assert w.actions()[-2:] == ["session.transition", "alarm.acknowledge"]
    assert infusion.events.published[-1][1]["state"] == "paused"
