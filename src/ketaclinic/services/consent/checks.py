"""Checks on a consent signature or withdrawal before it is stored (clinical.md §6.3).

Each check raises with the offending field named so the tablet form can show it inline.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass

from ketaclinic.domain.consent.documents import RenderedDocument
from ketaclinic.domain.consent.signatures import RequiredSignature, SignerRole, is_minor
from ketaclinic.domain.errors import Conflict, ValidationFailed
from ketaclinic.domain.patients.course import TERMINAL
from ketaclinic.services.evaluation.evaluations import CourseContext, guardians
from ketaclinic.services.ports import UnitOfWork

PNG_PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 512 * 1024
MAX_NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class SignatureInput:
    """What the tablet submits for one document.

    ``document_hash`` is the hash of the text the signer was shown; ``related_person_id`` picks
    the chart guardian for a guardian's permission; ``agrees`` ``False`` records a dissent.
    """

    document_id: str
    document_version: str
    document_hash: str
    signer: SignerRole
    signer_name: str
    image_png: str = ""
    agrees: bool = True
    related_person_id: int | None = None
    witness_name: str = ""


@dataclass(frozen=True, slots=True)
class Requirement:
    """One required signature with its rendered document."""

    need: RequiredSignature
    document: RenderedDocument


def matching_requirement(needs: tuple[Requirement, ...], given: SignatureInput) -> Requirement:
    for r in needs:
        n = r.need
        if n.document_id == given.document_id and n.signer is given.signer:
            if (
                n.document_version != given.document_version
                or r.document.hash != given.document_hash
            ):
                raise Conflict(
                    "the document changed since it was shown; reload it and read it again",
                    field="document_hash",
                )
            return r
    roles = sorted({r.need.signer.value for r in needs})
    problem = f"this patient does not sign {given.document_id} as {given.signer.value}"
    raise ValidationFailed({"document_id": f"{problem} (signers needed: {', '.join(roles)})"})


def _names_match(typed: str, expected: str) -> bool:
    return " ".join(typed.casefold().split()) == " ".join(expected.casefold().split())


def check_signer(uow: UnitOfWork, ctx: CourseContext, given: SignatureInput) -> bool:
    """Who signs is who the chart says; returns the guardian's legal authority."""
    name = given.signer_name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise ValidationFailed(
            {"signer_name": f"type the signer's full name (at most {MAX_NAME_CHARS} characters)"}
        )
    if given.signer is not SignerRole.GUARDIAN:
        d = ctx.patient.details
        if not _names_match(name, f"{d.given_name} {d.family_name}"):
            raise ValidationFailed(
                {"signer_name": "the typed name is not the patient's name on the chart"}
            )
        return False
    guardian = next(
        (
            g
            for g in guardians(uow, ctx.course.clinic_id, ctx.course.patient_id)
            if g.id == given.related_person_id
        ),
        None,
    )
    if guardian is None:
        raise ValidationFailed({"related_person_id": "choose a guardian recorded on the chart"})
    if not guardian.details.legal_authority:
        raise ValidationFailed(
            {"related_person_id": "this guardian has no recorded legal authority"}
        )
    if not _names_match(name, guardian.details.name):
        raise ValidationFailed({"signer_name": "the typed name is not the chosen guardian's name"})
    return True


def check_capture(given: SignatureInput, req: Requirement) -> None:
    errors: dict[str, str] = {}
    if given.agrees or given.image_png:
        problem = _png_problem(given.image_png)
        if problem is not None:
            errors["image_png"] = problem
    if req.need.witness_required and not given.witness_name.strip():
        errors["witness_name"] = "this document needs a witness: type the witness's name"
    if len(given.witness_name) > MAX_NAME_CHARS:
        errors["witness_name"] = f"at most {MAX_NAME_CHARS} characters"
    if errors:
        raise ValidationFailed(errors)


def _png_problem(data_url: str) -> str | None:
    """A drawn signature must be a PNG data URL of at most 512 KB."""
    if not data_url:
        return "draw the signature in the box"
    if not data_url.startswith(PNG_PREFIX):
        return "the signature must be a PNG image"
    if len(data_url) > MAX_SIGNATURE_BYTES * 4 // 3 + len(PNG_PREFIX) + 4:
        return "the signature image is too large"
    try:
        raw = base64.b64decode(data_url[len(PNG_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return "the signature image is damaged; draw it again"
    if not raw.startswith(PNG_MAGIC) or not _png_chunks_intact(raw):
        return "the signature must be a PNG image"
    return None


def _png_chunks_intact(raw: bytes) -> bool:
    """Every chunk's length and CRC check out, IHDR first and IEND last (PNG spec §5)."""
    at, names = len(PNG_MAGIC), []
    while at + 12 <= len(raw):
        length = int.from_bytes(raw[at : at + 4], "big")
        end = at + 12 + length
        if end > len(raw):
            return False
        kind, data = raw[at + 4 : at + 8], raw[at + 8 : end - 4]
        if zlib.crc32(kind + data) != int.from_bytes(raw[end - 4 : end], "big"):
            return False
        names.append(kind)
        at = end
    return at == len(raw) and bool(names) and names[0] == b"IHDR" and names[-1] == b"IEND"


def check_withdrawal(
    ctx: CourseContext, by: SignerRole, reason: str, document_id: str | None
) -> None:
    errors: dict[str, str] = {}
    if ctx.course.state in TERMINAL:
        raise Conflict(f"the course is {ctx.course.state.value}", field="state")
    minor = is_minor(ctx.protocol.consent, ctx.age_years)
    allowed = {SignerRole.GUARDIAN, SignerRole.ASSENT} if minor else {SignerRole.PATIENT}
    if by not in allowed:
        errors["by"] = "who withdrew: " + " or ".join(sorted(r.value for r in allowed))
    if not reason.strip():
        errors["reason"] = "write down what was said (the reason given, or 'none given')"
    elif len(reason) > 2000:
        errors["reason"] = "at most 2000 characters"
    known = {d.id for d in ctx.protocol.consent.documents}
    if document_id is not None and document_id not in known:
        errors["document_id"] = "not a consent document of this course's protocol"
    if errors:
        raise ValidationFailed(errors)
