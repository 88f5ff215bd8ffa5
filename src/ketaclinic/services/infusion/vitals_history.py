"""The readings alarm evaluation needs, read compactly: per parameter, back to the last reading
that breaches none of its rules (every rule's trailing run stops there), plus the board's trend.

Source: clinical.md §4.3 (alert thresholds: a rule fires on a trailing run of breaching readings).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from ketaclinic.domain.infusion.alarms import OVERDUE, compare
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.vitals import Parameter, VitalReading
from ketaclinic.domain.protocols.sections import AlertKind, AlertRule
from ketaclinic.services.infusion.board import BOARD_PARAMETERS, TREND_POINTS
from ketaclinic.services.ports import UnitOfWork

_at = attrgetter("at")
LONG_RUN_READINGS = 20_000  # bound on a parameter's history read during a long breach


def history_parameters(rules: Sequence[AlertRule]) -> list[str]:
    """Parameters whose history alarm evaluation and the board need (SBP for overdue vitals;
    the oximeter's pulse rate stands in for the heart rate)."""
    named = {r.parameter for r in rules if r.parameter != OVERDUE}
    if Parameter.HR.value in named:
        named.add(Parameter.PR.value)
    return sorted(named | {p.value for p in BOARD_PARAMETERS} | {Parameter.SBP.value})


def breaks_every_run(reading: VitalReading, rules: Sequence[AlertRule]) -> bool:
    """A usable reading that breaches none of its parameter's rules ends every trailing run."""
    return reading.usable and not any(
        compare(reading.value, r.comparison, r.threshold) for r in rules
    )


def threshold_rules(rules: Sequence[AlertRule]) -> dict[str, list[AlertRule]]:
    """Threshold rules by the parameter whose readings they compare (``pr`` reads ``hr``'s)."""
    by_parameter: dict[str, list[AlertRule]] = {}
    for rule in rules:
        if rule.kind is AlertKind.THRESHOLD:
            by_parameter.setdefault(rule.parameter, []).append(rule)
    if Parameter.HR.value in by_parameter:
        by_parameter[Parameter.PR.value] = by_parameter[Parameter.HR.value]
    return by_parameter


def evaluation_history(
    uow: UnitOfWork, s: InfusionSession, rules: Sequence[AlertRule]
) -> list[VitalReading]:
    """What :func:`evaluate` needs, read compactly: per parameter, the newest readings back to
    (and including) the last one that breaches none of its rules. Older readings cannot change
    any verdict, because every rule's trailing run stops at that reading; the newest ones also
    feed the board's trend. A parameter in a long breach is read back further (bounded)."""
    by_parameter = threshold_rules(rules)
    history: list[VitalReading] = []
    for parameter in history_parameters(rules):
        rows = uow.readings.newest(s.clinic_id, s.id, parameter, limit=TREND_POINTS)
        own = by_parameter.get(parameter, [])
        if own and len(rows) == TREND_POINTS and not any(breaks_every_run(r, own) for r in rows):
            rows = uow.readings.newest(s.clinic_id, s.id, parameter, limit=LONG_RUN_READINGS)
        history += rows
    return history


def compact_history(
    history: Sequence[VitalReading], rules: Sequence[AlertRule]
) -> list[VitalReading]:
    """What :func:`evaluation_history` would read back from the database after ``history`` (the
    plausible readings held, in the order they were stored) and nothing else: per history
    parameter, oldest first, the newest ``TREND_POINTS``, or back to (and including) the last
    reading that breaches none of its rules when all of those breach (at most
    ``LONG_RUN_READINGS``). Used to keep a session's history in memory between batches."""
    by_parameter = threshold_rules(rules)
    wanted = history_parameters(rules)
    grouped: dict[str, list[VitalReading]] = {p: [] for p in wanted}
    for reading in history:
        rows = grouped.get(reading.parameter)  # a parameter is its str value: no Enum lookup
        if rows is not None:
            rows.append(reading)
    kept: list[VitalReading] = []
    for parameter in wanted:
        rows = sorted(grouped[parameter], key=_at)  # stable: ties keep stored order
        kept += _trailing(rows, by_parameter.get(parameter, []))
    return kept


def _trailing(rows: list[VitalReading], own: Sequence[AlertRule]) -> list[VitalReading]:
    tail = rows[-TREND_POINTS:]
    if not own or len(tail) < TREND_POINTS or any(breaks_every_run(r, own) for r in tail):
        return tail
    start = max(0, len(rows) - LONG_RUN_READINGS)
    for index in range(len(rows) - 1, start - 1, -1):
        if breaks_every_run(rows[index], own):
            return rows[index:]
    return rows[start:]
