"""Today: the page every role lands on after signing in, with that role's worklists for the
clinic day (clinic time zone). Each worklist is one service read; the page only arranges them
and links each row to where the work is done. Every patient it lists is reported to the read
audit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.bootstrap import Services
from ketaclinic.domain.assessments.safety import URGENCY_ORDER
from ketaclinic.domain.errors import ClinicError, NotFound, ValidationFailed
from ketaclinic.domain.identity.access import Permission, Role
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.refusal_words import refusal_words
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.services.integration.caseload import SESSION_CLOSED
from ketaclinic.services.outcomes.overdue import RELAPSE_REVIEW_RULE, RELAPSE_REVIEW_SOURCE
from ketaclinic.services.protocols.publishing import awaiting_signoff

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.PATIENT_READ))]
Booker = Annotated[StaffSession, Depends(WebUser(Permission.SCHEDULE_WRITE))]

#: An appointment this long past its start without a check-in is shown as a possible no-show.
LATE_AFTER = timedelta(minutes=15)


def _front_desk(services: Services, staff_session: StaffSession, now: datetime) -> dict[str, Any]:
    actor = staff_session.actor
    day = now.astimezone(ZoneInfo(staff_session.clinic.timezone)).date()
    arrivals = services.arrivals.arrivals(actor, day)
    late = [a for a in arrivals if a.session is None and a.booking.start_at + LATE_AFTER < now]
    found: dict[str, Any] = {"arrivals": arrivals, "late": late}
    if not arrivals:  # a quiet day (or the clinic is closed): the next clinic day, to prepare
        ahead = services.arrivals.next_day(actor, day)
        if ahead is not None:
            found |= {"next_day": ahead, "next_arrivals": services.arrivals.arrivals(actor, ahead)}
    return found


def _desk(services: Services, staff_session: StaffSession, now: datetime) -> dict[str, Any]:
    """Arrivals, re-planned series to confirm, and the boosters to book: the desk books them
    (never the plan's scores)."""
    due = services.boosters.due_to_book(staff_session.actor)
    return {
        **_front_desk(services, staff_session, now),
        "series_to_confirm": services.series_to_confirm.series_to_confirm(staff_session.actor),
        "boosters_due": due,
        "relapse_review_rule": RELAPSE_REVIEW_RULE,
        "relapse_review_source": RELAPSE_REVIEW_SOURCE,
    }


def _nurse(services: Services, staff_session: StaffSession, now: datetime) -> dict[str, Any]:
    actor = staff_session.actor
    return {
        **_front_desk(services, staff_session, now),
        "chairs": services.board.snapshot(actor),
        "due": services.due_now.due_now(actor),
        "alarms": services.due_now.open_alarms(actor),
    }


def _prescriber(services: Services, staff_session: StaffSession, now: datetime) -> dict[str, Any]:
    actor = staff_session.actor
    day = now.astimezone(ZoneInfo(staff_session.clinic.timezone)).date()
    due = services.due_now.due_now(actor)
    ahead = services.arrivals.next_day(actor, day)
    return {
        "overdue": services.overdue.worklist(actor),
        "to_sign": services.orders_to_sign.for_day(actor, day),
        "next_day": ahead,
        "next_to_sign": services.orders_to_sign.for_day(actor, ahead) if ahead else [],
        "decisions": services.session_workflow.waiting_decisions(actor),
        "resume_waiting": services.session_workflow.waiting_resume_approvals(actor),
        "names": {d.session.patient_id: d.patient_name for d in due},
        "safety": services.safety.worklist_entries(actor),
        "outcomes": services.outcomes.worklist(actor),
        "due": due,
        "alarms": services.due_now.open_alarms(actor),
    }


def _coach(services: Services, staff_session: StaffSession, now: datetime) -> dict[str, Any]:
    actor = staff_session.actor
    everything = services.caseload.caseload(actor, closed=True)
    sessions = services.caseload.sessions_today(actor, everything)
    caseload = [i for i in everything if i.kind != SESSION_CLOSED]
    return {"caseload": caseload, "coach_sessions": sessions}


def _admin(services: Services, staff_session: StaffSession, now: datetime) -> dict[str, Any]:
    actor = staff_session.actor
    protocols = [p for p in services.protocols.published(actor) if awaiting_signoff(p)]
    unplaced = [device for device, chair in services.gateways.devices(actor) if chair is None]
    return {
        **_auditor(services, staff_session, now),
        "unsigned_protocols": protocols,
        "unplaced_monitors": unplaced,
    }


def _auditor(services: Services, staff_session: StaffSession, now: datetime) -> dict[str, Any]:
    zone = ZoneInfo(staff_session.clinic.timezone)
    start = datetime.combine(now.astimezone(zone).date(), time.min, tzinfo=zone)
    found = services.audit_exceptions.between(staff_session.actor, start, start + timedelta(1))
    return {"exceptions": [(x, refusal_words(x.event)) for x in found]}


_Build = Callable[[Services, StaffSession, datetime], dict[str, Any]]
_ROLE_LISTS: dict[Role, _Build] = {
    Role.FRONT_DESK: _desk,
    Role.NURSE: _nurse,
    Role.PHYSICIAN: _prescriber,
    Role.APP: _prescriber,
    Role.COACH: _coach,
    Role.ADMIN: _admin,
    Role.AUDITOR: _auditor,
}


def _shown(context: dict[str, Any]) -> list[int]:
    """Every patient id the page lists, for the read audit."""
    ids = [a.booking.patient_id for a in context.get("arrivals", ())]
    ids += [c.session.patient_id for c in context.get("chairs", ()) if c.session]
    ids += [d.session.patient_id for d in context.get("due", ())]
    ids += [o.alarm.patient_id for o in context.get("alarms", ())]
    ids += [a.booking.patient_id for a in context.get("next_arrivals", ())]
    ids += [o.booking.patient_id for o in context.get("to_sign", ())]
    ids += [o.booking.patient_id for o in context.get("next_to_sign", ())]
    ids += [d.session.patient_id for d in context.get("decisions", ())]
    ids += [t.patient_id for t, _ in context.get("safety", ())]
    ids += [e.patient.id for e in context.get("outcomes", ())]
    ids += [i.patient.id for i in context.get("caseload", ())]
    ids += [d.patient_id for d in context.get("boosters_due", ())]
    ids += [s.patient_id for s in context.get("series_to_confirm", ())]
    ids += [e.patient.id for e in context.get("overdue", ())]
    return ids


_LAST = datetime.max.replace(tzinfo=UTC)


def _name(value: str | None) -> str:
    return (value or "").casefold()


def in_due_order(context: dict[str, Any]) -> dict[str, Any]:
    """Every worklist of the page by due time, oldest first, ties by patient name (items
    without a time last). Safety tasks keep their urgency first: an emergency is never below a
    routine task opened earlier. Services already sort the date-only lists this way
    (outcome reviews, overdue boosters and checks, boosters to book)."""
    names: dict[int, str] = context.get("names", {})

    def patient(patient_id: int) -> str:
        return _name(names.get(patient_id))

    orders: dict[str, Callable[[Any], tuple[Any, ...]]] = {
        "due": lambda d: (d.at or _LAST, _name(d.patient_name), d.session.id),
        "alarms": lambda o: (o.alarm.raised_at, _name(o.patient_name), o.alarm.id),
        "arrivals": lambda a: (a.booking.start_at, _name(a.patient_name), a.booking.id),
        "next_arrivals": lambda a: (a.booking.start_at, _name(a.patient_name), a.booking.id),
        "late": lambda a: (a.booking.start_at, _name(a.patient_name), a.booking.id),
        "to_sign": lambda o: (o.booking.start_at, _name(o.patient_name), o.booking.id),
        "next_to_sign": lambda o: (o.booking.start_at, _name(o.patient_name), o.booking.id),
        "decisions": lambda d: (
            d.session.checked_in_at or _LAST,
            patient(d.session.patient_id),
            d.session.id,
        ),
        "resume_waiting": lambda w: (
            w[0].phase_started_at or w[0].created_at,
            patient(w[0].patient_id),
            w[0].id,
        ),
        "safety": lambda tp: (
            URGENCY_ORDER[tp[0].urgency],
            tp[0].opened_at,
            _name(tp[1].display_name),
        ),
        "caseload": lambda i: (i.due_at or _LAST, _name(i.patient.display_name), i.course.id),
        "coach_sessions": lambda i: (i.due_at or _LAST, _name(i.patient.display_name)),
    }
    for key, order in orders.items():
        if key in context:
            context[key] = sorted(context[key], key=order)
    return context


@router.get("/today", response_class=HTMLResponse)
def today(request: Request, staff_session: Reader) -> Response:
    """The signed-in role's worklists for the clinic day."""
    return _today_page(request, staff_session)


def _today_page(
    request: Request, staff_session: StaffSession, *, booster_error: ClinicError | None = None
) -> Response:
    services = services_of(request)
    now = services.clock.now()
    role = staff_session.actor.role
    build = _ROLE_LISTS.get(role) if role is not None else None
    context = in_due_order(build(services, staff_session, now)) if build else {}
    audit_seen(request, _shown(context), what="today")
    day = now.astimezone(ZoneInfo(staff_session.clinic.timezone))
    query = request.query_params
    context |= {
        "now": now,
        "day": day,
        "role": role,
        "opened": _digits(query.get("opened", "")),
        "boosters_booked": _digits(query.get("boosters_booked", "")),
        "boosters_for": _digits(query.get("boosters_for", "")),
        "boosters_unplaced": [n for n in query.get("unplaced", "").split(",") if n.isdigit()],
        "booster_error": booster_error,
        "relapse_review_rule": RELAPSE_REVIEW_RULE,
        "relapse_review_source": RELAPSE_REVIEW_SOURCE,
    }
    return render(request, "today.html", context, status=409 if booster_error else 200)


def _digits(raw: str) -> str:
    return raw if raw.isdigit() and len(raw) < 10 else ""


@router.post("/today/boosters/{course_id}", response_class=HTMLResponse)
async def book_boosters(request: Request, course_id: PathId, staff_session: Booker) -> Response:
    """Book the course's next planned booster (``booster_number``), or every remaining one
    (``all``), through the one booster booking path; back to Today with what was proposed."""
    services = services_of(request)
    form = await request.form()
    errors: dict[str, str] = {}
    raw = forms.text(form, "booster_number", errors, 3)
    try:
        if errors or not (raw == "all" or raw.isdigit()):
            raise ValidationFailed({"booster_number": "choose a booster, or all remaining"})
        number = None if raw == "all" else int(raw)
        result = services.boosters.book(staff_session.actor, course_id, number)
    except ClinicError as failed:
        if isinstance(failed, NotFound):
            raise
        return _today_page(request, staff_session, booster_error=failed)
    patient_id = services.schedule.patient_of(staff_session.actor, course_id=course_id)
    unplaced = ",".join(str(n) for n in result.unplaced)
    target = f"/today?boosters_booked={len(result.bookings)}&boosters_for={patient_id}"
    return RedirectResponse(f"{target}&unplaced={unplaced}", status_code=303)
