"""The evaluation workspace, the eligibility findings and the sign-off dialog, and a chart panel.

Thin: parse the form, call one service, render. The evaluation form is turned into the
documented evaluation JSON and checked by the same parser as the API and the CLI, so every
error is shown next to its input and nothing is stored partially.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.adapters.evaluation_json import parse_evaluation
from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.evaluation.eligibility import SignOffRefused
from ketaclinic.domain.evaluation.intake import CodeSystem, Status, TreatmentKind
from ketaclinic.domain.evaluation.intake import Response as TreatmentResponse
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.evaluation.form import evaluation_data, form_errors, form_values
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.evaluation.eligibility import EligibilityView, OverrideRequest, SignRequest
from ketaclinic.services.evaluation.evaluations import Workspace
from ketaclinic.services.identity.staff_sessions import StaffSession

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.CHART_READ))]
Writer = Annotated[StaffSession, Depends(WebUser(Permission.EVALUATION_WRITE))]
Signer = Annotated[StaffSession, Depends(WebUser(Permission.ELIGIBILITY_SIGN))]

MEDICAL_ITEMS = (
    ("cardiovascular", "Cardiovascular disease"),
    ("cerebrovascular", "Cerebrovascular disease"),
    ("aneurysm", "Aneurysmal vascular disease or AVM"),
    ("intracerebral_hemorrhage", "Intracerebral haemorrhage"),
    ("hypertension", "Hypertension"),
    ("hepatic", "Hepatic impairment"),
    ("urinary", "Urinary symptoms"),
    ("seizures", "Seizures"),
    ("sleep_apnea", "Sleep apnoea"),
    ("raised_intracranial_pressure", "Raised intracranial pressure"),
    ("raised_intraocular_pressure", "Raised intraocular pressure"),
    ("hyperthyroidism", "Hyperthyroidism"),
    ("cognitive_impairment", "Cognitive impairment"),
)
ROWS = {"diagnoses": 3, "substance_use": 2, "blood_pressures": 2, "allergies": 2}
ROWS |= {"medications": 6, "prior_treatments": 4}


#: Option codes whose words are not just the code with spaces and a capital.
_OPTION_WORDS = {"ect": "ECT", "tms": "TMS", "none": "No response"}


def _option_words(code: str) -> str:
    """An option code as its label: ``not_tolerated`` -> ``Not tolerated``, ``ect`` -> ``ECT``."""
    words = code.replace("_", " ")
    return _OPTION_WORDS.get(code, words[:1].upper() + words[1:])


def _choices() -> dict[str, Any]:
    return {
        "statuses": [(s.value, _option_words(s.value)) for s in Status],
        "code_systems": [(s.value, s.name.replace("_", " ")) for s in CodeSystem],
        "treatment_kinds": [(k.value, _option_words(k.value)) for k in TreatmentKind],
        "responses": [(r.value, _option_words(r.value)) for r in TreatmentResponse],
        "medical_items": MEDICAL_ITEMS,
        "rows": ROWS,
    }


def _workspace_page(
    request: Request,
    staff_session: StaffSession,
    space: Workspace,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    tz = staff_session.clinic.timezone
    if values is None:
        values = form_values(space.current.evaluation, tz) if space.current else {}
    context = {"space": space, "values": values, "errors": errors or {}, **_choices()}
    status = 422 if errors else 200
    patient_id = space.context.patient.id
    return render(
        request, "evaluation/workspace.html", context, status=status, banner_for=patient_id
    )


@router.get("/courses/{course_id}/evaluation", response_class=HTMLResponse)
def workspace(request: Request, course_id: PathId, staff_session: Reader) -> Response:
    space = services_of(request).evaluations.workspace(staff_session.actor, course_id)
    return _workspace_page(request, staff_session, space)


@router.post("/courses/{course_id}/evaluation")
async def record_evaluation(request: Request, course_id: PathId, staff_session: Writer) -> Response:
    form = await request.form()
    services = services_of(request)
    space = services.evaluations.workspace(staff_session.actor, course_id)
    ctx = space.context
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    data, errors, moved = evaluation_data(
        values,
        age_years=ctx.age_years,
        sex_at_birth=ctx.patient.details.sex_at_birth.value,
        tz=staff_session.clinic.timezone,
    )
    errors.update(_answered_times(data, space))
    try:
        evaluation = parse_evaluation(data)
        if errors:
            raise ValidationFailed(errors)
        services.evaluations.record(staff_session.actor, course_id, evaluation)
    except ValidationFailed as failed:
        shown = {**form_errors(failed.errors, moved), **errors}
        return _workspace_page(request, staff_session, space, values, shown)
    return RedirectResponse(f"/courses/{course_id}/eligibility", status_code=303)


def _answered_times(data: dict[str, Any], space: Workspace) -> dict[str, str]:
    """Each chosen recorded questionnaire's time (the service reads the answers themselves);
    an error for a choice that is not one of the patient's recorded responses."""
    recorded = {r.id: r for rs in space.questionnaires.values() for r in rs}
    errors = {}
    for index, entry in enumerate(data.get("baseline_instruments", [])):
        if not isinstance(entry, dict) or "response_id" not in entry:
            continue
        response = recorded.get(entry["response_id"])
        if response is None:
            errors[f"baseline_instruments[{index}].response_id"] = "not a recorded response"
            entry["at"] = space.context.course.opened_at.isoformat()
        else:
            entry.setdefault("at", response.answered_at.isoformat())
    return errors


@router.get("/courses/{course_id}/eligibility", response_class=HTMLResponse)
def eligibility(request: Request, course_id: PathId, staff_session: Reader) -> Response:
    view = services_of(request).eligibility.view(staff_session.actor, course_id)
    context = {"view": view, "refused": None}
    patient_id = view.context.patient.id
    return render(request, "evaluation/eligibility.html", context, banner_for=patient_id)


@router.post("/courses/{course_id}/eligibility")
async def sign_eligibility(request: Request, course_id: PathId, staff_session: Signer) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    version = forms.text(form, "evaluation_version", errors, 12)
    if not version.isdigit():
        raise ValidationFailed({"evaluation_version": "reload the findings before signing"})
    overrides = []
    acknowledged = []
    for key, value in form.items():
        if key.startswith("override.") and isinstance(value, str) and value.strip():
            overrides.append(OverrideRequest(key.removeprefix("override."), value[:2000]))
        elif key.startswith("ack.") and value == "on":
            acknowledged.append(key.removeprefix("ack."))
    request_ = SignRequest(int(version), tuple(overrides), tuple(acknowledged))
    services = services_of(request)
    try:
        services.eligibility.sign(staff_session.actor, course_id, request_)
    except SignOffRefused as refused:
        view = services.eligibility.view(staff_session.actor, course_id)
        context = {"view": view, "refused": refused, "form": form}
        patient_id = view.context.patient.id
        return render(
            request, "evaluation/eligibility.html", context, status=409, banner_for=patient_id
        )
    return RedirectResponse(f"/courses/{course_id}/eligibility", status_code=303)


@router.get("/patients/{patient_id}/panels/evaluation", response_class=HTMLResponse)
def evaluation_panel(request: Request, patient_id: PathId, staff_session: Reader) -> Response:
    services = services_of(request)
    rows: list[tuple[Course, EligibilityView | None]] = []
    for course in services.courses.for_patient(staff_session.actor, patient_id):
        try:
            rows.append((course, services.eligibility.view(staff_session.actor, course.id)))
        except ClinicError:  # a course whose protocol cannot be loaded is shown without findings
            rows.append((course, None))
    return render(request, "evaluation/_panel.html", {"rows": rows, "patient_id": patient_id})
