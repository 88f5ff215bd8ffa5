"""FHIR R4 endpoints for instruments: import a QuestionnaireResponse, export it, its Questionnaire
and its score Observations. Errors are OperationOutcomes naming the item (``expression``).

A response is scored from its answers' ordinal values (Questionnaire, contained value sets or the
instrument's own answer list), never from a total stored in the file; an unscorable response is
refused (422) with every reason and stores nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ketaclinic.adapters.fhir.questionnaire import export_questionnaire
from ketaclinic.adapters.fhir.questionnaire_response import (
    FhirScoreOutcome,
    export_questionnaire_response,
    score_questionnaire_response,
)
from ketaclinic.adapters.fhir.score_observation import export_score_observations
from ketaclinic.domain.assessments.instruments import get_instrument, score
from ketaclinic.domain.assessments.records import AssessmentResponse, ResponseSource
from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import services_of, status_for
from ketaclinic.entrypoints.input_limits import PathId

FHIR_JSON = "application/fhir+json"
ISSUE_CODES = {401: "login", 403: "forbidden", 404: "not-found", 409: "conflict", 422: "invalid"}
MAX_BODY_BYTES = 1_000_000


def operation_outcome(
    issues: Sequence[tuple[str, str | None]], severity: str = "error"
) -> dict[str, Any]:
    """An R4 OperationOutcome with one issue per (diagnostics, expression)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": severity, "code": "invalid", "diagnostics": text}
            | ({"expression": [where]} if where else {})
            for text, where in issues
        ],
    }


def fhir_error(request: Request, exc: ClinicError) -> Response:
    status = status_for(exc)
    issues: list[tuple[str, str | None]]
    if isinstance(exc, ValidationFailed):
        issues = [(f"{k}: {v}", k) for k, v in exc.errors.items()]
    else:
        issues = [(exc.detail, exc.field)]
    body = operation_outcome(issues)
    for issue in body["issue"]:
        issue["code"] = ISSUE_CODES.get(status, "processing")
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON)


def mark_fhir(request: Request) -> None:
    """Route dependency: errors on this route are OperationOutcomes."""
    request.state.error_renderer = fhir_error


router = APIRouter(tags=["fhir"], dependencies=[Depends(mark_fhir)])
Reader = Annotated[Actor, Depends(ApiActor(Permission.CHART_READ))]
Recorder = Annotated[Actor, Depends(ApiActor(Permission.ASSESSMENT_RECORD))]


def _fhir(resource: dict[str, Any], status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(resource, status_code=status, media_type=FHIR_JSON, headers=headers)


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed({"body": f"must be at most {MAX_BODY_BYTES} bytes"})
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationFailed({"body": f"not valid JSON: {error}"}) from error
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "expected a QuestionnaireResponse resource"})
    return data


def _patient_id(resource: dict[str, Any]) -> int:
    subject = resource.get("subject")
    reference = subject.get("reference", "") if isinstance(subject, dict) else ""
    kind, _, ident = str(reference).partition("/")
    if kind != "Patient" or not ident.isdigit():
        raise ValidationFailed({"subject": "must reference Patient/<id> of this clinic"})
    return int(ident)


def _contained_questionnaire(resource: dict[str, Any]) -> dict[str, Any] | None:
    contained = resource.get("contained") or []
    return next(
        (c for c in contained if isinstance(c, dict) and c.get("resourceType") == "Questionnaire"),
        None,
    )


def _refuse_unscorable(outcome: FhirScoreOutcome) -> None:
    if outcome.scorable:
        return
    errors: dict[str, str] = {}
    for reason in outcome.reasons:
        where, _, why = reason.partition(": ")
        errors[where if why else "item"] = why or reason
    for flag in outcome.result.safety_flags:
        errors[f"answers.{','.join(flag.item_ids)}"] = f"{flag.message} (clinician review)"
    for item in outcome.unreadable_safety_items:
        errors[f"answers.{item}"] = "safety item unreadable: clinician review required"
    raise ValidationFailed(errors)


@router.post("/fhir/QuestionnaireResponse", status_code=201)
async def import_response(request: Request, actor: Recorder) -> Response:
    resource = await _json_body(request)
    patient_id = _patient_id(resource)
    services = services_of(request)
    mappings = [s.mapping for s in services.questionnaire_mappings.mappings(actor)]
    outcome = score_questionnaire_response(
        resource, _contained_questionnaire(resource), mappings=mappings
    )
    _refuse_unscorable(outcome)
    note = ""
    if outcome.stored_total_disagrees:
        note = (
            f"stored total {outcome.imported.stored_total} disagrees with the answers "
            f"({outcome.result.total}); not used"
        )
    recorded = services_of(request).assessments.record(
        actor,
        patient_id,
        outcome.imported.instrument_id,
        outcome.imported.answers,
        source=ResponseSource.FHIR,
        note=note,
    )
    exported = _export(recorded.response)
    location = f"/api/v1/fhir/QuestionnaireResponse/{recorded.response.id}"
    return _fhir(exported, 201, Location=location)


def _export(r: AssessmentResponse) -> dict[str, Any]:
    return export_questionnaire_response(
        get_instrument(r.instrument_id),
        r.answers,
        response_id=str(r.id),
        authored=r.answered_at,
        subject_reference=f"Patient/{r.patient_id}",
    )


@router.get("/fhir/QuestionnaireResponse/{response_id}")
def read_response(response_id: PathId, request: Request, actor: Reader) -> Response:
    return _fhir(_export(services_of(request).assessments.response(actor, response_id)))


@router.get("/fhir/Questionnaire/{instrument_id}")
def read_questionnaire(instrument_id: str, actor: Reader) -> Response:
    return _fhir(export_questionnaire(get_instrument(instrument_id)))


@router.get("/fhir/Observation")
def score_observations(request: Request, actor: Reader, derived_from: str = "") -> Response:
    """``?derived_from=QuestionnaireResponse/<id>``: the score Observations of one response."""
    kind, _, ident = derived_from.partition("/")
    if kind != "QuestionnaireResponse" or not ident.isdigit():
        raise ValidationFailed({"derived_from": "must be QuestionnaireResponse/<id>"})
    r = services_of(request).assessments.response(actor, int(ident))
    observations = export_score_observations(
        get_instrument(r.instrument_id),
        score(r.instrument_id, r.answers),
        response_id=str(r.id),
        observation_id=f"{r.id}-score",
        effective=r.answered_at,
        subject_reference=f"Patient/{r.patient_id}",
    )
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(observations),
        "entry": [{"resource": o} for o in observations],
    }
    return _fhir(bundle)
