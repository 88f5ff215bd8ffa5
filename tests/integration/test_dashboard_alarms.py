"""The dashboard's safety figure counts the alarms the monitoring raised on a course's sessions
(active, cleared and acknowledged alike), on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.records import AckAction
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from tests.conftest import World
from tests.infusion_world import start_fields
from tests.integration.test_outcome_service import phq9
from tests.integration.test_session_workflow import Day, _ready, make_day

UNITS = {"sbp": "mm[Hg]", "dbp": "mm[Hg]", "hr": "/min", "spo2": "%", "rr": "/min"}


def _vitals(day: Day, **values: int) -> None:
    now = day.world.clock.now()
    readings = tuple(
        VitalReading(Parameter(p), Decimal(v), UNITS[p], now, ReadingSource.STAFF)
        for p, v in values.items()
    )
    nurse = day.world.actor(Role.NURSE)
    day.world.services.monitoring.ingest(nurse, VitalsBatch(readings, session_id=day.session_id))


def raise_alarms(world: World) -> tuple[Day, int]:
    """A course with a baseline, whose session raised a severe BP alarm (cleared, then
    acknowledged) and a low-oxygen one still active; returns the day and the stored count."""
    day = make_day(world)
    nurse = world.actor(Role.NURSE)
    world.services.outcomes.record_score(
        nurse, day.setup.course_id, "phq9", phq9(18), kind="baseline", session_number=None
    )
    _ready(day)
    day.flow.start(nurse, day.session_id, start_fields(world))
    world.clock.advance(minutes=10)
    _vitals(day, sbp=210, dbp=95, hr=80, spo2=97, rr=14)  # a severe BP rise
    world.clock.advance(minutes=5)
    _vitals(day, sbp=128, dbp=80, hr=76, spo2=98, rr=14)  # cleared ...
    raised = world.services.alarms.for_session(nurse, day.session_id)
    assert raised and not any(a.active for a in raised)
    for alarm in raised:  # ... and acknowledged
        world.services.alarms.acknowledge(nurse, alarm.id, AckAction.NONE, "cleared on recheck")
    world.clock.advance(minutes=5)
    _vitals(day, sbp=126, dbp=80, hr=76, spo2=86, rr=14)  # low oxygen, still active
    stored = world.services.alarms.for_session(nurse, day.session_id)
    assert len(stored) > len(raised) and any(a.active for a in stored)
    assert any(a.acknowledged_at is not None for a in stored)
    return day, len(stored)


def test_alarms_raised_on_a_course_session_are_counted_whatever_their_status(
    world: World,
) -> None:
    _, count = raise_alarms(world)
    month = f"{world.clock.now():%Y-%m}"
    built = world.services.dashboard.build(world.actor(Role.ADMIN), month, month)
    [safety] = built.safety
    assert safety.alarms == count
    [figures] = built.protocols
    assert figures.courses == 1
