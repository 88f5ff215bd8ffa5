"""Published protocol versions, their sign-offs, treatment courses and safety tasks."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from ketaclinic.adapters.db.types import UTCDateTime, metadata

protocol_versions = Table(
    "protocol_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("protocol_id", String(60), nullable=False),
    Column("version", String(40), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("base_ref", String(120), nullable=True),
    Column("content", Text, nullable=False),  # canonical JSON; immutable once published
    Column("published_at", UTCDateTime, nullable=False),
    Column("published_by", Integer, nullable=True),
    UniqueConstraint("clinic_id", "protocol_id", "version"),
)

protocol_signoffs = Table(
    "protocol_signoffs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("protocol_version_id", ForeignKey("protocol_versions.id"), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("signed_by", ForeignKey("staff.id"), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
    Column("confirmed_paths", Text, nullable=False),  # JSON list of every needs_signoff path
    UniqueConstraint("protocol_version_id"),
)

courses = Table(
    "courses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("protocol_version_id", ForeignKey("protocol_versions.id"), nullable=False),
    Column("state", String(20), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("opened_by", ForeignKey("staff.id"), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Index("ix_courses_clinic_patient", "clinic_id", "patient_id"),
    Index("ix_courses_clinic_state", "clinic_id", "state"),
)

course_transitions = Table(
    "course_transitions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False, index=True),
    Column("from_state", String(20), nullable=False),
    Column("to_state", String(20), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("by_staff", ForeignKey("staff.id"), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
)

safety_tasks = Table(
    "safety_tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("source", String(60), nullable=False),  # e.g. "assessment:42"
    Column("rule_id", String(80), nullable=False),
    Column("reason", Text, nullable=False),
    Column("urgency", String(20), nullable=False),  # urgent | same_day | routine
    Column("opened_at", UTCDateTime, nullable=False),
    Column("status", String(12), nullable=False),  # open | resolved
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("resolved_by", ForeignKey("staff.id"), nullable=True),
    Column("risk_level", String(20), nullable=True),
    Column("plan", Text, nullable=True),
    Column("disposition", String(60), nullable=True),
    Index("ix_safety_tasks_clinic_status", "clinic_id", "status"),
    Index("ix_safety_tasks_clinic_patient", "clinic_id", "patient_id"),
)
