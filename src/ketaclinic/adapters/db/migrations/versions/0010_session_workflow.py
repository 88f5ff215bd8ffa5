"""infusion day: the clinical record of each session (check-in to discharge)

Revision ID: 0010_session_workflow
Revises: 0006_infusion
Create Date: 2026-11-23 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketaclinic.adapters.db import types as ketaclinic_types

revision = "0010_session_workflow"
down_revision = "0006_infusion"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("recorded_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_session_records_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_sessions.id"],
            name=op.f("fk_session_records_session_id_infusion_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_session_records_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["staff.id"], name=op.f("fk_session_records_recorded_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_records")),
    )
    op.create_index(
        "ix_session_records_clinic_session",
        "session_records",
        ["clinic_id", "session_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_session_records_clinic_session", table_name="session_records")
    op.drop_table("session_records")
