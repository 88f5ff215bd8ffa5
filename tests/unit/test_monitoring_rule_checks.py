"""The pack validator refuses a monitoring section that misses a safety rule or misuses a rule
kind, action, phase or priority; every problem names its field path."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.pack import validate_protocol
from ketaclinic.domain.protocols.sections import (
    AlertAction,
    AlertKind,
    AlertRule,
    AlertSeverity,
    Comparison,
    MonitoringPhase,
)

PACKS = ("adult-iv-induction", "adolescent-iv", "kat-holistic")


def without(p: Protocol, *rule_ids: str) -> Protocol:
    rules = tuple(r for r in p.monitoring.alert_rules if r.id not in rule_ids)
    return replace(p, monitoring=replace(p.monitoring, alert_rules=rules))


def changed(p: Protocol, rule_id: str, **fields: Any) -> Protocol:
    rules = tuple(replace(r, **fields) if r.id == rule_id else r for r in p.monitoring.alert_rules)
    return replace(p, monitoring=replace(p.monitoring, alert_rules=rules))


def problems(p: Protocol) -> list[tuple[str, str]]:
    return [(pr.path, pr.expected) for pr in validate_protocol(p)]


@pytest.mark.parametrize("pack", PACKS)
def test_shipped_packs_pass(pack: str) -> None:
    assert problems(shipped_protocol(pack)) == []


@pytest.mark.parametrize(
    ("removed", "expected"),
    [
        (("bp-systolic-severe",), "a single-reading severe sbp rule that pauses or stops"),
        (("bp-diastolic-severe",), "a single-reading severe dbp rule that pauses or stops"),
        (("bp-systolic-low-severe",), "a single-reading hypotension (low sbp) rule"),
        (("spo2-deep-stop",), "a single-reading deep desaturation rule"),
        (("hr-extreme-low",), "a single-reading extreme bradycardia rule"),
        (("hr-extreme-high",), "a single-reading extreme tachycardia rule"),
        (("rr-low-stop", "rr-extreme-low-stop"), "a bradypnoea (low rr) rule"),
        (("rr-high-notify", "rr-extreme-high"), "a tachypnoea (high rr) rule"),
        (("predose-spo2-hold",), "a pre-dose hold on low spo2"),
        (("predose-hr-high-hold",), "a pre-dose hold on high hr"),
        (("spo2-data-missing",), "a data_missing rule on spo2 while dosing and in recovery"),
        (("hr-signal-lost",), "a signal_lost rule on hr while dosing and in recovery"),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(v),
)
@pytest.mark.parametrize("pack", PACKS)
def test_a_missing_safety_rule_is_refused(
    pack: str, removed: tuple[str, ...], expected: str
) -> None:
    assert ("monitoring.alert_rules", expected) in problems(
        without(shipped_protocol(pack), *removed)
    )


def test_continuous_monitoring_must_name_spo2_and_hr() -> None:
    p = shipped_protocol("adult-iv-induction")
    p = replace(p, monitoring=replace(p.monitoring, continuous_parameters=("hr",)))
    assert ("monitoring.continuous_parameters", "a list that includes spo2") in problems(p)


@pytest.mark.parametrize(
    ("rule_id", "fields", "path", "expected"),
    [
        (
            "predose-spo2-hold",
            {"phases": (MonitoringPhase.PRE_DOSE, MonitoringPhase.INFUSING)},
            "phases",
            "[pre_dose] for a hold rule",
        ),
        (
            "spo2-signal-lost",
            {"action": AlertAction.NOTIFY},
            "action",
            "check_sensor for a signal_lost rule",
        ),
        (
            "spo2-deep-stop",
            {"action": AlertAction.CHECK_SENSOR},
            "action",
            "an action other than check_sensor for a threshold rule",
        ),
        ("spo2-deep-stop", {"severity": AlertSeverity.MEDIUM}, "severity", "high for a stop rule"),
        ("spo2-data-missing", {"unit": "min"}, "unit", "s (seconds without a reading)"),
        ("spo2-data-missing", {"threshold": Decimal(3600)}, "threshold", "between 5 and 600"),
        ("hr-extreme-low", {"phases": ()}, "phases", "distinct phases, at least one"),
    ],
)
def test_a_misused_rule_is_refused_naming_its_field(
    rule_id: str, fields: dict[str, Any], path: str, expected: str
) -> None:
    p = changed(shipped_protocol("adult-iv-induction"), rule_id, **fields)
    found = problems(p)
    at = f"monitoring.alert_rules[{rule_id}].{path}"
    assert any(pp == at and expected in exp for pp, exp in found), found


def test_overdue_cannot_be_a_technical_rule() -> None:
    rule = AlertRule(
        id="odd",
        parameter="overdue",
        comparison=Comparison.GT,
        threshold=Decimal(10),
        unit="min",
        consecutive=1,
        span_min=0,
        severity=AlertSeverity.MEDIUM,
        action=AlertAction.CHECK_SENSOR,
        source="§4.1 x",
        kind=AlertKind.DATA_MISSING,
    )
    p = shipped_protocol("kat-holistic")
    p = replace(p, monitoring=replace(p.monitoring, alert_rules=(*p.monitoring.alert_rules, rule)))
    assert ("monitoring.alert_rules[odd].kind", "threshold for the overdue rule") in problems(p)
