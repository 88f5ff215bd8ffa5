"""The initial evaluation of a course: recorded by a physician or APP, versioned, audited.

An evaluation belongs to one treatment course (it is weighed against that course's pinned
protocol). Every save stores a new version; earlier versions stay readable. The chart is the
source of truth for age, sex at birth and allergies: a submitted evaluation that disagrees with
the chart about age or sex is refused (naming the field), and chart allergies are always carried
into the evaluation (clinical.md §1.4: history, medication and allergy list).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ketaclinic.domain.assessments.instruments import get_instrument, score_instrument
from ketaclinic.domain.assessments.records import AnsweredBy, AssessmentResponse, ResponseSource
from ketaclinic.domain.errors import Conflict, NotFound, ValidationFailed
from ketaclinic.domain.evaluation.intake import (
    Allergy,
    Evaluation,
    InstrumentScore,
    ItemAnswer,
    SexAtBirth,
)
from ketaclinic.domain.evaluation.medications import MedicationReview, review_medications
from ketaclinic.domain.evaluation.plausibility import implausible_entries
from ketaclinic.domain.evaluation.records import StoredEvaluation
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import Patient, RelatedPerson, RelationshipKind, age_on
from ketaclinic.domain.patients.treatment import Course, PublishedProtocol
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.assessments.responses import Answered, store_response
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

EDITABLE_STATES = frozenset({CourseState.REFERRED, CourseState.EVALUATING})


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
    zone: ZoneInfo  # the clinic's time zone


def course_context(uow: UnitOfWork, clinic_id: int, course_id: int, now: datetime) -> CourseContext:
    """Load the course of this clinic (404 otherwise) with what every area around it needs."""
    course = get_course(uow, clinic_id, course_id)
    patient = uow.patients.get(clinic_id, course.patient_id)
    clinic = uow.clinics.get(clinic_id)
    if patient is None or clinic is None:
        raise NotFound("no such course in this clinic", field="course_id")
    view = load_published(uow, clinic_id, course.protocol_version_id)
    zone = ZoneInfo(clinic.timezone)
    today = now.astimezone(zone).date()
    age = age_on(patient.details.date_of_birth, today)
    return CourseContext(
        course, patient, view.published, view.protocol, today, age, clinic.name, zone
    )


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
    questionnaires: Mapping[str, Sequence[AssessmentResponse]] = field(default_factory=dict)
    """The patient's recorded responses of each baseline instrument of the protocol, newest
    first: what the evaluation's baseline instruments refer to."""


class EvaluationService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def workspace(self, actor: Actor, course_id: int) -> Workspace:
        """The evaluation of a course with every earlier version and the medication review."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            ctx = course_context(uow, actor.clinic_id, course_id, self._clock.now())
            versions = uow.evaluations.versions(actor.clinic_id, course_id)
            allergies = _chart_allergies(uow, ctx)
            responses = uow.assessments.for_patient(actor.clinic_id, ctx.course.patient_id)
        wanted = ctx.protocol.evaluation.baseline_instruments
        questionnaires = {
            name: sorted(
                (r for r in responses if r.instrument_id == name),
                key=lambda r: r.answered_at,
                reverse=True,
            )
            for name in wanted
        }
        current = versions[0] if versions else None
        review = None
        if current is not None and current.evaluation.medications is not None:
            review = review_medications(current.evaluation.medications)
        editable = ctx.course.state in EDITABLE_STATES
        return Workspace(ctx, allergies, current, versions, review, editable, questionnaires)

    def record(self, actor: Actor, course_id: int, evaluation: Evaluation) -> StoredEvaluation:
        """Store ``evaluation`` as the course's next version (physician or APP).

        Refused while the course is past evaluation (its eligibility is signed on the stored
        version), when age or sex at birth disagree with the chart, or when an entry is
        impossible or lies in the future. Chart allergies are merged in. Baseline instruments
        refer to recorded questionnaire responses: a ``response_id`` is read back item by item
        from the patient's responses, and answers given inline are recorded as a questionnaire
        response first (scored, safety tasks opened; :func:`baseline_from_responses`). Audited
        as ``evaluation.record``.
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
            checked = replace(
                checked,
                baseline_instruments=baseline_from_responses(
                    uow, self._clock, actor, ctx, checked.baseline_instruments
                ),
            )
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


def baseline_from_responses(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ctx: CourseContext,
    scores: Sequence[InstrumentScore],
) -> tuple[InstrumentScore, ...]:
    """Each baseline instrument as a recorded questionnaire response (caller commits).

    ``response_id`` entries are read from the patient's stored responses (another patient's or
    another instrument's response is refused naming the field); inline answers are scored and
    stored as a response of the course (a positive item 9 or C-SSRS item opens its safety task
    in the same unit of work); a typed total is kept as entered and satisfies nothing.
    """
    out = []
    for index, score in enumerate(scores):
        path = f"baseline_instruments[{index}]"
        if score.response_id is not None:
            out.append(_from_response(uow, ctx, score, path))
        elif score.itemised:
            out.append(_record_inline(uow, clock, actor, ctx, score, path))
        else:
            out.append(score)
    return tuple(out)


def _from_response(
    uow: UnitOfWork, ctx: CourseContext, score: InstrumentScore, path: str
) -> InstrumentScore:
    assert score.response_id is not None
    response = uow.assessments.get(ctx.course.clinic_id, score.response_id)
    if response is None or response.patient_id != ctx.course.patient_id:
        raise NotFound(
            "no such questionnaire response for this patient", field=f"{path}.response_id"
        )
    if response.instrument_id != score.instrument:
        raise ValidationFailed(
            {f"{path}.response_id": f"response {response.id} is a {response.instrument_id}"}
        )
    return _as_baseline(response)


def _record_inline(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ctx: CourseContext,
    score: InstrumentScore,
    path: str,
) -> InstrumentScore:
    require(actor, Permission.ASSESSMENT_RECORD)
    result = score_instrument(get_instrument(score.instrument), score.answer_map())
    if not result.complete and not result.safety_flags:
        raise ValidationFailed(
            {f"{path}.answers.{i}": "please answer this item" for i in result.missing_items}
        )
    answered = Answered(AnsweredBy.STAFF, ResponseSource.CHART, score.at, note="evaluation")
    course = ctx.course
    recorded = store_response(uow, clock, actor, course.patient_id, course.id, result, answered)
    return _as_baseline(recorded.response)


def _as_baseline(response: AssessmentResponse) -> InstrumentScore:
    answers = tuple(ItemAnswer(item, value) for item, value in sorted(response.answers.items()))
    return InstrumentScore(
        response.instrument_id, response.total, response.answered_at, answers, response.id
    )


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
        errors["age_years"] = f"the chart gives {ctx.age_years} years on {ctx.today:%-d %b %Y}"
    sex = SexAtBirth(ctx.patient.details.sex_at_birth.value)
    if evaluation.sex_at_birth is not sex:
        errors["sex_at_birth"] = f"the chart records {sex.value}"
    errors.update(implausible_entries(evaluation, now))
    if errors:
        raise ValidationFailed(errors)
    return replace(evaluation, allergies=_merged_allergies(evaluation.allergies, chart))


def _merged_allergies(
    given: tuple[Allergy, ...] | None, chart: tuple[Allergy, ...]
) -> tuple[Allergy, ...] | None:
    """Chart allergies always count; a given list adds to them. ``None`` only if both are empty."""
    if not chart:
        return given
    known = {a.substance.casefold() for a in chart}
    extra = tuple(a for a in given or () if a.substance.casefold() not in known)
    return chart + extra
