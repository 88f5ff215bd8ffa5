"""Schedule pages: day and week views by chair and by nurse, reminders due, a chair out of
service with the patients to call; the chart's series panel (book in one action, confirm, move
or drop a session); ``.ics`` calendars per patient and per staff member."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ketaclinic.adapters.ical import patient_calendar, staff_calendar
from ketaclinic.domain.errors import ClinicError, Conflict, NotFound, ValidationFailed
from ketaclinic.domain.identity.access import PRESCRIBER_ROLES, Permission
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.audit.read_audit import EXPORT
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.services.outcomes.booster_booking import NO_PLAN_YET
from ketaclinic.services.scheduling.calendar import calendar_view
from ketaclinic.services.scheduling.dropping import open_visit_words
from ketaclinic.services.scheduling.inputs import DropReason, DropRequest, MoveRequest
from ketaclinic.services.scheduling.offers import may_book_induction

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.SCHEDULE_READ))]
Writer = Annotated[StaffSession, Depends(WebUser(Permission.SCHEDULE_WRITE))]
ICS = "text/calendar; charset=utf-8"


def _today(request: Request, staff_session: StaffSession) -> date:
    return (
        services_of(request).clock.now().astimezone(ZoneInfo(staff_session.clinic.timezone)).date()
    )


def _day(request: Request, staff_session: StaffSession, raw: str) -> date:
    if not raw:
        return _today(request, staff_session)
    errors: dict[str, str] = {}
    day = forms.parse_date(raw, "day", errors)
    if day is None:
        raise ValidationFailed(errors)
    return day


@router.get("/schedule", response_class=HTMLResponse)
def day_view(
    request: Request,
    staff_session: Reader,
    day: str = "",
    by: str = "chair",
    opened: str = "",
    dropped: str = "",
    replan: str = "",
) -> Response:
    """One local day by chair (default) or by nurse: the nurse's view of today's chairs, with
    check-in, cancel and no-show on today's appointments."""
    services = services_of(request)
    first = _day(request, staff_session, day)
    board = services.calendar.board(staff_session.actor, first, 1)
    audit_seen(request, (b.patient_id for b in board.bookings), what="schedule_day")
    arrivals = services.arrivals.arrivals(staff_session.actor, first)
    context = {
        "board": board,
        "by": "staff" if by == "staff" else "chair",
        "day": first,
        "prev": first - timedelta(days=1),
        "next": first + timedelta(days=1),
        "sessions": {a.booking.id: a.session for a in arrivals if a.session},
        "is_today": first == _today(request, staff_session),
        "opened": opened if opened.isdigit() else "",
        "dropped": dropped if dropped.isdigit() else "",
        "replan": replan if replan in ("replanned", "window_missed", "not_needed") else "",
    }
    return render(request, "scheduling/day.html", context)


@router.get("/schedule/week", response_class=HTMLResponse)
def week_view(
    request: Request, staff_session: Reader, start: str = "", by: str = "chair"
) -> Response:
    first = _day(request, staff_session, start)
    first -= timedelta(days=first.weekday())
    board = services_of(request).calendar.board(staff_session.actor, first, 7)
    audit_seen(request, (b.patient_id for b in board.bookings), what="schedule_week")
    context = {
        "board": board,
        "by": "staff" if by == "staff" else "chair",
        "day": first,
        "prev": first - timedelta(days=7),
        "next": first + timedelta(days=7),
    }
    return render(request, "scheduling/week.html", context)


@router.get("/schedule/reminders", response_class=HTMLResponse)
def reminders(request: Request, staff_session: Reader) -> Response:
    """Confirmed appointments in the next 48 hours: who to remind."""
    services = services_of(request)
    due = services.schedule.reminders_due(staff_session.actor)
    now = services.clock.now()
    board = services.calendar.board(staff_session.actor, _today(request, staff_session), 3)
    shown = [b.patient_id for b in board.bookings] + [b.patient_id for b in due]
    audit_seen(request, shown, what="schedule_reminders")
    return render(request, "scheduling/reminders.html", {"due": due, "board": board, "now": now})


@router.post("/schedule/chairs/out-of-service", response_class=HTMLResponse)
async def chair_out(request: Request, staff_session: Writer) -> Response:
    """Take a chair out of service over local days and list the patients to call."""
    form = await request.form()
    errors: dict[str, str] = {}
    chair = forms.text(form, "chair_id", errors, 12)
    first = forms.parse_date(forms.text(form, "from_day", errors, 10), "from_day", errors)
    last = forms.parse_date(forms.text(form, "to_day", errors, 10), "to_day", errors)
    reason = forms.text(form, "reason", errors, 500)
    if not chair.isdigit():
        errors["chair_id"] = "choose a chair"
    if not reason:
        errors["reason"] = "say why the chair is out of service"
    if errors or first is None or last is None:
        raise ValidationFailed(errors or {"from_day": "choose the days"})
    zone = ZoneInfo(staff_session.clinic.timezone)
    start = datetime.combine(first, time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
    services = services_of(request)
    outcome = services.replans.chair_out_of_service(
        staff_session.actor, int(chair), start_at=start, end_at=end, reason=reason
    )
    board = services.calendar.board(staff_session.actor, _today(request, staff_session), 1)
    context = {"outcome": outcome, "board": board, "patients": outcome.patients}
    return render(request, "scheduling/replan.html", context)


@router.post("/schedule/staff/unavailable", response_class=HTMLResponse)
async def staff_off(request: Request, staff_session: Writer) -> Response:
    """A nurse or prescriber off over local days: re-plan and list the patients to call."""
    form = await request.form()
    errors: dict[str, str] = {}
    staff = forms.text(form, "staff_id", errors, 12)
    first = forms.parse_date(forms.text(form, "from_day", errors, 10), "from_day", errors)
    last = forms.parse_date(forms.text(form, "to_day", errors, 10), "to_day", errors)
    reason = forms.text(form, "reason", errors, 500)
    if not staff.isdigit():
        errors["staff_id"] = "choose a staff member"
    if not reason:
        errors["reason"] = "say why"
    if errors or first is None or last is None:
        raise ValidationFailed(errors or {"from_day": "choose the days"})
    zone = ZoneInfo(staff_session.clinic.timezone)
    services = services_of(request)
    outcome = services.replans.staff_unavailable(
        staff_session.actor,
        int(staff),
        reason=reason,
        start_at=datetime.combine(first, time(), tzinfo=zone),
        end_at=datetime.combine(last + timedelta(days=1), time(), tzinfo=zone),
    )
    board = services.calendar.board(staff_session.actor, _today(request, staff_session), 1)
    context = {"outcome": outcome, "board": board, "patients": outcome.patients}
    return render(request, "scheduling/replan.html", context)


def _panel(
    request: Request, staff_session: StaffSession, patient_id: int, **extra: Any
) -> HTMLResponse:
    services = services_of(request)
    bookings = services.schedule.series_of_patient(staff_session.actor, patient_id)
    courses = services.courses.for_patient(staff_session.actor, patient_id)
    directory = services.calendar.directory(staff_session.actor)
    plans = {c.id: services.boosters.to_book(staff_session.actor, c.id) for c in courses}
    visits = services.schedule.visits(staff_session.actor, patient_id)
    context = {
        "open_visits": {
            a: open_visit_words(state)
            for a, state in visits.items()
            if state is not SessionState.DISCHARGED
        },
        "attended": {a for a, state in visits.items() if state is SessionState.DISCHARGED},
        "patient_id": patient_id,
        "induction_allowed": {c.id: may_book_induction(c) for c in courses},
        "opens_visits": staff_session.actor.role in PRESCRIBER_ROLES,
        "booster_plans": plans,
        "no_plan_yet": NO_PLAN_YET,
        "bookings": bookings,
        "courses": courses,
        "kat_courses": services.schedule.kat_courses_of_patient(staff_session.actor, patient_id),
        "directory": directory,
        "move_error": None,
        "error": None,
        "proposal": None,
        "replan": None,
        "moved": None,
        "confirmed": None,
        **extra,
    }
    return render(request, "scheduling/_panel.html", context)


@router.get("/patients/{patient_id}/panels/schedule", response_class=HTMLResponse)
def series_panel(request: Request, patient_id: PathId, staff_session: Reader) -> Response:
    return _panel(request, staff_session, patient_id)


@router.post("/courses/{course_id}/series", response_class=HTMLResponse)
def book_series(request: Request, course_id: PathId, staff_session: Writer) -> Response:
    """Book the whole induction series in one action (proposed until confirmed)."""
    services = services_of(request)
    patient_id = services.schedule.patient_of(staff_session.actor, course_id=course_id)
    try:
        proposal = services.schedule.book_series(staff_session.actor, course_id)
    except ClinicError as failed:
        return _panel(request, staff_session, patient_id, error=failed)
    return _panel(request, staff_session, patient_id, proposal=proposal)


@router.post("/courses/{course_id}/boosters", response_class=HTMLResponse)
async def book_booster(request: Request, course_id: PathId, staff_session: Writer) -> Response:
    """Book booster N of the prescriber's stored booster plan (the one booster booking path;
    refused until a plan is stored), proposed until confirmed."""
    services = services_of(request)
    patient_id = services.schedule.patient_of(staff_session.actor, course_id=course_id)
    form = await request.form()
    errors: dict[str, str] = {}
    number = forms.text(form, "booster_number", errors, 3)
    try:
        if not number.isdigit():
            raise ValidationFailed({"booster_number": "boosters are numbered from 1"})
        result = services.boosters.book(staff_session.actor, course_id, int(number))
    except ClinicError as failed:
        return _panel(request, staff_session, patient_id, error=failed)
    if result.unplaced:
        unplaced = Conflict(
            f"booster {number} could not be placed in its window: "
            "the prescriber can move it in the booster plan"
        )
        return _panel(request, staff_session, patient_id, error=unplaced)
    return _panel(request, staff_session, patient_id)


@router.post("/courses/{course_id}/series/confirm", response_class=HTMLResponse)
def confirm_series(request: Request, course_id: PathId, staff_session: Writer) -> Response:
    services = services_of(request)
    patient_id = services.schedule.patient_of(staff_session.actor, course_id=course_id)
    try:
        done = services.schedule.confirm_series(staff_session.actor, course_id)
    except ClinicError as failed:
        return _panel(request, staff_session, patient_id, error=failed)
    names = services.patients.labels(staff_session.actor, [patient_id])
    confirmed = {"count": len(done), "patient": names.get(patient_id, "")}
    return _panel(request, staff_session, patient_id, confirmed=confirmed)


@router.post("/appointments/{appointment_id}/move", response_class=HTMLResponse)
async def move(request: Request, appointment_id: PathId, staff_session: Writer) -> Response:
    """Move one session by hand; refused moves show every broken rule next to the form."""
    services = services_of(request)
    patient_id = services.schedule.patient_of(staff_session.actor, appointment_id=appointment_id)
    form = await request.form()
    try:
        move_request = _move_request(form, ZoneInfo(staff_session.clinic.timezone))
    except ValidationFailed as failed:
        return _panel(request, staff_session, patient_id, error=failed, move_id=appointment_id)
    try:
        outcome = services.schedule.move(staff_session.actor, appointment_id, move_request)
    except ClinicError as failed:  # e.g. the visit is open: the refusal shows in the panel
        return _panel(request, staff_session, patient_id, error=failed, move_id=appointment_id)
    return _panel(request, staff_session, patient_id, moved=outcome, move_id=appointment_id)


def _move_request(form: Mapping[str, object], zone: ZoneInfo) -> MoveRequest:
    """The move form as the one :class:`MoveRequest`: the clinic-local day and time make
    ``start_at``; every field error at once, the form's own (day, time) and the model's."""
    errors: dict[str, str] = {}
    day = forms.parse_date(forms.text(form, "day", errors, 10), "day", errors)
    at = _clock_time(forms.text(form, "time", errors, 5), errors)
    chair = forms.text(form, "chair_id", errors, 12)
    if chair and not chair.isdigit():
        errors["chair_id"] = "choose a chair"
    reason = forms.text(form, "reason", errors, forms.WIRE_TEXT_CHARS)
    start = datetime.combine(day or date(2000, 1, 1), at or time(), tzinfo=zone)  # if unparsed
    return forms.build(
        lambda: MoveRequest(
            start_at=start,
            reason=reason,
            chair_id=int(chair) if chair and "chair_id" not in errors else None,
        ),
        errors,
    )


def _clock_time(raw: str, errors: dict[str, str]) -> time | None:
    try:
        return time.fromisoformat(raw)
    except ValueError:
        errors["time"] = "must be a time (HH:MM)"
        return None


@router.post("/appointments/{appointment_id}/drop", response_class=HTMLResponse)
async def drop(request: Request, appointment_id: PathId, staff_session: Writer) -> Response:
    """Cancel, mark missed or postpone a session; the rest of the series is re-planned."""
    services = services_of(request)
    patient_id = services.schedule.patient_of(staff_session.actor, appointment_id=appointment_id)
    form = await request.form()
    errors: dict[str, str] = {}
    why = forms.text(form, "why", errors, 20)
    reason = forms.text(form, "reason", errors, forms.WIRE_TEXT_CHARS)
    if why not in {d.value for d in DropReason}:
        errors["why"] = "choose cancelled, missed or postponed"
    try:
        drop_request = forms.build(
            lambda: DropRequest(
                DropReason(why) if "why" not in errors else DropReason.CANCELLED, reason
            ),
            errors,
        )
    except ValidationFailed as failed:
        return _panel(request, staff_session, patient_id, error=failed)
    try:
        replan = services.replans.drop(staff_session.actor, appointment_id, drop_request)
    except Conflict as refused:  # shown in the panel the desk is looking at, nothing changed
        return _panel(request, staff_session, patient_id, error=refused)
    return _panel(request, staff_session, patient_id, replan=replan)


@router.get("/patients/{patient_id}/calendar.ics")
def patient_ics(request: Request, patient_id: PathId, staff_session: Reader) -> Response:
    services = services_of(request)
    bookings = services.schedule.series_of_patient(staff_session.actor, patient_id)
    grid, appointments = calendar_view(bookings)
    text = patient_calendar(
        appointments,
        grid,
        patient_id=str(patient_id),
        now=services.clock.now(),
        timezone=staff_session.clinic.timezone,
    )
    disposition = f'attachment; filename="appointments-{patient_id}.ics"'
    return Response(text, media_type=ICS, headers={"content-disposition": disposition})


@router.get("/schedule/staff/{staff_id}/calendar.ics")
def staff_ics(request: Request, staff_id: PathId, staff_session: Reader) -> Response:
    services = services_of(request)
    names = services.calendar.directory(staff_session.actor).staff
    if staff_id not in names:
        raise NotFound("no such staff member in this clinic", field="staff_id")
    board = services.calendar.board(staff_session.actor, _today(request, staff_session), 31)
    own = [b for b in board.bookings if b.nurse_id == staff_id]
    audit_seen(request, (b.patient_id for b in own), action=EXPORT, what="staff_calendar")
    grid, appointments = calendar_view(own)
    text = staff_calendar(
        appointments,
        grid,
        staff_id=str(staff_id),
        now=services.clock.now(),
        staff_name=names[staff_id],
        timezone=staff_session.clinic.timezone,
    )
    disposition = f'attachment; filename="sessions-{staff_id}.ics"'
    return Response(text, media_type=ICS, headers={"content-disposition": disposition})
