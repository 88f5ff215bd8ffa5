"""Foundation tables: clinics, staff, sign-in, patients, related persons, measurements, audit.

Every clinical row carries ``clinic_id`` so a network of clinics can be distributed by clinic.
Feature areas keep their tables in their own modules (``tables_<area>.py``) on the same metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
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

clinics = Table(
    "clinics",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("mrn_prefix", String(8), nullable=False),
    Column("next_mrn", Integer, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
)

chairs = Table(
    "chairs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("name", String(40), nullable=False),
    Column("features", String(200), nullable=False, server_default=""),
    Column("in_service", Boolean, nullable=False, server_default="1"),
    UniqueConstraint("clinic_id", "name"),
)

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("failed_signins", Integer, nullable=False, server_default="0"),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("staff_id", ForeignKey("staff.id"), nullable=False),
    Column("role", String(20), nullable=False),
    UniqueConstraint("clinic_id", "staff_id"),
)

staff_web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("staff_id", ForeignKey("staff.id"), nullable=False),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("client", String(64), nullable=False, server_default=""),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("staff_id", ForeignKey("staff.id"), nullable=False),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

patients = Table(
    "patients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("mrn", String(20), nullable=False),
    Column("given_name", String(100), nullable=False),
    Column("family_name", String(100), nullable=False),
    Column("search_name", String(210), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("sex_at_birth", String(10), nullable=False),
    Column("gender_identity", String(60), nullable=False, server_default=""),
    Column("phone", String(24), nullable=False, server_default=""),
    Column("email", String(254), nullable=False, server_default=""),
    Column("address", String(300), nullable=False, server_default=""),
    Column("preferred_language", String(16), nullable=False, server_default="en"),
    Column("emergency_contact_name", String(100), nullable=False, server_default=""),
    Column("emergency_contact_phone", String(24), nullable=False, server_default=""),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("clinic_id", "mrn"),
    Index("ix_patients_clinic_search_name", "clinic_id", "search_name"),
    Index("ix_patients_clinic_dob", "clinic_id", "date_of_birth"),
)

related_persons = Table(
    "related_persons",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    Column("relationship", String(100), nullable=False),
    Column("phone", String(24), nullable=False, server_default=""),
    Column("email", String(254), nullable=False, server_default=""),
    Column("legal_authority", Boolean, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
)

measurements = Table(
    "measurements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False, index=True),
    Column("measured_at", UTCDateTime, nullable=False),
    Column("weight_kg", Numeric(6, 2), nullable=True),
    Column("height_cm", Numeric(5, 1), nullable=True),
    Column("entered_by", ForeignKey("staff.id"), nullable=False),
)

allergies = Table(
    "allergies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False, index=True),
    Column("substance", String(120), nullable=False),
    Column("reaction", String(200), nullable=False, server_default=""),
    Column("severity", String(20), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chain", String(40), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", Integer, nullable=True),
    Column("actor_role", String(20), nullable=False),
    Column("action", String(60), nullable=False),
    Column("clinic_id", Integer, nullable=True),
    Column("patient_id", Integer, nullable=True),
    Column("object_type", String(40), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("client", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("chain", "seq"),
    Index("ix_audit_events_clinic_patient", "clinic_id", "patient_id"),
    Index("ix_audit_events_clinic_at", "clinic_id", "at"),
)
