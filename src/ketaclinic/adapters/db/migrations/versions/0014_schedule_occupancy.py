"""schedule occupancy: one row per appointment and resource; PostgreSQL refuses overlaps

Revision ID: 0014_schedule_occupancy
Revises: 0013_audit_integrity
Create Date: 2026-12-06 21:40:00

Every active (proposed or confirmed) appointment occupies its chair for the whole appointment
and its staff member for the span only they can cover (a nurse's set-up, a coach's session). On
PostgreSQL an exclusion constraint over ``tstzrange(start_at, end_at)`` (``btree_gist``) refuses
two overlapping rows of one resource, checked at commit so a re-plan may swap sessions. A
database that already holds overlapping bookings is refused with their appointment ids: move or
cancel them, then upgrade again (nothing is changed or dropped silently).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from ketaclinic.adapters.db import types as ketaclinic_types

revision = "0014_schedule_occupancy"
down_revision = "0013_audit_integrity"
branch_labels = None
depends_on = None

CONSTRAINT = "ex_appointment_resources_no_overlap"


def upgrade() -> None:
    table = op.create_table(
        "appointment_resources",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("appointment_id", sa.Integer(), sa.ForeignKey("appointments.id"), nullable=False),
        sa.Column("resource", sa.String(length=10), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("start_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_appointment_resources_appointment", "appointment_resources", ["appointment_id"]
    )
    op.create_index(
        "ix_appointment_resources_clinic_resource",
        "appointment_resources",
        ["clinic_id", "resource", "resource_id"],
    )
    conn = op.get_bind()
    _backfill(conn, table)
    if conn.dialect.name == "postgresql":
        _refuse_existing_overlaps(conn)
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            f"ALTER TABLE appointment_resources ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
            "(clinic_id WITH =, resource WITH =, resource_id WITH =, "
            "tstzrange(start_at, end_at, '[)') WITH &&) DEFERRABLE INITIALLY DEFERRED"
        )


def _backfill(conn: sa.Connection, table: sa.Table) -> None:
    plain = ("id", "clinic_id", "chair_id", "nurse_id", "kind", "status", "nurse_setup_min")
    appointments = sa.table(
        "appointments",
        *(sa.column(name) for name in plain),
        sa.column("start_at", ketaclinic_types.UTCDateTime(timezone=True)),
        sa.column("end_at", ketaclinic_types.UTCDateTime(timezone=True)),
    )
    active = conn.execute(
        sa.select(appointments).where(appointments.c.status.in_(["proposed", "confirmed"]))
    ).mappings()
    rows: list[dict[str, object]] = []
    for a in active:
        base = {"clinic_id": a["clinic_id"], "appointment_id": a["id"]}
        rows.append(_row(base, "chair", a["chair_id"], a["start_at"], a["end_at"]))
        staff_end = (
            a["end_at"]
            if a["kind"] == "coaching"
            else a["start_at"] + timedelta(minutes=int(a["nurse_setup_min"]))
        )
        if staff_end > a["start_at"]:
            rows.append(_row(base, "staff", a["nurse_id"], a["start_at"], staff_end))
    if rows:
        conn.execute(sa.insert(table), rows)


def _row(
    base: dict[str, object], resource: str, resource_id: object, start: object, end: object
) -> dict[str, object]:
    return {
        **base,
        "resource": resource,
        "resource_id": resource_id,
        "start_at": start,
        "end_at": end,
    }


def _refuse_existing_overlaps(conn: sa.Connection) -> None:
    clashes = conn.execute(
        sa.text(
            "SELECT a.appointment_id, b.appointment_id, a.resource FROM appointment_resources a "
            "JOIN appointment_resources b ON a.clinic_id = b.clinic_id "
            "AND a.resource = b.resource AND a.resource_id = b.resource_id AND a.id < b.id "
            "AND a.start_at < b.end_at AND b.start_at < a.end_at ORDER BY 1, 2 LIMIT 20"
        )
    ).all()
    if clashes:
        pairs = ", ".join(f"{x}/{y} ({what})" for x, y, what in clashes)
        raise RuntimeError(
            "appointments already double-booked; move or cancel one of each pair, then "
            f"upgrade again: {pairs}"
        )


def downgrade() -> None:
    op.drop_index("ix_appointment_resources_clinic_resource", "appointment_resources")
    op.drop_index("ix_appointment_resources_appointment", "appointment_resources")
    op.drop_table("appointment_resources")
