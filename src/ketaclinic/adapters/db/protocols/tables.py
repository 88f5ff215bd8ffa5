"""Published protocol versions and their physician sign-offs."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from ketaclinic.adapters.db.types import UTCDateTime, metadata

protocol_versions = Table(
    "protocol_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("protocol_id", String(60), nullable=False),
    Column("version", String(40), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("base_ref", String(120), nullable=True),
    Column("content", Text, nullable=False),  # canonical JSON; immutable once published
    Column("published_at", UTCDateTime, nullable=False),
    Column("published_by", Integer, nullable=True),
    UniqueConstraint("clinic_id", "protocol_id", "version"),
)


protocol_signoffs = Table(
    "protocol_signoffs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("protocol_version_id", ForeignKey("protocol_versions.id"), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("signed_by", ForeignKey("staff.id"), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
    Column("confirmed_paths", Text, nullable=False),  # JSON list of every needs_signoff path
    UniqueConstraint("protocol_version_id"),
)
