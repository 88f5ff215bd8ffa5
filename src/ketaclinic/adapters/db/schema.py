"""Imports every table module so the one MetaData knows the whole schema (for Alembic and tests)."""

from __future__ import annotations

from ketaclinic.adapters.db import tables
from ketaclinic.adapters.db.types import metadata

__all__ = ["metadata", "tables"]
