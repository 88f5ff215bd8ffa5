"""Test-wide fixtures: public FHIR and HL7 artifacts, database backends, composition root, personas.

Storage tests run on SQLite always and on PostgreSQL when ``KETACLINIC_TEST_DATABASE_URL`` is set.
Outside CI a missing PostgreSQL is skipped with one loud line; with ``CI=true`` it is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.adapters.db.schema import metadata
from ketaclinic.bootstrap import Services, build
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor, Clinic
from ketaclinic.services.identity.clinics import create_clinic
from ketaclinic.services.identity.staff_admin import NewStaff
from ketaclinic.settings import Environment, Settings
from tests.fakes import CountingTokens, FakeClock

REPO_ROOT = Path(__file__).resolve().parents[1]
PUBLIC_FIXTURES = Path(__file__).resolve().parent / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL_ENV = "KETACLINIC_TEST_DATABASE_URL"
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def public_fixtures() -> Path:
    """The published FHIR and HL7 v2 artifacts in ``tests/fixtures`` (never edited; see its
    README for each file's origin and licence)."""
    return PUBLIC_FIXTURES


def require_tier(available: bool, tier: str, reason: str) -> None:
    """Skip loudly outside CI; fail inside CI, where every tier must run."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{tier} tier required in CI but unavailable: {reason}")
    pytest.skip(f"{tier.upper()} TIER SKIPPED: {reason}")


def _postgres_database(base_url: str) -> Iterator[str]:
    """A throw-away database on the server of ``base_url``, dropped afterwards."""
    name = f"kc_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A throw-away database: commits need not wait for the disk (they stay atomic and
        # isolated; only a server crash could lose the last ones, and the test would be gone).
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        admin = make_engine(base_url)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One migrated database per backend for the whole run."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        yield engine
        engine.dispose()
        return
    base = os.environ.get(PG_URL_ENV, "")
    require_tier(bool(base), "postgres", f"{PG_URL_ENV} is not set")
    databases = _postgres_database(base)
    url = next(databases)
    engine = make_engine(url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    next(databases, None)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A new, empty (unmigrated) database per backend, for migration tests."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{(tmp_path / 'empty.db').as_posix()}")
        yield engine
        engine.dispose()
        return
    base = os.environ.get(PG_URL_ENV, "")
    require_tier(bool(base), "postgres", f"{PG_URL_ENV} is not set")
    databases = _postgres_database(base)
    engine = make_engine(next(databases))
    yield engine
    engine.dispose()
    next(databases, None)


def truncate_all(engine: Engine) -> None:
    """Empty every table. On PostgreSQL the owner lifts the audit append-only triggers for the
    duration of this one transaction (an explicit owner-only schema act, never done by the app)."""
    with engine.begin() as conn:
        suspend_audit_guard(conn)
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
        resume_audit_guard(conn)


def suspend_audit_guard(conn: Connection) -> None:
    """As the table owner, disable the audit append-only triggers (PostgreSQL; tests only)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))


def resume_audit_guard(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))


@dataclass
class World:
    """A clinic with one staff member of every role, on a fake clock."""

    services: Services
    clock: FakeClock
    clinic: Clinic
    actors: dict[Role, Actor]

    def actor(self, role: Role) -> Actor:
        return self.actors[role]


def make_world(engine: Engine, tmp_path: Path, slug: str = "testclinic") -> World:
    clock = FakeClock()
    settings = Settings(
        environment=Environment.TEST,
        var_dir=tmp_path,
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="t" * 40,
    )
    services = build(settings, clock=clock, tokens=CountingTokens(), engine=engine)
    clinic = create_clinic(services.uow, clock, slug, "Test Clinic", "America/Chicago", "TC")
    actors = {
        role: Actor(
            services.staff.bootstrap_create(
                clinic,
                NewStaff(
                    f"{role.value}@{slug}.test",
                    f"Test {role.value.replace('_', ' ').title()}",
                    role,
                    PASSWORD,
                ),
            ).id,
            role,
            clinic.id,
            "127.0.0.1",
        )
        for role in Role
    }
    return World(services, clock, clinic, actors)


@pytest.fixture
def world(migrated_engine: Engine, tmp_path: Path) -> World:
    """A fresh clinic on an empty database (SQLite and PostgreSQL)."""
    truncate_all(migrated_engine)
    return make_world(migrated_engine, tmp_path)
