"""Recorded instrument responses, patient self-report links and in-app notices."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from ketaclinic.adapters.db.types import UTCDateTime, metadata

assessment_responses = Table(
    "assessment_responses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=True),
    Column("instrument_id", String(40), nullable=False),
    Column("instrument_version", String(20), nullable=False),
    Column("answers", Text, nullable=False),  # JSON object: item id -> ordinal
    Column("total", Integer, nullable=True),
    Column("band", String(40), nullable=True),
    Column("band_label", String(80), nullable=True),
    Column("subscales", Text, nullable=False),  # JSON object: subscale id -> score
    Column("safety_flags", Text, nullable=False),  # JSON list of rule ids that fired
    Column("complete", Boolean, nullable=False),
    Column("answered_by", String(12), nullable=False),  # staff | patient | guardian
    Column("source", String(12), nullable=False),  # chart | link | fhir
    Column("answered_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", ForeignKey("staff.id"), nullable=True),
    Column("link_id", Integer, nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    Index("ix_assessment_responses_clinic_patient", "clinic_id", "patient_id", "instrument_id"),
)

assessment_links = Table(
    "assessment_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=True),
    Column("instrument_id", String(40), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the link token
    Column("form_token", String(120), nullable=False),  # per-link form token (not the credential)
    Column("created_by", ForeignKey("staff.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("response_id", ForeignKey("assessment_responses.id"), nullable=True),
    Column("guardian_informed", Boolean, nullable=False, server_default="0"),
    Index("ix_assessment_links_clinic_patient", "clinic_id", "patient_id"),
)

notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("audience", String(40), nullable=False),
    Column("ref", String(60), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_notices_clinic_audience", "clinic_id", "audience"),
)
