"""Suicide-risk safety tasks."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from ketaclinic.adapters.db.types import UTCDateTime, metadata

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
