"""Home and the audit view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.audit.events import AuditEvent
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.patients.people import Patient
from ketaclinic.entrypoints.guards import SESSION_COOKIE, WebUser
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.audit.ports import AuditQuery
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.services.patients.ports import PatientSearch

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    target = "/today" if request.cookies.get(SESSION_COOKIE) else "/signin"
    return RedirectResponse(target, status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    staff_session: Annotated[StaffSession, Depends(WebUser(Permission.AUDIT_READ))],
    patient_id: Annotated[str, Query(max_length=20)] = "",
    patient: Annotated[str, Query(max_length=100)] = "",
    actor_id: Annotated[str, Query(max_length=20)] = "",
    on: Annotated[str, Query(max_length=10)] = "",
    from_day: Annotated[str, Query(max_length=10)] = "",
    to_day: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """Filter by patient, user and a range of clinic-local days (``on`` is a one-day range).
    The auditor finds the patient by name or MRN (``patient``); ``patient_id`` still selects
    one directly (links and bookmarks). The form sends empty fields as ``""``: blank is no
    filter, bad input a message."""
    errors: dict[str, str] = {}
    services = services_of(request)
    matches: Sequence[Patient] = ()
    if patient.strip():
        matches = services.patients.search(
            staff_session.actor, PatientSearch(0, text=patient.strip(), limit=20)
        )
        if not matches:
            errors["patient"] = "no patient of this clinic matches that name or MRN"
        elif len(matches) > 1:
            errors["patient"] = "several patients match: choose one below"
        patient_id = str(matches[0].id) if len(matches) == 1 else ""
    chosen = _optional_id(patient_id, "patient_id", errors)
    actor = _optional_id(actor_id, "actor_id", errors)
    zone = ZoneInfo(staff_session.clinic.timezone)
    since = _local_midnight(from_day or on, "from_day" if from_day else "on", zone, errors)
    last = _local_midnight(to_day or on, "to_day" if to_day else "on", zone, errors)
    until = last + timedelta(days=1) if last else None
    if since and until and until <= since:
        errors["to_day"] = "must be on or after the first day"
    events: Sequence[tuple[int, AuditEvent]] = ()
    if not errors:
        q = AuditQuery(staff_session.actor.clinic_id, chosen, actor, since, until, 500)
        events = services.audit.search(staff_session.actor, q)
    named = {e.patient_id for _, e in events if e.patient_id is not None}
    if chosen is not None:
        named.add(chosen)
    patients = services.patients.labels(staff_session.actor, named)
    filters = {
        "patient_id": str(chosen) if chosen is not None else "",
        "patient": patient,
        "actor_id": actor_id,
        "on": on,
        "from_day": from_day,
        "to_day": to_day,
    }
    context = {
        "events": events,
        "filters": filters,
        "errors": errors,
        "patients": patients,
        "chosen": chosen,
        "matches": matches if len(matches) > 1 else (),
        "people": sorted(
            services.directory.directory(staff_session.actor).staff.items(),
            key=lambda item: item[1],
        ),
    }
    return render(request, "audit.html", context, status=422 if errors else 200)


def _local_midnight(
    value: str, name: str, zone: ZoneInfo, errors: dict[str, str]
) -> datetime | None:
    """The start of clinic-local day ``value`` (blank: None; bad input: a message)."""
    if not value.strip():
        return None
    day = forms.parse_date(value.strip(), name, errors)
    return datetime.combine(day, time(), zone) if day else None


def _optional_id(value: str, name: str, errors: dict[str, str]) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        errors[name] = "must be a number"
        return None
    return int(value)
