"""Coaching sessions (preparatory, integration, family) and their notes; journey records.

A note has a structured part shared with the care team (themes, practices assigned, homework,
risk screen) and an optional private psychotherapy-note part. The private part is read only
through :meth:`CoachingService.private_part`: its author, or a role the clinic has granted
``private_note.read`` (no role by default), may read it, and EVERY attempt — allowed or refused —
writes an audit event that is committed before the text is returned or the refusal raised.
A moderate or high risk screen opens a safety task, which blocks the next session until a
clinician assesses it (services.assessments.safety). Sources: seed 004 (preparatory and integration
coaching, attended journeys), seed 002 (family involvement), architecture.md principle 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from ketaclinic.domain.assessments.safety import Urgency
from ketaclinic.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.integration.plans import (
    CoachingNote,
    JourneyInput,
    JourneyRecord,
    NoteContent,
    NoteKind,
    RiskLevel,
    validate_journey,
    validate_note,
)
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.services.assessments.safety import SafetyFlag, open_tasks
from ketaclinic.services.audit.trail import record
from ketaclinic.services.dosing.gate import journey_dose
from ketaclinic.services.identity.authorization import allowed, require
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

PRIVATE_MAX_CHARS = 20_000
_RISK_URGENCY = {RiskLevel.MODERATE: Urgency.SAME_DAY, RiskLevel.HIGH: Urgency.URGENT}


def get_note(uow: UnitOfWork, clinic_id: int, note_id: int) -> CoachingNote:
    note = uow.coaching_notes.get(clinic_id, note_id)
    if note is None:
        raise NotFound("no such coaching note in this clinic", field="note_id")
    return note


def may_read_private(actor: Actor, note: CoachingNote) -> bool:
    """The author always; otherwise only a role granted ``private_note.read``."""
    return actor.staff_id == note.author_id or allowed(actor, Permission.PRIVATE_NOTE_READ)


class CoachingService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def record_note(
        self,
        actor: Actor,
        course_id: int,
        kind: NoteKind,
        session_at: datetime,
        content: NoteContent,
        private_text: str = "",
    ) -> CoachingNote:
        """Record a coaching session (held at ``session_at``, UTC) and its unsigned note. A family
        session is refused on a protocol without family sessions; a moderate/high risk screen opens
        a safety task in the same unit of work."""
        require(actor, Permission.COACHING_WRITE)
        assert actor.staff_id is not None
        validate_note(content)
        if len(private_text) > PRIVATE_MAX_CHARS:
            raise ValidationFailed({"private_text": f"at most {PRIVATE_MAX_CHARS} characters"})
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            section = load_published(uow, actor.clinic_id, course.protocol_version_id).protocol
            if kind is NoteKind.FAMILY and not section.integration.family_sessions:
                raise ValidationFailed({"kind": "this protocol has no family sessions"})
            note = uow.coaching_notes.add(
                course,
                kind,
                session_at,
                content,
                private_text.strip() or None,
                author_id=actor.staff_id,
                at=self._clock.now(),
            )
            record(
                uow,
                self._clock,
                actor,
                "coaching.note_record",
                object_type="coaching_note",
                object_id=note.id,
                patient_id=note.patient_id,
                detail=f"{kind.value} risk={content.risk.value}",
            )
            self._escalate(uow, actor, note)
            uow.commit()
        return note

    def _escalate(self, uow: UnitOfWork, actor: Actor, note: CoachingNote) -> None:
        urgency = _RISK_URGENCY.get(note.content.risk)
        if urgency is None:
            return
        flag = SafetyFlag(
            "coaching.risk_screen",
            f"coach's risk screen {note.content.risk.value} at a {note.kind.value} session",
            urgency,
        )
        open_tasks(
            uow, self._clock, actor, note.patient_id, [flag], source=f"coaching_note:{note.id}"
        )

    def sign(self, actor: Actor, note_id: int) -> CoachingNote:
        """The author signs the note; a signed note is final."""
        require(actor, Permission.COACHING_WRITE)
        with self._uow() as uow:
            note = get_note(uow, actor.clinic_id, note_id)
            if note.author_id != actor.staff_id:
                raise PermissionDenied("only the author signs a coaching note", field="note_id")
            if note.signed:
                raise Conflict("the note is already signed", field="note_id")
            signed = uow.coaching_notes.sign(note, at=self._clock.now())
            record(
                uow,
                self._clock,
                actor,
                "coaching.note_sign",
                object_type="coaching_note",
                object_id=note.id,
                patient_id=note.patient_id,
            )
            uow.commit()
        return signed

    def notes(self, actor: Actor, course_id: int) -> Sequence[CoachingNote]:
        """The course's notes, structured part only (never the private text)."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            get_course(uow, actor.clinic_id, course_id)
            return uow.coaching_notes.for_course(actor.clinic_id, course_id)

    def note(self, actor: Actor, note_id: int) -> CoachingNote:
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            return get_note(uow, actor.clinic_id, note_id)

    def private_part(self, actor: Actor, note_id: int) -> str:
        """The private psychotherapy part of a note, audited on every attempt.

        The audit event (``coaching.private_note_read``, outcome ``success`` or ``denied``) is
        committed before the text is returned or :class:`PermissionDenied` is raised.
        """
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            note = get_note(uow, actor.clinic_id, note_id)
            permitted = may_read_private(actor, note)
            text = uow.coaching_notes.private_text(actor.clinic_id, note_id) if permitted else None
            record(
                uow,
                self._clock,
                actor,
                "coaching.private_note_read",
                object_type="coaching_note",
                object_id=note.id,
                patient_id=note.patient_id,
                outcome="success" if permitted else "denied",
            )
            uow.commit()
        if not permitted:
            raise PermissionDenied(
                "the private part is readable by its author and granted roles only",
                field="private_text",
            )
        return text or ""

    def caseload_notes(self, actor: Actor) -> Sequence[CoachingNote]:
        """The signed-in coach's own notes (for the caseload worklist)."""
        require(actor, Permission.COACHING_WRITE)
        assert actor.staff_id is not None
        with self._uow() as uow:
            return uow.coaching_notes.for_author(actor.clinic_id, actor.staff_id)


JOURNEY_NEEDS_SESSION = (
    "dose_gate: a journey record belongs to the session in which the dose was given through "
    "the dose gate: choose that session"
)
JOURNEY_NO_DOSE = (
    "a journey record takes no dose: the route, dose and time are the session's verified order "
    "as given (rule kat.journey_dose_from_session)"
)


class JourneyService:
    """Journey records of experiential sessions (seed 004: SL/IN/IM, attended by a physician or
    coach, set-and-setting checklist) and the reflection written in the next integration session.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def record(self, actor: Actor, course_id: int, j: JourneyInput) -> JourneyRecord:
        """Record the experiential side of a session whose ketamine dose was given through the
        dose gate (``services.dosing.gate``): the route, dose and time are the session's, from its
        verified order, never entered here. The attendant's role is checked against the pinned
        protocol. One journey per session: a second, or the loser of a race, is a Conflict."""
        require(actor, Permission.SESSION_RUN)
        assert actor.staff_id is not None
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            protocol = load_published(uow, actor.clinic_id, course.protocol_version_id).protocol
            given = journey_dose(uow, course, j.session_id)
            route = protocol.dosing.routes.get(given.route)
            j = replace(j, attendant_role=self._attendant_role(uow, actor.clinic_id, j))
            validate_journey(j, given, protocol.integration, route.max_mg if route else None)
            rec = uow.integration.add_journey(
                course, j, given, by=actor.staff_id, at=self._clock.now()
            )
            record(
                uow,
                self._clock,
                actor,
                "journey.record",
                object_type="journey",
                object_id=rec.id,
                patient_id=rec.patient_id,
                detail=f"session={j.session_id} route={given.route.value} "
                f"dose_mg={decimal_text(given.dose_mg)}",
            )
            uow.commit()
        return rec

    @staticmethod
    def _attendant_role(uow: UnitOfWork, clinic_id: int, j: JourneyInput) -> str:
        """The attendant's role in this clinic (the protocol's attendant roles are checked by
        :func:`validate_journey`)."""
        role = next(
            (m.role for m in uow.staff.memberships(j.attendant_id) if m.clinic_id == clinic_id),
            None,
        )
        if role is None:
            raise ValidationFailed({"attendant_id": "no such staff member in this clinic"})
        return role.value

    def reflect(self, actor: Actor, journey_id: int, text: str) -> JourneyRecord:
        """The patient's and coach's reflection on a journey, written in integration coaching."""
        require(actor, Permission.COACHING_WRITE)
        if not text.strip() or len(text) > 5000:
            raise ValidationFailed({"reflection": "write 1 to 5000 characters"})
        with self._uow() as uow:
            j = uow.integration.get_journey(actor.clinic_id, journey_id)
            if j is None:
                raise NotFound("no such journey record in this clinic", field="journey_id")
            updated = uow.integration.set_reflection(j, text.strip())
            record(
                uow,
                self._clock,
                actor,
                "journey.reflect",
                object_type="journey",
                object_id=j.id,
                patient_id=j.patient_id,
            )
            uow.commit()
        return updated

    def for_course(self, actor: Actor, course_id: int) -> Sequence[JourneyRecord]:
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            get_course(uow, actor.clinic_id, course_id)
            return uow.integration.journeys(actor.clinic_id, course_id)
