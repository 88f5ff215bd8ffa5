"""FHIR R4 export of consents, guardians and eligibility findings (landscape.md: FHIR R4 4.0.1).

- ``Consent``: one per signature (permission, assent or adult consent); ``provision.type`` is
  ``permit`` for an agreement and ``deny`` for a dissent or refusal; a later withdrawal of the
  document makes it ``inactive``. The document id, version and SHA-256 of the signed text are in
  ``policy.uri`` and ``identifier``; the signed PDF is the ``sourceAttachment``.
- ``RelatedPerson``: the chart's guardians (role GUARD), with their recorded legal authority.
- ``DetectedIssue``: one per finding of a signed eligibility decision (rule, severity, evidence,
  source), with the override or acknowledgement as its mitigation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ketaclinic.domain.consent.signatures import SignerRole
from ketaclinic.domain.evaluation.eligibility import Finding
from ketaclinic.domain.evaluation.records import StoredDecision, StoredSignature, StoredWithdrawal
from ketaclinic.domain.patients.people import RelatedPerson
from ketaclinic.domain.protocols.sections import Severity

CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_CATEGORY = "http://loinc.org"
ROLE_CODES = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
RULE_SYSTEM = "urn:ketaclinic:eligibility-rule"
DOCUMENT_SYSTEM = "urn:ketaclinic:consent-document"
SEVERITY = {Severity.HARD_STOP: "high", Severity.RELATIVE: "moderate", Severity.CAUTION: "low"}
SIGNER_TEXT = {
    SignerRole.PATIENT: "informed consent",
    SignerRole.GUARDIAN: "parental or guardian permission",
    SignerRole.ASSENT: "minor's assent",
}


def _iso(value: Any) -> str:
    return str(value.isoformat())


def consent_resource(
    stored: StoredSignature, withdrawals: Sequence[StoredWithdrawal]
) -> dict[str, Any]:
    """One signature as an R4 Consent."""
    s = stored.signature
    withdrawn = _withdrawn(stored, withdrawals)
    performer = (
        f"RelatedPerson/{stored.related_person_id}"
        if stored.related_person_id is not None
        else f"Patient/{stored.patient_id}"
    )
    return {
        "resourceType": "Consent",
        "id": f"consent-{stored.id}",
        "identifier": [
            {"system": DOCUMENT_SYSTEM, "value": f"{s.document_id}@{s.document_version}"}
        ],
        "status": "inactive" if withdrawn else ("active" if s.agrees else "rejected"),
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment"}]},
        "category": [
            {
                "coding": [
                    {"system": CONSENT_CATEGORY, "code": "59284-0", "display": "Consent Document"}
                ],
                "text": SIGNER_TEXT[s.signer],
            }
        ],
        "patient": {"reference": f"Patient/{stored.patient_id}"},
        "dateTime": _iso(s.signed_at),
        "performer": [{"reference": performer, "display": s.signer_name}],
        "sourceAttachment": {
            "contentType": "application/pdf",
            "url": f"/consents/{stored.id}.pdf",
            "title": f"{s.document_id} version {s.document_version}",
        },
        "policy": [
            {
                "uri": f"urn:ketaclinic:consent:{s.document_id}:{s.document_version}"
                f":sha256:{s.document_hash}"
            }
        ],
        "provision": {"type": "permit" if s.agrees else "deny"},
    }


def _withdrawn(stored: StoredSignature, withdrawals: Sequence[StoredWithdrawal]) -> bool:
    """A withdrawal of this document (or of all) at or after the signature."""
    s = stored.signature
    return any(
        w.course_id == stored.course_id
        and w.withdrawal.document_id in (None, s.document_id)
        and w.withdrawal.at >= s.signed_at
        for w in withdrawals
    )


def related_person_resource(person: RelatedPerson) -> dict[str, Any]:
    """A chart guardian as an R4 RelatedPerson (legal authority as an extension-free note)."""
    d = person.details
    authority = "legal authority recorded" if d.legal_authority else "no legal authority recorded"
    resource: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "id": f"related-{person.id}",
        "active": True,
        "patient": {"reference": f"Patient/{person.patient_id}"},
        "relationship": [
            {
                "coding": [{"system": ROLE_CODES, "code": "GUARD", "display": "guardian"}],
                "text": f"{d.relationship} ({authority})",
            }
        ],
        "name": [{"text": d.name}],
    }
    if d.phone:
        resource["telecom"] = [{"system": "phone", "value": d.phone}]
    return resource


def detected_issue_resources(decision: StoredDecision) -> list[dict[str, Any]]:
    """Every finding of a signed decision as an R4 DetectedIssue."""
    return [_issue(decision, index, f) for index, f in enumerate(decision.decision.findings)]


def _issue(decision: StoredDecision, index: int, finding: Finding) -> dict[str, Any]:
    d = decision.decision
    resource: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "id": f"eligibility-{decision.id}-{index}",
        "status": "final",
        "code": {
            "coding": [{"system": RULE_SYSTEM, "code": finding.rule}],
            "text": finding.title or finding.rule,
        },
        "severity": SEVERITY[finding.severity],
        "patient": {"reference": f"Patient/{decision.patient_id}"},
        "identifiedDateTime": _iso(d.assessed_at),
        "detail": f"{finding.kind.value}: {finding.evidence} (decision {d.decision.value})",
        "reference": f"urn:ketaclinic:source:{finding.source.replace(' ', '_')}",
    }
    mitigation = _mitigation(decision, finding)
    if mitigation:
        resource["mitigation"] = [mitigation]
    return resource


def _mitigation(decision: StoredDecision, finding: Finding) -> dict[str, Any] | None:
    d = decision.decision
    override = next((o for o in d.overrides if o.rule == finding.rule), None)
    if override is not None:
        text = f"overridden by {override.role}: {override.reason}"
    elif finding.rule in d.acknowledged:
        text = f"caution acknowledged by {d.signer_role}"
    else:
        return None
    return {"action": {"text": text}, "date": _iso(d.signed_at)}


def searchset(resources: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """An R4 searchset Bundle of ``resources``."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"resource": r} for r in resources],
    }
