"""The MLLP listener's handler: parse, ingest through the monitoring service, then build the ACK.

For each de-framed message: :func:`parse_or_reject`; a refused message is kept in the dead-letter
store and answered AE/AR with its reason; a parsed one becomes a
:class:`~ketaclinic.services.monitoring.VitalsBatch` (readings mapped from MDC codes, the monitor's
EUI-64 from OBX-18, PID-3 as the MRN, the receipt for dedup) and is ingested in one committed
unit of work; only then is the ACK built (AA, or per ``hl7_ack_unknown_session`` when no session
is running). The database work runs on a bounded thread pool so the event loop keeps serving
other monitors. Logs carry event names and ids only, never payloads.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, tzinfo
from typing import Protocol

from ketaclinic.adapters.hl7.ack import build_ack, build_rejection_ack
from ketaclinic.adapters.hl7.message import Header, MessageRejected
from ketaclinic.adapters.hl7.mllp import FrameError
from ketaclinic.adapters.hl7.parse import ParsedMessage, parse_or_reject
from ketaclinic.adapters.hl7.readings import map_readings
from ketaclinic.services.monitoring import IngestResult, Receipt, VitalsBatch

log = logging.getLogger(__name__)


class Monitoring(Protocol):
    def ingest_device(self, clinic_id: int, batch: VitalsBatch) -> IngestResult: ...
    def sweep(self, clinic_id: int) -> Sequence[object]: ...
    def dead_letter(
        self,
        clinic_id: int,
        *,
        kind: str,
        ack_code: str,
        error_code: str,
        reason: str,
        control_id: str | None,
        payload: bytes,
    ) -> int: ...


class MonitorMessageHandler:
    """``await handler(raw)`` returns the ACK bytes after the readings are committed."""

    def __init__(
        self,
        monitoring: Monitoring,
        clinic_id: int,
        *,
        naive_tz: tzinfo,
        clock: Callable[[], datetime],
        workers: int = 32,
    ) -> None:
        self._monitoring = monitoring
        self._clinic_id = clinic_id
        self._tz = naive_tz
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hl7-ingest")

    async def __call__(self, raw: bytes) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.handle, raw)

    async def frame_error(self, error: FrameError) -> None:
        """Keep a truncated or oversized frame's reason (its bytes were not kept) for review."""
        await asyncio.get_running_loop().run_in_executor(self._pool, self._frame_error, error)

    async def sweep(self) -> None:
        """Timer evaluation of silent sessions (overdue vitals), off the event loop."""
        loop = asyncio.get_running_loop()
        raised = await loop.run_in_executor(self._pool, self._monitoring.sweep, self._clinic_id)
        if raised:
            log.info("hl7.sweep raised=%d", len(raised))

    def handle(self, raw: bytes) -> bytes:
        """Synchronous core: parse, ingest (commit), ACK."""
        result = parse_or_reject(raw, naive_tz=self._tz)
        if isinstance(result, MessageRejected):
            return self._reject(raw, result)
        outcome = self._monitoring.ingest_device(self._clinic_id, _batch(raw, result))
        log.info(
            "hl7.message outcome=%s ack=%s readings=%d session=%s",
            outcome.outcome, outcome.ack_code, outcome.stored, outcome.session_id,
        )  # fmt: skip
        header = Header(
            result.control_id, result.message_type, result.version,
            result.sending_application, result.sending_facility,
        )  # fmt: skip
        reason = outcome.reason if outcome.ack_code != "AA" else ""
        return build_ack(
            header, outcome.ack_code, at=self._clock(), reason=reason, error_code="204"
        )

    def _reject(self, raw: bytes, rejected: MessageRejected) -> bytes:
        control = rejected.header.control_id if rejected.header else None
        self._monitoring.dead_letter(
            self._clinic_id, kind="rejected", ack_code=rejected.ack_code,
            error_code=rejected.error_code, reason=rejected.reason, control_id=control,
            payload=raw,
        )  # fmt: skip
        log.info("hl7.message.rejected ack=%s code=%s", rejected.ack_code, rejected.error_code)
        return build_rejection_ack(rejected, at=self._clock())

    def _frame_error(self, error: FrameError) -> None:
        self._monitoring.dead_letter(
            self._clinic_id, kind="framing", ack_code="AR", error_code="100",
            reason=f"frame {error.kind}: {error.detail}", control_id=None, payload=b"",
        )  # fmt: skip

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _batch(raw: bytes, parsed: ParsedMessage) -> VitalsBatch:
    mapped = map_readings(parsed)
    sender = f"{parsed.sending_application}|{parsed.sending_facility}"[:230]
    return VitalsBatch(
        readings=mapped.readings,
        device_id=parsed.device_id,
        patient_mrn=parsed.patient_id,
        receipt=Receipt(sender, parsed.control_id[:200], hashlib.sha256(raw).hexdigest(), raw),
        unmapped=tuple(u.reason for u in mapped.unmapped),
    )
