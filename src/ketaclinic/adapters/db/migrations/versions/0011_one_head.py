"""one head: every area branch merged, so new migrations chain onto a single revision

Revision ID: 0011_one_head
Revises: 0004_evaluation, 0005_dosing, 0007_scheduling, 0008_integration, 0009_outcomes,
    0010_session_workflow
"""

from __future__ import annotations

revision = "0011_one_head"
down_revision = (
    "0004_evaluation",
    "0005_dosing",
    "0007_scheduling",
    "0008_integration",
    "0009_outcomes",
    "0010_session_workflow",
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the merge only joins the branches."""


def downgrade() -> None:
    """Nothing to change: the branches separate again."""
