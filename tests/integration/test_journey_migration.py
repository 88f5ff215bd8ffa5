"""The journey-per-session migration (0017) on SQLite and PostgreSQL: after it a journey record
needs its session (not null, a foreign key to the infusion session) and one per session (a
unique constraint); it downgrades and upgrades again."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.integration.tables import JOURNEY_ONE_PER_SESSION
from tests.integration.test_migration_heads import HEAD

PREVIOUS = "0016_monitor_gateways"  # the revision before 0017_journey_per_session


def _shape(engine: Engine) -> tuple[bool, set[str], set[str]]:
    found = inspect(engine)
    session = next(c for c in found.get_columns("journey_records") if c["name"] == "session_id")
    unique = {u["name"] or "" for u in found.get_unique_constraints("journey_records")}
    targets = {f["referred_table"] for f in found.get_foreign_keys("journey_records")}
    return bool(session["nullable"]), unique, targets


def test_a_journey_needs_its_session_once_after_the_upgrade(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    nullable, unique, targets = _shape(empty_engine)
    assert not nullable and JOURNEY_ONE_PER_SESSION in unique and "infusion_sessions" in targets
    migrate.downgrade(empty_engine, PREVIOUS)
    nullable, unique, targets = _shape(empty_engine)
    assert nullable and JOURNEY_ONE_PER_SESSION not in unique
    assert "infusion_sessions" not in targets
    migrate.upgrade(empty_engine)
    assert _shape(empty_engine)[1] >= {JOURNEY_ONE_PER_SESSION}
    assert migrate.database_heads(empty_engine) == {HEAD}
