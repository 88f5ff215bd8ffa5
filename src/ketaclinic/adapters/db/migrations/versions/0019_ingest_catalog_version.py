"""infusion: each clinic counts the changes to what routes its monitor messages

Revision ID: 0019_ingest_catalog_version
Revises: 0018_session_readings_version
Create Date: 2026-12-07 07:40:00

``ingest_catalog_versions.version`` goes up by one, in the same transaction, whenever a clinic's
HL7 gateways, bedside monitor registry or infusion sessions change (a session's
``readings_version`` alone, which every stored batch bumps, does not count). The monitor listener
holds the gateways, the monitor routing and the running sessions in memory and reads them again
only when this number differs from the one it read them at, instead of on every batch. Triggers
keep it, so no writer can forget it. The row is a bare counter keyed by clinic id (no foreign
key: a trigger fired by deleting a clinic's last rows may still count for it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_ingest_catalog_version"
down_revision = "0018_session_readings_version"
branch_labels = None
depends_on = None

_WATCHED = ("hl7_gateways", "monitor_devices", "infusion_sessions")
_BUMP = (
    "INSERT INTO ingest_catalog_versions (clinic_id, version) VALUES ({row}.clinic_id, 1) "
    "ON CONFLICT (clinic_id) DO UPDATE SET version = ingest_catalog_versions.version + 1"
)
# A session update that changes readings_version is a stored batch (it changes nothing else).
_SAME_SESSION_READINGS = "OLD.readings_version = NEW.readings_version"


def upgrade() -> None:
    op.create_table(
        "ingest_catalog_versions",
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_ingest_catalog_versions")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _postgres_triggers() -> None:
    for row in ("NEW", "OLD"):
        op.execute(
            f"CREATE FUNCTION ingest_catalog_bump_{row.lower()}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {_BUMP.format(row=row)}; RETURN NULL; END $$"
        )
    for table in _WATCHED:
        when = f" WHEN ({_SAME_SESSION_READINGS})" if table == "infusion_sessions" else ""
        op.execute(
            f"CREATE TRIGGER {table}_catalog_insert AFTER INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ingest_catalog_bump_new()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_catalog_update AFTER UPDATE ON {table} "
            f"FOR EACH ROW{when} EXECUTE FUNCTION ingest_catalog_bump_new()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_catalog_update_old AFTER UPDATE ON {table} "
            f"FOR EACH ROW WHEN (OLD.clinic_id <> NEW.clinic_id) "
            "EXECUTE FUNCTION ingest_catalog_bump_old()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_catalog_delete AFTER DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ingest_catalog_bump_old()"
        )


def _sqlite_triggers() -> None:
    for table in _WATCHED:
        when = f" WHEN {_SAME_SESSION_READINGS}" if table == "infusion_sessions" else ""
        op.execute(
            f"CREATE TRIGGER {table}_catalog_insert AFTER INSERT ON {table} "
            f"BEGIN {_BUMP.format(row='NEW')}; END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_catalog_update AFTER UPDATE ON {table}{when} "
            f"BEGIN {_BUMP.format(row='NEW')}; {_BUMP.format(row='OLD')}; END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_catalog_delete AFTER DELETE ON {table} "
            f"BEGIN {_BUMP.format(row='OLD')}; END"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in _WATCHED:
        for suffix in ("insert", "update", "update_old", "delete"):
            if suffix == "update_old" and not postgres:
                continue
            on = f" ON {table}" if postgres else ""
            op.execute(f"DROP TRIGGER IF EXISTS {table}_catalog_{suffix}{on}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS ingest_catalog_bump_new()")
        op.execute("DROP FUNCTION IF EXISTS ingest_catalog_bump_old()")
    op.drop_table("ingest_catalog_versions")
