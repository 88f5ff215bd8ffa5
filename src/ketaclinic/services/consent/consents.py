"""Informed consent on a tablet: the documents a course needs, signatures, dissent, withdrawal.

Which signatures a course needs comes from its pinned protocol's consent section and the
patient's age today (``domain.consent.signatures.required_signatures``; clinical.md §6.3): adults
sign the patient documents; a minor needs a guardian's permission (a chart guardian with recorded
legal authority) and their own assent, recorded separately. Each document is rendered from its
versioned template and hashed; a signature counts only on exactly the text shown. An
adolescent's dissent is recorded and blocks; a withdrawal blocks further sessions at once.
Every signature, dissent and withdrawal is audited in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.consent.documents import RenderedDocument, render_document
from ketaclinic.domain.consent.signatures import (
    ConsentStatus,
    Signature,
    SignerRole,
    Withdrawal,
    consent_status,
    is_minor,
    required_signatures,
)
from ketaclinic.domain.errors import Conflict, NotFound, ValidationFailed
from ketaclinic.domain.evaluation.records import StoredDecision, StoredSignature, StoredWithdrawal
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.course import ConsentFacts, CourseState
from ketaclinic.domain.patients.people import RelatedPerson
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.audit.trail import record
from ketaclinic.services.consent.checks import (
    Requirement,
    SignatureInput,
    Witness,
    check_capture,
    check_signer,
    check_withdrawal,
    check_witness,
    matching_requirement,
    witness_choices,
)
from ketaclinic.services.consent.ports import ConsentLibrary
from ketaclinic.services.evaluation.eligibility import decisions_for
from ketaclinic.services.evaluation.evaluations import CourseContext, course_context, guardians
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

SIGNING_STATES = frozenset(
    {
        CourseState.ELIGIBLE,
        CourseState.CONSENTED,
        CourseState.INDUCTION,
        CourseState.REASSESSMENT,
        CourseState.MAINTENANCE,
    }
)
PNG_PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 512 * 1024
MAX_NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class ConsentExport:
    """Everything the FHIR export of one patient needs (Consent, RelatedPerson, DetectedIssue)."""

    patient_id: int
    signatures: Sequence[StoredSignature]
    withdrawals: Sequence[StoredWithdrawal]
    guardians: tuple[RelatedPerson, ...]
    decisions: Sequence[StoredDecision]


@dataclass(frozen=True, slots=True)
class ConsentView:
    context: CourseContext
    minor: bool
    requirements: tuple[Requirement, ...]
    status: ConsentStatus
    signatures: Sequence[StoredSignature]
    withdrawals: Sequence[StoredWithdrawal]
    guardians: tuple[RelatedPerson, ...]
    witnesses: tuple[Witness, ...] = ()  # the clinic's active staff, who may witness

    @property
    def can_sign(self) -> bool:
        return self.context.course.state in SIGNING_STATES

    def requirement(self, document_id: str, signer: SignerRole) -> Requirement | None:
        return next(
            (
                r
                for r in self.requirements
                if r.need.document_id == document_id and r.need.signer is signer
            ),
            None,
        )


def requirements(
    library: ConsentLibrary, ctx: CourseContext, protocol: Protocol | None = None
) -> tuple[Requirement, ...]:
    """Every signature the course needs today, each with its document rendered and hashed."""
    consent = (protocol or ctx.protocol).consent
    rendered = {d.document_id: d for d in rendered_documents(library, ctx)}
    hashes = {k: v.hash for k, v in rendered.items()}
    needs = required_signatures(consent, ctx.age_years, hashes)
    return tuple(Requirement(n, rendered[n.document_id]) for n in needs)


def course_consent_status(
    uow: UnitOfWork, library: ConsentLibrary, ctx: CourseContext
) -> ConsentStatus:
    """Whether consent is complete and in force for the course, with every reason."""
    needs = [r.need for r in requirements(library, ctx)]
    signed = [s.signature for s in uow.consents.signatures(ctx.course.clinic_id, ctx.course.id)]
    withdrawn = [
        w.withdrawal for w in uow.consents.withdrawals(ctx.course.clinic_id, ctx.course.id)
    ]
    return consent_status(needs, signed, withdrawn)


def consent_allows_sessions(
    uow: UnitOfWork, course: Course, *, library: ConsentLibrary, now: datetime
) -> ConsentStatus:
    """For the dosing and infusion areas: consent status of ``course`` at ``now``.

    ``.complete`` is ``True`` only when every required signature is in force; otherwise
    ``.reasons`` lists every block (dissent, withdrawal) and every missing item. Pass it to
    ``domain.consent.signatures.ensure_sessions_allowed`` to refuse a session (clinical.md §6.3).
    """
    ctx = course_context(uow, course.clinic_id, course.id, now)
    try:
        return course_consent_status(uow, library, ctx)
    except (NotFound, ValidationFailed) as problem:  # a protocol whose documents cannot be shown
        return ConsentStatus(missing=(), blocks=(f"consent documents unavailable: {problem}",))


class ConsentService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, library: ConsentLibrary
    ) -> None:
        self._uow, self._clock, self._library = uow_factory, clock, library

    def allows_sessions(self, uow: UnitOfWork, course: Course) -> ConsentStatus:
        """:func:`consent_allows_sessions` with this service's library and clock."""
        return consent_allows_sessions(uow, course, library=self._library, now=self._clock.now())

    def facts(self, uow: UnitOfWork, course: Course, protocol: Protocol) -> ConsentFacts:
        """Course fact provider: ``consent`` is the course's consent status."""
        return ConsentFacts(self.allows_sessions(uow, course))

    def view(self, actor: Actor, course_id: int) -> ConsentView:
        """The documents to sign with their text and hash, what is signed, and the status."""
        require(actor, Permission.PATIENT_READ)
        with self._uow() as uow:
            ctx = course_context(uow, actor.clinic_id, course_id, self._clock.now())
            needs = requirements(self._library, ctx)
            signed = uow.consents.signatures(actor.clinic_id, course_id)
            withdrawn = uow.consents.withdrawals(actor.clinic_id, course_id)
            chart_guardians = guardians(uow, actor.clinic_id, ctx.course.patient_id)
            witnesses = witness_choices(uow, actor.clinic_id)
        status = consent_status(
            [r.need for r in needs],
            [s.signature for s in signed],
            [w.withdrawal for w in withdrawn],
        )
        minor = is_minor(ctx.protocol.consent, ctx.age_years)
        return ConsentView(ctx, minor, needs, status, signed, withdrawn, chart_guardians, witnesses)

    def sign(self, actor: Actor, course_id: int, given: SignatureInput) -> StoredSignature:
        """Record one signature (or dissent) on the tablet; see the module docstring.

        Refused with the field named: a document this patient does not need (an adult document
        for a minor, assent for an adult), text changed since it was shown (hash), a guardian
        who is not a chart guardian with legal authority, a typed name that is not the signer's,
        a missing drawing for an agreement, a missing witness where the document asks for one, a
        witness who is not an active staff member of the clinic or is only a typed name
        (:func:`.checks.check_witness`, rule ``consent.witness_staff``).
        """
        require(actor, Permission.CONSENT_COLLECT)
        assert actor.staff_id is not None
        now = self._clock.now()
        with self._uow() as uow:
            ctx = course_context(uow, actor.clinic_id, course_id, now)
            if ctx.course.state not in SIGNING_STATES:
                raise Conflict(
                    "consent is collected once the course is eligible, "
                    f"not while it is {ctx.course.state.value}",
                    field="state",
                )
            req = matching_requirement(requirements(self._library, ctx), given)
            legal = check_signer(uow, ctx, given)
            check_capture(given, req)
            witness = check_witness(uow, actor.clinic_id, given, req)
            staff = uow.staff.get(actor.staff_id)
            explainer = staff.name if staff and given.signer is SignerRole.ASSENT else None
            signature = _signature(
                req, given, now, legal=legal, explained_by=explainer, witness=witness
            )
            stored = uow.consents.add_signature(
                ctx.course,
                signature,
                related_person_id=given.related_person_id
                if given.signer is SignerRole.GUARDIAN
                else None,
                image_png=given.image_png,
                by=actor.staff_id,
            )
            self._audit_signature(uow, actor, stored)
            if reaches_adulthood(ctx, signature):
                self._audit_adult_reconsent(uow, actor, stored)
            uow.commit()
        return stored

    def withdraw(
        self,
        actor: Actor,
        course_id: int,
        by: SignerRole,
        reason: str,
        document_id: str | None = None,
    ) -> StoredWithdrawal:
        """Record a withdrawal of consent: further sessions are blocked at once.

        ``by`` is who withdrew (the patient; for a minor the guardian or the minor); a written
        ``reason`` is required (what the person said). ``document_id`` ``None`` withdraws all.
        """
        require(actor, Permission.CONSENT_COLLECT)
        assert actor.staff_id is not None
        now = self._clock.now()
        with self._uow() as uow:
            ctx = course_context(uow, actor.clinic_id, course_id, now)
            check_withdrawal(ctx, by, reason, document_id)
            withdrawal = Withdrawal(by, now, " ".join(reason.split()), document_id)
            stored = uow.consents.add_withdrawal(ctx.course, withdrawal, by=actor.staff_id)
            record(
                uow,
                self._clock,
                actor,
                "consent.withdraw",
                object_type="course",
                object_id=course_id,
                patient_id=ctx.course.patient_id,
                detail=f"by={by.value} document={document_id or 'all'} reason={withdrawal.reason}",
            )
            uow.commit()
        return stored

    def signed_document(
        self, actor: Actor, signature_id: int
    ) -> tuple[StoredSignature, RenderedDocument, CourseContext]:
        """A stored signature with the text it was made on (for printing)."""
        require(actor, Permission.PATIENT_READ)
        with self._uow() as uow:
            stored = uow.consents.get(actor.clinic_id, signature_id)
            if stored is None:
                raise NotFound("no such consent in this clinic", field="consent_id")
            ctx = course_context(uow, actor.clinic_id, stored.course_id, stored.signature.signed_at)
            document = next(
                r
                for r in rendered_documents(self._library, ctx)
                if r.document_id == stored.signature.document_id
            )
        if document.hash != stored.signature.document_hash:
            raise Conflict("the stored text no longer matches the signed hash", field="consent_id")
        return stored, document, ctx

    def for_patient(self, actor: Actor, patient_id: int) -> Sequence[StoredSignature]:
        """Every consent signature of the patient (for exports)."""
        require(actor, Permission.PATIENT_READ)
        with self._uow() as uow:
            if uow.patients.get(actor.clinic_id, patient_id) is None:
                raise NotFound("no such patient in this clinic", field="patient_id")
            return uow.consents.for_patient(actor.clinic_id, patient_id)

    def export(self, actor: Actor, patient_id: int) -> ConsentExport:
        """Every signature, withdrawal, guardian and signed eligibility decision of a patient."""
        require(actor, Permission.PATIENT_READ)
        with self._uow() as uow:
            if uow.patients.get(actor.clinic_id, patient_id) is None:
                raise NotFound("no such patient in this clinic", field="patient")
            courses = uow.courses.for_patient(actor.clinic_id, patient_id)
            withdrawals = [
                w for c in courses for w in uow.consents.withdrawals(actor.clinic_id, c.id)
            ]
            return ConsentExport(
                patient_id,
                uow.consents.for_patient(actor.clinic_id, patient_id),
                withdrawals,
                guardians(uow, actor.clinic_id, patient_id),
                decisions_for(uow, actor.clinic_id, courses),
            )

    def _audit_adult_reconsent(
        self, uow: UnitOfWork, actor: Actor, stored: StoredSignature
    ) -> None:
        """The patient, now an adult, consented for themselves on a course begun as a minor."""
        record(
            uow,
            self._clock,
            actor,
            "consent.adult_reconsent",
            object_type="course",
            object_id=stored.course_id,
            patient_id=stored.patient_id,
            detail=(
                f"document={stored.signature.document_id}@{stored.signature.document_version} "
                "guardian permission and assent no longer required from here on"
            ),
        )

    def _audit_signature(self, uow: UnitOfWork, actor: Actor, stored: StoredSignature) -> None:
        s = stored.signature
        what = "agrees" if s.agrees else ("dissent" if s.signer is SignerRole.ASSENT else "refuses")
        record(
            uow,
            self._clock,
            actor,
            "consent.sign",
            object_type="consent_signature",
            object_id=stored.id,
            patient_id=stored.patient_id,
            detail=(
                f"course={stored.course_id} document={s.document_id}@{s.document_version} "
                f"signer={s.signer.value} {what} hash={s.document_hash[:16]} "
                f"related_person={stored.related_person_id or '-'} "
                f"witness={s.witness_staff_id or ('typed' if s.witness_name else 'no')}"
            ),
        )


def reaches_adulthood(ctx: CourseContext, signature: Signature) -> bool:
    """A patient's own agreement on a pack that consents minors through a guardian: the course
    was begun (or could have been) as a minor and the patient is now an adult (clinical.md §6.3)."""
    consent = ctx.protocol.consent
    guarded = any(d.signer == SignerRole.GUARDIAN.value for d in consent.documents)
    return (
        guarded
        and signature.agrees
        and signature.signer is SignerRole.PATIENT
        and not is_minor(consent, ctx.age_years)
    )


def _signature(
    req: Requirement,
    given: SignatureInput,
    now: datetime,
    *,
    legal: bool,
    explained_by: str | None,
    witness: Witness | None,
) -> Signature:
    return Signature(
        document_id=req.need.document_id,
        document_version=req.need.document_version,
        document_hash=req.document.hash,
        signer=given.signer,
        signer_name=" ".join(given.signer_name.split()),
        signed_at=now,
        agrees=given.agrees,
        legal_authority=legal,
        witness_name=witness.name if witness else None,
        explained_by=explained_by,
        witness_staff_id=witness.staff_id if witness else None,
        witness_role=witness.role.value if witness else None,
    )


def rendered_documents(library: ConsentLibrary, ctx: CourseContext) -> list[RenderedDocument]:
    """Every consent document of the course's protocol, rendered for this patient and hashed."""
    values = {
        "patient_name": f"{ctx.patient.details.given_name} {ctx.patient.details.family_name}",
        "programme": ctx.published.title,
        "clinic_name": ctx.clinic_name,
    }
    out = []
    for document in ctx.protocol.consent.documents:
        template = library.get(document.id, document.version)
        if template is None:
            raise NotFound(
                f"no text for consent document {document.id} version {document.version}",
                field="consent.documents",
            )
        out.append(render_document(template, values))
    return out
