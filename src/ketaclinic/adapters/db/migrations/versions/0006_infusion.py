"""infusion day: sessions, monitor registry, vital readings, alarms, notifications, HL7 receipts

Revision ID: 0006_infusion
Revises: 0002_courses
Create Date: 2026-11-23 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketaclinic.adapters.db import types as ketaclinic_types

revision = "0006_infusion"
down_revision = "0002_courses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chair_id"], ["chairs.id"], name=op.f("fk_monitor_devices_chair_id_chairs")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_monitor_devices_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_devices")),
        sa.UniqueConstraint("device_id", name=op.f("uq_monitor_devices_device_id")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("recipient_role", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=40), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_notifications_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_notifications_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["staff.id"], name=op.f("fk_notifications_recipient_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_clinic_recipient", ["clinic_id", "recipient_id"], unique=False
        )

    op.create_table(
        "infusion_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("monitor_device_id", sa.String(length=64), nullable=True),
        sa.Column("attendant_id", sa.Integer(), nullable=True),
        sa.Column("prescriber_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_for", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("checked_in_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ready_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dosing_started_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paused_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resumed_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dosing_ended_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "recovery_started_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("discharged_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["attendant_id"], ["staff.id"], name=op.f("fk_infusion_sessions_attendant_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["chair_id"], ["chairs.id"], name=op.f("fk_infusion_sessions_chair_id_chairs")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_infusion_sessions_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_infusion_sessions_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff.id"], name=op.f("fk_infusion_sessions_created_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_infusion_sessions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["prescriber_id"], ["staff.id"], name=op.f("fk_infusion_sessions_prescriber_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_infusion_sessions")),
    )
    with op.batch_alter_table("infusion_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_infusion_sessions_clinic_chair", ["clinic_id", "chair_id"], unique=False
        )
        batch_op.create_index(
            "ix_infusion_sessions_clinic_patient", ["clinic_id", "patient_id"], unique=False
        )
        batch_op.create_index(
            "ix_infusion_sessions_clinic_state", ["clinic_id", "state"], unique=False
        )

    op.create_table(
        "hl7_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=230), nullable=False),
        sa.Column("control_id", sa.String(length=200), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("received_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("ack_code", sa.String(length=2), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_hl7_messages_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_sessions.id"],
            name=op.f("fk_hl7_messages_session_id_infusion_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hl7_messages")),
        sa.UniqueConstraint(
            "clinic_id",
            "sender",
            "control_id",
            "digest",
            name=op.f("uq_hl7_messages_clinic_id_sender_control_id_digest"),
        ),
    )
    op.create_table(
        "hl7_dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("received_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ack_code", sa.String(length=2), nullable=False),
        sa.Column("error_code", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("control_id", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("payload_bytes", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_hl7_dead_letters_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hl7_dead_letters")),
    )
    with op.batch_alter_table("hl7_dead_letters", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hl7_dead_letters_clinic_received", ["clinic_id", "received_at"], unique=False
        )

    op.create_table(
        "session_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=False),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by_staff", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["by_staff"], ["staff.id"], name=op.f("fk_session_transitions_by_staff_staff")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_session_transitions_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_sessions.id"],
            name=op.f("fk_session_transitions_session_id_infusion_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_transitions")),
    )
    with op.batch_alter_table("session_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_transitions_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "alarms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=80), nullable=False),
        sa.Column("dedup_key", sa.String(length=120), nullable=False),
        sa.Column("parameter", sa.String(length=12), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("needs_signoff", sa.Boolean(), nullable=False),
        sa.Column("triggering", sa.Text(), nullable=False),
        sa.Column("raised_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cleared_message", sa.Text(), nullable=True),
        sa.Column("acknowledged_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("ack_action", sa.String(length=12), nullable=True),
        sa.Column("ack_note", sa.Text(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["staff.id"], name=op.f("fk_alarms_acknowledged_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_alarms_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_alarms_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_sessions.id"],
            name=op.f("fk_alarms_session_id_infusion_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarms")),
    )
    with op.batch_alter_table("alarms", schema=None) as batch_op:
        batch_op.create_index("ix_alarms_clinic_session", ["clinic_id", "session_id"], unique=False)
        batch_op.create_index(
            "uq_alarms_active_dedup",
            ["session_id", "dedup_key"],
            unique=True,
            sqlite_where=sa.text("cleared_at IS NULL"),
            postgresql_where=sa.text("cleared_at IS NULL"),
        )

    op.create_table(
        "vital_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("parameter", sa.String(length=12), nullable=False),
        sa.Column("value", sa.Numeric(precision=9, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("observed_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", ketaclinic_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=2), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("mdc_code", sa.String(length=16), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.Integer(), nullable=True),
        sa.Column("plausible", sa.Boolean(), nullable=False),
        sa.Column("rejected_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_vital_readings_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"], ["staff.id"], name=op.f("fk_vital_readings_entered_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["hl7_messages.id"],
            name=op.f("fk_vital_readings_message_id_hl7_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_vital_readings_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_sessions.id"],
            name=op.f("fk_vital_readings_session_id_infusion_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vital_readings")),
    )
    with op.batch_alter_table("vital_readings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vital_readings_clinic_session", ["clinic_id", "session_id"], unique=False
        )
        batch_op.create_index(
            "ix_vital_readings_session_at", ["session_id", "observed_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("vital_readings")
    op.drop_table("alarms")
    op.drop_table("session_transitions")
    op.drop_table("hl7_dead_letters")
    op.drop_table("hl7_messages")
    op.drop_table("infusion_sessions")
    op.drop_table("notifications")
    op.drop_table("monitor_devices")
