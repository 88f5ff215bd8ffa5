"""Suicide-risk safety tasks, always scoped by clinic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ketaclinic.adapters.db.assessments.tables_safety import safety_tasks
from ketaclinic.domain.assessments.safety import (
    Disposition,
    RiskLevel,
    SafetyAssessment,
    SafetyTask,
    Urgency,
)
from ketaclinic.domain.errors import Conflict


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
