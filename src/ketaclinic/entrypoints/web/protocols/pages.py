"""Protocol pages: the clinic's published versions, their tables, comparison, sign-off, adoption.

Browsing needs PROTOCOL_READ; signing off PROTOCOL_SIGNOFF (physicians); adopting a local copy
PROTOCOL_ADOPT (administrators, physicians). The services check the same permissions again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.patients.treatment import PublishedProtocol
from ketaclinic.domain.protocols.edits import collect_changes, editable_fields, signoff_entries
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.protocols.markup import markdown_html
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.entrypoints.web.signoff_words import flagged_default_words
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.services.protocols.publishing import ProtocolService

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.PROTOCOL_READ))]
Signer = Annotated[StaffSession, Depends(WebUser(Permission.PROTOCOL_SIGNOFF))]
Adopter = Annotated[StaffSession, Depends(WebUser(Permission.PROTOCOL_ADOPT))]
VALUE_PREFIX = "value:"


@router.get("/protocols", response_class=HTMLResponse)
def protocol_list(request: Request, staff_session: Reader) -> Response:
    protocols = services_of(request).protocols
    context = {
        "versions": protocols.published(staff_session.actor),
        "signers": protocols.signer_names(staff_session.actor),
    }
    return render(request, "protocols/list.html", context)


@router.get("/protocols/compare", response_class=HTMLResponse)
def compare(request: Request, staff_session: Reader, a: str = "", b: str = "") -> Response:
    protocols = services_of(request).protocols
    errors = {
        name: "choose a protocol version"
        for name, raw in (("a", a), ("b", b))
        if raw and not raw.isdigit()
    }
    changes = None
    if a.isdigit() and b.isdigit():
        changes = protocols.compare(staff_session.actor, int(a), int(b))
    context = {
        "versions": protocols.published(staff_session.actor),
        "a": a,
        "b": b,
        "changes": changes,
        "errors": errors,
    }
    return render(request, "protocols/compare.html", context, status=422 if errors else 200)


@router.get("/protocols/{version_id}", response_class=HTMLResponse)
def protocol_page(request: Request, version_id: PathId, staff_session: Reader) -> Response:
    protocols = services_of(request).protocols
    document = protocols.document(staff_session.actor, version_id)
    published = document.view.published
    base_id = _base_id(request, staff_session, published.base_ref)
    from_id = request.query_params.get("from", "")
    shown_from = int(from_id) if from_id.isdigit() and int(from_id) != version_id else None
    context = {
        "published": published,
        "document": document,
        "body": markdown_html(
            document.markdown, flagged=_flagged_words(protocols, staff_session, published)
        ),
        "signers": protocols.signer_names(staff_session.actor),
        "base_id": base_id,
        "changes_from": shown_from,
        "changes": protocols.compare(staff_session.actor, shown_from, version_id)
        if shown_from
        else [],
    }
    return render(request, "protocols/detail.html", context)


def _flagged_words(
    protocols: ProtocolService, staff_session: StaffSession, published: PublishedProtocol
) -> str:
    signer = protocols.signer_names(staff_session.actor).get(published.signed_off_by or 0, "")
    return flagged_default_words(published, signer, staff_session.clinic.timezone)


def _base_id(request: Request, staff_session: StaffSession, base_ref: str | None) -> int | None:
    if base_ref is None:
        return None
    versions = services_of(request).protocols.published(staff_session.actor)
    return next((v.id for v in versions if v.ref == base_ref), None)


@router.get("/protocols/{version_id}/signoff", response_class=HTMLResponse)
def signoff_page(request: Request, version_id: PathId, staff_session: Signer) -> Response:
    return _signoff_form(request, staff_session, version_id, {}, {}, set())


def _signoff_form(
    request: Request,
    staff_session: StaffSession,
    version_id: int,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    confirmed: set[str],
    new_version: str = "",
) -> Response:
    protocols = services_of(request).protocols
    view = protocols.view(staff_session.actor, version_id)
    entries = signoff_entries(protocols.signoff_items(staff_session.actor, version_id))
    shown = {f.path for e in entries for f in e.fields} | {e.item.path for e in entries}
    context = {
        "published": view.published,
        "entries": entries,
        "values": values,
        "errors": errors,
        "other_errors": {k: v for k, v in errors.items() if k not in shown},
        "confirmed": confirmed,
        "new_version": new_version or protocols.suggest_version(staff_session.actor, version_id),
        "signers": protocols.signer_names(staff_session.actor),
    }
    return render(request, "protocols/signoff.html", context, status=422 if errors else 200)


def _submitted_values(form: Mapping[str, Any]) -> dict[str, str]:
    return {
        key.removeprefix(VALUE_PREFIX): value
        for key, value in form.items()
        if key.startswith(VALUE_PREFIX) and isinstance(value, str)
    }


@router.post("/protocols/{version_id}/signoff")
async def sign_off(request: Request, version_id: PathId, staff_session: Signer) -> Response:
    form = await request.form()
    confirmed = {v for v in form.getlist("confirm") if isinstance(v, str)}
    values = _submitted_values(form)
    errors: dict[str, str] = {}
    new_version = forms.text(form, "new_version", errors, 40)
    protocols = services_of(request).protocols
    entries = signoff_entries(protocols.signoff_items(staff_session.actor, version_id))
    changes, value_errors = collect_changes([f for e in entries for f in e.fields], values)
    errors.update(value_errors)
    args = (request, staff_session, version_id, values)
    if errors:
        return _signoff_form(*args, errors, confirmed, new_version)
    try:
        outcome = protocols.sign_off_with_changes(
            staff_session.actor, version_id, confirmed, changes, new_version=new_version or None
        )
    except ValidationFailed as failed:
        return _signoff_form(*args, _named(failed.errors), confirmed, new_version)
    except ClinicError as failed:
        return _signoff_form(*args, _field_error(failed), confirmed, new_version)
    query = f"?signed=1&from={outcome.base.id}" if outcome.adopted else "?signed=1"
    return RedirectResponse(f"/protocols/{outcome.signed.id}{query}", status_code=303)


def _named(errors: Mapping[str, str]) -> dict[str, str]:
    """Validation errors keyed for the form: the adopted copy's ``version`` is ``new_version``."""
    return {("new_version" if k == "version" else k): v for k, v in errors.items()}


def _field_error(error: ClinicError) -> dict[str, str]:
    reasons = "; ".join(getattr(error, "reasons", ()))
    return {error.field or "form": f"{error.detail}{': ' + reasons if reasons else ''}"}


@router.get("/protocols/{version_id}/adopt", response_class=HTMLResponse)
def adopt_page(request: Request, version_id: PathId, staff_session: Adopter) -> Response:
    return _adopt_form(request, staff_session, version_id, {}, {})


def _adopt_form(
    request: Request,
    staff_session: StaffSession,
    version_id: int,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    new_version: str = "",
) -> Response:
    protocols = services_of(request).protocols
    view = protocols.view(staff_session.actor, version_id)
    fields = editable_fields(view.protocol)
    sections: dict[str, list[Any]] = {}
    for field in fields:
        sections.setdefault(field.path.split(".")[0].split("[")[0], []).append(field)
    shown = {f.path for f in fields}
    context = {
        "published": view.published,
        "sections": sections,
        "values": values,
        "errors": errors,
        "other_errors": {k: v for k, v in errors.items() if k not in shown},
        "new_version": new_version or protocols.suggest_version(staff_session.actor, version_id),
    }
    return render(request, "protocols/adopt.html", context, status=422 if errors else 200)


@router.post("/protocols/{version_id}/adopt")
async def adopt(request: Request, version_id: PathId, staff_session: Adopter) -> Response:
    form = await request.form()
    values = _submitted_values(form)
    errors: dict[str, str] = {}
    new_version = forms.text(form, "new_version", errors, 40)
    protocols = services_of(request).protocols
    view = protocols.view(staff_session.actor, version_id)
    changes, value_errors = collect_changes(editable_fields(view.protocol), values)
    errors.update(value_errors)
    if not changes and not errors:
        errors["form"] = "change at least one value to adopt a new version"
    if not new_version:
        errors["new_version"] = "give the new version a number such as 1.0.1"
    if errors:
        return _adopt_form(request, staff_session, version_id, values, errors, new_version)
    try:
        row = protocols.adopt(staff_session.actor, version_id, changes, new_version=new_version)
    except ValidationFailed as failed:
        return _adopt_form(
            request, staff_session, version_id, values, _named(failed.errors), new_version
        )
    except ClinicError as failed:
        return _adopt_form(
            request, staff_session, version_id, values, _field_error(failed), new_version
        )
    return RedirectResponse(f"/protocols/{row.id}?from={version_id}", status_code=303)
