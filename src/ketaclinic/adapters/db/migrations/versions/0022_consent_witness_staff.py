"""consent_signatures: the witness is a member of staff (id and role beside the name)

Revision ID: 0022_consent_witness_staff
Revises: 0021_patient_search_index
Create Date: 2026-12-07 11:30:00

A consent witness is chosen among the clinic's active staff; the signature keeps who it was
(``witness_staff_id``) and their role then (``witness_role``) beside the name as it was shown.
Earlier signatures keep their typed ``witness_name`` with both new columns empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_consent_witness_staff"
down_revision = "0021_patient_search_index"
branch_labels = None
depends_on = None


# Reflecting the table must not follow its foreign keys into ``patients``, whose expression
# index (0021) SQLAlchemy cannot reflect.
REFLECT = {"resolve_fks": False}


def upgrade() -> None:
    with op.batch_alter_table("consent_signatures", reflect_kwargs=REFLECT) as batch:
        batch.add_column(sa.Column("witness_staff_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("witness_role", sa.String(length=20), nullable=True))
        batch.create_foreign_key(
            "fk_consent_signatures_witness_staff_id_staff", "staff", ["witness_staff_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("consent_signatures", reflect_kwargs=REFLECT) as batch:
        batch.drop_constraint("fk_consent_signatures_witness_staff_id_staff", type_="foreignkey")
        batch.drop_column("witness_role")
        batch.drop_column("witness_staff_id")
