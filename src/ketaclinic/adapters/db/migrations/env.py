"""Alembic environment: runs on the connection handed over by ``ketaclinic.adapters.db.migrate``."""

from __future__ import annotations

from alembic import context

from ketaclinic.adapters.db.schema import metadata

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    user_module_prefix="ketaclinic_types.",
)
with context.begin_transaction():
    context.run_migrations()
