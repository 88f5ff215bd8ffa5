"""``/api/v1`` arrivals: check in a booked appointment (its session opens), open an unscheduled
visit (a prescriber, with a reason), list a day's arrivals with their sessions.

Thin: every route goes through ``services.infusion.session_opening`` (the one gate). A second
check-in of the same appointment is a 409 naming ``appointment_id``; a non-prescriber opening a
session without an appointment is a 403 naming the rule.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import PathId

router = APIRouter(tags=["arrivals"])
CheckIn = Annotated[Actor, Depends(ApiActor(Permission.SESSION_CHECK_IN))]
Runner = Annotated[Actor, Depends(ApiActor(Permission.SESSION_RUN))]
Reader = Annotated[Actor, Depends(ApiActor(Permission.SCHEDULE_READ))]


class UnscheduledIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    course_id: int
    chair_id: int
    reason: Annotated[str, Field(min_length=1, max_length=500)]


def opened(s: InfusionSession) -> dict[str, Any]:
    return {
        "id": s.id,
        "course_id": s.course_id,
        "patient_id": s.patient_id,
        "chair_id": s.chair_id,
        "state": s.state.value,
        "appointment_id": s.appointment_id,
        "session_number": s.session_number,
        "unscheduled_reason": s.unscheduled_reason,
    }


@router.post("/schedule/appointments/{appointment_id}/check-in", status_code=201)
def check_in(appointment_id: PathId, request: Request, actor: CheckIn) -> dict[str, Any]:
    return opened(services_of(request).arrivals.check_in(actor, appointment_id))


@router.post("/sessions/unscheduled", status_code=201)
def unscheduled(body: UnscheduledIn, request: Request, actor: Runner) -> dict[str, Any]:
    s = services_of(request).arrivals.open_unscheduled(
        actor, body.course_id, body.chair_id, reason=body.reason
    )
    return opened(s)


@router.get("/schedule/arrivals")
def arrivals(request: Request, actor: Reader, day: date) -> list[dict[str, Any]]:
    found = services_of(request).arrivals.arrivals(actor, day)
    audit_seen(request, (a.booking.patient_id for a in found), what="arrivals")
    return [
        {
            "appointment_id": a.booking.id,
            "patient_id": a.booking.patient_id,
            "start_at": a.booking.start_at.isoformat(),
            "chair_id": a.booking.chair_id,
            "session_number": a.booking.session_number,
            "session": opened(a.session) if a.session else None,
        }
        for a in found
    ]
