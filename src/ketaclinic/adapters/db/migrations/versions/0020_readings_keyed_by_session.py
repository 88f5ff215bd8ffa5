"""infusion: a vital reading's clinic and patient are held to its session once per batch

Revision ID: 0020_readings_keyed_by_session
Revises: 0019_ingest_catalog_version
Create Date: 2026-12-07 08:00:00

``vital_readings.clinic_id`` and ``patient_id`` always equal those of the reading's session. The
per-row foreign keys to ``clinics`` and ``patients`` (and the (clinic, session) index, which the
(session, time) index already serves) are dropped: every transaction that stores readings
updates each session's ``readings_version`` for exactly the (clinic, session, patient) it names
and fails when a pair does not match, so the invariant is checked once per batch instead of
once per row. The foreign key to the session stays.
"""

from __future__ import annotations

from alembic import op

revision = "0020_readings_keyed_by_session"
down_revision = "0019_ingest_catalog_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("vital_readings") as batch:
        batch.drop_index("ix_vital_readings_clinic_session")
        batch.drop_constraint("fk_vital_readings_clinic_id_clinics", type_="foreignkey")
        batch.drop_constraint("fk_vital_readings_patient_id_patients", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("vital_readings") as batch:
        batch.create_foreign_key(
            "fk_vital_readings_patient_id_patients", "patients", ["patient_id"], ["id"]
        )
        batch.create_foreign_key(
            "fk_vital_readings_clinic_id_clinics", "clinics", ["clinic_id"], ["id"]
        )
        batch.create_index("ix_vital_readings_clinic_session", ["clinic_id", "session_id"])
