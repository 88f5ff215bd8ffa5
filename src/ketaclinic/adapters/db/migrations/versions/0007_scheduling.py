"""scheduling: opening hours, closures, chair outages, staff shifts, patient availability and
preferences, appointments

Revision ID: 0007_scheduling
Revises: 0002_courses
Create Date: 2026-11-23 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketaclinic.adapters.db import types as ketaclinic_types

revision = "0007_scheduling"
down_revision = "0002_courses"
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _fk(name: str, target: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(target), nullable=nullable)


def _utc(name: str) -> sa.Column[object]:
    return sa.Column(name, ketaclinic_types.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "opening_hours",
        _id(),
        _fk("clinic_id", "clinics.id"),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("open_min", sa.Integer(), nullable=False),
        sa.Column("close_min", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_opening_hours_clinic", "opening_hours", ["clinic_id", "weekday"], unique=True
    )
    op.create_table(
        "clinic_closures",
        _id(),
        _fk("clinic_id", "clinics.id"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_clinic_closures_clinic_day", "clinic_closures", ["clinic_id", "day"], unique=True
    )
    op.create_table(
        "chair_outages",
        _id(),
        _fk("clinic_id", "clinics.id"),
        _fk("chair_id", "chairs.id"),
        _utc("start_at"),
        _utc("end_at"),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_chair_outages_clinic", "chair_outages", ["clinic_id", "chair_id"])
    op.create_table(
        "staff_shifts",
        _id(),
        _fk("clinic_id", "clinics.id"),
        _fk("staff_id", "staff.id"),
        sa.Column("role", sa.String(length=20), nullable=False),
        _utc("start_at"),
        _utc("end_at"),
    )
    op.create_index("ix_staff_shifts_clinic_start", "staff_shifts", ["clinic_id", "start_at"])
    op.create_table(
        "patient_availability",
        _id(),
        _fk("clinic_id", "clinics.id"),
        _fk("patient_id", "patients.id"),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_min", sa.Integer(), nullable=False),
        sa.Column("end_min", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_patient_availability_clinic_patient",
        "patient_availability",
        ["clinic_id", "patient_id"],
    )
    op.create_table(
        "patient_schedule_preferences",
        _id(),
        _fk("clinic_id", "clinics.id"),
        _fk("patient_id", "patients.id"),
        sa.Column("preferred_start_min", sa.Integer(), nullable=True),
    )
    op.create_index(
        "ix_patient_preferences_clinic_patient",
        "patient_schedule_preferences",
        ["clinic_id", "patient_id"],
        unique=True,
    )
    _appointments()


def _appointments() -> None:
    op.create_table(
        "appointments",
        _id(),
        _fk("clinic_id", "clinics.id"),
        _fk("course_id", "courses.id"),
        _fk("patient_id", "patients.id"),
        _fk("chair_id", "chairs.id"),
        _fk("nurse_id", "staff.id"),
        _utc("start_at"),
        _utc("end_at"),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("session_number", sa.Integer(), nullable=False),
        sa.Column("precheck_min", sa.Integer(), nullable=False),
        sa.Column("dosing_min", sa.Integer(), nullable=False),
        sa.Column("recovery_min", sa.Integer(), nullable=False),
        sa.Column("nurse_setup_min", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        _utc("updated_at"),
    )
    op.create_index("ix_appointments_clinic_start", "appointments", ["clinic_id", "start_at"])
    op.create_index("ix_appointments_clinic_course", "appointments", ["clinic_id", "course_id"])
    op.create_index("ix_appointments_clinic_patient", "appointments", ["clinic_id", "patient_id"])


def downgrade() -> None:
    for index, table in (
        ("ix_appointments_clinic_patient", "appointments"),
        ("ix_appointments_clinic_course", "appointments"),
        ("ix_appointments_clinic_start", "appointments"),
        ("ix_patient_preferences_clinic_patient", "patient_schedule_preferences"),
        ("ix_patient_availability_clinic_patient", "patient_availability"),
        ("ix_staff_shifts_clinic_start", "staff_shifts"),
        ("ix_chair_outages_clinic", "chair_outages"),
        ("ix_clinic_closures_clinic_day", "clinic_closures"),
        ("ix_opening_hours_clinic", "opening_hours"),
    ):
        op.drop_index(index, table_name=table)
    for table in (
        "appointments",
        "patient_schedule_preferences",
        "patient_availability",
        "staff_shifts",
        "chair_outages",
        "clinic_closures",
        "opening_hours",
    ):
        op.drop_table(table)
