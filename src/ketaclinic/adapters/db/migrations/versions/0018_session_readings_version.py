"""infusion: a session counts the transactions that stored its readings

Revision ID: 0018_session_readings_version
Revises: 0017_journey_per_session
Create Date: 2026-12-07 03:50:00

``infusion_sessions.readings_version`` goes up by one in every transaction that stores readings
of the session, under the session's ingest lock. The monitor listener keeps each running
session's evaluation history in memory and uses it only while this number is the one its own
last commit left; any other writer (staff entry, a gateway, another listener) changes it, and the
history is read from the database again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_session_readings_version"
down_revision = "0017_journey_per_session"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("infusion_sessions") as batch:
        batch.add_column(
            sa.Column("readings_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("infusion_sessions") as batch:
        batch.drop_column("readings_version")
