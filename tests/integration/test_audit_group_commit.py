"""Read events of concurrent requests are committed together and the keyed chain stays whole
(SQLite and PostgreSQL): every event is there, linked in order, and verifies against a
checkpoint signed before the burst."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from ketaclinic.adapters.db.tables import audit_events
from ketaclinic.adapters.db.uow import SqlUnitOfWork
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.services.audit.group_commit import GroupCommit
from ketaclinic.services.audit.ports import AuditEntry
from ketaclinic.services.audit.read_audit import PatientRead
from ketaclinic.services.ports import UnitOfWork
from tests.conftest import World

THREADS, CALLS = 8, 6


def _events(world: World, action: str) -> int:
    with world.services.engine.connect() as conn:
        stmt = select(func.count()).select_from(audit_events).where(audit_events.c.action == action)
        return int(conn.execute(stmt).scalar_one())


def test_concurrent_reads_are_all_audited_and_the_chain_verifies(world: World) -> None:
    desk = world.actor(Role.FRONT_DESK)
    details = PatientDetails("Blake", "Demo-Birch", date(1990, 1, 9), SexAtBirth.MALE)
    patient = world.services.patients.register(desk, details)
    checkpoint = world.services.audit.checkpoint()
    read = PatientRead("patient.page_read", "page", "patients:chart", (patient.id,))
    errors: list[BaseException] = []

    def user() -> None:
        try:
            for _ in range(CALLS):
                written = world.services.read_audit.record_reads(
                    desk, [read], ids={}, outcome="success"
                )
                assert written == 1
                world.services.patients.chart(desk, patient.id)
        except BaseException as error:  # reported below, with the thread's failure
            errors.append(error)

    threads = [threading.Thread(target=user) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert _events(world, "patient.page_read") == THREADS * CALLS
    assert _events(world, "patient.read") == THREADS * CALLS
    report = world.services.audit.verify(checkpoint)
    assert report.first_break is None
    assert report.events >= 2 * THREADS * CALLS


def test_a_failing_append_in_a_batch_costs_no_other_caller_its_events(world: World) -> None:
    appends = GroupCommit(world.services.uow)
    holding, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def entry(n: int) -> AuditEntry:
        return AuditEntry("test.append", world.clinic.id, None, "system", "test", str(n))

    def hold(uow: UnitOfWork) -> int:  # keeps the leader busy while the others queue
        holding.set()
        release.wait(10)
        return uow.audit.append(entry(0), at=world.clock.now()).seq

    def good(n: int) -> None:
        results[f"good{n}"] = appends.run(
            lambda uow: uow.audit.append(entry(n), at=world.clock.now()).seq
        )

    def bad(uow: UnitOfWork) -> int:
        uow.audit.append(entry(99), at=world.clock.now())
        raise ValueError("this append is refused")

    def failing() -> None:
        with pytest.raises(ValueError, match="refused"):
            appends.run(bad)
        results["bad"] = "raised"

    def lead() -> None:
        results["hold"] = appends.run(hold)

    leader = threading.Thread(target=lead)
    leader.start()
    assert holding.wait(10)
    others = [threading.Thread(target=good, args=(1,)), threading.Thread(target=failing)]
    others.append(threading.Thread(target=good, args=(2,)))
    for thread in others:
        thread.start()
        time.sleep(0.05)
    release.set()
    for thread in [leader, *others]:
        thread.join(20)

    assert results.get("bad") == "raised"
    first = results["hold"]
    assert isinstance(first, int)
    # the other two follow the leader's link, in one batch; the refused one took no link
    assert {results.get("good1"), results.get("good2")} == {first + 1, first + 2}
    assert _events(world, "test.append") == 3  # the refused one left nothing
    assert world.services.audit.verify().first_break is None


def test_appends_in_one_transaction_link_to_each_other_and_skip_a_rolled_back_savepoint(
    world: World,
) -> None:
    """The log links a second append to its own last insert; a link inserted in a savepoint that
    was rolled back is never linked to."""

    def entry(n: int) -> AuditEntry:
        return AuditEntry("test.link", world.clinic.id, None, "system", "test", str(n))

    with SqlUnitOfWork(world.services.engine, world.services.audit_key) as uow:
        first = uow.audit.append(entry(1), at=world.clock.now())
        second = uow.audit.append(entry(2), at=world.clock.now())
        savepoint = uow.connection.begin_nested()
        uow.audit.append(entry(3), at=world.clock.now())
        savepoint.rollback()
        fourth = uow.audit.append(entry(4), at=world.clock.now())
        uow.commit()
    assert second.prev_hash == first.hash and second.seq == first.seq + 1
    assert fourth.prev_hash == second.hash and fourth.seq == second.seq + 1
    assert _events(world, "test.link") == 3
    assert world.services.audit.verify().first_break is None
