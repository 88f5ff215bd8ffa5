"""Readiness means every migration of every area branch is applied, dependencies included."""

from __future__ import annotations

from pathlib import Path

from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.engine import make_engine


def test_partly_migrated_database_is_not_current_and_all_heads_make_it_current(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'heads.db'}")
    try:
        assert not migrate.is_current(engine)  # nothing applied
        migrate.upgrade(engine, "0002_courses")
        assert not migrate.is_current(engine)
        migrate.upgrade(engine)
        assert migrate.is_current(engine)
        assert migrate.database_heads(engine) <= migrate.script_heads()
    finally:
        engine.dispose()
