"""Arrivals in the staff UI: today's arrivals list, checking a booked appointment in (its session
opens), a prescriber opening an unscheduled visit (the free chairs listed), and cancelling or
marking a no-show from the schedule day (the series is re-planned).

Thin: each POST calls one use case (``services.infusion.session_opening`` or
``services.scheduling.replan``) and redirects back to the page it came from with what happened; a
refusal re-renders that page with the reason in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.errors import ClinicError, NotFound, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.scheduling.booking import BookingKind
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.services.scheduling.inputs import DropReason, DropRequest

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.SCHEDULE_READ))]
CheckIn = Annotated[StaffSession, Depends(WebUser(Permission.SESSION_CHECK_IN))]
Runner = Annotated[StaffSession, Depends(WebUser(Permission.SESSION_RUN))]
Writer = Annotated[StaffSession, Depends(WebUser(Permission.SCHEDULE_WRITE))]
_BACK = {"arrivals": "/arrivals", "schedule": "/schedule", "today": "/today"}


def today(request: Request, staff_session: StaffSession) -> date:
    return (
        services_of(request).clock.now().astimezone(ZoneInfo(staff_session.clinic.timezone)).date()
    )


def arrivals_page(
    request: Request,
    staff_session: StaffSession,
    *,
    error: ClinicError | None = None,
    opened: str = "",
) -> Response:
    services = services_of(request)
    day = today(request, staff_session)
    found = services.arrivals.arrivals(staff_session.actor, day)
    audit_seen(request, (a.booking.patient_id for a in found), what="arrivals")
    context: dict[str, Any] = {"arrivals": found, "day": day, "error": error, "opened": opened}
    return render(request, "scheduling/arrivals.html", context, status=409 if error else 200)


@router.get("/arrivals", response_class=HTMLResponse)
def arrivals(request: Request, staff_session: Reader, opened: str = "") -> Response:
    """Today's infusion appointments: check in on arrival, then open the session."""
    return arrivals_page(request, staff_session, opened=opened if opened.isdigit() else "")


def _back(form: Any) -> str:
    raw = form.get("back", "")
    return _BACK.get(raw if isinstance(raw, str) else "", "/arrivals")


@router.post("/appointments/{appointment_id}/check-in", response_class=HTMLResponse)
async def check_in(request: Request, appointment_id: PathId, staff_session: CheckIn) -> Response:
    """The patient arrived: open the appointment's session in its chair."""
    form = await request.form()
    back = _back(form)
    try:
        opened = services_of(request).arrivals.check_in(staff_session.actor, appointment_id)
    except ClinicError as failed:
        if isinstance(failed, NotFound):
            raise
        return arrivals_page(request, staff_session, error=failed)
    return RedirectResponse(f"{back}?opened={opened.id}", status_code=303)


def visit_page(
    request: Request,
    staff_session: StaffSession,
    course_id: int,
    *,
    error: ClinicError | None = None,
    values: Mapping[str, str] | None = None,
) -> Response:
    services = services_of(request)
    actor = staff_session.actor
    course = services.courses.view(actor, course_id).course
    chairs = services.arrivals.chairs_for_visit(actor, course_id)
    now = services.clock.now()
    kat = course_id in services.schedule.kat_courses_of_patient(actor, course.patient_id)
    ahead = [
        (b, b.words_for(kat=kat))
        for b in services.schedule.series_of_patient(actor, course.patient_id)
        if b.course_id == course_id
        and b.active
        and b.kind is not BookingKind.COACHING
        and b.start_at > now
    ]
    context: dict[str, Any] = {
        "course": course,
        "chairs": chairs,
        "booked_ahead": ahead,
        "error": error,
        "values": values or {},
    }
    return render(request, "scheduling/unscheduled.html", context, status=409 if error else 200)


@router.get("/courses/{course_id}/unscheduled", response_class=HTMLResponse)
def unscheduled_form(request: Request, course_id: PathId, staff_session: Runner) -> Response:
    """A prescriber opens a visit without an appointment: a free chair and the reason."""
    return visit_page(request, staff_session, course_id)


@router.post("/courses/{course_id}/unscheduled", response_class=HTMLResponse)
async def open_unscheduled(request: Request, course_id: PathId, staff_session: Runner) -> Response:
    """Open the unscheduled visit (refused in a chair booked or in use, naming the chair)."""
    form = await request.form()
    errors: dict[str, str] = {}
    chair = forms.text(form, "chair_id", errors, 12)
    reason = forms.text(form, "reason", errors, forms.WIRE_TEXT_CHARS)
    values = {"chair_id": chair, "reason": reason}
    try:
        if errors or not chair.isdigit():
            raise ValidationFailed(errors or {"chair_id": "choose a chair"})
        opened = services_of(request).arrivals.open_unscheduled(
            staff_session.actor, course_id, int(chair), reason=reason
        )
    except ClinicError as failed:
        if isinstance(failed, NotFound | PermissionDenied) and failed.field != "chair_id":
            raise
        return visit_page(request, staff_session, course_id, error=failed, values=values)
    return RedirectResponse(f"/sessions/{opened.id}", status_code=303)


@router.post("/schedule/appointments/{appointment_id}/drop", response_class=HTMLResponse)
async def drop_from_day(
    request: Request, appointment_id: PathId, staff_session: Writer
) -> Response:
    """Cancel or record a no-show from the schedule day; the rest of the series is re-planned."""
    form = await request.form()
    errors: dict[str, str] = {}
    why = forms.text(form, "why", errors, 20)
    reason = forms.text(form, "reason", errors, forms.WIRE_TEXT_CHARS)
    if why not in {DropReason.CANCELLED.value, DropReason.MISSED.value}:
        errors["why"] = "choose cancelled or no-show"
    drop_request = forms.build(
        lambda: DropRequest(
            DropReason(why) if "why" not in errors else DropReason.CANCELLED, reason
        ),
        errors,
    )
    services = services_of(request)
    outcome = services.replans.drop(staff_session.actor, appointment_id, drop_request)
    day = outcome.dropped.start_at.astimezone(ZoneInfo(staff_session.clinic.timezone)).date()
    status = outcome.status.value
    return RedirectResponse(
        f"/schedule?day={day.isoformat()}&dropped={appointment_id}&replan={status}",
        status_code=303,
    )
