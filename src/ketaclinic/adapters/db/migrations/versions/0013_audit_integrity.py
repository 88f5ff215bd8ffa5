"""audit integrity: head derived from the last row; append-only triggers; app-role grants

Revision ID: 0013_audit_integrity
Revises: 0012_questionnaire_mappings
Create Date: 2026-12-06 21:20:00

The ``audit_heads`` table goes: a chain's head is its last event, so no head row can be rewritten.
On PostgreSQL, triggers refuse UPDATE, DELETE and TRUNCATE of ``audit_events`` for every role, and
when the application role named by ``KETACLINIC_DATABASE_APP_ROLE`` exists it is granted DML on
ordinary tables but only SELECT and INSERT on ``audit_events``.

Chains written before the audit key carry unkeyed links; the application seals each one with an
epoch event (``audit.chain_keyed``) at its next append or at the next ``ketaclinic audit
checkpoint``, after which every link is HMAC-SHA256 under the key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from ketaclinic.adapters.db.roles import grant_app_role, install_audit_guard, remove_audit_guard

revision = "0013_audit_integrity"
down_revision = "0012_questionnaire_mappings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("audit_heads")
    conn = op.get_bind()
    install_audit_guard(conn)
    grant_app_role(conn, context.config.attributes.get("app_role"))


def downgrade() -> None:
    conn = op.get_bind()
    remove_audit_guard(conn)
    op.create_table(
        "audit_heads",
        sa.Column("chain", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_heads")),
    )
    conn.execute(
        sa.text(
            "INSERT INTO audit_heads (chain, seq, hash) "
            "SELECT e.chain, e.seq, e.hash FROM audit_events e "
            "WHERE e.seq = (SELECT MAX(m.seq) FROM audit_events m WHERE m.chain = e.chain)"
        )
    )
