"""The listener keeps each running session's evaluation history in memory between batches; on
SQLite and PostgreSQL it must judge exactly as if it had read the history from the database:
a reading stored by anyone else in between is seen, and a batch that fails before its commit
leaves nothing behind (no ACK AA, nothing stored, nothing remembered). An alarm a batch raises
reaches a board subscribed at the time."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ketaclinic.adapters.db.infusion.tables import hl7_messages, vital_readings
from ketaclinic.adapters.db.infusion.vitals_repository import SqlReadingRepository
from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from ketaclinic.services.infusion.monitoring import MonitoringService
from tests.conftest import World
from tests.infusion_world import pcd01, running_sessions


def handler(world: World) -> MonitorMessageHandler:
    return MonitorMessageHandler(
        world.services.monitoring,
        world.clinic.id,
        naive_tz=ZoneInfo("UTC"),
        clock=world.clock.now,
    )


def msa(ack: bytes) -> str:
    return next(s for s in ack.decode().split("\r") if s.startswith("MSA")).split("|")[1]


def count(world: World, table: Any) -> int:
    with world.services.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def sbp_rules(world: World, monitor_session: int) -> list[str]:
    alarms = world.services.alarms.for_session(world.actor(Role.NURSE), monitor_session)
    return sorted(a.rule_id for a in alarms if a.parameter == "sbp")


def test_a_reading_entered_by_staff_between_two_batches_is_judged_by_the_next_batch(
    world: World,
) -> None:
    """SBP 185 raises ``bp-systolic-pause`` only over a run spanning 5 min. A staff SBP of 120
    two minutes in breaks the run: the monitor's next 185 five minutes after the first must
    not raise it (a history held from before the staff entry would)."""
    [monitor] = running_sessions(world)
    h = handler(world)
    assert msa(h.handle(pcd01(monitor, "RUN-1", world.clock.now(), sbp=185))) == "AA"
    world.clock.advance(minutes=2)
    calm = VitalReading(
        Parameter.SBP, Decimal(120), "mm[Hg]", world.clock.now(), ReadingSource.STAFF
    )
    world.services.monitoring.ingest(
        world.actor(Role.NURSE), VitalsBatch((calm,), session_id=monitor.session.id)
    )
    world.clock.advance(minutes=3)
    assert msa(h.handle(pcd01(monitor, "RUN-2", world.clock.now(), sbp=185))) == "AA"
    assert sbp_rules(world, monitor.session.id) == []
    world.clock.advance(minutes=5)  # now the monitor's own run spans 5 min: raised once
    assert msa(h.handle(pcd01(monitor, "RUN-3", world.clock.now(), sbp=185))) == "AA"
    assert sbp_rules(world, monitor.session.id) == ["bp-systolic-pause"]


def test_a_fault_between_insert_and_commit_gets_no_aa_and_leaves_nothing_behind(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The readings are inserted, then the transaction fails before its commit: no ACK is
    built (the listener answers AR, resend later), nothing is stored, and the history held in
    memory is not the failed batch's: the resend is stored once and judged on what the database
    holds."""
    [monitor] = running_sessions(world)
    h = handler(world)
    assert msa(h.handle(pcd01(monitor, "F-0", world.clock.now()))) == "AA"
    stored = count(world, vital_readings)
    insert = SqlReadingRepository.add_batches

    def insert_then_fail(self: SqlReadingRepository, *args: Any, **kwargs: Any) -> None:
        insert(self, *args, **kwargs)
        raise RuntimeError("injected: the database went away before the commit")

    world.clock.advance(seconds=30)
    surge = pcd01(monitor, "F-1", world.clock.now(), sbp=230)
    with monkeypatch.context() as m:
        m.setattr(SqlReadingRepository, "add_batches", insert_then_fail)
        with pytest.raises(RuntimeError, match="injected"):  # the listener answers AR
            h.handle(surge)
    assert count(world, vital_readings) == stored
    assert count(world, hl7_messages) == 1
    assert sbp_rules(world, monitor.session.id) == []
    assert msa(h.handle(surge)) == "AA"  # the resend, once the fault is gone
    assert msa(h.handle(surge)) == "AA"  # and again: a duplicate, not stored twice
    assert count(world, vital_readings) == stored + 8
    assert count(world, hl7_messages) == 2
    assert sbp_rules(world, monitor.session.id) == ["bp-systolic-severe"]


def test_an_alarm_raised_by_a_batch_reaches_a_subscribed_board(world: World) -> None:
    [monitor] = running_sessions(world)
    h = handler(world)

    async def watch() -> list[dict[str, Any]]:
        sub = world.services.live.subscribe(world.clinic.id)
        try:
            surge = pcd01(monitor, "B-1", world.clock.now(), sbp=230)
            ack = await asyncio.get_running_loop().run_in_executor(None, h.handle, surge)
            assert msa(ack) == "AA"
            seen: list[dict[str, Any]] = []
            # The alarm and the chair update may reach the board in separate deliveries (on
            # PostgreSQL each crosses LISTEN/NOTIFY on its own): wait for both, then drain a
            # moment longer so a duplicate alarm would be seen.
            for _ in range(50):
                batch = await sub.next_batch(0.2)
                assert batch is not None
                seen += [dict(e.event) for e in batch]
                if {"alarm", "chair"} <= {e.get("type") for e in seen}:
                    break
            late = await sub.next_batch(0.3)
            assert late is not None
            return seen + [dict(e.event) for e in late]
        finally:
            world.services.live.unsubscribe(sub)

    events = asyncio.run(watch())
    alarms = [e for e in events if e.get("type") == "alarm"]
    assert [e["alarm"]["rule_id"] for e in alarms] == ["bp-systolic-severe"]
    chairs = [e for e in events if e.get("type") == "chair"]
    assert chairs, "the chair's update never reached the board"
    assert {e["chair_id"] for e in chairs} == {monitor.session.chair_id}


def test_a_listener_primed_before_a_staff_entry_judges_with_that_entry(world: World) -> None:
    """A listener primes the histories before it serves; a staff SBP of 120 stored after that
    still breaks the monitor's run of 185 (the primed history is not used once stale)."""
    [monitor] = running_sessions(world)
    assert msa(handler(world).handle(pcd01(monitor, "PRIME-1", world.clock.now(), sbp=185))) == "AA"
    listener = MonitoringService(world.services.uow, world.clock, world.services.live)
    assert listener.prime(world.clinic.id) == 1
    world.clock.advance(minutes=2)
    calm = VitalReading(
        Parameter.SBP, Decimal(120), "mm[Hg]", world.clock.now(), ReadingSource.STAFF
    )
    world.services.monitoring.ingest(
        world.actor(Role.NURSE), VitalsBatch((calm,), session_id=monitor.session.id)
    )
    world.clock.advance(minutes=3)
    primed = MonitorMessageHandler(
        listener, world.clinic.id, naive_tz=ZoneInfo("UTC"), clock=world.clock.now
    )
    assert msa(primed.handle(pcd01(monitor, "PRIME-2", world.clock.now(), sbp=185))) == "AA"
    assert sbp_rules(world, monitor.session.id) == []
    world.clock.advance(minutes=5)
    assert msa(primed.handle(pcd01(monitor, "PRIME-3", world.clock.now(), sbp=185))) == "AA"
    assert sbp_rules(world, monitor.session.id) == ["bp-systolic-pause"]
