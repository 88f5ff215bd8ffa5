"""Treatment courses and their transitions, always scoped by clinic."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ketaclinic.adapters.db.patients.tables import course_transitions, courses
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.treatment import Course, CourseTransition


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

    def get_many(self, clinic_id: int, course_ids: Collection[int]) -> Sequence[Course]:
        if not course_ids:
            return []
        stmt = select(courses).where(courses.c.clinic_id == clinic_id, courses.c.id.in_(course_ids))
        return [_course(r._mapping) for r in self._conn.execute(stmt.order_by(courses.c.id))]

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
