"""An alert rule's condition in plain words, made from the rule's own value and operator (pure).

Every text that tells staff when a rule fires (the alarm's reason, its "Why", the protocol page and
the discharge reasons) is built here from ``AlertRule.threshold``, ``AlertRule.comparison`` and
``AlertRule.unit``, so the words can never disagree with the value the rule compares against:
``>=`` reads "200 mmHg or above", ``>`` "above 200 mmHg", ``<`` "below 92 %", ``<=`` "92 % or
below"; durations read "more than" and "or more" instead.
"""

from __future__ import annotations

from decimal import Decimal

from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.domain.protocols.sections import AlertKind, AlertRule, Comparison

#: The plain name of each vital-sign parameter a rule may name.
PARAMETER_NAMES = {
    "sbp": "systolic BP",
    "dbp": "diastolic BP",
    "map": "mean arterial pressure",
    "hr": "heart rate",
    "pr": "pulse rate",
    "spo2": "SpO2",
    "rr": "respiratory rate",
    "temp": "temperature",
}

_LEVEL_WORDS = {
    Comparison.GE: ("", " or above"),
    Comparison.GT: ("above ", ""),
    Comparison.LE: ("", " or below"),
    Comparison.LT: ("below ", ""),
}
_DURATION_WORDS = {
    Comparison.GE: ("", " or more"),
    Comparison.GT: ("more than ", ""),
    Comparison.LE: ("", " or less"),
    Comparison.LT: ("less than ", ""),
}


def parameter_name(parameter: str) -> str:
    """``systolic BP`` for ``sbp``; an unknown parameter as it is spelled."""
    return PARAMETER_NAMES.get(parameter, parameter)


def threshold_words(value: Decimal, comparison: Comparison, unit: str) -> str:
    """``200 mmHg or above`` (>=), ``above 200 mmHg`` (>), ``below 92 %`` (<), ``92 % or
    below`` (<=)."""
    before, after = _LEVEL_WORDS[comparison]
    return f"{before}{_amount(value, unit)}{after}"


def duration_words(value: Decimal, comparison: Comparison, unit: str) -> str:
    """``more than 30 s`` (>), ``30 s or more`` (>=), ``less than 5 min`` (<), ``5 min or
    less`` (<=)."""
    before, after = _DURATION_WORDS[comparison]
    return f"{before}{_amount(value, unit)}{after}"


def _amount(value: Decimal, unit: str) -> str:
    return f"{decimal_text(value)} {unit}".strip()


def condition_words(rule: AlertRule, name: str = "") -> str:
    """When ``rule`` fires, e.g. ``systolic BP 200 mmHg or above``; ``name`` replaces the
    parameter's plain name (e.g. when the oximeter's pulse rate stands in for heart rate)."""
    shown = name or parameter_name(rule.parameter)
    if rule.parameter == "overdue":
        return f"vital signs {duration_words(rule.threshold, rule.comparison, rule.unit)} late"
    if rule.kind is AlertKind.SIGNAL_LOST:
        return f"{shown} signal lost (probe off, no signal or a device no-value code)"
    if rule.kind is AlertKind.DATA_MISSING:
        gap = duration_words(rule.threshold, rule.comparison, rule.unit or "s")
        return f"no {shown} reading for {gap}"
    return f"{shown} {threshold_words(rule.threshold, rule.comparison, rule.unit)}"


def run_words(rule: AlertRule) -> str:
    """How many readings must meet the condition: ``on 1 reading`` or ``on 2 consecutive
    readings at least 5 min apart``."""
    count = max(rule.consecutive, 1)
    if count == 1:
        return "on 1 reading"
    apart = f" at least {rule.span_min} min apart" if rule.span_min else ""
    return f"on {count} consecutive readings{apart}"


def rule_words(rule: AlertRule) -> str:
    """The whole rule: ``systolic BP 200 mmHg or above, on 1 reading`` (threshold rules), or
    the condition alone (technical and overdue rules)."""
    if rule.kind is AlertKind.THRESHOLD and rule.parameter != "overdue":
        return f"{condition_words(rule)}, {run_words(rule)}"
    return condition_words(rule)


def sentence(text: str) -> str:
    """``text`` with its first letter capitalised (``SpO2`` stays as it is)."""
    return text[:1].upper() + text[1:]
