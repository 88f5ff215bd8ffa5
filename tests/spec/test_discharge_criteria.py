"""Discharge criteria after recovery, one row per clinical case (clinical.md §4.6, §4.2)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.errors import PermissionDenied, SafetyBlock, ValidationFailed
from ketaclinic.domain.infusion.discharge import (
    AldreteScore,
    DischargeFacts,
    DischargeOverride,
    Noted,
    evaluate_discharge,
    sign_discharge,
    vitals_out_of_limits,
)
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.domain.protocols.sections import (
    AlertAction,
    AlertRule,
    AlertSeverity,
    Comparison,
    Discharge,
    SourceRef,
)

END = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)
CRITERIA = Discharge(
    min_observation_min=30,
    aldrete_min_score=9,
    escort_required=True,
    safety_flags_resolved=True,
    sources={
        "min_observation_min": SourceRef("clinical.md §4.6 observation", needs_signoff=True),
        "aldrete_min_score": SourceRef("clinical.md §4.6 Aldrete 1995"),
    },
)
FULL = AldreteScore(activity=2, respiration=2, circulation=2, consciousness=2, spo2=2)
READY = DischargeFacts(
    dosing_ended_at=END,
    aldrete=FULL,
    vitals_out_of_limits=(),
    escort_present=True,
    instructions_given=True,
)


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    minutes_after_end: int
    change: dict[str, object] = field(default_factory=dict)
    unmet: tuple[str, ...] = ()


CASES = [
    Case("all criteria met 30 min after end of dosing", "clinical.md §4.6", 30),
    Case(
        "29 min after end of dosing is too early",
        "clinical.md §4.6 (>=30 min default)",
        29,
        unmet=("min_observation",),
    ),
    Case(
        "end of dosing not recorded",
        "clinical.md §4.6",
        60,
        {"dosing_ended_at": None},
        ("min_observation",),
    ),
    Case(
        "Aldrete 9 is enough",
        "clinical.md §4.6 Aldrete >= 9",
        45,
        {"aldrete": replace(FULL, consciousness=1)},
    ),
    Case(
        "Aldrete 8 is not",
        "clinical.md §4.6 Aldrete >= 9",
        45,
        {"aldrete": replace(FULL, consciousness=1, activity=1)},
        ("aldrete",),
    ),
    Case("Aldrete not scored", "clinical.md §4.6", 45, {"aldrete": None}, ("aldrete",)),
    Case(
        "BP still above the alert limit",
        "clinical.md §4.6 vitals stable",
        45,
        {"vitals_out_of_limits": (Noted("Systolic BP 185 mmHg is 180 mmHg or above", "sbp-180"),)},
        ("vitals_within_limits",),
    ),
    Case(
        "recovery vitals not assessed",
        "clinical.md §4.6",
        45,
        {"vitals_out_of_limits": None},
        ("vitals_within_limits",),
    ),
    Case(
        "an alarm is still open",
        "issue 9 discharge criteria",
        45,
        {"open_alarms": ("alarm:spo2-92",)},
        ("no_open_alarm",),
    ),
    Case(
        "a safety gate is open",
        "clinical.md §4.6; DESIGN safety gates",
        45,
        {"open_safety_gates": ("C-SSRS positive screen",)},
        ("safety_gates_clear",),
    ),
    Case(
        "no escort present",
        "clinical.md §4.6 responsible adult",
        45,
        {"escort_present": False},
        ("escort_present",),
    ),
    Case(
        "no-driving instructions not given",
        "clinical.md §4.2 item 5",
        45,
        {"instructions_given": False},
        ("instructions_given",),
    ),
    Case(
        "too early, low Aldrete and no escort: every reason",
        "clinical.md §4.6",
        10,
        {"aldrete": replace(FULL, spo2=0), "escort_present": False},
        ("min_observation", "aldrete", "escort_present"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_discharge_criteria(case: Case) -> None:
    facts = replace(READY, **case.change)  # type: ignore[arg-type]
    decision = evaluate_discharge(
        CRITERIA, facts, at=END + timedelta(minutes=case.minutes_after_end)
    )
    assert tuple(u.id for u in decision.unmet) == case.unmet
    assert decision.allowed is not case.unmet


def test_reasons_carry_protocol_source_and_time_to_go() -> None:
    decision = evaluate_discharge(CRITERIA, READY, at=END + timedelta(minutes=12))
    (unmet,) = decision.unmet
    assert unmet.source == "clinical.md §4.6 observation"
    assert unmet.message == "observed less than 30 min since end of dosing (18 min to go)"
    assert decision.earliest_at == END + timedelta(minutes=30)


def test_the_earliest_discharge_is_a_whole_minute_the_gate_allows() -> None:
    """Dosing ended 10:00:24: the earliest discharge shown is 10:31, never 10:30, which the
    gate would refuse until 10:30:24; the gate is not loosened to 10:30."""
    facts = replace(READY, dosing_ended_at=END + timedelta(seconds=24))
    shown = evaluate_discharge(CRITERIA, facts, at=END).earliest_at
    assert shown == END + timedelta(minutes=31)
    for seconds in (0, 24, 59):
        at = END + timedelta(minutes=30, seconds=seconds)
        refused = evaluate_discharge(CRITERIA, facts, at=at)
        assert [u.id for u in refused.unmet] == ["min_observation"], at
    assert evaluate_discharge(CRITERIA, facts, at=shown).allowed


def test_escort_and_safety_gates_follow_the_protocol_switches() -> None:
    lenient = replace(CRITERIA, escort_required=False, safety_flags_resolved=False)
    facts = replace(READY, escort_present=False, open_safety_gates=("gate",))
    assert evaluate_discharge(lenient, facts, at=END + timedelta(minutes=30)).allowed


def test_refused_without_override_lists_every_reason() -> None:
    decision = evaluate_discharge(CRITERIA, replace(READY, escort_present=False), at=END)
    with pytest.raises(SafetyBlock) as refused:
        sign_discharge(decision)
    assert refused.value.reasons == (
        "min_observation: observed less than 30 min since end of dosing (30 min to go)",
        "escort_present: no responsible adult escort present",
    )


def _physician(minutes_observed: int, extended: int = 60, reason: str = "ok") -> DischargeOverride:
    return DischargeOverride(
        by="dr-zz-test",
        role="physician",
        reason=reason,
        extended_observation_min=extended,
        observed_min=minutes_observed,
    )


def test_physician_override_with_reason_and_extended_observation_records_what_was_overridden() -> (
    None
):
    facts = replace(READY, aldrete=replace(FULL, spo2=0, activity=1))
    decision = evaluate_discharge(CRITERIA, facts, at=END + timedelta(minutes=75))
    override = _physician(75, reason="Aldrete 7 is her usual: chronic limb weakness, SpO2 probe")
    signed = sign_discharge(decision, override, min_observation_min=30)
    assert signed.overridden == ("aldrete",)
    assert signed.override == override


#: (unmet criterion, facts changed, can a physician override it?, source)
OVERRIDE_CASES = [
    ("escort_present", {"escort_present": False}, False, "clinical.md §4.6 responsible adult"),
    (
        "safety_gates_clear",
        {"open_safety_gates": ("C-SSRS high",)},
        False,
        "clinical.md §5.2; DESIGN safety gates",
    ),
    (
        "no_open_high_alarm",
        {"open_high_alarms": ("spo2-92: SpO2 88",)},
        False,
        "clinical.md §4.3 stop thresholds",
    ),
    ("min_observation", {"dosing_ended_at": None}, False, "clinical.md §4.6 observation"),
    ("aldrete", {"aldrete": replace(FULL, spo2=0)}, True, "clinical.md §4.6 Aldrete >= 9"),
    ("vitals_within_limits", {"vitals_out_of_limits": None}, True, "clinical.md §4.6"),
    ("no_open_alarm", {"open_alarms": ("hr-high-notify",)}, True, "clinical.md §4.3 notify"),
    ("instructions_given", {"instructions_given": False}, True, "clinical.md §4.2 item 5"),
]


@pytest.mark.parametrize(
    ("criterion", "change", "overridable", "source"),
    OVERRIDE_CASES,
    ids=[c[0] for c in OVERRIDE_CASES],
)
def test_which_criteria_a_physician_may_override(
    criterion: str, change: dict[str, object], overridable: bool, source: str
) -> None:
    facts = replace(READY, **change)  # type: ignore[arg-type]
    decision = evaluate_discharge(CRITERIA, facts, at=END + timedelta(minutes=90))
    assert [u.id for u in decision.unmet] == [criterion], source
    if overridable:
        signed = sign_discharge(decision, _physician(90), min_observation_min=30)
        assert signed.overridden == (criterion,)
    else:
        with pytest.raises(SafetyBlock) as refused:
            sign_discharge(decision, _physician(90), min_observation_min=30)
        assert refused.value.field == criterion


def test_override_needs_a_reason() -> None:
    decision = evaluate_discharge(
        CRITERIA, replace(READY, aldrete=None), at=END + timedelta(hours=2)
    )
    with pytest.raises(ValidationFailed) as refused:
        sign_discharge(decision, _physician(120, reason=" "), min_observation_min=30)
    assert refused.value.field == "override_reason"


def test_override_needs_an_extended_observation_already_observed() -> None:
    decision = evaluate_discharge(
        CRITERIA, replace(READY, aldrete=None), at=END + timedelta(hours=1)
    )
    with pytest.raises(ValidationFailed) as short:
        sign_discharge(decision, _physician(60, extended=30), min_observation_min=30)
    assert short.value.field == "extended_observation_min"
    with pytest.raises(SafetyBlock) as early:
        sign_discharge(decision, _physician(60, extended=90), min_observation_min=30)
    assert early.value.field == "extended_observation_min"


@pytest.mark.parametrize("role", ["nurse", "app", "prescriber"])
def test_override_needs_a_physician(role: str) -> None:
    decision = evaluate_discharge(
        CRITERIA, replace(READY, aldrete=None), at=END + timedelta(hours=2)
    )
    with pytest.raises(PermissionDenied):
        sign_discharge(decision, replace(_physician(120), role=role), min_observation_min=30)


def test_met_criteria_sign_without_override() -> None:
    decision = evaluate_discharge(CRITERIA, READY, at=END + timedelta(minutes=31))
    assert sign_discharge(decision).overridden == ()


@pytest.mark.parametrize("bad", [-1, 3], ids=["negative", "three"])
def test_aldrete_items_are_0_1_or_2(bad: int) -> None:
    with pytest.raises(ValidationFailed) as refused:
        AldreteScore(activity=bad, respiration=2, circulation=2, consciousness=2, spo2=2)
    assert refused.value.errors == {"aldrete.activity": "must be 0, 1 or 2"}


SBP_RULE = AlertRule(
    id="sbp-180",
    parameter="sbp",
    comparison=Comparison.GE,
    threshold=Decimal(180),
    unit="mmHg",  # a pack's unit (a reading carries the UCUM mm[Hg])
    consecutive=2,
    span_min=5,
    severity=AlertSeverity.HIGH,
    action=AlertAction.PAUSE,
    source="clinical.md §4.3",
    needs_signoff=True,
)
SPO2_RULE = replace(
    SBP_RULE,
    id="spo2-92",
    parameter="spo2",
    comparison=Comparison.LT,
    threshold=Decimal(92),
    unit="%",
)


def reading(parameter: Parameter, value: int, minute: int) -> VitalReading:
    unit = "%" if parameter is Parameter.SPO2 else "mm[Hg]"
    return VitalReading(
        parameter, Decimal(value), unit, END + timedelta(minutes=minute), ReadingSource.MONITOR
    )


def test_vitals_back_within_limits_uses_the_latest_reading() -> None:
    latest = [
        reading(Parameter.SBP, 186, 0),
        reading(Parameter.SBP, 150, 15),
        reading(Parameter.SPO2, 97, 15),
    ]
    assert vitals_out_of_limits(latest, [SBP_RULE, SPO2_RULE]) == ()


def test_vitals_still_out_of_limits_or_unmeasured_are_reasons() -> None:
    latest = [reading(Parameter.SBP, 150, 0), reading(Parameter.SBP, 184, 15)]
    assert vitals_out_of_limits(latest, [SBP_RULE, SPO2_RULE]) == (
        Noted("Systolic BP 184 mmHg is 180 mmHg or above", SBP_RULE.id),
        Noted("SpO2 not measured in recovery", SPO2_RULE.id),
    )


def test_an_aldrete_score_before_the_latest_alarm_does_not_count_and_is_never_overridden() -> None:
    """Aldrete 10/10 at 10:41, an alarm at 10:46: score again (clinical.md §4.6)."""
    facts = replace(
        READY,
        aldrete_at=END + timedelta(minutes=41),
        latest_alarm_at=END + timedelta(minutes=46),
    )
    decision = evaluate_discharge(CRITERIA, facts, at=END + timedelta(minutes=71))
    assert [(u.id, u.message) for u in decision.unmet] == [
        (
            "aldrete_after_alarm",
            "an alarm at 10:46 came after the modified Aldrete score of 10:41: score again "
            "before discharge",
        )
    ]
    override = DischargeOverride("Dr Demo", "physician", "looks well", 75, 71)
    with pytest.raises(SafetyBlock) as never:
        sign_discharge(decision, override, min_observation_min=30)
    assert never.value.field == "aldrete_after_alarm"
    rescored = replace(facts, aldrete_at=END + timedelta(minutes=50))
    assert evaluate_discharge(CRITERIA, rescored, at=END + timedelta(minutes=71)).allowed
