"""What the services need from the outside world, as Protocols.

Adapters implement these (``ketaclinic.adapters``); tests use in-memory fakes. A service opens one
unit of work per use case and commits once; the audit event is written in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from ketaclinic.domain.evaluation.eligibility.signoff import SignedDecision
from ketaclinic.domain.evaluation.intake import Evaluation
from ketaclinic.domain.evaluation.records import (
    StoredDecision,
    StoredEvaluation,
)
from ketaclinic.domain.patients.treatment import Course


class EvaluationRepository(Protocol):
    def add_version(
        self, course: Course, evaluation: Evaluation, *, by: int, at: datetime
    ) -> StoredEvaluation: ...
    def latest(self, clinic_id: int, course_id: int) -> StoredEvaluation | None: ...
    def versions(self, clinic_id: int, course_id: int) -> Sequence[StoredEvaluation]: ...


class EligibilityRepository(Protocol):
    def add(
        self, course: Course, evaluation_version: int, decision: SignedDecision, *, by: int
    ) -> StoredDecision: ...
    def latest(self, clinic_id: int, course_id: int) -> StoredDecision | None: ...
