"""Discharge through the services on SQLite and PostgreSQL: an open alarm and out-of-limit
recovery vitals each block it with their reason; a high-priority alarm blocks it until it is
acknowledged, even once its condition has cleared; a stopped session still goes through attended
recovery and the same criteria; nothing is stored when the discharge is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.domain.errors import SafetyBlock
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.infusion.records import AckAction
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from ketaclinic.services.infusion.ports import RecordKind
from tests.conftest import World
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import Day, _ready, make_day

DISCHARGE = {"escort_present": True, "instructions_given": True}


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def _vitals(day: Day, **values: int) -> None:
    units = {"sbp": "mm[Hg]", "dbp": "mm[Hg]", "hr": "/min", "spo2": "%", "rr": "/min"}
    readings = tuple(
        VitalReading(Parameter(p), Decimal(v), units[p], day.world.clock.now(), ReadingSource.STAFF)
        for p, v in values.items()
    )
    nurse = day.world.actor(Role.NURSE)
    day.world.services.monitoring.ingest(nurse, VitalsBatch(readings, session_id=day.session_id))


def _infusing(day: Day) -> None:
    _ready(day)
    day.flow.start(
        day.world.actor(Role.NURSE),
        day.session_id,
        start_fields(day.world),
    )


def test_open_alarm_and_high_bp_block_discharge_with_their_reasons(day: Day) -> None:
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _infusing(day)
    w.clock.advance(minutes=40)
    day.flow.end_dosing(nurse, day.session_id)
    _vitals(day, sbp=210, dbp=95, hr=80, spo2=97, rr=14)
    day.flow.aldrete(nurse, day.session_id, AldreteScore(2, 2, 2, 2, 2))
    w.clock.advance(minutes=45)
    with pytest.raises(SafetyBlock) as refused:
        day.flow.discharge(nurse, day.session_id, DISCHARGE)
    reasons = " ".join(refused.value.reasons)
    assert "no_open_high_alarm" in reasons
    assert "vitals_within_limits: Systolic BP 210 mmHg" in reasons
    records = day.flow.day(nurse, day.session_id).records
    assert not any(r.kind is RecordKind.DISCHARGE for r in records)
    with pytest.raises(SafetyBlock):  # a prescriber without a reason cannot sign against them
        day.flow.discharge(w.actor(Role.PHYSICIAN), day.session_id, DISCHARGE)
    override = {**DISCHARGE, "override_reason": "asymptomatic", "extended_observation_min": "45"}
    with pytest.raises(SafetyBlock) as never:  # a high-priority alarm is never overridden
        day.flow.discharge(w.actor(Role.PHYSICIAN), day.session_id, override)
    assert never.value.field == "no_open_high_alarm"
    _vitals(day, sbp=128, dbp=80, hr=76, spo2=98, rr=14)
    alarms = w.services.alarms.for_session(nurse, day.session_id)
    [alarm] = [a for a in alarms if a.severity == "high"]
    assert not alarm.active  # the condition has cleared, but nobody acknowledged the alarm
    with pytest.raises(SafetyBlock) as unseen:
        day.flow.discharge(nurse, day.session_id, DISCHARGE)
    assert [r.split(":", 1)[0] for r in unseen.value.reasons] == ["high_alarms_acknowledged"]
    assert "condition has cleared" in unseen.value.reasons[0]
    unmet = day.flow.check_discharge(nurse, day.session_id).unmet
    assert [u.id for u in unmet] == ["high_alarms_acknowledged"]
    w.services.alarms.acknowledge(nurse, alarm.id, AckAction.NONE, "condition cleared on recheck")
    assert day.flow.check_discharge(nurse, day.session_id).allowed
    assert day.flow.discharge(nurse, day.session_id, DISCHARGE).state is SessionState.DISCHARGED


def test_a_stopped_session_recovers_attended_and_meets_the_same_criteria(day: Day) -> None:
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _infusing(day)
    w.clock.advance(minutes=10)
    stopped = day.flow.stop(nurse, day.session_id, "chest tightness")
    assert stopped.state is SessionState.STOPPED
    recovering = day.flow.end_dosing(nurse, day.session_id, "recovery after stop")
    assert recovering.state is SessionState.RECOVERY
    _vitals(day, sbp=124, dbp=78, hr=74, spo2=98, rr=14)
    day.flow.aldrete(nurse, day.session_id, AldreteScore(2, 2, 2, 2, 2))
    with pytest.raises(SafetyBlock) as early:
        day.flow.discharge(nurse, day.session_id, {**DISCHARGE, "instructions_given": False})
    assert any(r.startswith("instructions_given") for r in early.value.reasons)
    assert any(r.startswith("min_observation") for r in early.value.reasons)
    w.clock.advance(minutes=30)
    assert day.flow.discharge(nurse, day.session_id, DISCHARGE).state is SessionState.DISCHARGED
