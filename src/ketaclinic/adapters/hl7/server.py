"""The MLLP server: an asyncio TCP server for HL7 v2 messages from patient monitors.

One connection per monitor, many connections at once. Each connection reads with a bounded MLLP
decoder, hands every complete message to ``handler`` and sends the bytes it returns, framed, as
the ACK: the ACK goes out only after the handler returns (the handler parses, commits through the
service layer, then builds the ACK). Messages on one connection are handled in order. Framing
errors that a sender waits on (oversized, truncated) get an AR; bytes outside frames are dropped.
A handler that raises gets an AR ("not stored, resend later") and the connection stays open. Logs
carry event names and sizes only, never payloads.

Hardening (HIPAA 164.312(e) transmission security, ASVS V9/V12): optional TLS (the context comes
from the entry point that starts the server); caps on connections in total and per source
address; an idle timeout between frames and a deadline for each frame once begun (slow senders
are cut off); a bounded frame size and a bound on the bytes all unfinished frames may hold
together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ketaclinic.adapters.hl7.ack import build_ack
from ketaclinic.adapters.hl7.message import peek_header
from ketaclinic.adapters.hl7.mllp import (
    DEFAULT_MAX_FRAME_BYTES,
    Event,
    Frame,
    FrameError,
    MllpDecoder,
    frame,
)

Handler = Callable[[bytes, str], Awaitable[bytes]]
FrameErrorHook = Callable[[FrameError, str], Awaitable[None]]
Clock = Callable[[], datetime]

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ListenerLimits:
    """Resource bounds: connections in total and per source address, how long a connection may
    sit idle, how long one frame may take to arrive (slow senders), the largest frame, and the
    bytes all unfinished frames may hold together."""

    max_connections: int = 512
    max_connections_per_source: int = 256
    idle_timeout_s: float = 120.0
    read_timeout_s: float = 10.0
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    max_buffered_bytes: int = 16 * 1_048_576


@dataclass(slots=True)
class _Stream:
    """One connection's reading state: its decoder, the bytes its unfinished frame holds, and
    when that frame must be complete (None between frames)."""

    decoder: MllpDecoder
    held: int = 0
    deadline: float | None = None


class Hl7Listener:
    """A running listener; :attr:`port` is the bound port, :meth:`close` shuts it down cleanly."""

    def __init__(
        self,
        handler: Handler,
        *,
        limits: ListenerLimits,
        clock: Clock,
        on_frame_error: FrameErrorHook | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._handler = handler
        self._on_frame_error = on_frame_error
        self._limits = limits
        self._clock = clock
        self._tls = tls
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._busy: set[asyncio.Task[None]] = set()  # connections inside the handler
        self._per_source: Counter[str] = Counter()
        self._buffered = 0  # bytes held by every connection's unfinished frame
        self._closing = False
        self.background: asyncio.Task[None] | None = None  # kept referenced while serving

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    @property
    def buffered_bytes(self) -> int:
        return self._buffered

    async def start(self, host: str, port: int, *, reuse_port: bool = False) -> None:
        """Listen; with ``reuse_port`` other listener processes may bind the same port
        (``SO_REUSEPORT``: the kernel hands each new connection to one of them)."""
        self._server = await asyncio.start_server(
            self._connection,
            host,
            port,
            ssl=self._tls,
            ssl_handshake_timeout=self._limits.read_timeout_s if self._tls else None,
            limit=65_536,
            reuse_port=reuse_port or None,
        )

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

    def _admit(self, source: str) -> str | None:
        """Why a new connection from ``source`` is refused (a cap is reached), or None."""
        if len(self._connections) >= self._limits.max_connections:
            return "total"
        if self._per_source[source] >= self._limits.max_connections_per_source:
            return "per_source"
        return None

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        peer = writer.get_extra_info("peername")
        source = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        refused = self._admit(source)
        if refused is not None:
            log.warning("hl7.connection.refused cap=%s", refused)
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()
            return
        self._connections.add(task)
        self._per_source[source] += 1
        stream = _Stream(MllpDecoder(self._limits.max_frame_bytes))
        log.info("hl7.connection.open")
        try:
            await self._serve(task, reader, writer, source, stream)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            log.info("hl7.connection.reset")
        finally:
            self._buffered -= stream.held
            self._release(task, source)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError, ssl.SSLError):
                await writer.wait_closed()
            log.info("hl7.connection.closed")

    def _release(self, task: asyncio.Task[None], source: str) -> None:
        """Forget a finished connection: the total and its source's count drop by one."""
        self._connections.discard(task)
        self._per_source[source] -= 1
        if self._per_source[source] <= 0:
            del self._per_source[source]

    async def _serve(
        self,
        task: asyncio.Task[None],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        source: str,
        stream: _Stream,
    ) -> None:
        """Answer the connection's frames in order until it ends, stalls, overflows the shared
        buffer bound or the listener closes."""
        while not self._closing:
            chunk = await self._read(reader, stream.deadline)
            if chunk is None:
                return
            events = self._decode(stream, chunk)
            if self._buffered > self._limits.max_buffered_bytes:
                log.warning("hl7.connection.memory_cap")
                return
            await self._answer(task, writer, events, source)

    def _decode(self, stream: _Stream, chunk: bytes) -> list[Event]:
        """The events ``chunk`` completes; restarts the frame deadline when a frame begins and
        counts the unfinished frame's bytes into the listener's shared buffer total."""
        events = stream.decoder.feed(chunk)
        if not stream.decoder.in_frame:
            stream.deadline = None
        elif stream.deadline is None or any(isinstance(e, Frame) for e in events):
            stream.deadline = asyncio.get_running_loop().time() + self._limits.read_timeout_s
        self._buffered += stream.decoder.buffered - stream.held
        stream.held = stream.decoder.buffered
        return events

    async def _answer(
        self,
        task: asyncio.Task[None],
        writer: asyncio.StreamWriter,
        events: list[Event],
        source: str,
    ) -> None:
        """Hand each event to the handler and send its ACK; the connection counts as busy (given
        the close grace period) while a handler runs."""
        for event in events:
            self._busy.add(task)
            try:
                reply = await self._reply(event, source)
                if reply is not None:
                    writer.write(frame(reply))
                    await writer.drain()
            finally:
                self._busy.discard(task)
            if self._closing:
                return

    async def _read(self, reader: asyncio.StreamReader, deadline: float | None) -> bytes | None:
        """The next chunk, or None at end of stream or when the sender is too slow or idle.

        Between frames a connection may stay silent for ``idle_timeout_s``; once a frame has
        begun, the whole frame must arrive by ``deadline`` (``read_timeout_s`` after its start
        byte), so a sender trickling one byte at a time is cut off, not kept forever.
        """
        loop = asyncio.get_running_loop()
        if deadline is None:
            timeout = self._limits.idle_timeout_s
        else:
            timeout = max(0.0, deadline - loop.time())
        try:
            async with asyncio.timeout(timeout):  # no extra task per read, unlike wait_for
                chunk = await reader.read(65_536)
        except TimeoutError:
            log.info("hl7.connection.%s", "idle_timeout" if deadline is None else "read_timeout")
            return None
        return chunk or None

    async def _reply(self, event: Event, source: str) -> bytes | None:
        if isinstance(event, Frame):
            try:
                return await self._handler(event.payload, source)
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
                await self._on_frame_error(event, source)  # keep a dead-letter entry for review
            except Exception as exc:  # the sender still gets its negative ACK
                log.error("hl7.frame_hook.failed error=%s", type(exc).__name__)
        return build_ack(None, "AR", at=self._clock(), reason=reason, error_code="100")


async def serve(
    host: str,
    port: int,
    handler: Handler,
    *,
    limits: ListenerLimits | None = None,
    clock: Clock = _utc_now,
    on_frame_error: FrameErrorHook | None = None,
    tls: ssl.SSLContext | None = None,
    reuse_port: bool = False,
) -> Hl7Listener:
    """Start listening on ``host:port`` (0 = any free port) and return the running listener
    (``reuse_port``: shared with other listener processes, see :meth:`Hl7Listener.start`)."""
    listener = Hl7Listener(
        handler,
        limits=limits or ListenerLimits(),
        clock=clock,
        on_frame_error=on_frame_error,
        tls=tls,
    )
    await listener.start(host, port, reuse_port=reuse_port)
    log.info("hl7.listener.started port=%d tls=%s", listener.port, tls is not None)
    return listener
