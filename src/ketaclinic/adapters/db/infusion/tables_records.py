"""Infusion-day clinical records: one append-only row per documented step of a session."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from ketaclinic.adapters.db.types import UTCDateTime, metadata

session_records = Table(
    "session_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("session_id", ForeignKey("infusion_sessions.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("payload", Text, nullable=False),  # JSON object of the step's fields
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", ForeignKey("staff.id"), nullable=False),
    Index("ix_session_records_clinic_session", "clinic_id", "session_id"),
)
