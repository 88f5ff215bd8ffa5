"""The suicide-risk safety gate in the staff UI: open tasks on the chart and on the clinic's
worklist (urgent first), and the physician/APP assessment form that alone can close a task.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.assessments.safety import Disposition, RiskLevel, SafetyAssessment
from ketaclinic.domain.errors import PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.authorization import allowed
from ketaclinic.services.identity.staff_sessions import StaffSession

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.CHART_READ))]
Assessor = Annotated[StaffSession, Depends(WebUser(Permission.SAFETY_ASSESS))]


@router.get("/patients/{patient_id}/panels/safety", response_class=HTMLResponse)
def safety_panel(request: Request, patient_id: PathId, staff_session: Reader) -> Response:
    tasks = services_of(request).safety.for_patient(staff_session.actor, patient_id)
    return render(request, "assessments/safety/_panel.html", {"tasks": tasks})


@router.get("/worklist/safety", response_class=HTMLResponse)
def worklist(request: Request, staff_session: Reader) -> Response:
    services = services_of(request)
    notices = []
    if allowed(staff_session.actor, Permission.SAFETY_ASSESS):
        notices = list(services.safety.notices(staff_session.actor))
    entries = services.safety.worklist_entries(staff_session.actor)
    waiting = []
    if allowed(staff_session.actor, Permission.PREDOSE_DECIDE):
        waiting = list(services.session_workflow.waiting_decisions(staff_session.actor))
    shown = (
        [t.patient_id for t, _ in entries]
        + [n.patient_id for n in notices]
        + [d.session.patient_id for d in waiting]
    )
    audit_seen(request, shown, what="safety_worklist")
    context = {"entries": entries, "notices": notices, "predose_waiting": waiting}
    return render(request, "assessments/safety/worklist.html", context)


def _assess_form(
    request: Request,
    staff_session: StaffSession,
    task_id: int,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    task = services_of(request).safety.task(staff_session.actor, task_id)
    context: dict[str, Any] = {"task": task, "values": values, "errors": errors}
    context |= {"risk_levels": list(RiskLevel), "dispositions": list(Disposition)}
    return render(
        request,
        "assessments/safety/assess.html",
        context,
        status=status,
        banner_for=task.patient_id,
    )


@router.get("/safety/tasks/{task_id}/assess", response_class=HTMLResponse)
def assess_form(request: Request, task_id: PathId, staff_session: Assessor) -> Response:
    return _assess_form(request, staff_session, task_id, {}, {})


def _assessment(form: Any) -> SafetyAssessment:
    """The form as a SafetyAssessment; ValidationFailed names every bad field."""
    errors: dict[str, str] = {}
    risk = forms.text(form, "risk_level", errors, 20)
    plan = forms.text(form, "plan", errors, 4000)
    disposition = forms.text(form, "disposition", errors, 40)
    if risk not in {r.value for r in RiskLevel}:
        errors["risk_level"] = "choose the assessed risk level"
    if disposition not in {d.value for d in Disposition}:
        errors["disposition"] = "choose a disposition"
    if errors:
        raise ValidationFailed(errors)
    return SafetyAssessment(RiskLevel(risk), plan, Disposition(disposition))


@router.post("/safety/tasks/{task_id}/assess")
async def assess(request: Request, task_id: PathId, staff_session: Assessor) -> Response:
    form = await request.form()
    services = services_of(request)
    try:
        resolved = services.safety.assess(staff_session.actor, task_id, _assessment(form))
    except ValidationFailed as failed:
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        return _assess_form(request, staff_session, task_id, values, failed.errors, status=422)
    except PermissionDenied as refused:
        if refused.field != "disposition":
            raise
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        errors = {"disposition": refused.detail}
        return _assess_form(request, staff_session, task_id, values, errors, status=403)
    return RedirectResponse(f"/patients/{resolved.patient_id}?section=safety", status_code=303)
