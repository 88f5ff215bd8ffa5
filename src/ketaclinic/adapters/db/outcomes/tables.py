"""Outcomes (clinical.md §9): why each score was taken, and the stored maintenance booster plans.

A recorded instrument response (``assessment_responses``) is tagged here with the course, the
reason it was administered (baseline, induction session, reassessment, relapse watch, booster)
and the induction session number, which the outcome rules need and the response itself lacks.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from ketaclinic.adapters.db.types import UTCDateTime, metadata

course_scores = Table(
    "course_scores",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("response_id", ForeignKey("assessment_responses.id"), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),  # domain.outcomes.response.ScoreKind
    Column("session_number", Integer, nullable=True),
    Column("tagged_at", UTCDateTime, nullable=False),
    Index("ix_course_scores_clinic_course", "clinic_id", "course_id"),
)

booster_plans = Table(
    "booster_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("start_on", Date, nullable=False),
    Column("review_on", Date, nullable=False),
    Column("windows", Text, nullable=False),  # JSON list of booster windows
    Column("reasons", Text, nullable=False),  # JSON list of [rule_id, message, source, signoff]
    Column("created_by", ForeignKey("staff.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_booster_plans_clinic_course", "clinic_id", "course_id"),
)
