"""A clinic's mappings of outside FHIR Questionnaires onto instruments (one per canonical URL)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from ketaclinic.adapters.db.types import UTCDateTime, metadata

questionnaire_mappings = Table(
    "questionnaire_mappings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("url", String(500), nullable=False),
    Column("instrument_id", String(40), nullable=False),
    Column("content", Text, nullable=False),  # JSON: items, answers, total_link_ids
    Column("created_by", ForeignKey("staff.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("clinic_id", "url", name="uq_questionnaire_mappings_clinic_url"),
)
