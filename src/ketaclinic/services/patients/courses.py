"""Treatment courses: opened under a signed-off protocol version, moved by the course state machine.

The guards are the domain's (``domain.patients.course``); this service gathers the facts they read.
Each clinical area contributes its facts through a :data:`FactProvider` (eligibility and consent,
sessions done, reassessment...), wired in ``bootstrap``; the safety gate is always consulted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ketaclinic.domain.errors import InvalidTransition, NotFound
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.course import (
    AreaFacts,
    CourseFacts,
    CourseState,
    allowed_targets,
    failed_guards,
    merge_facts,
)
from ketaclinic.domain.patients.treatment import Course, CourseTransition, PublishedProtocol
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.assessments.safety import open_reasons
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published, require_signed_off
from ketaclinic.services.scheduling.course_kind import course_is_kat

FactProvider = Callable[[UnitOfWork, Course, Protocol], AreaFacts]
"""Returns the typed part of CourseFacts one clinical area knows for this course."""


@dataclass(frozen=True, slots=True)
class CourseView:
    course: Course
    published: PublishedProtocol
    protocol: Protocol
    history: Sequence[CourseTransition]
    facts: CourseFacts
    next_steps: Mapping[
        CourseState, tuple[str, ...]
    ]  # target -> failed guard reasons (empty = allowed)
    kat: bool = False  # SL, IN or IM dosing: its series reads "KAT sessions", not "Induction"


def kat_series_reason(reason: str, facts: CourseFacts) -> str:
    """The ``induction_done`` reason in a KAT course's words: its series is "KAT sessions",
    and a session counts once the patient is discharged from it (given is not yet done)."""
    if not reason.startswith("induction_done: ") or facts.induction_sessions_planned <= 0:
        return reason
    return (
        f"induction_done: KAT series {facts.induction_sessions_done} of "
        f"{facts.induction_sessions_planned} sessions discharged (a session counts once the "
        "patient is discharged; a prescriber may end the KAT series early with a written reason)"
    )


def get_course(uow: UnitOfWork, clinic_id: int, course_id: int) -> Course:
    course = uow.courses.get(clinic_id, course_id)
    if course is None:
        raise NotFound("no such course in this clinic", field="course_id")
    return course


class CourseService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, providers: Sequence[FactProvider] = ()
    ) -> None:
        self._uow, self._clock = uow_factory, clock
        self._providers = list(providers)

    def add_fact_provider(self, provider: FactProvider) -> None:
        self._providers.append(provider)

    def open(self, actor: Actor, patient_id: int, protocol_version_id: int) -> Course:
        """Open a course pinned to an exact, signed-off protocol version."""
        require(actor, Permission.COURSE_MANAGE)
        assert actor.staff_id is not None
        with self._uow() as uow:
            if uow.patients.get(actor.clinic_id, patient_id) is None:
                raise NotFound("no such patient in this clinic", field="patient_id")
            view = require_signed_off(uow, actor.clinic_id, protocol_version_id)
            course = uow.courses.add(
                actor.clinic_id,
                patient_id,
                protocol_version_id,
                by=actor.staff_id,
                at=self._clock.now(),
            )
            record(
                uow,
                self._clock,
                actor,
                "course.open",
                object_type="course",
                object_id=course.id,
                patient_id=patient_id,
                detail=f"{view.published.ref} {view.published.hash}",
            )
            uow.commit()
        return course

    def facts(
        self, uow: UnitOfWork, course: Course, protocol: Protocol, *, reason: str = ""
    ) -> CourseFacts:
        """Everything the guards need, from every registered area plus the safety gate."""
        published = uow.protocols.get(course.clinic_id, course.protocol_version_id)
        facts = CourseFacts(
            protocol_ref=published.ref if published and published.signed_off else None,
            open_safety_gates=open_reasons(uow, course.clinic_id, course.patient_id),
            reason=reason,
        )
        return merge_facts(
            facts, *(provider(uow, course, protocol) for provider in self._providers)
        )

    def blocking_reasons(
        self, uow: UnitOfWork, course: Course, protocol: Protocol, to: CourseState, *, reason: str
    ) -> tuple[str, ...]:
        """Every guard that refuses ``course.state → to`` now (``guard_id: reason``), empty
        when the move is allowed. :meth:`move` refuses with exactly these reasons."""
        return failed_guards(course.state, to, self.facts(uow, course, protocol, reason=reason))

    def move(self, actor: Actor, course_id: int, to: CourseState, *, reason: str = "") -> Course:
        """Move the course; refused with every failed guard's reason."""
        require(actor, Permission.COURSE_MANAGE)
        assert actor.staff_id is not None
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            protocol = load_published(uow, actor.clinic_id, course.protocol_version_id).protocol
            moved = self._move_in(uow, actor, course, protocol, to, reason)
            uow.commit()
        return moved

    def begin_induction(
        self, uow: UnitOfWork, actor: Actor, course: Course, protocol: Protocol
    ) -> Course:
        """A consented course enters induction when its first session starts dosing, whatever
        the route (IV, IM, SL): the same guarded move as :meth:`move` (eligibility signed,
        consent in force, safety gate clear), inside the caller's unit of work. It is the
        consequence of a dose the dose gate already allowed, so the person starting the dose
        needs no course permission; they are recorded as the mover. Any other state is kept."""
        if course.state is not CourseState.CONSENTED:
            return course
        why = "first session started dosing"
        return self._move_in(uow, actor, course, protocol, CourseState.INDUCTION, why)

    def _move_in(
        self,
        uow: UnitOfWork,
        actor: Actor,
        course: Course,
        protocol: Protocol,
        to: CourseState,
        reason: str,
    ) -> Course:
        assert actor.staff_id is not None
        refused = self.blocking_reasons(uow, course, protocol, to, reason=reason)
        if refused:
            raise InvalidTransition(
                f"course cannot move from {course.state.value} to {to.value}",
                reasons=refused,
                field="state",
            )
        moved = uow.courses.move(
            course, to, by=actor.staff_id, at=self._clock.now(), reason=reason.strip()
        )
        record(
            uow,
            self._clock,
            actor,
            "course.transition",
            object_type="course",
            object_id=course.id,
            patient_id=course.patient_id,
            detail=f"{course.state.value}->{to.value}",
        )
        return moved

    def view(self, actor: Actor, course_id: int) -> CourseView:
        require(actor, Permission.PATIENT_READ)
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            loaded = load_published(uow, actor.clinic_id, course.protocol_version_id)
            facts = self.facts(uow, course, loaded.protocol)
            steps = {
                t: failed_guards(course.state, t, facts) for t in allowed_targets(course.state)
            }
            history = uow.courses.history(actor.clinic_id, course_id)
            kat = course_is_kat(uow, course)
        if kat:
            steps = {t: tuple(kat_series_reason(r, facts) for r in rs) for t, rs in steps.items()}
        return CourseView(course, loaded.published, loaded.protocol, history, facts, steps, kat)

    def for_patient(self, actor: Actor, patient_id: int) -> Sequence[Course]:
        require(actor, Permission.PATIENT_READ)
        with self._uow() as uow:
            if uow.patients.get(actor.clinic_id, patient_id) is None:
                raise NotFound("no such patient in this clinic", field="patient_id")
            return uow.courses.for_patient(actor.clinic_id, patient_id)
