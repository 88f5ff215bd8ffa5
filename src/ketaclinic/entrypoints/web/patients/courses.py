"""The course panel on the chart: open a course on a signed-off protocol, move it with reasons.

A course opened or moved from the panel answers with the ``chart-changed`` event (``HX-Trigger``):
the chart's other panels and the patient banner listen for it and load again, so the course state,
outcomes and orders they show follow the move without a reload."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.identity.access import Permission, is_allowed
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.staff_sessions import StaffSession

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.CHART_READ))]
Manager = Annotated[StaffSession, Depends(WebUser(Permission.COURSE_MANAGE))]
CHART_CHANGED = "chart-changed"


def _panel(
    request: Request, staff_session: StaffSession, patient_id: int, error: ClinicError | None = None
) -> Response:
    services = services_of(request)
    courses = services.courses.for_patient(staff_session.actor, patient_id)
    views = [services.courses.view(staff_session.actor, c.id) for c in courses]
    protocols = []
    if _can_read_protocols(staff_session):
        protocols = [p for p in services.protocols.published(staff_session.actor) if p.signed_off]
    context = {"views": views, "protocols": protocols, "patient_id": patient_id, "error": error}
    return render(request, "patients/courses/_panel.html", context)


def _can_read_protocols(staff_session: StaffSession) -> bool:
    return staff_session.actor.role is not None and is_allowed(
        staff_session.actor.role, Permission.PROTOCOL_READ
    )


@router.get("/patients/{patient_id}/panels/courses", response_class=HTMLResponse)
def course_panel(request: Request, patient_id: PathId, staff_session: Reader) -> Response:
    return _panel(request, staff_session, patient_id)


@router.get("/patients/{patient_id}/panels/banner", response_class=HTMLResponse)
def banner(request: Request, patient_id: PathId, staff_session: Reader) -> Response:
    """The patient banner alone, as it is loaded again after a change on the chart."""
    return render(request, "patients/_banner.html", banner_for=patient_id)


@router.post("/patients/{patient_id}/courses")
async def open_course(request: Request, patient_id: PathId, staff_session: Manager) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    raw = forms.text(form, "protocol_version_id", errors, 12)
    error: ClinicError | None = None
    try:
        if not raw.isdigit():
            raise ValidationFailed({"protocol_version_id": "choose a signed-off protocol"})
        services_of(request).courses.open(staff_session.actor, patient_id, int(raw))
    except ClinicError as failed:
        error = failed
    return _respond(request, staff_session, patient_id, error)


@router.post("/courses/{course_id}/move")
async def move_course(request: Request, course_id: PathId, staff_session: Manager) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    target = forms.text(form, "to", errors, 20)
    reason = forms.text(form, "reason", errors, 2000)
    services = services_of(request)
    view = services.courses.view(staff_session.actor, course_id)
    error: ClinicError | None = None
    try:
        if target not in {s.value for s in CourseState}:
            raise ValidationFailed({"to": "choose a next step"})
        services.courses.move(staff_session.actor, course_id, CourseState(target), reason=reason)
    except ClinicError as failed:
        error = failed
    return _respond(request, staff_session, view.course.patient_id, error)


def _respond(
    request: Request, staff_session: StaffSession, patient_id: int, error: ClinicError | None
) -> Response:
    if request.headers.get("hx-request"):
        panel = _panel(request, staff_session, patient_id, error)
        if error is None:
            panel.headers["HX-Trigger"] = CHART_CHANGED
        return panel
    if error is not None:
        raise error
    return RedirectResponse(f"/patients/{patient_id}", status_code=303)
