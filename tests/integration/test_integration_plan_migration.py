"""The integration migration (0008) downgrades and upgrades on its own branch, on SQLite and
PostgreSQL, leaving the other areas' tables alone."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from ketaclinic.adapters.db import migrate
from tests.integration.test_migration_heads import HEAD, below_the_merge

MINE = {
    "integration_practices", "integration_goals", "integration_goal_ratings", "coaching_notes",
    "journey_records", "integration_portal_links", "integration_practice_logs",
}  # fmt: skip


def test_the_integration_branch_round_trips(migrated_engine: Engine) -> None:
    everything = set(inspect(migrated_engine).get_table_names())
    assert everything >= MINE
    below_the_merge(migrated_engine)
    migrate.downgrade(migrated_engine, "0008_integration@-1")
    assert set(inspect(migrated_engine).get_table_names()) == everything - MINE
    migrate.upgrade(migrated_engine)
    assert set(inspect(migrated_engine).get_table_names()) == everything
    assert migrate.database_heads(migrated_engine) == {HEAD}
