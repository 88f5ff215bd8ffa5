"""One batch, one commit: several monitor messages through ``MonitoringService.ingest_messages``
(what the listener's writer calls) give each message its own answer, in order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ketaclinic.adapters.db.infusion.tables import hl7_messages, vital_readings
from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from tests.conftest import World
from tests.infusion_world import pcd01, running_sessions


def _count(world: World, table: Any) -> int:
    with world.services.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


#: The readings a device sent: the pre-dose checklist's baseline (entered by hand) left out.
DEVICE_READINGS = (
    select(vital_readings).where(vital_readings.c.source != ReadingSource.STAFF.value).subquery()
)


def test_a_batch_answers_each_message_and_catches_msh10_reuse_inside_the_batch(
    world: World,
) -> None:
    monitors = running_sessions(world, count=3)
    handler = MonitorMessageHandler(
        world.services.monitoring,
        world.clinic.id,
        naive_tz=ZoneInfo("UTC"),
        clock=world.clock.now,
    )
    now = world.clock.now()
    raws = [pcd01(m, f"BATCH-{i}", now) for i, m in enumerate(monitors)]
    raws += [raws[0], pcd01(monitors[0], "BATCH-0", now, sbp=230)]
    messages = [handler._prepare(raw, "127.0.0.1")[0] for raw in raws]
    results = world.services.monitoring.ingest_messages(world.clinic.id, messages)
    assert [(r.outcome, r.ack_code) for r in results] == [
        ("stored", "AA"),
        ("stored", "AA"),
        ("stored", "AA"),
        ("duplicate", "AA"),  # the same bytes again: the same answer
        ("refused", "AR"),  # the same MSH-10 with other content
    ]
    assert {r.session_id for r in results[:3]} == {m.session.id for m in monitors}
    assert _count(world, hl7_messages) == 3 and _count(world, DEVICE_READINGS) == 24


def test_routing_held_between_batches_follows_every_change_to_monitors_and_gateways(
    world: World,
) -> None:
    """The listener holds its routing between batches; moving a monitor to another chair and
    removing the gateway are each seen by the very next batch."""
    first, second = running_sessions(world, count=2)
    handler = MonitorMessageHandler(
        world.services.monitoring, world.clinic.id, naive_tz=ZoneInfo("UTC"), clock=world.clock.now
    )
    now, admin = world.clock.now(), world.actor(Role.ADMIN)

    def send(control_id: str) -> tuple[str, str, int | None]:
        [message] = [handler._prepare(pcd01(first, control_id, now), "127.0.0.1")[0]]
        [result] = world.services.monitoring.ingest_messages(world.clinic.id, [message])
        return result.outcome, result.ack_code, result.session_id

    assert send("HELD-1") == ("stored", "AA", first.session.id)
    world.services.gateways.add_device(admin, first.device_id, second.session.chair_id)
    assert send("HELD-2") == ("stored", "AA", second.session.id)  # the monitor's new chair
    for gateway in world.services.gateways.list(admin):
        world.services.gateways.remove(admin, gateway.id)
    assert send("HELD-3") == ("refused", "AR", None)


def test_the_catalog_version_counts_session_changes_but_not_stored_readings(world: World) -> None:
    [monitor] = running_sessions(world, count=1)
    handler = MonitorMessageHandler(
        world.services.monitoring, world.clinic.id, naive_tz=ZoneInfo("UTC"), clock=world.clock.now
    )

    def version() -> int | None:
        with world.services.uow() as uow:
            return uow.hl7_inbox.catalog_version(world.clinic.id)

    before = version()
    assert handler.handle(pcd01(monitor, "CATALOG-1", world.clock.now())).count(b"MSA|AA") == 1
    assert version() == before  # a stored batch bumps only the session's readings_version
    with world.services.uow() as uow:
        s = uow.sessions.get(world.clinic.id, monitor.session.id)
        assert s is not None
        nurse = world.actor(Role.NURSE).staff_id or 0
        uow.sessions.move(s, SessionState.PAUSED, by=nurse, at=world.clock.now(), reason="test")
        uow.commit()
    assert version() != before


def test_readings_must_name_their_sessions_clinic_and_patient(world: World) -> None:
    """No per-row keys to the clinic and patient: storing readings checks them against the
    session once, and a mismatch stores nothing."""
    first, second = running_sessions(world, count=2)
    reading = VitalReading(
        Parameter.SBP, Decimal(120), "mm[Hg]", world.clock.now(), ReadingSource.STAFF
    )
    with world.services.uow() as uow, pytest.raises(Conflict):
        uow.readings.add_many(
            world.clinic.id,
            first.session.id,
            second.session.patient_id,  # another patient's
            [(reading, None)],
            received_at=world.clock.now(),
        )
    assert _count(world, DEVICE_READINGS) == 0
