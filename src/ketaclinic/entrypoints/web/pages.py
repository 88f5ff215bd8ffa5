"""Home and the audit view."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.access import Permission
from ketaclinic.entrypoints.guards import SESSION_COOKIE, WebUser
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity import Session
from ketaclinic.services.ports import AuditQuery

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    target = "/patients" if request.cookies.get(SESSION_COOKIE) else "/signin"
    return RedirectResponse(target, status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: Annotated[Session, Depends(WebUser(Permission.AUDIT_READ))],
    patient_id: Annotated[int | None, Query()] = None,
    actor_id: Annotated[int | None, Query()] = None,
    on: Annotated[date | None, Query()] = None,
) -> Response:
    since = datetime(on.year, on.month, on.day, tzinfo=UTC) if on else None
    until = since + timedelta(days=1) if since else None
    q = AuditQuery(session.actor.clinic_id, patient_id, actor_id, since, until, 500)
    events = services_of(request).audit.search(session.actor, q)
    filters = {"patient_id": patient_id, "actor_id": actor_id, "on": on}
    return render(request, "audit.html", {"events": events, "filters": filters})
