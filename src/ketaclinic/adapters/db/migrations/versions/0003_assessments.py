"""assessments: recorded instrument responses, self-report links, in-app notices

Revision ID: 0003_assessments
Revises: 0002_courses
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketaclinic.adapters.db import types as ketaclinic_types

revision = "0003_assessments"
down_revision = "0002_courses"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "assessment_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("instrument_id", sa.String(length=40), nullable=False),
        sa.Column("instrument_version", sa.String(length=20), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=40), nullable=True),
        sa.Column("band_label", sa.String(length=80), nullable=True),
        sa.Column("subscales", sa.Text(), nullable=False),
        sa.Column("safety_flags", sa.Text(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("answered_by", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("answered_at", ketaclinic_types.UTCDateTime(), nullable=False),
        sa.Column("recorded_at", ketaclinic_types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        _fk("assessment_responses", "clinic_id", "clinics"),
        _fk("assessment_responses", "patient_id", "patients"),
        _fk("assessment_responses", "course_id", "courses"),
        _fk("assessment_responses", "recorded_by", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_responses")),
    )
    op.create_index(
        "ix_assessment_responses_clinic_patient",
        "assessment_responses",
        ["clinic_id", "patient_id", "instrument_id"],
    )
    op.create_table(
        "assessment_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("instrument_id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("form_token", sa.String(length=120), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", ketaclinic_types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", ketaclinic_types.UTCDateTime(), nullable=False),
        sa.Column("used_at", ketaclinic_types.UTCDateTime(), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("guardian_informed", sa.Boolean(), server_default="0", nullable=False),
        _fk("assessment_links", "clinic_id", "clinics"),
        _fk("assessment_links", "patient_id", "patients"),
        _fk("assessment_links", "course_id", "courses"),
        _fk("assessment_links", "created_by", "staff"),
        _fk("assessment_links", "response_id", "assessment_responses"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_assessment_links_token_hash")),
    )
    op.create_index(
        "ix_assessment_links_clinic_patient", "assessment_links", ["clinic_id", "patient_id"]
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("audience", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", ketaclinic_types.UTCDateTime(), nullable=False),
        _fk("notices", "clinic_id", "clinics"),
        _fk("notices", "patient_id", "patients"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    op.create_index("ix_notices_clinic_audience", "notices", ["clinic_id", "audience"])


def downgrade() -> None:
    op.drop_index("ix_notices_clinic_audience", table_name="notices")
    op.drop_table("notices")
    op.drop_index("ix_assessment_links_clinic_patient", table_name="assessment_links")
    op.drop_table("assessment_links")
    op.drop_index("ix_assessment_responses_clinic_patient", table_name="assessment_responses")
    op.drop_table("assessment_responses")
