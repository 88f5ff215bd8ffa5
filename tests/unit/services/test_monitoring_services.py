"""Vital signs into a running session as a use case, on the in-memory fakes.

A reading past a protocol alert rule raises its alarm once (audited, the prescriber notified, the
board told after the commit); an implausible value is kept as rejected and raises nothing; a
message received twice is stored once; readings without a session are refused and nothing is
stored. Rules and thresholds are the shipped adult IV pack's (clinical.md §4.4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.domain.errors import Conflict, PermissionDenied
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import MMHG, Parameter, ReadingSource, VitalReading
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.services.infusion.monitor_messages import Receipt, VitalsBatch
from ketaclinic.services.infusion.monitoring import MonitoringService
from ketaclinic.services.ports import UnitOfWork
from tests.unit.services.world import FakeWorld


@dataclass
class RecordingEvents:
    published: list[tuple[int, Mapping[str, Any]]] = field(default_factory=list)

    def publish(self, clinic_id: int, event: Mapping[str, Any]) -> None:
        self.published.append((clinic_id, event))

    def publish_with(
        self, uow: UnitOfWork, clinic_id: int, events: Sequence[Mapping[str, Any]]
    ) -> bool:
        return False


@dataclass
class Monitoring:
    world: FakeWorld
    events: RecordingEvents
    service: MonitoringService
    session: InfusionSession

    def sbp(self, value: int, minutes: float = 0) -> VitalReading:
        at = self.world.clock.now() + timedelta(minutes=minutes)
        return VitalReading(Parameter.SBP, Decimal(value), MMHG, at, ReadingSource.STAFF)


@pytest.fixture
def monitoring(fake_world: FakeWorld) -> Monitoring:
    w = fake_world
    w.move_course(CourseState.INDUCTION)
    with w.uow() as uow:  # a session already dosing (the state machine is tested elsewhere)
        s = uow.sessions.add(
            w.clinic.id,
            course_id=w.course.id,
            patient_id=w.patient_id,
            chair_id=w.chairs[0],
            by=w.staff(Role.NURSE),
            at=w.clock.now(),
            prescriber_id=w.staff(Role.PHYSICIAN),
        )
        for to in (SessionState.CHECKED_IN, SessionState.READY, SessionState.INFUSING):
            s = uow.sessions.move(s, to, by=w.staff(Role.NURSE), at=w.clock.now(), reason="")
        uow.commit()
    events = RecordingEvents()
    return Monitoring(w, events, MonitoringService(w.uow, w.clock, events), s)


def test_a_severe_systolic_raises_its_alarm_once_in_one_commit(monitoring: Monitoring) -> None:
    w, s = monitoring.world, monitoring.session
    before = w.db.commits
    result = monitoring.service.ingest(
        w.actor(Role.NURSE), VitalsBatch((monitoring.sbp(205),), session_id=s.id)
    )
    assert (result.outcome, result.stored, result.rejected) == ("stored", 1, 0)
    [alarm] = result.raised
    assert (alarm.rule_id, alarm.action, alarm.needs_signoff) == (
        "bp-systolic-severe",
        "pause",
        True,
    )
    assert w.db.commits == before + 1
    assert list(w.committed.vitals.alarms.values()) == [alarm]
    assert "alarm.raise" in w.actions()
    [note] = w.committed.infusion.notifications.values()
    assert (note.recipient_id, note.object_id) == (w.staff(Role.PHYSICIAN), str(alarm.id))
    assert any(e.get("type") == "alarm" for _, e in monitoring.events.published)
    again = monitoring.service.ingest(
        w.actor(Role.NURSE), VitalsBatch((monitoring.sbp(206, 1),), session_id=s.id)
    )
    assert again.raised == () and len(w.committed.vitals.alarms) == 1


def test_an_implausible_value_is_kept_as_rejected_and_raises_nothing(
    monitoring: Monitoring,
) -> None:
    w, s = monitoring.world, monitoring.session
    result = monitoring.service.ingest(
        w.actor(Role.NURSE), VitalsBatch((monitoring.sbp(900),), session_id=s.id)
    )
    assert (result.stored, result.rejected, result.raised) == (1, 1, ())
    [row] = w.committed.vitals.readings.values()
    assert not row.stored.plausible and row.stored.rejected_reason
    assert w.committed.vitals.alarms == {}


def test_a_monitor_message_received_twice_is_stored_once(monitoring: Monitoring) -> None:
    w, s = monitoring.world, monitoring.session
    receipt = Receipt("GW", "MSG-1", "d" * 64, b"MSH|...")
    batch = VitalsBatch((monitoring.sbp(120),), session_id=s.id, receipt=receipt)
    first = monitoring.service.ingest(w.actor(Role.NURSE), batch)
    second = monitoring.service.ingest(w.actor(Role.NURSE), batch)
    assert (first.outcome, second.outcome) == ("stored", "duplicate")
    assert len(w.committed.vitals.readings) == 1 and len(w.committed.vitals.messages) == 1


def test_readings_without_a_session_are_refused_and_nothing_is_stored(
    monitoring: Monitoring,
) -> None:
    w = monitoring.world
    with pytest.raises(Conflict) as err:
        monitoring.service.ingest(
            w.actor(Role.NURSE), VitalsBatch((monitoring.sbp(205),), session_id=9999)
        )
    assert err.value.field == "session_id"
    assert w.committed.vitals.readings == {} and w.committed.vitals.alarms == {}


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.AUDITOR, Role.ADMIN])
def test_only_clinical_staff_enter_vitals(monitoring: Monitoring, role: Role) -> None:
    w = monitoring.world
    with pytest.raises(PermissionDenied):
        monitoring.service.ingest(
            w.actor(role), VitalsBatch((monitoring.sbp(205),), session_id=monitoring.session.id)
        )
    assert w.committed.vitals.readings == {}


def test_another_clinic_cannot_feed_the_session(monitoring: Monitoring) -> None:
    w = monitoring.world
    with pytest.raises(Conflict):
        monitoring.service.ingest(
            w.outsider(Role.NURSE),
            VitalsBatch((monitoring.sbp(205),), session_id=monitoring.session.id),
        )
    assert w.committed.vitals.readings == {}
