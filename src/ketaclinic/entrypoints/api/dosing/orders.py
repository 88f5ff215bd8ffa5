"""``/api/v1`` dosing: the order screen, signing, bedside verification, administration,
between-session check-ins, and the FHIR ``MedicationRequest`` search."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from ketaclinic.adapters.fhir.medication import (
    medication_request,
    premedication_requests,
    searchset,
)
from ketaclinic.domain.dosing.checkin import MedicationChange, SideEffect
from ketaclinic.domain.dosing.records import DoseOrder
from ketaclinic.domain.dosing.weight import Sex
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.entrypoints.api.dosing.schemas import order_out, screen_out
from ketaclinic.entrypoints.guards import ApiActor, confirm_api_signer
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import INT4_MAX, PathId
from ketaclinic.services.dosing.checkins import CheckinEntry
from ketaclinic.services.dosing.inputs import BedsideEntry, OrderDraft

router = APIRouter(tags=["dosing"])
Reader = Annotated[Actor, Depends(ApiActor(Permission.CHART_READ))]
Prescriber = Annotated[Actor, Depends(ApiActor(Permission.ORDER_WRITE))]
Verifier = Annotated[Actor, Depends(ApiActor(Permission.ORDER_VERIFY))]
Runner = Annotated[Actor, Depends(ApiActor(Permission.SESSION_RUN))]
Recorder = Annotated[Actor, Depends(ApiActor(Permission.ASSESSMENT_RECORD))]


class OrderIn(BaseModel):
    """The JSON shape of :class:`OrderDraft`; its rules are the model's, shared with the form."""

    model_config = ConfigDict(extra="forbid")
    route: Route
    mg_per_kg: Decimal | None = None
    fixed_mg: Decimal | None = None
    vial_mg_per_ml: Decimal | None = None
    final_volume_ml: Decimal | None = None
    premedications: list[str] = []
    override_reason: str = ""
    sex: Sex | None = None
    chosen_weight_kg: Decimal | None = None  # the prescriber's dosing weight for this order
    chosen_weight_reason: str = ""


class BedsideIn(BaseModel):
    """The JSON shape of :class:`BedsideEntry`; its rules are the model's, shared with the form."""

    model_config = ConfigDict(extra="forbid")
    mrn: str
    drug: str
    route: Route
    concentration_mg_per_ml: Decimal | None = None  # only for an order with a prepared solution
    dose_mg: Decimal
    rate_ml_per_h: Decimal | None = None


class CheckinIn(BaseModel):
    """The JSON shape of :class:`CheckinEntry`; its rules are the model's, shared with the form."""

    model_config = ConfigDict(extra="forbid")
    anxiety_0_10: int | None = None
    anxiety_spike: bool
    sleep_hours_last_night: Decimal
    illness: bool
    medication_changes: list[MedicationChange] = []
    side_effects: list[SideEffect] = []


def _draft(body: OrderIn) -> OrderDraft:
    return OrderDraft(
        route=body.route,
        mg_per_kg=body.mg_per_kg,
        fixed_mg=body.fixed_mg,
        vial_mg_per_ml=body.vial_mg_per_ml,
        final_volume_ml=body.final_volume_ml,
        premedications=tuple(body.premedications),
        override_reason=body.override_reason,
        sex=body.sex,
        chosen_weight_kg=body.chosen_weight_kg,
        chosen_weight_reason=body.chosen_weight_reason,
    )


@router.get("/courses/{course_id}/order-screen")
def order_screen(
    course_id: PathId,
    request: Request,
    actor: Prescriber,
    route: Annotated[Route | None, Query()] = None,
) -> dict[str, Any]:
    """The next session's order screen; 409 naming ``order.dose_underway`` while the course's
    dose is being given, as signing is refused."""
    return screen_out(services_of(request).orders.screen_to_write(actor, course_id, route=route))


@router.post("/courses/{course_id}/orders", status_code=201)
def sign_order(
    course_id: PathId, body: OrderIn, request: Request, actor: Prescriber
) -> dict[str, Any]:
    confirm_api_signer(request)
    return order_out(services_of(request).orders.sign(actor, course_id, _draft(body)))


@router.get("/patients/{patient_id}/orders")
def patient_orders(patient_id: PathId, request: Request, actor: Reader) -> list[dict[str, Any]]:
    return [order_out(o) for o in services_of(request).orders.for_patient(actor, patient_id)]


VERIFY_REFUSED: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The bedside check found mismatches: the outcome with every mismatch "
        "(nothing is administered until a check passes)",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.post("/orders/{order_id}/verify", responses=VERIFY_REFUSED)
def verify_order(order_id: PathId, body: BedsideIn, request: Request, actor: Verifier) -> Any:
    entry = BedsideEntry(**body.model_dump())
    outcome = services_of(request).orders.verify(actor, order_id, entry)
    mismatches = [
        {"field": m.field, "ordered": m.ordered, "observed": m.observed, "reason": m.reason.message}
        for m in outcome.result.mismatches
    ]
    body_out = {
        "verified": outcome.verified,
        "order": order_out(outcome.order),
        "mismatches": mismatches,
        "checked_by": outcome.attempt.by_staff,
        "checked_at": outcome.attempt.at.isoformat(),
    }
    return JSONResponse(body_out, status_code=200 if outcome.verified else 409)


@router.post("/courses/{course_id}/checkins", status_code=201)
def record_checkin(
    course_id: PathId, body: CheckinIn, request: Request, actor: Recorder
) -> dict[str, Any]:
    entry = CheckinEntry(
        anxiety_0_10=body.anxiety_0_10,
        anxiety_spike=body.anxiety_spike,
        sleep_hours_last_night=body.sleep_hours_last_night,
        illness=body.illness,
        medication_changes=tuple(body.medication_changes),
        side_effects=tuple(body.side_effects),
    )
    view = services_of(request).checkins.record(actor, course_id, entry)
    return {
        "id": view.stored.id,
        "findings": [
            {"outcome": f.outcome.value, "rule": f.reason.rule_id, "reason": f.reason.message}
            for f in view.findings
        ],
        "interactions": [
            {"medication": i.medication, "class": i.drug_class.value, "action": i.action}
            for i in view.review.interactions
        ],
    }


@router.get("/fhir/MedicationRequest")
def fhir_medication_requests(
    request: Request,
    actor: Reader,
    patient: Annotated[int, Query(description="the patient's id", ge=1, le=INT4_MAX)],
) -> JSONResponse:
    orders: list[DoseOrder] = list(services_of(request).orders.for_patient(actor, patient))
    resources = [r for o in orders for r in (medication_request(o), *premedication_requests(o))]
    return JSONResponse(searchset(resources), media_type="application/fhir+json")
