"""patients: a trigram index behind patient search

Revision ID: 0021_patient_search_index
Revises: 0020_readings_keyed_by_session
Create Date: 2026-12-07 08:10:00

SQLite gets the FTS5 trigram table ``patient_search`` (filled from the existing patients and kept
current by triggers on ``patients``); PostgreSQL gets ``pg_trgm`` GIN indexes on the two name
expressions the search matches. Both get an index for the exact MRN match. See
``adapters/db/patients/search_index.py``.
"""

from __future__ import annotations

from alembic import op

from ketaclinic.adapters.db.patients.search_index import (
    POSTGRES_CREATE,
    POSTGRES_DROP,
    SQLITE_CREATE,
    SQLITE_DROP,
)

revision = "0021_patient_search_index"
down_revision = "0020_readings_keyed_by_session"
branch_labels = None
depends_on = None


def upgrade() -> None:
    statements = POSTGRES_CREATE if op.get_bind().dialect.name == "postgresql" else SQLITE_CREATE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = POSTGRES_DROP if op.get_bind().dialect.name == "postgresql" else SQLITE_DROP
    for statement in statements:
        op.execute(statement)
