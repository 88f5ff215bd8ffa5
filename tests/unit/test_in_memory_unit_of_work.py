"""The in-memory unit of work keeps the transaction promises the services rely on.

The shared behaviour (visible after commit, gone after rollback) is in the repository contracts
run against the databases too; these are the snapshot details only a fake can show cheaply.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.patients.course import CourseState
from tests.fakes.uow import InMemoryDatabase, InMemoryUnitOfWork

AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_a_unit_of_work_works_on_the_snapshot_taken_when_it_began() -> None:
    db = InMemoryDatabase()
    with InMemoryUnitOfWork(db) as reader:
        with InMemoryUnitOfWork(db) as writer:
            writer.clinics.add("early", "Early", "UTC", "EA", at=AT)
            writer.commit()
        assert reader.clinics.by_slug("early") is None  # began before the commit
    with InMemoryUnitOfWork(db) as later:
        assert later.clinics.by_slug("early") is not None
    assert db.commits == 1


def test_of_two_overlapping_units_the_second_to_commit_fails_and_nothing_is_lost() -> None:
    db = InMemoryDatabase()
    with InMemoryUnitOfWork(db) as first, InMemoryUnitOfWork(db) as second:
        first.clinics.add("first", "First", "UTC", "FI", at=AT)
        second.clinics.add("second", "Second", "UTC", "SE", at=AT)
        first.commit()
        with pytest.raises(Conflict) as err:
            second.commit()
    assert err.value.field == "transaction"
    assert [r.clinic.slug for r in db.committed.people.clinics.values()] == ["first"]


def test_writes_after_a_commit_need_their_own_commit() -> None:
    db = InMemoryDatabase()
    with InMemoryUnitOfWork(db) as uow:
        uow.clinics.add("kept", "Kept", "UTC", "KE", at=AT)
        uow.commit()
        uow.clinics.add("dropped", "Dropped", "UTC", "DR", at=AT)
    with InMemoryUnitOfWork(db) as uow:
        assert [c.slug for c in uow.clinics.list()] == ["kept"]


def test_an_error_inside_the_block_discards_every_write() -> None:
    db = InMemoryDatabase()
    with pytest.raises(Conflict), InMemoryUnitOfWork(db) as uow:
        clinic = uow.clinics.add("one", "One", "UTC", "ON", at=AT)
        uow.clinics.add("one", "Again", "UTC", "ON", at=AT)
    assert db.committed.people.clinics == {} and clinic.id == 1


def test_committed_rows_are_not_changed_by_a_later_unit_that_rolls_back() -> None:
    db = InMemoryDatabase()
    with InMemoryUnitOfWork(db) as uow:
        clinic = uow.clinics.add("c", "C", "UTC", "CC", at=AT)
        staff = uow.staff.add("a@c.test", "A", "x", at=AT)
        course = uow.courses.add(clinic.id, 1, 1, by=staff.id, at=AT)
        uow.commit()
    with InMemoryUnitOfWork(db) as uow:
        uow.courses.move(course, CourseState.EVALUATING, by=staff.id, at=AT, reason="")
        uow.rollback()
        assert uow.courses.get(clinic.id, course.id) == course
    assert db.committed.courses.courses[course.id] == course


def test_a_repository_outside_the_fakes_fails_loudly() -> None:
    with InMemoryUnitOfWork(InMemoryDatabase()) as uow, pytest.raises(AssertionError) as err:
        uow.evaluations.latest(1, 1)
    assert "evaluations.latest" in str(err.value)


def test_repositories_are_unusable_outside_the_block() -> None:
    uow = InMemoryUnitOfWork(InMemoryDatabase())
    with pytest.raises(AssertionError):
        uow.dosing.checkins(1, 1)
