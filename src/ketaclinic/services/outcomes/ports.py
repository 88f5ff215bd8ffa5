"""What the outcome and maintenance services need from storage (the unit of work's ``outcomes``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from ketaclinic.domain.outcomes.maintenance import BoosterPlan
from ketaclinic.domain.outcomes.records import CourseScore, StoredBoosterPlan
from ketaclinic.domain.outcomes.response import ScoreKind


class OutcomeRepository(Protocol):
    def tag(
        self,
        clinic_id: int,
        course_id: int,
        response_id: int,
        kind: ScoreKind,
        session_number: int | None,
        *,
        at: datetime,
    ) -> None: ...
    def scores(self, clinic_id: int, course_id: int) -> Sequence[CourseScore]: ...
    def scores_for_clinic(self, clinic_id: int) -> Sequence[CourseScore]: ...
    def add_plan(
        self,
        clinic_id: int,
        course_id: int,
        start_on: date,
        plan: BoosterPlan,
        *,
        by: int,
        at: datetime,
    ) -> StoredBoosterPlan: ...
    def latest_plan(self, clinic_id: int, course_id: int) -> StoredBoosterPlan | None: ...
    def latest_plans(self, clinic_id: int) -> Sequence[StoredBoosterPlan]:
        """The plan in force (the latest stored) of every course of the clinic that has one."""
        ...
