"""The internals every infusion-day step shares: context, records, facts and guarded moves.

One unit of work per use case: :meth:`SessionSteps._add` writes a record and its audit event,
:meth:`SessionSteps._move` moves the session through the guarded state machine, publishes the
chair event and commits. Base of ``session_workflow.SessionWorkflowService``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from typing import Protocol as Port

from ketaclinic.domain.errors import Conflict, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import ACTIVE_STATES, InfusionSession
from ketaclinic.domain.infusion.session import SessionFacts, SessionState
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.infusion import checklists as forms
from ketaclinic.services.infusion.board import chair_event
from ketaclinic.services.infusion.ports import LiveEvents, RecordKind, SessionRecord
from ketaclinic.services.infusion.runners import (
    NURSING_RULE,
    ensure_clinical,
    ensure_session_runner,
)
from ketaclinic.services.infusion.sessions import get_session, move_session, session_facts
from ketaclinic.services.patients.courses import CourseService, get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published


class BookingRelease(Port):
    """Frees the appointment of a visit that ends without a dose, in the caller's unit of work,
    the way a cancellation on the schedule does (``scheduling.replan.ReplanService.release``)."""

    def release(self, uow: UnitOfWork, actor: Actor, booking_id: int, reason: str) -> None: ...


class SessionSteps:
    """Shared internals of the infusion-day service."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        events: LiveEvents,
        courses: CourseService,
        bookings: BookingRelease,
    ) -> None:
        """``courses`` is the hub: consent is read from its course facts (consent area);
        ``bookings`` frees the appointment of a visit closed without a dose."""
        self._uow, self._clock, self._events, self._courses = uow_factory, clock, events, courses
        self._bookings = bookings

    def _now(self) -> datetime:
        return self._clock.now()

    def _context(
        self, uow: UnitOfWork, actor: Actor, session_id: int, *, running: bool = True
    ) -> tuple[InfusionSession, Course, Protocol]:
        s = get_session(uow, actor.clinic_id, session_id)
        course = get_course(uow, actor.clinic_id, s.course_id)
        protocol = load_published(uow, actor.clinic_id, course.protocol_version_id).protocol
        if running:  # a step is being taken (reading the day needs only PATIENT_READ)
            ensure_session_runner(uow, actor, s, protocol)
        return s, course, protocol

    def _add(
        self,
        uow: UnitOfWork,
        actor: Actor,
        s: InfusionSession,
        kind: RecordKind,
        payload: Mapping[str, Any],
    ) -> SessionRecord:
        assert actor.staff_id is not None
        ensure_session_runner(uow, actor, s)
        added = uow.session_records.add(
            s.clinic_id, s.id, s.patient_id, kind, payload, by=actor.staff_id, at=self._now()
        )
        record(
            uow,
            self._clock,
            actor,
            f"session.{kind.value}",
            object_type="session",
            object_id=s.id,
            patient_id=s.patient_id,
            detail=f"record={added.id}",
        )
        return added

    def _document(
        self,
        actor: Actor,
        session_id: int,
        kind: RecordKind,
        build: Callable[[], forms.Documented],
        nursing: str = "",
        check: Callable[[InfusionSession, forms.Documented], None] | None = None,
    ) -> SessionRecord:
        """Record ``kind`` on an active session; ``nursing`` names a step only a nurse, physician
        or APP takes (refused for a coach attending, naming ``NURSING_RULE``); ``check`` refuses
        what the session makes impossible (e.g. a scale minute not yet reached)."""
        require(actor, Permission.SESSION_RUN)
        doc = build()
        with self._uow() as uow:
            s = get_session(uow, actor.clinic_id, session_id)
            if s.state not in ACTIVE_STATES:  # the patient is checked in and not yet discharged
                raise Conflict(f"the session is {s.state.value}", field="session_id")
            if nursing:
                ensure_session_runner(uow, actor, s)  # a role that may not run it at all: first
                ensure_clinical(actor, NURSING_RULE, nursing)
            if check is not None:
                ensure_session_runner(uow, actor, s)
                check(s, doc)
            added = self._add(uow, actor, s, kind, doc.payload)
            uow.commit()
        return added

    def _facts(self, uow: UnitOfWork, s: InfusionSession, **extra: Any) -> SessionFacts:
        """The guard facts from storage (:func:`session_facts`, the one derivation every move
        uses), plus what this step has itself just established (``extra``)."""
        reason = str(extra.pop("reason", ""))
        return session_facts(uow, s, reason, **extra)

    def _move(
        self,
        uow: UnitOfWork,
        actor: Actor,
        s: InfusionSession,
        to: SessionState,
        facts: SessionFacts,
        *,
        then: Callable[[InfusionSession], None] | None = None,
        why: str | None = None,
        **extra: Any,
    ) -> InfusionSession:
        """Move ``s`` to ``to``; ``then`` runs on the moved session before the commit."""
        moved = move_session(uow, self._clock, actor, s, to, replace(facts, **extra), why=why)
        if then is not None:
            then(moved)
        event = chair_event(uow, moved, self._clock.now())
        uow.commit()
        self._events.publish(actor.clinic_id, event)
        return moved

    def _transition(
        self, actor: Actor, session_id: int, to: SessionState, reason: str, **extra: Any
    ) -> InfusionSession:
        require(actor, Permission.SESSION_RUN)
        if not reason.strip():
            raise ValidationFailed({"reason": "a reason is required"})
        with self._uow() as uow:
            s = get_session(uow, actor.clinic_id, session_id)
            facts = self._facts(uow, s, reason=reason.strip(), **extra)
            return self._move(uow, actor, s, to, facts)
