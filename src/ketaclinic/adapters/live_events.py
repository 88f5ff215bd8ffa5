"""Live-event fan-out for the board: in-process on SQLite, PostgreSQL LISTEN/NOTIFY otherwise.

Publishers call :meth:`publish` after their commit, from any thread. Each server-sent-events
client holds a :class:`Subscription` with a bounded mailbox: chair updates are coalesced (a newer
document for the same chair replaces the one not yet sent), alarm events are kept one by one, and
a client whose mailbox still overflows is dropped (its stream ends; the browser reconnects and
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
import queue
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from ketaclinic.adapters.db.uow import SqlUnitOfWork
from ketaclinic.services.ports import UnitOfWork

log = logging.getLogger(__name__)
CHANNEL = "ketaclinic_live"
MAX_PENDING = 256
OUTBOX_MAX = 10_000
_NOTIFY_LIMIT = 7900  # PostgreSQL's NOTIFY payload limit is 8000 bytes
# the payloads travel as ONE json array (each element's text kept as sent): no per-string
# array escaping of their quotes on the client
_NOTIFY_MANY = text(
    "SELECT count(pg_notify(:channel, p::text)) FROM json_array_elements(CAST(:payloads AS json)) p"
)


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """An event with its JSON encoded once for every subscriber; ``key`` drives coalescing."""

    kind: str
    key: tuple[str, str]
    data: str
    event: Mapping[str, Any]

    @classmethod
    def of(cls, event: Mapping[str, Any]) -> LiveEvent:
        data = json.dumps(event, separators=(",", ":"))
        return cls(str(event.get("type", "message")), _key(event), data, event)


def _key(event: Mapping[str, Any]) -> tuple[str, str]:
    if event.get("type") == "chair":
        return ("chair", str(event.get("chair_id")))
    alarm = event.get("alarm") or {}
    return (str(event.get("type")), str(alarm.get("id", id(event))))


class Subscription:
    """One client's bounded, coalescing mailbox; consumed by one asyncio task."""

    def __init__(self, clinic_id: int, loop: asyncio.AbstractEventLoop, max_pending: int) -> None:
        self.clinic_id = clinic_id
        self._loop = loop
        self._max = max_pending
        self._lock = threading.Lock()
        self._pending: OrderedDict[tuple[str, str], LiveEvent] = OrderedDict()
        self._wake = asyncio.Event()
        self._signalled = False
        self.dropped = False
        self.coalesced = 0

    def offer(self, event: LiveEvent) -> None:
        """Queue ``event`` (any thread). Overflow drops the client instead of growing."""
        with self._lock:
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
            wake, self._signalled = not self._signalled, True
        if wake:  # one wake-up per batch, not per event
            with contextlib.suppress(RuntimeError):  # the client's loop already closed
                self._loop.call_soon_threadsafe(self._wake.set)

    async def next_batch(self, timeout_s: float) -> list[LiveEvent] | None:
        """Events queued so far (empty after ``timeout_s``), or None once the client is dropped."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout_s)
        self._wake.clear()
        with self._lock:
            self._signalled = False
            if self.dropped:
                return None
            batch = list(self._pending.values())
            self._pending.clear()
        return batch


class InProcessBroker:
    """Delivers events to the subscriptions of this process (SQLite: one app process)."""

    def __init__(self, *, max_pending: int = MAX_PENDING) -> None:
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self._max_pending = max_pending

    def subscribe(self, clinic_id: int) -> Subscription:
        sub = Subscription(clinic_id, asyncio.get_running_loop(), self._max_pending)
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def publish(self, clinic_id: int, event: Mapping[str, Any]) -> None:
        self.deliver(clinic_id, event)

    def publish_with(
        self, uow: UnitOfWork, clinic_id: int, events: Sequence[Mapping[str, Any]]
    ) -> bool:
        """In one process there is no transaction to ride on: the caller publishes after it."""
        return False

    def deliver(self, clinic_id: int, event: Mapping[str, Any]) -> None:
        with self._lock:
            subs = [s for s in self._subs if s.clinic_id == clinic_id]
        if not subs:
            return
        encoded = LiveEvent.of(event)
        for sub in subs:
            sub.offer(encoded)

    def close(self) -> None:
        return None


class PostgresBroker(InProcessBroker):
    """Publishes with ``pg_notify``; a background thread LISTENs and delivers locally.

    ``publish`` only enqueues (bounded): a sender thread NOTIFYs in batches, so an HL7 ACK never
    waits for the board. If the queue is full the event is dropped and logged; the data itself
    is already committed and the board's next event or reconnect shows it.
    """

    def __init__(self, engine: Engine, *, max_pending: int = MAX_PENDING) -> None:
        super().__init__(max_pending=max_pending)
        self._engine = engine
        self._url = engine.url.render_as_string(hide_password=False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._outbox: queue.Queue[str] = queue.Queue(maxsize=OUTBOX_MAX)
        self._sender: threading.Thread | None = None

    def subscribe(self, clinic_id: int) -> Subscription:
        """Subscribe; the LISTEN thread starts with the first subscriber of this process."""
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._listen, name="live-listen", daemon=True
                )
                self._thread.start()
        return super().subscribe(clinic_id)

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
        if len(payload) > _NOTIFY_LIMIT:
            payload = json.dumps({"clinic_id": clinic_id, "event": _slim(event)})
        with self._start_lock:
            if self._sender is None:
                self._sender = threading.Thread(target=self._send, name="live-send", daemon=True)
                self._sender.start()
        try:
            self._outbox.put_nowait(payload)
        except queue.Full:
            log.warning("live.outbox_full")

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

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with _connect(self._url) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._dispatch(note.payload)
            except Exception as exc:  # reconnect after a dropped database connection
                log.warning("live.listen_failed error=%s", type(exc).__name__)
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


def notify_payloads(clinic_id: int, events: Sequence[Mapping[str, Any]]) -> list[str]:
    """``events`` as NOTIFY payloads ``{"clinic_id", "events": [...]}``, each under the limit;
    an event too large on its own goes slimmed, for the board to refetch."""
    head = len(_pack(clinic_id, []))
    payloads: list[str] = []
    chunk: list[str] = []
    size = 0
    for event in events:
        data = json.dumps(event, separators=(",", ":"))
        if head + len(data) > _NOTIFY_LIMIT:
            data = json.dumps(_slim(event), separators=(",", ":"))
        if chunk and head + size + len(chunk) + len(data) > _NOTIFY_LIMIT:
            payloads.append(_pack(clinic_id, chunk))
            chunk, size = [], 0
        chunk.append(data)
        size += len(data)
    if chunk:
        payloads.append(_pack(clinic_id, chunk))
    return payloads


def _pack(clinic_id: int, encoded: list[str]) -> str:
    return f'{{"clinic_id":{int(clinic_id)},"events":[{",".join(encoded)}]}}'


def _slim(event: Mapping[str, Any]) -> dict[str, Any]:
    slim = {k: event[k] for k in ("type", "chair_id", "session_id", "state") if k in event}
    return {**slim, "refetch": True}


def _connect(url: str) -> Any:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    return psycopg.connect(dsn, autocommit=True)


def make_broker(engine: Engine) -> InProcessBroker:
    """The fan-out for this database: LISTEN/NOTIFY on PostgreSQL, in-process otherwise."""
    if engine.dialect.name == "postgresql":
        return PostgresBroker(engine)
    return InProcessBroker()
