"""outcomes: course score tags (why each score was taken) and maintenance booster plans

Revision ID: 0009_outcomes
Revises: 0003_assessments
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketaclinic.adapters.db import types as ketaclinic_types

revision = "0009_outcomes"
# Course scores point at assessment responses, so outcomes build on the assessments revision.
# This was a ``depends_on``; as a parent it lets one merge revision close every branch, and a
# database migrated before keeps resolving: applying 0009 already removed 0003 from its
# version table, exactly as moving from a parent to its child does.
down_revision = "0003_assessments"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "course_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("session_number", sa.Integer(), nullable=True),
        sa.Column("tagged_at", ketaclinic_types.UTCDateTime(), nullable=False),
        _fk("course_scores", "clinic_id", "clinics"),
        _fk("course_scores", "course_id", "courses"),
        _fk("course_scores", "response_id", "assessment_responses"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_scores")),
        sa.UniqueConstraint("response_id", name=op.f("uq_course_scores_response_id")),
    )
    op.create_index("ix_course_scores_clinic_course", "course_scores", ["clinic_id", "course_id"])
    op.create_table(
        "booster_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("windows", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", ketaclinic_types.UTCDateTime(), nullable=False),
        _fk("booster_plans", "clinic_id", "clinics"),
        _fk("booster_plans", "course_id", "courses"),
        _fk("booster_plans", "created_by", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booster_plans")),
    )
    op.create_index("ix_booster_plans_clinic_course", "booster_plans", ["clinic_id", "course_id"])


def downgrade() -> None:
    op.drop_index("ix_booster_plans_clinic_course", table_name="booster_plans")
    op.drop_table("booster_plans")
    op.drop_index("ix_course_scores_clinic_course", table_name="course_scores")
    op.drop_table("course_scores")
