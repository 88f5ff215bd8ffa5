"""Outcomes in the staff UI: the chart panel, a course's reassessment page with the clinician's
decision and booster plan, and the prescriber's outcome worklist (decision support only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.errors import ClinicError, Conflict, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.patients.course import TERMINAL, CourseState, allowed_targets
from ketaclinic.domain.patients.treatment import CourseTransition
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.outcomes.charts import trajectory_svg
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.authorization import allowed
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.services.outcomes.maintenance import BoosterEdit

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.CHART_READ))]
Manager = Annotated[StaffSession, Depends(WebUser(Permission.COURSE_MANAGE))]
Scheduler = Annotated[StaffSession, Depends(WebUser(Permission.SCHEDULE_WRITE))]


@router.get("/patients/{patient_id}/panels/outcomes", response_class=HTMLResponse)
def outcome_panel(request: Request, patient_id: PathId, staff_session: Reader) -> Response:
    services = services_of(request)
    courses = services.courses.for_patient(staff_session.actor, patient_id)
    reviews = [services.outcomes.review(staff_session.actor, c.id) for c in courses]
    return render(request, "outcomes/_panel.html", {"reviews": reviews})


def _page(
    request: Request,
    staff_session: StaffSession,
    course_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: ClinicError | None = None,
    status: int = 200,
) -> Response:
    services = services_of(request)
    review = services.outcomes.review(staff_session.actor, course_id)
    today = services.clock.now().date()
    proposal = services.maintenance.propose(staff_session.actor, course_id, today)
    context: dict[str, Any] = {
        "r": review,
        "proposal": proposal,
        "chart": trajectory_svg(review, tz=staff_session.clinic.timezone),
        "boosters": services.boosters.booked(staff_session.actor, course_id),
        "values": values or {"start_on": today.isoformat()},
        "errors": errors or {},
        "error": error,
        "options": open_options(
            review.course.state, services.outcomes.decision_options(staff_session.actor, course_id)
        ),
        "standing": services.overdue.course(staff_session.actor, course_id),
        "decision": last_decision(
            services.courses.view(staff_session.actor, course_id).history, review.course.state
        ),
    }
    patient_id = review.course.patient_id
    return render(request, "outcomes/course.html", context, status=status, banner_for=patient_id)


DECIDED_STATES = frozenset({CourseState.MAINTENANCE, *TERMINAL})
"""States a prescriber's outcome decision moves a course to (maintenance, complete, discontinue)."""


def open_options(state: CourseState, options: Sequence[Any]) -> list[Any]:
    """Only the decisions the course's state machine has a transition for: a move it would refuse
    outright ("no transition from completed to maintenance") is never offered or listed."""
    reachable = set(allowed_targets(state))
    return [o for o in options if o.to in reachable]


def last_decision(history: Sequence[CourseTransition], state: CourseState) -> Any:
    """The recorded decision that moved the course to its present outcome state (who, when,
    why), or ``None`` while no such decision is on the course."""
    if state not in DECIDED_STATES:
        return None
    return next((t for t in reversed(history) if t.to_state is state), None)


@router.get("/courses/{course_id}/outcome", response_class=HTMLResponse)
def course_outcome(request: Request, course_id: PathId, staff_session: Reader) -> Response:
    return _page(request, staff_session, course_id)


def _edits(form: Any, errors: dict[str, str]) -> list[BoosterEdit]:
    number = forms.text(form, "edit_number", errors, 3)
    if not number:
        return []
    target = forms.text(form, "edit_target_on", errors, 10)
    reason = forms.text(form, "edit_reason", errors, 500)
    if not number.isdigit():
        errors["edit_number"] = "choose the booster to move"
    on = forms.parse_date(target, "edit_target_on", errors)
    if not reason:
        errors["edit_reason"] = "a reason is required to move a booster"
    if errors or on is None:
        return []
    return [BoosterEdit(int(number), on, reason)]


@router.post("/courses/{course_id}/outcome/plan")
async def store_plan(request: Request, course_id: PathId, staff_session: Manager) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    errors: dict[str, str] = {}
    start = forms.parse_date(forms.text(form, "start_on", errors, 10), "start_on", errors)
    edits = _edits(form, errors)
    try:
        if errors or start is None:
            raise ValidationFailed(errors or {"start_on": "must be a date (YYYY-MM-DD)"})
        services_of(request).maintenance.store(staff_session.actor, course_id, start, edits)
    except ValidationFailed as failed:
        return _page(
            request, staff_session, course_id, values=values, errors=failed.errors, status=422
        )
    except ClinicError as failed:
        return _page(request, staff_session, course_id, values=values, error=failed, status=409)
    return RedirectResponse(f"/courses/{course_id}/outcome#plan", status_code=303)


@router.post("/courses/{course_id}/outcome/book")
async def book_boosters(request: Request, course_id: PathId, staff_session: Scheduler) -> Response:
    reads_chart = allowed(staff_session.actor, Permission.CHART_READ)
    try:
        result = services_of(request).boosters.book(staff_session.actor, course_id)
    except ClinicError as failed:
        if not reads_chart:  # the front desk books; the outcome page is the care team's
            raise
        return _page(request, staff_session, course_id, error=failed, status=409)
    if result.unplaced:
        numbers = ", ".join(str(n) for n in result.unplaced)
        noun = "booster" if len(result.unplaced) == 1 else "boosters"
        unplaced = Conflict(f"{noun} {numbers} could not be placed in their window")
        if not reads_chart:
            raise unplaced
        return _page(request, staff_session, course_id, error=unplaced, status=409)
    if not reads_chart:
        return RedirectResponse("/schedule", status_code=303)
    return RedirectResponse(f"/courses/{course_id}/outcome#plan", status_code=303)


@router.post("/courses/{course_id}/outcome/decision")
async def decide(request: Request, course_id: PathId, staff_session: Manager) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    errors: dict[str, str] = {}
    decision = forms.text(form, "decision", errors, 20)
    reason = forms.text(form, "reason", errors, 2000)
    try:
        if decision not in {s.value for s in CourseState}:
            raise ValidationFailed({"decision": "choose maintenance, completed or discontinued"})
        services_of(request).outcomes.decide(
            staff_session.actor, course_id, CourseState(decision), reason
        )
    except ValidationFailed as failed:
        return _page(
            request, staff_session, course_id, values=values, errors=failed.errors, status=422
        )
    except ClinicError as failed:
        return _page(request, staff_session, course_id, values=values, error=failed, status=409)
    return RedirectResponse(f"/courses/{course_id}/outcome#clinician-decision", status_code=303)


@router.get("/worklist/outcomes", response_class=HTMLResponse)
def worklist(request: Request, staff_session: Manager) -> Response:
    entries = services_of(request).outcomes.worklist(staff_session.actor)
    audit_seen(request, (e.patient.id for e in entries), what="outcome_worklist")
    return render(request, "outcomes/worklist.html", {"entries": entries})
