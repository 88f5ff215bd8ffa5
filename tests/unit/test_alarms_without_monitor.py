"""Data-missing alarms need a monitor to go silent: with none assigned (vital signs by hand),
the pack's ``data_missing`` rules are never raised and one left open is cleared; with a monitor
the same silence raises them, and every other rule (overdue vitals) applies either way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.infusion.alarms import AlarmDecision, OpenAlarm, VitalsSchedule, evaluate
from ketaclinic.domain.protocols.sections import AlertKind, MonitoringPhase

T0 = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
RULES = shipped_protocol("adult-iv-induction").monitoring.alert_rules
DATA_MISSING = {r.id for r in RULES if r.kind is AlertKind.DATA_MISSING}


def _silent(
    minutes: int, *, monitored: bool, open_alarms: tuple[OpenAlarm, ...] = ()
) -> AlarmDecision:
    return evaluate(
        [],
        [],
        RULES,
        open_alarms,
        at=T0 + timedelta(minutes=minutes),
        schedule=VitalsSchedule(10, T0),
        phase=MonitoringPhase.INFUSING,
        monitored=monitored,
    )


def test_the_pack_has_data_missing_rules_to_test() -> None:
    assert {"spo2-data-missing", "hr-data-missing"} == DATA_MISSING


def test_a_monitor_that_stops_sending_raises_data_missing() -> None:
    raised = {a.rule_id for a in _silent(2, monitored=True).raised}
    assert raised == DATA_MISSING


def test_without_a_monitor_nothing_is_missing_but_overdue_vitals_still_are() -> None:
    assert _silent(2, monitored=False).raised == ()
    late = {a.rule_id for a in _silent(26, monitored=False).raised}
    assert late == {"vitals-overdue"}  # the hand timer: BP every 10 min, > 15 min late


def test_an_open_data_missing_alarm_is_cleared_once_no_monitor_is_assigned() -> None:
    held = tuple(OpenAlarm(f"alarm:{rule}", rule) for rule in sorted(DATA_MISSING))
    decision = _silent(3, monitored=False, open_alarms=held)
    assert {c.rule_id for c in decision.cleared} == DATA_MISSING
    assert all("no monitor assigned" in c.message for c in decision.cleared)
    assert decision.raised == ()
