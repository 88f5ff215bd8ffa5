"""Informed consent: which signatures a course needs, and whether they are in force.

Adults sign the protocol's ``patient`` documents. Below the protocol's
``guardian_permission_below_age`` a minor needs both the guardian's **permission** (``guardian``
documents, signed by a guardian with legal authority) and the minor's own **assent** (``assent``
documents), recorded separately; the minor's recorded dissent blocks treatment
(clinical.md §6.3, AAP 2016). A witness signs where the document asks for one.

Consent can be withdrawn at any time; a withdrawal blocks further sessions at once
(:func:`ensure_sessions_allowed`). A later signature of the same document renews consent.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ketaclinic.domain.errors import SafetyBlock, ValidationFailed
from ketaclinic.domain.protocols.sections import Consent, ConsentDocument

SOURCE = "clinical.md §6.3"


class SignerRole(StrEnum):
    PATIENT = "patient"
    GUARDIAN = "guardian"  # permission, by a guardian with legal authority
    ASSENT = "assent"  # the minor's own assent


@dataclass(frozen=True, slots=True)
class RequiredSignature:
    """One signature a course needs: a document version, who signs it, and whether witnessed.

    ``document_hash`` is the SHA-256 of the text rendered to the signer (:func:`hash_document`);
    when set, a signature counts only if it was made on exactly that text.
    """

    document_id: str
    document_version: str
    signer: SignerRole
    witness_required: bool
    title: str = ""
    document_hash: str | None = None

    @property
    def key(self) -> str:
        return f"{self.document_id}@{self.document_version}:{self.signer.value}"


@dataclass(frozen=True, slots=True)
class Signature:
    """A signature as captured on the tablet (typed name; the drawn image is stored elsewhere).

    ``agrees`` is ``False`` for a recorded refusal (an adolescent's dissent). ``legal_authority``
    is the guardian's attested legal authority to give permission.
    """

    document_id: str
    document_version: str
    document_hash: str
    signer: SignerRole
    signer_name: str
    signed_at: datetime
    agrees: bool = True
    legal_authority: bool = False
    witness_name: str | None = None
    explained_by: str | None = None
    witness_staff_id: int | None = None  # the witness: an active staff member of the clinic
    witness_role: str | None = None  # the witness's role in the clinic when they witnessed


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """Consent withdrawn; ``document_id`` ``None`` withdraws every document."""

    by: SignerRole
    at: datetime
    reason: str = ""
    document_id: str | None = None


@dataclass(frozen=True, slots=True)
class ConsentStatus:
    """Whether consent is in force, with every missing item and every block."""

    missing: tuple[str, ...]
    blocks: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.blocks

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.blocks + self.missing


def hash_document(rendered_text: str) -> str:
    """SHA-256 (hex) of rendered consent text, NFC-normalised with ``\\n`` line endings."""
    normalised = unicodedata.normalize("NFC", rendered_text.replace("\r\n", "\n"))
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def is_minor(consent: Consent, age_years: int) -> bool:
    """Below the protocol's guardian-permission age (clinical.md §6.3)."""
    return age_years < consent.guardian_permission_below_age


def required_signatures(
    consent: Consent, age_years: int, hashes: dict[str, str] | None = None
) -> tuple[RequiredSignature, ...]:
    """The signatures a course needs from ``consent`` for a patient aged ``age_years``.

    Adults: every ``patient`` document. Minors: every ``guardian`` and every ``assent`` document,
    and there must be at least one of each (source: clinical.md §6.3). ``hashes`` maps document id
    to the hash of the rendered text. Raises :class:`ValidationFailed` when the protocol lacks the
    documents this patient needs.
    """
    minor = is_minor(consent, age_years)
    wanted = (SignerRole.GUARDIAN, SignerRole.ASSENT) if minor else (SignerRole.PATIENT,)
    errors = {
        f"consent.documents[{role.value}]": f"protocol has no {role.value} document"
        for role in wanted
        if not any(d.signer == role.value for d in consent.documents)
    }
    if errors:
        raise ValidationFailed(errors)
    docs = [d for d in consent.documents if d.signer in {r.value for r in wanted}]
    return tuple(_required(d, (hashes or {}).get(d.id)) for d in docs)


def _required(document: ConsentDocument, document_hash: str | None) -> RequiredSignature:
    return RequiredSignature(
        document.id,
        document.version,
        SignerRole(document.signer),
        document.witness_required,
        document.title,
        document_hash,
    )


def consent_status(
    required: Iterable[RequiredSignature],
    signatures: Iterable[Signature],
    withdrawals: Iterable[Withdrawal] = (),
) -> ConsentStatus:
    """Check every required signature against what was signed and withdrawn.

    For each requirement the latest event decides: a valid signature counts, a dissent or a later
    withdrawal blocks. Returns every missing item and every block (clinical.md §6.3).
    """
    signed = tuple(signatures)
    withdrawn = tuple(withdrawals)
    missing: list[str] = []
    blocks: list[str] = []
    for need in required:
        problem = _requirement_problem(need, signed, withdrawn)
        if problem is None:
            continue
        is_block, text = problem
        (blocks if is_block else missing).append(f"{need.key}: {text}")
    return ConsentStatus(tuple(missing), tuple(blocks))


def _requirement_problem(
    need: RequiredSignature, signed: tuple[Signature, ...], withdrawn: tuple[Withdrawal, ...]
) -> tuple[bool, str] | None:
    mine = [s for s in signed if _matches(need, s)]
    if not mine:
        return False, f"{need.signer.value} signature missing"
    latest = max(mine, key=lambda s: s.signed_at)
    undo = [w for w in withdrawn if _withdraws(need, w) and w.at >= latest.signed_at]
    if undo:
        return True, f"consent withdrawn by {undo[0].by.value} on {undo[0].at.date():%-d %b %Y}"
    if not latest.agrees:
        who = "adolescent dissent" if need.signer is SignerRole.ASSENT else "refusal"
        return True, f"{who} recorded on {latest.signed_at.date():%-d %b %Y}"
    return _signature_problem(need, latest)


def _matches(need: RequiredSignature, signature: Signature) -> bool:
    return (
        signature.document_id == need.document_id
        and signature.document_version == need.document_version
        and signature.signer is need.signer
    )


def _withdraws(need: RequiredSignature, withdrawal: Withdrawal) -> bool:
    return withdrawal.document_id in (None, need.document_id)


def _signature_problem(need: RequiredSignature, signature: Signature) -> tuple[bool, str] | None:
    if not signature.signer_name.strip():
        return False, "signer name missing"
    if need.document_hash is not None and signature.document_hash != need.document_hash:
        return False, "signed text differs from the current document (hash mismatch)"
    if need.signer is SignerRole.GUARDIAN and not signature.legal_authority:
        return False, "guardian's legal authority not attested"
    if need.witness_required and not (signature.witness_name or "").strip():
        return False, "witness required"
    return None


def ensure_sessions_allowed(status: ConsentStatus) -> None:
    """Raise :class:`SafetyBlock` unless consent is complete and in force (clinical.md §6.3)."""
    if not status.complete:
        raise SafetyBlock(
            "consent is not in force: no further sessions", reasons=status.reasons, field="consent"
        )
