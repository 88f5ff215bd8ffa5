"""Migration 0007_scheduling: its tables come and go with its own branch, leaving the others."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect

from ketaclinic.adapters.db import migrate

SCHEDULING = {
    "opening_hours", "clinic_closures", "chair_outages", "staff_shifts", "patient_availability",
    "patient_schedule_preferences", "appointments",
}  # fmt: skip


def test_scheduling_branch_downgrades_and_upgrades_on_its_own(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{(tmp_path / 'm.db').as_posix()}")
    try:
        migrate.upgrade(engine)
        everything = set(inspect(engine).get_table_names())
        assert everything >= SCHEDULING
        migrate.downgrade(engine, "0007_scheduling@-1")
        assert set(inspect(engine).get_table_names()) == everything - SCHEDULING
        migrate.upgrade(engine)
        assert set(inspect(engine).get_table_names()) == everything
    finally:
        engine.dispose()
