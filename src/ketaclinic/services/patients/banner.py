"""Who the patient is, for the banner at the top of every page about one patient: name, date of
birth and age, MRN, allergies, minor and guardian status, open safety flags, and the current
course's protocol and state. Open safety flags are clinical and left out for a role without
CHART_READ (the front desk).

One read in one unit of work; the page that shows the banner is itself audited as a read of
this patient (its path names the patient, course, session or order). Minor status follows the
current course's protocol (its guardian-permission age, clinical.md §6.3); without a course, the
age of majority used by the questionnaires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from ketaclinic.domain.assessments.records import ADULT_AGE_YEARS
from ketaclinic.domain.errors import NotFound
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import Allergy, Patient, RelatedPerson, age_on
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.services.identity.authorization import allowed, require
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published
from ketaclinic.services.scheduling.course_kind import course_is_kat


@dataclass(frozen=True, slots=True)
class PatientBanner:
    patient: Patient
    age_years: int
    allergies: Sequence[Allergy]
    minor: bool
    minor_below_age: int
    guardians: Sequence[RelatedPerson]
    safety_flags: Sequence[str]
    course: Course | None
    protocol_title: str
    protocol_version: str
    kat: bool = False  # the course doses by SL, IN or IM (ketamine-assisted therapy)

    @property
    def series_words(self) -> str:
        """A KAT course in its series (state ``induction``) reads "in KAT sessions": a KAT
        course has no induction infusion. Empty otherwise (the state's own words apply)."""
        if self.kat and self.course is not None and self.course.state is CourseState.INDUCTION:
            return "in KAT sessions"
        return ""

    @property
    def date_of_birth(self) -> date:
        return self.patient.details.date_of_birth

    @property
    def guardian_with_authority(self) -> bool:
        return any(g.details.legal_authority for g in self.guardians)


class PatientBannerService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def banner(self, actor: Actor, patient_id: int) -> PatientBanner:
        """The banner of one patient of the actor's clinic (PATIENT_READ)."""
        require(actor, Permission.PATIENT_READ)
        with self._uow().read_only() as uow:
            patient = uow.patients.get(actor.clinic_id, patient_id)
            if patient is None:
                raise NotFound("no such patient in this clinic", field="patient_id")
            clinic = uow.clinics.get(actor.clinic_id)
            zone = ZoneInfo(clinic.timezone if clinic else "UTC")
            found = _banner(uow, patient, self._clock.now().astimezone(zone).date())
            if allowed(actor, Permission.CHART_READ):
                return found
            return replace(found, safety_flags=())  # clinical: not the front desk's to read


def _banner(uow: UnitOfWork, patient: Patient, today: date) -> PatientBanner:
    clinic_id = patient.clinic_id
    courses = uow.courses.for_patient(clinic_id, patient.id)
    course = max(courses, key=lambda c: c.id) if courses else None
    title, version, below = "", "", ADULT_AGE_YEARS
    kat = False
    if course is not None:
        kat = course_is_kat(uow, course)
        view = load_published(uow, clinic_id, course.protocol_version_id)
        title, version = view.published.title, view.published.version
        below = view.protocol.consent.guardian_permission_below_age
    age = age_on(patient.details.date_of_birth, today)
    related = uow.patients.related(clinic_id, patient.id)
    return PatientBanner(
        patient=patient,
        age_years=age,
        allergies=uow.patients.allergies(clinic_id, patient.id),
        minor=age < below,
        minor_below_age=below,
        guardians=[r for r in related if r.details.kind.value == "guardian"],
        safety_flags=[
            f"{t.urgency.value.replace('_', '-')}: {t.reason}"
            for t in uow.safety_tasks.open_for_patient(clinic_id, patient.id)
        ],
        course=course,
        protocol_title=title,
        protocol_version=version,
        kat=kat,
    )
