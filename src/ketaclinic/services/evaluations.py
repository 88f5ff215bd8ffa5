"""The initial evaluation of a course: recorded by a physician or APP, versioned, audited.

An evaluation belongs to one treatment course (it is weighed against that course's pinned
protocol). Every save stores a new version; earlier versions stay readable. The chart is the
source of truth for age, sex at birth and allergies: a submitted evaluation that disagrees with
the chart about age or sex is refused (naming the field), and chart allergies are always carried
into the evaluation (clinical.md §1.4: history, medication and allergy list).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ketaclinic.domain.access import Permission
from ketaclinic.domain.course import CourseState
from ketaclinic.domain.errors import Conflict, NotFound, ValidationFailed
from ketaclinic.domain.evaluation import Allergy, Evaluation, SexAtBirth
from ketaclinic.domain.evaluation_records import StoredEvaluation
from ketaclinic.domain.medications import MedicationReview, review_medications
from ketaclinic.domain.patients import Patient, RelatedPerson, RelationshipKind, age_on
from ketaclinic.domain.protocol.model import Protocol
from ketaclinic.domain.staff import Actor
from ketaclinic.domain.treatment import Course, PublishedProtocol
from ketaclinic.services.audit import record
from ketaclinic.services.authorization import require
from ketaclinic.services.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols import load_published

EDITABLE_STATES = frozenset({CourseState.REFERRED, CourseState.EVALUATING})
CLOCK_SKEW = timedelta(minutes=5)  # a reading "from the future" beyond this is a typing error


@dataclass(frozen=True, slots=True)
class CourseContext:
    """A course with its patient, pinned protocol and the patient's age today (clinic time)."""

    course: Course
    patient: Patient
    published: PublishedProtocol
    protocol: Protocol
    today: date
    age_years: int
    clinic_name: str


def course_context(uow: UnitOfWork, clinic_id: int, course_id: int, now: datetime) -> CourseContext:
    """Load the course of this clinic (404 otherwise) with what every area around it needs."""
    course = get_course(uow, clinic_id, course_id)
    patient = uow.patients.get(clinic_id, course.patient_id)
    clinic = uow.clinics.get(clinic_id)
    if patient is None or clinic is None:
        raise NotFound("no such course in this clinic", field="course_id")
    view = load_published(uow, clinic_id, course.protocol_version_id)
    today = now.astimezone(ZoneInfo(clinic.timezone)).date()
    age = age_on(patient.details.date_of_birth, today)
    return CourseContext(course, patient, view.published, view.protocol, today, age, clinic.name)


def guardians(uow: UnitOfWork, clinic_id: int, patient_id: int) -> tuple[RelatedPerson, ...]:
    """The chart's guardians of the patient (with or without recorded legal authority)."""
    return tuple(
        r
        for r in uow.patients.related(clinic_id, patient_id)
        if r.details.kind is RelationshipKind.GUARDIAN
    )


@dataclass(frozen=True, slots=True)
class Workspace:
    """What the evaluation screen shows: the current version, its history and the review."""

    context: CourseContext
    chart_allergies: tuple[Allergy, ...]
    current: StoredEvaluation | None
    versions: Sequence[StoredEvaluation]
    review: MedicationReview | None
    editable: bool


class EvaluationService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def workspace(self, actor: Actor, course_id: int) -> Workspace:
        """The evaluation of a course with every earlier version and the medication review."""
        require(actor, Permission.PATIENT_READ)
        with self._uow() as uow:
            ctx = course_context(uow, actor.clinic_id, course_id, self._clock.now())
            versions = uow.evaluations.versions(actor.clinic_id, course_id)
            allergies = _chart_allergies(uow, ctx)
        current = versions[0] if versions else None
        review = None
        if current is not None and current.evaluation.medications is not None:
            review = review_medications(current.evaluation.medications)
        editable = ctx.course.state in EDITABLE_STATES
        return Workspace(ctx, allergies, current, versions, review, editable)

    def record(self, actor: Actor, course_id: int, evaluation: Evaluation) -> StoredEvaluation:
        """Store ``evaluation`` as the course's next version (physician or APP).

        Refused while the course is past evaluation (its eligibility is signed on the stored
        version), when age or sex at birth disagree with the chart, or when a timed entry lies in
        the future. Chart allergies are merged in. Audited as ``evaluation.record``.
        """
        require(actor, Permission.EVALUATION_WRITE)
        assert actor.staff_id is not None
        now = self._clock.now()
        with self._uow() as uow:
            ctx = course_context(uow, actor.clinic_id, course_id, now)
            if ctx.course.state not in EDITABLE_STATES:
                raise Conflict(
                    f"the evaluation is closed once the course is {ctx.course.state.value}",
                    field="state",
                )
            checked = _checked(evaluation, ctx, _chart_allergies(uow, ctx), now)
            stored = uow.evaluations.add_version(ctx.course, checked, by=actor.staff_id, at=now)
            record(
                uow,
                self._clock,
                actor,
                "evaluation.record",
                object_type="course",
                object_id=course_id,
                patient_id=ctx.course.patient_id,
                detail=f"version={stored.version}",
            )
            uow.commit()
        return stored


def _chart_allergies(uow: UnitOfWork, ctx: CourseContext) -> tuple[Allergy, ...]:
    return tuple(
        Allergy(a.substance, a.reaction)
        for a in uow.patients.allergies(ctx.course.clinic_id, ctx.course.patient_id)
    )


def _checked(
    evaluation: Evaluation, ctx: CourseContext, chart: tuple[Allergy, ...], now: datetime
) -> Evaluation:
    errors: dict[str, str] = {}
    if evaluation.age_years != ctx.age_years:
        errors["age_years"] = f"the chart gives {ctx.age_years} years on {ctx.today.isoformat()}"
    sex = SexAtBirth(ctx.patient.details.sex_at_birth.value)
    if evaluation.sex_at_birth is not sex:
        errors["sex_at_birth"] = f"the chart records {sex.value}"
    errors.update(_future_entries(evaluation, now + CLOCK_SKEW))
    if errors:
        raise ValidationFailed(errors)
    return replace(evaluation, allergies=_merged_allergies(evaluation.allergies, chart))


def _future_entries(evaluation: Evaluation, limit: datetime) -> dict[str, str]:
    timed: list[tuple[str, datetime]] = [
        (f"medical.blood_pressures[{i}].at", r.at)
        for i, r in enumerate(evaluation.medical.blood_pressures)
    ]
    timed += [
        (f"baseline_instruments[{i}].at", s.at)
        for i, s in enumerate(evaluation.baseline_instruments)
    ]
    timed += [(f"tests[{i}].at", t.at) for i, t in enumerate(evaluation.tests)]
    if evaluation.baseline_vitals is not None:
        timed.append(("baseline_vitals.at", evaluation.baseline_vitals.at))
    return {path: "must not be in the future" for path, at in timed if at > limit}


def _merged_allergies(
    given: tuple[Allergy, ...] | None, chart: tuple[Allergy, ...]
) -> tuple[Allergy, ...] | None:
    """Chart allergies always count; a given list adds to them. ``None`` only if both are empty."""
    if not chart:
        return given
    known = {a.substance.casefold() for a in chart}
    extra = tuple(a for a in given or () if a.substance.casefold() not in known)
    return chart + extra
