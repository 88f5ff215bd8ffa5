"""The integration migration (0008) downgrades and upgrades on its own branch, on SQLite and
PostgreSQL, leaving the other areas' tables alone."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from ketaclinic.adapters.db import migrate
from tests.integration.test_migration_heads import HEAD, below_the_merge

MINE = {
    "integration_practices",
    "integration_goals",
    "integration_goal_ratings",
    "coaching_notes",
    "journey_records",
    "integration_portal_links",
    "integration_practice_logs",
}


def test_the_integration_branch_round_trips(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    everything = set(inspect(empty_engine).get_table_names())
    assert everything >= MINE
    below = below_the_merge(empty_engine)
    migrate.downgrade(empty_engine, "0008_integration@-1")
    assert set(inspect(empty_engine).get_table_names()) == below - MINE
    migrate.upgrade(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) == everything
    assert migrate.database_heads(empty_engine) == {HEAD}
