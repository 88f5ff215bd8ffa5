"""Monitor ingest: the registry of HL7 gateways a clinic accepts monitor messages from.

A gateway is a source address or network (CIDR) plus the MSH-3 sending application and MSH-4
sending facility it writes; a message matching no active row is refused (AR) and nothing is
stored. Rows are never deleted: removal sets ``removed_at`` so the audit trail stays readable.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from ketaclinic.adapters.db.types import UTCDateTime, metadata

hl7_gateways = Table(
    "hl7_gateways",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("source", String(64), nullable=False),  # an IP address or CIDR network
    Column("sending_application", String(227), nullable=False),  # MSH-3 namespace id
    Column("sending_facility", String(227), nullable=False),  # MSH-4 namespace id ("" = empty)
    Column("added_at", UTCDateTime, nullable=False),
    Column("added_by", ForeignKey("staff.id"), nullable=True),  # null: seeded by the CLI/demo
    Column("removed_at", UTCDateTime, nullable=True),
    Column("removed_by", ForeignKey("staff.id"), nullable=True),
    Index("ix_hl7_gateways_clinic", "clinic_id"),
)

# Goes up (database triggers, migration 0019) whenever the clinic's gateways, monitor registry or
# infusion sessions change, except a session's readings_version alone: the listener re-reads what
# routes its messages only when this changed.
ingest_catalog_versions = Table(
    "ingest_catalog_versions",
    metadata,
    Column("clinic_id", Integer, primary_key=True, autoincrement=False),  # a bare counter
    Column("version", Integer, nullable=False, server_default="0"),
)
