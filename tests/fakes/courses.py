"""Published protocol versions and their sign-offs, courses and their transitions, and safety
tasks in memory."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from ketaclinic.domain.assessments.safety import SafetyAssessment, SafetyTask, Urgency
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.treatment import Course, CourseTransition, PublishedProtocol
from tests.fakes.tables import Tables


@dataclass(frozen=True, slots=True)
class ProtocolRow:
    published: PublishedProtocol
    content: str


@dataclass
class CourseTables(Tables):
    protocols: dict[int, ProtocolRow] = field(default_factory=dict)
    signoffs: dict[int, tuple[str, int, datetime]] = field(default_factory=dict)  # hash, by, at
    courses: dict[int, Course] = field(default_factory=dict)
    course_transitions: list[tuple[int, int, CourseTransition]] = field(default_factory=list)
    safety_tasks: dict[int, SafetyTask] = field(default_factory=dict)


class InMemoryProtocolRepository:
    def __init__(self, tables: CourseTables) -> None:
        self._t = tables

    def publish(
        self,
        clinic_id: int,
        *,
        protocol_id: str,
        version: str,
        hash: str,
        title: str,
        base_ref: str | None,
        content: str,
        at: datetime,
        by: int | None,
    ) -> PublishedProtocol:
        published = PublishedProtocol(
            self._t.next_id("protocols"), clinic_id, protocol_id, version, hash, title, base_ref, at
        )
        self._t.protocols[published.id] = ProtocolRow(published, content)
        return published

    def get(self, clinic_id: int, version_id: int) -> PublishedProtocol | None:
        row = self._t.protocols.get(version_id)
        if row is None or row.published.clinic_id != clinic_id:
            return None
        return self._signed(row.published)

    def _signed(self, published: PublishedProtocol) -> PublishedProtocol:
        """A sign-off counts only for the content (hash) it saw."""
        signoff = self._t.signoffs.get(published.id)
        if signoff is None or signoff[0] != published.hash:
            return published
        return replace(published, signed_off_by=signoff[1], signed_off_at=signoff[2])

    def find(self, clinic_id: int, protocol_id: str, version: str) -> PublishedProtocol | None:
        return next(
            (
                p
                for p in self.list(clinic_id)
                if (p.protocol_id, p.version) == (protocol_id, version)
            ),
            None,
        )

    def list(self, clinic_id: int) -> Sequence[PublishedProtocol]:
        found = [
            self._signed(r.published)
            for r in self._t.protocols.values()
            if r.published.clinic_id == clinic_id
        ]
        return sorted(found, key=lambda p: (p.protocol_id, p.id))

    def content(self, clinic_id: int, version_id: int) -> str:
        row = self._t.protocols.get(version_id)
        if row is None or row.published.clinic_id != clinic_id:
            raise LookupError(f"no protocol version {version_id} in clinic {clinic_id}")
        return row.content

    def sign_off(
        self,
        clinic_id: int,
        version_id: int,
        *,
        hash: str,
        by: int,
        at: datetime,
        confirmed_paths: Sequence[str],
    ) -> None:
        if version_id in self._t.signoffs:
            raise Conflict(
                "this protocol version is already signed off", field="protocol_version_id"
            )
        self._t.signoffs[version_id] = (hash, by, at)


class InMemoryCourseRepository:
    def __init__(self, tables: CourseTables) -> None:
        self._t = tables

    def add(
        self, clinic_id: int, patient_id: int, version_id: int, *, by: int, at: datetime
    ) -> Course:
        course = Course(
            self._t.next_id("courses"),
            clinic_id,
            patient_id,
            version_id,
            CourseState.REFERRED,
            at,
            1,
        )
        self._t.courses[course.id] = course
        return course

    def get(self, clinic_id: int, course_id: int) -> Course | None:
        found = self._t.courses.get(course_id)
        return found if found is not None and found.clinic_id == clinic_id else None

    def get_many(self, clinic_id: int, course_ids: Collection[int]) -> Sequence[Course]:
        found = [c for c in self._t.courses.values() if c.clinic_id == clinic_id]
        return sorted((c for c in found if c.id in course_ids), key=lambda c: c.id)

    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[Course]:
        """Newest first."""
        found = [
            c
            for c in self._t.courses.values()
            if (c.clinic_id, c.patient_id) == (clinic_id, patient_id)
        ]
        return sorted(found, key=lambda c: c.id, reverse=True)

    def in_states(self, clinic_id: int, states: Sequence[CourseState]) -> Sequence[Course]:
        found = [
            c for c in self._t.courses.values() if c.clinic_id == clinic_id and c.state in states
        ]
        return sorted(found, key=lambda c: c.id)

    def move(
        self, course: Course, to: CourseState, *, by: int, at: datetime, reason: str
    ) -> Course:
        current = self._t.courses.get(course.id)
        if current is None or current.version != course.version:
            raise Conflict("the course changed meanwhile; reload and retry", field="version")
        moved = replace(course, state=to, version=course.version + 1)
        self._t.courses[course.id] = moved
        self._t.course_transitions.append(
            (course.clinic_id, course.id, CourseTransition(course.state, to, at, by, reason))
        )
        return moved

    def history(self, clinic_id: int, course_id: int) -> Sequence[CourseTransition]:
        return [t for c, cid, t in self._t.course_transitions if (c, cid) == (clinic_id, course_id)]


class InMemorySafetyTaskRepository:
    def __init__(self, tables: CourseTables) -> None:
        self._t = tables

    def open_task(
        self,
        clinic_id: int,
        patient_id: int,
        *,
        source: str,
        rule_id: str,
        reason: str,
        urgency: Urgency,
        at: datetime,
    ) -> SafetyTask:
        task = SafetyTask(
            id=self._t.next_id("safety_tasks"),
            clinic_id=clinic_id,
            patient_id=patient_id,
            source=source,
            rule_id=rule_id,
            reason=reason,
            urgency=urgency,
            opened_at=at,
            open=True,
        )
        self._t.safety_tasks[task.id] = task
        return task

    def get(self, clinic_id: int, task_id: int) -> SafetyTask | None:
        found = self._t.safety_tasks.get(task_id)
        return found if found is not None and found.clinic_id == clinic_id else None

    def _of(self, clinic_id: int, patient_id: int) -> list[SafetyTask]:
        return [
            t
            for _, t in sorted(self._t.safety_tasks.items())
            if (t.clinic_id, t.patient_id) == (clinic_id, patient_id)
        ]

    def open_for_patient(self, clinic_id: int, patient_id: int) -> Sequence[SafetyTask]:
        return [t for t in self._of(clinic_id, patient_id) if t.open]

    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[SafetyTask]:
        """Newest first."""
        return self._of(clinic_id, patient_id)[::-1]

    def open_in_clinic(self, clinic_id: int) -> Sequence[SafetyTask]:
        found = [t for t in self._t.safety_tasks.values() if t.clinic_id == clinic_id and t.open]
        return sorted(found, key=lambda t: (t.opened_at, t.id))

    def resolve(
        self, task: SafetyTask, assessment: SafetyAssessment, *, by: int, at: datetime
    ) -> SafetyTask:
        current = self._t.safety_tasks.get(task.id)
        if current is None or not current.open:
            raise Conflict("this safety task is already resolved", field="task_id")
        resolved = replace(
            current,
            open=False,
            resolved_at=at,
            resolved_by=by,
            risk_level=assessment.risk_level,
            plan=assessment.plan,
            disposition=assessment.disposition,
        )
        self._t.safety_tasks[task.id] = resolved
        return resolved
