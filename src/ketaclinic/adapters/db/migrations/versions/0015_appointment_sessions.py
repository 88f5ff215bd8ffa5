"""infusion day: a session opened from its booked appointment (or unscheduled, with a reason);
an alarm that repeats before acknowledgement is counted on its row

Revision ID: 0015_appointment_sessions
Revises: 0014_schedule_occupancy
Create Date: 2026-12-06 21:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketaclinic.adapters.db import types as ketaclinic_types

revision = "0015_appointment_sessions"
down_revision = "0014_schedule_occupancy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("infusion_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("appointment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("session_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("unscheduled_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_infusion_sessions_appointment_id_appointments"),
            "appointments",
            ["appointment_id"],
            ["id"],
        )
        batch_op.create_index("uq_infusion_sessions_appointment", ["appointment_id"], unique=True)
    with op.batch_alter_table("alarms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("repeat_count", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(
            sa.Column("last_raised_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("alarms", schema=None) as batch_op:
        batch_op.drop_column("last_raised_at")
        batch_op.drop_column("repeat_count")
    with op.batch_alter_table("infusion_sessions", schema=None) as batch_op:
        batch_op.drop_index("uq_infusion_sessions_appointment")
        batch_op.drop_constraint(
            batch_op.f("fk_infusion_sessions_appointment_id_appointments"), type_="foreignkey"
        )
        batch_op.drop_column("unscheduled_reason")
        batch_op.drop_column("session_number")
        batch_op.drop_column("appointment_id")
