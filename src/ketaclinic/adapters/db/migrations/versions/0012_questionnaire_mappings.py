"""questionnaire mappings: a clinic's outside FHIR Questionnaires mapped onto instruments

Revision ID: 0012_questionnaire_mappings
Revises: 0011_one_head
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketaclinic.adapters.db import types as ketaclinic_types

revision = "0012_questionnaire_mappings"
down_revision = "0011_one_head"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "questionnaire_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("instrument_id", sa.String(length=40), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", ketaclinic_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_questionnaire_mappings_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff.id"], name=op.f("fk_questionnaire_mappings_created_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_mappings")),
        sa.UniqueConstraint("clinic_id", "url", name="uq_questionnaire_mappings_clinic_url"),
    )


def downgrade() -> None:
    op.drop_table("questionnaire_mappings")
