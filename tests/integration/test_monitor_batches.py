"""One batch, one commit: several monitor messages through ``MonitoringService.ingest_messages``
(what the listener's writer calls) give each message its own answer, in order."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ketaclinic.adapters.db.infusion.tables import hl7_messages, vital_readings
from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from tests.conftest import World
from tests.infusion_world import pcd01, running_sessions


def _count(world: World, table: Any) -> int:
    with world.services.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


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
    assert _count(world, hl7_messages) == 3 and _count(world, vital_readings) == 24
