"""Integration plans, the practice library, journey records and the KAT experiential-session guard.

A course's plan is generated from its pinned protocol's ``integration`` section (ROOT for the adult
IV pack, the KAT preparation/experience/integration plan, family sessions for adolescents) and then
edited by the coach: goals with a status, chosen practices from the clinic's library, a measure,
and the patient's own 0-10 ratings over time. Sources: seed 000 step 6 (ROOT), seed 002 (family
involvement), seed 004 (KAT); clinical.md has no numeric thresholds for this area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.errors import Conflict, NotFound, SafetyBlock, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.integration.plans import (
    DEFAULT_PRACTICES,
    Goal,
    GoalInput,
    GoalRating,
    GoalStatus,
    IntegrationPlan,
    JourneyRecord,
    KatDecision,
    NoteKind,
    Practice,
    build_plan,
    experiential_decision,
    validate_goal,
    validate_rating,
)
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

KAT_FRAMEWORK = "KAT"


def _protocol(uow: UnitOfWork, course: Course) -> Protocol:
    return load_published(uow, course.clinic_id, course.protocol_version_id).protocol


#: A session in these states is dosing now: its journey is not yet a previous one.
_STILL_DOSING = frozenset({SessionState.INFUSING, SessionState.PAUSED})


def last_experiential_at(
    uow: UnitOfWork, course: Course, *, excluding_session: int | None = None
) -> datetime | None:
    """When the latest experiential session of the course was given: a session whose dosing
    started and is over (a session still dosing is the current journey, not a previous one), or
    a journey record, whichever is later."""
    started = [
        s.dosing_started_at
        for s in uow.sessions.for_patient(course.clinic_id, course.patient_id)
        if s.course_id == course.id
        and s.dosing_started_at is not None
        and s.state not in _STILL_DOSING
        and s.id != excluding_session
    ]
    given = [
        j.given_at
        for j in uow.integration.journeys(course.clinic_id, course.id)
        if j.session_id is None or j.session_id != excluding_session
    ]
    return max([*started, *given], default=None)


def experiential_check(
    uow: UnitOfWork, course: Course, *, excluding_session: int | None = None
) -> KatDecision:
    """The KAT decision for the next experiential session of ``course`` (see
    :func:`ketaclinic.domain.integration.plans.experiential_decision`). Only KAT courses have
    experiential sessions; other frameworks get an empty decision."""
    section = _protocol(uow, course).integration
    if section.framework != KAT_FRAMEWORK:
        return KatDecision((), ())
    notes = uow.coaching_notes.for_course(course.clinic_id, course.id)
    last = last_experiential_at(uow, course, excluding_session=excluding_session)
    prep = sum(1 for n in notes if n.kind is NoteKind.PREPARATORY and n.signed)
    since = sum(
        1
        for n in notes
        if n.kind is NoteKind.INTEGRATION and n.signed and last is not None and n.session_at >= last
    )
    return experiential_decision(
        section,
        signed_preparatory=prep,
        last_experiential_at=last,
        signed_integration_since_last=since,
    )


def ensure_experiential_allowed(
    uow: UnitOfWork, course: Course, *, session_id: int | None = None
) -> KatDecision:
    """THE KAT guard other areas call before an experiential session starts dosing.

    Raises :class:`SafetyBlock` (field ``course_id``) with every reason when the protocol's
    ``preparatory_sessions_min`` signed preparatory sessions are missing (seed 004). A missing
    integration session since the previous journey does not block: it is returned in ``flags``
    for the caller to show and audit. ``session_id`` is the session about to start (not counted
    as a previous journey).
    """
    decision = experiential_check(uow, course, excluding_session=session_id)
    if not decision.allowed:
        raise SafetyBlock(
            "the experiential session cannot start yet",
            reasons=decision.blocks,
            field="course_id",
        )
    return decision


@dataclass(frozen=True, slots=True)
class PlanView:
    course: Course
    plan: IntegrationPlan
    ratings: dict[int, tuple[GoalRating, ...]]  # goal id -> ratings, oldest first
    journeys: Sequence[JourneyRecord]
    kat: KatDecision


class IntegrationService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def library(self, actor: Actor) -> Sequence[Practice]:
        """The clinic's practice library; the default library is seeded on first use."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            practices = _seeded_library(uow, actor.clinic_id)
            uow.commit()
        return practices

    def add_practice(self, actor: Actor, category: str, name: str) -> Practice:
        require(actor, Permission.COACHING_WRITE)
        errors = {}
        if not category.strip() or len(category) > 40:
            errors["category"] = "a category of 1 to 40 characters"
        if not name.strip() or len(name) > 200:
            errors["name"] = "a name of 1 to 200 characters"
        if errors:
            raise ValidationFailed(errors)
        with self._uow() as uow:
            _seeded_library(uow, actor.clinic_id)
            p = uow.integration.add_practice(actor.clinic_id, category.strip(), name.strip())
            record(
                uow,
                self._clock,
                actor,
                "integration.practice_add",
                object_type="practice",
                object_id=p.id,
            )
            uow.commit()
        return p

    def set_practice_active(self, actor: Actor, practice_id: int, active: bool) -> None:
        require(actor, Permission.COACHING_WRITE)
        with self._uow() as uow:
            if not uow.integration.set_practice_active(actor.clinic_id, practice_id, active):
                raise NotFound("no such practice in this clinic", field="practice_id")
            record(
                uow,
                self._clock,
                actor,
                "integration.practice_active",
                object_type="practice",
                object_id=practice_id,
                detail=str(active),
            )
            uow.commit()

    def generate_plan(self, actor: Actor, course_id: int) -> IntegrationPlan:
        """One proposed goal per domain of the pinned protocol's integration section, carrying
        the protocol's practices for that domain; refused when the course already has goals."""
        require(actor, Permission.COACHING_WRITE)
        assert actor.staff_id is not None
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            section = _protocol(uow, course).integration
            if uow.integration.goals(actor.clinic_id, course_id):
                raise Conflict("this course already has an integration plan", field="course_id")
            _seeded_library(uow, actor.clinic_id)
            now = self._clock.now()
            goals = tuple(
                uow.integration.add_goal(
                    course,
                    GoalInput(
                        d.id,
                        f"{d.title}: goal to agree with the patient",
                        d.practices,
                        "patient's own rating 0-10",
                    ),
                    by=actor.staff_id,
                    at=now,
                )
                for d in section.domains
            )
            record(
                uow,
                self._clock,
                actor,
                "integration.plan_generate",
                object_type="course",
                object_id=course_id,
                patient_id=course.patient_id,
                detail=f"{section.framework} domains={len(section.domains)}",
            )
            uow.commit()
        return build_plan(course_id, section, goals)

    def plan(self, actor: Actor, course_id: int) -> PlanView:
        """The plan with every goal, its ratings over time, journeys and the KAT decision."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            section = _protocol(uow, course).integration
            goals = tuple(uow.integration.goals(actor.clinic_id, course_id))
            ratings: dict[int, list[GoalRating]] = {g.id: [] for g in goals}
            for r in uow.integration.ratings(actor.clinic_id, course_id):
                ratings.setdefault(r.goal_id, []).append(r)
            return PlanView(
                course,
                build_plan(course_id, section, goals),
                {k: tuple(v) for k, v in ratings.items()},
                uow.integration.journeys(actor.clinic_id, course_id),
                experiential_check(uow, course),
            )

    def add_goal(self, actor: Actor, course_id: int, goal: GoalInput) -> Goal:
        require(actor, Permission.COACHING_WRITE)
        assert actor.staff_id is not None
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            clean = validate_goal(goal, _protocol(uow, course).integration)
            added = uow.integration.add_goal(course, clean, by=actor.staff_id, at=self._clock.now())
            self._audit_goal(uow, actor, "integration.goal_add", added)
            uow.commit()
        return added

    def update_goal(self, actor: Actor, goal_id: int, change: GoalInput) -> Goal:
        """Edit a goal's text, practices, measure or status (its domain never changes)."""
        require(actor, Permission.COACHING_WRITE)
        with self._uow() as uow:
            goal = self._goal(uow, actor, goal_id)
            course = get_course(uow, actor.clinic_id, goal.course_id)
            change = GoalInput(
                goal.domain_id, change.text, change.practices, change.measure, change.status
            )
            clean = validate_goal(change, _protocol(uow, course).integration)
            updated = uow.integration.update_goal(goal, clean, at=self._clock.now())
            self._audit_goal(uow, actor, "integration.goal_update", updated)
            uow.commit()
        return updated

    def rate_goal(self, actor: Actor, goal_id: int, rating: int, comment: str = "") -> GoalRating:
        """Record the patient's own rating of a goal (0-10), as told to the coach."""
        require(actor, Permission.COACHING_WRITE)
        validate_rating(rating)
        if len(comment) > 500:
            raise ValidationFailed({"comment": "at most 500 characters"})
        with self._uow() as uow:
            goal = self._goal(uow, actor, goal_id)
            if goal.status in (GoalStatus.DROPPED,):
                raise Conflict("the goal was dropped", field="goal_id")
            r = uow.integration.add_rating(
                goal, rating, comment.strip(), by=actor.staff_id, at=self._clock.now()
            )
            self._audit_goal(uow, actor, "integration.goal_rate", goal, detail=str(rating))
            uow.commit()
        return r

    def goal(self, actor: Actor, goal_id: int) -> Goal:
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            return self._goal(uow, actor, goal_id)

    @staticmethod
    def _goal(uow: UnitOfWork, actor: Actor, goal_id: int) -> Goal:
        goal = uow.integration.get_goal(actor.clinic_id, goal_id)
        if goal is None:
            raise NotFound("no such goal in this clinic", field="goal_id")
        return goal

    def _audit_goal(
        self, uow: UnitOfWork, actor: Actor, action: str, goal: Goal, detail: str = ""
    ) -> None:
        record(
            uow,
            self._clock,
            actor,
            action,
            object_type="integration_goal",
            object_id=goal.id,
            patient_id=goal.patient_id,
            detail=detail or goal.status.value,
        )


def _seeded_library(uow: UnitOfWork, clinic_id: int) -> Sequence[Practice]:
    practices = uow.integration.practices(clinic_id)
    if practices:
        return practices
    for category, name in DEFAULT_PRACTICES:
        uow.integration.add_practice(clinic_id, category, name)
    return uow.integration.practices(clinic_id)
