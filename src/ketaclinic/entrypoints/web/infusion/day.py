"""Infusion day in the staff UI: the session page (check-in to discharge) and the chart panel.

Thin: each POST parses the form, calls one use case of the session workflow service and
redirects back to the page; a refusal re-renders the page (422) with every field error or every
failed guard reason in place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.adapters.session_charts import session_alarm_key, session_vitals_svgs
from ketaclinic.domain.errors import ClinicError, NotFound, ValidationFailed
from ketaclinic.domain.identity.access import Permission, is_allowed
from ketaclinic.domain.infusion.alarm_ack import ack_action_words, state_at_ack
from ketaclinic.domain.infusion.alarm_why import explain_alarms
from ketaclinic.domain.infusion.records import StoredAlarm
from ketaclinic.domain.infusion.session import TERMINAL, SessionState
from ketaclinic.entrypoints.guards import REAUTH_FIELD, WebUser, confirm_web_signer
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.authorization import allowed
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.services.infusion.bedside_vitals import (
    HAND_FIELDS,
    MEASURED_STATES,
    flowsheet,
    latest_by_parameter,
    monitor_silence_min,
    readings_from_fields,
    recent_baseline,
    vitals_due,
)
from ketaclinic.services.infusion.checklists import (
    ALDRETE_ITEMS,
    PREGNANCY_RESULTS,
    SCALES,
    SEVERITIES,
)
from ketaclinic.services.infusion.dose_team import STEP_PEOPLE
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from ketaclinic.services.infusion.pauses import may_resume
from ketaclinic.services.infusion.predose_steps import NOT_DOSED_FROM
from ketaclinic.services.infusion.readings_table import readings_table
from ketaclinic.services.infusion.runners import CLINICAL_RUNNERS, may_run_session
from ketaclinic.services.infusion.session_day import SessionDay

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
#: Steps whose form leaves the page once recorded: after one, the browser lands on the session
#: page itself (post/redirect/get), not on the anchor of a form that is no longer there.
ONE_TIME_STEPS = frozenset({"check-in"})
Reader = Annotated[StaffSession, Depends(WebUser(Permission.CHART_READ))]
Runner = Annotated[StaffSession, Depends(WebUser(Permission.SESSION_RUN))]
VitalsWriter = Annotated[StaffSession, Depends(WebUser(Permission.VITALS_WRITE))]


def _page(
    request: Request,
    staff_session: StaffSession,
    session_id: int,
    *,
    step: str = "",
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    error: ClinicError | None = None,
) -> Response:
    services = services_of(request)
    day = services.session_workflow.day(staff_session.actor, session_id)
    checkin = None
    if day.session.state.value == "scheduled":  # shown for review at check-in
        checkin = services.checkins.latest(staff_session.actor, day.session.course_id)
    now = services.clock.now()
    silence = monitor_silence_min(
        day.session, day.protocol.monitoring, day.readings, now, monitored=day.monitor is not None
    )
    due = vitals_due(day.session, day.protocol.monitoring, day.readings)
    alarms = services.alarms.for_session(staff_session.actor, session_id)
    names = (
        services.calendar.directory(staff_session.actor).staff
        if staff_session.actor.role
        and is_allowed(staff_session.actor.role, Permission.SCHEDULE_READ)
        else {}
    )
    tz = ZoneInfo(staff_session.clinic.timezone)
    vitals_charts = session_vitals_svgs(
        day.session, day.readings, alarms, tz=tz, now=services.clock.now()
    )
    may_run = allowed(staff_session.actor, Permission.SESSION_RUN) and may_run_session(
        staff_session.actor, day.protocol
    )
    licensed = may_run and staff_session.actor.role in CLINICAL_RUNNERS  # drugs: licensed staff
    starting = licensed and day.session.state is SessionState.READY
    bedside = licensed and day.session.state not in TERMINAL  # premedication, IV, rescue drugs
    context = {
        "step_people": {
            field: services.session_workflow.step_people(staff_session.actor, session_id, field)
            for field in STEP_PEOPLE
        }
        if bedside
        else {},
        "dose_choices": services.session_workflow.dose_choices(staff_session.actor, session_id)
        if starting
        else None,
        "vitals_charts": vitals_charts,
        "alarm_key": session_alarm_key(alarms, tz=tz),
        "alarm_whys": explain_alarms(alarms, day.protocol.monitoring.alert_rules, day.published)
        if day.published
        else {},
        "alarms": sorted(alarms, key=lambda a: a.raised_at, reverse=True),
        "ack_words": _ack_words(day, alarms),
        "staff_names": names,
        "hand_fields": HAND_FIELDS,
        "measured": day.session.state in MEASURED_STATES,
        "silence_min": silence,
        "vitals_due": due,
        "vitals_overdue": due is not None and due.overdue(now),
        "latest": latest_by_parameter(day.readings),
        "predose_baseline": recent_baseline(day.readings, now=now)
        if day.session.state is SessionState.CHECKED_IN
        else {},
        "readings": readings_table(
            flowsheet(day.readings, session=day.session, records=day.records),
            day.protocol.monitoring.alert_rules,
            show_all=request.query_params.get("readings") == "all",
        ),
        "checkin": checkin,
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
        "may_run": may_run,
        "may_resume": may_run
        and may_resume(staff_session.actor, day.resume_approval is not None, day.resume_alarms),
        "licensed": licensed,
        "may_close": may_run
        and staff_session.actor.role in CLINICAL_RUNNERS
        and day.session.state in NOT_DOSED_FROM,
    }
    status = 422 if errors or error else 200
    return render(
        request,
        "infusion/day/page.html",
        context,
        status=status,
        banner_for=day.session.patient_id,
    )


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, session_id: PathId, staff_session: Reader) -> Response:
    return _page(request, staff_session, session_id)


@router.post("/sessions/{session_id}/steps/{step}")
async def session_step(
    request: Request, session_id: PathId, step: str, staff_session: Runner
) -> Response:
    form = await request.form()
    hidden = {"csrf_token", REAUTH_FIELD}
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k not in hidden}
    flow = services_of(request).session_workflow
    try:
        if step == "discharge" and fields.get("override_reason", "").strip():
            confirm_web_signer(request, staff_session, form.get(REAUTH_FIELD))
        flow.step(staff_session.actor, session_id, step, fields)
    except ValidationFailed as failed:
        return _page(
            request, staff_session, session_id, step=step, values=fields, errors=failed.errors
        )
    except ClinicError as failed:
        if isinstance(failed, NotFound) and failed.field in ("session_id", "step"):
            raise
        return _page(request, staff_session, session_id, step=step, values=fields, error=failed)
    if step in ONE_TIME_STEPS:  # its form is gone once done: the session page itself
        return RedirectResponse(f"/sessions/{session_id}", status_code=303)
    return RedirectResponse(f"/sessions/{session_id}#step-{step}", status_code=303)


@router.post("/sessions/{session_id}/vitals")
async def bedside_vitals(
    request: Request, session_id: PathId, staff_session: VitalsWriter
) -> Response:
    """Vital signs by hand: the same ingest and alarm pipeline as a monitor, source ``staff``."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    services = services_of(request)
    try:
        readings = readings_from_fields(fields, at=services.clock.now())
        services.monitoring.ingest(
            staff_session.actor, VitalsBatch(readings, session_id=session_id)
        )
    except ValidationFailed as failed:
        errors = failed.errors
        return _page(
            request, staff_session, session_id, step="vitals", values=fields, errors=errors
        )
    except ClinicError as failed:
        if isinstance(failed, NotFound):
            raise
        return _page(request, staff_session, session_id, step="vitals", values=fields, error=failed)
    return RedirectResponse(f"/sessions/{session_id}#step-vitals", status_code=303)


@router.post("/sessions/{session_id}/monitor")
async def assign_monitor(request: Request, session_id: PathId, staff_session: Runner) -> Response:
    """Assign the bedside monitor (EUI-64) to the session and its chair."""
    form = await request.form()
    device = form.get("device_id", "")
    services = services_of(request)
    current = services.sessions.get(staff_session.actor, session_id)
    try:
        services.sessions.assign(
            staff_session.actor,
            session_id,
            attendant_id=current.attendant_id,
            device_id=device if isinstance(device, str) and device.strip() else None,
        )
    except ValidationFailed as failed:
        values = {"device_id": device if isinstance(device, str) else ""}
        errors = failed.errors
        return _page(
            request, staff_session, session_id, step="monitor", values=values, errors=errors
        )
    return RedirectResponse(f"/sessions/{session_id}#step-monitor", status_code=303)


@router.get("/patients/{patient_id}/panels/sessions", response_class=HTMLResponse)
def sessions_panel(request: Request, patient_id: PathId, staff_session: Reader) -> Response:
    services = services_of(request)
    services.courses.for_patient(
        staff_session.actor, patient_id
    )  # 404 for another clinic's patient
    days = services.session_workflow.for_patient(staff_session.actor, patient_id)
    return render(request, "infusion/day/_panel.html", {"days": days, "patient_id": patient_id})


def _ack_words(day: SessionDay, alarms: Sequence[StoredAlarm]) -> dict[int, str]:
    """Each acknowledged alarm's action in the words of the choice offered when it was
    acknowledged (the session's dosing state then decides them)."""
    s = day.session
    ended = s.dosing_ended_at or s.stopped_at or s.recovery_started_at
    moves = [(m.at, m.resumed) for m in day.pauses]
    return {
        a.id: ack_action_words(
            a.action,
            a.ack_action,
            state_at_ack(s.dosing_started_at, ended, moves, a.acknowledged_at),
        )
        for a in alarms
        if a.ack_action is not None and a.acknowledged_at is not None
    }
