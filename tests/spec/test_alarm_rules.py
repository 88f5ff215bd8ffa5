"""Alarm rules, one row per clinical case (defaults from clinical.md §4.3, UNCONFIRMED -> sign-off).

Each row: the rule under test, readings as (minute, value) pairs, and the expected verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.infusion.alarms import OpenAlarm, VitalsSchedule, dedup_key, evaluate
from ketaclinic.domain.infusion.vitals import (
    CANONICAL_UNITS,
    Parameter,
    ReadingSource,
    ReadingStatus,
    VitalReading,
)
from ketaclinic.domain.protocols.sections import AlertAction, AlertRule, AlertSeverity, Comparison

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def rule(
    rid: str,
    parameter: str,
    comparison: Comparison,
    threshold: int,
    *,
    consecutive: int = 1,
    span_min: int = 0,
    action: AlertAction = AlertAction.NOTIFY,
    unit: str = "mm[Hg]",
) -> AlertRule:
    return AlertRule(
        id=rid,
        parameter=parameter,
        comparison=comparison,
        threshold=Decimal(threshold),
        unit=unit,
        consecutive=consecutive,
        span_min=span_min,
        severity=AlertSeverity.HIGH,
        action=action,
        source="clinical.md §4.3",
        needs_signoff=True,
    )


SBP_180 = rule(
    "sbp-180", "sbp", Comparison.GE, 180, consecutive=2, span_min=5, action=AlertAction.PAUSE
)
DBP_110 = rule(
    "dbp-110", "dbp", Comparison.GE, 110, consecutive=2, span_min=5, action=AlertAction.PAUSE
)
SBP_200 = rule("sbp-200", "sbp", Comparison.GE, 200, action=AlertAction.PAUSE)
SPO2_92 = rule(
    "spo2-92",
    "spo2",
    Comparison.LT,
    92,
    consecutive=2,
    span_min=0,
    action=AlertAction.STOP,
    unit="%",
)
RR_10 = rule("rr-10", "rr", Comparison.LT, 10, action=AlertAction.STOP, unit="/min")
HR_120 = rule("hr-120", "hr", Comparison.GT, 120, consecutive=2, span_min=5, unit="/min")
OVERDUE_5 = rule("overdue-5", "overdue", Comparison.GE, 5, unit="min")


def reading(
    parameter: Parameter,
    minute: float,
    value: int,
    status: ReadingStatus = ReadingStatus.RESULTS_ENTERED,
) -> VitalReading:
    return VitalReading(
        parameter=parameter,
        value=Decimal(value),
        unit=CANONICAL_UNITS[parameter],
        at=T0 + timedelta(minutes=minute),
        source=ReadingSource.MONITOR,
        status=status,
        mdc_code=None,
    )


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    rule: AlertRule
    parameter: Parameter
    readings: tuple[tuple[float, int], ...]
    fires: bool


CASES = [
    Case(
        "sbp 182 then 185 five minutes apart pauses",
        "clinical.md §4.3 intra-dose",
        SBP_180,
        Parameter.SBP,
        ((0, 182), (5, 185)),
        True,
    ),
    Case(
        "sbp exactly 180 twice five minutes apart pauses (>=)",
        "clinical.md §4.3",
        SBP_180,
        Parameter.SBP,
        ((0, 180), (5, 180)),
        True,
    ),
    Case(
        "sbp 182 then 185 only three minutes apart does not fire",
        "clinical.md §4.3",
        SBP_180,
        Parameter.SBP,
        ((0, 182), (3, 185)),
        False,
    ),
    Case(
        "sbp three readings over six minutes fires",
        "clinical.md §4.3",
        SBP_180,
        Parameter.SBP,
        ((0, 181), (3, 183), (6, 184)),
        True,
    ),
    Case(
        "normal reading between breaks the run",
        "clinical.md §4.3",
        SBP_180,
        Parameter.SBP,
        ((0, 190), (3, 150), (6, 190)),
        False,
    ),
    Case(
        "single sbp 185 is not enough",
        "clinical.md §4.3",
        SBP_180,
        Parameter.SBP,
        ((0, 185),),
        False,
    ),
    Case(
        "sbp 179 twice is below threshold",
        "clinical.md §4.3",
        SBP_180,
        Parameter.SBP,
        ((0, 179), (5, 179)),
        False,
    ),
    Case(
        "dbp 110 and 112 five minutes apart pauses",
        "clinical.md §4.3",
        DBP_110,
        Parameter.DBP,
        ((0, 110), (5, 112)),
        True,
    ),
    Case(
        "dbp 109 then 115 does not fire",
        "clinical.md §4.3",
        DBP_110,
        Parameter.DBP,
        ((0, 109), (5, 115)),
        False,
    ),
    Case(
        "sbp 205 once fires the single-reading rule",
        "clinical.md §4.3 (>200/120 once)",
        SBP_200,
        Parameter.SBP,
        ((0, 205),),
        True,
    ),
    Case(
        "spo2 91 twice stops dosing",
        "clinical.md §4.3 SpO2 <92% sustained",
        SPO2_92,
        Parameter.SPO2,
        ((0, 91), (0.02, 90)),
        True,
    ),
    Case(
        "spo2 92 is not below 92",
        "clinical.md §4.3",
        SPO2_92,
        Parameter.SPO2,
        ((0, 92), (0.02, 92)),
        False,
    ),
    Case(
        "spo2 dip then recovery does not fire",
        "clinical.md §4.3",
        SPO2_92,
        Parameter.SPO2,
        ((0, 90), (0.02, 95)),
        False,
    ),
    Case("rr 8 stops dosing", "clinical.md §4.3 RR <10", RR_10, Parameter.RR, ((0, 8),), True),
    Case("rr 10 does not fire", "clinical.md §4.3 RR <10", RR_10, Parameter.RR, ((0, 10),), False),
    Case(
        "hr 125 sustained five minutes notifies",
        "clinical.md §4.3 HR >120 sustained 5 min",
        HR_120,
        Parameter.HR,
        ((0, 125), (2, 128), (5, 126)),
        True,
    ),
    Case(
        "hr 125 for four minutes does not fire",
        "clinical.md §4.3",
        HR_120,
        Parameter.HR,
        ((0, 125), (4, 126)),
        False,
    ),
    Case(
        "hr exactly 120 is not above 120",
        "clinical.md §4.3",
        HR_120,
        Parameter.HR,
        ((0, 120), (5, 120)),
        False,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_threshold_rule(case: Case) -> None:
    readings = [reading(case.parameter, m, v) for m, v in case.readings]
    at = readings[-1].at
    decision = evaluate([], readings, [case.rule], [], at=at)
    assert [a.rule_id for a in decision.raised] == ([case.rule.id] if case.fires else [])
    if case.fires:
        alarm = decision.raised[0]
        assert alarm.action is case.rule.action
        assert alarm.severity is AlertSeverity.HIGH
        assert alarm.source == "clinical.md §4.3"
        assert alarm.needs_signoff is True
        assert alarm.triggering[-1] == readings[-1]
        assert len(alarm.triggering) >= case.rule.consecutive
        assert decision.required_action is case.rule.action


@dataclass(frozen=True)
class OverdueCase:
    id: str
    last_bp_minute: float | None
    now_minute: float
    fires: bool


OVERDUE_CASES = [
    OverdueCase("bp 14 min ago on a 10 min schedule is 4 min late: no alarm", 0, 14, False),
    OverdueCase("bp 15 min ago on a 10 min schedule is 5 min late: alert", 0, 15, True),
    OverdueCase("no bp since dosing began 16 min ago: alert", None, 16, True),
    OverdueCase("no bp since dosing began 10 min ago: not yet", None, 10, False),
]


@pytest.mark.parametrize("case", OVERDUE_CASES, ids=[c.id for c in OVERDUE_CASES])
def test_overdue_vitals(case: OverdueCase) -> None:
    """Overdue vitals by the monitoring schedule (clinical.md §4.1: BP every 10 min)."""
    history = (
        [] if case.last_bp_minute is None else [reading(Parameter.SBP, case.last_bp_minute, 130)]
    )
    schedule = VitalsSchedule(interval_min=10, since=T0)
    at = T0 + timedelta(minutes=case.now_minute)
    decision = evaluate(history, [], [OVERDUE_5], [], at=at, schedule=schedule)
    assert [a.rule_id for a in decision.raised] == (["overdue-5"] if case.fires else [])


def test_overdue_rule_without_schedule_is_named_not_silent() -> None:
    decision = evaluate([], [], [OVERDUE_5], [], at=T0)
    assert decision.raised == ()
    assert decision.notes == (
        "overdue-5: cannot evaluate parameter 'overdue' (unknown parameter or no vitals schedule)",
    )


def test_open_alarm_is_not_raised_twice() -> None:
    history = [reading(Parameter.SBP, 0, 182), reading(Parameter.SBP, 5, 185)]
    new = [reading(Parameter.SBP, 10, 190)]
    open_alarms = [OpenAlarm(dedup_key=dedup_key(SBP_180), rule_id="sbp-180")]
    decision = evaluate(history, new, [SBP_180], open_alarms, at=new[0].at)
    assert decision.raised == ()
    assert decision.still_open == (dedup_key(SBP_180),)
    assert decision.cleared == ()


def test_open_alarm_clears_when_value_returns_within_limits() -> None:
    history = [reading(Parameter.SBP, 0, 182), reading(Parameter.SBP, 5, 185)]
    new = [reading(Parameter.SBP, 10, 150)]
    open_alarms = [OpenAlarm(dedup_key=dedup_key(SBP_180), rule_id="sbp-180")]
    decision = evaluate(history, new, [SBP_180], open_alarms, at=new[0].at)
    assert [c.rule_id for c in decision.cleared] == ["sbp-180"]
    assert decision.cleared[0].reading == new[0]
    assert decision.still_open == ()


def test_open_overdue_alarm_clears_when_bp_arrives() -> None:
    schedule = VitalsSchedule(interval_min=10, since=T0)
    open_alarms = [OpenAlarm(dedup_key=dedup_key(OVERDUE_5), rule_id="overdue-5")]
    new = [reading(Parameter.SBP, 17, 130)]
    decision = evaluate([], new, [OVERDUE_5], open_alarms, at=new[0].at, schedule=schedule)
    assert [c.rule_id for c in decision.cleared] == ["overdue-5"]


def test_probe_off_reading_is_technical_and_cannot_fire_a_threshold_rule() -> None:
    """A probe-off SpO2 of 0 % is not a patient value: it never fires the SpO2 threshold rule,
    and is returned as technical with its reason (the pack's signal_lost rule raises on it)."""
    new = [reading(Parameter.SPO2, 0, 0), reading(Parameter.SPO2, 0.02, 0)]
    decision = evaluate([], new, [SPO2_92], [], at=new[-1].at)
    assert decision.raised == ()
    assert len(decision.rejected) == 2
    assert all(r.technical for r in decision.rejected)
    assert decision.rejected[0].reasons[0].startswith("technical: spo2 0 (probe off")


@pytest.mark.parametrize(
    "status",
    [ReadingStatus.DELETED, ReadingStatus.WRONG, ReadingStatus.NO_RESULT],
    ids=lambda s: f"obx11-{s}",
)
def test_unusable_status_never_fires(status: ReadingStatus) -> None:
    new = [reading(Parameter.RR, 0, 5, status)]
    assert evaluate([], new, [RR_10], [], at=new[0].at).raised == ()


def test_sbp_and_dbp_rules_fire_independently_with_strongest_action() -> None:
    new = [
        reading(Parameter.SBP, 0, 185),
        reading(Parameter.DBP, 0, 112),
        reading(Parameter.SBP, 5, 186),
        reading(Parameter.DBP, 5, 114),
        reading(Parameter.RR, 5, 8),
    ]
    decision = evaluate([], new, [SBP_180, DBP_110, RR_10], [], at=new[-1].at)
    assert sorted(a.rule_id for a in decision.raised) == ["dbp-110", "rr-10", "sbp-180"]
    assert decision.required_action is AlertAction.STOP


def test_retransmitted_reading_counts_once() -> None:
    """The same reading sent twice (monitor retry) is not two consecutive readings."""
    one = reading(Parameter.SBP, 0, 210)
    rule2 = rule("sbp-2x", "sbp", Comparison.GE, 180, consecutive=2)
    assert evaluate([one], [one], [rule2], [], at=one.at).raised == ()
