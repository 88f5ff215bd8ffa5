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
from ketaclinic.domain.identity.access import Role
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
    ``witness_staff_id`` picks the witness among the clinic's active staff; ``witness_name`` is
    accepted only beside it, as the name shown (a typed name alone is refused: see
    :func:`check_witness`).
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
    witness_staff_id: int | None = None


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
    if errors:
        raise ValidationFailed(errors)


@dataclass(frozen=True, slots=True)
class Witness:
    """The witness of a signature: an active staff member of the clinic, by id, name and role."""

    staff_id: int
    name: str
    role: Role


#: The rule a witness check refuses with.
RULE_WITNESS = "consent.witness_staff"


def check_witness(
    uow: UnitOfWork, clinic_id: int, given: SignatureInput, req: Requirement
) -> Witness | None:
    """The witness chosen for this signature, checked (rule ``consent.witness_staff``).

    A witness is a named, active staff member of this clinic chosen by ``witness_staff_id``;
    the name and role stored are the staff record's. Refused naming the field: a document that
    needs a witness without one; a typed ``witness_name`` with no staff member chosen (a name
    nobody can be held to); an unknown, deactivated or other clinic's staff id; a typed name
    that is not the chosen member's. The clinician collecting consent may also witness it
    (clinical.md §6.3 does not ask otherwise). None when the document needs no witness and
    none is named.
    """
    typed = " ".join(given.witness_name.split())
    if given.witness_staff_id is None:
        if typed:
            raise ValidationFailed(
                {
                    "witness_name": f"{RULE_WITNESS}: the witness is chosen from the clinic's "
                    "staff (witness_staff_id), not typed"
                }
            )
        if req.need.witness_required:
            raise ValidationFailed(
                {
                    "witness_staff_id": f"{RULE_WITNESS}: this document needs a witness: "
                    "choose the member of staff who witnessed the signature"
                }
            )
        return None
    member = uow.staff.get(given.witness_staff_id)
    role = next(
        (m.role for m in uow.staff.memberships(given.witness_staff_id) if m.clinic_id == clinic_id),
        None,
    )
    if member is None or not member.active or role is None:
        raise ValidationFailed(
            {"witness_staff_id": f"{RULE_WITNESS}: not an active member of this clinic's staff"}
        )
    if typed and not _names_match(typed, member.name):
        raise ValidationFailed(
            {"witness_name": f"{RULE_WITNESS}: the name is not the chosen witness's name"}
        )
    return Witness(member.id, member.name, role)


def witness_choices(uow: UnitOfWork, clinic_id: int) -> tuple[Witness, ...]:
    """The clinic's active staff who may witness a signature, in name order."""
    return tuple(
        Witness(m.id, m.name, role) for m, role in uow.staff.list_for_clinic(clinic_id) if m.active
    )


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
