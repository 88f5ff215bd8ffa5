"""Instruments on the chart: record a response (form built from the instrument definition),
hand over a self-report link, and see each instrument's trajectory as an SVG chart and a table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from ketaclinic.adapters.charts import Threshold
from ketaclinic.adapters.trajectory_charts import render_trajectory_svg
from ketaclinic.domain.assessments.instruments import INSTRUMENTS, Instrument, get_instrument
from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.assessments.links import CreatedLink
from ketaclinic.services.assessments.responses import Trajectory
from ketaclinic.services.identity.staff_sessions import StaffSession

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.CHART_READ))]
Recorder = Annotated[StaffSession, Depends(WebUser(Permission.ASSESSMENT_RECORD))]


def parse_answers(form: Mapping[str, Any], instrument: Instrument) -> dict[str, int]:
    """Radio groups ``item-<id>`` as item id -> ordinal; unanswered items are left out.

    A value that is not one of the item's options is reported against that item.
    """
    answers: dict[str, int] = {}
    errors: dict[str, str] = {}
    for item in instrument.items:
        raw = form.get(f"item-{item.id}", "")
        if raw in ("", None):
            continue
        if not isinstance(raw, str) or not raw.strip().lstrip("-").isdigit():
            errors[f"answers.{item.id}"] = "choose one of the answers"
            continue
        answers[item.id] = int(raw)
    if errors:
        raise ValidationFailed(errors)
    return answers


def item_errors(error: ClinicError | None) -> dict[str, str]:
    """Field errors keyed by item id (``answers.9`` -> ``9``) for the radio groups."""
    if not isinstance(error, ValidationFailed):
        return {}
    return {k.removeprefix("answers."): v for k, v in error.errors.items()}


def _instrument_choices(self_rated_only: bool = False) -> list[Instrument]:
    return [i for i in INSTRUMENTS.values() if not self_rated_only or i.self_report]


def _panel(
    request: Request,
    staff_session: StaffSession,
    patient_id: int,
    *,
    created: CreatedLink | None = None,
    error: ClinicError | None = None,
) -> Response:
    services = services_of(request)
    context = {
        "patient_id": patient_id,
        "responses": list(
            reversed(services.assessments.responses(staff_session.actor, patient_id))
        ),
        "links": services.links.links(staff_session.actor, patient_id)[:10],
        "instruments": _instrument_choices(),
        "self_rated": _instrument_choices(self_rated_only=True),
        "created": created,
        "link_url": f"{str(request.base_url).rstrip('/')}/link/{created.token}" if created else "",
        "error": error,
        "now": services.clock.now(),
    }
    return render(request, "assessments/_panel.html", context)


@router.get("/patients/{patient_id}/panels/assessments", response_class=HTMLResponse)
def assessments_panel(request: Request, patient_id: PathId, staff_session: Reader) -> Response:
    return _panel(request, staff_session, patient_id)


@router.post("/patients/{patient_id}/assessment-links")
async def create_link(request: Request, patient_id: PathId, staff_session: Recorder) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    instrument_id = forms.text(form, "instrument_id", errors, 40)
    try:
        if errors or not instrument_id:
            raise ValidationFailed(errors or {"instrument_id": "choose a questionnaire"})
        created = services_of(request).links.create(staff_session.actor, patient_id, instrument_id)
    except ValidationFailed as failed:
        return _panel(request, staff_session, patient_id, error=failed)
    return _panel(request, staff_session, patient_id, created=created)


@router.get("/patients/{patient_id}/assessments/new", response_class=HTMLResponse)
def new_response_form(
    request: Request, patient_id: PathId, staff_session: Recorder, instrument: str = "phq9"
) -> Response:
    chart = services_of(request).patients.chart(staff_session.actor, patient_id)
    context = {"patient": chart.patient, "instrument": get_instrument(instrument)}
    context["all_instruments"] = _instrument_choices()
    context |= {"values": {}, "errors": {}}
    return render(request, "assessments/new.html", context, banner_for=patient_id)


@router.post("/patients/{patient_id}/assessments")
async def record_response(
    request: Request, patient_id: PathId, staff_session: Recorder
) -> Response:
    form = await request.form()
    services = services_of(request)
    errors: dict[str, str] = {}
    instrument = get_instrument(forms.text(form, "instrument_id", errors, 40) or "phq9")
    try:
        answers = parse_answers(form, instrument)
        services.assessments.record(staff_session.actor, patient_id, instrument.id, answers)
    except ValidationFailed as failed:
        chart = services.patients.chart(staff_session.actor, patient_id)
        values = {k.removeprefix("item-"): v for k, v in form.items() if k.startswith("item-")}
        context = {"patient": chart.patient, "instrument": instrument, "values": values}
        context["all_instruments"] = _instrument_choices()
        context |= {"errors": item_errors(failed), "error": failed}
        return render(request, "assessments/new.html", context, status=422, banner_for=patient_id)
    return RedirectResponse(f"/patients/{patient_id}?section=assessments", status_code=303)


def chart_svg(t: Trajectory, tz: str) -> Markup:
    """The trajectory's accessible SVG: bands, response and remission lines, infusion marks.

    The two lines are drawn only when remission and response apply to the course's baseline."""
    thresholds = []
    if t.response_threshold is not None and t.outcome is not None:
        label = f"Response (>= {t.outcome.response_pct_drop}% drop)"
        thresholds.append(Threshold(label, float(t.response_threshold)))
    if t.outcome is not None and t.classifiable:
        thresholds.append(Threshold("Remission", float(t.outcome.remission_max_score)))
    svg = render_trajectory_svg(
        t.points,
        t.instrument.bands,
        thresholds,
        [],  # infusion dates are marked once sessions exist
        title=f"{t.instrument.title}: scores over time",
        score_max=t.instrument.score_max or 0,
        tz=tz,
    )
    return Markup(svg)  # noqa: S704 - the renderer XML-escapes every text it writes


@router.get("/patients/{patient_id}/panels/trajectories", response_class=HTMLResponse)
def trajectories_panel(request: Request, patient_id: PathId, staff_session: Reader) -> Response:
    services = services_of(request)
    trajectories = [
        t for t in services.assessments.trajectories(staff_session.actor, patient_id) if t.points
    ]
    charts = [(t, chart_svg(t, staff_session.clinic.timezone)) for t in trajectories]
    return render(request, "assessments/_trajectories.html", {"charts": charts})
