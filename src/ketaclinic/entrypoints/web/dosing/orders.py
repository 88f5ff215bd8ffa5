"""Dosing in the staff UI: the chart's Dosing panel (check-ins, orders), the order screen and
the nurse's bedside verification screen."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.dosing.checkin import SideEffect
from ketaclinic.domain.dosing.plan import DosePlan
from ketaclinic.domain.dosing.weight import Sex
from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.identity.access import Permission, is_allowed
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.entrypoints.guards import REAUTH_FIELD, WebUser, confirm_web_signer
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.entrypoints.web.signoff_words import version_default_words
from ketaclinic.services.dosing.checkins import entry_from_fields
from ketaclinic.services.dosing.inputs import BedsideEntry, OrderDraft
from ketaclinic.services.dosing.orders import VerificationOutcome
from ketaclinic.services.identity.staff_sessions import StaffSession

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.CHART_READ))]
Recorder = Annotated[StaffSession, Depends(WebUser(Permission.ASSESSMENT_RECORD))]
Prescriber = Annotated[StaffSession, Depends(WebUser(Permission.ORDER_WRITE))]
Verifier = Annotated[StaffSession, Depends(WebUser(Permission.ORDER_VERIFY))]
_CHECKIN_FIELDS = (
    "anxiety_0_10",
    "sleep_hours_last_night",
    "started",
    "stopped",
    "dose_changed",
)
_ORDER_FIELDS = ("route", "mg_per_kg", "fixed_mg", "vial_mg_per_ml", "final_volume_ml", "sex")
_BEDSIDE_FIELDS = ("mrn", "drug", "route", "concentration_mg_per_ml", "dose_mg", "rate_ml_per_h")


def _fields(
    form: Mapping[str, Any], names: tuple[str, ...], errors: dict[str, str]
) -> dict[str, str]:
    return {name: forms.text(form, name, errors, 200) for name in names}


def _decimals(
    values: Mapping[str, str], names: tuple[str, ...], errors: dict[str, str]
) -> dict[str, Decimal | None]:
    return {name: forms.parse_decimal(values.get(name, ""), name, errors) for name in names}


def _route(raw: str, errors: dict[str, str]) -> Route | None:
    if raw in {r.value for r in Route}:
        return Route(raw)
    if raw:
        errors["route"] = "choose a route"
    return None


# -- the chart panel and check-ins -----------------------------------------------------------
def _panel(
    request: Request,
    staff_session: StaffSession,
    patient_id: int,
    *,
    errors: Mapping[str, str] | None = None,
    error: ClinicError | None = None,
    recorded: Any = None,
) -> Response:
    services = services_of(request)
    courses = services.courses.for_patient(staff_session.actor, patient_id)
    orders = services.orders.for_patient(staff_session.actor, patient_id)
    rows = [
        {
            "course": c,
            "checkin": services.checkins.latest(staff_session.actor, c.id),
            "orders": [o for o in orders if o.course_id == c.id],
        }
        for c in courses
    ]
    actor = staff_session.actor
    may_read = actor.role is not None and is_allowed(actor.role, Permission.SCHEDULE_READ)
    context = {
        "rows": rows,
        "kat_courses": services.schedule.kat_courses_of_patient(actor, patient_id)
        if may_read
        else frozenset(),
        "patient_id": patient_id,
        "errors": errors or {},
        "error": error,
        "recorded": recorded,
        "side_effects": list(SideEffect),
    }
    return render(request, "dosing/_panel.html", context)


@router.get("/patients/{patient_id}/panels/dosing", response_class=HTMLResponse)
def dosing_panel(request: Request, patient_id: PathId, staff_session: Reader) -> Response:
    return _panel(request, staff_session, patient_id)


@router.post("/courses/{course_id}/checkins")
async def record_checkin(request: Request, course_id: PathId, staff_session: Recorder) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    fields = _fields(form, _CHECKIN_FIELDS, errors)
    fields["anxiety_spike"] = "on" if form.get("anxiety_spike") == "on" else ""
    fields["illness"] = "on" if form.get("illness") == "on" else ""
    effects = [e for e in form.getlist("side_effects") if isinstance(e, str)]
    services = services_of(request)
    course = services.courses.view(staff_session.actor, course_id).course
    try:
        if errors:
            raise ValidationFailed(errors)
        view = services.checkins.record(
            staff_session.actor, course_id, entry_from_fields(fields, effects)
        )
    except ValidationFailed as failed:
        return _panel(request, staff_session, course.patient_id, errors=failed.errors)
    except ClinicError as failed:
        return _panel(request, staff_session, course.patient_id, error=failed)
    if not request.headers.get("hx-request"):
        return RedirectResponse(f"/patients/{course.patient_id}?section=dosing", status_code=303)
    return _panel(request, staff_session, course.patient_id, recorded=view)


# -- the order screen ------------------------------------------------------------------------
def _order_page(
    request: Request,
    staff_session: StaffSession,
    course_id: int,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    error: ClinicError | None = None,
    plan: DosePlan | None = None,
    route: Route | None = None,
    sex: Sex | None = None,
) -> Response:
    orders = services_of(request).orders
    try:
        screen = orders.screen(staff_session.actor, course_id, route=route, sex=sex)
    except ValidationFailed as refused:  # a route the protocol does not dose: its own form
        if route is None or "route" not in refused.errors:
            raise
        errors = {**(errors or {}), "route": refused.errors["route"]}
        values = {k: v for k, v in (values or {}).items() if k != "route"} or None
        screen = orders.screen(staff_session.actor, course_id, sex=sex)
    context = {
        "screen": screen,
        "flagged_words": _flagged_words(request, staff_session, screen.course.protocol_version_id),
        "values": values if values is not None else _defaults(screen),
        "errors": errors or {},
        "error": error,
        "plan": plan,
        "sexes": list(Sex),
    }
    status = 200 if error is None and not errors else 422
    patient_id = screen.patient.id
    return render(request, "dosing/new.html", context, status=status, banner_for=patient_id)


def _defaults(screen: Any) -> dict[str, Any]:
    rec = screen.recommendation
    proposed = rec.proposed if rec else None
    values: dict[str, Any] = {"route": screen.route.route.value, "premedications": []}
    if proposed is not None:
        if proposed.requested_mg_per_kg is not None:
            values["mg_per_kg"] = str(proposed.requested_mg_per_kg)
        else:
            values["fixed_mg"] = str(proposed.requested_mg)
    return values


@router.get("/courses/{course_id}/orders/new", response_class=HTMLResponse)
def new_order(request: Request, course_id: PathId, staff_session: Prescriber) -> Response:
    errors: dict[str, str] = {}
    route = _route(request.query_params.get("route", ""), errors)
    if errors:
        raise ValidationFailed(errors)
    return _order_page(request, staff_session, course_id, route=route)


@router.post("/courses/{course_id}/orders")
async def sign_order(request: Request, course_id: PathId, staff_session: Prescriber) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    values: dict[str, Any] = _fields(form, _ORDER_FIELDS, errors)
    values["override_reason"] = forms.text(form, "override_reason", errors, forms.WIRE_TEXT_CHARS)
    values["chosen_weight_kg"] = forms.text(form, "chosen_weight_kg", errors, 20)
    values["chosen_weight_reason"] = forms.text(
        form, "chosen_weight_reason", errors, forms.WIRE_TEXT_CHARS
    )
    chosen_kg = forms.parse_decimal(values["chosen_weight_kg"], "chosen_weight_kg", errors)
    values["premedications"] = [p for p in form.getlist("premedications") if isinstance(p, str)]
    numbers = _decimals(values, _ORDER_FIELDS[1:5], errors)
    route = _route(values["route"], errors)
    sex = Sex(values["sex"]) if values["sex"] in {s.value for s in Sex} else None
    if route is None:
        errors.setdefault("route", "choose a route")
    try:
        draft = forms.build(
            lambda: OrderDraft(
                route=route or Route.IV,  # a placeholder only; the route error is raised
                mg_per_kg=numbers["mg_per_kg"],
                fixed_mg=numbers["fixed_mg"],
                vial_mg_per_ml=numbers["vial_mg_per_ml"],
                final_volume_ml=numbers["final_volume_ml"],
                premedications=tuple(values["premedications"]),
                override_reason=values["override_reason"],
                sex=sex,
                chosen_weight_kg=chosen_kg,
                chosen_weight_reason=values["chosen_weight_reason"],
            ),
            errors,
        )
    except ValidationFailed as failed:
        return _order_page(request, staff_session, course_id, values=values, errors=failed.errors)
    orders = services_of(request).orders
    try:
        if form.get("action") == "preview":
            plan = orders.preview(staff_session.actor, course_id, draft)
            return _order_page(
                request, staff_session, course_id, values=values, plan=plan, route=route
            )
        confirm_web_signer(request, staff_session, form.get(REAUTH_FIELD))
        order = orders.sign(staff_session.actor, course_id, draft)
    except ValidationFailed as failed:
        return _order_page(
            request,
            staff_session,
            course_id,
            values=values,
            errors=failed.errors,
            route=route,
            sex=sex,
        )
    except ClinicError as failed:
        return _order_page(
            request, staff_session, course_id, values=values, error=failed, route=route, sex=sex
        )
    return RedirectResponse(f"/orders/{order.id}", status_code=303)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def show_order(request: Request, order_id: PathId, staff_session: Reader) -> Response:
    order, attempts = services_of(request).orders.get(staff_session.actor, order_id)
    context = {
        "order": order,
        "attempts": attempts,
        "flagged_words": _flagged_words(request, staff_session, order.protocol_version_id),
    }
    return render(request, "dosing/show.html", context, banner_for=order.patient_id)


def _flagged_words(request: Request, staff_session: StaffSession, version_id: int) -> str:
    """How the order's flagged protocol defaults read, from the version's sign-off."""
    tz = staff_session.clinic.timezone
    return version_default_words(services_of(request), staff_session.actor, version_id, tz)


# -- the nurse's bedside verification --------------------------------------------------------
def _verify_page(
    request: Request,
    staff_session: StaffSession,
    order_id: int,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    error: ClinicError | None = None,
    outcome: VerificationOutcome | None = None,
    back_session: int | None = None,
) -> Response:
    order, attempts = services_of(request).orders.get(staff_session.actor, order_id)
    context = {
        "back_session": back_session,
        "order": order,
        "attempts": attempts,
        "flagged_words": _flagged_words(request, staff_session, order.protocol_version_id),
        "values": values or {},  # an independent check: nothing read off the order
        "errors": errors or {},
        "error": error,
        "outcome": outcome,
        "routes": list(Route),
    }
    blocked = error is not None or bool(errors) or (outcome is not None and not outcome.verified)
    return render(request, "dosing/verify.html", context, status=422 if blocked else 200)


@router.get("/orders/{order_id}/verify", response_class=HTMLResponse)
def verify_form(
    request: Request, order_id: PathId, staff_session: Verifier, session: int | None = None
) -> Response:
    """The bedside check; ``session``: the session page the nurse came from (a way back)."""
    return _verify_page(request, staff_session, order_id, back_session=session)


@router.post("/orders/{order_id}/verify")
async def verify_order(request: Request, order_id: PathId, staff_session: Verifier) -> Response:
    form = await request.form()
    back = str(form.get("back_session") or "")
    page = partial(_verify_page, back_session=int(back) if back.isdecimal() else None)
    errors: dict[str, str] = {}
    values = _fields(form, _BEDSIDE_FIELDS, errors)
    numbers = _decimals(values, _BEDSIDE_FIELDS[3:], errors)
    route = _route(values["route"], errors)
    order, _attempts = services_of(request).orders.get(staff_session.actor, order_id)
    needed = ["dose_mg"]
    if order.content.final_concentration_mg_per_ml is not None:
        needed.append("concentration_mg_per_ml")
    for name in needed:
        if not values[name]:
            errors.setdefault(name, "enter what is in hand")
    if route is None:
        errors.setdefault("route", "choose a route")
    try:  # placeholders stand in for what the form could not parse; its errors come first
        entry = forms.build(
            lambda: BedsideEntry(
                values["mrn"],
                values["drug"],
                route or order.content.route,
                numbers["concentration_mg_per_ml"],
                numbers["dose_mg"] or order.content.dose_mg,
                numbers["rate_ml_per_h"],
            ),
            errors,
        )
    except ValidationFailed as failed:
        return page(request, staff_session, order_id, values=values, errors=failed.errors)
    try:
        outcome = services_of(request).orders.verify(staff_session.actor, order_id, entry)
    except ClinicError as failed:
        return page(request, staff_session, order_id, values=values, error=failed)
    return page(request, staff_session, order_id, values=values, outcome=outcome)
