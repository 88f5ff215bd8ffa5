"""Monitor senders (admin only): the HL7 gateways and bedside monitors the listener accepts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.infusion.monitor_ingest import NewGateway
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.staff_sessions import StaffSession

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Admin = Annotated[StaffSession, Depends(WebUser(Permission.STAFF_ADMIN))]
PAGE = "/admin/monitor-senders"


def _page(request: Request, staff_session: StaffSession, **extra: object) -> Response:
    gateways = services_of(request).gateways
    context = {
        "gateways": gateways.list(staff_session.actor),
        "devices": gateways.devices(staff_session.actor),
        "chairs": gateways.chairs(staff_session.actor),
        "errors": {},
        "values": {},
        **extra,
    }
    status = 422 if extra.get("errors") else 200
    return render(request, "identity/monitor_senders.html", context, status=status)


@router.get(PAGE, response_class=HTMLResponse)
def monitor_senders(request: Request, staff_session: Admin) -> Response:
    return _page(request, staff_session)


@router.post(f"{PAGE}/gateways")
async def add_gateway(request: Request, staff_session: Admin) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    new = NewGateway(
        name=forms.text(form, "name", errors, 100),
        source=forms.text(form, "source", errors, 64),
        sending_application=forms.text(form, "sending_application", errors, 227),
        sending_facility=forms.text(form, "sending_facility", errors, 227),
    )
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        if errors:
            raise ValidationFailed(errors)
        services_of(request).gateways.add(staff_session.actor, new)
    except ValidationFailed as failed:
        return _page(request, staff_session, errors=failed.errors, values=values)
    except ClinicError as failed:
        field = failed.field or "name"
        return _page(request, staff_session, errors={field: failed.detail}, values=values)
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/gateways/{gateway_id}/remove")
async def remove_gateway(request: Request, gateway_id: int, staff_session: Admin) -> Response:
    try:
        services_of(request).gateways.remove(staff_session.actor, gateway_id)
    except ClinicError as failed:
        return _page(request, staff_session, errors={"gateway": failed.detail})
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/devices")
async def add_device(request: Request, staff_session: Admin) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    device = forms.text(form, "device_id", errors, 32)
    chair = forms.text(form, "chair_id", errors, 12)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        if not chair.isdigit():
            errors["chair_id"] = "choose a chair"
        if errors:
            raise ValidationFailed(errors)
        services_of(request).gateways.add_device(staff_session.actor, device, int(chair))
    except ValidationFailed as failed:
        return _page(request, staff_session, errors=failed.errors, values=values)
    except ClinicError as failed:
        field = failed.field or "device_id"
        return _page(request, staff_session, errors={field: failed.detail}, values=values)
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/devices/{device_id}/remove")
async def remove_device(request: Request, device_id: str, staff_session: Admin) -> Response:
    try:
        services_of(request).gateways.remove_device(staff_session.actor, device_id)
    except ClinicError as failed:
        return _page(request, staff_session, errors={"device": failed.detail})
    return RedirectResponse(PAGE, status_code=303)
