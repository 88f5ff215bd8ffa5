"""integration: practice library, plan goals and ratings, coaching notes, journey records

Revision ID: 0008_integration
Revises: 0002_courses
Create Date: 2026-11-23 12:58:00
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

from ketaclinic.adapters.db import types as ketaclinic_types

revision = "0008_integration"
down_revision = "0002_courses"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _int(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _when(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, ketaclinic_types.UTCDateTime(), nullable=nullable)


def upgrade() -> None:
    t = "integration_practices"
    op.create_table(
        t,
        _id(),
        _int("clinic_id"),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Integer(), server_default="1", nullable=False),
        _fk(t, "clinic_id", "clinics"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    op.create_index(op.f(f"ix_{t}_clinic_id"), t, ["clinic_id"], unique=False)
    _goals()
    _coaching_notes()
    _journey_records()
    _portal()


def _goals() -> None:
    t = "integration_goals"
    op.create_table(
        t,
        _id(),
        _int("clinic_id"),
        _int("course_id"),
        _int("patient_id"),
        sa.Column("domain_id", sa.String(length=60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("practices", sa.Text(), nullable=False),
        sa.Column("measure", sa.String(length=200), server_default="", nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        _int("created_by"),
        _when("updated_at"),
        _fk(t, "clinic_id", "clinics"),
        _fk(t, "course_id", "courses"),
        _fk(t, "patient_id", "patients"),
        _fk(t, "created_by", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    op.create_index(
        "ix_integration_goals_clinic_course", t, ["clinic_id", "course_id"], unique=False
    )
    t = "integration_goal_ratings"
    op.create_table(
        t,
        _id(),
        _int("clinic_id"),
        _int("goal_id"),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        _when("at"),
        _int("by_staff", nullable=True),
        _fk(t, "clinic_id", "clinics"),
        _fk(t, "goal_id", "integration_goals"),
        _fk(t, "by_staff", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    op.create_index(op.f(f"ix_{t}_goal_id"), t, ["goal_id"], unique=False)


def _portal() -> None:
    t = "integration_portal_links"
    op.create_table(
        t,
        _id(),
        _int("clinic_id"),
        _int("patient_id"),
        _int("course_id"),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("form_token", sa.String(length=64), nullable=False),
        _int("created_by"),
        _when("created_at"),
        _when("expires_at"),
        _fk(t, "clinic_id", "clinics"),
        _fk(t, "patient_id", "patients"),
        _fk(t, "course_id", "courses"),
        _fk(t, "created_by", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("token_hash", name=op.f(f"uq_{t}_token_hash")),
    )
    t = "integration_practice_logs"
    op.create_table(
        t,
        _id(),
        _int("clinic_id"),
        _int("course_id"),
        _int("patient_id"),
        sa.Column("practice", sa.String(length=200), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("feeling", sa.Text(), server_default="", nullable=False),
        _when("at"),
        _fk(t, "clinic_id", "clinics"),
        _fk(t, "course_id", "courses"),
        _fk(t, "patient_id", "patients"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    op.create_index("ix_integration_practice_logs_clinic_course", t, ["clinic_id", "course_id"])


def _coaching_notes() -> None:
    t = "coaching_notes"
    op.create_table(
        t,
        _id(),
        _int("clinic_id"),
        _int("course_id"),
        _int("patient_id"),
        sa.Column("kind", sa.String(length=20), nullable=False),
        _when("session_at"),
        _int("author_id"),
        sa.Column("themes", sa.Text(), nullable=False),
        sa.Column("practices_assigned", sa.Text(), nullable=False),
        sa.Column("homework", sa.Text(), server_default="", nullable=False),
        sa.Column("risk", sa.String(length=12), nullable=False),
        sa.Column("risk_notes", sa.Text(), server_default="", nullable=False),
        sa.Column("private_text", sa.Text(), nullable=True),
        _when("signed_at", nullable=True),
        _when("created_at"),
        _fk(t, "clinic_id", "clinics"),
        _fk(t, "course_id", "courses"),
        _fk(t, "patient_id", "patients"),
        _fk(t, "author_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    op.create_index("ix_coaching_notes_clinic_course", t, ["clinic_id", "course_id"])
    op.create_index("ix_coaching_notes_clinic_author", t, ["clinic_id", "author_id"])


def _journey_records() -> None:
    t = "journey_records"
    op.create_table(
        t,
        _id(),
        _int("clinic_id"),
        _int("course_id"),
        _int("patient_id"),
        _int("session_id", nullable=True),
        sa.Column("route", sa.String(length=4), nullable=False),
        sa.Column("dose_mg", sa.Numeric(precision=10, scale=3), nullable=False),
        _when("given_at"),
        _int("attendant_id"),
        sa.Column("setting", sa.Text(), nullable=False),
        sa.Column("observations", sa.Text(), server_default="", nullable=False),
        sa.Column("reflection", sa.Text(), server_default="", nullable=False),
        _int("recorded_by"),
        _when("recorded_at"),
        _fk(t, "clinic_id", "clinics"),
        _fk(t, "course_id", "courses"),
        _fk(t, "patient_id", "patients"),
        _fk(t, "attendant_id", "staff"),
        _fk(t, "recorded_by", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    op.create_index("ix_journey_records_clinic_course", t, ["clinic_id", "course_id"])


def downgrade() -> None:
    op.drop_table("integration_practice_logs")
    op.drop_table("integration_portal_links")
    op.drop_table("journey_records")
    op.drop_table("coaching_notes")
    op.drop_table("integration_goal_ratings")
    op.drop_table("integration_goals")
    op.drop_table("integration_practices")
