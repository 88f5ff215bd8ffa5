"""The board's opening held in memory: once read, a new board opens without one database statement
and shows exactly what a fresh read shows, kept so by the events the fan-out delivers (readings,
alarms, an acknowledgement, a session that ends); what the memory cannot follow (a session it has
not seen, a document to refetch, its age, the clinic day) sends the next opening to the database;
each clinic has its own board, and the permission is checked every time."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event

from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.adapters.live_events import InProcessBroker
from ketaclinic.domain.errors import PermissionDenied
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import AckAction
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.identity.clinics import create_clinic
from ketaclinic.services.identity.staff_admin import NewStaff
from ketaclinic.services.infusion.board import BoardService
from ketaclinic.services.infusion.board_memory import BoardMemory, BoardRead
from ketaclinic.services.infusion.demo_sessions import DemoMonitor
from tests.booked_world import arrive, booked_today
from tests.conftest import PASSWORD, World
from tests.infusion_world import pcd01, running_sessions


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine executes inside the block."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def fresh(world: World, actor: Actor) -> tuple[list[dict[str, Any]], list[int]]:
    """The opening read from the database, no memory involved."""
    return BoardService(world.services.uow, world.clock).opening(actor)


def warm(world: World, actor: Actor) -> tuple[list[dict[str, Any]], list[int]]:
    """The opening from memory, asserting it costs no database statement."""
    with statements(world.services.engine) as seen:
        held = world.services.board.remembered(actor)
        opened = world.services.board.opening(actor)
    assert held is not None and held == opened
    assert seen == []
    return opened


def hearing(world: World) -> None:
    """The fan-out hears the events before the board is first read (on PostgreSQL the first
    subscriber starts LISTEN; until it is in place the memory keeps nothing)."""
    world.services.live.start()
    memory = world.services.live.memory
    assert memory is not None
    eventually(lambda: memory.live)


def eventually(check: Callable[[], bool]) -> None:
    """``check`` holds once the events published so far have arrived (PostgreSQL delivers a
    NOTIFY after the commit, on the LISTEN thread); polled for up to ten seconds."""
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, "the event did not arrive"
        time.sleep(0.02)


def settled(world: World, actor: Actor) -> tuple[list[dict[str, Any]], list[int]]:
    """The warm opening once it shows what a fresh read shows."""
    expected = fresh(world, actor)
    eventually(lambda: world.services.board.remembered(actor) == expected)
    return warm(world, actor)


def forgotten(world: World, actor: Actor) -> bool:
    return world.services.board.remembered(actor) is None


def _readings(world: World, monitor: DemoMonitor, *sbps: int) -> None:
    handler = MonitorMessageHandler(
        world.services.monitoring, world.clinic.id, naive_tz=ZoneInfo("UTC"), clock=world.clock.now
    )
    for n, sbp in enumerate(sbps):
        world.clock.advance(minutes=1)
        handler.handle(pcd01(monitor, f"M{n}-{sbp}", world.clock.now(), sbp=sbp))


def test_a_warm_opening_reads_nothing_and_follows_readings_alarms_and_acknowledgements(
    world: World,
) -> None:
    [monitor] = running_sessions(world)
    nurse = world.actor(Role.NURSE)
    hearing(world)
    assert world.services.board.remembered(nurse) is None  # never read: nothing held
    with statements(world.services.engine) as seen:
        first = world.services.board.opening(nurse)
    assert len(seen) > 0 and first == fresh(world, nurse)
    assert warm(world, nurse) == first
    assert first[1] == [monitor.session.patient_id]

    _readings(world, monitor, 121, 207)
    after = settled(world, nurse)
    [busy] = [d for d in after[0] if d["active"]]
    assert busy["latest"]["sbp"][0] == "207" and busy["trend"]["sbp"][-2:] == ["121", "207"]
    [alarm] = busy["alarms"]

    world.services.alarms.acknowledge(nurse, alarm["id"], AckAction.STOP, "stopped for safety")
    acked = settled(world, nurse)
    [stopped] = [d for d in acked[0] if d["session_id"] == monitor.session.id]
    assert stopped["alarms"] == [] and stopped["state"] != busy["state"]


def test_a_new_session_is_read_again_and_one_that_ends_frees_its_chair(world: World) -> None:
    booked = booked_today(world)
    nurse = world.actor(Role.NURSE)
    hearing(world)
    empty = world.services.board.opening(nurse)
    assert empty[1] == [] and warm(world, nurse) == empty

    opened = arrive(world, booked)  # a session the memory never read: its patient is unknown
    eventually(lambda: forgotten(world, nurse))
    waiting = world.services.board.opening(nurse)
    assert waiting == fresh(world, nurse) and waiting[1] == [booked.patient.id]

    world.services.sessions.move(nurse, opened.id, SessionState.CANCELLED, reason="left the clinic")
    freed = settled(world, nurse)
    assert freed[1] == []
    doc = next(d for d in freed[0] if d["chair_id"] == booked.first.chair_id)
    assert doc["state"] == "free" and doc["session_id"] is None


def test_a_document_to_refetch_or_the_next_clinic_day_sends_the_opening_to_the_database(
    world: World,
) -> None:
    [monitor] = running_sessions(world)
    nurse = world.actor(Role.NURSE)
    hearing(world)
    world.services.board.opening(nurse)
    chair = monitor.session.chair_id
    slim = {"type": "chair", "chair_id": chair, "session_id": monitor.session.id, "refetch": True}
    world.services.live.publish(world.clinic.id, slim)
    eventually(lambda: forgotten(world, nurse))
    world.services.board.opening(nurse)
    assert world.services.board.remembered(nurse) is not None

    world.clock.advance(hours=24)  # who waits is the day's list: read again the next day
    assert world.services.board.remembered(nurse) is None


def test_a_board_older_than_its_age_limit_is_read_again() -> None:
    now = [0.0]
    memory = BoardMemory(max_age_s=5.0, monotonic=lambda: now[0])
    read = _read({1: _doc(1, 10)}, {10: 100})
    with memory.filling(7) as fill:
        memory.keep(fill, read)
    assert memory.recall(7, _DAY) is not None
    now[0] = 5.5
    assert memory.recall(7, _DAY) is None


def test_events_delivered_during_the_read_are_kept_on_top_of_it() -> None:
    memory = BoardMemory()
    with memory.filling(7) as fill:
        memory.apply(7, _doc(1, 10, sbp="150"))  # committed after the read began
        memory.apply(8, _doc(1, 99, sbp="90"))  # another clinic's: not this board
        memory.keep(fill, _read({1: _doc(1, 10, sbp="120"), 2: _free(2)}, {10: 100}))
    held = memory.recall(7, _DAY)
    assert held == ([_doc(1, 10, sbp="150"), _free(2)], [100])
    assert memory.recall(8, _DAY) is None


def test_a_read_that_began_before_the_memory_was_reset_is_not_kept() -> None:
    memory = BoardMemory()
    with memory.filling(7) as fill:
        memory.forget()  # events may have been lost meanwhile (the fan-out reconnected)
        memory.keep(fill, _read({1: _free(1)}, {}))
    assert memory.recall(7, _DAY) is None
    memory.forget(live=False)  # not hearing events: nothing is kept
    with memory.filling(7) as fill:
        memory.keep(fill, _read({1: _free(1)}, {}))
    assert memory.recall(7, _DAY) is None
    memory.forget(live=True)
    with memory.filling(7) as fill:
        memory.keep(fill, _read({1: _free(1)}, {}))
    assert memory.recall(7, _DAY) == ([_free(1)], [])


def test_an_event_is_in_the_opening_or_delivered_to_the_new_board_never_both() -> None:
    chairs = range(1, 301)

    async def run() -> tuple[set[int], set[int]]:
        memory = BoardMemory()
        broker = InProcessBroker(max_pending=1000, memory=memory)
        with memory.filling(7) as fill:
            memory.keep(
                fill, _read({c: _doc(c, c, sbp="0") for c in chairs}, {c: c for c in chairs})
            )
        start = threading.Event()

        def publish() -> None:
            start.wait()
            for c in chairs:
                broker.publish(7, _doc(c, c, sbp="1"))
                time.sleep(0.0002)  # the new board subscribes while they go out

        publisher = threading.Thread(target=publish)
        publisher.start()
        start.set()
        while not any(d["latest"]["sbp"][0] == "1" for d in (memory.recall(7, _DAY) or ([],))[0]):
            await asyncio.sleep(0)
        sub, held = broker.subscribe_with(7, lambda: memory.recall(7, _DAY))
        await asyncio.to_thread(publisher.join)
        delivered: set[int] = set()
        while batch := await sub.next_batch(0.2):
            delivered |= {int(e.event["chair_id"]) for e in batch}
        assert held is not None
        opened = {int(d["chair_id"]) for d in held[0] if d["latest"]["sbp"][0] == "1"}
        return opened, delivered

    opened, delivered = asyncio.run(run())
    assert opened and not opened & delivered
    assert opened | delivered == set(chairs)


def test_an_event_published_while_the_board_memory_is_read_reaches_the_new_board() -> None:
    async def run() -> None:
        memory = BoardMemory()
        broker = InProcessBroker(memory=memory)
        with memory.filling(7) as fill:
            memory.keep(fill, _read({1: _doc(1, 10)}, {10: 100}))

        def read() -> Any:
            held = memory.recall(7, _DAY)
            publisher = threading.Thread(target=broker.publish, args=(7, _doc(1, 10, sbp="140")))
            publisher.start()
            publisher.join(0.3)  # waits for the subscription to be in place
            return held

        sub, held = broker.subscribe_with(7, read)
        assert held == ([_doc(1, 10)], [100])
        batch = await sub.next_batch(2.0)
        assert [e.event for e in batch or []] == [_doc(1, 10, sbp="140")]
        assert memory.recall(7, _DAY) == ([_doc(1, 10, sbp="140")], [100])

    asyncio.run(run())


def test_each_clinic_opens_its_own_board_and_the_permission_is_checked_each_time(
    world: World,
) -> None:
    [monitor] = running_sessions(world)
    s = world.services
    other = create_clinic(s.uow, world.clock, "otherclinic", "Other Clinic", "UTC", "OC")
    staff = s.staff.bootstrap_create(
        other, NewStaff("nurse@otherclinic.test", "Other Nurse", Role.NURSE, PASSWORD)
    )
    their_nurse = Actor(staff.id, Role.NURSE, other.id, "127.0.0.1")
    nurse = world.actor(Role.NURSE)
    hearing(world)
    mine = s.board.opening(nurse)
    assert s.board.remembered(their_nurse) is None  # another clinic's board is never lent
    theirs = s.board.opening(their_nurse)
    assert theirs == ([], []) and warm(world, their_nurse) == ([], [])
    _readings(world, monitor, 130)
    assert settled(world, nurse) != mine
    assert warm(world, their_nurse) == ([], [])
    with pytest.raises(PermissionDenied):
        s.board.remembered(world.actor(Role.FRONT_DESK))


_DAY = datetime(2026, 12, 7, 12, tzinfo=UTC)


def _doc(chair: int, session: int, *, sbp: str = "120") -> dict[str, Any]:
    return {
        "type": "chair",
        "chair_id": chair,
        "session_id": session,
        "active": True,
        "state": "infusing",
        "latest": {"sbp": [sbp, ""]},
        "trend": {},
        "alarms": [],
    }


def _free(chair: int) -> dict[str, Any]:
    return {"type": "chair", "chair_id": chair, "session_id": None, "active": False}


def _read(docs: dict[int, dict[str, Any]], patients: dict[int, int]) -> BoardRead:
    return BoardRead(list(docs.values()), frozenset(), patients, _DAY + timedelta(hours=12))


def test_while_events_are_not_heard_boards_open_from_the_database_without_waiting(
    world: World,
) -> None:
    running_sessions(world)
    nurse = world.actor(Role.NURSE)
    expected = fresh(world, nurse)
    memory = BoardMemory(live=False)  # PostgreSQL before LISTEN is in place, or after it broke
    board = BoardService(world.services.uow, world.clock, memory)
    opened: list[Any] = []
    with memory.filling(world.clinic.id):  # another board's read in progress
        reader = threading.Thread(target=lambda: opened.append(board.opening(nurse)))
        reader.start()
        reader.join(10)
    assert opened == [expected]
    assert memory.recall(world.clinic.id, world.clock.now()) is None
