"""Recorded instrument responses, patient self-report links and in-app notices.

A response keeps every item answer as entered (item id -> ordinal), the scores computed from
them at the time (total, band, subscales, safety rule ids), who answered and when, and the exact
instrument version (clinical.md §5.1: item-level answers and version are needed to re-score).

A self-report link is single use and expires (``settings.assessment_link_hours``). Its token is
stored only as a hash. For a patient under 18 the link still goes to the patient and the guardian
is informed according to the clinic's policy (seed 002: family involvement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from ketaclinic.domain.patients.people import age_on

ADULT_AGE_YEARS = 18


class AnsweredBy(StrEnum):
    STAFF = "staff"  # entered on the chart by a staff member (clinician-rated or read aloud)
    PATIENT = "patient"  # the patient, on their own device through a link
    GUARDIAN = "guardian"


class ResponseSource(StrEnum):
    CHART = "chart"
    LINK = "link"
    FHIR = "fhir"


class GuardianNotice(StrEnum):
    """Clinic policy when a link is created for an adolescent (age < 18)."""

    INFORM = "inform"  # record that the guardian is informed a questionnaire was sent
    NONE = "none"  # the clinic does not inform the guardian (recorded as not informed)


class LinkState(StrEnum):
    USABLE = "usable"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True, slots=True)
class NewResponse:
    """What a service stores for one scored response (scores come from
    ``domain.assessments.instruments``)."""

    patient_id: int
    course_id: int | None
    instrument_id: str
    instrument_version: str
    answers: dict[str, int]
    total: int | None
    band: str | None
    band_label: str | None
    subscales: dict[str, int]
    safety_flags: tuple[str, ...]
    complete: bool
    answered_by: AnsweredBy
    source: ResponseSource
    answered_at: datetime
    recorded_by: int | None = None
    link_id: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class AssessmentResponse:
    """A stored response (see module docstring); ``recorded_by`` is a staff id or None."""

    id: int
    clinic_id: int
    patient_id: int
    course_id: int | None
    instrument_id: str
    instrument_version: str
    answers: dict[str, int]
    total: int | None
    band: str | None
    band_label: str | None
    subscales: dict[str, int]
    safety_flags: tuple[str, ...]
    complete: bool
    answered_by: AnsweredBy
    source: ResponseSource
    answered_at: datetime
    recorded_at: datetime
    recorded_by: int | None = None
    link_id: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ScoredResponse:
    """The scored facts of one response that other areas read (outcomes tags these)."""

    id: int
    patient_id: int
    instrument_id: str
    total: int
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class AssessmentLink:
    """A single-use self-report link; the token itself is never stored, only its hash."""

    id: int
    clinic_id: int
    patient_id: int
    course_id: int | None
    instrument_id: str
    form_token: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    response_id: int | None = None
    guardian_informed: bool = False

    def state(self, now: datetime) -> LinkState:
        """Used wins over expired: a used link is never reopened, whatever the time."""
        if self.used_at is not None:
            return LinkState.USED
        if now >= self.expires_at:
            return LinkState.EXPIRED
        return LinkState.USABLE


LINK_MESSAGES = {
    LinkState.EXPIRED: "This questionnaire link has expired. Please ask the clinic for a new one.",
    LinkState.USED: (
        "This questionnaire has already been answered — thank you. Nothing more is needed."
    ),
}
UNKNOWN_LINK_MESSAGE = "This questionnaire link is not valid. Please ask the clinic for a new one."


@dataclass(frozen=True, slots=True)
class Notice:
    """An in-app notice. ``message`` carries ids and event names only, never patient details."""

    id: int
    clinic_id: int
    patient_id: int
    kind: str  # "safety_task" | "guardian_informed"
    audience: str  # "prescribers" | "guardian"
    ref: str
    message: str
    created_at: datetime


def is_minor(date_of_birth: date, on: date) -> bool:
    """Under 18 on ``on`` (seed 002: the adolescent pathway)."""
    return age_on(date_of_birth, on) < ADULT_AGE_YEARS


def guardian_to_inform(date_of_birth: date, on: date, policy: GuardianNotice) -> bool:
    """Whether a link for this patient must record that the guardian is informed."""
    return policy is GuardianNotice.INFORM and is_minor(date_of_birth, on)
