"""Patient self-report through expiring, single-use links (no account needed).

A staff member creates a link on the chart; the patient opens ``/link/<token>`` on their own
device and answers. The token is stored only as a SHA-256 hash; the link expires after
``settings.assessment_link_hours`` and is used once. Each rendered form carries the link's form
token, checked on submit. An expired, used or unknown link stores nothing. For a patient under 18
the link still goes to the patient and, per the clinic's policy, a "guardian informed" notice is
recorded (seed 002: family involvement).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from ketaclinic.domain.assessments.instruments import Instrument, get_instrument
from ketaclinic.domain.assessments.records import (
    LINK_MESSAGES,
    UNKNOWN_LINK_MESSAGE,
    AnsweredBy,
    AssessmentLink,
    GuardianNotice,
    LinkState,
    ResponseSource,
    guardian_to_inform,
)
from ketaclinic.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.people import Patient
from ketaclinic.services.assessments.responses import (
    Answered,
    Recorded,
    check_course,
    score_answers,
    store_response,
)
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.identity.ports import TokenSource
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

LINK_ACTOR_LABEL = "patient-link"


class LinkUnavailable(Conflict):
    """The link is expired, already used or unknown; ``detail`` is the message for the patient."""


def link_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class CreatedLink:
    """The new link and its token: shown once to hand over, never stored in clear."""

    link: AssessmentLink
    token: str


@dataclass(frozen=True, slots=True)
class LinkForm:
    link: AssessmentLink
    instrument: Instrument
    timezone: str = "UTC"  # the clinic's: the link's expiry is shown in it


class LinkService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        tokens: TokenSource,
        *,
        link_hours: int,
        guardian_notice: GuardianNotice = GuardianNotice.INFORM,
    ) -> None:
        self._uow, self._clock, self._tokens = uow_factory, clock, tokens
        self._lifetime = timedelta(hours=link_hours)
        self._guardian_notice = guardian_notice

    def create(
        self, actor: Actor, patient_id: int, instrument_id: str, course_id: int | None = None
    ) -> CreatedLink:
        """A link for an instrument with a self-report form; records the guardian notice for a
        minor."""
        require(actor, Permission.ASSESSMENT_RECORD)
        instrument = get_instrument(instrument_id)
        if not instrument.self_report:
            raise ValidationFailed({"instrument_id": "clinician-rated: enter it on the chart"})
        assert actor.staff_id is not None
        token, now = self._tokens.new_token(), self._clock.now()
        with self._uow() as uow:
            patient = _patient(uow, actor.clinic_id, patient_id)
            check_course(uow, actor.clinic_id, patient_id, course_id)
            inform = guardian_to_inform(
                patient.details.date_of_birth, now.date(), self._guardian_notice
            )
            link = uow.assessment_links.add(
                actor.clinic_id,
                patient_id=patient_id,
                course_id=course_id,
                instrument_id=instrument_id,
                token_hash=link_token_hash(token),
                form_token=self._tokens.new_token(),
                created_by=actor.staff_id,
                at=now,
                expires_at=now + self._lifetime,
                guardian_informed=inform,
            )
            if inform:
                self._inform_guardian(uow, actor, link)
            record(
                uow,
                self._clock,
                actor,
                "assessment_link.create",
                object_type="assessment_link",
                object_id=link.id,
                patient_id=patient_id,
                detail=f"instrument={instrument_id} guardian_informed={str(inform).lower()}",
            )
            uow.commit()
        return CreatedLink(link, token)

    def _inform_guardian(self, uow: UnitOfWork, actor: Actor, link: AssessmentLink) -> None:
        guardians = [
            r
            for r in uow.patients.related(actor.clinic_id, link.patient_id)
            if r.details.kind.value == "guardian"
        ]
        who = (
            f"guardian(s) {', '.join(str(g.id) for g in guardians)}"
            if guardians
            else ("no guardian on file: inform the guardian directly")
        )
        uow.notices.add(
            actor.clinic_id,
            link.patient_id,
            kind="guardian_informed",
            audience="guardian",
            ref=f"assessment_link:{link.id}",
            message=f"Questionnaire link {link.id} ({link.instrument_id}) sent to the patient; "
            f"{who}",
            at=self._clock.now(),
        )

    def links(self, actor: Actor, patient_id: int) -> list[AssessmentLink]:
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            _patient(uow, actor.clinic_id, patient_id)
            return list(uow.assessment_links.for_patient(actor.clinic_id, patient_id))

    def open(self, token: str) -> LinkForm:
        """The questionnaire behind a usable link; LinkUnavailable with the patient's message."""
        with self._uow() as uow:
            link = self._usable(uow, token)
            clinic = uow.clinics.get(link.clinic_id)
        zone = clinic.timezone if clinic else "UTC"
        return LinkForm(link, get_instrument(link.instrument_id), zone)

    def submit(
        self, token: str, form_token: str, answers: Mapping[str, int], *, client: str = ""
    ) -> Recorded:
        """Store the patient's answers once; nothing is stored for a refused submission."""
        with self._uow() as uow:
            link = self._usable(uow, token)
            if not form_token or not hmac.compare_digest(form_token, link.form_token):
                raise PermissionDenied(
                    "this form did not come from your questionnaire link; reload it",
                    field="form_token",
                )
            result = score_answers(link.instrument_id, answers)
            actor = Actor(None, None, link.clinic_id, client, label=LINK_ACTOR_LABEL)
            answered = Answered(
                AnsweredBy.PATIENT, ResponseSource.LINK, self._clock.now(), link_id=link.id
            )
            recorded = store_response(
                uow, self._clock, actor, link.patient_id, link.course_id, result, answered
            )
            uow.assessment_links.mark_used(link, recorded.response.id, at=self._clock.now())
            uow.commit()
        return recorded

    def _usable(self, uow: UnitOfWork, token: str) -> AssessmentLink:
        link = uow.assessment_links.by_token_hash(link_token_hash(token)) if token else None
        if link is None:
            raise LinkUnavailable(UNKNOWN_LINK_MESSAGE, field="token")
        state = link.state(self._clock.now())
        if state is not LinkState.USABLE:
            raise LinkUnavailable(LINK_MESSAGES[state], field="token")
        return link


def _patient(uow: UnitOfWork, clinic_id: int, patient_id: int) -> Patient:
    patient = uow.patients.get(clinic_id, patient_id)
    if patient is None:
        raise NotFound("no such patient in this clinic", field="patient_id")
    return patient
