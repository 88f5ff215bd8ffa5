"""An alert rule's condition is written once, from the rule's own value and operator: the alarm's
reason, its "Why", the protocol page and the discharge reasons all read the same words, and no
operator symbol reaches staff ("systolic BP 200 mmHg or above", never ">200" beside ">= 200")."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.infusion.alarms import evaluate
from ketaclinic.domain.infusion.discharge import Noted, vitals_out_of_limits
from ketaclinic.domain.infusion.vitals import (
    CANONICAL_UNITS,
    Parameter,
    ReadingSource,
    VitalReading,
)
from ketaclinic.domain.protocols.alert_words import (
    condition_words,
    duration_words,
    rule_words,
    threshold_words,
)
from ketaclinic.domain.protocols.docs import threshold_section
from ketaclinic.domain.protocols.sections import AlertRule, Comparison, MonitoringPhase

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
ADULT = shipped_protocol("adult-iv-induction")


def _rule(rule_id: str) -> AlertRule:
    return next(r for r in ADULT.monitoring.alert_rules if r.id == rule_id)


def _reading(parameter: Parameter, value: int, minute: int = 0) -> VitalReading:
    return VitalReading(
        parameter,
        Decimal(value),
        CANONICAL_UNITS[parameter],
        T0 + timedelta(minutes=minute),
        ReadingSource.MONITOR,
    )


@pytest.mark.parametrize(
    ("comparison", "level", "duration"),
    [
        (Comparison.GE, "200 mmHg or above", "200 mmHg or more"),
        (Comparison.GT, "above 200 mmHg", "more than 200 mmHg"),
        (Comparison.LE, "200 mmHg or below", "200 mmHg or less"),
        (Comparison.LT, "below 200 mmHg", "less than 200 mmHg"),
    ],
)
def test_each_operator_has_its_own_words(comparison: Comparison, level: str, duration: str) -> None:
    assert threshold_words(Decimal("200.0"), comparison, "mmHg") == level
    assert duration_words(Decimal(200), comparison, "mmHg") == duration


def test_the_alarm_reason_and_its_why_read_the_same_generated_condition() -> None:
    rule = _rule("bp-systolic-severe")
    assert condition_words(rule) == "systolic BP 200 mmHg or above"
    decision = evaluate(
        [], [_reading(Parameter.SBP, 212)], [rule], [], at=T0, phase=MonitoringPhase.INFUSING
    )
    (alarm,) = decision.raised
    assert alarm.message == "Systolic BP 200 mmHg or above: 1 reading (latest 212)"
    assert rule_words(rule) == "systolic BP 200 mmHg or above, on 1 reading"
    page = threshold_section(ADULT)
    assert "| bp-systolic-severe | systolic BP 200 mmHg or above | 1 reading |" in page
    assert ">=" not in page.split("| rule |", 1)[1] and "reading(s)" not in page


def test_the_words_follow_the_rule_when_a_clinic_changes_its_operator() -> None:
    strict = replace(_rule("bp-systolic-severe"), comparison=Comparison.GT)
    at_limit = evaluate([], [_reading(Parameter.SBP, 200)], [strict], [], at=T0)
    above = evaluate([], [_reading(Parameter.SBP, 201)], [strict], [], at=T0)
    assert at_limit.raised == ()
    assert [a.message for a in above.raised] == [
        "Systolic BP above 200 mmHg: 1 reading (latest 201)"
    ]


def test_sustained_low_and_pulse_rate_rules_in_words() -> None:
    spo2 = _rule("spo2-low-stop")
    assert rule_words(spo2) == "SpO2 below 92 %, on 2 consecutive readings at least 1 min apart"
    pulse = [_reading(Parameter.PR, 160, m) for m in (0, 3, 6)]
    hr = [r for r in ADULT.monitoring.alert_rules if r.parameter == "hr" and r.threshold > 140]
    decision = evaluate([], pulse, hr, [], at=T0 + timedelta(minutes=6))
    assert decision.raised and all(
        a.message.startswith("Heart rate (oximeter pulse rate) above ") for a in decision.raised
    )


def test_technical_rules_name_the_parameter_in_plain_words() -> None:
    assert condition_words(_rule("spo2-data-missing")) == "no SpO2 reading for more than 60 s"
    assert condition_words(_rule("vitals-overdue")) == "vital signs more than 15 min late"


def test_discharge_reasons_read_the_same_words() -> None:
    reasons = vitals_out_of_limits([_reading(Parameter.SBP, 205)], [_rule("bp-systolic-severe")])
    assert reasons == (Noted("Systolic BP 205 mmHg is 200 mmHg or above", "bp-systolic-severe"),)
