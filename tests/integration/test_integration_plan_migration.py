"""The integration migration (0008) downgrades and upgrades on its own branch, on SQLite and
PostgreSQL, leaving the other areas' tables alone."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from ketaclinic.adapters.db import migrate

MINE = {
    "integration_practices", "integration_goals", "integration_goal_ratings", "coaching_notes",
    "journey_records", "integration_portal_links", "integration_practice_logs",
}  # fmt: skip


def test_the_integration_branch_round_trips(migrated_engine: Engine) -> None:
    assert set(inspect(migrated_engine).get_table_names()) >= MINE
    migrate.downgrade(migrated_engine, "0008_integration-1")
    left = set(inspect(migrated_engine).get_table_names())
    assert not MINE & left and "courses" in left
    migrate.upgrade(migrated_engine)
    assert set(inspect(migrated_engine).get_table_names()) >= MINE
    assert "0008_integration" in migrate.database_heads(migrated_engine)
