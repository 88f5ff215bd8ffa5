"""One evaluation path for vital signs against a protocol's monitoring rules.

Live ingest (``MonitoringService``: staff entry, gateways, HL7 monitors and the overdue sweep),
the pre-dose checklist and ``ketaclinic alarms evaluate`` all call :func:`evaluate_vitals`, so a
stream of readings raises the same alarms whichever way it arrives. The session's state picks
the rules' phase (:func:`phase_of`); pre-dose ``hold`` rules stop a session becoming ready.
Sources: clinical.md §4.1 (what is monitored, how often), §4.3 (thresholds, UNCONFIRMED defaults
flagged ``needs_signoff`` in the packs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from ketaclinic.domain.infusion.alarms import (
    Alarm,
    AlarmDecision,
    OpenAlarm,
    VitalsSchedule,
    evaluate,
)
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import (
    CANONICAL_UNITS,
    Parameter,
    ReadingSource,
    VitalReading,
)
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import AlertAction, MonitoringPhase

_PHASES: dict[SessionState, MonitoringPhase] = {
    SessionState.INFUSING: MonitoringPhase.INFUSING,
    SessionState.PAUSED: MonitoringPhase.INFUSING,
    SessionState.STOPPED: MonitoringPhase.RECOVERY,
    SessionState.RECOVERY: MonitoringPhase.RECOVERY,
}


def phase_of(state: SessionState) -> MonitoringPhase:
    """The monitoring phase of a session state: before dosing, dosing, or after dosing."""
    return _PHASES.get(state, MonitoringPhase.PRE_DOSE)


def evaluate_vitals(
    protocol: Protocol,
    phase: MonitoringPhase,
    history: Iterable[VitalReading],
    new: Iterable[VitalReading],
    open_alarms: Iterable[OpenAlarm],
    *,
    at: datetime,
    schedule: VitalsSchedule | None,
    monitored: bool = True,
) -> AlarmDecision:
    """Evaluate the pack's alert rules for ``phase`` as of ``at``
    (``domain.infusion.alarms.evaluate``). ``monitored``: whether the session is on a bedside
    monitor (``monitor_presence.monitor_of``); without one no data-missing alarm is raised."""
    return evaluate(
        history,
        new,
        protocol.monitoring.alert_rules,
        open_alarms,
        at=at,
        schedule=schedule,
        phase=phase,
        monitored=monitored,
    )


def stream_schedule(
    protocol: Protocol, phase: MonitoringPhase, readings: Iterable[VitalReading]
) -> VitalsSchedule | None:
    """The vitals schedule of a stream with no stored session: the phase's interval counted from
    the stream's first reading (None before dosing, or with no reading at all)."""
    times = [r.at for r in readings]
    if phase is MonitoringPhase.PRE_DOSE or not times:
        return None
    m = protocol.monitoring
    dosing = phase is MonitoringPhase.INFUSING
    interval = m.vitals_every_min if dosing else m.recovery_vitals_every_min
    return VitalsSchedule(interval, min(times))


def evaluate_stream(
    protocol: Protocol, phase: MonitoringPhase, readings: Iterable[VitalReading], *, now: datetime
) -> AlarmDecision:
    """A stream of readings with no stored session or open alarms, evaluated as of ``now``."""
    listed = list(readings)
    schedule = stream_schedule(protocol, phase, listed)
    return evaluate_vitals(protocol, phase, (), listed, (), at=now, schedule=schedule)


def predose_holds(
    protocol: Protocol, vitals: Mapping[Parameter, Decimal], *, at: datetime
) -> tuple[Alarm, ...]:
    """The pack's pre-dose ``hold`` rules that the checklist's vitals (taken at ``at``) trip.

    Each returned alarm names its rule, the value and the source; a session with any of them
    may not become ready until a recheck is within limits.
    """
    readings = [
        VitalReading(p, value, CANONICAL_UNITS[p], at, ReadingSource.STAFF)
        for p, value in vitals.items()
    ]
    decision = evaluate_stream(protocol, MonitoringPhase.PRE_DOSE, readings, now=at)
    return tuple(a for a in decision.raised if a.action is AlertAction.HOLD)


def hold_reason(alarm: Alarm) -> str:
    """One line naming the rule, what it found and its source."""
    return f"{alarm.rule_id}: {alarm.message} (source {alarm.source})"
