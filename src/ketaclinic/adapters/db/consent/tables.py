"""Consent signatures and withdrawals."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from ketaclinic.adapters.db.types import UTCDateTime, metadata

consent_signatures = Table(
    "consent_signatures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("document_id", String(120), nullable=False),
    Column("document_version", String(40), nullable=False),
    Column("document_hash", String(64), nullable=False),
    Column("signer_role", String(20), nullable=False),  # patient | guardian | assent
    Column("signer_name", String(200), nullable=False),
    Column("related_person_id", ForeignKey("related_persons.id"), nullable=True),
    Column("legal_authority", Boolean, nullable=False),
    Column("agrees", Boolean, nullable=False),
    Column("witness_name", String(200), nullable=True),
    Column("witness_staff_id", ForeignKey("staff.id"), nullable=True),
    Column("witness_role", String(20), nullable=True),
    Column("explained_by", String(200), nullable=True),
    Column("image_png", Text, nullable=False),  # data:image/png;base64,... ("" for a dissent)
    Column("signed_at", UTCDateTime, nullable=False),
    Column("collected_by", ForeignKey("staff.id"), nullable=False),
    Index("ix_consent_signatures_clinic_course", "clinic_id", "course_id"),
    Index("ix_consent_signatures_clinic_patient", "clinic_id", "patient_id"),
)


consent_withdrawals = Table(
    "consent_withdrawals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("by_role", String(20), nullable=False),
    Column("document_id", String(120), nullable=True),  # NULL withdraws every document
    Column("reason", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("recorded_by", ForeignKey("staff.id"), nullable=False),
    Index("ix_consent_withdrawals_clinic_course", "clinic_id", "course_id"),
)
