"""User administration: staff accounts and their role in this clinic (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.identity.access import Permission, Role
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.staff_admin import NewStaff
from ketaclinic.services.identity.staff_sessions import StaffSession

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Admin = Annotated[StaffSession, Depends(WebUser(Permission.STAFF_ADMIN))]


def _page(request: Request, staff_session: StaffSession, **extra: object) -> Response:
    staff = services_of(request).staff.list(staff_session.actor)
    context = {"staff": staff, "roles": list(Role), "errors": {}, "values": {}, **extra}
    status = 422 if extra.get("errors") else 200
    return render(request, "identity/users.html", context, status=status)


ADDED = "Saved: the new account appears in the list above; if it does not, ask the operator."


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, staff_session: Admin, added: int = 0) -> Response:
    return _page(request, staff_session, notice=ADDED if added else "")


@router.post("/admin/users")
async def create_user(request: Request, staff_session: Admin) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    role = forms.text(form, "role", errors, 20)
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "password"}
    if role not in {r.value for r in Role}:
        errors["role"] = "choose a role"
    try:
        if errors:
            raise ValidationFailed(errors)
        new = NewStaff(
            email=forms.text(form, "email", errors, 254),
            name=forms.text(form, "name", errors, 100),
            role=Role(role),
            password=forms.text(form, "password", errors, 1024),
        )
        services_of(request).staff.create(staff_session.actor, new)
    except ValidationFailed as failed:
        return _page(request, staff_session, errors=failed.errors, values=values)
    except ClinicError as failed:
        return _page(
            request, staff_session, errors={failed.field or "email": failed.detail}, values=values
        )
    return RedirectResponse("/admin/users?added=1", status_code=303)


@router.post("/admin/users/{staff_id}/active")
async def set_active(request: Request, staff_id: PathId, staff_session: Admin) -> Response:
    form = await request.form()
    try:
        services_of(request).staff.set_active(
            staff_session.actor, staff_id, form.get("active") == "1"
        )
    except ClinicError as refused:
        request.state.refusal = refused  # the audit of the refused request names its rule
        rule, _, reason = refused.detail.partition(": ")
        page = _page(request, staff_session, refusal=reason or refused.detail, refusal_rule=rule)
        page.status_code = 409
        return page
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/monitors", response_class=HTMLResponse)
def monitors(request: Request, staff_session: Admin) -> Response:
    """Chairs and their bedside monitors; a monitor is assigned to a chair here."""
    return _monitors_page(request, staff_session)


def _monitors_page(
    request: Request, staff_session: StaffSession, errors: dict[str, str] | None = None
) -> Response:
    services = services_of(request)
    chairs = services.calendar.directory(staff_session.actor).chairs
    context = {
        "chairs": chairs,
        "monitors": services.sessions.monitors(staff_session.actor),
        "errors": errors or {},
    }
    return render(request, "identity/monitors.html", context, status=422 if errors else 200)


@router.post("/admin/monitors")
async def assign_monitor(request: Request, staff_session: Admin) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    chair = forms.text(form, "chair_id", errors, 12)
    device = forms.text(form, "device_id", errors, 64)
    if not chair.isdigit():
        errors["chair_id"] = "choose a chair"
    if errors:
        return _monitors_page(request, staff_session, errors)
    try:
        services_of(request).sessions.assign_chair_monitor(staff_session.actor, int(chair), device)
    except ValidationFailed as failed:
        return _monitors_page(request, staff_session, failed.errors)
    return RedirectResponse("/admin/monitors", status_code=303)
