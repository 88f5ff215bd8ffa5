"""``/api/v1`` infusion day: record one step of a session, read its record, export it as FHIR.

Thin: the JSON body of a step is the same field map as the web form (strings, numbers or
booleans); the service validates it and refuses with 422 naming each field, 409/422 with every
failed guard reason, 403 without the permission, 404 for a session of another clinic. The
prescriber's steps (``predose-decision``, ``resume-approval``) need ``predose.decide``; a
``resume`` with a typed ``approved_by`` is refused (422): the approval is a prescriber's record.
A ``start`` names ``given_by``, ``attending`` (every route but IV) and ``prescriber_on_site`` by
staff id; so do ``give`` (``given_by``) and ``iv`` (``placed_by``), by default the signed-in user;
a typed name or ``true`` is refused (422) naming the field, as on the web form. A paused
session's record lists ``resume_alarms``, each alarm that keeps it paused in words with its rule;
``resume-approval`` and ``resume`` are refused (409) naming them while any is listed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from ketaclinic.adapters.fhir.encounter import session_bundle
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.entrypoints.guards import ApiActor, confirm_api_signer
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.services.infusion.session_day import SessionDay

router = APIRouter(tags=["infusion day"])
Runner = Annotated[Actor, Depends(ApiActor(Permission.SESSION_RUN))]
Reader = Annotated[Actor, Depends(ApiActor(Permission.CHART_READ))]
_SCALAR = (str, int, float, bool)


def _session(s: InfusionSession) -> dict[str, Any]:
    return {
        "id": s.id,
        "patient_id": s.patient_id,
        "course_id": s.course_id,
        "chair_id": s.chair_id,
        "state": s.state.value,
        "attendant_id": s.attendant_id,
    }


def _day(day: SessionDay) -> dict[str, Any]:
    decision = day.discharge
    return {
        "session": _session(day.session),
        "order_id": day.order.id if day.order else None,
        "pump_rate_ml_per_h": str(day.order.content.rate_ml_per_h)
        if day.order and day.order.content.rate_ml_per_h is not None
        else None,
        "records": [
            {
                "id": r.id,
                "kind": r.kind.value,
                "recorded_at": r.recorded_at.isoformat(),
                "recorded_by": r.recorded_by,
                "payload": dict(r.payload),
            }
            for r in day.records
        ],
        "discharge_unmet": [
            {"id": u.id, "message": u.message, "source": u.source, "rule": u.rule}
            for u in decision.unmet
        ]
        if decision
        else None,
        "resume_alarms": [
            {"alarm_id": a.alarm_id, "rule": f"{a.check}[{a.rule_id}]", "message": a.sentence}
            for a in day.resume_alarms
        ],
    }


@router.post("/sessions/{session_id}/steps/{step}")
def record_step(
    request: Request,
    session_id: PathId,
    step: str,
    actor: Runner,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    bad = {k: "a string, number or boolean" for k, v in body.items() if not isinstance(v, _SCALAR)}
    if bad:
        raise ValidationFailed(bad)
    fields = {k: v if isinstance(v, bool) else str(v) for k, v in body.items()}
    if step == "discharge" and str(fields.get("override_reason", "")).strip():
        confirm_api_signer(request)  # a discharge against unmet criteria is a signature
    flow = services_of(request).session_workflow
    flow.step(actor, session_id, step, fields)
    return _day(flow.day(actor, session_id))


@router.get("/sessions/{session_id}/record")
def session_record(request: Request, session_id: PathId, actor: Reader) -> dict[str, Any]:
    return _day(services_of(request).session_workflow.day(actor, session_id))


@router.get("/sessions/{session_id}/fhir")
def session_fhir(request: Request, session_id: PathId, actor: Reader) -> dict[str, Any]:
    """The session as a FHIR R4 Bundle: Encounter, MedicationAdministration (rate, lot),
    vital-sign Observations (LOINC) and AdverseEvents."""
    return session_bundle(services_of(request).session_workflow.day(actor, session_id))
