"""An alarm's "Why" reads the rule in the same generated words as its reason and the actual
sign-off of the protocol version the session runs on: who signed it and when, or that it is not
signed off yet; never "needs sign-off" once a physician has signed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.infusion.alarm_why import explain_alarms
from ketaclinic.domain.infusion.records import StoredAlarm
from ketaclinic.domain.patients.treatment import PublishedProtocol

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
SIGNED_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
ADULT = shipped_protocol("adult-iv-induction")
UNSIGNED = PublishedProtocol(
    id=7,
    clinic_id=1,
    protocol_id="adult-iv-induction",
    version="1.0.0",
    hash="h",
    title="Adult IV induction",
    base_ref=None,
    published_at=T0,
)
SIGNED = replace(UNSIGNED, signed_off_by=42, signed_off_at=SIGNED_AT)


def _alarm(alarm_id: int, rule_id: str) -> StoredAlarm:
    return StoredAlarm(
        id=alarm_id,
        clinic_id=1,
        session_id=1,
        patient_id=1,
        rule_id=rule_id,
        dedup_key=f"alarm:{rule_id}",
        parameter="sbp",
        severity="high",
        action="pause",
        message="Systolic BP 200 mmHg or above: 1 reading (latest 212)",
        source="§4.3 stored source",
        needs_signoff=True,
        triggering=(),
        raised_at=T0,
    )


def test_a_signed_version_names_who_signed_and_when() -> None:
    (why,) = explain_alarms(
        [_alarm(3, "bp-systolic-severe")], ADULT.monitoring.alert_rules, SIGNED
    ).values()
    assert why.signed_off and (why.signed_off_by, why.signed_off_at) == (42, SIGNED_AT)
    assert why.default_needs_signoff  # a default, confirmed at that sign-off
    assert why.rule == "systolic BP 200 mmHg or above, on 1 reading"
    assert (why.protocol_title, why.protocol_version) == ("Adult IV induction", "1.0.0")


def test_an_unsigned_version_says_so() -> None:
    whys = explain_alarms([_alarm(3, "bp-systolic-severe")], ADULT.monitoring.alert_rules, UNSIGNED)
    why = whys[3]
    assert not why.signed_off and why.signed_off_by is None and why.default_needs_signoff


def test_an_alarm_whose_rule_left_the_version_keeps_its_stored_source() -> None:
    whys = explain_alarms([_alarm(5, "retired-rule")], ADULT.monitoring.alert_rules, SIGNED)
    assert whys[5].rule == "" and whys[5].source == "§4.3 stored source"
    assert whys[5].default_needs_signoff  # from the stored alarm
