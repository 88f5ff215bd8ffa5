"""dosing: between-session check-ins, dose orders, bedside checks, administrations

Revision ID: 0005_dosing
Revises: 0002_courses
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketaclinic.adapters.db import types as ketaclinic_types

revision = "0005_dosing"
down_revision = "0002_courses"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _decimal(name: str, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=24), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "dose_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", ketaclinic_types.UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("anxiety_0_10", sa.Integer(), nullable=True),
        sa.Column("anxiety_spike", sa.Boolean(), nullable=False),
        sa.Column("sleep_hours", sa.String(length=12), nullable=False),
        sa.Column("illness", sa.Boolean(), nullable=False),
        sa.Column("medication_changes", sa.Text(), nullable=False),
        sa.Column("side_effects", sa.Text(), nullable=False),
        _fk("dose_checkins", "clinic_id", "clinics"),
        _fk("dose_checkins", "patient_id", "patients"),
        _fk("dose_checkins", "course_id", "courses"),
        _fk("dose_checkins", "recorded_by", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dose_checkins")),
    )
    op.create_index("ix_dose_checkins_clinic_course", "dose_checkins", ["clinic_id", "course_id"])
    op.create_table(
        "dose_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("protocol_version_id", sa.Integer(), nullable=False),
        sa.Column("session_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("route", sa.String(length=4), nullable=False),
        sa.Column("drug", sa.String(length=60), nullable=False),
        _decimal("dose_mg", nullable=False),
        _decimal("requested_mg_per_kg"),
        _decimal("effective_mg_per_kg", nullable=False),
        _decimal("dosing_weight_kg", nullable=False),
        sa.Column("weight_basis", sa.String(length=12), nullable=False),
        sa.Column("weight_formula", sa.Text(), nullable=False),
        _decimal("vial_mg_per_ml"),
        _decimal("draw_volume_ml"),
        _decimal("final_volume_ml"),
        _decimal("final_concentration_mg_per_ml"),
        _decimal("rate_ml_per_h"),
        _decimal("mg_per_kg_per_h"),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("premedications", sa.Text(), nullable=False),
        sa.Column("recommendation", sa.String(length=20), nullable=False),
        _decimal("recommended_dose_mg"),
        sa.Column("override_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.Column("signed_by", sa.Integer(), nullable=False),
        sa.Column("signed_at", ketaclinic_types.UTCDateTime(), nullable=False),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.Column("verified_at", ketaclinic_types.UTCDateTime(), nullable=True),
        _fk("dose_orders", "clinic_id", "clinics"),
        _fk("dose_orders", "patient_id", "patients"),
        _fk("dose_orders", "course_id", "courses"),
        _fk("dose_orders", "protocol_version_id", "protocol_versions"),
        _fk("dose_orders", "signed_by", "staff"),
        _fk("dose_orders", "verified_by", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dose_orders")),
    )
    op.create_index("ix_dose_orders_clinic_course", "dose_orders", ["clinic_id", "course_id"])
    op.create_index("ix_dose_orders_clinic_patient", "dose_orders", ["clinic_id", "patient_id"])
    op.create_table(
        "dose_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("by_staff", sa.Integer(), nullable=False),
        sa.Column("at", ketaclinic_types.UTCDateTime(), nullable=False),
        sa.Column("mismatches", sa.Text(), nullable=False),
        _fk("dose_verifications", "clinic_id", "clinics"),
        _fk("dose_verifications", "order_id", "dose_orders"),
        _fk("dose_verifications", "by_staff", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dose_verifications")),
    )
    op.create_index(op.f("ix_dose_verifications_order_id"), "dose_verifications", ["order_id"])
    op.create_table(
        "dose_administrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("session_number", sa.Integer(), nullable=False),
        sa.Column("given_at", ketaclinic_types.UTCDateTime(), nullable=False),
        _decimal("dose_mg", nullable=False),
        _decimal("dose_mg_per_kg", nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("dissociation_instrument", sa.String(length=12), nullable=True),
        sa.Column("dissociation_peak_total", sa.Integer(), nullable=True),
        sa.Column("excessive_sedation", sa.Boolean(), nullable=False),
        sa.Column("alarms", sa.Text(), nullable=False),
        sa.Column("adverse_events", sa.Text(), nullable=False),
        sa.Column("stopped_early", sa.Boolean(), nullable=False),
        _fk("dose_administrations", "clinic_id", "clinics"),
        _fk("dose_administrations", "course_id", "courses"),
        _fk("dose_administrations", "order_id", "dose_orders"),
        _fk("dose_administrations", "recorded_by", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dose_administrations")),
        sa.UniqueConstraint("order_id", name=op.f("uq_dose_administrations_order_id")),
    )
    op.create_index(
        "ix_dose_administrations_clinic_course",
        "dose_administrations",
        ["clinic_id", "course_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_dose_administrations_clinic_course", table_name="dose_administrations")
    op.drop_table("dose_administrations")
    op.drop_index(op.f("ix_dose_verifications_order_id"), table_name="dose_verifications")
    op.drop_table("dose_verifications")
    op.drop_index("ix_dose_orders_clinic_patient", table_name="dose_orders")
    op.drop_index("ix_dose_orders_clinic_course", table_name="dose_orders")
    op.drop_table("dose_orders")
    op.drop_index("ix_dose_checkins_clinic_course", table_name="dose_checkins")
    op.drop_table("dose_checkins")
