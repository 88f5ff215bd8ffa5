"""The MLLP listener: an asyncio TCP server for HL7 v2 messages from patient monitors.

One connection per monitor, many connections at once. Each connection reads with a bounded MLLP
decoder, hands every complete message to ``handler`` and sends the bytes it returns, framed, as
the ACK: the ACK goes out only after the handler returns (the handler parses, commits through the
service layer, then builds the ACK). Messages on one connection are handled in order. Framing
errors that a sender waits on (oversized, truncated) get an AR; bytes outside frames are dropped.
A handler that raises gets an AR ("not stored, resend later") and the connection stays open. Logs
carry event names and sizes only, never payloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ketaclinic.adapters.hl7.ack import build_ack
from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.adapters.hl7.message import peek_header
from ketaclinic.adapters.hl7.mllp import (
    DEFAULT_MAX_FRAME_BYTES,
    Event,
    Frame,
    FrameError,
    MllpDecoder,
    frame,
)
from ketaclinic.bootstrap import Services

Handler = Callable[[bytes], Awaitable[bytes]]
FrameErrorHook = Callable[[FrameError], Awaitable[None]]
Clock = Callable[[], datetime]

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Hl7Listener:
    """A running listener; :attr:`port` is the bound port, :meth:`close` shuts it down cleanly."""

    def __init__(
        self,
        handler: Handler,
        *,
        max_frame_bytes: int,
        clock: Clock,
        on_frame_error: FrameErrorHook | None = None,
    ) -> None:
        self._handler = handler
        self._on_frame_error = on_frame_error
        self._max_frame_bytes = max_frame_bytes
        self._clock = clock
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._busy: set[asyncio.Task[None]] = set()  # connections inside the handler
        self._closing = False
        self.background: asyncio.Task[None] | None = None  # kept referenced while serving

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._connection, host, port)

    async def close(self, *, grace_s: float = 10.0) -> None:
        """Stop accepting; let handlers in flight finish and ACK (up to ``grace_s``); close all.

        Idle connections are closed at once. A handler still running after the grace period is
        cancelled: its message gets no ACK, so the sender resends it (nothing acknowledged is lost).
        """
        self._closing = True
        if self._server is not None:
            self._server.close()
        for task in self._connections - self._busy:
            task.cancel()
        busy = set(self._busy)
        if busy:
            _, pending = await asyncio.wait(busy, timeout=grace_s)
            for task in pending:
                task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def serve_forever(self) -> None:
        assert self._server is not None
        await self._server.serve_forever()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        decoder = MllpDecoder(self._max_frame_bytes)
        log.info("hl7.connection.open")
        try:
            while not self._closing and (chunk := await reader.read(65_536)):
                for event in decoder.feed(chunk):
                    self._busy.add(task)
                    try:
                        reply = await self._reply(event)
                        if reply is not None:
                            writer.write(frame(reply))
                            await writer.drain()
                    finally:
                        self._busy.discard(task)
                    if self._closing:
                        break
        except (ConnectionError, asyncio.IncompleteReadError):
            log.info("hl7.connection.reset")
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            log.info("hl7.connection.closed")

    async def _reply(self, event: Event) -> bytes | None:
        if isinstance(event, Frame):
            try:
                return await self._handler(event.payload)
            except Exception as exc:  # the listener must survive any handler failure
                log.error(
                    "hl7.handler.failed error=%s bytes=%d", type(exc).__name__, len(event.payload)
                )
                reason = "message not stored (internal error); resend later"
                header = peek_header(event.payload)
                return build_ack(header, "AR", at=self._clock(), reason=reason, error_code="207")
        log.warning("hl7.frame.%s", event.kind)
        if not event.needs_reply:
            return None
        reason = f"frame {event.kind}: {event.detail}"
        if self._on_frame_error is not None:
            try:
                await self._on_frame_error(event)  # e.g. keep a dead-letter entry for review
            except Exception as exc:  # the sender still gets its negative ACK
                log.error("hl7.frame_hook.failed error=%s", type(exc).__name__)
        return build_ack(None, "AR", at=self._clock(), reason=reason, error_code="100")


async def serve(
    host: str,
    port: int,
    handler: Handler,
    *,
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    clock: Clock = _utc_now,
    on_frame_error: FrameErrorHook | None = None,
) -> Hl7Listener:
    """Start listening on ``host:port`` (0 = any free port) and return the running listener."""
    listener = Hl7Listener(
        handler, max_frame_bytes=max_frame_bytes, clock=clock, on_frame_error=on_frame_error
    )
    await listener.start(host, port)
    log.info("hl7.listener.started port=%d", listener.port)
    return listener


def run(
    host: str,
    port: int,
    handler: Handler,
    *,
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    on_frame_error: FrameErrorHook | None = None,
    on_started: Callable[[int], None] | None = None,
    tick: Callable[[], Awaitable[None]] | None = None,
    tick_every_s: float = 60.0,
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM via asyncio.run cancellation).

    ``tick`` runs every ``tick_every_s`` seconds beside the listener (e.g. the overdue-vitals
    sweep); a failing tick is logged and the next one runs as planned.
    """

    async def main() -> None:
        listener = await serve(
            host, port, handler, max_frame_bytes=max_frame_bytes, on_frame_error=on_frame_error
        )
        if on_started is not None:
            on_started(listener.port)
        if tick is not None:
            ticker = asyncio.create_task(_every(tick, tick_every_s))
            listener.background = ticker
        try:
            await listener.serve_forever()
        finally:
            await listener.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


async def _every(tick: Callable[[], Awaitable[None]], seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await tick()
        except Exception as exc:  # the listener outlives a failed sweep
            log.error("hl7.tick.failed error=%s", type(exc).__name__)


def listen_for_clinic(
    services: Services,
    clinic_id: int,
    host: str,
    port: int,
    *,
    on_started: Callable[[int], None] | None = None,
) -> None:
    """Serve one clinic's monitors until interrupted: parse, ingest and commit, then ACK.

    Naive HL7 times are read in the clinic's time zone. Used by ``ketaclinic hl7-listen`` and by
    ``ketaclinic serve --with-monitors`` (which runs it on a background thread).
    """
    with services.uow() as uow:
        clinic = uow.clinics.get(clinic_id)
    if clinic is None:
        raise ValueError(f"no clinic with id {clinic_id}")
    handler = MonitorMessageHandler(
        services.monitoring, clinic_id, naive_tz=ZoneInfo(clinic.timezone), clock=services.clock.now
    )
    try:
        run(
            host, port, handler, on_frame_error=handler.frame_error, on_started=on_started,
            tick=handler.sweep,
        )  # fmt: skip
    finally:
        handler.close()
