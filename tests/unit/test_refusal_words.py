"""Refused or failed actions from the audit trail, in plain words with rules one click away."""

from __future__ import annotations

from datetime import UTC, datetime

from ketaclinic.domain.audit.events import AuditEvent
from ketaclinic.entrypoints.web.refusal_words import refusal_words


def _event(action: str, object_type: str, outcome: str, detail: str) -> AuditEvent:
    return AuditEvent(
        chain="c",
        seq=1,
        at=datetime(2026, 12, 7, 14, 0, tzinfo=UTC),
        actor_id=1,
        actor_role="nurse",
        action=action,
        clinic_id=1,
        patient_id=None,
        object_type=object_type,
        object_id="/orders/3/verify",
        outcome=outcome,
        client="127.0.0.1",
        detail=detail,
        prev_hash="",
        hash="",
    )


def test_a_status_only_refusal_reads_the_status_in_words() -> None:
    words = refusal_words(_event("request.refused", "web:verify_order", "refused", "status=422"))
    assert words.attempted == "Verify order"
    assert words.why == "the entry was not accepted"
    assert words.rules == ()


def test_a_refusal_naming_a_field_and_rules_keeps_the_rules_for_the_details() -> None:
    detail = "status=409 SafetyBlock field=consent rules=consent.in_force,gate.open"
    words = refusal_words(_event("request.refused", "api:sign_order", "refused", detail))
    assert words.attempted == "Sign order"
    assert words.why == "blocked by a safety rule: consent"
    assert words.rules == ("consent.in_force", "gate.open")
    assert "status=409" in words.technical


def test_a_failed_sign_in_reads_sign_in_failed() -> None:
    words = refusal_words(_event("auth.sign_in", "staff", "failure", ""))
    assert (words.attempted, words.why) == ("Sign in", "failed")
