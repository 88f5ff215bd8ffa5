"""What the services need from the outside world, as Protocols.

Adapters implement these (``ketaclinic.adapters``); tests use in-memory fakes. A service opens one
unit of work per use case and commits once; the audit event is written in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from ketaclinic.domain.assessments.questionnaire_mappings import QuestionnaireMapping, StoredMapping
from ketaclinic.domain.assessments.records import (
    AssessmentLink,
    AssessmentResponse,
    NewResponse,
    Notice,
    ScoredResponse,
)
from ketaclinic.domain.assessments.safety import SafetyAssessment, SafetyTask, Urgency


class SafetyTaskRepository(Protocol):
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
    ) -> SafetyTask: ...
    def get(self, clinic_id: int, task_id: int) -> SafetyTask | None: ...
    def open_for_patient(self, clinic_id: int, patient_id: int) -> Sequence[SafetyTask]: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[SafetyTask]: ...
    def open_in_clinic(self, clinic_id: int) -> Sequence[SafetyTask]: ...
    def resolve(
        self, task: SafetyTask, assessment: SafetyAssessment, *, by: int, at: datetime
    ) -> SafetyTask: ...


class AssessmentRepository(Protocol):
    def add(self, clinic_id: int, r: NewResponse, *, at: datetime) -> AssessmentResponse: ...
    def get(self, clinic_id: int, response_id: int) -> AssessmentResponse | None: ...
    def for_patient(
        self, clinic_id: int, patient_id: int, instrument_id: str | None = None
    ) -> Sequence[AssessmentResponse]: ...


class ScoredResponseReader(Protocol):
    """The assessments area's read model for other areas: scored responses by id.

    Responses without a total are left out; ids of another clinic are never returned.
    """

    def scored(
        self, clinic_id: int, response_ids: Collection[int]
    ) -> Mapping[int, ScoredResponse]: ...


class QuestionnaireMappingRepository(Protocol):
    def add(
        self, clinic_id: int, mapping: QuestionnaireMapping, *, by: int, at: datetime
    ) -> StoredMapping: ...
    def for_clinic(self, clinic_id: int) -> Sequence[StoredMapping]: ...
    def by_url(self, clinic_id: int, url: str) -> StoredMapping | None: ...


class AssessmentLinkRepository(Protocol):
    def add(
        self,
        clinic_id: int,
        *,
        patient_id: int,
        course_id: int | None,
        instrument_id: str,
        token_hash: str,
        form_token: str,
        created_by: int,
        at: datetime,
        expires_at: datetime,
        guardian_informed: bool,
    ) -> AssessmentLink: ...
    def by_token_hash(self, token_hash: str) -> AssessmentLink | None: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[AssessmentLink]: ...
    def mark_used(self, link: AssessmentLink, response_id: int, *, at: datetime) -> None: ...


class NoticeRepository(Protocol):
    def add(
        self,
        clinic_id: int,
        patient_id: int,
        *,
        kind: str,
        audience: str,
        ref: str,
        message: str,
        at: datetime,
    ) -> Notice: ...
    def for_audience(self, clinic_id: int, audience: str, limit: int = 50) -> Sequence[Notice]: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[Notice]: ...
