"""Server-side alarm evaluation from the protocol's alert rules (pure).

The service calls :func:`evaluate` each time readings arrive (and on a timer for overdue vitals),
with the session's recent readings, the new ones, the protocol's ``Monitoring.alert_rules`` and the
alarms still open for the session. It stores what the decision says: alarms to raise, open alarms
whose condition has cleared, readings rejected as implausible.

Rule semantics (``AlertRule``, ``sections.py``): a rule's condition holds when the trailing run of
usable, plausible readings of its parameter that all compare true against the threshold has at
least ``consecutive`` readings and its first and last readings are at least ``span_min`` minutes
apart. So "SBP >= 180 on two readings 5 minutes apart" is ``consecutive=2, span_min=5``; a normal
reading in between breaks the run. An open alarm is never raised again (dedup key = rule id, one
session per evaluation); it clears when the latest usable reading no longer breaches.

Overdue vitals (``parameter == "overdue"``): the measured value is the minutes by which the
scheduled measurement (blood pressure by default) is late, i.e. minutes since the last usable
reading (or since the phase began) minus the schedule interval; source clinical.md §4.1.

Technical rules (``AlertKind``): ``signal_lost`` holds while the newest reading of its parameter
is a probe-off or sentinel value (``vitals.technical_reason``) and stays open until a patient
reading newer than the one that raised it arrives; ``data_missing`` holds when the newest patient
reading of its parameter (or, with none, the start of the phase) is more than ``threshold``
seconds before ``at`` — with no reading and no phase start it holds (fail closed). It applies
only to a session on a monitor (``monitored``): with none assigned, vital signs are entered by
hand on the protocol's interval (the overdue rule), nothing can go missing, and an open
data-missing alarm (a monitor since removed) is cleared.

Heart rate: rules on ``hr`` read the ECG heart rate while it is present and the oximeter's pulse
rate (``pr``) otherwise; ECG is "present" while its newest reading is no more than
:data:`ECG_PRESENT_WITHIN` older than the newest pulse-rate reading.

Phases: a rule whose ``phases`` do not include the evaluation's phase is never raised, but an
alarm of it still open is cleared when its condition ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from ketaclinic.domain.infusion.alarm_conditions import (
    ECG_PRESENT_WITHIN as ECG_PRESENT_WITHIN,
)
from ketaclinic.domain.infusion.alarm_conditions import (
    OVERDUE as OVERDUE,
)
from ketaclinic.domain.infusion.alarm_conditions import (
    Condition,
    Seen,
    rule_condition,
)
from ketaclinic.domain.infusion.alarm_conditions import (
    VitalsSchedule as VitalsSchedule,
)
from ketaclinic.domain.infusion.alarm_conditions import (
    compare as compare,
)
from ketaclinic.domain.infusion.alarm_conditions import (
    heart_rate_source as heart_rate_source,
)
from ketaclinic.domain.infusion.vitals import (
    Plausibility,
    PlausibilityLimits,
    VitalReading,
    check_plausible,
)
from ketaclinic.domain.protocols.sections import (
    AlertAction,
    AlertKind,
    AlertRule,
    AlertSeverity,
    MonitoringPhase,
)

_at = attrgetter("at")
_ACTION_RANK = {
    AlertAction.CHECK_SENSOR: 1,
    AlertAction.NOTIFY: 1,
    AlertAction.HOLD: 2,
    AlertAction.PAUSE: 2,
    AlertAction.STOP: 3,
}


@dataclass(frozen=True, slots=True)
class OpenAlarm:
    """An alarm the service holds open for this session (acknowledged or not)."""

    dedup_key: str
    rule_id: str
    acknowledged: bool = False
    since: datetime | None = None  # newest reading behind it (a lost signal clears only after)


@dataclass(frozen=True, slots=True)
class Alarm:
    """A newly raised alarm with everything a nurse and an auditor need."""

    rule_id: str
    dedup_key: str
    parameter: str
    severity: AlertSeverity
    action: AlertAction
    triggering: tuple[VitalReading, ...]
    message: str
    source: str
    needs_signoff: bool
    raised_at: datetime


@dataclass(frozen=True, slots=True)
class Cleared:
    """An open alarm whose condition no longer holds; ``reading`` is the one that cleared it."""

    rule_id: str
    dedup_key: str
    at: datetime
    reading: VitalReading | None
    message: str


@dataclass(frozen=True, slots=True)
class AlarmDecision:
    """What one evaluation found. ``notes`` names rules that could not be evaluated and why."""

    raised: tuple[Alarm, ...]
    cleared: tuple[Cleared, ...]
    still_open: tuple[str, ...]
    rejected: tuple[Plausibility, ...]
    notes: tuple[str, ...] = ()

    @property
    def required_action(self) -> AlertAction | None:
        """The strongest action asked by a newly raised alarm (stop > pause > notify)."""
        return strongest_action(self.raised)


def strongest_action(alarms: Iterable[Alarm]) -> AlertAction | None:
    """Return the most restrictive action among ``alarms`` (stop > pause > notify), or None."""
    actions = [a.action for a in alarms]
    return max(actions, key=_ACTION_RANK.__getitem__) if actions else None


def evaluate(
    readings_history: Iterable[VitalReading],
    new_readings: Iterable[VitalReading],
    rules: Iterable[AlertRule],
    open_alarms: Iterable[OpenAlarm],
    *,
    at: datetime,
    schedule: VitalsSchedule | None = None,
    limits: PlausibilityLimits | None = None,
    phase: MonitoringPhase | None = None,
    monitored: bool = True,
) -> AlarmDecision:
    """Evaluate every alert rule against the session's readings at time ``at`` (UTC).

    Contract: new readings are checked for plausibility (implausible ones are returned in
    ``rejected`` and ignored, as are readings whose OBX-11 status is not usable); each rule's
    condition is computed over history plus accepted new readings; a rule whose condition holds
    and has no open alarm is raised once; an open alarm whose condition no longer holds is cleared.
    Overdue rules need ``schedule``; without it they are named in ``notes``. ``readings_history``
    holds readings already accepted for this session, bounded by the caller to a window at least
    as long as the longest rule span (it is not re-checked). Source: the rule's own
    ``source`` key (clinical.md §4.3 for the default thresholds, flagged ``needs_signoff``).
    Technical readings (lost signal) are rejected as patient values and feed ``signal_lost``
    rules. ``phase`` (None = every rule applies) limits which rules may be raised.
    """
    limits = limits or PlausibilityLimits()  # built once, not once per reading
    checks = [check_plausible(r, at=at, limits=limits) for r in new_readings]
    accepted = [c.reading for c in checks if c.plausible]
    seen = Seen(
        readings=_usable(list(readings_history) + accepted),
        technical=tuple(c.reading for c in checks if c.technical and c.reading.usable),
        at=at,
        schedule=schedule,
    )
    opened = {o.dedup_key: o for o in open_alarms}
    verdicts = [
        _unmonitored(rule, opened, at)
        if not monitored and rule.kind is AlertKind.DATA_MISSING
        else _judge(rule, seen, opened, applies=phase is None or phase in rule.phases)
        for rule in rules
    ]
    return AlarmDecision(
        raised=tuple(v for v in verdicts if isinstance(v, Alarm)),
        cleared=tuple(v for v in verdicts if isinstance(v, Cleared)),
        still_open=tuple(v.key for v in verdicts if isinstance(v, _StillOpen)),
        rejected=tuple(c for c in checks if not c.plausible),
        notes=tuple(v.note for v in verdicts if isinstance(v, _Note)),
    )


@dataclass(frozen=True, slots=True)
class _StillOpen:
    key: str


@dataclass(frozen=True, slots=True)
class _Note:
    note: str


def _judge(
    rule: AlertRule, seen: Seen, opened: dict[str, OpenAlarm], *, applies: bool
) -> Alarm | Cleared | _StillOpen | _Note | None:
    """One rule's verdict: raise, clear, keep open, cannot evaluate, or nothing to do."""
    condition = rule_condition(rule, seen)
    if condition is None:
        return _Note(
            f"{rule.id}: cannot evaluate parameter {rule.parameter!r} "
            "(unknown parameter or no vitals schedule)"
        )
    key = dedup_key(rule)
    held = opened.get(key)
    if held is not None:
        no_data = condition.latest is None and rule.parameter != OVERDUE
        if condition.breaching_now or no_data or _not_yet_back(rule, condition, held):
            return _StillOpen(key)
        return _cleared(rule, condition, at=seen.at)
    return _alarm(rule, condition, at=seen.at) if condition.holds and applies else None


def _unmonitored(rule: AlertRule, opened: dict[str, OpenAlarm], at: datetime) -> Cleared | None:
    """A data-missing rule with no monitor assigned: never raised; an open one is cleared."""
    key = dedup_key(rule)
    if key not in opened:
        return None
    return Cleared(rule.id, key, at, None, "no monitor assigned: vital signs are entered by hand")


def _not_yet_back(rule: AlertRule, condition: Condition, held: OpenAlarm) -> bool:
    """A lost signal clears only on a patient reading newer than the one that raised it."""
    if rule.kind is not AlertKind.SIGNAL_LOST or held.since is None:
        return False
    return condition.latest is None or condition.latest.at <= held.since


def dedup_key(rule: AlertRule) -> str:
    """The key under which at most one alarm of ``rule`` is open per session."""
    return f"alarm:{rule.id}"


def _usable(readings: list[VitalReading]) -> list[VitalReading]:
    """Usable readings in time order; a repeat of the same reading counts once, at its LAST
    arrival, so equal times (one-second HL7 resolution) keep the order in which they came.

    A stable sort by time keeps arrival order among equal times; a repeat has the same time
    (the time is part of what makes it the same reading), so only a run of equal times can hold
    repeats, and only such a run is looked at for them."""
    ordered = sorted(readings, key=_at)
    kept: list[VitalReading] = []
    end = len(ordered)
    start = 0
    while start < end:
        at = ordered[start].at
        stop = start + 1
        while stop < end and ordered[stop].at == at:
            stop += 1
        if stop - start == 1:
            kept.append(ordered[start])
        else:
            kept += _last_arrivals(ordered[start:stop])
        start = stop
    return [r for r in kept if r.usable]


def _last_arrivals(run: list[VitalReading]) -> list[VitalReading]:
    """Readings of one time, each repeat once at its last arrival, in that arrival order."""
    unique: dict[tuple[object, ...], VitalReading] = {}
    for r in run:
        key = (r.parameter, r.value, r.device_id, r.mdc_code)
        unique.pop(key, None)
        unique[key] = r
    return list(unique.values())


def _alarm(rule: AlertRule, condition: Condition, *, at: datetime) -> Alarm:
    return Alarm(
        rule_id=rule.id,
        dedup_key=dedup_key(rule),
        parameter=rule.parameter,
        severity=rule.severity,
        action=rule.action,
        triggering=condition.run,
        message=condition.message,
        source=rule.source,
        needs_signoff=rule.needs_signoff,
        raised_at=at,
    )


def _cleared(rule: AlertRule, condition: Condition, *, at: datetime) -> Cleared:
    return Cleared(
        rule_id=rule.id,
        dedup_key=dedup_key(rule),
        at=at,
        reading=condition.latest,
        message=f"back within limits: {condition.message}",
    )
