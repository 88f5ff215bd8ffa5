"""Board fan-out: a slow client's mailbox coalesces chair updates and is dropped rather than grown;
a client gets one batch per merge window (by an injected clock) unless an alarm is waiting; an
event wakes a loop once whatever its number of clients; on PostgreSQL an event published by one
process's broker reaches another's subscribers once."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, text

from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.adapters.db.uow import SqlUnitOfWork
from ketaclinic.adapters.live_events import (
    InProcessBroker,
    LiveEvent,
    PostgresBroker,
    Subscription,
    make_broker,
)
from ketaclinic.adapters.live_payloads import notify_payloads
from tests.conftest import PG_URL_ENV, require_tier


def chair(chair_id: int, sbp: int) -> dict[str, object]:
    return {"type": "chair", "chair_id": chair_id, "latest": {"sbp": [str(sbp), ""]}}


def alarm(alarm_id: int) -> dict[str, object]:
    return {"type": "alarm", "chair_id": 1, "alarm": {"id": alarm_id}}


def test_chair_updates_coalesce_alarms_do_not_and_other_clinics_see_nothing() -> None:
    async def run() -> None:
        broker = InProcessBroker(max_pending=10)
        mine, other = broker.subscribe(1), broker.subscribe(2)
        for sbp in range(100, 150):
            broker.publish(1, chair(7, sbp))
        broker.publish(1, alarm(1))
        broker.publish(1, alarm(2))
        batch = await mine.next_batch(1.0)
        assert batch is not None
        assert [e.event for e in batch] == [chair(7, 149), alarm(1), alarm(2)]
        assert batch[0].kind == "chair" and '"sbp":["149",""]' in batch[0].data
        assert mine.coalesced == 49
        assert await other.next_batch(0.05) == []

    asyncio.run(run())


def test_each_repeat_of_an_alarm_reaches_a_client_not_merged_into_the_latest() -> None:
    async def run() -> None:
        broker = InProcessBroker()
        sub = broker.subscribe(1)
        first = {"type": "alarm", "chair_id": 1, "alarm": {"id": 5, "repeat_count": 1}}
        again = {"type": "alarm", "chair_id": 1, "alarm": {"id": 5, "repeat_count": 2}}
        broker.publish(1, first)
        broker.publish(1, again)
        assert [e.event for e in await sub.next_batch(1.0) or []] == [first, again]

    asyncio.run(run())


def test_a_client_that_falls_too_far_behind_is_dropped_not_buffered() -> None:
    async def run() -> None:
        broker = InProcessBroker(max_pending=5)
        slow = broker.subscribe(1)
        for n in range(6):
            broker.publish(1, alarm(n))
        assert slow.dropped
        assert await slow.next_batch(0.05) is None
        broker.publish(1, alarm(99))  # a dropped client takes nothing more
        assert slow.dropped

    asyncio.run(run())


def test_a_client_gets_one_batch_per_merge_window_with_each_chairs_updates_merged() -> None:
    async def run() -> None:
        now = [100.0]
        sub = Subscription(1, asyncio.get_running_loop(), 10, window_s=60.0, clock=lambda: now[0])
        sub.offer(LiveEvent.of(chair(1, 120)))
        assert sub.hold_s() == 0.0  # the first update after a quiet spell goes at once
        assert [e.event for e in await sub.next_batch(1.0) or []] == [chair(1, 120)]
        now[0] = 100.5
        sub.offer(LiveEvent.of(chair(1, 121)))
        sub.offer(LiveEvent.of(chair(2, 130)))
        assert sub.hold_s() == 59.5  # until the window since the last batch closes
        now[0] = 160.0
        assert sub.hold_s() == 0.0
        sub.offer(LiveEvent.of(chair(1, 122)))
        batch = await sub.next_batch(1.0)
        assert [e.event for e in batch or []] == [chair(1, 122), chair(2, 130)]

        now[0] = 160.5  # 59.5 s of the window left: the client waits, merging
        sub.offer(LiveEvent.of(chair(3, 140)))
        waiting = asyncio.create_task(sub.next_batch(1.0))
        for _ in range(5):
            await asyncio.sleep(0)
        sub.offer(LiveEvent.of(chair(3, 141)))
        for _ in range(5):
            await asyncio.sleep(0)
        assert not waiting.done()
        sub.offer(LiveEvent.of(alarm(7)))  # an alarm does not wait for the window
        batch = await waiting
        assert [e.event for e in batch or []] == [chair(3, 141), alarm(7)]
        assert sub.coalesced == 2

    asyncio.run(run())


def test_an_event_from_another_thread_wakes_the_loop_once_whatever_its_number_of_clients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def run() -> None:
        loop = asyncio.get_running_loop()
        broker = InProcessBroker()
        subs = [broker.subscribe(1) for _ in range(100)]
        calls: list[object] = []
        real = loop.call_soon_threadsafe

        def counting(callback: Callable[..., object], *args: Any) -> asyncio.Handle:
            calls.append(callback)
            return real(callback, *args)

        monkeypatch.setattr(loop, "call_soon_threadsafe", counting)
        publisher = threading.Thread(target=broker.publish, args=(1, chair(4, 120)))
        publisher.start()
        publisher.join()
        assert len(calls) == 1
        batches = [await s.next_batch(1.0) or [] for s in subs]
        assert {len(b) for b in batches} == {1}
        assert len({id(b[0]) for b in batches}) == 1  # encoded once, shared by every client
        assert batches[0][0].frame == f"event: chair\ndata: {batches[0][0].data}\n\n".encode()
        for sub in subs:
            broker.unsubscribe(sub)
        assert broker.subscribers == 0

    asyncio.run(run())


def test_sqlite_uses_the_in_process_broker(tmp_path: object) -> None:
    engine = make_engine("sqlite:///:memory:")
    assert type(make_broker(engine)) is InProcessBroker


@pytest.fixture
def pg_engine() -> Engine:
    url = os.environ.get(PG_URL_ENV, "")
    require_tier(bool(url), "postgres", f"{PG_URL_ENV} is not set")
    return make_engine(url)


def test_listen_notify_carries_events_between_processes_once(pg_engine: Engine) -> None:
    publisher, board = PostgresBroker(pg_engine), PostgresBroker(pg_engine)

    mine, other = 9_000_105, 9_000_106  # channels no other test on the database uses

    async def run() -> list[object]:
        sub = board.subscribe(mine)
        await asyncio.sleep(1.0)  # the LISTEN thread connects
        publisher.publish(mine, alarm(41))
        publisher.publish(other, alarm(42))  # another clinic
        received: list[object] = []
        for _ in range(20):
            batch = await sub.next_batch(0.2)
            received += [e.event for e in batch or []]
            if received:
                await asyncio.sleep(0.3)
                received += [e.event for e in await sub.next_batch(0.1) or []]
                break
        return received

    try:
        assert asyncio.run(run()) == [alarm(41)]
    finally:
        publisher.close()
        board.close()
        pg_engine.dispose()


def test_a_batch_of_events_packs_into_notify_payloads_under_the_limit() -> None:
    events = [chair(n, 120) for n in range(300)] + [alarm(7)]
    huge = {"type": "chair", "chair_id": 9, "session_id": 3, "trend": "x" * 9000}
    payloads = notify_payloads(4, [*events, huge])
    assert len(payloads) < len(events) // 10  # packed, not one NOTIFY per event
    assert all(len(p.encode()) < 8000 for p in payloads)
    decoded = [e for p in payloads for e in json.loads(p)["events"]]
    assert {json.loads(p)["clinic_id"] for p in payloads} == {4}
    assert decoded[:-1] == events
    assert decoded[-1] == {"type": "chair", "chair_id": 9, "session_id": 3, "refetch": True}


def test_events_handed_to_a_transaction_arrive_once_after_its_commit_and_never_on_rollback(
    pg_engine: Engine,
) -> None:
    publisher, board = PostgresBroker(pg_engine), PostgresBroker(pg_engine)
    clinic = 9_000_115  # a channel no other test (on another worker, same database) uses

    async def drain(sub: Subscription) -> list[object]:
        received: list[object] = []
        for _ in range(10):
            received += [e.event for e in await sub.next_batch(0.2) or []]
        return received

    async def run() -> tuple[list[object], list[object], list[object]]:
        sub = board.subscribe(clinic)
        await asyncio.sleep(1.0)  # the LISTEN thread connects
        with SqlUnitOfWork(pg_engine, b"k" * 32) as uow:
            assert publisher.publish_with(uow, clinic, [alarm(51), chair(2, 130)])
            uow.connection.execute(text("SELECT 1"))
        rolled_back = await drain(sub)
        with SqlUnitOfWork(pg_engine, b"k" * 32) as uow:
            assert publisher.publish_with(uow, clinic, [alarm(52), chair(2, 131)])
            before_commit = await drain(sub)
            uow.commit()
        return rolled_back, before_commit, await drain(sub)

    try:
        rolled_back, before_commit, committed = asyncio.run(run())
        assert rolled_back == [] and before_commit == []
        assert committed == [alarm(52), chair(2, 131)]
    finally:
        publisher.close()
        board.close()
        pg_engine.dispose()


def test_the_in_process_broker_leaves_publishing_to_after_the_commit(tmp_path: object) -> None:
    engine = make_engine("sqlite:///:memory:")
    with SqlUnitOfWork(engine, b"k" * 32) as uow:
        assert not InProcessBroker().publish_with(uow, 1, [alarm(1)])
