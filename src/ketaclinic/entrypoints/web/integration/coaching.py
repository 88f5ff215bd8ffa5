"""Integration and KAT coaching in the staff UI: the chart panel (plan, goal ratings over time,
notes, journeys), the course's integration workspace with its forms, the audited private-note
page and the coach's caseload worklist. Thin: parse the form, call one service, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.errors import Conflict, NotFound, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.integration.plans import (
    SETTING_ITEMS,
    GoalInput,
    GoalStatus,
    JourneyInput,
    NoteContent,
    NoteKind,
    RiskLevel,
)
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.services.integration.coaching import JOURNEY_NEEDS_SESSION, JOURNEY_NO_DOSE

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.CHART_READ))]
Coach = Annotated[StaffSession, Depends(WebUser(Permission.COACHING_WRITE))]
Runner = Annotated[StaffSession, Depends(WebUser(Permission.SESSION_RUN))]


@router.get("/patients/{patient_id}/panels/integration", response_class=HTMLResponse)
def integration_panel(request: Request, patient_id: PathId, staff_session: Reader) -> Response:
    plans = services_of(request).caseload.for_patient(staff_session.actor, patient_id)
    return render(request, "integration/_panel.html", {"plans": plans, "patient_id": patient_id})


def _workspace(
    request: Request,
    staff_session: StaffSession,
    course_id: int,
    form: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    services = services_of(request)
    ws = services.caseload.workspace(staff_session.actor, course_id)
    dosed = [
        d
        for d in services.session_workflow.for_patient(staff_session.actor, ws.patient.id)
        if d.session.course_id == course_id and d.session.dosing_started_at is not None
    ]
    context = {
        "dosed_sessions": dosed,
        "ws": ws,
        "form": form,
        "values": values or {},
        "errors": errors or {},
        "kinds": list(NoteKind),
        "risks": list(RiskLevel),
        "statuses": list(GoalStatus),
        "setting_items": SETTING_ITEMS,
    }
    patient_id = ws.patient.id
    return render(
        request, "integration/workspace.html", context, status=status, banner_for=patient_id
    )


@router.get("/courses/{course_id}/integration", response_class=HTMLResponse)
def workspace(request: Request, course_id: PathId, staff_session: Reader) -> Response:
    return _workspace(request, staff_session, course_id)


async def _submit(
    request: Request,
    staff_session: StaffSession,
    course_id: int | None,
    form_id: str,
    act: Callable[[Any], int],
    anchor: str,
) -> Response:
    """Run ``act(form)`` (returns the course id); on field errors re-render the workspace (422),
    on a refusal or a conflict (a race lost) with the reason on its field (409)."""
    form = await request.form()
    try:
        done_course = act(form)
    except (ValidationFailed, Conflict) as failed:
        status, errors = 422, getattr(failed, "errors", {})
        if not isinstance(failed, ValidationFailed):
            reasons = "; ".join((str(failed), *getattr(failed, "reasons", ())))
            status, errors = 409, {failed.field or "form": reasons}
        values = {
            k: form.getlist(k) if k in _MULTI else v
            for k, v in form.items()
            if isinstance(v, str) and k != "csrf_token"
        }
        raw = str(form.get("course_id", ""))
        target = course_id if course_id is not None else int(raw) if raw.isdigit() else 0
        return _workspace(request, staff_session, target, form_id, values, errors, status)
    return RedirectResponse(f"/courses/{done_course}/integration#{anchor}", status_code=303)


_MULTI = {"practices", "practices_assigned", "setting"}


@router.post("/courses/{course_id}/integration/plan")
async def generate(request: Request, course_id: PathId, staff_session: Coach) -> Response:
    services_of(request).integration.generate_plan(staff_session.actor, course_id)
    return RedirectResponse(f"/courses/{course_id}/integration#plan", status_code=303)


@router.post("/integration/goals/{goal_id}")
async def update_goal(request: Request, goal_id: PathId, staff_session: Coach) -> Response:
    def act(form: Any) -> int:
        errors: dict[str, str] = {}
        status = forms.text(form, "status", errors, 20)
        if status not in {s.value for s in GoalStatus}:
            errors["status"] = "choose a status"
        text = forms.text(form, "text", errors, 500)
        measure = forms.text(form, "measure", errors, 200)
        if errors:
            raise ValidationFailed(errors)
        practices = tuple(str(p) for p in form.getlist("practices"))
        change = GoalInput("", text, practices, measure, GoalStatus(status))
        return (
            services_of(request)
            .integration.update_goal(staff_session.actor, goal_id, change)
            .course_id
        )

    return await _submit(request, staff_session, None, f"goal-{goal_id}", act, f"goal-{goal_id}")


@router.post("/integration/goals/{goal_id}/ratings")
async def rate_goal(request: Request, goal_id: PathId, staff_session: Coach) -> Response:
    def act(form: Any) -> int:
        errors: dict[str, str] = {}
        raw = forms.text(form, "rating", errors, 3)
        if not raw.isdigit():
            raise ValidationFailed({"rating": "a whole number from 0 to 10"})
        comment = forms.text(form, "comment", errors, 500)
        if errors:
            raise ValidationFailed(errors)
        integration = services_of(request).integration
        rating = integration.rate_goal(staff_session.actor, goal_id, int(raw), comment)
        return _course_of_goal(request, staff_session, rating.goal_id)

    return await _submit(request, staff_session, None, f"rate-{goal_id}", act, f"goal-{goal_id}")


def _course_of_goal(request: Request, staff_session: StaffSession, goal_id: int) -> int:
    return services_of(request).integration.goal(staff_session.actor, goal_id).course_id


def _when(form: Any, name: str, tz: str, errors: dict[str, str]) -> datetime | None:
    raw = forms.text(form, name, errors, 40)
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))
    except ValueError:
        errors[name] = "a date and time (YYYY-MM-DDTHH:MM)"
        return None


def _note_content(form: Any, errors: dict[str, str]) -> NoteContent:
    risk = forms.text(form, "risk", errors, 20)
    if risk not in {r.value for r in RiskLevel}:
        errors["risk"] = "choose the risk screen result"
        risk = RiskLevel.NONE.value
    return NoteContent(
        forms.text(form, "themes", errors, 4000),
        tuple(str(p) for p in form.getlist("practices_assigned")),
        forms.text(form, "homework", errors, 4000),
        RiskLevel(risk),
        forms.text(form, "risk_notes", errors, 4000),
    )


@router.post("/courses/{course_id}/coaching-notes")
async def record_note(request: Request, course_id: PathId, staff_session: Coach) -> Response:
    def act(form: Any) -> int:
        errors: dict[str, str] = {}
        kind = forms.text(form, "kind", errors, 20)
        if kind not in {k.value for k in NoteKind}:
            errors["kind"] = "choose the kind of session"
        at = _when(form, "session_at", staff_session.clinic.timezone, errors)
        content = _note_content(form, errors)
        private = forms.text(form, "private_text", errors, 20_000)
        if not content.themes:
            errors["themes"] = "record the themes of the session"
        if errors or at is None:
            raise ValidationFailed(errors)
        services_of(request).coaching.record_note(
            staff_session.actor, course_id, NoteKind(kind), at, content, private
        )
        return course_id

    return await _submit(request, staff_session, course_id, "note", act, "notes")


@router.post("/courses/{course_id}/coaching-bookings")
async def book(request: Request, course_id: PathId, staff_session: Coach) -> Response:
    def act(form: Any) -> int:
        errors: dict[str, str] = {}
        kind = forms.text(form, "kind", errors, 20)
        if kind not in {k.value for k in NoteKind}:
            errors["kind"] = "choose the kind of session"
        at = _when(form, "start_at", staff_session.clinic.timezone, errors)
        numbers = {
            n: forms.text(form, n, errors, 12) for n in ("duration_min", "room_id", "coach_id")
        }
        for name, raw in numbers.items():
            if not raw.isdigit():
                errors[name] = "choose or enter a whole number"
        if errors or at is None:
            raise ValidationFailed(errors)
        services_of(request).coaching_bookings.book(
            staff_session.actor,
            course_id,
            NoteKind(kind),
            at,
            int(numbers["duration_min"]),
            room_id=int(numbers["room_id"]),
            coach_id=int(numbers["coach_id"]),
        )
        return course_id

    return await _submit(request, staff_session, course_id, "booking", act, "bookings")


@router.post("/coaching-notes/{note_id}/sign")
async def sign_note(request: Request, note_id: PathId, staff_session: Coach) -> Response:
    note = services_of(request).coaching.sign(staff_session.actor, note_id)
    return RedirectResponse(f"/courses/{note.course_id}/integration#notes", status_code=303)


@router.get("/coaching-notes/{note_id}/private", response_class=HTMLResponse)
def private_part(request: Request, note_id: PathId, staff_session: Reader) -> Response:
    """Every request here is audited by the service, allowed or refused."""
    coaching = services_of(request).coaching
    note = coaching.note(staff_session.actor, note_id)
    text = coaching.private_part(staff_session.actor, note_id)
    context = {"note": note, "text": text}
    return render(request, "integration/private.html", context, banner_for=note.patient_id)


@router.post("/courses/{course_id}/journeys")
async def record_journey(request: Request, course_id: PathId, staff_session: Runner) -> Response:
    """The experiential record of a dosed session: no route, dose or time is taken from the
    form (they are the session's verified order as given); a dose field sent anyway is refused."""

    def act(form: Any) -> int:
        errors: dict[str, str] = {}
        for sent in ("route", "dose_mg", "given_at"):
            if form.get(sent):
                errors[sent] = JOURNEY_NO_DOSE
        attendant = forms.text(form, "attendant_id", errors, 12)
        if not attendant.isdigit():
            errors["attendant_id"] = "choose the attendant"
        session_id = str(form.get("session_id") or "")
        if not session_id.isdigit():
            errors["session_id"] = JOURNEY_NEEDS_SESSION
        observations = forms.text(form, "observations", errors, 4000)
        if errors:
            raise ValidationFailed(errors)
        setting = tuple(str(s) for s in form.getlist("setting"))
        j = JourneyInput(int(session_id), int(attendant), "", setting, observations)
        try:
            services_of(request).journeys.record(staff_session.actor, course_id, j)
        except NotFound as missing:
            raise ValidationFailed({"session_id": str(missing)}) from missing
        return course_id

    return await _submit(request, staff_session, course_id, "journey", act, "journeys")


@router.post("/journeys/{journey_id}/reflection")
async def reflect(request: Request, journey_id: PathId, staff_session: Coach) -> Response:
    def act(form: Any) -> int:
        errors: dict[str, str] = {}
        text = forms.text(form, "reflection", errors, 5000)
        if errors:
            raise ValidationFailed(errors)
        return (
            services_of(request).journeys.reflect(staff_session.actor, journey_id, text).course_id
        )

    return await _submit(request, staff_session, None, f"reflect-{journey_id}", act, "journeys")


@router.get("/worklist/coaching", response_class=HTMLResponse)
def caseload(request: Request, staff_session: Coach) -> Response:
    items = services_of(request).caseload.caseload(staff_session.actor)
    audit_seen(request, (i.patient.id for i in items), what="coaching_caseload")
    return render(request, "integration/caseload.html", {"items": items})
