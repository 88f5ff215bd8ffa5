"""Migrations 0007_scheduling and 0014_schedule_occupancy: their tables come and go with
their own branch, leaving the others."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from ketaclinic.adapters.db import migrate
from tests.integration.test_migration_heads import HEAD, below_the_merge

SCHEDULING = {
    "opening_hours",
    "clinic_closures",
    "chair_outages",
    "staff_shifts",
    "patient_availability",
    "patient_schedule_preferences",
    "appointments",
    "appointment_resources",
}


def test_scheduling_branch_downgrades_and_upgrades_on_its_own(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    everything = set(inspect(empty_engine).get_table_names())
    assert everything >= SCHEDULING
    below = below_the_merge(empty_engine)  # 0014_schedule_occupancy is unapplied here
    assert "appointment_resources" not in below
    migrate.downgrade(empty_engine, "0007_scheduling@-1")
    assert set(inspect(empty_engine).get_table_names()) == below - SCHEDULING
    migrate.upgrade(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) == everything
    assert migrate.database_heads(empty_engine) == {HEAD}
