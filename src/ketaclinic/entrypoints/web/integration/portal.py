"""The patient's integration portal under ``/link/portal/<token>`` (public: the token is the
credential, each form carries the link's form token) and the coach's "create a portal link" action.
Mobile-first pages, never cached, no referrer. Unknown or expired links store nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import client_of, services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.services.integration.portal import PortalUnavailable

router = APIRouter(include_in_schema=False)
staff_router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Coach = Annotated[StaffSession, Depends(WebUser(Permission.COACHING_WRITE))]
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}
MAX_TOKEN_CHARS = 200


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = render(request, name, context, status=status)
    response.headers.update(PRIVATE_HEADERS)
    return response


@staff_router.post("/courses/{course_id}/portal-link", response_class=HTMLResponse)
def create_link(request: Request, course_id: PathId, staff_session: Coach) -> Response:
    link, token = services_of(request).portal.create(staff_session.actor, course_id)
    url = str(request.base_url).rstrip("/") + f"/link/portal/{token}"
    return _page(request, "integration/portal_created.html", {"link": link, "url": url})


def _portal(request: Request, token: str, errors: dict[str, str], status: int = 200) -> Response:
    try:
        view = services_of(request).portal.open(token[:MAX_TOKEN_CHARS])
    except PortalUnavailable as gone:
        return _page(request, "assessments/links/unavailable.html", {"message": gone.detail}, 410)
    context = {"view": view, "token": token, "errors": errors, "clinic_tz": view.timezone}
    return _page(request, "integration/portal.html", context, status)


@router.get("/link/portal/{token}", response_class=HTMLResponse)
def open_portal(request: Request, token: str) -> Response:
    return _portal(request, token, {})


async def _post(request: Request, token: str, action: str) -> Response:
    data = await request.form()
    fields = {k: v if isinstance(v, str) else "" for k, v in data.items()}
    # the token check and the write are database work: off the event loop
    return await run_in_threadpool(_apply, request, token, action, fields)


def _apply(request: Request, token: str, action: str, fields: dict[str, str]) -> Response:
    portal = services_of(request).portal
    try:
        if action == "practice":
            portal.log_practice(
                token[:MAX_TOKEN_CHARS],
                fields.get("form_token", ""),
                fields.get("practice", ""),
                fields.get("done") == "yes",
                fields.get("feeling", "")[:2000],
                client_of(request),
            )
        else:
            raw = fields.get("rating", "")
            if not raw.isdigit():
                raise ValidationFailed({"rating": "a whole number from 0 to 10"})
            goal = fields.get("goal_id", "")
            portal.rate_goal(
                token[:MAX_TOKEN_CHARS],
                fields.get("form_token", ""),
                int(goal) if goal.isdigit() else 0,
                int(raw),
                client_of(request),
            )
    except PortalUnavailable as gone:
        return _page(request, "assessments/links/unavailable.html", {"message": gone.detail}, 410)
    except ValidationFailed as failed:
        return _portal(request, token, failed.errors, 422)
    except ClinicError as refused:
        return _portal(request, token, {refused.field or "form": refused.detail}, 422)
    return RedirectResponse(f"/link/portal/{token}#{action}", status_code=303)


@router.post("/link/portal/{token}/practice", response_class=HTMLResponse)
async def log_practice(request: Request, token: str) -> Response:
    return await _post(request, token, "practice")


@router.post("/link/portal/{token}/rating", response_class=HTMLResponse)
async def rate_goal(request: Request, token: str) -> Response:
    return await _post(request, token, "rating")
