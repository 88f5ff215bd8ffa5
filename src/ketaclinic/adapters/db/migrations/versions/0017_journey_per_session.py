"""integration: a journey record belongs to its session, one per session

Revision ID: 0017_journey_per_session
Revises: 0016_monitor_gateways
Create Date: 2026-12-07 00:40:00

The experiential record of a KAT session is never stored on its own: ``session_id`` becomes
required, references the infusion session and is unique, so two attendants saving at once end
in one record and a conflict. A database holding a journey without a session, or two for one
session, is not changed: the upgrade stops and names them, so nothing stored is lost silently.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_journey_per_session"
down_revision = "0016_monitor_gateways"
branch_labels = None
depends_on = None

TABLE = "journey_records"
UNIQUE = "uq_journey_records_session_id"
FOREIGN = "fk_journey_records_session_id_infusion_sessions"


def _refuse_orphans_and_twins() -> None:
    bind = op.get_bind()
    orphans = bind.execute(
        sa.text("SELECT id FROM journey_records WHERE session_id IS NULL ORDER BY id")
    ).scalars()
    twins = bind.execute(
        sa.text(
            "SELECT session_id FROM journey_records WHERE session_id IS NOT NULL "
            "GROUP BY session_id HAVING count(*) > 1 ORDER BY session_id"
        )
    ).scalars()
    found_orphans, found_twins = list(orphans), list(twins)
    if found_orphans or found_twins:
        raise RuntimeError(
            "journey records must each belong to one session before this upgrade: "
            f"records without a session {found_orphans}, sessions with more than one "
            f"record {found_twins}; link or merge them, then upgrade again"
        )


def upgrade() -> None:
    _refuse_orphans_and_twins()
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("session_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(FOREIGN, "infusion_sessions", ["session_id"], ["id"])
        batch.create_unique_constraint(UNIQUE, ["session_id"])


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.drop_constraint(FOREIGN, type_="foreignkey")
        batch.alter_column("session_id", existing_type=sa.Integer(), nullable=True)
