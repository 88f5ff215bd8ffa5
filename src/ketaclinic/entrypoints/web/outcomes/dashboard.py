"""The clinic outcomes dashboard (``OUTCOMES_READ``): figures with denominators, SVG charts with
tables, CSV export of every figure; and the per-course PDF report for the referring clinician."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from ketaclinic.adapters.pdf.report import render_course_report
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web.outcomes.charts import READING, dashboard_charts
from ketaclinic.entrypoints.web.outcomes.tables import BUILDERS, NO_FIGURE, figure_tables
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.staff_sessions import StaffSession

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Analyst = Annotated[StaffSession, Depends(WebUser(Permission.OUTCOMES_READ))]
Reader = Annotated[StaffSession, Depends(WebUser(Permission.CHART_READ))]
Month = Annotated[str | None, Query(max_length=7)]


def _months(today: date, from_month: str | None, to_month: str | None) -> tuple[str, str]:
    start = date(today.year - 1, today.month, 1)
    return from_month or f"{start:%Y-%m}", to_month or f"{today:%Y-%m}"


@router.get("/outcomes", response_class=HTMLResponse)
def dashboard(
    request: Request, staff_session: Analyst, from_month: Month = None, to_month: Month = None
) -> Response:
    services = services_of(request)
    first, last = _months(services.clock.now().date(), from_month, to_month)
    values = {"from_month": first, "to_month": last}
    try:
        built = services.dashboard.build(staff_session.actor, first, last)
    except ValidationFailed as failed:
        context: dict[str, Any] = {
            "d": None,
            "tables": [],
            "charts": {},
            "notes": READING,
            "no_figure": NO_FIGURE,
            "values": values,
            "errors": failed.errors,
        }
        return render(request, "outcomes/dashboard.html", context, status=422)
    context = {
        "d": built,
        "tables": figure_tables(built, staff_session.clinic.name),
        "charts": dashboard_charts(built),
        "notes": READING,
        "no_figure": NO_FIGURE,
        "values": values,
        "errors": {},
    }
    return render(request, "outcomes/dashboard.html", context)


@router.get("/outcomes/{figure}.csv")
def export(
    request: Request,
    figure: str,
    staff_session: Analyst,
    from_month: Month = None,
    to_month: Month = None,
) -> Response:
    services = services_of(request)
    if figure not in BUILDERS:
        raise ValidationFailed({"figure": f"one of {', '.join(BUILDERS)}"})
    first, last = _months(services.clock.now().date(), from_month, to_month)
    table = BUILDERS[figure](services.dashboard.build(staff_session.actor, first, last))
    headers = {
        "Content-Disposition": f'attachment; filename="outcomes-{figure}-{first}-{last}.csv"'
    }
    return Response(table.csv(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/courses/{course_id}/report.pdf")
def course_report(request: Request, course_id: PathId, staff_session: Reader) -> Response:
    report = services_of(request).reports.course_report(staff_session.actor, course_id)
    pdf = render_course_report(report, clinic_tz=staff_session.clinic.timezone)
    headers = {"Content-Disposition": f'inline; filename="course-{course_id}-report.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
