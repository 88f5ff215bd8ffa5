"""Infusion day in the staff UI: the session page (check-in to discharge) and the chart panel.

Thin: each POST parses the form, calls one use case of the session workflow service and
redirects back to the page; a refusal re-renders the page (422) with every field error or every
failed guard reason in place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.access import Permission
from ketaclinic.domain.discharge import AldreteScore
from ketaclinic.domain.errors import ClinicError, NotFound, ValidationFailed
from ketaclinic.domain.staff import Actor
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity import Session
from ketaclinic.services.session_checklists import PREGNANCY_RESULTS, SCALES, SEVERITIES
from ketaclinic.services.session_workflow import SessionWorkflowService

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[Session, Depends(WebUser(Permission.PATIENT_READ))]
Runner = Annotated[Session, Depends(WebUser(Permission.SESSION_RUN))]

Step = Callable[[SessionWorkflowService, Actor, int, Mapping[str, Any]], object]
ALDRETE_ITEMS = ("activity", "respiration", "circulation", "consciousness", "spo2")


def _aldrete(flow: SessionWorkflowService, actor: Actor, sid: int, f: Mapping[str, Any]) -> object:
    errors: dict[str, str] = {}
    values: dict[str, int] = {}
    for item in ALDRETE_ITEMS:
        raw = str(f.get(item, ""))
        if raw not in ("0", "1", "2"):
            errors[item] = "score 0, 1 or 2"
        else:
            values[item] = int(raw)
    if errors:
        raise ValidationFailed(errors)
    return flow.aldrete(actor, sid, AldreteScore(**values))


STEPS: dict[str, Step] = {
    "check-in": lambda fl, a, s, f: fl.check_in(a, s, f),
    "pre-dose": lambda fl, a, s, f: fl.pre_dose(a, s, f),
    "iv": lambda fl, a, s, f: fl.place_iv(a, s, f),
    "give": lambda fl, a, s, f: fl.give(a, s, f),
    "start": lambda fl, a, s, f: fl.start(a, s, f),
    "pause": lambda fl, a, s, f: fl.pause(a, s, str(f.get("reason", ""))),
    "resume": lambda fl, a, s, f: fl.resume(
        a, s, str(f.get("reason", "")), str(f.get("approved_by", ""))
    ),
    "stop": lambda fl, a, s, f: fl.stop(a, s, str(f.get("reason", ""))),
    "end": lambda fl, a, s, f: fl.end_dosing(a, s, str(f.get("reason", ""))),
    "score": lambda fl, a, s, f: fl.score(a, s, f),
    "adverse-event": lambda fl, a, s, f: fl.adverse_event(a, s, f),
    "observe": lambda fl, a, s, f: fl.observe(a, s, f),
    "aldrete": _aldrete,
    "discharge": lambda fl, a, s, f: fl.discharge(a, s, f),
}


def _page(
    request: Request,
    session: Session,
    session_id: int,
    *,
    step: str = "",
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    error: ClinicError | None = None,
) -> Response:
    services = services_of(request)
    day = services.session_workflow.day(session.actor, session_id)
    context = {
        "day": day,
        "s": day.session,
        "step": step,
        "values": values or {},
        "errors": errors or {},
        "error": error,
        "pregnancy_results": PREGNANCY_RESULTS,
        "severities": SEVERITIES,
        "scales": list(SCALES),
        "aldrete_items": ALDRETE_ITEMS,
    }
    status = 422 if errors or error else 200
    return render(request, "session_day/page.html", context, status=status)


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, session_id: int, session: Reader) -> Response:
    return _page(request, session, session_id)


@router.post("/sessions/{session_id}/steps/{step}")
async def session_step(request: Request, session_id: int, step: str, session: Runner) -> Response:
    action = STEPS.get(step)
    if action is None:
        raise NotFound("no such step of infusion day", field="step")
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    flow = services_of(request).session_workflow
    try:
        action(flow, session.actor, session_id, fields)
    except ValidationFailed as failed:
        return _page(request, session, session_id, step=step, values=fields, errors=failed.errors)
    except ClinicError as failed:
        if isinstance(failed, NotFound) and failed.field == "session_id":
            raise
        return _page(request, session, session_id, step=step, values=fields, error=failed)
    return RedirectResponse(f"/sessions/{session_id}#step-{step}", status_code=303)


@router.get("/patients/{patient_id}/panels/sessions", response_class=HTMLResponse)
def sessions_panel(request: Request, patient_id: int, session: Reader) -> Response:
    services = services_of(request)
    services.courses.for_patient(session.actor, patient_id)  # 404 for another clinic's patient
    days = services.session_workflow.for_patient(session.actor, patient_id)
    return render(request, "session_day/_panel.html", {"days": days, "patient_id": patient_id})
