"""Whether one alert rule's condition holds over a session's readings (pure).

:func:`ketaclinic.domain.infusion.alarms.evaluate` builds one :class:`Seen` per evaluation: the
usable readings in time order, grouped by parameter once, and the heart-rate source chosen once,
so each rule reads only its own parameter's readings. The rule semantics (runs, spans, lost
signal, missing data, overdue vitals, ECG/pulse-rate fallback) are described in ``alarms``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from ketaclinic.domain.infusion.vitals import Parameter, VitalReading, run_text
from ketaclinic.domain.protocols.alert_words import condition_words, sentence
from ketaclinic.domain.protocols.sections import AlertKind, AlertRule, Comparison

OVERDUE = "overdue"
#: ECG heart rate counts as present while no more than this older than the newest pulse rate.
ECG_PRESENT_WITHIN = timedelta(seconds=60)
_PARAMETERS = {p.value: p for p in Parameter}
_HEART = (Parameter.HR, Parameter.PR)


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
class Condition:
    """Whether a rule's condition holds now, with the readings behind the verdict.

    ``message`` is written only when asked for (an alarm raised, repeated or cleared): most
    evaluations change nothing and never need it."""

    holds: bool
    breaching_now: bool  # the latest reading alone breaches (keeps an open alarm open)
    run: tuple[VitalReading, ...]
    latest: VitalReading | None
    describe: Callable[[], str]

    @property
    def message(self) -> str:
        return self.describe()


@dataclass(frozen=True, slots=True)
class Seen:
    """What one evaluation sees: usable patient readings (time order), technical readings, and
    both grouped by parameter (each group keeps that order)."""

    readings: list[VitalReading]
    technical: tuple[VitalReading, ...]
    at: datetime
    schedule: VitalsSchedule | None
    by_parameter: dict[Parameter, list[VitalReading]] = field(init=False)
    technical_by_parameter: dict[Parameter, list[VitalReading]] = field(init=False)
    hr_source: Parameter = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_parameter", _grouped(self.readings))
        object.__setattr__(self, "technical_by_parameter", _grouped(self.technical))
        newest = {p: rs[-1].at for p, rs in self.by_parameter.items() if rs}
        object.__setattr__(self, "hr_source", _hr_source(newest))


def _grouped(readings: Iterable[VitalReading]) -> dict[Parameter, list[VitalReading]]:
    groups: dict[Parameter, list[VitalReading]] = {}
    for r in readings:
        groups.setdefault(r.parameter, []).append(r)
    return groups


def compare(value: Decimal, comparison: Comparison, threshold: Decimal) -> bool:
    """Return ``value <comparison> threshold`` for the protocol's comparison operators."""
    if comparison is Comparison.GT:
        return value > threshold
    if comparison is Comparison.GE:
        return value >= threshold
    if comparison is Comparison.LT:
        return value < threshold
    return value <= threshold


def rule_condition(rule: AlertRule, seen: Seen) -> Condition | None:
    """The rule's condition over ``seen``; None when it cannot be evaluated (unknown parameter,
    or an overdue rule without a schedule)."""
    if rule.parameter == OVERDUE:
        if seen.schedule is None:
            return None
        return _overdue(rule, seen, seen.schedule)
    parameter = _PARAMETERS.get(rule.parameter)
    if parameter is None:
        return None
    source = seen.hr_source if parameter is Parameter.HR else parameter
    own = seen.by_parameter.get(source, [])
    if rule.kind is AlertKind.SIGNAL_LOST:
        return _signal_lost(rule, own, seen.technical_by_parameter.get(source, []))
    if rule.kind is AlertKind.DATA_MISSING:
        if parameter is Parameter.HR:  # only the newest heart or pulse rate counts
            newest = next((r for r in reversed(seen.readings) if r.parameter in _HEART), None)
            measured = [newest] if newest is not None else []
        else:
            measured = own
        return _data_missing(rule, measured, seen)
    return _threshold(rule, own)


def heart_rate_source(readings: Iterable[VitalReading]) -> Parameter:
    """ECG heart rate while present, else the oximeter's pulse rate (see ``alarms``)."""
    newest: dict[Parameter, datetime] = {}
    for r in readings:
        if r.parameter in (Parameter.HR, Parameter.PR):
            newest[r.parameter] = max(r.at, newest.get(r.parameter, r.at))
    return _hr_source(newest)


def _hr_source(newest: dict[Parameter, datetime]) -> Parameter:
    ecg, pulse = newest.get(Parameter.HR), newest.get(Parameter.PR)
    if ecg is None and pulse is not None:
        return Parameter.PR
    if ecg is not None and pulse is not None and ecg < pulse - ECG_PRESENT_WITHIN:
        return Parameter.PR
    return Parameter.HR


def _label(readings: Iterable[VitalReading], rule: AlertRule) -> str:
    """The parameter as shown, when not its plain name: ``heart rate (oximeter pulse rate)``
    when the pulse rate stood in."""
    if rule.parameter == Parameter.HR.value and any(r.parameter is Parameter.PR for r in readings):
        return "heart rate (oximeter pulse rate)"
    return ""


def _threshold(rule: AlertRule, readings: list[VitalReading]) -> Condition:
    run: list[VitalReading] = []
    for reading in reversed(readings):
        if not compare(reading.value, rule.comparison, rule.threshold):
            break
        run.append(reading)
    run.reverse()
    latest = readings[-1] if readings else None
    span = run[-1].at - run[0].at if run else timedelta(0)
    holds = len(run) >= max(rule.consecutive, 1) and span >= timedelta(minutes=rule.span_min)
    describe = partial(_threshold_text, rule, readings, run, span)
    return Condition(holds, bool(run), tuple(run), latest, describe)


def _threshold_text(
    rule: AlertRule, readings: list[VitalReading], run: list[VitalReading], span: timedelta
) -> str:
    values = ", ".join(str(r.value) for r in run[-max(rule.consecutive, 1) :])
    return (
        f"{sentence(condition_words(rule, _label(readings, rule)))}: "
        f"{run_text(len(run), span)} (latest {values or 'none'})"
    )


def _signal_lost(
    rule: AlertRule, readings: list[VitalReading], technical: list[VitalReading]
) -> Condition:
    latest = readings[-1] if readings else None
    lost = max(technical, key=lambda r: r.at, default=None)
    holds = lost is not None and (latest is None or lost.at >= latest.at)
    describe = partial(_signal_lost_text, rule, lost)
    return Condition(holds, holds, (lost,) if holds and lost else (), latest, describe)


def _signal_lost_text(rule: AlertRule, lost: VitalReading | None) -> str:
    shown = f"{lost.value}" if lost is not None else "none"
    return (
        f"technical: {condition_words(rule)}, value {shown}; check the sensor. "
        "Not a patient measurement."
    )


def _data_missing(rule: AlertRule, readings: list[VitalReading], seen: Seen) -> Condition:
    latest = readings[-1] if readings else None
    since = latest.at if latest else (seen.schedule.since if seen.schedule else None)
    seconds: Decimal | None = None
    if since is None:
        holds = True
    else:
        seconds = Decimal((seen.at - since).total_seconds())
        holds = compare(seconds, rule.comparison, rule.threshold)
    describe = partial(_data_missing_text, rule, seconds)
    return Condition(holds, holds, (latest,) if latest else (), latest, describe)


def elapsed_words(seconds: Decimal) -> str:
    """A span of time as people say it: ``45 s`` under a minute, ``16 min`` under an hour,
    ``15 h 50 min`` (or ``2 h``) beyond, rounded to the nearest second or minute."""
    if seconds < 60:
        return f"{max(int(seconds.quantize(Decimal(1))), 0)} s"
    minutes = int((seconds / 60).quantize(Decimal(1)))
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _data_missing_text(rule: AlertRule, seconds: Decimal | None) -> str:
    gap = "no reading at all" if seconds is None else f"none for {elapsed_words(seconds)}"
    return (
        f"technical: {condition_words(rule)} ({gap}): check the sensor and the monitor connection"
    )


def _overdue(rule: AlertRule, seen: Seen, schedule: VitalsSchedule) -> Condition:
    own = seen.by_parameter.get(schedule.parameter, [])
    scheduled = [r for r in own if r.at >= schedule.since]
    last = scheduled[-1] if scheduled else None
    since = last.at if last is not None else schedule.since
    late_min = Decimal((seen.at - since).total_seconds()) / 60 - schedule.interval_min
    holds = compare(late_min, rule.comparison, rule.threshold)
    describe = partial(_overdue_text, schedule, late_min)
    return Condition(holds, holds, (last,) if last is not None else (), last, describe)


def _overdue_text(schedule: VitalsSchedule, late_min: Decimal) -> str:
    return (
        f"{schedule.parameter.upper()} due every {schedule.interval_min} min, "
        f"{elapsed_words(late_min * 60)} late"
    )
