"""Integration plans (goals, ratings), the practice library, coaching notes and journey records."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ketaclinic.adapters.db.types import UTCDateTime, metadata

JOURNEY_ONE_PER_SESSION = "uq_journey_records_session_id"

integration_practices = Table(
    "integration_practices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False, index=True),
    Column("category", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("active", Integer, nullable=False, server_default="1"),
)

integration_goals = Table(
    "integration_goals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("domain_id", String(60), nullable=False),
    Column("text", Text, nullable=False),
    Column("practices", Text, nullable=False),  # JSON list of practice names
    Column("measure", String(200), nullable=False, server_default=""),
    Column("status", String(12), nullable=False),
    Column("created_by", ForeignKey("staff.id"), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_integration_goals_clinic_course", "clinic_id", "course_id"),
)

integration_goal_ratings = Table(
    "integration_goal_ratings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("goal_id", ForeignKey("integration_goals.id"), nullable=False, index=True),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("at", UTCDateTime, nullable=False),
    Column("by_staff", ForeignKey("staff.id"), nullable=True),
)

coaching_notes = Table(
    "coaching_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("session_at", UTCDateTime, nullable=False),
    Column("author_id", ForeignKey("staff.id"), nullable=False),
    Column("themes", Text, nullable=False),
    Column("practices_assigned", Text, nullable=False),  # JSON list
    Column("homework", Text, nullable=False, server_default=""),
    Column("risk", String(12), nullable=False),
    Column("risk_notes", Text, nullable=False, server_default=""),
    Column("private_text", Text, nullable=True),  # psychotherapy note: audited reads only
    Column("signed_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_coaching_notes_clinic_course", "clinic_id", "course_id"),
    Index("ix_coaching_notes_clinic_author", "clinic_id", "author_id"),
)

journey_records = Table(
    "journey_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    # the session whose ketamine dose this record describes: required, one record per session
    Column("session_id", ForeignKey("infusion_sessions.id"), nullable=False),
    Column("route", String(4), nullable=False),
    Column("dose_mg", Numeric(10, 3), nullable=False),
    Column("given_at", UTCDateTime, nullable=False),
    Column("attendant_id", ForeignKey("staff.id"), nullable=False),
    Column("setting", Text, nullable=False),  # JSON list of checklist items in place
    Column("observations", Text, nullable=False, server_default=""),
    Column("reflection", Text, nullable=False, server_default=""),
    Column("recorded_by", ForeignKey("staff.id"), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_journey_records_clinic_course", "clinic_id", "course_id"),
    UniqueConstraint("session_id", name=JOURNEY_ONE_PER_SESSION),
)

portal_links = Table(
    "integration_portal_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("form_token", String(64), nullable=False),
    Column("created_by", ForeignKey("staff.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

practice_logs = Table(
    "integration_practice_logs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("practice", String(200), nullable=False),
    Column("done", Integer, nullable=False),
    Column("feeling", Text, nullable=False, server_default=""),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_integration_practice_logs_clinic_course", "clinic_id", "course_id"),
)
