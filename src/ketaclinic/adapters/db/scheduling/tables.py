"""Scheduling: opening hours, closures, chair outages, staff shifts, patient availability and
appointments. Every row carries ``clinic_id``; every instant is a UTC ``UTCDateTime``."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from ketaclinic.adapters.db.types import UTCDateTime, metadata

opening_hours = Table(
    "opening_hours",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("weekday", Integer, nullable=False),  # 0 = Monday
    Column("open_min", Integer, nullable=False),  # minutes after local midnight
    Column("close_min", Integer, nullable=False),
    Index("ix_opening_hours_clinic", "clinic_id", "weekday", unique=True),
)

closures = Table(
    "clinic_closures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("day", Date, nullable=False),  # local calendar day
    Column("reason", Text, nullable=False),
    Index("ix_clinic_closures_clinic_day", "clinic_id", "day", unique=True),
)

chair_outages = Table(
    "chair_outages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("chair_id", ForeignKey("chairs.id"), nullable=False),
    Column("start_at", UTCDateTime, nullable=False),
    Column("end_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_chair_outages_clinic", "clinic_id", "chair_id"),
)

staff_shifts = Table(
    "staff_shifts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("staff_id", ForeignKey("staff.id"), nullable=False),
    Column("role", String(20), nullable=False),  # nurse | prescriber
    Column("start_at", UTCDateTime, nullable=False),
    Column("end_at", UTCDateTime, nullable=False),
    Index("ix_staff_shifts_clinic_start", "clinic_id", "start_at"),
)

patient_availability = Table(
    "patient_availability",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("weekday", Integer, nullable=False),
    Column("start_min", Integer, nullable=False),  # minutes after local midnight
    Column("end_min", Integer, nullable=False),
    Index("ix_patient_availability_clinic_patient", "clinic_id", "patient_id"),
)

patient_preferences = Table(
    "patient_schedule_preferences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("preferred_start_min", Integer, nullable=True),  # minutes after local midnight
    Index("ix_patient_preferences_clinic_patient", "clinic_id", "patient_id", unique=True),
)

appointments = Table(
    "appointments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("chair_id", ForeignKey("chairs.id"), nullable=False),
    Column("nurse_id", ForeignKey("staff.id"), nullable=False),
    Column("start_at", UTCDateTime, nullable=False),
    Column("end_at", UTCDateTime, nullable=False),
    Column("kind", String(20), nullable=False),  # induction | booster | coaching
    Column("status", String(20), nullable=False),  # proposed | confirmed | cancelled | missed
    Column("session_number", Integer, nullable=False),
    Column("precheck_min", Integer, nullable=False),
    Column("dosing_min", Integer, nullable=False),
    Column("recovery_min", Integer, nullable=False),
    Column("nurse_setup_min", Integer, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_appointments_clinic_start", "clinic_id", "start_at"),
    Index("ix_appointments_clinic_course", "clinic_id", "course_id"),
    Index("ix_appointments_clinic_patient", "clinic_id", "patient_id"),
)

# What each active appointment occupies, one row per resource: the chair (or room) for the whole
# appointment, and the staff member for the span only they can cover (a nurse's set-up, a coach's
# whole session). On PostgreSQL an exclusion constraint (btree_gist) refuses two overlapping rows
# of one resource, so no race can double-book a chair or a person. Cancelled or missed
# appointments have no rows.
appointment_resources = Table(
    "appointment_resources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("appointment_id", ForeignKey("appointments.id"), nullable=False),
    Column("resource", String(10), nullable=False),  # chair | staff
    Column("resource_id", Integer, nullable=False),
    Column("start_at", UTCDateTime, nullable=False),
    Column("end_at", UTCDateTime, nullable=False),
    Index("ix_appointment_resources_appointment", "appointment_id"),
    Index("ix_appointment_resources_clinic_resource", "clinic_id", "resource", "resource_id"),
)
