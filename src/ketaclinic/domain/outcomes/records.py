"""Stored outcome records: a course's tagged scores and its stored booster plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ketaclinic.domain.outcomes.maintenance import BoosterPlan
from ketaclinic.domain.outcomes.scores import CourseScore as CourseScore


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
