"""Template rendering and the web UI's error handling (forms get messages, not JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from ketaclinic.adapters.trajectory_charts import goal_ratings_svg
from ketaclinic.domain.assessments.instruments.registry import instrument_name, safety_flag_text
from ketaclinic.domain.errors import ClinicError, NotAuthenticated, ValidationFailed
from ketaclinic.domain.identity.access import ROLE_LABELS, Permission, Role, is_allowed
from ketaclinic.domain.integration.plans import Goal, GoalRating
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.signs import comparison_signs
from ketaclinic.entrypoints.http import status_for
from ketaclinic.entrypoints.web.alarm_words import alarm_count, alarm_message
from ketaclinic.entrypoints.web.aldrete_words import ALDRETE_CRITERIA, ALDRETE_LABELS
from ketaclinic.entrypoints.web.label_words import (
    dosing_limit_label,
    label,
    lower_label,
    move_label,
)
from ketaclinic.entrypoints.web.navigation import CHART_PANELS, NAV
from ketaclinic.entrypoints.web.plain import (
    counted,
    day_words,
    field_label,
    language_name,
    local_time,
    month_words,
    plain_number,
    route_name,
    route_words,
    rule_split,
    shown_value,
    state_words,
    unit_label,
)
from ketaclinic.entrypoints.web.record_words import record_words
from ketaclinic.services.identity.directory import Directory
from ketaclinic.services.identity.staff_sessions import StaffSession

_templates: Jinja2Templates | None = None


def templates() -> Jinja2Templates:
    global _templates
    if _templates is None:
        directory = resources.files("ketaclinic.entrypoints.web") / "templates"
        _templates = Jinja2Templates(directory=str(directory))
        _templates.env.filters["local"] = local_time
        _templates.env.filters["day"] = day_words
        _templates.env.filters["words"] = state_words
        _templates.env.filters["month"] = month_words
        _templates.env.filters["route"] = route_words
        _templates.env.filters["route_name"] = route_name
        _templates.env.globals["record_words"] = record_words
        _templates.env.globals["alarm_count"] = alarm_count
        _templates.env.globals["alarm_message"] = alarm_message
        _templates.env.globals["aldrete_labels"] = ALDRETE_LABELS
        _templates.env.globals["aldrete_criteria"] = ALDRETE_CRITERIA
        _templates.env.filters["course_name"] = course_name
        _templates.env.filters["plain"] = plain_number
        _templates.env.filters["role"] = role_label
        _templates.env.globals["goal_ratings_chart"] = goal_ratings_chart
        _templates.env.filters["count"] = counted
        _templates.env.filters["unit"] = unit_label
        _templates.env.filters["rule_split"] = rule_split
        _templates.env.filters["field"] = field_label
        _templates.env.filters["shown"] = shown_value
        _templates.env.filters["instrument"] = instrument_name
        _templates.env.filters["safety_flag"] = safety_flag_text
        _templates.env.filters["language"] = language_name
        _templates.env.filters["label"] = label
        _templates.env.filters["label_lc"] = lower_label
        _templates.env.filters["move"] = move_label
        _templates.env.filters["dosing_limit"] = dosing_limit_label
        _templates.env.filters["signs"] = comparison_signs
        _templates.env.finalize = plain_number  # every {{ Decimal }} prints as a plain decimal
    return _templates


def goal_ratings_chart(goal: Goal, ratings: Sequence[GoalRating], tz: str) -> Markup:
    """A goal's ratings as the one chart drawing (``adapters.trajectory_charts``), dated on the
    clinic's calendar (``tz``)."""
    svg = goal_ratings_svg(ratings, f"the goal “{goal.text}”", tz=tz)
    return Markup(svg)  # noqa: S704 - the renderer XML-escapes every text it writes


def role_label(value: Any) -> str:
    """A role as people call it ("nurse practitioner / PA", not "app")."""
    try:
        return ROLE_LABELS[Role(str(getattr(value, "value", value)))]
    except ValueError:
        return str(value)


def course_name(course: Course, tz: str = "UTC") -> str:
    """A course as people name it: by the day it opened (clinic time), never by its row id."""
    return f"Course opened {course.opened_at.astimezone(ZoneInfo(tz)):%-d %b %Y}"


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    banner_for: int | None = None,
) -> HTMLResponse:
    """Render a page; ``banner_for`` (a patient id) puts that patient's banner on top."""
    staff_session: StaffSession | None = getattr(request.state, "staff_session", None)
    services = request.app.state.services
    names = _Names(services, staff_session)
    banner = None
    if banner_for is not None and staff_session is not None:
        banner = services.banners.banner(staff_session.actor, banner_for)
    base: dict[str, Any] = {
        "staff_session": staff_session,
        "clinic_tz": staff_session.clinic.timezone if staff_session else "UTC",
        "can": (lambda p: staff_session is not None and staff_can(staff_session, p)),
        "P": Permission,
        "idle_timeout_min": request.app.state.services.settings.idle_timeout_min,
        "reauth_window_min": request.app.state.services.settings.reauth_window_min,
        "nav": NAV,
        "chart_panels": CHART_PANELS,
        "staff_name": names.staff,
        "chair_name": names.chair,
        "banner": banner,
    }
    return templates().TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status
    )


class _Names:
    """Staff and chair names for a page, read once and only when the page shows one."""

    def __init__(self, services: Any, staff_session: StaffSession | None) -> None:
        self._services, self._session = services, staff_session
        self._directory: Directory | None = None

    def _get(self) -> Directory:
        if self._directory is None:
            if self._session is None:
                self._directory = Directory({}, {})
            else:
                self._directory = self._services.directory.directory(self._session.actor)
        return self._directory

    def staff(self, staff_id: int | None) -> str:
        return self._get().staff_name(staff_id)

    def chair(self, chair_id: int | None) -> str:
        return self._get().chair_name(chair_id)


def staff_can(staff_session: StaffSession, permission: Permission) -> bool:
    role = staff_session.actor.role
    return role is not None and is_allowed(role, permission)


def web_error(request: Request, exc: ClinicError) -> Response:
    """Render a domain error for a browser: sign-in redirect, or an error page naming the field."""
    if isinstance(exc, NotAuthenticated):
        target = "/signin?expired=1" if "inactivity" in exc.detail else "/signin"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    fields = exc.errors if isinstance(exc, ValidationFailed) else {}
    return render(request, "error.html", {"error": exc, "fields": fields}, status=status_for(exc))


def mark_web(request: Request) -> None:
    """Route dependency: errors on this route render as pages, not JSON."""
    request.state.error_renderer = web_error
