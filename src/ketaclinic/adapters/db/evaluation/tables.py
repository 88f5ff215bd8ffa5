"""Evaluations (versioned), signed eligibility decisions and their overrides."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ketaclinic.adapters.db.types import UTCDateTime, metadata

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content", Text, nullable=False),  # JSON per docs/schemas/evaluation.schema.json
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", ForeignKey("staff.id"), nullable=False),
    UniqueConstraint("course_id", "version"),
    Index("ix_evaluations_clinic_course", "clinic_id", "course_id"),
)


eligibility_decisions = Table(
    "eligibility_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("evaluation_version", Integer, nullable=False),
    Column("decision", String(30), nullable=False),
    Column("findings", Text, nullable=False),  # JSON list, every finding as weighed
    Column("acknowledged", Text, nullable=False),  # JSON list of caution rule ids
    Column("signed_by", ForeignKey("staff.id"), nullable=False),
    Column("signer_role", String(20), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
    Column("assessed_at", UTCDateTime, nullable=False),
    Index("ix_eligibility_decisions_clinic_course", "clinic_id", "course_id"),
)


eligibility_overrides = Table(
    "eligibility_overrides",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("decision_id", ForeignKey("eligibility_decisions.id"), nullable=False, index=True),
    Column("rule", String(120), nullable=False),
    Column("role", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("by_staff", ForeignKey("staff.id"), nullable=False),
)
