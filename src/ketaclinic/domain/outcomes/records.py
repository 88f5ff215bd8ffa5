"""Stored outcome records: a course's tagged scores and its stored booster plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ketaclinic.domain.outcomes.maintenance import BoosterPlan
from ketaclinic.domain.outcomes.response import InstrumentScore, ScoreKind


@dataclass(frozen=True, slots=True)
class CourseScore:
    """One recorded response tagged with why it was taken (points on the instrument's scale)."""

    response_id: int
    course_id: int
    patient_id: int
    score: InstrumentScore

    @property
    def kind(self) -> ScoreKind:
        return self.score.kind


@dataclass(frozen=True, slots=True)
class StoredBoosterPlan:
    """A booster plan a clinician stored for a course (the latest one is in force)."""

    id: int
    clinic_id: int
    course_id: int
    start_on: date
    plan: BoosterPlan
    created_by: int
    created_at: datetime
