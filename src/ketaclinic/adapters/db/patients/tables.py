"""Treatment courses and their transitions."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from ketaclinic.adapters.db.types import UTCDateTime, metadata

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
