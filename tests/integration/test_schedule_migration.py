"""Migrations 0007_scheduling and 0041_sec_schedule_occupancy: their tables come and go with
their own branch, leaving the others."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect

from ketaclinic.adapters.db import migrate

SCHEDULING = {
    "opening_hours", "clinic_closures", "chair_outages", "staff_shifts", "patient_availability",
    "patient_schedule_preferences", "appointments", "appointment_resources",
}  # fmt: skip


def test_scheduling_branch_downgrades_and_upgrades_on_its_own(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{(tmp_path / 'm.db').as_posix()}")
    try:
        migrate.upgrade(engine)
        everything = set(inspect(engine).get_table_names())
        assert everything >= SCHEDULING
        # the scheduling branch: 0007_scheduling and its occupancy revision on top
        migrate.downgrade(engine, "0041_sec_schedule_occupancy@-2")
        assert set(inspect(engine).get_table_names()) == everything - SCHEDULING
        migrate.upgrade(engine)
        assert set(inspect(engine).get_table_names()) == everything
    finally:
        engine.dispose()
