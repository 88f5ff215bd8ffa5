"""One migration head, a schema that matches the models, and databases migrated before the
merge still upgrading — on SQLite and PostgreSQL.

The area branches (0003 … 0010) are joined by ``0011_one_head``; new migrations chain onto it.
A database migrated before the merge holds one ``alembic_version`` row per area tip (six rows:
applying 0009 had already removed 0003's row), or fewer areas when it is older still; each of
those must resolve and upgrade to the one head. Every area's downgrade and upgrade still runs on
its own once the merge is stepped back.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.patients.search_index import OUTSIDE_METADATA
from ketaclinic.adapters.db.schema import metadata

HEAD = "0023_transition_why"  # the newest revision; every new one chains onto it
# The area tips the merge joins: what ``alembic_version`` held on a fully migrated database
# before the merge existed.
AREA_TIPS = {
    "0004_evaluation",
    "0005_dosing",
    "0007_scheduling",
    "0008_integration",
    "0009_outcomes",
    "0010_session_workflow",
}
AREA_TABLES = {
    "0004_evaluation": {
        "consent_signatures",
        "consent_withdrawals",
        "eligibility_decisions",
        "evaluations",
        "eligibility_overrides",
    },
    "0005_dosing": {"dose_checkins", "dose_orders", "dose_verifications", "dose_administrations"},
    "0007_scheduling": {
        "opening_hours",
        "clinic_closures",
        "chair_outages",
        "staff_shifts",
        "patient_availability",
        "patient_schedule_preferences",
        "appointments",
    },
    "0008_integration": {
        "integration_practices",
        "integration_goals",
        "integration_goal_ratings",
        "coaching_notes",
        "journey_records",
        "integration_portal_links",
        "integration_practice_logs",
    },
    "0009_outcomes": {"course_scores", "booster_plans"},
    "0010_session_workflow": {"session_records"},
}
ASSESSMENTS = {"assessment_responses", "assessment_links", "notices"}


def below_the_merge(engine: Engine) -> set[str]:
    """Step back to the area branches (``0011_one_head`` and every later revision unapplied);
    the tables the database then has."""
    migrate.downgrade(engine, "0010_session_workflow")  # a parent of the merge
    assert migrate.database_heads(engine) == AREA_TIPS
    return set(inspect(engine).get_table_names())


def set_version_rows(engine: Engine, rows: set[str]) -> None:
    """Write ``alembic_version`` exactly as an older release left it."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        for row in sorted(rows):
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": row})


def schema_drift(engine: Engine) -> list[Any]:
    """Differences between the migrated database and ``schema.metadata`` (types and defaults).

    SQLite reflects a ``''`` server default as the SQL text ``('')`` while the model holds the
    Python string ``''``; those are equal once the SQL is unwrapped and are not drift.
    """
    with engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect the search's expression index; it is named in OUTSIDE_METADATA
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index ix_patients_"
        )
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": _modelled,
            },
        )
        diffs = compare_metadata(context, metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    return [d for d in flat if not (d[0] == "modify_default" and _same_default(d[5], d[6]))]


def _modelled(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """The patient search index (FTS5 table, trigram and expression indexes) is created by its
    migration and kept by the database; ``schema.metadata`` does not model it."""
    return name not in OUTSIDE_METADATA


def _same_default(reflected: Any, model: Any) -> bool:
    def literal(default: Any) -> str | None:
        if default is None:
            return None
        arg = getattr(default, "arg", default)
        sql = str(getattr(arg, "text", arg)).strip()
        if sql.startswith("(") and sql.endswith(")"):
            sql = sql[1:-1].strip()
        if len(sql) >= 2 and sql[0] == sql[-1] == "'":
            sql = sql[1:-1]
        return sql

    return literal(reflected) == literal(model)


def test_the_code_has_one_migration_head() -> None:
    assert migrate.script_heads() == {HEAD}


def test_migrated_schema_matches_the_models(migrated_engine: Engine) -> None:
    assert migrate.database_heads(migrated_engine) == {HEAD}
    assert schema_drift(migrated_engine) == []


def test_partly_migrated_database_is_not_current_and_upgrade_makes_it_current(
    empty_engine: Engine,
) -> None:
    assert not migrate.is_current(empty_engine)  # nothing applied
    migrate.upgrade(empty_engine, "0002_courses")
    assert not migrate.is_current(empty_engine)
    migrate.upgrade(empty_engine)
    assert migrate.is_current(empty_engine)
    assert migrate.database_heads(empty_engine) == {HEAD}


def test_database_at_the_old_area_heads_upgrades_to_the_one_head(empty_engine: Engine) -> None:
    for tip in sorted(AREA_TIPS):
        migrate.upgrade(empty_engine, tip)
    set_version_rows(empty_engine, AREA_TIPS)
    assert not migrate.is_current(empty_engine)
    migrate.upgrade(empty_engine)
    assert migrate.database_heads(empty_engine) == {HEAD}
    assert migrate.is_current(empty_engine)
    assert schema_drift(empty_engine) == []


def test_database_from_before_outcomes_upgrades_through_assessments(
    empty_engine: Engine,
) -> None:
    """An older release without 0009: 0003 was still its own head in ``alembic_version``."""
    older = (AREA_TIPS - {"0009_outcomes"}) | {"0003_assessments"}
    for revision in sorted(older):
        migrate.upgrade(empty_engine, revision)
    set_version_rows(empty_engine, older)
    tables = set(inspect(empty_engine).get_table_names())
    assert tables >= ASSESSMENTS and not AREA_TABLES["0009_outcomes"] & tables
    migrate.upgrade(empty_engine)
    assert migrate.database_heads(empty_engine) == {HEAD}
    assert AREA_TABLES["0009_outcomes"] <= set(inspect(empty_engine).get_table_names())


@pytest.mark.parametrize(
    "tip", ["0004_evaluation", "0005_dosing", "0009_outcomes", "0010_session_workflow"]
)
def test_an_area_downgrades_and_upgrades_on_its_own(empty_engine: Engine, tip: str) -> None:
    migrate.upgrade(empty_engine)
    everything = set(inspect(empty_engine).get_table_names())
    below = below_the_merge(empty_engine)
    migrate.downgrade(empty_engine, f"{tip}@-1")
    assert set(inspect(empty_engine).get_table_names()) == below - AREA_TABLES[tip]
    migrate.upgrade(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) == everything
    assert migrate.database_heads(empty_engine) == {HEAD}


def test_assessments_downgrade_takes_outcomes_with_them(empty_engine: Engine) -> None:
    """Course scores reference assessment responses: outcomes (0009) build on 0003."""
    migrate.upgrade(empty_engine)
    everything = set(inspect(empty_engine).get_table_names())
    below = below_the_merge(empty_engine)
    migrate.downgrade(empty_engine, "0009_outcomes@-2")
    gone = ASSESSMENTS | AREA_TABLES["0009_outcomes"]
    assert set(inspect(empty_engine).get_table_names()) == below - gone
    migrate.upgrade(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) == everything
