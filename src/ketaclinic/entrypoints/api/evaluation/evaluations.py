"""``/api/v1``: a course's evaluation (the documented JSON), eligibility findings and sign-off,
consent signatures and withdrawals, and the FHIR export of consents, guardians and findings.

The evaluation body is the JSON of ``docs/schemas/evaluation.schema.json`` checked by the same
parser as the CLI and the web form: every problem comes back at once with its field path (422).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ketaclinic.adapters.evaluation_codec import dump_evaluation
from ketaclinic.adapters.evaluation_json import parse_evaluation
from ketaclinic.adapters.fhir.consent import (
    consent_resource,
    detected_issue_resources,
    related_person_resource,
    searchset,
)
from ketaclinic.domain.consent.signatures import SignerRole
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.evaluation.eligibility import Finding
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.entrypoints.guards import ApiActor, confirm_api_signer
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import BodyId, PathId
from ketaclinic.services.consent.checks import SignatureInput
from ketaclinic.services.evaluation.eligibility import OverrideRequest, SignRequest

router = APIRouter(tags=["evaluation"])
Reader = Annotated[Actor, Depends(ApiActor(Permission.CHART_READ))]
#: Consent status and related people: the front desk collects consent and keeps the contacts.
PatientReader = Annotated[Actor, Depends(ApiActor(Permission.PATIENT_READ))]
Writer = Annotated[Actor, Depends(ApiActor(Permission.EVALUATION_WRITE))]
Signer = Annotated[Actor, Depends(ApiActor(Permission.ELIGIBILITY_SIGN))]
Collector = Annotated[Actor, Depends(ApiActor(Permission.CONSENT_COLLECT))]
MAX_BODY_BYTES = 200_000
FHIR_JSON = "application/fhir+json"


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: Annotated[str, Field(max_length=120)]
    reason: Annotated[str, Field(max_length=2000)]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    evaluation_version: int
    overrides: list[OverrideIn] = []
    acknowledged: list[Annotated[str, Field(max_length=120)]] = []


class SignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document_id: Annotated[str, Field(max_length=120)]
    document_version: Annotated[str, Field(max_length=40)]
    document_hash: Annotated[str, Field(max_length=64)]
    signer: SignerRole
    signer_name: Annotated[str, Field(max_length=200)]
    image_png: Annotated[str, Field(max_length=800_000)] = ""
    agrees: bool = True
    related_person_id: BodyId | None = None
    witness_name: Annotated[str, Field(max_length=200)] = ""  # only beside witness_staff_id
    witness_staff_id: BodyId | None = None  # an active staff member of the clinic


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: SignerRole
    reason: Annotated[str, Field(max_length=2000)]
    document_id: Annotated[str, Field(max_length=120)] | None = None


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed({"body": f"at most {MAX_BODY_BYTES} bytes"})
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed({"body": "must be a JSON evaluation document"}) from None


@router.get("/courses/{course_id}/evaluation")
def read_evaluation(request: Request, course_id: PathId, actor: Reader) -> dict[str, Any]:
    space = services_of(request).evaluations.workspace(actor, course_id)
    current = space.current
    review = space.review
    return {
        "course_id": course_id,
        "version": current.version if current else None,
        "recorded_at": current.recorded_at.isoformat() if current else None,
        "evaluation": dump_evaluation(current.evaluation) if current else None,
        "medication_review": [
            {"medication": i.medication, "class": i.drug_class.value, "effect": i.effect}
            | {"action": i.action, "source": i.source, "needs_signoff": i.needs_signoff}
            for i in (review.interactions if review else ())
        ],
        "versions": [v.version for v in space.versions],
    }


@router.post("/courses/{course_id}/evaluation", status_code=201)
async def record_evaluation(request: Request, course_id: PathId, actor: Writer) -> dict[str, Any]:
    evaluation = parse_evaluation(await _json_body(request))
    stored = services_of(request).evaluations.record(actor, course_id, evaluation)
    return {"course_id": course_id, "version": stored.version}


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "kind": f.kind.value,
        "evidence": f.evidence,
        "source": f.source,
        "title": f.title,
        "override_role": f.override_role,
    }


@router.get("/courses/{course_id}/eligibility")
def read_eligibility(request: Request, course_id: PathId, actor: Reader) -> dict[str, Any]:
    view = services_of(request).eligibility.view(actor, course_id)
    signed = None
    if view.decision is not None:
        d = view.decision.decision
        signed = {
            "decision": d.decision.value,
            "evaluation_version": view.decision.evaluation_version,
            "current": view.decision_current,
            "signed_at": d.signed_at.isoformat(),
            "signer_role": d.signer_role,
            "overrides": [
                {"rule": o.rule, "role": o.role, "reason": o.reason} for o in d.overrides
            ],
            "acknowledged": sorted(d.acknowledged),
        }
    return {
        "course_id": course_id,
        "evaluation_version": view.evaluation.version if view.evaluation else None,
        "decision": view.result.decision.value if view.result else None,
        "findings": [_finding(f) for f in view.result.findings] if view.result else [],
        "signed": signed,
    }


@router.post("/courses/{course_id}/eligibility/sign", status_code=201)
def sign_eligibility(
    request: Request, course_id: PathId, body: SignIn, actor: Signer
) -> dict[str, Any]:
    sign = SignRequest(
        body.evaluation_version,
        tuple(OverrideRequest(o.rule, o.reason) for o in body.overrides),
        tuple(body.acknowledged),
    )
    stored = services_of(request).eligibility.sign(actor, course_id, sign)
    return {"id": stored.id, "decision": stored.decision.decision.value}


@router.get("/courses/{course_id}/consent")
def read_consent(request: Request, course_id: PathId, actor: PatientReader) -> dict[str, Any]:
    view = services_of(request).consents.view(actor, course_id)
    return {
        "course_id": course_id,
        "minor": view.minor,
        "complete": view.status.complete,
        "missing": list(view.status.missing),
        "blocks": list(view.status.blocks),
        "documents": [
            {"document_id": r.need.document_id, "version": r.need.document_version}
            | {"signer": r.need.signer.value, "hash": r.document.hash, "title": r.document.title}
            | {"witness_required": r.need.witness_required, "text": r.document.text}
            for r in view.requirements
        ],
        "signatures": [
            {"id": s.id, "document_id": s.signature.document_id, "signer": s.signer.value}
            | {"agrees": s.signature.agrees, "signed_at": s.signature.signed_at.isoformat()}
            for s in view.signatures
        ],
        # who may witness a signature (the tablet's list): send one's id as witness_staff_id
        "witnesses": [
            {"staff_id": w.staff_id, "name": w.name, "role": w.role.value} for w in view.witnesses
        ],
    }


@router.post("/courses/{course_id}/consent/signatures", status_code=201)
def sign_consent(
    request: Request, course_id: PathId, body: SignatureIn, actor: Collector
) -> dict[str, Any]:
    confirm_api_signer(request)
    stored = services_of(request).consents.sign(
        actor, course_id, SignatureInput(**body.model_dump())
    )
    return {"id": stored.id, "pdf": f"/consents/{stored.id}.pdf"}


@router.post("/courses/{course_id}/consent/withdrawals", status_code=201)
def withdraw_consent(
    request: Request, course_id: PathId, body: WithdrawalIn, actor: Collector
) -> dict[str, Any]:
    stored = services_of(request).consents.withdraw(
        actor, course_id, body.by, body.reason, body.document_id
    )
    return {"id": stored.id, "at": stored.withdrawal.at.isoformat()}


def _patient_id(patient: str) -> int:
    raw = patient.removeprefix("Patient/")
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationFailed({"patient": "a patient id, e.g. 12 or Patient/12"})
    return int(raw)


def _fhir(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, media_type=FHIR_JSON)


@router.get("/fhir/Consent")
def fhir_consents(request: Request, actor: PatientReader, patient: str = "") -> JSONResponse:
    export = services_of(request).consents.export(actor, _patient_id(patient))
    return _fhir(searchset([consent_resource(s, export.withdrawals) for s in export.signatures]))


@router.get("/fhir/RelatedPerson")
def fhir_related_persons(request: Request, actor: PatientReader, patient: str = "") -> JSONResponse:
    export = services_of(request).consents.export(actor, _patient_id(patient))
    return _fhir(searchset([related_person_resource(g) for g in export.guardians]))


@router.get("/fhir/DetectedIssue")
def fhir_detected_issues(request: Request, actor: Reader, patient: str = "") -> JSONResponse:
    export = services_of(request).consents.export(actor, _patient_id(patient))
    issues = [i for d in export.decisions for i in detected_issue_resources(d)]
    return _fhir(searchset(issues))
