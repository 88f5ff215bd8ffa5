"""Stored infusion-day records: a session with the time of each transition, stored readings and
alarms, prescriber notifications and dead-lettered monitor messages.

The rules live in ``session.py`` (state machine), ``vitals.py`` (readings, plausibility) and
``alarms.py`` (evaluation); these are the frozen shapes the repositories return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import VitalReading

#: States in which the patient is in the chair and vitals are charted against the session.
ACTIVE_STATES = frozenset(
    {
        SessionState.CHECKED_IN,
        SessionState.READY,
        SessionState.INFUSING,
        SessionState.PAUSED,
        SessionState.STOPPED,
        SessionState.RECOVERY,
    }
)

#: States that close a session: the chair is free again from the time of closure.
CLOSED_STATES = frozenset({SessionState.DISCHARGED, SessionState.CANCELLED, SessionState.NO_SHOW})

#: Session field set when the session enters each state (the time of each transition).
STATE_TIMES: dict[SessionState, str] = {
    SessionState.CHECKED_IN: "checked_in_at",
    SessionState.READY: "ready_at",
    SessionState.INFUSING: "dosing_started_at",
    SessionState.PAUSED: "paused_at",
    SessionState.STOPPED: "stopped_at",
    SessionState.RECOVERY: "recovery_started_at",
    SessionState.DISCHARGED: "discharged_at",
    SessionState.CANCELLED: "ended_at",
    SessionState.NO_SHOW: "ended_at",
}


@dataclass(frozen=True, slots=True)
class ChairTime:
    """How long a session takes in its chair: ``planned`` from opening (pre-checks, dosing and
    the recovery minimum), ``dosing`` (the order's dosing time) and the ``recovery`` minimum."""

    planned: timedelta
    dosing: timedelta
    recovery: timedelta


@dataclass(frozen=True, slots=True)
class InfusionSession:
    """One infusion (or experiential) session of a course, in one chair."""

    id: int
    clinic_id: int
    course_id: int
    patient_id: int
    chair_id: int
    state: SessionState
    monitor_device_id: str | None
    attendant_id: int | None
    prescriber_id: int | None
    scheduled_for: datetime | None
    created_at: datetime
    checked_in_at: datetime | None = None
    ready_at: datetime | None = None
    dosing_started_at: datetime | None = None
    paused_at: datetime | None = None
    resumed_at: datetime | None = None
    dosing_ended_at: datetime | None = None
    stopped_at: datetime | None = None
    recovery_started_at: datetime | None = None
    discharged_at: datetime | None = None
    ended_at: datetime | None = None
    version: int = 1
    appointment_id: int | None = None  # the booked appointment checked in (None: unscheduled)
    session_number: int | None = None  # the protocol session number of that appointment
    unscheduled_reason: str | None = None  # why a prescriber opened it without an appointment

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def closed_at(self) -> datetime | None:
        """When the session closed (discharge, cancellation, no-show); None while it is open."""
        if self.state not in CLOSED_STATES:
            return None
        return self.discharged_at or self.ended_at

    def expected_end(self, time: ChairTime) -> datetime:
        """When the session is expected to leave its chair, from how far it has got: the
        recovery minimum after dosing ended (or stopped); the order's dosing time and the
        recovery minimum after dosing started; else the planned chair time from its opening.
        A closed session's end is when it closed."""
        closed = self.closed_at
        if closed is not None:
            return closed
        ended = self.dosing_ended_at or self.stopped_at or self.recovery_started_at
        if ended is not None:
            return ended + time.recovery
        if self.dosing_started_at is not None:
            return self.dosing_started_at + time.dosing + time.recovery
        return self.created_at + time.planned

    def holds_chair_until(self, time: ChairTime, now: datetime, day_end: datetime) -> datetime:
        """When the chair is free again: the closure of a closed session; for an open one its
        :meth:`expected_end`, and once it has run past that (the patient is still in the chair
        and nobody knows for how long) the rest of the clinic day, ``day_end``, or ``now`` if
        later."""
        closed = self.closed_at
        if closed is not None:
            return closed
        expected = self.expected_end(time)
        return expected if expected > now else max(now, day_end)

    @property
    def phase_started_at(self) -> datetime | None:
        """When the current phase began (dosing, pause, recovery...), for the board's timer."""
        if self.state is SessionState.INFUSING:
            return self.resumed_at or self.dosing_started_at
        field = STATE_TIMES.get(self.state)
        return getattr(self, field) if field else None


@dataclass(frozen=True, slots=True)
class SessionTransition:
    from_state: SessionState
    to_state: SessionState
    at: datetime
    by_staff: int
    reason: str
    #: the reason in the staff's own words, kept apart when ``reason`` is composed text (an
    #: early end of dosing: times, amounts and the reason); None on moves recorded before it
    #: was kept, whose reason is read back from ``reason``
    why: str | None = None


@dataclass(frozen=True, slots=True)
class StoredReading:
    """A reading as stored: ``plausible`` is False (with the reason) for rejected values."""

    id: int
    session_id: int
    reading: VitalReading
    received_at: datetime
    plausible: bool
    rejected_reason: str | None


class AckAction(StrEnum):
    """What the person acknowledging an alarm did about it."""

    NONE = "none"  # observed, no change to dosing
    PAUSE = "pause"  # dosing paused (the session moves to ``paused``)
    STOP = "stop"  # dosing stopped early for safety (``stopped``)


@dataclass(frozen=True, slots=True)
class StoredAlarm:
    """An alarm with its whole life: raised, condition cleared, acknowledged, resolved."""

    id: int
    clinic_id: int
    session_id: int
    patient_id: int
    rule_id: str
    dedup_key: str
    parameter: str
    severity: str
    action: str
    message: str
    source: str
    needs_signoff: bool
    triggering: tuple[tuple[str, Decimal, datetime], ...]  # (parameter, value, observed_at)
    raised_at: datetime
    cleared_at: datetime | None = None
    cleared_message: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None
    ack_action: AckAction | None = None
    ack_note: str | None = None
    resolution: str | None = None
    repeat_count: int = 1  # times the condition came back before anyone acknowledged it
    last_raised_at: datetime | None = None  # the latest repeat (None: raised once)

    @property
    def active(self) -> bool:
        """The condition still holds (an active alarm is never raised again)."""
        return self.cleared_at is None

    @property
    def priority_rank(self) -> int:
        """High priority first (IEC 60601-1-8 style high, medium, low), for display order."""
        return {"high": 0, "medium": 1, "low": 2}.get(self.severity, 3)

    @property
    def needs_attention(self) -> bool:
        """Shown on the board until someone acknowledges it, even once the condition cleared."""
        return self.acknowledged_at is None


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    clinic_id: int
    recipient_id: int | None
    recipient_role: str
    kind: str
    object_type: str
    object_id: str
    patient_id: int | None
    message: str
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A monitor message kept for review: rejected, unmatched to a session, or unreadable."""

    id: int
    clinic_id: int
    received_at: datetime
    kind: str
    ack_code: str
    error_code: str
    reason: str
    control_id: str | None
    payload_bytes: int
