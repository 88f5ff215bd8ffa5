"""monitor ingest: HL7 gateway registry, one receipt per MSH-10, dead-letter digests

Revision ID: 0016_monitor_gateways
Revises: 0015_appointment_sessions
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketaclinic.adapters.db import types as ketaclinic_types

revision = "0016_monitor_gateways"
down_revision = "0015_appointment_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hl7_gateways",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("sending_application", sa.String(length=227), nullable=False),
        sa.Column("sending_facility", sa.String(length=227), nullable=False),
        sa.Column("added_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("removed_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_hl7_gateways_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["added_by"], ["staff.id"], name=op.f("fk_hl7_gateways_added_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["removed_by"], ["staff.id"], name=op.f("fk_hl7_gateways_removed_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hl7_gateways")),
    )
    op.create_index("ix_hl7_gateways_clinic", "hl7_gateways", ["clinic_id"], unique=False)
    with op.batch_alter_table("hl7_dead_letters") as batch:
        batch.add_column(sa.Column("payload_sha256", sa.String(length=64), nullable=True))
    # Receipts stored before that reused an MSH-10 are kept: the oldest keeps the control id, the
    # later ones get "#reused-<id>" appended so the one-per-MSH-10 index can be built.
    op.execute(
        "UPDATE hl7_messages SET control_id = substr(control_id, 1, 180) || '#reused-' || "
        "CAST(id AS VARCHAR(12)) WHERE id NOT IN (SELECT min(id) FROM hl7_messages "
        "GROUP BY clinic_id, sender, control_id)"
    )
    op.create_index(
        "uq_hl7_messages_control",
        "hl7_messages",
        ["clinic_id", "sender", "control_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_hl7_messages_control", table_name="hl7_messages")
    with op.batch_alter_table("hl7_dead_letters") as batch:
        batch.drop_column("payload_sha256")
    op.drop_index("ix_hl7_gateways_clinic", table_name="hl7_gateways")
    op.drop_table("hl7_gateways")
