"""Readings within one second keep their arrival order in alarm evaluation: a crossing that
follows a normal reading in the same second (same value as an earlier crossing) still raises."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.infusion.alarms import OpenAlarm, evaluate
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading

AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
RULES = shipped_protocol("adult-iv-induction").monitoring.alert_rules


def sbp(value: int) -> VitalReading:
    return VitalReading(Parameter.SBP, Decimal(value), "mm[Hg]", AT, ReadingSource.MONITOR)


def test_crossing_normal_crossing_in_one_second_raises_the_second_crossing() -> None:
    decision = evaluate([sbp(210), sbp(122)], [sbp(210)], RULES, [], at=AT)
    # only SBP arrives here, so the technical data-missing rules for SpO2 and HR fire as well
    assert [a.rule_id for a in decision.raised if a.parameter == "sbp"] == ["bp-systolic-severe"]
    assert {a.rule_id for a in decision.raised if a.parameter != "sbp"} == {
        "spo2-data-missing",
        "hr-data-missing",
    }


def test_crossing_then_normal_in_one_second_clears() -> None:
    open_alarm = OpenAlarm("alarm:bp-systolic-severe", "bp-systolic-severe")
    decision = evaluate([sbp(210)], [sbp(122)], RULES, [open_alarm], at=AT)
    assert [c.rule_id for c in decision.cleared] == ["bp-systolic-severe"]
