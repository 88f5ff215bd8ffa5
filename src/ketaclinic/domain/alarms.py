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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ketaclinic.domain.protocol.sections import AlertAction, AlertRule, AlertSeverity, Comparison
from ketaclinic.domain.vitals import (
    Parameter,
    Plausibility,
    PlausibilityLimits,
    VitalReading,
    check_plausible,
)

OVERDUE = "overdue"

_ACTION_RANK = {AlertAction.NOTIFY: 1, AlertAction.PAUSE: 2, AlertAction.STOP: 3}


@dataclass(frozen=True, slots=True)
class VitalsSchedule:
    """When the next scheduled measurement is due: every ``interval_min`` since ``since``.

    ``interval_min`` is ``Monitoring.vitals_every_min`` while dosing and
    ``Monitoring.recovery_vitals_every_min`` in recovery; ``since`` is when that phase began.
    """

    interval_min: int
    since: datetime
    parameter: Parameter = Parameter.SBP


@dataclass(frozen=True, slots=True)
class OpenAlarm:
    """An alarm the service holds open for this session (acknowledged or not)."""

    dedup_key: str
    rule_id: str
    acknowledged: bool = False


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


@dataclass(frozen=True, slots=True)
class _Condition:
    """Whether a rule's condition holds now, with the readings behind the verdict."""

    holds: bool
    breaching_now: bool  # the latest reading alone breaches (keeps an open alarm open)
    run: tuple[VitalReading, ...]
    latest: VitalReading | None
    message: str


def strongest_action(alarms: Iterable[Alarm]) -> AlertAction | None:
    """Return the most restrictive action among ``alarms`` (stop > pause > notify), or None."""
    actions = [a.action for a in alarms]
    return max(actions, key=_ACTION_RANK.__getitem__) if actions else None


def compare(value: Decimal, comparison: Comparison, threshold: Decimal) -> bool:
    """Return ``value <comparison> threshold`` for the protocol's comparison operators."""
    if comparison is Comparison.GT:
        return value > threshold
    if comparison is Comparison.GE:
        return value >= threshold
    if comparison is Comparison.LT:
        return value < threshold
    return value <= threshold


def evaluate(
    readings_history: Iterable[VitalReading],
    new_readings: Iterable[VitalReading],
    rules: Iterable[AlertRule],
    open_alarms: Iterable[OpenAlarm],
    *,
    at: datetime,
    schedule: VitalsSchedule | None = None,
    limits: PlausibilityLimits | None = None,
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
    """
    checks = [check_plausible(r, at=at, limits=limits) for r in new_readings]
    accepted = [c.reading for c in checks if c.plausible]
    readings = _usable(list(readings_history) + accepted)
    open_keys = {o.dedup_key for o in open_alarms}
    verdicts = [_judge(rule, readings, open_keys, at=at, schedule=schedule) for rule in rules]
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
    rule: AlertRule,
    readings: list[VitalReading],
    open_keys: set[str],
    *,
    at: datetime,
    schedule: VitalsSchedule | None,
) -> Alarm | Cleared | _StillOpen | _Note | None:
    """One rule's verdict: raise, clear, keep open, cannot evaluate, or nothing to do."""
    condition = _condition(rule, readings, at=at, schedule=schedule)
    if condition is None:
        return _Note(
            f"{rule.id}: cannot evaluate parameter {rule.parameter!r} "
            "(unknown parameter or no vitals schedule)"
        )
    key = dedup_key(rule)
    if key in open_keys:
        no_data = condition.latest is None and rule.parameter != OVERDUE
        if condition.breaching_now or no_data:
            return _StillOpen(key)
        return _cleared(rule, condition, at=at)
    return _alarm(rule, condition, at=at) if condition.holds else None


def dedup_key(rule: AlertRule) -> str:
    """The key under which at most one alarm of ``rule`` is open per session."""
    return f"alarm:{rule.id}"


def _usable(readings: list[VitalReading]) -> list[VitalReading]:
    """Usable readings in time order; a repeat of the same reading counts once, at its LAST
    arrival, so equal times (one-second HL7 resolution) keep the order in which they came."""
    unique: dict[tuple[object, ...], VitalReading] = {}
    for r in readings:
        key = (r.parameter, r.at, r.value, r.device_id, r.mdc_code)
        unique.pop(key, None)
        unique[key] = r
    return sorted((r for r in unique.values() if r.usable), key=lambda r: r.at)


def _condition(
    rule: AlertRule,
    readings: list[VitalReading],
    *,
    at: datetime,
    schedule: VitalsSchedule | None,
) -> _Condition | None:
    if rule.parameter == OVERDUE:
        return None if schedule is None else _overdue(rule, readings, at=at, schedule=schedule)
    try:
        parameter = Parameter(rule.parameter)
    except ValueError:
        return None
    return _threshold(rule, [r for r in readings if r.parameter is parameter])


def _threshold(rule: AlertRule, readings: list[VitalReading]) -> _Condition:
    run: list[VitalReading] = []
    for reading in reversed(readings):
        if not compare(reading.value, rule.comparison, rule.threshold):
            break
        run.append(reading)
    run.reverse()
    latest = readings[-1] if readings else None
    span = run[-1].at - run[0].at if run else timedelta(0)
    holds = len(run) >= max(rule.consecutive, 1) and span >= timedelta(minutes=rule.span_min)
    values = ", ".join(str(r.value) for r in run[-max(rule.consecutive, 1) :])
    message = (
        f"{rule.parameter.upper()} {rule.comparison} {rule.threshold} {rule.unit}: "
        f"{len(run)} consecutive reading(s) over {int(span.total_seconds() // 60)} min "
        f"(latest {values or 'none'})"
    )
    return _Condition(holds, bool(run), tuple(run), latest, message)


def _overdue(
    rule: AlertRule, readings: list[VitalReading], *, at: datetime, schedule: VitalsSchedule
) -> _Condition:
    scheduled = [
        r for r in readings if r.parameter is schedule.parameter and r.at >= schedule.since
    ]
    last = scheduled[-1] if scheduled else None
    since = last.at if last is not None else schedule.since
    late_min = Decimal((at - since).total_seconds()) / 60 - schedule.interval_min
    holds = compare(late_min, rule.comparison, rule.threshold)
    message = (
        f"{schedule.parameter.upper()} due every {schedule.interval_min} min; "
        f"{late_min.quantize(Decimal('0.1'))} min late"
    )
    return _Condition(holds, holds, (last,) if last is not None else (), last, message)


def _alarm(rule: AlertRule, condition: _Condition, *, at: datetime) -> Alarm:
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


def _cleared(rule: AlertRule, condition: _Condition, *, at: datetime) -> Cleared:
    return Cleared(
        rule_id=rule.id,
        dedup_key=dedup_key(rule),
        at=at,
        reading=condition.latest,
        message=f"back within limits: {condition.message}",
    )
