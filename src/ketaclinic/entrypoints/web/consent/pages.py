"""Consent pages: the overview, the tablet signing screen, withdrawal, and the signed PDF.

The signing screen is meant for a tablet handed to the patient or guardian: the document text in
full, the typed name, a drawn signature (``static/signature.js``) and, for an adolescent, an
explicit choice between agreeing and not agreeing. Errors come back inline; nothing is stored
partially (the service checks everything before it writes).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.adapters.pdf.consent import ConsentPrint, consent_pdf
from ketaclinic.domain.consent.signatures import SignerRole
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.entrypoints.guards import REAUTH_FIELD, WebUser, confirm_web_signer
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.consent.checks import SignatureInput
from ketaclinic.services.consent.consents import ConsentView
from ketaclinic.services.identity.staff_sessions import StaffSession

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Reader = Annotated[StaffSession, Depends(WebUser(Permission.PATIENT_READ))]
Collector = Annotated[StaffSession, Depends(WebUser(Permission.CONSENT_COLLECT))]
MAX_IMAGE_CHARS = 800_000
SIGN_FIELDS = (
    *("document_id", "document_version", "document_hash", "signer", "signer_name"),
    *("image_png", "agrees", "related_person_id", "witness_staff_id"),
)


def _role(raw: str, field: str) -> SignerRole:
    if raw not in {r.value for r in SignerRole}:
        raise ValidationFailed({field: "choose patient, guardian or assent"})
    return SignerRole(raw)


@router.get("/courses/{course_id}/consent", response_class=HTMLResponse)
def overview(request: Request, course_id: PathId, staff_session: Reader) -> Response:
    view = services_of(request).consents.view(staff_session.actor, course_id)
    context = {"view": view, "errors": {}, "values": {}}
    patient_id = view.context.patient.id
    return render(request, "consent/overview.html", context, banner_for=patient_id)


def _sign_page(
    request: Request,
    view: ConsentView,
    document: str,
    signer: SignerRole,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    req = view.requirement(document, signer)
    if req is None:
        raise ValidationFailed(
            {"document": "this patient does not sign that document in that role"}
        )
    context = {"view": view, "req": req, "values": values or {}, "errors": errors or {}}
    status = 422 if errors else 200
    patient_id = view.context.patient.id
    return render(request, "consent/sign.html", context, status=status, banner_for=patient_id)


@router.get("/courses/{course_id}/consent/sign", response_class=HTMLResponse)
def sign_screen(
    request: Request,
    course_id: PathId,
    staff_session: Collector,
    document: str = "",
    signer: str = "",
) -> Response:
    view = services_of(request).consents.view(staff_session.actor, course_id)
    return _sign_page(request, view, document, _role(signer, "signer"))


@router.post("/courses/{course_id}/consent/sign")
async def sign(request: Request, course_id: PathId, staff_session: Collector) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    values = {
        k: forms.text(form, k, errors, MAX_IMAGE_CHARS if k == "image_png" else 300)
        for k in SIGN_FIELDS
    }
    services = services_of(request)
    view = services.consents.view(staff_session.actor, course_id)
    signer = _role(values["signer"], "signer")
    related = values["related_person_id"]
    witness = values["witness_staff_id"]
    given = SignatureInput(
        document_id=values["document_id"],
        document_version=values["document_version"],
        document_hash=values["document_hash"],
        signer=signer,
        signer_name=values["signer_name"],
        image_png=values["image_png"],
        agrees=values["agrees"] != "no",
        related_person_id=int(related) if related.isdigit() else None,
        witness_staff_id=int(witness) if witness.isdigit() else None,
    )
    if values["witness_staff_id"] and not values["witness_staff_id"].isdigit():
        errors["witness_staff_id"] = "choose the witness from the list"
    try:
        if errors:
            raise ValidationFailed(errors)
        confirm_web_signer(request, staff_session, form.get(REAUTH_FIELD))
        services.consents.sign(staff_session.actor, course_id, given)
    except ValidationFailed as failed:
        values["image_png"] = ""  # the signer draws again after a correction
        return _sign_page(request, view, given.document_id, signer, values, failed.errors)
    return RedirectResponse(f"/courses/{course_id}/consent#signed", status_code=303)


@router.post("/courses/{course_id}/consent/withdraw")
async def withdraw(request: Request, course_id: PathId, staff_session: Collector) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    by = forms.text(form, "by", errors, 20)
    reason = forms.text(form, "reason", errors, 2000)
    document = forms.text(form, "document_id", errors, 120) or None
    services = services_of(request)
    try:
        if errors:
            raise ValidationFailed(errors)
        services.consents.withdraw(
            staff_session.actor, course_id, _role(by, "by"), reason, document
        )
    except ValidationFailed as failed:
        view = services.consents.view(staff_session.actor, course_id)
        context = {"view": view, "errors": failed.errors, "values": {"reason": reason, "by": by}}
        patient_id = view.context.patient.id
        return render(request, "consent/overview.html", context, status=422, banner_for=patient_id)
    return RedirectResponse(f"/courses/{course_id}/consent#withdrawals", status_code=303)


@router.get("/consents/{consent_id}.pdf")
def consent_as_pdf(request: Request, consent_id: PathId, staff_session: Reader) -> Response:
    stored, document, ctx = services_of(request).consents.signed_document(
        staff_session.actor, consent_id
    )
    d = ctx.patient.details
    info = ConsentPrint(
        clinic_name=staff_session.clinic.name,
        clinic_timezone=staff_session.clinic.timezone,
        patient_name=f"{d.given_name} {d.family_name}",
        mrn=ctx.patient.mrn,
        protocol_ref=ctx.published.ref,
        course_id=ctx.course.id,
    )
    pdf = consent_pdf(stored, document, info)
    headers = {"Content-Disposition": f'inline; filename="consent-{consent_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
