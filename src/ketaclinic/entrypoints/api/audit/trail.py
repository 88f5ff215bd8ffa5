"""``GET /api/v1/audit``: the clinic's audit trail for admin and auditor roles."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.entrypoints.api.schemas import AuditEventOut
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import QueryId
from ketaclinic.services.audit.ports import AuditQuery

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=list[AuditEventOut])
def audit_events(
    request: Request,
    actor: Annotated[Actor, Depends(ApiActor(Permission.AUDIT_READ))],
    patient_id: QueryId | None = None,
    actor_id: QueryId | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditEventOut]:
    q = AuditQuery(actor.clinic_id, patient_id, actor_id, since, until, limit)
    events = services_of(request).audit.search(actor, q)
    return [
        AuditEventOut(
            id=i,
            at=e.at,
            actor_id=e.actor_id,
            actor_role=e.actor_role,
            action=e.action,
            patient_id=e.patient_id,
            object_type=e.object_type,
            object_id=e.object_id,
            outcome=e.outcome,
            client=e.client,
        )
        for i, e in events
    ]
