"""User administration: staff accounts and their role in this clinic (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.errors import ClinicError, Conflict, NotFound, ValidationFailed
from ketaclinic.domain.identity.access import Permission, Role
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.staff_admin import NewStaff
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.services.infusion.sessions import EUI64, MonitorMove

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
def monitors(
    request: Request,
    staff_session: Admin,
    device: str = "",
    to: str = "",
    left: str = "",
) -> Response:
    """Chairs and their bedside monitors; a monitor is assigned to a chair (or taken off it)
    here. After a change the page says what happened, by chair name."""
    done = _done(request, staff_session, device, to, left)
    return _monitors_page(request, staff_session, done=done)


def _done(request: Request, staff_session: StaffSession, device: str, to: str, left: str) -> str:
    """ "Moved monitor X from Chair 2 to Chair 3" (or assigned / unassigned) from the redirect's
    ids; nothing for anything that is not a monitor id and chair ids of this clinic."""
    if not EUI64.match(device):
        return ""
    chairs = services_of(request).calendar.directory(staff_session.actor).chairs
    names = {str(c.id): c.name for c in chairs}
    if to in names and left in names:
        return f"Moved monitor {device} from {names[left]} to {names[to]}."
    if to in names:
        return f"Assigned monitor {device} to {names[to]}."
    if left in names:
        return f"Unassigned monitor {device} from {names[left]}: that chair takes vitals by hand."
    return ""


def _monitors_page(
    request: Request,
    staff_session: StaffSession,
    errors: dict[str, str] | None = None,
    *,
    values: dict[str, str] | None = None,
    done: str = "",
) -> Response:
    services = services_of(request)
    chairs = services.calendar.directory(staff_session.actor).chairs
    context = {
        "chairs": chairs,
        "monitors": services.sessions.monitors(staff_session.actor),
        "errors": errors or {},
        "values": values or {},
        "done": done,
    }
    return render(request, "identity/monitors.html", context, status=422 if errors else 200)


def _moved_to(move: MonitorMove) -> str:
    query = f"device={move.device}"
    if move.chair_id is not None:
        query += f"&to={move.chair_id}"
    if move.from_chair_id is not None:
        query += f"&left={move.from_chair_id}"
    return f"/admin/monitors?{query}"


@router.post("/admin/monitors")
async def assign_monitor(request: Request, staff_session: Admin) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    chair = forms.text(form, "chair_id", errors, 12)
    device = forms.text(form, "device_id", errors, 64)
    values = {"chair_id": chair, "device_id": device}
    if not chair.isdigit():
        errors["chair_id"] = "choose a chair"
    if errors:
        return _monitors_page(request, staff_session, errors, values=values)
    try:
        move = services_of(request).sessions.assign_chair_monitor(
            staff_session.actor, int(chair), device, confirm_move=form.get("confirm_move") == "yes"
        )
    except ValidationFailed as failed:
        return _monitors_page(request, staff_session, failed.errors, values=values)
    except Conflict as refused:
        errors = {refused.field or "confirm_move": refused.detail}
        return _monitors_page(request, staff_session, errors, values=values)
    return RedirectResponse(_moved_to(move), status_code=303)


@router.post("/admin/monitors/unassign")
async def unassign_monitor(request: Request, staff_session: Admin) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    device = forms.text(form, "device_id", errors, 64)
    values = {"unassign_device_id": device}
    try:
        move = services_of(request).sessions.unassign_chair_monitor(
            staff_session.actor, device, confirm_move=form.get("confirm_move") == "yes"
        )
    except ValidationFailed as failed:
        return _monitors_page(request, staff_session, failed.errors, values=values)
    except (Conflict, NotFound) as refused:
        errors = {"unassign_" + (refused.field or "device_id"): refused.detail}
        return _monitors_page(request, staff_session, errors, values=values)
    return RedirectResponse(_moved_to(move), status_code=303)
