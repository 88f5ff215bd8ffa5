"""``/api/v1/patients``: create, read, update, search; measurements with unit conversion."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.entrypoints.api.schemas import (
    MeasurementIn,
    PatientIn,
    PatientOut,
    PatientRecordOut,
    PatientUpdate,
    RelatedOut,
)
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import MAX_OFFSET, PathId
from ketaclinic.services.patients.ports import PatientSearch

router = APIRouter(tags=["patients"])
Reader = Annotated[Actor, Depends(ApiActor(Permission.PATIENT_READ))]
Writer = Annotated[Actor, Depends(ApiActor(Permission.PATIENT_WRITE))]


@router.get("/patients", response_model=list[PatientOut])
def search_patients(
    request: Request,
    actor: Reader,
    q: Annotated[str, Query(max_length=100)] = "",
    date_of_birth: date | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[PatientOut]:
    found = services_of(request).patients.search(
        actor, PatientSearch(actor.clinic_id, q, date_of_birth, limit, offset)
    )
    audit_seen(request, (p.id for p in found), what="patient_search")
    return [PatientOut.of(p) for p in found]


@router.post("/patients", response_model=PatientOut, status_code=201)
def create_patient(body: PatientIn, request: Request, actor: Writer) -> PatientOut:
    guardians = [g.to_domain() for g in body.guardians]
    return PatientOut.of(services_of(request).patients.register(actor, body.details(), guardians))


@router.get("/patients/{patient_id}", response_model=PatientRecordOut)
def read_patient(patient_id: PathId, request: Request, actor: Reader) -> PatientRecordOut:
    chart = services_of(request).patients.chart(actor, patient_id)
    related = [
        RelatedOut(
            id=r.id,
            kind=r.details.kind.value,
            name=r.details.name,
            relationship=r.details.relationship,
            legal_authority=r.details.legal_authority,
        )
        for r in chart.related
    ]
    base = PatientOut.of(chart.patient).model_dump()
    return PatientRecordOut(**base, related=related, bmi=chart.latest_bmi)


@router.put("/patients/{patient_id}", response_model=PatientOut)
def update_patient(
    patient_id: PathId, body: PatientUpdate, request: Request, actor: Writer
) -> PatientOut:
    updated = services_of(request).patients.update(
        actor, patient_id, body.details(), version=body.version
    )
    return PatientOut.of(updated)


@router.post("/patients/{patient_id}/measurements", status_code=201)
def add_measurement(
    patient_id: PathId, body: MeasurementIn, request: Request, actor: Writer
) -> dict[str, str]:
    services_of(request).patients.add_measurement(actor, patient_id, body.to_domain())
    return {"status": "recorded"}
