"""Home and the audit view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.access import Permission
from ketaclinic.entrypoints.guards import SESSION_COOKIE, WebUser
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.web import forms
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
    patient_id: Annotated[str, Query(max_length=20)] = "",
    actor_id: Annotated[str, Query(max_length=20)] = "",
    on: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """The filter form sends empty fields as ``""``: blank is no filter, bad input a message."""
    errors: dict[str, str] = {}
    patient = _optional_id(patient_id, "patient_id", errors)
    actor = _optional_id(actor_id, "actor_id", errors)
    day = forms.parse_date(on, "on", errors) if on else None
    since = datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
    until = since + timedelta(days=1) if since else None
    events: Sequence[object] = ()
    if not errors:
        q = AuditQuery(session.actor.clinic_id, patient, actor, since, until, 500)
        events = services_of(request).audit.search(session.actor, q)
    filters = {"patient_id": patient_id, "actor_id": actor_id, "on": on}
    context = {"events": events, "filters": filters, "errors": errors}
    return render(request, "audit.html", context, status=422 if errors else 200)


def _optional_id(value: str, name: str, errors: dict[str, str]) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        errors[name] = "must be a number"
        return None
    return int(value)
