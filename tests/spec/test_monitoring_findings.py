"""Monitoring and alarms, one row per clinical case, for every shipped pack.

Each row streams readings through the one evaluation path (``services.infusion.vitals_evaluation``,
the path live ingest and ``ketaclinic alarms evaluate`` share) and names the rules that must be
raised (with priority and action) and the rules that must stay silent. Thresholds are the packs'
defaults; the numbers marked UNCONFIRMED in clinical.md are flagged ``needs_signoff`` there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.infusion.vitals import (
    CANONICAL_UNITS,
    Parameter,
    ReadingSource,
    VitalReading,
)
from ketaclinic.domain.protocols.sections import AlertKind, MonitoringPhase
from ketaclinic.services.infusion.vitals_evaluation import evaluate_stream, predose_holds

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
PACKS = ("adult-iv-induction", "adolescent-iv", "kat-holistic")
INFUSING, PRE_DOSE, RECOVERY = (
    MonitoringPhase.INFUSING,
    MonitoringPhase.PRE_DOSE,
    MonitoringPhase.RECOVERY,
)
# a full set of normal values at one time, so that only the parameter under test is unusual
NORMAL = (("sbp", 122), ("dbp", 78), ("hr", 76), ("spo2", 98), ("rr", 14))


def normal_at(second: int, *, without: tuple[str, ...] = ()) -> tuple[tuple[int, str, int], ...]:
    return tuple((second, p, v) for p, v in NORMAL if p not in without)


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    phase: MonitoringPhase
    readings: tuple[tuple[int, str, int], ...]  # (seconds after T0, parameter, value)
    now_s: int
    raised: dict[str, tuple[str, str]] = field(default_factory=dict)  # rule -> (priority, action)
    silent: tuple[str, ...] = ()  # rules that must not be raised


def cases_for(pack: str) -> list[Case]:
    adolescent = pack == "adolescent-iv"
    hr_hold = 130 if adolescent else 120
    dbp_severe = 110 if adolescent else 120
    return [
        Case(
            "spo2 35 % is believed: deep desaturation stops dosing at once",
            "§4.3 SpO2 UNCONFIRMED; §4.6 Aldrete <90 %",
            INFUSING,
            (*normal_at(0, without=("spo2",)), (0, "spo2", 35)),
            5,
            {"spo2-deep-stop": ("high", "stop")},
            ("spo2-signal-lost",),
        ),
        Case(
            "spo2 0 % (probe off) is a technical alarm, never a patient value",
            "§4.1 continuous SpO2",
            INFUSING,
            (*normal_at(0, without=("spo2",)), (0, "spo2", 0)),
            5,
            {"spo2-signal-lost": ("medium", "check_sensor")},
            ("spo2-deep-stop", "spo2-low-stop"),
        ),
        Case(
            "spo2 127 (a device no-value code) is a technical alarm",
            "§4.1 continuous SpO2",
            INFUSING,
            (*normal_at(0, without=("spo2",)), (0, "spo2", 127)),
            5,
            {"spo2-signal-lost": ("medium", "check_sensor")},
        ),
        Case(
            "oximetry stops while the BP cuff still reports: SpO2 data missing",
            "§4.1 continuous SpO2 during IV infusion",
            INFUSING,
            (*normal_at(0), *normal_at(120, without=("spo2",))),
            125,
            {"spo2-data-missing": ("medium", "check_sensor")},
            ("hr-data-missing",),
        ),
        Case(
            "oximetry present within the allowed gap: no data-missing alarm",
            "§4.1 continuous SpO2",
            INFUSING,
            (*normal_at(0), *normal_at(50)),
            100,
            {},
            ("spo2-data-missing", "hr-data-missing"),
        ),
        Case(
            "no reading at all while dosing: every continuous parameter is missing",
            "§4.1 continuous SpO2 and HR",
            INFUSING,
            (),
            0,
            {
                "spo2-data-missing": ("medium", "check_sensor"),
                "hr-data-missing": ("medium", "check_sensor"),
            },
        ),
        Case(
            "data-missing rules do not apply before dosing",
            "§4.1 continuous monitoring while dosing",
            PRE_DOSE,
            (),
            0,
            {},
            ("spo2-data-missing", "hr-data-missing"),
        ),
        Case(
            "oximeter pulse rate 30 with no ECG is read as heart rate: extreme bradycardia",
            "§4.1 HR monitored; bradycardia UNCONFIRMED",
            INFUSING,
            (*normal_at(0, without=("hr",)), (0, "pr", 30)),
            5,
            {"hr-extreme-low": ("high", "pause")},
            ("hr-data-missing",),
        ),
        Case(
            "oximeter pulse rate 180 for 4 minutes with no ECG: extreme and sustained tachycardia",
            "§4.3 ED protocol HR >150; UNCONFIRMED",
            INFUSING,
            tuple((60 * m, "pr", 180) for m in range(5)) + normal_at(240, without=("hr",)),
            245,
            {"hr-extreme-high": ("high", "pause"), "hr-high-sustained": ("high", "pause")},
        ),
        Case(
            "ECG heart rate stopped 2 minutes ago: the oximeter's pulse rate 30 is read as HR",
            "§4.1 HR monitored; bradycardia UNCONFIRMED",
            INFUSING,
            (*normal_at(0), *normal_at(120, without=("hr",)), (120, "pr", 30)),
            125,
            {"hr-extreme-low": ("high", "pause")},
            ("hr-data-missing",),
        ),
        Case(
            "ECG heart rate present and normal: the oximeter's pulse rate is not used",
            "§4.1 HR / rhythm",
            INFUSING,
            (*normal_at(0), (0, "pr", 30)),
            5,
            {},
            ("hr-extreme-low", "hr-low-notify"),
        ),
        Case(
            "HR 180 sustained 4 minutes (ECG)",
            "§4.3 ED protocol HR >150; UNCONFIRMED",
            INFUSING,
            tuple((60 * m, "hr", 180) for m in range(5)) + normal_at(240, without=("hr",)),
            245,
            {"hr-extreme-high": ("high", "pause"), "hr-high-sustained": ("high", "pause")},
        ),
        Case(
            "HR 30 (bradycardia) raised at once",
            "§4.1 HR monitored; bradycardia UNCONFIRMED",
            INFUSING,
            (*normal_at(0, without=("hr",)), (0, "hr", 30)),
            5,
            {"hr-extreme-low": ("high", "pause")},
        ),
        Case(
            "SBP 70 (hypotension) raised at once",
            "§4.6 Aldrete circulation; hypotension UNCONFIRMED",
            INFUSING,
            (*normal_at(0, without=("sbp", "dbp")), (0, "sbp", 70), (0, "dbp", 40)),
            5,
            {"bp-systolic-low-severe": ("high", "pause")},
        ),
        Case(
            "RR 40 (tachypnoea) raised at once",
            "§4.3 ED protocol RR >30; UNCONFIRMED",
            INFUSING,
            (*normal_at(0, without=("rr",)), (0, "rr", 40)),
            5,
            {"rr-extreme-high": ("high", "pause")},
        ),
        Case(
            "RR 32 twice a minute apart (tachypnoea) notifies",
            "§4.3 ED protocol RR >30",
            INFUSING,
            (*normal_at(0, without=("rr",)), (0, "rr", 32), (60, "rr", 32)),
            65,
            {"rr-high-notify": ("medium", "notify")},
            ("rr-extreme-high",),
        ),
        Case(
            "RR 4 (bradypnoea) stops dosing at once",
            "§4.3 RR <10 UNCONFIRMED",
            INFUSING,
            (*normal_at(0, without=("rr",)), (0, "rr", 4)),
            5,
            {"rr-extreme-low-stop": ("high", "stop")},
        ),
        Case(
            "SBP 210 once: severe BP raised at once, not 15 minutes later",
            "§4.3 academic esketamine clinic (>200/120 once)",
            INFUSING,
            (*normal_at(0, without=("sbp",)), (0, "sbp", 210)),
            5,
            {"bp-systolic-severe": ("high", "pause")},
        ),
        Case(
            f"DBP {dbp_severe + 5} once: severe diastolic raised at once",
            "§4.3 severe once; §6.3 paediatric UNCONFIRMED",
            INFUSING,
            (*normal_at(0, without=("dbp",)), (0, "dbp", dbp_severe + 5)),
            5,
            {"bp-diastolic-severe": ("high", "pause")},
        ),
        Case(
            "alarms still apply in recovery",
            "§4.1 every 15 min afterwards",
            RECOVERY,
            (*normal_at(0, without=("spo2",)), (0, "spo2", 35)),
            5,
            {"spo2-deep-stop": ("high", "stop")},
        ),
        Case(
            "pre-dose SpO2 85 % with HR 140 is held, naming both rules",
            "§4.3 SpO2 UNCONFIRMED; §4.3 institutional HR >120",
            PRE_DOSE,
            ((0, "spo2", 85), (0, "hr", 140)),
            5,
            {"predose-spo2-hold": ("medium", "hold"), "predose-hr-high-hold": ("medium", "hold")},
        ),
        Case(
            f"pre-dose HR {hr_hold} exactly is not held (rule is >)",
            "§4.3 institutional HR >120",
            PRE_DOSE,
            ((0, "spo2", 97), (0, "hr", hr_hold)),
            5,
            {},
            ("predose-hr-high-hold", "predose-spo2-hold"),
        ),
        Case(
            "pre-dose HR 45 is held (bradycardia)",
            "§4.1 HR; bradycardia UNCONFIRMED",
            PRE_DOSE,
            ((0, "spo2", 97), (0, "hr", 45)),
            5,
            {"predose-hr-low-hold": ("medium", "hold")},
        ),
        Case(
            "pre-dose holds never fire while dosing",
            "§4.3 pre-dose rule",
            INFUSING,
            (*normal_at(0, without=("spo2", "hr")), (0, "spo2", 91), (0, "hr", 125)),
            5,
            {},
            ("predose-spo2-hold", "predose-hr-high-hold"),
        ),
    ]


ROWS = [(pack, case) for pack in PACKS for case in cases_for(pack)]


def _reading(second: int, parameter: str, value: int) -> VitalReading:
    p = Parameter(parameter)
    at = T0 + timedelta(seconds=second)
    return VitalReading(p, Decimal(value), CANONICAL_UNITS[p], at, ReadingSource.MONITOR)


@pytest.mark.parametrize(("pack", "case"), ROWS, ids=[f"{p}: {c.id}" for p, c in ROWS])
def test_monitoring_case(pack: str, case: Case) -> None:
    protocol = shipped_protocol(pack)
    readings = [_reading(*r) for r in case.readings]
    now = T0 + timedelta(seconds=case.now_s)
    decision = evaluate_stream(protocol, case.phase, readings, now=now)
    raised = {a.rule_id: (a.severity.value, a.action.value) for a in decision.raised}
    for rule, expected in case.raised.items():
        assert raised.get(rule) == expected, f"{case.source}: {rule} in {raised}"
    for rule in case.silent:
        assert rule not in raised, f"{case.source}: {rule} must stay silent ({raised})"


@pytest.mark.parametrize("pack", PACKS)
def test_pre_dose_hold_names_the_rule_value_and_source(pack: str) -> None:
    vitals = {Parameter.SPO2: Decimal(85), Parameter.HR: Decimal(140)}
    holds = predose_holds(shipped_protocol(pack), vitals, at=T0)
    assert {a.rule_id for a in holds} == {"predose-spo2-hold", "predose-hr-high-hold"}
    assert all(a.source.startswith("§") and a.needs_signoff for a in holds)
    assert any("85" in a.message for a in holds) and any("140" in a.message for a in holds)


@pytest.mark.parametrize("pack", PACKS)
def test_every_rule_has_a_priority_and_unconfirmed_thresholds_need_signoff(pack: str) -> None:
    """IEC 60601-1-8 style priorities on every rule; every threshold the packs add is flagged."""
    rules = shipped_protocol(pack).monitoring.alert_rules
    assert all(r.severity.value in ("high", "medium", "low") for r in rules)
    assert all(r.severity.value == "high" for r in rules if r.action.value in ("pause", "stop"))
    technical = [r for r in rules if r.kind is not AlertKind.THRESHOLD]
    assert {(r.parameter, r.kind.value) for r in technical} == {
        ("spo2", "signal_lost"),
        ("spo2", "data_missing"),
        ("hr", "signal_lost"),
        ("hr", "data_missing"),
    }
    assert all(r.needs_signoff for r in rules if r.parameter != "overdue")


@pytest.mark.parametrize("pack", PACKS)
def test_a_lost_signal_stays_open_until_a_newer_patient_value(pack: str) -> None:
    """The same evaluation with stored history: probe off at 0 s; an SpO2 value from before does
    not clear it; a value after it does."""
    from ketaclinic.domain.infusion.alarms import OpenAlarm
    from ketaclinic.services.infusion.vitals_evaluation import evaluate_vitals

    protocol = shipped_protocol(pack)
    before = _reading(-10, "spo2", 97)
    held = OpenAlarm("alarm:spo2-signal-lost", "spo2-signal-lost", since=T0)
    at = T0 + timedelta(seconds=5)
    still = evaluate_vitals(protocol, INFUSING, [before], [], [held], at=at, schedule=None)
    assert "alarm:spo2-signal-lost" in still.still_open
    back = _reading(3, "spo2", 96)
    cleared = evaluate_vitals(protocol, INFUSING, [before], [back], [held], at=at, schedule=None)
    assert [c.rule_id for c in cleared.cleared if c.rule_id.startswith("spo2")] == [
        "spo2-signal-lost"
    ]


def test_a_written_bp_decision_does_not_lift_a_pre_dose_vitals_hold() -> None:
    """The SpO2/HR hold is its own guard check: only a recheck within limits lifts it."""
    from ketaclinic.domain.infusion.session import SessionFacts, SessionState, guard_failures

    hold = ("predose-spo2-hold: SPO2 < 92 %: 1 reading (latest 85)",)
    facts = SessionFacts(
        baseline_vitals_recorded=True,
        symptom_check_done=True,
        premedication_required=False,
        verified_order=True,
        predose_bp_decided_by="Test Physician",
        predose_vitals_hold=hold,
    )
    failures = guard_failures(SessionState.CHECKED_IN, SessionState.READY, facts)
    assert [f for f in failures if f.startswith("predose_vitals:")] == [
        f"predose_vitals: {hold[0]}"
    ]
