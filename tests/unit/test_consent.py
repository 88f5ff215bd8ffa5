"""Consent rules: required signatures by age, permission and assent, dissent, withdrawal, hash."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ketaclinic.domain.consent.signatures import (
    Signature,
    SignerRole,
    Withdrawal,
    consent_status,
    ensure_sessions_allowed,
    hash_document,
    required_signatures,
)
from ketaclinic.domain.errors import SafetyBlock, ValidationFailed
from ketaclinic.domain.protocols.sections import Consent, ConsentDocument

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

ADULT_DOCS = Consent(
    documents=(ConsentDocument("iv-consent", "2", "IV ketamine consent", "patient", True),),
    guardian_permission_below_age=18,
)
ADOLESCENT_DOCS = Consent(
    documents=(
        ConsentDocument("permission", "1", "Guardian permission", "guardian", True),
        ConsentDocument("assent", "1", "Adolescent assent", "assent"),
    ),
    guardian_permission_below_age=18,
)
TEXT = "Synthetic consent text.\nRisks: dissociation, nausea, transient BP rise.\n"
HASH = hash_document(TEXT)


def sign(document_id: str, signer: SignerRole, *, minutes: int = 0, **kwargs: object) -> Signature:
    base = Signature(
        document_id=document_id,
        document_version="2" if document_id == "iv-consent" else "1",
        document_hash=HASH,
        signer=signer,
        signer_name="Test Signer",
        signed_at=T0 + timedelta(minutes=minutes),
        legal_authority=signer is SignerRole.GUARDIAN,
        witness_name="Witness Example" if signer is not SignerRole.ASSENT else None,
    )
    return replace(base, **kwargs)  # type: ignore[arg-type]


def test_hash_is_stable_across_line_endings_and_sensitive_to_text() -> None:
    assert hash_document(TEXT.replace("\n", "\r\n")) == HASH
    assert hash_document(TEXT + " ") != HASH
    assert len(HASH) == 64


def test_adult_needs_only_the_patient_document() -> None:
    required = required_signatures(ADULT_DOCS, 30)
    assert [(r.document_id, r.signer) for r in required] == [("iv-consent", SignerRole.PATIENT)]
    assert required[0].witness_required


def test_minor_needs_guardian_permission_and_own_assent() -> None:
    required = required_signatures(ADOLESCENT_DOCS, 15)
    assert [r.signer for r in required] == [SignerRole.GUARDIAN, SignerRole.ASSENT]


def test_protocol_without_assent_document_cannot_consent_a_minor() -> None:
    only_permission = Consent(ADOLESCENT_DOCS.documents[:1], 18)
    with pytest.raises(ValidationFailed) as err:
        required_signatures(only_permission, 15)
    assert err.value.errors == {"consent.documents[assent]": "protocol has no assent document"}


def test_adult_protocol_cannot_consent_a_minor() -> None:
    with pytest.raises(ValidationFailed) as err:
        required_signatures(ADULT_DOCS, 16)
    assert set(err.value.errors) == {"consent.documents[guardian]", "consent.documents[assent]"}


def test_hash_mismatch_means_the_signature_does_not_count() -> None:
    required = required_signatures(ADULT_DOCS, 30, {"iv-consent": HASH})
    status = consent_status(required, [sign("iv-consent", SignerRole.PATIENT, document_hash="0")])
    assert status.missing == (
        "iv-consent@2:patient: signed text differs from the current document (hash mismatch)",
    )


def test_witness_is_required_where_the_document_asks() -> None:
    required = required_signatures(ADULT_DOCS, 30)
    status = consent_status(required, [sign("iv-consent", SignerRole.PATIENT, witness_name=None)])
    assert status.missing == ("iv-consent@2:patient: witness required",)


def test_older_version_signature_does_not_count() -> None:
    required = required_signatures(ADULT_DOCS, 30)
    old = sign("iv-consent", SignerRole.PATIENT, document_version="1")
    assert consent_status(required, [old]).missing == (
        "iv-consent@2:patient: patient signature missing",
    )


def test_withdrawal_blocks_sessions_at_once() -> None:
    required = required_signatures(ADULT_DOCS, 30)
    signed = [sign("iv-consent", SignerRole.PATIENT)]
    ensure_sessions_allowed(consent_status(required, signed))
    withdrawal = Withdrawal(SignerRole.PATIENT, T0 + timedelta(days=3), "changed my mind")
    status = consent_status(required, signed, [withdrawal])
    assert not status.complete
    with pytest.raises(SafetyBlock) as err:
        ensure_sessions_allowed(status)
    assert err.value.reasons == (
        f"iv-consent@2:patient: consent withdrawn by patient on {withdrawal.at.date():%-d %b %Y}",
    )


def test_new_signature_after_withdrawal_renews_consent() -> None:
    required = required_signatures(ADULT_DOCS, 30)
    signed = [
        sign("iv-consent", SignerRole.PATIENT),
        sign("iv-consent", SignerRole.PATIENT, minutes=90),
    ]
    withdrawal = Withdrawal(SignerRole.PATIENT, T0 + timedelta(minutes=30))
    assert consent_status(required, signed, [withdrawal]).complete
