"""Recording instrument responses, and reading them back as trajectories and outcome status.

The path: an answer set -> :func:`domain.assessments.instruments.score` (bands, subscales,
the item-9 and C-SSRS safety rules) -> stored with every item answer, who answered, when and the
instrument version -> a positive safety flag opens a safety task and a notice to the prescribers on
duty in the SAME unit of work (clinical.md §5.1, §5.2, §6.3), so an answer is never stored without
its task. Outcome status follows the course's protocol definitions (clinical.md §9.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ketaclinic.domain.assessments.instruments import (
    Instrument,
    ScorePoint,
    ScoreResult,
    TrajectorySummary,
    get_instrument,
    score_instrument,
    summarize_trajectory,
)
from ketaclinic.domain.assessments.records import (
    AnsweredBy,
    AssessmentResponse,
    NewResponse,
    ResponseSource,
)
from ketaclinic.domain.assessments.safety import SafetyTask, Urgency
from ketaclinic.domain.errors import NotFound, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.outcomes.scores import course_baseline
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.sections import OutcomeDefinition
from ketaclinic.services.assessments.safety import SafetyFlag, open_tasks
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.outcomes.timeline import current_course, tag_from_timeline
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

PRESCRIBERS = "prescribers"


@dataclass(frozen=True, slots=True)
class Answered:
    """Who answered and how the answers arrived."""

    answered_by: AnsweredBy
    source: ResponseSource
    answered_at: datetime
    link_id: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Recorded:
    response: AssessmentResponse
    result: ScoreResult
    tasks: tuple[SafetyTask, ...]


@dataclass(frozen=True, slots=True)
class Trajectory:
    """One instrument's dated scores for a patient, with what the chart draws around them."""

    instrument: Instrument
    responses: Sequence[AssessmentResponse]
    points: tuple[ScorePoint, ...]
    outcome: OutcomeDefinition | None
    summary: TrajectorySummary | None
    infusion_dates: tuple[datetime, ...] = ()

    @property
    def classifiable(self) -> bool:
        """Remission and response apply: a definition and a baseline at or above the remission
        threshold (the one rule, :meth:`OutcomeDefinition.classifiable_from`)."""
        if self.outcome is None or self.summary is None or self.summary.baseline is None:
            return False
        return self.outcome.classifiable_from(self.summary.baseline.total)

    @property
    def response_threshold(self) -> Decimal | None:
        """The score a >= response_pct_drop fall from baseline reaches (None without both, or
        when the baseline is already below the remission threshold)."""
        if not self.classifiable or self.outcome is None or self.summary is None:
            return None
        if self.summary.baseline is None:
            return None
        share = (Decimal(100) - self.outcome.response_pct_drop) / Decimal(100)
        return Decimal(self.summary.baseline.total) * share


def score_answers(instrument_id: str, answers: Mapping[str, int]) -> ScoreResult:
    """Score ``answers``; refuse an incomplete response naming every missing item.

    The one exception is a safety answer: an incomplete response in which a safety item fired
    (PHQ-9 item 9 >= 1, a C-SSRS item; clinical.md §5.1) is returned to be stored as incomplete,
    with no total, so the item-level answer is kept and its safety task opened. Nothing is
    stored for a refused response.
    """
    result = score_instrument(get_instrument(instrument_id), answers)
    if not result.complete and not result.safety_flags:
        raise ValidationFailed(
            {f"answers.{i}": "please answer this item" for i in result.missing_items}
        )
    return result


def check_course(uow: UnitOfWork, clinic_id: int, patient_id: int, course_id: int | None) -> None:
    if course_id is None:
        return
    course = uow.courses.get(clinic_id, course_id)
    if course is None or course.patient_id != patient_id:
        raise NotFound("no such course for this patient", field="course_id")


def store_response(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    patient_id: int,
    course_id: int | None,
    result: ScoreResult,
    answered: Answered,
    *,
    tag: bool = True,
) -> Recorded:
    """Store a scored response, open its safety tasks and notify prescribers (caller commits).

    A response without a course joins the patient's current course; a complete response is
    tagged with its point on the course's timeline (``services.outcomes.timeline``) unless the
    caller tags it itself (``tag=False``)."""
    if course_id is None:
        current = current_course(uow, actor.clinic_id, patient_id)
        course_id = current.id if current is not None else None
    stored = uow.assessments.add(
        actor.clinic_id, _new(patient_id, course_id, result, answered, actor), at=clock.now()
    )
    if tag:
        tag_from_timeline(uow, stored)
    record(
        uow,
        clock,
        actor,
        "assessment.record",
        object_type="assessment_response",
        object_id=stored.id,
        patient_id=patient_id,
        detail=f"instrument={stored.instrument_id} source={stored.source.value} "
        f"flags={len(stored.safety_flags)}",
    )
    flags = [
        SafetyFlag(f.rule_id, f.message, Urgency(f.urgency.value)) for f in result.safety_flags
    ]
    tasks = open_tasks(uow, clock, actor, patient_id, flags, source=f"assessment:{stored.id}")
    for task in tasks:
        uow.notices.add(
            actor.clinic_id,
            patient_id,
            kind="safety_task",
            audience=PRESCRIBERS,
            ref=f"safety_task:{task.id}",
            message=f"New {task.urgency.value.replace('_', '-')} safety task {task.id} "
            f"({task.rule_id}): assessment by a physician or APP required",
            at=clock.now(),
        )
    return Recorded(stored, result, tuple(tasks))


def _new(
    patient_id: int, course_id: int | None, result: ScoreResult, a: Answered, actor: Actor
) -> NewResponse:
    return NewResponse(
        patient_id=patient_id,
        course_id=course_id,
        instrument_id=result.instrument_id,
        instrument_version=result.instrument_version,
        answers=dict(result.answers),
        total=result.total,
        band=result.band,
        band_label=result.band_label,
        subscales=dict(result.subscales),
        safety_flags=tuple(f.rule_id for f in result.safety_flags),
        complete=result.complete,
        answered_by=a.answered_by,
        source=a.source,
        answered_at=a.answered_at,
        recorded_by=actor.staff_id,
        link_id=a.link_id,
        note=a.note,
    )


class AssessmentService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def record(
        self,
        actor: Actor,
        patient_id: int,
        instrument_id: str,
        answers: Mapping[str, int],
        *,
        course_id: int | None = None,
        source: ResponseSource = ResponseSource.CHART,
        answered_at: datetime | None = None,
        note: str = "",
    ) -> Recorded:
        """Score and store a staff-entered (or FHIR-imported) response; opens safety tasks.

        ``answers`` maps item id -> ordinal. Refused with ValidationFailed naming each bad or
        missing item; ``answered_at`` defaults to now and may not lie in the future.
        """
        require(actor, Permission.ASSESSMENT_RECORD)
        result = score_answers(instrument_id, answers)
        now = self._clock.now()
        when = answered_at or now
        if when.tzinfo is None or when > now:
            raise ValidationFailed({"answered_at": "must be timezone-aware and not in the future"})
        answered = Answered(AnsweredBy.STAFF, source, when, note=note[:500])
        with self._uow() as uow:
            _patient(uow, actor.clinic_id, patient_id)
            check_course(uow, actor.clinic_id, patient_id, course_id)
            recorded = store_response(
                uow, self._clock, actor, patient_id, course_id, result, answered
            )
            uow.commit()
        return recorded

    def responses(
        self, actor: Actor, patient_id: int, instrument_id: str | None = None
    ) -> Sequence[AssessmentResponse]:
        """A patient's responses, oldest first (404 for a patient of another clinic)."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            _patient(uow, actor.clinic_id, patient_id)
            return uow.assessments.for_patient(actor.clinic_id, patient_id, instrument_id)

    def response(self, actor: Actor, response_id: int) -> AssessmentResponse:
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            found = uow.assessments.get(actor.clinic_id, response_id)
        if found is None:
            raise NotFound("no such response in this clinic", field="response_id")
        return found

    def trajectories(self, actor: Actor, patient_id: int) -> list[Trajectory]:
        """One trajectory per instrument the patient has answered, in first-answered order."""
        responses = self.responses(actor, patient_id)
        ids = list(dict.fromkeys(r.instrument_id for r in responses))
        return [self.trajectory(actor, patient_id, i) for i in ids]

    def trajectory(
        self, actor: Actor, patient_id: int, instrument_id: str, course_id: int | None = None
    ) -> Trajectory:
        """Scores over time and the status per the course's protocol (latest course if none).

        Classification (remission / response / partial / none) uses the pinned protocol's
        ``reassessment.outcomes`` for this instrument (clinical.md §9.1); without a course or a
        definition the status is None with the reason.
        """
        require(actor, Permission.CHART_READ)
        instrument = get_instrument(instrument_id)
        with self._uow() as uow:
            _patient(uow, actor.clinic_id, patient_id)
            course = _course(uow, actor.clinic_id, patient_id, course_id)
            outcome = _outcome(uow, course, instrument_id)
            baseline = _baseline(uow, course, instrument_id)
            responses = uow.assessments.for_patient(actor.clinic_id, patient_id, instrument_id)
        points = tuple(ScorePoint(r.answered_at, r.total) for r in responses if r.total is not None)
        summary = (
            summarize_trajectory(instrument_id, points, outcome, baseline=baseline)
            if points
            else None
        )
        return Trajectory(instrument, responses, points, outcome, summary)


def _patient(uow: UnitOfWork, clinic_id: int, patient_id: int) -> None:
    if uow.patients.get(clinic_id, patient_id) is None:
        raise NotFound("no such patient in this clinic", field="patient_id")


def _course(
    uow: UnitOfWork, clinic_id: int, patient_id: int, course_id: int | None
) -> Course | None:
    courses = uow.courses.for_patient(clinic_id, patient_id)
    if course_id is None:
        return max(courses, key=lambda c: c.id, default=None)
    found = next((c for c in courses if c.id == course_id), None)
    if found is None:
        raise NotFound("no such course for this patient", field="course_id")
    return found


def _baseline(uow: UnitOfWork, course: Course | None, instrument_id: str) -> ScorePoint | None:
    """The course's baseline on the instrument, by the one rule (never the earliest answer)."""
    if course is None:
        return None
    tagged = [s.score for s in uow.outcomes.scores(course.clinic_id, course.id)]
    found = course_baseline(tagged, instrument_id)
    return None if found is None else ScorePoint(found.administered_at, found.total)


def _outcome(
    uow: UnitOfWork, course: Course | None, instrument_id: str
) -> OutcomeDefinition | None:
    if course is None:
        return None
    protocol = load_published(uow, course.clinic_id, course.protocol_version_id).protocol
    return next((o for o in protocol.reassessment.outcomes if o.instrument == instrument_id), None)
