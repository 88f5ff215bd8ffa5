"""Protocol versions and sign-offs, courses and their transitions, safety tasks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ketaclinic.adapters.db.tables_courses import (
    course_transitions,
    courses,
    protocol_signoffs,
    protocol_versions,
    safety_tasks,
)
from ketaclinic.domain.course import CourseState
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.safety import Disposition, RiskLevel, SafetyAssessment, SafetyTask, Urgency
from ketaclinic.domain.treatment import Course, CourseTransition, PublishedProtocol


def _published(m: Any) -> PublishedProtocol:
    return PublishedProtocol(
        id=m["id"],
        clinic_id=m["clinic_id"],
        protocol_id=m["protocol_id"],
        version=m["version"],
        hash=m["hash"],
        title=m["title"],
        base_ref=m["base_ref"],
        published_at=m["published_at"],
        signed_off_by=m["signed_by"],
        signed_off_at=m["signed_at"],
    )


class SqlProtocolRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _select(self) -> Any:
        return select(
            protocol_versions, protocol_signoffs.c.signed_by, protocol_signoffs.c.signed_at
        ).outerjoin(
            protocol_signoffs,
            (protocol_signoffs.c.protocol_version_id == protocol_versions.c.id)
            & (protocol_signoffs.c.hash == protocol_versions.c.hash),
        )

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
        new_id = self._conn.execute(
            insert(protocol_versions)
            .values(clinic_id=clinic_id, protocol_id=protocol_id, version=version, hash=hash)
            .values(title=title, base_ref=base_ref, content=content, published_at=at)
            .values(published_by=by)
            .returning(protocol_versions.c.id)
        ).scalar_one()
        found = self.get(clinic_id, new_id)
        assert found is not None
        return found

    def get(self, clinic_id: int, version_id: int) -> PublishedProtocol | None:
        stmt = self._select().where(
            protocol_versions.c.clinic_id == clinic_id, protocol_versions.c.id == version_id
        )
        row = self._conn.execute(stmt).first()
        return _published(row._mapping) if row else None

    def find(self, clinic_id: int, protocol_id: str, version: str) -> PublishedProtocol | None:
        stmt = self._select().where(
            protocol_versions.c.clinic_id == clinic_id,
            protocol_versions.c.protocol_id == protocol_id,
            protocol_versions.c.version == version,
        )
        row = self._conn.execute(stmt).first()
        return _published(row._mapping) if row else None

    def list(self, clinic_id: int) -> Sequence[PublishedProtocol]:
        stmt = self._select().where(protocol_versions.c.clinic_id == clinic_id)
        stmt = stmt.order_by(protocol_versions.c.protocol_id, protocol_versions.c.id)
        return [_published(r._mapping) for r in self._conn.execute(stmt)]

    def content(self, clinic_id: int, version_id: int) -> str:
        stmt = select(protocol_versions.c.content).where(
            protocol_versions.c.clinic_id == clinic_id, protocol_versions.c.id == version_id
        )
        return str(self._conn.execute(stmt).scalar_one())

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
        existing = self._conn.execute(
            select(protocol_signoffs.c.id).where(
                protocol_signoffs.c.protocol_version_id == version_id
            )
        ).first()
        if existing is not None:
            raise Conflict(
                "this protocol version is already signed off", field="protocol_version_id"
            )
        self._conn.execute(
            insert(protocol_signoffs).values(
                clinic_id=clinic_id,
                protocol_version_id=version_id,
                hash=hash,
                signed_by=by,
                signed_at=at,
                confirmed_paths=json.dumps(sorted(confirmed_paths)),
            )
        )


def _course(m: Any) -> Course:
    return Course(
        id=m["id"],
        clinic_id=m["clinic_id"],
        patient_id=m["patient_id"],
        protocol_version_id=m["protocol_version_id"],
        state=CourseState(m["state"]),
        opened_at=m["opened_at"],
        version=m["version"],
    )


class SqlCourseRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self, clinic_id: int, patient_id: int, version_id: int, *, by: int, at: datetime
    ) -> Course:
        new_id = self._conn.execute(
            insert(courses)
            .values(clinic_id=clinic_id, patient_id=patient_id, protocol_version_id=version_id)
            .values(state=CourseState.REFERRED.value, opened_at=at, opened_by=by, updated_at=at)
            .values(version=1)
            .returning(courses.c.id)
        ).scalar_one()
        found = self.get(clinic_id, new_id)
        assert found is not None
        return found

    def get(self, clinic_id: int, course_id: int) -> Course | None:
        stmt = select(courses).where(courses.c.clinic_id == clinic_id, courses.c.id == course_id)
        row = self._conn.execute(stmt.with_for_update()).first()
        return _course(row._mapping) if row else None

    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[Course]:
        stmt = select(courses).where(
            courses.c.clinic_id == clinic_id, courses.c.patient_id == patient_id
        )
        return [_course(r._mapping) for r in self._conn.execute(stmt.order_by(courses.c.id.desc()))]

    def in_states(self, clinic_id: int, states: Sequence[CourseState]) -> Sequence[Course]:
        stmt = select(courses).where(
            courses.c.clinic_id == clinic_id, courses.c.state.in_([s.value for s in states])
        )
        return [_course(r._mapping) for r in self._conn.execute(stmt.order_by(courses.c.id))]

    def move(
        self, course: Course, to: CourseState, *, by: int, at: datetime, reason: str
    ) -> Course:
        done = self._conn.execute(
            update(courses)
            .where(courses.c.id == course.id, courses.c.version == course.version)
            .values(state=to.value, updated_at=at, version=course.version + 1)
        )
        if done.rowcount != 1:
            raise Conflict("the course changed meanwhile; reload and retry", field="version")
        self._conn.execute(
            insert(course_transitions).values(
                clinic_id=course.clinic_id,
                course_id=course.id,
                from_state=course.state.value,
                to_state=to.value,
                at=at,
                by_staff=by,
                reason=reason,
            )
        )
        return Course(
            course.id,
            course.clinic_id,
            course.patient_id,
            course.protocol_version_id,
            to,
            course.opened_at,
            course.version + 1,
        )

    def history(self, clinic_id: int, course_id: int) -> Sequence[CourseTransition]:
        stmt = select(course_transitions).where(
            course_transitions.c.clinic_id == clinic_id, course_transitions.c.course_id == course_id
        )
        return [
            CourseTransition(
                CourseState(r.from_state), CourseState(r.to_state), r.at, r.by_staff, r.reason
            )
            for r in self._conn.execute(stmt.order_by(course_transitions.c.id))
        ]


def _task(m: Any) -> SafetyTask:
    return SafetyTask(
        id=m["id"],
        clinic_id=m["clinic_id"],
        patient_id=m["patient_id"],
        source=m["source"],
        rule_id=m["rule_id"],
        reason=m["reason"],
        urgency=Urgency(m["urgency"]),
        opened_at=m["opened_at"],
        open=m["status"] == "open",
        resolved_at=m["resolved_at"],
        resolved_by=m["resolved_by"],
        risk_level=RiskLevel(m["risk_level"]) if m["risk_level"] else None,
        plan=m["plan"],
        disposition=Disposition(m["disposition"]) if m["disposition"] else None,
    )


class SqlSafetyTaskRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

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
        new_id = self._conn.execute(
            insert(safety_tasks)
            .values(clinic_id=clinic_id, patient_id=patient_id, source=source, rule_id=rule_id)
            .values(reason=reason, urgency=urgency.value, opened_at=at, status="open")
            .returning(safety_tasks.c.id)
        ).scalar_one()
        found = self.get(clinic_id, new_id)
        assert found is not None
        return found

    def get(self, clinic_id: int, task_id: int) -> SafetyTask | None:
        stmt = select(safety_tasks).where(
            safety_tasks.c.clinic_id == clinic_id, safety_tasks.c.id == task_id
        )
        row = self._conn.execute(stmt).first()
        return _task(row._mapping) if row else None

    def open_for_patient(self, clinic_id: int, patient_id: int) -> Sequence[SafetyTask]:
        stmt = select(safety_tasks).where(
            safety_tasks.c.clinic_id == clinic_id,
            safety_tasks.c.patient_id == patient_id,
            safety_tasks.c.status == "open",
        )
        return [_task(r._mapping) for r in self._conn.execute(stmt.order_by(safety_tasks.c.id))]

    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[SafetyTask]:
        stmt = select(safety_tasks).where(
            safety_tasks.c.clinic_id == clinic_id, safety_tasks.c.patient_id == patient_id
        )
        return [
            _task(r._mapping) for r in self._conn.execute(stmt.order_by(safety_tasks.c.id.desc()))
        ]

    def open_in_clinic(self, clinic_id: int) -> Sequence[SafetyTask]:
        stmt = select(safety_tasks).where(
            safety_tasks.c.clinic_id == clinic_id, safety_tasks.c.status == "open"
        )
        return [
            _task(r._mapping) for r in self._conn.execute(stmt.order_by(safety_tasks.c.opened_at))
        ]

    def resolve(
        self, task: SafetyTask, assessment: SafetyAssessment, *, by: int, at: datetime
    ) -> SafetyTask:
        done = self._conn.execute(
            update(safety_tasks)
            .where(safety_tasks.c.id == task.id, safety_tasks.c.status == "open")
            .values(
                status="resolved",
                resolved_at=at,
                resolved_by=by,
                risk_level=assessment.risk_level.value,
                plan=assessment.plan,
                disposition=assessment.disposition.value,
            )
        )
        if done.rowcount != 1:
            raise Conflict("this safety task is already resolved", field="task_id")
        found = self.get(task.clinic_id, task.id)
        assert found is not None
        return found
