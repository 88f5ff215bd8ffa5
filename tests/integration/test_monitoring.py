"""The vitals pipeline on SQLite and PostgreSQL: HL7 messages through the listener's handler into
stored readings, server-side alarms (raised once, cleared), acknowledgement with pause, dedup,
unmatched and rejected messages kept for review."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ketaclinic.adapters.db.infusion.tables import hl7_dead_letters, hl7_messages, vital_readings
from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.domain.errors import Conflict, PermissionDenied, SafetyBlock, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.records import AckAction
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from tests.conftest import World
from tests.infusion_world import device_readings, pcd01, running_sessions


def handler(world: World) -> MonitorMessageHandler:
    return MonitorMessageHandler(
        world.services.monitoring,
        world.clinic.id,
        naive_tz=ZoneInfo("UTC"),
        clock=world.clock.now,
    )


def msa(ack: bytes) -> str:
    return next(s for s in ack.decode().split("\r") if s.startswith("MSA")).split("|")[1]


def count(world: World, table: object) -> int:
    with world.services.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a_monitor_message_is_stored_then_acknowledged_and_a_resend_is_not_stored_twice(
    world: World,
) -> None:
    [monitor] = running_sessions(world)
    h = handler(world)
    raw = pcd01(monitor, "CTL-1", world.clock.now())
    assert msa(h.handle(raw)) == "AA"
    assert msa(h.handle(raw)) == "AA"  # the resend is acknowledged again...
    stored = device_readings(world, world.actor(Role.NURSE), monitor.session.id)
    assert len(stored) == 8  # ...but its 8 numeric readings are stored once
    assert {r.reading.parameter for r in stored} >= {Parameter.SBP, Parameter.SPO2, Parameter.TEMP}
    assert all(r.plausible for r in stored)
    assert count(world, hl7_messages) == 1


def test_a_bp_surge_raises_one_pause_alarm_and_ack_with_pause_pauses_and_notifies(
    world: World,
) -> None:
    [monitor] = running_sessions(world)
    h = handler(world)
    for n, sbp in enumerate((190, 192, 195, 197, 198, 199, 196)):
        assert msa(h.handle(pcd01(monitor, f"S{n}", world.clock.now(), sbp=sbp))) == "AA"
        world.clock.advance(minutes=1)
    nurse = world.actor(Role.NURSE)
    alarms = world.services.alarms.for_session(nurse, monitor.session.id)
    assert [a.rule_id for a in alarms] == ["bp-systolic-pause"]  # raised once, not every reading
    alarm = alarms[0]
    assert alarm.action == "pause" and alarm.active and len(alarm.triggering) >= 2
    notices = world.services.alarms.notifications(nurse)
    assert [n.kind for n in notices] == ["alarm.pause"]
    with pytest.raises(SafetyBlock) as refused:  # only a prescriber decides to keep dosing
        world.services.alarms.acknowledge(nurse, alarm.id, AckAction.NONE, "artefact")
    assert "alarm.required_action" in refused.value.detail
    with pytest.raises(ValidationFailed) as failed:  # and with a written reason
        world.services.alarms.acknowledge(
            world.actor(Role.PHYSICIAN), alarm.id, AckAction.NONE, "  "
        )
    assert failed.value.field == "note" and "alarm.required_action" in failed.value.detail
    with pytest.raises(PermissionDenied):
        world.services.alarms.acknowledge(
            world.actor(Role.FRONT_DESK), alarm.id, AckAction.PAUSE, "x"
        )
    done = world.services.alarms.acknowledge(
        nurse, alarm.id, AckAction.PAUSE, "infusion paused, recheck in 5 min", "prescriber told"
    )
    assert done.acknowledged_by == nurse.staff_id and done.ack_action is AckAction.PAUSE
    session = world.services.sessions.get(nurse, monitor.session.id)
    assert session.state is SessionState.PAUSED and session.paused_at == world.clock.now()
    assert len(world.services.alarms.notifications(nurse)) == 2
    with pytest.raises(Conflict):
        world.services.alarms.acknowledge(nurse, alarm.id, AckAction.NONE, "again")


def test_an_alarm_clears_when_readings_return_and_a_surge_before_acknowledgement_repeats_it(
    world: World,
) -> None:
    [monitor] = running_sessions(world)
    h = handler(world)
    nurse = world.actor(Role.NURSE)
    h.handle(pcd01(monitor, "C0", world.clock.now(), sbp=205))
    world.clock.advance(minutes=1)
    h.handle(pcd01(monitor, "C1", world.clock.now(), sbp=120))
    [cleared] = world.services.alarms.for_session(nurse, monitor.session.id)
    assert not cleared.active and cleared.needs_attention
    world.clock.advance(minutes=1)
    h.handle(pcd01(monitor, "C2", world.clock.now(), sbp=206))
    alarms = world.services.alarms.for_session(nurse, monitor.session.id)
    assert [(a.id, a.rule_id, a.active, a.repeat_count) for a in alarms] == [
        (cleared.id, "bp-systolic-severe", True, 2),
    ]
    physician = world.actor(Role.PHYSICIAN)
    world.services.alarms.acknowledge(physician, cleared.id, AckAction.NONE, "manual BP 128/80")
    world.clock.advance(minutes=1)
    h.handle(pcd01(monitor, "C3", world.clock.now(), sbp=121))
    world.clock.advance(minutes=1)
    h.handle(pcd01(monitor, "C4", world.clock.now(), sbp=207))
    alarms = world.services.alarms.for_session(nurse, monitor.session.id)
    assert [(a.active, a.repeat_count) for a in alarms] == [(False, 2), (True, 1)]


def test_messages_without_a_running_session_are_kept_and_acked_per_setting(world: World) -> None:
    [monitor] = running_sessions(world)
    h = handler(world)
    stray = (
        pcd01(monitor, "STRAY", world.clock.now())
        .replace(monitor.device_id.encode(), b"00000000000000FF")
        .replace(f"|{monitor.mrn}^".encode(), b"|NOPE-1^")
    )
    before = count(world, vital_readings)  # the pre-dose checklist's baseline
    assert msa(h.handle(stray)) == "AA"  # settings.hl7_ack_unknown_session default
    assert count(world, vital_readings) == before
    letters = world.services.monitoring.dead_letters(world.actor(Role.NURSE))
    assert [(d.kind, d.control_id) for d in letters] == [("unmatched", "STRAY")]


def test_a_rejected_message_gets_a_negative_ack_and_a_dead_letter(world: World) -> None:
    running_sessions(world)
    ack = handler(world).handle(b"MSH|^~\\&|X||||20300101||ADT^A01|BAD1|P|2.6\r")
    assert msa(ack) == "AR"
    with world.services.engine.connect() as conn:
        row = conn.execute(select(hl7_dead_letters)).one()
    assert row.kind == "rejected" and row.control_id == "BAD1" and "ADT^A01" in row.reason
    assert row.payload.startswith(b"MSH|")


def test_staff_entry_goes_through_the_same_pipeline(world: World) -> None:
    [monitor] = running_sessions(world)
    nurse = world.actor(Role.NURSE)
    reading = VitalReading(
        Parameter.SBP,
        __import__("decimal").Decimal(210),
        "mm[Hg]",
        world.clock.now(),
        ReadingSource.STAFF,
    )
    result = world.services.monitoring.ingest(
        nurse, VitalsBatch((reading,), session_id=monitor.session.id)
    )
    assert result.outcome == "stored" and [a.rule_id for a in result.raised] == [
        "bp-systolic-severe"
    ]
    with pytest.raises(PermissionDenied):
        world.services.monitoring.ingest(
            world.actor(Role.FRONT_DESK), VitalsBatch((reading,), session_id=monitor.session.id)
        )
    with pytest.raises(Conflict):
        world.services.monitoring.ingest(nurse, VitalsBatch((reading,), session_id=99999))


def test_a_long_run_of_frequent_readings_is_judged_over_its_whole_span(world: World) -> None:
    """SBP 185 every 18 s: the 2-readings-5-minutes-apart rule fires once the run spans 5 min,
    i.e. at the 18th reading, although the run is longer than the board's trend window."""
    from decimal import Decimal

    [monitor] = running_sessions(world)
    nurse = world.actor(Role.NURSE)
    raised_at = []
    for n in range(24):
        reading = VitalReading(
            Parameter.SBP, Decimal(185), "mm[Hg]", world.clock.now(), ReadingSource.STAFF
        )
        result = world.services.monitoring.ingest(
            nurse, VitalsBatch((reading,), session_id=monitor.session.id)
        )
        raised_at += [(n, a.rule_id) for a in result.raised if a.parameter == "sbp"]
        world.clock.advance(seconds=18)
    assert raised_at == [(17, "bp-systolic-pause")]


def test_a_silent_monitor_raises_vitals_overdue_from_the_timer_sweep_once(world: World) -> None:
    """No message arrives, so only the sweep can notice: BP due every 10 min, alarm when more
    than 15 min late (adult pack ``vitals-overdue``, clinical.md §4.1)."""
    [monitor] = running_sessions(world)
    handler(world).handle(pcd01(monitor, "LAST", world.clock.now()))
    world.clock.advance(seconds=60)
    assert world.services.monitoring.sweep(world.clinic.id) == []  # 60 s without SpO2: not yet
    world.clock.advance(seconds=1)
    missing = world.services.monitoring.sweep(world.clinic.id)  # continuous SpO2 and HR first
    assert {a.rule_id for a in missing} == {"spo2-data-missing", "hr-data-missing"}
    assert {(a.severity, a.action) for a in missing} == {("medium", "check_sensor")}
    world.clock.advance(minutes=23)
    assert world.services.monitoring.sweep(world.clinic.id) == []  # BP 14 min late: not yet
    world.clock.advance(minutes=2)
    raised = world.services.monitoring.sweep(world.clinic.id)
    assert [a.rule_id for a in raised] == ["vitals-overdue"]
    world.clock.advance(minutes=1)
    assert world.services.monitoring.sweep(world.clinic.id) == []  # never raised twice
    handler(world).handle(pcd01(monitor, "BACK", world.clock.now()))
    alarms = world.services.alarms.for_session(world.actor(Role.NURSE), monitor.session.id)
    assert sorted((a.rule_id, a.active) for a in alarms) == [
        ("hr-data-missing", False),
        ("spo2-data-missing", False),
        ("vitals-overdue", False),
    ]


def test_a_paused_session_whose_oximeter_goes_silent_raises_data_missing_from_the_sweep(
    world: World,
) -> None:
    """A session paused after an alarm is still watched: SpO2 stops while BP still reports."""
    from decimal import Decimal

    [monitor] = running_sessions(world)
    nurse = world.actor(Role.NURSE)
    handler(world).handle(pcd01(monitor, "P0", world.clock.now()))
    world.services.session_workflow.pause(nurse, monitor.session.id, "patient asked to stop")
    world.clock.advance(seconds=50)
    bp = VitalReading(Parameter.SBP, Decimal(124), "mm[Hg]", world.clock.now(), ReadingSource.STAFF)
    assert (
        world.services.monitoring.ingest(
            nurse, VitalsBatch((bp,), session_id=monitor.session.id)
        ).raised
        == ()
    )
    world.clock.advance(seconds=15)
    raised = world.services.monitoring.sweep(world.clinic.id)
    assert {(a.rule_id, a.severity, a.action) for a in raised} == {
        ("spo2-data-missing", "medium", "check_sensor"),
        ("hr-data-missing", "medium", "check_sensor"),
    }
