"""Repository contracts: the same test functions run against the in-memory fakes, SQLite and
PostgreSQL, so a fake cannot drift from the database.

``backend`` opens units of work on one of the three and carries two clinics (``home`` and
``away``) with the rows a repository refers to (staff, patients, courses, a protocol version,
chairs), stored through the same repositories on every backend.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.adapters.db.uow import SqlUnitOfWork
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.services.ports import UnitOfWork, UnitOfWorkFactory
from tests.conftest import PG_URL_ENV, _postgres_database, require_tier, truncate_all
from tests.fakes.audit import FAKE_AUDIT_KEY
from tests.fakes.uow import InMemoryDatabase, unit_of_work_factory

AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
BACKENDS = ["fake", "sqlite", "postgres"]


@dataclass(frozen=True, slots=True)
class ClinicRows:
    """Ids of one clinic's rows that repositories refer to."""

    clinic_id: int
    staff_id: int
    second_staff_id: int
    patient_id: int
    second_patient_id: int
    course_id: int
    second_course_id: int
    protocol_version_id: int
    chair_id: int
    second_chair_id: int


@dataclass(frozen=True, slots=True)
class Backend:
    name: str
    uow: UnitOfWorkFactory
    home: ClinicRows
    away: ClinicRows


@pytest.fixture(scope="session")
def contract_sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('contracts') / 'c.db'}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def contract_postgres_engine() -> Iterator[Engine]:
    base = os.environ.get(PG_URL_ENV, "")
    require_tier(bool(base), "postgres", f"{PG_URL_ENV} is not set")
    databases = _postgres_database(base)
    engine = make_engine(next(databases))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    next(databases, None)


def _seed_clinic(uow: UnitOfWork, slug: str) -> ClinicRows:
    clinic = uow.clinics.add(slug, f"Contract {slug}", "America/Chicago", slug[:2].upper(), at=AT)
    staff = []
    for n in (1, 2):
        member = uow.staff.add(f"staff{n}@{slug}.test", f"Test Staff {n}", "x", at=AT)
        uow.staff.set_membership(member.id, clinic.id, Role.NURSE)
        staff.append(member.id)
    patients = [
        uow.patients.add(
            clinic.id,
            uow.clinics.next_mrn(clinic.id),
            PatientDetails(f"Avery{n}", "Demo-Contract", date(1980, 1, n), SexAtBirth.FEMALE),
            at=AT,
        ).id
        for n in (1, 2)
    ]
    version = uow.protocols.publish(
        clinic.id,
        protocol_id="contract",
        version="1",
        hash="0" * 64,
        title="Contract",
        base_ref=None,
        content="{}",
        at=AT,
        by=staff[0],
    )
    courses = [uow.courses.add(clinic.id, p, version.id, by=staff[0], at=AT).id for p in patients]
    chairs = [uow.clinics.add_chair(clinic.id, f"Chair {n}", ("monitor",)) for n in (1, 2)]
    return ClinicRows(clinic.id, *staff, *patients, *courses, version.id, *chairs)


def _seeded(name: str, factory: UnitOfWorkFactory) -> Backend:
    with factory() as uow:
        home, away = _seed_clinic(uow, "home"), _seed_clinic(uow, "away")
        uow.commit()
    return Backend(name, factory, home, away)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "fake":
        return _seeded("fake", unit_of_work_factory(InMemoryDatabase()))
    engine: Engine = request.getfixturevalue(f"contract_{request.param}_engine")
    truncate_all(engine)

    def factory() -> UnitOfWork:
        return SqlUnitOfWork(engine, FAKE_AUDIT_KEY)

    return _seeded(request.param, factory)
