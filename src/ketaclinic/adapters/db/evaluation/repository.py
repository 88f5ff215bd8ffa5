"""Evaluations (a new row per version) and signed eligibility decisions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from ketaclinic.adapters.db.evaluation.tables import (
    eligibility_decisions,
    eligibility_overrides,
    evaluations,
)
from ketaclinic.adapters.evaluation_codec import dump_evaluation
from ketaclinic.adapters.evaluation_json import parse_evaluation
from ketaclinic.domain.evaluation.eligibility import (
    Decision,
    Finding,
    OutcomeKind,
    Override,
    SignedDecision,
)
from ketaclinic.domain.evaluation.intake import Evaluation
from ketaclinic.domain.evaluation.records import (
    StoredDecision,
    StoredEvaluation,
)
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.sections import Severity


def _evaluation(m: Any) -> StoredEvaluation:
    return StoredEvaluation(
        id=m["id"],
        clinic_id=m["clinic_id"],
        course_id=m["course_id"],
        patient_id=m["patient_id"],
        version=m["version"],
        evaluation=parse_evaluation(json.loads(m["content"])),
        recorded_at=m["recorded_at"],
        recorded_by=m["recorded_by"],
    )


class SqlEvaluationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_version(
        self, course: Course, evaluation: Evaluation, *, by: int, at: datetime
    ) -> StoredEvaluation:
        """Store ``evaluation`` as the course's next version (the unique key catches a race)."""
        latest = self._conn.execute(
            select(func.max(evaluations.c.version)).where(
                evaluations.c.clinic_id == course.clinic_id, evaluations.c.course_id == course.id
            )
        ).scalar_one()
        new_id = self._conn.execute(
            insert(evaluations)
            .values(clinic_id=course.clinic_id, course_id=course.id, patient_id=course.patient_id)
            .values(version=(latest or 0) + 1, recorded_at=at, recorded_by=by)
            .values(content=json.dumps(dump_evaluation(evaluation), sort_keys=True))
            .returning(evaluations.c.id)
        ).scalar_one()
        row = self._conn.execute(select(evaluations).where(evaluations.c.id == new_id)).one()
        return _evaluation(row._mapping)

    def latest(self, clinic_id: int, course_id: int) -> StoredEvaluation | None:
        stmt = (
            select(evaluations)
            .where(evaluations.c.clinic_id == clinic_id, evaluations.c.course_id == course_id)
            .order_by(evaluations.c.version.desc())
            .limit(1)
        )
        row = self._conn.execute(stmt).first()
        return _evaluation(row._mapping) if row else None

    def versions(self, clinic_id: int, course_id: int) -> Sequence[StoredEvaluation]:
        stmt = select(evaluations).where(
            evaluations.c.clinic_id == clinic_id, evaluations.c.course_id == course_id
        )
        rows = self._conn.execute(stmt.order_by(evaluations.c.version.desc()))
        return [_evaluation(r._mapping) for r in rows]


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "condition": f.condition,
        "severity": f.severity.value,
        "kind": f.kind.value,
        "evidence": f.evidence,
        "source": f.source,
        "title": f.title,
        "override_role": f.override_role,
        "needs_signoff": f.needs_signoff,
    }


def _finding(d: dict[str, Any]) -> Finding:
    return Finding(
        d["rule"],
        d["condition"],
        Severity(d["severity"]),
        OutcomeKind(d["kind"]),
        d["evidence"],
        d["source"],
        d["title"],
        d["override_role"],
        d["needs_signoff"],
    )


class SqlEligibilityRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self, course: Course, evaluation_version: int, decision: SignedDecision, *, by: int
    ) -> StoredDecision:
        new_id = self._conn.execute(
            insert(eligibility_decisions)
            .values(clinic_id=course.clinic_id, course_id=course.id, patient_id=course.patient_id)
            .values(evaluation_version=evaluation_version, decision=decision.decision.value)
            .values(findings=json.dumps([_finding_json(f) for f in decision.findings]))
            .values(acknowledged=json.dumps(sorted(decision.acknowledged)))
            .values(signed_by=by, signer_role=decision.signer_role)
            .values(signed_at=decision.signed_at, assessed_at=decision.assessed_at)
            .returning(eligibility_decisions.c.id)
        ).scalar_one()
        for o in decision.overrides:
            self._conn.execute(
                insert(eligibility_overrides).values(
                    clinic_id=course.clinic_id,
                    decision_id=new_id,
                    rule=o.rule,
                    role=o.role,
                    reason=o.reason,
                    by_staff=by,
                )
            )
        found = self.latest(course.clinic_id, course.id)
        assert found is not None
        return found

    def latest(self, clinic_id: int, course_id: int) -> StoredDecision | None:
        stmt = (
            select(eligibility_decisions)
            .where(
                eligibility_decisions.c.clinic_id == clinic_id,
                eligibility_decisions.c.course_id == course_id,
            )
            .order_by(eligibility_decisions.c.id.desc())
            .limit(1)
        )
        row = self._conn.execute(stmt).first()
        return self._decision(row._mapping) if row else None

    def _decision(self, m: Any) -> StoredDecision:
        rows = self._conn.execute(
            select(eligibility_overrides)
            .where(eligibility_overrides.c.decision_id == m["id"])
            .order_by(eligibility_overrides.c.id)
        )
        overrides = tuple(Override(r.rule, r.role, r.reason, f"staff/{r.by_staff}") for r in rows)
        decision = SignedDecision(
            Decision(m["decision"]),
            tuple(_finding(d) for d in json.loads(m["findings"])),
            overrides,
            frozenset(json.loads(m["acknowledged"])),
            f"staff/{m['signed_by']}",
            m["signer_role"],
            m["signed_at"],
            m["assessed_at"],
        )
        return StoredDecision(
            m["id"],
            m["clinic_id"],
            m["course_id"],
            m["patient_id"],
            m["evaluation_version"],
            decision,
            m["signed_by"],
        )
