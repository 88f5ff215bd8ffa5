"""session_transitions: the staff's own reason kept apart from the composed text (``why``)

Revision ID: 0023_transition_why
Revises: 0022_consent_witness_staff
Create Date: 2026-12-07 14:40:00

An early end of dosing records a composed ``reason`` (times, amounts, then the reason the nurse
wrote). The reason as written is now stored on its own in ``why`` and read from there. Earlier
rows keep ``why`` empty (NULL) and their reason is read back from ``reason`` as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_transition_why"
down_revision = "0022_consent_witness_staff"
branch_labels = None
depends_on = None

REFLECT = {"resolve_fks": False}


def upgrade() -> None:
    with op.batch_alter_table("session_transitions", reflect_kwargs=REFLECT) as batch:
        batch.add_column(sa.Column("why", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("session_transitions", reflect_kwargs=REFLECT) as batch:
        batch.drop_column("why")
