"""Dosing: between-session check-ins, signed dose orders, bedside checks and administrations.

Decimal quantities are stored as their exact text (``Decimal`` round-trips it on every backend);
lists (premedications, reasons, arithmetic steps, mismatches, alarms) as JSON text.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from ketaclinic.adapters.db.types import UTCDateTime, metadata

dose_checkins = Table(
    "dose_checkins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("source", String(20), nullable=False),  # staff | patient_link
    Column("recorded_by", ForeignKey("staff.id"), nullable=True),
    Column("anxiety_0_10", Integer, nullable=True),
    Column("anxiety_spike", Boolean, nullable=False),
    Column("sleep_hours", String(12), nullable=False),
    Column("illness", Boolean, nullable=False),
    Column("medication_changes", Text, nullable=False),  # JSON [{"drug", "change"}]
    Column("side_effects", Text, nullable=False),  # JSON [side effect]
    Index("ix_dose_checkins_clinic_course", "clinic_id", "course_id"),
)

dose_orders = Table(
    "dose_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("protocol_version_id", ForeignKey("protocol_versions.id"), nullable=False),
    Column("session_number", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("route", String(4), nullable=False),
    Column("drug", String(60), nullable=False),
    Column("dose_mg", String(24), nullable=False),
    Column("requested_mg_per_kg", String(24), nullable=True),
    Column("effective_mg_per_kg", String(24), nullable=False),
    Column("dosing_weight_kg", String(24), nullable=False),
    Column("weight_basis", String(12), nullable=False),
    Column("weight_formula", Text, nullable=False),
    Column("vial_mg_per_ml", String(24), nullable=True),
    Column("draw_volume_ml", String(24), nullable=True),
    Column("final_volume_ml", String(24), nullable=True),
    Column("final_concentration_mg_per_ml", String(24), nullable=True),
    Column("rate_ml_per_h", String(24), nullable=True),
    Column("mg_per_kg_per_h", String(24), nullable=True),
    Column("duration_min", Integer, nullable=False),
    Column("premedications", Text, nullable=False),  # JSON
    Column("recommendation", String(20), nullable=False),
    Column("recommended_dose_mg", String(24), nullable=True),
    Column("override_reason", Text, nullable=False, server_default=""),
    Column("reasons", Text, nullable=False),  # JSON list of "rule: message [source]"
    Column("steps", Text, nullable=False),  # JSON list of arithmetic steps
    Column("signed_by", ForeignKey("staff.id"), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
    Column("verified_by", ForeignKey("staff.id"), nullable=True),
    Column("verified_at", UTCDateTime, nullable=True),
    Index("ix_dose_orders_clinic_course", "clinic_id", "course_id"),
    Index("ix_dose_orders_clinic_patient", "clinic_id", "patient_id"),
)

dose_verifications = Table(
    "dose_verifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("order_id", ForeignKey("dose_orders.id"), nullable=False, index=True),
    Column("by_staff", ForeignKey("staff.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("mismatches", Text, nullable=False),  # JSON list; empty = verified
)

dose_administrations = Table(
    "dose_administrations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("order_id", ForeignKey("dose_orders.id"), nullable=False, unique=True),
    Column("session_number", Integer, nullable=False),
    Column("given_at", UTCDateTime, nullable=False),
    Column("dose_mg", String(24), nullable=False),
    Column("dose_mg_per_kg", String(24), nullable=False),
    Column("recorded_by", ForeignKey("staff.id"), nullable=False),
    Column("dissociation_instrument", String(12), nullable=True),
    Column("dissociation_peak_total", Integer, nullable=True),
    Column("excessive_sedation", Boolean, nullable=False),
    Column("alarms", Text, nullable=False),  # JSON [{"rule_id", "parameter", "action"}]
    Column("adverse_events", Text, nullable=False),  # JSON [adverse event]
    Column("stopped_early", Boolean, nullable=False),
    Index("ix_dose_administrations_clinic_course", "clinic_id", "course_id"),
)
