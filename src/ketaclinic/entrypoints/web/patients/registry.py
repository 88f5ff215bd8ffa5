"""Patient list and search, registration, and the chart."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.errors import NotFound, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.patients.people import (
    Measurement,
    RelatedPersonDetails,
    RelationshipKind,
    age_on,
    inches_to_cm,
    pounds_to_kg,
    validate_related_person,
)
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.navigation import (
    CHART_PANELS,
    DETAILS_SECTION,
    chart_panel,
    chart_section_href,
)
from ketaclinic.entrypoints.web.rendering import mark_web, render, staff_can
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.patients.registry import ALLERGY_SEVERITIES

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.PATIENT_READ))]
Writer = Annotated[StaffSession, Depends(WebUser(Permission.PATIENT_WRITE))]


LISTED = 50  # patients shown per search; more than that asks for a narrower search


@router.get("/patients", response_class=HTMLResponse)
def patient_list(
    request: Request,
    staff_session: Reader,
    q: Annotated[str, Query(max_length=100)] = "",
    dob: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    errors: dict[str, str] = {}
    birth = forms.parse_date(dob, "dob", errors) if dob else None
    found = []
    more = False
    if not errors:
        # One more than is shown, to say plainly when the list is cut short.
        search = PatientSearch(staff_session.actor.clinic_id, q, birth, LISTED + 1)
        found = list(services_of(request).patients.search(staff_session.actor, search))
        more, found = len(found) > LISTED, found[:LISTED]
        audit_seen(request, (p.id for p in found), what="patient_search")
    context = {"patients": found, "more": more, "listed": LISTED, "q": q, "dob": dob}
    context["errors"] = errors
    name = "patients/_results.html" if request.headers.get("hx-request") else "patients/list.html"
    return render(request, name, context)


@router.get("/patients/new", response_class=HTMLResponse)
def new_patient_form(request: Request, staff_session: Writer) -> Response:
    return render(request, "patients/new.html", {"values": {}, "errors": {}})


@router.post("/patients/new")
async def register_patient(request: Request, staff_session: Writer) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    today = services_of(request).clock.now().date()
    errors: dict[str, str] = {}
    details = guardian = None
    try:
        details = forms.patient_details(form, today=today)
    except ValidationFailed as failed:
        errors.update(failed.errors)
    try:
        guardian = forms.guardian_details(form)
        if guardian is not None:
            validate_related_person(guardian)
    except ValidationFailed as failed:
        errors.update(
            {f"guardian_{k.removeprefix('guardian.')}": v for k, v in failed.errors.items()}
        )
    if errors or details is None:
        return render(
            request, "patients/new.html", {"values": values, "errors": errors}, status=422
        )
    guardians = [guardian] if guardian else []
    patient = services_of(request).patients.register(staff_session.actor, details, guardians)
    return RedirectResponse(f"/patients/{patient.id}", status_code=303)


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def chart(
    request: Request,
    patient_id: PathId,
    staff_session: Reader,
    section: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    if section is None:  # the first section the role may read (the desk: its schedule)
        section = next(
            (p.id for p in CHART_PANELS if staff_can(staff_session, p.permission)), DETAILS_SECTION
        )
    panel = chart_panel(section)
    if panel is None and section != DETAILS_SECTION:
        raise NotFound("no such section of the chart")
    if panel is not None and not staff_can(staff_session, panel.permission):
        raise PermissionDenied("this section of the chart is not open to your role")
    record = services_of(request).patients.chart(staff_session.actor, patient_id)
    today = services_of(request).clock.now().date()
    age = age_on(record.patient.details.date_of_birth, today)
    summary = services_of(request).chart_summaries.summary(staff_session.actor, patient_id)
    standing = (
        services_of(request).overdue.course(staff_session.actor, summary.course.id)
        if summary.course is not None and staff_can(staff_session, Permission.CHART_READ)
        else None
    )
    context = {
        "chart": record,
        "summary": summary,
        "standing": standing,
        "age": age,
        "severities": ALLERGY_SEVERITIES,
        "errors": {},
        "section": section,
        "panel": panel,
        "details_section": DETAILS_SECTION,
        "section_href": chart_section_href,
    }
    return render(request, "patients/chart.html", context, banner_for=patient_id)


@router.post("/patients/{patient_id}/measurements")
async def add_measurement(request: Request, patient_id: PathId, staff_session: Writer) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    weight = forms.parse_decimal(forms.text(form, "weight", errors, 12), "weight", errors)
    height = forms.parse_decimal(forms.text(form, "height", errors, 12), "height", errors)
    if weight is not None and form.get("weight_unit") == "lb":
        weight = pounds_to_kg(weight)
    if height is not None and form.get("height_unit") == "in":
        height = inches_to_cm(height)
    if errors:
        raise ValidationFailed(errors)
    measurement = Measurement(
        measured_at=services_of(request).clock.now(),
        weight_kg=weight.quantize(Decimal("0.01")) if weight is not None else None,
        height_cm=height.quantize(Decimal("0.1")) if height is not None else None,
    )
    services_of(request).patients.add_measurement(staff_session.actor, patient_id, measurement)
    return RedirectResponse(
        f"/patients/{patient_id}?section={DETAILS_SECTION}#measurements", status_code=303
    )


@router.post("/patients/{patient_id}/related")
async def add_related(request: Request, patient_id: PathId, staff_session: Writer) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    kind = forms.text(form, "kind", errors, 20)
    if kind not in {k.value for k in RelationshipKind}:
        errors["kind"] = "choose guardian, escort or emergency contact"
    if errors:
        raise ValidationFailed(errors)
    person = RelatedPersonDetails(
        kind=RelationshipKind(kind),
        name=forms.text(form, "name", errors, 100),
        relationship=forms.text(form, "relationship", errors, 100),
        phone=forms.text(form, "phone", errors, 24),
        legal_authority=form.get("legal_authority") == "on",
    )
    services_of(request).patients.add_related(staff_session.actor, patient_id, person)
    return RedirectResponse(
        f"/patients/{patient_id}?section={DETAILS_SECTION}#related", status_code=303
    )


@router.post("/patients/{patient_id}/allergies")
async def add_allergy(request: Request, patient_id: PathId, staff_session: Writer) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    substance = forms.text(form, "substance", errors, 120)
    reaction = forms.text(form, "reaction", errors, 200)
    severity = forms.text(form, "severity", errors, 20)
    if errors:
        raise ValidationFailed(errors)
    services_of(request).patients.add_allergy(
        staff_session.actor, patient_id, substance, reaction, severity
    )
    return RedirectResponse(
        f"/patients/{patient_id}?section={DETAILS_SECTION}#allergies", status_code=303
    )
