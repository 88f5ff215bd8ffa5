"""Live-event fan-out for the board: in-process on SQLite, PostgreSQL LISTEN/NOTIFY otherwise.

Publishers call :meth:`publish` after their commit, from any thread; the event is encoded once and
handed to each event loop with subscribers in one call. Each server-sent-events client holds a
:class:`Subscription` with a bounded mailbox, sent at most once per merge window
(``MERGE_WINDOW_S``): chair updates are coalesced (a newer document for the same chair replaces
the one not yet sent), alarm events are kept one by one and sent without waiting for the window,
and a client whose mailbox still overflows is dropped (its stream ends; the browser reconnects and
reads a fresh snapshot). Nothing is buffered without bound.

On PostgreSQL every process LISTENs on one channel and a publish is a ``pg_notify``, so a board
served by any app process sees events from every listener and API process; delivery to local
subscribers happens only through the notification, so nothing arrives twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, text

from ketaclinic.adapters.db.uow import SqlUnitOfWork
from ketaclinic.adapters.live_payloads import NOTIFY_LIMIT, notify_payloads, slim
from ketaclinic.services.infusion.board_memory import BoardMemory
from ketaclinic.services.ports import UnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")
CHANNEL = "ketaclinic_live"
MAX_PENDING = 256
MERGE_WINDOW_S = 0.2  # a client gets at most one batch per window: chair updates merge meanwhile
OUTBOX_MAX = 10_000
# the payloads travel as ONE json array (each element's text kept as sent): no per-string
# array escaping of their quotes on the client
_NOTIFY_MANY = text(
    "SELECT count(pg_notify(:channel, p::text)) FROM json_array_elements(CAST(:payloads AS json)) p"
)


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """An event encoded once for every subscriber (JSON and the whole SSE frame); ``key`` drives
    coalescing."""

    kind: str
    key: tuple[str, str]
    data: str
    event: Mapping[str, Any]
    frame: bytes

    @classmethod
    def of(cls, event: Mapping[str, Any]) -> LiveEvent:
        data = json.dumps(event, separators=(",", ":"))
        kind = str(event.get("type", "message"))
        frame = f"event: {kind}\ndata: {data}\n\n".encode()
        return cls(kind, _key(event), data, event, frame)


def _key(event: Mapping[str, Any]) -> tuple[str, str]:
    if event.get("type") == "chair":
        return ("chair", str(event.get("chair_id")))
    alarm = event.get("alarm") or {}  # each repeat of an alarm is announced, never merged
    return (str(event.get("type")), f"{alarm.get('id', id(event))}:{alarm.get('repeat_count', 1)}")


class Subscription:
    """One client's bounded, coalescing mailbox, living on its event loop (offers arrive there).

    A batch goes out at most once per ``window_s``: the first event after a quiet spell at once,
    later ones when the window since the last batch closes, each chair's updates merged into its
    newest document meanwhile. Anything but a chair document (an alarm) ends the wait at once.
    ``clock`` is the loop's clock unless one is injected.
    """

    def __init__(
        self,
        clinic_id: int,
        loop: asyncio.AbstractEventLoop,
        max_pending: int,
        window_s: float = MERGE_WINDOW_S,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.clinic_id = clinic_id
        self.loop = loop
        self._max = max_pending
        self._window = window_s
        self._clock = clock or loop.time
        self._pending: OrderedDict[tuple[str, str], LiveEvent] = OrderedDict()
        self._wake = asyncio.Event()
        self._holding = False  # waiting out the window: only an urgent event wakes the task
        self._urgent = False
        self._last_batch = -math.inf
        self.dropped = False
        self.coalesced = 0

    def offer(self, event: LiveEvent) -> None:
        """Queue ``event`` (on the loop). Overflow drops the client instead of growing."""
        if self.dropped:
            return
        if event.key in self._pending:
            self.coalesced += 1
            self._pending[event.key] = event
        elif len(self._pending) >= self._max:
            self.dropped = True
            self._pending.clear()
        else:
            self._pending[event.key] = event
        urgent = self.dropped or event.kind != "chair"
        self._urgent = self._urgent or urgent
        if urgent or not self._holding:
            self._wake.set()

    def hold_s(self) -> float:
        """How long the pending events wait for the merge window to close (0: send now)."""
        if not self._pending or self._urgent or self.dropped:
            return 0.0
        return max(0.0, self._last_batch + self._window - self._clock())

    async def next_batch(self, timeout_s: float) -> list[LiveEvent] | None:
        """The events due (empty after ``timeout_s`` with none), or None once dropped."""
        if not self._pending and not self.dropped:
            await self._wait(timeout_s)
        hold = self.hold_s()
        if hold > 0:
            self._holding = True
            try:
                await self._wait(hold)
            finally:
                self._holding = False
        if self.dropped:
            return None
        batch = list(self._pending.values())
        self._pending.clear()
        self._urgent = False
        if batch:
            self._last_batch = self._clock()
        return batch

    async def _wait(self, timeout_s: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):  # no extra task, unlike wait_for
                await self._wake.wait()


def _offer_all(subs: Sequence[Subscription], event: LiveEvent) -> None:
    for sub in subs:
        sub.offer(event)


class InProcessBroker:
    """Delivers events to the subscriptions of this process (SQLite: one app process).

    An event is encoded once and handed to each subscribing event loop with one call (one
    wake-up of that loop per event, whatever the number of its clients)."""

    def __init__(
        self,
        *,
        max_pending: int = MAX_PENDING,
        window_s: float = MERGE_WINDOW_S,
        memory: BoardMemory | None = None,
    ) -> None:
        self._rooms: dict[int, dict[asyncio.AbstractEventLoop, set[Subscription]]] = {}
        self._lock = threading.Lock()
        self._max_pending = max_pending
        self._window = window_s
        self.memory = memory  # kept current with every event, before it reaches a subscriber

    def subscribe(self, clinic_id: int) -> Subscription:
        return self.subscribe_with(clinic_id, lambda: None)[0]

    def subscribe_with(self, clinic_id: int, read: Callable[[], T]) -> tuple[Subscription, T]:
        """Subscribe and ``read`` (no I/O: the board memory) as one step for the fan-out: every
        event is either in what ``read`` returns or delivered to the subscription, never both."""
        self.start()
        loop = asyncio.get_running_loop()
        sub = Subscription(clinic_id, loop, self._max_pending, self._window)
        with self._lock:
            self._rooms.setdefault(clinic_id, {}).setdefault(loop, set()).add(sub)
            try:
                return sub, read()
            except BaseException:
                self._leave(sub)
                raise

    def start(self) -> None:
        """Hear the events published (done by the first subscription): in one process, always."""
        return None

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._leave(sub)

    def _leave(self, sub: Subscription) -> None:
        loops = self._rooms.get(sub.clinic_id, {})
        subs = loops.get(sub.loop, set())
        subs.discard(sub)
        if not subs:
            loops.pop(sub.loop, None)
        if not loops:
            self._rooms.pop(sub.clinic_id, None)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return sum(len(s) for loops in self._rooms.values() for s in loops.values())

    def publish(self, clinic_id: int, event: Mapping[str, Any]) -> None:
        self.deliver(clinic_id, event)

    def publish_with(
        self, uow: UnitOfWork, clinic_id: int, events: Sequence[Mapping[str, Any]]
    ) -> bool:
        """In one process there is no transaction to ride on: the caller publishes after it."""
        return False

    def deliver(self, clinic_id: int, event: Mapping[str, Any]) -> None:
        with self._lock:
            if self.memory is not None:
                self.memory.apply(clinic_id, event)
            rooms = [(loop, list(subs)) for loop, subs in self._rooms.get(clinic_id, {}).items()]
        if not rooms:
            return
        encoded = LiveEvent.of(event)
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, subs in rooms:
            if loop is running:
                _offer_all(subs, encoded)
            else:
                with contextlib.suppress(RuntimeError):  # that loop already closed
                    loop.call_soon_threadsafe(_offer_all, subs, encoded)

    def close(self) -> None:
        return None


class PostgresBroker(InProcessBroker):
    """Publishes with ``pg_notify``; a background thread LISTENs and delivers locally.

    ``publish`` only enqueues (bounded): a sender thread NOTIFYs in batches, so an HL7 ACK never
    waits for the board. If the queue is full the event is dropped and logged; the data itself
    is already committed and the board's next event or reconnect shows it.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        max_pending: int = MAX_PENDING,
        window_s: float = MERGE_WINDOW_S,
        memory: BoardMemory | None = None,
    ) -> None:
        super().__init__(max_pending=max_pending, window_s=window_s, memory=memory)
        self._forget(live=False)  # nothing is heard until this process LISTENs
        self._engine = engine
        self._url = engine.url.render_as_string(hide_password=False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._outbox: queue.Queue[str] = queue.Queue(maxsize=OUTBOX_MAX)
        self._sender: threading.Thread | None = None

    def start(self) -> None:
        """Start the LISTEN thread (once): the first subscriber of this process does."""
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._listen, name="live-listen", daemon=True
                )
                self._thread.start()

    def _forget(self, *, live: bool | None = None) -> None:
        """Events may be lost (or are not heard at all): the board memory reads afresh."""
        if self.memory is not None:
            self.memory.forget(live=live)

    def publish_with(
        self, uow: UnitOfWork, clinic_id: int, events: Sequence[Mapping[str, Any]]
    ) -> bool:
        """One ``pg_notify`` statement in ``uow``'s transaction for all of ``events`` (packed
        into as few payloads as fit): PostgreSQL delivers them when, and only if, it commits."""
        if not isinstance(uow, SqlUnitOfWork) or uow.connection.dialect.name != "postgresql":
            return False
        payloads = notify_payloads(clinic_id, events)
        if payloads:
            joined = f"[{','.join(payloads)}]"
            uow.connection.execute(_NOTIFY_MANY, {"channel": CHANNEL, "payloads": joined})
        return True

    def publish(self, clinic_id: int, event: Mapping[str, Any]) -> None:
        payload = json.dumps({"clinic_id": clinic_id, "event": event}, separators=(",", ":"))
        if len(payload) > NOTIFY_LIMIT:
            payload = json.dumps({"clinic_id": clinic_id, "event": slim(event)})
        with self._start_lock:
            if self._sender is None:
                self._sender = threading.Thread(target=self._send, name="live-send", daemon=True)
                self._sender.start()
        try:
            self._outbox.put_nowait(payload)
        except queue.Full:
            log.warning("live.outbox_full")
            self._forget()

    def _send(self) -> None:
        while not self._stop.is_set():
            try:
                batch = [self._outbox.get(timeout=0.5)]
            except queue.Empty:
                continue
            while len(batch) < 500:
                try:
                    batch.append(self._outbox.get_nowait())
                except queue.Empty:
                    break
            try:
                with self._engine.connect() as conn:
                    conn.execute(
                        text("SELECT pg_notify(:channel, :payload)"),
                        [{"channel": CHANNEL, "payload": p} for p in batch],
                    )
                    conn.commit()
            except Exception as exc:  # the board is best effort: the data is committed already
                log.warning("live.publish_failed error=%s count=%d", type(exc).__name__, len(batch))
                self._forget()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with _connect(self._url) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._forget(live=True)  # heard from now on; nothing before is trusted
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._dispatch(note.payload)
            except Exception as exc:  # reconnect after a dropped database connection
                log.warning("live.listen_failed error=%s", type(exc).__name__)
                self._forget(live=False)
                self._stop.wait(1.0)

    def _dispatch(self, payload: str) -> None:
        try:
            data = json.loads(payload)
            clinic_id = int(data["clinic_id"])
            events = data["events"] if "events" in data else [data["event"]]
            for event in events:
                self.deliver(clinic_id, event)
        except (ValueError, KeyError, TypeError):
            log.warning("live.bad_payload")

    def close(self) -> None:
        self._stop.set()
        for thread in (self._thread, self._sender):
            if thread is not None:
                thread.join(timeout=5)


def _connect(url: str) -> Any:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    return psycopg.connect(dsn, autocommit=True)


def make_broker(engine: Engine, memory: BoardMemory | None = None) -> InProcessBroker:
    """The fan-out for this database: LISTEN/NOTIFY on PostgreSQL, in-process otherwise; it
    keeps ``memory`` current with every event it delivers."""
    if engine.dialect.name == "postgresql":
        return PostgresBroker(engine, memory=memory)
    return InProcessBroker(memory=memory)
