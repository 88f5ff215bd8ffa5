"""``UnitOfWork`` contract: a write is visible after commit and gone after a rollback, on the
in-memory fake exactly as on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from ketaclinic.services.audit.ports import AuditEntry, AuditQuery
from tests.integration.contracts.conftest import AT, Backend
from tests.integration.contracts.test_dosing_contract import sign


def test_committed_writes_are_visible_to_the_next_unit_of_work(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        order = sign(uow, h)
        uow.commit()
    with backend.uow() as uow:
        assert uow.dosing.get_order(h.clinic_id, order.id) == order


def test_leaving_without_commit_discards_every_write(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        order = sign(uow, h)
        assert uow.dosing.get_order(h.clinic_id, order.id) == order  # visible inside
    with backend.uow() as uow:
        assert uow.dosing.get_order(h.clinic_id, order.id) is None
        assert uow.dosing.orders_for_course(h.clinic_id, h.course_id) == []


def test_rollback_discards_and_the_unit_of_work_stays_usable(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        dropped = sign(uow, h, 1)
        uow.rollback()
        assert uow.dosing.get_order(h.clinic_id, dropped.id) is None


def test_audit_events_chain_per_clinic_and_list_newest_first(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        for n, clinic in enumerate((h.clinic_id, h.clinic_id, a.clinic_id)):
            uow.audit.append(
                AuditEntry(f"contract.step{n}", clinic, h.staff_id, "nurse", "order", str(n)),
                at=AT,
            )
        uow.commit()
    with backend.uow() as uow:
        home = uow.audit.query(AuditQuery(h.clinic_id))
        events = uow.audit.chain_events(f"clinic:{h.clinic_id}")
        tail = uow.audit.tail(f"clinic:{h.clinic_id}")
    assert [e.action for _, e in home] == ["contract.step1", "contract.step0"]
    assert [e.seq for _, e in events] == [1, 2]
    assert events[1][1].prev_hash == events[0][1].hash
    assert tail is not None and (tail.seq, tail.hash) == (2, events[1][1].hash)


def test_a_read_only_unit_of_work_reads_and_refuses_to_commit(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        order = sign(uow, h)
        uow.commit()
    with backend.uow().read_only() as uow:
        assert uow.dosing.get_order(h.clinic_id, order.id) == order
        with pytest.raises(RuntimeError, match="read-only"):
            uow.commit()


def test_a_write_in_a_read_only_unit_of_work_fails_loudly(backend: Backend) -> None:
    """On SQLite (``query_only``) and PostgreSQL (``READ ONLY``) the write itself is refused;
    the fake refuses it at commit. Either way nothing is stored."""
    h = backend.home
    refused: type[Exception] = RuntimeError if backend.name == "fake" else DBAPIError
    with pytest.raises(refused), backend.uow().read_only() as uow:
        sign(uow, h)
        uow.commit()
    with backend.uow() as uow:
        assert uow.dosing.orders_for_course(h.clinic_id, h.course_id) == []


def test_a_writer_after_a_read_only_unit_writes_again(backend: Backend) -> None:
    """The read-only setting ends with its unit: the next unit on the same pooled connection
    writes."""
    h = backend.home
    for _ in range(3):
        with backend.uow().read_only() as uow:
            uow.dosing.orders_for_course(h.clinic_id, h.course_id)
    with backend.uow() as uow:
        order = sign(uow, h)
        uow.commit()
    with backend.uow() as uow:
        assert uow.dosing.get_order(h.clinic_id, order.id) == order
