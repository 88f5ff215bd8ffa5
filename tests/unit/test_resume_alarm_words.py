"""An alarm that keeps a paused session from resuming, as the refusal and the session page say
it (``services.infusion.resume_alarms.alarm_words``): the parameter, its latest value with the
unit at the clinic's local time, the priority and the count the alarm history shows
(``repeat_count``), never the rule's own per-episode reading count. The guard puts the rule
behind the words (``check[rule]: words``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import StoredAlarm
from ketaclinic.domain.infusion.session import SessionFacts, SessionState, guard_failures
from ketaclinic.services.infusion.pauses import may_resume
from ketaclinic.services.infusion.resume_alarms import ACKNOWLEDGED, ResumeAlarm, alarm_words

ZONE = ZoneInfo("America/New_York")
AT = datetime(2026, 3, 2, 19, 5, tzinfo=UTC)  # 14:05 in New York


def _alarm(
    parameter: str = "sbp",
    value: str = "212",
    *,
    repeat_count: int = 1,
    read: bool = True,
    severity: str = "high",
) -> StoredAlarm:
    return StoredAlarm(
        id=7,
        clinic_id=1,
        session_id=1,
        patient_id=1,
        rule_id="bp-systolic-severe",
        dedup_key="bp-systolic-severe",
        parameter=parameter,
        severity=severity,
        action="pause",
        message="SBP 212 >= 200 mmHg: 1 reading (latest 212 at 19:05)",
        source="test",
        needs_signoff=False,
        triggering=((parameter, Decimal(value), AT),) if read else (),
        raised_at=AT,
        repeat_count=repeat_count,
    )


def test_a_repeated_alarm_reads_its_value_unit_local_time_priority_and_count() -> None:
    words = alarm_words(_alarm(repeat_count=3), "mmHg", ZONE)
    assert words == "Systolic BP 212 mmHg at 14:05 (high priority, out of range 3 times)"
    assert "1 reading" not in words and "bp-systolic-severe" not in words


def test_a_first_alarm_is_out_of_range_once_and_a_percentage_sits_on_its_value() -> None:
    words = alarm_words(_alarm("spo2", "85"), "%", ZONE)
    assert words == "SpO2 85% at 14:05 (high priority, out of range once)"


def test_a_technical_alarm_without_a_reading_says_which_reading_is_missing() -> None:
    words = alarm_words(_alarm("hr", read=False, severity="medium"), "bpm", ZONE)
    assert words == "Technical alarm at 14:05, no usable heart rate reading (medium priority)"


def test_the_guard_puts_the_rule_behind_the_words() -> None:
    words = alarm_words(_alarm(repeat_count=3), "mmHg", ZONE)
    item = ResumeAlarm(7, "bp-systolic-severe", ACKNOWLEDGED, words)
    facts = SessionFacts(
        reason="settled", resume_approved_by="Dr Test", unacknowledged_alarms=(item.item,)
    )
    failures = guard_failures(SessionState.PAUSED, SessionState.INFUSING, facts)
    assert failures == (
        "alarms_acknowledged[bp-systolic-severe]: Systolic BP 212 mmHg at 14:05 (high priority, "
        "out of range 3 times) must be acknowledged before the infusion resumes",
    )
    assert failures == (item.reason,)


def test_no_one_is_offered_resume_while_an_alarm_keeps_the_session_paused() -> None:
    item = ResumeAlarm(7, "bp-systolic-severe", ACKNOWLEDGED, "Systolic BP 212 mmHg")
    for role in (Role.NURSE, Role.PHYSICIAN, Role.APP):
        actor = Actor(staff_id=1, clinic_id=1, role=role)
        assert may_resume(actor, approved=True)
        assert not may_resume(actor, approved=True, alarms=(item,))
