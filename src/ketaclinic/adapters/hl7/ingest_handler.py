"""The MLLP listener's handler: parse on the event loop, commit in batches, then ACK.

Each de-framed message is parsed at once (:func:`parse_or_reject`, the split-based parser) and
queued with a future. ONE writer drains the queue: everything queued since its last commit goes
to :meth:`MonitoringService.ingest_messages` as one batch (one transaction, one commit, on a
single worker thread), and only when that call has returned, i.e. after the commit, are the
futures resolved and the ACKs built (AA, or per ``hl7_ack_unknown_session``; AE/AR with the
reason for a refused message). A batch that fails resolves its futures with the error, which the
listener answers AR "not stored, resend later". Refused and unframeable messages are kept in the
dead-letter store through the same batches. Logs carry event names and counts, never payloads.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, tzinfo
from typing import Protocol

from ketaclinic.adapters.hl7.ack import build_ack
from ketaclinic.adapters.hl7.message import Header, MessageRejected
from ketaclinic.adapters.hl7.mllp import FrameError
from ketaclinic.adapters.hl7.parse import ParsedMessage, parse_or_reject
from ketaclinic.adapters.hl7.readings import map_readings
from ketaclinic.services.infusion.monitor_messages import (
    DeviceMessage,
    IngestResult,
    Receipt,
    RefusedMessage,
    VitalsBatch,
)

log = logging.getLogger(__name__)
MAX_BATCH = 1000  # messages per transaction; the rest wait for the next one
_Item = tuple[DeviceMessage | RefusedMessage, "asyncio.Future[IngestResult]"]


class Monitoring(Protocol):
    def ingest_messages(
        self, clinic_id: int, messages: Sequence[DeviceMessage | RefusedMessage]
    ) -> list[IngestResult]: ...
    def sweep(self, clinic_id: int) -> Sequence[object]: ...


class MonitorMessageHandler:
    """``await handler(raw, source)`` returns the ACK bytes after the message's batch commits."""

    def __init__(
        self,
        monitoring: Monitoring,
        clinic_id: int,
        *,
        naive_tz: tzinfo,
        clock: Callable[[], datetime],
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._monitoring = monitoring
        self._clinic_id = clinic_id
        self._tz = naive_tz
        self._clock = clock
        self._max_batch = max_batch
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hl7-writer")
        # the timer sweep (one unit of work per running session) runs beside the writer, so
        # batches keep committing meanwhile; each session's ingest lock keeps the two apart
        self._sweeper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hl7-sweep")
        self._queue: asyncio.Queue[_Item] | None = None
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, raw: bytes, source: str = "") -> bytes:
        item, header = self._prepare(raw, source)
        result = await self._submit(item)
        return self._ack(header, result)

    async def frame_error(self, error: FrameError, source: str = "") -> None:
        """Keep a truncated or oversized frame (its prefix and digest) for review."""
        refused = RefusedMessage(
            "framing",
            "AR",
            "100",
            f"frame {error.kind}: {error.detail}",
            None,
            error.prefix,
            error.total_bytes,
            error.digest or None,
        )
        await self._submit(refused)

    async def sweep(self) -> None:
        """Timer evaluation of silent sessions (overdue vitals), on its own thread."""
        loop = asyncio.get_running_loop()
        raised = await loop.run_in_executor(self._sweeper, self._monitoring.sweep, self._clinic_id)
        if raised:
            log.info("hl7.sweep raised=%d", len(raised))

    def handle(self, raw: bytes, source: str = "127.0.0.1") -> bytes:
        """Synchronous: one message as a batch of one (CLI replays and tests)."""
        item, header = self._prepare(raw, source)
        [result] = self._monitoring.ingest_messages(self._clinic_id, [item])
        return self._ack(header, result)

    def close(self) -> None:
        """Stop the writer (from any thread) and wait for a batch or sweep in progress."""
        writer = self._writer
        if writer is not None and not writer.done():
            loop = writer.get_loop()
            if not loop.is_closed():
                loop.call_soon_threadsafe(writer.cancel)
        self._pool.shutdown(wait=True)
        self._sweeper.shutdown(wait=True)

    def _prepare(self, raw: bytes, source: str) -> tuple[DeviceMessage | RefusedMessage, Header]:
        parsed = parse_or_reject(raw, naive_tz=self._tz)
        if isinstance(parsed, MessageRejected):
            header = parsed.header or Header("", "", "", "", "")
            refused = RefusedMessage(
                "rejected",
                parsed.ack_code,
                parsed.error_code,
                parsed.reason,
                header.control_id or None,
                raw,
            )
            return refused, header
        return _device_message(raw, parsed, source), parsed.header

    def _ack(self, header: Header, result: IngestResult) -> bytes:
        log.info(
            "hl7.message outcome=%s ack=%s readings=%d",
            result.outcome,
            result.ack_code,
            result.stored,
        )
        reason = result.reason if result.ack_code != "AA" else ""
        return build_ack(
            header, result.ack_code, at=self._clock(), reason=reason, error_code=result.error_code
        )

    async def _submit(self, message: DeviceMessage | RefusedMessage) -> IngestResult:
        loop = asyncio.get_running_loop()
        if self._queue is None:
            self._queue = asyncio.Queue()
        future: asyncio.Future[IngestResult] = loop.create_future()
        self._queue.put_nowait((message, future))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_batches(self._queue))
        return await future

    async def _write_batches(self, queue: asyncio.Queue[_Item]) -> None:
        """Commit what is queued, batch after batch, until the queue is empty (then end; the
        next message starts a new writer)."""
        loop = asyncio.get_running_loop()
        while not queue.empty():
            items = [queue.get_nowait()]
            while not queue.empty() and len(items) < self._max_batch:
                items.append(queue.get_nowait())
            messages = [m for m, _ in items]
            try:
                results = await loop.run_in_executor(
                    self._pool, self._monitoring.ingest_messages, self._clinic_id, messages
                )
            except Exception as exc:  # no commit: every message in the batch gets a negative ACK
                log.error("hl7.batch.failed error=%s messages=%d", type(exc).__name__, len(items))
                for _, future in items:
                    if not future.done():
                        future.set_exception(exc)
                continue
            log.debug("hl7.batch.committed messages=%d", len(items))
            for (_, future), result in zip(items, results, strict=True):
                if not future.done():
                    future.set_result(result)


def _device_message(raw: bytes, parsed: ParsedMessage, source: str) -> DeviceMessage:
    header = parsed.header
    mapped = map_readings(parsed)
    sender = f"{header.sending_application}|{header.sending_facility}"[:230]
    batch = VitalsBatch(
        readings=mapped.readings,
        device_id=parsed.device_id,
        patient_mrn=parsed.patient_id,
        receipt=Receipt(sender, header.control_id[:200], hashlib.sha256(raw).hexdigest(), raw),
        unmapped=tuple(u.reason for u in mapped.unmapped),
    )
    return DeviceMessage(
        batch, source, header.sending_application, header.sending_facility, header.version
    )
