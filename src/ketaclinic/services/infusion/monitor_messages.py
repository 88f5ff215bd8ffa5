"""What the monitoring pipeline takes in and answers: a batch of readings with how to find its
session, a monitor message as the MLLP listener received it (or could not parse), the bounds on
observation times, and the outcome each sender is told (ACK code, HL7 table 0357 error code).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ketaclinic.domain.infusion.monitor_ingest import DEFAULT_MAX_AGE, DEFAULT_MAX_AHEAD
from ketaclinic.domain.infusion.records import StoredAlarm
from ketaclinic.domain.infusion.vitals import VitalReading


@dataclass(frozen=True, slots=True)
class Receipt:
    """Identity of a monitor message: dedup is by sender + MSH-10 + SHA-256 of the bytes."""

    sender: str
    control_id: str
    digest: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class VitalsBatch:
    """Readings to ingest and how to find their session (first match wins, in this order)."""

    readings: tuple[VitalReading, ...]
    session_id: int | None = None
    device_id: str | None = None
    patient_mrn: str | None = None
    receipt: Receipt | None = None
    unmapped: tuple[str, ...] = ()  # reasons for numeric observations that are not vitals


@dataclass(frozen=True, slots=True)
class DeviceMessage:
    """One parsed monitor message as the listener received it.

    ``source`` is the peer's IP address; ``msh3``/``msh4`` are MSH-3/MSH-4 as sent (they pick the
    gateway); ``version`` is MSH-12. ``batch.receipt`` (MSH-10 and digest) is required.
    """

    batch: VitalsBatch
    source: str
    msh3: str
    msh4: str
    version: str


@dataclass(frozen=True, slots=True)
class RefusedMessage:
    """A message the listener could not parse or frame: kept (bounded) for review, not stored.

    ``total_bytes``/``digest`` describe the whole message when ``payload`` is only its prefix.
    """

    kind: str
    ack_code: str
    error_code: str
    reason: str
    control_id: str | None
    payload: bytes
    total_bytes: int | None = None
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """How far from "now" an observation time may lie (older / ahead) and still be stored."""

    max_age: timedelta = DEFAULT_MAX_AGE
    max_ahead: timedelta = DEFAULT_MAX_AHEAD


@dataclass(frozen=True, slots=True)
class IngestResult:
    """``outcome``: stored, duplicate, unmatched, refused or rejected; ``ack_code`` is what the
    sender is told and ``error_code`` (HL7 table 0357) the ERR code of a negative ACK."""

    outcome: str
    ack_code: str
    session_id: int | None = None
    stored: int = 0
    rejected: int = 0
    raised: tuple[StoredAlarm, ...] = ()
    cleared: tuple[StoredAlarm, ...] = ()
    reason: str = ""
    error_code: str = "204"
