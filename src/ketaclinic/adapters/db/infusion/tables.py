"""Infusion day: sessions and their transitions, the monitor registry, vital readings, alarms,
notifications, HL7 message receipts (dedup by sender + MSH-10 + digest) and the dead-letter store.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from ketaclinic.adapters.db.types import UTCDateTime, metadata

infusion_sessions = Table(
    "infusion_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("course_id", ForeignKey("courses.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("chair_id", ForeignKey("chairs.id"), nullable=False),
    Column("state", String(20), nullable=False),
    Column("monitor_device_id", String(64), nullable=True),  # EUI-64 of the bedside monitor
    Column("attendant_id", ForeignKey("staff.id"), nullable=True),
    Column("prescriber_id", ForeignKey("staff.id"), nullable=True),  # supervising prescriber
    Column("scheduled_for", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", ForeignKey("staff.id"), nullable=False),
    Column("checked_in_at", UTCDateTime, nullable=True),
    Column("ready_at", UTCDateTime, nullable=True),
    Column("dosing_started_at", UTCDateTime, nullable=True),
    Column("paused_at", UTCDateTime, nullable=True),  # latest pause (null once resumed)
    Column("resumed_at", UTCDateTime, nullable=True),
    Column("dosing_ended_at", UTCDateTime, nullable=True),
    Column("stopped_at", UTCDateTime, nullable=True),
    Column("recovery_started_at", UTCDateTime, nullable=True),
    Column("discharged_at", UTCDateTime, nullable=True),
    Column("ended_at", UTCDateTime, nullable=True),  # cancelled / no-show
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    # counts the transactions that stored readings of this session (a cached history is current
    # while this is unchanged; it is read under the session's ingest lock)
    Column("readings_version", Integer, nullable=False, server_default="0"),
    # the booked appointment this session was opened from: one session per appointment
    Column("appointment_id", ForeignKey("appointments.id"), nullable=True),
    Column("session_number", Integer, nullable=True),  # protocol session number
    Column("unscheduled_reason", Text, nullable=True),  # prescriber's reason, no appointment
    Index("ix_infusion_sessions_clinic_state", "clinic_id", "state"),
    Index("uq_infusion_sessions_appointment", "appointment_id", unique=True),
    Index("ix_infusion_sessions_clinic_chair", "clinic_id", "chair_id"),
    Index("ix_infusion_sessions_clinic_patient", "clinic_id", "patient_id"),
)

session_transitions = Table(
    "session_transitions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("session_id", ForeignKey("infusion_sessions.id"), nullable=False, index=True),
    Column("from_state", String(20), nullable=False),
    Column("to_state", String(20), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("by_staff", ForeignKey("staff.id"), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("why", Text, nullable=True),  # the staff's own reason when ``reason`` is composed
)

monitor_devices = Table(
    "monitor_devices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("device_id", String(64), nullable=False),  # EUI-64 as sent in OBX-18
    Column("chair_id", ForeignKey("chairs.id"), nullable=False),
    Column("assigned_at", UTCDateTime, nullable=False),
    UniqueConstraint("device_id"),
)

vital_readings = Table(
    "vital_readings",
    metadata,
    Column("id", Integer, primary_key=True),
    # clinic and patient follow from the session; held to it once per stored batch, not per row
    Column("clinic_id", Integer, nullable=False),
    Column("session_id", ForeignKey("infusion_sessions.id"), nullable=False),
    Column("patient_id", Integer, nullable=False),
    Column("parameter", String(12), nullable=False),
    Column("value", Numeric(9, 3), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("observed_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("source", String(12), nullable=False),
    Column("status", String(2), nullable=False),
    Column("device_id", String(64), nullable=True),
    Column("mdc_code", String(16), nullable=True),
    Column("message_id", ForeignKey("hl7_messages.id"), nullable=True),
    Column("entered_by", ForeignKey("staff.id"), nullable=True),
    Column("plausible", Boolean, nullable=False),
    Column("rejected_reason", Text, nullable=True),
    Index("ix_vital_readings_session_at", "session_id", "observed_at"),
)

alarms = Table(
    "alarms",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("session_id", ForeignKey("infusion_sessions.id"), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("rule_id", String(80), nullable=False),
    Column("dedup_key", String(120), nullable=False),
    Column("parameter", String(12), nullable=False),
    Column("severity", String(12), nullable=False),
    Column("action", String(12), nullable=False),  # required action: notify | pause | stop
    Column("message", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("needs_signoff", Boolean, nullable=False),
    Column("triggering", Text, nullable=False),  # JSON: the readings behind the alarm
    Column("raised_at", UTCDateTime, nullable=False),
    Column("cleared_at", UTCDateTime, nullable=True),  # condition no longer holds
    Column("cleared_message", Text, nullable=True),
    Column("acknowledged_at", UTCDateTime, nullable=True),
    Column("acknowledged_by", ForeignKey("staff.id"), nullable=True),
    Column("ack_action", String(12), nullable=True),  # none | pause | stop
    Column("ack_note", Text, nullable=True),
    Column("resolution", Text, nullable=True),
    # a repeat of the same rule before acknowledgement updates this row instead of a new one
    Column("repeat_count", Integer, nullable=False, server_default="1"),
    Column("last_raised_at", UTCDateTime, nullable=True),
    Index("ix_alarms_clinic_session", "clinic_id", "session_id"),
    # at most one alarm per rule per session while its condition holds (never raised twice)
    Index(
        "uq_alarms_active_dedup",
        "session_id",
        "dedup_key",
        unique=True,
        sqlite_where=text("cleared_at IS NULL"),
        postgresql_where=text("cleared_at IS NULL"),
    ),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("recipient_id", ForeignKey("staff.id"), nullable=True),  # null: every prescriber
    Column("recipient_role", String(20), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_id", String(40), nullable=False),
    Column("patient_id", ForeignKey("patients.id"), nullable=True),
    Column("message", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime, nullable=True),
    Index("ix_notifications_clinic_recipient", "clinic_id", "recipient_id"),
)

hl7_messages = Table(
    "hl7_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("sender", String(230), nullable=False),
    Column("control_id", String(200), nullable=False),
    Column("digest", String(64), nullable=False),  # SHA-256 of the message bytes
    Column("received_at", UTCDateTime, nullable=False),
    Column("outcome", String(12), nullable=False),  # stored | unmatched
    Column("ack_code", String(2), nullable=False),
    Column("session_id", ForeignKey("infusion_sessions.id"), nullable=True),
    Column("readings", Integer, nullable=False),
    UniqueConstraint("clinic_id", "sender", "control_id", "digest"),
    # one message per MSH-10 per sender: a reused control id with other content is refused
    Index("uq_hl7_messages_control", "clinic_id", "sender", "control_id", unique=True),
)

hl7_dead_letters = Table(
    "hl7_dead_letters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("kind", String(20), nullable=False),  # rejected | unmatched | unmapped | framing
    Column("ack_code", String(2), nullable=False),
    Column("error_code", String(8), nullable=False),
    Column("reason", Text, nullable=False),
    Column("control_id", String(200), nullable=True),
    Column("payload", LargeBinary, nullable=False),  # a bounded prefix of the message
    Column("payload_bytes", Integer, nullable=False),  # the whole message's length
    Column("payload_sha256", String(64), nullable=True),  # digest of the whole message
    Column("reviewed_at", UTCDateTime, nullable=True),
    Index("ix_hl7_dead_letters_clinic_received", "clinic_id", "received_at"),
)
